//! The kiosk's building blocks: props in, callbacks out, no I/O of their own
//! beyond the clock's timer and the camera scanner's browser calls.

pub mod camera;
pub mod clock;
pub mod enrol;
pub mod header;
pub mod panel;
pub mod scan_input;
pub mod scan_modes;
