//! The signed pass (利用証): what a family's QR code says, and how a kiosk
//! checks it with no network.
//!
//! A pass is a small set of [`PassClaims`] — city, pseudonymous pass id,
//! serial, rooms, guardian count and the children's birth year-months —
//! signed with Ed25519 by the city's issuing key, which lives on the relay
//! only. Kiosks check the signature with the public keys of the synced
//! [`TrustList`](crate::trust::TrustList) and reject reissued cards with the
//! synced [`Revocations`](crate::trust::Revocations). There are no names,
//! addresses or phone numbers anywhere in a pass: the kiosk needs none of
//! them to check a family in.
//!
//! The pieces, in the order a scan goes through them:
//!
//! * [`wedge`] — a keyboard-wedge scanner *types* the code; an IME left on,
//!   Caps Lock, or a US/JIS layout mismatch garbles it in tell-tale ways, and
//!   the kiosk says which instead of "invalid".
//! * [`text`] — the printable form: `HB1` and RFC 4648 base32, upper-case
//!   letters and digits only, so it is QR alphanumeric and survives any
//!   keyboard layout.
//! * [`layout`] — the compact, versioned binary layout under the text.
//! * [`verify`] — [`verify_scan`]: city, key, signature, validity,
//!   revocation and room, each failure its own [`Rejection`].
//! * [`qr`] — the QR code itself (ECC M, alphanumeric mode).
//!
//! ```
//! use automerge::AutoCommit;
//! use ed25519_dalek::SigningKey;
//! use hiroba_engine::calendar::{Timestamp, YearMonth};
//! use hiroba_engine::ids::{CityCode, KeyId, PassId, RoomId};
//! use hiroba_engine::pass::{verify_scan, PassClaims, PassKind, VerifyContext};
//! use hiroba_engine::trust::{add_trusted_key, Revocations, TrustList, TrustedKey};
//!
//! // On the relay: the city's issuing key signs a family's pass.
//! let key = SigningKey::from_bytes(&[7; 32]);
//! let claims = PassClaims {
//!     city: CityCode(121_002),
//!     pass_id: PassId([1, 2, 3, 4, 5, 6, 7, 8]),
//!     serial: 1,
//!     key_id: KeyId(1),
//!     kind: PassKind::AppPass,
//!     rooms: vec![RoomId(3)],
//!     guardians: 2,
//!     children: vec![YearMonth::new(2024, 8)?],
//!     valid_from: Timestamp(1_775_000_000),
//!     valid_until: Timestamp(1_806_000_000),
//! };
//! let text = claims.sign(&key).to_text();
//! assert!(text.starts_with("HB1"));
//!
//! // On the kiosk: the synced trust list knows the public key.
//! let mut trust_doc = AutoCommit::new();
//! add_trusted_key(&mut trust_doc, &TrustedKey::for_signing_key(
//!     &key, KeyId(1), Timestamp(1_700_000_000), Timestamp(1_900_000_000),
//! ))?;
//! let trust = TrustList::load(&trust_doc)?;
//! let revocations = Revocations::default();
//! let ctx = VerifyContext { city: CityCode(121_002), room: RoomId(3), trust: &trust, revocations: &revocations };
//!
//! // A scanner appends Enter; the kiosk accepts the pass.
//! let scanned = format!("{text}\r\n");
//! assert_eq!(verify_scan(&scanned, &ctx, Timestamp(1_790_000_000)), Ok(claims));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod layout;
pub mod qr;
pub mod rejection;
pub mod text;
pub mod verify;
pub mod wedge;

#[cfg(test)]
mod testkit;

use ed25519_dalek::{Signature, Signer, SigningKey};
use serde::{Deserialize, Serialize};

use crate::calendar::{Timestamp, YearMonth};
use crate::ids::{CityCode, KeyId, PassId, RoomId};

pub use layout::{LAYOUT_VERSION, MAX_CHILDREN, MAX_ROOMS};
pub use rejection::Rejection;
pub use text::TEXT_PREFIX;
pub use verify::{VerifyContext, verify_pass, verify_scan};
pub use wedge::{KeyboardLayout, WedgeDiagnosis, WedgeFault};

/// What a pass is printed or shown on, so staff know which card a family is
/// holding and the kiosk can word its greeting.
///
/// Deliberately exhaustive: a new kind needs a new layout version anyway,
/// and every screen that words a kind should then fail to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PassKind {
    /// The pass shown as a QR code in the parent app on a guardian's phone.
    AppPass,
    /// A printed card for the whole family (e.g. for a grandparent who
    /// brings the children and has no phone).
    FamilyCard,
    /// A printed card for one child who comes alone.
    ChildCard,
}

impl PassKind {
    /// The kind as staff screens name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            PassKind::AppPass => "アプリ",
            PassKind::FamilyCard => "家族カード",
            PassKind::ChildCard => "こどもカード",
        }
    }

    /// The kind in English.
    pub fn label_en(self) -> &'static str {
        match self {
            PassKind::AppPass => "app pass",
            PassKind::FamilyCard => "family card",
            PassKind::ChildCard => "child card",
        }
    }
}

/// Everything a pass says, and nothing personal.
///
/// The kiosk needs exactly this to check a family in: whose pass it is
/// (a random [`PassId`] and the reissue [`serial`](PassClaims::serial)), where
/// it may be used, how many guardians and children to preselect, and the
/// children's birth year-months for the report's age brackets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PassClaims {
    /// The city that issued the pass; other cities' passes are refused.
    pub city: CityCode,
    /// The pseudonymous id of the pass, drawn at random by the issuer.
    pub pass_id: PassId,
    /// Raised on every reissue, so the revocation list can reject all older
    /// cards of the same pass id with one entry.
    pub serial: u32,
    /// The trust-list key that signed the pass.
    pub key_id: KeyId,
    /// App pass, family card or child card.
    pub kind: PassKind,
    /// The rooms the family registered for (本登録).
    pub rooms: Vec<RoomId>,
    /// The number of guardians registered for the family.
    pub guardians: u8,
    /// Each child's birth year-month, enough for age brackets and 「2歳3ヶ月」.
    pub children: Vec<YearMonth>,
    /// The first instant the pass is valid.
    pub valid_from: Timestamp,
    /// The first instant the pass is no longer valid (half-open window).
    pub valid_until: Timestamp,
}

/// Why claims cannot be signed exactly as given: some value does not fit the
/// binary layout (see [`layout`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The layout counts rooms in one byte.
    #[error("too many rooms for one pass: {0} (at most 255)")]
    TooManyRooms(usize),
    /// The layout counts children in one byte.
    #[error("too many children for one pass: {0} (at most 255)")]
    TooManyChildren(usize),
    /// Birth year-months are stored as months since 2000-01 in 16 bits.
    #[error("birth year-month out of range: {0}")]
    BirthOutOfRange(YearMonth),
    /// Validity instants are stored as unsigned 32-bit seconds (1970–2106).
    #[error("validity instant out of range: {0:?}")]
    TimeOutOfRange(Timestamp),
}

impl PassClaims {
    /// Signs the claims with the city's issuing key.
    ///
    /// Signing cannot fail: a value that does not fit the layout is clamped
    /// (at most 255 rooms and children, births from 2000-01, validity within
    /// 1970–2106), and the returned pass carries the claims *as signed*, so
    /// `signed.claims` is always exactly what a kiosk will read back. Use
    /// [`PassClaims::try_sign`] to refuse such claims instead.
    pub fn sign(&self, key: &SigningKey) -> SignedPass {
        let body = layout::encode_body(self);
        let signature = key.sign(&layout::signed_message(&body));
        // The canonical claims are the ones the body encodes; decoding our
        // own encoding cannot fail, but fall back to the given claims rather
        // than panic if it ever did.
        let claims = layout::decode_body(&body).unwrap_or_else(|_| self.clone());
        SignedPass {
            claims,
            signature: signature.to_bytes(),
        }
    }

    /// Signs the claims, or says which value does not fit the layout.
    ///
    /// The relay's issuer uses this, so a family with an impossible birth
    /// month is reported rather than issued a silently corrected pass.
    pub fn try_sign(&self, key: &SigningKey) -> Result<SignedPass, ClaimsError> {
        layout::check_encodable(self)?;
        Ok(self.sign(key))
    }
}

/// A pass and its Ed25519 signature, as carried in a QR code.
///
/// Holding a `SignedPass` says nothing about its validity: [`verify_pass`]
/// or [`verify_scan`] decide that against a trust list and a clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignedPass {
    /// The signed claims. Changing them after signing makes the signature
    /// fail, which is how the tests forge passes.
    pub claims: PassClaims,
    signature: [u8; 64],
}

impl SignedPass {
    /// The binary form: the layout-v1 body followed by the 64-byte signature
    /// (see [`layout`] for the table).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = layout::encode_body(&self.claims);
        bytes.extend_from_slice(&self.signature);
        bytes
    }

    /// Parses the binary form. Structural only: the signature is not checked.
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedPass, Rejection> {
        let (claims, signature) = layout::decode(bytes)?;
        Ok(SignedPass { claims, signature })
    }

    /// The text in the QR code: [`TEXT_PREFIX`] then unpadded RFC 4648 base32
    /// of [`SignedPass::to_bytes`], upper-case letters and digits only.
    pub fn to_text(&self) -> String {
        text::encode(&self.to_bytes())
    }

    /// Reads a pass from scanned or decoded text. Structural only: the
    /// signature is not checked (use [`verify_scan`] for that).
    ///
    /// Surrounding whitespace (a scanner's Enter) and the AIM symbology
    /// identifier `]Q1` are ignored. Text garbled by the scanner's keyboard
    /// settings is diagnosed ([`Rejection::ImeOn`], [`Rejection::CapsLock`],
    /// [`Rejection::ScannerLayoutMismatch`]); a cut-off pass is
    /// [`Rejection::Truncated`]; anything that is not ours is
    /// [`Rejection::NotAPass`].
    ///
    /// ```
    /// use hiroba_engine::pass::{Rejection, SignedPass};
    ///
    /// assert_eq!(SignedPass::from_text("HTTPS://EXAMPLE.JP/"), Err(Rejection::NotAPass));
    /// assert_eq!(SignedPass::from_text("hb1aeaqcaibaeaq"), Err(Rejection::CapsLock));
    /// assert_eq!(SignedPass::from_text("ＨＢ１ＡＥ"), Err(Rejection::ImeOn));
    /// ```
    pub fn from_text(text: &str) -> Result<SignedPass, Rejection> {
        text::decode(text)
    }

    /// The raw Ed25519 signature.
    pub fn signature(&self) -> Signature {
        Signature::from_bytes(&self.signature)
    }

    /// A short code printed on cards beside the QR, e.g. `7KQ2-M4XD`, which
    /// staff type to find the family when a card will not scan.
    ///
    /// It is derived from the pass id and serial, so a reissued card gets a
    /// new code. The alphabet has no `0`/`O` or `1`/`I`, so nothing on the
    /// card can be misread. It is a lookup key, not a secret and not
    /// guaranteed unique: 40 bits make a clash in one city very unlikely, and
    /// the staff console shows every match.
    pub fn short_code(&self) -> String {
        short_code(self.claims.pass_id, self.claims.serial)
    }
}

/// The 32 symbols of a short code: digits 2–9 and the letters without `I`
/// and `O`.
const SHORT_CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The short code of a pass id and serial (see [`SignedPass::short_code`]),
/// for the relay and staff console to index passes without their text.
pub fn short_code(pass_id: PassId, serial: u32) -> String {
    // splitmix64's finaliser spreads the random pass id and the serial over
    // all 64 bits; the top 40 become eight base-32 symbols.
    let mut x =
        u64::from_be_bytes(pass_id.0) ^ u64::from(serial).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    let mut out = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            out.push('-');
        }
        let symbol = (x >> (59 - 5 * i)) & 0x1f;
        out.push(char::from(SHORT_CODE_ALPHABET[symbol as usize]));
    }
    out
}

/// A short code as staff typed it, tidied to the printed form `XXXX-XXXX`,
/// or `None` if it cannot be one.
///
/// Lower case, spaces and hyphens anywhere are accepted, since staff copy the
/// code by hand from a worn card.
pub fn normalize_short_code(typed: &str) -> Option<String> {
    let symbols: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = symbols.len() == 8
        && symbols
            .iter()
            .all(|c| c.is_ascii() && SHORT_CODE_ALPHABET.contains(&(*c as u8)));
    if !valid {
        return None;
    }
    let mut out: String = symbols[..4].iter().collect();
    out.push('-');
    out.extend(&symbols[4..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;

    #[test]
    fn claims_round_trip_through_text_and_bytes() {
        for claims in [sample_claims(), large_claims(), minimal_claims()] {
            let signed = claims.sign(&issuing_key());
            assert_eq!(signed.claims, claims, "signing keeps in-range claims");
            let text = signed.to_text();
            let back = SignedPass::from_text(&text).expect("own text parses");
            assert_eq!(back, signed);
            assert_eq!(back.to_text(), text, "text is canonical");
            let from_bytes = SignedPass::from_bytes(&signed.to_bytes()).expect("own bytes parse");
            assert_eq!(from_bytes, signed);
        }
    }

    #[test]
    fn text_uses_only_upper_case_letters_and_digits() {
        for claims in [sample_claims(), large_claims(), minimal_claims()] {
            let text = claims.sign(&issuing_key()).to_text();
            assert!(text.starts_with(TEXT_PREFIX));
            let bad: Vec<char> = text
                .chars()
                .filter(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
                .collect();
            assert!(bad.is_empty(), "symbols {bad:?} in {text}");
        }
    }

    #[test]
    fn out_of_range_claims_are_refused_by_try_sign_and_clamped_by_sign() {
        let check = |edit: &dyn Fn(&mut PassClaims), want: ClaimsError| {
            let mut claims = sample_claims();
            edit(&mut claims);
            assert_eq!(claims.try_sign(&issuing_key()), Err(want.clone()));
            let signed = claims.sign(&issuing_key());
            // Whatever was clamped, the pass reads back as signed.
            assert_eq!(
                SignedPass::from_text(&signed.to_text()),
                Ok(signed),
                "{want}"
            );
        };
        check(
            &|c| c.rooms = vec![RoomId(1); 300],
            ClaimsError::TooManyRooms(300),
        );
        check(
            &|c| c.children = vec![ym(2020, 1); 256],
            ClaimsError::TooManyChildren(256),
        );
        check(
            &|c| c.children = vec![ym(1999, 12)],
            ClaimsError::BirthOutOfRange(ym(1999, 12)),
        );
        check(
            &|c| c.valid_from = Timestamp(-1),
            ClaimsError::TimeOutOfRange(Timestamp(-1)),
        );
        let far = Timestamp(i64::from(u32::MAX) + 1);
        check(&|c| c.valid_until = far, ClaimsError::TimeOutOfRange(far));
        assert!(sample_claims().try_sign(&issuing_key()).is_ok());
    }

    #[test]
    fn short_codes_are_unambiguous_and_change_on_reissue() {
        let signed = sample_claims().sign(&issuing_key());
        let code = signed.short_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(
            code.chars()
                .all(|c| c == '-' || SHORT_CODE_ALPHABET.contains(&(c as u8)))
        );
        assert!(!code.contains(['0', 'O', '1', 'I']));
        let mut reissued = sample_claims();
        reissued.serial += 1;
        assert_ne!(reissued.sign(&issuing_key()).short_code(), code);
        let mut other = sample_claims();
        other.pass_id.0[7] ^= 1;
        assert_ne!(other.sign(&issuing_key()).short_code(), code);
        // Stable across releases: cards are printed once.
        assert_eq!(short_code(PassId([0; 8]), 0), short_code(PassId([0; 8]), 0));
        assert_eq!(short_code(PassId([1, 2, 3, 4, 5, 6, 7, 8]), 1), "DQEL-2XVB");
    }

    #[test]
    fn typed_short_codes_are_normalized() {
        let cases = [
            ("7kq2-m4xd", Some("7KQ2-M4XD")),
            (" 7KQ2 M4XD ", Some("7KQ2-M4XD")),
            ("7KQ2M4XD", Some("7KQ2-M4XD")),
            ("7KQ2-M4X", None),
            ("7KQ2-M4XO", None),
            ("7KQ2-M4X1", None),
            ("7KQ2-M4XDD", None),
            ("７KQ2-M4XD", None),
        ];
        for (typed, want) in cases {
            assert_eq!(normalize_short_code(typed).as_deref(), want, "{typed:?}");
        }
    }
}
