//! Device enrolment (SPEC §3.12): one-time pairing codes, device keys and
//! challenge-response sessions.
//!
//! An administrator makes a pairing code for a room and a role. The kiosk
//! or staff browser makes an Ed25519 key pair (the private key never leaves
//! it) and redeems the code with the public key; the code then is spent.
//! To get a session the device asks for a challenge and signs
//! [`session_message`] with its key. Revoking a device ends its sessions.
//!
//! A kiosk's signature yields a kiosk session for its room. A staff device
//! proves only that the browser is an enrolled staff PC: the person at it
//! still logs in with a staff account, so its challenge-response answers no
//! session token.

use ed25519_dalek::{Signature, VerifyingKey};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::RoomId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::credentials::{new_pairing_code, normalize_code, random_hex};
use super::error::{AccountError, FieldErrors, Message, conflicts};
use super::throttle::PER_ADDRESS;
use super::{Ctx, json, parse, records};
use crate::auth::{DEVICE_SESSION_SECONDS, Identity};

/// How long a pairing code may be redeemed after it is made.
pub const PAIRING_CODE_SECONDS: i64 = 24 * 3600;
/// How long a challenge may be answered.
pub const CHALLENGE_SECONDS: i64 = 120;
pub use hiroba_engine::device::{SESSION_DOMAIN, session_message};

/// What an enrolled device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// A check-in tablet of one room.
    Kiosk,
    /// A staff PC or tablet (staff still log in on it).
    Staff,
}

/// A pairing code waiting to be redeemed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairingCode {
    /// The room the device will serve.
    pub room: RoomId,
    /// Kiosk or staff device.
    pub role: DeviceRole,
    /// The administrator who made it.
    pub created_by: String,
    /// Until when it may be redeemed.
    pub expires_at: Timestamp,
}

/// An enrolled device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// Random id, 16 hex digits.
    pub device_id: String,
    /// Its room.
    pub room: RoomId,
    /// Kiosk or staff device.
    pub role: DeviceRole,
    /// A name staff recognise it by (e.g. 受付1).
    pub name: String,
    /// Its Ed25519 public key, hex.
    pub public_key: String,
    /// When it was enrolled.
    pub enrolled_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Challenge {
    device_id: String,
    expires_at: Timestamp,
}

fn code_key(code: &str) -> String {
    format!("pair/{code}")
}

/// The record key of a device.
pub fn device_key(device_id: &str) -> String {
    format!("dev/{device_id}")
}

fn challenge_key(challenge: &str) -> String {
    format!("chal/{challenge}")
}

/// Makes and stores a pairing code (for the admin endpoint and the demo).
pub fn make_code(
    tree: &sled::Tree,
    room: RoomId,
    role: DeviceRole,
    created_by: &str,
    now: Timestamp,
) -> Result<(String, PairingCode), AccountError> {
    let code = new_pairing_code()?;
    let record = PairingCode {
        room,
        role,
        created_by: created_by.to_owned(),
        expires_at: now.plus_seconds(PAIRING_CODE_SECONDS),
    };
    records::put(tree, &code_key(&code), &record)?;
    Ok((code, record))
}

#[derive(Deserialize)]
struct CodeForm {
    room: String,
    role: DeviceRole,
}

/// `POST /api/admin/pairing-codes`: a one-time code for a room and role.
pub async fn create_code(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let admin = ctx.admin()?;
    let form: CodeForm = parse(&body)?;
    let room = form
        .room
        .parse::<RoomId>()
        .ok()
        .filter(|r| ctx.state.city.room(*r).is_some())
        .ok_or_else(|| field("room", "このルームはありません。", "There is no such room."))?;
    let (code, record) = make_code(
        &ctx.accounts().tree,
        room,
        form.role,
        &admin.account,
        ctx.now,
    )?;
    ctx.state.store.flush().await?;
    tracing::info!(%room, role = ?form.role, "pairing code made");
    Ok(json(
        StatusCode::CREATED,
        &json!({ "code": code, "room": room, "role": record.role, "expires_at": record.expires_at }),
    ))
}

fn field(name: &str, ja: &str, en: &str) -> AccountError {
    AccountError::Invalid(FieldErrors::from([(name.to_owned(), Message::new(ja, en))]))
}

/// A 32-byte Ed25519 public key from hex, refusing weak keys.
pub fn parse_public_key(hex: &str) -> Option<VerifyingKey> {
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.trim().as_bytes())
        .ok()?;
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes)
        .ok()
        .filter(|k| !k.is_weak())
}

#[derive(Deserialize)]
struct RedeemForm {
    code: String,
    public_key: String,
    #[serde(default)]
    name: String,
}

/// `POST /api/devices/redeem` (public): spends a pairing code and enrols
/// the device's public key. Failed codes count against the address.
pub async fn redeem(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: RedeemForm = parse(&body)?;
    let addr_key = ctx.addr_key();
    let throttle = &ctx.accounts().throttle;
    if let Some(retry_after_seconds) = throttle.wait(&[&addr_key], ctx.now.0) {
        return Err(AccountError::Throttled {
            retry_after_seconds,
        });
    }
    let key = parse_public_key(&form.public_key).ok_or_else(|| {
        field(
            "public_key",
            "端末の公開鍵が正しくありません。",
            "public_key must be a 32-byte Ed25519 public key in hex.",
        )
    })?;
    let name = form.name.trim().chars().take(40).collect::<String>();
    let device_id = random_hex::<8>()?;
    let code = normalize_code(&form.code, "", 3).unwrap_or_default();
    let now = ctx.now;
    let enrolled = records::transact(&ctx.accounts().tree, |tx| {
        let Some(pairing) = records::tx_get::<PairingCode>(tx, &code_key(&code))? else {
            return Ok(None);
        };
        tx.remove(code_key(&code).as_bytes())?;
        if pairing.expires_at <= now {
            // An expired code is spent too, so it can be tried no more.
            return Ok(None);
        }
        let device = Device {
            device_id: device_id.clone(),
            room: pairing.room,
            role: pairing.role,
            name: name.clone(),
            public_key: data_encoding::HEXLOWER.encode(key.as_bytes()),
            enrolled_at: now,
            revoked_at: None,
        };
        records::tx_put(tx, &device_key(&device_id), &device)?;
        Ok(Some(device))
    })?;
    let Some(device) = enrolled else {
        throttle.fail(&addr_key, PER_ADDRESS, ctx.now.0);
        return Err(AccountError::Conflict {
            code: "code_unusable",
            message: &conflicts::CODE_UNUSABLE,
        });
    };
    ctx.state.store.flush().await?;
    tracing::info!(device = %device.device_id, room = %device.room, role = ?device.role, "device enrolled");
    Ok(json(StatusCode::CREATED, &device_view(&device)))
}

fn device_view(device: &Device) -> serde_json::Value {
    json!({
        "device_id": device.device_id,
        "room": device.room,
        "role": device.role,
        "name": device.name,
        "public_key": device.public_key,
        "enrolled_at": device.enrolled_at,
        "revoked_at": device.revoked_at,
    })
}

fn load_device(ctx: &Ctx, device_id: &str) -> Result<Device, AccountError> {
    let device: Device = records::get(&ctx.accounts().tree, &device_key(device_id))?
        .ok_or(AccountError::NotFound { code: "no_device" })?;
    if device.revoked_at.is_some() {
        return Err(AccountError::Conflict {
            code: "device_revoked",
            message: &conflicts::DEVICE_REVOKED,
        });
    }
    Ok(device)
}

#[derive(Deserialize)]
struct ChallengeForm {
    device_id: String,
}

/// `POST /api/devices/challenge` (public): a fresh challenge for a device.
pub async fn challenge(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: ChallengeForm = parse(&body)?;
    let device = load_device(&ctx, &form.device_id)?;
    let challenge = random_hex::<32>()?;
    let expires_at = ctx.now.plus_seconds(CHALLENGE_SECONDS);
    records::put(
        &ctx.accounts().tree,
        &challenge_key(&challenge),
        &Challenge {
            device_id: device.device_id,
            expires_at,
        },
    )?;
    Ok(json(
        StatusCode::OK,
        &json!({ "challenge": challenge, "expires_at": expires_at }),
    ))
}

#[derive(Deserialize)]
struct SessionForm {
    device_id: String,
    challenge: String,
    signature: String,
}

/// `POST /api/devices/session` (public): the device's signature over
/// [`session_message`] for an unused challenge → a kiosk session.
pub async fn session(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: SessionForm = parse(&body)?;
    let device = load_device(&ctx, &form.device_id)?;
    // The challenge is spent whatever the outcome, so a signature can be
    // tried against it only once.
    let record_key = challenge_key(&form.challenge);
    let challenge = records::transact(&ctx.accounts().tree, |tx| {
        let challenge = records::tx_get::<Challenge>(tx, &record_key)?;
        tx.remove(record_key.as_bytes())?;
        Ok(challenge)
    })?;
    let unusable = AccountError::Conflict {
        code: "challenge_unusable",
        message: &conflicts::CHALLENGE_UNUSABLE,
    };
    let Some(challenge) =
        challenge.filter(|c| c.device_id == device.device_id && c.expires_at > ctx.now)
    else {
        return Err(unusable);
    };
    let key = parse_public_key(&device.public_key)
        .ok_or_else(|| AccountError::Internal("stored device key is damaged".to_owned()))?;
    let signature = data_encoding::HEXLOWER_PERMISSIVE
        .decode(form.signature.trim().as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    let valid = signature.is_some_and(|s| {
        key.verify_strict(&session_message(&form.challenge, &challenge.device_id), &s)
            .is_ok()
    });
    if !valid {
        tracing::info!(device = %device.device_id, "device signature refused");
        return Err(AccountError::BadCredentials);
    }
    match device.role {
        DeviceRole::Kiosk => {
            let identity = Identity::Kiosk {
                device: device.device_id.clone(),
                room: device.room,
            };
            let token = ctx.new_session(&identity, DEVICE_SESSION_SECONDS)?;
            tracing::info!(device = %device.device_id, "kiosk session started");
            Ok(json(
                StatusCode::OK,
                &json!({ "token": token, "identity": identity, "staff_login_required": false }),
            ))
        }
        DeviceRole::Staff => Ok(json(
            StatusCode::OK,
            &json!({
                "token": null,
                "device_id": device.device_id,
                "room": device.room,
                "staff_login_required": true,
            }),
        )),
    }
}

/// `GET /api/admin/devices`: every enrolled device, revoked ones included.
pub async fn list(ctx: Ctx) -> Result<Response, AccountError> {
    ctx.admin()?;
    let devices: Vec<_> = records::scan::<Device>(&ctx.accounts().tree, "dev/")?
        .iter()
        .map(|(_, d)| device_view(d))
        .collect();
    Ok(json(StatusCode::OK, &json!({ "devices": devices })))
}

/// `POST /api/admin/devices/{device_id}/revoke`: the device can no longer
/// get sessions, and its current sessions end.
pub async fn revoke(ctx: Ctx, device_id: String) -> Result<Response, AccountError> {
    ctx.admin()?;
    let record_key = device_key(&device_id);
    let now = ctx.now;
    let device = records::transact(&ctx.accounts().tree, |tx| {
        let Some(mut device) = records::tx_get::<Device>(tx, &record_key)? else {
            return records::abort(AccountError::NotFound { code: "no_device" });
        };
        device.revoked_at.get_or_insert(now);
        records::tx_put(tx, &record_key, &device)?;
        Ok(device)
    })?;
    let ended = ctx.accounts().sessions.revoke_where(
        |who| matches!(who, Identity::Kiosk { device, .. } if *device == device_id),
    )?;
    ctx.state.store.flush().await?;
    tracing::info!(device = %device_id, ended, "device revoked");
    Ok(json(
        StatusCode::OK,
        &json!({ "device": device_view(&device), "sessions_ended": ended }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_must_be_32_strong_bytes() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]).verifying_key();
        let hex = data_encoding::HEXLOWER.encode(key.as_bytes());
        assert_eq!(parse_public_key(&hex), Some(key));
        assert_eq!(parse_public_key(&hex.to_uppercase()), Some(key));
        assert_eq!(parse_public_key("abcd"), None);
        assert_eq!(parse_public_key(&"0".repeat(64)), None, "small-order key");
        assert_eq!(parse_public_key("not hex"), None);
    }

    #[test]
    fn the_session_message_binds_challenge_and_device() {
        let a = session_message("00ff", "d1");
        assert!(a.starts_with(SESSION_DOMAIN));
        assert_ne!(a, session_message("00ff", "d2"));
        assert_ne!(a, session_message("00fe", "d1"));
    }
}
