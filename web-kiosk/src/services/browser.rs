//! Small wrappers over browser APIs: the clock, timers, the page's URL and
//! document-wide keyboard events. Each listener is removed when its guard drops.

use hiroba_engine::calendar::Timestamp;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::KeyboardEvent;

/// Now, from the browser's clock, as the engine's [`Timestamp`].
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0).floor() as i64)
}

/// A monotonic clock in milliseconds, for timing keystrokes and benchmarks.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// The page's query string, e.g. `?room=R03`.
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
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

/// Calls a closure every `period_ms` until dropped.
#[derive(Debug)]
pub struct Interval {
    handle: i32,
    _closure: Closure<dyn FnMut()>,
}

impl Interval {
    pub fn new(period_ms: i32, f: impl FnMut() + 'static) -> Option<Interval> {
        let closure = Closure::<dyn FnMut()>::new(f);
        let handle = web_sys::window()?
            .set_interval_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                period_ms,
            )
            .ok()?;
        Some(Interval {
            handle,
            _closure: closure,
        })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_interval_with_handle(self.handle);
        }
    }
}

/// Listens to every `keydown` on the document until dropped.
#[derive(Debug)]
pub struct DocumentKeys {
    closure: Closure<dyn FnMut(KeyboardEvent)>,
}

impl DocumentKeys {
    pub fn new(f: impl FnMut(KeyboardEvent) + 'static) -> Option<DocumentKeys> {
        let closure = Closure::<dyn FnMut(KeyboardEvent)>::new(f);
        web_sys::window()?
            .document()?
            .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref())
            .ok()?;
        Some(DocumentKeys { closure })
    }
}

impl Drop for DocumentKeys {
    fn drop(&mut self) {
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            let _ = d.remove_event_listener_with_callback(
                "keydown",
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}

/// Whether a keyboard event was aimed at a text field (which then handles
/// the keys itself, so the page-wide scanner listener must not). A
/// checkbox or button keeps focus after a tap, so it does not count: a scan
/// right after staff switch a reader on must still be caught.
pub fn targets_text_field(event: &KeyboardEvent) -> bool {
    let Some(el) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    match el.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => {
            let kind = el.get_attribute("type").unwrap_or_default();
            is_text_input_type(&kind)
        }
        _ => el
            .dyn_ref::<web_sys::HtmlElement>()
            .is_some_and(|h| h.is_content_editable()),
    }
}

/// Whether an `<input type=…>` takes typed text (an absent or unknown
/// type is text, as in the browser).
pub fn is_text_input_type(kind: &str) -> bool {
    !matches!(
        kind.to_ascii_lowercase().as_str(),
        "checkbox" | "radio" | "button" | "submit" | "reset" | "range" | "color" | "file" | "image"
    )
}

/// Records, once per page load, how many milliseconds after navigation the
/// kiosk became ready (`window.hirobaReadyMs`), for the cold-start benchmark.
pub fn mark_ready() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = wasm_bindgen::JsValue::from_str("hirobaReadyMs");
    let seen = js_sys::Reflect::has(&window, &key).unwrap_or(true);
    if !seen {
        let _ = js_sys::Reflect::set(&window, &key, &now_ms().into());
    }
}

#[cfg(test)]
mod tests {
    use super::is_text_input_type;

    #[test]
    fn only_inputs_that_take_text_keep_the_scanner_out() {
        for kind in [
            "", "text", "TEXT", "search", "password", "tel", "number", "unknown",
        ] {
            assert!(is_text_input_type(kind), "{kind}");
        }
        for kind in ["checkbox", "radio", "button", "submit", "Checkbox"] {
            assert!(!is_text_input_type(kind), "{kind}");
        }
    }
}
