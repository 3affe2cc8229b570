//! The built kiosk in headless Chromium against a real relay: enrolment
//! with a pairing code, a keyboard-wedge scan → who came → 「受付しました」,
//! stored on the device (it survives a reload) and on the relay; every kind
//! of refused pass with its own message.

use std::collections::BTreeSet;

use ed25519_dalek::SigningKey;
use hiroba_engine::attendance::DayView;
use hiroba_engine::calendar::{ChildAge, YearMonth};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::{PassKind, wedge};
use hiroba_relay::accounts::issuance::revoke_below;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{WAIT, confirm, enrol, people, relay_day, scan, wait_ready};
use hiroba_tests::{Browser, TestRelay, now, poll};

fn family(rooms: Vec<RoomId>) -> anyhow::Result<PassRequest> {
    Ok(PassRequest {
        kind: PassKind::AppPass,
        rooms,
        guardians: 2,
        children: vec![YearMonth::new(2024, 8)?, YearMonth::new(2018, 1)?],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wedge_scan_checks_a_family_in_on_the_device_and_the_relay() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let pass = issuer.issue(&family(vec![RoomId(1)])?, now())?;

    let browser = Browser::start(&[]).await?;
    enrol(&browser, &relay, RoomId(1)).await?;
    assert_eq!(people(&browser).await?, 0);

    let (status, code) = scan(&browser, &pass.to_text()).await?;
    assert_eq!(
        status, "check-in",
        "a family not in the room is offered check-in (rejection code {code:?})"
    );
    let shown = browser.text("#scan-result").await?.unwrap_or_default();
    for child in &pass.claims.children {
        let label = ChildAge::of(*child, now().jst_date()).label_ja();
        assert!(shown.contains(&label), "child shown as {label}: {shown}");
    }
    assert_eq!(
        browser.attr("#guardians", "data-count").await?.as_deref(),
        Some("2")
    );
    confirm(&browser).await?;
    assert_eq!(people(&browser).await?, 4, "two children and two guardians");

    // On the relay, once sent.
    poll("the visit to reach the relay", WAIT, || async {
        let day = DayView::load(&relay_day(&relay, RoomId(1))?);
        Ok((day.stays().len() == 1).then_some(()))
    })
    .await?;
    hiroba_tests::kiosk::wait_attr(&browser, "#unsent", "data-count", "0").await?;

    // Stored on the device: a reload still counts the family, and the next
    // scan offers check-out.
    browser.client.refresh().await?;
    wait_ready(&browser).await?;
    assert_eq!(people(&browser).await?, 4);
    browser.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbled_forged_expired_revoked_wrong_room_and_mis_set_scanner_passes_each_say_why()
-> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let genuine = issuer.issue(&family(vec![RoomId(1)])?, now())?;
    // Same claims, signed by a key the city never trusted.
    let forged = genuine.claims.sign(&SigningKey::from_bytes(&[7u8; 32]));
    let elsewhere = issuer.issue(&family(vec![RoomId(5)])?, now())?;
    // The city's own key, with a window that ended a minute ago.
    let secret: [u8; 32] = relay
        .state
        .store
        .secret("signing-key/1")?
        .ok_or_else(|| anyhow::anyhow!("the relay has a signing key"))?
        .try_into()
        .map_err(|_| anyhow::anyhow!("a 32-byte key"))?;
    let mut lapsed = genuine.claims.clone();
    lapsed.pass_id = hiroba_engine::ids::PassId([3; 8]);
    lapsed.valid_from = now().plus_seconds(-3600);
    lapsed.valid_until = now().plus_seconds(-60);
    let expired = lapsed.sign(&SigningKey::from_bytes(&secret));
    let revoked = issuer.issue(&family(vec![RoomId(1)])?, now())?;
    let garbled: String = genuine.to_text().chars().take(20).collect();
    // Another city's pass, signed with a key of its own.
    let mut foreign = genuine.claims.clone();
    foreign.city = hiroba_engine::ids::CityCode(131_016);
    let other_city = foreign.sign(&SigningKey::from_bytes(&[9u8; 32]));
    // The tablet's keyboard settings, as a scanner's keys arrive through them.
    let text = genuine.to_text();
    let ime_on = wedge::type_in_kana_mode(&text);
    let caps_lock = wedge::type_with_caps_lock(&text);
    let layout = wedge::type_through(
        &format!("]Q1{text}"),
        wedge::KeyboardLayout::Us,
        wedge::KeyboardLayout::Jis,
    );

    let browser = Browser::start(&[]).await?;
    enrol(&browser, &relay, RoomId(1)).await?;
    // Revoked while the kiosk is online: it arrives by sync.
    revoke_below(&relay.state, revoked.claims.pass_id, 2)?;

    let cases = [
        ("forged", forged.to_text(), "bad_signature"),
        ("another room's", elsewhere.to_text(), "wrong_room"),
        ("expired", expired.to_text(), "expired"),
        ("cut-off", garbled, "truncated"),
        ("revoked", revoked.to_text(), "revoked"),
        ("other city's", other_city.to_text(), "other_city"),
        ("kana-mode", ime_on, "ime_on"),
        ("Caps Lock", caps_lock, "caps_lock"),
        ("US-on-JIS", layout, "scanner_layout_mismatch"),
    ];
    let count = cases.len();
    let mut messages = BTreeSet::new();
    for (what, text, expected) in cases {
        let result = poll(&format!("the {what} pass to be refused"), WAIT, || async {
            let (status, code) = scan(&browser, &text).await?;
            // The revocation may still be on its way: scan again until it lands.
            Ok((status == "rejected" && code == expected).then_some(()))
        })
        .await;
        result?;
        let reason = browser.text("#result-reason").await?.unwrap_or_default();
        assert!(!reason.is_empty(), "the {what} pass has words");
        messages.insert(reason);
    }
    assert_eq!(
        messages.len(),
        count,
        "each refusal has its own message: {messages:?}"
    );

    // A genuine pass still goes through.
    let (status, _) = scan(&browser, &genuine.to_text()).await?;
    assert_eq!(status, "check-in");
    browser.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_notice_shows_as_a_banner_on_its_rooms_kiosks() -> anyhow::Result<()> {
    use hiroba_engine::ids::DocId;
    use hiroba_engine::notice::{Notice, publish};
    use hiroba_relay::issuer::{load_doc, relay_actor};

    let relay = TestRelay::start(false).await?;
    let browser = Browser::start(&[]).await?;
    enrol(&browser, &relay, RoomId(1)).await?;
    assert!(
        browser.text("#emergency").await?.is_none(),
        "no banner on a calm day"
    );

    // The city publishes a closure for R01 while the kiosk is online.
    let store = &relay.state.store;
    let id = DocId::notices();
    let mut doc = load_doc(store, &id, relay_actor(store)?)?;
    let before = doc.get_heads();
    let closure = Notice {
        emergency: true,
        rooms: vec![RoomId(1)],
        title_ja: "本日は台風のため臨時休館します".to_owned(),
        title_en: "Closed today because of the typhoon".to_owned(),
        body_ja: String::new(),
        body_en: String::new(),
        min_age_months: None,
        max_age_months: None,
        from: now().plus_seconds(-60),
        until: now().plus_seconds(3600),
    };
    publish(&mut doc, "typhoon-2026-11", &closure)?;
    store.append_chunk(&id, &doc.save_after(&before))?;
    relay.state.sync.doc_written(&id)?;

    let banner = poll("the emergency banner", WAIT, || async {
        browser.text("#emergency").await
    })
    .await?;
    assert!(banner.contains("臨時休館"), "the banner says it: {banner}");
    browser.close().await?;
    relay.stop().await
}
