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

use crate::calendar::Timestamp;
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
}
