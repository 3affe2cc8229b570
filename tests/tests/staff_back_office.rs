//! The staff console's back office in headless Chromium against a real
//! relay, as an administrator: approve an application and read its login
//! letter, find the new family, create a pairing code and enrol a kiosk of
//! another room with it; and, as room staff, approve a guardian's request
//! to add a child, and see the login form come back by itself when the
//! session ends on the relay. Rejecting an application needs a reason and
//! records it; a reissued or revoked pass is refused at an enrolled kiosk;
//! a card's print view holds its QR code and short code.

use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use hiroba_engine::ids::RoomId;
use hiroba_tests::kiosk::{WAIT, enrol, log_in_staff, scan, step, wait_attr, wait_ready};
use hiroba_tests::{Browser, TestRelay, poll};
use serde_json::{Value, json};

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

/// Sends a family's application from the page, as the public form does,
/// and returns its receipt number.
async fn apply_in_page(browser: &Browser) -> anyhow::Result<String> {
    let applied = browser.client.execute_async(APPLY, vec![]).await?;
    assert_eq!(applied["status"], json!(201), "application: {applied}");
    let receipt = applied["body"]["receipt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!receipt.is_empty(), "a receipt number: {applied}");
    Ok(receipt)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_approves_finds_a_family_and_enrols_a_kiosk() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/#/staff")).await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "false").await?;
    let receipt = apply_in_page(&browser).await?;

    log_in_staff(&browser, "admin", "demo-admin-2026").await?;

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
    log_in_staff(&browser, "r01-staff", "demo-staff-2026").await?;
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

/// The console's session token, as it keeps it in the tab.
async fn staff_token(browser: &Browser) -> anyhow::Result<String> {
    let token = browser
        .client
        .execute(
            "return JSON.parse(sessionStorage.getItem('hiroba.staff.session')).token;",
            vec![],
        )
        .await?;
    token
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no staff session in the tab: {token}"))
}

/// The element at `locator`, once the page shows it.
async fn shown(browser: &Browser, what: &str, locator: Locator<'_>) -> anyhow::Result<Element> {
    poll(what, WAIT, || async {
        match browser.client.find(locator).await {
            Ok(element) => Ok(Some(element)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Waits until the text of `css` contains `words`, and returns it.
async fn text_saying(browser: &Browser, css: &str, words: &str) -> anyhow::Result<String> {
    poll(&format!("{css} to say {words}"), WAIT, || async {
        Ok(browser.text(css).await?.filter(|t| t.contains(words)))
    })
    .await
}

/// `GET path` with the console's own session, failing unless it is a 200.
async fn get_as_staff(browser: &Browser, path: &str) -> anyhow::Result<Value> {
    let token = staff_token(browser).await?;
    let answer = call(browser, "GET", path, Some(&token), json!(null)).await?;
    anyhow::ensure!(answer["status"] == json!(200), "GET {path}: {answer}");
    Ok(answer["body"].clone())
}

/// The relay's record of the application `receipt`, as staff list it.
async fn application(browser: &Browser, receipt: &str) -> anyhow::Result<Value> {
    let all = get_as_staff(browser, "/api/staff/applications?status=all").await?;
    all["applications"]
        .as_array()
        .and_then(|apps| apps.iter().find(|a| a["receipt"] == json!(receipt)))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no application {receipt} on the relay: {all}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_an_application_needs_a_reason_and_records_it() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/#/staff")).await?;
    wait_attr(&browser, "#staff-console", "data-logged-in", "false").await?;
    let receipt = apply_in_page(&browser).await?;
    log_in_staff(&browser, "r01-staff", "demo-staff-2026").await?;

    step("opening the application");
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/applications"))
        .await?;
    let row = format!("//tr[td[contains(., '{receipt}')]]");
    shown(
        &browser,
        "the application to be listed",
        Locator::XPath(&format!("{row}//button")),
    )
    .await?
    .click()
    .await?;
    let reason = shown(
        &browser,
        "the reason field",
        Locator::Css(&format!("#reason-{receipt}")),
    )
    .await?;

    step("rejecting without a reason is refused on the page");
    click(&browser, ".detail-row button.danger").await?;
    text_saying(
        &browser,
        ".detail-row .staff-error",
        "却下の理由を入力してください",
    )
    .await?;
    assert_eq!(reason.attr("aria-invalid").await?.as_deref(), Some("true"));
    let record = application(&browser, &receipt).await?;
    assert_eq!(
        record["status"],
        json!("pending"),
        "nothing changed: {record}"
    );
    assert!(
        browser.client.find(Locator::XPath(&row)).await.is_ok(),
        "the application is still listed"
    );

    step("rejecting with a reason");
    let why = "市外にお住まいのため";
    reason.send_keys(why).await?;
    click(&browser, ".detail-row button.danger").await?;
    text_saying(
        &browser,
        "#applications-title ~ p.staff-muted",
        "該当する申請はありません",
    )
    .await?;
    let record = application(&browser, &receipt).await?;
    assert_eq!(record["status"], json!("rejected"), "{record}");
    assert_eq!(record["reason"], json!(why), "{record}");
    assert_eq!(record["decided_by"], json!("r01-staff"), "{record}");
    assert!(
        record.get("family_id").is_none_or(Value::is_null),
        "no family for a rejected application: {record}"
    );
    browser.close().await?;
    relay.stop().await
}

/// Searches the families page for `query` and opens the family `login_id`;
/// returns its family id.
async fn open_family(
    browser: &Browser,
    relay: &TestRelay,
    query: &str,
    login_id: &str,
) -> anyhow::Result<String> {
    step(&format!("finding the family {login_id}"));
    browser
        .client
        .goto(&relay.url("/kiosk/#/staff/families"))
        .await?;
    shown(browser, "the search box", Locator::Css("#family-query"))
        .await?
        .send_keys(&format!("{query}{}", char::from(Key::Enter)))
        .await?;
    let link = shown(
        browser,
        "the family in the results",
        Locator::XPath(&format!("//a[contains(., '{login_id}')]")),
    )
    .await?;
    let href = link.attr("href").await?.unwrap_or_default();
    let family_id = href.rsplit('/').next().unwrap_or_default().to_owned();
    anyhow::ensure!(!family_id.is_empty(), "a family link: {href}");
    link.click().await?;
    text_saying(browser, "#family-title", login_id).await?;
    Ok(family_id)
}

/// The relay's view of the family, as the staff console reads it.
async fn family(browser: &Browser, family_id: &str) -> anyhow::Result<Value> {
    get_as_staff(browser, &format!("/api/staff/families/{family_id}")).await
}

/// The button of `class` on the family page's block for the pass or card
/// showing `short_code`.
fn pass_button(short_code: &str, class: &str) -> String {
    format!(
        "//article[contains(@class, 'staff-pass')]\
         [.//p[contains(@class, 'code') and normalize-space() = '{short_code}']]\
         //button[contains(@class, '{class}')]"
    )
}

/// Scans `text` at the kiosk until it is refused as revoked (the
/// revocation reaches the kiosk with its next sync).
async fn refused_as_revoked(kiosk: &Browser, text: &str) -> anyhow::Result<()> {
    poll("the kiosk to refuse the pass as revoked", WAIT, || async {
        let (status, code) = scan(kiosk, text).await?;
        Ok((status == "rejected" && code == "revoked").then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissued_or_revoked_pass_is_refused_at_the_kiosk() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let kiosk = Browser::start(&[]).await?;
    enrol(&kiosk, &relay, RoomId(1)).await?;
    let staff = Browser::start(&[]).await?;
    staff.client.goto(&relay.url("/kiosk/#/staff")).await?;
    log_in_staff(&staff, "admin", "demo-admin-2026").await?;
    let family_id = open_family(&staff, &relay, "みほん", "HB-DEMA-2222").await?;
    let before = family(&staff, &family_id).await?;
    let old = before["pass"].clone();
    let old_text = old["text"].as_str().unwrap_or_default().to_owned();
    let (status, code) = scan(&kiosk, &old_text).await?;
    assert_eq!(status, "check-in", "the pass works before: {code}");

    step("reissuing the app pass");
    let old_code = old["short_code"].as_str().unwrap_or_default();
    shown(
        &staff,
        "the app pass's reissue button",
        Locator::XPath(&pass_button(old_code, "reissue")),
    )
    .await?
    .click()
    .await?;
    staff.client.accept_alert().await?;
    text_saying(&staff, ".staff-done", "パスを発行しました").await?;
    let new = family(&staff, &family_id).await?["pass"].clone();
    assert_eq!(new["pass_id"], old["pass_id"], "the same pass: {new}");
    assert_eq!(
        new["serial"].as_u64(),
        old["serial"].as_u64().map(|s| s + 1),
        "a new serial: {new}"
    );
    let new_text = new["text"].as_str().unwrap_or_default().to_owned();
    let new_code = new["short_code"].as_str().unwrap_or_default().to_owned();
    shown(
        &staff,
        "the new pass on the family page",
        Locator::XPath(&pass_button(&new_code, "danger")),
    )
    .await?;
    refused_as_revoked(&kiosk, &old_text).await?;
    let (status, code) = scan(&kiosk, &new_text).await?;
    assert_eq!(status, "check-in", "the new pass works: {code}");

    step("revoking the new pass as the administrator");
    staff
        .client
        .find(Locator::XPath(&pass_button(&new_code, "danger")))
        .await?
        .click()
        .await?;
    let question = staff.client.get_alert_text().await?;
    assert!(question.contains(&new_code), "names the pass: {question}");
    staff.client.accept_alert().await?;
    text_saying(&staff, ".staff-done", "取り消しました").await?;
    // The pass left the family: the page offers a new one instead.
    shown(
        &staff,
        "the offer to issue a pass",
        Locator::XPath("//button[normalize-space() = 'パスを発行']"),
    )
    .await?;
    let after = family(&staff, &family_id).await?;
    assert!(after["pass"].is_null(), "no pass left: {after}");
    refused_as_revoked(&kiosk, &new_text).await?;

    kiosk.close().await?;
    staff.close().await?;
    relay.stop().await
}

/// The print preview's document once it has loaded: its text and how many
/// `svg` elements it holds.
const PREVIEW: &str = "const f = document.querySelector('iframe.print-preview.' + arguments[0]); \
    const d = f && f.contentDocument; \
    if (!d || !d.body || !d.querySelector('.card')) return null; \
    return { text: d.body.innerText, svgs: d.querySelectorAll('.qr svg').length };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_prints_on_a4_and_card_paper_with_its_qr_and_short_code() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let staff = Browser::start(&[]).await?;
    staff.client.goto(&relay.url("/kiosk/#/staff")).await?;
    log_in_staff(&staff, "r01-staff", "demo-staff-2026").await?;
    let family_id = open_family(&staff, &relay, "れいじ", "HB-DEMC-2222").await?;
    let card = family(&staff, &family_id).await?["cards"][0].clone();
    let code = card["short_code"].as_str().unwrap_or_default().to_owned();
    let qr_svg = card["qr_svg"].as_str().unwrap_or_default().to_owned();
    assert!(qr_svg.contains("<svg"), "the relay draws the QR: {card}");
    shown(
        &staff,
        "the child card",
        Locator::XPath(&pass_button(&code, "print-a4")),
    )
    .await?;
    assert!(
        staff
            .client
            .find(Locator::XPath(&pass_button(&code, "danger")))
            .await
            .is_err(),
        "only administrators may revoke"
    );

    for (button, paper, page_size) in [
        ("print-a4", "a4", "size: A4"),
        ("print-card", "card", "size: 85.6mm 54mm"),
    ] {
        step(&format!("the print view on {paper} paper"));
        staff
            .client
            .find(Locator::XPath(&pass_button(&code, button)))
            .await?
            .click()
            .await?;
        let frame = format!("iframe.print-preview.{paper}");
        let srcdoc = shown(&staff, "the print preview", Locator::Css(&frame))
            .await?
            .attr("srcdoc")
            .await?
            .unwrap_or_default();
        assert!(
            srcdoc.contains(&qr_svg),
            "the card's own QR code on {paper}"
        );
        assert!(srcdoc.contains(&code), "the short code on {paper}");
        assert!(srcdoc.contains(page_size), "{paper}'s page size");
        // What the frame renders, as the printer gets it.
        let shown_doc = poll("the preview to render", WAIT, || async {
            let doc = staff.client.execute(PREVIEW, vec![json!(paper)]).await?;
            Ok((!doc.is_null()).then_some(doc))
        })
        .await?;
        assert_eq!(shown_doc["svgs"], json!(1), "one QR code: {shown_doc}");
        let text = shown_doc["text"].as_str().unwrap_or_default();
        assert!(text.contains(&code), "the code is readable: {text}");
        assert!(text.contains("こどもカード"), "{text}");
        assert!(!text.contains("例示"), "no family name on a card: {text}");
        assert!(
            staff.client.find(Locator::Css("#card-print")).await.is_ok(),
            "a print button"
        );
    }
    staff.close().await?;
    relay.stop().await
}
