//! The relay's one set of open documents, shared by every connection.
//!
//! [`Hub`] is plain synchronous state kept behind a mutex by
//! [`super::SyncHub`]: the engine's [`DocSet`] (one automerge sync state per
//! peer and document: an identified peer's outlives its connections, see
//! [`super::peers`]), the connections with the documents each has
//! open, and when each document was last used. Nothing here awaits; the
//! caller flushes storage between [`Hub::receive`] and [`Hub::answer`] so a
//! change is acknowledged only once it is on disk.
//!
//! Replies and pushes are put on each connection's channel *while the lock
//! is held*, so every connection receives its sync messages in the order the
//! engine generated them, as automerge's protocol requires.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use hiroba_engine::ids::DocId;
use hiroba_engine::sync::{DocMessage, DocSet, PeerId, RepoMessage, StorageOp};
use tokio::sync::mpsc::UnboundedSender;

use super::names::Names;
use super::peers::{PeerStates, stable_peer};
use crate::auth::{Identity, may_access};
use crate::store::{Store, StoreError};

/// The relay's peer id in the protocol.
pub const RELAY_PEER_ID: &str = "hiroba-relay";

/// A connection's number, unique for the relay's lifetime.
pub(crate) type ConnId = u64;

/// Why the relay could not change a document itself.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Storage failed; nothing was acknowledged.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// The stored document is damaged, or the change refused.
    #[error("the document refused the change: {0}")]
    Refused(String),
}

/// What receiving one `sync` or `request` message came to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Answered `doc-unavailable` (unknown, forbidden, or empty on request).
    Unavailable,
    /// Applied: flush if `wrote`, then call [`Hub::answer`].
    Applied {
        /// The document.
        doc: DocId,
        /// Whether its content moved on (other peers get a push).
        changed: bool,
        /// Whether storage was written (and must be flushed before answering).
        wrote: bool,
    },
    /// The automerge sync message inside was malformed.
    Malformed,
    /// Storage failed; the change was not acknowledged.
    Storage(StoreError),
}

#[derive(Debug)]
struct Conn {
    /// The peer the engine keeps sync states under: the identity's stable
    /// name, or `conn-N` for anonymous and second connections.
    peer: PeerId,
    /// Whether `peer` is the stable name (held by this connection alone),
    /// so its states are persisted.
    stable: bool,
    /// The client's peer id, once it has joined.
    remote: Option<String>,
    identity: Identity,
    tx: UnboundedSender<Vec<u8>>,
    open: BTreeSet<DocId>,
}

/// Every open document and connection; see the module docs.
#[derive(Debug)]
pub(crate) struct Hub {
    docs: DocSet,
    store: Store,
    names: Names,
    conns: HashMap<ConnId, Conn>,
    /// Which connections have each document open, for pushes.
    readers: HashMap<DocId, HashSet<ConnId>>,
    last_used: HashMap<DocId, Instant>,
    next_conn: ConnId,
    /// Persisted sync states of identified peers.
    peer_states: PeerStates,
    /// Stable peer names held by an open connection; a second connection
    /// of the same identity gets per-connection state instead.
    held: HashSet<PeerId>,
}

impl Hub {
    pub(crate) fn new(docs: DocSet, store: Store, names: Names, peer_states: PeerStates) -> Hub {
        Hub {
            peer_states,
            held: HashSet::new(),
            docs,
            store,
            names,
            conns: HashMap::new(),
            readers: HashMap::new(),
            last_used: HashMap::new(),
            next_conn: 0,
        }
    }

    pub(crate) fn connect(&mut self, identity: Identity, tx: UnboundedSender<Vec<u8>>) -> ConnId {
        self.next_conn += 1;
        let id = self.next_conn;
        let (peer, stable) = match stable_peer(&identity) {
            Some(peer) if self.held.insert(peer.clone()) => (peer, true),
            _ => (PeerId::new(format!("conn-{id}")), false),
        };
        self.conns.insert(
            id,
            Conn {
                peer,
                stable,
                remote: None,
                identity,
                tx,
                open: BTreeSet::new(),
            },
        );
        id
    }

    /// Answers `join` with `peer`.
    pub(crate) fn join(&mut self, conn: ConnId, remote: String) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let reply = RepoMessage::Peer {
            sender_id: RELAY_PEER_ID.to_owned(),
            target_id: remote.clone(),
            selected_protocol_version: hiroba_engine::sync::repo_protocol::PROTOCOL_VERSION
                .to_owned(),
            peer_metadata: Some(hiroba_engine::sync::repo_protocol::PeerMetadata {
                storage_id: None,
                is_ephemeral: Some(false),
            }),
        };
        c.remote = Some(remote);
        let _ = c.tx.send(reply.encode());
    }

    pub(crate) fn has_joined(&self, conn: ConnId) -> bool {
        self.conns.get(&conn).is_some_and(|c| c.remote.is_some())
    }

    /// Sends a protocol error to one connection.
    pub(crate) fn send_error(&self, conn: ConnId, message: &str) {
        if let Some(c) = self.conns.get(&conn) {
            let msg = RepoMessage::Error {
                sender_id: Some(RELAY_PEER_ID.to_owned()),
                target_id: c.remote.clone(),
                message: message.to_owned(),
            };
            let _ = c.tx.send(msg.encode());
        }
    }

    /// Applies a `sync` or `request` message and writes what changed to
    /// sled (unflushed). Unknown and forbidden documents get the same
    /// `doc-unavailable`, so a document's existence leaks nothing.
    pub(crate) fn receive(
        &mut self,
        conn: ConnId,
        msg: DocMessage,
        is_request: bool,
        now: Instant,
    ) -> Outcome {
        let Some(c) = self.conns.get(&conn) else {
            return Outcome::Unavailable;
        };
        let identity = c.identity.clone();
        if let Some(name) = msg.verified_name() {
            if may_access(&identity, &name) {
                if let Err(e) = self.names.remember(&name) {
                    return Outcome::Storage(e);
                }
            }
        }
        let doc = match self.names.lookup(&msg.document_id) {
            Some(doc) if may_access(&identity, &doc) => doc,
            _ => return self.unavailable(conn, &msg),
        };
        if !self.docs.is_loaded(&doc) {
            let loaded = self
                .store
                .doc_chunks(&doc)
                .map_err(|e| e.to_string())
                .and_then(|chunks| self.docs.load(&doc, chunks).map_err(|e| e.to_string()));
            if let Err(reason) = loaded {
                // Damaged storage must not take the relay down; the document
                // is simply not served until an operator looks at it.
                tracing::error!(doc = %doc, %reason, "cannot load a document");
                return self.unavailable(conn, &msg);
            }
        }
        self.last_used.insert(doc.clone(), now);
        // `doc_mut` only to read the heads (automerge needs `&mut`); a
        // document whose heads did not move is never written.
        let empty = self.docs.doc_mut(&doc).get_heads().is_empty();
        if is_request && empty {
            // Nothing to give yet, but the caller may read it: keep it told,
            // so the document reaches it as soon as anyone writes it (two
            // kiosks that open a new day both learn of each other's visits).
            if let Some(c) = self.conns.get_mut(&conn) {
                c.open.insert(doc.clone());
                self.readers.entry(doc.clone()).or_default().insert(conn);
            }
            return self.unavailable(conn, &msg);
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return Outcome::Unavailable;
        };
        let peer = c.peer.clone();
        let first_use = c.open.insert(doc.clone());
        if first_use && c.stable {
            // Before the first message: the peer's last connection left the
            // heads both sides share, so this exchange skips all of that.
            self.peer_states.restore(&mut self.docs, &peer, &doc);
        }
        self.readers.entry(doc.clone()).or_default().insert(conn);
        let changed = match self.docs.receive_sync_message(&peer, &doc, &msg.data) {
            Ok(r) => r.is_changed(),
            Err(e) => {
                tracing::warn!(doc = %doc, error = %e, "refused a sync message");
                return Outcome::Malformed;
            }
        };
        match self.write_pending() {
            Ok(wrote) => Outcome::Applied {
                doc,
                changed,
                wrote,
            },
            Err(e) => {
                // The change was not stored, so it must not stay in memory as
                // if it were: drop the copy, the next use reloads what is on
                // disk, and the unacknowledged peer sends it again.
                self.docs.unload(&doc);
                Outcome::Storage(e)
            }
        }
    }

    /// After the flush: the reply to `conn` (its acknowledgement) and, if the
    /// document changed, a push to every other connection that has it open.
    pub(crate) fn answer(&mut self, conn: ConnId, doc: &DocId, changed: bool) {
        self.send_sync(conn, doc);
        if changed {
            let others: Vec<ConnId> = self
                .readers
                .get(doc)
                .map(|r| r.iter().copied().filter(|c| *c != conn).collect())
                .unwrap_or_default();
            for other in others {
                self.send_sync(other, doc);
            }
        }
    }

    /// Someone outside the sync protocol (the issuer, accounts) wrote `doc`
    /// to storage: merge it into the open copy and push it to readers.
    pub(crate) fn doc_written(&mut self, doc: &DocId) -> Result<(), StoreError> {
        self.names.remember(doc)?;
        if !self.docs.is_loaded(doc) {
            return Ok(());
        }
        let chunks = self.store.doc_chunks(doc)?;
        if let Err(e) = self.docs.load(doc, chunks) {
            tracing::error!(doc = %doc, error = %e, "cannot reload a document");
            return Ok(());
        }
        self.write_pending()?;
        let readers: Vec<ConnId> = self
            .readers
            .get(doc)
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        for conn in readers {
            self.send_sync(conn, doc);
        }
        Ok(())
    }

    /// Changes `doc` on the relay's own account (a projection, not a
    /// client's message): loads it if needed, runs `change`, writes what
    /// changed to sled (unflushed) and pushes it to every reader. Returns
    /// what `change` returned.
    pub(crate) fn change<R, E: std::fmt::Display>(
        &mut self,
        doc: &DocId,
        now: Instant,
        change: impl FnOnce(&mut automerge::AutoCommit) -> Result<R, E>,
    ) -> Result<R, ChangeError> {
        self.names.remember(doc)?;
        if !self.docs.is_loaded(doc) {
            let chunks = self.store.doc_chunks(doc)?;
            self.docs
                .load(doc, chunks)
                .map_err(|e| ChangeError::Refused(e.to_string()))?;
        }
        self.last_used.insert(doc.clone(), now);
        let result =
            change(self.docs.doc_mut(doc)).map_err(|e| ChangeError::Refused(e.to_string()));
        let wrote = match self.write_pending() {
            Ok(wrote) => wrote,
            Err(e) => {
                self.docs.unload(doc);
                return Err(e.into());
            }
        };
        if wrote {
            let readers: Vec<ConnId> = self
                .readers
                .get(doc)
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default();
            for conn in readers {
                self.send_sync(conn, doc);
            }
        }
        result
    }

    /// Forgets a connection and what it had open, persisting an identified
    /// peer's sync states first (only their shared heads are kept: what was
    /// in flight on this stream is gone with it).
    pub(crate) fn disconnect(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.remove(&conn) {
            if c.stable {
                for doc in &c.open {
                    self.peer_states.save(&self.docs, &c.peer, doc);
                }
                self.held.remove(&c.peer);
            }
            for doc in &c.open {
                if let Some(r) = self.readers.get_mut(doc) {
                    r.remove(&conn);
                    if r.is_empty() {
                        self.readers.remove(doc);
                    }
                }
            }
            self.docs.forget_peer(&c.peer);
        }
    }

    /// Drops documents no connection has open and nobody used for `idle`.
    /// Returns how many were unloaded.
    pub(crate) fn unload_idle(&mut self, now: Instant, idle: Duration) -> usize {
        self.save_live_peer_states();
        let idle_docs: Vec<DocId> = self
            .docs
            .ids()
            .filter(|doc| !self.readers.contains_key(*doc))
            .filter(|doc| {
                self.last_used
                    .get(*doc)
                    .is_none_or(|t| now.saturating_duration_since(*t) >= idle)
            })
            .cloned()
            .collect();
        for doc in &idle_docs {
            self.docs.unload(doc);
            self.last_used.remove(doc);
        }
        // Unloading never loses a change: a dirty document's write is kept
        // for the next save, which happens here.
        if let Err(e) = self.write_pending() {
            tracing::error!(error = %e, "cannot write unloaded documents");
        }
        idle_docs.len()
    }

    /// Persists the states of identified peers still connected, so a relay
    /// that dies without closing its connections loses little. Called with
    /// the idle sweep; unchanged states are not rewritten.
    pub(crate) fn save_live_peer_states(&self) {
        for c in self.conns.values().filter(|c| c.stable) {
            for doc in &c.open {
                self.peer_states.save(&self.docs, &c.peer, doc);
            }
        }
    }

    pub(crate) fn loaded(&self) -> usize {
        self.docs.len()
    }

    pub(crate) fn connections(&self) -> usize {
        self.conns.len()
    }

    fn unavailable(&self, conn: ConnId, msg: &DocMessage) -> Outcome {
        if let Some(c) = self.conns.get(&conn) {
            let reply = RepoMessage::DocUnavailable {
                sender_id: RELAY_PEER_ID.to_owned(),
                target_id: c.remote.clone().unwrap_or_else(|| msg.sender_id.clone()),
                document_id: msg.document_id,
            };
            let _ = c.tx.send(reply.encode());
        }
        Outcome::Unavailable
    }

    fn send_sync(&mut self, conn: ConnId, doc: &DocId) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let Some(data) = self.docs.generate_sync_message(&c.peer, doc) else {
            return;
        };
        let target = c.remote.clone().unwrap_or_default();
        let msg = RepoMessage::Sync(DocMessage::for_doc(RELAY_PEER_ID, &target, doc, data));
        let _ = c.tx.send(msg.encode());
    }

    /// Carries out the engine's pending storage writes; whether any were.
    fn write_pending(&mut self) -> Result<bool, StoreError> {
        let ops = self.docs.take_pending_saves();
        let wrote = !ops.is_empty();
        for op in ops {
            match op {
                StorageOp::Append { id, bytes } => self.store.append_chunk(&id, &bytes)?,
                StorageOp::Compact { id, snapshot } => {
                    self.store.replace_with_snapshot(&id, &snapshot)?;
                }
                other => {
                    tracing::error!(doc = %other.id(), "unknown storage operation");
                }
            }
        }
        Ok(wrote)
    }
}
