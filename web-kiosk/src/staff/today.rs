//! 今日 (Today): who is in the room, the day's visits, corrections (fix
//! members, undo a mistaken scan), paper-slip entry by keyboard alone, and
//! closing the day. Works on the room's live day document, so kiosks and
//! every staff screen see each change within a sync. The documents belong
//! to the console's [`LiveHub`], not to this page: leaving the tab keeps
//! sending what the relay has not acknowledged yet. Every refusal is said
//! to staff in words and leaves the documents as they were.

pub mod fix;
pub mod slip;
pub mod words;

use std::rc::Rc;

use automerge::AutoCommit;
use hiroba_engine::attendance::{
    AttendanceError, Children, DayView, EventId, SlipContacts, Source, Stay, VisitId, close_day,
    fix_members, load_slip_contacts, record_check_out, record_slip_with_contact,
    slip_contacts_doc_id, void_visit,
};
use hiroba_engine::calendar::{ChildAge, Date};
use hiroba_engine::ids::{DocId, RoomId};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::api::{self, RoomInfo};
use crate::services::browser::now;
use crate::services::device::random;
use crate::staff::PageProps;
use crate::staff::live::{LinkState, LiveDocs, LiveHub};
use crate::state::Lang;
use fix::Editing;
use slip::{CHILD_FIELDS, FieldError, SlipForm, bracket_label};
use words::{Action, Words, failed_because, failure, slip_field};

/// Runs one engine change on the document `id`. A refusal rolls back
/// whatever the change had begun, so the document stays as it was;
/// `Err(None)` when there was no document to change.
fn change_one(
    docs: &LiveDocs,
    id: &DocId,
    f: impl FnOnce(&mut AutoCommit) -> Result<(), AttendanceError>,
) -> Result<(), Option<AttendanceError>> {
    docs.change(std::slice::from_ref(id), |d| match d.first_mut() {
        Some(doc) => {
            let done = f(doc);
            if done.is_err() {
                doc.rollback();
            }
            done.map_err(Some)
        }
        None => Err(None),
    })
}

/// An input of the page by id.
fn input(id: &str) -> Option<HtmlInputElement> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
}

fn event_id() -> Option<EventId> {
    random::<16>().ok().map(|r| EventId::from_random(&r))
}

fn visit_id() -> Option<VisitId> {
    random::<16>().ok().map(|r| VisitId::from_random(&r))
}

fn source_label(source: Source, lang: Lang) -> &'static str {
    match source {
        Source::AppPass => lang.pick("アプリ", "App"),
        Source::PrintedCard => lang.pick("カード", "Card"),
        Source::PaperSlip => lang.pick("用紙", "Slip"),
        _ => lang.pick("スタッフ", "Staff"),
    }
}

fn children_label(stay: &Stay, day: Date, lang: Lang) -> String {
    match &stay.children {
        Children::BirthMonths(months) if months.is_empty() => lang.pick("なし", "none").to_owned(),
        Children::BirthMonths(months) => months
            .iter()
            .map(|m| {
                let age = ChildAge::of(*m, day);
                match lang {
                    Lang::Ja => age.label_ja(),
                    Lang::En => age.label_en(),
                }
            })
            .collect::<Vec<_>>()
            .join("、"),
        Children::ByBracket(counts) => counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| format!("{}×{n}", bracket_label(i, lang == Lang::Ja)))
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// The administrator's room picker: each of the city's rooms by id and
/// name; only the room shown while the city's list has not arrived
/// (offline), never a guessed list.
fn room_options(rooms: &[RoomInfo], current: RoomId, lang: Lang) -> Vec<(String, String)> {
    if rooms.is_empty() {
        return vec![(current.to_string(), current.to_string())];
    }
    rooms
        .iter()
        .map(|r| {
            let name = lang.pick(&r.name_ja, &r.name_en);
            (r.id.clone(), format!("{} {name}", r.id))
        })
        .collect()
}

#[function_component(TodayPage)]
pub fn today_page(props: &PageProps) -> Html {
    let lang = props.lang;
    let session = props.session.clone();
    let room = use_state(|| session.room.unwrap_or(RoomId(1)));
    // The city's rooms with their names, for an administrator's picker.
    let rooms = use_state(Vec::<RoomInfo>::new);
    {
        let rooms = rooms.clone();
        let admin = session.is_admin();
        use_effect_with(admin, move |admin| {
            if *admin {
                yew::platform::spawn_local(async move {
                    if let Ok(config) = api::config().await {
                        rooms.set(config.rooms);
                    }
                });
            }
        });
    }
    let day = now().jst_date();
    let link = use_state(LinkState::default);
    let live = use_state(|| None::<Rc<LiveDocs>>);
    let problem = use_state(|| None::<(String, String)>);
    let editing = use_state(|| None::<Editing>);
    // Why the last action failed, until the next one succeeds.
    let failed = use_state(|| None::<Words>);
    let fix_error = use_state(|| None::<Words>);
    let hub = use_context::<LiveHub>().unwrap_or_default();
    let slip_errors = use_state(Vec::<FieldError>::new);
    let slip_saved = use_state(|| 0u32);

    let attendance = DocId::attendance(*room, day);
    let contacts_id = slip_contacts_doc_id(*room, day);

    {
        let (live, link, problem) = (live.clone(), link.clone(), problem.clone());
        let session = session.clone();
        use_effect_with((*room, day), move |(room, day)| {
            // The hub keeps the documents after this page goes; the page
            // only stops listening.
            let listening = match hub.open(&session, *room, *day) {
                Ok(docs) => {
                    link.set(docs.link_state());
                    let id = docs.listen(Callback::from(move |s: LinkState| link.set(s)));
                    live.set(Some(docs.clone()));
                    Some((docs, id))
                }
                Err(e) => {
                    problem.set(Some((e.message_ja(), e.message_en())));
                    None
                }
            };
            move || {
                if let Some((docs, id)) = listening {
                    docs.unlisten(id);
                }
            }
        });
    }

    let Some(docs) = (*live).clone() else {
        return html! {
            <section id="today" class="staff-page" data-state="loading">
                if let Some((ja, en)) = &*problem {
                    <p class="form-error" role="alert">{ lang.pick(ja, en) }</p>
                } else {
                    <p>{ lang.pick("読み込み中…", "Loading…") }</p>
                }
            </section>
        };
    };
    let at = now();
    let view = docs.read(&attendance, DayView::load);
    let contacts: SlipContacts = docs.read(&contacts_id, load_slip_contacts);
    let occupancy = view.occupancy(at);
    // Closed by staff (`DayView::is_open` means "had visits", not this):
    // closing again would move every stay closed at closing later.
    let closed = view.closing().is_some();

    let on_room = {
        let room = room.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Ok(r) = value.parse::<RoomId>() {
                room.set(r);
            }
        })
    };

    // Each action says why it failed; a success clears the last failure.
    let report = {
        let failed = failed.clone();
        move |action: Action, result: Result<(), Option<AttendanceError>>| match result {
            Ok(()) => failed.set(None),
            Err(e) => failed.set(Some(failure(action, e.as_ref()))),
        }
    };

    // Undo a mistaken scan or slip.
    let on_void = {
        let (docs, attendance, report) = (docs.clone(), attendance.clone(), report.clone());
        Callback::from(move |visit: VisitId| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("この利用記録を取り消しますか？ / Undo this visit?")
                        .ok()
                })
                .unwrap_or(false);
            if !sure {
                return;
            }
            let result = match event_id() {
                Some(event) => change_one(&docs, &attendance, |doc| {
                    void_visit(doc, &event, &visit, now())
                }),
                None => Err(None),
            };
            report(Action::Undo, result);
        })
    };
    let on_check_out = {
        let (docs, attendance, report) = (docs.clone(), attendance.clone(), report.clone());
        Callback::from(move |pass| {
            let result = match event_id() {
                Some(event) => change_one(&docs, &attendance, |doc| {
                    record_check_out(doc, &event, pass, now())
                }),
                None => Err(None),
            };
            report(Action::CheckOut, result);
        })
    };
    let on_save_fix = {
        let (docs, attendance, editing, fix_error) = (
            docs.clone(),
            attendance.clone(),
            editing.clone(),
            fix_error.clone(),
        );
        let report = report.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(mut edit) = (*editing).clone() else {
                return;
            };
            let (kids, guardians) = match edit.to_record() {
                Ok(record) => record,
                Err(why) => {
                    fix_error.set(Some(failed_because(Action::Fix, why)));
                    return;
                }
            };
            let result = match event_id() {
                Some(event) => change_one(&docs, &attendance, |doc| {
                    fix_members(doc, &event, &edit.visit, &kids, guardians, now())
                }),
                None => Err(None),
            };
            match result {
                Ok(()) => {
                    fix_error.set(None);
                    editing.set(None);
                    report(Action::Fix, Ok(()));
                }
                // The editor stays open with what staff chose.
                Err(e) => fix_error.set(Some(failure(Action::Fix, e.as_ref()))),
            }
        })
    };
    let on_close_day = {
        let (docs, attendance, report) = (docs.clone(), attendance.clone(), report.clone());
        Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("本日の受付を締めますか？室内の方は今の時刻で退室扱いになります。 / Close the day?")
                        .ok()
                })
                .unwrap_or(false);
            if sure {
                report(
                    Action::CloseDay,
                    change_one(&docs, &attendance, |doc| close_day(doc, now())),
                );
            }
        })
    };
    let on_slip = {
        let (docs, attendance, contacts_id) =
            (docs.clone(), attendance.clone(), contacts_id.clone());
        let (slip_errors, slip_saved) = (slip_errors.clone(), slip_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |id: &str| input(id).map(|el| el.value()).unwrap_or_default();
            let form = SlipForm {
                arrived: value("slip-arrived"),
                left: value("slip-left"),
                guardians: value("slip-guardians"),
                children: CHILD_FIELDS.map(value),
                name: value("slip-name"),
                phone: value("slip-phone"),
            };
            match form.to_slip(now().jst_date()) {
                Ok(slip) => {
                    let written = match visit_id() {
                        Some(id) => {
                            docs.change(&[attendance.clone(), contacts_id.clone()], |d| match d {
                                [att, con] => {
                                    let done = record_slip_with_contact(att, con, &id, &slip);
                                    if done.is_err() {
                                        att.rollback();
                                        con.rollback();
                                    }
                                    done.map_err(Some)
                                }
                                _ => Err(None),
                            })
                        }
                        None => Err(None),
                    };
                    match written {
                        Ok(()) => {
                            slip_errors.set(Vec::new());
                            slip_saved.set(*slip_saved + 1);
                            for field in ["slip-left", "slip-guardians", "slip-name", "slip-phone"]
                                .into_iter()
                                .chain(CHILD_FIELDS)
                            {
                                if let Some(el) = input(field) {
                                    el.set_value("");
                                }
                            }
                            if let Some(el) = input("slip-arrived") {
                                el.set_value(&now().jst_hhmm());
                                let _ = el.focus();
                                el.select();
                            }
                        }
                        // Worded by what failed, on the field it is about.
                        Err(error) => {
                            let words = failure(Action::Slip, error.as_ref());
                            let field = error.as_ref().map_or("slip-form", slip_field);
                            if let Some(el) = input(field) {
                                let _ = el.focus();
                            }
                            slip_errors.set(vec![FieldError {
                                field,
                                ja: words.ja,
                                en: words.en,
                            }]);
                        }
                    }
                }
                Err(errors) => {
                    if let Some(first) = errors.first().and_then(|e| input(e.field)) {
                        let _ = first.focus();
                    }
                    slip_errors.set(errors);
                }
            }
        })
    };

    let error_for = |field: &str| {
        slip_errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| lang.pick(&e.ja, &e.en).to_owned())
    };
    let field = |id: &'static str, label: String, placeholder: &'static str, wide: bool| {
        let error = error_for(id);
        let described = format!("{id}-error");
        html! {
            <div class={classes!("slip-field", wide.then_some("wide"))}>
                <label for={id}>{ label }</label>
                <input id={id} type="text" inputmode={if wide { "text" } else { "numeric" }} autocomplete="off"
                    placeholder={placeholder} aria-invalid={error.is_some().to_string()} aria-describedby={described.clone()} />
                <span id={described} class="field-error">{ error.unwrap_or_default() }</span>
            </div>
        }
    };

    let stay_row = |stay: &Stay, present: bool| {
        let Some(first) = stay.visits.first().cloned() else {
            return html! {};
        };
        let void = {
            let on_void = on_void.clone();
            let first = first.clone();
            Callback::from(move |_: MouseEvent| on_void.emit(first.clone()))
        };
        let out = stay.pass.map(|pass| {
            let on_check_out = on_check_out.clone();
            Callback::from(move |_: MouseEvent| on_check_out.emit(pass))
        });
        let edit = match &stay.children {
            Children::BirthMonths(months) => {
                let (editing, fix_error) = (editing.clone(), fix_error.clone());
                let start = Editing::new(first.clone(), months, stay.guardians);
                Some(Callback::from(move |_: MouseEvent| {
                    fix_error.set(None);
                    editing.set(Some(start.clone()))
                }))
            }
            Children::ByBracket(_) => None,
        };
        let contact = stay
            .visits
            .first()
            .and_then(|v| contacts.get(v))
            .map(|c| format!("{} {}", c.name, c.phone));
        let left = match (stay.left, stay.closed_at_closing) {
            (Some(t), true) => format!("{}*", t.jst_hhmm()),
            (Some(t), false) => t.jst_hhmm(),
            (None, _) => "—".to_owned(),
        };
        html! {
            <tr class="stay" data-visit={first.to_string()} data-people={stay.people().to_string()}>
                <td>{ stay.arrived.jst_hhmm() }</td>
                <td>{ left }</td>
                <td>{ children_label(stay, day, lang) }</td>
                <td>{ stay.guardians }</td>
                <td>{ source_label(stay.source, lang) }{ contact.map(|c| html! { <span class="contact">{ c }</span> }).unwrap_or_default() }</td>
                <td class="row-actions">
                    if present {
                        if let Some(out) = out {
                            <button type="button" class="small check-out" onclick={out}>{ lang.pick("退室", "Check out") }</button>
                        }
                    }
                    if let Some(edit) = edit {
                        <button type="button" class="small fix" onclick={edit}>{ lang.pick("修正", "Fix") }</button>
                    }
                    <button type="button" class="small void" onclick={void}>{ lang.pick("取消", "Undo") }</button>
                </td>
            </tr>
        }
    };

    let present: Vec<&Stay> = view.present(at);
    let editor = (*editing).clone().map(|edit| {
        let toggles = edit.children.iter().enumerate().map(|(i, (m, kept))| {
            let editing = editing.clone();
            let edit = edit.clone();
            let toggle = Callback::from(move |_: MouseEvent| {
                let mut next = edit.clone();
                next.toggle(i);
                editing.set(Some(next));
            });
            let age = ChildAge::of(*m, day);
            html! {
                <button type="button" class={classes!("child-toggle", kept.then_some("on"))} aria-pressed={kept.to_string()}
                    data-birth={m.to_string()} onclick={toggle}>
                    { match lang { Lang::Ja => age.label_ja(), Lang::En => age.label_en() } }
                </button>
            }
        });
        let on_guardians = {
            let editing = editing.clone();
            let edit = edit.clone();
            Callback::from(move |e: InputEvent| {
                let mut next = edit.clone();
                next.guardians_typed = e.target_unchecked_into::<HtmlInputElement>().value();
                editing.set(Some(next));
            })
        };
        let on_add = {
            let (editing, fix_error) = (editing.clone(), fix_error.clone());
            let edit = edit.clone();
            Callback::from(move |_: MouseEvent| {
                let Some(field) = input("fix-add-month") else {
                    return;
                };
                let mut next = edit.clone();
                match next.add_child(&field.value(), now().jst_date()) {
                    Ok(()) => {
                        field.set_value("");
                        fix_error.set(None);
                        editing.set(Some(next));
                    }
                    Err(why) => {
                        let _ = field.focus();
                        fix_error.set(Some(why));
                    }
                }
            })
        };
        let cancel = {
            let (editing, fix_error) = (editing.clone(), fix_error.clone());
            Callback::from(move |_: MouseEvent| {
                fix_error.set(None);
                editing.set(None)
            })
        };
        html! {
            <section id="fix-editor" class="fix-editor" aria-label={lang.pick("人数の修正", "Fix who came")}>
                <p>{ lang.pick("来た人を選び直してください", "Choose who came") }</p>
                <div class="toggles">{ for toggles }</div>
                <div class="fix-add">
                    <label for="fix-add-month">{ lang.pick("選び忘れた子を追加（生まれた年月）", "Add a child left out (birth month)") }</label>
                    <input id="fix-add-month" type="text" inputmode="numeric" autocomplete="off" placeholder="2024-08" />
                    <button id="fix-add" type="button" class="secondary" onclick={on_add}>{ lang.pick("追加", "Add") }</button>
                </div>
                <label for="fix-guardians">{ lang.pick("保護者", "Guardians") }</label>
                <input id="fix-guardians" type="text" inputmode="numeric" autocomplete="off"
                    value={edit.guardians_typed.clone()} oninput={on_guardians} />
                <button id="fix-save" type="button" class="primary" onclick={on_save_fix.clone()}>{ lang.pick("保存", "Save") }</button>
                <button type="button" class="secondary" onclick={cancel}>{ lang.pick("やめる", "Cancel") }</button>
                if let Some(w) = &*fix_error {
                    <p id="fix-error" class="form-error" role="alert">{ lang.pick(&w.ja, &w.en) }
                        if lang == Lang::Ja { <span class="en" lang="en">{ format!(" / {}", w.en) }</span> }
                    </p>
                }
            </section>
        }
    });

    let headers = html! {
        <tr>
            <th scope="col">{ lang.pick("来館", "In") }</th>
            <th scope="col">{ lang.pick("退館", "Out") }</th>
            <th scope="col">{ lang.pick("子ども", "Children") }</th>
            <th scope="col">{ lang.pick("保護者", "Guardians") }</th>
            <th scope="col">{ lang.pick("受付", "How") }</th>
            <th scope="col"><span class="visually-hidden">{ lang.pick("操作", "Actions") }</span></th>
        </tr>
    };

    html! {
        <section id="today" class="staff-page" data-state="ready" data-room={room.to_string()}
            data-groups={view.stays().len().to_string()} aria-labelledby="today-title">
            <div class="page-head">
                <h2 id="today-title">{ lang.pick("今日の受付", "Today") }{ format!(" {day}") }</h2>
                if session.is_admin() {
                    <label for="today-room">{ lang.pick("ルーム", "Room") }</label>
                    <select id="today-room" onchange={on_room}>
                        { for room_options(&rooms, *room, lang).into_iter().map(|(id, label)| html! {
                            <option value={id.clone()} selected={id == room.to_string()}>{ label }</option>
                        }) }
                    </select>
                }
                <span id="today-net" class={classes!("net-status", if link.online { "online" } else { "offline" })}
                    data-online={link.online.to_string()}>
                    { if link.online { lang.pick("● オンライン", "● Online") } else { lang.pick("○ オフライン", "○ Offline") } }
                </span>
                <span id="today-unsent" data-count={link.unsent.to_string()}>
                    { if link.unsent == 0 { lang.pick("保存済み", "Saved").to_owned() } else {
                        match lang { Lang::Ja => format!("未送信 {}件", link.unsent), Lang::En => format!("{} not sent yet", link.unsent) } } }
                </span>
            </div>
            if link.unsent > 0 {
                <p id="today-unsent-note" class="unsent-note" role="status">
                    { lang.pick("未送信の記録はこのタブの中にだけあります。送信が済むまで、このタブを閉じたりログアウトしたりしないでください（他のタブに移るのは大丈夫です）。",
                        "Unsent changes exist only in this browser tab. Keep the tab open and stay logged in until they are sent (switching to other tabs of the console is fine).") }
                </p>
            }
            if link.session_ended {
                <p class="form-error" role="alert">{ lang.pick("ログインの有効期限が切れました。同じIDでもう一度ログインすると、未送信の記録も送信されます。", "Your session ended. Log in again with the same ID and unsent changes will be sent too.") }</p>
            }
            if let Some(w) = &*failed {
                <div id="today-error" class="form-error" role="alert">
                    <p>{ lang.pick(&w.ja, &w.en) }</p>
                    if lang == Lang::Ja { <p class="en" lang="en">{ w.en.clone() }</p> }
                </div>
            }
            <p id="today-occupancy" class="occupancy-line" data-people={occupancy.people().to_string()}>
                { match lang {
                    Lang::Ja => format!("いま室内 {}人（{}組・子ども{}人・大人{}人）", occupancy.people(), occupancy.groups, occupancy.children, occupancy.adults),
                    Lang::En => format!("In the room: {} people ({} groups, {} children, {} adults)", occupancy.people(), occupancy.groups, occupancy.children, occupancy.adults),
                } }
                if closed {
                    <strong class="closed">{ lang.pick("（締め済み）", " (closed)") }</strong>
                }
            </p>
            { editor.unwrap_or_default() }
            <h3>{ lang.pick("いま室内", "In the room") }</h3>
            <table id="present" class="stays">
                <thead>{ headers.clone() }</thead>
                <tbody>{ for present.iter().map(|s| stay_row(s, true)) }</tbody>
            </table>
            <h3>{ lang.pick("今日の利用（すべて）", "All visits today") }</h3>
            <table id="visits" class="stays">
                <thead>{ headers }</thead>
                <tbody>{ for view.stays().iter().map(|s| stay_row(s, false)) }</tbody>
            </table>

            <h3 id="slip-title">{ lang.pick("紙の受付票を入力", "Enter a paper slip") }</h3>
            <form id="slip-form" class="slip-form" onsubmit={on_slip} aria-labelledby="slip-title" novalidate=true>
                { field("slip-arrived", lang.pick("来館時刻", "Arrived").to_owned(), "1030", false) }
                { field("slip-left", lang.pick("退館時刻（任意）", "Left (optional)").to_owned(), "1145", false) }
                { field("slip-guardians", lang.pick("保護者", "Guardians").to_owned(), "1", false) }
                { for CHILD_FIELDS.iter().enumerate().map(|(i, id)| field(id, bracket_label(i, lang == Lang::Ja).to_owned(), "0", false)) }
                { field("slip-name", lang.pick("氏名（任意）", "Name (optional)").to_owned(), "", true) }
                { field("slip-phone", lang.pick("電話（任意）", "Phone (optional)").to_owned(), "", true) }
                <button id="slip-submit" type="submit" class="primary">{ lang.pick("記録（Enter）", "Record (Enter)") }</button>
                if let Some(message) = error_for("slip-form") {
                    <p id="slip-form-error" class="form-error" role="alert">{ message }</p>
                }
                <span id="slip-status" role="status" data-saved={slip_saved.to_string()}>
                    if *slip_saved > 0 {
                        { match lang { Lang::Ja => format!("{}枚 記録しました", *slip_saved), Lang::En => format!("{} recorded", *slip_saved) } }
                    }
                </span>
            </form>

            <div class="close-day">
                <button id="close-day" type="button" class="secondary" onclick={on_close_day} disabled={closed}>
                    { lang.pick("本日の受付を締める", "Close the day") }
                </button>
                if let Some(t) = view.closing() {
                    <span>{ format!("{} {}", lang.pick("締め時刻", "Closed at"), t.jst_hhmm()) }</span>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_picker_names_the_citys_rooms_and_guesses_none() {
        let rooms = vec![
            RoomInfo {
                id: "R01".into(),
                name_ja: "中央こどもルーム".into(),
                name_en: "Central".into(),
            },
            RoomInfo {
                id: "R02".into(),
                name_ja: "北こどもルーム".into(),
                name_en: "North".into(),
            },
        ];
        assert_eq!(
            room_options(&rooms, RoomId(2), Lang::Ja),
            vec![
                ("R01".to_owned(), "R01 中央こどもルーム".to_owned()),
                ("R02".to_owned(), "R02 北こどもルーム".to_owned()),
            ]
        );
        assert_eq!(
            room_options(&[], RoomId(3), Lang::En),
            vec![("R03".to_owned(), "R03".to_owned())],
            "offline, only the room shown"
        );
    }
}
