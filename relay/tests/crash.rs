//! SPEC §4: anything the relay acknowledges survives `kill -9` — a synced
//! change, an application it answered with a receipt, a password change it
//! confirmed.
//!
//! The real `relay` binary runs on a temp data dir; a client sends its
//! request and waits for the relay's answer (sent only after sled flushed),
//! the process is killed with SIGKILL at once (sled would otherwise write
//! its buffers within 500 ms), and the record is read back from the same
//! data dir.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT, ReadDoc};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, FamilyId, RoomId};
use hiroba_engine::sync::DocSet;
use hiroba_relay::accounts::application::{self, Application};
use hiroba_relay::accounts::credentials::{hash_password_now, verify_password};
use hiroba_relay::accounts::family::{self, Family};
use hiroba_relay::accounts::records;
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::store::Store;
use hiroba_relay::sync::client::{Availability, SyncClient};
use serde_json::{Value, json};

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The relay process; killed when dropped so a failing test leaves none.
struct Relay(Child);

impl Relay {
    /// SIGKILL, with no chance to flush on the way out.
    fn kill_9(mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reap");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port and reads the address it prints.
fn start(data: &Path) -> (Relay, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--bind", "127.0.0.1:0", "--log", "warn", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the relay binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let relay = Relay(child);
    // The first line is "Hiroba relay for … on http://ADDR/"; reading it
    // blocks until the relay listens, so no sleep is needed. The rest is
    // drained so the relay never writes into a closed pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let _ = tx.send(first);
        for _ in lines {}
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the relay prints its address");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    (relay, addr)
}

#[tokio::test]
async fn an_acknowledged_change_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Prepare a kiosk session in the data dir before the relay owns it.
    let token = {
        let store = Store::open(dir.path()).expect("store");
        let kiosk = Identity::Kiosk {
            device: "crash-kiosk".to_owned(),
            room: RoomId(4),
        };
        let token = Sessions::open(&store)
            .expect("sessions")
            .create(&kiosk, now(), 3600, [42; 32])
            .expect("session");
        store.flush().await.expect("flush");
        token
    };
    let today = DocId::attendance(RoomId(4), "2026-11-24".parse().expect("date"));
    let (mut relay, addr) = start(dir.path());
    let mut kiosk = SyncClient::connect(addr, Some(&token), ActorId::from([4u8; 16]), "kiosk")
        .await
        .expect("connect");
    kiosk
        .docs
        .doc_mut(&today)
        .put(ROOT, "in/acknowledged", 1_i64)
        .expect("put");
    let synced = kiosk
        .sync_doc(&today, Duration::from_secs(10))
        .await
        .expect("sync");
    assert_eq!(synced, Availability::Synced);
    // Acknowledged: kill -9 at once, with no chance to flush on the way out.
    relay.0.kill().expect("SIGKILL");
    relay.0.wait().expect("reap");
    drop(kiosk);

    let store = Store::open(dir.path()).expect("reopen the data dir");
    let mut docs = DocSet::new(ActorId::from([9u8; 16]));
    docs.load(&today, store.doc_chunks(&today).expect("chunks"))
        .expect("stored chunks load");
    let doc = docs.doc(&today).expect("loaded");
    assert!(
        doc.get(ROOT, "in/acknowledged").ok().flatten().is_some(),
        "the acknowledged change is on disk"
    );
    drop(docs);
    drop(store);

    // And a restarted relay serves it.
    let (_relay, addr) = start(dir.path());
    let mut again = SyncClient::connect(addr, Some(&token), ActorId::from([5u8; 16]), "kiosk-2")
        .await
        .expect("reconnect");
    assert_eq!(
        again
            .sync_doc(&today, Duration::from_secs(10))
            .await
            .expect("sync"),
        Availability::Synced
    );
    let doc = again.docs.doc(&today).expect("synced");
    assert!(doc.get(ROOT, "in/acknowledged").ok().flatten().is_some());
}

/// A JSON POST over plain HTTP/1.1 (one request per connection); the
/// status and the JSON answer.
fn post(addr: SocketAddr, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let auth = token.map_or_else(String::new, |t| format!("authorization: Bearer {t}\r\n"));
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_acknowledged_application_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (relay, addr) = start(dir.path());
    let form = json!({
        "submission_id": "crash-submission-1",
        "guardians": [{ "name": "試験 花子", "kana": "しけん はなこ" }],
        "address": "ひろば市中央1-2-3",
        "phone": "090-1234-5678",
        "children": [{ "name": "試験 太郎", "kana": "しけん たろう", "birth_date": "2024-08-15" }],
        "other_adults": [],
        "consent": true
    });
    let (status, answer) = post(addr, "/api/applications", None, &form);
    assert_eq!(status, 201, "{answer}");
    let receipt = answer["receipt"].as_str().unwrap_or_default().to_owned();
    relay.kill_9();

    let store = Store::open(dir.path()).expect("reopen the data dir");
    let tree = store.tree("accounts").expect("accounts tree");
    let stored: Option<Application> =
        records::get(&tree, &application::key(&receipt)).expect("read");
    assert!(stored.is_some(), "the application {receipt} is on disk");
    let by_submission: Option<String> =
        records::get(&tree, &application::submission_key("crash-submission-1")).expect("read");
    assert_eq!(by_submission.as_deref(), Some(receipt.as_str()));
}

#[tokio::test]
async fn a_confirmed_password_change_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let family_id = FamilyId::from_random([7; 8]);
    let login_id = "HB-CRSH-2222";
    // A family with its initial password, in the data dir before the relay
    // owns it.
    {
        let store = Store::open(dir.path()).expect("store");
        let tree = store.tree("accounts").expect("accounts tree");
        let family = Family {
            id: family_id.clone(),
            login_id: login_id.to_owned(),
            password_hash: hash_password_now("initial-pass-1").expect("hash"),
            must_change_password: true,
            receipt: "AP-CRSH-2222".to_owned(),
            guardians: 1,
            children: Vec::new(),
            rooms: Vec::new(),
            registered: Default::default(),
            app_pass: None,
            cards: Vec::new(),
            created_at: Timestamp(0),
        };
        records::put(&tree, &family::key(&family_id), &family).expect("family");
        records::put(&tree, &family::login_key(login_id), &family_id).expect("login");
        store.flush().await.expect("flush");
    }
    let (relay, addr) = start(dir.path());
    let (status, answer) = post(
        addr,
        "/api/family/login",
        None,
        &json!({ "login_id": login_id, "password": "initial-pass-1" }),
    );
    assert_eq!(status, 200, "login: {answer}");
    let token = answer["token"].as_str().unwrap_or_default().to_owned();
    let (status, answer) = post(
        addr,
        "/api/family/password",
        Some(&token),
        &json!({ "current_password": "initial-pass-1", "new_password": "garden-swing-73" }),
    );
    assert_eq!(status, 200, "change: {answer}");
    relay.kill_9();

    let store = Store::open(dir.path()).expect("reopen the data dir");
    let tree = store.tree("accounts").expect("accounts tree");
    let family: Family = records::get(&tree, &family::key(&family_id))
        .expect("read")
        .expect("the family is on disk");
    assert!(
        !family.must_change_password,
        "the change is on disk, not the initial password"
    );
    assert!(
        verify_password("garden-swing-73".to_owned(), Some(family.password_hash)).await,
        "the new password works after the crash"
    );
}
