//! The staff console in headless Chromium against a real relay: a staff
//! member logs in, sees the kiosk's scan on 今日の受付, enters paper slips
//! with the keyboard alone, and finds scans and slips in the day's
//! 利用者実績表 — the page, the JSON, the CSV and the XLSX — in the right age
//! brackets.

use std::io::Cursor;

use calamine::{DataType, Reader, Xlsx};
use fantoccini::Locator;
use fantoccini::key::Key;
use hiroba_engine::calendar::YearMonth;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{WAIT, check_in, enrol, people, step, wait_attr};
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
    // One child born 2024-08 (the 2歳 bracket in late 2026) and one guardian.
    let pass = issuer.issue(
        &PassRequest {
            kind: PassKind::AppPass,
            rooms: vec![RoomId(1)],
            guardians: 1,
            children: vec![YearMonth::new(2024, 8)?],
        },
        now(),
    )?;

    let kiosk = Browser::start(&[]).await?;
    enrol(&kiosk, &relay, RoomId(1)).await?;
    check_in(&kiosk, &pass.to_text()).await?;

    let staff = Browser::start(&[]).await?;
    staff.client.goto(&relay.url("/kiosk/#/staff")).await?;
    wait_attr(&staff, "#staff-console", "data-logged-in", "false").await?;
    step("logging in as room staff");
    staff
        .client
        .find(Locator::Css("#staff-login-id"))
        .await?
        .send_keys("r01-staff")
        .await?;
    let password = staff.client.find(Locator::Css("#staff-password")).await?;
    password
        .send_keys(&format!("demo-staff-2026{}", char::from(Key::Enter)))
        .await?;
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

    // The report page shows the day.
    staff
        .client
        .goto(&relay.url("/kiosk/#/staff/reports"))
        .await?;
    wait_attr(&staff, "#report-status", "data-state", "loaded").await?;
    let table = staff.text("#report-table").await?.unwrap_or_default();
    assert!(table.contains('7'), "the table shows 7 people: {table}");

    let day = now().jst_date();
    let json: Value = serde_json::from_str(
        &fetch(
            &staff,
            &format!("/api/staff/reports/daily?room=R01&date={day}&format=json"),
            false,
        )
        .await?,
    )?;
    let total = &json["total"];
    assert_eq!(total["groups"], json!(3));
    assert_eq!(total["scanned_groups"], json!(1));
    assert_eq!(total["slip_groups"], json!(2));
    // 0歳 (slip), 2歳 (scan), 小学生 (slip).
    assert_eq!(total["children"], json!([1, 0, 1, 0, 0, 1, 0]));
    assert_eq!(total["adults"], json!(4));

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
    assert!(
        row.contains(",1,0,2,0,1,0,1,0,0,1,0,3,4,7,"),
        "the CSV row: {row}"
    );

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
    assert!(
        numbers.iter().any(|r| r
            .windows(7)
            .any(|w| w == [1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0])),
        "the XLSX has the same brackets: {numbers:?}"
    );

    kiosk.close().await?;
    staff.close().await?;
    relay.stop().await
}
