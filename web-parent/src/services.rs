//! Everything that talks to the browser or the relay. Pages call these and
//! turn the results into state; nothing here decides anything.

pub mod api;
pub mod browser;
pub mod store;
