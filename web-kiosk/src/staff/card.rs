//! The printed card (SPEC §3.4) as a whole HTML document, printed from a
//! frame so its own `@page` size applies: on A4 (cut out along the dashed
//! line) or on an ID-1 card sheet (85.6 × 54 mm).
//!
//! The card carries what SPEC §5 allows and nothing more: the QR code (no
//! personal data inside), the short code staff type when a QR is worn, the
//! kind of card, the rooms it is valid for and its expiry. No names: a
//! lost card tells the finder nothing about the family.

use hiroba_engine::calendar::Timestamp;

/// The paper a card is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardPaper {
    /// An A4 sheet; the card is drawn at its real size with a cut line.
    A4,
    /// A card-sized sheet (ID-1, 85.6 × 54 mm), edge to edge.
    Card,
}

/// What goes on a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFacts<'a> {
    /// `AppPass`, `FamilyCard` or `ChildCard` (the relay's `kind`).
    pub kind: &'a str,
    /// The pass's QR code as SVG, from the relay.
    pub qr_svg: &'a str,
    /// `7KQM-3XWD`.
    pub short_code: &'a str,
    /// The rooms' names.
    pub rooms: Vec<String>,
    /// The city's name.
    pub city: &'a str,
    /// Unix seconds.
    pub valid_until: i64,
}

/// The Japanese and English name of a kind of pass.
pub fn kind_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "FamilyCard" => ("家族カード", "Family card"),
        "ChildCard" => ("こどもカード", "Child card"),
        _ => ("利用パス", "Pass"),
    }
}

/// Text made safe to put between HTML tags or in an attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CARD_CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; font-family: "Hiragino Sans", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", "Meiryo", sans-serif; color: #000; background: #fff; }
.card { width: 85.6mm; height: 54mm; padding: 3mm; display: flex; gap: 3mm; overflow: hidden; }
.qr { width: 44mm; height: 44mm; flex: none; align-self: center; }
.qr svg { width: 44mm; height: 44mm; display: block; }
.text { flex: 1; min-width: 0; display: flex; flex-direction: column; font-size: 7.5pt; line-height: 1.3; }
.city { font-size: 7pt; }
.kind { font-size: 11pt; font-weight: 700; margin: 0.5mm 0; }
.code { font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: 12pt; font-weight: 700; letter-spacing: 0.5pt; margin: 1mm 0; }
.rooms { margin: 0; padding: 0; list-style: none; }
.foot { margin-top: auto; font-size: 6pt; }
.sheet-note { font-size: 10pt; margin: 0 0 6mm; }
.cut { border: 0.3mm dashed #555; display: inline-block; }
"#;

/// The card as an HTML document for `paper`.
pub fn card_html(facts: &CardFacts<'_>, paper: CardPaper) -> String {
    let (kind_ja, kind_en) = kind_label(facts.kind);
    let rooms: String = facts
        .rooms
        .iter()
        .map(|r| format!("<li>{}</li>", escape(r)))
        .collect();
    let until = Timestamp(facts.valid_until).jst_date();
    let card = format!(
        r#"<div class="card"><div class="qr">{qr}</div><div class="text"><div class="city">{city}</div><div class="kind">{kind_ja}<br><span lang="en">{kind_en}</span></div><div class="code" aria-label="short code">{code}</div><ul class="rooms">{rooms}</ul><div class="foot">有効期限 {until}<br>拾われた方はお近くのこどもルームへお届けください。</div></div></div>"#,
        qr = facts.qr_svg,
        city = escape(facts.city),
        code = escape(facts.short_code),
    );
    let (page, body) = match paper {
        CardPaper::A4 => (
            "@page { size: A4 portrait; margin: 15mm; }",
            format!(
                r#"<p class="sheet-note">点線に沿って切り取り、ラミネートしてお使いください。 / Cut along the dashed line.</p><div class="cut">{card}</div>"#
            ),
        ),
        CardPaper::Card => ("@page { size: 85.6mm 54mm; margin: 0; }", card),
    };
    format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{kind_ja} {code}</title><style>{CARD_CSS}{page}
@media print {{ .sheet-note {{ color: #000; }} }}</style></head><body>{body}</body></html>"#,
        code = escape(facts.short_code),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CardFacts<'static> {
        CardFacts {
            kind: "ChildCard",
            qr_svg: "<svg id=\"qr\"></svg>",
            short_code: "7KQM-3XWD",
            rooms: vec!["中央こどもルーム".to_owned(), "<b>東</b>".to_owned()],
            city: "ひろば市",
            valid_until: 1_889_608_000,
        }
    }

    #[test]
    fn a_card_has_the_qr_code_short_code_and_rooms() {
        let html = card_html(&facts(), CardPaper::Card);
        assert!(html.contains("<svg id=\"qr\"></svg>"));
        assert!(html.contains("7KQM-3XWD"));
        assert!(html.contains("中央こどもルーム"));
        assert!(html.contains("こどもカード"));
        assert!(html.contains("size: 85.6mm 54mm"));
        assert!(
            html.contains("&lt;b&gt;東&lt;/b&gt;"),
            "room names are escaped"
        );
        assert!(!html.contains("sheet-note\">"));
    }

    #[test]
    fn on_a4_the_card_has_a_cut_line() {
        let html = card_html(&facts(), CardPaper::A4);
        assert!(html.contains("size: A4"));
        assert!(html.contains("class=\"cut\""));
        assert!(html.contains("7KQM-3XWD"));
    }

    #[test]
    fn kinds_have_names_in_both_languages() {
        assert_eq!(kind_label("FamilyCard"), ("家族カード", "Family card"));
        assert_eq!(kind_label("AppPass").1, "Pass");
        assert_eq!(escape("a&'\""), "a&amp;&#39;&quot;");
    }
}
