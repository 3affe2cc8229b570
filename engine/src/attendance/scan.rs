//! What a kiosk does with a scan, and who is in the room.
//!
//! These are the kiosk's hot path (< 100 ms from the last character of a
//! scan to the screen), so they are plain lookups over an already loaded
//! [`DayView`].

use super::{Children, DayView, VisitId};
use crate::calendar::{Timestamp, YearMonth};
use crate::ids::PassId;

/// How many people are in the room: the number on the kiosk's screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Family groups (組).
    pub groups: u32,
    /// Children.
    pub children: u32,
    /// Adults (guardians).
    pub adults: u32,
}

impl Occupancy {
    /// Children plus adults.
    pub fn people(&self) -> u32 {
        self.children + self.adults
    }
}

/// What a scan of a valid pass should lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanDecision {
    /// The same pass was checked in or out a moment ago: this is the same
    /// scan seen twice (a double read, or a second kiosk). Do nothing.
    Duplicate,
    /// The family is not in the room: offer check-in with these members
    /// already selected, so one tap confirms.
    CheckIn {
        /// Children to select (birth year-months, a sub-multiset of the pass's).
        preselect_children: Vec<YearMonth>,
        /// Guardians to select.
        preselect_guardians: u8,
    },
    /// The family is in the room: offer check-out of this stay.
    CheckOut {
        /// The first visit of the open stay.
        visit: VisitId,
        /// When the family arrived, to show how long they stayed.
        arrived: Timestamp,
    },
}

impl DayView {
    /// Who is in the room at `now`, in numbers.
    pub fn occupancy(&self, now: Timestamp) -> Occupancy {
        let mut o = Occupancy::default();
        for stay in self.present(now) {
            o.groups += 1;
            o.children += stay.children.count();
            o.adults += u32::from(stay.guardians);
        }
        o
    }

    /// The children and guardians the family chose at its latest visit of
    /// this day, to preselect them at the next.
    pub fn last_selection(&self, pass: PassId) -> Option<(Vec<YearMonth>, u8)> {
        self.stays
            .iter()
            .rev()
            .filter(|s| s.pass == Some(pass))
            .find_map(|s| match &s.children {
                Children::BirthMonths(kids) => Some((kids.clone(), s.guardians)),
                Children::ByBracket(_) => None,
            })
    }

    /// Decides what a scan of `pass` means at `now`, preselecting from this
    /// day only. See [`DayView::decide_scan_with_history`].
    ///
    /// ```
    /// use automerge::AutoCommit;
    /// use hiroba_engine::attendance::{record_check_in, CheckIn, DayView, ScanDecision, Source, VisitId};
    /// use hiroba_engine::calendar::{Timestamp, YearMonth};
    /// use hiroba_engine::ids::PassId;
    ///
    /// let pass = PassId([4; 8]);
    /// let kids = [YearMonth::new(2023, 5)?, YearMonth::new(2025, 2)?];
    /// let at = Timestamp(1_795_000_000);
    /// let mut doc = AutoCommit::new();
    /// let first = DayView::load(&doc).decide_scan(pass, &kids, 2, at, 5);
    /// assert!(matches!(first, ScanDecision::CheckIn { .. }));
    ///
    /// let check_in = CheckIn { pass, source: Source::AppPass, children: kids[..1].to_vec(), guardians: 1, at };
    /// record_check_in(&mut doc, &VisitId::from_random(&[1; 16]), &check_in)?;
    /// let view = DayView::load(&doc);
    /// // The same code read again two seconds later is one scan.
    /// assert_eq!(view.decide_scan(pass, &kids, 2, at.plus_seconds(2), 5), ScanDecision::Duplicate);
    /// // Later, the family is in the room: offer check-out.
    /// assert!(matches!(view.decide_scan(pass, &kids, 2, at.plus_seconds(3600), 5), ScanDecision::CheckOut { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_scan(
        &self,
        pass: PassId,
        pass_children: &[YearMonth],
        pass_guardians: u8,
        now: Timestamp,
        window_seconds: i64,
    ) -> ScanDecision {
        self.decide_scan_with_history([], pass, pass_children, pass_guardians, now, window_seconds)
    }

    /// Decides what a scan of `pass` means at `now`.
    ///
    /// * seen (checked in or out) less than `window_seconds` from `now`, on
    ///   either side (kiosk clocks differ a little) → one scan read twice:
    ///   [`ScanDecision::Duplicate`]; a window of 0 turns this off;
    /// * in the room → [`ScanDecision::CheckOut`];
    /// * otherwise [`ScanDecision::CheckIn`], preselecting the family's last
    ///   choice from this day or, failing that, from `earlier` days (newest
    ///   first), restricted to the members the pass lists now; with no usable
    ///   history, the pass's whole family.
    pub fn decide_scan_with_history<'a>(
        &'a self,
        earlier: impl IntoIterator<Item = &'a DayView>,
        pass: PassId,
        pass_children: &[YearMonth],
        pass_guardians: u8,
        now: Timestamp,
        window_seconds: i64,
    ) -> ScanDecision {
        let window = window_seconds.max(0).unsigned_abs();
        let seen_recently = self
            .scans
            .get(&pass)
            .is_some_and(|times| times.iter().any(|t| t.0.abs_diff(now.0) < window));
        if seen_recently {
            return ScanDecision::Duplicate;
        }
        let open = self
            .stays
            .iter()
            .rev()
            .filter(|s| s.pass == Some(pass) && s.is_present(now))
            .find_map(|s| s.visits.first().map(|v| (v.clone(), s.arrived)));
        if let Some((visit, arrived)) = open {
            return ScanDecision::CheckOut { visit, arrived };
        }
        let last = last_selection_over(std::iter::once(self).chain(earlier), pass);
        let (preselect_children, preselect_guardians) =
            preselect(last, pass_children, pass_guardians);
        ScanDecision::CheckIn {
            preselect_children,
            preselect_guardians,
        }
    }
}

/// The family's last choice of children and guardians over several days,
/// given newest first: the last visit is usually on an earlier day.
pub fn last_selection_over<'a>(
    days: impl IntoIterator<Item = &'a DayView>,
    pass: PassId,
) -> Option<(Vec<YearMonth>, u8)> {
    days.into_iter().find_map(|day| day.last_selection(pass))
}

/// The members to preselect for a check-in: the last choice, kept to the
/// members the pass lists now (a child may have been removed since), or the
/// whole family when there is no usable last choice.
pub fn preselect(
    last: Option<(Vec<YearMonth>, u8)>,
    pass_children: &[YearMonth],
    pass_guardians: u8,
) -> (Vec<YearMonth>, u8) {
    let whole_family = || (pass_children.to_vec(), pass_guardians);
    let Some((mut wanted, guardians)) = last else {
        return whole_family();
    };
    let had_children = !wanted.is_empty();
    let mut children = Vec::new();
    for &child in pass_children {
        if let Some(i) = wanted.iter().position(|&w| w == child) {
            wanted.swap_remove(i);
            children.push(child);
        }
    }
    let guardians = guardians.min(pass_guardians);
    if children.is_empty() && (had_children || guardians == 0) {
        whole_family()
    } else {
        (children, guardians)
    }
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;

    use super::*;
    use crate::attendance::{
        CheckIn, EventId, Slip, Source, close_day, record_check_in, record_check_out, record_slip,
    };
    use crate::calendar::Date;

    fn day() -> Date {
        "2026-11-24".parse().expect("date")
    }

    fn t(h: u32, m: u32, s: i64) -> Timestamp {
        Timestamp::from_jst(day(), h, m).plus_seconds(s)
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("year-month")
    }

    fn pass(n: u8) -> PassId {
        PassId([n; 8])
    }

    fn check_in(doc: &mut AutoCommit, visit: u8, p: u8, at: Timestamp, kids: &[YearMonth], g: u8) {
        let c = CheckIn {
            pass: pass(p),
            source: Source::AppPass,
            children: kids.to_vec(),
            guardians: g,
            at,
        };
        record_check_in(doc, &VisitId::from_random(&[visit; 16]), &c).expect("in");
    }

    /// Pass 1 in at 10:00 with one of its two children and one guardian,
    /// out at 11:00; pass 2 in at 10:30 and still in; a slip at 10:40;
    /// closing at 17:00.
    fn today() -> DayView {
        let mut doc = AutoCommit::new();
        check_in(&mut doc, 1, 1, t(10, 0, 0), &[ym("2024-08")], 1);
        record_check_out(
            &mut doc,
            &EventId::from_random(&[2; 16]),
            pass(1),
            t(11, 0, 0),
        )
        .expect("out");
        check_in(
            &mut doc,
            3,
            2,
            t(10, 30, 0),
            &[ym("2020-05"), ym("2022-05")],
            2,
        );
        let slip = Slip {
            at: t(10, 40, 0),
            left_at: None,
            guardians: 1,
            children: [1, 1, 0, 0, 0, 0, 0],
            contact: None,
        };
        record_slip(&mut doc, &VisitId::from_random(&[4; 16]), &slip).expect("slip");
        close_day(&mut doc, t(17, 0, 0)).expect("close");
        DayView::load(&doc)
    }

    #[test]
    fn scans_are_duplicates_check_outs_or_check_ins() {
        let view = today();
        let family = [ym("2024-08"), ym("2026-01")];
        let check_out = ScanDecision::CheckOut {
            visit: VisitId::from_random(&[3; 16]),
            arrived: t(10, 30, 0),
        };
        let check_in = |kids: &[YearMonth], g: u8| ScanDecision::CheckIn {
            preselect_children: kids.to_vec(),
            preselect_guardians: g,
        };
        let cases = [
            // Read twice within the window, around a check-in or a check-out.
            (1, t(10, 0, 3), 5, ScanDecision::Duplicate),
            (1, t(9, 59, 58), 5, ScanDecision::Duplicate),
            (1, t(11, 0, 4), 5, ScanDecision::Duplicate),
            // A zero window turns duplicate detection off.
            (
                1,
                t(10, 0, 0),
                0,
                check_out.clone().with_visit(1, t(10, 0, 0)),
            ),
            // In the room: check-out.
            (
                1,
                t(10, 30, 0),
                5,
                check_out.clone().with_visit(1, t(10, 0, 0)),
            ),
            (2, t(16, 59, 0), 5, check_out.clone()),
            // Gone: check-in, preselecting the last choice.
            (1, t(11, 0, 5), 5, check_in(&[ym("2024-08")], 1)),
            // Closed at closing; its last choice is not on the pass scanned
            // now (a reissued pass), so the whole family.
            (2, t(17, 0, 0), 5, check_in(&family, 2)),
            // Never seen today: the whole family.
            (9, t(12, 0, 0), 5, check_in(&family, 2)),
        ];
        for (p, now, window, want) in cases {
            let got = view.decide_scan(pass(p), &family, 2, now, window);
            assert_eq!(got, want, "pass {p} at {}", now.jst_hhmm());
        }
    }

    impl ScanDecision {
        fn with_visit(self, n: u8, arrived: Timestamp) -> ScanDecision {
            ScanDecision::CheckOut {
                visit: VisitId::from_random(&[n; 16]),
                arrived,
            }
        }
    }

    #[test]
    fn preselection_keeps_the_last_choice_within_the_pass() {
        let (a, b, c) = (ym("2020-05"), ym("2022-05"), ym("2024-05"));
        let pass_kids = [a, b, b];
        type Selection = (Vec<YearMonth>, u8);
        let cases: [(Option<Selection>, Selection); 6] = [
            (None, (vec![a, b, b], 2)),
            (Some((vec![b], 1)), (vec![b], 1)),
            (Some((vec![b, b], 3)), (vec![b, b], 2)),
            // A child no longer on the pass is dropped.
            (Some((vec![a, c], 1)), (vec![a], 1)),
            // Nothing of the last choice is left: the whole family.
            (Some((vec![c], 1)), (vec![a, b, b], 2)),
            // A guardian who came alone last time.
            (Some((vec![], 1)), (vec![], 1)),
        ];
        for (last, want) in cases {
            assert_eq!(preselect(last.clone(), &pass_kids, 2), want, "{last:?}");
        }
    }

    #[test]
    fn the_last_selection_may_be_on_an_earlier_day() {
        let view = today();
        let empty = DayView::default();
        let family = [ym("2020-05"), ym("2022-05")];
        assert_eq!(
            last_selection_over([&empty, &view], pass(2)),
            Some((family.to_vec(), 2))
        );
        assert_eq!(last_selection_over([&empty, &view], pass(9)), None);
        let got = empty.decide_scan_with_history(
            [&view],
            pass(1),
            &[ym("2024-08"), ym("2026-01")],
            2,
            t(9, 0, 0),
            5,
        );
        assert_eq!(
            got,
            ScanDecision::CheckIn {
                preselect_children: vec![ym("2024-08")],
                preselect_guardians: 1
            }
        );
    }

    #[test]
    fn occupancy_through_the_day() {
        let view = today();
        let cases = [
            ((9, 0), (0, 0, 0)),
            ((10, 0), (1, 1, 1)),
            ((10, 45), (3, 5, 4)),
            ((11, 0), (2, 4, 3)),
            ((17, 0), (0, 0, 0)),
        ];
        for ((h, m), (groups, children, adults)) in cases {
            let o = view.occupancy(t(h, m, 0));
            assert_eq!(
                (o.groups, o.children, o.adults),
                (groups, children, adults),
                "{h}:{m}"
            );
            assert_eq!(o.people(), children + adults);
        }
    }
}
