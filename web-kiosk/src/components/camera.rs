//! The camera scanner: a small live preview of the tablet's (rear) camera.
//! A few times a second the current picture goes, as greyscale, to the
//! decoder worker; a decoded code is reported through `on_scan`, the same
//! path a keyboard-wedge scan takes. The camera is turned off (its tracks
//! stopped) as soon as the scanner is disabled or leaves the screen.
//!
//! DOM contract for tests: `#camera[data-camera-state=starting|live|denied|
//! missing|busy|unsupported|decoder-failed]`, `data-decode-ms` with the
//! worker's time for the last decoded frame and `data-frames` counting the
//! frames decoded (for the browser benchmark).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use web_sys::{Element, HtmlCanvasElement, HtmlVideoElement, MediaStream};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::camera::{CameraProblem, GRAB_PERIOD_MS, RepeatFilter};
use crate::services::browser::{Interval, now_ms};
use crate::services::camera::{
    DecoderWorker, WorkerReply, grab_frame, open_camera, show_stream, stop_stream,
};
use crate::state::Lang;

/// A worker that has not answered for this long is replaced.
const STUCK_MS: f64 = 5_000.0;
/// A decoder that keeps crashing is given up after this many restarts.
const MAX_RESTARTS: u32 = 5;

#[derive(Properties, PartialEq, Debug)]
pub struct CameraScannerProps {
    pub enabled: bool,
    pub on_scan: Callback<String>,
    pub lang: Lang,
}

/// What the preview area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CameraView {
    Starting,
    Live,
    Problem(CameraProblem),
}

impl CameraView {
    fn code(self) -> &'static str {
        match self {
            CameraView::Starting => "starting",
            CameraView::Live => "live",
            CameraView::Problem(p) => p.code(),
        }
    }
}

#[function_component(CameraScanner)]
pub fn camera_scanner(props: &CameraScannerProps) -> Html {
    let root = use_node_ref();
    let video = use_node_ref();
    let canvas = use_node_ref();
    let view = use_state_eq(|| CameraView::Starting);
    // The newest callback, for a session that outlives the render it began in.
    let on_scan = use_mut_ref(|| props.on_scan.clone());
    *on_scan.borrow_mut() = props.on_scan.clone();

    {
        let refs = Refs {
            root: root.clone(),
            video: video.clone(),
            canvas: canvas.clone(),
        };
        let view = view.clone();
        use_effect_with(props.enabled, move |enabled| {
            let session = enabled.then(|| {
                view.set(CameraView::Starting);
                let set_view = Callback::from(move |v| view.set(v));
                Session::start(refs, set_view, on_scan)
            });
            move || drop(session)
        });
    }

    if !props.enabled {
        return Html::default();
    }
    let lang = props.lang;
    let message = match *view {
        CameraView::Starting => lang.pick("カメラを起動しています…", "Starting the camera…"),
        CameraView::Live => lang.pick(
            "QRコードをカメラに向けてください",
            "Hold the QR code up to the camera",
        ),
        CameraView::Problem(p) => lang.pick(p.message_ja(), p.message_en()),
    };
    let problem = matches!(*view, CameraView::Problem(_));
    html! {
        <section id="camera" ref={root} class={classes!("camera", problem.then_some("camera-problem"))}
            data-camera-state={view.code()}
            aria-label={lang.pick("カメラで読み取り", "Camera scanning")}>
            <video ref={video} class="camera-preview" autoplay=true playsinline=true aria-hidden="true" />
            <canvas ref={canvas} hidden=true />
            <p id="camera-message" class="camera-message" role={if problem { "alert" } else { "status" }}>
                { message }
            </p>
        </section>
    }
}

/// The elements a session draws from and reports to.
#[derive(Clone)]
struct Refs {
    root: NodeRef,
    video: NodeRef,
    canvas: NodeRef,
}

/// One stretch of the camera being on; turning it off drops it.
struct Session {
    /// The only strong reference: dropping the session ends the camera,
    /// the worker and the timer (which hold weak ones).
    _shared: Rc<RefCell<Shared>>,
    _ticker: Option<Interval>,
}

/// What the timer, the worker's answers and the camera's start share.
struct Shared {
    refs: Refs,
    set_view: Callback<CameraView>,
    on_scan: Rc<RefCell<Callback<String>>>,
    stream: Option<MediaStream>,
    worker: Option<DecoderWorker>,
    /// When the frame now in the worker was sent: at most one at a time.
    in_flight_since: Option<f64>,
    restart_worker: bool,
    restarts: u32,
    repeats: RepeatFilter,
    /// Frames the worker has answered for, shown as `data-frames`.
    frames: u32,
}

impl Session {
    fn start(
        refs: Refs,
        set_view: Callback<CameraView>,
        on_scan: Rc<RefCell<Callback<String>>>,
    ) -> Session {
        let shared = Rc::new(RefCell::new(Shared {
            refs,
            set_view: set_view.clone(),
            on_scan,
            stream: None,
            worker: None,
            in_flight_since: None,
            restart_worker: false,
            restarts: 0,
            repeats: RepeatFilter::default(),
            frames: 0,
        }));
        let weak = Rc::downgrade(&shared);
        let worker = start_worker(weak.clone());
        if worker.is_none() {
            set_view.emit(CameraView::Problem(CameraProblem::DecoderFailed));
            return Session {
                _shared: shared,
                _ticker: None,
            };
        }
        shared.borrow_mut().worker = worker;

        {
            let weak = weak.clone();
            spawn_local(async move {
                let opened = open_camera().await;
                let Some(shared) = weak.upgrade() else {
                    // Turned off while the browser was asking: let go at once.
                    if let Ok(stream) = &opened {
                        stop_stream(stream);
                    }
                    return;
                };
                match opened {
                    Ok(stream) => {
                        let mut shared = shared.borrow_mut();
                        if let Some(video) = shared.refs.video.cast::<HtmlVideoElement>() {
                            show_stream(&video, &stream);
                        }
                        shared.stream = Some(stream);
                        set_view.emit(CameraView::Live);
                    }
                    Err(problem) => set_view.emit(CameraView::Problem(problem)),
                }
            });
        }

        let ticker = Interval::new(GRAB_PERIOD_MS, move || tick(&weak));
        Session {
            _shared: shared,
            _ticker: ticker,
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            stop_stream(&stream);
        }
        if let Some(video) = self.refs.video.cast::<HtmlVideoElement>() {
            video.set_src_object(None);
        }
    }
}

/// Starts a decoder worker whose answers go to the session behind `weak`.
fn start_worker(weak: Weak<RefCell<Shared>>) -> Option<DecoderWorker> {
    DecoderWorker::start(move |reply| {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        // Decide with the session borrowed, act after letting it go: the
        // scan's callback re-renders the app, which may end this session.
        let scanned = {
            let mut shared = shared.borrow_mut();
            shared.in_flight_since = None;
            match reply {
                WorkerReply::Decoded { text, ms } => {
                    shared.frames = shared.frames.wrapping_add(1);
                    if let Some(root) = shared.refs.root.cast::<Element>() {
                        let _ = root.set_attribute("data-decode-ms", &format!("{ms:.1}"));
                        let _ = root.set_attribute("data-frames", &shared.frames.to_string());
                    }
                    let now = now_ms();
                    text.filter(|t| shared.repeats.is_new(t, now))
                        .map(|t| (shared.on_scan.borrow().clone(), t))
                }
                // Replaced on the next tick, not here: this closure belongs
                // to the worker being replaced.
                WorkerReply::Crashed | WorkerReply::Unavailable => {
                    shared.restart_worker = true;
                    None
                }
            }
        };
        if let Some((on_scan, text)) = scanned {
            on_scan.emit(text);
        }
    })
}

/// Every [`GRAB_PERIOD_MS`]: replace a crashed or stuck worker, then send the
/// current picture unless a frame is still being decoded.
fn tick(weak: &Weak<RefCell<Shared>>) {
    let Some(shared_rc) = weak.upgrade() else {
        return;
    };
    let mut shared = shared_rc.borrow_mut();
    let now = now_ms();
    let stuck = shared
        .in_flight_since
        .is_some_and(|sent| now - sent > STUCK_MS);
    if shared.restart_worker || stuck {
        shared.restart_worker = false;
        shared.in_flight_since = None;
        shared.restarts += 1;
        if shared.restarts > MAX_RESTARTS {
            shared.worker = None;
            shared
                .set_view
                .emit(CameraView::Problem(CameraProblem::DecoderFailed));
        } else {
            shared.worker = start_worker(weak.clone());
        }
    }
    if shared.in_flight_since.is_some() || shared.stream.is_none() {
        return;
    }
    let (Some(video), Some(canvas)) = (
        shared.refs.video.cast::<HtmlVideoElement>(),
        shared.refs.canvas.cast::<HtmlCanvasElement>(),
    ) else {
        return;
    };
    let Some(frame) = grab_frame(&video, &canvas) else {
        return;
    };
    if shared.worker.as_ref().is_some_and(|w| w.post(&frame)) {
        shared.in_flight_since = Some(now);
    }
}
