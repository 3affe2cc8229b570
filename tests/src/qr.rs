//! Reading a QR code the way a scanner would: from the picture, not from
//! the text the page was built from.
//!
//! The parent app shows the engine's QR rendering (`SignedPass::qr_svg`,
//! `qrcode`'s SVG renderer) inline. [`rasterise_svg`] turns that markup back
//! into pixels and [`decode`] reads them with `rqrr`, the decoder the kiosk
//! itself uses, so a test can check that the code *drawn* on the phone holds
//! the pass.
//!
//! The rasteriser draws exactly the shapes that renderer writes — an `<svg>`
//! with a `0 0 W H` view box, `<rect>`s, and `<path>`s whose subpaths are
//! axis-aligned rectangles (`M x y h w v h H x V y`), filled with `#rgb` or
//! `#rrggbb` colours — one SVG unit a pixel. Anything else is refused with a
//! reason, so a changed rendering fails the test loudly instead of being
//! read wrongly. CSS is not applied: the markup is what is read.

use crate::y4m::GreyFrame;

/// Reads the QR code drawn by `svg` and returns its text.
pub fn read_svg(svg: &str) -> anyhow::Result<String> {
    decode(&rasterise_svg(svg)?)
}

/// Draws `svg` on white, one SVG unit a pixel, with an extra white margin of
/// a quarter of its size on each side (a quiet zone even if the markup had
/// none; readers need one to find the code).
pub fn rasterise_svg(svg: &str) -> anyhow::Result<GreyFrame> {
    let mut tags = start_tags(svg)?.into_iter();
    let root = tags
        .next()
        .filter(|t| t.name == "svg")
        .ok_or_else(|| anyhow::anyhow!("the markup does not start with <svg>"))?;
    let (width, height) = view_size(&root)?;
    let margin = width.max(height) / 4;
    let mut canvas = Canvas {
        frame: GreyFrame::white(
            to_usize(width + 2 * margin)?,
            to_usize(height + 2 * margin)?,
        ),
        width,
        height,
        margin,
    };
    for tag in tags {
        match tag.name.as_str() {
            "rect" => {
                let x = number(tag.attr("x").unwrap_or("0"))?;
                let y = number(tag.attr("y").unwrap_or("0"))?;
                let w = number(tag.required("width")?)?;
                let h = number(tag.required("height")?)?;
                canvas.fill(x, y, x + w, y + h, grey(tag.attr("fill"))?)?;
            }
            "path" => {
                let shade = grey(tag.attr("fill"))?;
                for (x0, y0, x1, y1) in path_rectangles(tag.required("d")?)? {
                    canvas.fill(x0, y0, x1, y1, shade)?;
                }
            }
            other => anyhow::bail!("the QR code's SVG has an unsupported element <{other}>"),
        }
    }
    Ok(canvas.frame)
}

/// Finds the one QR code in `frame` and returns its text.
pub fn decode(frame: &GreyFrame) -> anyhow::Result<String> {
    anyhow::ensure!(
        frame.pixels.len() == frame.width * frame.height,
        "the frame's pixels are not {}×{}",
        frame.width,
        frame.height
    );
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(frame.width, frame.height, |x, y| {
            frame.pixels[y * frame.width + x]
        });
    let grids = image.detect_grids();
    anyhow::ensure!(
        grids.len() == 1,
        "expected one QR code in the picture, found {}",
        grids.len()
    );
    let (_, text) = grids[0]
        .decode()
        .map_err(|e| anyhow::anyhow!("the QR code does not decode: {e}"))?;
    Ok(text)
}

/// A start tag: its name and attributes in order.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> anyhow::Result<&str> {
        self.attr(name)
            .ok_or_else(|| anyhow::anyhow!("<{}> has no {name}", self.name))
    }
}

/// The start tags of `markup`, skipping end tags, comments and the XML
/// declaration (a browser's `outerHTML` writes `<rect …></rect>`, the
/// renderer `<rect …/>`; both read the same).
fn start_tags(markup: &str) -> anyhow::Result<Vec<Tag>> {
    let mut tags = Vec::new();
    let mut rest = markup;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .ok_or_else(|| anyhow::anyhow!("an unclosed tag in the SVG"))?;
        let inside = &after[..close];
        rest = &after[close + 1..];
        if inside.starts_with(['/', '!', '?']) {
            continue;
        }
        let inside = inside.strip_suffix('/').unwrap_or(inside);
        let name_end = inside
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(inside.len());
        let mut attrs = Vec::new();
        let mut text = inside[name_end..].trim_start();
        while !text.is_empty() {
            let (name, value) = text
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("an attribute without a value in <{inside}>"))?;
            let value = value.trim_start();
            let quote = value
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| anyhow::anyhow!("an unquoted attribute in <{inside}>"))?;
            let (value, after_value) = value[1..]
                .split_once(quote)
                .ok_or_else(|| anyhow::anyhow!("an unterminated attribute in <{inside}>"))?;
            attrs.push((name.trim().to_owned(), value.to_owned()));
            text = after_value.trim_start();
        }
        tags.push(Tag {
            name: inside[..name_end].to_ascii_lowercase(),
            attrs,
        });
    }
    Ok(tags)
}

/// The drawing's size from `viewBox="0 0 W H"`, else `width` and `height`.
fn view_size(svg: &Tag) -> anyhow::Result<(i64, i64)> {
    let (width, height) = match svg.attr("viewBox") {
        Some(view_box) => {
            let parts = view_box
                .split(|c: char| c.is_ascii_whitespace() || c == ',')
                .filter(|p| !p.is_empty())
                .map(number)
                .collect::<anyhow::Result<Vec<_>>>()?;
            match parts[..] {
                [0, 0, w, h] => (w, h),
                _ => anyhow::bail!("a viewBox other than \"0 0 W H\": {view_box:?}"),
            }
        }
        None => (
            number(svg.required("width")?)?,
            number(svg.required("height")?)?,
        ),
    };
    anyhow::ensure!(
        (1..=4096).contains(&width) && (1..=4096).contains(&height),
        "an SVG of {width}×{height} units"
    );
    Ok((width, height))
}

/// A whole number of SVG units; the renderer writes no fractions.
fn number(text: &str) -> anyhow::Result<i64> {
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("not a whole number of units: {text:?}"))
}

fn to_usize(n: i64) -> anyhow::Result<usize> {
    Ok(usize::try_from(n)?)
}

/// The grey level of a fill: `#rgb` or `#rrggbb`, black when absent (as in
/// SVG).
fn grey(fill: Option<&str>) -> anyhow::Result<u8> {
    let Some(fill) = fill else { return Ok(0) };
    let hex = fill
        .trim()
        .strip_prefix('#')
        .filter(|h| h.len() == 3 || h.len() == 6)
        .ok_or_else(|| anyhow::anyhow!("an unsupported fill {fill:?}"))?;
    let channel = |i: usize| -> anyhow::Result<u32> {
        let digits = if hex.len() == 3 {
            hex[i..=i].repeat(2)
        } else {
            hex[2 * i..2 * i + 2].to_owned()
        };
        u32::from_str_radix(&digits, 16)
            .map_err(|_| anyhow::anyhow!("an unsupported fill {fill:?}"))
    };
    // Rec. 601 luma, as a camera's Y plane.
    let luma = (299 * channel(0)? + 587 * channel(1)? + 114 * channel(2)?) / 1000;
    Ok(u8::try_from(luma)?)
}

/// The rectangles (`x0, y0, x1, y1`) a path's subpaths draw. Each subpath
/// must go round the four corners of an axis-aligned rectangle and end
/// where it started; only `M`, `H`, `V`, `h`, `v` and `z` are understood.
fn path_rectangles(d: &str) -> anyhow::Result<Vec<(i64, i64, i64, i64)>> {
    let mut rectangles = Vec::new();
    let mut points: Vec<(i64, i64)> = Vec::new();
    let mut chars = d.char_indices().peekable();
    while let Some((_, command)) = chars.next() {
        if command.is_ascii_whitespace() || command == ',' {
            continue;
        }
        let mut args = Vec::new();
        loop {
            while chars
                .peek()
                .is_some_and(|(_, c)| c.is_ascii_whitespace() || *c == ',')
            {
                chars.next();
            }
            let Some(&(start, first)) = chars.peek() else {
                break;
            };
            if !(first.is_ascii_digit() || first == '-' || first == '+') {
                break;
            }
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                let sign_here = (c == '-' || c == '+') && i == start;
                if !(c.is_ascii_digit() || sign_here || c == '.') {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            args.push(number(&d[start..end])?);
        }
        let current = points.last().copied();
        let next = match (command, &args[..], current) {
            ('M', [x, y], _) => {
                if !points.is_empty() {
                    rectangles.push(rectangle(&points)?);
                }
                points.clear();
                (*x, *y)
            }
            ('H', [x], Some((_, y))) => (*x, y),
            ('V', [y], Some((x, _))) => (x, *y),
            ('h', [dx], Some((x, y))) => (x + dx, y),
            ('v', [dy], Some((x, y))) => (x, y + dy),
            ('z' | 'Z', [], Some(_)) => points[0],
            _ => anyhow::bail!("an unsupported path command {command} {args:?} in the QR code"),
        };
        if !(matches!(command, 'z' | 'Z') && current == Some(next)) {
            points.push(next);
        }
    }
    if !points.is_empty() {
        rectangles.push(rectangle(&points)?);
    }
    Ok(rectangles)
}

/// The rectangle a closed subpath of five points (the start again last)
/// draws, if its four corners are those of one.
fn rectangle(points: &[(i64, i64)]) -> anyhow::Result<(i64, i64, i64, i64)> {
    let refuse = || anyhow::anyhow!("a subpath that is not a rectangle: {points:?}");
    let [a, b, c, d, back] = points else {
        return Err(refuse());
    };
    let xs = [a.0, b.0, c.0, d.0];
    let ys = [a.1, b.1, c.1, d.1];
    let (x0, x1) = (xs.iter().min(), xs.iter().max());
    let (y0, y1) = (ys.iter().min(), ys.iter().max());
    let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) = (x0, x1, y0, y1) else {
        return Err(refuse());
    };
    let mut corners = [*a, *b, *c, *d];
    corners.sort_unstable();
    let expected = [(x0, y0), (x0, y1), (x1, y0), (x1, y1)];
    if back != a || x0 == x1 || y0 == y1 || corners != expected {
        return Err(refuse());
    }
    Ok((x0, y0, x1, y1))
}

/// The picture being drawn, with the drawing's size and the margin around it.
#[derive(Debug)]
struct Canvas {
    frame: GreyFrame,
    width: i64,
    height: i64,
    margin: i64,
}

impl Canvas {
    /// Paints the rectangle from (`x0`, `y0`) to (`x1`, `y1`) in drawing units.
    fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, shade: u8) -> anyhow::Result<()> {
        anyhow::ensure!(
            0 <= x0 && x0 <= x1 && x1 <= self.width && 0 <= y0 && y0 <= y1 && y1 <= self.height,
            "a shape ({x0}, {y0})–({x1}, {y1}) outside the {}×{} drawing",
            self.width,
            self.height
        );
        let stride = self.frame.width;
        let (left, right) = (to_usize(x0 + self.margin)?, to_usize(x1 + self.margin)?);
        for y in y0..y1 {
            let row = to_usize(y + self.margin)? * stride;
            self.frame.pixels[row + left..row + right].fill(shade);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hiroba_engine::calendar::{Timestamp, YearMonth};
    use hiroba_engine::ids::{CityCode, KeyId, PassId, RoomId};
    use hiroba_engine::pass::{PassClaims, PassKind};

    use super::*;

    fn engine_svg() -> anyhow::Result<(String, String)> {
        let claims = PassClaims {
            city: CityCode(121_002),
            pass_id: PassId([9; 8]),
            serial: 1,
            key_id: KeyId(1),
            kind: PassKind::FamilyCard,
            rooms: vec![RoomId(1), RoomId(4)],
            guardians: 2,
            children: vec![YearMonth::new(2023, 5)?],
            valid_from: Timestamp(1_775_000_000),
            valid_until: Timestamp(1_806_000_000),
        };
        let pass = claims.sign(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
        Ok((pass.qr_svg(), pass.to_text()))
    }

    #[test]
    fn the_engine_rendering_reads_back_as_the_pass_text() -> anyhow::Result<()> {
        let (svg, text) = engine_svg()?;
        assert_eq!(read_svg(&svg)?, text);
        // As a browser serialises it inline: no XML declaration, end tags.
        let inline = svg
            .split_once("?>")
            .map_or(svg.as_str(), |(_, s)| s)
            .replace("\"/></svg>", "\"></path></svg>")
            .replace("/>", "></rect>");
        assert_eq!(read_svg(&inline)?, text);
        Ok(())
    }

    #[test]
    fn rectangles_are_drawn_in_order_with_a_margin() -> anyhow::Result<()> {
        let svg = r##"<svg viewBox="0 0 8 4"><rect width="8" height="4" fill="#fff"/><path fill="#000" d="M1 1h2v2H1V1M5 0h1v1h-1z"/></svg>"##;
        let frame = rasterise_svg(svg)?;
        assert_eq!((frame.width, frame.height), (12, 8));
        let dark: Vec<(usize, usize)> = (0..frame.height)
            .flat_map(|y| (0..frame.width).map(move |x| (x, y)))
            .filter(|&(x, y)| frame.pixels[y * frame.width + x] == 0)
            .collect();
        let at = |x: usize, y: usize| (x + 2, y + 2);
        assert_eq!(dark, vec![at(5, 0), at(1, 1), at(2, 1), at(1, 2), at(2, 2)]);
        Ok(())
    }

    #[test]
    fn shapes_the_engine_does_not_draw_are_refused() {
        let cases = [
            r#"<svg viewBox="0 0 8 8"><circle r="2"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path d="M0 0l2 2"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path d="M0 0h2v2"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path d="M0 0h2v2h-1v-2z"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path d="M0 0h2.5v2H0z"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path d="M6 6h4v1H6z"/></svg>"#,
            r#"<svg viewBox="0 0 8 8"><path fill="black" d="M0 0h1v1H0z"/></svg>"#,
            r#"<svg viewBox="1 1 8 8"></svg>"#,
            r#"<rect width="2" height="2"/>"#,
        ];
        for svg in cases {
            assert!(rasterise_svg(svg).is_err(), "{svg}");
        }
    }

    #[test]
    fn a_picture_without_a_code_is_an_error() {
        assert!(decode(&GreyFrame::white(64, 64)).is_err());
    }
}
