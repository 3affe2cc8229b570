//! Diagnosing keyboard-wedge scanners.
//!
//! The common counter scanner is a *keyboard wedge*: it types the QR code's
//! text as keystrokes, and the tablet reads them like typing. So the
//! tablet's keyboard settings garble the text in ways we can recognise and
//! name, and staff can fix the setting instead of staring at "invalid":
//!
//! * **Japanese input (IME) left on.** In kana-input mode (かな入力) every key
//!   types a fixed kana — `q`→た, `1`→ぬ — and Shift gives small kana on some
//!   keys (`E`→ぃ, `Z`→っ). In romaji mode letter runs become kana (`KA`→か),
//!   and full-width mode gives `ＡＢＣ１２３`. Any kana, kanji or full-width
//!   character is [`WedgeFault::ImeOn`].
//! * **Caps Lock.** The scanner presses Shift for upper case; with Caps Lock
//!   on the tablet inverts it, so the code arrives in lower case:
//!   [`WedgeFault::CapsLock`].
//! * **US/JIS layout mismatch.** Scanner and tablet each assume a keyboard
//!   layout. Letters and digits sit on the same keys in both, so a pass text
//!   (letters and digits only, by design) arrives intact — but symbols move.
//!   The AIM identifier `]Q1` that scanners can prepend is typed by a
//!   US-configured scanner into a JIS tablet as `[Q1`, and by a
//!   JIS-configured scanner into a US tablet as `\Q1`:
//!   [`WedgeFault::LayoutMismatch`].
//!
//! [`diagnose`] undoes each garbling and recognises a pass text underneath.
//! The `type_*` functions apply the garbling, which is how the tests (and
//! the end-to-end tests that drive a kiosk with simulated scanners) build
//! realistic inputs.

use super::Rejection;
use super::text::{looks_like_pass, strip_framing};

/// A keyboard layout a scanner or tablet can be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyboardLayout {
    /// US ANSI (101/104 keys).
    Us,
    /// Japanese JIS (106/109 keys).
    Jis,
}

/// A keyboard setting that garbled a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WedgeFault {
    /// Japanese input is on; it must be 半角英数 (half-width alphanumeric).
    ImeOn,
    /// Caps Lock is on.
    CapsLock,
    /// The scanner types for one layout, the tablet reads another.
    LayoutMismatch {
        /// The layout the scanner is configured for.
        scanner: KeyboardLayout,
        /// The layout the tablet interprets keys with.
        host: KeyboardLayout,
    },
}

impl WedgeFault {
    /// The rejection the kiosk shows for this fault.
    pub fn rejection(self) -> Rejection {
        match self {
            WedgeFault::ImeOn => Rejection::ImeOn,
            WedgeFault::CapsLock => Rejection::CapsLock,
            WedgeFault::LayoutMismatch { .. } => Rejection::ScannerLayoutMismatch,
        }
    }
}

/// What garbled a scan, and the pass text underneath if undoing the
/// garbling recovered one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WedgeDiagnosis {
    /// The keyboard setting at fault.
    pub fault: WedgeFault,
    /// The pass text as the scanner meant to type it (framing removed), when
    /// the garbling could be undone. The kiosk still rejects the scan — the
    /// setting must be fixed — but a staff screen may show it.
    pub recovered: Option<String>,
}

/// Says which keyboard setting garbled `raw`, or `None` if the text shows no
/// sign of one (it may still be no pass at all).
///
/// ```
/// use hiroba_engine::pass::wedge::{diagnose, type_through, KeyboardLayout, WedgeFault};
///
/// let typed = type_through("]Q1HB1AEAQ", KeyboardLayout::Us, KeyboardLayout::Jis);
/// assert_eq!(typed, "[Q1HB1AEAQ");
/// let diagnosis = diagnose(&typed).expect("garbled");
/// assert_eq!(diagnosis.fault, WedgeFault::LayoutMismatch {
///     scanner: KeyboardLayout::Us,
///     host: KeyboardLayout::Jis,
/// });
/// assert_eq!(diagnosis.recovered.as_deref(), Some("HB1AEAQ"));
/// assert_eq!(diagnose("HB1AEAQ\r\n"), None);
/// ```
pub fn diagnose(raw: &str) -> Option<WedgeDiagnosis> {
    let text = raw.trim();
    let framed = strip_framing(text);
    if framed
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return None;
    }
    let recovered =
        |candidate: &str| looks_like_pass(candidate).then(|| strip_framing(candidate).to_owned());
    if text.chars().any(is_ime_char) {
        return Some(WedgeDiagnosis {
            fault: WedgeFault::ImeOn,
            recovered: recovered(&undo_ime(text)),
        });
    }
    let has_lower = text.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = text.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && !has_upper {
        let upper = text.to_ascii_uppercase();
        if let Some(pass) = recovered(&upper) {
            return Some(WedgeDiagnosis {
                fault: WedgeFault::CapsLock,
                recovered: Some(pass),
            });
        }
    }
    for (scanner, host) in [
        (KeyboardLayout::Us, KeyboardLayout::Jis),
        (KeyboardLayout::Jis, KeyboardLayout::Us),
    ] {
        let untyped = untype(text, scanner, host);
        if untyped != text {
            if let Some(pass) = recovered(&untyped) {
                return Some(WedgeDiagnosis {
                    fault: WedgeFault::LayoutMismatch { scanner, host },
                    recovered: Some(pass),
                });
            }
        }
    }
    None
}

/// One physical key and what it types in each layout, unshifted and with
/// Shift. `None` is a key that types no character (JIS 半角/全角 toggles the
/// IME; the US board has no ¥ or ろ key).
struct Key {
    us: [Option<char>; 2],
    jis: [Option<char>; 2],
}

const fn key(us: [Option<char>; 2], jis: [Option<char>; 2]) -> Key {
    Key { us, jis }
}

/// The keys whose characters differ between US and JIS. Letters, digits
/// (unshifted), space, `-`, `;`, `,`, `.`, `/` and `1 3 4 5`'s shifted
/// symbols are the same in both and need no entry.
const DIFFERING_KEYS: &[Key] = &[
    // Grave / 半角全角
    key([Some('`'), Some('~')], [None, None]),
    key([Some('2'), Some('@')], [Some('2'), Some('"')]),
    key([Some('6'), Some('^')], [Some('6'), Some('&')]),
    key([Some('7'), Some('&')], [Some('7'), Some('\'')]),
    key([Some('8'), Some('*')], [Some('8'), Some('(')]),
    key([Some('9'), Some('(')], [Some('9'), Some(')')]),
    key([Some('0'), Some(')')], [Some('0'), None]),
    key([Some('-'), Some('_')], [Some('-'), Some('=')]),
    key([Some('='), Some('+')], [Some('^'), Some('~')]),
    // JIS ¥ key, right of ^ (no US counterpart).
    key([None, None], [Some('\\'), Some('|')]),
    key([Some('['), Some('{')], [Some('@'), Some('`')]),
    key([Some(']'), Some('}')], [Some('['), Some('{')]),
    // US backslash = JIS ], left of Enter.
    key([Some('\\'), Some('|')], [Some(']'), Some('}')]),
    key([Some(';'), Some(':')], [Some(';'), Some('+')]),
    key([Some('\''), Some('"')], [Some(':'), Some('*')]),
    // JIS ろ key, right of / (no US counterpart).
    key([None, None], [Some('\\'), Some('_')]),
];

fn chars_of(key: &Key, layout: KeyboardLayout) -> [Option<char>; 2] {
    match layout {
        KeyboardLayout::Us => key.us,
        KeyboardLayout::Jis => key.jis,
    }
}

/// The key and shift state that types `c` in `layout`, if `c` moves.
fn find_key(layout: KeyboardLayout, c: char) -> Option<(&'static Key, usize)> {
    DIFFERING_KEYS.iter().find_map(|key| {
        chars_of(key, layout)
            .iter()
            .position(|k| *k == Some(c))
            .map(|shift| (key, shift))
    })
}

/// What a tablet reading keys as `host` receives when a scanner configured
/// for `scanner` types `text`. Characters the host has no key for are lost.
pub fn type_through(text: &str, scanner: KeyboardLayout, host: KeyboardLayout) -> String {
    if scanner == host {
        return text.to_owned();
    }
    text.chars()
        .filter_map(|c| match find_key(scanner, c) {
            Some((key, shift)) => chars_of(key, host)[shift],
            None => Some(c),
        })
        .collect()
}

/// Undoes [`type_through`] as far as it can: each received character back
/// to the one the scanner meant.
fn untype(received: &str, scanner: KeyboardLayout, host: KeyboardLayout) -> String {
    received
        .chars()
        .map(|p| match find_key(host, p) {
            Some((key, shift)) => chars_of(key, scanner)[shift].unwrap_or(p),
            None => p,
        })
        .collect()
}

/// What Caps Lock does to a scanner's typing: letters change case.
pub fn type_with_caps_lock(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// The JIS kana-input (かな入力) table: a key's character (letters upper
/// case), its kana, and its kana with Shift where that differs.
const KANA_KEYS: &[(char, char, Option<char>)] = &[
    ('1', 'ぬ', None),
    ('2', 'ふ', None),
    ('3', 'あ', Some('ぁ')),
    ('4', 'う', Some('ぅ')),
    ('5', 'え', Some('ぇ')),
    ('6', 'お', Some('ぉ')),
    ('7', 'や', Some('ゃ')),
    ('8', 'ゆ', Some('ゅ')),
    ('9', 'よ', Some('ょ')),
    ('0', 'わ', Some('を')),
    ('-', 'ほ', None),
    ('^', 'へ', None),
    ('\\', 'ー', None),
    ('Q', 'た', None),
    ('W', 'て', None),
    ('E', 'い', Some('ぃ')),
    ('R', 'す', None),
    ('T', 'か', None),
    ('Y', 'ん', None),
    ('U', 'な', None),
    ('I', 'に', None),
    ('O', 'ら', None),
    ('P', 'せ', None),
    ('@', '゛', None),
    ('[', '゜', Some('「')),
    ('A', 'ち', None),
    ('S', 'と', None),
    ('D', 'し', None),
    ('F', 'は', None),
    ('G', 'き', None),
    ('H', 'く', None),
    ('J', 'ま', None),
    ('K', 'の', None),
    ('L', 'り', None),
    (';', 'れ', None),
    (':', 'け', None),
    (']', 'む', Some('」')),
    ('Z', 'つ', Some('っ')),
    ('X', 'さ', None),
    ('C', 'そ', None),
    ('V', 'ひ', None),
    ('B', 'こ', None),
    ('N', 'み', None),
    ('M', 'も', None),
    (',', 'ね', Some('、')),
    ('.', 'る', Some('。')),
    ('/', 'め', Some('・')),
    // The ろ key types `\` too; listed last so `\` types ー (the ¥ key).
    ('\\', 'ろ', None),
];

/// What a tablet with the IME in JIS kana-input mode receives when a scanner
/// types `text` (a scanner types upper case with Shift).
pub fn type_in_kana_mode(text: &str) -> String {
    text.chars()
        .map(|c| {
            let shifted = c.is_ascii_uppercase();
            let key = c.to_ascii_uppercase();
            match KANA_KEYS.iter().find(|(k, _, _)| *k == key) {
                Some((_, _, Some(small))) if shifted => *small,
                Some((_, kana, _)) => *kana,
                None => c,
            }
        })
        .collect()
}

/// What a tablet with the IME in full-width alphanumeric mode (全角英数)
/// receives: every printable ASCII character becomes its full-width form.
pub fn to_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// Whether only an IME produces `c`: kana, kanji, full-width forms and
/// Japanese punctuation.
fn is_ime_char(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'     // Japanese punctuation, hiragana, katakana
        | '\u{31F0}'..='\u{31FF}'   // katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'   // kanji, extension A
        | '\u{4E00}'..='\u{9FFF}'   // kanji
        | '\u{FF00}'..='\u{FFEF}'   // full-width and half-width forms
    )
}

/// Undoes full-width mode and kana-input mode (hiragana or katakana).
/// Romaji-mode kana cannot be undone reliably and are left as they are.
fn undo_ime(text: &str) -> String {
    text.chars()
        .map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                // Katakana to hiragana, for a kana-input IME set to katakana.
                '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
                _ => c,
            };
            KANA_KEYS
                .iter()
                .find(|(_, kana, small)| *kana == c || *small == Some(c))
                .map_or(c, |(key, _, _)| *key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::SignedPass;
    use super::super::testkit::*;
    use super::*;
    use KeyboardLayout::{Jis, Us};

    fn check(input: &str, want: Option<(WedgeFault, Option<&str>)>) {
        let got = diagnose(input).map(|d| (d.fault, d.recovered));
        let want = want.map(|(f, r)| (f, r.map(str::to_owned)));
        assert_eq!(got, want, "input {input:?}");
        // Reading the text as a pass gives the same reason.
        if let Some((fault, _)) = want {
            assert_eq!(
                SignedPass::from_text(input),
                Err(fault.rejection()),
                "{input:?}"
            );
        }
    }

    fn mismatch(scanner: KeyboardLayout, host: KeyboardLayout) -> WedgeFault {
        WedgeFault::LayoutMismatch { scanner, host }
    }

    #[test]
    fn layout_tables_follow_the_real_keyboards() {
        let cases = [
            (Us, Jis, "@", "\""),
            (Us, Jis, "[", "@"),
            (Us, Jis, "]", "["),
            (Us, Jis, "\\", "]"),
            (Us, Jis, "'", ":"),
            (Us, Jis, "\"", "*"),
            (Us, Jis, ":", "+"),
            (Us, Jis, "^&*()", "&'()"),
            (Us, Jis, "_=+", "=^~"),
            (Us, Jis, "https://x.jp/?a=1", "https+//x.jp/?a^1"),
            (Jis, Us, "\"", "@"),
            (Jis, Us, "@", "["),
            (Jis, Us, "[", "]"),
            (Jis, Us, "]", "\\"),
            (Jis, Us, ":", "'"),
            (Jis, Us, "*", "\""),
            (Jis, Us, "+", ":"),
            (Jis, Us, "&'()=^~", "^&*(_=+"),
            (Jis, Us, "\\_|", ""),
            (Us, Us, "]Q1", "]Q1"),
        ];
        for (scanner, host, typed, received) in cases {
            assert_eq!(
                type_through(typed, scanner, host),
                received,
                "{scanner:?}→{host:?} {typed:?}"
            );
        }
        // Letters, digits and the pass alphabet never move.
        let alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(type_through(alnum, Us, Jis), alnum);
        assert_eq!(type_through(alnum, Jis, Us), alnum);
    }

    #[test]
    fn untyping_inverts_typing_for_every_printable_character() {
        for (scanner, host) in [(Us, Jis), (Jis, Us)] {
            for c in ' '..='~' {
                let received = type_through(&c.to_string(), scanner, host);
                if !received.is_empty() {
                    assert_eq!(
                        untype(&received, scanner, host),
                        c.to_string(),
                        "{scanner:?}→{host:?} {c:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn layout_mismatch_is_told_by_the_garbled_aim_prefix() {
        let text = sample_text();
        let aimed = format!("]Q1{text}");
        for (scanner, host) in [(Us, Jis), (Jis, Us)] {
            let typed = type_through(&aimed, scanner, host);
            assert_ne!(typed, aimed);
            check(&typed, Some((mismatch(scanner, host), Some(&text))));
            check(
                &format!("{typed}\r\n"),
                Some((mismatch(scanner, host), Some(&text))),
            );
        }
        check("[Q1HB1AE", Some((mismatch(Us, Jis), Some("HB1AE"))));
        check("\\Q1HB1AE", Some((mismatch(Jis, Us), Some("HB1AE"))));
        // Without a prefix a mismatch is invisible, and harmless.
        assert_eq!(type_through(&text, Us, Jis), text);
        check(&text, None);
        check(&aimed, None);
        // Other symbols that undo to nothing of ours are no diagnosis.
        check("[Q1HTTP", None);
        check("@Q1HB1AE", None);
    }

    #[test]
    fn caps_lock_turns_the_code_lower_case() {
        let text = sample_text();
        let typed = type_with_caps_lock(&text);
        assert!(typed.starts_with("hb1"));
        check(&typed, Some((WedgeFault::CapsLock, Some(&text))));
        check(
            &type_with_caps_lock(&format!("]Q1{text}\r\n")),
            Some((WedgeFault::CapsLock, Some(&text))),
        );
        check("https://example.jp/", None);
        // Mixed case is not Caps Lock.
        check(&format!("hB{}", &text[2..]), None);
    }

    #[test]
    fn an_ime_left_on_is_recognised_and_undone() {
        let text = sample_text();
        let kana = type_in_kana_mode(&text);
        assert!(kana.starts_with("くこぬ"), "{kana}");
        check(&kana, Some((WedgeFault::ImeOn, Some(&text))));
        check(
            &type_in_kana_mode(&format!("]Q1{text}\r\n")),
            Some((WedgeFault::ImeOn, Some(&text))),
        );
        let katakana: String = kana
            .chars()
            .map(|c| match c {
                'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                _ => c,
            })
            .collect();
        check(&katakana, Some((WedgeFault::ImeOn, Some(&text))));
        let full = to_full_width(&text);
        assert!(full.starts_with("ＨＢ１"));
        check(&full, Some((WedgeFault::ImeOn, Some(&text))));
        // Romaji mode: letter runs become kana; the IME is still the reason.
        check("HB1かきくけこ", Some((WedgeFault::ImeOn, None)));
        check("ｈｂ１", Some((WedgeFault::ImeOn, None)));
        check("受付", Some((WedgeFault::ImeOn, None)));
        check("ｶﾅ", Some((WedgeFault::ImeOn, None)));
    }

    #[test]
    fn kana_input_follows_the_jis_keyboard() {
        let cases = [
            ("qwertyuiop", "たていすかんなにらせ"),
            ("asdfghjkl", "ちとしはきくまのり"),
            ("zxcvbnm", "つさそひこみも"),
            ("1234567890", "ぬふあうえおやゆよわ"),
            ("EZ", "ぃっ"),
            ("QA", "たち"),
        ];
        for (typed, received) in cases {
            assert_eq!(type_in_kana_mode(typed), received, "{typed}");
        }
    }
}
