//! One room's day: which families come, when, with whom, and for how long,
//! adding up to exactly the people planned for the day.

use super::PlannedVisit;
use super::families::{Family, Kind};
use super::rng::Rng;
use super::rooms::{RoomProfile, is_school_break, is_school_day};
use crate::calendar::{Date, SchoolStage, Timestamp, YearMonth, school_stage};
use crate::ids::RoomId;

/// Share of visits entered from a paper slip (no pass).
const SLIP_SHARE: f64 = 0.08;
/// Share of scanned visits whose check-out is forgotten.
const FORGOT_SHARE: f64 = 0.03;
/// Schoolchildren are free from about this minute of the day (14:30).
const AFTER_SCHOOL: u32 = 14 * 60 + 30;
/// The after-lunch wave starts at 13:00.
const AFTER_LUNCH: u32 = 13 * 60;

/// Everything that stays the same for one room's day.
pub(crate) struct DayContext<'a> {
    pub(crate) room: RoomId,
    pub(crate) date: Date,
    pub(crate) profile: &'a RoomProfile,
    pub(crate) families: &'a [Family],
}

/// The visits of one room's day adding up to exactly `people` people,
/// sorted by arrival.
pub(crate) fn visits(ctx: &DayContext<'_>, people: u32, rng: &mut Rng) -> Vec<PlannedVisit> {
    let school_day = is_school_day(ctx.date);
    let weekday = ctx.date.weekday() < 5;
    let weights = today_weights(ctx, school_day);
    let mut chosen = vec![false; ctx.families.len()];
    let mut out = Vec::new();
    let mut remaining = people;
    while remaining > 0 {
        let family = if rng.chance(SLIP_SHARE) {
            None
        } else {
            pick_unchosen(&weights, &mut chosen, rng).map(|i| &ctx.families[i])
        };
        let mut visit = match family {
            Some(f) => family_visit(ctx, f, school_day, weekday, rng),
            None => slip_visit(ctx, rng),
        };
        trim(&mut visit, remaining, ctx.date);
        remaining -= visit.people();
        out.push(visit);
    }
    out.sort_by_key(|v| (v.arrived, v.nonce));
    out
}

/// Each family's chance of coming today.
fn today_weights(ctx: &DayContext<'_>, school_day: bool) -> Vec<f64> {
    let break_day = is_school_break(ctx.date);
    ctx.families
        .iter()
        .map(|f| {
            if f.active_from > ctx.date {
                return 0.0;
            }
            match f.kind {
                Kind::ChildAlone if break_day => f.weight * 3.0,
                Kind::ChildAlone if !school_day => f.weight * 1.5,
                _ => f.weight,
            }
        })
        .collect()
}

/// A family not yet chosen today, drawn by weight; `None` when none is left.
fn pick_unchosen(weights: &[f64], chosen: &mut [bool], rng: &mut Rng) -> Option<usize> {
    // Rejection first: cheap while few families have come.
    for _ in 0..16 {
        let i = rng.pick(weights);
        if weights.get(i).is_some_and(|w| *w > 0.0) && !chosen[i] {
            chosen[i] = true;
            return Some(i);
        }
    }
    let remaining: Vec<f64> = weights
        .iter()
        .zip(chosen.iter())
        .map(|(w, c)| if *c { 0.0 } else { *w })
        .collect();
    if remaining.iter().all(|w| *w <= 0.0) {
        return None;
    }
    let i = rng.pick(&remaining);
    chosen[i] = true;
    Some(i)
}

fn family_visit(
    ctx: &DayContext<'_>,
    f: &Family,
    school_day: bool,
    weekday: bool,
    rng: &mut Rng,
) -> PlannedVisit {
    let hours = ctx.profile.hours;
    let latest = latest_arrival(hours);
    let after_school = rng.between(AFTER_SCHOOL.min(latest), latest);
    let mut minute = match f.kind {
        Kind::ChildAlone if school_day => after_school,
        _ => arrival_minute(ctx, rng),
    };
    let at_school = |ym: &YearMonth| {
        !matches!(
            school_stage(ym.assumed_birth_date(), ctx.date),
            SchoolStage::Preschool
        )
    };
    let mut children: Vec<YearMonth> = f
        .children
        .iter()
        .copied()
        // Teenagers come now and then, not every time.
        .filter(|ym| {
            !matches!(
                school_stage(ym.assumed_birth_date(), ctx.date),
                SchoolStage::JuniorHigh(_)
            ) || rng.chance(0.3)
        })
        .collect();
    if children.is_empty() {
        children.push(f.children[0]);
    }
    if school_day && minute < AFTER_SCHOOL {
        if children.iter().all(at_school) {
            // Only schoolchildren in this family: they come after school.
            minute = after_school;
        } else {
            children.retain(|c| !at_school(c));
        }
    }
    let mut guardians = f.guardians;
    if guardians == 2 && weekday && rng.chance(0.6) {
        guardians = 1;
    }
    let (arrived, left) = times(ctx, minute, rng);
    PlannedVisit {
        room: ctx.room,
        date: ctx.date,
        pass: Some(f.pass),
        arrived,
        left,
        guardians,
        children,
        forgot_check_out: rng.chance(FORGOT_SHARE),
        nonce: rng.next_u64(),
    }
}

fn slip_visit(ctx: &DayContext<'_>, rng: &mut Rng) -> PlannedVisit {
    let minute = arrival_minute(ctx, rng);
    let guardians = if rng.chance(0.85) { 1 } else { 2 };
    let count = 1 + rng.pick(&[70.0, 25.0, 5.0]);
    // Walk-ins are mostly babies and toddlers, at least two months old.
    let newest = ctx.date.year_month().ordinal() - 2;
    let children = (0..count)
        .map(|_| {
            let years = rng.pick(&[0.40, 0.30, 0.15, 0.08, 0.07]) as i64;
            YearMonth::from_ordinal(newest - years * 12 - i64::from(rng.below(12)))
        })
        .collect();
    let (arrived, left) = times(ctx, minute, rng);
    PlannedVisit {
        room: ctx.room,
        date: ctx.date,
        pass: None,
        arrived,
        left,
        guardians,
        children,
        forgot_check_out: false,
        nonce: rng.next_u64(),
    }
}

/// When a family arrives, in minutes after midnight: a burst right after
/// opening, a wave after lunch, and a steady trickle in between.
fn arrival_minute(ctx: &DayContext<'_>, rng: &mut Rng) -> u32 {
    let hours = ctx.profile.hours;
    let open = hours.open_minute();
    let latest = latest_arrival(hours);
    // The minimum of two uniforms crowds arrivals near the start of a wave.
    let early = |rng: &mut Rng, span: f64| (rng.unit().min(rng.unit()) * span) as u32;
    match rng.pick(&[0.46, 0.26, 0.28]) {
        0 => open + early(rng, 45.0),
        1 => AFTER_LUNCH + early(rng, 50.0),
        _ => rng.between(open, latest),
    }
    .min(latest)
}

/// Arrival and departure for an arrival minute: stays of 30 to 180
/// minutes, mostly around an hour, never past closing time.
fn times(ctx: &DayContext<'_>, minute: u32, rng: &mut Rng) -> (Timestamp, Timestamp) {
    let close = ctx.profile.hours.close_minute();
    let arrived = Timestamp::from_jst(ctx.date, minute / 60, minute % 60)
        .plus_seconds(i64::from(rng.below(60)));
    let stay = 30.0 + 150.0 * rng.unit().powf(1.6);
    let closing = Timestamp::from_jst(ctx.date, close / 60, close % 60);
    let left = arrived.plus_seconds((stay * 60.0) as i64).min(closing);
    (arrived, left)
}

/// Shrink a visit to at most `remaining` people so the day adds up.
fn trim(v: &mut PlannedVisit, remaining: u32, date: Date) {
    while v.people() > remaining && v.children.len() > 1 {
        v.children.pop();
    }
    while v.people() > remaining && v.guardians > 1 {
        v.guardians -= 1;
    }
    if v.people() > remaining {
        // One person left to place: a schoolchild may come alone, a
        // preschooler may not, so then it is a guardian alone (an
        // expectant parent, say).
        let school_child = v.children.first().is_some_and(|c| {
            !matches!(
                school_stage(c.assumed_birth_date(), date),
                SchoolStage::Preschool
            )
        });
        if school_child {
            v.guardians = 0;
        } else {
            v.children.clear();
            v.guardians = 1;
        }
    }
}

/// The last minute a group may arrive and still stay 30 minutes (the
/// arrival second is drawn on top, hence 31).
fn latest_arrival(hours: super::rooms::OpeningHours) -> u32 {
    hours.close_minute() - 31
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::families::population;
    use crate::synth::rooms::profile;

    fn visit(guardians: u8, children: &[&str]) -> PlannedVisit {
        let date: Date = "2024-06-11".parse().expect("date");
        PlannedVisit {
            room: RoomId(1),
            date,
            pass: None,
            arrived: Timestamp::from_jst(date, 10, 0),
            left: Timestamp::from_jst(date, 11, 0),
            guardians,
            children: children
                .iter()
                .map(|c| c.parse().expect("year-month"))
                .collect(),
            forgot_check_out: false,
            nonce: 0,
        }
    }

    #[test]
    fn trimming_keeps_groups_plausible() {
        let date = visit(0, &[]).date;
        let mut v = visit(2, &["2023-05", "2021-02", "2019-08"]);
        trim(&mut v, 3, date);
        assert_eq!((v.guardians, v.children.len()), (2, 1));
        trim(&mut v, 2, date);
        assert_eq!((v.guardians, v.children.len()), (1, 1));
        // One place left: a toddler never comes alone, a guardian may.
        trim(&mut v, 1, date);
        assert_eq!((v.guardians, v.children.len()), (1, 0));
        // A schoolchild may come alone.
        let mut v = visit(1, &["2015-06"]);
        trim(&mut v, 1, date);
        assert_eq!((v.guardians, v.children.len()), (0, 1));
    }

    #[test]
    fn schoolchildren_come_after_school_on_school_days() {
        let room = RoomId(1);
        let p = profile(room).expect("room 1");
        let families = population(5, room, p.weight);
        let date: Date = "2024-06-11".parse().expect("a Tuesday in term");
        let ctx = DayContext {
            room,
            date,
            profile: p,
            families: &families,
        };
        let visits = visits(&ctx, 150, &mut Rng::new(9));
        assert_eq!(visits.iter().map(PlannedVisit::people).sum::<u32>(), 150);
        let after_school = Timestamp::from_jst(date, 14, 30);
        for v in &visits {
            let at_school = v.children.iter().any(|c| {
                !matches!(
                    school_stage(c.assumed_birth_date(), date),
                    SchoolStage::Preschool
                )
            });
            if at_school {
                assert!(v.arrived >= after_school, "{v:?}");
            }
        }
    }
}
