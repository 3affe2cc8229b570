//! The sync endpoint: automerge-repo's protocol v1 over WebSocket.
//!
//! `GET /sync?token=…` upgrades to a WebSocket that speaks exactly what
//! `@automerge/automerge-repo-network-websocket` speaks (binary CBOR frames:
//! `join` → `peer`, then `request` / `sync` / `doc-unavailable` / `error`),
//! so an unmodified npm client syncs with the relay. The token comes from
//! the query string because a browser's `WebSocket` — and automerge-repo's
//! adapter — can set nothing but the URL; no token means anonymous, which
//! may open nothing.
//!
//! * **Authorization.** Each `sync` / `request` is checked with
//!   [`crate::auth::may_access`] for the connection's identity. A document
//!   the identity may not see is answered `doc-unavailable`, byte for byte
//!   as a missing one is.
//! * **Durability.** A received change is written to sled and
//!   [`crate::store::Store::flush`]ed *before* the relay's responding sync
//!   message (the acknowledgement) is sent.
//! * **Fan-out.** A change is pushed to every other connection that has the
//!   document open.
//! * **Memory.** Documents are loaded from sled on first use and unloaded
//!   once no connection has them open and they sat idle for [`IDLE_AFTER`].
//! * **Robustness.** A frame that is not a protocol message, or a sync
//!   message automerge refuses, gets an `error` message and that connection
//!   is closed, as the protocol prescribes; other connections never notice.
//!
//! * **Cheap reconnects.** An identified connection's sync states are kept
//!   under its identity (not the connection) and persisted in sled, so a
//!   kiosk that reconnects — even to a restarted relay — exchanges only
//!   what is new; see [`peers`].
//!
//! Repo ids map back to Hiroba names through a registry; see [`names`].

pub mod client;
mod hub;
mod names;
mod peers;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::DocId;
use hiroba_engine::sync::{DocSet, RepoMessage};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use warp::ws::{Message, WebSocket};
use warp::{Filter, Rejection, Reply};

use crate::auth::{Identity, Sessions};
use crate::issuer::{IssueError, relay_actor};
use crate::store::{Store, StoreError};
use hub::{ConnId, Hub, Outcome};

pub use hub::{ChangeError, RELAY_PEER_ID};

/// How long a document nobody has open stays in memory after its last use.
pub const IDLE_AFTER: Duration = Duration::from_secs(60);
/// How often the hub looks for idle documents (on its next message).
const SWEEP_EVERY: Duration = Duration::from_secs(10);
/// The largest frame accepted: a month of a busy room's attendance synced
/// from scratch fits with room to spare.
const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// The relay's sync hub: one set of open documents for every connection.
///
/// Cheap to clone; clones share the hub.
#[derive(Debug, Clone)]
pub struct SyncHub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    hub: Mutex<Hub>,
    last_sweep: Mutex<Instant>,
    store: Store,
    sessions: Sessions,
    /// Set once the relay shuts down: every connection closes, so a
    /// graceful shutdown never waits for kiosks that stay connected.
    closing: watch::Sender<bool>,
    /// Group commit: how many flushes were asked for, and (under the lock)
    /// how many of those asks the last finished flush covered. One flush at
    /// a time serves every ask made before it started, so a thousand kiosks
    /// do not queue a thousand fsyncs (nor exhaust sled's flush threads).
    flush_asked: std::sync::atomic::AtomicU64,
    flush_done: tokio::sync::Mutex<u64>,
    /// Attendance documents changed since the projection last looked (see
    /// [`crate::projection`]), and the bell that tells it.
    attendance_changed: Mutex<BTreeSet<DocId>>,
    attendance_bell: tokio::sync::Notify,
}

/// What the connection loop does after a frame.
enum Flow {
    Continue,
    Close,
}

impl SyncHub {
    /// The hub over `store`, writing with the relay's lifelong actor id.
    pub fn open(store: &Store) -> Result<SyncHub, IssueError> {
        let docs = DocSet::new(relay_actor(store)?);
        let names = names::Names::open(store)?;
        let peer_states = peers::PeerStates::open(store)?;
        Ok(SyncHub {
            inner: Arc::new(Inner {
                hub: Mutex::new(Hub::new(docs, store.clone(), names, peer_states)),
                last_sweep: Mutex::new(Instant::now()),
                store: store.clone(),
                sessions: Sessions::open(store)?,
                closing: watch::channel(false).0,
                flush_asked: std::sync::atomic::AtomicU64::new(0),
                flush_done: tokio::sync::Mutex::new(0),
                attendance_changed: Mutex::new(BTreeSet::new()),
                attendance_bell: tokio::sync::Notify::new(),
            }),
        })
    }

    /// Tells the hub that `doc` was written to storage outside the sync
    /// protocol (by the issuer or the accounts code), so its open copy is
    /// refreshed and pushed to readers, and its repo id becomes known.
    ///
    /// Modules that write synced documents must call this right after the
    /// write, or the hub's next compaction could replace what they wrote.
    pub fn doc_written(&self, doc: &DocId) -> Result<(), StoreError> {
        self.lock().doc_written(doc)?;
        self.attendance_touched(doc);
        Ok(())
    }

    /// Changes `doc` as the relay itself (see `Hub::change`): the change
    /// is stored (unflushed) and pushed to the document's readers.
    pub fn change_doc<R, E: std::fmt::Display>(
        &self,
        doc: &DocId,
        change: impl FnOnce(&mut automerge::AutoCommit) -> Result<R, E>,
    ) -> Result<R, ChangeError> {
        self.lock().change(doc, Instant::now(), change)
    }

    /// Waits until attendance documents changed, and returns which (each
    /// once, however often it changed meanwhile).
    pub async fn attendance_changes(&self) -> Vec<DocId> {
        loop {
            let changed = std::mem::take(&mut *self.changed_set());
            if !changed.is_empty() {
                return changed.into_iter().collect();
            }
            self.inner.attendance_bell.notified().await;
        }
    }

    fn attendance_touched(&self, doc: &DocId) {
        if doc.as_attendance().is_some() {
            self.changed_set().insert(doc.clone());
            self.inner.attendance_bell.notify_one();
        }
    }

    fn changed_set(&self) -> MutexGuard<'_, BTreeSet<DocId>> {
        self.inner
            .attendance_changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The stored chunks of `doc` (empty if nothing is stored), read as one
    /// consistent set: every change the hub has acknowledged, and never half
    /// of a compaction, because the hub appends and compacts only under the
    /// lock this read takes. The lock is held for the sled read alone, so a
    /// report reading a city's month document by document keeps at most one
    /// of them in memory and barely delays sync.
    pub fn stored_chunks(&self, doc: &DocId) -> Result<Vec<Vec<u8>>, StoreError> {
        let _hub = self.lock();
        self.inner.store.doc_chunks(doc)
    }

    /// Unloads documents nobody has open and nobody used for `idle`;
    /// returns how many. The hub also does this by itself.
    pub fn unload_idle(&self, idle: Duration) -> usize {
        self.lock().unload_idle(Instant::now(), idle)
    }

    /// Closes every sync connection, now and from now on (relay shutdown).
    pub fn close_all(&self) {
        self.inner.closing.send_replace(true);
    }

    /// How many documents are in memory.
    pub fn loaded_documents(&self) -> usize {
        self.lock().loaded()
    }

    /// How many sync connections are open.
    pub fn connections(&self) -> usize {
        self.lock().connections()
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        // A panic while holding the lock would be a bug; the hub's state is
        // still consistent enough to keep serving other connections.
        self.inner.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Flushes storage so that every write made before this call is on
    /// disk, sharing one flush among all callers waiting at the same time.
    async fn flush(&self) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        let ticket = self.inner.flush_asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut done = self.inner.flush_done.lock().await;
        if *done >= ticket {
            return Ok(());
        }
        // Every ask up to here was made after its write, so this flush,
        // which starts now, covers them all.
        let covers = self.inner.flush_asked.load(Ordering::SeqCst);
        self.inner.store.flush().await?;
        *done = covers;
        Ok(())
    }

    fn identify(&self, token: Option<&str>) -> Identity {
        match token {
            Some(token) if !token.is_empty() => self.inner.sessions.lookup(token, wall_clock()),
            _ => Identity::Anonymous,
        }
    }

    fn maybe_sweep(&self, now: Instant) {
        let due = {
            let mut last = self
                .inner
                .last_sweep
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let due = now.saturating_duration_since(*last) >= SWEEP_EVERY;
            if due {
                *last = now;
            }
            due
        };
        if due {
            let unloaded = self.lock().unload_idle(now, IDLE_AFTER);
            if unloaded > 0 {
                tracing::debug!(unloaded, "unloaded idle documents");
            }
        }
    }

    async fn handle_frame(&self, conn: ConnId, frame: &[u8]) -> Flow {
        let msg = match RepoMessage::decode(frame) {
            Ok(msg) => msg,
            Err(e) => {
                tracing::debug!(conn, error = %e, "malformed frame");
                self.lock().send_error(conn, &e.to_string());
                return Flow::Close;
            }
        };
        let (doc_msg, is_request) = match msg {
            RepoMessage::Join {
                sender_id,
                supported_protocol_versions,
                ..
            } => {
                let v1 = hiroba_engine::sync::repo_protocol::PROTOCOL_VERSION;
                if supported_protocol_versions.iter().any(|v| v == v1) {
                    self.lock().join(conn, sender_id);
                    return Flow::Continue;
                }
                self.lock()
                    .send_error(conn, "unsupported protocol version; this relay speaks 1");
                return Flow::Close;
            }
            RepoMessage::Leave { .. } => return Flow::Close,
            RepoMessage::Request(m) => (m, true),
            RepoMessage::Sync(m) => (m, false),
            // Ephemeral messages, remote-heads gossip and the client's own
            // doc-unavailable need no answer from a relay that stores
            // everything itself.
            _ => return Flow::Continue,
        };
        let now = Instant::now();
        self.maybe_sweep(now);
        let outcome = {
            let mut hub = self.lock();
            if !hub.has_joined(conn) {
                hub.send_error(conn, "send join first");
                return Flow::Close;
            }
            hub.receive(conn, doc_msg, is_request, now)
        };
        match outcome {
            Outcome::Unavailable => Flow::Continue,
            Outcome::Malformed => {
                self.lock()
                    .send_error(conn, "malformed automerge sync message");
                Flow::Close
            }
            Outcome::Storage(e) => {
                tracing::error!(error = %e, "cannot store a change");
                self.lock()
                    .send_error(conn, "the relay could not store the change");
                Flow::Close
            }
            Outcome::Applied {
                doc,
                changed,
                wrote,
            } => {
                // The acknowledgement (the reply) waits for the disk.
                if wrote {
                    if let Err(e) = self.flush().await {
                        tracing::error!(error = %e, "cannot flush a change");
                        self.lock()
                            .send_error(conn, "the relay could not store the change");
                        return Flow::Close;
                    }
                }
                self.lock().answer(conn, &doc, changed);
                if changed {
                    self.attendance_touched(&doc);
                }
                Flow::Continue
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct SyncQuery {
    token: Option<String>,
}

/// `GET /sync?token=…`: the WebSocket sync endpoint.
pub fn routes(
    state: Arc<crate::RelayState>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let hub = state.sync.clone();
    warp::path!("sync")
        .and(warp::ws())
        .and(warp::query::<SyncQuery>())
        .map(move |ws: warp::ws::Ws, query: SyncQuery| {
            let hub = hub.clone();
            let identity = hub.identify(query.token.as_deref());
            ws.max_message_size(MAX_FRAME_BYTES)
                .max_frame_size(MAX_FRAME_BYTES)
                .on_upgrade(move |socket| connection(socket, hub, identity))
        })
}

/// One client's connection: frames are handled one at a time, in order;
/// everything sent to the client goes through its channel, drained by a
/// writer task, so pushes from other connections interleave safely.
async fn connection(socket: WebSocket, hub: SyncHub, identity: Identity) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let role = role_name(&identity);
    let conn = hub.lock().connect(identity, tx);
    tracing::debug!(conn, role, "sync connection opened");
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if sink.send(Message::binary(frame)).await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let mut closing = hub.inner.closing.subscribe();
    loop {
        if *closing.borrow_and_update() {
            break;
        }
        let msg = tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(msg)) => msg,
                _ => break,
            },
            _ = closing.changed() => break,
        };
        let flow = if msg.is_binary() {
            hub.handle_frame(conn, msg.as_bytes()).await
        } else if msg.is_text() {
            hub.lock().send_error(conn, "frames must be binary cbor");
            Flow::Close
        } else if msg.is_close() {
            Flow::Close
        } else {
            Flow::Continue
        };
        if matches!(flow, Flow::Close) {
            break;
        }
    }
    // Dropping the connection's sender lets the writer drain and close.
    hub.lock().disconnect(conn);
    let _ = writer.await;
    tracing::debug!(conn, "sync connection closed");
}

/// The kind of identity, for logs (never who it is).
fn role_name(identity: &Identity) -> &'static str {
    match identity {
        Identity::Anonymous => "anonymous",
        Identity::Kiosk { .. } => "kiosk",
        Identity::Staff { .. } => "staff",
        Identity::Guardian { .. } => "guardian",
    }
}

fn wall_clock() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}
