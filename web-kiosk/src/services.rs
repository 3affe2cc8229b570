//! Everything that talks to the browser or the relay. Components call these
//! and turn the results into state; nothing here decides anything.

pub mod api;
pub mod browser;
pub mod camera;
pub mod device;
pub mod idb;
pub mod link;
pub mod sound;
pub mod storage;
