//! The few browser calls only the staff console makes: the tab's
//! `sessionStorage` (so a reload keeps the login, closing the tab ends it),
//! the URL hash, printing a prepared document and asking for confirmation.
//! Kept beside the console rather than in `services/` because nothing else
//! uses them; like `services/`, they decide nothing.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::NodeRef;

/// The `sessionStorage` key of the staff session.
const SESSION_KEY: &str = "hiroba.staff.session";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The stored staff session's JSON, if this tab has one.
pub fn load_session() -> Option<String> {
    session_storage()?.get_item(SESSION_KEY).ok().flatten()
}

/// Keeps the session's JSON for this tab. Storage may be unavailable
/// (private mode): then a reload asks to log in again, nothing worse.
pub fn save_session(json: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(SESSION_KEY, json);
    }
}

/// Forgets the stored session.
pub fn clear_session() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(SESSION_KEY);
    }
}

/// The page's hash, e.g. `#/staff/families`.
pub fn hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Moves to another hash (adds a history entry, fires `hashchange`).
pub fn set_hash(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

/// Asks a yes/no question; `false` if the browser cannot ask.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Prints the document shown in an `<iframe srcdoc>`; `false` if the frame
/// is not ready (the caller says so in words).
pub fn print_frame(frame: &NodeRef) -> bool {
    frame
        .cast::<web_sys::HtmlIFrameElement>()
        .and_then(|f| f.content_window())
        .is_some_and(|w| {
            let _ = w.focus();
            w.print().is_ok()
        })
}

/// Calls `f` on every `event` the window receives until dropped.
#[derive(Debug)]
pub struct WindowListener {
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl WindowListener {
    pub fn new(
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<WindowListener> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        web_sys::window()?
            .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
            .ok()?;
        Some(WindowListener { event, closure })
    }

    /// Calls `f` on every `hashchange`.
    pub fn hash(f: impl FnMut(web_sys::Event) + 'static) -> Option<WindowListener> {
        WindowListener::new("hashchange", f)
    }
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                self.event,
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}
