//! Durable storage on sled: document chunks, relay metadata and secrets.
//!
//! A document is stored as a sequence of automerge chunks (a snapshot, then
//! incremental saves); concatenated in order they load as one document. The
//! engine's sync core decides when to append and when to compact
//! (`StorageOp`); this module only writes what it is told, atomically.
//!
//! **Invariant:** a write is acknowledged to a peer only after
//! [`Store::flush`] has returned, because sled otherwise fsyncs only every
//! 500 ms and a crash could lose an acknowledged change.

use std::path::Path;

use hiroba_engine::ids::DocId;
use serde::{Serialize, de::DeserializeOwned};
use sled::transaction::{ConflictableTransactionError, TransactionError};

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// sled could not open, read or write.
    #[error("storage failed: {0}")]
    Sled(#[from] sled::Error),
    /// A stored record is not what this version of the relay wrote.
    #[error("stored record {key:?} is damaged: {reason}")]
    Damaged {
        /// The record's key.
        key: String,
        /// What was wrong with it.
        reason: String,
    },
}

/// The relay's sled database.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    chunks: sled::Tree,
    meta: sled::Tree,
    secrets: sled::Tree,
}

impl Store {
    /// Opens (or creates) the database in `dir`.
    ///
    /// sled locks its files; a previous holder in this process (a relay that
    /// was just shut down) can keep the lock for a moment while its
    /// background flusher winds down, so a held lock is retried for a few
    /// seconds before it counts as an error.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match sled::Config::new().path(dir.join("relay.sled")).open() {
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        Ok(Store {
            chunks: db.open_tree("doc-chunks")?,
            meta: db.open_tree("meta")?,
            secrets: db.open_tree("secrets")?,
            db,
        })
    }

    /// The stored chunks of a document, in order (empty if unknown).
    pub fn doc_chunks(&self, id: &DocId) -> Result<Vec<Vec<u8>>, StoreError> {
        self.chunks
            .scan_prefix(chunk_prefix(id))
            .values()
            .map(|v| Ok(v?.to_vec()))
            .collect()
    }

    /// The document as one byte string that `AutoCommit::load` accepts.
    pub fn doc_bytes(&self, id: &DocId) -> Result<Option<Vec<u8>>, StoreError> {
        let chunks = self.doc_chunks(id)?;
        Ok((!chunks.is_empty()).then(|| chunks.concat()))
    }

    /// Appends an incremental chunk after the document's last one.
    pub fn append_chunk(&self, id: &DocId, bytes: &[u8]) -> Result<(), StoreError> {
        let prefix = chunk_prefix(id);
        let next = match self.chunks.scan_prefix(&prefix).keys().next_back() {
            Some(key) => chunk_seq(&key?).map_or(0, |s| s + 1),
            None => 0,
        };
        self.chunks.insert(chunk_key(id, next), bytes)?;
        Ok(())
    }

    /// Replaces every chunk of the document with one snapshot, atomically:
    /// a crash leaves either the old chunks or the snapshot, never neither.
    pub fn replace_with_snapshot(&self, id: &DocId, snapshot: &[u8]) -> Result<(), StoreError> {
        let old: Vec<sled::IVec> = self
            .chunks
            .scan_prefix(chunk_prefix(id))
            .keys()
            .collect::<Result<_, _>>()?;
        let first = chunk_key(id, 0);
        self.chunks
            .transaction(|tx| {
                for key in &old {
                    tx.remove(key)?;
                }
                tx.insert(first.as_slice(), snapshot)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => StoreError::Sled(e),
                TransactionError::Abort(()) => StoreError::Damaged {
                    key: id.to_string(),
                    reason: "snapshot transaction aborted".to_owned(),
                },
            })?;
        Ok(())
    }

    /// Reads a JSON metadata record.
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let Some(bytes) = self.meta.get(key)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                key: key.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Writes a JSON metadata record.
    pub fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Damaged {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        self.meta.insert(key, bytes)?;
        Ok(())
    }

    /// Reads a secret (such as the city's pass-signing key).
    pub fn secret(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.secrets.get(key)?.map(|v| v.to_vec()))
    }

    /// Writes a secret.
    pub fn put_secret(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.secrets.insert(key, value)?;
        Ok(())
    }

    /// A named sled tree for a module's own records (accounts, sessions, …).
    ///
    /// Modules own their trees by name; two modules never share one.
    pub fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Forces everything written so far to disk.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.db.flush_async().await?;
        Ok(())
    }
}

fn chunk_prefix(id: &DocId) -> Vec<u8> {
    let mut key = id.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

fn chunk_key(id: &DocId, seq: u64) -> Vec<u8> {
    let mut key = chunk_prefix(id);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn chunk_seq(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        (dir, store)
    }

    #[test]
    fn chunks_append_in_order_and_compact_to_one() {
        let (_dir, store) = store();
        let a = DocId::trust_list();
        let b = DocId::revocations();
        for chunk in [b"one".as_slice(), b"two", b"three"] {
            store.append_chunk(&a, chunk).expect("append");
        }
        store.append_chunk(&b, b"other").expect("append");
        assert_eq!(
            store.doc_bytes(&a).expect("read"),
            Some(b"onetwothree".to_vec())
        );
        store.replace_with_snapshot(&a, b"snap").expect("compact");
        assert_eq!(store.doc_chunks(&a).expect("read"), vec![b"snap".to_vec()]);
        store.append_chunk(&a, b"+1").expect("append");
        assert_eq!(store.doc_bytes(&a).expect("read"), Some(b"snap+1".to_vec()));
        assert_eq!(store.doc_bytes(&b).expect("read"), Some(b"other".to_vec()));
    }

    #[tokio::test]
    async fn data_survives_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = Store::open(dir.path()).expect("open");
            store
                .append_chunk(&DocId::trust_list(), b"keys")
                .expect("append");
            store.put_meta("city", &"demo").expect("meta");
            store.flush().await.expect("flush");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.doc_bytes(&DocId::trust_list()).expect("read"),
            Some(b"keys".to_vec())
        );
        assert_eq!(
            store.meta::<String>("city").expect("meta"),
            Some("demo".to_owned())
        );
    }

    #[test]
    fn damaged_metadata_is_an_error_not_a_panic() {
        let (_dir, store) = store();
        store
            .meta
            .insert("city", b"{not json".as_slice())
            .expect("raw insert");
        assert!(matches!(
            store.meta::<String>("city"),
            Err(StoreError::Damaged { .. })
        ));
    }
}
