//! Camera scanning, the parts that decide: turning a camera frame into QR
//! text, which frames to grab, when a decoded text counts as a new scan, and
//! how a camera problem is worded for a person. Pure, so every rule here is
//! tested natively; the browser calls live in `services::camera` and the
//! screen in `components::camera`.
//!
//! The decoder runs in a Web Worker (`static/qr-worker.js`), which loads this
//! same wasm module and calls [`crate::decode_qr_frame`], so a slow frame
//! never delays a keystroke or a tap on the main thread.

/// Frames narrower or shorter than a version 1 QR code cannot hold one.
pub const MIN_FRAME_SIDE: u32 = 21;
/// The decoder refuses frames larger than this a side: its work grows with
/// the pixel count, and the kiosk itself never sends more than
/// [`GRAB_MAX_WIDTH`] wide.
pub const MAX_FRAME_SIDE: u32 = 1920;
/// A frame holds at most this many candidate codes worth decoding; a busy
/// picture with many finder-like patterns costs no more than that.
pub const MAX_GRIDS: usize = 4;
/// Grabbed frames are scaled down to this width: enough for a phone screen
/// or card held at the counter, and ~30 ms to decode in wasm (TOOLCHAIN.md).
pub const GRAB_MAX_WIDTH: u32 = 640;
/// How often a frame is grabbed. Only one frame is ever in the worker, so a
/// slow decode skips frames instead of queueing them.
pub const GRAB_PERIOD_MS: i32 = 200;
/// The same text decoded again within this long after it was last seen is
/// the same scan (a pass held up to the camera is in every frame).
pub const REPEAT_WINDOW_MS: f64 = 3_000.0;

/// Decodes the first readable QR code in a greyscale frame (`width` ×
/// `height` bytes, one per pixel, row by row).
///
/// Bounded and total: a frame whose size does not match its dimensions, or
/// whose dimensions are out of range, is `None` before any work is done; at
/// most [`MAX_GRIDS`] candidates are decoded; a code that is not UTF-8 text
/// is skipped.
pub fn decode_frame(pixels: &[u8], width: u32, height: u32) -> Option<String> {
    let range = MIN_FRAME_SIDE..=MAX_FRAME_SIDE;
    if !range.contains(&width) || !range.contains(&height) {
        return None;
    }
    let (w, h) = (width as usize, height as usize);
    if pixels.len() != w.checked_mul(h)? {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        // In range by the length check above; `get` keeps it panic-free anyway.
        pixels.get(y * w + x).copied().unwrap_or(255)
    });
    image
        .detect_grids()
        .iter()
        .take(MAX_GRIDS)
        .find_map(|grid| grid.decode().ok())
        .map(|(_, text)| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// Converts RGBA pixels (a canvas's `ImageData`) to one luma byte a pixel
/// (ITU-R BT.601 weights, in integers). A trailing partial pixel is ignored.
pub fn rgba_to_grey(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            let luma = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
            // At most 255_000 / 1000 = 255, so the cast never truncates.
            (luma / 1000) as u8
        })
        .collect()
}

/// The size a `video_width` × `video_height` camera frame is grabbed at:
/// scaled down (never up) to at most `max_width` wide, aspect kept. `None`
/// while the video has no frame yet, or when the result would be too small
/// to hold a code.
pub fn grab_size(video_width: u32, video_height: u32, max_width: u32) -> Option<(u32, u32)> {
    if video_width == 0 || video_height == 0 {
        return None;
    }
    let (w, h) = if video_width > max_width {
        let h = u64::from(video_height) * u64::from(max_width) / u64::from(video_width);
        (max_width, u32::try_from(h).ok()?)
    } else {
        (video_width, video_height)
    };
    (w >= MIN_FRAME_SIDE && h >= MIN_FRAME_SIDE).then_some((w, h))
}

/// Passes on a decoded text only when it is not the text seen within the
/// last [`REPEAT_WINDOW_MS`].
///
/// The window runs from the *last sighting*, so a pass left in front of the
/// camera scans once, however long it stays; taken away for a few seconds
/// and shown again, it scans again (the check-out, say).
#[derive(Debug, Default)]
pub struct RepeatFilter {
    last: Option<(String, f64)>,
}

impl RepeatFilter {
    /// Records a sighting of `text` at `now_ms`; true when it is a new scan.
    pub fn is_new(&mut self, text: &str, now_ms: f64) -> bool {
        let repeat = self
            .last
            .as_ref()
            .is_some_and(|(last, at)| last == text && now_ms - at < REPEAT_WINDOW_MS);
        self.last = Some((text.to_owned(), now_ms));
        !repeat
    }
}

/// Why the camera shows no picture, worded for the person at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraProblem {
    /// The browser or the person refused camera access.
    Denied,
    /// There is no camera (or none the browser may use).
    Missing,
    /// Another app is using the camera, or it failed to start.
    Busy,
    /// This browser or page cannot use a camera (no `mediaDevices`: an
    /// old browser or a page not served over https/localhost).
    Unsupported,
    /// The decoder (its worker) could not start.
    DecoderFailed,
}

impl CameraProblem {
    /// The problem for a `getUserMedia` rejection's `DOMException` name.
    pub fn from_error_name(name: &str) -> CameraProblem {
        match name {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => CameraProblem::Denied,
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                CameraProblem::Missing
            }
            "TypeError" => CameraProblem::Unsupported,
            _ => CameraProblem::Busy,
        }
    }

    /// The `data-camera-state` value, for tests and styling.
    pub fn code(self) -> &'static str {
        match self {
            CameraProblem::Denied => "denied",
            CameraProblem::Missing => "missing",
            CameraProblem::Busy => "busy",
            CameraProblem::Unsupported => "unsupported",
            CameraProblem::DecoderFailed => "decoder-failed",
        }
    }

    pub fn message_ja(self) -> &'static str {
        match self {
            CameraProblem::Denied => {
                "カメラの使用が許可されていません。ブラウザの設定でこのページにカメラを許可してください。バーコードリーダーと入力欄はそのまま使えます。"
            }
            CameraProblem::Missing => {
                "カメラが見つかりません。カメラのある端末で使うか、バーコードリーダーをお使いください。"
            }
            CameraProblem::Busy => {
                "カメラを起動できませんでした。ほかのアプリがカメラを使っていないか確認し、カメラをいったん切ってから入れ直してください。"
            }
            CameraProblem::Unsupported => {
                "このブラウザではカメラを使えません（https で開いているか確認してください）。バーコードリーダーをお使いください。"
            }
            CameraProblem::DecoderFailed => {
                "カメラの読み取り機能を起動できませんでした。画面を再読み込みしてください。"
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            CameraProblem::Denied => {
                "Camera access is not allowed. Allow the camera for this page in the browser's settings. The barcode reader and the field still work."
            }
            CameraProblem::Missing => {
                "No camera was found. Use a device with a camera, or the barcode reader."
            }
            CameraProblem::Busy => {
                "The camera could not start. Check that no other app is using it, then turn the camera off and on again."
            }
            CameraProblem::Unsupported => {
                "This browser cannot use a camera here (check that the page is opened over https). Please use the barcode reader."
            }
            CameraProblem::DecoderFailed => {
                "The camera's code reader could not start. Please reload the page."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `side`-pixel greyscale image of `text`'s QR code, `scale` pixels a
    /// module, with a 4-module quiet zone, centred on white.
    fn qr_image(text: &str, side: u32, scale: u32) -> Vec<u8> {
        let code = hiroba_engine::pass::qr::alphanumeric_qr(text).expect("encodable");
        let modules = code.width() as u32;
        let colors = code.to_colors();
        let offset = (side - (modules + 8) * scale) / 2 + 4 * scale;
        let mut pixels = vec![255u8; (side * side) as usize];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (
                    (x as i64 - offset as i64).div_euclid(scale as i64),
                    (y as i64 - offset as i64).div_euclid(scale as i64),
                );
                if (0..modules as i64).contains(&mx) && (0..modules as i64).contains(&my) {
                    let dark = colors[(my as u32 * modules + mx as u32) as usize].select(0, 255);
                    pixels[(y * side + x) as usize] = dark;
                }
            }
        }
        pixels
    }

    #[test]
    fn a_rendered_code_decodes_to_its_text() {
        let text = "HB1ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let pixels = qr_image(text, 240, 4);
        assert_eq!(decode_frame(&pixels, 240, 240).as_deref(), Some(text));
    }

    #[test]
    fn frames_without_a_code_or_with_wrong_sizes_are_nothing() {
        let cases: [(&str, Vec<u8>, u32, u32); 7] = [
            ("white", vec![255; 64 * 64], 64, 64),
            ("black", vec![0; 64 * 64], 64, 64),
            (
                "stripes",
                (0..64 * 64).map(|i| (i % 7 * 40) as u8).collect(),
                64,
                64,
            ),
            ("short buffer", vec![255; 10], 64, 64),
            ("long buffer", vec![255; 64 * 64 + 1], 64, 64),
            ("too small", vec![255; 20 * 20], 20, 20),
            ("too large", vec![255; 8], MAX_FRAME_SIDE + 1, 2),
        ];
        for (what, pixels, w, h) in cases {
            assert_eq!(decode_frame(&pixels, w, h), None, "{what}");
        }
        assert_eq!(decode_frame(&[], 0, 0), None);
        assert_eq!(decode_frame(&[], u32::MAX, u32::MAX), None);
    }

    #[test]
    fn noise_never_panics() {
        // A cheap deterministic generator: any byte pattern must be safe.
        let mut seed = 0x2545_f491_u32;
        for round in 0..20 {
            let pixels: Vec<u8> = (0..96 * 72)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    if round % 2 == 0 {
                        (seed & 1) as u8 * 255
                    } else {
                        seed as u8
                    }
                })
                .collect();
            let _ = decode_frame(&pixels, 96, 72);
        }
    }

    #[test]
    fn grey_uses_luma_weights() {
        let rgba = [
            255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 0, 9,
        ];
        assert_eq!(rgba_to_grey(&rgba), vec![255, 0, 76, 149]);
    }

    #[test]
    fn grab_size_scales_down_only() {
        let cases = [
            ((1280, 720), Some((640, 360))),
            ((640, 480), Some((640, 480))),
            ((320, 240), Some((320, 240))),
            ((0, 480), None),
            ((640, 0), None),
            ((6400, 100), None),
        ];
        for ((w, h), expected) in cases {
            assert_eq!(grab_size(w, h, GRAB_MAX_WIDTH), expected, "{w}x{h}");
        }
    }

    #[test]
    fn the_same_text_held_up_scans_once() {
        let mut filter = RepeatFilter::default();
        assert!(filter.is_new("A", 0.0));
        // Still in front of the camera, frame after frame.
        for t in 1..=20 {
            assert!(!filter.is_new("A", f64::from(t) * 200.0));
        }
        // Another code is a new scan at once, and so is the first again.
        assert!(filter.is_new("B", 4_100.0));
        assert!(filter.is_new("A", 4_200.0));
        // Away for longer than the window, then shown again.
        assert!(filter.is_new("A", 4_200.0 + REPEAT_WINDOW_MS));
    }

    #[test]
    fn camera_errors_are_worded_per_cause() {
        let cases = [
            ("NotAllowedError", CameraProblem::Denied),
            ("SecurityError", CameraProblem::Denied),
            ("NotFoundError", CameraProblem::Missing),
            ("OverconstrainedError", CameraProblem::Missing),
            ("NotReadableError", CameraProblem::Busy),
            ("AbortError", CameraProblem::Busy),
            ("TypeError", CameraProblem::Unsupported),
        ];
        for (name, problem) in cases {
            assert_eq!(CameraProblem::from_error_name(name), problem, "{name}");
            assert!(!problem.message_ja().is_empty() && !problem.message_en().is_empty());
        }
    }
}
