//! TEMPORARY until main's engine has `family` and `notice::for_family`.
use automerge::AutoCommit;
use hiroba_engine::calendar::{Date, Timestamp};
use hiroba_engine::ids::RoomId;
use hiroba_engine::notice::Notice;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyVisit {
    pub room: RoomId,
    pub date: Date,
    pub arrived: Timestamp,
    pub left: Option<Timestamp>,
    pub children: u32,
    pub guardians: u8,
    pub closed_at_closing: bool,
}

pub fn load_visits(_doc: &AutoCommit) -> Vec<FamilyVisit> {
    Vec::new()
}

pub fn for_family(
    doc: &AutoCommit,
    rooms: &[RoomId],
    _b: &[Date],
    now: Timestamp,
) -> Vec<(String, Notice)> {
    hiroba_engine::notice::load(doc)
        .into_iter()
        .filter(|(_, n)| rooms.iter().any(|r| n.applies(*r, now)))
        .collect()
}
