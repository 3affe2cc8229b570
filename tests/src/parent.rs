//! Driving the built parent app (`/parent/`) like a guardian on a phone:
//! the application form, login, the forced password change, room
//! registration, and reading the pass, history, notices and children; plus
//! the staff API calls a test needs (approving), made from the page.
//!
//! # DOM contract (web-parent; tests rely on it)
//!
//! * Root: `#parent[data-screen=apply|login|password|rooms|pass|history|notices|children|cards|settings|loading][data-online=true|false]`.
//!   `data-online` is false when the browser is offline *or* the last
//!   refresh could not reach the relay (the header then shows オフライン and
//!   the pass screen `#pass-saved`).
//!   Routes are hashes with no personal data: `#/apply`, `#/login`, `#/rooms`,
//!   `#/pass`, `#/history`, `#/notices`, `#/children`, `#/cards`, `#/settings`.
//! * Application (事前登録): `#apply-guardian-N-name`, `#apply-guardian-N-kana`,
//!   `#apply-address`, `#apply-phone`, `#apply-email`, `#apply-child-N-name`,
//!   `#apply-child-N-kana`, `#apply-child-N-birth` (typed `YYYY-MM-DD`),
//!   `#apply-other-N-name`, `#apply-other-N-relationship`, `#apply-add-guardian`,
//!   `#apply-add-child`, `#apply-add-other`, `#apply-consent`, `#apply-submit`;
//!   the receipt `#apply-receipt[data-receipt=AP-XXXX-XXXX]`. A field's
//!   error (the phone's check or the relay's `422 fields`) is an element
//!   `[data-error-for=<relay field key>]`, e.g. `[data-error-for="children[0].birth_date"]`,
//!   present only while there is an error.
//! * Login: `#login-id`, `#login-password`, `#login-submit`, a message
//!   `#login-flash` (e.g. the session ended). Forced change:
//!   `#current-password`, `#new-password`, `#new-password-again`,
//!   `#password-submit`. `#logout` (settings, and on the change screen).
//! * Rooms (本登録): `input[name=room][value=R01]`, `#rooms-submit`.
//! * Pass: `#pass-qr` (the SVG), `#pass-text[data-text=<pass text>][data-serial=N]`,
//!   `#pass-short-code`, `#pass-rooms > li[data-room]`; without a pass
//!   `#no-pass` (and `#pass-revoked` when staff revoked it).
//! * History: `#history[data-count=N]`, rows `.visit[data-room=R01][data-date=YYYY-MM-DD]`,
//!   `#history-refresh`.
//! * Notices: `#notices[data-count=N]`, `.notice[data-emergency=true|false]`;
//!   the banner `#emergency` on the pass and notices screens.
//! * Children: `#children[data-count=N]` with `.child`, the add form
//!   `#child-name`, `#child-kana`, `#child-birth`, `#child-submit`, requests
//!   `.child-request[data-status=pending|approved|rejected]`.
//! * Cards: `#cards[data-count=N]`, `#issue-family`, `#issue-child-N`,
//!   `#print-family`, `.printed-card[data-kind][data-serial]`.
//! * Tabs: the fixed bottom bar `nav.tabs` with `#tab-pass`, `#tab-history`, `#tab-notices`, `#tab-children`,
//!   `#tab-cards`, `#tab-settings`. Language: `#lang-switch`.

use std::time::Duration;

use fantoccini::Locator;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::notice::Notice;
use serde_json::{Value, json};

use crate::kiosk::{WAIT, step, wait_attr};
use crate::{Browser, TestRelay, poll};

/// The demo relay's administrator (`relay --demo`).
pub const ADMIN: (&str, &str) = ("admin", "demo-admin-2026");

/// Opens the parent app at `route` (`apply`, `login`, `pass`, …).
pub async fn open(browser: &Browser, relay: &TestRelay, route: &str) -> anyhow::Result<()> {
    browser
        .client
        .goto(&relay.url(&format!("/parent/#/{route}")))
        .await?;
    Ok(())
}

/// Goes to `route` inside the running app (as a tab tap does).
pub async fn go(browser: &Browser, route: &str) -> anyhow::Result<()> {
    browser
        .client
        .execute(
            &format!("location.hash = '#/{route}'; return true;"),
            vec![],
        )
        .await?;
    Ok(())
}

/// Waits until `#parent[data-screen=screen]`.
pub async fn wait_screen(browser: &Browser, screen: &str) -> anyhow::Result<()> {
    wait_attr(browser, "#parent", "data-screen", screen).await
}

/// Types `text` into the field `css` (emptied first), as a person does.
pub async fn fill(browser: &Browser, css: &str, text: &str) -> anyhow::Result<()> {
    let field = browser.client.find(Locator::Css(css)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Clicks `css` after scrolling it to the middle of the screen, as a
/// person scrolls a control clear of the fixed tab bar before tapping it.
pub async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let element = browser.client.find(Locator::Css(css)).await?;
    browser
        .client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' }); return true;",
            vec![serde_json::to_value(&element)?],
        )
        .await?;
    element.click().await?;
    Ok(())
}

/// The text of the field error for `key`, if one is shown.
pub async fn field_error(browser: &Browser, key: &str) -> anyhow::Result<Option<String>> {
    browser.text(&format!("[data-error-for=\"{key}\"]")).await
}

/// An application as a guardian would type it.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub guardian: String,
    pub guardian_kana: String,
    pub address: String,
    pub phone: String,
    pub child: String,
    pub child_kana: String,
    pub birth: String,
}

impl Applicant {
    /// A valid applicant whose guardian is called `guardian` (for finding
    /// the application in the staff list).
    pub fn new(guardian: &str) -> Applicant {
        Applicant {
            guardian: guardian.to_owned(),
            guardian_kana: "ひろば はなこ".to_owned(),
            address: "ひろば市中央1-2-3".to_owned(),
            phone: "090-1234-5678".to_owned(),
            child: "広場 太郎".to_owned(),
            child_kana: "ひろば たろう".to_owned(),
            birth: "2024-08-15".to_owned(),
        }
    }
}

/// Fills the application form (on `#/apply`) and ticks the consent box.
pub async fn fill_application(browser: &Browser, a: &Applicant) -> anyhow::Result<()> {
    wait_screen(browser, "apply").await?;
    fill(browser, "#apply-guardian-0-name", &a.guardian).await?;
    fill(browser, "#apply-guardian-0-kana", &a.guardian_kana).await?;
    fill(browser, "#apply-address", &a.address).await?;
    fill(browser, "#apply-phone", &a.phone).await?;
    fill(browser, "#apply-child-0-name", &a.child).await?;
    fill(browser, "#apply-child-0-kana", &a.child_kana).await?;
    fill(browser, "#apply-child-0-birth", &a.birth).await?;
    let consent = browser.client.find(Locator::Css("#apply-consent")).await?;
    if !consent.is_selected().await? {
        click(browser, "#apply-consent").await?;
    }
    Ok(())
}

/// Presses 申請する and returns the receipt number shown.
pub async fn submit_application(browser: &Browser) -> anyhow::Result<String> {
    click(browser, "#apply-submit").await?;
    poll("the receipt number", WAIT, || async {
        Ok(browser
            .attr("#apply-receipt", "data-receipt")
            .await?
            .filter(|r| r.starts_with("AP-")))
    })
    .await
}

/// Calls the relay's API from the page (same origin) and returns the
/// status and the JSON answer.
pub async fn fetch_json(
    browser: &Browser,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    const FETCH: &str = r#"
const [method, path, token, body, done] = arguments;
const headers = {};
if (token) headers['authorization'] = 'Bearer ' + token;
if (body !== null) headers['content-type'] = 'application/json';
fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body) })
  .then(async (r) => { const t = await r.text(); let j = null; try { j = JSON.parse(t); } catch (e) {} done({ status: r.status, body: j }); })
  .catch((e) => done({ status: 0, body: String(e) }));
"#;
    let answer = browser
        .client
        .execute_async(
            FETCH,
            vec![
                json!(method),
                json!(path),
                json!(token),
                body.unwrap_or(Value::Null),
            ],
        )
        .await?;
    let status = answer["status"].as_u64().unwrap_or(0);
    Ok((u16::try_from(status)?, answer["body"].clone()))
}

/// A staff session of the demo administrator.
pub async fn staff_token(browser: &Browser) -> anyhow::Result<String> {
    let (status, body) = fetch_json(
        browser,
        "POST",
        "/api/staff/login",
        None,
        Some(json!({ "login_id": ADMIN.0, "password": ADMIN.1 })),
    )
    .await?;
    anyhow::ensure!(status == 200, "staff login: {status} {body}");
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no staff token: {body}"))
}

/// Approves the application `receipt` as staff; returns the letter's login
/// id and initial password.
pub async fn approve(
    browser: &Browser,
    staff: &str,
    receipt: &str,
) -> anyhow::Result<(String, String)> {
    let (status, body) = fetch_json(
        browser,
        "POST",
        &format!("/api/staff/applications/{receipt}/approve"),
        Some(staff),
        None,
    )
    .await?;
    anyhow::ensure!(status == 201, "approve: {status} {body}");
    let field = |name: &str| {
        body[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no {name} in the approval"))
    };
    Ok((field("login_id")?, field("initial_password")?))
}

/// Logs in on `#/login` and waits for the screen that follows.
pub async fn log_in(browser: &Browser, login_id: &str, password: &str) -> anyhow::Result<()> {
    wait_screen(browser, "login").await?;
    fill(browser, "#login-id", login_id).await?;
    fill(browser, "#login-password", password).await?;
    click(browser, "#login-submit").await
}

/// Changes the initial password on the forced-change screen.
pub async fn change_password(browser: &Browser, current: &str, new: &str) -> anyhow::Result<()> {
    wait_screen(browser, "password").await?;
    fill(browser, "#current-password", current).await?;
    fill(browser, "#new-password", new).await?;
    fill(browser, "#new-password-again", new).await?;
    click(browser, "#password-submit").await
}

/// Registers for `rooms` (本登録) and returns the pass text shown.
pub async fn register_rooms(browser: &Browser, rooms: &[&str]) -> anyhow::Result<String> {
    wait_screen(browser, "rooms").await?;
    for room in rooms {
        let css = format!("input[name=room][value={room}]");
        poll("the room list", WAIT, || async {
            Ok(browser.client.find(Locator::Css(&css)).await.ok())
        })
        .await?;
        click(browser, &css).await?;
    }
    click(browser, "#rooms-submit").await?;
    wait_screen(browser, "pass").await?;
    pass_text(browser).await
}

/// The pass text the pass screen shows, once it does.
pub async fn pass_text(browser: &Browser) -> anyhow::Result<String> {
    poll("the pass text", WAIT, || async {
        Ok(browser
            .attr("#pass-text", "data-text")
            .await?
            .filter(|t| t.starts_with("HB")))
    })
    .await
}

/// The text of the QR code the pass screen *draws*: the inline SVG in
/// `#pass-qr`, rasterised and decoded as a scanner would (`crate::qr`),
/// not the `data-text` the page was built from.
pub async fn displayed_qr_text(browser: &Browser) -> anyhow::Result<String> {
    let svg = poll("the QR code on the pass screen", WAIT, || async {
        match browser.client.find(Locator::Css("#pass-qr svg")).await {
            Ok(element) => Ok(Some(element.html(false).await?)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    crate::qr::read_svg(&svg)
}

/// Where the pass screen's QR code is drawn, in CSS pixels of the viewport.
#[derive(Debug, Clone, PartialEq)]
pub struct PassLayout {
    /// `getBoundingClientRect()` of `#pass-qr svg`: left, top, right, bottom.
    pub qr: [f64; 4],
    /// The top edge of the fixed tab bar `nav.tabs` (`innerHeight` without one).
    pub tabs_top: f64,
    /// `window.innerWidth` and `innerHeight`.
    pub viewport: [f64; 2],
    /// `document.documentElement.scrollWidth`: wider than the viewport means
    /// the page scrolls sideways.
    pub scroll_width: f64,
    /// `window.scrollY`: how far down the page is scrolled.
    pub scroll_y: f64,
}

impl PassLayout {
    /// Whether the whole QR code is on screen and clear of the tab bar.
    pub fn qr_fully_visible(&self) -> bool {
        let [left, top, right, bottom] = self.qr;
        left >= 0.0 && top >= 0.0 && right <= self.viewport[0] && bottom <= self.tabs_top
    }
}

/// Measures the pass screen as it is now (see [`PassLayout`]).
pub async fn pass_layout(browser: &Browser) -> anyhow::Result<PassLayout> {
    const MEASURE: &str = r#"
const qr = document.querySelector('#pass-qr svg');
if (!qr) return null;
const r = qr.getBoundingClientRect();
const tabs = document.querySelector('nav.tabs');
return {
  qr: [r.left, r.top, r.right, r.bottom],
  tabsTop: tabs ? tabs.getBoundingClientRect().top : window.innerHeight,
  viewport: [window.innerWidth, window.innerHeight],
  scrollWidth: document.documentElement.scrollWidth,
  scrollY: window.scrollY,
};
"#;
    let measured = poll("the QR code to be laid out", WAIT, || async {
        let v = browser.client.execute(MEASURE, vec![]).await?;
        Ok((!v.is_null()).then_some(v))
    })
    .await?;
    let numbers = |key: &str| -> anyhow::Result<Vec<f64>> {
        measured[key]
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("no {key} in {measured}"))?
            .iter()
            .map(|n| {
                n.as_f64()
                    .ok_or_else(|| anyhow::anyhow!("{key} is not numbers: {measured}"))
            })
            .collect()
    };
    let number = |key: &str| {
        measured[key]
            .as_f64()
            .ok_or_else(|| anyhow::anyhow!("no {key} in {measured}"))
    };
    let qr = <[f64; 4]>::try_from(numbers("qr")?)
        .map_err(|_| anyhow::anyhow!("qr is not four numbers: {measured}"))?;
    let viewport = <[f64; 2]>::try_from(numbers("viewport")?)
        .map_err(|_| anyhow::anyhow!("viewport is not two numbers: {measured}"))?;
    Ok(PassLayout {
        qr,
        tabs_top: number("tabsTop")?,
        viewport,
        scroll_width: number("scrollWidth")?,
        scroll_y: number("scrollY")?,
    })
}

/// A family that applied in the app, was approved, logged in, changed the
/// password and registered for R01: returns (login id, new password, pass text).
pub async fn family_with_pass(
    browser: &Browser,
    relay: &TestRelay,
    guardian: &str,
) -> anyhow::Result<(String, String, String)> {
    step("applying in the parent app");
    open(browser, relay, "apply").await?;
    fill_application(browser, &Applicant::new(guardian)).await?;
    let receipt = submit_application(browser).await?;
    step(&format!("approving {receipt} as staff"));
    let staff = staff_token(browser).await?;
    let (login_id, initial) = approve(browser, &staff, &receipt).await?;
    step("logging in with the letter's ID and password");
    open(browser, relay, "login").await?;
    log_in(browser, &login_id, &initial).await?;
    let password = "sakura-2026!".to_owned();
    step("changing the initial password");
    change_password(browser, &initial, &password).await?;
    step("registering for R01");
    let text = register_rooms(browser, &["R01"]).await?;
    Ok((login_id, password, text))
}

/// Waits until the page is controlled by its service worker (the worker
/// claims the open page when it activates).
pub async fn wait_controlled(browser: &Browser) -> anyhow::Result<()> {
    poll("a service worker to control the page", WAIT, || async {
        let controlled = browser
            .client
            .execute(
                "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
                vec![],
            )
            .await?;
        Ok((controlled == Value::Bool(true)).then_some(()))
    })
    .await
}

/// Waits until `css[attribute]` parses as a number satisfying `ok`.
pub async fn wait_count(
    browser: &Browser,
    css: &str,
    attribute: &str,
    what: &str,
    timeout: Duration,
    ok: impl Fn(u64) -> bool,
) -> anyhow::Result<u64> {
    poll(what, timeout, || async {
        let n = browser
            .attr(css, attribute)
            .await?
            .and_then(|v| v.parse::<u64>().ok());
        Ok(n.filter(|n| ok(*n)))
    })
    .await
}

/// A WebDriver command that chromedriver passes to the DevTools protocol
/// (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
pub struct Cdp {
    pub cmd: &'static str,
    pub params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Chromium's own installability check of the open page.
pub async fn installability_errors(browser: &Browser) -> anyhow::Result<Value> {
    let answer = browser
        .client
        .issue_cmd(Cdp {
            cmd: "Page.getInstallabilityErrors",
            params: json!({}),
        })
        .await?;
    Ok(answer["installabilityErrors"].clone())
}

/// Publishes an emergency notice (臨時休館) for `room` straight into the
/// relay's `notices` document, as staff will from the console (publishing
/// from the console is a later issue).
pub fn publish_emergency(relay: &TestRelay, id: &str, room: RoomId) -> anyhow::Result<()> {
    let doc_id = DocId::notices();
    let bytes = relay.state.store.doc_bytes(&doc_id)?.unwrap_or_default();
    let mut doc = if bytes.is_empty() {
        automerge::AutoCommit::new()
    } else {
        automerge::AutoCommit::load(&bytes)?
    };
    let before = doc.get_heads();
    let now = crate::now();
    let notice = Notice {
        emergency: true,
        rooms: vec![room],
        title_ja: "台風のため本日臨時休館します".to_owned(),
        title_en: "Closed today because of the typhoon".to_owned(),
        body_ja: "安全のため、本日は終日休館です。".to_owned(),
        body_en: "For your safety the room is closed all day.".to_owned(),
        min_age_months: None,
        max_age_months: None,
        from: now.plus_seconds(-60),
        until: now.plus_seconds(86_400),
    };
    hiroba_engine::notice::publish(&mut doc, id, &notice)?;
    relay
        .state
        .store
        .append_chunk(&doc_id, &doc.save_after(&before))?;
    Ok(())
}
