//! The accounts API end to end, through warp's test client over real sled
//! files: application → approval → letter → login → forced password change
//! → rooms → pass verified by the engine → reissue and revocation; devices,
//! throttling, roles and key rotation.

#[path = "accounts_common/mod.rs"]
mod common;

use common::Relay;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::Rejection;
use serde_json::json;

#[tokio::test]
async fn apply_approve_login_change_register_reissue() {
    let relay = Relay::open(true);
    let receipt = relay.apply("flow-0001").await;

    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (status, list) = relay.get("/api/staff/applications", Some(&staff)).await;
    assert_eq!(status, 200);
    let pending = list["applications"].as_array().expect("list");
    assert!(pending.iter().any(|a| a["receipt"] == receipt.as_str()));
    let app = pending
        .iter()
        .find(|a| a["receipt"] == receipt.as_str())
        .expect("ours");
    assert_eq!(app["status"], "pending");
    assert_eq!(app["children"][0]["birth_date"], "2024-08-15");

    let (status, approved) = relay
        .post(
            &format!("/api/staff/applications/{receipt}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 201, "{approved}");
    let login_id = approved["login_id"].as_str().expect("login id").to_owned();
    let password = approved["initial_password"]
        .as_str()
        .expect("password")
        .to_owned();
    assert!(login_id.starts_with("HB-") && login_id.len() == 12);
    let letter = approved["letter_html"].as_str().expect("letter");
    assert!(letter.contains(&login_id) && letter.contains(&password));
    assert!(letter.contains("size: A4") && letter.contains("登録案内状"));

    // Approving twice neither shows the password again nor makes a second family.
    let (status, again) = relay
        .post(
            &format!("/api/staff/applications/{receipt}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_decided"))
    );

    // First login: a change-only session that can do nothing else.
    let typed = login_id.to_lowercase().replace('-', "");
    let (status, first) = relay
        .post(
            "/api/family/login",
            None,
            Some(json!({ "login_id": typed, "password": password })),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["must_change_password"], true);
    let change_token = first["token"].as_str().expect("token").to_owned();
    let (status, body) = relay.get("/api/family", Some(&change_token)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (status, _) = relay
        .put(
            "/api/family/rooms",
            Some(&change_token),
            json!({ "rooms": ["R01"] }),
        )
        .await;
    assert_eq!(status, 403);
    let (_, me) = relay.get("/api/me", Some(&change_token)).await;
    assert_eq!(me["must_change_password"], true);

    // A weak new password is refused per field; then the change succeeds.
    let (status, weak) = relay
        .post(
            "/api/family/password",
            Some(&change_token),
            Some(json!({ "current_password": password, "new_password": "short" })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(weak["fields"]["new_password"]["ja"].is_string());
    let (status, changed) = relay
        .post(
            "/api/family/password",
            Some(&change_token),
            Some(json!({ "current_password": password, "new_password": "sakura-2026!" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let token = changed["token"].as_str().expect("token").to_owned();
    let (status, _) = relay.get("/api/family", Some(&change_token)).await;
    assert_eq!(status, 401, "the change-only session is spent");
    // The initial password no longer works; the new one does, with no forced change.
    let (status, _) = relay
        .post(
            "/api/family/login",
            None,
            Some(json!({ "login_id": login_id, "password": password })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, second) = relay
        .post(
            "/api/family/login",
            None,
            Some(json!({ "login_id": login_id, "password": "sakura-2026!" })),
        )
        .await;
    assert_eq!(
        (status, second["must_change_password"].as_bool()),
        (200, Some(false))
    );

    // 本登録: no pass before rooms, then a pass that verifies at the kiosk.
    let (status, none) = relay.get("/api/family/pass", Some(&token)).await;
    assert_eq!((status, none["code"].as_str()), (404, Some("no_pass")));
    let (status, bad) = relay
        .put(
            "/api/family/rooms",
            Some(&token),
            json!({ "rooms": ["R01", "R99"] }),
        )
        .await;
    assert_eq!(status, 422);
    assert!(bad["fields"]["rooms[1]"].is_object());
    let (status, pass) = relay
        .put(
            "/api/family/rooms",
            Some(&token),
            json!({ "rooms": ["R01", "R02"] }),
        )
        .await;
    assert_eq!(status, 200, "{pass}");
    let first_text = pass["text"].as_str().expect("text").to_owned();
    assert!(pass["qr_svg"].as_str().is_some_and(|s| s.contains("<svg")));
    let claims = relay
        .verify(&first_text, RoomId(2))
        .await
        .expect("the pass verifies");
    assert_eq!(claims.guardians, 1);
    assert_eq!(claims.children.len(), 1);
    assert_eq!(claims.children[0].to_string(), "2024-08");
    assert_eq!(
        relay.verify(&first_text, RoomId(3)).await,
        Err(Rejection::WrongRoom)
    );
    let (_, current) = relay.get("/api/family/pass", Some(&token)).await;
    assert_eq!(current["text"], first_text.as_str());

    // Reissue: serial + 1, the old pass revoked, the new one accepted.
    let (status, reissued) = relay
        .post("/api/family/pass/reissue", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{reissued}");
    assert_eq!(reissued["serial"], 2);
    assert_eq!(reissued["pass_id"], pass["pass_id"]);
    let new_text = reissued["text"].as_str().expect("text");
    assert_eq!(
        relay.verify(&first_text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    assert!(relay.verify(new_text, RoomId(1)).await.is_ok());

    // A child's printed card, and its reissue revoking the first card.
    let (status, card) = relay
        .post(
            "/api/family/cards",
            Some(&token),
            Some(json!({ "kind": "child", "child": 0 })),
        )
        .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(card["kind"], "ChildCard");
    let card_text = card["text"].as_str().expect("text").to_owned();
    let card_claims = relay
        .verify(&card_text, RoomId(1))
        .await
        .expect("card verifies");
    assert_eq!(card_claims.guardians, 0);
    let (status, _) = relay
        .post(
            "/api/family/cards",
            Some(&token),
            Some(json!({ "kind": "child", "child": 5 })),
        )
        .await;
    assert_eq!(status, 422);
    let (_, card2) = relay
        .post(
            "/api/family/cards",
            Some(&token),
            Some(json!({ "kind": "child", "child": 0 })),
        )
        .await;
    assert_eq!(card2["serial"], 2);
    assert_eq!(
        relay.verify(&card_text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    let (_, family_card) = relay
        .post(
            "/api/family/cards",
            Some(&token),
            Some(json!({ "kind": "family" })),
        )
        .await;
    assert_eq!(family_card["kind"], "FamilyCard");
    let (_, cards) = relay.get("/api/family/cards", Some(&token)).await;
    assert_eq!(cards["cards"].as_array().map(Vec::len), Some(2));
    assert!(
        relay.verify(new_text, RoomId(1)).await.is_ok(),
        "the app pass is untouched"
    );

    // Log out ends the session.
    let (status, _) = relay.post("/api/logout", Some(&token), None).await;
    assert_eq!(status, 200);
    let (status, _) = relay.get("/api/family", Some(&token)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn invalid_applications_get_a_message_per_field() {
    let relay = Relay::open(false);
    let mut form = common::application("bad-fields-1");
    form["phone"] = json!("12-34");
    form["children"][0]["birth_date"] = json!("2024-13-01");
    form["guardians"][0]["kana"] = json!("Hanako");
    form["consent"] = json!(false);
    let (status, body) = relay.post("/api/applications", None, Some(form)).await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "invalid_input");
    let fields = body["fields"].as_object().expect("fields");
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "children[0].birth_date",
            "consent",
            "guardians[0].kana",
            "phone"
        ]
    );
    for message in fields.values() {
        assert!(message["ja"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(message["en"].as_str().is_some_and(|s| !s.is_empty()));
    }
    // Nothing was stored: the same id with a good form makes the application.
    let receipt = relay.apply("bad-fields-1").await;
    assert!(receipt.starts_with("AP-"));

    // Bodies that are not the expected JSON are a JSON error, never a panic.
    for raw in ["", "{", "\"text\"", "{\"guardians\": 5}", "null"] {
        let (status, body) = relay.raw("POST", "/api/applications", None, raw).await;
        assert_eq!(status, 400, "{raw:?}");
        assert_eq!(body["code"], "bad_json", "{raw:?}");
    }
}

#[tokio::test]
async fn a_retried_submit_returns_the_first_receipt() {
    let relay = Relay::open(true);
    let form = common::application("retry-key-42");
    let (status, first) = relay
        .post("/api/applications", None, Some(form.clone()))
        .await;
    assert_eq!(status, 201);
    let (status, second) = relay.post("/api/applications", None, Some(form)).await;
    assert_eq!(status, 200);
    assert_eq!(first["receipt"], second["receipt"]);
    assert_eq!(second["duplicate"], true);
    let staff = relay.login_staff("admin", "demo-admin-2026").await;
    let (_, list) = relay.get("/api/staff/applications", Some(&staff)).await;
    let ours = list["applications"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["submission_id"] == "retry-key-42")
        .count();
    assert_eq!(ours, 1);
}

#[tokio::test]
async fn staff_reject_with_a_reason() {
    let relay = Relay::open(true);
    let receipt = relay.apply("reject-0001").await;
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let path = format!("/api/staff/applications/{receipt}/reject");
    let (status, body) = relay
        .post(&path, Some(&staff), Some(json!({ "reason": " " })))
        .await;
    assert_eq!(status, 422);
    assert!(body["fields"]["reason"].is_object());
    let (status, body) = relay
        .post(
            &path,
            Some(&staff),
            Some(json!({ "reason": "市外にお住まいのため" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = relay
        .post(
            &format!("/api/staff/applications/{receipt}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (_, rejected) = relay
        .get("/api/staff/applications?status=rejected", Some(&staff))
        .await;
    let app = &rejected["applications"][0];
    assert_eq!(app["receipt"], receipt.as_str());
    assert_eq!(app["reason"], "市外にお住まいのため");
    let (status, _) = relay
        .post(
            "/api/staff/applications/AP-NONE-2222/approve",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_ids_get_the_same_answer() {
    let relay = Relay::open(true);
    for (login_id, password) in [
        ("HB-DEMA-2222", "wrong-password"),
        ("HB-ZZZZ-ZZZZ", "x"),
        ("??", "x"),
    ] {
        let (status, body) = relay
            .post(
                "/api/family/login",
                None,
                Some(json!({ "login_id": login_id, "password": password })),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("bad_credentials"))
        );
    }
    let (status, body) = relay
        .post(
            "/api/staff/login",
            None,
            Some(json!({ "login_id": "admin", "password": "nope-nope" })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_credentials"))
    );
    let (status, body) = relay
        .post(
            "/api/family/login",
            None,
            Some(json!({ "login_id": "HB-DEMA-2222", "password": "demo-family-a" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn login_is_throttled_per_login_id_and_per_address() {
    let relay = Relay::open(true);
    let attempt = |login_id: &'static str, password: &'static str, addr: &'static str| {
        relay.login_from(login_id, password, addr)
    };
    for _ in 0..5 {
        let (status, _, _) = attempt("HB-DEMA-2222", "guess", "192.0.2.1:1000").await;
        assert_eq!(status, 401);
    }
    let (status, body, retry) = attempt("HB-DEMA-2222", "guess", "192.0.2.1:1000").await;
    assert_eq!(status, 401, "the sixth failure locks");
    assert_eq!(body["code"], "bad_credentials");
    assert!(retry.is_none());
    // Locked now, even with the right password and from another address.
    let (status, body, retry) = attempt("HB-DEMA-2222", "demo-family-a", "198.51.100.7:2000").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
    let seconds = body["retry_after_seconds"].as_u64().expect("seconds");
    assert!((1..=30).contains(&seconds));
    assert_eq!(retry, Some(seconds.to_string()));
    assert!(
        body["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("retry_after_seconds"))
    );
    // Other accounts are not locked.
    let (status, _, _) = attempt("HB-DEMB-2222", "demo-family-b", "198.51.100.7:2000").await;
    assert_eq!(status, 200);

    // One address trying many accounts is locked after 20 free failures.
    let ids = [
        "HB-2222-2222",
        "HB-3333-3333",
        "HB-4444-4444",
        "HB-5555-5555",
    ];
    for i in 0..21 {
        let (status, _, _) = attempt(ids[i % 4], "guess", "203.0.113.9:3000").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, body, _) = attempt("HB-DEMC-2222", "demo-family-c", "203.0.113.9:3000").await;
    assert_eq!(status, 429, "{body}");
    let (status, _, _) = attempt("HB-DEMC-2222", "demo-family-c", "203.0.113.10:3000").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn each_role_may_do_only_its_part() {
    let relay = Relay::open(true);
    let receipt = relay.apply("roles-0001").await;
    let approve = format!("/api/staff/applications/{receipt}/approve");

    // Anonymous: 401 JSON everywhere that needs a session.
    for path in [
        "/api/staff/applications",
        "/api/family",
        "/api/admin/devices",
        "/api/me",
    ] {
        let (status, body) = relay.get(path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{path}"
        );
    }
    let (status, _) = relay.post(&approve, Some("not-a-token"), None).await;
    assert_eq!(status, 401);

    // A guardian cannot approve or enrol devices.
    let guardian = relay.login_family("HB-DEMA-2222", "demo-family-a").await;
    let (status, body) = relay.post(&approve, Some(&guardian), None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = relay
        .post(
            "/api/admin/pairing-codes",
            Some(&guardian),
            Some(json!({ "room": "R01", "role": "kiosk" })),
        )
        .await;
    assert_eq!(status, 403);

    // Room staff review applications but do not administer.
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (status, _) = relay.get("/api/admin/devices", Some(&staff)).await;
    assert_eq!(status, 403);
    let (status, _) = relay.post("/api/admin/keys", Some(&staff), None).await;
    assert_eq!(status, 403);
    let (status, _) = relay.get("/api/family", Some(&staff)).await;
    assert_eq!(status, 403, "staff have no family of their own");

    // A kiosk cannot list applications.
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let kiosk = relay.enrol_kiosk(&admin, [3; 32]).await;
    let (status, body) = relay
        .get("/api/staff/applications", Some(&kiosk.token))
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));

    // The administrator makes a staff account, which can then log in.
    let (status, made) = relay
        .post(
            "/api/admin/staff",
            Some(&admin),
            Some(json!({ "login_id": "R02-Tanaka", "display_name": "田中", "role": "room_staff", "room": "R02", "password": "tanaka-pass-1" })),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let (status, again) = relay
        .post(
            "/api/admin/staff",
            Some(&admin),
            Some(json!({ "login_id": "r02-tanaka", "display_name": "田中", "role": "room_staff", "room": "R02", "password": "tanaka-pass-1" })),
        )
        .await;
    assert_eq!((status, again["code"].as_str()), (409, Some("login_taken")));
    let tanaka = relay.login_staff("r02-tanaka", "tanaka-pass-1").await;
    let (_, me) = relay.get("/api/me", Some(&tanaka)).await;
    assert_eq!(me["kind"], "staff");
    assert_eq!(me["role"], "room_staff");
    assert_eq!(me["room"], "R02");
}
