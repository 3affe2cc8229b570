//! # hiroba-engine
//!
//! The sans-IO core of Hiroba, the check-in and family-support system for a
//! city's children's rooms (こどもルーム). The same code runs natively in the
//! relay and tests, and as WebAssembly in the kiosk and the parent app.
//!
//! **The engine never does I/O.** No sockets, files, clocks or random
//! sources: time arrives as [`calendar::Timestamp`], randomness as bytes, keys
//! as values, and documents as automerge bytes. Everything a kiosk decides —
//! is this pass valid, who is in the room, what does the month's report say —
//! is a plain function of engine data.
//!
//! ## Table of contents
//!
//! * [`ids`] — room, city, pass and key identifiers.
//! * [`lang`] — the screen language switch (Japanese first).
//! * [`calendar`] — Japan time, ages, school grades and report age brackets.
//! * [`pass`] — the signed QR pass: claims, binary layout, text, QR code,
//!   keyboard-wedge diagnosis, and [`pass::verify_scan`] with its
//!   [`pass::Rejection`]s.
//! * [`trust`] — the synced trust list of signing keys and the revocations.
//! * [`attendance`] — check-ins, check-outs and paper slips in one grow-only
//!   document per room per day; who is in the room; what a scan means.
//! * [`report`] — usage reports (利用者実績表): daily, monthly, city-wide,
//!   yearly, and their CSV export for Excel.
//! * [`sync`] — the sans-IO sync core: a set of automerge documents, per-peer
//!   sync states, and the storage writes to make ([`sync::DocSet`]).
//! * [`device`] — a device's lifelong automerge actor id.
//! * [`synth`] — a deterministic synthetic city-year of visits, for tests and
//!   benchmarks.

pub mod attendance;
pub mod calendar;
pub mod device;
pub mod family;
pub mod ids;
pub mod lang;
pub mod notice;
pub mod pass;
pub mod report;
pub mod sync;
pub mod synth;
pub mod trust;
