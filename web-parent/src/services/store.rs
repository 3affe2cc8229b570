//! What the app keeps on the phone, in `localStorage`: the session token,
//! the city's rooms, the family, the pass, and the two automerge documents
//! (hex), so the pass, the history and the notices show with no network and
//! after the app is reopened offline, and which notices were seen. Logging
//! out forgets all of it but the language. A browser that refuses storage keeps working, online only.
//!
//! The application form's idempotency key lives in `sessionStorage`: a
//! reload or a retry of the same form reuses it, a new tab starts afresh.

use serde::Serialize;
use serde::de::DeserializeOwned;

const PREFIX: &str = "hiroba.parent.";
pub const LANG: &str = "hiroba.parent.lang";
pub const SESSION: &str = "hiroba.parent.session";
pub const CONFIG: &str = "hiroba.parent.config";
pub const FAMILY: &str = "hiroba.parent.family";
pub const PASS: &str = "hiroba.parent.pass";
/// JSON `{family_id, doc}` ([`crate::docs::StoredFamilyDoc`]): the copy
/// is tied to its family, so no other family's history is merged into it.
pub const FAMILY_DOC: &str = "hiroba.parent.familyDoc";
pub const NOTICES_DOC: &str = "hiroba.parent.noticesDoc";
/// JSON list of the ids of the notices the guardian has seen (the city's
/// random notice ids; nothing of the family), for the tab's unread count.
pub const SEEN_NOTICES: &str = "hiroba.parent.seenNotices";
/// `sessionStorage`: the application's `submission_id`.
pub const APPLY_SUBMISSION: &str = "hiroba.parent.applySubmission";
/// `sessionStorage`: the add-a-child request's `submission_id`.
pub const CHILD_SUBMISSION: &str = "hiroba.parent.childSubmission";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn get(key: &str) -> Option<String> {
    local()?.get_item(key).ok()?
}

pub fn set(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}

pub fn get_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&get(key)?).ok()
}

pub fn set_json<T: Serialize>(key: &str, value: &T) {
    if let Ok(text) = serde_json::to_string(value) {
        set(key, &text);
    }
}

pub fn get_bytes(key: &str) -> Option<Vec<u8>> {
    from_hex(&get(key)?)
}

pub fn set_bytes(key: &str, bytes: &[u8]) {
    set(key, &to_hex(bytes));
}

/// Forgets everything of the family on this phone (log out, session ended
/// elsewhere): the token, the family, the pass, the documents.
pub fn forget_family() {
    if let Some(s) = local() {
        let keys: Vec<String> = (0..s.length().unwrap_or(0))
            .filter_map(|i| s.key(i).ok().flatten())
            .filter(|k| k.starts_with(PREFIX) && k != LANG && k != CONFIG)
            .collect();
        for key in keys {
            let _ = s.remove_item(&key);
        }
    }
    if let Some(s) = session() {
        let _ = s.remove_item(CHILD_SUBMISSION);
    }
}

/// The submission id kept for this tab under `key`, made once.
pub fn submission_id(key: &str) -> String {
    if let Some(id) = session().and_then(|s| s.get_item(key).ok().flatten()) {
        return id;
    }
    let id = super::browser::random_id();
    if let Some(s) = session() {
        let _ = s.set_item(key, &id);
    }
    id
}

/// Drops the submission id once its form was accepted, so the next form
/// is a new submission.
pub fn end_submission(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    text.chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 127, 128, 255];
        assert_eq!(from_hex(&to_hex(&bytes)).as_deref(), Some(&bytes[..]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
