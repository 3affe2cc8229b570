//! Usage reports (利用者実績表): daily, monthly, city-wide and yearly.
//!
//! Reports are built bottom-up and are plain data:
//!
//! * a [`DailyReport`] is computed from one room's [`DayView`] of one day;
//! * a [`MonthlyReport`] sums one room's daily reports of a month;
//! * a [`CityMonthlyReport`] sums every room's monthly reports, and a
//!   [`CityDailyReport`] every room's daily reports of one day;
//! * a [`YearlyReport`] sums monthly reports over a fiscal year (年度, April
//!   to March), for one room or the whole city.
//!
//! Every level carries the same [`Tally`], so a number means the same thing
//! on every report. The counting rules:
//!
//! * **days open** (開館日数): a day counts if it had any visit or was closed
//!   by staff;
//! * **family groups** (組): one per [`Stay`], i.e.
//!   a family checked in on two kiosks counts once;
//! * **children by bracket**: a scanned child's bracket comes from the birth
//!   month on the visit's date ([`bracket_of_year_month`](crate::calendar::bracket_of_year_month));
//!   a slip gives bracket counts directly. Children past junior high school
//!   are not counted;
//! * **adults**: guardians; **total people** (延べ利用者数) = children + adults;
//! * **visits by hour**: groups by arrival hour, Japan time;
//! * **median stay**: over stays that ended; a stay closed at closing counts
//!   with the closing time;
//! * **new registrations** and **consultations** are counts supplied by the
//!   caller (they live in other documents).
//!
//! A paper slip and a scan of the same people count identically in every
//! column except the source breakdown.
//!
//! CSV exports are UTF-8 with a byte-order mark and CRLF line ends, which is
//! what Excel needs to open Japanese text correctly. Every `to_csv` has a
//! `to_xlsx` twin that writes the same rows and columns as a workbook, with
//! numbers as numeric cells; both are rendered from one table, so they
//! cannot disagree.
//!
//! ```
//! use automerge::AutoCommit;
//! use hiroba_engine::attendance::{record_slip, DayView, Slip, VisitId};
//! use hiroba_engine::calendar::{Date, Timestamp};
//! use hiroba_engine::ids::RoomId;
//! use hiroba_engine::report::{DailyReport, MonthlyReport};
//!
//! let day: Date = "2026-11-24".parse()?;
//! let mut doc = AutoCommit::new();
//! let slip = Slip {
//!     at: Timestamp::from_jst(day, 10, 0),
//!     left_at: Some(Timestamp::from_jst(day, 11, 30)),
//!     guardians: 1,
//!     children: [0, 1, 0, 0, 0, 0, 0],
//!     contact: None,
//! };
//! record_slip(&mut doc, &VisitId::from_random(&[1; 16]), &slip)?;
//!
//! let daily = DailyReport::from_day(RoomId(3), day, &DayView::load(&doc), 2);
//! assert_eq!(daily.tally.total_people(), 2);
//! assert_eq!(daily.tally.median_stay_minutes(), Some(90));
//!
//! let month = MonthlyReport::from_days(RoomId(3), day.year_month(), [daily])?;
//! assert_eq!(month.total.days_open, 1);
//! assert!(month.to_csv().starts_with("\u{feff}部屋,日付,"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod city_day;
mod csv;
mod daily;
mod period;
mod table;
mod xlsx;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attendance::{DayView, Stay};
use crate::calendar::{Date, YearMonth};
use crate::ids::RoomId;

pub use city_day::CityDailyReport;
pub use daily::DailyReport;
pub use period::{CityMonthlyReport, MonthlyReport, Scope, YearlyReport};

/// Why reports could not be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A daily or monthly report of another room was given.
    #[error("report of room {found} given for room {expected}")]
    WrongRoom {
        /// The room being reported.
        expected: RoomId,
        /// The room of the report given.
        found: RoomId,
    },
    /// A daily report of a day outside the month was given.
    #[error("report of {found} given for month {expected}")]
    WrongDay {
        /// The month being reported.
        expected: YearMonth,
        /// The day of the report given.
        found: Date,
    },
    /// A daily report of another day was given for a city's day.
    #[error("report of {found} given for day {expected}")]
    WrongDate {
        /// The day being reported.
        expected: Date,
        /// The day of the report given.
        found: Date,
    },
    /// A monthly report of another month was given.
    #[error("report of month {found} given for month {expected}")]
    WrongMonth {
        /// The month being reported.
        expected: YearMonth,
        /// The month of the report given.
        found: YearMonth,
    },
    /// The same day was given twice; summing it would count visits twice.
    #[error("day {0} given twice")]
    DuplicateDay(Date),
    /// The same room was given twice.
    #[error("room {0} given twice")]
    DuplicateRoom(RoomId),
    /// The same room's month was given twice.
    #[error("month {month} of room {room} given twice")]
    DuplicateMonth {
        /// The room.
        room: RoomId,
        /// The month given twice.
        month: YearMonth,
    },
}

/// The numbers every report shows, for any period and scope.
///
/// Tallies add up: a month's tally is the sum of its days', a city's the sum
/// of its rooms'. Stay lengths are kept as a histogram (minutes → stays), so
/// the median of a month or a year is exact, not a median of medians, and
/// stays small (a day has at most 1,440 distinct lengths).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Days open (開館日数).
    pub days_open: u32,
    /// Family groups (組).
    pub groups: u32,
    /// Family groups per [`Source::ALL`](crate::attendance::Source::ALL) index.
    pub groups_by_source: [u32; 4],
    /// Children per [`AgeBracket::ALL`](crate::calendar::AgeBracket::ALL) index.
    pub children: [u32; 7],
    /// Adults (guardians).
    pub adults: u32,
    /// Groups by arrival hour, Japan time, 0–23.
    pub visits_by_hour: [u32; 24],
    /// Stays closed at closing because nobody checked out (a data-quality
    /// number for staff).
    pub closed_at_closing: u32,
    /// New registrations (新規登録), supplied by the caller.
    pub new_registrations: u32,
    /// Consultations (相談件数), supplied by the caller.
    pub consultations: u32,
    /// Stay lengths: minutes → number of stays that long.
    pub stay_minutes: BTreeMap<u32, u32>,
}

impl Tally {
    /// All children counted in the brackets.
    pub fn children_total(&self) -> u32 {
        self.children.iter().sum()
    }

    /// Total people (延べ利用者数): children plus adults.
    pub fn total_people(&self) -> u32 {
        self.children_total() + self.adults
    }

    /// The median stay in whole minutes (the mean of the two middle stays,
    /// rounded down, for an even count), or `None` if no stay ended.
    pub fn median_stay_minutes(&self) -> Option<u32> {
        let n: u64 = self.stay_minutes.values().map(|&c| u64::from(c)).sum();
        if n == 0 {
            return None;
        }
        // The 0-based ranks of the middle element(s).
        let (lo, hi) = ((n - 1) / 2, n / 2);
        let mut seen = 0u64;
        let mut lo_value = None;
        for (&minutes, &count) in &self.stay_minutes {
            seen += u64::from(count);
            if lo_value.is_none() && seen > lo {
                lo_value = Some(minutes);
            }
            if seen > hi {
                let lo_value = lo_value.unwrap_or(minutes);
                return Some(((u64::from(lo_value) + u64::from(minutes)) / 2) as u32);
            }
        }
        None
    }

    /// Adds another tally into this one.
    pub fn add(&mut self, other: &Tally) {
        self.days_open += other.days_open;
        self.groups += other.groups;
        add_all(&mut self.groups_by_source, &other.groups_by_source);
        add_all(&mut self.children, &other.children);
        self.adults += other.adults;
        add_all(&mut self.visits_by_hour, &other.visits_by_hour);
        self.closed_at_closing += other.closed_at_closing;
        self.new_registrations += other.new_registrations;
        self.consultations += other.consultations;
        for (&minutes, &count) in &other.stay_minutes {
            *self.stay_minutes.entry(minutes).or_default() += count;
        }
    }

    /// Counts one stay of a visit on `on`.
    fn count_stay(&mut self, stay: &Stay, on: Date) {
        self.groups += 1;
        self.groups_by_source[stay.source.index()] += 1;
        add_all(&mut self.children, &stay.children.brackets(on));
        self.adults += u32::from(stay.guardians);
        self.visits_by_hour[stay.arrived.jst_hour() as usize % 24] += 1;
        self.closed_at_closing += u32::from(stay.closed_at_closing);
        if let Some(minutes) = stay.minutes() {
            *self.stay_minutes.entry(minutes).or_default() += 1;
        }
    }

    /// The tally of one day's view.
    fn of_day(view: &DayView, on: Date) -> Tally {
        let mut t = Tally {
            days_open: u32::from(view.is_open()),
            ..Tally::default()
        };
        for stay in view.stays() {
            t.count_stay(stay, on);
        }
        t
    }
}

fn add_all<const N: usize>(into: &mut [u32; N], from: &[u32; N]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_stays(lengths: &[(u32, u32)]) -> Tally {
        Tally {
            stay_minutes: lengths.iter().copied().collect(),
            ..Tally::default()
        }
    }

    #[test]
    fn medians_of_stay_histograms() {
        type Lengths = &'static [(u32, u32)];
        let cases: [(Lengths, Option<u32>); 6] = [
            (&[], None),
            (&[(42, 1)], Some(42)),
            (&[(30, 1), (90, 1)], Some(60)),
            (&[(30, 1), (61, 1)], Some(45)),
            (&[(10, 2), (20, 1), (300, 2)], Some(20)),
            (&[(10, 3), (20, 1), (30, 1), (40, 1)], Some(15)),
        ];
        for (lengths, want) in cases {
            assert_eq!(
                with_stays(lengths).median_stay_minutes(),
                want,
                "{lengths:?}"
            );
        }
    }

    #[test]
    fn tallies_add_up() {
        let mut a = Tally {
            days_open: 1,
            groups: 2,
            groups_by_source: [1, 0, 1, 0],
            children: [1, 1, 0, 0, 0, 0, 0],
            adults: 2,
            new_registrations: 1,
            ..with_stays(&[(30, 1), (60, 1)])
        };
        a.visits_by_hour[10] = 2;
        let b = Tally {
            days_open: 1,
            groups: 1,
            groups_by_source: [0, 0, 0, 1],
            children: [0, 0, 0, 0, 0, 2, 0],
            adults: 0,
            consultations: 3,
            closed_at_closing: 1,
            ..with_stays(&[(60, 1)])
        };
        a.add(&b);
        assert_eq!(a.days_open, 2);
        assert_eq!(a.groups, 3);
        assert_eq!(a.groups_by_source, [1, 0, 1, 1]);
        assert_eq!(a.children_total(), 4);
        assert_eq!(a.total_people(), 6);
        assert_eq!(
            (a.new_registrations, a.consultations, a.closed_at_closing),
            (1, 3, 1)
        );
        assert_eq!(a.median_stay_minutes(), Some(60));
        assert_eq!(a.visits_by_hour[10], 2);
    }
}
