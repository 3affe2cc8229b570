//! The sans-IO sync core shared by the relay and both browser apps.
//!
//! A [`DocSet`] holds the automerge documents one device has open, keyed by
//! [`DocId`], and one automerge [`sync::State`] per (peer, document). It never
//! sees a socket or a disk: the caller moves bytes.
//!
//! * **Sync.** [`DocSet::generate_sync_message`] gives the bytes to send to a
//!   peer for one document; [`DocSet::receive_sync_message`] takes the bytes
//!   that came back. Repeat until neither side has anything to send. The
//!   relay is just another `DocSet` that every kiosk syncs with.
//! * **Reconnects.** Automerge's protocol assumes a reliable, ordered stream.
//!   When a connection drops, [`DocSet::peer_disconnected`] forgets what was
//!   in flight but keeps the heads both sides are known to share, so the next
//!   connection sends only what is new. Those shared heads can be persisted
//!   ([`DocSet::encode_peer_state`]) to make reconnects after a restart cheap
//!   too: a few hundred bytes instead of a bloom filter of the whole document.
//! * **Storage.** [`DocSet::load`] takes a document's stored chunks;
//!   [`DocSet::take_pending_saves`] says what to write after changes
//!   (see [`StorageOp`]).
//!
//! **Invariant:** outside input — a sync message, stored chunks, a persisted
//! peer state — is never trusted. Malformed input gives a [`SyncError`] and
//! leaves the documents and peer states as they were.

pub mod repo_protocol;
mod session;
mod storage;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit, AutomergeError};

use crate::ids::DocId;
pub use repo_protocol::{DocMessage, RepoDocId, RepoMessage};
pub use session::{ClientSession, SessionError, Step};
use storage::StoredChunks;
pub use storage::{COMPACT_FLOOR_BYTES, MemoryStore, StorageOp};

/// Who a device is syncing with: an opaque name the caller chooses.
///
/// A kiosk usually has one peer (the relay); the relay has one per connected
/// device. Use a name that stays the same across reconnects (the device's
/// enrolled id), so persisted peer states find their peer again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(String);

impl PeerId {
    /// A peer named `name`.
    pub fn new(name: impl Into<String>) -> PeerId {
        PeerId(name.into())
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why outside input to the sync core was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The bytes are not an automerge sync message (truncated, garbled, or
    /// something else entirely).
    #[error("malformed sync message for {doc}")]
    MalformedMessage {
        /// The document the message was addressed to.
        doc: DocId,
        /// What automerge found wrong.
        #[source]
        source: sync::ReadMessageError,
    },
    /// The message parsed, but its changes could not be applied.
    #[error("sync message for {doc} could not be applied")]
    RejectedMessage {
        /// The document the message was addressed to.
        doc: DocId,
        /// What automerge found wrong.
        #[source]
        source: Box<AutomergeError>,
    },
    /// A persisted peer state is not one [`DocSet::encode_peer_state`] wrote.
    #[error("malformed peer sync state for {doc}")]
    MalformedPeerState {
        /// The document the state belongs to.
        doc: DocId,
        /// What automerge found wrong.
        #[source]
        source: sync::DecodeStateError,
    },
    /// A document's stored chunks do not load (damaged storage, or bytes of
    /// something else).
    #[error("stored chunks of {doc} are corrupt")]
    CorruptStorage {
        /// The document being loaded.
        doc: DocId,
        /// What automerge found wrong.
        #[source]
        source: Box<AutomergeError>,
    },
}

/// What receiving a sync message did, so an app knows whether to re-render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// The message brought changes: the document's content moved on.
    Changed,
    /// Only protocol bookkeeping (heads, bloom filters); nothing to redraw.
    Unchanged,
}

impl Received {
    /// Whether the document changed.
    pub fn is_changed(self) -> bool {
        self == Received::Changed
    }
}

/// One open document and what its storage holds.
#[derive(Debug)]
struct Entry {
    doc: AutoCommit,
    stored: StoredChunks,
}

/// The automerge documents one device has open, with one sync state per
/// (peer, document) and a record of what still needs writing.
///
/// Every document opened or created here writes with the device's one actor
/// id (see [`crate::device`]), so changes from one device never pose as
/// another's.
///
/// ```
/// use automerge::{ActorId, ROOT, ReadDoc, transaction::Transactable};
/// use hiroba_engine::ids::DocId;
/// use hiroba_engine::sync::{DocSet, PeerId};
///
/// let id = DocId::trust_list();
/// let (to_relay, to_kiosk) = (PeerId::new("relay"), PeerId::new("kiosk-1"));
/// let mut kiosk = DocSet::new(ActorId::from([1u8; 16]));
/// let mut relay = DocSet::new(ActorId::from([2u8; 16]));
/// kiosk.doc_mut(&id).put(ROOT, "version", 7_i64).expect("root put");
///
/// // The caller carries bytes both ways until neither side has more to say.
/// loop {
///     let mut quiet = true;
///     if let Some(bytes) = kiosk.generate_sync_message(&to_relay, &id) {
///         relay.receive_sync_message(&to_kiosk, &id, &bytes).expect("well-formed");
///         quiet = false;
///     }
///     if let Some(bytes) = relay.generate_sync_message(&to_kiosk, &id) {
///         kiosk.receive_sync_message(&to_relay, &id, &bytes).expect("well-formed");
///         quiet = false;
///     }
///     if quiet { break; }
/// }
/// let doc = relay.doc(&id).expect("created by the first message");
/// let (value, _) = doc.get(ROOT, "version").ok().flatten().expect("synced");
/// assert_eq!(value.as_i64(), Some(7));
/// ```
#[derive(Debug)]
pub struct DocSet {
    actor: ActorId,
    docs: BTreeMap<DocId, Entry>,
    peers: BTreeMap<PeerId, BTreeMap<DocId, sync::State>>,
    /// Documents that may have changed since their last write.
    dirty: BTreeSet<DocId>,
    /// Writes already decided (for documents unloaded while dirty).
    pending: Vec<StorageOp>,
}

impl DocSet {
    /// An empty set whose documents all write as `actor`, this device's one
    /// lifelong actor id.
    pub fn new(actor: ActorId) -> DocSet {
        DocSet {
            actor,
            docs: BTreeMap::new(),
            peers: BTreeMap::new(),
            dirty: BTreeSet::new(),
            pending: Vec::new(),
        }
    }

    /// The actor id every document here writes with.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// A document, if it is in memory. Reading needs no bookkeeping.
    pub fn doc(&self, id: &DocId) -> Option<&AutoCommit> {
        self.docs.get(id).map(|e| &e.doc)
    }

    /// A document to change, created empty if it is not in memory.
    ///
    /// Creating is safe for sync because document names are deterministic:
    /// two kiosks that both create today's attendance document create the
    /// same one, and their changes merge. For storage, [`DocSet::load`] a
    /// document's stored chunks *before* changing it; a document created
    /// here without a load only ever appends to storage, never compacts, so
    /// unloaded chunks are never overwritten.
    pub fn doc_mut(&mut self, id: &DocId) -> &mut AutoCommit {
        self.dirty.insert(id.clone());
        let actor = &self.actor;
        &mut self
            .docs
            .entry(id.clone())
            .or_insert_with(|| Entry {
                doc: AutoCommit::new().with_actor(actor.clone()),
                stored: StoredChunks::default(),
            })
            .doc
    }

    /// Several documents to change together (a paper slip and its contact),
    /// in `ids` order, each created empty if it is not in memory; an id
    /// given twice is given once.
    pub fn docs_mut(&mut self, ids: &[DocId]) -> Vec<&mut AutoCommit> {
        for id in ids {
            self.doc_mut(id);
        }
        let mut found: BTreeMap<&DocId, &mut AutoCommit> = self
            .docs
            .iter_mut()
            .filter(|(id, _)| ids.contains(id))
            .map(|(id, entry)| (id, &mut entry.doc))
            .collect();
        ids.iter().filter_map(|id| found.remove(id)).collect()
    }

    /// Whether a document is in memory.
    pub fn is_loaded(&self, id: &DocId) -> bool {
        self.docs.contains_key(id)
    }

    /// The documents in memory, in name order.
    pub fn ids(&self) -> impl Iterator<Item = &DocId> {
        self.docs.keys()
    }

    /// How many documents are in memory.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document is in memory.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The next message to send `peer` about document `id`, encoded; `None`
    /// when there is nothing to say (in sync, or waiting for a reply) or the
    /// document is not in memory.
    ///
    /// To ask a peer for a document this device does not have yet, open it
    /// empty with [`DocSet::doc_mut`] first.
    pub fn generate_sync_message(&mut self, peer: &PeerId, id: &DocId) -> Option<Vec<u8>> {
        let entry = self.docs.get_mut(id)?;
        let state = self
            .peers
            .entry(peer.clone())
            .or_default()
            .entry(id.clone())
            .or_default();
        entry
            .doc
            .sync()
            .generate_sync_message(state)
            .map(sync::Message::encode)
    }

    /// A message for every document in memory that has something to say to
    /// `peer`, in name order: what a device sends when it (re)connects.
    pub fn generate_all_sync_messages(&mut self, peer: &PeerId) -> Vec<(DocId, Vec<u8>)> {
        let ids: Vec<DocId> = self.docs.keys().cloned().collect();
        ids.into_iter()
            .filter_map(|id| {
                let bytes = self.generate_sync_message(peer, &id)?;
                Some((id, bytes))
            })
            .collect()
    }

    /// Apply a message `peer` sent about document `id`, creating the
    /// document if this device has not seen it.
    ///
    /// On error nothing changes: not the document, not the peer's sync state.
    pub fn receive_sync_message(
        &mut self,
        peer: &PeerId,
        id: &DocId,
        msg: &[u8],
    ) -> Result<Received, SyncError> {
        let message = sync::Message::decode(msg).map_err(|source| SyncError::MalformedMessage {
            doc: id.clone(),
            source,
        })?;
        let created = !self.docs.contains_key(id);
        // Work on a copy of the state so a rejected message leaves it as it was.
        let mut state = self
            .peers
            .get(peer)
            .and_then(|docs| docs.get(id))
            .cloned()
            .unwrap_or_default();
        let doc = self.doc_mut_quiet(id);
        let before = doc.get_heads();
        let result = doc.sync().receive_sync_message(&mut state, message);
        let after = doc.get_heads();
        if let Err(source) = result {
            self.roll_back(id, created, &before);
            return Err(SyncError::RejectedMessage {
                doc: id.clone(),
                source: Box::new(source),
            });
        }
        let changed = after != before;
        self.peers
            .entry(peer.clone())
            .or_default()
            .insert(id.clone(), state);
        if changed {
            self.dirty.insert(id.clone());
            Ok(Received::Changed)
        } else {
            Ok(Received::Unchanged)
        }
    }

    /// Forget what was in flight with `peer`, keeping the heads both sides
    /// are known to share.
    ///
    /// Automerge's protocol assumes a reliable ordered stream; after a drop,
    /// messages may have been lost, so the next connection must start a new
    /// exchange. Keeping only the shared heads is exactly what automerge
    /// persists (`State::encode`/`decode`), so a reconnect still skips
    /// everything both sides already had.
    pub fn peer_disconnected(&mut self, peer: &PeerId) {
        if let Some(docs) = self.peers.get_mut(peer) {
            for state in docs.values_mut() {
                *state = sync::State::decode(&state.encode()).unwrap_or_default();
            }
        }
    }

    /// Drop every sync state kept for `peer` (a device that was retired).
    pub fn forget_peer(&mut self, peer: &PeerId) {
        self.peers.remove(peer);
    }

    /// The part of the sync state with `peer` about `id` worth persisting
    /// (the shared heads), or `None` if the two never synced it.
    pub fn encode_peer_state(&self, peer: &PeerId, id: &DocId) -> Option<Vec<u8>> {
        Some(self.peers.get(peer)?.get(id)?.encode())
    }

    /// Forget the sync state with `peer` about `id` entirely, as if the two
    /// never synced it (after the peer said it does not have the document,
    /// so the next local change starts a fresh exchange).
    pub fn reset_peer_doc(&mut self, peer: &PeerId, id: &DocId) {
        if let Some(docs) = self.peers.get_mut(peer) {
            docs.remove(id);
        }
    }

    /// How many changes of document `id` `peer` is not known to have: the
    /// changes since the heads both sides last agreed on (all of them if
    /// the two never synced). Zero when the document is not in memory.
    ///
    /// A kiosk shows this as its "not yet sent" count: the relay answers a
    /// change only after storing it, so a change counts until then.
    pub fn unacknowledged(&mut self, peer: &PeerId, id: &DocId) -> usize {
        use automerge::ReadDoc;
        let Some(entry) = self.docs.get_mut(id) else {
            return 0;
        };
        let shared: &[automerge::ChangeHash] = self
            .peers
            .get(peer)
            .and_then(|docs| docs.get(id))
            .map_or(&[], |state| state.shared_heads.as_slice());
        let doc = entry.doc.document();
        // A persisted state is outside input: heads the document lacks
        // count as nothing shared.
        if shared.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
            return doc.get_changes_meta(&[]).len();
        }
        doc.get_changes_meta(shared).len()
    }

    /// Restore a sync state persisted with [`DocSet::encode_peer_state`],
    /// replacing whatever was kept for (`peer`, `id`).
    pub fn restore_peer_state(
        &mut self,
        peer: &PeerId,
        id: &DocId,
        bytes: &[u8],
    ) -> Result<(), SyncError> {
        let state = sync::State::decode(bytes).map_err(|source| SyncError::MalformedPeerState {
            doc: id.clone(),
            source,
        })?;
        self.peers
            .entry(peer.clone())
            .or_default()
            .insert(id.clone(), state);
        Ok(())
    }

    /// Open document `id` from its stored chunks: the snapshot first, then
    /// the increments, in the order they were written.
    ///
    /// No chunks means nothing is stored yet, which is fine. If the document
    /// is already in memory (created before the load), both are merged, so
    /// nothing is lost. If any chunk is corrupt the load fails as a whole and
    /// the document in memory, if any, is left as it was.
    pub fn load(
        &mut self,
        id: &DocId,
        chunks: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<(), SyncError> {
        let chunks: Vec<Vec<u8>> = chunks.into_iter().collect();
        let corrupt = |source| SyncError::CorruptStorage {
            doc: id.clone(),
            source: Box::new(source),
        };
        // Automerge loads a concatenation of chunks strictly: any bad chunk
        // fails the whole load instead of being skipped.
        let mut doc = AutoCommit::load(&chunks.concat())
            .map_err(corrupt)?
            .with_actor(self.actor.clone());
        let stored = StoredChunks::loaded(&chunks, doc.get_heads());
        if let Some(existing) = self.docs.get_mut(id) {
            doc.merge(&mut existing.doc).map_err(corrupt)?;
            if doc.get_heads() != stored.saved_heads {
                self.dirty.insert(id.clone());
            }
        }
        self.docs.insert(id.clone(), Entry { doc, stored });
        Ok(())
    }

    /// The writes needed to make storage hold every change made since the
    /// last call, in order: for each changed document either an
    /// [`StorageOp::Append`] of the new changes or, once the increments
    /// outgrow the snapshot (and [`COMPACT_FLOOR_BYTES`]), a
    /// [`StorageOp::Compact`] with a fresh snapshot.
    ///
    /// Call it after local changes and received messages, and write the ops
    /// before telling anyone a change is safe (a kiosk before it shows
    /// 「受付しました」, the relay before it acknowledges).
    pub fn take_pending_saves(&mut self) -> Vec<StorageOp> {
        let mut ops = std::mem::take(&mut self.pending);
        for id in std::mem::take(&mut self.dirty) {
            if let Some(entry) = self.docs.get_mut(&id) {
                ops.extend(save_op(&id, entry));
            }
        }
        ops
    }

    /// Drop an idle document from memory (the relay keeps only active ones).
    ///
    /// Unsaved changes are not lost: their write is kept for the next
    /// [`DocSet::take_pending_saves`]. Sync states are kept too, as they stay
    /// valid once the document is loaded again.
    pub fn unload(&mut self, id: &DocId) {
        if let Some(mut entry) = self.docs.remove(id) {
            if self.dirty.remove(id) {
                self.pending.extend(save_op(id, &mut entry));
            }
        }
    }

    /// `doc_mut` without marking the document dirty: receiving decides that
    /// from the heads.
    fn doc_mut_quiet(&mut self, id: &DocId) -> &mut AutoCommit {
        let actor = &self.actor;
        &mut self
            .docs
            .entry(id.clone())
            .or_insert_with(|| Entry {
                doc: AutoCommit::new().with_actor(actor.clone()),
                stored: StoredChunks::default(),
            })
            .doc
    }

    /// Undo a failed receive: drop a document it created, or go back to the
    /// heads before it if it got half-way.
    fn roll_back(&mut self, id: &DocId, created: bool, before: &[automerge::ChangeHash]) {
        if created {
            self.docs.remove(id);
            return;
        }
        if let Some(entry) = self.docs.get_mut(id) {
            if entry.doc.get_heads() != before {
                if let Ok(doc) = entry.doc.fork_at(before) {
                    entry.doc = doc.with_actor(self.actor.clone());
                }
            }
        }
    }
}

/// The write that brings one document's storage up to date, if any.
fn save_op(id: &DocId, entry: &mut Entry) -> Option<StorageOp> {
    let heads = entry.doc.get_heads();
    if heads == entry.stored.saved_heads {
        return None;
    }
    // `save_after` rather than `save_incremental`: a freshly loaded
    // AutoCommit's own cursor is empty and would rewrite every change.
    let bytes = entry.doc.save_after(&entry.stored.saved_heads);
    let op = if entry.stored.should_compact(bytes.len()) {
        let snapshot = entry.doc.save();
        entry.stored.snapshot_len = snapshot.len();
        entry.stored.appended_len = 0;
        StorageOp::Compact {
            id: id.clone(),
            snapshot,
        }
    } else {
        entry.stored.appended_len += bytes.len();
        StorageOp::Append {
            id: id.clone(),
            bytes,
        }
    };
    entry.stored.saved_heads = heads;
    Some(op)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};

    use super::*;

    fn actor(n: u8) -> ActorId {
        ActorId::from([n; 16])
    }

    fn put(docs: &mut DocSet, id: &DocId, key: &str, value: i64) {
        docs.doc_mut(id).put(ROOT, key, value).expect("root put");
    }

    fn get(docs: &DocSet, id: &DocId, key: &str) -> Option<i64> {
        let (value, _) = docs.doc(id)?.get(ROOT, key).ok()??;
        value.as_i64()
    }

    #[test]
    fn documents_write_with_the_device_actor() {
        let id = DocId::trust_list();
        let mut docs = DocSet::new(actor(5));
        put(&mut docs, &id, "a", 1);
        assert_eq!(docs.doc(&id).map(|d| d.get_actor().clone()), Some(actor(5)));
        let mut other = DocSet::new(actor(6));
        other
            .load(
                &id,
                docs.take_pending_saves()
                    .iter()
                    .map(|op| op.bytes().to_vec()),
            )
            .expect("our own save");
        assert_eq!(
            other.doc(&id).map(|d| d.get_actor().clone()),
            Some(actor(6))
        );
        assert_eq!(get(&other, &id, "a"), Some(1));
    }

    #[test]
    fn loaded_documents_append_then_compact() {
        let id = DocId::revocations();
        let mut store = MemoryStore::default();
        let mut docs = DocSet::new(actor(1));
        docs.load(&id, store.chunks(&id)).expect("empty load");
        put(&mut docs, &id, "k0", 0);
        let ops = docs.take_pending_saves();
        assert!(matches!(ops.as_slice(), [StorageOp::Append { .. }]));
        store.apply_all(ops);
        assert!(
            docs.take_pending_saves().is_empty(),
            "nothing changed since"
        );
        let mut compacted = false;
        for i in 1..200 {
            put(&mut docs, &id, &format!("k{i}"), i);
            for op in docs.take_pending_saves() {
                compacted |= matches!(op, StorageOp::Compact { .. });
                store.apply(op);
            }
        }
        assert!(compacted);
        assert!(store.chunk_count(&id) < 200);
        let mut reopened = DocSet::new(actor(1));
        reopened.load(&id, store.chunks(&id)).expect("stored by us");
        assert_eq!(get(&reopened, &id, "k199"), Some(199));
    }

    #[test]
    fn documents_created_before_loading_never_compact() {
        let id = DocId::revocations();
        let mut docs = DocSet::new(actor(1));
        for i in 0..300 {
            put(&mut docs, &id, &format!("k{i}"), i);
            for op in docs.take_pending_saves() {
                assert!(matches!(op, StorageOp::Append { .. }));
            }
        }
    }

    #[test]
    fn unloading_keeps_unsaved_changes_for_the_next_save() {
        let id = DocId::trust_list();
        let mut store = MemoryStore::default();
        let mut docs = DocSet::new(actor(1));
        put(&mut docs, &id, "x", 3);
        docs.unload(&id);
        assert!(!docs.is_loaded(&id));
        store.apply_all(docs.take_pending_saves());
        docs.load(&id, store.chunks(&id)).expect("stored by us");
        assert_eq!(get(&docs, &id, "x"), Some(3));
    }

    #[test]
    fn loading_merges_with_a_document_already_in_memory() {
        let id = DocId::trust_list();
        let mut store = MemoryStore::default();
        let mut first = DocSet::new(actor(1));
        put(&mut first, &id, "stored", 1);
        store.apply_all(first.take_pending_saves());
        let mut docs = DocSet::new(actor(2));
        put(&mut docs, &id, "memory", 2);
        docs.take_pending_saves();
        docs.load(&id, store.chunks(&id)).expect("stored");
        assert_eq!(get(&docs, &id, "stored"), Some(1));
        assert_eq!(get(&docs, &id, "memory"), Some(2));
        assert!(
            !docs.take_pending_saves().is_empty(),
            "the merge is written"
        );
    }

    #[test]
    fn garbage_peer_states_are_refused() {
        let id = DocId::trust_list();
        let peer = PeerId::new("relay");
        let mut docs = DocSet::new(actor(1));
        assert!(matches!(
            docs.restore_peer_state(&peer, &id, b"nonsense"),
            Err(SyncError::MalformedPeerState { .. })
        ));
        assert_eq!(docs.encode_peer_state(&peer, &id), None);
    }

    #[test]
    fn errors_read_in_lowercase() {
        let id = DocId::trust_list();
        let mut docs = DocSet::new(actor(1));
        let err = docs
            .receive_sync_message(&PeerId::new("p"), &id, &[0xff])
            .expect_err("garbage");
        assert_eq!(err.to_string(), "malformed sync message for trust-list");
        assert!(!docs.is_loaded(&id));
    }
}
