//! CSV export of report tables, shaped for Excel.
//!
//! Excel opens a UTF-8 CSV as Japanese text only when it starts with a
//! byte-order mark, and expects CRLF line ends; every table here has both.
//! The rows themselves come from [`Table`], shared with the XLSX export.

use super::table::{Cell, Table};

/// The byte-order mark Excel needs to read UTF-8.
const BOM: char = '\u{feff}';

/// The table as CSV: a byte-order mark, the header row, then the rows.
/// An [`Cell::Empty`] cell is written as nothing between two commas.
pub(super) fn write(table: &Table) -> String {
    let mut out = String::new();
    out.push(BOM);
    push_row(&mut out, table.header.iter().map(String::as_str));
    for row in &table.rows {
        let texts: Vec<String> = row.iter().map(text).collect();
        push_row(&mut out, texts.iter().map(String::as_str));
    }
    out
}

/// The text of one cell as CSV shows it.
fn text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

fn push_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
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
    use crate::report::Tally;

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
    fn a_table_has_a_bom_japanese_headers_and_crlf() {
        let t = Tally::default();
        let csv = write(&Table::new(
            ["部屋", "月"],
            [(["R01".to_owned(), "2026-11".to_owned()], &t)],
        ));
        assert!(
            csv.starts_with("\u{feff}部屋,月,開館日数,組数,アプリ(組),"),
            "{csv}"
        );
        // No stay ended, so the median (after 18 numbers) is empty.
        assert!(
            csv.ends_with(&format!(
                "\r\nR01,2026-11,{}{}\r\n",
                "0,".repeat(18),
                ",0".repeat(25)
            )),
            "{csv}"
        );
    }
}
