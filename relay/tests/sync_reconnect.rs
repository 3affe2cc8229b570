//! Cheap reconnects against a real relay on `127.0.0.1:0` with real sled
//! files: a kiosk that synced a busy day document reconnects (to the same
//! relay and to a restarted one on the same data dir) and exchanges a small
//! fraction of the first sync; a kiosk that lost its data still gets
//! everything; two connections of one kiosk identity both converge.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::{ActorId, ROOT, ReadDoc};
use hiroba_engine::attendance::{CheckIn, Source, VisitId, record_check_in};
use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
use hiroba_engine::ids::{DocId, PassId, RoomId};
use hiroba_engine::sync::DocSet;
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::sync::client::{Availability, SyncClient};
use hiroba_relay::{Options, RelayState};
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(20);

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A relay serving `dir`; [`Relay::stop`] shuts it down gracefully.
struct Relay {
    addr: SocketAddr,
    state: Arc<RelayState>,
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

/// Opens and serves the data dir. sled locks its files until every handle
/// of the previous relay is gone, so opening is retried until a deadline.
async fn start(dir: &Path) -> Relay {
    let options = Options {
        data_dir: dir.to_owned(),
        web_dir: None,
        demo: false,
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    let state = loop {
        match hiroba_relay::open(&options, now()) {
            Ok(state) => break state,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::task::yield_now().await;
            }
            Err(e) => panic!("cannot open the relay: {e}"),
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let state_for_server = state.clone();
    let served = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = hiroba_relay::serve(listener, state_for_server, shutdown).await;
    });
    Relay {
        addr,
        state,
        stop,
        served,
    }
}

impl Relay {
    fn token(&self, who: &Identity, n: u8) -> String {
        Sessions::open(&self.state.store)
            .expect("sessions")
            .create(who, now(), 3600, [n; 32])
            .expect("session")
    }

    /// Waits until the relay has handled every disconnect (and so
    /// persisted the peer states).
    async fn wait_for_connections(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.state.sync.connections() != n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay still has {} connections",
                self.state.sync.connections()
            );
            tokio::task::yield_now().await;
        }
    }

    /// Graceful shutdown; returns once the server task has finished.
    async fn stop(self) {
        let Relay {
            state,
            stop,
            served,
            ..
        } = self;
        let _ = stop.send(());
        served.await.expect("server task");
        drop(state);
    }
}

fn kiosk(device: &str) -> Identity {
    Identity::Kiosk {
        device: device.to_owned(),
        room: RoomId(1),
    }
}

fn day() -> (Date, DocId) {
    let date: Date = "2026-11-24".parse().expect("date");
    (date, DocId::attendance(RoomId(1), date))
}

/// Records `count` check-ins numbered from `first` into `docs`.
fn check_ins(docs: &mut DocSet, first: u32, count: u32) {
    let (date, doc) = day();
    let automerge_doc = docs.doc_mut(&doc);
    for i in first..first + count {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&i.to_be_bytes());
        let mut pass = [7u8; 8];
        pass[..4].copy_from_slice(&i.to_be_bytes());
        let check_in = CheckIn {
            pass: PassId(pass),
            source: Source::AppPass,
            children: vec![YearMonth::new(2024, 5).expect("month")],
            guardians: 1,
            at: Timestamp::from_jst(date, 10, i % 60),
        };
        record_check_in(automerge_doc, &VisitId::from_random(&id), &check_in).expect("check in");
    }
}

fn entries(docs: &DocSet) -> usize {
    docs.doc(&day().1).map_or(0, |d| d.keys(ROOT).count())
}

/// A copy of `docs`'s day document in a new set, as a kiosk reloads it from
/// its own storage, with no sync state.
fn reloaded(docs: &mut DocSet, actor: u8) -> DocSet {
    let doc = day().1;
    let saved = docs.doc_mut(&doc).save();
    let mut copy = DocSet::new(ActorId::from([actor; 16]));
    copy.load(&doc, vec![saved]).expect("our own save");
    copy
}

/// Syncs the day document over a new connection; the bytes it took (both
/// directions, handshake excluded) and the documents afterwards.
async fn sync_once(relay: &Relay, token: &str, docs: DocSet, peer: &str) -> (u64, DocSet) {
    let mut client = SyncClient::connect_with(relay.addr, Some(token), docs, peer)
        .await
        .expect("connect and join");
    let (sent, received) = client.traffic();
    let synced = client.sync_doc(&day().1, WAIT).await.expect("sync");
    assert_eq!(synced, Availability::Synced);
    let (sent_after, received_after) = client.traffic();
    let bytes = sent_after - sent + received_after - received;
    (bytes, client.disconnect().await)
}

/// The heads of the day document as the relay stored it.
fn stored_heads(relay: &Relay) -> Vec<automerge::ChangeHash> {
    let doc = day().1;
    let mut docs = DocSet::new(ActorId::from([250u8; 16]));
    docs.load(&doc, relay.state.store.doc_chunks(&doc).expect("chunks"))
        .expect("stored by the relay");
    docs.doc_mut(&doc).get_heads()
}

#[tokio::test]
async fn a_kiosk_reconnect_exchanges_only_what_is_new_even_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, doc) = day();
    let relay = start(dir.path()).await;
    let token = relay.token(&kiosk("k1"), 1);
    let other_token = relay.token(&kiosk("k2"), 2);

    let mut docs = DocSet::new(ActorId::from([1u8; 16]));
    check_ins(&mut docs, 0, 2000);
    let (first, mut docs) = sync_once(&relay, &token, docs, "kiosk-k1").await;
    relay.wait_for_connections(0).await;

    // The cost without kept states: the same document, fresh on both sides.
    let fresh_docs = reloaded(&mut docs, 2);
    let (fresh, _) = sync_once(&relay, &other_token, fresh_docs, "kiosk-k2").await;
    relay.wait_for_connections(0).await;

    let (warm, mut docs) = sync_once(&relay, &token, docs, "kiosk-k1").await;
    relay.wait_for_connections(0).await;
    eprintln!(
        "first sync {first} B, fresh-state reconnect {fresh} B, kept-state reconnect {warm} B"
    );
    assert!(
        warm * 10 < first,
        "reconnect {warm} B vs first sync {first} B"
    );
    assert!(
        warm * 4 < fresh,
        "reconnect {warm} B vs fresh state {fresh} B"
    );

    // A new visit after a reconnect still arrives.
    check_ins(&mut docs, 2000, 1);
    let (_, mut docs) = sync_once(&relay, &token, docs, "kiosk-k1").await;
    relay.wait_for_connections(0).await;
    assert_eq!(stored_heads(&relay), docs.doc_mut(&doc).get_heads());

    // Restart the relay on the same data dir; the kiosk persists its state
    // with the engine's encoding and restores it into reloaded documents.
    relay.stop().await;
    let relay = start(dir.path()).await;
    let kept = docs
        .encode_peer_state(&SyncClient::relay_peer(), &doc)
        .expect("the kiosk has a state for the relay");
    let mut restarted_docs = reloaded(&mut docs, 1);
    restarted_docs
        .restore_peer_state(&SyncClient::relay_peer(), &doc, &kept)
        .expect("our own state");
    let (after_restart, mut restarted_docs) =
        sync_once(&relay, &token, restarted_docs, "kiosk-k1").await;
    relay.wait_for_connections(0).await;
    eprintln!("kept-state reconnect after a relay restart {after_restart} B");
    assert!(
        after_restart * 10 < first,
        "after restart {after_restart} B vs first sync {first} B"
    );
    assert!(after_restart * 4 < fresh);
    assert_eq!(
        stored_heads(&relay),
        restarted_docs.doc_mut(&doc).get_heads()
    );

    // The relay's stored state is stale for a kiosk that lost its data:
    // it must still get the whole day.
    let mut wiped =
        SyncClient::connect(relay.addr, Some(&token), ActorId::from([3u8; 16]), "wiped")
            .await
            .expect("connect");
    assert_eq!(
        wiped.sync_doc(&doc, WAIT).await.expect("sync"),
        Availability::Synced
    );
    assert_eq!(entries(&wiped.docs), 2001);
    wiped.close().await;
    relay.stop().await;
}

#[tokio::test]
async fn two_connections_of_one_kiosk_both_converge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, doc) = day();
    let relay = start(dir.path()).await;
    let token = relay.token(&kiosk("k1"), 1);
    let connect = |actor: u8, peer: &'static str| {
        SyncClient::connect(relay.addr, Some(&token), ActorId::from([actor; 16]), peer)
    };
    let mut a = connect(1, "tab-a").await.expect("connect a");
    let mut b = connect(2, "tab-b").await.expect("connect b");
    check_ins(&mut a.docs, 0, 50);
    check_ins(&mut b.docs, 1000, 50);
    assert_eq!(
        a.sync_doc(&doc, WAIT).await.expect("a"),
        Availability::Synced
    );
    assert_eq!(
        b.sync_doc(&doc, WAIT).await.expect("b"),
        Availability::Synced
    );
    // b's sync brought a's visits; a gets b's as a push.
    assert_eq!(entries(&b.docs), 100);
    a.wait_until(WAIT, |docs| entries(docs) == 100)
        .await
        .expect("a converges");
    check_ins(&mut a.docs, 2000, 5);
    assert_eq!(
        a.sync_doc(&doc, WAIT).await.expect("a"),
        Availability::Synced
    );
    b.wait_until(WAIT, |docs| entries(docs) == 105)
        .await
        .expect("b converges");

    // Both reconnect with their kept states, in the other order.
    let mut b_docs = b.disconnect().await;
    let a_docs = a.disconnect().await;
    relay.wait_for_connections(0).await;
    check_ins(&mut b_docs, 3000, 1);
    let (_, mut b_docs) = sync_once(&relay, &token, b_docs, "tab-b").await;
    let (_, mut a_docs) = sync_once(&relay, &token, a_docs, "tab-a").await;
    assert_eq!(entries(&a_docs), 106);
    assert_eq!(
        a_docs.doc_mut(&doc).get_heads(),
        b_docs.doc_mut(&doc).get_heads()
    );
    relay.wait_for_connections(0).await;
    assert_eq!(stored_heads(&relay), a_docs.doc_mut(&doc).get_heads());
    relay.stop().await;
}
