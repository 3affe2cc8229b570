//! Usage reports (利用者実績表) for the staff console: a room's or the
//! city's day or month, as JSON for the page's table and charts, or as the
//! engine's CSV and XLSX for Excel.
//!
//! The numbers come from the attendance documents the kiosks synced to the
//! relay (`attendance/R01/2026-11-24`), read one at a time through the
//! [`SyncHub`](crate::sync::SyncHub), so a city-wide month (11 rooms × 31
//! days) never has more than one document in memory; what is kept is the
//! engine's small [`DailyReport`] of each. Every count, bracket and total is
//! the engine's ([`hiroba_engine::report`]); this module only picks the
//! documents, checks who may ask, and shapes the answer.
//!
//! A document that cannot be read (damaged storage) is left out, logged by
//! name, and listed in the JSON's `unreadable` so the page can say that the
//! report is incomplete instead of silently counting less.

use std::collections::BTreeMap;

use automerge::AutoCommit;
use hiroba_engine::attendance::{DayView, Source};
use hiroba_engine::calendar::{AgeBracket, Date, YearMonth};
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::report::{
    CityDailyReport, CityMonthlyReport, DailyReport, MonthlyReport, ReportError, Tally,
};
use serde::{Deserialize, Serialize};
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::{AccountError, FieldErrors, Message};
use super::family::Family;
use super::{Ctx, StaffCaller, json, records};
use crate::RelayState;
use crate::auth::StaffRole;
use crate::city::City;

/// The query of both report endpoints; every field is checked by hand so a
/// bad value gets a field message (`422 invalid_input`), not a bare 400.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// `R01` … or `all` (the city, administrators only).
    pub room: Option<String>,
    /// The day of a daily report, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The month of a monthly report, `YYYY-MM`.
    pub month: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// Whose numbers a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One room.
    Room(RoomId),
    /// Every room of the city (市全体).
    City,
}

impl Scope {
    /// The scope as the query writes it (`R01`, `all`), also used in
    /// download file names.
    pub fn as_query(self) -> String {
        match self {
            Scope::Room(room) => room.to_string(),
            Scope::City => "all".to_owned(),
        }
    }
}

/// The period of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// One day (日報).
    Day(Date),
    /// One calendar month (月報).
    Month(YearMonth),
}

/// What the answer is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON for the staff console's page.
    Json,
    /// The engine's CSV (UTF-8 with a byte-order mark, for Excel).
    Csv,
    /// The engine's XLSX workbook.
    Xlsx,
}

/// A checked report request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Whose numbers.
    pub scope: Scope,
    /// Which period.
    pub period: Period,
    /// Which format.
    pub format: Format,
}

/// Which endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /api/staff/reports/daily`.
    Daily,
    /// `GET /api/staff/reports/monthly`.
    Monthly,
}

/// Checks a report query against the city: every problem becomes a field
/// message, all of them at once.
pub fn check_query(kind: Kind, query: &ReportQuery, city: &City) -> Result<Request, FieldErrors> {
    let mut errors = FieldErrors::new();
    let scope = match query.room.as_deref().map(str::trim) {
        Some("all") => Some(Scope::City),
        Some(text) => text
            .parse::<RoomId>()
            .ok()
            .filter(|r| city.room(*r).is_some())
            .map(Scope::Room),
        None => None,
    };
    if scope.is_none() {
        errors.insert(
            "room".to_owned(),
            Message::new(
                "ルームを R01 のような番号か、市全体なら all で指定してください。",
                "Give a room number such as R01, or all for the whole city.",
            ),
        );
    }
    let period = match kind {
        Kind::Daily => {
            let date = query.date.as_deref().and_then(|d| d.trim().parse().ok());
            if date.is_none() {
                errors.insert(
                    "date".to_owned(),
                    Message::new(
                        "日付を 2026-11-24 のような形（年-月-日）で指定してください。",
                        "Give the day as year-month-day, such as 2026-11-24.",
                    ),
                );
            }
            date.map(Period::Day)
        }
        Kind::Monthly => {
            let month = query.month.as_deref().and_then(|m| m.trim().parse().ok());
            if month.is_none() {
                errors.insert(
                    "month".to_owned(),
                    Message::new(
                        "月を 2026-11 のような形（年-月）で指定してください。",
                        "Give the month as year-month, such as 2026-11.",
                    ),
                );
            }
            month.map(Period::Month)
        }
    };
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("json") => Some(Format::Json),
        Some("csv") => Some(Format::Csv),
        Some("xlsx") => Some(Format::Xlsx),
        Some(_) => None,
    };
    if format.is_none() {
        errors.insert(
            "format".to_owned(),
            Message::new(
                "形式は json・csv・xlsx のいずれかです。",
                "The format is json, csv or xlsx.",
            ),
        );
    }
    match (scope, period, format) {
        (Some(scope), Some(period), Some(format)) if errors.is_empty() => Ok(Request {
            scope,
            period,
            format,
        }),
        _ => Err(errors),
    }
}

/// Whether `staff` may see `scope`: administrators any room and the city,
/// room staff only their own room.
pub fn may_see(staff: &StaffCaller, scope: Scope) -> bool {
    match (staff.role, scope) {
        (StaffRole::Administrator, _) => true,
        (StaffRole::RoomStaff, Scope::Room(room)) => staff.room == Some(room),
        (StaffRole::RoomStaff, Scope::City) => false,
    }
}

/// `GET /api/staff/reports/daily?room=R01&date=2026-11-24&format=json|csv|xlsx`.
pub async fn daily(ctx: Ctx, query: ReportQuery) -> Result<Response, AccountError> {
    answer(ctx, Kind::Daily, query).await
}

/// `GET /api/staff/reports/monthly?room=R01&month=2026-11&format=json|csv|xlsx`.
pub async fn monthly(ctx: Ctx, query: ReportQuery) -> Result<Response, AccountError> {
    answer(ctx, Kind::Monthly, query).await
}

async fn answer(ctx: Ctx, kind: Kind, query: ReportQuery) -> Result<Response, AccountError> {
    let staff = ctx.staff()?;
    let request = check_query(kind, &query, &ctx.state.city).map_err(AccountError::Invalid)?;
    if !may_see(&staff, request.scope) {
        return Err(AccountError::Forbidden);
    }
    let state = ctx.state.clone();
    // Loading automerge documents is CPU work: keep it off the async threads
    // that serve sync.
    let built = tokio::task::spawn_blocking(move || build(&state, request))
        .await
        .map_err(|e| AccountError::Internal(format!("report task failed: {e}")))??;
    tracing::info!(
        scope = %request.scope.as_query(),
        period = %period_text(request.period),
        format = ?request.format,
        unreadable = built.unreadable.len(),
        "usage report"
    );
    Ok(match request.format {
        Format::Json => json(StatusCode::OK, &built.to_json(&ctx.state.city)),
        Format::Csv => download(
            built.report.to_csv().into_bytes(),
            "text/csv; charset=utf-8",
            &file_name(request, "csv"),
        ),
        Format::Xlsx => download(
            built.report.to_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &file_name(request, "xlsx"),
        ),
    })
}

fn period_text(period: Period) -> String {
    match period {
        Period::Day(d) => d.to_string(),
        Period::Month(m) => m.to_string(),
    }
}

/// The download's file name: ASCII only, so every browser and Excel keep
/// it as it is (`hiroba-report-R01-2026-11-24.csv`).
pub fn file_name(request: Request, extension: &str) -> String {
    format!(
        "hiroba-report-{}-{}.{extension}",
        request.scope.as_query(),
        period_text(request.period)
    )
}

fn download(body: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    let reply = warp::reply::with_header(body, "content-type", content_type);
    let reply = warp::reply::with_header(
        reply,
        "content-disposition",
        format!("attachment; filename=\"{file_name}\""),
    );
    warp::reply::with_header(reply, "cache-control", "no-store").into_response()
}

/// One of the engine's four reports.
#[derive(Debug)]
enum Report {
    RoomDay(DailyReport),
    CityDay(CityDailyReport),
    RoomMonth(MonthlyReport),
    CityMonth(CityMonthlyReport),
}

impl Report {
    fn to_csv(&self) -> String {
        match self {
            Report::RoomDay(r) => r.to_csv(),
            Report::CityDay(r) => r.to_csv(),
            Report::RoomMonth(r) => r.to_csv(),
            Report::CityMonth(r) => r.to_csv(),
        }
    }

    fn to_xlsx(&self) -> Vec<u8> {
        match self {
            Report::RoomDay(r) => r.to_xlsx(),
            Report::CityDay(r) => r.to_xlsx(),
            Report::RoomMonth(r) => r.to_xlsx(),
            Report::CityMonth(r) => r.to_xlsx(),
        }
    }
}

/// A report and the documents left out of it.
#[derive(Debug)]
struct Built {
    report: Report,
    unreadable: Vec<DocId>,
}

/// New registrations (本登録 of a room for the first time) per room and
/// Japan-time day, from the family records.
type Registrations = BTreeMap<(RoomId, Date), u32>;

/// Counts the families' first registrations per room and day in `dates`.
fn registrations(
    state: &RelayState,
    dates: std::ops::RangeInclusive<Date>,
) -> Result<Registrations, AccountError> {
    let mut counts = Registrations::new();
    for (_, family) in records::scan::<Family>(&state.accounts.tree, "fam/")? {
        for (room, at) in family.registered {
            let date = at.jst_date();
            if dates.contains(&date) {
                *counts.entry((room, date)).or_insert(0) += 1;
            }
        }
    }
    Ok(counts)
}

/// Reads the documents of `request` one by one and builds its report.
fn build(state: &RelayState, request: Request) -> Result<Built, AccountError> {
    let mut unreadable = Vec::new();
    let dates = match request.period {
        Period::Day(date) => date..=date,
        Period::Month(month) => {
            month.first_day()..=month.first_day().add_days(i64::from(month.days()) - 1)
        }
    };
    let registered = registrations(state, dates)?;
    let read_day = |room, date, unreadable: &mut Vec<DocId>| {
        read_day(state, room, date, &registered, unreadable)
    };
    let read_month = |room, month, unreadable: &mut Vec<DocId>| {
        read_month(state, room, month, &registered, unreadable)
    };
    let city_rooms = || state.city.rooms.iter().map(|r| r.id);
    let report = match (request.scope, request.period) {
        (Scope::Room(room), Period::Day(date)) => Report::RoomDay(
            read_day(room, date, &mut unreadable)?.unwrap_or_else(|| empty_day(room, date)),
        ),
        (Scope::City, Period::Day(date)) => {
            let mut days = Vec::new();
            for room in city_rooms() {
                let day = read_day(room, date, &mut unreadable)?;
                days.push(day.unwrap_or_else(|| empty_day(room, date)));
            }
            Report::CityDay(CityDailyReport::from_rooms(date, days).map_err(combine_error)?)
        }
        (Scope::Room(room), Period::Month(month)) => {
            Report::RoomMonth(read_month(room, month, &mut unreadable)?)
        }
        (Scope::City, Period::Month(month)) => {
            let mut months = Vec::new();
            for room in city_rooms() {
                months.push(read_month(room, month, &mut unreadable)?);
            }
            Report::CityMonth(CityMonthlyReport::from_rooms(month, months).map_err(combine_error)?)
        }
    };
    Ok(Built { report, unreadable })
}

/// A day with no document: nothing recorded, so closed.
fn empty_day(room: RoomId, date: Date) -> DailyReport {
    DailyReport::from_day(room, date, &DayView::default(), 0)
}

/// The engine refused to combine reports this module built itself: a bug.
fn combine_error(e: ReportError) -> AccountError {
    AccountError::Internal(format!("cannot combine reports: {e}"))
}

fn read_month(
    state: &RelayState,
    room: RoomId,
    month: YearMonth,
    registered: &Registrations,
    unreadable: &mut Vec<DocId>,
) -> Result<MonthlyReport, AccountError> {
    let first = month.first_day();
    let mut days = Vec::new();
    for i in 0..i64::from(month.days()) {
        if let Some(day) = read_day(state, room, first.add_days(i), registered, unreadable)? {
            days.push(day);
        }
    }
    MonthlyReport::from_days(room, month, days).map_err(combine_error)
}

/// The report of one room's day from its stored attendance document, or
/// `None` if nothing is stored (or it cannot be read; see the module docs).
/// The document is dropped before this returns.
///
/// A day with new registrations but no document (families register from
/// home, on any day) is a closed day that still counts them.
fn read_day(
    state: &RelayState,
    room: RoomId,
    date: Date,
    registered: &Registrations,
    unreadable: &mut Vec<DocId>,
) -> Result<Option<DailyReport>, AccountError> {
    let new = registered.get(&(room, date)).copied().unwrap_or(0);
    let id = DocId::attendance(room, date);
    let chunks = state.sync.stored_chunks(&id)?;
    if chunks.is_empty() {
        return Ok((new > 0).then(|| DailyReport::from_day(room, date, &DayView::default(), new)));
    }
    match AutoCommit::load(&chunks.concat()) {
        Ok(doc) => Ok(Some(DailyReport::from_day(
            room,
            date,
            &DayView::load(&doc),
            new,
        ))),
        Err(e) => {
            // Attendance documents hold no personal data; the name and the
            // automerge error are safe to log.
            tracing::error!(doc = %id, error = %e, "cannot read an attendance document for a report");
            unreadable.push(id);
            Ok(None)
        }
    }
}

/// A tally as the page reads it.
#[derive(Debug, Serialize)]
struct TallyJson {
    days_open: u32,
    groups: u32,
    /// Groups by how they announced themselves.
    groups_by_source: SourcesJson,
    /// Groups that came with a pass (app or printed card).
    scanned_groups: u32,
    /// Groups entered from a paper slip.
    slip_groups: u32,
    /// Children per bracket, in `brackets` order.
    children: [u32; 7],
    children_total: u32,
    adults: u32,
    total_people: u32,
    new_registrations: u32,
    consultations: u32,
    median_stay_minutes: Option<u32>,
    closed_at_closing: u32,
    /// Groups by arrival hour, 0–23, Japan time.
    visits_by_hour: [u32; 24],
}

#[derive(Debug, Serialize)]
struct SourcesJson {
    app: u32,
    card: u32,
    slip: u32,
    staff: u32,
}

impl TallyJson {
    fn of(t: &Tally) -> TallyJson {
        let by = |s: Source| t.groups_by_source[s.index()];
        TallyJson {
            days_open: t.days_open,
            groups: t.groups,
            groups_by_source: SourcesJson {
                app: by(Source::AppPass),
                card: by(Source::PrintedCard),
                slip: by(Source::PaperSlip),
                staff: by(Source::Staff),
            },
            scanned_groups: by(Source::AppPass) + by(Source::PrintedCard),
            slip_groups: by(Source::PaperSlip),
            children: t.children,
            children_total: t.children_total(),
            adults: t.adults,
            total_people: t.total_people(),
            new_registrations: t.new_registrations,
            consultations: t.consultations,
            median_stay_minutes: t.median_stay_minutes(),
            closed_at_closing: t.closed_at_closing,
            visits_by_hour: t.visits_by_hour,
        }
    }
}

#[derive(Debug, Serialize)]
struct Label {
    ja: &'static str,
    en: &'static str,
}

#[derive(Debug, Serialize)]
struct RoomRow {
    room: RoomId,
    name_ja: String,
    name_en: String,
    tally: TallyJson,
}

#[derive(Debug, Serialize)]
struct DayRow {
    date: Date,
    tally: TallyJson,
}

/// The JSON answer; see docs/API.md.
#[derive(Debug, Serialize)]
struct ReportJson {
    kind: &'static str,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<YearMonth>,
    brackets: Vec<Label>,
    total: TallyJson,
    by_room: Vec<RoomRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_day: Option<Vec<DayRow>>,
    unreadable: Vec<String>,
}

impl Built {
    fn to_json(&self, city: &City) -> ReportJson {
        let room_row = |room: RoomId, tally: &Tally| {
            let (name_ja, name_en) = city
                .room(room)
                .map(|r| (r.name_ja.clone(), r.name_en.clone()))
                .unwrap_or_default();
            RoomRow {
                room,
                name_ja,
                name_en,
                tally: TallyJson::of(tally),
            }
        };
        let (kind, scope, date, month, total, by_room, by_day) = match &self.report {
            Report::RoomDay(r) => (
                "daily",
                Scope::Room(r.room),
                Some(r.date),
                None,
                &r.tally,
                vec![room_row(r.room, &r.tally)],
                None,
            ),
            Report::CityDay(r) => (
                "daily",
                Scope::City,
                Some(r.date),
                None,
                &r.total,
                r.rooms.iter().map(|d| room_row(d.room, &d.tally)).collect(),
                None,
            ),
            Report::RoomMonth(r) => (
                "monthly",
                Scope::Room(r.room),
                None,
                Some(r.month),
                &r.total,
                vec![room_row(r.room, &r.total)],
                Some(days_of(r.month, std::slice::from_ref(r))),
            ),
            Report::CityMonth(r) => (
                "monthly",
                Scope::City,
                None,
                Some(r.month),
                &r.total,
                r.rooms.iter().map(|m| room_row(m.room, &m.total)).collect(),
                Some(days_of(r.month, &r.rooms)),
            ),
        };
        ReportJson {
            kind,
            scope: scope.as_query(),
            date,
            month,
            brackets: AgeBracket::ALL
                .iter()
                .map(|b| Label {
                    ja: b.label_ja(),
                    en: b.label_en(),
                })
                .collect(),
            total: TallyJson::of(total),
            by_room,
            by_day,
            unreadable: self.unreadable.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Every calendar day of `month`, each summed over `rooms` (zeros on days
/// no room opened), for the page's chart of visits by day.
fn days_of(month: YearMonth, rooms: &[MonthlyReport]) -> Vec<DayRow> {
    let first = month.first_day();
    (0..i64::from(month.days()))
        .map(|i| {
            let date = first.add_days(i);
            let mut tally = Tally::default();
            for room in rooms {
                if let Some(day) = room.day(date) {
                    tally.add(&day.tally);
                }
            }
            DayRow {
                date,
                tally: TallyJson::of(&tally),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(
        room: Option<&str>,
        date: Option<&str>,
        month: Option<&str>,
        format: Option<&str>,
    ) -> ReportQuery {
        ReportQuery {
            room: room.map(str::to_owned),
            date: date.map(str::to_owned),
            month: month.map(str::to_owned),
            format: format.map(str::to_owned),
        }
    }

    fn fields(r: Result<Request, FieldErrors>) -> Vec<String> {
        r.err().map(|e| e.into_keys().collect()).unwrap_or_default()
    }

    #[test]
    fn queries_are_checked_field_by_field() {
        let city = City::demo();
        let day: Date = "2026-11-24".parse().expect("date");
        assert_eq!(
            check_query(
                Kind::Daily,
                &query(Some("R01"), Some("2026-11-24"), None, None),
                &city
            ),
            Ok(Request {
                scope: Scope::Room(RoomId(1)),
                period: Period::Day(day),
                format: Format::Json,
            })
        );
        assert_eq!(
            check_query(
                Kind::Monthly,
                &query(Some("all"), None, Some("2026-11"), Some("xlsx")),
                &city
            )
            .map(|r| (r.scope, r.format)),
            Ok((Scope::City, Format::Xlsx))
        );
        let cases: [(Kind, ReportQuery, &[&str]); 6] = [
            (
                Kind::Daily,
                query(None, None, None, None),
                &["date", "room"],
            ),
            (
                Kind::Daily,
                query(Some("R12"), Some("2026-11-24"), None, None),
                &["room"],
            ),
            (
                Kind::Daily,
                query(Some("R01"), Some("2026-02-30"), None, None),
                &["date"],
            ),
            (
                Kind::Daily,
                query(Some("R01"), Some("2026-11-24"), None, Some("pdf")),
                &["format"],
            ),
            (
                Kind::Monthly,
                query(Some("R01"), Some("2026-11-24"), None, None),
                &["month"],
            ),
            (
                Kind::Monthly,
                query(Some("x"), None, Some("2026-13"), Some("csv")),
                &["month", "room"],
            ),
        ];
        for (kind, q, want) in cases {
            assert_eq!(fields(check_query(kind, &q, &city)), want, "{q:?}");
        }
    }

    #[test]
    fn room_staff_see_only_their_room() {
        let staff = |role, room| StaffCaller {
            account: "s".to_owned(),
            role,
            room,
        };
        let r01 = staff(StaffRole::RoomStaff, Some(RoomId(1)));
        let admin = staff(StaffRole::Administrator, None);
        assert!(may_see(&r01, Scope::Room(RoomId(1))));
        assert!(!may_see(&r01, Scope::Room(RoomId(2))));
        assert!(!may_see(&r01, Scope::City));
        assert!(may_see(&admin, Scope::Room(RoomId(2))));
        assert!(may_see(&admin, Scope::City));
    }

    #[test]
    fn file_names_are_ascii() {
        let request = Request {
            scope: Scope::City,
            period: Period::Month("2026-11".parse().expect("month")),
            format: Format::Csv,
        };
        assert_eq!(file_name(request, "csv"), "hiroba-report-all-2026-11.csv");
        assert!(file_name(request, "xlsx").is_ascii());
    }
}
