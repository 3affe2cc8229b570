//! Attendance: who came to a room, when, and with whom.
//!
//! Kiosks record check-ins, check-outs and paper slips offline; documents
//! meet later through sync. This module decides how those facts are stored so
//! that every kiosk, whatever order it received them in, computes the same
//! room.
//!
//! # Storage rules
//!
//! * **One automerge document per room per day**, named
//!   [`DocId::attendance`](crate::ids::DocId::attendance)
//!   (`attendance/R03/2026-11-24`). Small documents load fast, and a day is the
//!   unit of the report.
//! * **No genesis change.** Two kiosks that open the same day's document while
//!   offline each create it from nothing, and that is fine: every event is a
//!   *root-level key with a unique id* and a *scalar value* (a compact JSON
//!   string), e.g. `in/<visit id>`, `out/<event id>`, `slip/<visit id>`,
//!   `void/<event id>`, `fix/<event id>` and `close`. Because no nested object
//!   is ever created at a shared key, two concurrently created documents never
//!   hide each other's data (automerge would let one of two concurrently
//!   created maps at the same key win and hide the other's contents).
//! * **Events are immutable facts** (grow-only). Nothing is edited or deleted:
//!   a mistaken scan is undone by a `void` event, wrong members are corrected
//!   by a `fix` event. Merging two kiosks is then just the union of their facts.
//! * **Names and phone numbers never enter the attendance document.** Kiosks
//!   sync it and kiosk screens must never show names, so the optional contact
//!   written on a paper slip goes to a separate staff-only document,
//!   [`slip_contacts_doc_id`] (`slip-contacts/R03/2026-11-24`).
//! * Recording a fact commits it as its own automerge change, stamped with the
//!   event's time (never a clock), so a caller can persist and sync it at once.
//!
//! # Reading rules ([`DayView::load`])
//!
//! The document is materialized into [`Stay`]s, one per family group's visit.
//! The result depends only on the set of facts, never on the merge order:
//!
//! 1. Entries that cannot be read (bad key, bad JSON, an object instead of a
//!    string, an implausible time) are skipped and counted in
//!    [`Anomalies`]; a document arriving by sync is outside input and must
//!    never crash a kiosk.
//! 2. Voided visits (check-ins or slips named by a `void`) vanish.
//! 3. Check-ins and check-outs are sorted by (time, key) and replayed per pass:
//!    a check-in while that pass has an open stay joins that stay (a family
//!    checked in on two offline kiosks counts once); a check-out closes the
//!    pass's open stay whichever kiosk recorded the check-in; a check-out with
//!    no open stay is ignored and counted as an orphan.
//! 4. A stay joined by several check-ins has, for each birth month, the most
//!    children any of them recorded, and the most guardians.
//! 5. Every slip is a stay of its own.
//! 6. `close` closes every stay still open that arrived by the closing time,
//!    at the closing time, and flags it ([`Stay::closed_at_closing`]), so a
//!    forgotten check-out never distorts durations. It applies after the
//!    replay, so a check-out recorded a little after closing still ends its
//!    stay at the real time. If kiosks closed the day concurrently with
//!    different times, the latest time counts.
//! 7. Fixes apply last: among the fixes naming any visit of a stay, the one
//!    with the greatest (time, id) sets its children and guardians. A slip is
//!    corrected by voiding it and entering it again.
//!
//! # Scanning ([`DayView::decide_scan`])
//!
//! The same pass seen (checked in or out, on any kiosk whose facts have
//! arrived) within the duplicate window is one scan; a pass with an open stay
//! is offered check-out; otherwise check-in, preselecting the family's last
//! choice of children and guardians. A duplicate that two *offline* kiosks
//! both record is caught later by rule 3: it joins the open stay.
//!
//! ```
//! use automerge::AutoCommit;
//! use hiroba_engine::attendance::{record_check_in, CheckIn, DayView, Source, VisitId};
//! use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
//! use hiroba_engine::ids::PassId;
//!
//! let day: Date = "2026-11-24".parse()?;
//! let mut doc = AutoCommit::new();
//! let check_in = CheckIn {
//!     pass: PassId([1; 8]),
//!     source: Source::AppPass,
//!     children: vec![YearMonth::new(2024, 8)?],
//!     guardians: 1,
//!     at: Timestamp::from_jst(day, 10, 5),
//! };
//! record_check_in(&mut doc, &VisitId::from_random(&[7; 16]), &check_in)?;
//!
//! let view = DayView::load(&doc);
//! let now = Timestamp::from_jst(day, 11, 0);
//! assert_eq!(view.present(now).len(), 1);
//! assert_eq!(view.occupancy(now).children, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod contact;
mod event;
mod record;
mod scan;
mod view;

use std::fmt;

use crate::calendar::{AgeBracket, Date, Timestamp, YearMonth, bracket_of_year_month};
use crate::ids::PassId;

pub use contact::{SlipContacts, load_slip_contacts, record_slip_contact, slip_contacts_doc_id};
pub use record::{
    close_day, fix_members, record_check_in, record_check_out, record_slip,
    record_slip_with_contact, void_visit,
};
pub use scan::{Occupancy, ScanDecision, last_selection_over, preselect};
pub use view::{Anomalies, DayView, Stay};

/// The most children one group may bring, a bound that keeps a garbled or
/// hostile document from producing absurd reports.
pub const MAX_CHILDREN_PER_GROUP: usize = 30;

/// The most guardians one group may count, for the same reason.
pub const MAX_GUARDIANS_PER_GROUP: u8 = 20;

/// Why a fact could not be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttendanceError {
    /// A group must have at least one person in it.
    #[error("a visit needs at least one child or guardian")]
    NobodyCame,
    /// More children or guardians than one group can bring.
    #[error("too many people for one group: {children} children, {guardians} guardians")]
    TooManyPeople {
        /// Children given.
        children: usize,
        /// Guardians given.
        guardians: usize,
    },
    /// A departure before the arrival.
    #[error("left at {left} before arriving at {arrived}")]
    LeftBeforeArrival {
        /// Arrival, seconds since the epoch.
        arrived: i64,
        /// Departure, seconds since the epoch.
        left: i64,
    },
    /// A time outside years 2000–9999: a broken clock, not a visit.
    #[error("implausible time: {0} seconds since the epoch")]
    ImplausibleTime(i64),
    /// An id is not 32 lowercase hexadecimal digits.
    #[error("not an event id (expected 32 hexadecimal digits): {0:?}")]
    InvalidId(String),
    /// The id is already used in this document (random ids never repeat, so
    /// this is a caller reusing an id).
    #[error("id already recorded in this document: {0}")]
    DuplicateId(String),
    /// A slip contact with neither a name nor a phone number.
    #[error("a slip contact needs a name or a phone number")]
    EmptyContact,
    /// A slip contact field longer than a slip has room for.
    #[error("slip contact {field} is longer than {max} characters")]
    ContactTooLong {
        /// Which field: `name` or `phone`.
        field: &'static str,
        /// The longest allowed.
        max: usize,
    },
    /// The automerge document refused the change.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
}

/// How a family group announced itself. Kept per stay so reports can show
/// how many came by app, card or paper, while every other number counts them
/// identically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The QR pass in the parent app.
    AppPass,
    /// A printed card with the pass's QR.
    PrintedCard,
    /// A paper slip entered by staff.
    PaperSlip,
    /// Staff checked the family in by hand (for example a damaged card).
    Staff,
}

impl Source {
    /// Every source, in report column order.
    pub const ALL: [Source; 4] = [
        Source::AppPass,
        Source::PrintedCard,
        Source::PaperSlip,
        Source::Staff,
    ];

    /// The position in [`Source::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The report column heading in Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            Source::AppPass => "アプリ",
            Source::PrintedCard => "カード",
            Source::PaperSlip => "用紙",
            Source::Staff => "職員入力",
        }
    }

    /// The report column heading in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Source::AppPass => "app",
            Source::PrintedCard => "card",
            Source::PaperSlip => "paper slip",
            Source::Staff => "staff",
        }
    }
}

/// A family checking in with a pass (app, card, or staff on its behalf).
///
/// The kiosk fills it from a verified pass: only the pseudonymous pass id,
/// the chosen children's birth year-months and a guardian count, never a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    /// The pass scanned.
    pub pass: PassId,
    /// How the pass was presented.
    pub source: Source,
    /// Birth year-months of the children who came (twins appear twice).
    pub children: Vec<YearMonth>,
    /// Number of guardians (adults) who came.
    pub guardians: u8,
    /// When the family checked in.
    pub at: Timestamp,
}

/// A paper slip (利用者カード) entered by staff.
///
/// Slips stay legal, so they must count exactly like scans: staff give the
/// children per report age bracket, which is all the report needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    /// Arrival time written on the slip.
    pub at: Timestamp,
    /// Departure time, if written.
    pub left_at: Option<Timestamp>,
    /// Number of guardians.
    pub guardians: u8,
    /// Children per [`AgeBracket::ALL`] index.
    pub children: [u16; 7],
    /// The optional name and phone written on the slip. It is stored only in
    /// the staff-only contacts document (see [`record_slip_with_contact`]).
    pub contact: Option<SlipContact>,
}

/// The optional name and phone number on a paper slip.
///
/// Personal data: it lives only in the staff-only document named by
/// [`slip_contacts_doc_id`], and its `Debug` output is redacted so it cannot
/// leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SlipContact {
    /// The name written on the slip (may be empty).
    pub name: String,
    /// The phone number written on the slip (may be empty).
    pub phone: String,
}

impl fmt::Debug for SlipContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlipContact")
            .field("name", &"<redacted>")
            .field("phone", &"<redacted>")
            .finish()
    }
}

/// The children of a stay: birth year-months for a scan, counts per bracket
/// for a paper slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Children {
    /// Birth year-months from the pass (a scan).
    BirthMonths(Vec<YearMonth>),
    /// Counts per [`AgeBracket::ALL`] index (a slip).
    ByBracket([u16; 7]),
}

impl Children {
    /// How many children, whatever their age.
    pub fn count(&self) -> u32 {
        match self {
            Children::BirthMonths(months) => months.len() as u32,
            Children::ByBracket(counts) => counts.iter().map(|&n| u32::from(n)).sum(),
        }
    }

    /// Children per report bracket on `on` (the visit's date). A child past
    /// junior high school or not yet born has no bracket and is not counted.
    pub fn brackets(&self, on: Date) -> [u32; 7] {
        let mut out = [0u32; 7];
        match self {
            Children::BirthMonths(months) => {
                for &m in months {
                    if let Some(b) = bracket_of_year_month(m, on) {
                        out[b.index()] += 1;
                    }
                }
            }
            Children::ByBracket(counts) => {
                for b in AgeBracket::ALL {
                    out[b.index()] = u32::from(counts[b.index()]);
                }
            }
        }
        out
    }
}

/// The id of one visit: a check-in or a slip.
///
/// Made from caller-supplied random bytes (the engine draws no randomness),
/// written as 32 lowercase hex digits; so two offline kiosks never pick the
/// same key in a shared document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VisitId(String);

/// The id of any other event: a check-out, a void or a fix.
///
/// Same form and reason as [`VisitId`]; a separate type so a check-out's id
/// can never be passed where the visit to void is expected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(String);

macro_rules! random_id {
    ($ty:ident) => {
        impl $ty {
            /// The id for 16 random bytes from the caller's random source.
            pub fn from_random(bytes: &[u8; 16]) -> $ty {
                $ty(hex(bytes))
            }

            /// The id from its text, as stored in a document key.
            pub fn parse(s: &str) -> Result<$ty, AttendanceError> {
                if is_id_text(s) {
                    Ok($ty(s.to_owned()))
                } else {
                    Err(AttendanceError::InvalidId(s.chars().take(64).collect()))
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

random_id!(VisitId);
random_id!(EventId);

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn is_id_text(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Earliest time accepted in a document: 2000-01-01T00:00:00Z.
const EARLIEST: i64 = 946_684_800;
/// Latest time accepted: 9999-12-31T23:59:59Z. Bounding times keeps every
/// later calculation (hours, durations, dates) far from overflow.
const LATEST: i64 = 253_402_300_799;

fn plausible(t: Timestamp) -> bool {
    (EARLIEST..=LATEST).contains(&t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_of_the_random_bytes() {
        let bytes: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xff];
        let id = VisitId::from_random(&bytes);
        assert_eq!(id.as_str(), "000102030405060708090a0b0c0d0eff");
        assert_eq!(VisitId::parse(id.as_str()).expect("valid"), id);
        for bad in [
            "",
            "00",
            "000102030405060708090A0B0C0D0EFF",
            "g00102030405060708090a0b0c0d0eff",
        ] {
            assert!(VisitId::parse(bad).is_err(), "{bad:?}");
            assert!(EventId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn children_count_and_brackets() {
        let on: Date = "2026-11-24".parse().expect("date");
        let ym = |s: &str| s.parse::<YearMonth>().expect("year-month");
        let cases = [
            (
                Children::BirthMonths(vec![
                    ym("2026-01"),
                    ym("2024-08"),
                    ym("2024-08"),
                    ym("2009-01"),
                ]),
                4,
                [1, 0, 2, 0, 0, 0, 0],
            ),
            (
                Children::ByBracket([1, 0, 2, 0, 0, 0, 3]),
                6,
                [1, 0, 2, 0, 0, 0, 3],
            ),
            (Children::BirthMonths(vec![]), 0, [0; 7]),
        ];
        for (children, count, brackets) in cases {
            assert_eq!(children.count(), count, "{children:?}");
            assert_eq!(children.brackets(on), brackets, "{children:?}");
        }
    }

    #[test]
    fn contacts_never_show_in_debug_output() {
        let c = SlipContact {
            name: "山田花子".to_owned(),
            phone: "090-0000-0000".to_owned(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("山田") && !shown.contains("090"), "{shown}");
    }

    #[test]
    fn sources_have_labels_in_column_order() {
        assert_eq!(Source::ALL.map(Source::index), [0, 1, 2, 3]);
        assert_eq!(Source::PaperSlip.label_ja(), "用紙");
        assert_eq!(Source::Staff.label_en(), "staff");
    }
}
