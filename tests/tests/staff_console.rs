//! The staff console in headless Chromium against a real relay: a staff
//! member logs in, sees the kiosk's scan on 今日の受付, enters paper slips
//! with the keyboard alone, and finds scans and slips in the day's
//! 利用者実績表 — the page, the JSON, the CSV and the XLSX — in the right age
//! brackets. A child the family forgot to choose at the kiosk is added with
//! 修正 and counts like the others. Every birth month is chosen relative to
//! today and every bracket computed by the engine, so the test holds on any
//! date. Changes the relay has not acknowledged survive leaving the Today
//! tab, are counted on it, and make closing the browser tab ask first. A
//! mistaken scan is undone, and closing the day closes the stays still open.

use std::io::Cursor;

use calamine::{DataType, Reader, Xlsx};
use fantoccini::Locator;
use fantoccini::key::Key;
use hiroba_engine::attendance::DayView;
use hiroba_engine::calendar::{AgeBracket, Date, YearMonth, bracket_of_year_month};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{
    WAIT, check_in, enrol, log_in_staff, people, relay_day, step, wait_attr,
};
use hiroba_tests::{Browser, TestRelay, now, poll};
use serde_json::{Value, json};

/// Fetches `path` in the page with the console's staff token; `as_base64`
/// for binary answers.
const FETCH: &str = r#"
const [path, asBase64, done] = arguments;
const session = JSON.parse(sessionStorage.getItem('hiroba.staff.session'));
fetch(path, { headers: { authorization: 'Bearer ' + session.token } })
  .then(async (r) => {
    if (!asBase64) { done({ status: r.status, body: await r.text() }); return; }
    const bytes = new Uint8Array(await r.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    done({ status: r.status, body: btoa(s) });
  })
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

async fn fetch(browser: &Browser, path: &str, binary: bool) -> anyhow::Result<String> {
    let answer = browser
        .client
        .execute_async(FETCH, vec![json!(path), json!(binary)])
        .await?;
    anyhow::ensure!(answer["status"] == json!(200), "GET {path}: {answer}");
    Ok(answer["body"].as_str().unwrap_or_default().to_owned())
}

fn base64_decode(text: &str) -> anyhow::Result<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or_else(|| anyhow::anyhow!("not base64"))? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// Whether the console stops the tab from closing: a synthetic
/// `beforeunload`, as the browser sends one before it asks.
const BEFORE_UNLOAD: &str = "const e = new Event('beforeunload', { cancelable: true }); \
    window.dispatchEvent(e); return e.defaultPrevented;";

/// The birth month `months` before `day`'s month.
fn months_before(day: Date, months: i64) -> YearMonth {
    YearMonth::from_ordinal(day.year_month().ordinal() - months)
}

/// The report bracket of a child born in `born`, on `day`, by the engine.
fn bracket_index(born: YearMonth, day: Date) -> anyhow::Result<usize> {
    bracket_of_year_month(born, day)
        .map(AgeBracket::index)
        .ok_or_else(|| anyhow::anyhow!("{born} has no bracket on {day}"))
}

/// Moves the console to another tab the way its links do (the page stays
/// loaded: a reload would lose what only lives in the tab).
async fn go_hash(browser: &Browser, hash: &str) -> anyhow::Result<()> {
    browser
        .client
        .execute(
            "location.hash = arguments[0]; return true;",
            vec![json!(hash)],
        )
        .await?;
    Ok(())
}

/// Types `text` into the focused field and presses Tab, as staff do.
async fn type_and_tab(browser: &Browser, text: &str) -> anyhow::Result<()> {
    let keys = format!("{text}{}", char::from(Key::Tab));
    let active = browser.client.active_element().await?;
    active.send_keys(&keys).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_and_keyboard_slips_reach_today_and_the_report() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let day = now().jst_date();
    // One child about two and a half (2歳 whatever today is) and one
    // guardian; a younger sibling (about 14 months, 1歳) is forgotten at the
    // kiosk and added by staff.
    let scanned_child = months_before(day, 30);
    let forgotten_child = months_before(day, 14);
    let pass = issuer.issue(
        &PassRequest {
            kind: PassKind::AppPass,
            rooms: vec![RoomId(1)],
            guardians: 1,
            children: vec![scanned_child],
        },
        now(),
    )?;
    // 0歳 and 小学生 from the slips, the scanned child and the added one.
    let mut brackets = [0u32; 7];
    for i in [
        AgeBracket::Age0.index(),
        AgeBracket::Elementary.index(),
        bracket_index(scanned_child, day)?,
        bracket_index(forgotten_child, day)?,
    ] {
        brackets[i] += 1;
    }

    let kiosk = Browser::start(&[]).await?;
    enrol(&kiosk, &relay, RoomId(1)).await?;
    check_in(&kiosk, &pass.to_text()).await?;

    let staff = Browser::start(&[]).await?;
    staff.client.goto(&relay.url("/kiosk/#/staff")).await?;
    log_in_staff(&staff, "r01-staff", "demo-staff-2026").await?;
    wait_attr(&staff, "#today", "data-state", "ready").await?;
    wait_attr(&staff, "#today", "data-groups", "1").await?;

    // Two paper slips, keyboard only: arrival, Tab, …, Enter.
    step("entering paper slips");
    staff
        .client
        .find(Locator::Css("#slip-arrived"))
        .await?
        .click()
        .await?;
    for (guardians, bracket_field, expected) in [("1", 0usize, "2"), ("2", 5usize, "3")] {
        if expected == "2" {
            type_and_tab(&staff, &now().jst_hhmm().replace(':', "")).await?; // arrived
        } else {
            // After a slip the arrival field holds the time now, selected,
            // and has the focus: Tab keeps it.
            type_and_tab(&staff, "").await?;
        }
        type_and_tab(&staff, "").await?; // left: still here
        type_and_tab(&staff, guardians).await?;
        for i in 0..7 {
            type_and_tab(&staff, if i == bracket_field { "1" } else { "" }).await?;
        }
        let active = staff.client.active_element().await?;
        active
            .send_keys(&char::from(Key::Enter).to_string())
            .await?;
        wait_attr(&staff, "#today", "data-groups", expected).await?;
    }
    wait_attr(&staff, "#today-unsent", "data-count", "0").await?;
    // The kiosk counts the slips' families too: 2 + 2 + 3 people.
    poll("the kiosk to count the slips", WAIT, || async {
        Ok((people(&kiosk).await? == 7).then_some(()))
    })
    .await?;

    step("a slip whose name is too long is refused on the name");
    let field = |css: &'static str| staff.client.find(Locator::Css(css));
    field("#slip-guardians").await?.send_keys("1").await?;
    field("#slip-name")
        .await?
        .send_keys(&format!("{}{}", "あ".repeat(101), char::from(Key::Enter)))
        .await?;
    let said = poll("the name's error", WAIT, || async {
        Ok(staff
            .text("#slip-name-error")
            .await?
            .filter(|t| !t.trim().is_empty()))
    })
    .await?;
    assert!(said.contains("氏名は100文字まで"), "{said}");
    assert!(!said.contains("電話"), "not blamed on the phone: {said}");
    assert_eq!(
        staff.attr("#today", "data-groups").await?.as_deref(),
        Some("3"),
        "nothing was recorded"
    );
    field("#slip-name").await?.clear().await?;
    field("#slip-guardians").await?.clear().await?;

    step("adding the forgotten child and a second guardian with 修正");
    field("#visits button.fix").await?.click().await?;
    let add = field("#fix-add-month").await?;
    add.send_keys(&months_before(day, -2).to_string()).await?;
    field("#fix-add").await?.click().await?;
    let refused = poll("the fix editor's error", WAIT, || async {
        staff.text("#fix-error").await
    })
    .await?;
    assert!(refused.contains("今日より後"), "{refused}");
    add.clear().await?;
    add.send_keys(&forgotten_child.to_string()).await?;
    field("#fix-add").await?.click().await?;
    let added = format!("#fix-editor .child-toggle[data-birth='{forgotten_child}']");
    wait_attr(&staff, &added, "aria-pressed", "true").await?;
    let guardians = field("#fix-guardians").await?;
    guardians.clear().await?;
    guardians.send_keys("2").await?;
    field("#fix-save").await?.click().await?;
    // 7 people, one more child and one more guardian.
    wait_attr(&staff, "#today-occupancy", "data-people", "9").await?;
    wait_attr(&staff, "#today-unsent", "data-count", "0").await?;
    poll("the kiosk to count the fix", WAIT, || async {
        Ok((people(&kiosk).await? == 9).then_some(()))
    })
    .await?;

    // The report page shows the day, 9 people in its people column.
    staff
        .client
        .goto(&relay.url("/kiosk/#/staff/reports"))
        .await?;
    wait_attr(&staff, "#report-status", "data-state", "loaded").await?;
    let cell =
        |column: &str| format!("#report-table tbody tr:last-child td[data-column='{column}']");
    assert_eq!(staff.text(&cell("people")).await?.as_deref(), Some("9"));
    assert_eq!(staff.text(&cell("groups")).await?.as_deref(), Some("3"));

    let json = daily_report(&staff).await?;
    let total = &json["total"];
    assert_eq!(total["groups"], json!(3));
    assert_eq!(total["scanned_groups"], json!(1));
    assert_eq!(total["slip_groups"], json!(2));
    assert_eq!(total["children"], json!(brackets));
    assert_eq!(total["adults"], json!(5));

    let csv = fetch(
        &staff,
        &format!("/api/staff/reports/daily?room=R01&date={day}&format=csv"),
        false,
    )
    .await?;
    let row = csv
        .lines()
        .find(|l| l.contains(&day.to_string()))
        .ok_or_else(|| anyhow::anyhow!("no row for {day} in {csv}"))?;
    // Sources (app, card, slip, staff), brackets, children, adults, people.
    let columns: Vec<String> = brackets.iter().map(u32::to_string).collect();
    let expected = format!(",1,0,2,0,{},4,5,9,", columns.join(","));
    assert!(row.contains(&expected), "the CSV row {row} has {expected}");

    let xlsx = base64_decode(
        &fetch(
            &staff,
            &format!("/api/staff/reports/daily?room=R01&date={day}&format=xlsx"),
            true,
        )
        .await?,
    )?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("a sheet"))?;
    let range = book.worksheet_range(&sheet)?;
    let numbers: Vec<Vec<f64>> = range
        .rows()
        .map(|r| {
            r.iter()
                .filter_map(|c| c.get_float().or_else(|| c.get_int().map(|i| i as f64)))
                .collect()
        })
        .collect();
    let wanted: Vec<f64> = brackets.iter().map(|n| f64::from(*n)).collect();
    assert!(
        numbers.iter().any(|r| r.windows(7).any(|w| w == wanted)),
        "the XLSX has the same brackets {wanted:?}: {numbers:?}"
    );

    step("a slip entered while the relay is away outlives leaving the tab");
    go_hash(&staff, "#/staff/today").await?;
    wait_attr(&staff, "#today", "data-groups", "3").await?;
    assert_eq!(
        staff.client.execute(BEFORE_UNLOAD, vec![]).await?,
        json!(false),
        "nothing unsent: the tab closes without asking"
    );
    let stopped = relay.stop_for_outage().await?;
    // The page was opened afresh: the arrival field is empty again.
    field("#slip-arrived")
        .await?
        .send_keys(&now().jst_hhmm().replace(':', ""))
        .await?;
    field("#slip-guardians").await?.send_keys("1").await?;
    field("#slip-guardians")
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    wait_attr(&staff, "#today", "data-groups", "4").await?;
    wait_attr(&staff, "#today-unsent", "data-count", "1").await?;
    go_hash(&staff, "#/staff/families").await?;
    wait_attr(&staff, "#staff-unsent", "data-count", "1").await?;
    assert_eq!(
        staff.client.execute(BEFORE_UNLOAD, vec![]).await?,
        json!(true),
        "closing the tab asks while a slip is unsent"
    );
    go_hash(&staff, "#/staff/today").await?;
    wait_attr(&staff, "#today", "data-groups", "4").await?;
    wait_attr(&staff, "#today-unsent", "data-count", "1").await?;
    // Logging out would drop it: the console asks, and staff stay.
    field(".staff-who button").await?.click().await?;
    let question = staff.client.get_alert_text().await?;
    assert!(question.contains("1件"), "{question}");
    staff.client.dismiss_alert().await?;
    assert_eq!(
        staff
            .attr("#staff-console", "data-logged-in")
            .await?
            .as_deref(),
        Some("true")
    );

    step("the relay returns and acknowledges the slip");
    let relay = stopped.start().await?;
    wait_attr(&staff, "#today-unsent", "data-count", "0").await?;
    wait_attr(&staff, "#staff-console", "data-unsent", "0").await?;
    let json = daily_report(&staff).await?;
    assert_eq!(json["total"]["groups"], json!(4), "{json}");
    assert_eq!(
        staff.client.execute(BEFORE_UNLOAD, vec![]).await?,
        json!(false)
    );

    kiosk.close().await?;
    staff.close().await?;
    relay.stop().await
}

/// Any JSON call from the page: method, path, bearer token; answers
/// `{status}`.
const CALL: &str = r#"
const [method, path, token, done] = arguments;
fetch(path, { method, headers: { authorization: 'Bearer ' + token } })
  .then((r) => done({ status: r.status }))
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

async fn log_in_as_room_staff(staff: &Browser) -> anyhow::Result<()> {
    log_in_staff(staff, "r01-staff", "demo-staff-2026").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsent_slip_is_sent_after_the_same_person_logs_in_again() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let staff = Browser::start(&[]).await?;
    staff
        .client
        .goto(&relay.url("/kiosk/#/staff/today"))
        .await?;
    log_in_as_room_staff(&staff).await?;
    wait_attr(&staff, "#today", "data-state", "ready").await?;
    wait_attr(&staff, "#today-net", "data-online", "true").await?;

    step("the session ends on the relay, which then goes away");
    let token = staff
        .client
        .execute(
            "return JSON.parse(sessionStorage.getItem('hiroba.staff.session')).token;",
            vec![],
        )
        .await?;
    let ended = staff
        .client
        .execute_async(CALL, vec![json!("POST"), json!("/api/logout"), token])
        .await?;
    assert_eq!(ended["status"], json!(200), "{ended}");
    let stopped = relay.stop_for_outage().await?;
    wait_attr(&staff, "#today-net", "data-online", "false").await?;

    step("a slip is entered meanwhile");
    let field = |css: &'static str| staff.client.find(Locator::Css(css));
    field("#slip-arrived")
        .await?
        .send_keys(&now().jst_hhmm().replace(':', ""))
        .await?;
    field("#slip-guardians")
        .await?
        .send_keys(&format!("2{}", char::from(Key::Enter)))
        .await?;
    wait_attr(&staff, "#today", "data-groups", "1").await?;
    wait_attr(&staff, "#staff-console", "data-unsent", "1").await?;

    step("the relay returns; staff log in again and the slip goes out");
    let relay = stopped.start().await?;
    // Any request now finds the session ended and brings the login back.
    go_hash(&staff, "#/staff/families").await?;
    log_in_as_room_staff(&staff).await?;
    wait_attr(&staff, "#staff-console", "data-unsent", "0").await?;
    let json = daily_report(&staff).await?;
    assert_eq!(json["total"]["groups"], json!(1), "{json}");
    assert_eq!(json["total"]["adults"], json!(2), "{json}");

    staff.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_console_on_a_counter_kiosk_ends_the_login() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let kiosk = Browser::start(&[]).await?;
    enrol(&kiosk, &relay, RoomId(1)).await?;

    step("staff log in on the counter kiosk and go back with the button");
    go_hash(&kiosk, "#/staff/today").await?;
    log_in_as_room_staff(&kiosk).await?;
    kiosk
        .client
        .find(Locator::Css("#staff-back"))
        .await?
        .click()
        .await?;
    wait_attr(&kiosk, "#kiosk", "data-state", "ready").await?;
    go_hash(&kiosk, "#/staff/today").await?;
    wait_attr(&kiosk, "#staff-console", "data-logged-in", "false").await?;

    step("staff log in again and leave by the address (a swipe back)");
    log_in_as_room_staff(&kiosk).await?;
    let token = kiosk
        .client
        .execute(
            "return JSON.parse(sessionStorage.getItem('hiroba.staff.session')).token;",
            vec![],
        )
        .await?;
    let token = token.as_str().unwrap_or_default().to_owned();
    go_hash(&kiosk, "#/").await?;
    wait_attr(&kiosk, "#kiosk", "data-state", "ready").await?;
    go_hash(&kiosk, "#/staff/today").await?;
    wait_attr(&kiosk, "#staff-console", "data-logged-in", "false").await?;
    // The relay forgot the session too: nothing was left unsent.
    poll("the relay to end the session", WAIT, || async {
        let answer = kiosk
            .client
            .execute_async(
                "const [token, done] = arguments; \
                 fetch('/api/me', { headers: { authorization: 'Bearer ' + token } }) \
                   .then((r) => done(r.status)).catch(() => done(0));",
                vec![json!(token)],
            )
            .await?;
        Ok((answer == json!(401)).then_some(()))
    })
    .await?;

    kiosk.close().await?;
    relay.stop().await
}

/// The day's report for R01 as JSON, read with the console's session.
async fn daily_report(staff: &Browser) -> anyhow::Result<Value> {
    let day = now().jst_date();
    let path = format!("/api/staff/reports/daily?room=R01&date={day}&format=json");
    Ok(serde_json::from_str(&fetch(staff, &path, false).await?)?)
}

/// Waits until the relay's copy of R01's day satisfies `check`.
async fn relay_day_where(
    relay: &TestRelay,
    what: &str,
    check: impl Fn(&DayView) -> bool,
) -> anyhow::Result<DayView> {
    poll(what, WAIT, || async {
        let view = DayView::load(&relay_day(relay, RoomId(1))?);
        Ok(check(&view).then_some(view))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistaken_scan_is_undone_and_closing_the_day_closes_open_stays() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let day = now().jst_date();
    let family = || PassRequest {
        kind: PassKind::AppPass,
        rooms: vec![RoomId(1)],
        guardians: 1,
        children: vec![months_before(day, 30)],
    };
    let mistaken = issuer.issue(&family(), now())?;
    let staying = issuer.issue(&family(), now())?;
    let kiosk = Browser::start(&[]).await?;
    enrol(&kiosk, &relay, RoomId(1)).await?;
    check_in(&kiosk, &mistaken.to_text()).await?;
    check_in(&kiosk, &staying.to_text()).await?;

    let staff = Browser::start(&[]).await?;
    staff
        .client
        .goto(&relay.url("/kiosk/#/staff/today"))
        .await?;
    log_in_as_room_staff(&staff).await?;
    wait_attr(&staff, "#today", "data-groups", "2").await?;
    let view =
        relay_day_where(&relay, "both visits on the relay", |v| v.stays().len() == 2).await?;
    let visit = view
        .stays()
        .iter()
        .find(|s| s.pass == Some(mistaken.claims.pass_id))
        .and_then(|s| s.visits.first())
        .map(ToString::to_string)
        .ok_or_else(|| anyhow::anyhow!("no visit of the mistaken pass"))?;

    step("undoing the mistaken scan");
    let row = format!("#visits tr.stay[data-visit='{visit}']");
    staff
        .client
        .find(Locator::Css(&format!("{row} button.void")))
        .await?
        .click()
        .await?;
    staff.client.accept_alert().await?;
    wait_attr(&staff, "#today", "data-groups", "1").await?;
    assert!(
        staff.attr(&row, "data-visit").await?.is_none(),
        "the visit left the day's visits"
    );
    assert!(
        staff.text("#today-error").await?.is_none(),
        "no refusal on the page"
    );
    wait_attr(&staff, "#today-unsent", "data-count", "0").await?;
    let view = relay_day_where(&relay, "the undo on the relay", |v| v.stays().len() == 1).await?;
    let left_in = view.stays().first().and_then(|s| s.pass);
    assert_eq!(
        left_in,
        Some(staying.claims.pass_id),
        "the other visit stays"
    );
    let report = daily_report(&staff).await?;
    assert_eq!(report["total"]["groups"], json!(1), "{report}");
    assert_eq!(report["total"]["total_people"], json!(2), "{report}");
    poll("the kiosk to count one family", WAIT, || async {
        Ok((people(&kiosk).await? == 2).then_some(()))
    })
    .await?;

    step("closing the day with a family still in");
    assert_eq!(
        staff
            .client
            .execute(
                "return document.querySelectorAll('#present tr.stay').length;",
                vec![],
            )
            .await?,
        json!(1)
    );
    assert!(
        staff
            .text("#today-occupancy strong.closed")
            .await?
            .is_none(),
        "a day with visits is not shown as closed before staff close it"
    );
    staff
        .client
        .find(Locator::Css("#close-day"))
        .await?
        .click()
        .await?;
    staff.client.accept_alert().await?;
    wait_attr(&staff, "#today-occupancy", "data-people", "0").await?;
    // The page says the day is closed, and it cannot be closed twice (a
    // second closing would move every stay closed at closing later).
    wait_attr(&staff, "#close-day", "disabled", "true").await?;
    assert!(
        staff
            .text("#today-occupancy strong.closed")
            .await?
            .is_some(),
        "the day shows as closed"
    );
    let left = poll("the stay to be closed", WAIT, || async {
        Ok(staff
            .text("#visits tr.stay td:nth-child(2)")
            .await?
            .filter(|t| t.ends_with('*')))
    })
    .await?;
    let closing = staff.text(".close-day span").await?.unwrap_or_default();
    assert!(
        closing.contains("締め時刻") && closing.contains(left.trim_end_matches('*')),
        "the page says when the day closed ({closing}), the time the stay ended ({left})"
    );
    assert!(
        staff.text("#present tr.stay").await?.is_none(),
        "nobody is in the room"
    );
    wait_attr(&staff, "#today-unsent", "data-count", "0").await?;
    let view = relay_day_where(&relay, "the closing on the relay", |v| {
        v.closing().is_some()
    })
    .await?;
    let stay = view
        .stays()
        .first()
        .ok_or_else(|| anyhow::anyhow!("the day lost its stay"))?;
    assert!(stay.closed_at_closing, "flagged as closed at closing");
    assert_eq!(stay.left, view.closing(), "closed at the closing time");
    let report = daily_report(&staff).await?;
    assert_eq!(report["total"]["closed_at_closing"], json!(1), "{report}");
    assert_eq!(report["total"]["groups"], json!(1), "{report}");
    poll("the kiosk to count nobody", WAIT, || async {
        Ok((people(&kiosk).await? == 0).then_some(()))
    })
    .await?;

    kiosk.close().await?;
    staff.close().await?;
    relay.stop().await
}
