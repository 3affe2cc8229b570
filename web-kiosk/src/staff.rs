//! Staff mode: the console a person logs in to on a staff PC or the kiosk
//! tablet (SPEC §3.5–3.8). Each page is a component taking [`PageProps`].

pub mod live;
pub mod reports;
pub mod session;
pub mod today;

pub use session::{PageProps, StaffRole, StaffSession};
