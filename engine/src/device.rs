//! A device's lifelong automerge actor id.
//!
//! Automerge tells writers apart by actor id and numbers each writer's
//! changes in sequence. Two devices writing with the same actor id would
//! produce two different "change 5 of actor X" and the documents could no
//! longer merge. So every device (kiosk, staff PC, parent phone, relay) draws
//! **one random actor id for life**, persists it, and writes every document
//! with it. A device that lost its storage has also lost its sequence
//! numbers, so it must *not* reuse its old id: it draws a new one.
//!
//! The engine draws nothing itself: the app passes 16 random bytes in
//! (`crypto.getRandomValues` in the browser, the OS generator on the relay).

use automerge::ActorId;

/// Why a stored device identity cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceIdError {
    /// The text is not 32 hexadecimal digits.
    #[error("not a device actor id (expected 32 hexadecimal digits): {0:?}")]
    NotHex(String),
    /// All zero bytes: a sign of a broken random source or wiped storage,
    /// which many devices would share.
    #[error("device actor id is all zeros")]
    AllZero,
}

/// The identity this device writes with: its lifelong automerge actor id.
///
/// ```
/// use hiroba_engine::device::load_or_create;
///
/// // First start: nothing stored, so the fresh random bytes are used and the
/// // app is told to persist them.
/// let (identity, created) = load_or_create(None, [7; 16]);
/// assert!(created);
/// let stored = identity.to_stored();
///
/// // Every later start finds the stored id and keeps it.
/// let (again, created) = load_or_create(Some(&stored), [9; 16]);
/// assert!(!created);
/// assert_eq!(again, identity);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceIdentity {
    actor: ActorId,
}

impl DeviceIdentity {
    /// The identity made of 16 bytes from the app's random source.
    pub fn from_random(bytes: [u8; 16]) -> DeviceIdentity {
        DeviceIdentity {
            actor: ActorId::from(bytes),
        }
    }

    /// The text to persist: 32 lowercase hexadecimal digits.
    pub fn to_stored(&self) -> String {
        self.actor.to_hex_string()
    }

    /// The identity from text written by [`DeviceIdentity::to_stored`].
    ///
    /// Surrounding whitespace is ignored (storage and copy-paste add it);
    /// anything else that is not 32 hex digits is refused.
    pub fn from_stored(stored: &str) -> Result<DeviceIdentity, DeviceIdError> {
        let text = stored.trim();
        let not_hex = || DeviceIdError::NotHex(stored.chars().take(64).collect());
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_hex());
        }
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| not_hex())?;
        }
        if bytes == [0; 16] {
            return Err(DeviceIdError::AllZero);
        }
        Ok(DeviceIdentity::from_random(bytes))
    }

    /// The actor id to give [`crate::sync::DocSet::new`].
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// The actor id, by value.
    pub fn into_actor(self) -> ActorId {
        self.actor
    }
}

/// The identity to start with: the stored one if it is valid, else a new one
/// made of `fresh_random`.
///
/// The flag says whether the identity is new, in which case the caller must
/// persist [`DeviceIdentity::to_stored`] *before* writing any document with
/// it. A stored id that is unreadable is treated like lost storage — a new id
/// is safer than guessing at a damaged one.
pub fn load_or_create(stored: Option<&str>, fresh_random: [u8; 16]) -> (DeviceIdentity, bool) {
    match stored.map(DeviceIdentity::from_stored) {
        Some(Ok(identity)) => (identity, false),
        _ => (DeviceIdentity::from_random(fresh_random), true),
    }
}

/// What an enrolled device signs, before the challenge and its id.
pub const SESSION_DOMAIN: &[u8] = b"hiroba device session v1\0";

/// The bytes a device signs with its Ed25519 key to answer the relay's
/// `challenge` (hex) as `device_id` (`POST /api/devices/session`).
pub fn session_message(challenge: &str, device_id: &str) -> Vec<u8> {
    let mut message = SESSION_DOMAIN.to_vec();
    message.extend_from_slice(challenge.as_bytes());
    message.push(0);
    message.extend_from_slice(device_id.as_bytes());
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYTES: [u8; 16] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ];

    #[test]
    fn identities_round_trip_through_storage() {
        let id = DeviceIdentity::from_random(BYTES);
        assert_eq!(id.to_stored(), "00112233445566778899aabbccddeeff");
        assert_eq!(DeviceIdentity::from_stored(&id.to_stored()), Ok(id.clone()));
        assert_eq!(
            DeviceIdentity::from_stored(" 00112233445566778899AABBCCDDEEFF\n"),
            Ok(id.clone())
        );
        assert_eq!(id.actor().to_bytes(), BYTES.as_slice());
    }

    #[test]
    fn damaged_stored_ids_are_refused() {
        for bad in [
            "",
            "0011",
            "00112233445566778899aabbccddeeff00",
            "00112233445566778899aabbccddeefg",
            "００112233445566778899aabbccddee",
        ] {
            assert!(
                matches!(
                    DeviceIdentity::from_stored(bad),
                    Err(DeviceIdError::NotHex(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            DeviceIdentity::from_stored(&"0".repeat(32)),
            Err(DeviceIdError::AllZero)
        );
    }

    #[test]
    fn stored_ids_are_kept_and_lost_ones_replaced() {
        let stored = DeviceIdentity::from_random(BYTES).to_stored();
        let (kept, created) = load_or_create(Some(&stored), [1; 16]);
        assert!(!created);
        assert_eq!(kept.to_stored(), stored);

        let (fresh, created) = load_or_create(None, [1; 16]);
        assert!(created);
        assert_eq!(fresh, DeviceIdentity::from_random([1; 16]));

        let (replaced, created) = load_or_create(Some("garbled"), [2; 16]);
        assert!(created);
        assert_eq!(replaced, DeviceIdentity::from_random([2; 16]));
    }

    #[test]
    fn two_devices_with_different_random_bytes_differ() {
        let a = DeviceIdentity::from_random([1; 16]);
        let b = DeviceIdentity::from_random([2; 16]);
        assert_ne!(a, b);
        assert_ne!(a.to_stored(), b.to_stored());
    }
}
