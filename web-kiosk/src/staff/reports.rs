//! The usage report page (利用者実績表) of the staff console.
//!
//! Staff pick daily or monthly, a day or a month and — administrators — a
//! room or the whole city (市全体); the page fetches the relay's report
//! (`GET /api/staff/reports/…`, docs/API.md) and shows the table, three
//! charts drawn as inline SVG (visits by hour, people by age bracket,
//! people by day of a month) and buttons that download the same report as
//! CSV or XLSX for Excel. Every number comes from the relay, which counts
//! with the engine; the page only lays it out.
//!
//! * [`model`] — the query, the relay's JSON, rows and chart data (pure);
//! * [`chart`] — bar-chart geometry (pure) and the SVG component;
//! * `download` — fetch with the token → `Blob` → `<a download>`.

pub mod chart;
mod download;
pub mod model;

use std::cell::RefCell;
use std::rc::Rc;

use hiroba_engine::calendar::AgeBracket;
use hiroba_engine::lang::Lang;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use self::chart::BarChart;
use self::model::{Format, Kind, Period, ReportData, RoomChoice, TallyData, report_path};
use super::PageProps;
use crate::services::api::{self, ApiError, Method, RoomInfo};
use crate::services::browser::now;

/// What the report area shows.
#[derive(Debug, Clone, PartialEq)]
enum Load {
    /// The date or month field holds no real date.
    BadPeriod,
    Loading,
    Loaded(Rc<ReportData>),
    Failed(ApiError),
}

/// What the download buttons are doing.
#[derive(Debug, Clone, PartialEq)]
enum Saving {
    Idle,
    Busy(Format),
    Failed(ApiError),
}

/// The 利用者実績表 page; see the module docs.
#[function_component(ReportsPage)]
pub fn reports_page(props: &PageProps) -> Html {
    let lang = props.lang;
    let session = props.session.clone();
    let today = now().jst_date();

    let kind = use_state(|| Kind::Daily);
    let day_text = use_state(|| today.to_string());
    let month_text = use_state(|| today.year_month().to_string());
    let room = {
        let own = session.room;
        use_state(move || match own {
            Some(room) => RoomChoice::Room(room.to_string()),
            None => RoomChoice::City,
        })
    };
    let rooms = use_state(Vec::<RoomInfo>::new);
    let load = use_state(|| Load::Loading);
    let saving = use_state(|| Saving::Idle);
    // Answers can come back out of order; only the latest request's counts.
    let latest: Rc<RefCell<u64>> = use_mut_ref(|| 0);

    {
        let rooms = rooms.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(config) = api::config().await {
                    rooms.set(config.rooms);
                }
            });
        });
    }

    let period = match *kind {
        Kind::Daily => Period::parse(Kind::Daily, &day_text),
        Kind::Monthly => Period::parse(Kind::Monthly, &month_text),
    };

    {
        let load = load.clone();
        let token = session.token.clone();
        let latest = latest.clone();
        use_effect_with(((*room).clone(), period), move |(room, period)| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            match period {
                None => load.set(Load::BadPeriod),
                Some(period) => {
                    load.set(Load::Loading);
                    let path = report_path(room, *period, Format::Json);
                    spawn_local(async move {
                        let answer = api::request_json::<(), ReportData>(
                            Method::Get,
                            &path,
                            Some(&token),
                            None,
                        )
                        .await;
                        if *latest.borrow() == ticket {
                            load.set(match answer {
                                Ok(report) => Load::Loaded(Rc::new(report)),
                                Err(e) => Load::Failed(e),
                            });
                        }
                    });
                }
            }
        });
    }

    let set_kind = |k: Kind| {
        let kind = kind.clone();
        Callback::from(move |_: Event| kind.set(k))
    };
    let on_day = {
        let day_text = day_text.clone();
        Callback::from(move |e: Event| {
            day_text.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_month = {
        let month_text = month_text.clone();
        Callback::from(move |e: Event| {
            month_text.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let step = |by: i64| {
        let (day_text, month_text) = (day_text.clone(), month_text.clone());
        Callback::from(move |_: MouseEvent| match period.map(|p| p.step(by)) {
            Some(p @ Period::Day(_)) => day_text.set(p.text()),
            Some(p @ Period::Month(_)) => month_text.set(p.text()),
            None => {}
        })
    };
    let on_room = {
        let room = room.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
                .and_then(|v| v.as_string());
            if let Some(value) = value {
                room.set(RoomChoice::from_query(&value));
            }
        })
    };
    let save_as = |format: Format| {
        let saving = saving.clone();
        let room = (*room).clone();
        let token = session.token.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(period) = period else {
                return;
            };
            let path = report_path(&room, period, format);
            let name = model::file_name(&room, period, format);
            let saving = saving.clone();
            let token = token.clone();
            saving.set(Saving::Busy(format));
            spawn_local(async move {
                match download::save(&path, &token, &name, format.mime()).await {
                    Ok(()) => saving.set(Saving::Idle),
                    Err(e) => saving.set(Saving::Failed(e)),
                }
            });
        })
    };

    let busy = matches!(*saving, Saving::Busy(_));
    let room_name = |id: &str| {
        rooms
            .iter()
            .find(|r| r.id == id)
            .map(|r| match lang {
                Lang::Ja => format!("{id} {}", r.name_ja),
                Lang::En => format!("{id} {}", r.name_en),
            })
            .unwrap_or_else(|| id.to_owned())
    };
    let room_picker = match session.room {
        Some(own) if !session.is_admin() => {
            let own = own.to_string();
            html! {
                <p class="reports-field">
                    <span class="reports-label">{ lang.pick("ルーム", "Room") }</span>
                    <span id="report-room-fixed">{ room_name(&own) }</span>
                </p>
            }
        }
        _ => {
            let current = room.as_query().to_owned();
            html! {
                <p class="reports-field">
                    <label class="reports-label" for="report-room">{ lang.pick("ルーム", "Room") }</label>
                    <select id="report-room" onchange={on_room}>
                        <option value="all" selected={current == "all"}>
                            { lang.pick("市全体（全ルーム）", "Whole city (all rooms)") }
                        </option>
                        { for rooms.iter().map(|r| html! {
                            <option value={r.id.clone()} selected={current == r.id}>
                                { room_name(&r.id) }
                            </option>
                        }) }
                    </select>
                </p>
            }
        }
    };
    let period_picker = match *kind {
        Kind::Daily => html! {
            <p class="reports-field">
                <label class="reports-label" for="report-date">{ lang.pick("日付", "Day") }</label>
                <button type="button" class="reports-step" onclick={step(-1)}
                    aria-label={lang.pick("前の日", "Previous day")}>{ "◀" }</button>
                <input id="report-date" type="date" value={(*day_text).clone()} onchange={on_day} />
                <button type="button" class="reports-step" onclick={step(1)}
                    aria-label={lang.pick("次の日", "Next day")}>{ "▶" }</button>
            </p>
        },
        Kind::Monthly => html! {
            <p class="reports-field">
                <label class="reports-label" for="report-month">{ lang.pick("月", "Month") }</label>
                <button type="button" class="reports-step" onclick={step(-1)}
                    aria-label={lang.pick("前の月", "Previous month")}>{ "◀" }</button>
                <input id="report-month" type="month" value={(*month_text).clone()}
                    placeholder="2026-11" onchange={on_month} />
                <button type="button" class="reports-step" onclick={step(1)}
                    aria-label={lang.pick("次の月", "Next month")}>{ "▶" }</button>
            </p>
        },
    };
    let saving_note = match &*saving {
        Saving::Idle => Html::default(),
        Saving::Busy(_) => html! { <span>{ lang.pick("作成中…", "Preparing…") }</span> },
        Saving::Failed(e) => html! {
            <span class="reports-error">
                { lang.pick("ダウンロードできませんでした：", "Could not download: ") }
                { e.message(lang) }
            </span>
        },
    };

    html! {
        <section class="reports" id="reports-page" aria-labelledby="reports-title">
            <style>{ STYLE }</style>
            <h2 id="reports-title">{ lang.pick("利用者実績表", "Usage report") }</h2>
            <form class="reports-controls" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <fieldset class="reports-kind">
                    <legend>{ lang.pick("集計の単位", "Report for") }</legend>
                    <label>
                        <input type="radio" name="report-kind" id="report-kind-daily"
                            checked={*kind == Kind::Daily} onchange={set_kind(Kind::Daily)} />
                        { lang.pick("日報（1日）", "One day") }
                    </label>
                    <label>
                        <input type="radio" name="report-kind" id="report-kind-monthly"
                            checked={*kind == Kind::Monthly} onchange={set_kind(Kind::Monthly)} />
                        { lang.pick("月報（1か月）", "One month") }
                    </label>
                </fieldset>
                { period_picker }
                { room_picker }
                <p class="reports-field reports-downloads">
                    <button type="button" id="report-csv" disabled={busy || period.is_none()}
                        onclick={save_as(Format::Csv)}>
                        { lang.pick("CSVをダウンロード", "Download CSV") }
                    </button>
                    <button type="button" id="report-xlsx" disabled={busy || period.is_none()}
                        onclick={save_as(Format::Xlsx)}>
                        { lang.pick("Excel（XLSX）をダウンロード", "Download Excel (XLSX)") }
                    </button>
                    <span role="status" aria-live="polite">{ saving_note }</span>
                </p>
            </form>
            { report_area(&load, lang) }
        </section>
    }
}

/// The table and charts, or words for why they are not there.
fn report_area(load: &Load, lang: Lang) -> Html {
    match load {
        Load::BadPeriod => html! {
            <p class="reports-error" id="report-status" data-state="invalid" role="alert">
                { lang.pick("日付（または月）を選んでください。", "Please choose a day (or a month).") }
            </p>
        },
        Load::Loading => html! {
            <p id="report-status" data-state="loading" role="status">
                { lang.pick("集計しています…", "Counting…") }
            </p>
        },
        Load::Failed(e) => html! {
            <p class="reports-error" id="report-status" data-state="error" role="alert">
                { lang.pick("実績表を表示できません：", "Cannot show the report: ") }
                { e.message(lang) }
            </p>
        },
        Load::Loaded(report) => loaded(report, lang),
    }
}

fn loaded(report: &ReportData, lang: Lang) -> Html {
    let t = &report.total;
    let (unit_groups, unit_people, separator) = match lang {
        Lang::Ja => ("組", "人", "、"),
        Lang::En => (" groups", " people", ", "),
    };
    let median = t.median_stay_minutes.map_or_else(
        || "—".to_owned(),
        |m| match lang {
            Lang::Ja => format!("{m}分"),
            Lang::En => format!("{m} min"),
        },
    );
    let figures = [
        (
            lang.pick("延べ利用者数", "People (visits)"),
            t.total_people.to_string(),
        ),
        (lang.pick("組数", "Family groups"), t.groups.to_string()),
        (
            lang.pick("子ども", "Children"),
            t.children_total.to_string(),
        ),
        (lang.pick("大人", "Adults"), t.adults.to_string()),
        (lang.pick("開館日数", "Days open"), t.days_open.to_string()),
        (
            lang.pick("新規登録", "New registrations"),
            t.new_registrations.to_string(),
        ),
        (lang.pick("滞在時間（中央値）", "Median stay"), median),
        (
            lang.pick("QR受付 / 用紙", "QR check-ins / paper slips"),
            format!("{} / {}", t.scanned_groups, t.slip_groups),
        ),
    ];
    let days = report.days();
    html! {
        <div id="report-status" data-state="loaded" class="reports-result">
            if !report.unreadable.is_empty() {
                <p class="reports-error" role="alert">
                    { match lang {
                        Lang::Ja => format!(
                            "読み取れない記録が{}件あり、この実績表には含まれていません。管理者に連絡してください。",
                            report.unreadable.len()
                        ),
                        Lang::En => format!(
                            "{} stored record(s) could not be read and are missing from this report. Please tell an administrator.",
                            report.unreadable.len()
                        ),
                    } }
                </p>
            }
            <dl class="reports-figures">
                { for figures.iter().map(|(label, value)| html! {
                    <div><dt>{ *label }</dt><dd>{ value.clone() }</dd></div>
                }) }
            </dl>
            { table(report, lang) }
            <div class="reports-charts">
                <BarChart id="chart-hours"
                    title={lang.pick("時間帯別の来館組数", "Groups by arrival hour")}
                    unit={unit_groups} separator={separator} values={report.hours(lang)} />
                <BarChart id="chart-brackets"
                    title={lang.pick("年齢区分別の利用者数", "People by age bracket")}
                    unit={unit_people} separator={separator} values={report.brackets(lang)} />
                if !days.is_empty() {
                    <BarChart id="chart-days"
                        title={lang.pick("日別の延べ利用者数", "People by day")}
                        unit={unit_people} separator={separator} values={days} />
                }
            </div>
        </div>
    }
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    DaysOpen,
    Groups,
    Scanned,
    Slips,
    Bracket(AgeBracket),
    Children,
    Adults,
    People,
    MedianStay,
    NewRegistrations,
}

const COLUMNS: [Column; 16] = [
    Column::DaysOpen,
    Column::Groups,
    Column::Scanned,
    Column::Slips,
    Column::Bracket(AgeBracket::Age0),
    Column::Bracket(AgeBracket::Age1),
    Column::Bracket(AgeBracket::Age2),
    Column::Bracket(AgeBracket::Age3),
    Column::Bracket(AgeBracket::Preschool4Plus),
    Column::Bracket(AgeBracket::Elementary),
    Column::Bracket(AgeBracket::JuniorHigh),
    Column::Children,
    Column::Adults,
    Column::People,
    Column::MedianStay,
    Column::NewRegistrations,
];

impl Column {
    /// The cell's `data-column`, for tests and scripts (never shown).
    fn key(self) -> &'static str {
        match self {
            Column::DaysOpen => "days-open",
            Column::Groups => "groups",
            Column::Scanned => "scanned",
            Column::Slips => "slips",
            Column::Bracket(AgeBracket::Age0) => "age0",
            Column::Bracket(AgeBracket::Age1) => "age1",
            Column::Bracket(AgeBracket::Age2) => "age2",
            Column::Bracket(AgeBracket::Age3) => "age3",
            Column::Bracket(AgeBracket::Preschool4Plus) => "age4plus",
            Column::Bracket(AgeBracket::Elementary) => "elementary",
            Column::Bracket(AgeBracket::JuniorHigh) => "junior-high",
            Column::Children => "children",
            Column::Adults => "adults",
            Column::People => "people",
            Column::MedianStay => "median-stay",
            Column::NewRegistrations => "new-registrations",
        }
    }

    fn heading(self, lang: Lang) -> &'static str {
        match self {
            Column::DaysOpen => lang.pick("開館日数", "Days open"),
            Column::Groups => lang.pick("組数", "Groups"),
            Column::Scanned => lang.pick("うちQR", "of which QR"),
            Column::Slips => lang.pick("うち用紙", "of which slips"),
            Column::Bracket(b) => lang.pick(b.label_ja(), b.label_en()),
            Column::Children => lang.pick("子ども計", "Children"),
            Column::Adults => lang.pick("大人", "Adults"),
            Column::People => lang.pick("延べ利用者数", "People"),
            Column::MedianStay => lang.pick("滞在中央値(分)", "Median stay (min)"),
            Column::NewRegistrations => lang.pick("新規登録", "New registrations"),
        }
    }

    fn value(self, t: &TallyData) -> String {
        match self {
            Column::DaysOpen => t.days_open.to_string(),
            Column::Groups => t.groups.to_string(),
            Column::Scanned => t.scanned_groups.to_string(),
            Column::Slips => t.slip_groups.to_string(),
            Column::Bracket(b) => t.children[b.index()].to_string(),
            Column::Children => t.children_total.to_string(),
            Column::Adults => t.adults.to_string(),
            Column::People => t.total_people.to_string(),
            Column::MedianStay => t
                .median_stay_minutes
                .map_or_else(String::new, |m| m.to_string()),
            Column::NewRegistrations => t.new_registrations.to_string(),
        }
    }
}

fn table(report: &ReportData, lang: Lang) -> Html {
    let first = match (report.by_day.is_some(), report.scope.as_str()) {
        (true, scope) if scope != "all" => lang.pick("日付", "Day"),
        _ => lang.pick("ルーム", "Room"),
    };
    let caption = match (&report.date, &report.month) {
        (Some(d), _) => format!("{} {d}", lang.pick("利用者実績表", "Usage report")),
        (None, Some(m)) => format!("{} {m}", lang.pick("利用者実績表", "Usage report")),
        _ => lang.pick("利用者実績表", "Usage report").to_owned(),
    };
    let rows = report.rows(lang);
    html! {
        <div class="reports-table-wrap" tabindex="0" role="region" aria-label={caption.clone()}>
            <table class="reports-table" id="report-table">
                <caption>{ caption }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ first }</th>
                        { for COLUMNS.iter().map(|c| html! { <th scope="col">{ c.heading(lang) }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    { for rows.iter().map(|row| html! {
                        <tr class={classes!(row.is_total.then_some("reports-total"))}>
                            <th scope="row">{ row.heading.clone() }</th>
                            { for COLUMNS.iter().map(|c| html! { <td data-column={c.key()}>{ c.value(row.tally) }</td> }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// The page's own styles, kept with it so the console's stylesheet needs
/// nothing for this page; colours are the app's (`static/app.css`).
const STYLE: &str = r#"
.reports { padding: 1rem; max-width: 72rem; margin: 0 auto; }
.reports h2 { margin: 0 0 0.75rem; }
.reports-controls { display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: flex-end; margin-bottom: 1rem; }
.reports-kind { border: 1px solid #d5d0c6; border-radius: 6px; padding: 0.25rem 0.75rem 0.5rem; }
.reports-kind label { margin-right: 1rem; font-size: 1.05rem; }
.reports-field { margin: 0; display: flex; align-items: center; gap: 0.4rem; }
.reports-label { font-weight: 600; margin-right: 0.25rem; }
.reports input, .reports select, .reports button { font: inherit; min-height: 2.5rem; padding: 0.2rem 0.5rem; }
.reports button { border: 2px solid #1f5f7a; border-radius: 6px; background: #fff; color: #1f5f7a; cursor: pointer; }
.reports button:disabled { opacity: 0.5; cursor: default; }
.reports-step { min-width: 2.5rem; }
.reports-error { color: #a3262a; font-weight: 600; }
.reports-figures { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0 0 1rem; }
.reports-figures div { background: #fff; border: 1px solid #d5d0c6; border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 7rem; }
.reports-figures dt { font-size: 0.85rem; color: #4a5a66; }
.reports-figures dd { margin: 0; font-size: 1.5rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.reports-table-wrap { overflow-x: auto; margin-bottom: 1rem; }
.reports-table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
.reports-table caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
.reports-table th, .reports-table td { border: 1px solid #d5d0c6; padding: 0.25rem 0.5rem; white-space: nowrap; }
.reports-table td { text-align: right; }
.reports-table thead th { background: #eef3f5; font-size: 0.85rem; }
.reports-table tbody th { text-align: left; font-weight: 500; }
.reports-total th, .reports-total td { font-weight: 700; background: #f6f4ef; }
.reports-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
.report-chart { margin: 0; background: #fff; border: 1px solid #d5d0c6; border-radius: 6px; padding: 0.5rem; }
.report-chart figcaption { font-weight: 600; margin-bottom: 0.25rem; }
"#;
