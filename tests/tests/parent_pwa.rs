//! The parent PWA's counter and reading details in headless Chromium
//! against a real relay, on a phone-sized screen: the full-screen QR and
//! the ways back, the notices' unread count, the forms' one error summary,
//! and a phone with nothing stored whose first refresh gets no answer.

use fantoccini::Locator;
use fantoccini::key::Key;
use hiroba_engine::ids::RoomId;
use hiroba_tests::kiosk::{WAIT, step, wait_attr};
use hiroba_tests::parent::{self, click, go, wait_count, wait_screen};
use hiroba_tests::{Browser, TestRelay, WindowSize, poll};
use serde_json::Value;

/// Runs `script` (a function body) in the page and returns its value.
async fn js(browser: &Browser, script: &str) -> anyhow::Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

async fn active_id(browser: &Browser) -> anyhow::Result<String> {
    let id = js(
        browser,
        "return document.activeElement ? document.activeElement.id : '';",
    )
    .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// Waits until `#pass-full` is shown (`true`) or hidden (`false`).
async fn wait_full(browser: &Browser, shown: bool) -> anyhow::Result<()> {
    poll(
        &format!(
            "the full-screen QR to be {}",
            if shown { "shown" } else { "closed" }
        ),
        WAIT,
        || async {
            let hidden = js(
                browser,
                "const el = document.getElementById('pass-full'); return el ? el.hidden : null;",
            )
            .await?;
            Ok((hidden == Value::Bool(!shown)).then_some(()))
        },
    )
    .await
}

/// What the full-screen QR looks like now: its SVG's box, the viewport,
/// the overlay's background and whether the browser is in full screen.
async fn full_layout(browser: &Browser) -> anyhow::Result<Value> {
    js(
        browser,
        r#"
const full = document.getElementById('pass-full');
const svg = full.querySelector('svg');
const r = svg.getBoundingClientRect();
const page = document.querySelector('#pass-qr svg').getBoundingClientRect();
const code = document.getElementById('pass-full-short-code').getBoundingClientRect();
const close = document.getElementById('pass-full-close').getBoundingClientRect();
return {
  qr: [r.left, r.top, r.right, r.bottom],
  pageQrWidth: page.width,
  codeTop: code.top,
  closeHeight: close.height,
  viewport: [window.innerWidth, window.innerHeight],
  background: getComputedStyle(full).backgroundColor,
  fullscreen: (document.fullscreenElement || {}).id || null,
  code: document.getElementById('pass-full-short-code').textContent,
};
"#,
    )
    .await
}

fn num(v: &Value, key: &str, i: usize) -> f64 {
    v[key][i].as_f64().unwrap_or(f64::NAN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_screen_qr_unread_notices_error_summary_and_a_failed_first_load() -> anyhow::Result<()>
{
    let relay = TestRelay::start(true).await?;
    let phone = Browser::start_with_size(&[], WindowSize::PHONE).await?;
    let (_, _, _) = parent::family_with_pass(&phone, &relay, "全画面 花子").await?;
    let short_code = phone.text("#pass-short-code").await?.unwrap_or_default();

    step("「全画面で表示」 shows the QR alone, large, on white, with the short code");
    let label = phone.text("#pass-fullscreen").await?.unwrap_or_default();
    assert!(label.contains("全画面で表示"), "labelled: {label}");
    let height = js(
        &phone,
        "return document.getElementById('pass-fullscreen').getBoundingClientRect().height;",
    )
    .await?;
    assert!(
        height.as_f64().unwrap_or_default() >= 48.0,
        "a 48 px tap target: {height}"
    );
    click(&phone, "#pass-fullscreen").await?;
    wait_full(&phone, true).await?;
    let layout = full_layout(&phone).await?;
    step(&format!("full screen: {layout}"));
    let (vw, vh) = (num(&layout, "viewport", 0), num(&layout, "viewport", 1));
    let (left, top, right, bottom) = (
        num(&layout, "qr", 0),
        num(&layout, "qr", 1),
        num(&layout, "qr", 2),
        num(&layout, "qr", 3),
    );
    assert!(
        left >= 0.0 && top >= 0.0 && right <= vw && bottom <= vh,
        "the whole QR on screen: {layout}"
    );
    assert!(
        right - left >= vw.min(vh) - 40.0,
        "as large as the screen allows: {layout}"
    );
    assert!(
        right - left >= layout["pageQrWidth"].as_f64().unwrap_or(f64::MAX),
        "larger than on the page: {layout}"
    );
    assert!(
        layout["codeTop"].as_f64().unwrap_or_default() >= bottom,
        "the short code under it: {layout}"
    );
    assert_eq!(layout["code"].as_str(), Some(short_code.as_str()));
    assert_eq!(
        layout["background"].as_str(),
        Some("rgb(255, 255, 255)"),
        "on white"
    );
    assert!(layout["closeHeight"].as_f64().unwrap_or_default() >= 48.0);
    assert_eq!(
        active_id(&phone).await?,
        "pass-full-close",
        "focus on 閉じる"
    );
    assert!(
        phone.client.find(Locator::Css(".brightness")).await.is_ok(),
        "the brightness advice stays on the pass page"
    );

    step("Escape closes it and the focus returns to the button");
    phone
        .client
        .active_element()
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    wait_full(&phone, false).await?;
    poll("the browser out of full screen", WAIT, || async {
        let out = js(&phone, "return !document.fullscreenElement;").await?;
        Ok((out == Value::Bool(true)).then_some(()))
    })
    .await?;
    assert_eq!(active_id(&phone).await?, "pass-fullscreen");

    step("so does 閉じる");
    click(&phone, "#pass-fullscreen").await?;
    wait_full(&phone, true).await?;
    click(&phone, "#pass-full-close").await?;
    wait_full(&phone, false).await?;
    wait_screen(&phone, "pass").await?;

    step("notices: the tab counts unread ones, and the emergency while it lasts");
    parent::publish_emergency(&relay, "typhoon-closure", RoomId(1))?;
    phone.client.refresh().await?;
    wait_screen(&phone, "pass").await?;
    let unread = wait_count(
        &phone,
        "#notices-unread",
        "data-count",
        "three unread notices on the tab",
        WAIT,
        |n| n == 3,
    )
    .await?;
    step(&format!("{unread} unread before opening the notices"));
    go(&phone, "notices").await?;
    wait_screen(&phone, "notices").await?;
    wait_count(
        &phone,
        "#notices-unread",
        "data-count",
        "only the emergency counted once all were seen",
        WAIT,
        |n| n == 1,
    )
    .await?;
    let fresh = js(
        &phone,
        "return document.querySelectorAll('.notice[data-new=true]').length;",
    )
    .await?;
    assert_eq!(fresh, Value::from(3), "the three were new when opened");
    let stored = js(
        &phone,
        "return localStorage.getItem('hiroba.parent.seenNotices');",
    )
    .await?;
    let ids: Vec<String> = serde_json::from_str(stored.as_str().unwrap_or("null"))?;
    assert_eq!(ids.len(), 3, "the seen ids, and nothing else: {ids:?}");
    assert!(ids.iter().any(|id| id == "typhoon-closure"));
    go(&phone, "pass").await?;
    wait_screen(&phone, "pass").await?;
    assert!(
        phone.client.find(Locator::Css("#emergency")).await.is_ok(),
        "a read emergency still shows as the banner"
    );
    phone.client.refresh().await?;
    wait_screen(&phone, "pass").await?;
    wait_count(
        &phone,
        "#notices-unread",
        "data-count",
        "the read state kept on the phone",
        WAIT,
        |n| n == 1,
    )
    .await?;

    step("a form with several problems announces one summary");
    go(&phone, "apply").await?;
    wait_screen(&phone, "apply").await?;
    assert_eq!(
        phone
            .attr("#apply-guardian-0-name", "aria-required")
            .await?
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        phone
            .attr("#apply-consent", "aria-required")
            .await?
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        phone.attr("#apply-email", "aria-required").await?,
        None,
        "the optional e-mail is not required"
    );
    click(&phone, "#apply-submit").await?;
    let problems = wait_count(
        &phone,
        "#apply-summary",
        "data-count",
        "the error summary",
        WAIT,
        |n| n > 1,
    )
    .await?;
    let alerts = js(
        &phone,
        r#"
const main = document.getElementById('main');
return {
  alerts: [...main.querySelectorAll('[role=alert]')].map((el) => el.id),
  errorsWithRole: main.querySelectorAll('[data-error-for][role]').length,
  links: main.querySelectorAll('#apply-summary a[data-summary-for]').length,
  described: document.getElementById('apply-phone').getAttribute('aria-describedby'),
  phoneError: (document.querySelector('[data-error-for=phone]') || {}).id || null,
};
"#,
    )
    .await?;
    step(&format!("{problems} problems: {alerts}"));
    assert_eq!(alerts["alerts"], serde_json::json!(["apply-summary"]));
    assert_eq!(alerts["errorsWithRole"], Value::from(0));
    assert_eq!(alerts["links"], Value::from(problems));
    assert_eq!(alerts["described"], alerts["phoneError"]);
    assert!(alerts["phoneError"].is_string());
    step("a summary line takes the focus to its field, the route stays");
    click(&phone, "#apply-summary a[data-summary-for=phone]").await?;
    poll("the focus on the phone field", WAIT, || async {
        Ok((active_id(&phone).await? == "apply-phone").then_some(()))
    })
    .await?;
    let hash = js(&phone, "return location.hash;").await?;
    assert_eq!(hash.as_str(), Some("#/apply"));

    step("a phone with nothing stored whose refresh gets no answer says so");
    go(&phone, "pass").await?;
    wait_screen(&phone, "pass").await?;
    parent::wait_controlled(&phone).await?;
    js(
        &phone,
        r#"for (const key of ['family', 'pass', 'familyDoc', 'noticesDoc']) {
  localStorage.removeItem('hiroba.parent.' + key);
}
return true;"#,
    )
    .await?;
    let stopped = relay.stop_for_outage().await?;
    phone.client.refresh().await?;
    wait_screen(&phone, "load-failed").await?;
    let words = phone.text("#load-failed").await?.unwrap_or_default();
    assert!(words.contains("読み込めませんでした"), "{words}");
    assert!(
        phone.client.find(Locator::Css("#load-retry")).await.is_ok(),
        "a retry button"
    );
    step("the relay is back: 「もう一度読み込む」 shows the pass");
    let relay = stopped.start().await?;
    click(&phone, "#load-retry").await?;
    wait_screen(&phone, "pass").await?;
    wait_attr(&phone, "#parent", "data-online", "true").await?;
    assert!(
        phone
            .client
            .find(Locator::Css("#pass-qr svg"))
            .await
            .is_ok(),
        "the pass, fetched again"
    );

    phone.close().await?;
    relay.stop().await
}
