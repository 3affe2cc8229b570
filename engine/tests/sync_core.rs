//! The sync core through its public API: kiosks syncing many documents
//! through a relay, reconnects, damaged input, and storage.
//!
//! Every "network" here is the test moving bytes between `DocSet`s, which is
//! exactly what the relay's websocket and the apps' fetch code do.

use automerge::transaction::Transactable;
use automerge::{ActorId, ChangeHash, ROOT, ReadDoc};
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::sync::{DocSet, MemoryStore, PeerId, Received, StorageOp, SyncError};
use proptest::prelude::*;

const RELAY: &str = "relay";

fn relay_peer() -> PeerId {
    PeerId::new(RELAY)
}

fn kiosk_peer(i: usize) -> PeerId {
    PeerId::new(format!("kiosk-{i}"))
}

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn attendance(room: u16, day: u32) -> DocId {
    let date = hiroba_engine::calendar::Date::new(2024, 6, day).expect("June day");
    DocId::attendance(RoomId(room), date)
}

/// Record one fact as its own change, as the attendance module does.
fn put(docs: &mut DocSet, id: &DocId, key: &str, value: i64) {
    let doc = docs.doc_mut(id);
    doc.put(ROOT, key, value).expect("root put");
    doc.commit();
}

fn keys(docs: &DocSet, id: &DocId) -> Vec<String> {
    docs.doc(id)
        .map(|d| d.keys(ROOT).collect())
        .unwrap_or_default()
}

fn heads(docs: &DocSet, id: &DocId) -> Vec<ChangeHash> {
    // `get_heads` needs `&mut` on an AutoCommit (it closes the transaction);
    // a clone reads the same heads.
    docs.doc(id)
        .map(|d| d.clone().get_heads())
        .unwrap_or_default()
}

/// Bytes moved while two peers talk about `ids` until neither has more.
/// `a_sees_b` is how `a` names `b`, and the reverse.
fn exchange(
    a: &mut DocSet,
    a_sees_b: &PeerId,
    b: &mut DocSet,
    b_sees_a: &PeerId,
    ids: &[DocId],
) -> usize {
    let mut moved = 0;
    for round in 0.. {
        assert!(round < 100, "sync did not settle");
        let mut quiet = true;
        for id in ids {
            if let Some(msg) = a.generate_sync_message(a_sees_b, id) {
                moved += msg.len();
                b.receive_sync_message(b_sees_a, id, &msg)
                    .expect("a's message");
                quiet = false;
            }
            if let Some(msg) = b.generate_sync_message(b_sees_a, id) {
                moved += msg.len();
                a.receive_sync_message(a_sees_b, id, &msg)
                    .expect("b's message");
                quiet = false;
            }
        }
        if quiet {
            break;
        }
    }
    moved
}

/// Every kiosk syncs with the relay in turn until a whole round is silent:
/// kiosks never talk to each other directly.
fn sync_through_relay(kiosks: &mut [DocSet], relay: &mut DocSet, ids: &[DocId]) {
    for round in 0.. {
        assert!(round < 20, "hub sync did not settle");
        let mut moved = 0;
        for (i, kiosk) in kiosks.iter_mut().enumerate() {
            moved += exchange(kiosk, &relay_peer(), relay, &kiosk_peer(i), ids);
        }
        if moved == 0 {
            break;
        }
    }
}

fn assert_converged(kiosks: &[DocSet], relay: &DocSet, ids: &[DocId]) {
    for id in ids {
        let want = heads(relay, id);
        assert!(!want.is_empty(), "{id} reached the relay");
        for (i, kiosk) in kiosks.iter().enumerate() {
            assert_eq!(heads(kiosk, id), want, "kiosk {i}, {id}");
            assert_eq!(keys(kiosk, id), keys(relay, id), "kiosk {i}, {id}");
        }
    }
}

/// `n` kiosks, each writing to shared room-day documents (two kiosks in one
/// room) and to documents of its own.
fn kiosks_with_changes(n: usize, docs_each: u32) -> (Vec<DocSet>, Vec<DocId>) {
    let mut kiosks: Vec<DocSet> = (0..n).map(|i| DocSet::new(actor(i as u8 + 1))).collect();
    let mut ids = Vec::new();
    for day in 1..=docs_each {
        let shared = attendance(1, day);
        for (i, kiosk) in kiosks.iter_mut().enumerate() {
            put(kiosk, &shared, &format!("in/k{i}-d{day}"), i64::from(day));
            let own = attendance(10 + i as u16, day);
            put(kiosk, &own, "in/solo", i64::from(day));
            ids.push(own);
        }
        ids.push(shared);
    }
    // Each kiosk wants every document (a staff PC would): it opens them
    // empty so it can ask the relay for them.
    for kiosk in &mut kiosks {
        for id in &ids {
            kiosk.doc_mut(id);
        }
    }
    (kiosks, ids)
}

#[test]
fn two_kiosks_converge_through_the_relay() {
    let (mut kiosks, ids) = kiosks_with_changes(2, 20);
    let mut relay = DocSet::new(actor(100));
    sync_through_relay(&mut kiosks, &mut relay, &ids);
    assert_converged(&kiosks, &relay, &ids);
    assert_eq!(keys(&relay, &attendance(1, 5)), ["in/k0-d5", "in/k1-d5"]);
}

#[test]
fn three_kiosks_converge_over_many_documents() {
    let (mut kiosks, ids) = kiosks_with_changes(3, 30);
    assert_eq!(ids.len(), 120);
    let mut relay = DocSet::new(actor(100));
    sync_through_relay(&mut kiosks, &mut relay, &ids);
    assert_converged(&kiosks, &relay, &ids);

    // Later edits on one kiosk reach the other two.
    put(&mut kiosks[2], &attendance(1, 3), "out/late", 1);
    sync_through_relay(&mut kiosks, &mut relay, &ids);
    assert_converged(&kiosks, &relay, &ids);
    assert!(keys(&kiosks[0], &attendance(1, 3)).contains(&"out/late".to_owned()));
}

#[test]
fn receiving_tells_whether_the_document_changed() {
    let id = attendance(1, 1);
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    put(&mut kiosk, &id, "in/a", 1);
    let msg = kiosk
        .generate_sync_message(&relay_peer(), &id)
        .expect("first message");
    // The first message carries heads and a bloom filter, no changes.
    assert_eq!(
        relay.receive_sync_message(&kiosk_peer(0), &id, &msg).ok(),
        Some(Received::Unchanged)
    );
    let ask = relay
        .generate_sync_message(&kiosk_peer(0), &id)
        .expect("asks for changes");
    kiosk
        .receive_sync_message(&relay_peer(), &id, &ask)
        .expect("well-formed");
    let changes = kiosk
        .generate_sync_message(&relay_peer(), &id)
        .expect("sends changes");
    let got = relay
        .receive_sync_message(&kiosk_peer(0), &id, &changes)
        .expect("well-formed");
    assert!(got.is_changed());
}

/// A kiosk and the relay that synced a month of visits, both restarted from
/// storage, with or without their persisted peer states.
fn synced_then_restarted(visits: i64, keep_peer_state: bool) -> (DocSet, DocSet, DocId) {
    let id = attendance(3, 1);
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    for v in 0..visits {
        put(&mut kiosk, &id, &format!("in/{v:05}"), v);
    }
    exchange(
        &mut kiosk,
        &relay_peer(),
        &mut relay,
        &kiosk_peer(0),
        std::slice::from_ref(&id),
    );
    let states = (
        kiosk
            .encode_peer_state(&relay_peer(), &id)
            .expect("kiosk synced"),
        relay
            .encode_peer_state(&kiosk_peer(0), &id)
            .expect("relay synced"),
    );
    let (mut kiosk_store, mut relay_store) = (MemoryStore::default(), MemoryStore::default());
    kiosk_store.apply_all(kiosk.take_pending_saves());
    relay_store.apply_all(relay.take_pending_saves());

    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    kiosk
        .load(&id, kiosk_store.chunks(&id))
        .expect("kiosk storage");
    relay
        .load(&id, relay_store.chunks(&id))
        .expect("relay storage");
    if keep_peer_state {
        kiosk
            .restore_peer_state(&relay_peer(), &id, &states.0)
            .expect("persisted by us");
        relay
            .restore_peer_state(&kiosk_peer(0), &id, &states.1)
            .expect("persisted by us");
    }
    (kiosk, relay, id)
}

#[test]
fn reconnecting_with_persisted_peer_state_is_cheap() {
    let (mut kiosk, mut relay, id) = synced_then_restarted(2_000, true);
    let ids = [id];
    let persisted = exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    let (mut kiosk, mut relay, _) = synced_then_restarted(2_000, false);
    let fresh = exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    eprintln!("reconnect, no changes: persisted state {persisted} B, fresh state {fresh} B");
    assert!(persisted > 0, "peers still confirm their heads");
    assert!(
        fresh >= 10 * persisted,
        "fresh {fresh} B vs persisted {persisted} B"
    );
    assert_eq!(heads(&kiosk, &ids[0]), heads(&relay, &ids[0]));
}

#[test]
fn a_dropped_connection_resumes_cheaply_in_memory() {
    let id = attendance(3, 2);
    let ids = [id.clone()];
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    for v in 0..1_000 {
        put(&mut kiosk, &id, &format!("in/{v:05}"), v);
    }
    let first = exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    kiosk.peer_disconnected(&relay_peer());
    relay.peer_disconnected(&kiosk_peer(0));
    put(&mut kiosk, &id, "out/00001", 1);
    let again = exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    assert!(again * 10 < first, "{again} B after {first} B");
    assert_eq!(heads(&kiosk, &id), heads(&relay, &id));
}

#[test]
fn a_peer_that_drops_mid_exchange_still_converges() {
    let ids = [attendance(4, 1), attendance(4, 2)];
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    for (n, id) in ids.iter().enumerate() {
        put(&mut kiosk, id, "in/kiosk", n as i64);
        put(&mut relay, id, "in/staff-pc", n as i64);
    }
    // One message reaches the relay; its reply is lost with the connection.
    let msg = kiosk
        .generate_sync_message(&relay_peer(), &ids[0])
        .expect("first message");
    relay
        .receive_sync_message(&kiosk_peer(0), &ids[0], &msg)
        .expect("well-formed");
    let _lost = relay.generate_sync_message(&kiosk_peer(0), &ids[0]);
    // Waiting for a reply, the kiosk has nothing more to say on this link.
    assert_eq!(kiosk.generate_sync_message(&relay_peer(), &ids[0]), None);

    kiosk.peer_disconnected(&relay_peer());
    relay.peer_disconnected(&kiosk_peer(0));
    put(&mut kiosk, &ids[1], "out/kiosk", 9);
    exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    for id in &ids {
        assert_eq!(heads(&kiosk, id), heads(&relay, id));
        assert!(keys(&kiosk, id).contains(&"in/staff-pc".to_owned()));
        assert!(keys(&relay, id).contains(&"in/kiosk".to_owned()));
    }
}

#[test]
fn malformed_messages_are_refused_and_change_nothing() {
    let id = attendance(5, 1);
    let ids = [id.clone()];
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    put(&mut kiosk, &id, "in/a", 1);
    put(&mut relay, &id, "in/b", 2);
    let valid = kiosk
        .generate_sync_message(&relay_peer(), &id)
        .expect("a message");
    let before_heads = heads(&relay, &id);
    let before_state = relay.encode_peer_state(&kiosk_peer(0), &id);

    let garbage: [&[u8]; 4] = [
        b"",
        b"\x00",
        b"GET / HTTP/1.1\r\n",
        &valid[..valid.len() / 2],
    ];
    for bytes in garbage {
        let err = relay
            .receive_sync_message(&kiosk_peer(0), &id, bytes)
            .expect_err("malformed");
        assert!(matches!(err, SyncError::MalformedMessage { .. }), "{err}");
        assert_eq!(heads(&relay, &id), before_heads);
        assert_eq!(relay.encode_peer_state(&kiosk_peer(0), &id), before_state);
    }
    // A message for a document this device lacks does not create it.
    let unknown = attendance(5, 2);
    assert!(
        relay
            .receive_sync_message(&kiosk_peer(0), &unknown, b"\x42\x01")
            .is_err()
    );
    assert!(!relay.is_loaded(&unknown));

    // Every single-byte corruption of a real message either is refused or
    // applies cleanly; none panics, and sync still converges afterwards.
    for i in 0..valid.len() {
        let mut bad = valid.clone();
        bad[i] ^= 0x5a;
        let mut probe = DocSet::new(actor(3));
        put(&mut probe, &id, "in/c", 3);
        let before = heads(&probe, &id);
        if probe
            .receive_sync_message(&kiosk_peer(0), &id, &bad)
            .is_err()
        {
            assert_eq!(heads(&probe, &id), before, "byte {i}");
        }
    }
    exchange(&mut kiosk, &relay_peer(), &mut relay, &kiosk_peer(0), &ids);
    assert_eq!(keys(&kiosk, &id), ["in/a", "in/b"]);
    assert_eq!(heads(&kiosk, &id), heads(&relay, &id));
}

#[test]
fn storage_reproduces_documents_and_compacts() {
    let id = attendance(6, 1);
    let mut store = MemoryStore::default();
    let mut kiosk = DocSet::new(actor(1));
    kiosk.load(&id, store.chunks(&id)).expect("nothing stored");
    let (mut compactions, mut most_chunks) = (0, 0);
    for v in 0..400 {
        put(&mut kiosk, &id, &format!("in/{v:05}"), v);
        for op in kiosk.take_pending_saves() {
            compactions += usize::from(matches!(op, StorageOp::Compact { .. }));
            store.apply(op);
        }
        most_chunks = most_chunks.max(store.chunk_count(&id));
    }
    assert!(compactions >= 2, "{compactions} compactions");
    assert!(most_chunks > 1, "a snapshot then increments");
    assert!(
        most_chunks < 100,
        "{most_chunks} chunks before a compaction"
    );
    // One more visit: the stored form is now a snapshot plus an increment.
    put(&mut kiosk, &id, "in/last", 400);
    store.apply_all(kiosk.take_pending_saves());

    let mut restarted = DocSet::new(actor(1));
    restarted
        .load(&id, store.chunks(&id))
        .expect("stored by us");
    assert_eq!(heads(&restarted, &id), heads(&kiosk, &id));
    assert_eq!(keys(&restarted, &id).len(), 401);
    assert!(
        restarted.take_pending_saves().is_empty(),
        "nothing new to write"
    );

    // A damaged chunk fails the whole load and leaves the loaded doc alone.
    let mut damaged = store.clone();
    if let Some(chunks) = damaged.chunks_mut(&id) {
        let last = chunks.last_mut().expect("chunks");
        let mid = last.len() / 2;
        last[mid] ^= 0xff;
    }
    let err = restarted
        .load(&id, damaged.chunks(&id))
        .expect_err("corrupt");
    assert!(matches!(err, SyncError::CorruptStorage { .. }), "{err}");
    assert_eq!(heads(&restarted, &id), heads(&kiosk, &id));
    let err = restarted.load(&id, [b"not automerge".to_vec()]);
    assert!(err.is_err());
    assert_eq!(keys(&restarted, &id).len(), 401);
}

#[test]
fn a_relay_restarted_from_storage_still_serves_every_kiosk() {
    let (mut kiosks, ids) = kiosks_with_changes(2, 10);
    let mut relay = DocSet::new(actor(100));
    let mut relay_store = MemoryStore::default();
    sync_through_relay(&mut kiosks, &mut relay, &ids);
    relay_store.apply_all(relay.take_pending_saves());
    let states: Vec<(usize, DocId, Vec<u8>)> = (0..kiosks.len())
        .flat_map(|k| ids.iter().map(move |id| (k, id.clone())))
        .filter_map(|(k, id)| {
            let s = relay.encode_peer_state(&kiosk_peer(k), &id)?;
            Some((k, id, s))
        })
        .collect();

    // kill -9: the relay comes back with only what it wrote.
    let mut relay = DocSet::new(actor(100));
    for id in relay_store.ids() {
        relay
            .load(id, relay_store.chunks(id))
            .expect("relay storage");
    }
    for (k, id, s) in &states {
        relay
            .restore_peer_state(&kiosk_peer(*k), id, s)
            .expect("persisted");
    }
    for kiosk in &mut kiosks {
        kiosk.peer_disconnected(&relay_peer());
    }
    put(&mut kiosks[1], &attendance(1, 2), "out/after-restart", 1);
    sync_through_relay(&mut kiosks, &mut relay, &ids);
    assert_converged(&kiosks, &relay, &ids);

    // The relay unloads idle documents and loads them again on demand.
    relay_store.apply_all(relay.take_pending_saves());
    relay.unload(&ids[0]);
    assert!(!relay.is_loaded(&ids[0]));
    relay
        .load(&ids[0], relay_store.chunks(&ids[0]))
        .expect("stored");
    assert_converged(&kiosks, &relay, &ids);
}

/// One step of a random session between kiosks and the relay.
#[derive(Debug, Clone)]
enum Step {
    /// Kiosk `k` records a fact in document `d`.
    Write { k: usize, d: usize },
    /// Kiosk `k` and the relay swap one message each about document `d`,
    /// each possibly lost on the way.
    Talk {
        k: usize,
        d: usize,
        lose_up: bool,
        lose_down: bool,
    },
    /// Kiosk `k`'s connection drops.
    Drop { k: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 0..4usize).prop_map(|(k, d)| Step::Write { k, d }),
        (0..3usize, 0..4usize, any::<bool>(), any::<bool>()).prop_map(
            |(k, d, lose_up, lose_down)| Step::Talk {
                k,
                d,
                lose_up,
                lose_down,
            }
        ),
        (0..3usize).prop_map(|k| Step::Drop { k }),
    ]
}

proptest! {
    // Few cases: each one runs a whole session. A failure prints the steps,
    // and proptest saves the seed under proptest-regressions/ for replay.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever is lost or dropped on the way, once the network is good
    /// again every kiosk and the relay hold the same documents.
    #[test]
    fn sessions_with_losses_and_drops_converge(steps in proptest::collection::vec(step(), 1..60)) {
        let ids: Vec<DocId> = (1..=4).map(|d| attendance(2, d)).collect();
        let mut kiosks: Vec<DocSet> = (0..3).map(|i| DocSet::new(actor(i + 1))).collect();
        let mut relay = DocSet::new(actor(100));
        for kiosk in &mut kiosks {
            for id in &ids {
                kiosk.doc_mut(id);
            }
        }
        for (n, s) in steps.iter().enumerate() {
            match *s {
                Step::Write { k, d } => put(&mut kiosks[k], &ids[d], &format!("in/{n}"), n as i64),
                Step::Talk { k, d, lose_up, lose_down } => {
                    if let Some(m) = kiosks[k].generate_sync_message(&relay_peer(), &ids[d]) {
                        if !lose_up {
                            relay.receive_sync_message(&kiosk_peer(k), &ids[d], &m).expect("valid");
                        }
                    }
                    if let Some(m) = relay.generate_sync_message(&kiosk_peer(k), &ids[d]) {
                        if !lose_down {
                            kiosks[k].receive_sync_message(&relay_peer(), &ids[d], &m).expect("valid");
                        }
                    }
                }
                Step::Drop { k } => {
                    kiosks[k].peer_disconnected(&relay_peer());
                    relay.peer_disconnected(&kiosk_peer(k));
                }
            }
        }
        // The network comes back: every link starts afresh, as after a drop.
        for (k, kiosk) in kiosks.iter_mut().enumerate() {
            kiosk.peer_disconnected(&relay_peer());
            relay.peer_disconnected(&kiosk_peer(k));
        }
        sync_through_relay(&mut kiosks, &mut relay, &ids);
        for id in &ids {
            let want = heads(&relay, id);
            for kiosk in &kiosks {
                prop_assert_eq!(heads(kiosk, id), want.clone());
            }
        }
        let written = steps.iter().filter(|s| matches!(s, Step::Write { .. })).count();
        let held: usize = ids.iter().map(|id| keys(&relay, id).len()).sum();
        prop_assert_eq!(held, written);
    }
}

/// The kiosk's "not yet sent" count: a change counts until the relay has
/// answered with heads that include it, and survives a disconnect.
#[test]
fn unacknowledged_changes_count_until_the_relay_has_them() {
    let id = attendance(1, 3);
    let mut kiosk = DocSet::new(actor(1));
    let mut relay = DocSet::new(actor(2));
    assert_eq!(
        kiosk.unacknowledged(&relay_peer(), &id),
        0,
        "no document, nothing pending"
    );
    put(&mut kiosk, &id, "in/a", 1);
    put(&mut kiosk, &id, "in/b", 2);
    assert_eq!(kiosk.unacknowledged(&relay_peer(), &id), 2);

    exchange(
        &mut kiosk,
        &relay_peer(),
        &mut relay,
        &kiosk_peer(1),
        std::slice::from_ref(&id),
    );
    assert_eq!(kiosk.unacknowledged(&relay_peer(), &id), 0);

    put(&mut kiosk, &id, "out/c", 3);
    kiosk.peer_disconnected(&relay_peer());
    assert_eq!(
        kiosk.unacknowledged(&relay_peer(), &id),
        1,
        "kept across a drop"
    );

    // A relay that lost track (e.g. the document was unavailable) starts over.
    kiosk.reset_peer_doc(&relay_peer(), &id);
    assert_eq!(kiosk.unacknowledged(&relay_peer(), &id), 3);
    // Changes that came *from* the relay are not pending.
    let mut other = DocSet::new(actor(3));
    put(&mut other, &attendance(1, 4), "in/z", 9);
    exchange(
        &mut other,
        &relay_peer(),
        &mut relay,
        &kiosk_peer(3),
        &[attendance(1, 4)],
    );
    exchange(
        &mut relay,
        &kiosk_peer(1),
        &mut kiosk,
        &relay_peer(),
        &[attendance(1, 4)],
    );
    assert_eq!(kiosk.unacknowledged(&relay_peer(), &attendance(1, 4)), 0);
}

#[test]
fn two_documents_change_together_in_the_order_asked() {
    let (a, b) = (attendance(1, 5), attendance(1, 6));
    let mut docs = DocSet::new(actor(1));
    put(&mut docs, &b, "in/x", 1);
    match docs
        .docs_mut(&[b.clone(), a.clone(), b.clone()])
        .as_mut_slice()
    {
        [first, second] => {
            first.put(ROOT, "in/y", 2).expect("put");
            second.put(ROOT, "in/z", 3).expect("put");
        }
        other => panic!("expected two documents, got {}", other.len()),
    }
    assert_eq!(keys(&docs, &b), ["in/x", "in/y"]);
    assert_eq!(keys(&docs, &a), ["in/z"]);
}
