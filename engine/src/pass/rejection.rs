//! Why a scan is refused, in words for the person at the counter.
//!
//! A refused pass is an expected outcome, not a failure of the program, so
//! each reason is a value the kiosk can word, sound and log: a short
//! Japanese and English message saying what to do next, and a stable
//! snake_case [`code`](Rejection::code) for logs and tests.

/// Why a scanned code was not accepted as a valid pass for this room, now.
///
/// The variants are listed in the order a scan is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Nothing but whitespace was read (e.g. Enter pressed on its own).
    #[error("nothing was scanned")]
    Empty,
    /// Japanese input (the IME) is on, so the scanner's typing arrived as
    /// kana or full-width characters.
    #[error("the scan was typed with japanese input on")]
    ImeOn,
    /// Caps Lock is on, so the scanner's typing arrived in lower case.
    #[error("the scan was typed with caps lock on")]
    CapsLock,
    /// The scanner is set to a US keyboard layout and the tablet to JIS, or
    /// the reverse, so symbols arrived as other symbols.
    #[error("the scanner's keyboard layout does not match the tablet's")]
    ScannerLayoutMismatch,
    /// Some other code: a web address, a product barcode, another app's QR.
    #[error("not a hiroba pass")]
    NotAPass,
    /// Only the start of a pass arrived: the scan was cut off.
    #[error("the pass was cut off")]
    Truncated,
    /// A pass in a format newer than this kiosk's software.
    #[error("the pass uses a newer format than this kiosk understands")]
    UnsupportedVersion,
    /// It starts like a pass but is damaged.
    #[error("the pass is malformed")]
    Malformed,
    /// A pass issued by another city.
    #[error("the pass is from another city")]
    OtherCity,
    /// The signing key is not in the trust list (yet: the list may not have
    /// synced since a new key was added).
    #[error("the pass was signed by an unknown key")]
    UnknownKey,
    /// The signature does not match: a forged or altered pass.
    #[error("the pass signature is invalid")]
    BadSignature,
    /// The key was not valid when the pass was issued (its `valid_from` lies
    /// outside the key's validity): a signing mistake or a back-dated forgery.
    #[error("the pass was signed by a key that was not valid at its issue time")]
    KeyNotValidThen,
    /// The key that signed the pass has been retired; the pass must be
    /// reissued under the current key.
    #[error("the key that signed the pass has expired")]
    KeyExpired,
    /// The pass's validity has not started yet.
    #[error("the pass is not valid yet")]
    NotYetValid,
    /// The pass's validity has ended.
    #[error("the pass has expired")]
    Expired,
    /// The card was replaced by a reissued one (a higher serial).
    #[error("the pass has been revoked")]
    Revoked,
    /// The family is not registered for this room.
    #[error("the pass is not registered for this room")]
    WrongRoom,
}

impl Rejection {
    /// Every reason, in checking order; for settings screens and tests.
    pub const ALL: [Rejection; 17] = [
        Rejection::Empty,
        Rejection::ImeOn,
        Rejection::CapsLock,
        Rejection::ScannerLayoutMismatch,
        Rejection::NotAPass,
        Rejection::Truncated,
        Rejection::UnsupportedVersion,
        Rejection::Malformed,
        Rejection::OtherCity,
        Rejection::UnknownKey,
        Rejection::BadSignature,
        Rejection::KeyNotValidThen,
        Rejection::KeyExpired,
        Rejection::NotYetValid,
        Rejection::Expired,
        Rejection::Revoked,
        Rejection::WrongRoom,
    ];

    /// A stable snake_case id for logs, metrics and tests; never changes
    /// once released, unlike the wording.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Empty => "empty",
            Rejection::ImeOn => "ime_on",
            Rejection::CapsLock => "caps_lock",
            Rejection::ScannerLayoutMismatch => "scanner_layout_mismatch",
            Rejection::NotAPass => "not_a_pass",
            Rejection::Truncated => "truncated",
            Rejection::UnsupportedVersion => "unsupported_version",
            Rejection::Malformed => "malformed",
            Rejection::OtherCity => "other_city",
            Rejection::UnknownKey => "unknown_key",
            Rejection::BadSignature => "bad_signature",
            Rejection::KeyNotValidThen => "key_not_valid_then",
            Rejection::KeyExpired => "key_expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::Expired => "expired",
            Rejection::Revoked => "revoked",
            Rejection::WrongRoom => "wrong_room",
        }
    }

    /// Whether the fault is the scanner's or tablet's setting rather than
    /// the pass, so the kiosk can call staff instead of the family.
    pub fn is_device_setting(&self) -> bool {
        matches!(
            self,
            Rejection::ImeOn | Rejection::CapsLock | Rejection::ScannerLayoutMismatch
        )
    }

    /// The message shown on the kiosk in Japanese: what happened and what
    /// to do, in a few words.
    pub fn message_ja(&self) -> &'static str {
        match self {
            Rejection::Empty => "読み取れませんでした。もう一度QRコードをかざしてください。",
            Rejection::ImeOn => {
                "日本語入力がオンになっています。職員の方へ：入力モードを「半角英数」に切り替えてください。"
            }
            Rejection::CapsLock => {
                "Caps Lock がオンになっています。職員の方へ：Caps Lock を解除してください。"
            }
            Rejection::ScannerLayoutMismatch => {
                "スキャナーのキーボード設定（US/JIS）がタブレットと合っていません。職員の方へ：スキャナーの設定を確認してください。"
            }
            Rejection::NotAPass => "このコードはこどもルームの利用証ではありません。",
            Rejection::Truncated => {
                "QRコードが途中までしか読み取れませんでした。もう一度ゆっくりかざしてください。"
            }
            Rejection::UnsupportedVersion => {
                "この利用証は新しい形式です。受付の端末の更新が必要です。職員にお知らせください。"
            }
            Rejection::Malformed => {
                "QRコードを正しく読み取れませんでした。もう一度かざすか、受付でお声がけください。"
            }
            Rejection::OtherCity => "この利用証は他の市区町村のものです。受付でお声がけください。",
            Rejection::UnknownKey => {
                "この利用証を確認できませんでした（発行元が未登録です）。受付でお声がけください。"
            }
            Rejection::BadSignature => "この利用証は正しくありません。受付でお声がけください。",
            Rejection::KeyNotValidThen => {
                "この利用証の発行情報が正しくありません。受付でお声がけください。"
            }
            Rejection::KeyExpired => {
                "この利用証は古い形式のため使えません。受付で再発行してください。"
            }
            Rejection::NotYetValid => {
                "この利用証はまだ使えません（有効期間の前です）。受付でお声がけください。"
            }
            Rejection::Expired => "このQRコードは有効期限が切れています。受付でお声がけください。",
            Rejection::Revoked => {
                "この利用証は再発行または取り消しにより無効になっています。新しい利用証をお使いいただくか、スタッフにお声がけください。"
            }
            Rejection::WrongRoom => {
                "この利用証はこのルームに登録されていません。受付でお声がけください。"
            }
        }
    }

    /// The message shown on the kiosk in English.
    pub fn message_en(&self) -> &'static str {
        match self {
            Rejection::Empty => "Nothing was read. Please scan the QR code again.",
            Rejection::ImeOn => {
                "Japanese input is on. Staff: switch the input mode to half-width alphanumeric (半角英数)."
            }
            Rejection::CapsLock => "Caps Lock is on. Staff: please turn off Caps Lock.",
            Rejection::ScannerLayoutMismatch => {
                "The scanner's keyboard layout (US/JIS) does not match the tablet. Staff: please check the scanner setting."
            }
            Rejection::NotAPass => "This code is not a children's room pass.",
            Rejection::Truncated => {
                "Only part of the code was read. Please hold it steady and scan again."
            }
            Rejection::UnsupportedVersion => {
                "This pass uses a newer format. The kiosk needs an update; please tell the staff."
            }
            Rejection::Malformed => {
                "The code could not be read correctly. Please scan again or ask the staff."
            }
            Rejection::OtherCity => "This pass is from another city. Please ask the staff.",
            Rejection::UnknownKey => {
                "This pass could not be checked (unknown issuer). Please ask the staff."
            }
            Rejection::BadSignature => "This pass could not be verified. Please ask the staff.",
            Rejection::KeyNotValidThen => {
                "This pass was not issued correctly. Please ask the staff."
            }
            Rejection::KeyExpired => {
                "This pass is no longer accepted. Please ask the staff to reissue it."
            }
            Rejection::NotYetValid => "This pass is not valid yet. Please ask the staff.",
            Rejection::Expired => "This pass has expired. Please ask the staff.",
            Rejection::Revoked => {
                "This pass is no longer valid: it was reissued or withdrawn. Please use your new pass, or ask staff."
            }
            Rejection::WrongRoom => {
                "This pass is not registered for this room. Please ask the staff."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_reason_has_its_own_code_and_messages() {
        let mut codes = HashSet::new();
        let mut ja = HashSet::new();
        let mut en = HashSet::new();
        for r in Rejection::ALL {
            assert!(codes.insert(r.code()), "duplicate code {}", r.code());
            assert!(ja.insert(r.message_ja()), "duplicate ja message for {r:?}");
            assert!(en.insert(r.message_en()), "duplicate en message for {r:?}");
            assert!(
                r.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            let display = r.to_string();
            assert_eq!(display, display.to_lowercase(), "error text is lower case");
        }
    }

    #[test]
    fn device_setting_messages_speak_to_staff() {
        let cases = [
            (Rejection::ImeOn, "半角英数", "half-width"),
            (Rejection::CapsLock, "Caps Lock", "Caps Lock"),
            (Rejection::ScannerLayoutMismatch, "US/JIS", "US/JIS"),
        ];
        for (r, ja, en) in cases {
            assert!(r.is_device_setting());
            assert!(
                r.message_ja().contains(ja) && r.message_ja().contains("職員"),
                "{r:?}"
            );
            assert!(
                r.message_en().contains(en) && r.message_en().contains("Staff"),
                "{r:?}"
            );
        }
        assert!(!Rejection::Expired.is_device_setting());
        assert_eq!(
            Rejection::Expired.message_ja(),
            "このQRコードは有効期限が切れています。受付でお声がけください。"
        );
    }
}
