//! # web-parent
//!
//! Hiroba's parent app, a phone-first Yew app compiled to WebAssembly and
//! served by the relay at `/parent/`. It shows the family's signed pass as a
//! QR code for the kiosk's reader.
//!
//! * [`app`] — the screen: loading, the pass, or a message in words.
//! * [`state`] — pure state and actions (tested natively).
//! * [`components`] — app bar and pass card.
//! * [`services`] — fetch and browser wrappers; the only I/O.
//!
//! The DOM contract for tests: `#parent[data-state=loading|ready|no-pass|error]`,
//! `#pass-qr > svg`, `#pass-text[data-text]`, `#pass-short-code`,
//! `#pass-rooms > li[data-room]`.

pub mod app;
pub mod components;
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
/// word: show a calm message (details go to the console for developers).
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    web_sys::console::error_1(&info.to_string().into());
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(el) = doc.and_then(|d| d.get_element_by_id("fatal")) {
        let _ = el.set_attribute("class", "fatal shown");
    }
}
