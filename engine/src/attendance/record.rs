//! Writing attendance facts into a day's document.
//!
//! Each function checks its input, writes one root-level key with a compact
//! JSON value and commits it as its own change stamped with the event's time.
//! Nothing here reads a clock or draws randomness: times and ids come in.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ROOT, ReadDoc};

use super::event::{
    CHECK_IN, CHECK_OUT, CLOSE, CloseWire, FIX, FixWire, InWire, OutWire, SLIP, SlipWire, VOID,
    VoidWire, check_people, check_time, to_json,
};
use super::{AttendanceError, CheckIn, EventId, Slip, VisitId, record_slip_contact};
use crate::calendar::{Timestamp, YearMonth};
use crate::ids::PassId;

/// Records a family checking in with a pass.
///
/// `visit_id` names the visit for later check-out, void or fix; draw it from
/// the kiosk's random source with [`VisitId::from_random`].
///
/// ```
/// use automerge::AutoCommit;
/// use hiroba_engine::attendance::{record_check_in, CheckIn, Source, VisitId};
/// use hiroba_engine::calendar::{Timestamp, YearMonth};
/// use hiroba_engine::ids::PassId;
///
/// let mut doc = AutoCommit::new();
/// let check_in = CheckIn {
///     pass: PassId([1; 8]),
///     source: Source::PrintedCard,
///     children: vec![YearMonth::new(2018, 1)?],
///     guardians: 0,
///     at: Timestamp(1_795_000_000),
/// };
/// record_check_in(&mut doc, &VisitId::from_random(&[9; 16]), &check_in)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn record_check_in(
    doc: &mut AutoCommit,
    visit_id: &VisitId,
    c: &CheckIn,
) -> Result<(), AttendanceError> {
    check_people(c.children.len(), c.guardians)?;
    check_time(c.at)?;
    put_new(
        doc,
        CHECK_IN,
        visit_id.as_str(),
        to_json(&InWire::new(c)),
        c.at,
    )
}

/// Records a pass checking out. It closes that pass's open stay, whichever
/// kiosk recorded the check-in.
pub fn record_check_out(
    doc: &mut AutoCommit,
    event_id: &EventId,
    pass: PassId,
    at: Timestamp,
) -> Result<(), AttendanceError> {
    check_time(at)?;
    put_new(
        doc,
        CHECK_OUT,
        event_id.as_str(),
        to_json(&OutWire { pass, at }),
        at,
    )
}

/// Records a paper slip in the attendance document.
///
/// The slip's optional contact is **not** written here: the attendance
/// document is synced to kiosks, which must never show names. Use
/// [`record_slip_with_contact`] to store it in the staff-only document too.
pub fn record_slip(doc: &mut AutoCommit, id: &VisitId, slip: &Slip) -> Result<(), AttendanceError> {
    let children: usize = slip.children.iter().map(|&n| usize::from(n)).sum();
    check_people(children, slip.guardians)?;
    check_time(slip.at)?;
    if let Some(left) = slip.left_at {
        check_time(left)?;
        if left < slip.at {
            return Err(AttendanceError::LeftBeforeArrival {
                arrived: slip.at.0,
                left: left.0,
            });
        }
    }
    let wire = SlipWire {
        at: slip.at,
        left: slip.left_at,
        g: slip.guardians,
        kids: slip.children,
    };
    put_new(doc, SLIP, id.as_str(), to_json(&wire), slip.at)
}

/// Records a paper slip: its counts in the attendance document and, if it has
/// a contact, the contact in the staff-only document of
/// [`slip_contacts_doc_id`](super::slip_contacts_doc_id).
///
/// The contact is checked before anything is written, so a rejected contact
/// never leaves a half-recorded slip.
pub fn record_slip_with_contact(
    attendance: &mut AutoCommit,
    contacts: &mut AutoCommit,
    id: &VisitId,
    slip: &Slip,
) -> Result<(), AttendanceError> {
    if let Some(contact) = &slip.contact {
        super::contact::check_contact(contact)?;
    }
    record_slip(attendance, id, slip)?;
    if let Some(contact) = &slip.contact {
        record_slip_contact(contacts, id, contact, slip.at)?;
    }
    Ok(())
}

/// Undoes a mistaken scan or slip: the visit vanishes from every view and
/// report. The original fact stays in the document (facts are never deleted).
pub fn void_visit(
    doc: &mut AutoCommit,
    event_id: &EventId,
    visit_id: &VisitId,
    at: Timestamp,
) -> Result<(), AttendanceError> {
    check_time(at)?;
    let wire = VoidWire {
        visit: visit_id.clone(),
        at,
    };
    put_new(doc, VOID, event_id.as_str(), to_json(&wire), at)
}

/// Corrects who came on a scanned visit. The latest fix by (time, id) among
/// those naming any visit of a stay wins.
pub fn fix_members(
    doc: &mut AutoCommit,
    event_id: &EventId,
    visit_id: &VisitId,
    children: &[YearMonth],
    guardians: u8,
    at: Timestamp,
) -> Result<(), AttendanceError> {
    check_people(children.len(), guardians)?;
    check_time(at)?;
    let wire = FixWire {
        visit: visit_id.clone(),
        kids: children.to_vec(),
        g: guardians,
        at,
    };
    put_new(doc, FIX, event_id.as_str(), to_json(&wire), at)
}

/// Closes the day: every stay still open is closed at `closing_time` and
/// flagged. Closing again later moves the closing time (the later write
/// wins); concurrent closings on two kiosks resolve to the latest time.
pub fn close_day(doc: &mut AutoCommit, closing_time: Timestamp) -> Result<(), AttendanceError> {
    check_time(closing_time)?;
    doc.put(ROOT, CLOSE, to_json(&CloseWire { at: closing_time }))?;
    commit(doc, CLOSE, closing_time);
    Ok(())
}

/// Writes `prefix + id` once; refuses a key that already exists.
fn put_new(
    doc: &mut AutoCommit,
    prefix: &str,
    id: &str,
    json: String,
    at: Timestamp,
) -> Result<(), AttendanceError> {
    let key = format!("{prefix}{id}");
    if doc.get(ROOT, key.as_str())?.is_some() {
        return Err(AttendanceError::DuplicateId(key));
    }
    doc.put(ROOT, key.as_str(), json)?;
    commit(doc, prefix.trim_end_matches('/'), at);
    Ok(())
}

fn commit(doc: &mut AutoCommit, kind: &str, at: Timestamp) {
    doc.commit_with(CommitOptions::default().with_message(kind).with_time(at.0));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::{SlipContact, Source, load_slip_contacts};

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("year-month")
    }

    fn check_in(children: Vec<YearMonth>, guardians: u8, at: i64) -> CheckIn {
        CheckIn {
            pass: PassId([1; 8]),
            source: Source::AppPass,
            children,
            guardians,
            at: Timestamp(at),
        }
    }

    fn slip(children: [u16; 7], guardians: u8, at: i64, left: Option<i64>) -> Slip {
        Slip {
            at: Timestamp(at),
            left_at: left.map(Timestamp),
            guardians,
            children,
            contact: None,
        }
    }

    const T: i64 = 1_795_000_000;

    #[test]
    fn invalid_facts_are_refused_before_writing() {
        let cases: Vec<(&str, Result<(), AttendanceError>)> = {
            let mut doc = AutoCommit::new();
            let v = VisitId::from_random(&[1; 16]);
            vec![
                (
                    "nobody",
                    record_check_in(&mut doc, &v, &check_in(vec![], 0, T)),
                ),
                (
                    "crowd",
                    record_check_in(&mut doc, &v, &check_in(vec![ym("2024-01"); 31], 1, T)),
                ),
                (
                    "clock",
                    record_check_in(&mut doc, &v, &check_in(vec![ym("2024-01")], 1, 5)),
                ),
                (
                    "empty slip",
                    record_slip(&mut doc, &v, &slip([0; 7], 0, T, None)),
                ),
                (
                    "backwards",
                    record_slip(
                        &mut doc,
                        &v,
                        &slip([1, 0, 0, 0, 0, 0, 0], 1, T, Some(T - 60)),
                    ),
                ),
                (
                    "empty fix",
                    fix_members(
                        &mut doc,
                        &EventId::from_random(&[2; 16]),
                        &v,
                        &[],
                        0,
                        Timestamp(T),
                    ),
                ),
                ("close", close_day(&mut doc, Timestamp(-1))),
            ]
        };
        let want = [
            "a visit needs at least one child or guardian",
            "too many people for one group: 31 children, 1 guardians",
            "implausible time: 5 seconds since the epoch",
            "a visit needs at least one child or guardian",
            "left at 1794999940 before arriving at 1795000000",
            "a visit needs at least one child or guardian",
            "implausible time: -1 seconds since the epoch",
        ];
        for ((name, got), want) in cases.into_iter().zip(want) {
            let err = got.expect_err(name);
            assert_eq!(err.to_string(), want, "{name}");
        }
    }

    #[test]
    fn each_fact_is_one_root_key_and_one_change() {
        let mut doc = AutoCommit::new();
        let v = VisitId::from_random(&[1; 16]);
        let e = EventId::from_random(&[2; 16]);
        record_check_in(&mut doc, &v, &check_in(vec![ym("2024-08")], 1, T)).expect("in");
        record_check_out(&mut doc, &e, PassId([1; 8]), Timestamp(T + 60)).expect("out");
        close_day(&mut doc, Timestamp(T + 3600)).expect("close");
        let keys: Vec<String> = doc.keys(ROOT).collect();
        assert_eq!(
            keys,
            ["close".to_owned(), format!("in/{v}"), format!("out/{e}")]
        );
        assert_eq!(doc.get_changes(&[]).len(), 3);
        // Reusing an id is refused, not silently overwritten.
        let again = record_check_out(&mut doc, &e, PassId([1; 8]), Timestamp(T + 90));
        assert!(matches!(again, Err(AttendanceError::DuplicateId(_))));
    }

    #[test]
    fn slip_contacts_go_to_the_staff_document_only() {
        let mut attendance = AutoCommit::new();
        let mut contacts = AutoCommit::new();
        let id = VisitId::from_random(&[3; 16]);
        let mut s = slip([0, 1, 0, 0, 0, 0, 0], 1, T, None);
        s.contact = Some(SlipContact {
            name: "山田".to_owned(),
            phone: "0433000000".to_owned(),
        });
        record_slip_with_contact(&mut attendance, &mut contacts, &id, &s).expect("slip");
        let stored: String = attendance
            .map_range(ROOT, ..)
            .map(|item| format!("{} = {:?}\n", item.key, item.value))
            .collect();
        assert!(stored.contains("slip/"), "{stored}");
        assert!(
            !stored.contains("山田") && !stored.contains("0433000000"),
            "{stored}"
        );
        let loaded = load_slip_contacts(&contacts);
        assert_eq!(loaded.get(&id).map(|c| c.name.as_str()), Some("山田"));

        // A bad contact leaves nothing behind.
        let mut bad = s.clone();
        bad.contact = Some(SlipContact {
            name: String::new(),
            phone: String::new(),
        });
        let other = VisitId::from_random(&[4; 16]);
        let err = record_slip_with_contact(&mut attendance, &mut contacts, &other, &bad);
        assert!(matches!(err, Err(AttendanceError::EmptyContact)));
        assert_eq!(attendance.keys(ROOT).count(), 1);
    }
}
