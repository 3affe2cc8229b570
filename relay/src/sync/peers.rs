//! Sync states that outlive a connection, so a reconnect is cheap.
//!
//! Automerge's sync state with a peer boils down, once a connection ends,
//! to the heads both sides are known to share. Starting a new connection
//! from those heads costs a few hundred bytes; starting from nothing costs a
//! bloom filter of the whole document (about 12 KB for a busy day). So the
//! hub keys the state of an *identified* connection by who it is, not by
//! the connection, and keeps each (peer, document) state's shared heads in
//! the sled tree `peer-states`, where the next connection of that peer —
//! also after a relay restart — picks it up.
//!
//! **Who is a peer.** The key comes from the connection's [`Identity`],
//! which the relay derived from a session token: an enrolled kiosk is its
//! device, staff their account, a guardian their family. Not the
//! automerge-repo `senderId`: the client chooses it (anyone could name
//! another kiosk's state and skew it), and automerge-repo's browser clients
//! pick a random one per page load, so it would never match again anyway.
//! Anonymous connections have no key and keep per-connection state.
//!
//! **Two connections of one identity** (a kiosk that reconnects before the
//! relay noticed the old socket die, or one staff account on two PCs) must
//! not share a state: automerge's state tracks what is in flight on one
//! stream. Only the first connection of an identity holds the stable key;
//! any other connection opened while it is held gets per-connection state
//! (a full, but correct, exchange) that is never persisted.
//!
//! **Stale or damaged states.** A stored state is advisory. One that does
//! not decode, or whose shared heads the relay's copy of the document does
//! not contain (a change that never reached the disk), is dropped and the
//! exchange starts fresh. A peer that lost its data is handled by automerge
//! itself: it sends empty heads and gets everything.

use automerge::ReadDoc;
use automerge::sync;
use hiroba_engine::ids::DocId;
use hiroba_engine::sync::{DocSet, PeerId};

use crate::auth::Identity;
use crate::store::{Store, StoreError};

/// The sled tree of persisted peer states.
pub(crate) const TREE: &str = "peer-states";

/// The stable peer name of an identity, if it has one.
///
/// The kind prefix keeps a device named like a staff account apart.
pub(crate) fn stable_peer(identity: &Identity) -> Option<PeerId> {
    let name = match identity {
        Identity::Anonymous => return None,
        Identity::Kiosk { device, .. } => format!("kiosk:{device}"),
        Identity::Staff { account, .. } => format!("staff:{account}"),
        Identity::Guardian { family } => format!("guardian:{family}"),
    };
    Some(PeerId::new(name))
}

/// Persisted (peer, document) sync states.
#[derive(Debug)]
pub(crate) struct PeerStates {
    tree: sled::Tree,
}

impl PeerStates {
    pub(crate) fn open(store: &Store) -> Result<PeerStates, StoreError> {
        Ok(PeerStates {
            tree: store.tree(TREE)?,
        })
    }

    /// Stores what `docs` keeps for (`peer`, `doc`), if anything. Errors are
    /// logged, not returned: losing a state only makes one reconnect dearer.
    pub(crate) fn save(&self, docs: &DocSet, peer: &PeerId, doc: &DocId) {
        let Some(bytes) = docs.encode_peer_state(peer, doc) else {
            return;
        };
        let key = key(peer, doc);
        if self.tree.get(&key).ok().flatten().as_deref() == Some(bytes.as_slice()) {
            return;
        }
        if let Err(e) = self.tree.insert(key, bytes) {
            tracing::warn!(peer = %peer, doc = %doc, error = %e, "cannot store a peer state");
        }
    }

    /// Restores the stored state for (`peer`, `doc`) into `docs` if it is
    /// usable; otherwise leaves `docs` alone (a fresh state) and drops the
    /// stored one. `doc` must be loaded.
    pub(crate) fn restore(&self, docs: &mut DocSet, peer: &PeerId, doc: &DocId) {
        let key = key(peer, doc);
        let stored = match self.tree.get(&key) {
            Ok(Some(stored)) => stored,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(peer = %peer, doc = %doc, error = %e, "cannot read a peer state");
                return;
            }
        };
        if usable(docs, doc, &stored) && docs.restore_peer_state(peer, doc, &stored).is_ok() {
            return;
        }
        tracing::debug!(peer = %peer, doc = %doc, "dropped an unusable peer state");
        let _ = self.tree.remove(&key);
    }
}

/// Whether a stored state decodes and every head it claims is shared is in
/// the relay's copy: a state ahead of the document would make the relay
/// skip changes it does not have.
fn usable(docs: &DocSet, doc: &DocId, stored: &[u8]) -> bool {
    let Ok(state) = sync::State::decode(stored) else {
        return false;
    };
    let Some(copy) = docs.doc(doc) else {
        return false;
    };
    state
        .shared_heads
        .iter()
        .all(|h| ReadDoc::get_change_by_hash(copy, h).is_some())
}

/// `len(peer) peer doc`: the length prefix keeps any peer name from running
/// into the document name.
fn key(peer: &PeerId, doc: &DocId) -> Vec<u8> {
    let peer = peer.as_str().as_bytes();
    let len = u32::try_from(peer.len()).unwrap_or(u32::MAX);
    let mut key = Vec::with_capacity(4 + peer.len() + doc.as_str().len());
    key.extend_from_slice(&len.to_be_bytes());
    key.extend_from_slice(peer);
    key.extend_from_slice(doc.as_str().as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT};

    use super::*;

    #[test]
    fn garbage_and_states_ahead_of_the_document_are_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let states = PeerStates::open(&store).expect("tree");
        let doc = DocId::trust_list();
        let peer = PeerId::new("kiosk:k1");
        let mut docs = DocSet::new(ActorId::from([1u8; 16]));
        docs.doc_mut(&doc).put(ROOT, "a", 1_i64).expect("put");

        states
            .tree
            .insert(key(&peer, &doc), b"garbage".as_slice())
            .expect("raw insert");
        states.restore(&mut docs, &peer, &doc);
        assert_eq!(docs.encode_peer_state(&peer, &doc), None);
        assert!(states.tree.get(key(&peer, &doc)).expect("get").is_none());

        // A state sharing heads of a document the relay never stored.
        let mut other = DocSet::new(ActorId::from([2u8; 16]));
        other.doc_mut(&doc).put(ROOT, "b", 2_i64).expect("put");
        let mut state = sync::State::new();
        state.shared_heads = other.doc_mut(&doc).get_heads();
        states
            .tree
            .insert(key(&peer, &doc), state.encode())
            .expect("raw insert");
        states.restore(&mut docs, &peer, &doc);
        assert_eq!(docs.encode_peer_state(&peer, &doc), None);
    }
}
