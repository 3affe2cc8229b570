//! A client's side of the automerge-repo protocol, sans-IO: what a kiosk or
//! a guardian's phone says to the relay over its WebSocket.
//!
//! The caller owns the socket and a [`DocSet`]; it sends
//! [`ClientSession::join_frame`] when the socket opens, passes every frame
//! that arrives to [`ClientSession::receive`] and sends the frames each call
//! returns. Documents to keep in sync are added with
//! [`ClientSession::open`]; after a local change,
//! [`ClientSession::changed_locally`] gives the frames that carry it. When
//! the socket closes, [`ClientSession::disconnected`] keeps only the heads
//! both sides share, so the next connection sends only what is new.
//!
//! ```
//! use automerge::{ActorId, ROOT, transaction::Transactable};
//! use hiroba_engine::ids::DocId;
//! use hiroba_engine::sync::{ClientSession, DocSet, PeerId};
//!
//! let id = DocId::notices();
//! let mut relay = DocSet::new(ActorId::from(&[1u8; 16][..]));
//! relay.doc_mut(&id).put(ROOT, "n/1", "閉館のお知らせ")?;
//!
//! let mut kiosk_docs = DocSet::new(ActorId::from(&[2u8; 16][..]));
//! let mut kiosk = ClientSession::new("kiosk-1");
//! kiosk.open(&mut kiosk_docs, &[id.clone()]);
//! assert!(!kiosk.is_connected());
//!
//! // A toy relay: it answers `join` with `peer` and sync with sync.
//! let mut to_relay = vec![kiosk.join_frame()];
//! let client = PeerId::new("kiosk-1");
//! let mut rounds = 0;
//! while let Some(frame) = to_relay.pop() {
//!     rounds += 1;
//!     let answer = match hiroba_engine::sync::RepoMessage::decode(&frame)? {
//!         hiroba_engine::sync::RepoMessage::Join { .. } => Some(hiroba_engine::sync::RepoMessage::Peer {
//!             sender_id: "relay".into(), target_id: "kiosk-1".into(),
//!             selected_protocol_version: "1".into(), peer_metadata: None }.encode()),
//!         hiroba_engine::sync::RepoMessage::Request(m) | hiroba_engine::sync::RepoMessage::Sync(m) => {
//!             relay.receive_sync_message(&client, &id, &m.data)?;
//!             relay.generate_sync_message(&client, &id).map(|data| {
//!                 let reply = hiroba_engine::sync::DocMessage::for_doc("relay", "kiosk-1", &id, data);
//!                 hiroba_engine::sync::RepoMessage::Sync(reply).encode()
//!             })
//!         }
//!         _ => None,
//!     };
//!     if let Some(answer) = answer {
//!         to_relay.extend(kiosk.receive(&mut kiosk_docs, &answer)?.frames);
//!     }
//! }
//! assert!(kiosk.is_connected() && rounds > 2);
//! let notices = kiosk_docs.doc(&id).expect("synced");
//! assert!(automerge::ReadDoc::get(notices, ROOT, "n/1")?.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;

use super::repo_protocol::DecodeError;
use super::{DocMessage, DocSet, PeerId, RepoMessage, SyncError};
use crate::ids::DocId;

/// The name a client keeps the relay's sync states under.
const RELAY_PEER: &str = "relay";

/// Why a frame from the relay could not be used. The connection should be
/// closed and opened again; the documents are as they were.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The frame is not a protocol message.
    #[error("the relay sent a frame that is not a sync message: {0}")]
    Decode(#[from] DecodeError),
    /// A sync message did not apply.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The relay reported a protocol error and will close the connection.
    #[error("the relay reported an error: {0}")]
    Relay(String),
}

/// What one received frame led to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Frames to send to the relay, in order.
    pub frames: Vec<Vec<u8>>,
    /// Documents that changed (new facts arrived); store them and refresh
    /// what the screen shows.
    pub changed: Vec<DocId>,
    /// Documents the relay does not have or will not share.
    pub unavailable: Vec<DocId>,
}

/// One client connection's protocol state; see the module docs.
#[derive(Debug)]
pub struct ClientSession {
    peer_id: String,
    relay_id: Option<String>,
    /// Documents kept in sync with the relay.
    open: BTreeSet<DocId>,
}

impl ClientSession {
    /// A session for a connection whose peer id is `peer_id` (unique per
    /// connection; the relay identifies the device by its token, not this).
    pub fn new(peer_id: impl Into<String>) -> ClientSession {
        ClientSession {
            peer_id: peer_id.into(),
            relay_id: None,
            open: BTreeSet::new(),
        }
    }

    /// The peer the [`DocSet`] keeps the relay's sync states under, for
    /// persisting them ([`DocSet::encode_peer_state`]).
    pub fn relay_peer() -> PeerId {
        PeerId::new(RELAY_PEER)
    }

    /// The first frame to send on a new connection.
    pub fn join_frame(&self) -> Vec<u8> {
        RepoMessage::Join {
            sender_id: self.peer_id.clone(),
            supported_protocol_versions: vec!["1".to_owned()],
            peer_metadata: None,
        }
        .encode()
    }

    /// Whether the relay answered `join`.
    pub fn is_connected(&self) -> bool {
        self.relay_id.is_some()
    }

    /// The documents this session keeps in sync.
    pub fn open_docs(&self) -> impl Iterator<Item = &DocId> {
        self.open.iter()
    }

    /// Keeps `ids` in sync from now on; when connected, the frames that
    /// start syncing the new ones (a document this device does not have yet
    /// is requested from the relay).
    pub fn open(&mut self, docs: &mut DocSet, ids: &[DocId]) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        for id in ids {
            if self.open.insert(id.clone()) && self.is_connected() {
                frames.extend(self.first_message(docs, id));
            }
        }
        frames
    }

    /// The frames that carry a local change of `id` to the relay (none while
    /// disconnected: they go when the connection is back).
    pub fn changed_locally(&mut self, docs: &mut DocSet, id: &DocId) -> Vec<Vec<u8>> {
        self.open.insert(id.clone());
        if !self.is_connected() {
            return Vec::new();
        }
        self.sync_frame(docs, id).into_iter().collect()
    }

    /// Handles one frame from the relay.
    pub fn receive(&mut self, docs: &mut DocSet, frame: &[u8]) -> Result<Step, SessionError> {
        let mut step = Step::default();
        match RepoMessage::decode(frame)? {
            RepoMessage::Peer { sender_id, .. } => {
                self.relay_id = Some(sender_id);
                let ids: Vec<DocId> = self.open.iter().cloned().collect();
                for id in &ids {
                    step.frames.extend(self.first_message(docs, id));
                }
            }
            RepoMessage::Sync(m) | RepoMessage::Request(m) => {
                // Only documents this session asked for; the name must hash
                // to the repo id, so no peer can bind an id to another name.
                let Some(id) = m.verified_name().filter(|id| self.open.contains(id)) else {
                    return Ok(step);
                };
                if docs
                    .receive_sync_message(&Self::relay_peer(), &id, &m.data)?
                    .is_changed()
                {
                    step.changed.push(id.clone());
                }
                step.frames.extend(self.sync_frame(docs, &id));
            }
            RepoMessage::DocUnavailable { document_id, .. } => {
                if let Some(id) = self.open.iter().find(|id| id.repo_id() == document_id) {
                    // Start afresh: the next local change is sent in full.
                    docs.reset_peer_doc(&Self::relay_peer(), id);
                    step.unavailable.push(id.clone());
                }
            }
            RepoMessage::Error { message, .. } => return Err(SessionError::Relay(message)),
            RepoMessage::Join { .. } | RepoMessage::Leave { .. } | RepoMessage::Other { .. } => {}
        }
        Ok(step)
    }

    /// The connection closed: forget what was in flight, keep what both
    /// sides share.
    pub fn disconnected(&mut self, docs: &mut DocSet) {
        self.relay_id = None;
        docs.peer_disconnected(&Self::relay_peer());
    }

    /// How many changes across the open documents the relay has not
    /// confirmed yet.
    pub fn unacknowledged(&self, docs: &mut DocSet) -> usize {
        self.open
            .iter()
            .map(|id| docs.unacknowledged(&Self::relay_peer(), id))
            .sum()
    }

    fn first_message(&self, docs: &mut DocSet, id: &DocId) -> Option<Vec<u8>> {
        let is_request = docs.doc_mut(id).get_heads().is_empty();
        let data = docs.generate_sync_message(&Self::relay_peer(), id)?;
        let msg = self.doc_message(id, data);
        Some(if is_request {
            RepoMessage::Request(msg).encode()
        } else {
            RepoMessage::Sync(msg).encode()
        })
    }

    fn sync_frame(&self, docs: &mut DocSet, id: &DocId) -> Option<Vec<u8>> {
        let data = docs.generate_sync_message(&Self::relay_peer(), id)?;
        Some(RepoMessage::Sync(self.doc_message(id, data)).encode())
    }

    fn doc_message(&self, id: &DocId, data: Vec<u8>) -> DocMessage {
        let relay = self.relay_id.as_deref().unwrap_or(RELAY_PEER);
        DocMessage::for_doc(&self.peer_id, relay, id, data)
    }
}
