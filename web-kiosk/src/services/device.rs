//! This device's enrolment: its Ed25519 key, the pairing code exchange and
//! the session renewal by challenge-response (docs/API.md, "Devices").

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};

use crate::services::api::{ApiError, Method, request_json};

/// What the relay told this device when it enrolled, plus its private key,
/// kept in IndexedDB under `device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub device_id: String,
    /// `R01`…
    pub room: String,
    /// `kiosk` or `staff`.
    pub role: String,
    pub name: String,
    /// The Ed25519 secret key, hex. It never leaves the device.
    pub secret_key: String,
}

impl Enrolment {
    fn signing_key(&self) -> Result<SigningKey, ApiError> {
        let bytes = hex_decode(&self.secret_key)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| ApiError::Body("stored device key".to_owned()))?;
        Ok(SigningKey::from_bytes(&bytes))
    }
}

/// Fresh random bytes from the browser's CSPRNG.
pub fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Body(format!("random: {e}")))?;
    Ok(bytes)
}

#[derive(Serialize)]
struct Redeem<'a> {
    code: &'a str,
    public_key: String,
    name: &'a str,
}

#[derive(Deserialize)]
struct Redeemed {
    device_id: String,
    room: String,
    role: String,
    name: String,
}

/// Spends a pairing code: makes this device's key pair and enrols it.
pub async fn redeem(code: &str, name: &str) -> Result<Enrolment, ApiError> {
    let key = SigningKey::from_bytes(&random::<32>()?);
    let body = Redeem {
        code,
        public_key: hex(key.verifying_key().as_bytes()),
        name,
    };
    let r: Redeemed = request_json(Method::Post, "/api/devices/redeem", None, Some(&body)).await?;
    Ok(Enrolment {
        device_id: r.device_id,
        room: r.room,
        role: r.role,
        name: r.name,
        secret_key: hex(&key.to_bytes()),
    })
}

#[derive(Serialize)]
struct ChallengeRequest<'a> {
    device_id: &'a str,
}

#[derive(Deserialize)]
struct Challenge {
    challenge: String,
}

#[derive(Serialize)]
struct SessionRequest<'a> {
    device_id: &'a str,
    challenge: &'a str,
    signature: String,
}

#[derive(Deserialize)]
struct Session {
    token: Option<String>,
}

/// A new session token for an enrolled kiosk, proven with its key.
/// `Ok(None)` for a staff device (the person logs in instead).
pub async fn new_session(device: &Enrolment) -> Result<Option<String>, ApiError> {
    let key = device.signing_key()?;
    let c: Challenge = request_json(
        Method::Post,
        "/api/devices/challenge",
        None,
        Some(&ChallengeRequest {
            device_id: &device.device_id,
        }),
    )
    .await?;
    let message = hiroba_engine::device::session_message(&c.challenge, &device.device_id);
    let body = SessionRequest {
        device_id: &device.device_id,
        challenge: &c.challenge,
        signature: hex(&key.sign(&message).to_bytes()),
    };
    let s: Session = request_json(Method::Post, "/api/devices/session", None, Some(&body)).await?;
    Ok(s.token)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_key_signs_what_the_relay_checks() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let device = Enrolment {
            device_id: "9a1c4e2f7b3d5a60".into(),
            room: "R01".into(),
            role: "kiosk".into(),
            name: "受付1".into(),
            secret_key: hex(&key.to_bytes()),
        };
        let restored = device.signing_key().expect("stored key reads back");
        assert_eq!(restored.verifying_key(), key.verifying_key());
        let message = hiroba_engine::device::session_message("00ff", &device.device_id);
        assert!(
            key.verifying_key()
                .verify_strict(&message, &restored.sign(&message))
                .is_ok()
        );
        let broken = Enrolment {
            secret_key: "zz".into(),
            ..device
        };
        assert!(broken.signing_key().is_err());
    }
}
