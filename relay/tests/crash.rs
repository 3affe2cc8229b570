//! SPEC §4: anything the relay acknowledges survives `kill -9`.
//!
//! The real `relay` binary runs on a temp data dir; a kiosk sends a change
//! and waits for the relay's answer (sent only after sled flushed), the
//! process is killed with SIGKILL at once, and the change is read back from
//! the same data dir.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT, ReadDoc};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::sync::DocSet;
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::store::Store;
use hiroba_relay::sync::client::{Availability, SyncClient};

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The relay process; killed when dropped so a failing test leaves none.
struct Relay(Child);

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
