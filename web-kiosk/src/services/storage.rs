//! The device's `localStorage`: small settings staff choose once per kiosk.
//! A browser that refuses storage (private mode, a policy) keeps working
//! with the defaults.

use crate::scan_modes::{STORAGE_KEY, ScanModes};

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The readers staff turned on at this kiosk (the defaults if never chosen).
pub fn scan_modes() -> ScanModes {
    let stored = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    ScanModes::from_stored(stored.as_deref())
}

/// Remembers the readers for the next start of this kiosk.
pub fn save_scan_modes(modes: ScanModes) {
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, &modes.to_stored());
    }
}
