//! Notices (お知らせ) in the city's `notices` document, and the one question
//! a kiosk asks of them: is an emergency notice active for this room now?
//!
//! Like attendance, the document only gains root-level keys with unique
//! names: `notice/<id>` → a compact JSON value, immutable; a notice is
//! withdrawn by `withdraw/<id>` (the same id). Publishing and the parent
//! inbox build on this format; entries this version cannot read are
//! skipped, never a panic.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Date, Timestamp, age_on};
use crate::ids::RoomId;

const NOTICE: &str = "notice/";
const WITHDRAW: &str = "withdraw/";

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Emergency (closure, weather, …): shown as a banner on kiosks and on
    /// top of the parents' inbox.
    #[serde(default)]
    pub emergency: bool,
    /// The rooms it concerns; empty means every room of the city.
    #[serde(default)]
    pub rooms: Vec<RoomId>,
    pub title_ja: String,
    pub title_en: String,
    #[serde(default)]
    pub body_ja: String,
    #[serde(default)]
    pub body_en: String,
    /// For families with a child at least this many months old (course
    /// information for an age group); `None`: any age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age_months: Option<u32>,
    /// …and at most this many months old; `None`: any age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_months: Option<u32>,
    /// Shown from this instant…
    pub from: Timestamp,
    /// …until this one (exclusive).
    pub until: Timestamp,
}

impl Notice {
    /// Whether the notice is shown for `room` at `now`.
    pub fn applies(&self, room: RoomId, now: Timestamp) -> bool {
        (self.rooms.is_empty() || self.rooms.contains(&room))
            && self.from <= now
            && now < self.until
    }

    /// Whether a family registered for `rooms` with children born on
    /// `birth_dates` is told of this notice at `now`: one of its rooms (or a
    /// city-wide notice), shown now, and, for a notice aimed at an age
    /// range, a child within it.
    pub fn concerns_family(&self, rooms: &[RoomId], birth_dates: &[Date], now: Timestamp) -> bool {
        let room_ok = self.rooms.is_empty() || self.rooms.iter().any(|r| rooms.contains(r));
        let age_ok = if self.min_age_months.is_none() && self.max_age_months.is_none() {
            true
        } else {
            let today = now.jst_date();
            birth_dates.iter().any(|&birth| {
                age_on(birth, today).is_some_and(|age| {
                    let months = age.years * 12 + age.months;
                    self.min_age_months.is_none_or(|min| months >= min)
                        && self.max_age_months.is_none_or(|max| months <= max)
                })
            })
        };
        room_ok && age_ok && self.from <= now && now < self.until
    }
}

/// The notices for a family's inbox at `now` (see
/// [`Notice::concerns_family`]): emergencies first, then the newest first.
pub fn for_family(
    doc: &AutoCommit,
    rooms: &[RoomId],
    birth_dates: &[Date],
    now: Timestamp,
) -> Vec<(String, Notice)> {
    let mut notices: Vec<(String, Notice)> = load(doc)
        .into_iter()
        .filter(|(_, n)| n.concerns_family(rooms, birth_dates, now))
        .collect();
    notices.sort_by(|(a_id, a), (b_id, b)| {
        b.emergency
            .cmp(&a.emergency)
            .then(b.from.cmp(&a.from))
            .then(a_id.cmp(b_id))
    });
    notices
}

/// Why a notice could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// The id is empty, too long, or not `[0-9a-z-]`.
    #[error("a notice id must be 1–64 characters of 0-9, a-z and -")]
    BadId,
    /// A notice with this id exists (notices are immutable).
    #[error("notice {0} exists")]
    Exists(String),
    /// The document refused the write.
    #[error(transparent)]
    Doc(#[from] automerge::AutomergeError),
}

fn check_id(id: &str) -> Result<(), NoticeError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-');
    if ok { Ok(()) } else { Err(NoticeError::BadId) }
}

/// Publishes `notice` as `id`, as its own change.
pub fn publish(doc: &mut AutoCommit, id: &str, notice: &Notice) -> Result<(), NoticeError> {
    check_id(id)?;
    let key = format!("{NOTICE}{id}");
    if doc.get(ROOT, key.as_str())?.is_some() {
        return Err(NoticeError::Exists(id.to_owned()));
    }
    let json = serde_json::to_string(notice).unwrap_or_default();
    doc.put(ROOT, key.as_str(), json)?;
    doc.commit();
    Ok(())
}

/// Withdraws notice `id` (it stops showing everywhere).
pub fn withdraw(doc: &mut AutoCommit, id: &str) -> Result<(), NoticeError> {
    check_id(id)?;
    doc.put(ROOT, format!("{WITHDRAW}{id}").as_str(), true)?;
    doc.commit();
    Ok(())
}

/// Every readable, not withdrawn notice, by id.
pub fn load(doc: &AutoCommit) -> Vec<(String, Notice)> {
    let mut out = Vec::new();
    for key in doc.keys(ROOT) {
        let Some(id) = key.strip_prefix(NOTICE) else {
            continue;
        };
        if doc
            .get(ROOT, format!("{WITHDRAW}{id}").as_str())
            .ok()
            .flatten()
            .is_some()
        {
            continue;
        }
        let text = match doc.get(ROOT, key.as_str()) {
            Ok(Some((automerge::Value::Scalar(s), _))) => match s.as_ref() {
                automerge::ScalarValue::Str(t) => t.to_string(),
                _ => continue,
            },
            _ => continue,
        };
        if let Ok(notice) = serde_json::from_str::<Notice>(&text) {
            out.push((id.to_owned(), notice));
        }
    }
    out
}

/// The emergency notice to show on `room`'s kiosk at `now`: the one that
/// started last, if several apply.
pub fn active_emergency(doc: &AutoCommit, room: RoomId, now: Timestamp) -> Option<Notice> {
    load(doc)
        .into_iter()
        .map(|(_, n)| n)
        .filter(|n| n.emergency && n.applies(room, now))
        .max_by_key(|n| n.from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closure(rooms: Vec<RoomId>) -> Notice {
        Notice {
            emergency: true,
            rooms,
            title_ja: "台風のため本日は閉館します".into(),
            title_en: "Closed today because of the typhoon".into(),
            body_ja: String::new(),
            body_en: String::new(),
            min_age_months: None,
            max_age_months: None,
            from: Timestamp(1_000),
            until: Timestamp(2_000),
        }
    }

    #[test]
    fn an_emergency_shows_in_its_rooms_while_active_until_withdrawn() {
        let mut doc = AutoCommit::new();
        publish(&mut doc, "typhoon-1", &closure(vec![RoomId(3)])).expect("publish");
        assert!(active_emergency(&doc, RoomId(3), Timestamp(1_500)).is_some());
        assert!(
            active_emergency(&doc, RoomId(4), Timestamp(1_500)).is_none(),
            "other room"
        );
        assert!(
            active_emergency(&doc, RoomId(3), Timestamp(2_000)).is_none(),
            "over"
        );
        assert!(matches!(
            publish(&mut doc, "typhoon-1", &closure(vec![])),
            Err(NoticeError::Exists(_))
        ));
        withdraw(&mut doc, "typhoon-1").expect("withdraw");
        assert!(active_emergency(&doc, RoomId(3), Timestamp(1_500)).is_none());
    }

    #[test]
    fn unreadable_entries_and_bad_ids_are_refused_quietly() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "notice/odd", 42_i64).expect("put");
        doc.put(ROOT, "notice/garbled", "{not json").expect("put");
        publish(&mut doc, "city-wide", &closure(vec![])).expect("publish");
        assert_eq!(load(&doc).len(), 1);
        assert!(active_emergency(&doc, RoomId(9), Timestamp(1_000)).is_some());
        assert!(matches!(
            publish(&mut doc, "Bad Id", &closure(vec![])),
            Err(NoticeError::BadId)
        ));
    }

    #[test]
    fn a_family_sees_its_rooms_and_ages_with_emergencies_first() {
        let mut doc = AutoCommit::new();
        let now = Timestamp::from_jst(Date::new(2026, 11, 25).expect("date"), 12, 0);
        let later = now.plus_seconds(86_400);
        let notice = |rooms: Vec<RoomId>, ages: Option<(u32, u32)>, from: Timestamp| Notice {
            emergency: false,
            rooms,
            title_ja: "ルームだより".into(),
            title_en: "Newsletter".into(),
            body_ja: String::new(),
            body_en: String::new(),
            min_age_months: ages.map(|a| a.0),
            max_age_months: ages.map(|a| a.1),
            from,
            until: later,
        };
        let early = now.plus_seconds(-7_200);
        let recent = now.plus_seconds(-60);
        publish(&mut doc, "r1-letter", &notice(vec![RoomId(1)], None, early)).expect("publish");
        publish(&mut doc, "r2-letter", &notice(vec![RoomId(2)], None, early)).expect("publish");
        publish(&mut doc, "babies", &notice(vec![], Some((0, 11)), recent)).expect("publish");
        publish(
            &mut doc,
            "toddlers",
            &notice(vec![], Some((12, 35)), recent),
        )
        .expect("publish");
        publish(&mut doc, "next-week", &notice(vec![], None, later)).expect("publish");
        let mut typhoon = closure(vec![RoomId(1)]);
        typhoon.from = early.plus_seconds(-60);
        typhoon.until = later;
        publish(&mut doc, "typhoon", &typhoon).expect("publish");

        // A child born 2026-03-10 is 8 months old on 2026-11-25.
        let born = [Date::new(2026, 3, 10).expect("date")];
        let ids: Vec<String> = for_family(&doc, &[RoomId(1)], &born, now)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, ["typhoon", "babies", "r1-letter"]);

        let older = [Date::new(2024, 11, 25).expect("date")];
        let ids: Vec<String> = for_family(&doc, &[RoomId(2)], &older, now)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, ["toddlers", "r2-letter"], "24 months old, room 2");
    }
}
