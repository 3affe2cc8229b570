//! Turning planned visits into a real attendance document, through the
//! attendance module's public API — the same calls a kiosk makes.

use automerge::AutoCommit;

use super::PlannedVisit;
use super::rng::Rng;
use super::rooms::opening_hours;
use crate::attendance::{
    AttendanceError, CheckIn, EventId, Slip, Source, VisitId, close_day, record_check_in,
    record_check_out, record_slip,
};
use crate::calendar::{Timestamp, bracket_of_year_month};
use crate::ids::PassId;

/// One fact to write, ordered by time as a kiosk would write them.
enum Fact<'a> {
    In(&'a PlannedVisit, PassId),
    Out(&'a PlannedVisit, PassId),
    Slip(&'a PlannedVisit),
}

/// Write one room-day's planned visits into `doc`, its attendance document,
/// as kiosks would over the day: check-ins, check-outs (except the forgotten
/// ones) and paper slips in time order. The day is left open, as it is
/// before closing time; see [`write_day`] to close it too.
///
/// Ids come from each visit's nonce, so the same plan always writes the same
/// facts.
pub fn write_visits(doc: &mut AutoCommit, visits: &[PlannedVisit]) -> Result<(), AttendanceError> {
    let mut facts: Vec<(Timestamp, u64, Fact<'_>)> = Vec::with_capacity(visits.len() * 2);
    for v in visits {
        match v.pass {
            None => facts.push((v.arrived, v.nonce, Fact::Slip(v))),
            Some(pass) => {
                facts.push((v.arrived, v.nonce, Fact::In(v, pass)));
                if !v.forgot_check_out {
                    facts.push((v.left, v.nonce, Fact::Out(v, pass)));
                }
            }
        }
    }
    facts.sort_by_key(|(at, nonce, _)| (*at, *nonce));
    for (_, _, fact) in facts {
        match fact {
            Fact::In(v, pass) => record_check_in(doc, &visit_id(v), &check_in(v, pass))?,
            Fact::Out(v, pass) => record_check_out(doc, &event_id(v), pass, v.left)?,
            Fact::Slip(v) => record_slip(doc, &visit_id(v), &slip(v))?,
        }
    }
    Ok(())
}

/// Write one room-day's planned visits and close the day at the room's
/// closing time, so forgotten check-outs end at closing — the state of a
/// finished day that reports read.
///
/// ```
/// use automerge::AutoCommit;
/// use hiroba_engine::attendance::DayView;
/// use hiroba_engine::ids::RoomId;
/// use hiroba_engine::synth::{CityYear, write_day};
///
/// let year = CityYear::new(1);
/// let date = "2024-10-08".parse()?;
/// let visits = year.day(RoomId(3), date);
/// let mut doc = AutoCommit::new();
/// write_day(&mut doc, &visits)?;
/// let view = DayView::load(&doc);
/// let people: u32 = view.stays().iter().map(|s| s.people()).sum();
/// assert_eq!(people, year.planned_people(RoomId(3), date));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_day(doc: &mut AutoCommit, visits: &[PlannedVisit]) -> Result<(), AttendanceError> {
    write_visits(doc, visits)?;
    let Some(first) = visits.first() else {
        return Ok(());
    };
    if let Some(hours) = opening_hours(first.room) {
        let (h, m) = hours.closes;
        close_day(doc, Timestamp::from_jst(first.date, h, m))?;
    }
    Ok(())
}

fn visit_id(v: &PlannedVisit) -> VisitId {
    VisitId::from_random(&Rng::derive(v.nonce, &[1]).bytes16())
}

fn event_id(v: &PlannedVisit) -> EventId {
    EventId::from_random(&Rng::derive(v.nonce, &[2]).bytes16())
}

fn check_in(v: &PlannedVisit, pass: PassId) -> CheckIn {
    // Children alone carry a printed card; a few families prefer one too.
    let source = if v.guardians == 0 || v.nonce % 7 == 0 {
        Source::PrintedCard
    } else {
        Source::AppPass
    };
    CheckIn {
        pass,
        source,
        children: v.children.clone(),
        guardians: v.guardians,
        at: v.arrived,
    }
}

fn slip(v: &PlannedVisit) -> Slip {
    // Staff enter slips as counts per report bracket.
    let mut children = [0u16; 7];
    for c in &v.children {
        if let Some(b) = bracket_of_year_month(*c, v.date) {
            children[b.index()] += 1;
        }
    }
    Slip {
        at: v.arrived,
        left_at: Some(v.left),
        guardians: v.guardians,
        children,
        contact: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::DayView;
    use crate::calendar::Date;
    use crate::ids::RoomId;
    use crate::synth::CityYear;

    #[test]
    fn a_written_day_reads_back_as_planned() {
        let year = CityYear::new(3);
        let date: Date = "2024-08-06".parse().expect("date");
        let visits = year.day(RoomId(1), date);
        let mut doc = AutoCommit::new();
        write_day(&mut doc, &visits).expect("valid plan");
        let view = DayView::load(&doc);
        assert_eq!(view.anomalies(), &Default::default());
        assert_eq!(view.stays().len(), visits.len());
        let people: u32 = view.stays().iter().map(|s| s.people()).sum();
        assert_eq!(people, year.planned_people(RoomId(1), date));
        let slips = view.stays().iter().filter(|s| s.pass.is_none()).count();
        assert_eq!(slips, visits.iter().filter(|v| v.is_slip()).count());
        let forgotten = view.stays().iter().filter(|s| s.closed_at_closing).count();
        assert_eq!(
            forgotten,
            visits.iter().filter(|v| v.forgot_check_out).count()
        );
        assert!(view.stays().iter().all(|s| s.left.is_some()), "closed day");
    }

    #[test]
    fn the_same_plan_writes_the_same_facts() {
        let year = CityYear::new(3);
        let visits = year.day(RoomId(2), "2024-05-14".parse().expect("date"));
        let mut a = AutoCommit::new();
        let mut b = AutoCommit::new();
        write_visits(&mut a, &visits).expect("valid plan");
        write_visits(&mut b, &visits).expect("valid plan");
        assert_eq!(DayView::load(&a), DayView::load(&b));
        assert!(DayView::load(&a).is_open());
    }
}
