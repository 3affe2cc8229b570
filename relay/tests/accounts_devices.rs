//! Devices and keys through the accounts API: pairing codes redeemed once,
//! challenge-response kiosk sessions, revocation, and signing-key rotation
//! checked end to end with the engine's verification.

#[path = "accounts_common/mod.rs"]
mod common;

use common::Relay;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::Rejection;
use serde_json::json;

#[tokio::test]
async fn pairing_codes_redeem_once_and_revoked_devices_lose_their_sessions() {
    let relay = Relay::open(true);
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let (status, code) = relay
        .post(
            "/api/admin/pairing-codes",
            Some(&admin),
            Some(json!({ "room": "R03", "role": "kiosk" })),
        )
        .await;
    assert_eq!(status, 201, "{code}");
    let code = code["code"].as_str().expect("code").to_owned();
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let public = data_encoding::HEXLOWER.encode(key.verifying_key().as_bytes());

    let (status, body) = relay
        .post(
            "/api/devices/redeem",
            None,
            Some(json!({ "code": code, "public_key": "abcd" })),
        )
        .await;
    assert_eq!(status, 422, "a bad key does not spend the code: {body}");
    let (status, device) = relay
        .post(
            "/api/devices/redeem",
            None,
            Some(json!({ "code": code.to_lowercase(), "public_key": public, "name": "受付1" })),
        )
        .await;
    assert_eq!(status, 201, "{device}");
    assert_eq!(device["room"], "R03");
    let device_id = device["device_id"].as_str().expect("id").to_owned();
    let (status, body) = relay
        .post(
            "/api/devices/redeem",
            None,
            Some(json!({ "code": code, "public_key": public })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("code_unusable"))
    );

    // A wrong signature gets nothing, and spends the challenge.
    let (_, challenge) = relay
        .post(
            "/api/devices/challenge",
            None,
            Some(json!({ "device_id": device_id })),
        )
        .await;
    let challenge = challenge["challenge"]
        .as_str()
        .expect("challenge")
        .to_owned();
    let wrong = common::sign(
        &ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
        &challenge,
        &device_id,
    );
    let (status, _) = relay
        .post(
            "/api/devices/session",
            None,
            Some(json!({ "device_id": device_id, "challenge": challenge, "signature": wrong })),
        )
        .await;
    assert_eq!(status, 401);
    let right = common::sign(&key, &challenge, &device_id);
    let (status, body) = relay
        .post(
            "/api/devices/session",
            None,
            Some(json!({ "device_id": device_id, "challenge": challenge, "signature": right })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("challenge_unusable"))
    );

    let session = relay.device_session(&key, &device_id).await;
    let token = session["token"].as_str().expect("token").to_owned();
    let (_, me) = relay.get("/api/me", Some(&token)).await;
    assert_eq!(me["kind"], "kiosk");
    assert_eq!(me["room"], "R03");

    let (_, devices) = relay.get("/api/admin/devices", Some(&admin)).await;
    assert!(
        devices["devices"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["device_id"] == device_id.as_str()))
    );
    let (status, revoked) = relay
        .post(
            &format!("/api/admin/devices/{device_id}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["sessions_ended"], 1);
    let (status, _) = relay.get("/api/me", Some(&token)).await;
    assert_eq!(status, 401);
    let (status, body) = relay
        .post(
            "/api/devices/challenge",
            None,
            Some(json!({ "device_id": device_id })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("device_revoked"))
    );

    // The demo's kiosk pairing code for R01 is printed and unredeemed.
    let demo_code = relay
        .state
        .demo_logins
        .iter()
        .find(|l| l.password.is_empty())
        .map(|l| l.login_id.clone())
        .expect("demo pairing code");
    let other = ed25519_dalek::SigningKey::from_bytes(&[10; 32]);
    let (status, body) = relay
        .post(
            "/api/devices/redeem",
            None,
            Some(json!({ "code": demo_code, "public_key": data_encoding::HEXLOWER.encode(other.verifying_key().as_bytes()) })),
        )
        .await;
    assert_eq!((status, body["room"].as_str()), (201, Some("R01")));
}

#[tokio::test]
async fn rotating_the_key_keeps_old_passes_valid_until_the_old_key_expires() {
    let relay = Relay::open(true);
    let guardian = relay.login_family("HB-DEMA-2222", "demo-family-a").await;
    let (_, old) = relay.get("/api/family/pass", Some(&guardian)).await;
    let old_text = old["text"].as_str().expect("text").to_owned();
    assert_eq!(old["key_id"], 1);

    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let (status, keys) = relay.post("/api/admin/keys", Some(&admin), None).await;
    assert_eq!(status, 201, "{keys}");
    assert_eq!(keys["current_key_id"], 2);
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(2));

    // The old pass still verifies; a reissued pass is signed by the new key.
    assert!(relay.verify(&old_text, RoomId(1)).await.is_ok());
    let (_, new) = relay
        .post("/api/family/pass/reissue", Some(&guardian), None)
        .await;
    assert_eq!(new["key_id"], 2);
    let new_text = new["text"].as_str().expect("text").to_owned();
    assert!(relay.verify(&new_text, RoomId(1)).await.is_ok());
    // A pass the old key signed for another family stays valid …
    let other = relay.login_family("HB-DEMB-2222", "demo-family-b").await;
    let (_, b_pass) = relay.get("/api/family/pass", Some(&other)).await;
    let b_text = b_pass["text"].as_str().expect("text").to_owned();
    assert!(relay.verify(&b_text, RoomId(1)).await.is_ok());
    // … until the old key's own expiry, when the kiosk refuses it.
    let old_key_until = keys["keys"]
        .as_array()
        .and_then(|k| k.iter().find(|k| k["key_id"] == 1))
        .and_then(|k| k["valid_until"].as_i64())
        .expect("old key");
    let at = hiroba_engine::calendar::Timestamp(old_key_until);
    assert_eq!(
        relay.verify_at(&b_text, RoomId(1), at).await,
        Err(Rejection::KeyExpired)
    );
    let (_, listed) = relay.get("/api/admin/keys", Some(&admin)).await;
    assert_eq!(listed, keys);
}
