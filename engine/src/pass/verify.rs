//! Checking a pass at the kiosk, offline.
//!
//! Everything a kiosk needs is local: the pass text, the synced trust list
//! and revocations, the room it stands in and the time. [`verify_scan`]
//! checks, in this order, and stops at the first failure:
//!
//! 1. the text: keyboard garbling, framing, structure ([`SignedPass::from_text`]);
//! 2. the city ([`Rejection::OtherCity`]) — before the key, because another
//!    city's key ids mean nothing here;
//! 3. the key is in the trust list ([`Rejection::UnknownKey`]);
//! 4. the Ed25519 signature, with `verify_strict` so no malleable or
//!    small-order signature passes ([`Rejection::BadSignature`]);
//! 5. the key's validity ([`Rejection::KeyNotValidThen`], [`Rejection::KeyExpired`]);
//! 6. the pass's validity window ([`Rejection::NotYetValid`], [`Rejection::Expired`]);
//! 7. revocation ([`Rejection::Revoked`]);
//! 8. the room ([`Rejection::WrongRoom`]).
//!
//! Nothing before the signature check is trusted, and everything after it
//! reads only signed fields.
//!
//! **Key validity.** All windows are half-open, `[valid_from, valid_until)`.
//! A key vouches for passes *issued* while it was valid — the pass's
//! `valid_from` is its issue time and must fall within the key's window, or
//! the pass is [`Rejection::KeyNotValidThen`] — and only while the key is
//! still valid *now*: after the key's `valid_until` every pass it signed is
//! [`Rejection::KeyExpired`]. So when keys rotate, passes signed by the old
//! key keep working until the old key's `valid_until`, and retiring a
//! compromised key early (shortening its `valid_until` in the trust list)
//! stops all its passes at once.

use ed25519_dalek::Signature;

use super::{PassClaims, Rejection, SignedPass, layout};
use crate::calendar::Timestamp;
use crate::ids::{CityCode, RoomId};
use crate::trust::{Revocations, TrustList};

/// What a kiosk knows about where and against what it checks passes.
#[derive(Debug, Clone, Copy)]
pub struct VerifyContext<'a> {
    /// The kiosk's city; passes of other cities are refused.
    pub city: CityCode,
    /// The room the kiosk stands in.
    pub room: RoomId,
    /// The synced trust list of signing keys.
    pub trust: &'a TrustList,
    /// The synced revocations.
    pub revocations: &'a Revocations,
}

/// Checks a scanned text — from a keyboard-wedge scanner or the camera —
/// and returns the pass's claims if the family may check in here, now.
///
/// `raw` is the text exactly as it arrived, whitespace, Enter and AIM
/// identifier included. `now` is the kiosk's clock. See the
/// [module documentation](self) for the order of checks.
///
/// ```
/// use hiroba_engine::calendar::Timestamp;
/// use hiroba_engine::ids::{CityCode, RoomId};
/// use hiroba_engine::pass::{verify_scan, Rejection, VerifyContext};
/// use hiroba_engine::trust::{Revocations, TrustList};
///
/// let (trust, revocations) = (TrustList::default(), Revocations::default());
/// let ctx = VerifyContext { city: CityCode(121_002), room: RoomId(1), trust: &trust, revocations: &revocations };
/// let now = Timestamp(1_790_000_000);
/// assert_eq!(verify_scan("4901234567894\r\n", &ctx, now), Err(Rejection::NotAPass));
/// assert_eq!(verify_scan("]Q1HB1AEAQ", &ctx, now), Err(Rejection::Truncated));
/// ```
pub fn verify_scan(
    raw: &str,
    ctx: &VerifyContext<'_>,
    now: Timestamp,
) -> Result<PassClaims, Rejection> {
    let pass = SignedPass::from_text(raw)?;
    verify_pass(&pass, ctx, now)
}

/// Checks an already parsed pass (see [`verify_scan`] for the rules).
pub fn verify_pass(
    pass: &SignedPass,
    ctx: &VerifyContext<'_>,
    now: Timestamp,
) -> Result<PassClaims, Rejection> {
    // Check exactly the bytes the claims encode, and return the claims read
    // back from them: if someone edited `pass.claims` out of the layout's
    // range, the encoded and the held claims would differ.
    let body = layout::encode_body(&pass.claims);
    let claims = layout::decode_body(&body)?;
    if claims != pass.claims {
        return Err(Rejection::BadSignature);
    }

    if claims.city != ctx.city {
        return Err(Rejection::OtherCity);
    }
    let (trusted, public_key) = ctx
        .trust
        .verifying_key(claims.key_id)
        .ok_or(Rejection::UnknownKey)?;
    let signature = Signature::from_bytes(&pass.signature);
    public_key
        .verify_strict(&layout::signed_message(&body), &signature)
        .map_err(|_| Rejection::BadSignature)?;

    if !trusted.is_valid_at(claims.valid_from) {
        return Err(Rejection::KeyNotValidThen);
    }
    if now >= trusted.valid_until {
        return Err(Rejection::KeyExpired);
    }
    if now < claims.valid_from {
        return Err(Rejection::NotYetValid);
    }
    if now >= claims.valid_until {
        return Err(Rejection::Expired);
    }
    if ctx.revocations.is_revoked(claims.pass_id, claims.serial) {
        return Err(Rejection::Revoked);
    }
    if !claims.rooms.contains(&ctx.room) {
        return Err(Rejection::WrongRoom);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::ids::KeyId;
    use crate::trust::{TrustedKey, revoke_below};
    use automerge::AutoCommit;
    use proptest::prelude::*;

    /// The kiosk's world for one check: trust list, revocations, room, time.
    struct World {
        trust: TrustList,
        revocations: Revocations,
        room: RoomId,
        now: Timestamp,
    }

    impl World {
        fn new() -> World {
            World {
                trust: trust_list(&[k1()]),
                revocations: Revocations::default(),
                room: RoomId(3),
                now: now(),
            }
        }

        fn check(&self, raw: &str, want: Result<(), Rejection>) {
            let ctx = VerifyContext {
                city: CITY,
                room: self.room,
                trust: &self.trust,
                revocations: &self.revocations,
            };
            let got = verify_scan(raw, &ctx, self.now).map(|_| ());
            assert_eq!(got, want, "scan {raw:?}");
        }
    }

    fn signed_text(edit: impl FnOnce(&mut PassClaims)) -> String {
        let mut claims = sample_claims();
        edit(&mut claims);
        claims.sign(&issuing_key()).to_text()
    }

    #[test]
    fn a_good_pass_is_accepted_with_its_claims() {
        let world = World::new();
        world.check(&sample_text(), Ok(()));
        world.check(&format!("]Q1{}\r\n", sample_text()), Ok(()));
        let ctx = VerifyContext {
            city: CITY,
            room: RoomId(3),
            trust: &world.trust,
            revocations: &world.revocations,
        };
        assert_eq!(
            verify_scan(&sample_text(), &ctx, now()),
            Ok(sample_claims())
        );
    }

    #[test]
    fn each_reason_is_produced_by_a_realistic_scan() {
        let world = World::new();
        let text = sample_text();
        let flipped = {
            let mut bytes = sample_claims().sign(&issuing_key()).to_bytes();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            SignedPass::from_bytes(&bytes)
                .expect("still structurally fine")
                .to_text()
        };
        let altered = {
            let mut pass = sample_claims().sign(&issuing_key());
            pass.claims.guardians += 1;
            pass.claims.rooms.push(RoomId(7));
            pass.to_text()
        };
        let cases: Vec<(String, Rejection)> = vec![
            (text[..text.len() / 2].to_owned(), Rejection::Truncated),
            (format!("]Q1{}", &text[..40]), Rejection::Truncated),
            ("HTTPS://EXAMPLE.JP/".into(), Rejection::NotAPass),
            (flipped, Rejection::BadSignature),
            (altered, Rejection::BadSignature),
            (
                sample_claims().sign(&stranger_key()).to_text(),
                Rejection::BadSignature,
            ),
            (signed_text(|c| c.key_id = KeyId(99)), Rejection::UnknownKey),
            (
                signed_text(|c| c.city = CityCode(131_016)),
                Rejection::OtherCity,
            ),
            (signed_text(|c| c.valid_until = now()), Rejection::Expired),
            (
                signed_text(|c| c.valid_until = now().plus_seconds(-86_400)),
                Rejection::Expired,
            ),
            (
                signed_text(|c| c.valid_from = now().plus_seconds(1)),
                Rejection::NotYetValid,
            ),
            (
                signed_text(|c| c.rooms = vec![RoomId(1), RoomId(2)]),
                Rejection::WrongRoom,
            ),
            (signed_text(|c| c.rooms.clear()), Rejection::WrongRoom),
            // Back-dated before the key existed.
            (
                signed_text(|c| c.valid_from = k1().valid_from.plus_seconds(-1)),
                Rejection::KeyNotValidThen,
            ),
            (type_in_kana(&text), Rejection::ImeOn),
            (text.to_lowercase(), Rejection::CapsLock),
            (layout_mismatched(&text), Rejection::ScannerLayoutMismatch),
            ("\r\n".into(), Rejection::Empty),
        ];
        for (raw, want) in cases {
            world.check(&raw, Err(want));
        }
    }

    #[test]
    fn a_reissued_card_revokes_the_old_serial_only() {
        let mut doc = AutoCommit::new();
        let old = sample_text();
        let new = signed_text(|c| c.serial += 1);
        let mut world = World::new();
        world.check(&old, Ok(()));
        revoke_below(
            &mut doc,
            sample_claims().pass_id,
            sample_claims().serial + 1,
        )
        .expect("revoke");
        world.revocations = Revocations::load(&doc).expect("load");
        world.check(&old, Err(Rejection::Revoked));
        world.check(&new, Ok(()));
        // Another family's pass is untouched.
        world.check(&signed_text(|c| c.pass_id.0[0] ^= 0xff), Ok(()));
    }

    #[test]
    fn passes_outlive_a_rotation_until_the_old_key_expires() {
        let k1 = k1();
        let k2 = TrustedKey::for_signing_key(
            &next_key(),
            KeyId(2),
            k1.valid_until.plus_seconds(-90 * 86_400),
            k1.valid_until.plus_seconds(3 * 365 * 86_400),
        );
        // A long pass signed by the old key, and one by the new key.
        let long = |c: &mut PassClaims| c.valid_until = k1.valid_until.plus_seconds(365 * 86_400);
        let old_key_pass = signed_text(long);
        let new_key_pass = {
            let mut claims = sample_claims();
            long(&mut claims);
            claims.key_id = KeyId(2);
            claims.valid_from = k2.valid_from;
            claims.sign(&next_key()).to_text()
        };

        let mut world = World::new();
        world.now = k2.valid_from.plus_seconds(86_400);
        world.check(&old_key_pass, Ok(()));
        world.check(&new_key_pass, Err(Rejection::UnknownKey));

        // The new key arrives with the next trust-list sync.
        world.trust = trust_list(&[k1, k2]);
        world.check(&old_key_pass, Ok(()));
        world.check(&new_key_pass, Ok(()));

        // The last second of the old key, then past it.
        world.now = k1.valid_until.plus_seconds(-1);
        world.check(&old_key_pass, Ok(()));
        world.now = k1.valid_until;
        world.check(&old_key_pass, Err(Rejection::KeyExpired));
        world.check(&new_key_pass, Ok(()));

        // A pass the old key signs after it expired is refused even while
        // the old key is still trusted.
        let mut world = World::new();
        world.trust = trust_list(&[k1, k2]);
        world.now = k1.valid_until.plus_seconds(-1);
        let late = signed_text(|c| {
            c.valid_from = k1.valid_until;
            long(c);
        });
        world.check(&late, Err(Rejection::KeyNotValidThen));
    }

    #[test]
    fn retiring_a_key_early_stops_its_passes() {
        let mut retired = k1();
        retired.valid_until = now();
        let mut world = World::new();
        world.trust = trust_list(&[retired]);
        world.check(&sample_text(), Err(Rejection::KeyExpired));
    }

    proptest! {
        #[test]
        fn arbitrary_scans_never_panic(raw in ".{0,300}") {
            let world = World::new();
            let ctx = VerifyContext { city: CITY, room: world.room, trust: &world.trust, revocations: &world.revocations };
            prop_assert!(verify_scan(&raw, &ctx, world.now).is_err());
        }

        #[test]
        fn any_single_character_change_is_rejected(pos in 3usize..200, c in "[A-Z2-7]") {
            let world = World::new();
            let text = sample_text();
            let pos = pos % text.len();
            let mut chars: Vec<char> = text.chars().collect();
            let replacement = c.chars().next().expect("one char");
            prop_assume!(chars[pos] != replacement && pos >= 3);
            chars[pos] = replacement;
            let damaged: String = chars.into_iter().collect();
            let ctx = VerifyContext { city: CITY, room: world.room, trust: &world.trust, revocations: &world.revocations };
            prop_assert!(verify_scan(&damaged, &ctx, world.now).is_err());
        }
    }
}
