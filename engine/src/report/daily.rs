//! One room's report of one day.

use serde::{Deserialize, Serialize};

use super::Tally;
use super::table::Table;
use super::{csv, xlsx};
use crate::attendance::DayView;
use crate::calendar::Date;
use crate::ids::RoomId;

/// One room's usage on one day (日報).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyReport {
    /// The room.
    pub room: RoomId,
    /// The day (Japan time).
    pub date: Date,
    /// The day's numbers.
    pub tally: Tally,
}

impl DailyReport {
    /// The report of `room` on `date` from the day's view.
    ///
    /// `new_registrations` comes from the family records, which the
    /// attendance document does not hold; consultations start at 0 (see
    /// [`DailyReport::with_consultations`]).
    pub fn from_day(
        room: RoomId,
        date: Date,
        view: &DayView,
        new_registrations: u32,
    ) -> DailyReport {
        let mut tally = Tally::of_day(view, date);
        tally.new_registrations = new_registrations;
        DailyReport { room, date, tally }
    }

    /// The same report with the day's number of consultations (相談件数),
    /// counted from the consultation records.
    pub fn with_consultations(mut self, consultations: u32) -> DailyReport {
        self.tally.consultations = consultations;
        self
    }

    /// The report as CSV for Excel: a header row and one row for the day.
    pub fn to_csv(&self) -> String {
        csv::write(&self.table())
    }

    /// The report as an XLSX workbook with the rows of [`to_csv`](Self::to_csv),
    /// on a sheet named after the day.
    pub fn to_xlsx(&self) -> Vec<u8> {
        xlsx::write(&self.table(), &self.date.to_string())
    }

    fn table(&self) -> Table {
        Table::new(
            ["部屋", "日付"],
            [([self.room.to_string(), self.date.to_string()], &self.tally)],
        )
    }
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;

    use super::*;
    use crate::attendance::{
        CheckIn, EventId, Slip, Source, VisitId, close_day, record_check_in, record_check_out,
        record_slip,
    };
    use crate::calendar::{Timestamp, YearMonth};
    use crate::ids::PassId;

    fn day() -> Date {
        "2026-11-24".parse().expect("date")
    }

    fn at(h: u32, m: u32) -> Timestamp {
        Timestamp::from_jst(day(), h, m)
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("year-month")
    }

    /// One family, as a scan and as a slip.
    struct Family {
        birth_months: Vec<YearMonth>,
        brackets: [u16; 7],
        guardians: u8,
        arrive: (u32, u32),
        leave: Option<(u32, u32)>,
    }

    fn scanned(families: &[Family], close: Option<(u32, u32)>) -> DailyReport {
        let mut doc = AutoCommit::new();
        for (i, f) in families.iter().enumerate() {
            let n = i as u8;
            let pass = PassId([n; 8]);
            let c = CheckIn {
                pass,
                source: Source::AppPass,
                children: f.birth_months.clone(),
                guardians: f.guardians,
                at: at(f.arrive.0, f.arrive.1),
            };
            record_check_in(&mut doc, &VisitId::from_random(&[n; 16]), &c).expect("in");
            if let Some((h, m)) = f.leave {
                let e = EventId::from_random(&[n + 100; 16]);
                record_check_out(&mut doc, &e, pass, at(h, m)).expect("out");
            }
        }
        if let Some((h, m)) = close {
            close_day(&mut doc, at(h, m)).expect("close");
        }
        DailyReport::from_day(crate::ids::RoomId(3), day(), &DayView::load(&doc), 1)
    }

    fn slipped(families: &[Family], close: Option<(u32, u32)>) -> DailyReport {
        let mut doc = AutoCommit::new();
        for (i, f) in families.iter().enumerate() {
            let slip = Slip {
                at: at(f.arrive.0, f.arrive.1),
                left_at: f.leave.map(|(h, m)| at(h, m)),
                guardians: f.guardians,
                children: f.brackets,
                contact: None,
            };
            record_slip(&mut doc, &VisitId::from_random(&[i as u8; 16]), &slip).expect("slip");
        }
        if let Some((h, m)) = close {
            close_day(&mut doc, at(h, m)).expect("close");
        }
        DailyReport::from_day(crate::ids::RoomId(3), day(), &DayView::load(&doc), 1)
    }

    fn families() -> Vec<Family> {
        vec![
            Family {
                // 0歳 and 2歳 on 2026-11-24.
                birth_months: vec![ym("2026-03"), ym("2024-06")],
                brackets: [1, 0, 1, 0, 0, 0, 0],
                guardians: 1,
                arrive: (10, 2),
                leave: Some((11, 32)),
            },
            Family {
                // 小学生, 中学生, alone.
                birth_months: vec![ym("2018-01"), ym("2013-09")],
                brackets: [0, 0, 0, 0, 0, 1, 1],
                guardians: 0,
                arrive: (15, 10),
                leave: None,
            },
            Family {
                // 4歳以上の未就学児, two guardians.
                birth_months: vec![ym("2021-07")],
                brackets: [0, 0, 0, 0, 1, 0, 0],
                guardians: 2,
                arrive: (13, 0),
                leave: Some((14, 0)),
            },
        ]
    }

    #[test]
    fn slips_and_scans_count_the_same_except_source() {
        for close in [None, Some((17, 0))] {
            let mut scan = scanned(&families(), close);
            let mut slip = slipped(&families(), close);
            assert_eq!(scan.tally.groups_by_source, [3, 0, 0, 0]);
            assert_eq!(slip.tally.groups_by_source, [0, 0, 3, 0]);
            scan.tally.groups_by_source = [0; 4];
            slip.tally.groups_by_source = [0; 4];
            assert_eq!(scan, slip, "closing {close:?}");
        }
    }

    #[test]
    fn a_day_of_three_families() {
        let t = scanned(&families(), Some((17, 0))).tally;
        assert_eq!(t.days_open, 1);
        assert_eq!(t.groups, 3);
        assert_eq!(t.children, [1, 0, 1, 0, 1, 1, 1]);
        assert_eq!((t.children_total(), t.adults, t.total_people()), (5, 3, 8));
        let mut hours = [0; 24];
        hours[10] = 1;
        hours[13] = 1;
        hours[15] = 1;
        assert_eq!(t.visits_by_hour, hours);
        // 90, 60 and (closed at 17:00) 110 minutes.
        assert_eq!(
            t.stay_minutes
                .iter()
                .map(|(&m, &n)| (m, n))
                .collect::<Vec<_>>(),
            [(60, 1), (90, 1), (110, 1)]
        );
        assert_eq!(t.median_stay_minutes(), Some(90));
        assert_eq!(t.closed_at_closing, 1);
        assert_eq!(t.new_registrations, 1);
    }

    #[test]
    fn open_days_need_a_visit_or_a_closing() {
        let empty = DailyReport::from_day(crate::ids::RoomId(3), day(), &DayView::default(), 0);
        assert_eq!(empty.tally.days_open, 0);
        let closed_only = scanned(&[], Some((17, 0)));
        assert_eq!(closed_only.tally.days_open, 1);
        assert_eq!(closed_only.tally.groups, 0);
    }

    #[test]
    fn daily_csv_has_a_bom_japanese_headers_and_one_row() {
        let csv = scanned(&families(), Some((17, 0)))
            .with_consultations(2)
            .to_csv();
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert_eq!(lines[2], "");
        let head: Vec<&str> = lines[0].split(',').collect();
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(head.len(), row.len());
        let cell = |name: &str| {
            let i = head
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("no column {name}"));
            row[i]
        };
        assert_eq!(cell("部屋"), "R03");
        assert_eq!(cell("日付"), "2026-11-24");
        assert_eq!(cell("組数"), "3");
        assert_eq!(cell("0歳"), "1");
        assert_eq!(cell("4歳以上の未就学児"), "1");
        assert_eq!(cell("延べ利用者数"), "8");
        assert_eq!(cell("相談件数"), "2");
        assert_eq!(cell("滞在時間中央値(分)"), "90");
        assert_eq!(cell("10時台(組)"), "1");
        assert_eq!(cell("アプリ(組)"), "3");
    }
}
