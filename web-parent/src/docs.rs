//! The two automerge documents the app keeps on the phone: the family's
//! (`family/<id>`, its visits) and the city's `notices`. A fetch from the
//! relay is *merged* into the stored copy (never replaces it), so the
//! CRDT, not the last answer, decides what the phone holds. Pure: bytes in,
//! bytes and engine values out.

use automerge::AutoCommit;
use hiroba_engine::calendar::{Date, Timestamp};
use hiroba_engine::family::{self, FamilyVisit};
use hiroba_engine::ids::RoomId;
use hiroba_engine::notice::{self, Notice};
use serde::{Deserialize, Serialize};

use crate::services::api::Family;
use crate::services::store::{from_hex, to_hex};

/// Loads `stored` (if readable) and merges `fetched` into it; an unreadable
/// stored copy is replaced by the fetched one. `None` when neither reads.
pub fn merge(stored: Option<&[u8]>, fetched: Option<&[u8]>) -> Option<AutoCommit> {
    let stored = stored.and_then(|b| AutoCommit::load(b).ok());
    let fetched = fetched.and_then(|b| AutoCommit::load(b).ok());
    match (stored, fetched) {
        (Some(mut doc), Some(mut new)) => match doc.merge(&mut new) {
            Ok(_) => Some(doc),
            Err(_) => Some(new),
        },
        (Some(doc), None) | (None, Some(doc)) => Some(doc),
        (None, None) => None,
    }
}

/// The family document as kept on the phone: with the family it belongs
/// to, so a copy left by another family (a previous login on this phone)
/// is never merged into this one's — a merge would make their visits this
/// family's history, and the next save would keep them for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFamilyDoc {
    pub family_id: String,
    /// The saved document, hex.
    pub doc: String,
}

impl StoredFamilyDoc {
    pub fn new(family_id: &str, doc: &[u8]) -> StoredFamilyDoc {
        StoredFamilyDoc {
            family_id: family_id.to_owned(),
            doc: to_hex(doc),
        }
    }

    /// The stored bytes if they are `family_id`'s; `None` for another
    /// family's copy (or an unreadable one).
    pub fn bytes_for(&self, family_id: &str) -> Option<Vec<u8>> {
        (self.family_id == family_id)
            .then(|| from_hex(&self.doc))
            .flatten()
    }
}

/// The family's visits, newest first.
pub fn visits(doc: Option<&AutoCommit>) -> Vec<FamilyVisit> {
    doc.map(family::load_visits).unwrap_or_default()
}

/// The notices for this family's rooms and children's ages at `now`,
/// emergency first, then newest.
pub fn notices(
    doc: Option<&AutoCommit>,
    family: Option<&Family>,
    now: Timestamp,
) -> Vec<(String, Notice)> {
    let Some(doc) = doc else {
        return Vec::new();
    };
    let (rooms, births) = family.map_or_else(Default::default, |f| {
        let rooms: Vec<RoomId> = f.rooms.iter().filter_map(|r| r.parse().ok()).collect();
        let births: Vec<Date> = f
            .children
            .iter()
            .filter_map(|c| c.birth_date.parse().ok())
            .collect();
        (rooms, births)
    });
    notice::for_family(doc, &rooms, &births, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_readable_is_no_document_not_a_panic() {
        assert!(merge(None, None).is_none());
        assert!(merge(Some(b"junk"), Some(b"more junk")).is_none());
        assert!(visits(None).is_empty());
    }

    #[test]
    fn another_familys_stored_copy_is_never_merged() -> Result<(), automerge::AutomergeError> {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let mut previous = AutoCommit::new();
        previous.put(automerge::ROOT, "visit/theirs", 1)?;
        let stored = StoredFamilyDoc::new("family-a", &previous.save());
        assert!(stored.bytes_for("family-a").is_some());
        assert_eq!(stored.bytes_for("family-b"), None);

        let mut fetched = AutoCommit::new();
        fetched.put(automerge::ROOT, "visit/ours", 1)?;
        let merged = merge(
            stored.bytes_for("family-b").as_deref(),
            Some(&fetched.save()),
        );
        let keys: Vec<String> = merged
            .map(|d| d.keys(automerge::ROOT).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["visit/ours"], "only family B's own history");
        Ok(())
    }

    #[test]
    fn a_fetch_merges_into_the_stored_copy() -> Result<(), automerge::AutomergeError> {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let mut a = AutoCommit::new();
        a.put(automerge::ROOT, "a", 1)?;
        let mut b = a.fork();
        b.put(automerge::ROOT, "b", 2)?;
        a.put(automerge::ROOT, "c", 3)?;
        let merged = merge(Some(&a.save()), Some(&b.save()));
        let keys: Vec<String> = merged
            .map(|d| d.keys(automerge::ROOT).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["a", "b", "c"]);
        Ok(())
    }
}
