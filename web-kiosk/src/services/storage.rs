//! The kiosk's own copy of the last trust documents it got from the relay,
//! in `localStorage`, so passes are verified offline even before the service
//! worker controls the page. Only public data is kept: the city's config,
//! the trust list (public keys) and revocations (pseudonymous pass ids).

use serde::{Deserialize, Serialize};

use crate::services::api::{Config, TrustDocs};

/// One key, one JSON value: the three documents are saved and read together.
const KEY: &str = "hiroba.kiosk.trust-docs.v1";

#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    config: Config,
    /// Hex of the automerge bytes.
    trust_list: String,
    revocations: String,
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps `docs` as the last good copy. Returns whether it was saved (a full
/// or disabled storage only costs the offline fallback).
pub fn save_trust_docs(docs: &TrustDocs) -> bool {
    let saved = Saved {
        config: docs.config.clone(),
        trust_list: to_hex(&docs.trust_list),
        revocations: to_hex(&docs.revocations),
    };
    let Ok(json) = serde_json::to_string(&saved) else {
        return false;
    };
    local_storage().is_some_and(|s| s.set_item(KEY, &json).is_ok())
}

/// The last good copy saved on this device, if there is a readable one.
pub fn load_trust_docs() -> Option<TrustDocs> {
    let json = local_storage()?.get_item(KEY).ok().flatten()?;
    let saved: Saved = serde_json::from_str(&json).ok()?;
    Some(TrustDocs {
        config: saved.config,
        trust_list: from_hex(&saved.trust_list)?,
        revocations: from_hex(&saved.revocations)?,
    })
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    let nibble = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(to_hex(&[0x0a, 0xff]), "0aff");
        assert_eq!(from_hex("0AfF"), Some(vec![0x0a, 0xff]));
    }

    #[test]
    fn bad_hex_is_refused() {
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
