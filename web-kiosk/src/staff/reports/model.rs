//! What the page asks for and what the relay answers (docs/API.md, "Usage
//! reports"), as plain data with pure helpers tested natively.

use hiroba_engine::calendar::{AgeBracket, Date, YearMonth};
use hiroba_engine::lang::Lang;
use serde::Deserialize;

/// Daily or monthly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 日報: one day.
    Daily,
    /// 月報: one calendar month.
    Monthly,
}

/// The room asked about, as the query writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChoice {
    /// One room, `R01` ….
    Room(String),
    /// Every room (市全体), administrators only.
    City,
}

impl RoomChoice {
    /// The query value: `R01` or `all`.
    pub fn as_query(&self) -> &str {
        match self {
            RoomChoice::Room(id) => id,
            RoomChoice::City => "all",
        }
    }

    /// Reads a `<select>` value back.
    pub fn from_query(value: &str) -> RoomChoice {
        if value == "all" {
            RoomChoice::City
        } else {
            RoomChoice::Room(value.to_owned())
        }
    }
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    fn as_query(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The file's MIME type, for the downloaded `Blob`.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv;charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The period as typed in the date or month field, checked by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day(Date),
    Month(YearMonth),
}

impl Period {
    /// The period of `kind` from the field's text, if it is a real date or
    /// month.
    pub fn parse(kind: Kind, text: &str) -> Option<Period> {
        match kind {
            Kind::Daily => text.trim().parse().ok().map(Period::Day),
            Kind::Monthly => text.trim().parse().ok().map(Period::Month),
        }
    }

    /// The period before (`-1`) or after (`1`) this one.
    pub fn step(self, by: i64) -> Period {
        match self {
            Period::Day(d) => Period::Day(d.add_days(by)),
            Period::Month(m) => Period::Month(YearMonth::from_ordinal(m.ordinal() + by)),
        }
    }

    /// The field's text: `2026-11-24` or `2026-11`.
    pub fn text(self) -> String {
        match self {
            Period::Day(d) => d.to_string(),
            Period::Month(m) => m.to_string(),
        }
    }
}

/// The relay address of a report: `/api/staff/reports/daily?room=R01&date=2026-11-24&format=json`.
pub fn report_path(room: &RoomChoice, period: Period, format: Format) -> String {
    let (kind, key) = match period {
        Period::Day(_) => ("daily", "date"),
        Period::Month(_) => ("monthly", "month"),
    };
    format!(
        "/api/staff/reports/{kind}?room={}&{key}={}&format={}",
        encode(room.as_query()),
        period.text(),
        format.as_query()
    )
}

/// The name a download is saved under; the relay's is the same, but a
/// `Blob` download needs its own.
pub fn file_name(room: &RoomChoice, period: Period, format: Format) -> String {
    let room: String = room
        .as_query()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!(
        "hiroba-report-{room}-{}.{}",
        period.text(),
        format.as_query()
    )
}

/// Percent-encodes a query value (rooms are `R01` or `all`, but a value
/// from the page must never be able to add a parameter).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A report as the relay answers it in JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportData {
    pub kind: String,
    pub scope: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub month: Option<String>,
    pub total: TallyData,
    pub by_room: Vec<RoomRow>,
    #[serde(default)]
    pub by_day: Option<Vec<DayRow>>,
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// The numbers of one row (a room, a day, the total).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TallyData {
    pub days_open: u32,
    pub groups: u32,
    pub groups_by_source: Sources,
    pub scanned_groups: u32,
    pub slip_groups: u32,
    /// Per [`AgeBracket::ALL`].
    pub children: [u32; 7],
    pub children_total: u32,
    pub adults: u32,
    pub total_people: u32,
    pub median_stay_minutes: Option<u32>,
    /// Families that registered for the room (本登録) for the first time.
    pub new_registrations: u32,
    pub closed_at_closing: u32,
    pub visits_by_hour: [u32; 24],
}

/// Groups by how they announced themselves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sources {
    pub app: u32,
    pub card: u32,
    pub slip: u32,
    pub staff: u32,
}

/// One room's numbers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoomRow {
    pub room: String,
    pub name_ja: String,
    pub name_en: String,
    pub tally: TallyData,
}

/// One day's numbers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DayRow {
    pub date: String,
    pub tally: TallyData,
}

/// One row of the page's table: its heading and numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub heading: String,
    pub tally: &'a TallyData,
    /// The total row, set apart.
    pub is_total: bool,
}

impl ReportData {
    /// The table's rows: a room's month by day, anything city-wide by room,
    /// a room's day as its one row; then the total, unless it would repeat
    /// a single row.
    pub fn rows(&self, lang: Lang) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = match (&self.by_day, self.scope.as_str()) {
            (Some(days), scope) if scope != "all" => days
                .iter()
                .map(|d| Row {
                    heading: day_heading(&d.date, lang),
                    tally: &d.tally,
                    is_total: false,
                })
                .collect(),
            _ => self
                .by_room
                .iter()
                .map(|r| Row {
                    heading: match lang {
                        Lang::Ja => format!("{} {}", r.room, r.name_ja),
                        Lang::En => format!("{} {}", r.room, r.name_en),
                    },
                    tally: &r.tally,
                    is_total: false,
                })
                .collect(),
        };
        if rows.len() != 1 {
            rows.push(Row {
                heading: lang.pick("合計", "Total").to_owned(),
                tally: &self.total,
                is_total: true,
            });
        }
        rows
    }

    /// Chart data: groups by arrival hour, over the hours worth showing.
    pub fn hours(&self, lang: Lang) -> Vec<(String, u32)> {
        let by_hour = &self.total.visits_by_hour;
        super::chart::hour_range(by_hour)
            .map(|h| {
                let label = match lang {
                    Lang::Ja => format!("{h}時"),
                    Lang::En => format!("{h}:00"),
                };
                (label, by_hour[h])
            })
            .collect()
    }

    /// Chart data: children per age bracket, then adults.
    pub fn brackets(&self, lang: Lang) -> Vec<(String, u32)> {
        AgeBracket::ALL
            .iter()
            .map(|b| {
                let label = match lang {
                    Lang::Ja => b.label_ja(),
                    Lang::En => b.label_en(),
                };
                (label.to_owned(), self.total.children[b.index()])
            })
            .chain([(lang.pick("大人", "adults").to_owned(), self.total.adults)])
            .collect()
    }

    /// Chart data: people (延べ利用者数) per day of the month, labelled by
    /// day number; empty for a daily report.
    pub fn days(&self) -> Vec<(String, u32)> {
        self.by_day
            .iter()
            .flatten()
            .map(|d| {
                let day = d.date.rsplit('-').next().unwrap_or(&d.date);
                (day.trim_start_matches('0').to_owned(), d.tally.total_people)
            })
            .collect()
    }
}

/// `2026-11-24` as `24日(火)` or `Tue 24`.
pub fn day_heading(date: &str, lang: Lang) -> String {
    let Ok(d) = date.parse::<Date>() else {
        return date.to_owned();
    };
    const JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let w = d.weekday() as usize % 7;
    match lang {
        Lang::Ja => format!("{}日({})", d.day(), JA[w]),
        Lang::En => format!("{} {}", EN[w], d.day()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Period {
        Period::parse(Kind::Daily, s).expect("day")
    }

    #[test]
    fn paths_and_file_names() {
        let r01 = RoomChoice::Room("R01".to_owned());
        assert_eq!(
            report_path(&r01, day("2026-11-24"), Format::Json),
            "/api/staff/reports/daily?room=R01&date=2026-11-24&format=json"
        );
        let month = Period::parse(Kind::Monthly, "2026-11").expect("month");
        assert_eq!(
            report_path(&RoomChoice::City, month, Format::Xlsx),
            "/api/staff/reports/monthly?room=all&month=2026-11&format=xlsx"
        );
        let odd = RoomChoice::Room("R01&room=all".to_owned());
        assert_eq!(
            report_path(&odd, day("2026-11-24"), Format::Csv),
            "/api/staff/reports/daily?room=R01%26room%3Dall&date=2026-11-24&format=csv"
        );
        assert_eq!(
            file_name(&RoomChoice::City, month, Format::Csv),
            "hiroba-report-all-2026-11.csv"
        );
        assert_eq!(RoomChoice::from_query("all"), RoomChoice::City);
        assert_eq!(RoomChoice::from_query("R03").as_query(), "R03");
    }

    #[test]
    fn periods_parse_and_step() {
        assert_eq!(Period::parse(Kind::Daily, "2026-02-30"), None);
        assert_eq!(Period::parse(Kind::Monthly, ""), None);
        assert_eq!(day("2026-12-31").step(1).text(), "2027-01-01");
        let jan = Period::parse(Kind::Monthly, "2027-01").expect("month");
        assert_eq!(jan.step(-1).text(), "2026-12");
    }

    /// The shape `GET /api/staff/reports/monthly` answers (docs/API.md).
    fn sample() -> ReportData {
        let tally = |groups: u32, people: u32| {
            let mut hours = vec![0u32; 24];
            hours[10] = groups;
            serde_json::json!({
                "days_open": 1, "groups": groups,
                "groups_by_source": { "app": groups, "card": 0, "slip": 0, "staff": 0 },
                "scanned_groups": groups, "slip_groups": 0,
                "children": [1, 0, 0, 0, 0, 0, 0], "children_total": 1,
                "adults": 1, "total_people": people, "new_registrations": 0,
                "consultations": 0, "median_stay_minutes": null,
                "closed_at_closing": 0, "visits_by_hour": hours
            })
        };
        let json = serde_json::json!({
            "kind": "monthly", "scope": "R01", "month": "2026-11",
            "brackets": [],
            "total": tally(3, 6),
            "by_room": [{ "room": "R01", "name_ja": "中央こどもルーム", "name_en": "Chuo", "tally": tally(3, 6) }],
            "by_day": [
                { "date": "2026-11-01", "tally": tally(1, 2) },
                { "date": "2026-11-02", "tally": tally(2, 4) }
            ],
            "unreadable": []
        });
        serde_json::from_value(json).expect("the relay's report")
    }

    #[test]
    fn a_rooms_month_is_a_row_per_day_and_a_total() {
        let report = sample();
        let rows = report.rows(Lang::Ja);
        let headings: Vec<&str> = rows.iter().map(|r| r.heading.as_str()).collect();
        assert_eq!(headings, ["1日(日)", "2日(月)", "合計"]);
        assert!(rows[2].is_total);
        assert_eq!(rows[2].tally.groups, 3);
        assert_eq!(report.days(), [("1".to_owned(), 2), ("2".to_owned(), 4)]);
        let hours = report.hours(Lang::En);
        assert_eq!(hours.first(), Some(&("9:00".to_owned(), 0)));
        assert_eq!(hours[1], ("10:00".to_owned(), 3));
        let brackets = report.brackets(Lang::Ja);
        assert_eq!(brackets.len(), 8);
        assert_eq!(brackets[0], ("0歳".to_owned(), 1));
        assert_eq!(brackets[7], ("大人".to_owned(), 1));
    }

    #[test]
    fn a_rooms_day_is_one_row_and_the_city_a_row_per_room() {
        let mut report = sample();
        report.by_day = None;
        report.kind = "daily".to_owned();
        assert_eq!(report.rows(Lang::En).len(), 1);
        assert_eq!(report.rows(Lang::En)[0].heading, "R01 Chuo");
        report.scope = "all".to_owned();
        report.by_room.push(report.by_room[0].clone());
        let rows = report.rows(Lang::En);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].heading, "Total");
        assert!(report.days().is_empty());
    }
}
