//! The printable text of a pass, as carried in the QR code and typed by a
//! keyboard-wedge scanner.
//!
//! The text is [`TEXT_PREFIX`] followed by the pass's bytes in RFC 4648
//! base32 without padding: upper-case letters and the digits 2–7 only. That
//! alphabet is QR *alphanumeric* mode (so the code stays small), and every
//! character sits on the same key in the US and JIS layouts (so a scanner
//! set to the wrong layout still types it correctly).
//!
//! Reading is forgiving where scanners are quirky and strict everywhere
//! else: surrounding whitespace (the Enter a scanner appends) and the AIM
//! symbology identifier `]Q1` that some scanners prepend are ignored;
//! garbled keyboard input is diagnosed by [`super::wedge`]; a cut-off text is
//! [`Rejection::Truncated`]; everything else is refused with its reason.

use data_encoding::BASE32_NOPAD;

use super::{Rejection, SignedPass, wedge};

/// The start of every pass text: `HB` (Hiroba) and the text version, `1`.
///
/// A later format would start `HB2`, so an old kiosk can say "update me"
/// ([`Rejection::UnsupportedVersion`]) instead of "invalid".
pub const TEXT_PREFIX: &str = "HB1";

/// The base32 alphabet of RFC 4648.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The text of a pass's bytes.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(TEXT_PREFIX.len() + bytes.len() * 8 / 5 + 1);
    text.push_str(TEXT_PREFIX);
    text.push_str(&BASE32_NOPAD.encode(bytes));
    text
}

/// Removes what scanners add around the text: whitespace and line ends
/// before and after it, and an AIM symbology identifier (`]Q` and a digit)
/// before it.
pub fn strip_framing(raw: &str) -> &str {
    strip_aim(raw.trim())
}

/// Removes a leading AIM identifier for QR codes, `]Q0` … `]Q9`.
pub(crate) fn strip_aim(text: &str) -> &str {
    match text.as_bytes() {
        [b']', b'Q', d, ..] if d.is_ascii_digit() => &text[3..],
        _ => text,
    }
}

/// Whether `text` (after framing) starts like a pass text of any version
/// and uses only the characters a pass text can have. Used by the keyboard
/// diagnosis to recognise a garbled pass once the garbling is undone.
pub(crate) fn looks_like_pass(text: &str) -> bool {
    let text = strip_framing(text);
    matches!(text.as_bytes(), [b'H', b'B', d, ..] if d.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The pass in a scanned text, or why there is none (structure only; the
/// signature is not checked here).
pub(crate) fn decode(raw: &str) -> Result<SignedPass, Rejection> {
    if raw.trim().is_empty() {
        return Err(Rejection::Empty);
    }
    if let Some(diagnosis) = wedge::diagnose(raw) {
        return Err(diagnosis.fault.rejection());
    }
    let text = strip_framing(raw);
    let Some(rest) = text.strip_prefix("HB") else {
        return Err(if TEXT_PREFIX.starts_with(text) {
            // Only the AIM identifier, or `H`: a scan cut off at once.
            Rejection::Truncated
        } else {
            Rejection::NotAPass
        });
    };
    let body = match rest.as_bytes().first() {
        None => return Err(Rejection::Truncated),
        Some(b'1') => &rest[1..],
        Some(d) if d.is_ascii_digit() => return Err(Rejection::UnsupportedVersion),
        Some(_) => return Err(Rejection::NotAPass),
    };
    let (bytes, clean) = base32_decode(body).ok_or(Rejection::Malformed)?;
    match SignedPass::from_bytes(&bytes) {
        // An incomplete last character after a whole pass: a character was
        // added or damaged. (Before a whole pass it is a cut-off scan, which
        // the layout reports as truncated.)
        Ok(_) if !clean => Err(Rejection::Malformed),
        Ok(pass) => Ok(pass),
        // The text said layout 1 and the bytes disagree: damage, not news.
        Err(Rejection::UnsupportedVersion) => Err(Rejection::Malformed),
        Err(other) => Err(other),
    }
}

/// Decodes as many whole bytes as `text` holds, and says whether the text
/// was exactly the canonical encoding of them (a valid unpadded length with
/// zero trailing bits). `None` if a character is not base32.
///
/// Hand-written rather than `data_encoding`'s decoder so that a text cut at
/// any character still yields its leading bytes, which is how a truncated
/// scan is told from a garbled one.
fn base32_decode(text: &str) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in text.bytes() {
        let value = BASE32_ALPHABET.iter().position(|a| *a == b)? as u32;
        acc = (acc << 5 | value) & 0x1fff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    let leftover = acc & ((1 << bits) - 1);
    Some((out, bits < 5 && leftover == 0))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, want: Result<(), Rejection>) {
        let got = SignedPass::from_text(input).map(|_| ());
        assert_eq!(got, want, "input {input:?}");
    }

    #[test]
    fn scanner_framing_is_ignored() {
        let text = sample_text();
        check(&text, Ok(()));
        check(&format!("{text}\r\n"), Ok(()));
        check(&format!("{text}\n"), Ok(()));
        check(&format!("  \t{text}\r"), Ok(()));
        check(&format!("]Q1{text}\r\n"), Ok(()));
        check(&format!("]Q3{text}"), Ok(()));
    }

    #[test]
    fn texts_that_are_not_whole_passes() {
        let text = sample_text();
        let cases: Vec<(String, Rejection)> = vec![
            (String::new(), Rejection::Empty),
            ("\r\n".into(), Rejection::Empty),
            ("H".into(), Rejection::Truncated),
            ("HB".into(), Rejection::Truncated),
            ("HB1".into(), Rejection::Truncated),
            ("]Q1".into(), Rejection::Truncated),
            ("HTTPS://EXAMPLE.JP/KODOMO".into(), Rejection::NotAPass),
            ("https://example.jp/kodomo".into(), Rejection::NotAPass),
            ("4901234567894".into(), Rejection::NotAPass),
            ("HBX".into(), Rejection::NotAPass),
            (format!("HB2{}", &text[3..]), Rejection::UnsupportedVersion),
            (format!("{text}1"), Rejection::Malformed),
            (format!("{text}AAAAAAAA"), Rejection::Malformed),
            (text.replace("HB1", "HB1A"), Rejection::Malformed),
            (
                format!("{}8", &text[..text.len() - 1]),
                Rejection::Malformed,
            ),
            (
                format!("{} ", &text[..20]) + &text[20..],
                Rejection::Malformed,
            ),
        ];
        for (input, want) in cases {
            check(&input, Err(want));
        }
    }

    #[test]
    fn every_cut_of_a_real_text_is_truncated() {
        for claims in [sample_claims(), large_claims(), minimal_claims()] {
            let text = claims.sign(&issuing_key()).to_text();
            for cut in 1..text.len() {
                check(&text[..cut], Err(Rejection::Truncated));
                check(
                    &format!("]Q1{}\r\n", &text[..cut]),
                    Err(Rejection::Truncated),
                );
            }
        }
    }

    #[test]
    fn the_lenient_decoder_agrees_with_rfc_4648() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| i.wrapping_mul(37).wrapping_add(11))
                .collect();
            let text = BASE32_NOPAD.encode(&bytes);
            assert_eq!(
                base32_decode(&text),
                Some((bytes.clone(), true)),
                "{len} bytes"
            );
        }
        assert_eq!(
            base32_decode("MZ"),
            Some((vec![0x66], false)),
            "non-zero trailing bits"
        );
        assert_eq!(base32_decode("MY"), Some((vec![0x66], true)));
        assert_eq!(
            base32_decode("MYA"),
            Some((vec![0x66], false)),
            "invalid length"
        );
        assert_eq!(base32_decode("M1"), None);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,300}") {
            let _ = SignedPass::from_text(&text);
        }

        #[test]
        fn arbitrary_pass_like_text_never_panics(body in "[A-Z2-7]{0,250}", prefix in "(\\]Q1)?HB[0-9]") {
            let _ = SignedPass::from_text(&format!("{prefix}{body}"));
        }
    }
}
