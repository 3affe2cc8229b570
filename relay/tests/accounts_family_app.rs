//! What the parent app reads besides its pass, over real sled files: the
//! request to add a child and its review, the visit history projected from
//! the attendance into the family's document, and which documents a
//! guardian may fetch.

#[path = "accounts_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use automerge::AutoCommit;
use common::{Relay, application, registered_family};
use hiroba_engine::attendance::{
    CheckIn, EventId, Source, VisitId, record_check_in, record_check_out,
};
use hiroba_engine::calendar::{Timestamp, YearMonth};
use hiroba_engine::family::{FamilyVisit, load_visits};
use hiroba_engine::ids::{DocId, PassId, RoomId};
use hiroba_engine::pass::SignedPass;
use serde_json::{Value, json};

fn child(submission_id: &str, birth_date: &str) -> Value {
    json!({ "submission_id": submission_id, "name": "試験 花", "kana": "しけん はな", "birth_date": birth_date })
}

#[tokio::test]
async fn a_child_request_is_checked_reviewed_and_reissues_the_pass() {
    let relay = Relay::open(true);
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (family_id, _, guardian) =
        registered_family(&relay, &staff, application("child-0001"), &["R01"]).await;
    let (_, before) = relay.get("/api/family/pass", Some(&guardian)).await;

    // Each invalid field is named, and nothing is stored.
    let (status, body) = relay
        .post(
            "/api/family/children",
            Some(&guardian),
            Some(json!({ "submission_id": "child-req-1", "name": "", "kana": "Hana", "birth_date": "2999-01-01" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    for field in ["name", "kana", "birth_date"] {
        assert!(body["fields"][field]["ja"].is_string(), "{field}: {body}");
    }
    let (_, family) = relay.get("/api/family", Some(&guardian)).await;
    assert_eq!(family["child_requests"], json!([]));

    // A retry with the same submission id is the same request.
    let (status, first) = relay
        .post(
            "/api/family/children",
            Some(&guardian),
            Some(child("child-req-1", "2026-09-01")),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = relay
        .post(
            "/api/family/children",
            Some(&guardian),
            Some(child("child-req-1", "2026-09-01")),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["request_id"], first["request_id"]);
    let request_id = first["request_id"].as_str().expect("request id");

    // Staff see it with the family it concerns; a kiosk-less guardian may not.
    let (status, listed) = relay.get("/api/staff/child-requests", Some(&staff)).await;
    assert_eq!(status, 200, "{listed}");
    let requests = listed["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 1, "{listed}");
    assert_eq!(requests[0]["family_id"], family_id.as_str());
    assert_eq!(requests[0]["guardian"], "試験 花子");
    let (status, _) = relay
        .get("/api/staff/child-requests", Some(&guardian))
        .await;
    assert_eq!(status, 403);

    let (status, approved) = relay
        .post(
            &format!("/api/staff/child-requests/{request_id}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["child_index"], 1);
    assert_eq!(
        approved["pass"]["serial"].as_u64(),
        before["serial"].as_u64().map(|s| s + 1),
        "the app pass is reissued"
    );
    let (status, twice) = relay
        .post(
            &format!("/api/staff/child-requests/{request_id}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        (status, twice["code"].as_str()),
        (409, Some("already_decided"))
    );

    // The family now has two children, and the new pass carries both.
    let (_, family) = relay.get("/api/family", Some(&guardian)).await;
    assert_eq!(family["children"].as_array().map(Vec::len), Some(2));
    assert_eq!(family["child_requests"][0]["status"], "approved");
    let text = family["pass"]["text"].as_str().expect("pass text");
    let pass = SignedPass::from_text(text).expect("pass");
    assert_eq!(pass.claims.children.len(), 2);

    // A rejection tells the guardian why.
    let (_, second) = relay
        .post(
            "/api/family/children",
            Some(&guardian),
            Some(child("child-req-2", "2026-10-01")),
        )
        .await;
    let second = second["request_id"].as_str().expect("request id");
    let (status, _) = relay
        .post(
            &format!("/api/staff/child-requests/{second}/reject"),
            Some(&staff),
            Some(json!({ "reason": "" })),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = relay
        .post(
            &format!("/api/staff/child-requests/{second}/reject"),
            Some(&staff),
            Some(json!({ "reason": "同じお子さんの申請が重複しています" })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, family) = relay.get("/api/family", Some(&guardian)).await;
    // Both requests may share a second, so find this one by its id.
    let rejected = family["child_requests"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["request_id"] == second))
        .expect("the rejected request is listed");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reason"], "同じお子さんの申請が重複しています");
    let (status, missing) = relay
        .post(
            "/api/staff/child-requests/CR-NONE-NONE/approve",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (404, Some("no_request"))
    );
}

/// Writes `change` into today's attendance of R01 as a kiosk's sync would
/// store it, and tells the hub.
fn write_attendance(relay: &Relay, day: &DocId, change: impl FnOnce(&mut AutoCommit)) {
    let store = &relay.state.store;
    let mut doc = match store.doc_bytes(day).expect("read") {
        Some(bytes) => AutoCommit::load(&bytes).expect("load"),
        None => AutoCommit::new(),
    };
    let before = doc.get_heads();
    change(&mut doc);
    store
        .append_chunk(day, &doc.save_after(&before))
        .expect("append");
    relay.state.sync.doc_written(day).expect("tell the hub");
}

async fn visits(relay: &Relay, guardian: &str) -> Vec<FamilyVisit> {
    let (status, bytes) = relay.bytes("/api/family/doc", Some(guardian)).await;
    assert_eq!(status, 200);
    load_visits(&AutoCommit::load(&bytes).expect("family document"))
}

async fn wait_for_visits(
    relay: &Relay,
    guardian: &str,
    what: &str,
    done: impl Fn(&[FamilyVisit]) -> bool,
) -> Vec<FamilyVisit> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = visits(relay, guardian).await;
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: still {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn check_ins_appear_in_the_familys_own_history_and_nobody_elses() {
    let relay = Relay::open(true);
    tokio::spawn(hiroba_relay::projection::run(relay.state.clone()));
    let staff = relay.login_staff("r01-staff", "demo-staff-2026").await;
    let (_, _, ours) = registered_family(&relay, &staff, application("hist-0001"), &["R01"]).await;
    let (_, _, theirs) =
        registered_family(&relay, &staff, application("hist-0002"), &["R01"]).await;
    assert!(visits(&relay, &ours).await.is_empty(), "no visit yet");

    let (_, pass) = relay.get("/api/family/pass", Some(&ours)).await;
    let pass: PassId = pass["pass_id"]
        .as_str()
        .expect("pass id")
        .parse()
        .expect("pass id");
    let now = hiroba_relay::accounts::system_now();
    let arrived = Timestamp(now.0 - 3_600);
    let day = DocId::attendance(RoomId(1), arrived.jst_date());
    write_attendance(&relay, &day, |doc| {
        let check_in = CheckIn {
            pass,
            source: Source::AppPass,
            children: vec![YearMonth::new(2024, 8).expect("month")],
            guardians: 2,
            at: arrived,
        };
        record_check_in(doc, &VisitId::from_random(&[7; 16]), &check_in).expect("check in");
        let stranger = CheckIn {
            pass: PassId([0xee; 8]),
            ..check_in
        };
        record_check_in(doc, &VisitId::from_random(&[8; 16]), &stranger).expect("check in");
    });
    let seen = wait_for_visits(&relay, &ours, "the check-in", |v| v.len() == 1).await;
    assert_eq!(
        (
            seen[0].room,
            seen[0].arrived,
            seen[0].left,
            seen[0].children,
            seen[0].guardians
        ),
        (RoomId(1), arrived, None, 1, 2)
    );
    assert!(seen[0].by_app);

    // The check-out reaches the history too.
    let left = Timestamp(now.0 - 60);
    write_attendance(&relay, &day, |doc| {
        record_check_out(doc, &EventId::from_random(&[9; 16]), pass, left).expect("check out");
    });
    wait_for_visits(&relay, &ours, "the check-out", |v| {
        v.len() == 1 && v[0].left == Some(left)
    })
    .await;
    assert!(
        visits(&relay, &theirs).await.is_empty(),
        "another family sees nothing"
    );

    // A guardian reads the notices and its own document, nothing else.
    let (status, _) = relay.bytes("/api/docs/notices", Some(&ours)).await;
    assert_eq!(status, 200);
    let (status, _) = relay.bytes("/api/docs/notices", None).await;
    assert_eq!(status, 404);
    let (status, _) = relay.bytes(&format!("/api/docs/{day}"), Some(&ours)).await;
    assert_eq!(status, 404, "attendance holds every family");
    let (status, _) = relay.bytes("/api/family/doc", Some(&staff)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_demo_city_has_notices_for_its_families_ages_and_rooms() {
    let relay = Relay::open(true);
    let guardian = relay.login_family("HB-DEMA-2222", "demo-family-a").await;
    let (status, bytes) = relay.bytes("/api/docs/notices", Some(&guardian)).await;
    assert_eq!(status, 200);
    let doc = AutoCommit::load(&bytes).expect("notices");
    let (_, family) = relay.get("/api/family", Some(&guardian)).await;
    let rooms: Vec<RoomId> = serde_json::from_value(family["rooms"].clone()).expect("rooms");
    let births: Vec<hiroba_engine::calendar::Date> = family["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            c["birth_date"]
                .as_str()
                .expect("date")
                .parse()
                .expect("date")
        })
        .collect();
    let ids: Vec<String> = hiroba_engine::notice::for_family(
        &doc,
        &rooms,
        &births,
        hiroba_relay::accounts::system_now(),
    )
    .into_iter()
    .map(|(id, _)| id)
    .collect();
    // Family A: R01 and R02, children of about 2 and 4 years.
    assert!(ids.contains(&"demo-letter".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"demo-baby-course".to_owned()), "{ids:?}");
}

/// The usage report's 新規登録 of one room (or `all`) for today.
async fn new_registrations(relay: &Relay, admin: &str, room: &str, period: &str) -> Value {
    let today = hiroba_relay::accounts::system_now().jst_date();
    let query = match period {
        "daily" => format!("date={today}"),
        _ => format!("month={}", today.year_month()),
    };
    let (status, report) = relay
        .get(
            &format!("/api/staff/reports/{period}?room={room}&{query}&format=json"),
            Some(admin),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    report["total"]["new_registrations"].clone()
}

#[tokio::test]
async fn a_first_registration_for_a_room_counts_once_in_that_rooms_report() {
    let relay = Relay::open(true);
    let admin = relay.login_staff("admin", "demo-admin-2026").await;
    let scopes = ["R02", "R03", "R04", "all"];
    let mut before = Vec::new();
    for period in ["daily", "monthly"] {
        for room in scopes {
            let n = new_registrations(&relay, &admin, room, period).await;
            before.push(n.as_u64().expect("a count"));
        }
    }

    let (_, _, guardian) =
        registered_family(&relay, &admin, application("newreg-0001"), &["R02", "R03"]).await;
    // Leaving R03 and coming back is not a new registration.
    for rooms in [json!(["R02"]), json!(["R02", "R03"])] {
        let (status, pass) = relay
            .put(
                "/api/family/rooms",
                Some(&guardian),
                json!({ "rooms": rooms }),
            )
            .await;
        assert_eq!(status, 200, "{pass}");
    }

    let mut after = Vec::new();
    for period in ["daily", "monthly"] {
        for room in scopes {
            let n = new_registrations(&relay, &admin, room, period).await;
            after.push(n.as_u64().expect("a count"));
        }
    }
    let added: Vec<u64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    // R02 and R03 once each, R04 none, the city both: today and this month.
    assert_eq!(
        added,
        [1, 1, 0, 2, 1, 1, 0, 2],
        "before {before:?}, after {after:?}"
    );
}
