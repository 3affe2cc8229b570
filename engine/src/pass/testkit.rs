//! Shared fixtures for the pass tests: keys, claims and a kiosk's world.

use automerge::AutoCommit;
use ed25519_dalek::SigningKey;

use super::wedge::{KeyboardLayout, type_in_kana_mode, type_through};
use super::{PassClaims, PassKind};
use crate::calendar::{Date, Timestamp, YearMonth};
use crate::ids::{CityCode, KeyId, PassId, RoomId};
use crate::trust::{TrustList, TrustedKey, add_trusted_key};

/// The kiosks' city.
pub(crate) const CITY: CityCode = CityCode(121_002);

/// The city's issuing key, K1.
pub(crate) fn issuing_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The key that replaces K1 at rotation, K2.
pub(crate) fn next_key() -> SigningKey {
    SigningKey::from_bytes(&[8; 32])
}

/// A key nobody trusts, used to forge passes.
pub(crate) fn stranger_key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

pub(crate) fn jst(year: i32, month: u32, day: u32) -> Timestamp {
    Timestamp::from_jst(Date::new(year, month, day).expect("test date"), 0, 0)
}

pub(crate) fn ym(year: i32, month: u32) -> YearMonth {
    YearMonth::new(year, month).expect("test year-month")
}

/// A Tuesday morning at the kiosk.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_jst(Date::new(2026, 11, 24).expect("test date"), 10, 0)
}

/// K1 in the trust list: valid 2026-01-01 to 2028-04-01.
pub(crate) fn k1() -> TrustedKey {
    TrustedKey::for_signing_key(&issuing_key(), KeyId(1), jst(2026, 1, 1), jst(2028, 4, 1))
}

/// A trust list holding `keys`, built through a real automerge document.
pub(crate) fn trust_list(keys: &[TrustedKey]) -> TrustList {
    let mut doc = AutoCommit::new();
    for key in keys {
        add_trusted_key(&mut doc, key).expect("add key");
    }
    TrustList::load(&doc).expect("load trust list")
}

/// A family of two guardians and two children, registered at rooms 3 and 5.
pub(crate) fn sample_claims() -> PassClaims {
    PassClaims {
        city: CITY,
        pass_id: PassId([0x3c, 0x91, 0x0e, 0x55, 0xa7, 0x12, 0xfe, 0x08]),
        serial: 1,
        key_id: KeyId(1),
        kind: PassKind::AppPass,
        rooms: vec![RoomId(3), RoomId(5)],
        guardians: 2,
        children: vec![ym(2024, 8), ym(2021, 2)],
        valid_from: jst(2026, 4, 1),
        valid_until: jst(2027, 4, 1),
    }
}

/// The largest realistic pass: six children, all eleven rooms.
pub(crate) fn large_claims() -> PassClaims {
    PassClaims {
        pass_id: PassId([0xff; 8]),
        serial: u32::MAX,
        key_id: KeyId(u16::MAX),
        kind: PassKind::FamilyCard,
        rooms: (1..=11).map(RoomId).collect(),
        guardians: 4,
        children: vec![
            ym(2011, 4),
            ym(2013, 12),
            ym(2016, 1),
            ym(2019, 6),
            ym(2022, 9),
            ym(2026, 10),
        ],
        ..sample_claims()
    }
}

/// A child who comes alone, to room 3.
pub(crate) fn minimal_claims() -> PassClaims {
    PassClaims {
        pass_id: PassId([0; 8]),
        serial: 0,
        kind: PassKind::ChildCard,
        rooms: vec![RoomId(3)],
        guardians: 0,
        children: vec![ym(2015, 5)],
        ..sample_claims()
    }
}

/// The text of [`sample_claims`] signed by K1.
pub(crate) fn sample_text() -> String {
    sample_claims().sign(&issuing_key()).to_text()
}

/// `text` as a JIS kana-input IME receives it from a scanner.
pub(crate) fn type_in_kana(text: &str) -> String {
    type_in_kana_mode(text)
}

/// `text` with an AIM prefix as a US-configured scanner types it into a
/// JIS tablet.
pub(crate) fn layout_mismatched(text: &str) -> String {
    type_through(
        &format!("]Q1{text}"),
        KeyboardLayout::Us,
        KeyboardLayout::Jis,
    )
}
