//! Who is asking, and which documents they may see.
//!
//! Every HTTP request and sync connection is mapped to an [`Identity`] from
//! its session token; [`may_access`] is the one authorization policy for
//! documents (SPEC §3.12). A document a caller may not see is answered
//! exactly as a missing one (`doc-unavailable` / 404), so its existence
//! leaks nothing.

use hiroba_engine::ids::{DocId, FamilyId, RoomId};
use serde::{Deserialize, Serialize};

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// City administrator: approves applications, enrols devices, sees every room.
    Administrator,
    /// Staff of one room.
    RoomStaff,
}

/// The party behind a request or a sync connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// No valid session.
    Anonymous,
    /// An enrolled kiosk tablet of one room.
    Kiosk {
        /// The enrolled device's id.
        device: String,
        /// Its room.
        room: RoomId,
    },
    /// A logged-in staff member (on an enrolled staff device or browser).
    Staff {
        /// The staff account's login id.
        account: String,
        /// Administrator or room staff.
        role: StaffRole,
        /// The room of room staff (administrators have none).
        room: Option<RoomId>,
    },
    /// A logged-in guardian of one family.
    Guardian {
        /// The family account.
        family: FamilyId,
    },
}

/// Whether `who` may read and write the document `doc`.
///
/// * kiosk → its room's attendance, the trust list, revocations, notices;
/// * room staff → its room's attendance and slip contacts, every family and
///   consultation, the trust list, revocations, notices and events;
/// * administrator → every document;
/// * guardian → its own family document, notices and events;
/// * anonymous → nothing.
pub fn may_access(who: &Identity, doc: &DocId) -> bool {
    let name = doc.as_str();
    let public_to_devices = *doc == DocId::trust_list() || *doc == DocId::revocations();
    let room_doc = |room: RoomId| {
        doc.as_attendance().is_some_and(|(r, _)| r == room)
            || name
                .strip_prefix("slip-contacts/")
                .and_then(|rest| rest.split('/').next())
                .and_then(|r| r.parse::<RoomId>().ok())
                .is_some_and(|r| r == room)
    };
    match who {
        Identity::Anonymous => false,
        Identity::Kiosk { room, .. } => {
            public_to_devices
                || *doc == DocId::notices()
                || doc.as_attendance().is_some_and(|(r, _)| r == *room)
        }
        Identity::Staff {
            role: StaffRole::Administrator,
            ..
        } => true,
        Identity::Staff {
            role: StaffRole::RoomStaff,
            room,
            ..
        } => {
            public_to_devices
                || *doc == DocId::notices()
                || *doc == DocId::events()
                || doc.as_family().is_some()
                || name.starts_with("consultation/")
                || room.is_some_and(room_doc)
        }
        Identity::Guardian { family } => {
            *doc == DocId::notices()
                || *doc == DocId::events()
                || doc.as_family().as_ref() == Some(family)
        }
    }
}

/// How long a session lasts without use before its holder must log in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// How long an enrolled device's session lasts (it renews with its key).
pub const DEVICE_SESSION_SECONDS: i64 = 30 * 86_400;

#[derive(Debug, Serialize, Deserialize)]
struct SessionRecord {
    identity: Identity,
    expires: i64,
}

/// Session tokens, stored in sled so they survive a relay restart.
///
/// A token is 32 random bytes in hex, handed to the client once; only the
/// token's holder can act as its identity until it expires or is revoked.
#[derive(Debug, Clone)]
pub struct Sessions {
    tree: sled::Tree,
}

impl Sessions {
    /// The sessions of `store`.
    pub fn open(store: &crate::store::Store) -> Result<Sessions, crate::store::StoreError> {
        Ok(Sessions {
            tree: store.tree("sessions")?,
        })
    }

    /// Starts a session for `identity` lasting `seconds` from `now`;
    /// `random` must be fresh random bytes.
    pub fn create(
        &self,
        identity: &Identity,
        now: hiroba_engine::calendar::Timestamp,
        seconds: i64,
        random: [u8; 32],
    ) -> Result<String, crate::store::StoreError> {
        let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let record = SessionRecord {
            identity: identity.clone(),
            expires: now.0.saturating_add(seconds),
        };
        let bytes = serde_json::to_vec(&record).map_err(|e| crate::store::StoreError::Damaged {
            key: "session".to_owned(),
            reason: e.to_string(),
        })?;
        self.tree.insert(token.as_bytes(), bytes)?;
        Ok(token)
    }

    /// The identity holding `token` at `now`; anonymous for an unknown,
    /// expired or damaged session.
    pub fn lookup(&self, token: &str, now: hiroba_engine::calendar::Timestamp) -> Identity {
        let record = self
            .tree
            .get(token.as_bytes())
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<SessionRecord>(&bytes).ok());
        match record {
            Some(r) if r.expires > now.0 => r.identity,
            _ => Identity::Anonymous,
        }
    }

    /// Ends one session (log out).
    pub fn revoke(&self, token: &str) -> Result<(), crate::store::StoreError> {
        self.tree.remove(token.as_bytes())?;
        Ok(())
    }

    /// Ends every session whose identity matches `which` (a revoked device,
    /// a changed password).
    pub fn revoke_where(
        &self,
        which: impl Fn(&Identity) -> bool,
    ) -> Result<usize, crate::store::StoreError> {
        let mut ended = 0;
        for entry in self.tree.iter() {
            let (key, bytes) = entry?;
            let matches = serde_json::from_slice::<SessionRecord>(&bytes)
                .map(|r| which(&r.identity))
                .unwrap_or(true);
            if matches {
                self.tree.remove(key)?;
                ended += 1;
            }
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiroba_engine::calendar::Timestamp;

    #[test]
    fn sessions_expire_and_can_be_revoked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::store::Store::open(dir.path()).expect("store");
        let sessions = Sessions::open(&store).expect("sessions");
        let kiosk = Identity::Kiosk {
            device: "d1".to_owned(),
            room: RoomId(1),
        };
        let now = Timestamp(1_000_000);
        let token = sessions.create(&kiosk, now, 60, [7; 32]).expect("create");
        assert_eq!(sessions.lookup(&token, now), kiosk);
        assert_eq!(
            sessions.lookup(&token, now.plus_seconds(60)),
            Identity::Anonymous
        );
        assert_eq!(sessions.lookup("nonsense", now), Identity::Anonymous);
        let other = sessions.create(&kiosk, now, 60, [8; 32]).expect("create");
        sessions.revoke(&token).expect("revoke");
        assert_eq!(sessions.lookup(&token, now), Identity::Anonymous);
        let ended = sessions
            .revoke_where(|who| matches!(who, Identity::Kiosk { device, .. } if device == "d1"))
            .expect("revoke device");
        assert_eq!(ended, 1);
        assert_eq!(sessions.lookup(&other, now), Identity::Anonymous);
    }

    #[test]
    fn each_role_sees_exactly_its_documents() {
        let date = "2026-11-24".parse().expect("date");
        let ours = FamilyId::from_random([1; 8]);
        let theirs = FamilyId::from_random([2; 8]);
        let docs = [
            ("att R01", DocId::attendance(RoomId(1), date)),
            ("att R02", DocId::attendance(RoomId(2), date)),
            ("trust", DocId::trust_list()),
            ("revocations", DocId::revocations()),
            ("notices", DocId::notices()),
            ("events", DocId::events()),
            ("our family", DocId::family(&ours)),
            ("their family", DocId::family(&theirs)),
            ("consultation", DocId::consultation("c1")),
            (
                "slip contacts R01",
                DocId::parse("slip-contacts/R01/2026-11-24").expect("id"),
            ),
        ];
        let kiosk = Identity::Kiosk {
            device: "d1".to_owned(),
            room: RoomId(1),
        };
        let staff = Identity::Staff {
            account: "s1".to_owned(),
            role: StaffRole::RoomStaff,
            room: Some(RoomId(1)),
        };
        let admin = Identity::Staff {
            account: "a1".to_owned(),
            role: StaffRole::Administrator,
            room: None,
        };
        let guardian = Identity::Guardian { family: ours };
        #[rustfmt::skip]
        let expected: [(&Identity, [bool; 10]); 5] = [
            //                   R01    R02    trust  revoc  notice events ours   theirs consult slipc
            (&Identity::Anonymous, [false, false, false, false, false, false, false, false, false, false]),
            (&kiosk,               [true,  false, true,  true,  true,  false, false, false, false, false]),
            (&staff,               [true,  false, true,  true,  true,  true,  true,  true,  true,  true ]),
            (&admin,               [true,  true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (&guardian,            [false, false, false, false, true,  true,  true,  false, false, false]),
        ];
        for (who, allowed) in expected {
            for ((name, doc), want) in docs.iter().zip(allowed) {
                assert_eq!(may_access(who, doc), want, "{who:?} → {name}");
            }
        }
    }
}
