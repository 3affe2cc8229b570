//! Every room's day, city-wide (全館日報).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::table::Table;
use super::{DailyReport, ReportError, Tally, csv, xlsx};
use crate::calendar::Date;
use crate::ids::RoomId;

/// Every room's report of one day and the city's total.
///
/// The daily twin of [`CityMonthlyReport`](super::CityMonthlyReport): an
/// administrator looking at one day sees each room in a row and the city
/// below them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityDailyReport {
    /// The day (Japan time).
    pub date: Date,
    /// Each room's daily report, by room.
    pub rooms: Vec<DailyReport>,
    /// The city's total.
    pub total: Tally,
}

impl CityDailyReport {
    /// Sums the rooms' daily reports of `date`.
    ///
    /// Refuses a report of another day, or a room given twice, rather than
    /// counting visits in the wrong place or twice.
    pub fn from_rooms(
        date: Date,
        rooms: impl IntoIterator<Item = DailyReport>,
    ) -> Result<CityDailyReport, ReportError> {
        let mut by_room: BTreeMap<RoomId, DailyReport> = BTreeMap::new();
        for report in rooms {
            if report.date != date {
                return Err(ReportError::WrongDate {
                    expected: date,
                    found: report.date,
                });
            }
            if by_room.contains_key(&report.room) {
                return Err(ReportError::DuplicateRoom(report.room));
            }
            by_room.insert(report.room, report);
        }
        let mut total = Tally::default();
        for report in by_room.values() {
            total.add(&report.tally);
        }
        Ok(CityDailyReport {
            date,
            rooms: by_room.into_values().collect(),
            total,
        })
    }

    /// CSV for Excel: a row per room and a city total row (全館合計).
    pub fn to_csv(&self) -> String {
        csv::write(&self.table())
    }

    /// An XLSX workbook with the rows of [`to_csv`](Self::to_csv), on a
    /// sheet named after the day and the city (e.g. `2026-11-24 全館`).
    pub fn to_xlsx(&self) -> Vec<u8> {
        xlsx::write(&self.table(), &format!("{} 全館", self.date))
    }

    fn table(&self) -> Table {
        let date = self.date.to_string();
        let rows = self
            .rooms
            .iter()
            .map(|r| ([r.room.to_string(), date.clone()], &r.tally))
            .chain([(["全館合計".to_owned(), date.clone()], &self.total)]);
        Table::new(["部屋", "日付"], rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn daily(room: u16, d: &str, groups: u32) -> DailyReport {
        let mut tally = Tally {
            days_open: 1,
            groups,
            adults: groups,
            ..Tally::default()
        };
        tally.children[2] = groups;
        DailyReport {
            room: RoomId(room),
            date: date(d),
            tally,
        }
    }

    #[test]
    fn the_city_sums_its_rooms_of_one_day() {
        let day = date("2026-11-24");
        let city = CityDailyReport::from_rooms(
            day,
            [daily(3, "2026-11-24", 2), daily(1, "2026-11-24", 5)],
        )
        .expect("city day");
        assert_eq!(
            city.rooms.iter().map(|r| r.room).collect::<Vec<_>>(),
            [RoomId(1), RoomId(3)]
        );
        assert_eq!(
            (
                city.total.days_open,
                city.total.groups,
                city.total.children[2]
            ),
            (2, 7, 7)
        );
        let csv = city.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[0].starts_with("\u{feff}部屋,日付,開館日数,組数"));
        assert!(lines[1].starts_with("R01,2026-11-24,1,5,"));
        assert!(lines[3].starts_with("全館合計,2026-11-24,2,7,"));
    }

    #[test]
    fn the_city_refuses_other_days_and_rooms_twice() {
        let day = date("2026-11-24");
        let other = CityDailyReport::from_rooms(day, [daily(1, "2026-11-25", 1)]);
        assert_eq!(
            other.map(|_| ()),
            Err(ReportError::WrongDate {
                expected: day,
                found: date("2026-11-25")
            })
        );
        let twice = CityDailyReport::from_rooms(
            day,
            [daily(1, "2026-11-24", 1), daily(1, "2026-11-24", 2)],
        );
        assert_eq!(
            twice.map(|_| ()),
            Err(ReportError::DuplicateRoom(RoomId(1)))
        );
    }
}
