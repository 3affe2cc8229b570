//! Every report's XLSX workbook, read back by an independent reader
//! (calamine), holds exactly the cells of its CSV — numbers as numeric cells
//! — for reports built from real attendance documents of synthetic visits.

use std::collections::BTreeMap;
use std::io::Cursor;

use automerge::AutoCommit;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use hiroba_engine::attendance::DayView;
use hiroba_engine::calendar::{Date, YearMonth};
use hiroba_engine::ids::RoomId;
use hiroba_engine::report::{CityMonthlyReport, DailyReport, MonthlyReport, Scope, YearlyReport};
use hiroba_engine::synth::{self, PlannedVisit, write_day};

const SEED: u64 = 7;

/// One room's month, from one attendance document per day, as the kiosks
/// write them. Registrations and consultations are made-up small numbers so
/// those columns are not all zero.
fn month_of(room: RoomId, month: YearMonth) -> MonthlyReport {
    let mut by_day: BTreeMap<Date, Vec<PlannedVisit>> = BTreeMap::new();
    for visit in synth::room_month(SEED, room, month) {
        by_day.entry(visit.date).or_default().push(visit);
    }
    assert!(by_day.len() > 15, "{room} {month} has too few open days");
    let days = by_day.into_iter().map(|(date, visits)| {
        let mut doc = AutoCommit::new();
        write_day(&mut doc, &visits).expect("a day written");
        let n = visits.len() as u32;
        DailyReport::from_day(room, date, &DayView::load(&doc), n % 3).with_consultations(n % 2)
    });
    MonthlyReport::from_days(room, month, days).expect("one room's days")
}

/// Splits a CSV (BOM, CRLF, RFC 4180 quoting) into rows of cells.
fn parse_csv(csv: &str) -> Vec<Vec<String>> {
    let body = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let mut chars = body.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(row.is_empty() && cell.is_empty(), "the CSV ends with CRLF");
    rows
}

/// Reads the workbook's only sheet: its name and its cells.
fn read_xlsx(bytes: Vec<u8>) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook");
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let range = book.worksheet_range(&names[0]).expect("the sheet");
    assert_eq!(range.start(), Some((0, 0)));
    (
        names[0].clone(),
        range.rows().map(<[Data]>::to_vec).collect(),
    )
}

/// Asserts the workbook has the CSV's rows and columns, cell for cell: text
/// as text, counts as numbers, an empty CSV cell as an empty cell. Returns
/// the sheet name and the numeric cells (`None` for empty) of the data rows
/// for further checks.
fn check(csv: &str, xlsx: Vec<u8>) -> (String, Vec<Vec<Option<f64>>>) {
    let want = parse_csv(csv);
    let (sheet, got) = read_xlsx(xlsx);
    assert_eq!(got.len(), want.len(), "rows");
    let mut numbers = Vec::new();
    for (r, (got_row, want_row)) in got.iter().zip(&want).enumerate() {
        assert_eq!(got_row.len(), want_row.len(), "columns of row {r}");
        let mut row_numbers = Vec::new();
        for (c, (got, want)) in got_row.iter().zip(want_row).enumerate() {
            let at = format!("row {r}, column {c}: {want:?} vs {got:?}");
            if r == 0 || c < 2 {
                // The header and the two label columns are text.
                assert_eq!(got, &Data::String(want.clone()), "{at}");
            } else if want.is_empty() {
                assert_eq!(got, &Data::Empty, "{at}");
                row_numbers.push(None);
            } else {
                let want: u32 = want.parse().expect("a count");
                let got = match *got {
                    Data::Float(f) => f,
                    Data::Int(i) => i as f64,
                    _ => panic!("not a number: {at}"),
                };
                assert_eq!(got, f64::from(want), "{at}");
                row_numbers.push(Some(got));
            }
        }
        if r > 0 {
            numbers.push(row_numbers);
        }
    }
    (sheet, numbers)
}

/// The index, among the numeric columns, of the median stay, which does not
/// add up like the others.
const MEDIAN: usize = 18;

/// Asserts that summing the numeric cells of `parts` gives `total`, as a
/// spreadsheet's SUM would, for every column but the median.
fn sums_to(parts: &[Vec<Option<f64>>], total: &[Option<f64>]) {
    for (c, want) in total.iter().enumerate() {
        if c == MEDIAN {
            continue;
        }
        let sum: f64 = parts.iter().map(|row| row[c].unwrap_or(0.0)).sum();
        assert_eq!(Some(sum), *want, "numeric column {c}");
    }
}

#[test]
fn every_report_workbook_reads_back_as_its_csv() {
    let june = YearMonth::new(2024, 6).expect("a month");
    let july = YearMonth::new(2024, 7).expect("a month");
    let r1_june = month_of(RoomId(1), june);
    let r2_june = month_of(RoomId(2), june);
    let r1_july = month_of(RoomId(1), july);

    // A day.
    let day = &r1_june.days[3];
    let (sheet, rows) = check(&day.to_csv(), day.to_xlsx());
    assert_eq!(sheet, day.date.to_string());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][15], Some(f64::from(day.tally.total_people())));
    assert!(day.tally.total_people() > 0);

    // A room's month: 30 days and the total, which the days sum to.
    let (sheet, rows) = check(&r1_june.to_csv(), r1_june.to_xlsx());
    assert_eq!(sheet, "2024-06");
    assert_eq!(rows.len(), 31);
    sums_to(&rows[..30], &rows[30]);
    let people: u32 = synth::room_month(SEED, RoomId(1), june)
        .iter()
        .map(PlannedVisit::people)
        .sum();
    assert_eq!(rows[30][15], Some(f64::from(people)), "延べ利用者数");

    // The city's month.
    let city = CityMonthlyReport::from_rooms(june, [r1_june.clone(), r2_june.clone()])
        .expect("one month of two rooms");
    let (sheet, rows) = check(&city.to_csv(), city.to_xlsx());
    assert_eq!(sheet, "2024-06 全館");
    assert_eq!(rows.len(), 3);
    sums_to(&rows[..2], &rows[2]);

    // The city's year, by month and by room.
    let year = YearlyReport::from_monthly(Scope::City, 2024, [&r1_june, &r2_june, &r1_july])
        .expect("months of FY2024");
    let (sheet, rows) = check(&year.to_csv(), year.to_xlsx());
    assert_eq!(sheet, "2024年度 全館");
    assert_eq!(rows.len(), 13);
    sums_to(&rows[..12], &rows[12]);
    let (sheet, rows) = check(&year.rooms_to_csv(), year.rooms_to_xlsx());
    assert_eq!(sheet, "2024年度 部屋別");
    assert_eq!(rows.len(), 3);
    sums_to(&rows[..2], &rows[2]);

    // One room's year.
    let room = YearlyReport::from_monthly(Scope::Room(RoomId(2)), 2024, [&r1_june, &r2_june])
        .expect("months of FY2024");
    let (sheet, rows) = check(&room.to_csv(), room.to_xlsx());
    assert_eq!(sheet, "2024年度 R02");
    sums_to(&rows[..12], &rows[12]);
}
