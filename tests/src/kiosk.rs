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
