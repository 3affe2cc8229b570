//! Materializing a day's document into stays.
//!
//! See the module documentation of [`attendance`](super) for the rules; this
//! file implements them. Everything is sorted by stable keys, so the result
//! depends only on the set of facts in the document, never on the order in
//! which kiosks merged them.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValueRef, Value, ValueRef};

use super::event::{self, Event, FixWire, InWire, Parsed};
use super::{Children, EventId, Source, VisitId};
use crate::calendar::{Timestamp, YearMonth};
use crate::ids::PassId;

/// One family group's visit: from arrival to departure, with who came.
///
/// A stay is what the report counts as one group (組). Check-ins of the same
/// pass on several kiosks while the family is in the room merge into one
/// stay; a paper slip is always a stay of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    /// The pass, or `None` for a paper slip.
    pub pass: Option<PassId>,
    /// How the family announced itself (of the earliest check-in).
    pub source: Source,
    /// When the family arrived.
    pub arrived: Timestamp,
    /// When the family left: checked out, written on the slip, or closed at
    /// closing. `None` while still in the room.
    pub left: Option<Timestamp>,
    /// Whether `left` is the closing time because nobody checked out.
    pub closed_at_closing: bool,
    /// The children who came.
    pub children: Children,
    /// The number of guardians who came.
    pub guardians: u8,
    /// The visits (check-ins or the slip) merged into this stay, in the order
    /// they happened; never empty.
    pub visits: Vec<VisitId>,
}

impl Stay {
    /// Whether the family is in the room at `now`.
    pub fn is_present(&self, now: Timestamp) -> bool {
        self.arrived <= now && self.left.is_none_or(|left| left > now)
    }

    /// Length of the stay in whole minutes, once it has ended.
    pub fn minutes(&self) -> Option<u32> {
        // Times in a view are bounded (see `plausible`), so this cannot
        // overflow; `left >= arrived` holds for every stay built here.
        let left = self.left?;
        Some(((left.0 - self.arrived.0).max(0) / 60) as u32)
    }

    /// Children plus guardians.
    pub fn people(&self) -> u32 {
        self.children.count() + u32::from(self.guardians)
    }
}

/// What had to be ignored while reading a day, for a staff diagnostics
/// screen. None of it stops a kiosk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// Entries that could not be read (bad key, bad JSON, implausible values).
    pub malformed: usize,
    /// Entries of a kind this version does not know (from a newer kiosk).
    pub unknown: usize,
    /// Check-outs of a pass that had no open stay (for example a family
    /// checked out on two kiosks).
    pub orphan_check_outs: usize,
    /// Voids and fixes naming no visit that could take them.
    pub dangling_corrections: usize,
}

/// One room's day, materialized from its attendance document.
///
/// Load it again after every local change or sync; loading a day of ~60
/// visits takes well under a millisecond.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayView {
    pub(super) stays: Vec<Stay>,
    pub(super) closing: Option<Timestamp>,
    /// Times each pass was seen (checked in or out), for duplicate scans.
    pub(super) scans: BTreeMap<PassId, Vec<Timestamp>>,
    pub(super) anomalies: Anomalies,
}

/// The facts of a document, sorted out by kind.
#[derive(Default)]
struct Facts {
    ins: Vec<(VisitId, InWire)>,
    outs: Vec<(EventId, event::OutWire)>,
    slips: Vec<(VisitId, event::SlipWire)>,
    voids: BTreeSet<VisitId>,
    fixes: Vec<(EventId, FixWire)>,
    has_close: bool,
}

impl DayView {
    /// Reads a day's attendance document. Never fails: unreadable entries
    /// are skipped and counted in [`DayView::anomalies`].
    pub fn load(doc: &AutoCommit) -> DayView {
        let mut view = DayView::default();
        let facts = view.read_facts(doc);
        if facts.has_close {
            view.closing = read_closing(doc);
            if view.closing.is_none() {
                view.anomalies.malformed += 1;
            }
        }
        view.build(facts);
        view
    }

    fn read_facts(&mut self, doc: &AutoCommit) -> Facts {
        let mut facts = Facts::default();
        for item in doc.map_range(ROOT, ..) {
            let json = match &item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.as_ref()),
                _ => None,
            };
            match event::parse(&item.key, json) {
                Parsed::Event(Event::In(id, w)) => facts.ins.push((id, w)),
                Parsed::Event(Event::Out(id, w)) => facts.outs.push((id, w)),
                Parsed::Event(Event::Slip(id, w)) => facts.slips.push((id, w)),
                Parsed::Event(Event::Void(w)) => {
                    facts.voids.insert(w.visit);
                }
                Parsed::Event(Event::Fix(id, w)) => facts.fixes.push((id, w)),
                Parsed::Close => facts.has_close = true,
                Parsed::Unknown => self.anomalies.unknown += 1,
                Parsed::Malformed => self.anomalies.malformed += 1,
            }
        }
        facts
    }

    fn build(&mut self, facts: Facts) {
        let Facts {
            ins,
            outs,
            slips,
            voids,
            mut fixes,
            ..
        } = facts;
        let known: BTreeSet<&VisitId> = ins
            .iter()
            .map(|(id, _)| id)
            .chain(slips.iter().map(|(id, _)| id))
            .collect();
        self.anomalies.dangling_corrections += voids.iter().filter(|v| !known.contains(v)).count();

        // Replay scans per pass in (time, key) order; "in/" sorts before
        // "out/", so a check-in and check-out in the same second pair up.
        let mut steps: Vec<(Timestamp, u8, &str, Step<'_>)> = Vec::new();
        for (id, w) in ins.iter().filter(|(id, _)| !voids.contains(id)) {
            steps.push((w.at, 0, id.as_str(), Step::In(id, w)));
        }
        for (id, w) in &outs {
            steps.push((w.at, 1, id.as_str(), Step::Out(w.pass)));
        }
        steps.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));

        let mut open: BTreeMap<PassId, usize> = BTreeMap::new();
        for (at, _, _, step) in steps {
            match step {
                Step::In(id, w) => {
                    self.scans.entry(w.pass).or_default().push(at);
                    match open.get(&w.pass) {
                        Some(&i) => join(&mut self.stays[i], id, w),
                        None => {
                            open.insert(w.pass, self.stays.len());
                            self.stays.push(new_stay(id, w));
                        }
                    }
                }
                Step::Out(pass) => {
                    self.scans.entry(pass).or_default().push(at);
                    match open.remove(&pass) {
                        Some(i) => self.stays[i].left = Some(at),
                        None => self.anomalies.orphan_check_outs += 1,
                    }
                }
            }
        }

        for (id, w) in slips.into_iter().filter(|(id, _)| !voids.contains(id)) {
            self.stays.push(Stay {
                pass: None,
                source: Source::PaperSlip,
                arrived: w.at,
                left: w.left,
                closed_at_closing: false,
                children: Children::ByBracket(w.kids),
                guardians: w.g,
                visits: vec![id],
            });
        }

        if let Some(closing) = self.closing {
            for stay in &mut self.stays {
                if stay.left.is_none() && stay.arrived <= closing {
                    stay.left = Some(closing);
                    stay.closed_at_closing = true;
                }
            }
        }

        // Fixes last, in (time, id) order so the greatest wins.
        fixes.sort_by(|a, b| (a.1.at, &a.0).cmp(&(b.1.at, &b.0)));
        let mut stay_of: BTreeMap<&VisitId, usize> = BTreeMap::new();
        for (i, stay) in self.stays.iter().enumerate() {
            for v in &stay.visits {
                stay_of.insert(v, i);
            }
        }
        let mut fixed: Vec<(usize, Vec<YearMonth>, u8)> = Vec::new();
        for (_, fix) in &fixes {
            match stay_of.get(&fix.visit) {
                Some(&i) if self.stays[i].pass.is_some() => {
                    fixed.push((i, fix.kids.clone(), fix.g));
                }
                _ => self.anomalies.dangling_corrections += 1,
            }
        }
        for (i, mut kids, g) in fixed {
            kids.sort_unstable();
            self.stays[i].children = Children::BirthMonths(kids);
            self.stays[i].guardians = g;
        }

        self.stays
            .sort_by(|a, b| (a.arrived, &a.visits).cmp(&(b.arrived, &b.visits)));
        for times in self.scans.values_mut() {
            times.sort_unstable();
        }
    }

    /// Every stay of the day, ordered by arrival.
    pub fn stays(&self) -> &[Stay] {
        &self.stays
    }

    /// The day's closing time, if the day was closed.
    pub fn closing(&self) -> Option<Timestamp> {
        self.closing
    }

    /// Whether the room was open: it had a visit or was closed by staff.
    pub fn is_open(&self) -> bool {
        !self.stays.is_empty() || self.closing.is_some()
    }

    /// What was skipped or ignored while reading.
    pub fn anomalies(&self) -> &Anomalies {
        &self.anomalies
    }

    /// The stays of the families in the room at `now`.
    pub fn present(&self, now: Timestamp) -> Vec<&Stay> {
        self.stays.iter().filter(|s| s.is_present(now)).collect()
    }
}

/// One replayed scan.
enum Step<'a> {
    In(&'a VisitId, &'a InWire),
    Out(PassId),
}

fn new_stay(id: &VisitId, w: &InWire) -> Stay {
    let mut kids = w.kids.clone();
    kids.sort_unstable();
    Stay {
        pass: Some(w.pass),
        source: w.source(),
        arrived: w.at,
        left: None,
        closed_at_closing: false,
        children: Children::BirthMonths(kids),
        guardians: w.g,
        visits: vec![id.clone()],
    }
}

/// A second check-in of a pass already in the room: the same family, counted
/// once, with the larger of the two recorded groups.
fn join(stay: &mut Stay, id: &VisitId, w: &InWire) {
    stay.visits.push(id.clone());
    stay.guardians = stay.guardians.max(w.g);
    if let Children::BirthMonths(kids) = &mut stay.children {
        *kids = multiset_max(kids, &w.kids);
    }
}

/// For each birth month, the most children either list has (twins share a
/// birth month, so this is a multiset, not a set). Sorted.
fn multiset_max(a: &[YearMonth], b: &[YearMonth]) -> Vec<YearMonth> {
    let count = |list: &[YearMonth]| {
        let mut m: BTreeMap<YearMonth, usize> = BTreeMap::new();
        for &ym in list {
            *m.entry(ym).or_default() += 1;
        }
        m
    };
    let mut merged = count(a);
    for (ym, n) in count(b) {
        let e = merged.entry(ym).or_default();
        *e = (*e).max(n);
    }
    merged
        .into_iter()
        .flat_map(|(ym, n)| std::iter::repeat_n(ym, n))
        .collect()
}

/// The closing time; concurrent closings resolve to the latest time.
fn read_closing(doc: &AutoCommit) -> Option<Timestamp> {
    let values = doc.get_all(ROOT, event::CLOSE).ok()?;
    values
        .iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(s) => s.as_str().and_then(event::parse_close),
            Value::Object(_) => None,
        })
        .max()
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ObjType};

    use super::*;
    use crate::attendance::{
        CheckIn, Slip, close_day, fix_members, record_check_in, record_check_out, record_slip,
        void_visit,
    };
    use crate::calendar::Date;

    /// One fact, recorded on kiosk `.0` (0 or 1). Numbers stand for ids and
    /// passes; times are `HH:MM` or `HH:MM:SS`, Japan time.
    enum Op {
        /// visit, pass, time, children (birth months), guardians
        In(u8, u8, &'static str, &'static [&'static str], u8),
        /// event, pass, time
        Out(u8, u8, &'static str),
        /// visit, arrival, departure, children per bracket, guardians
        Slip(u8, &'static str, Option<&'static str>, [u16; 7], u8),
        /// event, visit
        Void(u8, u8),
        /// event, visit, time, children, guardians
        Fix(u8, u8, &'static str, &'static [&'static str], u8),
        Close(&'static str),
    }
    use Op::*;

    fn day() -> Date {
        "2026-11-24".parse().expect("date")
    }

    fn t(s: &str) -> Timestamp {
        let n: Vec<u32> = s.split(':').map(|p| p.parse().expect("time")).collect();
        Timestamp::from_jst(day(), n[0], n[1]).plus_seconds(i64::from(*n.get(2).unwrap_or(&0)))
    }

    fn vid(n: u8) -> VisitId {
        VisitId::from_random(&[n; 16])
    }

    fn eid(n: u8) -> EventId {
        EventId::from_random(&[n; 16])
    }

    fn kids(list: &[&str]) -> Vec<YearMonth> {
        list.iter()
            .map(|s| s.parse().expect("year-month"))
            .collect()
    }

    fn apply(doc: &mut AutoCommit, op: &Op) {
        let r = match *op {
            In(v, pass, at, children, guardians) => {
                let c = CheckIn {
                    pass: PassId([pass; 8]),
                    source: Source::AppPass,
                    children: kids(children),
                    guardians,
                    at: t(at),
                };
                record_check_in(doc, &vid(v), &c)
            }
            Out(e, pass, at) => record_check_out(doc, &eid(e), PassId([pass; 8]), t(at)),
            Slip(v, at, left, children, guardians) => {
                let slip = Slip {
                    at: t(at),
                    left_at: left.map(t),
                    guardians,
                    children,
                    contact: None,
                };
                record_slip(doc, &vid(v), &slip)
            }
            Void(e, v) => void_visit(doc, &eid(e), &vid(v), t("12:00")),
            Fix(e, v, at, children, guardians) => {
                fix_members(doc, &eid(e), &vid(v), &kids(children), guardians, t(at))
            }
            Close(at) => close_day(doc, t(at)),
        };
        r.expect("record");
    }

    /// Records `ops` on two offline kiosks, merges them both ways, and
    /// checks both give the same view; returns it.
    fn merged(ops: &[(usize, Op)]) -> DayView {
        let mut kiosks = [
            AutoCommit::new().with_actor(ActorId::from(&[1u8; 16][..])),
            AutoCommit::new().with_actor(ActorId::from(&[2u8; 16][..])),
        ];
        for (k, op) in ops {
            apply(&mut kiosks[*k], op);
        }
        let [mut a, mut b] = kiosks;
        let mut a2 = a.fork();
        let mut b2 = b.fork();
        a2.merge(&mut b).expect("merge");
        b2.merge(&mut a).expect("merge");
        let (va, vb) = (DayView::load(&a2), DayView::load(&b2));
        assert_eq!(va, vb, "merge order changed the view");
        va
    }

    /// A stay as a line: `p1 10:00-11:00 k2 g1 v1,v2`; `*` marks a
    /// departure set at closing, `p-` a slip, `-` a family still in.
    fn describe(stay: &Stay) -> String {
        let who = stay
            .pass
            .map_or("p-".to_owned(), |p| format!("p{}", p.0[0]));
        let left = match stay.left {
            Some(l) if stay.closed_at_closing => format!("{}*", l.jst_hhmm()),
            Some(l) => l.jst_hhmm(),
            None => "-".to_owned(),
        };
        let visits: Vec<String> = stay
            .visits
            .iter()
            .map(|v| format!("v{}", u8::from_str_radix(&v.as_str()[..2], 16).unwrap_or(0)))
            .collect();
        format!(
            "{who} {}-{left} k{} g{} {}",
            stay.arrived.jst_hhmm(),
            stay.children.count(),
            stay.guardians,
            visits.join(",")
        )
    }

    fn check(ops: &[(usize, Op)], want: &[&str], orphans: usize, dangling: usize) {
        let view = merged(ops);
        let got: Vec<String> = view.stays().iter().map(describe).collect();
        assert_eq!(got, want);
        assert_eq!(view.anomalies().orphan_check_outs, orphans, "orphans");
        assert_eq!(view.anomalies().dangling_corrections, dangling, "dangling");
        assert_eq!(view.anomalies().malformed, 0);
    }

    const ONE: &[&str] = &["2024-08"];
    const TWO: &[&str] = &["2024-08", "2022-01"];

    #[test]
    fn a_visit_from_check_in_to_check_out() {
        check(
            &[(0, In(1, 1, "10:00", ONE, 1)), (0, Out(2, 1, "11:30"))],
            &["p1 10:00-11:30 k1 g1 v1"],
            0,
            0,
        );
    }

    #[test]
    fn a_family_checked_in_on_two_kiosks_counts_once() {
        check(
            &[
                (0, In(1, 1, "10:00", ONE, 1)),
                (1, In(2, 1, "10:00:03", TWO, 2)),
            ],
            &["p1 10:00-- k2 g2 v1,v2"],
            0,
            0,
        );
    }

    #[test]
    fn a_check_out_on_the_other_kiosk_closes_the_visit() {
        check(
            &[(0, In(1, 1, "10:00", ONE, 1)), (1, Out(2, 1, "11:00"))],
            &["p1 10:00-11:00 k1 g1 v1"],
            0,
            0,
        );
    }

    #[test]
    fn a_check_out_on_both_kiosks_leaves_an_orphan() {
        check(
            &[
                (0, In(1, 1, "10:00", ONE, 1)),
                (0, Out(2, 1, "11:00")),
                (1, Out(3, 1, "11:00:02")),
            ],
            &["p1 10:00-11:00 k1 g1 v1"],
            1,
            0,
        );
        check(&[(0, Out(2, 1, "09:00"))], &[], 1, 0);
    }

    #[test]
    fn a_family_coming_back_is_a_second_stay() {
        check(
            &[
                (0, In(1, 1, "10:00", ONE, 1)),
                (1, Out(2, 1, "11:00")),
                (0, In(3, 1, "14:00", TWO, 1)),
                (0, In(4, 2, "14:10", ONE, 1)),
            ],
            &[
                "p1 10:00-11:00 k1 g1 v1",
                "p1 14:00-- k2 g1 v3",
                "p2 14:10-- k1 g1 v4",
            ],
            0,
            0,
        );
    }

    #[test]
    fn a_check_in_and_out_in_the_same_second_pair_up() {
        check(
            &[(1, Out(9, 1, "10:00")), (0, In(1, 1, "10:00", ONE, 1))],
            &["p1 10:00-10:00 k1 g1 v1"],
            0,
            0,
        );
    }

    #[test]
    fn closing_closes_open_stays_and_flags_them() {
        check(
            &[
                (0, In(1, 1, "10:00", ONE, 1)),
                (0, In(2, 2, "10:30", ONE, 1)),
                (1, Out(3, 2, "11:00")),
                (0, Slip(4, "13:00", None, [0, 1, 0, 0, 0, 0, 0], 1)),
                (1, Slip(5, "13:05", Some("14:00"), [0, 1, 0, 0, 0, 0, 0], 1)),
                (0, Close("17:00")),
                (1, In(6, 3, "17:30", ONE, 1)),
            ],
            &[
                "p1 10:00-17:00* k1 g1 v1",
                "p2 10:30-11:00 k1 g1 v2",
                "p- 13:00-17:00* k1 g1 v4",
                "p- 13:05-14:00 k1 g1 v5",
                "p3 17:30-- k1 g1 v6",
            ],
            0,
            0,
        );
    }

    #[test]
    fn concurrent_closings_resolve_to_the_latest() {
        let view = merged(&[
            (0, In(1, 1, "10:00", ONE, 1)),
            (0, Close("17:00")),
            (1, Close("17:15")),
        ]);
        assert_eq!(view.closing(), Some(t("17:15")));
        assert_eq!(view.stays()[0].left, Some(t("17:15")));
    }

    #[test]
    fn voided_visits_vanish() {
        check(
            &[
                (0, In(1, 1, "10:00", ONE, 1)),
                (1, In(2, 1, "10:00:02", TWO, 1)),
                (0, Void(3, 1)),
                (1, Slip(4, "13:00", None, [0, 1, 0, 0, 0, 0, 0], 1)),
                (1, Void(5, 4)),
                (0, Void(6, 99)),
            ],
            &["p1 10:00-- k2 g1 v2"],
            0,
            1,
        );
    }

    #[test]
    fn fixes_apply_last_writer_wins() {
        check(
            &[
                (0, In(1, 1, "10:00", TWO, 2)),
                (1, In(2, 1, "10:00:01", TWO, 2)),
                (0, Fix(3, 1, "10:05", ONE, 1)),
                (1, Fix(4, 2, "10:06", TWO, 1)),
                (1, Slip(5, "13:00", None, [0, 1, 0, 0, 0, 0, 0], 1)),
                (1, Fix(6, 5, "13:01", ONE, 1)),
            ],
            &["p1 10:00-- k2 g1 v1,v2", "p- 13:00-- k1 g1 v5"],
            0,
            1,
        );
    }

    #[test]
    fn twins_are_kept_when_check_ins_merge() {
        let view = merged(&[
            (0, In(1, 1, "10:00", &["2024-08", "2024-08"], 1)),
            (1, In(2, 1, "10:00:01", &["2024-08", "2022-01"], 1)),
        ]);
        assert_eq!(
            view.stays()[0].children,
            Children::BirthMonths(kids(&["2022-01", "2024-08", "2024-08"]))
        );
    }

    #[test]
    fn present_and_open() {
        let view = merged(&[
            (0, In(1, 1, "10:00", ONE, 1)),
            (1, Out(2, 1, "11:00")),
            (0, In(3, 2, "10:30", TWO, 2)),
        ]);
        let present = |at: &str| {
            view.present(t(at))
                .iter()
                .map(|s| s.visits[0].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(present("09:59"), []);
        assert_eq!(present("10:00"), [vid(1)]);
        assert_eq!(present("10:45"), [vid(1), vid(3)]);
        assert_eq!(present("11:00"), [vid(3)]);
        assert!(view.is_open());
        assert!(!DayView::default().is_open());
        assert_eq!(view.stays()[0].minutes(), Some(60));
        assert_eq!(view.stays()[1].people(), 4);
    }

    #[test]
    fn malformed_entries_are_skipped_and_counted() {
        let mut doc = AutoCommit::new();
        apply(&mut doc, &In(1, 1, "10:00", ONE, 1));
        let id = vid(7);
        // An object where a string belongs, garbage JSON, a number, a bad id,
        // an impossible time, and a future kind of entry.
        doc.put_object(ROOT, format!("in/{id}"), ObjType::Map)
            .expect("put");
        doc.put(ROOT, format!("out/{id}"), "{not json")
            .expect("put");
        doc.put(ROOT, format!("slip/{id}"), 42).expect("put");
        doc.put(ROOT, "in/short", "{}").expect("put");
        doc.put(
            ROOT,
            format!("void/{id}"),
            format!(r#"{{"visit":"{id}","at":{}}}"#, i64::MIN),
        )
        .expect("put");
        doc.put(ROOT, "close", "garbage").expect("put");
        doc.put(ROOT, "note/1", "{}").expect("put");
        let view = DayView::load(&doc);
        assert_eq!(view.stays().len(), 1);
        assert_eq!(view.closing(), None);
        assert_eq!(view.anomalies().malformed, 6);
        assert_eq!(view.anomalies().unknown, 1);
    }
}
