//! Staff mode: the console a person logs in to on a staff PC or the kiosk
//! tablet (SPEC §3.2, §3.4, §3.12). [`console::StaffConsole`] is the shell
//! (login, tabs, log-out); each tab is a page component taking
//! [`PageProps`].
//!
//! * [`route`] — the `#/staff/…` hash routes (pure, tested natively);
//! * [`applications`] — pending applications, approve or reject, the login letter;
//! * [`child_requests`] — guardians' requests to add a child, approve or reject;
//! * [`families`] — search, the family view, passes and printed cards;
//! * [`devices`] — pairing codes and enrolled devices (administrators);
//! * [`card`] — the printable card's HTML (pure);
//! * [`letter`] — showing and printing a login letter;
//! * [`common`], [`browser`] — error notes, dates, and the browser calls.

pub mod applications;
pub mod browser;
pub mod card;
pub mod child_requests;
pub mod common;
pub mod console;
pub mod devices;
pub mod families;
pub mod letter;
pub mod live;
pub mod reports;
pub mod route;
pub mod session;
pub mod today;

pub use console::StaffConsole;
pub use session::{PageProps, StaffRole, StaffSession};
