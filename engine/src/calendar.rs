//! Dates, times and ages the way a Japanese children's room counts them.
//!
//! * Time is kept as [`Timestamp`] (seconds since the Unix epoch, UTC) and
//!   shown in Japan time (UTC+9, no daylight saving), so a room's day always
//!   runs from 00:00 to 24:00 JST whatever the device's clock zone.
//! * Ages follow everyday counting: a child is a year older on the birthday;
//!   a leap-day birthday is reached on 1 March in common years, and a monthly
//!   "birthday" on a day the month lacks is reached on the 1st of the next.
//! * School grades follow the Japanese school year: children born between
//!   2 April of one year and 1 April of the next share a grade, and grade 1
//!   starts on the 1 April after the 6th birthday.
//! * Passes carry only a child's birth *year-month* ([`YearMonth`]); such a
//!   child is treated as born on the 15th, which puts April births in the
//!   right grade for 29 days of 30.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Seconds between UTC and Japan Standard Time.
pub const JST_OFFSET_SECONDS: i64 = 9 * 3600;

/// Why a text or number is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// The month or the day does not exist.
    #[error("no such date: {year:04}-{month:02}-{day:02}")]
    NoSuchDate {
        /// The year given.
        year: i32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
    },
    /// The text is not written `YYYY-MM-DD` (or `YYYY-MM` for a year-month).
    #[error("not a date (expected YYYY-MM-DD): {0:?}")]
    Format(String),
}

/// A calendar date (proleptic Gregorian), with no time zone attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`, if it exists.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDate { year, month, day });
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The date `n` days later (earlier if `n` is negative).
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + n)
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.days_since_epoch() + 3).rem_euclid(7) as u32
    }

    /// The year-month this date falls in.
    pub fn year_month(self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }

    /// The Japanese school year (年度) the date belongs to: April to March.
    pub fn school_year(self) -> i32 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Date, DateError> {
        let format = || DateError::Format(s.to_owned());
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(format());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| format());
        Date::new(num(y)? as i32, num(m)?, num(d)?)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// An instant, as whole seconds since 1970-01-01T00:00:00Z.
///
/// The engine never reads a clock: callers pass `Timestamp`s in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant at `hour:minute` Japan time on `date`.
    pub fn from_jst(date: Date, hour: u32, minute: u32) -> Timestamp {
        Timestamp(
            date.days_since_epoch() * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60
                - JST_OFFSET_SECONDS,
        )
    }

    /// The date in Japan at this instant.
    pub fn jst_date(self) -> Date {
        Date::from_days_since_epoch((self.0 + JST_OFFSET_SECONDS).div_euclid(86_400))
    }

    /// Seconds since midnight, Japan time.
    pub fn jst_seconds_of_day(self) -> u32 {
        (self.0 + JST_OFFSET_SECONDS).rem_euclid(86_400) as u32
    }

    /// The hour of the day in Japan, 0–23.
    pub fn jst_hour(self) -> u32 {
        self.jst_seconds_of_day() / 3600
    }

    /// `HH:MM` in Japan time, as printed on reports and kiosk screens.
    pub fn jst_hhmm(self) -> String {
        let s = self.jst_seconds_of_day();
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    }

    /// This instant plus `seconds`.
    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(self.0 + seconds)
    }
}

/// A year and month, as a pass records a child's birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl YearMonth {
    /// The month `month` of `year`, if `month` is 1–12.
    pub fn new(year: i32, month: u32) -> Result<YearMonth, DateError> {
        if !(1..=12).contains(&month) {
            return Err(DateError::NoSuchDate {
                year,
                month,
                day: 1,
            });
        }
        Ok(YearMonth {
            year,
            month: month as u8,
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// Months since January of year 0, a compact ordinal for binary layouts.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// The inverse of [`YearMonth::ordinal`].
    pub fn from_ordinal(ordinal: i64) -> YearMonth {
        YearMonth {
            year: ordinal.div_euclid(12) as i32,
            month: (ordinal.rem_euclid(12) + 1) as u8,
        }
    }

    /// The birth date assumed for a child known only by birth year-month:
    /// the 15th (see the module documentation).
    pub fn assumed_birth_date(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 15,
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    /// The number of days in the month.
    pub fn days(self) -> u32 {
        days_in_month(self.year, self.month())
    }

    /// The following month.
    pub fn next(self) -> YearMonth {
        YearMonth::from_ordinal(self.ordinal() + 1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = DateError;
    fn from_str(s: &str) -> Result<YearMonth, DateError> {
        let format = || DateError::Format(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(format)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(format());
        }
        let y = y.parse::<i32>().map_err(|_| format())?;
        let m = m.parse::<u32>().map_err(|_| format())?;
        YearMonth::new(y, m)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// An age in completed years and months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Age {
    /// Completed years.
    pub years: u32,
    /// Completed months since the last birthday, 0–11.
    pub months: u32,
}

/// The age on `on` of a child born on `birth`, or `None` if not yet born.
pub fn age_on(birth: Date, on: Date) -> Option<Age> {
    if on < birth {
        return None;
    }
    let mut months = (on.year - birth.year) * 12 + on.month() as i32 - birth.month() as i32;
    // The monthly "birthday" in this month; a day the month lacks (31st,
    // 29 February) is reached on the 1st of the next month.
    if on.day() < birth.day() {
        months -= 1;
    }
    let months = months.max(0) as u32;
    Some(Age {
        years: months / 12,
        months: months % 12,
    })
}

/// Where a child stands in Japanese schooling on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchoolStage {
    /// Not yet at elementary school (未就学).
    Preschool,
    /// Elementary school (小学校), grade 1–6.
    Elementary(u8),
    /// Junior high school (中学校), grade 1–3.
    JuniorHigh(u8),
    /// Past junior high school.
    Older,
}

/// The school stage on `on` of a child born on `birth`.
pub fn school_stage(birth: Date, on: Date) -> SchoolStage {
    // Children born 2 April of year c to 1 April of year c+1 form one cohort,
    // which starts grade 1 in the school year c + 7.
    let cohort = if (birth.month(), birth.day()) >= (4, 2) {
        birth.year
    } else {
        birth.year - 1
    };
    let grade = on.school_year() - cohort - 6;
    match grade {
        g if g <= 0 => SchoolStage::Preschool,
        g @ 1..=6 => SchoolStage::Elementary(g as u8),
        g @ 7..=9 => SchoolStage::JuniorHigh((g - 6) as u8),
        _ => SchoolStage::Older,
    }
}

/// The age brackets of the usage report (利用者実績表).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBracket {
    /// 0歳
    Age0,
    /// 1歳
    Age1,
    /// 2歳
    Age2,
    /// 3歳
    Age3,
    /// 4歳以上の未就学児: four or older, not yet at school.
    Preschool4Plus,
    /// 小学生
    Elementary,
    /// 中学生
    JuniorHigh,
}

impl AgeBracket {
    /// Every bracket in report column order.
    pub const ALL: [AgeBracket; 7] = [
        AgeBracket::Age0,
        AgeBracket::Age1,
        AgeBracket::Age2,
        AgeBracket::Age3,
        AgeBracket::Preschool4Plus,
        AgeBracket::Elementary,
        AgeBracket::JuniorHigh,
    ];

    /// The column heading in Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            AgeBracket::Age0 => "0歳",
            AgeBracket::Age1 => "1歳",
            AgeBracket::Age2 => "2歳",
            AgeBracket::Age3 => "3歳",
            AgeBracket::Preschool4Plus => "4歳以上の未就学児",
            AgeBracket::Elementary => "小学生",
            AgeBracket::JuniorHigh => "中学生",
        }
    }

    /// The column heading in English.
    pub fn label_en(self) -> &'static str {
        match self {
            AgeBracket::Age0 => "age 0",
            AgeBracket::Age1 => "age 1",
            AgeBracket::Age2 => "age 2",
            AgeBracket::Age3 => "age 3",
            AgeBracket::Preschool4Plus => "preschool 4+",
            AgeBracket::Elementary => "elementary",
            AgeBracket::JuniorHigh => "junior high",
        }
    }

    /// The position of the bracket in [`AgeBracket::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The report bracket on `on` of a child born on `birth`; `None` for a child
/// not yet born or past junior high school, whom the report does not count.
pub fn bracket(birth: Date, on: Date) -> Option<AgeBracket> {
    let age = age_on(birth, on)?;
    Some(match school_stage(birth, on) {
        SchoolStage::Elementary(_) => AgeBracket::Elementary,
        SchoolStage::JuniorHigh(_) => AgeBracket::JuniorHigh,
        SchoolStage::Older => return None,
        SchoolStage::Preschool => match age.years {
            0 => AgeBracket::Age0,
            1 => AgeBracket::Age1,
            2 => AgeBracket::Age2,
            3 => AgeBracket::Age3,
            _ => AgeBracket::Preschool4Plus,
        },
    })
}

/// How a kiosk shows a child: 「2歳3ヶ月」 before school, 「小3」, 「中1」.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildAge {
    /// Not at school yet: age in years and months.
    Preschool(Age),
    /// Elementary grade 1–6.
    Elementary(u8),
    /// Junior high grade 1–3.
    JuniorHigh(u8),
    /// Past junior high school.
    Older,
    /// Born after the date (a data error worth showing, not hiding).
    Unborn,
}

impl ChildAge {
    /// How a child born in `birth` (year-month) is shown on `on`.
    pub fn of(birth: YearMonth, on: Date) -> ChildAge {
        let birth = birth.assumed_birth_date();
        let Some(age) = age_on(birth, on) else {
            return ChildAge::Unborn;
        };
        match school_stage(birth, on) {
            SchoolStage::Preschool => ChildAge::Preschool(age),
            SchoolStage::Elementary(g) => ChildAge::Elementary(g),
            SchoolStage::JuniorHigh(g) => ChildAge::JuniorHigh(g),
            SchoolStage::Older => ChildAge::Older,
        }
    }

    /// Japanese: 「2歳3ヶ月」「小3」「中1」.
    pub fn label_ja(self) -> String {
        match self {
            ChildAge::Preschool(a) => format!("{}歳{}ヶ月", a.years, a.months),
            ChildAge::Elementary(g) => format!("小{g}"),
            ChildAge::JuniorHigh(g) => format!("中{g}"),
            ChildAge::Older => "中学卒業以上".to_owned(),
            ChildAge::Unborn => "生年月が未来".to_owned(),
        }
    }

    /// English: "2 y 3 m", "grade 3", "JHS 1".
    pub fn label_en(self) -> String {
        match self {
            ChildAge::Preschool(a) => format!("{} y {} m", a.years, a.months),
            ChildAge::Elementary(g) => format!("grade {g}"),
            ChildAge::JuniorHigh(g) => format!("JHS {g}"),
            ChildAge::Older => "past junior high".to_owned(),
            ChildAge::Unborn => "birth month in the future".to_owned(),
        }
    }
}

/// The report bracket of a child known by birth year-month, on `on`.
pub fn bracket_of_year_month(birth: YearMonth, on: Date) -> Option<AgeBracket> {
    bracket(birth.assumed_birth_date(), on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        for days in [-800_000, -1, 0, 1, 11_016, 20_000, 20_516, 2_000_000] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(d("2024-02-29").add_days(1), d("2024-03-01"));
        assert_eq!(d("2026-11-24").weekday(), 1, "a Tuesday");
    }

    #[test]
    fn invalid_dates_are_refused() {
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(2024, 13, 1).is_err());
        assert!("2024-4-01".parse::<Date>().is_err());
        assert!("2024-04-31".parse::<Date>().is_err());
    }

    #[test]
    fn japan_time_is_utc_plus_nine() {
        let t = Timestamp::from_jst(d("2026-11-24"), 10, 5);
        assert_eq!(t.jst_date(), d("2026-11-24"));
        assert_eq!(t.jst_hhmm(), "10:05");
        // 23:30 UTC is already the next day in Japan.
        let late = Timestamp::from_jst(d("2026-11-25"), 8, 30);
        assert_eq!(late.0 % 86_400, 23 * 3600 + 30 * 60);
        assert_eq!(late.jst_date(), d("2026-11-25"));
        assert_eq!(late.jst_hour(), 8);
    }

    #[test]
    fn ages_in_years_and_months() {
        let cases = [
            ("2024-08-20", "2026-11-24", Some((2, 3))),
            ("2024-08-24", "2026-11-24", Some((2, 3))),
            ("2024-08-25", "2026-11-24", Some((2, 2))),
            ("2026-11-24", "2026-11-24", Some((0, 0))),
            ("2026-11-25", "2026-11-24", None),
            // Leap-day birthdays are reached on 1 March in common years.
            ("2024-02-29", "2025-02-28", Some((0, 11))),
            ("2024-02-29", "2025-03-01", Some((1, 0))),
            ("2024-02-29", "2028-02-29", Some((4, 0))),
            // The 31st's monthly birthday falls on the 1st of a short month's next.
            ("2025-01-31", "2025-02-28", Some((0, 0))),
            ("2025-01-31", "2025-03-01", Some((0, 1))),
        ];
        for (birth, on, want) in cases {
            let got = age_on(d(birth), d(on)).map(|a| (a.years, a.months));
            assert_eq!(got, want, "born {birth}, on {on}");
        }
    }

    #[test]
    fn school_grades_turn_on_the_first_and_second_of_april() {
        use SchoolStage::*;
        let cases = [
            // Born 1 April: the older cohort, at school a year before 2 April.
            ("2019-04-01", "2025-03-31", Preschool),
            ("2019-04-01", "2025-04-01", Elementary(1)),
            ("2019-04-02", "2025-04-01", Preschool),
            ("2019-04-02", "2026-03-31", Preschool),
            ("2019-04-02", "2026-04-01", Elementary(1)),
            ("2020-04-01", "2026-04-01", Elementary(1)),
            // A leap-day child starts school like any February child.
            ("2020-02-29", "2026-03-31", Preschool),
            ("2020-02-29", "2026-04-01", Elementary(1)),
            ("2019-04-02", "2032-03-31", Elementary(6)),
            ("2019-04-02", "2032-04-01", JuniorHigh(1)),
            ("2019-04-02", "2035-03-31", JuniorHigh(3)),
            ("2019-04-02", "2035-04-01", Older),
        ];
        for (birth, on, want) in cases {
            assert_eq!(school_stage(d(birth), d(on)), want, "born {birth}, on {on}");
        }
    }

    #[test]
    fn report_brackets() {
        use AgeBracket::*;
        let on = d("2026-11-24");
        let cases = [
            ("2026-01-10", Some(Age0)),
            ("2025-11-24", Some(Age1)),
            ("2024-11-25", Some(Age1)),
            ("2024-11-24", Some(Age2)),
            ("2023-06-01", Some(Age3)),
            ("2022-06-01", Some(Preschool4Plus)),
            // Six years old but born after 1 April 2019: still preschool.
            ("2020-04-02", Some(Preschool4Plus)),
            ("2020-04-01", Some(Elementary)),
            ("2013-04-02", Some(JuniorHigh)),
            ("2010-05-01", None),
            ("2027-01-01", None),
        ];
        for (birth, want) in cases {
            assert_eq!(bracket(d(birth), on), want, "born {birth}");
        }
        assert_eq!(
            AgeBracket::ALL.map(AgeBracket::index),
            [0, 1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn kiosk_age_labels() {
        let on = d("2026-11-24");
        let ym = |s: &str| s.parse::<YearMonth>().expect("test year-month");
        assert_eq!(ChildAge::of(ym("2024-08"), on).label_ja(), "2歳3ヶ月");
        assert_eq!(ChildAge::of(ym("2024-08"), on).label_en(), "2 y 3 m");
        assert_eq!(ChildAge::of(ym("2018-01"), on).label_ja(), "小3");
        assert_eq!(ChildAge::of(ym("2013-09"), on).label_ja(), "中1");
        assert_eq!(ChildAge::of(ym("2027-01"), on), ChildAge::Unborn);
        // April births are assumed born on the 15th: the younger cohort.
        assert_eq!(
            ChildAge::of(ym("2019-04"), d("2026-04-01")).label_ja(),
            "小1"
        );
        assert_eq!(
            ChildAge::of(ym("2020-04"), d("2026-04-01")).label_ja(),
            "5歳11ヶ月"
        );
    }

    #[test]
    fn year_months_have_ordinals() {
        let ym = YearMonth::new(2024, 2).expect("valid");
        assert_eq!(YearMonth::from_ordinal(ym.ordinal()), ym);
        assert_eq!(ym.days(), 29);
        assert_eq!(
            YearMonth::new(2024, 12).expect("valid").next().to_string(),
            "2025-01"
        );
        assert!(YearMonth::new(2024, 0).is_err());
    }
}
