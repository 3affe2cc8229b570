//! Headless Chromium through chromedriver, torn down even when a test panics.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A chromedriver process and one browser session.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: DriverGuard,
    _profile: tempfile::TempDir,
}

/// Kills chromedriver's whole process group (and so Chromium) on drop.
#[derive(Debug)]
struct DriverGuard(Child);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        // chromedriver leads its own process group (spawned with
        // `process_group(0)`), so Chromium goes with it. A system call, not
        // a `kill` child process, so nothing here can block.
        let group = rustix::process::Pid::from_child(&self.0);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.0.kill();
        // Reap it, but never wait on a driver that does not die.
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline {
            match self.0.try_wait() {
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                _ => break,
            }
        }
    }
}

fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

fn chrome_binary() -> Option<String> {
    std::env::var("CHROME_BIN").ok().or_else(|| {
        ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .map(str::to_owned)
    })
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The size of the page's viewport, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    pub width: u32,
    pub height: u32,
    /// Emulate a phone's screen (chromedriver's `mobileEmulation`): exactly
    /// this viewport, touch, and the mobile `<meta name="viewport">` rules.
    /// Without it the size is only the window's, and headless Chromium
    /// makes no window narrower than 500 px.
    pub mobile: bool,
}

impl WindowSize {
    /// A desktop window: the size [`Browser::start`] opens.
    pub const DESKTOP: WindowSize = WindowSize {
        width: 1280,
        height: 900,
        mobile: false,
    };
    /// A phone held upright (390×844, a common phone's viewport), for the
    /// parent app, which is designed for 360–430 px first.
    pub const PHONE: WindowSize = WindowSize {
        width: 390,
        height: 844,
        mobile: true,
    };
}

impl Browser {
    /// Starts headless Chromium with the flags this machine needs, plus
    /// `extra_args` (e.g. a fake camera), in a [`WindowSize::DESKTOP`] window.
    pub async fn start(extra_args: &[String]) -> anyhow::Result<Browser> {
        Browser::start_with_size(extra_args, WindowSize::DESKTOP).await
    }

    /// As [`Browser::start`], in a window of `size` (e.g.
    /// [`WindowSize::PHONE`]). `extra_args` must not set `--window-size`.
    pub async fn start_with_size(
        extra_args: &[String],
        size: WindowSize,
    ) -> anyhow::Result<Browser> {
        anyhow::ensure!(
            !extra_args.iter().any(|a| a.starts_with("--window-size")),
            "give the window size as `size`, not as an argument"
        );
        let port = free_port()?;
        let mut command = Command::new(chromedriver());
        command.arg(format!("--port={port}"));
        // `HIROBA_CHROMEDRIVER_LOG=/tmp/cd.log` keeps chromedriver's verbose
        // log, for a browser test that stalls.
        if let Some(log) = std::env::var_os("HIROBA_CHROMEDRIVER_LOG") {
            command
                .arg("--verbose")
                .arg(format!("--log-path={}", PathBuf::from(log).display()));
        }
        let driver = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot start chromedriver ({e}); install it with \
                     `apt-get install -y chromium chromium-driver` or run `cargo xtask test`"
                )
            })?;
        let driver = DriverGuard(driver);
        crate::poll(
            "chromedriver to listen",
            Duration::from_secs(20),
            || async move { Ok(TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ())) },
        )
        .await?;
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-crash-reporter".to_owned(),
            format!("--window-size={},{}", size.width, size.height),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(extra_args.iter().cloned());
        let mut options = json!({ "args": args });
        if size.mobile {
            // One device pixel a CSS pixel: the density changes no layout,
            // and keeps screenshots small.
            options["mobileEmulation"] = json!({
                "deviceMetrics": {
                    "width": size.width,
                    "height": size.height,
                    "pixelRatio": 1.0,
                    "touch": true,
                    "mobile": true,
                }
            });
        }
        if let Some(binary) = chrome_binary() {
            options["binary"] = json!(binary);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".to_owned(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        // No step may wait on the page for minutes: a page that never loads
        // or a script that never returns fails the test with a reason.
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(30)),
                None,
            ))
            .await?;
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// The value of `attribute` on the first element matching `css`, if both exist.
    pub async fn attr(&self, css: &str, attribute: &str) -> anyhow::Result<Option<String>> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element.attr(attribute).await?),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The text of the first element matching `css`, if it exists.
    pub async fn text(&self, css: &str) -> anyhow::Result<Option<String>> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(Some(element.text().await?)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Types `text` and Enter as a keyboard-wedge barcode scanner does: real
    /// key events in one fast burst, sent to whatever has focus (usually
    /// nothing in particular on a kiosk page).
    pub async fn type_like_scanner(&self, text: &str) -> anyhow::Result<()> {
        let mut keys = KeyActions::new("scanner".to_owned());
        for value in text.chars().chain(['\u{e007}']) {
            keys = keys
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client.perform_actions(keys).await?;
        Ok(())
    }

    /// Ends the session and stops chromedriver.
    ///
    /// Ending the WebDriver session politely is bounded: in this sandbox it
    /// has been seen to never answer (every assertion of the test already
    /// passed), and killing chromedriver's process group ends Chromium
    /// either way.
    pub async fn close(self) -> anyhow::Result<()> {
        let Browser {
            client,
            driver,
            _profile,
        } = self;
        // Never wait long on a session's end; the driver guard kills
        // chromedriver and Chromium either way.
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        drop(driver);
        drop(_profile);
        Ok(())
    }
}
