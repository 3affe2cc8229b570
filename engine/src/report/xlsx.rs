//! XLSX export of report tables: a one-sheet Office Open XML workbook.
//!
//! The workbook holds exactly the rows and columns of the CSV, because both
//! are written from the same [`Table`]. Numbers are numeric cells, so Excel
//! and LibreOffice sum them; labels are inline strings, which need no
//! shared-strings part. The header row is bold and frozen, so it stays on
//! screen while scrolling through a month of days.
//!
//! The container is a ZIP archive written here with STORED (uncompressed)
//! entries, which the format allows. The engine compiles to wasm and stays
//! sans-IO; a report workbook is a few tens of kilobytes, so compression is
//! not worth a dependency. Entries carry a fixed timestamp (1980-01-01), so
//! the same report always gives the same bytes.

use super::table::{Cell, Table};

/// The workbook of `table` on one sheet named `sheet`.
///
/// Characters a sheet name may not hold are replaced (see [`sheet_name`]).
pub(super) fn write(table: &Table, sheet: &str) -> Vec<u8> {
    let sheet = sheet_name(sheet);
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
        ("_rels/.rels", ROOT_RELS.to_owned()),
        ("xl/workbook.xml", workbook(&sheet)),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_owned()),
        ("xl/styles.xml", STYLES.to_owned()),
        ("xl/worksheets/sheet1.xml", worksheet(table)),
    ];
    let mut zip = Zip::default();
    for (name, xml) in &parts {
        zip.add(name, xml.as_bytes());
    }
    zip.finish()
}

const XML_DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    r#"</Types>"#,
);

const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    r#"</Relationships>"#,
);

const WORKBOOK_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    r#"</Relationships>"#,
);

/// Two cell formats: 0 is the default, 1 is bold (the header row).
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>"#,
    r#"<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill>"#,
    r#"<fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"</styleSheet>"#,
);

fn workbook(sheet: &str) -> String {
    format!(
        concat!(
            "{}",
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#,
            r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
            r#"<sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        XML_DECL,
        escape(sheet)
    )
}

/// The sheet: the header row in bold (style 1), frozen, then the rows.
fn worksheet(table: &Table) -> String {
    let mut xml = String::new();
    xml.push_str(XML_DECL);
    xml.push_str(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    xml.push_str(concat!(
        r#"<sheetViews><sheetView workbookViewId="0">"#,
        r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#,
        r#"</sheetView></sheetViews><sheetData>"#,
    ));
    let header = table.header.iter().map(|h| Cell::Text(h.clone()));
    push_row(&mut xml, 1, header, Some(1));
    for (i, row) in table.rows.iter().enumerate() {
        push_row(&mut xml, i + 2, row.iter().cloned(), None);
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// Writes row `r` (1-based); empty cells are left out, as Excel does.
fn push_row(xml: &mut String, r: usize, cells: impl Iterator<Item = Cell>, style: Option<u8>) {
    xml.push_str(&format!(r#"<row r="{r}">"#));
    let style = style.map_or_else(String::new, |s| format!(r#" s="{s}""#));
    for (i, cell) in cells.enumerate() {
        let at = format!("{}{r}", column(i));
        match cell {
            Cell::Text(s) => xml.push_str(&format!(
                r#"<c r="{at}"{style} t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                escape(&s)
            )),
            Cell::Number(n) => xml.push_str(&format!(r#"<c r="{at}"{style}><v>{n}</v></c>"#)),
            Cell::Empty => {}
        }
    }
    xml.push_str("</row>");
}

/// The letters of the 0-based column `i`: A … Z, AA … AZ, BA ….
fn column(i: usize) -> String {
    let mut letters = Vec::new();
    let mut n = i + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A valid sheet name: Excel refuses `[ ] : * ? / \`, a name beginning or
/// ending with an apostrophe, an empty name and more than 31 characters.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'');
    if cleaned.is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Escapes text for XML content and attribute values.
///
/// XML 1.0 cannot hold most control characters at all, even as character
/// references; spreadsheets write them as `_xHHHH_`, so this does too, and
/// escapes an underscore that would otherwise read as the start of such a
/// sequence. Carriage returns become a character reference, since an XML
/// parser would otherwise turn CRLF into LF.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            '_' if looks_escaped(&s[i..]) => out.push_str("_x005F_"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("_x{:04X}_", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `s` starts with `_xHHHH_`, which a reader would decode.
fn looks_escaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[1] == b'x' && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
}

/// A ZIP archive of STORED entries, built in memory.
#[derive(Debug, Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// DOS time and date of 1980-01-01 00:00, the earliest ZIP can say; a fixed
/// stamp keeps the output a function of the report alone.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl Zip {
    /// Adds a file. A report's parts are far below the 4 GiB and 65,535
    /// entry limits of a ZIP without ZIP64 extensions, so sizes saturate
    /// rather than fail.
    fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32(data);
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        let offset = u32::try_from(self.out.len()).unwrap_or(u32::MAX);

        // Local file header.
        put32(&mut self.out, 0x0403_4b50);
        put16(&mut self.out, 20); // version needed: 2.0
        put16(&mut self.out, 0); // flags
        put16(&mut self.out, 0); // method: stored
        put16(&mut self.out, DOS_TIME);
        put16(&mut self.out, DOS_DATE);
        put32(&mut self.out, crc);
        put32(&mut self.out, size); // compressed
        put32(&mut self.out, size); // uncompressed
        put16(&mut self.out, name_len);
        put16(&mut self.out, 0); // extra field length
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(data);

        // Central directory record.
        put32(&mut self.central, 0x0201_4b50);
        put16(&mut self.central, 20); // version made by
        put16(&mut self.central, 20); // version needed
        put16(&mut self.central, 0); // flags
        put16(&mut self.central, 0); // method: stored
        put16(&mut self.central, DOS_TIME);
        put16(&mut self.central, DOS_DATE);
        put32(&mut self.central, crc);
        put32(&mut self.central, size);
        put32(&mut self.central, size);
        put16(&mut self.central, name_len);
        put16(&mut self.central, 0); // extra field length
        put16(&mut self.central, 0); // comment length
        put16(&mut self.central, 0); // disk number
        put16(&mut self.central, 0); // internal attributes
        put32(&mut self.central, 0); // external attributes
        put32(&mut self.central, offset);
        self.central.extend_from_slice(name.as_bytes());

        self.entries = self.entries.saturating_add(1);
    }

    /// The archive: the entries, the central directory and its end record.
    fn finish(mut self) -> Vec<u8> {
        let offset = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let size = u32::try_from(self.central.len()).unwrap_or(u32::MAX);
        self.out.append(&mut self.central);
        put32(&mut self.out, 0x0605_4b50);
        put16(&mut self.out, 0); // this disk
        put16(&mut self.out, 0); // disk of the central directory
        put16(&mut self.out, self.entries);
        put16(&mut self.out, self.entries);
        put32(&mut self.out, size);
        put32(&mut self.out, offset);
        put16(&mut self.out, 0); // comment length
        self.out
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as ZIP uses.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc = CRC_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8);
    }
    !crc
}

/// The byte-at-a-time CRC-32 table, computed at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Tally;

    #[test]
    fn crc32_matches_known_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        let cases = [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (45, "AT"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
        ];
        for (i, want) in cases {
            assert_eq!(column(i), want, "{i}");
        }
    }

    #[test]
    fn text_is_escaped_for_xml() {
        let cases = [
            ("R03", "R03"),
            ("a & b", "a &amp; b"),
            ("<合計>", "&lt;合計&gt;"),
            ("say \"hi\" 'x'", "say &quot;hi&quot; &apos;x&apos;"),
            ("a\tb\nc\r\n", "a\tb\nc&#13;\n"),
            ("bell\u{7}", "bell_x0007_"),
            ("_x0041_", "_x005F_x0041_"),
            ("_x00", "_x00"),
            ("snake_case", "snake_case"),
        ];
        for (text, want) in cases {
            assert_eq!(escape(text), want, "{text:?}");
        }
    }

    #[test]
    fn sheet_names_are_made_valid() {
        let cases = [
            ("利用者実績表", "利用者実績表"),
            ("2026/11 [全館]", "2026_11 _全館_"),
            ("'quoted'", "quoted"),
            ("", "Sheet1"),
            (&"長".repeat(40), &"長".repeat(31)),
        ];
        for (name, want) in cases {
            assert_eq!(sheet_name(name), want);
        }
    }

    #[test]
    fn rows_hold_numbers_as_numbers_and_text_inline() {
        let t = Tally {
            groups: 3,
            ..Tally::default()
        };
        let table = Table::new(
            ["部屋", "日付"],
            [(["R01".to_owned(), "2026-11-24".to_owned()], &t)],
        );
        let xml = worksheet(&table);
        assert!(
            xml.contains(
                r#"<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">部屋</t></is></c>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">R01</t></is></c>"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<c r="D2"><v>3</v></c>"#), "{xml}");
        // The median of a day without stays is absent, not 0.
        assert!(!xml.contains(r#"<c r="U2">"#), "{xml}");
        assert!(xml.contains(r#"<c r="V2"><v>0</v></c>"#), "{xml}");
    }

    /// Walks the archive by its central directory, as a reader does, and
    /// returns each entry's name and data after checking its CRC.
    fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
        let u32_at =
            |at: usize| u32::from_le_bytes([zip[at], zip[at + 1], zip[at + 2], zip[at + 3]]);
        let end = zip.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50);
        let count = u16_at(end + 10);
        let mut at = u32_at(end + 16) as usize;
        let mut found = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(at), 0x0201_4b50);
            let (crc, size) = (u32_at(at + 16), u32_at(at + 20) as usize);
            let name_len = u16_at(at + 28);
            let local = u32_at(at + 42) as usize;
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec())
                .expect("an ASCII name");
            assert_eq!(u32_at(local), 0x0403_4b50);
            let data_at = local + 30 + u16_at(local + 26) + u16_at(local + 28);
            let data = zip[data_at..data_at + size].to_vec();
            assert_eq!(crc32(&data), crc, "{name}");
            found.push((name, data));
            at += 46 + name_len;
        }
        found
    }

    #[test]
    fn the_archive_holds_every_part_with_good_crcs() {
        let table = Table::new(
            ["部屋", "月"],
            [(["R01".to_owned(), "2026-11".to_owned()], &Tally::default())],
        );
        let zip = write(&table, "2026-11");
        let names: Vec<String> = entries(&zip).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "[Content_Types].xml",
                "_rels/.rels",
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
                "xl/worksheets/sheet1.xml",
            ]
        );
        let workbook = entries(&zip).swap_remove(2).1;
        assert!(
            String::from_utf8(workbook)
                .expect("UTF-8 XML")
                .contains(r#"<sheet name="2026-11""#)
        );
        // The same table gives the same bytes.
        assert_eq!(zip, write(&table, "2026-11"));
    }

    #[test]
    fn awkward_text_reads_back_unchanged() {
        use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

        let awkward = "a&b <c> \"d\" 'e' _x0041_ bell\u{7} tab\t two\r\nlines  ";
        let table = Table {
            header: vec![awkward.to_owned(), "数".to_owned()],
            rows: vec![vec![
                Cell::Text(" 合計".to_owned()),
                Cell::Number(4_294_967_295),
            ]],
        };
        let mut book: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(write(&table, "a&b"))).expect("a workbook");
        assert_eq!(book.sheet_names(), ["a&b"]);
        let range = book.worksheet_range("a&b").expect("the sheet");
        let cells: Vec<Data> = range.cells().map(|(_, _, d)| d.clone()).collect();
        assert_eq!(
            cells,
            [
                Data::String(awkward.to_owned()),
                Data::String("数".to_owned()),
                Data::String(" 合計".to_owned()),
                Data::Float(4_294_967_295.0),
            ]
        );
    }
}
