//! Which Hiroba document an automerge-repo document id stands for.
//!
//! A repo id is a hash of the document's name ([`RepoDocId::for_name`]) and
//! cannot be reversed, so the relay keeps a registry, the sled tree
//! `repo-ids` (repo id → name), filled from three sources:
//!
//! * the city-wide documents every relay has (trust list, revocations,
//!   notices, events), registered at start-up;
//! * every document already in the `doc-chunks` tree, scanned at start-up,
//!   so documents written by other modules are found too;
//! * the `hirobaName` field of sync messages from Hiroba's own clients,
//!   accepted only when the name hashes to the message's id and the sender
//!   may access that document (so nobody can fill the registry with names
//!   they could not use).
//!
//! A repo id the registry does not know is answered `doc-unavailable`, as a
//! missing document is: an unmodified automerge-repo client can therefore
//! only open documents that a Hiroba client or the relay created first.

use std::collections::HashMap;

use hiroba_engine::ids::DocId;
use hiroba_engine::sync::RepoDocId;

use crate::store::{Store, StoreError};

/// The registry of names the relay can map repo ids back to.
#[derive(Debug)]
pub(crate) struct Names {
    tree: sled::Tree,
    cache: HashMap<RepoDocId, DocId>,
}

impl Names {
    /// Opens the registry and registers the city-wide documents and every
    /// stored one.
    pub(crate) fn open(store: &Store) -> Result<Names, StoreError> {
        let mut names = Names {
            tree: store.tree("repo-ids")?,
            cache: HashMap::new(),
        };
        for doc in [
            DocId::trust_list(),
            DocId::revocations(),
            DocId::notices(),
            DocId::events(),
        ] {
            names.remember(&doc)?;
        }
        // Chunk keys are `name \0 seq`: one name per run of keys.
        let chunks = store.tree("doc-chunks")?;
        let mut last: Option<Vec<u8>> = None;
        for key in chunks.iter().keys() {
            let key = key?;
            let name = key.split(|b| *b == 0).next().unwrap_or_default();
            if last.as_deref() == Some(name) {
                continue;
            }
            last = Some(name.to_vec());
            if let Some(doc) = std::str::from_utf8(name)
                .ok()
                .and_then(|n| DocId::parse(n).ok())
            {
                names.remember(&doc)?;
            }
        }
        Ok(names)
    }

    /// The document a repo id names, if the relay has seen its name.
    pub(crate) fn lookup(&mut self, id: &RepoDocId) -> Option<DocId> {
        if let Some(doc) = self.cache.get(id) {
            return Some(doc.clone());
        }
        let stored = self.tree.get(id.0).ok().flatten()?;
        // A damaged record is treated as unknown, never trusted: the name
        // must hash back to the id.
        let doc = std::str::from_utf8(&stored)
            .ok()
            .and_then(|n| DocId::parse(n).ok())
            .filter(|doc| doc.repo_id() == *id)?;
        self.cache.insert(*id, doc.clone());
        Some(doc)
    }

    /// Registers a name (idempotent).
    pub(crate) fn remember(&mut self, doc: &DocId) -> Result<(), StoreError> {
        let id = doc.repo_id();
        if self.cache.contains_key(&id) {
            return Ok(());
        }
        self.tree.insert(id.0, doc.as_str().as_bytes())?;
        self.cache.insert(id, doc.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_survive_reopening_and_stored_documents_are_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let family = DocId::parse("family/0102030405060708").expect("name");
        let stored = DocId::parse("attendance/R02/2026-11-24").expect("name");
        {
            let store = Store::open(dir.path()).expect("store");
            store.append_chunk(&stored, b"x").expect("append");
            let mut names = Names::open(&store).expect("names");
            assert_eq!(names.lookup(&stored.repo_id()), Some(stored.clone()));
            assert_eq!(names.lookup(&family.repo_id()), None);
            names.remember(&family).expect("remember");
        }
        let store = Store::open(dir.path()).expect("reopen");
        let mut names = Names::open(&store).expect("names");
        assert_eq!(names.lookup(&family.repo_id()), Some(family));
        assert_eq!(
            names.lookup(&DocId::trust_list().repo_id()),
            Some(DocId::trust_list())
        );
    }

    #[test]
    fn a_damaged_record_is_unknown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let doc = DocId::parse("consultation/c9").expect("name");
        store
            .tree("repo-ids")
            .expect("tree")
            .insert(doc.repo_id().0, b"consultation/other".as_slice())
            .expect("raw insert");
        let mut names = Names::open(&store).expect("names");
        assert_eq!(names.lookup(&doc.repo_id()), None);
    }
}
