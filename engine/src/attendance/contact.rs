//! The staff-only document of paper-slip contacts.
//!
//! A slip may carry a name and a phone number. Those are personal data, and
//! the attendance document is synced to kiosks whose screens must never show
//! names, so contacts live in a document of their own,
//! `slip-contacts/<room>/<date>`, which only staff devices sync. It follows
//! the attendance rules: one root key `contact/<visit id>` per slip with a
//! compact JSON string, never a nested object.

use std::collections::BTreeMap;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValueRef, ValueRef};
use serde::{Deserialize, Serialize};

use super::event::to_json;
use super::{AttendanceError, SlipContact, VisitId};
use crate::calendar::{Date, Timestamp};
use crate::ids::{DocId, RoomId};

/// Longest name accepted, in characters.
const MAX_NAME: usize = 100;
/// Longest phone number accepted, in characters.
const MAX_PHONE: usize = 40;
const PREFIX: &str = "contact/";

/// The staff-only document holding one room's slip contacts for one day,
/// e.g. `slip-contacts/R03/2026-11-24`.
///
/// ```
/// use hiroba_engine::attendance::slip_contacts_doc_id;
/// use hiroba_engine::ids::RoomId;
///
/// let id = slip_contacts_doc_id(RoomId(3), "2026-11-24".parse()?);
/// assert_eq!(id.as_str(), "slip-contacts/R03/2026-11-24");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn slip_contacts_doc_id(room: RoomId, date: Date) -> DocId {
    DocId::slip_contacts(room, date)
}

#[derive(Serialize, Deserialize)]
struct ContactWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

/// Checks a contact before it is written.
pub(super) fn check_contact(c: &SlipContact) -> Result<(), AttendanceError> {
    if c.name.trim().is_empty() && c.phone.trim().is_empty() {
        return Err(AttendanceError::EmptyContact);
    }
    if c.name.chars().count() > MAX_NAME {
        return Err(AttendanceError::ContactTooLong {
            field: "name",
            max: MAX_NAME,
        });
    }
    if c.phone.chars().count() > MAX_PHONE {
        return Err(AttendanceError::ContactTooLong {
            field: "phone",
            max: MAX_PHONE,
        });
    }
    Ok(())
}

/// Records the contact of slip `id` in the staff-only contacts document.
///
/// Writing the same slip's contact again replaces it (a correction by staff).
pub fn record_slip_contact(
    contacts: &mut AutoCommit,
    id: &VisitId,
    contact: &SlipContact,
    at: Timestamp,
) -> Result<(), AttendanceError> {
    check_contact(contact)?;
    let wire = ContactWire {
        name: contact.name.clone(),
        phone: contact.phone.clone(),
    };
    contacts.put(ROOT, format!("{PREFIX}{id}"), to_json(&wire))?;
    contacts.commit_with(
        CommitOptions::default()
            .with_message("contact")
            .with_time(at.0),
    );
    Ok(())
}

/// The contacts of one day's slips, read from the staff-only document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlipContacts {
    contacts: BTreeMap<VisitId, SlipContact>,
    malformed: usize,
}

impl SlipContacts {
    /// The contact written on slip `id`, if any.
    pub fn get(&self, id: &VisitId) -> Option<&SlipContact> {
        self.contacts.get(id)
    }

    /// Every contact, by slip id.
    pub fn iter(&self) -> impl Iterator<Item = (&VisitId, &SlipContact)> {
        self.contacts.iter()
    }

    /// Entries that could not be read and were skipped.
    pub fn malformed(&self) -> usize {
        self.malformed
    }
}

/// Reads a contacts document; unreadable entries are skipped and counted.
pub fn load_slip_contacts(contacts: &AutoCommit) -> SlipContacts {
    let mut out = SlipContacts::default();
    for item in contacts.map_range(ROOT, ..) {
        let parsed = item
            .key
            .strip_prefix(PREFIX)
            .and_then(|id| VisitId::parse(id).ok())
            .zip(match &item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => {
                    serde_json::from_str::<ContactWire>(s).ok()
                }
                _ => None,
            });
        match parsed {
            Some((id, w)) => {
                out.contacts.insert(
                    id,
                    SlipContact {
                        name: w.name,
                        phone: w.phone,
                    },
                );
            }
            None => out.malformed += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, phone: &str) -> SlipContact {
        SlipContact {
            name: name.to_owned(),
            phone: phone.to_owned(),
        }
    }

    #[test]
    fn contacts_are_checked() {
        let long = "あ".repeat(101);
        let cases = [
            (contact("山田", ""), None),
            (contact("", "0433"), None),
            (
                contact(" ", ""),
                Some("a slip contact needs a name or a phone number"),
            ),
            (
                contact(&long, ""),
                Some("slip contact name is longer than 100 characters"),
            ),
            (
                contact("", &"0".repeat(41)),
                Some("slip contact phone is longer than 40 characters"),
            ),
        ];
        for (c, want) in cases {
            let got = check_contact(&c).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), want);
        }
    }

    #[test]
    fn contacts_round_trip_and_bad_entries_are_counted() {
        let mut doc = AutoCommit::new();
        let id = VisitId::from_random(&[5; 16]);
        let at = Timestamp(1_795_000_000);
        record_slip_contact(&mut doc, &id, &contact("山田", "0433"), at).expect("write");
        record_slip_contact(&mut doc, &id, &contact("山田花子", "0433"), at).expect("rewrite");
        doc.put(ROOT, "contact/zzz", "{}").expect("put");
        doc.put(ROOT, "other", 5).expect("put");
        let loaded = load_slip_contacts(&doc);
        assert_eq!(loaded.get(&id), Some(&contact("山田花子", "0433")));
        assert_eq!(loaded.iter().count(), 1);
        assert_eq!(loaded.malformed(), 2);
    }
}
