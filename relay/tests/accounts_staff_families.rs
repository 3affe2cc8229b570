//! The staff console's family endpoints through warp's test client over
//! real sled files: search, the family view, reissue, printed cards and
//! outright revocation checked with the engine's `verify_scan`.

#[path = "accounts_common/mod.rs"]
mod common;

use common::{Relay, application, registered_family};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::Rejection;
use serde_json::{Value, json};

/// An application for the 森田 family, whose words appear in no demo family.
fn morita(submission_id: &str) -> Value {
    let mut form = application(submission_id);
    form["guardians"] = json!([{ "name": "森田 桜子", "kana": "もりた さくらこ" }]);
    form["children"] = json!([
        { "name": "森田 陽翔", "kana": "モリタ ハルト", "birth_date": "2023-05-01" },
        { "name": "森田 凛", "kana": "もりた りん", "birth_date": "2019-11-20" }
    ]);
    form["phone"] = json!("03-5555-0199");
    form
}

async fn search(relay: &Relay, staff: &str, q: &str) -> Vec<Value> {
    let (status, body) = relay
        .post(
            "/api/staff/families/search",
            Some(staff),
            Some(json!({ "q": q })),
        )
        .await;
    assert_eq!(status, 200, "{q}: {body}");
    body["families"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn search_finds_a_family_by_name_kana_phone_and_login_id() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (family_id, login_id, _) =
        registered_family(&relay, &staff, morita("search-0001"), &["R01"]).await;
    let only_morita =
        |found: &[Value]| found.len() == 1 && found[0]["family_id"] == family_id.as_str();
    for q in [
        "森田",
        "桜子",
        "森田桜子",
        "サクラコ",
        "ﾓﾘﾀ ｻｸﾗｺ",
        "はると",
        "凛",
        "5555-0199",
        "０３５５５５",
        login_id.as_str(),
        &login_id.to_lowercase().replace('-', ""),
    ] {
        let found = search(&relay, &staff, q).await;
        assert!(only_morita(&found), "{q}: {found:?}");
    }
    let found = search(&relay, &staff, "森田").await;
    assert_eq!(found[0]["login_id"], login_id.as_str());
    assert_eq!(found[0]["guardian"], "森田 桜子");
    assert_eq!(found[0]["children"], 2);
    assert_eq!(found[0]["rooms"], json!(["R01"]));
    assert_eq!(found[0]["pass"], "active");

    assert!(search(&relay, &staff, "存在しない名前").await.is_empty());
    // An empty query lists the newest families.
    let newest = search(&relay, &staff, "").await;
    assert!(newest.len() >= 2, "{newest:?}");
    assert!(newest.iter().any(|f| f["family_id"] == family_id.as_str()));

    // The family view has what the counter needs.
    let (status, view) = relay
        .get(&format!("/api/staff/families/{family_id}"), Some(&staff))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["guardians"][0]["kana"], "もりた さくらこ");
    assert_eq!(view["children"][1]["birth_date"], "2019-11-20");
    assert_eq!(view["children"][1]["index"], 1);
    assert_eq!(view["phone"], "03-5555-0199");
    assert_eq!(view["pass"]["revoked"], false);
    assert!(
        view["pass"]["qr_svg"]
            .as_str()
            .is_some_and(|s| s.contains("<svg"))
    );
    assert!(
        view["pass"]["short_code"]
            .as_str()
            .is_some_and(|s| s.len() == 9)
    );
    let short_code = view["pass"]["short_code"].as_str().expect("code");
    assert!(only_morita(&search(&relay, &staff, short_code).await));
}

#[tokio::test]
async fn only_staff_may_look_up_families_and_only_administrators_revoke() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (family_id, _, guardian) =
        registered_family(&relay, &staff, morita("roles-0001"), &["R01"]).await;
    let (_, view) = relay
        .get(&format!("/api/staff/families/{family_id}"), Some(&staff))
        .await;
    let pass_id = view["pass"]["pass_id"].as_str().expect("pass id");

    for (method, path) in [
        ("POST", "/api/staff/families/search".to_owned()),
        ("GET", format!("/api/staff/families/{family_id}")),
        (
            "POST",
            format!("/api/staff/families/{family_id}/pass/reissue"),
        ),
        ("POST", format!("/api/staff/families/{family_id}/cards")),
        (
            "POST",
            format!("/api/staff/families/{family_id}/passes/{pass_id}/revoke"),
        ),
    ] {
        let body = (method == "POST").then_some(r#"{"kind":"family"}"#);
        let (status, answer, _) = relay
            .send(method, &path, Some(&guardian), body, "127.0.0.1:40000")
            .await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}"
        );
        let (status, _, _) = relay
            .send(method, &path, None, body, "127.0.0.1:40000")
            .await;
        assert_eq!(status, 401, "{method} {path}");
    }
    let (status, answer) = relay
        .post(
            &format!("/api/staff/families/{family_id}/passes/{pass_id}/revoke"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")));
}

#[tokio::test]
async fn a_revoked_pass_is_refused_by_kiosks_and_staff_can_issue_a_new_one() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let (family_id, _, guardian) =
        registered_family(&relay, &staff, morita("revoke-0001"), &["R01"]).await;
    let (_, pass) = relay.get("/api/family/pass", Some(&guardian)).await;
    let text = pass["text"].as_str().expect("text").to_owned();
    let pass_id = pass["pass_id"].as_str().expect("id").to_owned();
    assert!(relay.verify(&text, RoomId(1)).await.is_ok());

    let (status, answer) = relay
        .post(
            &format!("/api/staff/families/{family_id}/passes/{pass_id}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["revoked"]["pass_id"], pass_id.as_str());
    assert_eq!(answer["family"]["pass"], Value::Null);
    assert_eq!(
        relay.verify(&text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    let (status, none) = relay.get("/api/family/pass", Some(&guardian)).await;
    assert_eq!((status, none["code"].as_str()), (404, Some("no_pass")));
    let found = search(&relay, &staff, "森田").await;
    assert_eq!(found[0]["pass"], "none");

    // Revoking again, or a pass the family never had, finds nothing.
    let (status, again) = relay
        .post(
            &format!("/api/staff/families/{family_id}/passes/{pass_id}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, again["code"].as_str()), (404, Some("no_pass")));
    let (status, bad) = relay
        .post(
            &format!("/api/staff/families/{family_id}/passes/not-a-pass/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, bad["code"].as_str()), (404, Some("no_pass")));

    // Staff issue a fresh pass (a new pass id); it verifies, the old stays refused.
    let (status, fresh) = relay
        .post(
            &format!("/api/staff/families/{family_id}/pass/reissue"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["pass_id"], pass_id.as_str());
    let fresh_text = fresh["text"].as_str().expect("text");
    assert!(relay.verify(fresh_text, RoomId(1)).await.is_ok());
    assert_eq!(
        relay.verify(&text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );

    // A plain reissue: serial + 1, the previous serial refused.
    let (_, second) = relay
        .post(
            &format!("/api/staff/families/{family_id}/pass/reissue"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(second["serial"], 2);
    assert_eq!(second["pass_id"], fresh["pass_id"]);
    assert_eq!(
        relay.verify(fresh_text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    let (_, view) = relay
        .get(&format!("/api/staff/families/{family_id}"), Some(&staff))
        .await;
    assert_eq!(view["pass"]["serial"], 2);
    assert_eq!(view["pass"]["revoked"], false);
}

#[tokio::test]
async fn staff_issue_and_reissue_printed_cards() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let (family_id, _, _) =
        registered_family(&relay, &staff, morita("cards-0001"), &["R01", "R02"]).await;
    let cards = format!("/api/staff/families/{family_id}/cards");

    let (status, card) = relay
        .post(
            &cards,
            Some(&staff),
            Some(json!({ "kind": "child", "child": 1 })),
        )
        .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(
        (card["kind"].as_str(), card["child"].as_u64()),
        (Some("ChildCard"), Some(1))
    );
    assert_eq!(card["rooms"], json!(["R01", "R02"]));
    let card_text = card["text"].as_str().expect("text").to_owned();
    let claims = relay.verify(&card_text, RoomId(2)).await.expect("verifies");
    assert_eq!(claims.guardians, 0);
    assert_eq!(claims.children.len(), 1);
    assert_eq!(claims.children[0].to_string(), "2019-11");

    // Reissuing the card revokes the first one.
    let (_, again) = relay
        .post(
            &cards,
            Some(&staff),
            Some(json!({ "kind": "child", "child": 1 })),
        )
        .await;
    assert_eq!(again["serial"], 2);
    assert_eq!(
        relay.verify(&card_text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    let (status, family_card) = relay
        .post(&cards, Some(&staff), Some(json!({ "kind": "family" })))
        .await;
    assert_eq!(status, 201);
    assert_eq!(family_card["kind"], "FamilyCard");
    let family_text = family_card["text"].as_str().expect("text").to_owned();
    assert_eq!(
        relay
            .verify(&family_text, RoomId(1))
            .await
            .expect("verifies")
            .children
            .len(),
        2
    );

    // Bad kinds and children are per-field errors.
    let (status, bad) = relay
        .post(
            &cards,
            Some(&staff),
            Some(json!({ "kind": "child", "child": 9 })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(bad["fields"]["child"]["ja"].is_string());
    let (status, bad) = relay
        .post(&cards, Some(&staff), Some(json!({ "kind": "pet" })))
        .await;
    assert_eq!(status, 422);
    assert!(bad["fields"]["kind"].is_object());
    let (status, _) = relay.post(&cards, Some(&staff), Some(json!([1]))).await;
    assert_eq!(status, 400);

    // The view lists both cards; revoking the family card leaves the child's.
    let (_, view) = relay
        .get(&format!("/api/staff/families/{family_id}"), Some(&staff))
        .await;
    assert_eq!(view["cards"].as_array().map(Vec::len), Some(2));
    let family_pass = family_card["pass_id"].as_str().expect("id");
    let (status, answer) = relay
        .post(
            &format!("/api/staff/families/{family_id}/passes/{family_pass}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["family"]["cards"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        relay.verify(&family_text, RoomId(1)).await,
        Err(Rejection::Revoked)
    );
    let child_text = again["text"].as_str().expect("text");
    assert!(relay.verify(child_text, RoomId(1)).await.is_ok());

    // A family with no rooms gets no card.
    let (no_rooms, _, _) = registered_family(&relay, &staff, morita("cards-0002"), &[]).await;
    let (status, answer) = relay
        .post(
            &format!("/api/staff/families/{no_rooms}/cards"),
            Some(&staff),
            Some(json!({ "kind": "family" })),
        )
        .await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("no_rooms")));
    let (status, answer) = relay
        .post(
            &format!("/api/staff/families/{no_rooms}/pass/reissue"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("no_rooms")));
}

#[tokio::test]
async fn unknown_families_are_not_found() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    for id in ["0000000000000000", "nope", "%E6%A3%AE"] {
        let (status, body) = relay
            .get(&format!("/api/staff/families/{id}"), Some(&staff))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("no_family")),
            "{id}"
        );
        let (status, body) = relay
            .post(
                &format!("/api/staff/families/{id}/pass/reissue"),
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("no_family")),
            "{id}"
        );
        let (status, body) = relay
            .post(
                &format!("/api/staff/families/{id}/cards"),
                Some(&staff),
                Some(json!({ "kind": "family" })),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("no_family")),
            "{id}"
        );
        let (status, body) = relay
            .post(
                &format!("/api/staff/families/{id}/passes/0102030405060708/revoke"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("no_family")),
            "{id}"
        );
    }
}
