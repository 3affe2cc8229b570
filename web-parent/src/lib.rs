//! # web-parent
//!
//! Hiroba's parent app: an installable phone PWA in Yew, compiled to
//! WebAssembly and served by the relay at `/parent/`. A guardian applies
//! (事前登録), logs in with the letter's ID, changes the password,
//! registers for rooms (本登録) and shows the signed pass as a QR code;
//! prints cards, reads the visit history and notices, and asks to add a
//! child. The pass, the history and the notices show with no network.
//!
//! * [`app`] — the shell: state, hash route, refresh from the relay, tabs.
//! * [`state`] — pure state, routes and actions (tested natively).
//! * [`form`] — the forms' rules, the relay's words (tested natively).
//! * [`docs`] — the family and notices automerge documents on the phone.
//! * [`pages`] — one component per screen; [`components`] — shared pieces.
//! * [`services`] — fetch, `localStorage`, browser calls; the only I/O.
//!
//! The DOM contract for tests is at the top of `tests/src/parent.rs`.

pub mod app;
pub mod components;
pub mod docs;
pub mod form;
pub mod pages;
pub mod services;
pub mod state;

use wasm_bindgen::prelude::*;

/// Renders the app into `#app` (or `<body>`) when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(show_panic));
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}

/// A bug must not leave a parent at the counter with a frozen screen and no
/// word: show a calm message. Only the panic's place goes to the console,
/// never its message (it could quote personal data).
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    if let Some(place) = info.location() {
        web_sys::console::error_1(&format!("panic at {}:{}", place.file(), place.line()).into());
    }
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(el) = doc.and_then(|d| d.get_element_by_id("fatal")) {
        let _ = el.set_attribute("class", "fatal shown");
    }
}
