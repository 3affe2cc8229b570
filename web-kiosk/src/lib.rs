//! # web-kiosk
//!
//! Hiroba's counter kiosk, a Yew app compiled to WebAssembly and served by
//! the relay at `/kiosk/?room=R03`. It verifies family passes **locally**
//! with the engine and the city's synced trust list, so check-in keeps
//! working with no network.
//!
//! * [`app`] — the screen: loading, scanner input, results.
//! * [`state`] — pure state and actions (tested natively).
//! * [`verifier`] — the trust documents and the engine's `verify_scan`.
//! * [`camera`] — camera scanning's rules: frame decoding (rqrr), repeats,
//!   problems worded for people; [`scan_modes`] — wedge and/or camera.
//! * [`components`] — header, clock, scan field, result panel, camera
//!   preview, reader switch.
//! * [`services`] — fetch and browser wrappers; the only I/O.
//!
//! ## Two contexts, one module
//!
//! The page loads this module to render the app; the camera's decoder
//! worker (`static/qr-worker.js`) loads the *same* module to call
//! [`decode_qr_frame`]. [`start`] therefore renders only where there is a
//! `document`.
//!
//! ## For tests and benchmarks
//!
//! `index.html` puts this module's exports on `window.hiroba`:
//! [`is_ready`], [`verify_code`], [`bench_verify`] and [`bench_room_month`]. The DOM contract is
//! `#kiosk[data-state=loading|ready|error]`,
//! `#scan-result[data-status=idle|accepted|rejected][data-code][data-seq]`,
//! the reader switches `#mode-wedge` and `#mode-camera`, and
//! `#camera[data-camera-state][data-decode-ms]` while the camera is on.

pub mod app;
pub mod camera;
pub mod components;
pub mod runtime;
pub mod scan_modes;
pub mod services;
pub mod staff;
pub mod state;
pub mod station;
pub mod verifier;

use wasm_bindgen::prelude::*;

/// Renders the kiosk into `#app` (or `<body>`) when the module loads on the
/// page; in the decoder worker, which has no `document`, it does nothing.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    std::panic::set_hook(Box::new(show_panic));
    match document.get_element_by_id("app") {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}

/// Decodes one greyscale camera frame (`width` × `height` bytes) into the
/// text of the QR code it shows, or `undefined`. Called by the camera's
/// decoder worker; bounded work and never throws, whatever the bytes
/// (see [`camera::decode_frame`]).
#[wasm_bindgen]
pub fn decode_qr_frame(pixels: &[u8], width: u32, height: u32) -> Option<String> {
    camera::decode_frame(pixels, width, height)
}

/// A bug must not leave staff looking at a frozen screen without a word:
/// show a calm message (the details go to the console for developers).
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    web_sys::console::error_1(&info.to_string().into());
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(el) = doc.and_then(|d| d.get_element_by_id("fatal")) {
        let _ = el.set_attribute("class", "fatal shown");
    }
}

/// Whether the trust list has loaded and scans can be verified.
#[wasm_bindgen]
pub fn is_ready() -> bool {
    verifier::current().is_some()
}

/// Verifies `text` as the screen would, now: `"accepted"` or the rejection
/// code (the same value as `#scan-result[data-code]`).
#[wasm_bindgen]
pub fn verify_code(text: &str) -> Result<String, JsError> {
    let verifier = verifier::current().ok_or_else(not_ready)?;
    Ok(match verifier.outcome(text, services::browser::now()) {
        state::ScanOutcome::Accepted { .. } => "accepted".to_owned(),
        state::ScanOutcome::Rejected { code, .. } => code,
    })
}

/// Mean milliseconds per verification of `text`, over `iterations` runs,
/// against the trust list the kiosk loaded (SPEC §6: < 1 ms). Throws if the
/// kiosk is not ready yet; poll [`is_ready`] first.
#[wasm_bindgen]
pub fn bench_verify(text: &str, iterations: u32) -> Result<f64, JsError> {
    let verifier = verifier::current().ok_or_else(not_ready)?;
    let now = services::browser::now();
    let iterations = iterations.max(1);
    let start = services::browser::now_ms();
    for _ in 0..iterations {
        std::hint::black_box(verifier.verify(std::hint::black_box(text), now).is_ok());
    }
    let elapsed = services::browser::now_ms() - start;
    Ok(elapsed / f64::from(iterations))
}

/// Milliseconds to load a synthetic room-month of attendance documents and
/// query each day's occupancy, in this browser (SPEC §6: < 50 ms).
///
/// The month comes from the engine's deterministic city-year (`seed`), is
/// written into real day documents and saved to bytes *before* the clock
/// starts; the timed part is what a kiosk or staff screen does when it opens
/// a month: `AutoCommit::load` of every day and `DayView` occupancy. Returns
/// `[milliseconds, groups, milliseconds of AutoCommit::load alone]`.
#[wasm_bindgen]
pub fn bench_room_month(seed: u64, room: u16, year: i32, month: u32) -> Result<Vec<f64>, JsError> {
    use hiroba_engine::attendance::DayView;
    use hiroba_engine::synth;
    let month = hiroba_engine::calendar::YearMonth::new(year, month)
        .map_err(|e| JsError::new(&e.to_string()))?;
    let mut days: std::collections::BTreeMap<_, Vec<_>> = std::collections::BTreeMap::new();
    for visit in synth::room_month(seed, hiroba_engine::ids::RoomId(room), month) {
        days.entry(visit.date).or_default().push(visit);
    }
    let mut saved = Vec::with_capacity(days.len());
    for visits in days.values() {
        let mut doc = automerge::AutoCommit::new();
        synth::write_day(&mut doc, visits).map_err(|e| JsError::new(&e.to_string()))?;
        saved.push(doc.save());
    }
    let groups: usize = days.values().map(Vec::len).sum();
    let now = services::browser::now();
    let start = services::browser::now_ms();
    let mut present = 0;
    for bytes in &saved {
        let doc = automerge::AutoCommit::load(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        present += DayView::load(&doc).occupancy(now).groups;
    }
    let elapsed = services::browser::now_ms() - start;
    std::hint::black_box(present);
    // The automerge part alone, to tell storage cost from the engine's view.
    let start = services::browser::now_ms();
    for bytes in &saved {
        let doc = automerge::AutoCommit::load(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        std::hint::black_box(doc);
    }
    let load_only = services::browser::now_ms() - start;
    Ok(vec![elapsed, groups as f64, load_only])
}

fn not_ready() -> JsError {
    JsError::new("the kiosk has not loaded its trust list yet")
}
