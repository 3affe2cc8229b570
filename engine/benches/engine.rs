//! Engine benchmarks for the SPEC §6 targets that run natively.
//!
//! Run with `cargo bench -p hiroba-engine`; results go to BENCHMARKS.md.
//! A plain harness (no criterion) keeps the build light: each case runs a
//! warm-up, then enough timed iterations for stable p50/p99 figures.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::AutoCommit;
use ed25519_dalek::SigningKey;
use hiroba_engine::attendance::{CheckIn, DayView, Source, VisitId, record_check_in};
use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
use hiroba_engine::ids::{CityCode, KeyId, PassId, RoomId};
use hiroba_engine::pass::{PassClaims, PassKind, VerifyContext, verify_scan};
use hiroba_engine::report::{CityMonthlyReport, DailyReport, MonthlyReport, Scope, YearlyReport};
use hiroba_engine::synth;
use hiroba_engine::trust::{Revocations, TrustList, TrustedKey};

const SEED: u64 = 7;

struct Stats {
    p50: Duration,
    p99: Duration,
    runs: usize,
}

fn measure(runs: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..runs.div_ceil(10) {
        f();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        p50: times[times.len() / 2],
        p99: times[(times.len() * 99 / 100).min(times.len() - 1)],
        runs,
    }
}

fn report(name: &str, target: &str, stats: &Stats) {
    println!(
        "{name:<44} p50 {:>10.3?}  p99 {:>10.3?}  ({} runs)  target {target}",
        stats.p50, stats.p99, stats.runs
    );
}

fn pass_verify() {
    let key = SigningKey::from_bytes(&[42; 32]);
    let now = Timestamp(1_795_000_000);
    let trust = TrustList::from_keys([TrustedKey::for_signing_key(
        &key,
        KeyId(1),
        Timestamp(now.0 - 86_400),
        Timestamp(now.0 + 86_400 * 365),
    )])
    .expect("trust list");
    let revocations = Revocations::default();
    let children = (0..3)
        .map(|i| YearMonth::new(2020 + i, 5).expect("month"))
        .collect();
    let text = PassClaims {
        city: CityCode(999_001),
        pass_id: PassId([1, 2, 3, 4, 5, 6, 7, 8]),
        serial: 1,
        key_id: KeyId(1),
        kind: PassKind::AppPass,
        rooms: vec![RoomId(1), RoomId(2)],
        guardians: 2,
        children,
        valid_from: Timestamp(now.0 - 60),
        valid_until: Timestamp(now.0 + 86_400),
    }
    .sign(&key)
    .to_text();
    let ctx = VerifyContext {
        city: CityCode(999_001),
        room: RoomId(1),
        trust: &trust,
        revocations: &revocations,
    };
    let stats = measure(5_000, || {
        black_box(verify_scan(black_box(&text), &ctx, now)).expect("valid pass");
    });
    report("pass verify (native)", "< 1 ms (wasm)", &stats);
}

fn busiest_day() -> (RoomId, Vec<synth::PlannedVisit>) {
    let year = synth::city_year(SEED);
    year.days()
        .max_by_key(|(_, _, visits)| visits.len())
        .map(|(room, _, visits)| (room, visits))
        .expect("a year has days")
}

fn check_in_busy_day() {
    let (_, visits) = busiest_day();
    let mut doc = AutoCommit::new();
    synth::write_visits(&mut doc, &visits).expect("write day");
    let _ = doc.save();
    let at = visits.last().map_or(Timestamp(0), |v| v.arrived);
    let mut n: u32 = 0;
    let stats = measure(2_000, || {
        n += 1;
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&n.to_be_bytes());
        let check_in = CheckIn {
            pass: PassId([9, 9, 9, 9, 0, 0, 0, (n % 251) as u8]),
            source: Source::AppPass,
            children: vec![YearMonth::new(2024, 8).expect("month")],
            guardians: 1,
            at,
        };
        record_check_in(&mut doc, &VisitId::from_random(&id), &check_in).expect("check in");
        // What the kiosk persists before it says 受付しました.
        black_box(doc.save_incremental());
    });
    report(
        &format!("check-in + save, busy day ({} groups)", visits.len()),
        "(feeds < 50 ms scan→screen)",
        &stats,
    );
}

fn room_month_load() {
    let month = YearMonth::new(2025, 3).expect("month");
    let year = synth::city_year(SEED);
    let (room, _) = (1..=synth::ROOM_COUNT)
        .map(|r| {
            let room = RoomId(r);
            let people: u32 = year
                .room_month(room, month)
                .iter()
                .map(|v| v.people())
                .sum();
            (room, people)
        })
        .max_by_key(|(_, p)| *p)
        .expect("rooms");
    let mut days: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for visit in year.room_month(room, month) {
        days.entry(visit.date).or_default().push(visit);
    }
    let saved: Vec<Vec<u8>> = days
        .values()
        .map(|visits| {
            let mut doc = AutoCommit::new();
            synth::write_day(&mut doc, visits).expect("write day");
            doc.save()
        })
        .collect();
    let visits: usize = days.values().map(Vec::len).sum();
    let now = days
        .values()
        .last()
        .and_then(|v| v.first())
        .map_or(Timestamp(0), |v| v.arrived);
    let stats = measure(30, || {
        let mut present = 0;
        for bytes in &saved {
            let doc = AutoCommit::load(bytes).expect("load");
            present += DayView::load(&doc).occupancy(now).groups;
        }
        black_box(present);
    });
    report(
        &format!("room-month load + occupancy ({visits} groups)"),
        "< 50 ms (wasm)",
        &stats,
    );
    let stats = measure(30, || {
        for bytes in &saved {
            black_box(AutoCommit::load(bytes).expect("load"));
        }
    });
    report("  … of which AutoCommit::load", "(for reference)", &stats);
    let docs: Vec<AutoCommit> = saved
        .iter()
        .map(|b| AutoCommit::load(b).expect("load"))
        .collect();
    let stats = measure(30, || {
        for doc in &docs {
            black_box(DayView::load(doc).occupancy(now));
        }
    });
    report(
        "  … of which DayView::load + occupancy",
        "(for reference)",
        &stats,
    );
}

fn city_year_report() {
    let year = synth::city_year(SEED);
    let saved: Vec<(RoomId, Date, Vec<u8>)> = year
        .days()
        .map(|(room, date, visits)| {
            let mut doc = AutoCommit::new();
            synth::write_day(&mut doc, &visits).expect("write day");
            (room, date, doc.save())
        })
        .collect();
    let load_views = || -> Vec<(RoomId, Date, DayView)> {
        saved
            .iter()
            .map(|(room, date, bytes)| {
                let doc = AutoCommit::load(bytes).expect("load");
                (*room, *date, DayView::load(&doc))
            })
            .collect()
    };
    let views = load_views();
    let stats = measure(5, || {
        black_box(build_reports(&views));
    });
    report(
        &format!(
            "city-year monthly + yearly report ({} room-days)",
            views.len()
        ),
        "< 1 s",
        &stats,
    );
    let stats = measure(3, || {
        black_box(build_reports(&load_views()));
    });
    report(
        "  … including loading every day document",
        "(for reference)",
        &stats,
    );
}

/// Every room's monthly reports, the city's monthly reports and the city's
/// yearly report, from the days' views.
fn build_reports(views: &[(RoomId, Date, DayView)]) -> (Vec<CityMonthlyReport>, YearlyReport) {
    let mut by_room_month: BTreeMap<(RoomId, YearMonth), Vec<DailyReport>> = BTreeMap::new();
    for (room, date, view) in views {
        by_room_month
            .entry((*room, date.year_month()))
            .or_default()
            .push(DailyReport::from_day(*room, *date, view, 0));
    }
    let monthly: Vec<MonthlyReport> = by_room_month
        .into_iter()
        .map(|((room, month), days)| MonthlyReport::from_days(room, month, days).expect("monthly"))
        .collect();
    let mut by_month: BTreeMap<YearMonth, Vec<MonthlyReport>> = BTreeMap::new();
    for report in &monthly {
        by_month
            .entry(report.month)
            .or_default()
            .push(report.clone());
    }
    let city = by_month
        .into_iter()
        .map(|(month, rooms)| CityMonthlyReport::from_rooms(month, rooms).expect("city month"))
        .collect();
    let yearly =
        YearlyReport::from_monthly(Scope::City, synth::FISCAL_YEAR, &monthly).expect("yearly");
    (city, yearly)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary without it, where a debug build of the city-year would only
    // waste minutes, so test mode just checks the benchmarks build.
    if !std::env::args().any(|a| a == "--bench") {
        println!("engine benchmarks: run them with `cargo bench -p hiroba-engine`");
        return;
    }
    // A name filter runs one case.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let cases: [(&str, fn()); 4] = [
        ("pass_verify", pass_verify),
        ("check_in_busy_day", check_in_busy_day),
        ("room_month_load", room_month_load),
        ("city_year_report", city_year_report),
    ];
    for (name, case) in cases {
        if filter.as_deref().is_none_or(|f| name.contains(f)) {
            case();
        }
    }
}
