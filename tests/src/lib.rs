//! # hiroba-tests
//!
//! Support for whole-product tests: a real relay on `127.0.0.1:0` with real
//! sled files in a temp dir, and headless Chromium (through chromedriver)
//! driving the real built apps from `dist/`.
//!
//! Nothing here sleeps to wait: [`poll`] retries a condition until a
//! deadline, and says what it was waiting for when the deadline passes.

pub mod browser;
pub mod kiosk;
pub mod parent;
pub mod qr;
pub mod relay;
pub mod y4m;

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hiroba_engine::calendar::Timestamp;

pub use crate::browser::{Browser, WindowSize};
pub use crate::relay::TestRelay;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The built apps (`dist/`, or `$HIROBA_DIST`), failing with the command
/// that builds them when they are missing.
pub fn dist_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("HIROBA_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    anyhow::ensure!(
        dir.join("kiosk/index.html").is_file() && dir.join("parent/index.html").is_file(),
        "the web apps are not built in {}: run `cargo xtask build` (or `cargo xtask test`)",
        dir.display()
    );
    Ok(dir)
}

/// Time since this test process first asked, for progress lines.
pub fn elapsed() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// The wall clock, for tests that sign passes "now".
pub fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Polls `check` every 25 ms until it returns `Some`, or fails after
/// `timeout` naming `what` it waited for.
pub async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if Instant::now() >= deadline {
            let detail = last_error
                .map(|e| format!(" (last error: {e:#})"))
                .unwrap_or_default();
            anyhow::bail!("timed out after {timeout:?} waiting for {what}{detail}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
