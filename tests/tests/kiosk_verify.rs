//! The built kiosk page verifies passes in wasm, in headless Chromium,
//! against the trust list served by a real relay.

use ed25519_dalek::SigningKey;
use hiroba_engine::calendar::{ChildAge, YearMonth};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::{PassKind, SignedPass};
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{scan, wait_ready};
use hiroba_tests::{Browser, TestRelay, now};

fn family(rooms: Vec<RoomId>) -> anyhow::Result<PassRequest> {
    Ok(PassRequest {
        kind: PassKind::AppPass,
        rooms,
        guardians: 2,
        children: vec![YearMonth::new(2024, 8)?, YearMonth::new(2018, 1)?],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_accepts_a_real_pass_and_rejects_forged_and_wrong_room_ones() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let genuine = issuer.issue(&family(vec![RoomId(1)])?, now())?;
    // Same claims, signed by a key the city never trusted.
    let forged = genuine.claims.sign(&SigningKey::from_bytes(&[7u8; 32]));
    let elsewhere = issuer.issue(&family(vec![RoomId(5)])?, now())?;

    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/?room=R01")).await?;
    wait_ready(&browser).await?;

    let (status, code) = scan(&browser, &genuine.to_text()).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("accepted", ""),
        "a genuine pass"
    );
    let shown = browser.text("#scan-result").await?.unwrap_or_default();
    for child in &genuine.claims.children {
        let label = ChildAge::of(*child, now().jst_date()).label_ja();
        assert!(shown.contains(&label), "child shown as {label}: {shown}");
    }

    let (status, code) = scan(&browser, &forged.to_text()).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("rejected", "bad_signature"),
        "a forged pass"
    );

    let (status, code) = scan(&browser, &elsewhere.to_text()).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("rejected", "wrong_room"),
        "another room's pass"
    );

    let garbled: String = genuine.to_text().chars().take(20).collect();
    let (status, code) = scan(&browser, &garbled).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("rejected", "truncated"),
        "a cut-off code"
    );

    // The same text the relay would print on a card parses back to the same claims.
    assert_eq!(
        SignedPass::from_text(&genuine.to_text())?.claims,
        genuine.claims
    );
    browser.close().await?;
    relay.stop().await
}
