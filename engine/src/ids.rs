//! Identifiers shared by every part of Hiroba.
//!
//! They are small `Copy` newtypes so that a room number can never be passed
//! where a key id is expected. None of them carries personal data: a
//! [`PassId`] is random and says nothing about the family it belongs to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A children's room (こどもルーム) of a city, numbered from 1.
///
/// Shown to people as `R01`, `R02`, … and stored and serialized the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomId(pub u16);

impl Serialize for RoomId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RoomId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{:02}", self.0)
    }
}

/// Why a text is not an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// A room is written `R` followed by its number, e.g. `R03`.
    #[error("not a room number (expected R01, R02, …): {0:?}")]
    Room(String),
    /// A pass id is 16 hexadecimal digits.
    #[error("not a pass id (expected 16 hexadecimal digits): {0:?}")]
    Pass(String),
    /// A family id is 16 lower-case hexadecimal digits.
    #[error("not a family id: {0:?}")]
    Family(String),
    /// A document name has only ASCII letters, digits and `-/_.`.
    #[error("not a document name: {0:?}")]
    Doc(String),
}

impl FromStr for RoomId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix('R')
            .and_then(|n| n.parse::<u16>().ok())
            .filter(|n| *n > 0)
            .map(RoomId)
            .ok_or_else(|| IdError::Room(s.to_owned()))
    }
}

/// A Japanese local-government code (全国地方公共団体コード, six digits),
/// which tells passes of one city from another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CityCode(pub u32);

impl fmt::Display for CityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// The pseudonymous id of a pass (a family's, or a child's printed card).
///
/// Drawn at random by the issuer; reissuing a card keeps the id and raises the
/// serial, so one revocation entry per id is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PassId(pub [u8; 8]);

impl fmt::Display for PassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for PassId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || IdError::Pass(s.to_owned());
        if s.len() != 16 || !s.is_ascii() {
            return Err(err());
        }
        let mut out = [0u8; 8];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| err())?;
        }
        Ok(PassId(out))
    }
}

impl Serialize for PassId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PassId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A family account's pseudonymous id: 16 lower-case hexadecimal digits,
/// drawn at random by the relay when an application is approved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FamilyId(String);

impl FamilyId {
    /// A family id from 8 random bytes.
    pub fn from_random(bytes: [u8; 8]) -> FamilyId {
        FamilyId(PassId(bytes).to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for FamilyId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<PassId>() {
            Ok(_) if s.bytes().all(|b| !b.is_ascii_uppercase()) => Ok(FamilyId(s.to_owned())),
            _ => Err(IdError::Family(s.chars().take(40).collect())),
        }
    }
}

impl TryFrom<String> for FamilyId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<FamilyId> for String {
    fn from(id: FamilyId) -> String {
        id.0
    }
}

/// The id of one of the city's signing keys, as listed in the trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyId(pub u16);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "K{}", self.0)
    }
}

/// The name of one synced automerge document.
///
/// Names are deterministic, so two kiosks that create "today's attendance of
/// room 3" while offline create the *same* document and their changes merge
/// instead of living side by side:
///
/// * `attendance/R03/2026-11-24` — one room's visits on one day;
/// * `trust-list` — the city's pass-signing public keys;
/// * `revocations` — the lowest valid serial of each reissued pass.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocId(String);

impl DocId {
    /// One room's attendance on one (Japan-time) day.
    pub fn attendance(room: RoomId, date: crate::calendar::Date) -> DocId {
        DocId(format!("attendance/{room}/{date}"))
    }

    /// The staff-only contacts (name, phone) written on one room's paper
    /// slips of one day, kept apart from the attendance kiosks sync.
    pub fn slip_contacts(room: RoomId, date: crate::calendar::Date) -> DocId {
        DocId(format!("slip-contacts/{room}/{date}"))
    }

    /// The city's trust list of pass-signing keys.
    pub fn trust_list() -> DocId {
        DocId("trust-list".to_owned())
    }

    /// The city's pass revocations.
    pub fn revocations() -> DocId {
        DocId("revocations".to_owned())
    }

    /// A family's own record (guardians, children, rooms, passes): read by
    /// staff and by that family's guardians only.
    pub fn family(family: &FamilyId) -> DocId {
        DocId(format!("family/{family}"))
    }

    /// One consultation record (相談記録): staff only, never a kiosk or a parent.
    pub fn consultation(id: &str) -> DocId {
        DocId(format!("consultation/{id}"))
    }

    /// The city's notices (ルームだより, course information, emergencies).
    pub fn notices() -> DocId {
        DocId("notices".to_owned())
    }

    /// The city's courses and events (子育て講座).
    pub fn events() -> DocId {
        DocId("events".to_owned())
    }

    /// The family named by a `family/…` document, if it is one.
    pub fn as_family(&self) -> Option<FamilyId> {
        self.0.strip_prefix("family/")?.parse().ok()
    }

    /// A name from its text, as stored or sent over the wire.
    ///
    /// Only ASCII letters, digits and `-`, `/`, `_`, `.` are allowed, so a
    /// name is always safe in a URL path, a log line and a storage key.
    pub fn parse(s: &str) -> Result<DocId, IdError> {
        let ok = !s.is_empty()
            && s.len() <= 200
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-/_.".contains(&b));
        if ok {
            Ok(DocId(s.to_owned()))
        } else {
            Err(IdError::Doc(s.chars().take(200).collect()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The room and day of an attendance document, if it is one.
    pub fn as_attendance(&self) -> Option<(RoomId, crate::calendar::Date)> {
        let rest = self.0.strip_prefix("attendance/")?;
        let (room, date) = rest.split_once('/')?;
        Some((room.parse().ok()?, date.parse().ok()?))
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_round_trip_through_text() {
        assert_eq!(RoomId(3).to_string(), "R03");
        assert_eq!("R03".parse::<RoomId>(), Ok(RoomId(3)));
        assert_eq!("R11".parse::<RoomId>(), Ok(RoomId(11)));
        assert!("R0".parse::<RoomId>().is_err());
        assert!("3".parse::<RoomId>().is_err());
    }

    #[test]
    fn pass_ids_round_trip_through_hex() {
        let id = PassId([0, 1, 2, 0xab, 0xcd, 0xef, 0x10, 0xff]);
        assert_eq!(id.to_string(), "000102abcdef10ff");
        assert_eq!(id.to_string().parse::<PassId>(), Ok(id));
        assert!("xyz".parse::<PassId>().is_err());
        assert!("000102abcdef10fg".parse::<PassId>().is_err());
    }

    #[test]
    fn document_names_are_deterministic_and_safe() {
        let date = "2026-11-24".parse().expect("test date");
        let id = DocId::attendance(RoomId(3), date);
        assert_eq!(id.as_str(), "attendance/R03/2026-11-24");
        assert_eq!(DocId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(id.as_attendance(), Some((RoomId(3), date)));
        assert_eq!(DocId::trust_list().as_attendance(), None);
        assert!(DocId::parse("../etc/passwd?").is_err());
        assert!(DocId::parse("").is_err());
        let family = FamilyId::from_random([1, 2, 3, 4, 5, 6, 7, 0xab]);
        assert_eq!(DocId::family(&family).as_str(), "family/01020304050607ab");
        assert_eq!(DocId::family(&family).as_family(), Some(family));
        assert_eq!(DocId::notices().as_family(), None);
        assert!("01020304050607AB".parse::<FamilyId>().is_err());
    }
}
