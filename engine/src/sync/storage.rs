//! What the sync core asks its caller to write, and a tiny in-memory store.
//!
//! The engine never touches a disk. Instead [`super::DocSet::take_pending_saves`]
//! hands out [`StorageOp`]s — "append these bytes to this document's chunks"
//! or "replace all of this document's chunks with this snapshot" — and the
//! caller (sled on the relay, IndexedDB in the browser) carries them out.
//! Loading is the reverse: the caller reads a document's chunks in the order
//! they were written and passes them to [`super::DocSet::load`].
//!
//! Appending small increments keeps every save cheap (a visit is a few
//! hundred bytes), but a day of increments loads slower than one snapshot, so
//! once the increments outgrow the snapshot the core asks for a compaction.

use std::collections::BTreeMap;

use automerge::ChangeHash;

use crate::ids::DocId;

/// Increments smaller than this never trigger a compaction, however small the
/// snapshot: rewriting a tiny document on every few visits would cost more
/// writes than the slightly slower load it saves.
pub const COMPACT_FLOOR_BYTES: usize = 1024;

/// One write the caller must make to its storage, in the order given.
///
/// A document is stored as an ordered list of chunks. Loading concatenates
/// them, so chunks may overlap (automerge drops duplicate changes) but must
/// never be reordered relative to a [`StorageOp::Compact`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageOp {
    /// Add `bytes` after the document's existing chunks.
    Append {
        /// The document written to.
        id: DocId,
        /// The changes made since the last write (automerge's incremental save).
        bytes: Vec<u8>,
    },
    /// Replace *all* of the document's chunks with this one snapshot.
    ///
    /// The snapshot contains everything the chunks did, so doing the
    /// replacement atomically (one sled batch, one IndexedDB transaction) is
    /// all that is needed for crash safety.
    Compact {
        /// The document written to.
        id: DocId,
        /// The whole document, compressed (automerge's full save).
        snapshot: Vec<u8>,
    },
}

impl StorageOp {
    /// The document this write belongs to, so a caller can key its storage.
    pub fn id(&self) -> &DocId {
        match self {
            StorageOp::Append { id, .. } | StorageOp::Compact { id, .. } => id,
        }
    }

    /// The bytes to write, whichever kind of write it is.
    pub fn bytes(&self) -> &[u8] {
        match self {
            StorageOp::Append { bytes, .. } => bytes,
            StorageOp::Compact { snapshot, .. } => snapshot,
        }
    }
}

/// What the sync core knows about one document's stored chunks.
///
/// It decides between appending and compacting without reading storage.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredChunks {
    /// Whether every stored chunk of the document is known to this core.
    ///
    /// Only then may it ask to *replace* them: a document created in memory
    /// before its stored chunks were loaded would otherwise overwrite them
    /// with less than they hold. Such a document only ever appends.
    pub(crate) known: bool,
    /// Size of the first stored chunk (the snapshot), in bytes.
    pub(crate) snapshot_len: usize,
    /// Bytes appended after the snapshot.
    pub(crate) appended_len: usize,
    /// The heads of the document as last written (or loaded).
    pub(crate) saved_heads: Vec<ChangeHash>,
}

impl StoredChunks {
    /// What was just read from storage: the chunks in order.
    pub(crate) fn loaded(chunks: &[Vec<u8>], heads: Vec<ChangeHash>) -> StoredChunks {
        StoredChunks {
            known: true,
            snapshot_len: chunks.first().map_or(0, Vec::len),
            appended_len: chunks.iter().skip(1).map(Vec::len).sum(),
            saved_heads: heads,
        }
    }

    /// Whether appending `more` bytes of increments should become a
    /// compaction instead.
    pub(crate) fn should_compact(&self, more: usize) -> bool {
        self.known && self.appended_len + more > self.snapshot_len.max(COMPACT_FLOOR_BYTES)
    }
}

/// An in-memory storage that applies [`StorageOp`]s: a map from document to
/// its chunks.
///
/// It is not I/O — just the smallest thing that behaves like the relay's sled
/// tree or the browser's IndexedDB store, for tests and for the apps'
/// in-memory cache.
///
/// ```
/// use hiroba_engine::ids::DocId;
/// use hiroba_engine::sync::{DocSet, MemoryStore};
/// use automerge::{ActorId, ROOT, ReadDoc, transaction::Transactable};
///
/// let id = DocId::trust_list();
/// let mut store = MemoryStore::default();
/// let mut docs = DocSet::new(ActorId::from([1u8; 16]));
/// docs.load(&id, store.chunks(&id)).expect("nothing stored yet");
/// docs.doc_mut(&id).put(ROOT, "version", 1_i64).expect("root put");
/// store.apply_all(docs.take_pending_saves());
///
/// let mut reopened = DocSet::new(ActorId::from([1u8; 16]));
/// reopened.load(&id, store.chunks(&id)).expect("stored by us");
/// let doc = reopened.doc(&id).expect("loaded");
/// let (value, _) = doc.get(ROOT, "version").ok().flatten().expect("saved");
/// assert_eq!(value.as_i64(), Some(1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStore {
    docs: BTreeMap<DocId, Vec<Vec<u8>>>,
}

impl MemoryStore {
    /// Carry out one write.
    pub fn apply(&mut self, op: StorageOp) {
        match op {
            StorageOp::Append { id, bytes } => self.docs.entry(id).or_default().push(bytes),
            StorageOp::Compact { id, snapshot } => {
                self.docs.insert(id, vec![snapshot]);
            }
        }
    }

    /// Carry out writes in order.
    pub fn apply_all(&mut self, ops: impl IntoIterator<Item = StorageOp>) {
        for op in ops {
            self.apply(op);
        }
    }

    /// The chunks of a document in the order written, ready for
    /// [`super::DocSet::load`]; empty if nothing was stored.
    pub fn chunks(&self, id: &DocId) -> Vec<Vec<u8>> {
        self.docs.get(id).cloned().unwrap_or_default()
    }

    /// How many chunks a document has, to see compaction happen.
    pub fn chunk_count(&self, id: &DocId) -> usize {
        self.docs.get(id).map_or(0, Vec::len)
    }

    /// Total bytes stored for a document.
    pub fn stored_bytes(&self, id: &DocId) -> usize {
        self.docs
            .get(id)
            .map_or(0, |c| c.iter().map(Vec::len).sum())
    }

    /// Every stored document.
    pub fn ids(&self) -> impl Iterator<Item = &DocId> {
        self.docs.keys()
    }

    /// Replace one chunk, to simulate a damaged disk in tests.
    pub fn chunks_mut(&mut self, id: &DocId) -> Option<&mut Vec<Vec<u8>>> {
        self.docs.get_mut(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_waits_for_the_floor_then_for_the_snapshot_size() {
        let small = StoredChunks {
            known: true,
            snapshot_len: 100,
            appended_len: 900,
            saved_heads: vec![],
        };
        assert!(!small.should_compact(100));
        assert!(small.should_compact(200));
        let big = StoredChunks {
            snapshot_len: 10_000,
            ..small.clone()
        };
        assert!(!big.should_compact(5_000));
        assert!(big.should_compact(9_200));
        let unknown = StoredChunks {
            known: false,
            ..small
        };
        assert!(!unknown.should_compact(1_000_000));
    }

    #[test]
    fn the_memory_store_appends_and_replaces() {
        let id = DocId::revocations();
        let mut store = MemoryStore::default();
        store.apply(StorageOp::Append {
            id: id.clone(),
            bytes: vec![1, 2],
        });
        store.apply(StorageOp::Append {
            id: id.clone(),
            bytes: vec![3],
        });
        assert_eq!(store.chunk_count(&id), 2);
        assert_eq!(store.stored_bytes(&id), 3);
        store.apply(StorageOp::Compact {
            id: id.clone(),
            snapshot: vec![9],
        });
        assert_eq!(store.chunks(&id), vec![vec![9]]);
        assert!(store.chunks(&DocId::trust_list()).is_empty());
    }
}
