//! The family's own document (`family/<id>`): its visit history, which the
//! parent app shows under 利用履歴.
//!
//! Attendance documents hold every family of a room, so a guardian may not
//! read them. The relay copies each of a family's stays out of them into the
//! family's document instead (see `hiroba_relay::projection`): one
//! root-level key per stay, `visit/<date>/<room>/<first visit id>` → a
//! compact JSON value. Projecting a room's day again replaces exactly that
//! day's keys, so a check-out, a staff correction or an undone scan shows up
//! in the history, and a projection that is repeated changes nothing.
//!
//! The parent app reads the document with [`load_visits`]; entries this
//! version cannot read are skipped, never a panic.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use crate::attendance::{Source, Stay};
use crate::calendar::{Date, Timestamp};
use crate::ids::RoomId;

const VISIT: &str = "visit/";

/// One stay of the family, as its history shows it: no pass id, no
/// per-child detail beyond the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyVisit {
    pub room: RoomId,
    pub date: Date,
    pub arrived: Timestamp,
    /// `None` while the family is in the room.
    pub left: Option<Timestamp>,
    pub children: u32,
    pub guardians: u8,
    /// Nobody checked out; the room closed the visit at closing time.
    #[serde(default)]
    pub closed_at_closing: bool,
    /// Scanned from the app (`true`) or from a printed card (`false`).
    #[serde(default)]
    pub by_app: bool,
}

impl FamilyVisit {
    fn of(room: RoomId, date: Date, stay: &Stay) -> FamilyVisit {
        FamilyVisit {
            room,
            date,
            arrived: stay.arrived,
            left: stay.left,
            children: stay.children.count(),
            guardians: stay.guardians,
            closed_at_closing: stay.closed_at_closing,
            by_app: stay.source == Source::AppPass,
        }
    }
}

fn day_prefix(room: RoomId, date: Date) -> String {
    format!("{VISIT}{date}/{room}/")
}

/// Replaces the family's visits on `room`'s `date` with `stays` (the stays
/// of that day that belong to the family), as one change. Returns whether
/// the document changed: an unchanged day writes nothing.
pub fn project_day<'a>(
    doc: &mut AutoCommit,
    room: RoomId,
    date: Date,
    stays: impl IntoIterator<Item = &'a Stay>,
) -> Result<bool, AutomergeError> {
    let prefix = day_prefix(room, date);
    let mut wanted: Vec<(String, String)> = Vec::new();
    for stay in stays {
        let Some(first) = stay.visits.first() else {
            continue;
        };
        let json = serde_json::to_string(&FamilyVisit::of(room, date, stay)).unwrap_or_default();
        wanted.push((format!("{prefix}{first}"), json));
    }
    let stale: Vec<String> = doc
        .keys(ROOT)
        .filter(|k| k.starts_with(&prefix) && !wanted.iter().any(|(w, _)| w == k))
        .collect();
    let mut changed = false;
    for key in stale {
        doc.delete(ROOT, key.as_str())?;
        changed = true;
    }
    for (key, json) in wanted {
        if text_at(doc, &key).as_deref() != Some(json.as_str()) {
            doc.put(ROOT, key.as_str(), json)?;
            changed = true;
        }
    }
    if changed {
        doc.commit();
    }
    Ok(changed)
}

fn text_at(doc: &AutoCommit, key: &str) -> Option<String> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(t) => Some(t.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The family's visits, newest first.
pub fn load_visits(doc: &AutoCommit) -> Vec<FamilyVisit> {
    let mut visits: Vec<FamilyVisit> = doc
        .keys(ROOT)
        .filter(|k| k.starts_with(VISIT))
        .filter_map(|k| serde_json::from_str(&text_at(doc, &k)?).ok())
        .collect();
    visits.sort_by(|a, b| b.arrived.cmp(&a.arrived).then(b.room.cmp(&a.room)));
    visits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::{Children, VisitId};
    use crate::calendar::YearMonth;
    use crate::ids::PassId;

    fn stay(visit: u8, arrived: i64, left: Option<i64>) -> Stay {
        Stay {
            pass: Some(PassId([1; 8])),
            source: Source::AppPass,
            arrived: Timestamp(arrived),
            left: left.map(Timestamp),
            closed_at_closing: false,
            children: Children::BirthMonths(vec![YearMonth::new(2024, 5).expect("month")]),
            guardians: 1,
            visits: vec![VisitId::from_random(&[visit; 16])],
        }
    }

    fn day() -> Date {
        Date::new(2026, 11, 25).expect("date")
    }

    #[test]
    fn a_day_is_replaced_not_appended_and_repeating_changes_nothing() {
        let mut doc = AutoCommit::new();
        let room = RoomId(1);
        let morning = stay(1, 1_000, None);
        assert!(project_day(&mut doc, room, day(), [&morning]).expect("project"));
        assert_eq!(load_visits(&doc)[0].left, None, "still in the room");

        let checked_out = stay(1, 1_000, Some(4_600));
        let afternoon = stay(2, 9_000, None);
        assert!(project_day(&mut doc, room, day(), [&checked_out, &afternoon]).expect("project"));
        let visits = load_visits(&doc);
        assert_eq!(visits.len(), 2);
        assert_eq!(visits[0].arrived, Timestamp(9_000), "newest first");
        assert_eq!(visits[1].left, Some(Timestamp(4_600)));
        assert_eq!(visits[1].children, 1);

        assert!(
            !project_day(&mut doc, room, day(), [&checked_out, &afternoon]).expect("again"),
            "an unchanged day writes nothing"
        );
        // An undone scan leaves the day: its entry goes.
        assert!(project_day(&mut doc, room, day(), [&checked_out]).expect("undo"));
        assert_eq!(load_visits(&doc).len(), 1);
        // Another room's day is untouched by this room's projection.
        project_day(&mut doc, RoomId(2), day(), [&afternoon]).expect("other room");
        project_day(&mut doc, room, day(), []).expect("empty day");
        let left = load_visits(&doc);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].room, RoomId(2));
    }

    #[test]
    fn unreadable_entries_are_skipped() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "visit/odd", 3_i64).expect("put");
        doc.put(ROOT, "visit/garbled", "{").expect("put");
        project_day(&mut doc, RoomId(1), day(), [&stay(3, 5, None)]).expect("project");
        assert_eq!(load_visits(&doc).len(), 1);
    }
}
