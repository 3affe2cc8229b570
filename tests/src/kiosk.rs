//! Driving the built kiosk page: waiting until it can verify, and scanning.

use std::time::Duration;

use crate::{Browser, poll};

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

/// Waits until the kiosk has its trust documents and can verify scans.
pub async fn wait_ready(browser: &Browser) -> anyhow::Result<()> {
    wait_for_script(
        browser,
        "the kiosk to load its trust list",
        "return !!(window.hiroba && window.hiroba.is_ready());",
    )
    .await
}

/// Scans `text` as a keyboard-wedge scanner does and returns the result
/// panel's status and code once the result of *this* scan is shown (the
/// panel's `data-seq` counts scans, so an identical earlier result is not
/// mistaken for it).
pub async fn scan(browser: &Browser, text: &str) -> anyhow::Result<(String, String)> {
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

/// Waits until the kiosk shows a scan as accepted, however the scan arrived
/// (wedge, camera, typed). The one place that knows what "accepted" looks
/// like on screen, so the camera tests follow when the check-in flow changes.
pub async fn wait_accepted(browser: &Browser) -> anyhow::Result<()> {
    wait_for_script(
        browser,
        "the kiosk to show a scan as accepted",
        "const r = document.querySelector('#scan-result'); \
         return !!r && r.dataset.status === 'accepted';",
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
