//! The accounts flow against the real relay served on 127.0.0.1:0 over
//! real sled files, with a minimal HTTP/1.1 client (so the client address
//! the throttle sees is a real one), then a restart: what was
//! acknowledged is still there.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// A served relay and the means to stop it.
struct Served {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn serve(dir: &std::path::Path) -> Served {
    let options = hiroba_relay::Options {
        data_dir: dir.to_owned(),
        web_dir: None,
        demo: true,
    };
    let state = hiroba_relay::open(&options, hiroba_relay::accounts::system_now()).expect("open");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        hiroba_relay::serve(listener, state, shutdown)
            .await
            .expect("serve");
    });
    Served { addr, stop, task }
}

/// One request over a fresh connection; answers status, headers and JSON.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("http response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_flow_works_over_a_socket_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let relay = serve(dir.path()).await;
    let addr = relay.addr;

    let form = json!({
        "submission_id": "socket-flow-1",
        "guardians": [{ "name": "試験 花子", "kana": "しけん はなこ" }],
        "address": "ひろば市中央1-2-3",
        "phone": "0312345678",
        "children": [{ "name": "試験 太郎", "kana": "しけん たろう", "birth_date": "2023-01-31" }],
        "consent": true
    });
    let (status, _, applied) = call(addr, "POST", "/api/applications", None, Some(form)).await;
    assert_eq!(status, 201, "{applied}");
    let receipt = applied["receipt"].as_str().expect("receipt").to_owned();

    let (_, _, admin) = call(
        addr,
        "POST",
        "/api/staff/login",
        None,
        Some(json!({ "login_id": "admin", "password": "demo-admin-2026" })),
    )
    .await;
    let admin = admin["token"].as_str().expect("token").to_owned();
    let (status, _, approved) = call(
        addr,
        "POST",
        &format!("/api/staff/applications/{receipt}/approve"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 201, "{approved}");
    let login_id = approved["login_id"].as_str().expect("id").to_owned();
    let initial = approved["initial_password"]
        .as_str()
        .expect("pw")
        .to_owned();

    let (_, _, first) = call(
        addr,
        "POST",
        "/api/family/login",
        None,
        Some(json!({ "login_id": login_id, "password": initial })),
    )
    .await;
    let change = first["token"].as_str().expect("token").to_owned();
    let (status, _, changed) = call(
        addr,
        "POST",
        "/api/family/password",
        Some(&change),
        Some(json!({ "current_password": initial, "new_password": "hinata-2026" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let token = changed["token"].as_str().expect("token").to_owned();
    let (status, _, pass) = call(
        addr,
        "PUT",
        "/api/family/rooms",
        Some(&token),
        Some(json!({ "rooms": ["R05"] })),
    )
    .await;
    assert_eq!(status, 200, "{pass}");

    // The throttle sees the real client address and answers Retry-After.
    let wrong = json!({ "login_id": login_id, "password": "not-it" });
    for _ in 0..6 {
        let (status, _, _) =
            call(addr, "POST", "/api/family/login", None, Some(wrong.clone())).await;
        assert_eq!(status, 401);
    }
    let (status, head, body) = call(addr, "POST", "/api/family/login", None, Some(wrong)).await;
    assert_eq!(status, 429, "{body}");
    assert!(head.contains("retry-after: "), "{head}");

    let _ = relay.stop.send(());
    relay.task.await.expect("relay stopped");

    // Restart on the same sled files: the account, password and pass remain.
    let relay = serve(dir.path()).await;
    let (status, _, login) = call(
        relay.addr,
        "POST",
        "/api/family/login",
        None,
        Some(json!({ "login_id": login_id, "password": "hinata-2026" })),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("token").to_owned();
    let (_, _, after) = call(relay.addr, "GET", "/api/family/pass", Some(&token), None).await;
    assert_eq!(after["text"], pass["text"]);
    let _ = relay.stop.send(());
    relay.task.await.expect("relay stopped");
}
