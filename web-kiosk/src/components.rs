//! The kiosk's building blocks: props in, callbacks out, no I/O of their own
//! beyond the clock's timer.

pub mod clock;
pub mod header;
pub mod scan_input;
pub mod scan_result;
