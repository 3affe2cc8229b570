//! SPEC §4: once opened online, the kiosk loads, reloads and verifies passes
//! with the relay gone — from its service worker's cache and its own saved
//! copy of the trust documents — and says it is offline.

use std::time::Duration;

use ed25519_dalek::SigningKey;
use hiroba_engine::calendar::YearMonth;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::{Browser, TestRelay, now, poll};

const WAIT: Duration = Duration::from_secs(30);

/// Scans `text` and returns the status and code of *this* scan's result.
async fn scan(browser: &Browser, text: &str) -> anyhow::Result<(String, String)> {
    let before = browser.attr("#scan-result", "data-seq").await?;
    browser.type_like_scanner(text).await?;
    poll("the kiosk to show a scan result", WAIT, || async {
        let seq = browser.attr("#scan-result", "data-seq").await?;
        if seq == before {
            return Ok(None);
        }
        let status = browser.attr("#scan-result", "data-status").await?;
        let code = browser.attr("#scan-result", "data-code").await?;
        Ok(status.map(|s| (s, code.unwrap_or_default())))
    })
    .await
}

/// Runs `script` (which must `return` a boolean) until it returns true.
async fn wait_for(browser: &Browser, what: &str, script: &str) -> anyhow::Result<()> {
    poll(what, WAIT, || async {
        let value = browser.client.execute(script, vec![]).await?;
        Ok((value == serde_json::Value::Bool(true)).then_some(()))
    })
    .await
}

async fn wait_ready(browser: &Browser) -> anyhow::Result<()> {
    wait_for(
        browser,
        "the kiosk to load its trust list",
        "return !!(window.hiroba && window.hiroba.is_ready());",
    )
    .await
}

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
