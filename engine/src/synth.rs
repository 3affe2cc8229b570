//! A deterministic synthetic city-year of visits, for tests and benchmarks.
//!
//! It models the reference deployment of the specification: FY2024
//! (2024-04-01 to 2025-03-31), eleven rooms, **234,139 people counted**
//! (延べ利用者数: children plus adults, summed over visits) — about 640 a day
//! city-wide. The shape follows how children's rooms are used:
//!
//! * each room has its own closed weekdays (most close on Sundays, some on
//!   Mondays, one on weekends) and, mostly, national holidays; every room is
//!   closed from 29 December to 3 January;
//! * rooms open 10:00–16:00, the three busiest 9:30–17:00; arrivals burst
//!   right after opening and again after lunch (13:00); stays last 30 to 180
//!   minutes;
//! * families of one or two guardians and mostly one to three children
//!   (occasionally up to six), ages skewed to 0–3; elementary children with a
//!   printed card come alone after school (any time in the school breaks);
//! * about 8 % of visits are paper slips (no pass); every room has a stable
//!   population of registered families with pass ids who come back, some
//!   every week, most now and then; babies born during the year start coming
//!   at about two months.
//!
//! Nothing here depends on other engine modules beyond ids and the calendar:
//! the output is plain [`PlannedVisit`] data. The same seed gives the same
//! data on every machine and target; any room-day can be generated alone, so
//! a benchmark can build one room-month or stream the whole year.
//!
//! ```
//! use hiroba_engine::calendar::YearMonth;
//! use hiroba_engine::ids::RoomId;
//! use hiroba_engine::synth::{self, CityYear};
//!
//! let year = CityYear::new(42);
//! assert_eq!(year.planned_total(), synth::TOTAL_PEOPLE);
//! let june = year.room_month(RoomId(1), YearMonth::new(2024, 6)?);
//! let people: u32 = june.iter().map(|v| v.people()).sum();
//! assert!(people > 1_000);
//! assert!(june.iter().all(|v| v.left >= v.arrived));
//! # Ok::<(), hiroba_engine::calendar::DateError>(())
//! ```

mod day;
mod families;
mod record;
mod rng;
mod rooms;

use crate::calendar::{Date, Timestamp, YearMonth};
use crate::ids::{PassId, RoomId};
use families::Family;
pub use record::{write_day, write_visits};
use rng::Rng;
pub use rooms::{
    OpeningHours, ROOM_COUNT, is_national_holiday, is_new_year_closure, is_open, is_school_day,
    opening_hours, rooms,
};

/// The fiscal year (年度) the synthetic city covers: April 2024 – March 2025.
pub const FISCAL_YEAR: i32 = 2024;

/// People counted over the year (延べ利用者数 of FY2024), exactly.
pub const TOTAL_PEOPLE: u32 = 234_139;

/// Days in FY2024 (2025 is not a leap year, so 2024-04-01 + 365 days).
const DAYS: usize = 365;

/// One family group's visit as planned: who, where, when.
///
/// It is plain data so that tests and benchmarks can turn it into whatever
/// they exercise — attendance documents, reports, sync traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedVisit {
    /// The room visited.
    pub room: RoomId,
    /// The (Japan-time) day.
    pub date: Date,
    /// The family's pass; `None` for a paper slip.
    pub pass: Option<PassId>,
    /// When the group checked in.
    pub arrived: Timestamp,
    /// When the group left (never after closing time).
    pub left: Timestamp,
    /// Adults in the group (0 for a child who came alone).
    pub guardians: u8,
    /// Birth year-month of each child in the group.
    pub children: Vec<YearMonth>,
    /// The group left without checking out; the day's closing closes it.
    /// Never set for slips, which record no departure.
    pub forgot_check_out: bool,
    /// A random value for ids derived from this visit (visit and event ids),
    /// so documents built from the plan are identical on every run.
    pub nonce: u64,
}

impl PlannedVisit {
    /// People counted for this visit: children plus adults.
    pub fn people(&self) -> u32 {
        u32::from(self.guardians) + self.children.len() as u32
    }

    /// Whether the visit was entered from a paper slip.
    pub fn is_slip(&self) -> bool {
        self.pass.is_none()
    }

    /// Minutes between arrival and departure.
    pub fn minutes(&self) -> i64 {
        (self.left.0 - self.arrived.0) / 60
    }
}

/// A synthetic city-year: how many people each room gets each day, and the
/// registered families of every room. Visits are generated on demand.
#[derive(Debug, Clone)]
pub struct CityYear {
    seed: u64,
    /// People planned per (day of the year, room); 0 when closed.
    people: Vec<u32>,
    families: Vec<Vec<Family>>,
}

/// The city-year for `seed`.
pub fn city_year(seed: u64) -> CityYear {
    CityYear::new(seed)
}

/// One room's visits for one month of the city-year for `seed`, sorted by
/// arrival; empty outside FY2024 or for an unknown room.
pub fn room_month(seed: u64, room: RoomId, month: YearMonth) -> Vec<PlannedVisit> {
    CityYear::new(seed).room_month(room, month)
}

impl CityYear {
    /// Plan the year for `seed`: cheap (a few thousand numbers and a few
    /// thousand families); visits are generated when asked for.
    pub fn new(seed: u64) -> CityYear {
        let families = rooms()
            .map(|room| {
                let weight = rooms::profile(room).map_or(1.0, |p| p.weight);
                families::population(seed, room, weight)
            })
            .collect();
        CityYear {
            seed,
            people: plan(seed),
            families,
        }
    }

    /// The seed the year was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The first day of the year, 2024-04-01.
    pub fn first_day(&self) -> Date {
        YearMonth::from_ordinal(i64::from(FISCAL_YEAR) * 12 + 3).first_day()
    }

    /// Every day of the year, in order.
    pub fn dates(&self) -> impl Iterator<Item = Date> + use<> {
        let first = self.first_day();
        (0..DAYS as i64).map(move |i| first.add_days(i))
    }

    /// People planned for a room on a day (0 when closed or outside the
    /// year). The visits of that day add up to exactly this.
    pub fn planned_people(&self, room: RoomId, date: Date) -> u32 {
        self.index(room, date).map_or(0, |i| self.people[i])
    }

    /// People planned over the whole year: always [`TOTAL_PEOPLE`].
    pub fn planned_total(&self) -> u32 {
        self.people.iter().sum()
    }

    /// One room's visits on one day, sorted by arrival; empty when closed.
    pub fn day(&self, room: RoomId, date: Date) -> Vec<PlannedVisit> {
        let (Some(i), Some(profile)) = (self.index(room, date), rooms::profile(room)) else {
            return Vec::new();
        };
        let people = self.people[i];
        if people == 0 {
            return Vec::new();
        }
        let ctx = day::DayContext {
            room,
            date,
            profile,
            families: &self.families[usize::from(room.0) - 1],
        };
        let mut rng = Rng::derive(
            self.seed,
            &[2, u64::from(room.0), date.days_since_epoch() as u64],
        );
        day::visits(&ctx, people, &mut rng)
    }

    /// One room's visits for a month, sorted by arrival.
    pub fn room_month(&self, room: RoomId, month: YearMonth) -> Vec<PlannedVisit> {
        (0..month.days())
            .map(|d| month.first_day().add_days(i64::from(d)))
            .flat_map(|date| self.day(room, date))
            .collect()
    }

    /// Every open room-day of the year with its visits, by date then room,
    /// generated one day at a time so the year is never all in memory.
    pub fn days(&self) -> impl Iterator<Item = (RoomId, Date, Vec<PlannedVisit>)> + '_ {
        self.dates().flat_map(move |date| {
            rooms()
                .filter(move |room| self.planned_people(*room, date) > 0)
                .map(move |room| (room, date, self.day(room, date)))
        })
    }

    /// Where a (room, date) sits in the plan.
    fn index(&self, room: RoomId, date: Date) -> Option<usize> {
        let day = usize::try_from(date.days_since_epoch() - self.first_day().days_since_epoch())
            .ok()
            .filter(|d| *d < DAYS)?;
        let r = usize::from(room.0).checked_sub(1)?;
        (r < usize::from(ROOM_COUNT)).then_some(day * usize::from(ROOM_COUNT) + r)
    }
}

/// How busy each month is, April to March: quiet April (new registrations,
/// children starting nursery), busy summer and autumn, a dip at New Year.
const MONTH_FACTOR: [f64; 12] = [
    0.85, 1.00, 0.95, 1.05, 1.10, 0.95, 1.05, 1.05, 0.90, 0.90, 1.00, 1.05,
];

/// How busy each weekday is, Monday to Sunday.
const WEEKDAY_FACTOR: [f64; 7] = [0.95, 1.00, 1.00, 0.95, 1.00, 1.25, 1.10];

/// People per (day, room), summing to exactly [`TOTAL_PEOPLE`].
///
/// Each open room-day gets a raw weight (room × month × weekday × growth
/// through the year × noise); the total is split in proportion with the
/// largest-remainder method, so the sum is exact without distorting any day.
fn plan(seed: u64) -> Vec<u32> {
    let first = YearMonth::from_ordinal(i64::from(FISCAL_YEAR) * 12 + 3).first_day();
    let rooms_n = usize::from(ROOM_COUNT);
    let mut raw = vec![0.0_f64; DAYS * rooms_n];
    for day in 0..DAYS {
        let date = first.add_days(day as i64);
        let month = (date.month() as usize + 8) % 12;
        let holiday = is_national_holiday(date);
        let weekday = if holiday { 5 } else { date.weekday() as usize };
        // The city grows about 16 % a year: a gentle rise through the year.
        let growth = 0.93 + 0.14 * day as f64 / DAYS as f64;
        for room in rooms() {
            if !is_open(room, date) {
                continue;
            }
            let weight = rooms::profile(room).map_or(0.0, |p| p.weight);
            let mut rng = Rng::derive(seed, &[3, u64::from(room.0), day as u64]);
            let noise = 0.75 + 0.5 * rng.unit();
            raw[day * rooms_n + usize::from(room.0) - 1] =
                weight * MONTH_FACTOR[month] * WEEKDAY_FACTOR[weekday] * growth * noise;
        }
    }
    apportion(&raw, TOTAL_PEOPLE)
}

/// Split `total` in proportion to `weights` into whole numbers that sum to
/// exactly `total` (largest remainders get the leftover units).
fn apportion(weights: &[f64], total: u32) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * f64::from(total)).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let short = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).filter(|i| weights[*i] > 0.0).collect();
    order.sort_by(|a, b| {
        let fa = exact[*a] - exact[*a].floor();
        let fb = exact[*b] - exact[*b].floor();
        fb.total_cmp(&fa).then(a.cmp(b))
    });
    for i in order.into_iter().take(short as usize) {
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportioning_is_exact() {
        assert_eq!(apportion(&[1.0, 1.0, 1.0], 10), vec![4, 3, 3]);
        assert_eq!(apportion(&[0.0, 2.0, 1.0], 7), vec![0, 5, 2]);
        assert_eq!(apportion(&[0.0], 7), vec![0]);
    }

    #[test]
    fn days_add_up_to_the_plan() {
        let year = CityYear::new(1);
        let date: Date = "2024-06-15".parse().expect("test date");
        for room in rooms() {
            let visits = year.day(room, date);
            let people: u32 = visits.iter().map(PlannedVisit::people).sum();
            assert_eq!(people, year.planned_people(room, date), "{room}");
            assert_eq!(visits.is_empty(), !is_open(room, date), "{room}");
        }
        assert_eq!(year.planned_people(RoomId(12), date), 0);
        assert!(
            year.day(RoomId(1), "2025-04-01".parse().expect("date"))
                .is_empty()
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let june = YearMonth::new(2024, 6).expect("month");
        let a = room_month(7, RoomId(2), june);
        assert!(!a.is_empty());
        assert_eq!(a, room_month(7, RoomId(2), june));
        assert_ne!(a, room_month(8, RoomId(2), june));
        // A month alone is the same as the month taken from the year.
        let from_year: Vec<PlannedVisit> = city_year(7)
            .days()
            .filter(|(room, date, _)| *room == RoomId(2) && date.year_month() == june)
            .flat_map(|(_, _, visits)| visits)
            .collect();
        assert_eq!(a, from_year);
        assert!(room_month(7, RoomId(2), YearMonth::new(2025, 4).expect("m")).is_empty());
    }

    /// The whole year, generated once, checked against the reference city.
    #[test]
    fn the_year_matches_the_reference_city() {
        let year = city_year(20_240_401);
        let (mut total, mut groups, mut slips, mut young, mut children) = (0, 0, 0, 0, 0);
        let mut arrivals_by_hour = [0u32; 24];
        let mut open_dates = std::collections::BTreeSet::new();
        for (room, date, visits) in year.days() {
            assert!(is_open(room, date), "{room} {date}");
            open_dates.insert(date);
            let hours = opening_hours(room).expect("known room");
            let opens = Timestamp::from_jst(date, hours.opens.0, hours.opens.1);
            let closes = Timestamp::from_jst(date, hours.closes.0, hours.closes.1);
            let mut passes = std::collections::BTreeSet::new();
            for v in &visits {
                assert!(opens <= v.arrived && v.left <= closes, "{v:?}");
                assert!((30..=180).contains(&v.minutes()), "{v:?}");
                assert!(v.people() >= 1 && v.guardians <= 2 && v.children.len() <= 6);
                assert!(
                    v.pass.is_none_or(|p| passes.insert(p)),
                    "one visit per pass a day"
                );
                for c in &v.children {
                    let bracket = crate::calendar::bracket_of_year_month(*c, date);
                    assert!(bracket.is_some(), "{c} on {date}");
                    young += u32::from(bracket.is_some_and(|b| b.index() <= 3));
                }
                children += v.children.len() as u32;
                total += v.people();
                groups += 1;
                slips += u32::from(v.is_slip());
                arrivals_by_hour[v.arrived.jst_hour() as usize] += 1;
            }
        }
        assert_eq!(total, TOTAL_PEOPLE);
        // ~640 people a calendar day city-wide, a little more per open day.
        let per_day = f64::from(total) / DAYS as f64;
        assert!((635.0..=650.0).contains(&per_day), "{per_day}");
        let per_open_day = f64::from(total) / open_dates.len() as f64;
        assert!((640.0..=720.0).contains(&per_open_day), "{per_open_day}");
        let slip_share = f64::from(slips) / f64::from(groups);
        assert!((0.06..=0.10).contains(&slip_share), "{slip_share}");
        assert!(
            f64::from(young) / f64::from(children) > 0.6,
            "ages skew young"
        );
        // The busiest hour is the one after 10:00 opening; the after-lunch
        // wave beats the late morning.
        let peak = (0..24).max_by_key(|h| arrivals_by_hour[*h]);
        assert_eq!(peak, Some(10), "{arrivals_by_hour:?}");
        assert!(
            arrivals_by_hour[13] > 2 * arrivals_by_hour[11],
            "{arrivals_by_hour:?}"
        );
    }
}
