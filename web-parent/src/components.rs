//! The parent app's building blocks: props in, callbacks out, no I/O.

pub mod field;
pub mod header;
pub mod tabs;
