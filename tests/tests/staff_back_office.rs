//! The staff console's back office in headless Chromium against a real
//! relay, as an administrator: approve an application and read its login
//! letter, find the new family, create a pairing code and enrol a kiosk of
//! another room with it; and, as room staff, approve a guardian's request
//! to add a child, and see the login form come back by itself when the
//! session ends on the relay.

use fantoccini::Locator;
use fantoccini::key::Key;
use hiroba_tests::kiosk::{WAIT, step, wait_attr, wait_ready};
use hiroba_tests::{Browser, TestRelay, poll};
use serde_json::json;

/// Submits the public application form's JSON from the page.
const APPLY: &str = r#"
const [done] = arguments;
fetch('/api/applications', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    submission_id: 'browser-test-0001',
    guardians: [{ name: '試験 花子', kana: 'しけん はなこ' }],
    address: 'ひろば市中央1-2-3',
    phone: '090-1234-5678',
    email: 'hanako@example.jp',
    children: [{ name: '試験 太郎', kana: 'しけん たろう', birth_date: '2024-08-15' }],
    other_adults: [],
    consent: true,
  }),
}).then(async (r) => done({ status: r.status, body: await r.json() }))
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

/// Any JSON call from the page: `arguments` are method, path, bearer token
/// (or null) and body (or null); answers `{status, body}`.
const CALL: &str = r#"
const [method, path, token, body, done] = arguments;
const headers = { 'content-type': 'application/json' };
if (token) headers.authorization = 'Bearer ' + token;
fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body) })
  .then(async (r) => done({ status: r.status, body: await r.json() }))
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

async fn call(
    browser: &Browser,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let answer = browser
        .client
        .execute_async(CALL, vec![json!(method), json!(path), json!(token), body])
        .await?;
    Ok(answer)
}

async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    browser
        .client
        .find(Locator::Css(css))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_approves_finds_a_family_and_enrols_a_kiosk() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/#/staff")).await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "false").await?;
    let applied = browser.client.execute_async(APPLY, vec![]).await?;
    assert_eq!(applied["status"], json!(201), "application: {applied}");
    let receipt = applied["body"]["receipt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!receipt.is_empty(), "a receipt number: {applied}");

    step("logging in as the administrator");
    browser
        .client
        .find(Locator::Css("#staff-login-id"))
        .await?
        .send_keys("admin")
        .await?;
    let password = browser.client.find(Locator::Css("#staff-password")).await?;
    password
        .send_keys(&format!("demo-admin-2026{}", char::from(Key::Enter)))
        .await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "true").await?;

    step("approving the application");
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/applications"))
        .await?;
    let row = format!("//tr[td[contains(., '{receipt}')]]//button");
    poll("the application to be listed", WAIT, || async {
        match browser.client.find(Locator::XPath(&row)).await {
            Ok(button) => {
                button.click().await?;
                Ok(Some(()))
            }
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    click(&browser, "button.approve").await?;
    browser.client.accept_alert().await?;
    poll("the login letter", WAIT, || async {
        Ok(browser
            .text("#letter-password")
            .await?
            .filter(|t| !t.trim().is_empty()))
    })
    .await?;
    let login_id = browser.text("#letter-login-id").await?.unwrap_or_default();
    assert!(
        login_id.contains("HB-"),
        "a login id on the letter: {login_id}"
    );

    step("finding the family");
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/families"))
        .await?;
    let query = poll("the search box", WAIT, || async {
        match browser.client.find(Locator::Css("#family-query")).await {
            Ok(q) => Ok(Some(q)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    query
        .send_keys(&format!("しけん{}", char::from(Key::Enter)))
        .await?;
    let id = login_id.trim().to_owned();
    let link = format!("//a[contains(., '{id}')]");
    poll("the family in the results", WAIT, || async {
        match browser.client.find(Locator::XPath(&link)).await {
            Ok(a) => {
                a.click().await?;
                Ok(Some(()))
            }
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    poll("the family view", WAIT, || async {
        Ok(browser
            .text("#family-title")
            .await?
            .filter(|t| t.contains(&id)))
    })
    .await?;

    step("creating a pairing code for R02");
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/devices"))
        .await?;
    let room = poll("the devices page", WAIT, || async {
        match browser.client.find(Locator::Css("#pairing-room")).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    // Choose the room as the page sees a choice (a change event); clicking
    // an <option> opens Chromium's native popup, which headless never closes.
    let _ = room;
    browser
        .client
        .execute(
            "const s = document.getElementById('pairing-room'); s.value = 'R02'; \
             s.dispatchEvent(new Event('change', { bubbles: true })); return s.value;",
            vec![],
        )
        .await?;
    click(&browser, "#pairing-create").await?;
    let code = poll("the pairing code", WAIT, || async {
        Ok(browser
            .text("#pairing-code")
            .await?
            .filter(|t| t.len() >= 12))
    })
    .await?;

    step(&format!("enrolling a kiosk with {}", code.trim()));
    // The same browser leaves the console for the kiosk screen, which is
    // not enrolled in it yet: a tablet being set up.
    let kiosk = browser;
    kiosk.client.goto(&relay.url("/kiosk/")).await?;
    kiosk.client.refresh().await?;
    step("kiosk page loaded");
    wait_attr(&kiosk, "#kiosk", "data-state", "enrol").await?;
    kiosk
        .client
        .find(Locator::Css("#pairing-code"))
        .await?
        .send_keys(code.trim())
        .await?;
    click(&kiosk, "#enrol-submit").await?;
    wait_ready(&kiosk).await?;
    assert_eq!(
        kiosk.attr("#kiosk", "data-room").await?.as_deref(),
        Some("R02")
    );
    kiosk.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_staff_approve_a_new_child_and_the_pass_is_reissued() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/#/staff")).await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "false").await?;

    step("a guardian of demo family A asks to add a newborn");
    let login = call(
        &browser,
        "POST",
        "/api/family/login",
        None,
        json!({ "login_id": "HB-DEMA-2222", "password": "demo-family-a" }),
    )
    .await?;
    let guardian = login["body"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!guardian.is_empty(), "guardian login: {login}");
    let before = call(&browser, "GET", "/api/family", Some(&guardian), json!(null)).await?;
    let serial_before = before["body"]["pass"]["serial"].as_u64();
    let asked = call(
        &browser,
        "POST",
        "/api/family/children",
        Some(&guardian),
        json!({ "submission_id": "newborn-0001", "name": "見本 めい", "kana": "みほん めい", "birth_date": "2026-10-01" }),
    )
    .await?;
    assert_eq!(asked["status"], json!(201), "request: {asked}");
    let request = asked["body"]["request_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    step("room staff approve it on the applications page");
    browser
        .client
        .find(Locator::Css("#staff-login-id"))
        .await?
        .send_keys("r01-staff")
        .await?;
    browser
        .client
        .find(Locator::Css("#staff-password"))
        .await?
        .send_keys(&format!("demo-staff-2026{}", char::from(Key::Enter)))
        .await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "true").await?;
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/applications"))
        .await?;
    let button = format!(".child-request[data-request='{request}'] button.approve-child");
    poll("the request to be listed", WAIT, || async {
        match browser.client.find(Locator::Css(&button)).await {
            Ok(b) => {
                b.click().await?;
                Ok(Some(()))
            }
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    browser.client.accept_alert().await?;
    poll("the approval to be confirmed", WAIT, || async {
        browser.text("#child-requests .staff-done").await
    })
    .await?;

    step("the family has the child and a new pass");
    let after = call(&browser, "GET", "/api/family", Some(&guardian), json!(null)).await?;
    assert_eq!(
        after["body"]["children"].as_array().map(Vec::len),
        Some(3),
        "{after}"
    );
    assert_eq!(
        after["body"]["child_requests"][0]["status"],
        json!("approved")
    );
    assert_eq!(
        after["body"]["pass"]["serial"].as_u64(),
        serial_before.map(|s| s + 1),
        "the app pass is reissued"
    );

    step("the session ends on the relay while the page is open");
    let token = browser
        .client
        .execute(
            "return JSON.parse(sessionStorage.getItem('hiroba.staff.session')).token;",
            vec![],
        )
        .await?;
    let ended = call(&browser, "POST", "/api/logout", token.as_str(), json!(null)).await?;
    assert_eq!(ended["status"], json!(200), "{ended}");
    assert_eq!(
        browser
            .attr("#staff-console", "data-logged-in")
            .await?
            .as_deref(),
        Some("true"),
        "nothing has told the page yet"
    );
    click(&browser, "#applications-refresh").await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "false").await?;
    browser.close().await?;
    relay.stop().await
}
