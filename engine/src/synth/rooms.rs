//! The synthetic city's eleven rooms: when each is open, how busy it is, and
//! the FY2024 calendar (national holidays, school holidays, New Year).

use crate::calendar::Date;
use crate::ids::RoomId;

/// Opening hours of a room, Japan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    /// Opening time as (hour, minute).
    pub opens: (u32, u32),
    /// Closing time as (hour, minute).
    pub closes: (u32, u32),
}

impl OpeningHours {
    /// Minutes after midnight the room opens.
    pub(crate) fn open_minute(self) -> u32 {
        self.opens.0 * 60 + self.opens.1
    }

    /// Minutes after midnight the room closes.
    pub(crate) fn close_minute(self) -> u32 {
        self.closes.0 * 60 + self.closes.1
    }
}

const SHORT: OpeningHours = OpeningHours {
    opens: (10, 0),
    closes: (16, 0),
};
const LONG: OpeningHours = OpeningHours {
    opens: (9, 30),
    closes: (17, 0),
};

/// One room of the synthetic city.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoomProfile {
    pub(crate) hours: OpeningHours,
    /// Closed on these weekdays (bit 0 = Monday … bit 6 = Sunday).
    pub(crate) closed_weekdays: u8,
    /// Closed on national holidays.
    pub(crate) closed_on_holidays: bool,
    /// How busy the room is, relative to the others.
    pub(crate) weight: f64,
}

const MON: u8 = 1;
const TUE: u8 = 1 << 1;
const SAT: u8 = 1 << 5;
const SUN: u8 = 1 << 6;

const fn room(
    hours: OpeningHours,
    closed_weekdays: u8,
    holidays: bool,
    weight: f64,
) -> RoomProfile {
    RoomProfile {
        hours,
        closed_weekdays,
        closed_on_holidays: holidays,
        weight,
    }
}

/// The eleven rooms, R01 to R11: a few busy central rooms with long hours,
/// most open 10:00–16:00 five days a week, one open on weekdays only.
const ROOMS: [RoomProfile; 11] = [
    room(LONG, SUN, true, 1.45),
    room(SHORT, SUN | MON, false, 1.30),
    room(LONG, SUN, true, 1.20),
    room(SHORT, MON, true, 1.10),
    room(SHORT, SUN | MON, false, 1.00),
    room(SHORT, SUN, true, 1.00),
    room(SHORT, SAT | SUN, true, 0.95),
    room(SHORT, SUN | MON, false, 0.90),
    room(LONG, SUN, true, 0.85),
    room(SHORT, MON | TUE, true, 0.75),
    room(SHORT, SUN | MON, true, 0.60),
];

/// How many rooms the synthetic city has.
pub const ROOM_COUNT: u16 = ROOMS.len() as u16;

/// The profile of a room, if the city has it.
pub(crate) fn profile(room: RoomId) -> Option<&'static RoomProfile> {
    ROOMS.get(usize::from(room.0).checked_sub(1)?)
}

/// Every room of the synthetic city, in order.
pub fn rooms() -> impl Iterator<Item = RoomId> {
    (1..=ROOM_COUNT).map(RoomId)
}

/// A room's opening hours, if the city has the room.
pub fn opening_hours(room: RoomId) -> Option<OpeningHours> {
    profile(room).map(|p| p.hours)
}

/// National holidays (祝日, with substitute holidays) of FY2024.
const HOLIDAYS_FY2024: [(i32, u32, u32); 21] = [
    (2024, 4, 29),
    (2024, 5, 3),
    (2024, 5, 4),
    (2024, 5, 5),
    (2024, 5, 6),
    (2024, 7, 15),
    (2024, 8, 11),
    (2024, 8, 12),
    (2024, 9, 16),
    (2024, 9, 22),
    (2024, 9, 23),
    (2024, 10, 14),
    (2024, 11, 3),
    (2024, 11, 4),
    (2024, 11, 23),
    (2025, 1, 1),
    (2025, 1, 13),
    (2025, 2, 11),
    (2025, 2, 23),
    (2025, 2, 24),
    (2025, 3, 20),
];

/// Whether `date` is a national holiday (known for FY2024 only).
pub fn is_national_holiday(date: Date) -> bool {
    HOLIDAYS_FY2024
        .iter()
        .any(|&(y, m, d)| (date.year(), date.month(), date.day()) == (y, m, d))
}

/// Whether every room is closed for the New Year (29 December – 3 January).
pub fn is_new_year_closure(date: Date) -> bool {
    matches!((date.month(), date.day()), (12, 29..=31) | (1, 1..=3))
}

/// Whether a room is open on a date.
pub fn is_open(room: RoomId, date: Date) -> bool {
    let Some(p) = profile(room) else {
        return false;
    };
    !is_new_year_closure(date)
        && p.closed_weekdays & (1 << date.weekday()) == 0
        && !(p.closed_on_holidays && is_national_holiday(date))
}

/// Whether elementary and junior-high children are at school on `date`
/// (so they come, if at all, after about 14:30).
pub fn is_school_day(date: Date) -> bool {
    let md = (date.month(), date.day());
    let holiday_break = matches!(md, (4, 1..=7) | (7, 20..=31) | (8, _) | (12, 24..=31))
        || matches!(md, (1, 1..=7) | (3, 25..=31));
    date.weekday() < 5 && !is_national_holiday(date) && !holiday_break
}

/// Whether `date` is a school holiday on a weekday, when children come in
/// the morning too (summer, winter and spring breaks).
pub(crate) fn is_school_break(date: Date) -> bool {
    date.weekday() < 5 && !is_national_holiday(date) && !is_school_day(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn holidays_fall_where_the_calendar_says() {
        for &(y, m, day) in &HOLIDAYS_FY2024 {
            assert!(Date::new(y, m, day).is_ok());
        }
        // Substitute holidays are Mondays.
        assert_eq!(d("2024-05-06").weekday(), 0);
        assert_eq!(d("2025-02-24").weekday(), 0);
        assert!(is_national_holiday(d("2025-03-20")));
        assert!(!is_national_holiday(d("2025-03-21")));
    }

    #[test]
    fn rooms_close_on_their_days_and_at_new_year() {
        let r1 = RoomId(1);
        assert!(is_open(r1, d("2024-04-01")), "a Monday");
        assert!(!is_open(r1, d("2024-04-07")), "a Sunday");
        assert!(!is_open(r1, d("2024-04-29")), "a holiday");
        assert!(!is_open(RoomId(2), d("2024-04-29")), "a Monday");
        assert!(is_open(RoomId(2), d("2025-02-11")), "a holiday Tuesday");
        assert!(!is_open(r1, d("2024-12-30")));
        assert!(!is_open(r1, d("2025-01-03")));
        assert!(!is_open(RoomId(12), d("2024-04-01")));
        assert!(!is_open(RoomId(7), d("2024-04-06")), "weekdays only");
    }

    #[test]
    fn school_days() {
        assert!(is_school_day(d("2024-04-08")));
        assert!(!is_school_day(d("2024-04-05")), "spring break");
        assert!(!is_school_day(d("2024-08-05")), "summer");
        assert!(is_school_break(d("2024-08-05")));
        assert!(!is_school_day(d("2024-04-13")), "a Saturday");
        assert!(!is_school_break(d("2024-04-13")));
    }
}
