//! CSV export of report tables, shaped for Excel.
//!
//! Excel opens a UTF-8 CSV as Japanese text only when it starts with a
//! byte-order mark, and expects CRLF line ends; every table here has both.
//! All reports share one column layout after two leading label columns, so a
//! spreadsheet built on one report works on the others.

use super::Tally;
use crate::attendance::Source;
use crate::calendar::AgeBracket;

/// The byte-order mark Excel needs to read UTF-8.
const BOM: char = '\u{feff}';

/// A table: `labels` name the two leading columns; each row gives their
/// values and the tally for the rest.
pub(super) fn table<'a>(
    labels: [&str; 2],
    rows: impl IntoIterator<Item = ([String; 2], &'a Tally)>,
) -> String {
    let mut out = String::new();
    out.push(BOM);
    let mut head: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
    head.extend(headers());
    push_row(&mut out, &head);
    for (label, tally) in rows {
        let mut row: Vec<String> = label.to_vec();
        row.extend(cells(tally));
        push_row(&mut out, &row);
    }
    out
}

/// The column headings after the two label columns.
fn headers() -> Vec<String> {
    let mut h: Vec<String> = vec!["開館日数".into(), "組数".into()];
    h.extend(Source::ALL.map(|s| format!("{}(組)", s.label_ja())));
    h.extend(AgeBracket::ALL.map(|b| b.label_ja().to_owned()));
    h.extend(
        [
            "子ども計",
            "大人",
            "延べ利用者数",
            "新規登録",
            "相談件数",
            "滞在時間中央値(分)",
            "閉館時退出",
        ]
        .map(str::to_owned),
    );
    h.extend((0..24).map(|hour| format!("{hour}時台(組)")));
    h
}

/// The cells of one tally, in [`headers`] order.
fn cells(t: &Tally) -> Vec<String> {
    let mut c: Vec<String> = vec![t.days_open.to_string(), t.groups.to_string()];
    c.extend(t.groups_by_source.iter().map(u32::to_string));
    c.extend(t.children.iter().map(u32::to_string));
    c.extend([
        t.children_total().to_string(),
        t.adults.to_string(),
        t.total_people().to_string(),
        t.new_registrations.to_string(),
        t.consultations.to_string(),
        t.median_stay_minutes()
            .map_or_else(String::new, |m| m.to_string()),
        t.closed_at_closing.to_string(),
    ]);
    c.extend(t.visits_by_hour.iter().map(u32::to_string));
    c
}

fn push_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape(cell));
    }
    out.push_str("\r\n");
}

/// Quotes a cell that holds a separator, a quote or a line break (RFC 4180).
fn escape(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        let cases = [
            ("R03", "R03"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("2\r\n3", "\"2\r\n3\""),
        ];
        for (cell, want) in cases {
            assert_eq!(escape(cell), want);
        }
    }

    #[test]
    fn headers_and_cells_line_up() {
        let t = Tally::default();
        assert_eq!(headers().len(), cells(&t).len());
        assert_eq!(headers().len(), 2 + 4 + 7 + 7 + 24);
        let csv = table(
            ["部屋", "月"],
            [(["R01".to_owned(), "2026-11".to_owned()], &t)],
        );
        assert!(
            csv.starts_with("\u{feff}部屋,月,開館日数,組数,アプリ(組),"),
            "{csv}"
        );
        assert!(csv.ends_with("\r\n"));
    }
}
