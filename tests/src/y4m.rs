//! Fake camera footage: a QR code drawn on white, written as a y4m video
//! that Chromium plays as its camera with
//! `--use-file-for-fake-video-capture=FILE.y4m` (TOOLCHAIN.md, "Camera
//! without a camera").
//!
//! A y4m file is one text header (`YUV4MPEG2 W640 H480 F30:1 Ip A1:1
//! C420jpeg`) then, per frame, `FRAME\n` and the raw I420 planes: the full
//! size luma plane, then two quarter-size chroma planes. A grey picture has
//! neutral chroma (128), so only the luma plane carries the code.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A greyscale picture, one byte a pixel (0 black, 255 white), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyFrame {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl GreyFrame {
    /// A white frame.
    pub fn white(width: usize, height: usize) -> GreyFrame {
        GreyFrame {
            width,
            height,
            pixels: vec![255; width * height],
        }
    }

    /// Draws a square grid of modules (`dark[y * side + x]`, `side`² of
    /// them), `scale` pixels a module, centred, with a white quiet zone of 4
    /// modules around it (the frame's own white background).
    ///
    /// Fails if the code and its quiet zone do not fit the frame.
    pub fn draw_modules(&mut self, dark: &[bool], side: usize, scale: usize) -> anyhow::Result<()> {
        anyhow::ensure!(
            side > 0 && scale > 0 && dark.len() == side * side,
            "{} modules are not a {side}×{side} grid",
            dark.len()
        );
        let outer = (side + 8) * scale;
        anyhow::ensure!(
            outer <= self.width && outer <= self.height,
            "a {side}-module code at {scale} px a module ({outer} px with its quiet zone) \
             does not fit {}×{}",
            self.width,
            self.height
        );
        let left = (self.width - side * scale) / 2;
        let top = (self.height - side * scale) / 2;
        for (i, &is_dark) in dark.iter().enumerate() {
            if !is_dark {
                continue;
            }
            let (mx, my) = (i % side, i / side);
            for y in top + my * scale..top + (my + 1) * scale {
                let row = y * self.width;
                self.pixels[row + left + mx * scale..row + left + (mx + 1) * scale].fill(0);
            }
        }
        Ok(())
    }
}

/// The picture of `text`'s QR code (the engine's pass encoding: alphanumeric
/// mode, ECC M) on a white `width` × `height` frame, as large as fits with
/// its quiet zone.
pub fn qr_frame(text: &str, width: usize, height: usize) -> anyhow::Result<GreyFrame> {
    let code = hiroba_engine::pass::qr::alphanumeric_qr(text)
        .map_err(|e| anyhow::anyhow!("cannot encode the QR code: {e}"))?;
    let side = code.width();
    let dark: Vec<bool> = code
        .to_colors()
        .iter()
        .map(|c| c.select(true, false))
        .collect();
    let scale = width.min(height) / (side + 8);
    let mut frame = GreyFrame::white(width, height);
    frame.draw_modules(&dark, side, scale)?;
    Ok(frame)
}

/// Writes `frame` as a y4m video of `frames` identical frames at 30 fps.
/// Width and height must be even (I420 halves them for chroma).
pub fn write_y4m(out: &mut impl Write, frame: &GreyFrame, frames: usize) -> anyhow::Result<()> {
    let (w, h) = (frame.width, frame.height);
    anyhow::ensure!(
        w > 0 && h > 0 && w % 2 == 0 && h % 2 == 0,
        "y4m 4:2:0 frames need an even width and height, not {w}×{h}"
    );
    anyhow::ensure!(
        frame.pixels.len() == w * h,
        "the frame's pixels are not {w}×{h}"
    );
    writeln!(out, "YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg")?;
    let chroma = vec![128u8; (w / 2) * (h / 2)];
    for _ in 0..frames {
        out.write_all(b"FRAME\n")?;
        out.write_all(&frame.pixels)?;
        out.write_all(&chroma)?;
        out.write_all(&chroma)?;
    }
    Ok(())
}

/// Writes `text`'s QR code as a 640×480 y4m of a few frames into `dir`,
/// and returns the file's path, for Chromium's fake camera.
pub fn write_qr_video(dir: &Path, text: &str) -> anyhow::Result<PathBuf> {
    let frame = qr_frame(text, 640, 480)?;
    let path = dir.join("camera.y4m");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    write_y4m(&mut file, &frame, 10)?;
    file.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_then_one_i420_picture_per_frame() -> anyhow::Result<()> {
        let mut frame = GreyFrame::white(4, 2);
        frame.pixels[1] = 0;
        let mut out = Vec::new();
        write_y4m(&mut out, &frame, 2)?;
        let header = b"YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C420jpeg\n";
        let mut expected = header.to_vec();
        for _ in 0..2 {
            expected.extend_from_slice(b"FRAME\n");
            expected.extend_from_slice(&[255, 0, 255, 255, 255, 255, 255, 255]);
            expected.extend_from_slice(&[128, 128, 128, 128]);
        }
        assert_eq!(out, expected);
        Ok(())
    }

    #[test]
    fn odd_or_inconsistent_frames_are_refused() {
        let cases = [
            GreyFrame::white(3, 2),
            GreyFrame::white(4, 3),
            GreyFrame::white(0, 0),
            GreyFrame {
                width: 4,
                height: 2,
                pixels: vec![255; 7],
            },
        ];
        for frame in cases {
            assert!(write_y4m(&mut Vec::new(), &frame, 1).is_err(), "{frame:?}");
        }
    }

    #[test]
    fn the_code_is_centred_with_a_white_quiet_zone() -> anyhow::Result<()> {
        let frame = qr_frame("HB1TEST0123456789", 640, 480)?;
        assert_eq!(frame.pixels.len(), 640 * 480);
        let code = hiroba_engine::pass::qr::alphanumeric_qr("HB1TEST0123456789")
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let scale = 480 / (code.width() + 8);
        let size = code.width() * scale;
        let (left, top) = ((640 - size) / 2, (480 - size) / 2);
        // Every pixel outside the code is white.
        for y in 0..480 {
            for x in 0..640 {
                let inside = (left..left + size).contains(&x) && (top..top + size).contains(&y);
                if !inside {
                    assert_eq!(frame.pixels[y * 640 + x], 255, "({x}, {y})");
                }
            }
        }
        // The top-left finder pattern: dark corner module, light ring inside.
        assert_eq!(frame.pixels[top * 640 + left], 0);
        assert_eq!(frame.pixels[(top + scale) * 640 + left + scale], 255);
        assert_eq!(frame.pixels[(top + 3 * scale) * 640 + left + 3 * scale], 0);
        Ok(())
    }

    #[test]
    fn too_large_a_code_is_refused() {
        let mut frame = GreyFrame::white(40, 40);
        assert!(frame.draw_modules(&[true; 21 * 21], 21, 2).is_err());
        assert!(frame.draw_modules(&[true; 3], 21, 1).is_err());
    }

    #[test]
    fn a_video_file_has_the_expected_size() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = write_qr_video(dir.path(), "HB1TEST")?;
        let header = "YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n".len();
        let frame = "FRAME\n".len() + 640 * 480 * 3 / 2;
        assert_eq!(std::fs::metadata(path)?.len(), (header + 10 * frame) as u64);
        Ok(())
    }
}
