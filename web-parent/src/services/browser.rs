//! Small wrappers over browser APIs: the clock, `<html lang>`, the hash
//! route, random ids, and listening to window/document events.

use hiroba_engine::calendar::Timestamp;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

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

/// The location's hash (`#/pass`), or "".
pub fn hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Goes to `hash` (adds a history entry, fires `hashchange`).
pub fn set_hash(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Whether the page is in front of the person (not a background tab).
pub fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// A random id for idempotent submissions (`crypto.randomUUID()`).
pub fn random_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("web-{}", js_sys::Date::now() as u64))
}

/// Asks before a destructive step (`window.confirm`); false if it cannot ask.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Opens the print dialog for the page.
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Moves the window to the top (after a screen change or an error summary).
pub fn scroll_top() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Focuses the element with `id`, if any (the first field with an error).
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// A listener that stays attached until this is dropped.
#[derive(Debug)]
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    fn new(
        target: web_sys::EventTarget,
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        target
            .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener {
            target,
            event,
            closure,
        })
    }

    /// Listens to `event` on `window` (`hashchange`, `online`, `offline`).
    pub fn window(
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        Listener::new(web_sys::window()?.into(), event, f)
    }

    /// Listens to `event` on `document` (`visibilitychange`).
    pub fn document(
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        Listener::new(web_sys::window()?.document()?.into(), event, f)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Registers the service worker (`sw.js`, scope `/parent/`) so the app
/// loads with no network. A browser without service workers still runs it.
pub fn register_service_worker() {
    let Some(w) = web_sys::window() else { return };
    let container = w.navigator().service_worker();
    let _ = container.register("./sw.js");
}

fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}

/// Calls the first of `names` that `target` has as a method; `None` when
/// it has none of them (the API is missing), else whether the call went
/// through. A promise it returns is awaited and any refusal ignored.
fn call_first(target: &wasm_bindgen::JsValue, names: &[&str]) -> Option<bool> {
    let method = names.iter().find_map(|name| {
        js_sys::Reflect::get(target, &(*name).into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    })?;
    match method.call0(target) {
        Ok(answer) => {
            if let Ok(promise) = answer.dyn_into::<js_sys::Promise>() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                });
            }
            Some(true)
        }
        Err(_) => Some(false),
    }
}

/// Asks the browser to show the element `id` alone on the whole screen
/// (the Fullscreen API, or Safari's prefixed one). Must run inside the
/// tap's handler. False where the browser has no such API (an iPhone):
/// the caller's own overlay then stands in for it; a later refusal is
/// harmless for the same reason.
pub fn request_fullscreen(id: &str) -> bool {
    element(id).is_some_and(|el| {
        call_first(&el, &["requestFullscreen", "webkitRequestFullscreen"]) == Some(true)
    })
}

/// Whether some element is shown full screen now.
pub fn fullscreen_active() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    ["fullscreenElement", "webkitFullscreenElement"]
        .iter()
        .any(|name| js_sys::Reflect::get(&doc, &(*name).into()).is_ok_and(|el| el.is_object()))
}

/// Leaves full screen, if the page is in it.
pub fn exit_fullscreen() {
    if !fullscreen_active() {
        return;
    }
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = call_first(&doc, &["exitFullscreen", "webkitExitFullscreen"]);
    }
}

/// Shows or hides the element `id` at once (its `hidden` attribute),
/// before the next render: the Fullscreen API needs the element shown
/// within the tap's handler.
pub fn set_hidden(id: &str, hidden: bool) {
    if let Some(el) = element(id) {
        let _ = if hidden {
            el.set_attribute("hidden", "")
        } else {
            el.remove_attribute("hidden")
        };
    }
}
