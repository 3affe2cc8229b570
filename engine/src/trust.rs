//! The trust list (which keys sign passes) and the revocations (which
//! cards were replaced), as synced automerge documents.
//!
//! Both live in automerge documents ([`DocId::trust_list`] and
//! [`DocId::revocations`]) so they reach every kiosk the way everything else
//! does, and a kiosk that has been offline for a month still checks passes
//! against the lists it last saw.
//!
//! **Invariant:** both documents hold root-level scalar entries only — never
//! a nested object that two devices could create at the same key and then
//! hold side by side. Concurrent writes to one entry become an automerge
//! conflict, and loading resolves every conflict *conservatively*:
//!
//! * a revocation takes the **highest** lowest-valid serial, so a revocation
//!   can never be undone by a merge;
//! * a trusted key written twice with the same public key takes the
//!   **intersection** of the validity windows, so retiring a key early wins
//!   over a concurrent edit; written with *different* public keys it is
//!   dropped (and reported), so no device can slip in a key by racing the
//!   administrator.
//!
//! Document formats:
//!
//! | document      | entry key                         | value                                            |
//! |---------------|-----------------------------------|--------------------------------------------------|
//! | `trust-list`  | key id, `K1`, `K2`, …             | JSON string: `key_id`, `public_key` (64 lower-case hex digits), `valid_from`, `valid_until` (Unix seconds) |
//! | `revocations` | pass id, 16 lower-case hex digits | unsigned integer: the lowest serial still valid |
//!
//! Entries that cannot be read are skipped and listed in `problems()` for
//! the staff console rather than failing the load: one bad entry must not
//! stop every check-in in the city.
//!
//! [`DocId::trust_list`]: crate::ids::DocId::trust_list
//! [`DocId::revocations`]: crate::ids::DocId::revocations

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ROOT, ReadDoc, ScalarValue, Value};
use data_encoding::{HEXLOWER, HEXLOWER_PERMISSIVE};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::calendar::Timestamp;
use crate::ids::{KeyId, PassId};

/// A public key the city signs passes with, and when it may be trusted.
///
/// The window is half-open, `[valid_from, valid_until)`; see
/// [`crate::pass::verify`] for how it bounds the passes the key signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrustedKey {
    /// The id passes name the key by.
    pub key_id: KeyId,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    /// The first instant the key may sign and vouch for passes.
    pub valid_from: Timestamp,
    /// The first instant the key no longer vouches for any pass.
    pub valid_until: Timestamp,
}

impl TrustedKey {
    /// The trust-list entry for the public half of `key`, as the relay
    /// publishes it when it creates or rotates its issuing key.
    pub fn for_signing_key(
        key: &SigningKey,
        key_id: KeyId,
        valid_from: Timestamp,
        valid_until: Timestamp,
    ) -> TrustedKey {
        TrustedKey {
            key_id,
            public_key: key.verifying_key().to_bytes(),
            valid_from,
            valid_until,
        }
    }

    /// Whether `t` falls in the key's validity window.
    pub fn is_valid_at(&self, t: Timestamp) -> bool {
        self.valid_from <= t && t < self.valid_until
    }

    /// The key as Ed25519 verifies with it, refusing weak (small-order)
    /// keys that would accept forged signatures.
    fn verifying_key(&self) -> Result<VerifyingKey, TrustError> {
        match VerifyingKey::from_bytes(&self.public_key) {
            Ok(key) if !key.is_weak() => Ok(key),
            _ => Err(TrustError::UnusablePublicKey {
                entry: self.key_id.to_string(),
            }),
        }
    }
}

/// The JSON form of a [`TrustedKey`] in the trust-list document.
#[derive(Serialize, Deserialize)]
struct KeyRecord {
    key_id: KeyId,
    public_key: String,
    valid_from: Timestamp,
    valid_until: Timestamp,
}

/// Why a trust-list or revocation document could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Automerge refused the read or write.
    #[error("could not use the document: {0}")]
    Document(#[from] AutomergeError),
    /// A trust-list entry is not a JSON trusted key for its id.
    #[error("trust list entry {entry} is not a trusted key: {reason}")]
    BadEntry {
        /// The entry key, e.g. `K3`.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The public key is not a usable Ed25519 key.
    #[error("trust list entry {entry} holds an unusable public key")]
    UnusablePublicKey {
        /// The entry key, e.g. `K3`.
        entry: String,
    },
    /// Concurrent edits wrote different public keys under one key id.
    #[error("trust list entry {entry} holds conflicting public keys")]
    ConflictingKeys {
        /// The entry key, e.g. `K3`.
        entry: String,
    },
    /// A key id is never reused for another public key: passes name keys by id.
    #[error("key id {0} already names another public key")]
    KeyIdTaken(KeyId),
    /// A revocation entry's value is not a serial number.
    #[error("revocation entry {entry} is not a serial number")]
    BadRevocation {
        /// The entry key, a pass id.
        entry: String,
    },
}

/// The keys a kiosk trusts, read from the synced trust-list document.
///
/// An owned snapshot: reload it when the document changes. The empty list
/// ([`TrustList::default`]) trusts nothing, which is right for a kiosk that
/// has never synced.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    keys: BTreeMap<KeyId, (TrustedKey, VerifyingKey)>,
    problems: Vec<String>,
}

impl TrustList {
    /// Reads the trust list from its document, resolving conflicts as the
    /// [module documentation](self) says and skipping unreadable entries.
    ///
    /// ```
    /// use automerge::AutoCommit;
    /// use ed25519_dalek::SigningKey;
    /// use hiroba_engine::calendar::Timestamp;
    /// use hiroba_engine::ids::KeyId;
    /// use hiroba_engine::trust::{add_trusted_key, TrustList, TrustedKey};
    ///
    /// let key = TrustedKey::for_signing_key(
    ///     &SigningKey::from_bytes(&[7; 32]), KeyId(1), Timestamp(0), Timestamp(2_000_000_000),
    /// );
    /// let mut doc = AutoCommit::new();
    /// add_trusted_key(&mut doc, &key)?;
    /// let list = TrustList::load(&doc)?;
    /// assert_eq!(list.key(KeyId(1)), Some(&key));
    /// assert_eq!(list.key(KeyId(2)), None);
    /// # Ok::<(), hiroba_engine::trust::TrustError>(())
    /// ```
    pub fn load(doc: &AutoCommit) -> Result<TrustList, TrustError> {
        let mut list = TrustList::default();
        for entry in doc.keys(ROOT) {
            let Some(key_id) = parse_key_entry(&entry) else {
                // Not a key: room for other fields in later versions.
                continue;
            };
            let mut records = Vec::new();
            for (value, _) in doc.get_all(ROOT, entry.as_str())? {
                match parse_key_record(&entry, key_id, &value) {
                    Ok(record) => records.push(record),
                    Err(e) => list.problems.push(e.to_string()),
                }
            }
            match merge_key_records(&entry, &records) {
                Ok(Some(key)) => list.insert(key),
                Ok(None) => {}
                Err(e) => list.problems.push(e.to_string()),
            }
        }
        Ok(list)
    }

    /// A trust list of the given keys, without a document (for tools and
    /// tests). Fails on an unusable public key.
    pub fn from_keys(keys: impl IntoIterator<Item = TrustedKey>) -> Result<TrustList, TrustError> {
        let mut list = TrustList::default();
        for key in keys {
            key.verifying_key()?;
            list.insert(key);
        }
        Ok(list)
    }

    fn insert(&mut self, key: TrustedKey) {
        match key.verifying_key() {
            Ok(verifying) => {
                self.keys.insert(key.key_id, (key, verifying));
            }
            Err(e) => self.problems.push(e.to_string()),
        }
    }

    /// The trusted key with this id.
    pub fn key(&self, id: KeyId) -> Option<&TrustedKey> {
        self.keys.get(&id).map(|(key, _)| key)
    }

    /// The key and its decoded Ed25519 form, decoded once at load so each
    /// scan only verifies.
    pub(crate) fn verifying_key(&self, id: KeyId) -> Option<(&TrustedKey, &VerifyingKey)> {
        self.keys.get(&id).map(|(key, verifying)| (key, verifying))
    }

    /// Every trusted key, by id.
    pub fn keys(&self) -> impl Iterator<Item = &TrustedKey> {
        self.keys.values().map(|(key, _)| key)
    }

    /// The number of trusted keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted (a kiosk that never synced).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Entries skipped at load, worded for the staff console.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// `K1` → key id 1; only the canonical spelling, so no two entries name
/// the same key.
fn parse_key_entry(entry: &str) -> Option<KeyId> {
    let id = KeyId(entry.strip_prefix('K')?.parse().ok()?);
    (id.to_string() == entry).then_some(id)
}

fn parse_key_record(
    entry: &str,
    key_id: KeyId,
    value: &Value<'_>,
) -> Result<TrustedKey, TrustError> {
    let bad = |reason: &str| TrustError::BadEntry {
        entry: entry.to_owned(),
        reason: reason.to_owned(),
    };
    let Value::Scalar(scalar) = value else {
        return Err(bad("not a text value"));
    };
    let ScalarValue::Str(json) = scalar.as_ref() else {
        return Err(bad("not a text value"));
    };
    let record: KeyRecord = serde_json::from_str(json).map_err(|e| bad(&e.to_string()))?;
    if record.key_id != key_id {
        return Err(bad("key id does not match the entry"));
    }
    let public_key = HEXLOWER_PERMISSIVE
        .decode(record.public_key.as_bytes())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| bad("public key is not 64 hexadecimal digits"))?;
    Ok(TrustedKey {
        key_id,
        public_key,
        valid_from: record.valid_from,
        valid_until: record.valid_until,
    })
}

/// One key from the conflicting values of an entry (see the module
/// documentation); `None` if none was readable.
fn merge_key_records(
    entry: &str,
    records: &[TrustedKey],
) -> Result<Option<TrustedKey>, TrustError> {
    let Some((first, rest)) = records.split_first() else {
        return Ok(None);
    };
    let mut merged = *first;
    for other in rest {
        if other.public_key != merged.public_key {
            return Err(TrustError::ConflictingKeys {
                entry: entry.to_owned(),
            });
        }
        merged.valid_from = merged.valid_from.max(other.valid_from);
        merged.valid_until = merged.valid_until.min(other.valid_until);
    }
    Ok(Some(merged))
}

/// Adds a signing key to the trust list document, or updates the validity
/// of a key already there (the same public key under the same id).
///
/// Refuses an unusable public key, and a key id that already names another
/// public key: passes refer to keys by id, so ids are never reused.
pub fn add_trusted_key(doc: &mut AutoCommit, key: &TrustedKey) -> Result<(), TrustError> {
    key.verifying_key()?;
    let entry = key.key_id.to_string();
    for (value, _) in doc.get_all(ROOT, entry.as_str())? {
        if let Ok(existing) = parse_key_record(&entry, key.key_id, &value) {
            if existing.public_key != key.public_key {
                return Err(TrustError::KeyIdTaken(key.key_id));
            }
        }
    }
    let record = KeyRecord {
        key_id: key.key_id,
        public_key: HEXLOWER.encode(&key.public_key),
        valid_from: key.valid_from,
        valid_until: key.valid_until,
    };
    let json = serde_json::to_string(&record).map_err(|e| TrustError::BadEntry {
        entry: entry.clone(),
        reason: e.to_string(),
    })?;
    doc.put(ROOT, entry.as_str(), json)?;
    Ok(())
}

/// Retires a key early: from `at` on, it vouches for no pass, including the
/// ones it signed before. For a lost or leaked issuing key.
///
/// Never extends a key's validity; a key id not in the list is left alone.
pub fn retire_key(doc: &mut AutoCommit, key_id: KeyId, at: Timestamp) -> Result<(), TrustError> {
    let Some(mut key) = TrustList::load(doc)?.key(key_id).copied() else {
        return Ok(());
    };
    if at < key.valid_until {
        key.valid_until = at;
        add_trusted_key(doc, &key)?;
    }
    Ok(())
}

/// The synced revocations: for each reissued pass id, the lowest serial
/// still valid. Cards with a lower serial are refused.
///
/// An owned snapshot: reload it when the document changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocations {
    lowest_valid: BTreeMap<PassId, u32>,
    problems: Vec<String>,
}

impl Revocations {
    /// Reads the revocations from their document, taking the highest of
    /// concurrently written serials and skipping unreadable entries.
    ///
    /// ```
    /// use automerge::AutoCommit;
    /// use hiroba_engine::ids::PassId;
    /// use hiroba_engine::trust::{revoke_below, Revocations};
    ///
    /// let pass = PassId([1, 2, 3, 4, 5, 6, 7, 8]);
    /// let mut doc = AutoCommit::new();
    /// revoke_below(&mut doc, pass, 2)?; // the card was reissued as serial 2
    /// let revocations = Revocations::load(&doc)?;
    /// assert!(revocations.is_revoked(pass, 1));
    /// assert!(!revocations.is_revoked(pass, 2));
    /// # Ok::<(), hiroba_engine::trust::TrustError>(())
    /// ```
    pub fn load(doc: &AutoCommit) -> Result<Revocations, TrustError> {
        let mut revocations = Revocations::default();
        for entry in doc.keys(ROOT) {
            let Some(pass) = parse_pass_entry(&entry) else {
                continue;
            };
            let (serial, problem) = highest_serial(doc, &entry)?;
            if let Some(serial) = serial {
                revocations.lowest_valid.insert(pass, serial);
            }
            if let Some(problem) = problem {
                revocations.problems.push(problem.to_string());
            }
        }
        Ok(revocations)
    }

    /// The lowest serial of this pass id still valid, if it was ever reissued.
    pub fn lowest_valid_serial(&self, id: PassId) -> Option<u32> {
        self.lowest_valid.get(&id).copied()
    }

    /// Whether the card with this pass id and serial was replaced.
    pub fn is_revoked(&self, id: PassId, serial: u32) -> bool {
        self.lowest_valid_serial(id)
            .is_some_and(|lowest| serial < lowest)
    }

    /// Every revoked pass id and its lowest valid serial.
    pub fn iter(&self) -> impl Iterator<Item = (PassId, u32)> + '_ {
        self.lowest_valid.iter().map(|(id, serial)| (*id, *serial))
    }

    /// The number of pass ids with revocations.
    pub fn len(&self) -> usize {
        self.lowest_valid.len()
    }

    /// Whether nothing was ever revoked.
    pub fn is_empty(&self) -> bool {
        self.lowest_valid.is_empty()
    }

    /// Entries skipped at load, worded for the staff console.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// Only the canonical lower-case spelling of a pass id is an entry.
fn parse_pass_entry(entry: &str) -> Option<PassId> {
    let id: PassId = entry.parse().ok()?;
    (id.to_string() == entry).then_some(id)
}

/// The highest readable serial among an entry's conflicting values, and a
/// problem if some value was unreadable.
fn highest_serial(
    doc: &AutoCommit,
    entry: &str,
) -> Result<(Option<u32>, Option<TrustError>), TrustError> {
    let mut highest: Option<u32> = None;
    let mut problem = None;
    for (value, _) in doc.get_all(ROOT, entry)? {
        let serial = match &value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Uint(n) => Some(*n),
                ScalarValue::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            },
            Value::Object(_) => None,
        };
        match serial {
            // A serial beyond u32 revokes every card of the pass id but the
            // last possible one; clamp rather than ignore it.
            Some(n) => {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                highest = Some(highest.map_or(n, |h| h.max(n)));
            }
            None => {
                problem = Some(TrustError::BadRevocation {
                    entry: entry.to_owned(),
                })
            }
        }
    }
    Ok((highest, problem))
}

/// Revokes every card of `pass` with a serial below `lowest_valid_serial`,
/// as reissuing a card does (the new card has that serial).
///
/// Never lowers an existing revocation: asking for less than is already
/// revoked changes nothing.
pub fn revoke_below(
    doc: &mut AutoCommit,
    pass: PassId,
    lowest_valid_serial: u32,
) -> Result<(), TrustError> {
    let entry = pass.to_string();
    let (current, _) = highest_serial(doc, &entry)?;
    if current.is_some_and(|c| c >= lowest_valid_serial) {
        return Ok(());
    }
    doc.put(
        ROOT,
        entry.as_str(),
        ScalarValue::Uint(u64::from(lowest_valid_serial)),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ActorId;
    use proptest::prelude::*;

    fn key(id: u16, seed: u8, from: i64, until: i64) -> TrustedKey {
        TrustedKey::for_signing_key(
            &SigningKey::from_bytes(&[seed; 32]),
            KeyId(id),
            Timestamp(from),
            Timestamp(until),
        )
    }

    fn replica(actor: u8) -> AutoCommit {
        AutoCommit::new().with_actor(ActorId::from([actor; 16]))
    }

    fn merged(a: &mut AutoCommit, b: &mut AutoCommit) {
        a.merge(b).expect("merge a<-b");
        b.merge(a).expect("merge b<-a");
    }

    #[test]
    fn keys_round_trip_through_the_document() {
        let (k1, k2) = (key(1, 7, 100, 200), key(2, 8, 150, 400));
        let mut doc = replica(1);
        add_trusted_key(&mut doc, &k2).expect("add");
        add_trusted_key(&mut doc, &k1).expect("add");
        let saved = AutoCommit::load(&doc.save()).expect("reload");
        let list = TrustList::load(&saved).expect("load");
        assert_eq!(list.keys().copied().collect::<Vec<_>>(), vec![k1, k2]);
        assert_eq!(list.key(KeyId(2)), Some(&k2));
        assert_eq!(list.len(), 2);
        assert!(list.problems().is_empty());
        let from_keys = TrustList::from_keys([k1, k2]).expect("from keys");
        assert_eq!(
            from_keys.keys().collect::<Vec<_>>(),
            list.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn key_ids_are_never_reused_but_validity_can_change() {
        let mut doc = replica(1);
        add_trusted_key(&mut doc, &key(1, 7, 100, 200)).expect("add");
        assert!(matches!(
            add_trusted_key(&mut doc, &key(1, 8, 100, 200)),
            Err(TrustError::KeyIdTaken(KeyId(1)))
        ));
        add_trusted_key(&mut doc, &key(1, 7, 100, 300)).expect("extend");
        retire_key(&mut doc, KeyId(1), Timestamp(250)).expect("retire");
        retire_key(&mut doc, KeyId(1), Timestamp(280)).expect("no extension");
        retire_key(&mut doc, KeyId(9), Timestamp(280)).expect("absent key");
        let list = TrustList::load(&doc).expect("load");
        assert_eq!(list.key(KeyId(1)), Some(&key(1, 7, 100, 250)));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn unusable_keys_are_refused() {
        // The identity point is a small-order ("weak") key.
        let mut weak = key(1, 7, 0, 10);
        weak.public_key = [0; 32];
        weak.public_key[0] = 1;
        let mut doc = replica(1);
        assert!(matches!(
            add_trusted_key(&mut doc, &weak),
            Err(TrustError::UnusablePublicKey { .. })
        ));
        assert!(TrustList::from_keys([weak]).is_err());
    }

    #[test]
    fn unreadable_entries_are_skipped_and_reported() {
        let mut doc = replica(1);
        add_trusted_key(&mut doc, &key(1, 7, 0, 10)).expect("add");
        let good_k2 = serde_json::to_string(&KeyRecord {
            key_id: KeyId(2),
            public_key: HEXLOWER.encode(&key(2, 8, 0, 1).public_key),
            valid_from: Timestamp(0),
            valid_until: Timestamp(1),
        })
        .expect("json");
        let cases: [(&str, ScalarValue); 6] = [
            ("K3", ScalarValue::Str("not json".into())),
            ("K4", ScalarValue::Int(3)),
            ("K5", ScalarValue::Str(good_k2.clone().into())),
            (
                "K6",
                ScalarValue::Str(
                    good_k2
                        .replace("\"public_key\":\"", "\"public_key\":\"zz")
                        .into(),
                ),
            ),
            ("K01", ScalarValue::Str(good_k2.into())),
            ("notes", ScalarValue::Str("for people".into())),
        ];
        for (entry, value) in cases {
            doc.put(ROOT, entry, value).expect("put");
        }
        let list = TrustList::load(&doc).expect("load despite bad entries");
        assert_eq!(
            list.keys().map(|k| k.key_id).collect::<Vec<_>>(),
            vec![KeyId(1)]
        );
        let problems = list.problems().join("\n");
        for entry in ["K3", "K4", "K5", "K6"] {
            assert!(problems.contains(entry), "{entry} in {problems}");
        }
        assert_eq!(list.problems().len(), 4, "{problems}");
    }

    #[test]
    fn concurrent_key_edits_resolve_conservatively() {
        let mut a = replica(1);
        add_trusted_key(&mut a, &key(1, 7, 100, 1000)).expect("add");
        let mut b = a.fork().with_actor(ActorId::from([2; 16]));
        // Same key: one admin extends, another retires early.
        add_trusted_key(&mut a, &key(1, 7, 100, 2000)).expect("extend");
        retire_key(&mut b, KeyId(1), Timestamp(500)).expect("retire");
        // Different public keys raced under one new id.
        add_trusted_key(&mut a, &key(3, 9, 0, 10)).expect("add on a");
        add_trusted_key(&mut b, &key(3, 10, 0, 10)).expect("add on b");
        merged(&mut a, &mut b);
        for doc in [&a, &b] {
            assert_eq!(
                doc.get_all(ROOT, "K1").expect("read").len(),
                2,
                "a real conflict"
            );
            let list = TrustList::load(doc).expect("load");
            assert_eq!(list.key(KeyId(1)), Some(&key(1, 7, 100, 500)));
            assert_eq!(list.key(KeyId(3)), None);
            assert!(list.problems().iter().any(|p| p.contains("K3")));
        }
    }

    #[test]
    fn concurrent_revocations_converge_to_the_highest_serial() {
        let pass = PassId([1, 2, 3, 4, 5, 6, 7, 8]);
        let mut a = replica(1);
        revoke_below(&mut a, pass, 2).expect("revoke");
        let mut b = a.fork().with_actor(ActorId::from([2; 16]));
        // Room 1 reissues twice while offline; room 2 once — in either order
        // of actor ids the higher serial must win.
        revoke_below(&mut a, pass, 7).expect("revoke");
        revoke_below(&mut b, pass, 5).expect("revoke");
        merged(&mut a, &mut b);
        for doc in [&a, &b] {
            assert_eq!(
                doc.get_all(ROOT, pass.to_string().as_str())
                    .expect("read")
                    .len(),
                2
            );
            let revocations = Revocations::load(doc).expect("load");
            assert_eq!(revocations.lowest_valid_serial(pass), Some(7));
            assert!(revocations.is_revoked(pass, 6));
            assert!(!revocations.is_revoked(pass, 7));
        }
        // Revocation never goes backwards on one replica either.
        revoke_below(&mut a, pass, 3).expect("no-op");
        assert_eq!(
            Revocations::load(&a)
                .expect("load")
                .lowest_valid_serial(pass),
            Some(7)
        );
        revoke_below(&mut a, pass, 8).expect("raise");
        assert_eq!(
            Revocations::load(&a)
                .expect("load")
                .lowest_valid_serial(pass),
            Some(8)
        );
    }

    #[test]
    fn revocation_entries_are_read_leniently_and_conservatively() {
        let mut doc = replica(1);
        let cases: [(&str, ScalarValue, Option<u32>); 5] = [
            ("0000000000000001", ScalarValue::Uint(4), Some(4)),
            ("0000000000000002", ScalarValue::Int(9), Some(9)),
            (
                "0000000000000003",
                ScalarValue::Uint(u64::MAX),
                Some(u32::MAX),
            ),
            ("0000000000000004", ScalarValue::Int(-1), None),
            ("0000000000000005", ScalarValue::Str("5".into()), None),
        ];
        for (entry, value, _) in &cases {
            doc.put(ROOT, *entry, value.clone()).expect("put");
        }
        doc.put(ROOT, "00000000000000AA", 3u64).expect("put");
        let revocations = Revocations::load(&doc).expect("load");
        for (entry, _, want) in &cases {
            let id: PassId = entry.parse().expect("pass id");
            assert_eq!(revocations.lowest_valid_serial(id), *want, "{entry}");
        }
        assert_eq!(revocations.len(), 3, "non-canonical ids are not entries");
        assert_eq!(revocations.problems().len(), 2);
        assert!(!revocations.is_revoked(PassId([9; 8]), 0));
    }

    proptest! {
        #[test]
        fn replicas_converge_to_the_maximum_whatever_the_interleaving(
            ops in proptest::collection::vec((0u8..2, 0u8..4, 0u32..20), 0..30),
        ) {
            let mut a = replica(1);
            let mut b = replica(2);
            let mut want: BTreeMap<PassId, u32> = BTreeMap::new();
            for (side, id, serial) in ops {
                let pass = PassId([id; 8]);
                let doc = if side == 0 { &mut a } else { &mut b };
                revoke_below(doc, pass, serial).expect("revoke");
                let w = want.entry(pass).or_insert(serial);
                *w = (*w).max(serial);
            }
            merged(&mut a, &mut b);
            for doc in [&a, &b] {
                let got: BTreeMap<PassId, u32> = Revocations::load(doc).expect("load").iter().collect();
                prop_assert_eq!(&got, &want);
            }
        }
    }
}
