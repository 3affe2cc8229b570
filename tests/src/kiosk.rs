//! Driving the built kiosk page: enrolling it, waiting until it can verify,
//! scanning, confirming, and reading its indicators.

use std::time::Duration;

use fantoccini::Locator;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_relay::accounts::device::{DeviceRole, make_code};

use crate::{Browser, TestRelay, poll};

/// How long a kiosk step may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// Runs `script` (which must `return` a boolean) until it returns true.
pub async fn wait_for_script(browser: &Browser, what: &str, script: &str) -> anyhow::Result<()> {
    poll(what, WAIT, || async {
        let value = browser.client.execute(script, vec![]).await?;
        Ok((value == serde_json::Value::Bool(true)).then_some(()))
    })
    .await
}

/// Waits until `css` has `attribute` equal to `value`.
pub async fn wait_attr(
    browser: &Browser,
    css: &str,
    attribute: &str,
    value: &str,
) -> anyhow::Result<()> {
    let what = format!("{css}[{attribute}={value}]");
    let last = std::sync::Mutex::new(None);
    let result = poll(&what, WAIT, || async {
        let now = browser.attr(css, attribute).await?;
        let done = now.as_deref() == Some(value);
        if let Ok(mut last) = last.lock() {
            *last = now;
        }
        Ok(done.then_some(()))
    })
    .await;
    let seen = last.lock().map(|l| l.clone()).unwrap_or_default();
    result.map_err(|e| e.context(format!("last seen: {seen:?}")))
}

/// A one-time pairing code for a kiosk of `room`, as an administrator
/// makes one in the staff console.
pub fn pairing_code(relay: &TestRelay, room: RoomId) -> anyhow::Result<String> {
    let (code, _) = make_code(
        &relay.state.accounts.tree,
        room,
        DeviceRole::Kiosk,
        "test-admin",
        crate::now(),
    )?;
    Ok(code)
}

/// Opens the kiosk page in a fresh browser and enrols it for `room` with a
/// new pairing code, as staff do once per tablet; returns when it is ready.
pub async fn enrol(browser: &Browser, relay: &TestRelay, room: RoomId) -> anyhow::Result<()> {
    let code = pairing_code(relay, room)?;
    step("opening the kiosk page");
    browser.client.goto(&relay.url("/kiosk/")).await?;
    wait_attr(browser, "#kiosk", "data-state", "enrol").await?;
    step("entering the pairing code");
    let field = browser.client.find(Locator::Css("#pairing-code")).await?;
    field.send_keys(&code).await?;
    browser
        .client
        .find(Locator::Css("#enrol-submit"))
        .await?
        .click()
        .await?;
    wait_ready(browser).await?;
    step("kiosk enrolled and ready");
    Ok(())
}

/// Says what a browser test is doing, so a stuck or failing run shows
/// where it was (`cargo test -- --nocapture`).
pub fn step(what: &str) {
    eprintln!("[{:.1}s] {what}", crate::elapsed().as_secs_f64());
}

/// Waits until the kiosk runs and can verify scans.
pub async fn wait_ready(browser: &Browser) -> anyhow::Result<()> {
    wait_attr(browser, "#kiosk", "data-state", "ready").await
}

/// Scans `text` as a keyboard-wedge scanner does and returns the result
/// panel's status and code once the panel for *this* scan is shown (the
/// panel's `data-seq` counts panels, so an identical earlier result is not
/// mistaken for it).
pub async fn scan(browser: &Browser, text: &str) -> anyhow::Result<(String, String)> {
    step(&format!(
        "scanning {}…",
        text.chars().take(12).collect::<String>()
    ));
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

/// Presses the panel's confirm button and waits for 「受付しました」 (or
/// 「退室しました」): shown only once the visit is stored on the device.
pub async fn confirm(browser: &Browser) -> anyhow::Result<()> {
    browser
        .client
        .find(Locator::Css("#confirm"))
        .await?
        .click()
        .await?;
    wait_attr(browser, "#scan-result", "data-status", "done").await
}

/// Scans a pass and checks the family in with the preselected members.
pub async fn check_in(browser: &Browser, text: &str) -> anyhow::Result<()> {
    let (status, code) = scan(browser, text).await?;
    anyhow::ensure!(
        status == "check-in",
        "expected check-in, got {status} {code}"
    );
    confirm(browser).await?;
    wait_attr(browser, "#scan-result", "data-kind", "in").await
}

/// Scans a pass of a family in the room and checks it out.
///
/// A pass read again within the kiosk's duplicate window (10 s) is one
/// scan; a family leaving that soon after arriving is read again, as
/// staff would, until the window has passed.
pub async fn check_out(browser: &Browser, text: &str) -> anyhow::Result<()> {
    poll("the kiosk to offer check-out", WAIT, || async {
        let (status, code) = scan(browser, text).await?;
        match status.as_str() {
            "check-out" => Ok(Some(())),
            "duplicate" => Ok(None),
            _ => Err(anyhow::anyhow!("expected check-out, got {status} {code}")),
        }
    })
    .await?;
    confirm(browser).await?;
    wait_attr(browser, "#scan-result", "data-kind", "out").await
}

/// People in the room, as the kiosk's header shows.
pub async fn people(browser: &Browser) -> anyhow::Result<u32> {
    let people = browser.attr("#occupancy", "data-people").await?;
    people
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| anyhow::anyhow!("no people count on the kiosk: {people:?}"))
}

/// The relay's copy of `room`'s day today, as stored.
pub fn relay_day(relay: &TestRelay, room: RoomId) -> anyhow::Result<automerge::AutoCommit> {
    let id = DocId::attendance(room, crate::now().jst_date());
    let bytes = relay.state.store.doc_bytes(&id)?.unwrap_or_default();
    Ok(automerge::AutoCommit::load(&bytes)?)
}

/// Waits until the kiosk shows a scan as accepted, however the scan arrived
/// (wedge, camera, typed). The one place that knows what "accepted" looks
/// like on screen, so the camera tests follow when the check-in flow changes.
pub async fn wait_accepted(browser: &Browser) -> anyhow::Result<()> {
    wait_for_script(
        browser,
        "the kiosk to offer check-in for a scanned pass",
        "const r = document.querySelector('#scan-result'); \
         return !!r && r.dataset.status === 'check-in';",
    )
    .await
}

/// Turns the camera reader on with the staff's switch (and waits until the
/// page shows the camera area).
pub async fn turn_camera_on(browser: &Browser) -> anyhow::Result<()> {
    let checked = browser
        .client
        .execute(
            "const c = document.getElementById('mode-camera'); return !!c && c.checked;",
            vec![],
        )
        .await?;
    if checked != serde_json::Value::Bool(true) {
        // The settings are folded under their staff heading.
        browser
            .client
            .find(fantoccini::Locator::Css("#scan-modes > summary"))
            .await?
            .click()
            .await?;
        browser
            .client
            .find(fantoccini::Locator::Css("#mode-camera"))
            .await?
            .click()
            .await?;
    }
    wait_for_script(
        browser,
        "the camera area to appear",
        "return !!document.getElementById('camera');",
    )
    .await
}

/// The camera area's state (`starting`, `live`, `denied`, `missing`…) once
/// it is no longer `starting`.
pub async fn camera_state(browser: &Browser) -> anyhow::Result<String> {
    poll("the camera to start or fail", WAIT, || async {
        let state = browser.attr("#camera", "data-camera-state").await?;
        Ok(state.filter(|s| s != "starting"))
    })
    .await
}

/// Logs in on the staff console's login form (the console must be showing
/// it) and waits until the console shows its pages.
pub async fn log_in_staff(browser: &Browser, login_id: &str, password: &str) -> anyhow::Result<()> {
    step(&format!("logging in as {login_id}"));
    wait_attr(browser, "#staff-console", "data-logged-in", "false").await?;
    browser
        .client
        .find(Locator::Css("#staff-login-id"))
        .await?
        .send_keys(login_id)
        .await?;
    browser
        .client
        .find(Locator::Css("#staff-password"))
        .await?
        .send_keys(&format!(
            "{password}{}",
            char::from(fantoccini::key::Key::Enter)
        ))
        .await?;
    wait_attr(browser, "#staff-console", "data-logged-in", "true").await
}
