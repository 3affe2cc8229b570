//! The binary layout of a pass, version 1.
//!
//! Fixed-width, big-endian fields, in this order:
//!
//! | offset      | bytes | field                                                    |
//! |-------------|-------|----------------------------------------------------------|
//! | 0           | 1     | layout version, `1`                                      |
//! | 1           | 4     | city code (全国地方公共団体コード), `u32`                  |
//! | 5           | 8     | pass id, random                                          |
//! | 13          | 4     | serial, `u32`                                            |
//! | 17          | 2     | key id, `u16`                                            |
//! | 19          | 1     | kind: `1` app pass, `2` family card, `3` child card      |
//! | 20          | 4     | valid from, `u32` seconds since 1970-01-01 UTC           |
//! | 24          | 4     | valid until (first invalid second), same unit            |
//! | 28          | 1     | guardian count                                           |
//! | 29          | 1     | room count *r*                                           |
//! | 30          | 2·*r* | room numbers, `u16` each                                 |
//! | 30+2*r*     | 1     | child count *c*                                          |
//! | 31+2*r*     | 2·*c* | birth year-months, `u16` months since 2000-01 each       |
//! | 31+2*r*+2*c*| 64    | Ed25519 signature                                        |
//!
//! A family with 6 children registered at all 11 rooms takes 129 bytes, 210
//! characters of text, a version 8 QR code at ECC M.
//!
//! The signature covers [`SIGNED_DOMAIN`] followed by every byte before it.
//! The domain tag is not transmitted; it only makes sure a signature the
//! issuing key made for anything else can never pass for a pass.
//!
//! Decoding never panics, whatever the bytes: running out of bytes is
//! [`Rejection::Truncated`] (a scanner cut the code off), an unknown layout
//! version is [`Rejection::UnsupportedVersion`], and anything else that does
//! not fit is [`Rejection::Malformed`]. The encoding is canonical — one
//! byte string per set of claims — so re-encoding decoded claims gives back
//! exactly the bytes that were signed.

use super::{ClaimsError, PassClaims, PassKind, Rejection};
use crate::calendar::{Timestamp, YearMonth};
use crate::ids::{CityCode, KeyId, PassId, RoomId};

/// The layout version this engine writes and reads.
pub const LAYOUT_VERSION: u8 = 1;

/// The most rooms one pass can list (the count is one byte).
pub const MAX_ROOMS: usize = 255;

/// The most children one pass can list (the count is one byte).
pub const MAX_CHILDREN: usize = 255;

/// The length of the Ed25519 signature at the end of a pass.
pub const SIGNATURE_LEN: usize = 64;

/// Prefixed to the body when signing and verifying, never transmitted.
pub const SIGNED_DOMAIN: &[u8] = b"hiroba pass v1\0";

/// Birth year-months count months from January 2000.
const BIRTH_EPOCH_ORDINAL: i64 = 2000 * 12;

/// The body (everything but the signature) of `claims`, clamping values that
/// do not fit (see [`check_encodable`]).
pub(crate) fn encode_body(claims: &PassClaims) -> Vec<u8> {
    let rooms = &claims.rooms[..claims.rooms.len().min(MAX_ROOMS)];
    let children = &claims.children[..claims.children.len().min(MAX_CHILDREN)];
    let mut out = Vec::with_capacity(31 + 2 * rooms.len() + 2 * children.len() + SIGNATURE_LEN);
    out.push(LAYOUT_VERSION);
    out.extend_from_slice(&claims.city.0.to_be_bytes());
    out.extend_from_slice(&claims.pass_id.0);
    out.extend_from_slice(&claims.serial.to_be_bytes());
    out.extend_from_slice(&claims.key_id.0.to_be_bytes());
    out.push(kind_byte(claims.kind));
    out.extend_from_slice(&time_field(claims.valid_from).to_be_bytes());
    out.extend_from_slice(&time_field(claims.valid_until).to_be_bytes());
    out.push(claims.guardians);
    out.push(rooms.len() as u8);
    for room in rooms {
        out.extend_from_slice(&room.0.to_be_bytes());
    }
    out.push(children.len() as u8);
    for birth in children {
        out.extend_from_slice(&birth_field(*birth).to_be_bytes());
    }
    out
}

/// The message the issuing key signs for a body.
pub(crate) fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNED_DOMAIN.len() + body.len());
    message.extend_from_slice(SIGNED_DOMAIN);
    message.extend_from_slice(body);
    message
}

/// Whether `claims` fit the layout without clamping.
pub(crate) fn check_encodable(claims: &PassClaims) -> Result<(), ClaimsError> {
    if claims.rooms.len() > MAX_ROOMS {
        return Err(ClaimsError::TooManyRooms(claims.rooms.len()));
    }
    if claims.children.len() > MAX_CHILDREN {
        return Err(ClaimsError::TooManyChildren(claims.children.len()));
    }
    if let Some(birth) = claims
        .children
        .iter()
        .find(|b| u16::try_from(b.ordinal() - BIRTH_EPOCH_ORDINAL).is_err())
    {
        return Err(ClaimsError::BirthOutOfRange(*birth));
    }
    for t in [claims.valid_from, claims.valid_until] {
        if u32::try_from(t.0).is_err() {
            return Err(ClaimsError::TimeOutOfRange(t));
        }
    }
    Ok(())
}

/// A whole pass: the claims and the signature bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<(PassClaims, [u8; SIGNATURE_LEN]), Rejection> {
    let mut r = Reader(bytes);
    let claims = read_claims(&mut r)?;
    let signature = r.array::<SIGNATURE_LEN>()?;
    r.finish()?;
    Ok((claims, signature))
}

/// Just the body, as produced by [`encode_body`].
pub(crate) fn decode_body(body: &[u8]) -> Result<PassClaims, Rejection> {
    let mut r = Reader(body);
    let claims = read_claims(&mut r)?;
    r.finish()?;
    Ok(claims)
}

fn read_claims(r: &mut Reader<'_>) -> Result<PassClaims, Rejection> {
    let version = r.u8()?;
    if version != LAYOUT_VERSION {
        return Err(Rejection::UnsupportedVersion);
    }
    let city = CityCode(u32::from_be_bytes(r.array()?));
    let pass_id = PassId(r.array()?);
    let serial = u32::from_be_bytes(r.array()?);
    let key_id = KeyId(u16::from_be_bytes(r.array()?));
    let kind = match r.u8()? {
        1 => PassKind::AppPass,
        2 => PassKind::FamilyCard,
        3 => PassKind::ChildCard,
        _ => return Err(Rejection::Malformed),
    };
    let valid_from = Timestamp(i64::from(u32::from_be_bytes(r.array()?)));
    let valid_until = Timestamp(i64::from(u32::from_be_bytes(r.array()?)));
    let guardians = r.u8()?;
    let room_count = r.u8()?;
    let mut rooms = Vec::with_capacity(usize::from(room_count));
    for _ in 0..room_count {
        rooms.push(RoomId(u16::from_be_bytes(r.array()?)));
    }
    let child_count = r.u8()?;
    let mut children = Vec::with_capacity(usize::from(child_count));
    for _ in 0..child_count {
        let months = u16::from_be_bytes(r.array()?);
        children.push(YearMonth::from_ordinal(
            BIRTH_EPOCH_ORDINAL + i64::from(months),
        ));
    }
    Ok(PassClaims {
        city,
        pass_id,
        serial,
        key_id,
        kind,
        rooms,
        guardians,
        children,
        valid_from,
        valid_until,
    })
}

fn kind_byte(kind: PassKind) -> u8 {
    match kind {
        PassKind::AppPass => 1,
        PassKind::FamilyCard => 2,
        PassKind::ChildCard => 3,
    }
}

fn time_field(t: Timestamp) -> u32 {
    t.0.clamp(0, i64::from(u32::MAX)) as u32
}

fn birth_field(birth: YearMonth) -> u16 {
    (birth.ordinal() - BIRTH_EPOCH_ORDINAL).clamp(0, i64::from(u16::MAX)) as u16
}

/// A cursor over untrusted bytes: every read is bounds-checked and running
/// out is [`Rejection::Truncated`].
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, Rejection> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Rejection> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(Rejection::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }

    /// Trailing bytes after a complete pass mean it is not one of ours.
    fn finish(&self) -> Result<(), Rejection> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Rejection::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::SignedPass;
    use super::super::testkit::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout_matches_the_documented_table() {
        let claims = sample_claims();
        let bytes = claims.sign(&issuing_key()).to_bytes();
        assert_eq!(bytes[0], LAYOUT_VERSION);
        assert_eq!(bytes[1..5], claims.city.0.to_be_bytes());
        assert_eq!(bytes[5..13], claims.pass_id.0);
        assert_eq!(bytes[13..17], claims.serial.to_be_bytes());
        assert_eq!(bytes[17..19], claims.key_id.0.to_be_bytes());
        assert_eq!(bytes[19], 1, "app pass");
        assert_eq!(bytes[20..24], (claims.valid_from.0 as u32).to_be_bytes());
        assert_eq!(bytes[24..28], (claims.valid_until.0 as u32).to_be_bytes());
        assert_eq!(bytes[28], claims.guardians);
        assert_eq!(usize::from(bytes[29]), claims.rooms.len());
        let r = claims.rooms.len();
        assert_eq!(usize::from(bytes[30 + 2 * r]), claims.children.len());
        // 2024-08 is 24 * 12 + 7 months after 2000-01.
        assert_eq!(claims.children[0], ym(2024, 8));
        assert_eq!(
            bytes[31 + 2 * r..33 + 2 * r],
            (24u16 * 12 + 7).to_be_bytes()
        );
        let c = claims.children.len();
        assert_eq!(bytes.len(), 31 + 2 * r + 2 * c + SIGNATURE_LEN);
        assert_eq!(large_claims().sign(&issuing_key()).to_bytes().len(), 129);
    }

    #[test]
    fn every_proper_prefix_is_truncated_and_damage_is_typed() {
        let bytes = large_claims().sign(&issuing_key()).to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(
                decode(&bytes[..cut]).err(),
                Some(Rejection::Truncated),
                "cut at {cut}"
            );
        }
        let check = |edit: &dyn Fn(&mut Vec<u8>), want: Rejection| {
            let mut damaged = bytes.clone();
            edit(&mut damaged);
            assert_eq!(decode(&damaged).err(), Some(want));
        };
        check(&|b| b[0] = 2, Rejection::UnsupportedVersion);
        check(&|b| b[0] = 0, Rejection::UnsupportedVersion);
        check(&|b| b[19] = 0, Rejection::Malformed);
        check(&|b| b[19] = 4, Rejection::Malformed);
        check(&|b| b.push(0), Rejection::Malformed);
        // A larger room count than rooms present reads into the signature
        // and runs out: the tail looks cut off.
        check(&|b| b[29] = 200, Rejection::Truncated);
    }

    fn arb_claims() -> impl Strategy<Value = PassClaims> {
        (
            any::<u32>(),
            any::<[u8; 8]>(),
            any::<u32>(),
            any::<u16>(),
            0u8..3,
            proptest::collection::vec(any::<u16>(), 0..20),
            any::<u8>(),
            proptest::collection::vec(0i64..=i64::from(u16::MAX), 0..10),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(
                |(city, id, serial, key, kind, rooms, guardians, births, from, until)| PassClaims {
                    city: CityCode(city),
                    pass_id: PassId(id),
                    serial,
                    key_id: KeyId(key),
                    kind: [PassKind::AppPass, PassKind::FamilyCard, PassKind::ChildCard]
                        [usize::from(kind)],
                    rooms: rooms.into_iter().map(RoomId).collect(),
                    guardians,
                    children: births
                        .into_iter()
                        .map(|m| YearMonth::from_ordinal(BIRTH_EPOCH_ORDINAL + m))
                        .collect(),
                    valid_from: Timestamp(i64::from(from)),
                    valid_until: Timestamp(i64::from(until)),
                },
            )
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            // Any outcome is fine as long as it is a value, not a panic.
            let _ = decode(&bytes);
            let _ = decode_body(&bytes);
        }

        #[test]
        fn in_range_claims_round_trip_canonically(claims in arb_claims()) {
            prop_assert!(check_encodable(&claims).is_ok());
            let signed = claims.sign(&issuing_key());
            prop_assert_eq!(&signed.claims, &claims);
            let bytes = signed.to_bytes();
            prop_assert_eq!(SignedPass::from_bytes(&bytes), Ok(signed.clone()));
            prop_assert_eq!(SignedPass::from_text(&signed.to_text()), Ok(signed));
        }
    }
}
