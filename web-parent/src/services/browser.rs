//! Small wrappers over browser APIs: the clock, `<html lang>` and the saved
//! copy of the pass that lets it show with no network.

use hiroba_engine::calendar::Timestamp;

/// Now, from the phone's clock, as the engine's [`Timestamp`].
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0).floor() as i64)
}

/// Sets `<html lang="…">` so screen readers switch voice with the UI.
pub fn set_document_lang(lang: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang);
    }
}

const SAVED_PASS_KEY: &str = "hiroba.pass.text";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Keeps the pass text on the phone, so the QR shows offline next time.
pub fn save_pass_text(text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(SAVED_PASS_KEY, text);
    }
}

/// The pass text saved by [`save_pass_text`], if any.
pub fn saved_pass_text() -> Option<String> {
    storage()?.get_item(SAVED_PASS_KEY).ok()?
}
