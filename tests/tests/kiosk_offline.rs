//! SPEC §4: once opened online, the kiosk loads, reloads and verifies passes
//! with the relay gone — from its service worker's cache and its own saved
//! copy of the trust documents — and says it is offline.

use ed25519_dalek::SigningKey;
use hiroba_engine::calendar::YearMonth;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{WAIT, scan, wait_for_script as wait_for, wait_ready};
use hiroba_tests::{Browser, TestRelay, now, poll};

async fn net_status(browser: &Browser) -> anyhow::Result<String> {
    poll("the network indicator", WAIT, || async {
        browser.attr("#net-status", "data-online").await
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_reloads_and_verifies_with_the_relay_stopped() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let genuine = issuer.issue(
        &PassRequest {
            kind: PassKind::AppPass,
            rooms: vec![RoomId(1)],
            guardians: 1,
            children: vec![YearMonth::new(2023, 5)?],
        },
        now(),
    )?;
    let forged = genuine.claims.sign(&SigningKey::from_bytes(&[9u8; 32]));

    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/?room=R01")).await?;
    wait_ready(&browser).await?;
    assert_eq!(net_status(&browser).await?, "true", "online first");
    wait_for(
        &browser,
        "the service worker to control the kiosk",
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller !== null);",
    )
    .await?;

    // The relay goes away; the kiosk page is reloaded with no network.
    relay.stop().await?;
    browser.client.refresh().await?;
    wait_ready(&browser).await?;
    assert_eq!(
        net_status(&browser).await?,
        "false",
        "the kiosk says it is offline"
    );
    let offline_label = browser.text("#net-status").await?.unwrap_or_default();
    assert!(
        offline_label.contains("オフライン"),
        "label: {offline_label}"
    );

    let (status, code) = scan(&browser, &genuine.to_text()).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("accepted", ""),
        "a genuine pass, offline"
    );
    let (status, code) = scan(&browser, &forged.to_text()).await?;
    assert_eq!(
        (status.as_str(), code.as_str()),
        ("rejected", "bad_signature"),
        "a forged pass, offline"
    );

    // Without the app's own copy, the service worker's cache alone suffices.
    browser
        .client
        .execute("localStorage.clear(); return true;", vec![])
        .await?;
    browser.client.refresh().await?;
    wait_ready(&browser).await?;
    assert_eq!(net_status(&browser).await?, "false");
    let (status, _) = scan(&browser, &genuine.to_text()).await?;
    assert_eq!(
        status, "accepted",
        "a genuine pass, from the service worker's cache"
    );

    browser.close().await
}
