//! Reports over longer periods and the whole city, summed from daily reports.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::table::Table;
use super::{DailyReport, ReportError, Tally, csv, xlsx};
use crate::calendar::{Date, YearMonth};
use crate::ids::RoomId;

/// One room's month (月報): its days and their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// The room.
    pub room: RoomId,
    /// The month.
    pub month: YearMonth,
    /// The daily reports given, in date order (days without a report are
    /// simply absent, and count as closed).
    pub days: Vec<DailyReport>,
    /// The month's total.
    pub total: Tally,
}

impl MonthlyReport {
    /// Sums one room's daily reports of `month`.
    ///
    /// Refuses a report of another room or month, or a day given twice,
    /// rather than silently counting visits in the wrong place or twice.
    pub fn from_days(
        room: RoomId,
        month: YearMonth,
        days: impl IntoIterator<Item = DailyReport>,
    ) -> Result<MonthlyReport, ReportError> {
        let mut by_date: BTreeMap<Date, DailyReport> = BTreeMap::new();
        for day in days {
            if day.room != room {
                return Err(ReportError::WrongRoom {
                    expected: room,
                    found: day.room,
                });
            }
            if day.date.year_month() != month {
                return Err(ReportError::WrongDay {
                    expected: month,
                    found: day.date,
                });
            }
            if by_date.contains_key(&day.date) {
                return Err(ReportError::DuplicateDay(day.date));
            }
            by_date.insert(day.date, day);
        }
        let mut total = Tally::default();
        for day in by_date.values() {
            total.add(&day.tally);
        }
        Ok(MonthlyReport {
            room,
            month,
            days: by_date.into_values().collect(),
            total,
        })
    }

    /// The report of one day of the month, if given.
    pub fn day(&self, date: Date) -> Option<&DailyReport> {
        self.days.iter().find(|d| d.date == date)
    }

    /// CSV for Excel: a row for every calendar day of the month (zeros on
    /// days without a report, so the sheet always has the same shape) and a
    /// total row (合計).
    pub fn to_csv(&self) -> String {
        csv::write(&self.table())
    }

    /// An XLSX workbook with the rows of [`to_csv`](Self::to_csv), on a
    /// sheet named after the month.
    pub fn to_xlsx(&self) -> Vec<u8> {
        xlsx::write(&self.table(), &self.month.to_string())
    }

    fn table(&self) -> Table {
        let zero = Tally::default();
        let room = self.room.to_string();
        let first = self.month.first_day();
        let rows = (0..i64::from(self.month.days()))
            .map(|i| {
                let date = first.add_days(i);
                let tally = self.day(date).map_or(&zero, |d| &d.tally);
                ([room.clone(), date.to_string()], tally)
            })
            .chain([([room.clone(), "合計".to_owned()], &self.total)]);
        Table::new(["部屋", "日付"], rows)
    }
}

/// Every room's month, city-wide (全館月報).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityMonthlyReport {
    /// The month.
    pub month: YearMonth,
    /// Each room's monthly report, by room.
    pub rooms: Vec<MonthlyReport>,
    /// The city's total.
    pub total: Tally,
}

impl CityMonthlyReport {
    /// Sums the rooms' monthly reports of `month`.
    pub fn from_rooms(
        month: YearMonth,
        rooms: impl IntoIterator<Item = MonthlyReport>,
    ) -> Result<CityMonthlyReport, ReportError> {
        let mut by_room: BTreeMap<RoomId, MonthlyReport> = BTreeMap::new();
        for report in rooms {
            if report.month != month {
                return Err(ReportError::WrongMonth {
                    expected: month,
                    found: report.month,
                });
            }
            if by_room.contains_key(&report.room) {
                return Err(ReportError::DuplicateRoom(report.room));
            }
            by_room.insert(report.room, report);
        }
        let mut total = Tally::default();
        for report in by_room.values() {
            total.add(&report.total);
        }
        Ok(CityMonthlyReport {
            month,
            rooms: by_room.into_values().collect(),
            total,
        })
    }

    /// CSV for Excel: a row per room and a city total row (全館合計).
    pub fn to_csv(&self) -> String {
        csv::write(&self.table())
    }

    /// An XLSX workbook with the rows of [`to_csv`](Self::to_csv), on a
    /// sheet named after the month and the city (e.g. `2026-11 全館`).
    pub fn to_xlsx(&self) -> Vec<u8> {
        xlsx::write(&self.table(), &format!("{} 全館", self.month))
    }

    fn table(&self) -> Table {
        let month = self.month.to_string();
        let rows = self
            .rooms
            .iter()
            .map(|r| ([r.room.to_string(), month.clone()], &r.total))
            .chain([(["全館合計".to_owned(), month.clone()], &self.total)]);
        Table::new(["部屋", "月"], rows)
    }
}

/// Whose year a [`YearlyReport`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// One room.
    Room(RoomId),
    /// Every room of the city.
    City,
}

impl Scope {
    fn includes(self, room: RoomId) -> bool {
        match self {
            Scope::Room(r) => r == room,
            Scope::City => true,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Room(r) => r.fmt(f),
            Scope::City => f.write_str("全館"),
        }
    }
}

/// A fiscal year (年度, April to March) for one room or the city (年報).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearlyReport {
    /// One room or the city.
    pub scope: Scope,
    /// The fiscal year: 2024 is April 2024 to March 2025.
    pub fiscal_year: i32,
    /// The twelve months, April first, each summed over the scope's rooms.
    pub months: Vec<(YearMonth, Tally)>,
    /// Each room's year (a single entry for a room's report).
    pub rooms: BTreeMap<RoomId, Tally>,
    /// The year's total.
    pub total: Tally,
}

impl YearlyReport {
    /// Sums the monthly reports of `fiscal_year` within `scope`.
    ///
    /// Reports of other years or rooms are left out, so a caller may pass
    /// every monthly report it holds. A room's month given twice is refused.
    pub fn from_monthly<'a>(
        scope: Scope,
        fiscal_year: i32,
        reports: impl IntoIterator<Item = &'a MonthlyReport>,
    ) -> Result<YearlyReport, ReportError> {
        let april = YearMonth::from_ordinal(i64::from(fiscal_year) * 12 + 3);
        let months: Vec<YearMonth> = (0..12)
            .map(|i| YearMonth::from_ordinal(april.ordinal() + i))
            .collect();
        let mut per_month: Vec<(YearMonth, Tally)> =
            months.iter().map(|&m| (m, Tally::default())).collect();
        let mut rooms: BTreeMap<RoomId, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        let mut seen: BTreeSet<(RoomId, YearMonth)> = BTreeSet::new();
        for report in reports {
            let index = report.month.ordinal() - april.ordinal();
            if !(0..12).contains(&index) || !scope.includes(report.room) {
                continue;
            }
            if !seen.insert((report.room, report.month)) {
                return Err(ReportError::DuplicateMonth {
                    room: report.room,
                    month: report.month,
                });
            }
            per_month[index as usize].1.add(&report.total);
            rooms.entry(report.room).or_default().add(&report.total);
            total.add(&report.total);
        }
        Ok(YearlyReport {
            scope,
            fiscal_year,
            months: per_month,
            rooms,
            total,
        })
    }

    /// CSV for Excel: a row per month (April to March) and a total row.
    pub fn to_csv(&self) -> String {
        csv::write(&self.months_table())
    }

    /// An XLSX workbook with the rows of [`to_csv`](Self::to_csv), on a
    /// sheet named after the year and scope (e.g. `2024年度 R03`).
    pub fn to_xlsx(&self) -> Vec<u8> {
        xlsx::write(
            &self.months_table(),
            &format!("{}年度 {}", self.fiscal_year, self.scope),
        )
    }

    /// CSV for Excel: a row per room and a total row, for comparing rooms.
    pub fn rooms_to_csv(&self) -> String {
        csv::write(&self.rooms_table())
    }

    /// An XLSX workbook with the rows of [`rooms_to_csv`](Self::rooms_to_csv),
    /// on a sheet named after the year (e.g. `2024年度 部屋別`).
    pub fn rooms_to_xlsx(&self) -> Vec<u8> {
        xlsx::write(
            &self.rooms_table(),
            &format!("{}年度 部屋別", self.fiscal_year),
        )
    }

    fn months_table(&self) -> Table {
        let scope = self.scope.to_string();
        let rows = self
            .months
            .iter()
            .map(|(m, t)| ([scope.clone(), m.to_string()], t))
            .chain([(
                [scope.clone(), format!("{}年度合計", self.fiscal_year)],
                &self.total,
            )]);
        Table::new(["部屋", "月"], rows)
    }

    fn rooms_table(&self) -> Table {
        let year = format!("{}年度", self.fiscal_year);
        let rows = self
            .rooms
            .iter()
            .map(|(r, t)| ([r.to_string(), year.clone()], t))
            .chain([([self.total_label().to_owned(), year.clone()], &self.total)]);
        Table::new(["部屋", "年度"], rows)
    }

    fn total_label(&self) -> &'static str {
        match self.scope {
            Scope::Room(_) => "合計",
            Scope::City => "全館合計",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("year-month")
    }

    /// A day of `room` with `groups` groups of one child aged 1 and one adult.
    fn daily(room: u16, d: &str, groups: u32) -> DailyReport {
        let mut tally = Tally {
            days_open: 1,
            groups,
            adults: groups,
            ..Tally::default()
        };
        tally.children[1] = groups;
        tally.groups_by_source[0] = groups;
        tally.visits_by_hour[10] = groups;
        tally.stay_minutes.insert(60, groups);
        DailyReport {
            room: RoomId(room),
            date: date(d),
            tally,
        }
    }

    fn month(room: u16, m: &str, days: &[(&str, u32)]) -> MonthlyReport {
        MonthlyReport::from_days(
            RoomId(room),
            ym(m),
            days.iter().map(|&(d, n)| daily(room, d, n)),
        )
        .expect("month")
    }

    #[test]
    fn months_sum_their_days() {
        let m = month(3, "2026-11", &[("2026-11-25", 2), ("2026-11-24", 3)]);
        assert_eq!(
            m.days.iter().map(|d| d.date).collect::<Vec<_>>(),
            [date("2026-11-24"), date("2026-11-25")]
        );
        assert_eq!(
            (m.total.days_open, m.total.groups, m.total.total_people()),
            (2, 5, 10)
        );
        assert_eq!(m.day(date("2026-11-25")).map(|d| d.tally.groups), Some(2));
        assert_eq!(m.total.median_stay_minutes(), Some(60));
    }

    #[test]
    fn months_refuse_days_that_do_not_belong() {
        let cases = [
            (
                daily(4, "2026-11-24", 1),
                "report of room R04 given for room R03",
            ),
            (
                daily(3, "2026-12-01", 1),
                "report of 2026-12-01 given for month 2026-11",
            ),
            (daily(3, "2026-11-02", 1), "day 2026-11-02 given twice"),
        ];
        for (extra, want) in cases {
            let days = [daily(3, "2026-11-02", 1), extra];
            let err = MonthlyReport::from_days(RoomId(3), ym("2026-11"), days).expect_err(want);
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn monthly_csv_has_a_row_per_calendar_day_and_a_total() {
        let csv = month(3, "2026-02", &[("2026-02-10", 4)]).to_csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 1 + 28 + 1);
        assert!(lines[0].starts_with("\u{feff}部屋,日付,開館日数,組数"));
        assert!(lines[1].starts_with("R03,2026-02-01,0,0,"));
        assert!(lines[10].starts_with("R03,2026-02-10,1,4,"));
        assert!(lines[29].starts_with("R03,合計,1,4,"));
    }

    #[test]
    fn the_city_sums_its_rooms() {
        let rooms = [
            month(2, "2026-11", &[("2026-11-24", 3)]),
            month(1, "2026-11", &[("2026-11-24", 1), ("2026-11-25", 1)]),
        ];
        let city = CityMonthlyReport::from_rooms(ym("2026-11"), rooms.clone()).expect("city");
        assert_eq!(
            city.rooms.iter().map(|r| r.room).collect::<Vec<_>>(),
            [RoomId(1), RoomId(2)]
        );
        assert_eq!((city.total.days_open, city.total.groups), (3, 5));
        let csv = city.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("R01,2026-11,2,2,"));
        assert!(lines[3].starts_with("全館合計,2026-11,3,5,"));

        let twice =
            CityMonthlyReport::from_rooms(ym("2026-11"), [rooms[0].clone(), rooms[0].clone()]);
        assert_eq!(
            twice.map(|_| ()),
            Err(ReportError::DuplicateRoom(RoomId(2)))
        );
        let other = CityMonthlyReport::from_rooms(ym("2026-12"), rooms);
        assert!(matches!(other, Err(ReportError::WrongMonth { .. })));
    }

    #[test]
    fn years_run_april_to_march() {
        let reports = [
            month(1, "2026-03", &[("2026-03-31", 7)]),
            month(1, "2026-04", &[("2026-04-01", 1)]),
            month(2, "2026-11", &[("2026-11-24", 2)]),
            month(1, "2027-03", &[("2027-03-31", 4)]),
            month(1, "2027-04", &[("2027-04-01", 9)]),
        ];
        let city = YearlyReport::from_monthly(Scope::City, 2026, &reports).expect("year");
        assert_eq!(city.months.first().map(|m| m.0), Some(ym("2026-04")));
        assert_eq!(city.months.last().map(|m| m.0), Some(ym("2027-03")));
        let groups: Vec<u32> = city.months.iter().map(|(_, t)| t.groups).collect();
        assert_eq!(groups, [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4]);
        assert_eq!(city.total.groups, 7);
        assert_eq!(city.rooms.get(&RoomId(2)).map(|t| t.groups), Some(2));

        let room =
            YearlyReport::from_monthly(Scope::Room(RoomId(1)), 2026, &reports).expect("year");
        assert_eq!(room.total.groups, 5);
        assert_eq!(room.rooms.len(), 1);
        let csv = room.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 14);
        assert!(lines[1].starts_with("R01,2026-04,1,1,"));
        assert!(lines[13].starts_with("R01,2026年度合計,2,5,"));
        assert!(room.rooms_to_csv().contains("\r\n合計,2026年度,2,5,"));
        assert!(city.rooms_to_csv().contains("\r\n全館合計,2026年度,3,7,"));

        let twice = YearlyReport::from_monthly(Scope::City, 2026, [&reports[1], &reports[1]]);
        assert_eq!(
            twice.map(|_| ()),
            Err(ReportError::DuplicateMonth {
                room: RoomId(1),
                month: ym("2026-04")
            })
        );
    }
}
