//! The 利用者実績表 page for an administrator, in headless Chromium against
//! a real relay: the whole city's month with its three charts (by hour, by
//! age bracket, by day) and the room rows, and the CSV and XLSX the page's
//! buttons save — with the numbers the visits make.

use fantoccini::Locator;
use hiroba_engine::attendance::{CheckIn, Source, VisitId, record_check_in};
use hiroba_engine::calendar::{Timestamp, YearMonth};
use hiroba_engine::ids::{DocId, PassId, RoomId};
use hiroba_tests::kiosk::{log_in_staff, step};
use hiroba_tests::{Browser, TestRelay, now, poll};
use serde_json::json;

/// Catches what the page saves: each object URL's blob, read back as text
/// (CSV) or as its first bytes (XLSX is a ZIP: `PK`).
const CATCH_SAVES: &str = r#"
window.hirobaSaved = [];
const create = URL.createObjectURL.bind(URL);
URL.createObjectURL = (blob) => { window.hirobaSaved.push(blob); return create(blob); };
return true;
"#;

const READ_SAVED: &str = r#"
const [i, done] = arguments;
const blob = (window.hirobaSaved || [])[i];
if (!blob) { done(null); return; }
blob.arrayBuffer().then((buffer) => {
  const bytes = new Uint8Array(buffer);
  done({ type: blob.type, text: new TextDecoder().decode(bytes), first: [bytes[0], bytes[1]] });
});
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sees_the_citys_month_with_charts_and_saves_it() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let today = now().jst_date();
    // Three groups: two in R01 (10:00 and 13:00), one in R02 (10:00).
    let young = YearMonth::from_ordinal(today.year_month().ordinal() - 14);
    let visits = [
        (RoomId(1), 1u8, 10u32, vec![young]),
        (RoomId(1), 2, 13, vec![young, young]),
        (RoomId(2), 1, 10, vec![young]),
    ];
    for (n, (room, guardians, hour, children)) in visits.into_iter().enumerate() {
        let seed = u8::try_from(n + 1)?;
        let fact = CheckIn {
            pass: PassId([seed; 8]),
            source: Source::AppPass,
            children,
            guardians,
            at: Timestamp::from_jst(today, hour, 0),
        };
        relay
            .state
            .sync
            .change_doc(&DocId::attendance(room, today), |doc| {
                record_check_in(doc, &VisitId::from_random(&[seed; 16]), &fact)
            })?;
    }

    let staff = Browser::start(&[]).await?;
    staff
        .client
        .goto(&relay.url("/kiosk/#/staff/reports"))
        .await?;
    log_in_staff(&staff, "admin", "demo-admin-2026").await?;

    step("choosing the whole city's month");
    staff
        .client
        .find(Locator::Css("#report-kind-monthly"))
        .await?
        .click()
        .await?;
    staff
        .client
        .execute(
            "const s = document.getElementById('report-room'); s.value = 'all'; \
             s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![],
        )
        .await?;
    // The city's month: 3 groups, 4 children and 4 adults, so 8 people.
    poll("the city's month to be shown", hiroba_tests::kiosk::WAIT, || async {
        let state = staff.attr("#report-status", "data-state").await?;
        let people = staff
            .client
            .execute(
                "const c = document.querySelector('#report-table tr.reports-total [data-column=\"people\"]'); \
                 return c ? c.textContent.trim() : null;",
                vec![],
            )
            .await?;
        Ok((state.as_deref() == Some("loaded") && people == json!("8")).then_some(()))
    })
    .await?;
    let rows = staff
        .client
        .execute(
            "return [...document.querySelectorAll('#report-table tbody tr:not(.reports-total)')] \
               .map((r) => r.querySelector('th').textContent.trim());",
            vec![],
        )
        .await?;
    let rows = rows.as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(rows, 11, "a row per room of the city");

    // Each chart draws bars for what happened: two hours, the 1歳 bracket
    // and the adults, one day.
    for (chart, bars) in [("chart-hours", 2), ("chart-brackets", 2), ("chart-days", 1)] {
        let drawn = staff
            .client
            .execute(
                "const f = document.getElementById(arguments[0]); \
                 return f ? [...f.querySelectorAll('g.bar rect')] \
                   .filter((r) => Number(r.getAttribute('height')) > 0).length : -1;",
                vec![json!(chart)],
            )
            .await?;
        assert_eq!(drawn, json!(bars), "{chart} bars");
    }

    step("saving the CSV and the XLSX");
    staff.client.execute(CATCH_SAVES, vec![]).await?;
    for button in ["#report-csv", "#report-xlsx"] {
        staff
            .client
            .find(Locator::Css(button))
            .await?
            .click()
            .await?;
    }
    let saved = |i: usize| {
        let staff = &staff;
        async move {
            poll(
                "the page to save the file",
                hiroba_tests::kiosk::WAIT,
                || async {
                    let file = staff
                        .client
                        .execute_async(READ_SAVED, vec![json!(i)])
                        .await?;
                    Ok((!file.is_null()).then_some(file))
                },
            )
            .await
        }
    };
    let csv = saved(0).await?;
    let text = csv["text"].as_str().unwrap_or_default();
    let total = text
        .lines()
        .find(|l| l.starts_with("全館合計"))
        .ok_or_else(|| anyhow::anyhow!("no city total in the CSV: {text}"))?;
    assert!(
        total.contains(",3,"),
        "three groups in the city total: {total}"
    );
    let xlsx = saved(1).await?;
    assert_eq!(xlsx["first"], json!([80, 75]), "the XLSX is a ZIP workbook");
    assert!(
        xlsx["type"]
            .as_str()
            .unwrap_or_default()
            .contains("spreadsheetml"),
        "saved as a workbook: {}",
        xlsx["type"]
    );

    staff.close().await?;
    relay.stop().await
}
