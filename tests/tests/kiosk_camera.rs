//! The kiosk reads a pass with the tablet's camera: Chromium's fake camera
//! plays a y4m of a real pass's QR code, the kiosk grabs frames, its decoder
//! worker (the kiosk's own wasm, rqrr) reads them, and the scan takes the
//! same path as a keyboard-wedge scan: one tap records the visit, which
//! reaches the relay.

use std::future::Future;
use std::time::Duration;

use hiroba_engine::attendance::DayView;
use hiroba_engine::calendar::YearMonth;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{
    WAIT, camera_state, confirm, enrol, relay_day, step, turn_camera_on, wait_accepted,
    wait_for_script,
};
use hiroba_tests::y4m::write_qr_video;
use hiroba_tests::{Browser, TestRelay, now, poll};

/// A hung WebDriver call must fail the test, not hold Chromium forever.
const WHOLE_TEST: Duration = Duration::from_secs(150);

async fn bounded(test: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::time::timeout(WHOLE_TEST, test)
        .await
        .map_err(|_| anyhow::anyhow!("the test did not finish within {WHOLE_TEST:?}"))?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_camera_reads_a_real_pass() -> anyhow::Result<()> {
    bounded(camera_reads_a_real_pass()).await
}

async fn camera_reads_a_real_pass() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let request = PassRequest {
        kind: PassKind::AppPass,
        rooms: vec![RoomId(1)],
        guardians: 1,
        children: vec![YearMonth::new(2023, 6)?],
    };
    let pass = issuer.issue(&request, now())?;
    let footage = tempfile::tempdir()?;
    let video = write_qr_video(footage.path(), &pass.to_text())?;

    let browser = Browser::start(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ])
    .await?;
    enrol(&browser, &relay, RoomId(1)).await?;
    assert_eq!(
        browser.attr("#mode-camera", "id").await?.as_deref(),
        Some("mode-camera"),
        "staff can switch the camera on"
    );
    assert_eq!(
        browser.attr("#camera", "id").await?,
        None,
        "the camera is off until staff turn it on"
    );

    turn_camera_on(&browser).await?;
    assert_eq!(camera_state(&browser).await?, "live");
    wait_accepted(&browser).await?;
    let decode_ms = browser.attr("#camera", "data-decode-ms").await?;
    eprintln!("worker decode time of the last frame: {decode_ms:?} ms");

    // One tap records the visit the camera read, as a wedge scan's.
    step("confirming the camera's check-in");
    confirm(&browser).await?;
    poll("the camera's visit on the relay", WAIT, || async {
        let day = DayView::load(&relay_day(&relay, RoomId(1))?);
        Ok(day
            .stays()
            .iter()
            .any(|s| s.pass == Some(pass.claims.pass_id))
            .then_some(()))
    })
    .await?;
    step("reading the stored modes");

    // The choice is kept on the device for the next start.
    let stored = browser
        .client
        .execute("return localStorage.getItem('hiroba.scanModes');", vec![])
        .await?;
    assert_eq!(
        stored.as_str(),
        Some("{\"wedge\":true,\"camera\":true}"),
        "both readers on, remembered"
    );

    // Off again: the preview goes away (and the camera with it).
    step("turning the camera off");
    browser
        .client
        .find(fantoccini::Locator::Css("#mode-camera"))
        .await?
        .click()
        .await?;
    wait_for_script(
        &browser,
        "the camera area to go away",
        "return !document.getElementById('camera');",
    )
    .await?;

    step("closing the browser");
    browser.close().await?;
    step("stopping the relay");
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_without_a_camera_says_so_and_keeps_the_field() -> anyhow::Result<()> {
    bounded(without_a_camera_says_so()).await
}

async fn without_a_camera_says_so() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    // Permission is granted, but this machine has no camera at all.
    let browser = Browser::start(&["--use-fake-ui-for-media-stream".to_owned()]).await?;
    enrol(&browser, &relay, RoomId(1)).await?;
    turn_camera_on(&browser).await?;
    let state = camera_state(&browser).await?;
    assert!(
        ["missing", "busy"].contains(&state.as_str()),
        "no camera: {state}"
    );
    let message = browser.text("#camera-message").await?.unwrap_or_default();
    assert!(message.contains("カメラ"), "worded in Japanese: {message}");
    assert_eq!(
        browser.attr("#scan-input", "disabled").await?,
        None,
        "the typed field still works"
    );
    browser.close().await?;
    relay.stop().await
}
