//! Helpers for the accounts tests: a relay over a temp sled dir, JSON
//! requests through warp's test client, and the engine's kiosk check.

#![allow(dead_code)]

use std::sync::Arc;

use automerge::AutoCommit;
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::{PassClaims, Rejection, VerifyContext, verify_scan};
use hiroba_engine::trust::{Revocations, TrustList};
use hiroba_relay::accounts::device::session_message;
use hiroba_relay::{Options, RelayState};
use serde_json::{Value, json};

/// A relay opened on a temp dir.
pub struct Relay {
    _dir: tempfile::TempDir,
    /// Its state.
    pub state: Arc<RelayState>,
}

/// An enrolled kiosk with a session.
pub struct Kiosk {
    /// Device id.
    pub device_id: String,
    /// Session token.
    pub token: String,
}

/// A valid application form.
pub fn application(submission_id: &str) -> Value {
    json!({
        "submission_id": submission_id,
        "guardians": [{ "name": "試験 花子", "kana": "しけん はなこ" }],
        "address": "ひろば市中央1-2-3",
        "phone": "090-1234-5678",
        "email": "hanako@example.jp",
        "children": [{ "name": "試験 太郎", "kana": "しけん たろう", "birth_date": "2024-08-15" }],
        "other_adults": [{ "name": "試験 和子", "relationship": "祖母" }],
        "consent": true
    })
}

/// A device's signature over the session message, hex.
pub fn sign(key: &ed25519_dalek::SigningKey, challenge: &str, device_id: &str) -> String {
    use ed25519_dalek::Signer;
    data_encoding::HEXLOWER.encode(&key.sign(&session_message(challenge, device_id)).to_bytes())
}

/// The body as JSON (`null` if it is not JSON).
pub fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

impl Relay {
    /// A relay with (or without) the demo city.
    pub fn open(demo: bool) -> Relay {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = Options {
            data_dir: dir.path().to_owned(),
            web_dir: None,
            demo,
        };
        let state =
            hiroba_relay::open(&options, hiroba_relay::accounts::system_now()).expect("open relay");
        Relay { _dir: dir, state }
    }

    /// Sends a request and answers the status, JSON body and Retry-After.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        addr: &str,
    ) -> (u16, Value, Option<String>) {
        let mut req = warp::test::request()
            .method(method)
            .path(path)
            .header("host", "127.0.0.1:8080")
            .remote_addr(addr.parse().expect("address"));
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let res = req
            .reply(&hiroba_relay::http::routes(self.state.clone()))
            .await;
        let retry = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (res.status().as_u16(), body_json(res.body()), retry)
    }

    /// A request with a raw body.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, Value) {
        let (status, body, _) = self
            .send(method, path, token, Some(body), "127.0.0.1:40000")
            .await;
        (status, body)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let (status, body, _) = self.send("GET", path, token, None, "127.0.0.1:40000").await;
        (status, body)
    }

    /// `GET path` answering the raw body (a document's bytes).
    pub async fn bytes(&self, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        let mut req = warp::test::request().method("GET").path(path);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let res = req
            .reply(&hiroba_relay::http::routes(self.state.clone()))
            .await;
        (res.status().as_u16(), res.body().to_vec())
    }

    /// `POST path` with an optional JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let text = body.map(|b| b.to_string());
        let (status, body, _) = self
            .send("POST", path, token, text.as_deref(), "127.0.0.1:40000")
            .await;
        (status, body)
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let text = body.to_string();
        let (status, body, _) = self
            .send("PUT", path, token, Some(&text), "127.0.0.1:40000")
            .await;
        (status, body)
    }

    /// Submits a valid application and answers its receipt.
    pub async fn apply(&self, submission_id: &str) -> String {
        let (status, body) = self
            .post("/api/applications", None, Some(application(submission_id)))
            .await;
        assert_eq!(status, 201, "{body}");
        body["receipt"].as_str().expect("receipt").to_owned()
    }

    /// A guardian login attempt from `addr`.
    pub async fn login_from(
        &self,
        login_id: &str,
        password: &str,
        addr: &str,
    ) -> (u16, Value, Option<String>) {
        let body = json!({ "login_id": login_id, "password": password }).to_string();
        self.send("POST", "/api/family/login", None, Some(&body), addr)
            .await
    }

    /// A staff session token.
    pub async fn login_staff(&self, login_id: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/staff/login",
                None,
                Some(json!({ "login_id": login_id, "password": password })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A guardian's full session token.
    pub async fn login_family(&self, login_id: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/family/login",
                None,
                Some(json!({ "login_id": login_id, "password": password })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["must_change_password"], false);
        body["token"].as_str().expect("token").to_owned()
    }

    /// Challenge-response for an enrolled device.
    pub async fn device_session(&self, key: &ed25519_dalek::SigningKey, device_id: &str) -> Value {
        let (status, challenge) = self
            .post(
                "/api/devices/challenge",
                None,
                Some(json!({ "device_id": device_id })),
            )
            .await;
        assert_eq!(status, 200, "{challenge}");
        let challenge = challenge["challenge"].as_str().expect("challenge");
        let signature = sign(key, challenge, device_id);
        let (status, session) = self
            .post(
                "/api/devices/session",
                None,
                Some(json!({ "device_id": device_id, "challenge": challenge, "signature": signature })),
            )
            .await;
        assert_eq!(status, 200, "{session}");
        session
    }

    /// Enrols a kiosk for R01 with the key from `seed` and starts its session.
    pub async fn enrol_kiosk(&self, admin: &str, seed: [u8; 32]) -> Kiosk {
        let (_, code) = self
            .post(
                "/api/admin/pairing-codes",
                Some(admin),
                Some(json!({ "room": "R01", "role": "kiosk" })),
            )
            .await;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let (status, device) = self
            .post(
                "/api/devices/redeem",
                None,
                Some(json!({ "code": code["code"], "public_key": data_encoding::HEXLOWER.encode(key.verifying_key().as_bytes()) })),
            )
            .await;
        assert_eq!(status, 201, "{device}");
        let device_id = device["device_id"].as_str().expect("id").to_owned();
        let session = self.device_session(&key, &device_id).await;
        Kiosk {
            device_id,
            token: session["token"].as_str().expect("token").to_owned(),
        }
    }

    async fn doc(&self, name: &str) -> AutoCommit {
        let res = warp::test::request()
            .path(&format!("/api/docs/{name}"))
            .reply(&hiroba_relay::http::routes(self.state.clone()))
            .await;
        assert_eq!(res.status(), 200);
        AutoCommit::load(res.body()).expect("automerge document")
    }

    /// Verifies a pass as a kiosk of `room` would now, with the trust list
    /// and revocations the relay serves.
    pub async fn verify(&self, text: &str, room: RoomId) -> Result<PassClaims, Rejection> {
        self.verify_at(text, room, hiroba_relay::accounts::system_now())
            .await
    }

    /// [`Relay::verify`] at another time.
    pub async fn verify_at(
        &self,
        text: &str,
        room: RoomId,
        at: Timestamp,
    ) -> Result<PassClaims, Rejection> {
        let trust = TrustList::load(&self.doc("trust-list").await).expect("trust list");
        let revocations = Revocations::load(&self.doc("revocations").await).expect("revocations");
        let ctx = VerifyContext {
            city: self.state.city.city,
            room,
            trust: &trust,
            revocations: &revocations,
        };
        verify_scan(text, &ctx, at)
    }
}

/// A family approved from `form`: its id, login id and (when `rooms` is
/// not empty) a full guardian session after the forced password change
/// and 本登録 for `rooms`.
pub async fn registered_family(
    relay: &Relay,
    staff: &str,
    form: Value,
    rooms: &[&str],
) -> (String, String, String) {
    let (status, receipt) = relay.post("/api/applications", None, Some(form)).await;
    assert_eq!(status, 201, "{receipt}");
    let receipt = receipt["receipt"].as_str().expect("receipt");
    let (status, approved) = relay
        .post(
            &format!("/api/staff/applications/{receipt}/approve"),
            Some(staff),
            None,
        )
        .await;
    assert_eq!(status, 201, "{approved}");
    let family_id = approved["family_id"].as_str().expect("id").to_owned();
    let login_id = approved["login_id"].as_str().expect("login").to_owned();
    let password = approved["initial_password"].as_str().expect("password");
    let (_, first) = relay
        .post(
            "/api/family/login",
            None,
            Some(json!({ "login_id": login_id, "password": password })),
        )
        .await;
    let (status, changed) = relay
        .post(
            "/api/family/password",
            first["token"].as_str(),
            Some(json!({ "current_password": password, "new_password": "sakura-2026!" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let token = changed["token"].as_str().expect("token").to_owned();
    if !rooms.is_empty() {
        let (status, pass) = relay
            .put("/api/family/rooms", Some(&token), json!({ "rooms": rooms }))
            .await;
        assert_eq!(status, 200, "{pass}");
    }
    (family_id, login_id, token)
}
