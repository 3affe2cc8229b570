//! The visit history of each family, projected from the rooms' attendance
//! into the family's own document (`family/<id>`, see
//! [`hiroba_engine::family`]).
//!
//! A guardian may not read attendance documents: they hold every family of
//! a room. So whenever an attendance document changes (a kiosk synced, a
//! staff correction), [`run`] reads that room's day, finds the families of
//! the passes in it (`passfam/<pass id>` in the accounts tree) and replaces
//! that day in each family's document. The families projected last time
//! are remembered (`projection/<attendance doc>` in the store's metadata),
//! so a family whose only scan was undone loses that visit too.
//!
//! The family documents are derived data: projecting again from the
//! attendance gives the same result, so a crash between the two writes
//! loses nothing that the next change of the day does not repair.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::AutoCommit;
use hiroba_engine::attendance::{DayView, Stay};
use hiroba_engine::family::project_day;
use hiroba_engine::ids::{DocId, FamilyId, PassId};

use crate::RelayState;
use crate::accounts::{AccountError, family, records};

/// Projects every attendance change, as long as the relay runs. It starts
/// by projecting every room's today and yesterday again, which repairs a
/// projection a crash interrupted after the attendance was stored.
pub async fn run(state: Arc<RelayState>) {
    let today = crate::accounts::system_now().jst_date();
    let mut changed: Vec<DocId> = state
        .city
        .rooms
        .iter()
        .flat_map(|room| [today.add_days(-1), today].map(|day| DocId::attendance(room.id, day)))
        .collect();
    loop {
        let projector = state.clone();
        let done = tokio::task::spawn_blocking(move || {
            for doc in changed {
                if let Err(e) = project(&projector, &doc) {
                    tracing::error!(doc = %doc, error = %e, "cannot project visits into family documents");
                }
            }
        })
        .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "visit projection stopped unexpectedly");
        }
        changed = state.sync.attendance_changes().await;
    }
}

/// Why a day could not be projected.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Accounts(#[from] AccountError),
    #[error(transparent)]
    Change(#[from] crate::sync::ChangeError),
    #[error("attendance document {0} cannot be read: {1}")]
    Unreadable(DocId, String),
}

fn memory_key(doc: &DocId) -> String {
    format!("projection/{doc}")
}

/// The record key mapping a pass to its family.
pub fn pass_key(pass: &PassId) -> String {
    format!("passfam/{pass}")
}

/// Replaces `attendance`'s day in the document of every family concerned.
pub fn project(state: &RelayState, attendance: &DocId) -> Result<(), ProjectionError> {
    let Some((room, date)) = attendance.as_attendance() else {
        return Ok(());
    };
    let chunks = state.sync.stored_chunks(attendance)?;
    let doc = if chunks.is_empty() {
        AutoCommit::new()
    } else {
        AutoCommit::load(&chunks.concat())
            .map_err(|e| ProjectionError::Unreadable(attendance.clone(), e.to_string()))?
    };
    let day = DayView::load(&doc);
    let mut by_family: BTreeMap<FamilyId, Vec<&Stay>> = BTreeMap::new();
    let mut index = PassIndex::new(state);
    for stay in day.stays() {
        if let Some(pass) = stay.pass {
            if let Some(family) = index.family_of(pass)? {
                by_family.entry(family).or_default().push(stay);
            }
        }
    }
    let before: Vec<FamilyId> = state
        .store
        .meta(&memory_key(attendance))?
        .unwrap_or_default();
    let concerned: BTreeSet<FamilyId> = before
        .into_iter()
        .chain(by_family.keys().cloned())
        .collect();
    for family in &concerned {
        let stays = by_family.get(family).map(Vec::as_slice).unwrap_or_default();
        state.sync.change_doc(&DocId::family(family), |doc| {
            project_day(doc, room, date, stays.iter().copied())
        })?;
    }
    let now: Vec<&FamilyId> = by_family.keys().collect();
    state.store.put_meta(&memory_key(attendance), &now)?;
    Ok(())
}

/// Pass → family lookups, filling the index from the family records once
/// if a pass is missing (passes issued before the index existed).
struct PassIndex<'a> {
    state: &'a RelayState,
    rebuilt: bool,
}

impl<'a> PassIndex<'a> {
    fn new(state: &'a RelayState) -> PassIndex<'a> {
        PassIndex {
            state,
            rebuilt: false,
        }
    }

    fn family_of(&mut self, pass: PassId) -> Result<Option<FamilyId>, AccountError> {
        let tree = &self.state.accounts.tree;
        if let Some(family) = records::get(tree, &pass_key(&pass))? {
            return Ok(Some(family));
        }
        if self.rebuilt {
            return Ok(None);
        }
        self.rebuilt = true;
        for (_, family) in records::scan::<family::Family>(tree, "fam/")? {
            for issued in family.app_pass.iter().chain(&family.cards) {
                records::put(tree, &pass_key(&issued.pass_id), &family.id)?;
            }
        }
        records::get(tree, &pass_key(&pass))
    }
}
