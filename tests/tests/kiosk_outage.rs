//! SPEC §4, the outage: two kiosks of one room keep checking families in
//! and out while the relay is down, one of them is even reloaded offline,
//! and when the relay comes back both kiosks and the relay converge on the
//! same day, whose report counts exactly the visits that happened.
//!
//! Real parts only: the relay on loopback over sled in a temp dir, stopped
//! (every connection closed) and started again on the same address and
//! data; two headless Chromium browsers running the built kiosk app, each
//! enrolled with its own pairing code.

use std::time::Duration;

use hiroba_engine::attendance::DayView;
use hiroba_engine::calendar::{AgeBracket, YearMonth};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::{PassKind, SignedPass};
use hiroba_engine::report::DailyReport;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::kiosk::{
    check_in, check_out, enrol, people, relay_day, wait_attr, wait_for_script, wait_ready,
};
use hiroba_tests::{Browser, TestRelay, now, poll};

/// Long enough for a kiosk's reconnect backoff (at most 30 s) plus a sync.
const CONVERGE: Duration = Duration::from_secs(120);

/// One child (born 2024-08, so 0–2 years old today) and one guardian.
fn families(issuer: &Issuer, n: usize) -> anyhow::Result<Vec<SignedPass>> {
    let request = PassRequest {
        kind: PassKind::AppPass,
        rooms: vec![RoomId(1)],
        guardians: 1,
        children: vec![YearMonth::new(2024, 8)?],
    };
    (0..n).map(|_| Ok(issuer.issue(&request, now())?)).collect()
}

async fn texts_in(
    browser: &Browser,
    passes: &[SignedPass],
    ids: impl IntoIterator<Item = usize>,
) -> anyhow::Result<()> {
    for i in ids {
        check_in(browser, &passes[i].to_text())
            .await
            .map_err(|e| e.context(format!("check-in of family {i}")))?;
    }
    Ok(())
}

async fn texts_out(
    browser: &Browser,
    passes: &[SignedPass],
    ids: impl IntoIterator<Item = usize>,
) -> anyhow::Result<()> {
    for i in ids {
        check_out(browser, &passes[i].to_text())
            .await
            .map_err(|e| e.context(format!("check-out of family {i}")))?;
    }
    Ok(())
}

/// Waits until the page's service worker controls it (so it can reload
/// with no network).
async fn wait_offline_capable(browser: &Browser) -> anyhow::Result<()> {
    wait_for_script(
        browser,
        "the service worker to control the kiosk",
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_kiosks_work_through_an_outage_and_converge() -> anyhow::Result<()> {
    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let passes = families(&issuer, 33)?;

    let a = Browser::start(&[]).await?;
    let b = Browser::start(&[]).await?;
    enrol(&a, &relay, RoomId(1)).await?;
    enrol(&b, &relay, RoomId(1)).await?;
    // The service worker takes over on the first load's activation; a
    // reload proves the page is served by it before the network goes.
    a.client.refresh().await?;
    wait_ready(&a).await?;
    wait_offline_capable(&a).await?;

    // Online: family 25 checks in at A, and B learns of it through the relay.
    texts_in(&a, &passes, [25]).await?;
    poll("kiosk B to see family 25", CONVERGE, || async {
        Ok((people(&b).await? == 2).then_some(()))
    })
    .await?;

    // The relay goes down; both kiosks notice.
    let stopped = relay.stop_for_outage().await?;
    wait_attr(&a, "#net-status", "data-online", "false").await?;
    wait_attr(&b, "#net-status", "data-online", "false").await?;

    // 50 check-ins and check-outs while offline.
    texts_in(&a, &passes, 0..15).await?; // 15
    texts_in(&b, &passes, 15..25).await?; // 25
    texts_in(&b, &passes, [0]).await?; // 26: family 0 on both kiosks
    texts_out(&b, &passes, [25]).await?; // 27: checked in at A, out at B
    assert_eq!(people(&a).await?, 2 * 16, "A: 0–14 and 25");
    assert_eq!(people(&b).await?, 2 * 11, "B: 15–24 and 0, 25 gone");

    // A reloads with no network and carries on from its own storage.
    a.client.refresh().await?;
    wait_ready(&a).await?;
    assert_eq!(
        a.attr("#net-status", "data-online").await?.as_deref(),
        Some("false")
    );
    assert_eq!(people(&a).await?, 2 * 16, "A after reloading offline");
    let unsent_a: usize = a
        .attr("#unsent", "data-count")
        .await?
        .unwrap_or_default()
        .parse()?;
    assert_eq!(unsent_a, 15, "A's offline check-ins wait to be sent");

    texts_out(&a, &passes, 1..11).await?; // 37
    texts_in(&a, &passes, 26..33).await?; // 44
    texts_out(&b, &passes, 15..21).await?; // 50

    // The relay comes back on the same address over the same data.
    let relay = stopped.start().await?;

    // Everyone converges: F0 (joined across kiosks), 11–14, 21–24 and 26–32
    // are in the room; 1–10, 15–20 and 25 left. 33 groups came.
    let expected_present = 2 * (1 + 4 + 4 + 7);
    for (name, kiosk) in [("A", &a), ("B", &b)] {
        poll(&format!("kiosk {name} to converge"), CONVERGE, || async {
            let unsent = kiosk.attr("#unsent", "data-count").await?;
            let online = kiosk.attr("#net-status", "data-online").await?;
            let here = people(kiosk).await?;
            Ok((unsent.as_deref() == Some("0")
                && online.as_deref() == Some("true")
                && here == expected_present)
                .then_some(()))
        })
        .await?;
    }
    let day = DayView::load(&relay_day(&relay, RoomId(1))?);
    assert_eq!(
        day.stays().len(),
        33,
        "one stay per family, family 0 counted once"
    );
    assert_eq!(day.occupancy(now()).people(), expected_present);
    assert_eq!(
        day.anomalies().orphan_check_outs,
        0,
        "every check-out found its check-in"
    );

    let report = DailyReport::from_day(RoomId(1), now().jst_date(), &day, 0);
    assert_eq!(report.tally.groups, 33);
    assert_eq!(report.tally.adults, 33);
    assert_eq!(report.tally.children_total(), 33);
    let bracket =
        hiroba_engine::calendar::bracket_of_year_month(YearMonth::new(2024, 8)?, now().jst_date())
            .ok_or_else(|| anyhow::anyhow!("a two-year-old has a bracket"))?;
    let index = AgeBracket::ALL
        .iter()
        .position(|b| *b == bracket)
        .unwrap_or(usize::MAX);
    assert_eq!(
        report.tally.children.get(index).copied(),
        Some(33),
        "all in one bracket"
    );

    a.close().await?;
    b.close().await?;
    relay.stop().await
}
