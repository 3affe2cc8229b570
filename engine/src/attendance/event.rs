//! The stored form of attendance facts: document keys and compact JSON values.
//!
//! Kept apart from the public types so the wire format can stay stable (and
//! be read leniently) while the Rust types evolve. Unknown JSON fields are
//! ignored, so a newer kiosk may add fields without older ones skipping its
//! events.

use serde::{Deserialize, Serialize};

use super::{
    AttendanceError, EventId, MAX_CHILDREN_PER_GROUP, MAX_GUARDIANS_PER_GROUP, Source, VisitId,
    plausible,
};
use crate::calendar::{Timestamp, YearMonth};
use crate::ids::PassId;

/// Key prefix of a check-in: `in/<visit id>`.
pub(super) const CHECK_IN: &str = "in/";
/// Key prefix of a check-out: `out/<event id>`.
pub(super) const CHECK_OUT: &str = "out/";
/// Key prefix of a paper slip: `slip/<visit id>`.
pub(super) const SLIP: &str = "slip/";
/// Key prefix of a void: `void/<event id>`.
pub(super) const VOID: &str = "void/";
/// Key prefix of a fix: `fix/<event id>`.
pub(super) const FIX: &str = "fix/";
/// The one key that is not unique: the day's closing.
pub(super) const CLOSE: &str = "close";

/// How a source is written in a document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum SourceWire {
    #[serde(rename = "app")]
    App,
    #[serde(rename = "card")]
    Card,
    #[serde(rename = "slip")]
    Slip,
    #[serde(rename = "staff")]
    Staff,
}

impl From<Source> for SourceWire {
    fn from(s: Source) -> Self {
        match s {
            Source::AppPass => SourceWire::App,
            Source::PrintedCard => SourceWire::Card,
            Source::PaperSlip => SourceWire::Slip,
            Source::Staff => SourceWire::Staff,
        }
    }
}

impl From<SourceWire> for Source {
    fn from(s: SourceWire) -> Self {
        match s {
            SourceWire::App => Source::AppPass,
            SourceWire::Card => Source::PrintedCard,
            SourceWire::Slip => Source::PaperSlip,
            SourceWire::Staff => Source::Staff,
        }
    }
}

/// `in/<visit id>`: a pass checked in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct InWire {
    pub pass: PassId,
    src: SourceWire,
    pub kids: Vec<YearMonth>,
    pub g: u8,
    pub at: Timestamp,
}

impl InWire {
    pub fn new(c: &super::CheckIn) -> Self {
        InWire {
            pass: c.pass,
            src: c.source.into(),
            kids: c.children.clone(),
            g: c.guardians,
            at: c.at,
        }
    }

    pub fn source(&self) -> Source {
        self.src.into()
    }
}

/// `out/<event id>`: a pass checked out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OutWire {
    pub pass: PassId,
    pub at: Timestamp,
}

/// `slip/<visit id>`: a paper slip, without its contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SlipWire {
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Timestamp>,
    pub g: u8,
    pub kids: [u16; 7],
}

/// `void/<event id>`: a visit undone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct VoidWire {
    pub visit: VisitId,
    pub at: Timestamp,
}

/// `fix/<event id>`: a visit's members corrected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FixWire {
    pub visit: VisitId,
    pub kids: Vec<YearMonth>,
    pub g: u8,
    pub at: Timestamp,
}

/// `close`: the day's closing time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CloseWire {
    pub at: Timestamp,
}

impl Serialize for VisitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for VisitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        VisitId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One fact read from a document, checked for plausibility.
#[derive(Debug, Clone)]
pub(super) enum Event {
    In(VisitId, InWire),
    Out(EventId, OutWire),
    Slip(VisitId, SlipWire),
    /// The void's own id is only needed for key uniqueness.
    Void(VoidWire),
    Fix(EventId, FixWire),
}

/// What a root key turned out to be.
#[derive(Debug)]
pub(super) enum Parsed {
    Event(Event),
    /// The `close` key (read separately, as it may hold concurrent values).
    Close,
    /// A well-formed key of a kind this version does not know.
    Unknown,
    /// Unreadable: skip and count.
    Malformed,
}

/// Reads one root entry. `json` is `None` when the value is not a string.
pub(super) fn parse(key: &str, json: Option<&str>) -> Parsed {
    if key == CLOSE {
        return Parsed::Close;
    }
    let Some((kind, id)) = key.split_once('/') else {
        return Parsed::Unknown;
    };
    let Some(json) = json else {
        return Parsed::Malformed;
    };
    let event = match kind {
        "in" => read(json, |w: &InWire| {
            people_ok(w.kids.len(), w.g) && plausible(w.at)
        })
        .zip(VisitId::parse(id).ok())
        .map(|(w, id)| Event::In(id, w)),
        "out" => read(json, |w: &OutWire| plausible(w.at))
            .zip(EventId::parse(id).ok())
            .map(|(w, id)| Event::Out(id, w)),
        "slip" => read(json, slip_ok)
            .zip(VisitId::parse(id).ok())
            .map(|(w, id)| Event::Slip(id, w)),
        "void" => read(json, |w: &VoidWire| plausible(w.at))
            .filter(|_| EventId::parse(id).is_ok())
            .map(Event::Void),
        "fix" => read(json, |w: &FixWire| {
            people_ok(w.kids.len(), w.g) && plausible(w.at)
        })
        .zip(EventId::parse(id).ok())
        .map(|(w, id)| Event::Fix(id, w)),
        _ => return Parsed::Unknown,
    };
    event.map_or(Parsed::Malformed, Parsed::Event)
}

/// Reads the value of a `close` key, if it is a plausible closing.
pub(super) fn parse_close(json: &str) -> Option<Timestamp> {
    read(json, |w: &CloseWire| plausible(w.at)).map(|w| w.at)
}

fn read<T: serde::de::DeserializeOwned>(json: &str, ok: impl Fn(&T) -> bool) -> Option<T> {
    serde_json::from_str(json).ok().filter(ok)
}

/// Whether a group of `children` and `guardians` is one that can be recorded.
pub(super) fn people_ok(children: usize, guardians: u8) -> bool {
    (children > 0 || guardians > 0)
        && children <= MAX_CHILDREN_PER_GROUP
        && guardians <= MAX_GUARDIANS_PER_GROUP
}

fn slip_ok(w: &SlipWire) -> bool {
    let children: usize = w.kids.iter().map(|&n| usize::from(n)).sum();
    people_ok(children, w.g) && plausible(w.at) && w.left.is_none_or(|l| plausible(l) && l >= w.at)
}

/// Checks a group before it is written, with an error a person can act on.
pub(super) fn check_people(children: usize, guardians: u8) -> Result<(), AttendanceError> {
    if children == 0 && guardians == 0 {
        return Err(AttendanceError::NobodyCame);
    }
    if !people_ok(children, guardians) {
        return Err(AttendanceError::TooManyPeople {
            children,
            guardians: usize::from(guardians),
        });
    }
    Ok(())
}

/// Checks a time before it is written.
pub(super) fn check_time(t: Timestamp) -> Result<(), AttendanceError> {
    if plausible(t) {
        Ok(())
    } else {
        Err(AttendanceError::ImplausibleTime(t.0))
    }
}

/// Serializes a stored value. Serializing these plain structs cannot fail;
/// should it ever, the fallback is an unreadable value that readers skip.
pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(key: &str, json: Option<&str>) -> &'static str {
        match parse(key, json) {
            Parsed::Event(Event::In(..)) => "in",
            Parsed::Event(Event::Out(..)) => "out",
            Parsed::Event(Event::Slip(..)) => "slip",
            Parsed::Event(Event::Void(..)) => "void",
            Parsed::Event(Event::Fix(..)) => "fix",
            Parsed::Close => "close",
            Parsed::Unknown => "unknown",
            Parsed::Malformed => "malformed",
        }
    }

    #[test]
    fn entries_are_read_or_skipped() {
        let id = "0123456789abcdef0123456789abcdef";
        let pass = "00112233445566ff";
        let t = 1_795_000_000;
        let cases: Vec<(String, Option<String>, &str)> = vec![
            (
                format!("in/{id}"),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"app","kids":["2024-08"],"g":1,"at":{t}}}"#
                )),
                "in",
            ),
            // Unknown fields from a newer kiosk are ignored.
            (
                format!("in/{id}"),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"card","kids":[],"g":1,"at":{t},"new":1}}"#
                )),
                "in",
            ),
            (
                format!("in/{id}"),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"card","kids":[],"g":0,"at":{t}}}"#
                )),
                "malformed",
            ),
            (
                format!("in/{id}"),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"fax","kids":[],"g":1,"at":{t}}}"#
                )),
                "malformed",
            ),
            (
                format!("in/{id}"),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"app","kids":[],"g":1,"at":{}}}"#,
                    i64::MAX
                )),
                "malformed",
            ),
            (format!("in/{id}"), None, "malformed"),
            (
                "in/xyz".to_owned(),
                Some(format!(
                    r#"{{"pass":"{pass}","src":"app","kids":[],"g":1,"at":{t}}}"#
                )),
                "malformed",
            ),
            (
                format!("out/{id}"),
                Some(format!(r#"{{"pass":"{pass}","at":{t}}}"#)),
                "out",
            ),
            (
                format!("out/{id}"),
                Some("not json".to_owned()),
                "malformed",
            ),
            (
                format!("slip/{id}"),
                Some(format!(r#"{{"at":{t},"g":1,"kids":[0,0,1,0,0,0,0]}}"#)),
                "slip",
            ),
            (
                format!("slip/{id}"),
                Some(format!(
                    r#"{{"at":{t},"left":{},"g":1,"kids":[0,0,1,0,0,0,0]}}"#,
                    t - 1
                )),
                "malformed",
            ),
            (
                format!("slip/{id}"),
                Some(format!(r#"{{"at":{t},"g":1,"kids":[0,0,1]}}"#)),
                "malformed",
            ),
            (
                format!("void/{id}"),
                Some(format!(r#"{{"visit":"{id}","at":{t}}}"#)),
                "void",
            ),
            (
                format!("void/{id}"),
                Some(format!(r#"{{"visit":"nope","at":{t}}}"#)),
                "malformed",
            ),
            (
                format!("fix/{id}"),
                Some(format!(
                    r#"{{"visit":"{id}","kids":["2024-08"],"g":2,"at":{t}}}"#
                )),
                "fix",
            ),
            (
                "close".to_owned(),
                Some(format!(r#"{{"at":{t}}}"#)),
                "close",
            ),
            ("future/kind".to_owned(), Some("{}".to_owned()), "unknown"),
            ("note".to_owned(), None, "unknown"),
        ];
        for (key, json, want) in cases {
            assert_eq!(kind(&key, json.as_deref()), want, "{key} = {json:?}");
        }
    }

    #[test]
    fn people_and_times_are_checked_before_writing() {
        assert!(matches!(
            check_people(0, 0),
            Err(AttendanceError::NobodyCame)
        ));
        assert!(matches!(
            check_people(31, 1),
            Err(AttendanceError::TooManyPeople { .. })
        ));
        assert!(matches!(
            check_people(1, 21),
            Err(AttendanceError::TooManyPeople { .. })
        ));
        assert!(check_people(1, 0).is_ok());
        assert!(check_people(0, 1).is_ok());
        assert!(check_time(Timestamp(0)).is_err());
        assert!(check_time(Timestamp(1_795_000_000)).is_ok());
        assert_eq!(
            parse_close(r#"{"at":1795000000}"#),
            Some(Timestamp(1_795_000_000))
        );
        assert_eq!(parse_close(r#"{"at":-5}"#), None);
    }
}
