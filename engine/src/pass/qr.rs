//! The QR code of a pass.
//!
//! Always error-correction level M (15 % of the code may be lost to a
//! scratched card or a cracked phone screen) and always *alphanumeric* mode,
//! which stores the pass text in 5.5 bits a character instead of 8. A family
//! with 6 children registered at all 11 rooms fits a version 8 code (49×49
//! modules); the tests hold every realistic pass to version 10 or less, the
//! size a cheap scanner reads from a phone at arm's length.

use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode, Version};

use super::SignedPass;

/// The error-correction level of every pass QR code.
pub const PASS_EC_LEVEL: EcLevel = EcLevel::M;

impl SignedPass {
    /// The pass as a QR code: the smallest version that holds its text in
    /// alphanumeric mode at ECC M.
    ///
    /// Fails only if the text does not fit a version 40 code, which the
    /// layout's limits (255 rooms, 255 children) rule out; the error is
    /// still returned rather than unwrapped, as with any library call.
    pub fn qr_code(&self) -> Result<QrCode, QrError> {
        alphanumeric_qr(&self.to_text())
    }

    /// The pass's QR code as a standalone SVG document, for the parent app
    /// to show and for printed cards.
    ///
    /// Rendered with a quiet zone and at least 240 px a side; the SVG scales
    /// without blurring. Returns an empty string only in the impossible case
    /// that [`SignedPass::qr_code`] fails.
    ///
    /// ```
    /// # use hiroba_engine::{calendar::{Timestamp, YearMonth}, ids::*, pass::*};
    /// # let claims = PassClaims {
    /// #     city: CityCode(121_002), pass_id: PassId([9; 8]), serial: 1, key_id: KeyId(1),
    /// #     kind: PassKind::FamilyCard, rooms: vec![RoomId(1)], guardians: 1,
    /// #     children: vec![YearMonth::new(2023, 5)?],
    /// #     valid_from: Timestamp(1_775_000_000), valid_until: Timestamp(1_806_000_000),
    /// # };
    /// let pass = claims.sign(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
    /// let svg = pass.qr_svg();
    /// assert!(svg.contains("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn qr_svg(&self) -> String {
        match self.qr_code() {
            Ok(code) => code
                .render::<svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build(),
            Err(_) => String::new(),
        }
    }
}

/// The 45 characters of QR alphanumeric mode.
const QR_ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Encodes `text` (upper-case letters, digits and the QR alphanumeric
/// symbols only) in alphanumeric mode in the smallest version that holds it.
///
/// Other characters are refused with [`QrError::UnsupportedCharacterSet`]:
/// `qrcode` itself would silently encode them as `0`.
pub fn alphanumeric_qr(text: &str) -> Result<QrCode, QrError> {
    if !text.bytes().all(|b| QR_ALPHANUMERIC.contains(&b)) {
        return Err(QrError::UnsupportedCharacterSet);
    }
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let pushed = bits
            .push_alphanumeric_data(text.as_bytes())
            .and_then(|()| bits.push_terminator(PASS_EC_LEVEL));
        match pushed {
            Ok(()) => return QrCode::with_bits(bits, PASS_EC_LEVEL),
            Err(QrError::DataTooLong) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(QrError::DataTooLong)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn version_of(claims: &crate::pass::PassClaims) -> i16 {
        let code = claims.sign(&issuing_key()).qr_code().expect("fits");
        assert_eq!(code.error_correction_level(), EcLevel::M);
        match code.version() {
            Version::Normal(v) => v,
            Version::Micro(v) => panic!("micro QR version {v}"),
        }
    }

    #[test]
    fn the_largest_realistic_family_fits_version_10_at_ecc_m() {
        let large = large_claims();
        assert_eq!(large.children.len(), 6);
        assert_eq!(large.rooms.len(), 11);
        let v = version_of(&large);
        assert!(v <= 10, "version {v}");
        assert_eq!(v, 8, "alphanumeric mode keeps it at version 8");
        assert!(version_of(&sample_claims()) <= v);
        assert!(version_of(&minimal_claims()) <= v);
    }

    #[test]
    fn only_alphanumeric_text_is_encoded() {
        // Lower case is not alphanumeric mode: refused, not silently bloated.
        let cases = [
            ("HB1", true),
            ("HB1 $%*+-./:", true),
            ("hb1", false),
            ("HB1[", false),
            ("HB1くこ", false),
        ];
        for (text, ok) in cases {
            assert_eq!(alphanumeric_qr(text).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn svg_is_a_complete_document() {
        let svg = sample_claims().sign(&issuing_key()).qr_svg();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(svg.contains("#000"));
    }
}
