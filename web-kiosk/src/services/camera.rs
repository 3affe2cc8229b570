//! The browser calls of camera scanning: opening the camera, grabbing a
//! greyscale frame from the preview `<video>`, and the decoder worker
//! (`static/qr-worker.js`). What to do with the results is decided in
//! `crate::camera`; the component wires the two together.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, MediaStreamTrack, MessageEvent, Worker, WorkerOptions, WorkerType,
};

use crate::camera::{CameraProblem, GRAB_MAX_WIDTH, grab_size, rgba_to_grey};

/// The decoder worker, copied beside `index.html` by `cargo xtask build`.
/// Relative to the page, so it works wherever the kiosk is served from
/// (`/kiosk/` on the relay).
pub const WORKER_URL: &str = "./qr-worker.js";

/// `HTMLMediaElement.HAVE_CURRENT_DATA`: the video has a frame to draw.
const HAVE_CURRENT_DATA: u16 = 2;

/// Asks for the camera, the rear one when there are several (a tablet's
/// front camera faces the staff, not the family's phone).
pub async fn open_camera() -> Result<MediaStream, CameraProblem> {
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        // Outside a secure context `navigator.mediaDevices` is undefined.
        .filter(|d| !d.is_undefined())
        .ok_or(CameraProblem::Unsupported)?;
    let constraints = camera_constraints().map_err(|_| CameraProblem::Unsupported)?;
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| CameraProblem::from_error_name(&error_name(&e)))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| CameraProblem::from_error_name(&error_name(&e)))?;
    stream
        .dyn_into::<MediaStream>()
        .map_err(|_| CameraProblem::Busy)
}

/// `{ audio: false, video: { facingMode: { ideal: "environment" },
/// width: { ideal: 640 }, height: { ideal: 480 } } }`. "ideal" rather than
/// "exact": a tablet with only a front camera (or a webcam) still works.
fn camera_constraints() -> Result<MediaStreamConstraints, JsValue> {
    let ideal = |value: JsValue| -> Result<JsValue, JsValue> {
        let o = Object::new();
        Reflect::set(&o, &"ideal".into(), &value)?;
        Ok(o.into())
    };
    let video = Object::new();
    Reflect::set(&video, &"facingMode".into(), &ideal("environment".into())?)?;
    Reflect::set(&video, &"width".into(), &ideal(640.into())?)?;
    Reflect::set(&video, &"height".into(), &ideal(480.into())?)?;
    let constraints = Object::new();
    Reflect::set(&constraints, &"audio".into(), &false.into())?;
    Reflect::set(&constraints, &"video".into(), &video)?;
    Ok(constraints.unchecked_into())
}

/// The `name` of a thrown `DOMException` or `Error` (`NotAllowedError`…).
fn error_name(error: &JsValue) -> String {
    Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// Shows `stream` in `video` and starts playing it (muted, inline: iOS and
/// autoplay rules need both).
pub fn show_stream(video: &HtmlVideoElement, stream: &MediaStream) {
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    video.set_src_object(Some(stream));
    // The promise only rejects when playing is interrupted, e.g. by turning
    // the camera off at once; there is nothing to do then.
    let _ = video.play();
}

/// Stops every track of `stream`, which turns the camera (and its light) off.
pub fn stop_stream(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// One greyscale camera frame, one byte a pixel.
#[derive(Debug)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub grey: Vec<u8>,
}

/// The preview's current picture, scaled to at most
/// [`GRAB_MAX_WIDTH`] wide through `canvas`, as greyscale. `None` while the
/// video has no frame yet.
pub fn grab_frame(video: &HtmlVideoElement, canvas: &HtmlCanvasElement) -> Option<Frame> {
    if video.ready_state() < HAVE_CURRENT_DATA {
        return None;
    }
    let (width, height) = grab_size(video.video_width(), video.video_height(), GRAB_MAX_WIDTH)?;
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    let context = context_2d(canvas)?;
    let (w, h) = (f64::from(width), f64::from(height));
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h)
        .ok()?;
    let data = context.get_image_data(0.0, 0.0, w, h).ok()?;
    Some(Frame {
        width,
        height,
        grey: rgba_to_grey(&data.data()),
    })
}

/// The canvas's 2D context, asking for one tuned for `getImageData` every
/// frame (`willReadFrequently` keeps the pixels in memory, not on a GPU).
fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    let options = Object::new();
    Reflect::set(&options, &"willReadFrequently".into(), &true.into()).ok()?;
    canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()
}

/// What the decoder worker answered.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerReply {
    /// A frame was decoded: its text, if it held a code, and how long the
    /// decoder took in milliseconds.
    Decoded { text: Option<String>, ms: f64 },
    /// The decoder threw (or could not load its wasm); the worker must be
    /// replaced, its wasm instance may be unusable.
    Crashed,
    /// The worker script itself could not be loaded or run.
    Unavailable,
}

/// The decoder worker; terminated when dropped.
#[derive(Debug)]
pub struct DecoderWorker {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl DecoderWorker {
    /// Starts the module worker at [`WORKER_URL`]; `on_reply` hears every
    /// answer. `None` when this browser cannot start module workers.
    pub fn start(on_reply: impl Fn(WorkerReply) + 'static) -> Option<DecoderWorker> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(WORKER_URL, &options).ok()?;
        let on_reply = std::rc::Rc::new(on_reply);
        let on_message = {
            let on_reply = on_reply.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                on_reply(parse_reply(&e.data()));
            })
        };
        let on_error =
            Closure::<dyn FnMut(JsValue)>::new(move |_| on_reply(WorkerReply::Unavailable));
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(DecoderWorker {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Hands `frame` to the worker, moving (not copying) its pixel buffer.
    /// False if the browser refused the message.
    pub fn post(&self, frame: &Frame) -> bool {
        let pixels = Uint8Array::from(frame.grey.as_slice());
        let message = Object::new();
        let fields = [
            ("width", JsValue::from(frame.width)),
            ("height", JsValue::from(frame.height)),
            ("pixels", pixels.buffer().into()),
        ];
        for (key, value) in fields {
            if Reflect::set(&message, &key.into(), &value).is_err() {
                return false;
            }
        }
        let transfer = Array::of1(&pixels.buffer());
        self.worker
            .post_message_with_transfer(&message, &transfer)
            .is_ok()
    }
}

impl Drop for DecoderWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// `{ text: string | null, ms: number }` or `{ failed: string }`.
fn parse_reply(data: &JsValue) -> WorkerReply {
    let field = |key: &str| Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED);
    if !field("failed").is_undefined() {
        return WorkerReply::Crashed;
    }
    WorkerReply::Decoded {
        text: field("text").as_string(),
        ms: field("ms").as_f64().unwrap_or(0.0),
    }
}
