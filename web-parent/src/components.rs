//! The parent app's building blocks: props in, callbacks out, no I/O.

pub mod header;
pub mod pass_card;
