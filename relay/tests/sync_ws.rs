//! The sync endpoint against a real relay on `127.0.0.1:0` with real sled
//! files: authorization for every role, convergence between two kiosks,
//! malformed frames, and idle documents unloading.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT, ReadDoc};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, FamilyId, RoomId};
use hiroba_engine::sync::{DocMessage, DocSet, RepoMessage};
use hiroba_relay::auth::{Identity, Sessions, StaffRole};
use hiroba_relay::sync::client::{Availability, ClientError, SyncClient};
use hiroba_relay::{Options, RelayState};
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

struct Relay {
    addr: SocketAddr,
    state: Arc<RelayState>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

async fn start() -> Relay {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = Options {
        data_dir: dir.path().to_owned(),
        web_dir: None,
        demo: false,
    };
    let state = hiroba_relay::open(&options, now()).expect("open relay");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = hiroba_relay::serve(listener, served, shutdown).await;
    });
    Relay {
        addr,
        state,
        _stop: stop,
        _dir: dir,
    }
}

impl Relay {
    fn token(&self, who: &Identity, n: u8) -> String {
        Sessions::open(&self.state.store)
            .expect("sessions")
            .create(who, now(), 3600, [n; 32])
            .expect("session")
    }

    async fn client(&self, token: Option<&str>, n: u8) -> SyncClient {
        SyncClient::connect(
            self.addr,
            token,
            ActorId::from([n; 16]),
            &format!("client-{n}"),
        )
        .await
        .expect("connect and join")
    }

    /// Stores a document holding `seed = name`, as another module would.
    fn seed(&self, doc: &DocId) {
        let mut docs = DocSet::new(ActorId::from([200u8; 16]));
        docs.load(doc, self.state.store.doc_chunks(doc).expect("chunks"))
            .expect("load");
        docs.doc_mut(doc)
            .put(ROOT, "seed", doc.as_str())
            .expect("put");
        for op in docs.take_pending_saves() {
            self.state
                .store
                .append_chunk(op.id(), op.bytes())
                .expect("append");
        }
        self.state.sync.doc_written(doc).expect("register");
    }
}

fn seed_of(client: &SyncClient, doc: &DocId) -> Option<String> {
    let (value, _) = client.docs.doc(doc)?.get(ROOT, "seed").ok()??;
    value.into_string().ok()
}

#[tokio::test]
async fn each_role_syncs_exactly_its_documents_and_the_rest_look_missing() {
    let relay = start().await;
    let date = "2026-11-24".parse().expect("date");
    let ours = FamilyId::from_random([1; 8]);
    let theirs = FamilyId::from_random([2; 8]);
    let docs = [
        DocId::attendance(RoomId(1), date),
        DocId::attendance(RoomId(2), date),
        DocId::trust_list(),
        DocId::revocations(),
        DocId::notices(),
        DocId::events(),
        DocId::family(&ours),
        DocId::family(&theirs),
        DocId::consultation("c1"),
    ];
    for doc in &docs {
        relay.seed(doc);
    }
    let kiosk = Identity::Kiosk {
        device: "d1".to_owned(),
        room: RoomId(1),
    };
    let staff = Identity::Staff {
        account: "s1".to_owned(),
        role: StaffRole::RoomStaff,
        room: Some(RoomId(1)),
    };
    let admin = Identity::Staff {
        account: "a1".to_owned(),
        role: StaffRole::Administrator,
        room: None,
    };
    let guardian = Identity::Guardian { family: ours };
    #[rustfmt::skip]
    let cases: [(&str, Option<&Identity>, [bool; 9]); 6] = [
        //                              R01    R02    trust  revoc  notice events ours   theirs consult
        ("no token",   None,            [false, false, false, false, false, false, false, false, false]),
        ("bad token",  Some(&Identity::Anonymous), [false; 9]),
        ("kiosk",      Some(&kiosk),    [true,  false, true,  true,  true,  false, false, false, false]),
        ("staff",      Some(&staff),    [true,  false, true,  true,  true,  true,  true,  true,  true ]),
        ("admin",      Some(&admin),    [true,  true,  true,  true,  true,  true,  true,  true,  true ]),
        ("guardian",   Some(&guardian), [false, false, false, false, true,  true,  true,  false, false]),
    ];
    for (n, (role, who, allowed)) in (1u8..).zip(cases) {
        let token = match who {
            None => None,
            Some(Identity::Anonymous) => Some("not-a-session".to_owned()),
            Some(who) => Some(relay.token(who, n)),
        };
        let mut client = relay.client(token.as_deref(), n).await;
        for (doc, want) in docs.iter().zip(allowed) {
            let got = client.sync_doc(doc, WAIT).await.expect("sync");
            let want_got = if want {
                Availability::Synced
            } else {
                Availability::Unavailable
            };
            assert_eq!(got, want_got, "{role} → {doc}");
            if want {
                assert_eq!(seed_of(&client, doc).as_deref(), Some(doc.as_str()));
            }
        }
        client.close().await;
    }
}

#[tokio::test]
async fn unauthorized_and_missing_answers_are_identical_bytes() {
    let relay = start().await;
    let consultation = DocId::consultation("c1");
    relay.seed(&consultation);
    let kiosk = Identity::Kiosk {
        device: "d1".to_owned(),
        room: RoomId(1),
    };
    let token = relay.token(&kiosk, 1);
    let mut client = relay.client(Some(&token), 1).await;
    let mut answers = Vec::new();
    for doc in [consultation, DocId::consultation("never-made")] {
        let ask = |name: Option<String>| {
            RepoMessage::Request(DocMessage {
                sender_id: "client-1".to_owned(),
                target_id: "hiroba-relay".to_owned(),
                document_id: doc.repo_id(),
                data: {
                    let mut empty = DocSet::new(ActorId::from([3u8; 16]));
                    empty.doc_mut(&doc);
                    let peer = hiroba_engine::sync::PeerId::new("relay");
                    empty
                        .generate_sync_message(&peer, &doc)
                        .expect("first message")
                },
                name,
            })
        };
        client
            .send_raw(ask(Some(doc.as_str().to_owned())).encode())
            .await
            .expect("send");
        let answer = client.recv(WAIT).await.expect("answer");
        let RepoMessage::DocUnavailable { document_id, .. } = &answer else {
            panic!("expected doc-unavailable, got {answer:?}");
        };
        assert_eq!(*document_id, doc.repo_id());
        // Byte for byte what a missing document gets.
        let missing = RepoMessage::DocUnavailable {
            sender_id: "hiroba-relay".to_owned(),
            target_id: "client-1".to_owned(),
            document_id: doc.repo_id(),
        };
        answers.push(answer.encode() == missing.encode());
    }
    assert_eq!(answers, [true, true]);
}

#[tokio::test]
async fn two_kiosks_of_a_room_converge_through_the_relay() {
    let relay = start().await;
    let kiosk = |device: &str| Identity::Kiosk {
        device: device.to_owned(),
        room: RoomId(3),
    };
    let (ta, tb) = (relay.token(&kiosk("a"), 1), relay.token(&kiosk("b"), 2));
    let mut a = relay.client(Some(&ta), 1).await;
    let mut b = relay.client(Some(&tb), 2).await;
    let today = DocId::attendance(RoomId(3), "2026-11-24".parse().expect("date"));
    // Both kiosks create today's document on their own, as offline kiosks do.
    a.docs
        .doc_mut(&today)
        .put(ROOT, "in/visit-a", 1_i64)
        .expect("put");
    b.docs
        .doc_mut(&today)
        .put(ROOT, "in/visit-b", 2_i64)
        .expect("put");
    assert_eq!(
        a.sync_doc(&today, WAIT).await.expect("a syncs"),
        Availability::Synced
    );
    assert_eq!(
        b.sync_doc(&today, WAIT).await.expect("b syncs"),
        Availability::Synced
    );
    let has = |docs: &DocSet, key: &str| {
        docs.doc(&today)
            .is_some_and(|d| d.get(ROOT, key).ok().flatten().is_some())
    };
    assert!(has(&b.docs, "in/visit-a"), "b pulled a's visit");
    a.wait_until(WAIT, |docs| has(docs, "in/visit-b"))
        .await
        .expect("the relay pushes b's visit to a");
    // A later check-out on a reaches b without b asking.
    a.docs
        .doc_mut(&today)
        .put(ROOT, "out/visit-b", 3_i64)
        .expect("put");
    a.sync_doc(&today, WAIT).await.expect("a syncs");
    b.wait_until(WAIT, |docs| has(docs, "out/visit-b"))
        .await
        .expect("push to b");
    // The relay stored the merged document.
    let mut stored = DocSet::new(ActorId::from([9u8; 16]));
    stored
        .load(
            &today,
            relay.state.store.doc_chunks(&today).expect("chunks"),
        )
        .expect("load");
    for key in ["in/visit-a", "in/visit-b", "out/visit-b"] {
        assert!(has(&stored, key), "stored {key}");
    }
}

#[tokio::test]
async fn a_kiosk_that_asked_for_a_day_before_it_existed_gets_it_when_written() {
    let relay = start().await;
    let kiosk = |device: &str| Identity::Kiosk {
        device: device.to_owned(),
        room: RoomId(3),
    };
    let (ta, tb) = (relay.token(&kiosk("a"), 1), relay.token(&kiosk("b"), 2));
    let mut a = relay.client(Some(&ta), 1).await;
    let mut b = relay.client(Some(&tb), 2).await;
    let today = DocId::attendance(RoomId(3), "2026-11-24".parse().expect("date"));
    // b opens the day first thing in the morning: nothing there yet.
    assert_eq!(
        b.sync_doc(&today, WAIT).await.expect("b asks"),
        Availability::Unavailable
    );
    // a records the first visit; b is told without asking again.
    a.docs
        .doc_mut(&today)
        .put(ROOT, "in/visit-a", 1_i64)
        .expect("put");
    a.sync_doc(&today, WAIT).await.expect("a syncs");
    b.wait_until(WAIT, |docs| {
        docs.doc(&today)
            .is_some_and(|d| d.get(ROOT, "in/visit-a").ok().flatten().is_some())
    })
    .await
    .expect("the relay pushes the new day to b");
}

#[tokio::test]
async fn malformed_frames_get_an_error_and_others_are_still_served() {
    let relay = start().await;
    let kiosk = Identity::Kiosk {
        device: "d1".to_owned(),
        room: RoomId(1),
    };
    let token = relay.token(&kiosk, 1);
    let mut good = relay.client(Some(&token), 1).await;
    let garbage: [Vec<u8>; 4] = [
        vec![0xff, 0x00, 0x13],
        Vec::new(),
        // CBOR, but not a message.
        vec![0x83, 0x01, 0x02, 0x03],
        // A well-formed sync frame whose automerge payload is garbage.
        RepoMessage::Sync(DocMessage::for_doc(
            "x",
            "hiroba-relay",
            &DocId::trust_list(),
            vec![0x42, 0xff, 0xff],
        ))
        .encode(),
    ];
    for (n, frame) in (10u8..).zip(garbage) {
        let mut bad = relay.client(Some(&token), n).await;
        bad.send_raw(frame).await.expect("send");
        match bad.recv(WAIT).await {
            Ok(RepoMessage::Error { message, .. }) => assert!(!message.is_empty()),
            other => panic!("expected an error message, got {other:?}"),
        }
        assert!(matches!(
            bad.recv(WAIT).await,
            Err(ClientError::Closed | ClientError::Socket(_))
        ));
    }
    // A sync before join is refused the same way.
    let (mut raw, _) = tokio_tungstenite::connect_async(format!("ws://{}/sync", relay.addr))
        .await
        .expect("connect");
    use futures_util::{SinkExt, StreamExt};
    let early = RepoMessage::Sync(DocMessage::for_doc("x", "y", &DocId::trust_list(), vec![1]));
    raw.send(tokio_tungstenite::tungstenite::Message::binary(
        early.encode(),
    ))
    .await
    .expect("send");
    let reply = raw.next().await.expect("a reply").expect("a frame");
    assert!(matches!(
        RepoMessage::decode(&reply.into_data()),
        Ok(RepoMessage::Error { .. })
    ));
    // The well-behaved kiosk never noticed.
    assert_eq!(
        good.sync_doc(&DocId::trust_list(), WAIT)
            .await
            .expect("sync"),
        Availability::Synced
    );
}

#[tokio::test]
async fn idle_documents_unload_and_come_back_from_sled() {
    let relay = start().await;
    let kiosk = Identity::Kiosk {
        device: "d1".to_owned(),
        room: RoomId(1),
    };
    let token = relay.token(&kiosk, 1);
    let today = DocId::attendance(RoomId(1), "2026-11-24".parse().expect("date"));
    let mut first = relay.client(Some(&token), 1).await;
    first
        .docs
        .doc_mut(&today)
        .put(ROOT, "in/v1", 1_i64)
        .expect("put");
    first.sync_doc(&today, WAIT).await.expect("sync");
    assert_eq!(
        relay.state.sync.unload_idle(Duration::ZERO),
        0,
        "still open"
    );
    first.close().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while relay.state.sync.connections() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "connection never closed"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(relay.state.sync.unload_idle(Duration::ZERO) >= 1);
    assert_eq!(relay.state.sync.loaded_documents(), 0);
    let mut second = relay.client(Some(&token), 2).await;
    assert_eq!(
        second.sync_doc(&today, WAIT).await.expect("sync"),
        Availability::Synced
    );
    let doc = second.docs.doc(&today).expect("synced");
    assert!(doc.get(ROOT, "in/v1").ok().flatten().is_some());
}
