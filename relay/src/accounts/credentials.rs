//! Passwords, login ids and the short codes people type.
//!
//! Codes a person reads from paper and types on a phone use an alphabet
//! with no look-alikes (no 0/O, 1/I/L), upper case, in groups of four.
//! Passwords are stored only as argon2id PHC strings; hashing runs on the
//! blocking pool so a login never stalls other requests.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::error::{AccountError, FieldErrors, Message};
use crate::issuer::random_bytes;

/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Shortest password a guardian or staff member may choose.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (argon2 would take more, a form should not).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// `groups` groups of four unambiguous characters joined by `-`.
pub(super) fn random_groups(groups: usize) -> Result<String, AccountError> {
    let bytes = random_bytes::<32>()?;
    let mut out = String::new();
    for (i, pair) in bytes.chunks_exact(2).take(groups * 4).enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 16 random bits modulo 31: a bias below 0.05 %, irrelevant here.
        let n = usize::from(u16::from_be_bytes([pair[0], pair[1]])) % ALPHABET.len();
        out.push(char::from(ALPHABET[n]));
    }
    Ok(out)
}

/// A new family login id, `HB-XXXX-XXXX`.
pub fn new_login_id() -> Result<String, AccountError> {
    Ok(format!("HB-{}", random_groups(2)?))
}

/// A new application receipt number, `AP-XXXX-XXXX`.
pub fn new_receipt() -> Result<String, AccountError> {
    Ok(format!("AP-{}", random_groups(2)?))
}

/// A new device pairing code, `XXXX-XXXX-XXXX`.
pub fn new_pairing_code() -> Result<String, AccountError> {
    random_groups(3)
}

/// A new one-time initial password, `xxxx-xxxx-xxxx` in lower case (about
/// 59 bits), easy to copy from the printed letter.
pub fn new_initial_password() -> Result<String, AccountError> {
    Ok(random_groups(3)?.to_ascii_lowercase())
}

/// Lower-case hex of fresh random bytes (device ids, challenges).
pub fn random_hex<const N: usize>() -> Result<String, AccountError> {
    Ok(data_encoding::HEXLOWER.encode(&random_bytes::<N>()?))
}

/// Full-width ASCII (as a phone's Japanese keyboard types it) to half-width.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            'ー' | '―' | '‐' | '−' | '–' => '-',
            _ => c,
        })
        .collect()
}

/// A typed code in its canonical form: half-width, upper case, grouped as
/// `PREFIX-XXXX-XXXX…`, whatever the person typed between the characters.
/// `prefix` is `"HB"`, `"AP"` or `""`.
pub fn normalize_code(typed: &str, prefix: &str, groups: usize) -> Option<String> {
    let compact: String = half_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let body = compact.strip_prefix(prefix)?;
    if body.chars().count() != groups * 4 || !body.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    let grouped: Vec<&str> = (0..groups)
        .filter_map(|g| body.get(g * 4..g * 4 + 4))
        .collect();
    let joined = grouped.join("-");
    Some(if prefix.is_empty() {
        joined
    } else {
        format!("{prefix}-{joined}")
    })
}

/// Whether `new` may replace `old` as a password of `login_id`; the
/// message is keyed by the form field `new_password`.
pub fn check_new_password(new: &str, old: &str, login_id: &str) -> Result<(), FieldErrors> {
    let chars = new.chars().count();
    let problem = if chars < MIN_PASSWORD_CHARS {
        Some(Message::new(
            "パスワードは8文字以上にしてください。",
            "Use at least 8 characters.",
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(Message::new(
            "パスワードは128文字以内にしてください。",
            "Use at most 128 characters.",
        ))
    } else if new == old {
        Some(Message::new(
            "初期パスワードとは別のパスワードにしてください。",
            "Choose a password different from the current one.",
        ))
    } else if new.eq_ignore_ascii_case(login_id) {
        Some(Message::new(
            "ログインIDと同じパスワードは使えません。",
            "The password must not be the login ID.",
        ))
    } else if new.chars().all(|c| c == new.chars().next().unwrap_or(c)) {
        Some(Message::new(
            "同じ文字だけのパスワードは使えません。",
            "The password must not repeat one character.",
        ))
    } else {
        None
    };
    match problem {
        Some(message) => Err(FieldErrors::from([("new_password".to_owned(), message)])),
        None => Ok(()),
    }
}

/// The argon2id PHC string of `password` (random salt, default costs).
pub async fn hash_password(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| AccountError::Internal(format!("hashing task: {e}")))?
}

/// [`hash_password`] on the calling thread, for start-up (demo seeding)
/// where no request waits.
pub fn hash_password_now(password: &str) -> Result<String, AccountError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the stored hash. With no stored hash (an
/// unknown login id) it still does the work of one check, so the answer's
/// timing does not tell which login ids exist.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match hash {
            Some(hash) => argon
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok(),
            None => {
                let _ = argon.hash_password(password.as_bytes());
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_in_groups() {
        let id = new_login_id().expect("id");
        assert_eq!(id.len(), 12);
        assert_eq!(normalize_code(&id, "HB", 2).as_deref(), Some(id.as_str()));
        let code = new_pairing_code().expect("code");
        assert_eq!(code.len(), 14);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
    }

    #[test]
    fn typed_codes_are_normalized() {
        let cases = [
            ("hb-abcd-efgh", Some("HB-ABCD-EFGH")),
            (" ＨＢ　ＡＢＣＤ－ＥＦＧＨ ", Some("HB-ABCD-EFGH")),
            ("HBABCDEFGH", Some("HB-ABCD-EFGH")),
            ("HB-ABCD-EFG", None),
            ("HB-ABCD-EFG0", None),
            ("AP-ABCD-EFGH", None),
            ("", None),
        ];
        for (typed, want) in cases {
            assert_eq!(normalize_code(typed, "HB", 2).as_deref(), want, "{typed:?}");
        }
        assert_eq!(
            normalize_code("abcd efgh jkmn", "", 3).as_deref(),
            Some("ABCD-EFGH-JKMN")
        );
    }

    #[test]
    fn new_passwords_are_checked() {
        let ok = |p: &str| check_new_password(p, "abcd-efgh-jkmn", "HB-ABCD-EFGH").is_ok();
        assert!(ok("sakura-2026"));
        assert!(!ok("short"));
        assert!(!ok("abcd-efgh-jkmn"));
        assert!(!ok("hb-abcd-efgh"));
        assert!(!ok("aaaaaaaaaa"));
        assert!(!ok(&"x".repeat(129)));
        let err = check_new_password("short", "old", "id").expect_err("too short");
        assert!(err.contains_key("new_password"));
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("sakura-2026".to_owned()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("sakura-2026".to_owned(), Some(hash.clone())).await);
        assert!(!verify_password("sakura-2027".to_owned(), Some(hash)).await);
        assert!(!verify_password("x".to_owned(), None).await);
        assert!(!verify_password("x".to_owned(), Some("not a hash".to_owned())).await);
    }
}
