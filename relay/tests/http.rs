//! The relay's HTTP API, through warp's test client over real sled files.

use std::sync::Arc;

use automerge::AutoCommit;
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::pass::{SignedPass, VerifyContext, verify_scan};
use hiroba_engine::trust::{Revocations, TrustList};
use hiroba_relay::{Options, RelayState};

const NOW: Timestamp = Timestamp(1_795_000_000);

fn relay(demo: bool) -> (tempfile::TempDir, Arc<RelayState>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let web = tempfile::tempdir().expect("web dir");
    std::fs::create_dir_all(web.path().join("kiosk")).expect("kiosk dir");
    std::fs::write(web.path().join("kiosk/index.html"), "<p>kiosk</p>").expect("index");
    let options = Options {
        data_dir: dir.path().to_owned(),
        web_dir: Some(web.keep()),
        demo,
    };
    let state = hiroba_relay::open(&options, NOW).expect("open relay");
    (dir, state)
}

async fn get(state: &Arc<RelayState>, path: &str) -> warp::http::Response<Vec<u8>> {
    warp::test::request()
        .path(path)
        .reply(&hiroba_relay::http::routes(state.clone()))
        .await
        .map(|body| body.to_vec())
}

fn json(res: &warp::http::Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(res.body()).expect("json body")
}

#[tokio::test]
async fn config_lists_the_city_and_its_rooms() {
    let (_dir, state) = relay(false);
    let res = get(&state, "/api/config").await;
    assert_eq!(res.status(), 200);
    let body = json(&res);
    assert_eq!(body["rooms"].as_array().map(Vec::len), Some(11));
    assert_eq!(body["rooms"][2]["id"], "R03");
}

#[tokio::test]
async fn the_trust_list_verifies_demo_passes_and_nothing_else_is_public() {
    let (_dir, state) = relay(true);
    let trust = get(&state, "/api/docs/trust-list").await;
    assert_eq!(trust.status(), 200);
    let trust = TrustList::load(&AutoCommit::load(trust.body()).expect("automerge doc"))
        .expect("trust list");
    let revs = get(&state, "/api/docs/revocations").await;
    let revs = Revocations::load(&AutoCommit::load(revs.body()).expect("automerge doc"))
        .expect("revocations");
    let demo = json(&get(&state, "/api/demo/pass").await);
    let text = demo["text"].as_str().expect("pass text");
    let ctx = VerifyContext {
        city: state.city.city,
        room: RoomId(1),
        trust: &trust,
        revocations: &revs,
    };
    let claims =
        verify_scan(text, &ctx, NOW).expect("demo pass verifies with the served trust list");
    assert_eq!(SignedPass::from_text(text).expect("parses").claims, claims);

    // Attendance is never served over this public route.
    let id = DocId::attendance(RoomId(1), NOW.jst_date());
    let res = get(&state, &format!("/api/docs/{id}")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(json(&res)["code"], "doc_unavailable");
}

#[tokio::test]
async fn demo_data_survives_a_restart_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = Options {
        data_dir: dir.path().to_owned(),
        web_dir: None,
        demo: true,
    };
    let first = hiroba_relay::open(&options, NOW).expect("first start");
    let passes = first.demo_passes.clone();
    first.store.flush().await.expect("flush");
    drop(first);
    let second = hiroba_relay::open(&options, NOW.plus_seconds(3600)).expect("second start");
    assert_eq!(
        second.demo_passes, passes,
        "the same demo families, not new ones"
    );
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let (_dir, state) = relay(false);
    for (path, status, code) in [
        ("/api/nothing", 404, "not_found"),
        ("/api/demo/pass", 404, "no_demo"),
        ("/api/docs/..%2F..%2Fetc", 404, "not_found"),
    ] {
        let res = get(&state, path).await;
        assert_eq!(res.status(), status, "{path}");
        let body = json(&res);
        assert_eq!(body["code"], code, "{path}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn apps_are_served_under_their_folders() {
    let (_dir, state) = relay(false);
    let res = get(&state, "/kiosk/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.body(), b"<p>kiosk</p>");
    let res = get(&state, "/kiosk").await;
    assert_eq!(res.status(), 308, "a permanent redirect");
    assert_eq!(res.headers()["location"], "/kiosk/");
}
