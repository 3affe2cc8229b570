//! The one table of cells behind every report export.
//!
//! CSV and XLSX are two renderings of the same [`Table`]: each report builds
//! its table once, and the formats only differ in how they write cells. That
//! way a CSV and a workbook of the same report can never disagree on a row,
//! a column or a number. All reports share one column layout after two
//! leading label columns, so a spreadsheet built on one report works on the
//! others.

use super::Tally;
use crate::attendance::Source;
use crate::calendar::AgeBracket;

/// One cell of a report table.
///
/// Numbers are kept apart from text so a spreadsheet gets numeric cells it
/// can sum, not digits stored as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    /// A label: a room, a date, a month, 合計.
    Text(String),
    /// A count or a number of minutes.
    Number(u32),
    /// No value, e.g. the median stay of a day on which no stay ended (an
    /// empty cell rather than 0, so an average over the column skips it).
    Empty,
}

/// A report as a table: one header row and rows of cells, each row as long
/// as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Table {
    /// The column headings, in Japanese.
    pub header: Vec<String>,
    /// The rows below the header.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table whose two leading columns are named by `labels`; each row
    /// gives their values and the tally for the rest.
    pub(super) fn new<'a>(
        labels: [&str; 2],
        rows: impl IntoIterator<Item = ([String; 2], &'a Tally)>,
    ) -> Table {
        let mut header: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
        header.extend(headers());
        let rows = rows
            .into_iter()
            .map(|(label, tally)| {
                let mut row: Vec<Cell> = label.into_iter().map(Cell::Text).collect();
                row.extend(cells(tally));
                row
            })
            .collect();
        Table { header, rows }
    }
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
fn cells(t: &Tally) -> Vec<Cell> {
    let mut c: Vec<Cell> = vec![Cell::Number(t.days_open), Cell::Number(t.groups)];
    c.extend(t.groups_by_source.iter().copied().map(Cell::Number));
    c.extend(t.children.iter().copied().map(Cell::Number));
    c.extend([
        Cell::Number(t.children_total()),
        Cell::Number(t.adults),
        Cell::Number(t.total_people()),
        Cell::Number(t.new_registrations),
        Cell::Number(t.consultations),
        t.median_stay_minutes().map_or(Cell::Empty, Cell::Number),
        Cell::Number(t.closed_at_closing),
    ]);
    c.extend(t.visits_by_hour.iter().copied().map(Cell::Number));
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_cells_line_up() {
        let t = Tally::default();
        assert_eq!(headers().len(), cells(&t).len());
        assert_eq!(headers().len(), 2 + 4 + 7 + 7 + 24);
        let table = Table::new(
            ["部屋", "月"],
            [(["R01".to_owned(), "2026-11".to_owned()], &t)],
        );
        assert_eq!(table.header[..4], ["部屋", "月", "開館日数", "組数"]);
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].len(), table.header.len());
        assert_eq!(table.rows[0][0], Cell::Text("R01".into()));
        assert_eq!(table.rows[0][2], Cell::Number(0));
    }

    #[test]
    fn a_median_is_empty_until_a_stay_ends() {
        // After days open, groups, four sources, seven brackets and five
        // totals.
        let median = 2 + 4 + 7 + 5;
        let mut t = Tally::default();
        assert_eq!(headers()[median], "滞在時間中央値(分)");
        assert_eq!(cells(&t)[median], Cell::Empty);
        t.stay_minutes.insert(45, 1);
        assert_eq!(cells(&t)[median], Cell::Number(45));
    }
}
