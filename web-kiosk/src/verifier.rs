//! The kiosk's pass checker: the city's trust and revocation lists, loaded
//! from their automerge documents, and the engine's `verify_scan` over them.
//!
//! The loaded verifier is also kept in a thread-local so the JS exports in
//! `lib.rs` (the browser benchmark, tests) use exactly what the screen uses.

use std::cell::RefCell;
use std::rc::Rc;

use automerge::AutoCommit;
use hiroba_engine::calendar::{ChildAge, Timestamp};
use hiroba_engine::ids::{CityCode, RoomId};
use hiroba_engine::pass::{PassClaims, Rejection, VerifyContext, verify_scan};
use hiroba_engine::trust::{Revocations, TrustList};

use crate::state::ScanOutcome;

/// Checks passes for one room of one city, offline.
#[derive(Debug)]
pub struct Verifier {
    city: CityCode,
    room: RoomId,
    trust: TrustList,
    revocations: Revocations,
}

impl Verifier {
    /// Reads the trust and revocation documents (automerge bytes).
    pub fn from_docs(
        city: CityCode,
        room: RoomId,
        trust_doc: &[u8],
        revocations_doc: &[u8],
    ) -> Result<Verifier, String> {
        let trust_doc = AutoCommit::load(trust_doc).map_err(|e| format!("trust list: {e}"))?;
        let trust = TrustList::load(&trust_doc).map_err(|e| format!("trust list: {e}"))?;
        let revocations_doc =
            AutoCommit::load(revocations_doc).map_err(|e| format!("revocations: {e}"))?;
        let revocations =
            Revocations::load(&revocations_doc).map_err(|e| format!("revocations: {e}"))?;
        Ok(Verifier {
            city,
            room,
            trust,
            revocations,
        })
    }

    /// Reads the trust and revocation documents already in memory (an
    /// absent revocations document revokes nothing).
    pub fn from_loaded(
        city: CityCode,
        room: RoomId,
        trust_doc: &AutoCommit,
        revocations_doc: Option<&AutoCommit>,
    ) -> Result<Verifier, String> {
        let trust = TrustList::load(trust_doc).map_err(|e| format!("trust list: {e}"))?;
        let revocations = match revocations_doc {
            Some(doc) => Revocations::load(doc).map_err(|e| format!("revocations: {e}"))?,
            None => Revocations::default(),
        };
        Ok(Verifier {
            city,
            room,
            trust,
            revocations,
        })
    }

    /// The engine's verdict on scanned text at `now`.
    pub fn verify(&self, raw: &str, now: Timestamp) -> Result<PassClaims, Rejection> {
        let ctx = VerifyContext {
            city: self.city,
            room: self.room,
            trust: &self.trust,
            revocations: &self.revocations,
        };
        verify_scan(raw, &ctx, now)
    }

    /// What the screen shows for scanned text at `now`.
    pub fn outcome(&self, raw: &str, now: Timestamp) -> ScanOutcome {
        match self.verify(raw, now) {
            Ok(claims) => {
                let today = now.jst_date();
                ScanOutcome::Accepted {
                    children: claims
                        .children
                        .iter()
                        .map(|birth| ChildAge::of(*birth, today))
                        .collect(),
                    guardians: u32::from(claims.guardians),
                }
            }
            Err(rejection) => ScanOutcome::Rejected {
                code: rejection.code().to_string(),
                message_ja: rejection.message_ja().to_string(),
                message_en: rejection.message_en().to_string(),
            },
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Verifier>>> = const { RefCell::new(None) };
}

/// Makes `verifier` the one the JS exports use.
pub fn install(verifier: Rc<Verifier>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(verifier));
}

/// The verifier the screen is using, once the trust list has loaded.
pub fn current() -> Option<Rc<Verifier>> {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;
    use ed25519_dalek::SigningKey;
    use hiroba_engine::calendar::{Date, YearMonth};
    use hiroba_engine::ids::{KeyId, PassId};
    use hiroba_engine::pass::{PassClaims, PassKind};
    use hiroba_engine::trust::{TrustedKey, add_trusted_key, revoke_below};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const CITY: CityCode = CityCode(121_002);

    fn jst(y: i32, m: u32, d: u32, hour: u32) -> Result<Timestamp, Box<dyn std::error::Error>> {
        Ok(Timestamp::from_jst(Date::new(y, m, d)?, hour, 0))
    }

    /// A verifier for `room`, trusting K1, through real automerge documents.
    fn verifier(
        room: RoomId,
        key: &SigningKey,
        revoked: Option<(PassId, u32)>,
    ) -> Result<Verifier, Box<dyn std::error::Error>> {
        let mut trust = AutoCommit::new();
        let k1 =
            TrustedKey::for_signing_key(key, KeyId(1), jst(2026, 1, 1, 0)?, jst(2028, 4, 1, 0)?);
        add_trusted_key(&mut trust, &k1)?;
        let mut revs = AutoCommit::new();
        if let Some((id, serial)) = revoked {
            revoke_below(&mut revs, id, serial)?;
        }
        Ok(Verifier::from_docs(
            CITY,
            room,
            &trust.save(),
            &revs.save(),
        )?)
    }

    fn pass_text(key: &SigningKey) -> Result<String, Box<dyn std::error::Error>> {
        let claims = PassClaims {
            city: CITY,
            pass_id: PassId([1, 2, 3, 4, 5, 6, 7, 8]),
            serial: 1,
            key_id: KeyId(1),
            kind: PassKind::AppPass,
            rooms: vec![RoomId(3)],
            guardians: 2,
            children: vec![YearMonth::new(2024, 8)?, YearMonth::new(2018, 2)?],
            valid_from: jst(2026, 4, 1, 0)?,
            valid_until: jst(2027, 4, 1, 0)?,
        };
        Ok(claims.sign(key).to_text())
    }

    #[test]
    fn an_accepted_pass_shows_ages_and_the_guardian_count() -> TestResult {
        let key = SigningKey::from_bytes(&[7; 32]);
        let v = verifier(RoomId(3), &key, None)?;
        let outcome = v.outcome(&format!("{}\r\n", pass_text(&key)?), jst(2026, 11, 24, 10)?);
        let ScanOutcome::Accepted {
            children,
            guardians,
        } = outcome
        else {
            return Err(format!("expected acceptance, got {outcome:?}").into());
        };
        let labels: Vec<String> = children.iter().map(|c| c.label_ja()).collect();
        assert_eq!(labels, ["2歳3ヶ月", "小3"]);
        assert_eq!(guardians, 2);
        Ok(())
    }

    fn rejection_code(outcome: ScanOutcome) -> String {
        match outcome {
            ScanOutcome::Rejected { code, .. } => code,
            ScanOutcome::Accepted { .. } => "accepted".to_owned(),
        }
    }

    #[test]
    fn rejections_carry_the_engines_code_and_words() -> TestResult {
        let key = SigningKey::from_bytes(&[7; 32]);
        let text = pass_text(&key)?;
        let now = jst(2026, 11, 24, 10)?;
        let other_room = verifier(RoomId(1), &key, None)?;
        assert_eq!(rejection_code(other_room.outcome(&text, now)), "wrong_room");
        let revoked = verifier(RoomId(3), &key, Some((PassId([1, 2, 3, 4, 5, 6, 7, 8]), 2)))?;
        assert_eq!(rejection_code(revoked.outcome(&text, now)), "revoked");
        let forged = verifier(RoomId(3), &SigningKey::from_bytes(&[9; 32]), None)?;
        assert_eq!(rejection_code(forged.outcome(&text, now)), "bad_signature");
        let ScanOutcome::Rejected {
            message_ja,
            message_en,
            ..
        } = other_room.outcome("4901234567894", now)
        else {
            return Err("a shop barcode was accepted".into());
        };
        assert!(!message_ja.is_empty() && !message_en.is_empty());
        Ok(())
    }

    #[test]
    fn unreadable_documents_are_an_error_not_a_panic() {
        assert!(Verifier::from_docs(CITY, RoomId(1), b"not automerge", b"").is_err());
    }
}
