//! The city's pass-signing keys and pass issuance.
//!
//! **Invariant:** the private signing key never leaves the relay's data
//! directory; kiosks learn only the public key, through the synced trust
//! list document.

use automerge::{ActorId, AutoCommit};
use ed25519_dalek::SigningKey;
use hiroba_engine::calendar::{Timestamp, YearMonth};
use hiroba_engine::ids::{CityCode, DocId, KeyId, PassId, RoomId};
use hiroba_engine::pass::{PassClaims, PassKind, SignedPass};
use hiroba_engine::trust::{TrustList, TrustedKey, add_trusted_key};

use crate::store::{Store, StoreError};

/// How long a signing key is trusted after it is made (five years).
const KEY_LIFETIME_SECONDS: i64 = 5 * 365 * 86_400;
/// How long a pass is valid after it is issued (three years).
const PASS_LIFETIME_SECONDS: i64 = 3 * 365 * 86_400;

/// Why a pass could not be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The operating system gave no random bytes.
    #[error("no randomness available: {0}")]
    Random(String),
    /// The pass asked for cannot be encoded (too many rooms or children).
    #[error("cannot issue this pass: {0}")]
    Invalid(String),
    /// A stored document or key is damaged.
    #[error("stored {what} is damaged: {reason}")]
    Damaged {
        /// Which record.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// Fresh random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], IssueError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| IssueError::Random(e.to_string()))?;
    Ok(out)
}

/// The relay's automerge actor id, made once and kept for the data dir's life.
pub fn relay_actor(store: &Store) -> Result<ActorId, IssueError> {
    if let Some(hex) = store.meta::<String>("actor")? {
        if let Some(bytes) = decode_hex(&hex) {
            return Ok(ActorId::from(bytes));
        }
    }
    let bytes = random_bytes::<16>()?;
    store.put_meta("actor", &encode_hex(&bytes))?;
    Ok(ActorId::from(bytes.to_vec()))
}

/// Signs passes with the city's current key.
#[derive(Debug)]
pub struct Issuer {
    city: CityCode,
    key_id: KeyId,
    key: SigningKey,
    key_valid_until: Timestamp,
}

impl Issuer {
    /// Loads the current signing key, making the first one (and listing it
    /// in the trust list) if the data dir has none yet.
    pub fn load_or_create(
        store: &Store,
        city: CityCode,
        now: Timestamp,
    ) -> Result<Issuer, IssueError> {
        if let Some(current) = store.meta::<CurrentKey>("current-key")? {
            let secret = store
                .secret(&format!("signing-key/{}", current.key_id.0))?
                .ok_or_else(|| IssueError::Damaged {
                    what: "signing key",
                    reason: "the current key's secret is missing".to_owned(),
                })?;
            let secret: [u8; 32] = secret.try_into().map_err(|_| IssueError::Damaged {
                what: "signing key",
                reason: "not 32 bytes".to_owned(),
            })?;
            return Ok(Issuer {
                city,
                key_id: current.key_id,
                key: SigningKey::from_bytes(&secret),
                key_valid_until: current.valid_until,
            });
        }
        let key_id = KeyId(1);
        let secret = random_bytes::<32>()?;
        let key = SigningKey::from_bytes(&secret);
        let valid_until = now.plus_seconds(KEY_LIFETIME_SECONDS);
        let trusted = TrustedKey {
            key_id,
            public_key: key.verifying_key().to_bytes(),
            // A day of slack so a kiosk whose clock runs a little behind
            // still accepts passes issued today.
            valid_from: now.plus_seconds(-86_400),
            valid_until,
        };
        let mut trust = load_doc(store, &DocId::trust_list(), relay_actor(store)?)?;
        add_trusted_key(&mut trust, &trusted).map_err(|e| IssueError::Damaged {
            what: "trust list",
            reason: e.to_string(),
        })?;
        // Secret first: a trust list naming a key the relay cannot use is
        // harmless, a key in use that kiosks do not trust is not.
        store.put_secret(&format!("signing-key/{}", key_id.0), &secret)?;
        store.replace_with_snapshot(&DocId::trust_list(), &trust.save())?;
        store.put_meta(
            "current-key",
            &CurrentKey {
                key_id,
                valid_until,
            },
        )?;
        Ok(Issuer {
            city,
            key_id,
            key,
            key_valid_until: valid_until,
        })
    }

    /// The id of the key that signs now.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Makes a new signing key current and adds it to the trust list.
    ///
    /// The old key stays in the trust list with its own validity, so passes
    /// it signed keep verifying until it expires; only new signatures use
    /// the new key. The new key's id is one above every id in the list, as
    /// ids are never reused.
    pub fn rotate(&mut self, store: &Store, now: Timestamp) -> Result<TrustedKey, IssueError> {
        let mut trust = load_doc(store, &DocId::trust_list(), relay_actor(store)?)?;
        let damaged = |e: hiroba_engine::trust::TrustError| IssueError::Damaged {
            what: "trust list",
            reason: e.to_string(),
        };
        let highest = TrustList::load(&trust)
            .map_err(damaged)?
            .keys()
            .map(|k| k.key_id.0)
            .max()
            .unwrap_or(0)
            .max(self.key_id.0);
        let key_id = KeyId(
            highest
                .checked_add(1)
                .ok_or_else(|| IssueError::Invalid("no key id left".to_owned()))?,
        );
        let secret = random_bytes::<32>()?;
        let key = SigningKey::from_bytes(&secret);
        let valid_until = now.plus_seconds(KEY_LIFETIME_SECONDS);
        let trusted = TrustedKey {
            key_id,
            public_key: key.verifying_key().to_bytes(),
            valid_from: now.plus_seconds(-86_400),
            valid_until,
        };
        add_trusted_key(&mut trust, &trusted).map_err(damaged)?;
        // The same order as the first key: secret, trust list, then the
        // switch, so the relay never signs with a key kiosks cannot trust.
        store.put_secret(&format!("signing-key/{}", key_id.0), &secret)?;
        store.replace_with_snapshot(&DocId::trust_list(), &trust.save())?;
        store.put_meta(
            "current-key",
            &CurrentKey {
                key_id,
                valid_until,
            },
        )?;
        self.key_id = key_id;
        self.key = key;
        self.key_valid_until = valid_until;
        Ok(trusted)
    }

    /// Issues a pass with a fresh pseudonymous id.
    pub fn issue(&self, request: &PassRequest, now: Timestamp) -> Result<SignedPass, IssueError> {
        let pass_id = PassId(random_bytes::<8>()?);
        self.sign(pass_id, 1, request, now)
    }

    /// Signs a pass for an existing id and serial (reissue uses serial + 1).
    pub fn sign(
        &self,
        pass_id: PassId,
        serial: u32,
        request: &PassRequest,
        now: Timestamp,
    ) -> Result<SignedPass, IssueError> {
        let valid_until = now
            .plus_seconds(PASS_LIFETIME_SECONDS)
            .min(self.key_valid_until);
        PassClaims {
            city: self.city,
            pass_id,
            serial,
            key_id: self.key_id,
            kind: request.kind,
            rooms: request.rooms.clone(),
            guardians: request.guardians,
            children: request.children.clone(),
            valid_from: now.plus_seconds(-300),
            valid_until,
        }
        .try_sign(&self.key)
        .map_err(|e| IssueError::Invalid(e.to_string()))
    }
}

/// What a pass should say, before it gets an id and a signature.
#[derive(Debug, Clone)]
pub struct PassRequest {
    /// Phone pass, printed family card or a child's card.
    pub kind: PassKind,
    /// The rooms the family registered for (本登録).
    pub rooms: Vec<RoomId>,
    /// How many guardians usually come.
    pub guardians: u8,
    /// The children's birth year-months.
    pub children: Vec<YearMonth>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct CurrentKey {
    key_id: KeyId,
    valid_until: Timestamp,
}

/// Loads a stored document (or an empty one) with the relay's actor.
pub fn load_doc(store: &Store, id: &DocId, actor: ActorId) -> Result<AutoCommit, IssueError> {
    let doc = match store.doc_bytes(id)? {
        Some(bytes) => AutoCommit::load(&bytes).map_err(|e| IssueError::Damaged {
            what: "document",
            reason: format!("{id}: {e}"),
        })?,
        None => AutoCommit::new(),
    };
    Ok(doc.with_actor(actor))
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}
