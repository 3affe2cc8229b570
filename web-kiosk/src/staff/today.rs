//! 今日 (Today): who is in the room, the day's visits, corrections (fix
//! members, undo a mistaken scan), paper-slip entry by keyboard alone, and
//! closing the day. Works on the room's live day document, so kiosks and
//! every staff screen see each change within a sync.

pub mod slip;

use std::rc::Rc;

use hiroba_engine::attendance::{
    Children, DayView, EventId, SlipContacts, Source, Stay, VisitId, close_day, fix_members,
    load_slip_contacts, record_check_out, record_slip_with_contact, slip_contacts_doc_id,
    void_visit,
};
use hiroba_engine::calendar::{ChildAge, Date, YearMonth};
use hiroba_engine::ids::{DocId, RoomId};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::browser::now;
use crate::services::device::random;
use crate::staff::PageProps;
use crate::staff::live::{LinkState, LiveDocs};
use crate::state::Lang;
use slip::{CHILD_FIELDS, FieldError, SlipForm, bracket_label};

/// A correction being edited: the visit, its children (kept or not) and
/// guardians.
#[derive(Debug, Clone, PartialEq)]
struct Editing {
    visit: VisitId,
    children: Vec<(YearMonth, bool)>,
    guardians: u8,
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

#[function_component(TodayPage)]
pub fn today_page(props: &PageProps) -> Html {
    let lang = props.lang;
    let session = props.session.clone();
    let room = use_state(|| session.room.unwrap_or(RoomId(1)));
    let day = now().jst_date();
    let link = use_state(LinkState::default);
    let live = use_state(|| None::<Rc<LiveDocs>>);
    let problem = use_state(|| None::<(String, String)>);
    let editing = use_state(|| None::<Editing>);
    let slip_errors = use_state(Vec::<FieldError>::new);
    let slip_saved = use_state(|| 0u32);

    let attendance = DocId::attendance(*room, day);
    let contacts_id = slip_contacts_doc_id(*room, day);

    {
        let (live, link, problem) = (live.clone(), link.clone(), problem.clone());
        let token = session.token.clone();
        let ids = vec![DocId::trust_list(), attendance.clone(), contacts_id.clone()];
        use_effect_with((*room, day), move |_| {
            let notify = Callback::from(move |s: LinkState| link.set(s));
            let started = LiveDocs::start(&token, &ids, notify);
            let running = match started {
                Ok(docs) => {
                    live.set(Some(docs.clone()));
                    Some(docs)
                }
                Err(e) => {
                    problem.set(Some((e.message_ja(), e.message_en())));
                    None
                }
            };
            move || {
                if let Some(docs) = running {
                    docs.stop();
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

    // Undo a mistaken scan or slip.
    let on_void = {
        let (docs, attendance) = (docs.clone(), attendance.clone());
        Callback::from(move |visit: VisitId| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("この利用記録を取り消しますか？ / Undo this visit?")
                        .ok()
                })
                .unwrap_or(false);
            if let (true, Some(event)) = (sure, event_id()) {
                docs.change(std::slice::from_ref(&attendance), |d| {
                    if let Some(doc) = d.first_mut() {
                        let _ = void_visit(doc, &event, &visit, now());
                    }
                });
            }
        })
    };
    let on_check_out = {
        let (docs, attendance) = (docs.clone(), attendance.clone());
        Callback::from(move |pass| {
            if let Some(event) = event_id() {
                docs.change(std::slice::from_ref(&attendance), |d| {
                    if let Some(doc) = d.first_mut() {
                        let _ = record_check_out(doc, &event, pass, now());
                    }
                });
            }
        })
    };
    let on_save_fix = {
        let (docs, attendance, editing) = (docs.clone(), attendance.clone(), editing.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(edit) = (*editing).clone() else {
                return;
            };
            let kids: Vec<YearMonth> = edit
                .children
                .iter()
                .filter(|(_, k)| *k)
                .map(|(m, _)| *m)
                .collect();
            if let Some(event) = event_id() {
                docs.change(std::slice::from_ref(&attendance), |d| {
                    if let Some(doc) = d.first_mut() {
                        let _ = fix_members(doc, &event, &edit.visit, &kids, edit.guardians, now());
                    }
                });
            }
            editing.set(None);
        })
    };
    let on_close_day = {
        let (docs, attendance) = (docs.clone(), attendance.clone());
        Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("本日の受付を締めますか？室内の方は今の時刻で退室扱いになります。 / Close the day?")
                        .ok()
                })
                .unwrap_or(false);
            if sure {
                docs.change(std::slice::from_ref(&attendance), |d| {
                    if let Some(doc) = d.first_mut() {
                        let _ = close_day(doc, now());
                    }
                });
            }
        })
    };
    let on_slip = {
        let (docs, attendance, contacts_id) =
            (docs.clone(), attendance.clone(), contacts_id.clone());
        let (slip_errors, slip_saved) = (slip_errors.clone(), slip_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let input = |id: &str| {
                doc.get_element_by_id(id)
                    .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
            };
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
                    let Some(id) = visit_id() else {
                        return;
                    };
                    let written =
                        docs.change(&[attendance.clone(), contacts_id.clone()], |d| match d {
                            [att, con] => record_slip_with_contact(att, con, &id, &slip)
                                .map_err(|e| e.to_string()),
                            _ => Err("documents".to_owned()),
                        });
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
                        Err(detail) => slip_errors.set(vec![FieldError {
                            field: "slip-name",
                            ja: "氏名・電話番号が長すぎるか、使えない文字を含みます。".to_owned(),
                            en: format!("The name or phone cannot be stored ({detail})."),
                        }]),
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
                let editing = editing.clone();
                let start = Editing {
                    visit: first.clone(),
                    children: months.iter().map(|m| (*m, true)).collect(),
                    guardians: stay.guardians,
                };
                Some(Callback::from(move |_: MouseEvent| {
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
                if let Some(c) = next.children.get_mut(i) {
                    c.1 = !c.1;
                }
                editing.set(Some(next));
            });
            let age = ChildAge::of(*m, day);
            html! {
                <button type="button" class={classes!("child-toggle", kept.then_some("on"))} aria-pressed={kept.to_string()} onclick={toggle}>
                    { match lang { Lang::Ja => age.label_ja(), Lang::En => age.label_en() } }
                </button>
            }
        });
        let on_guardians = {
            let editing = editing.clone();
            let edit = edit.clone();
            Callback::from(move |e: Event| {
                let value = e.target_unchecked_into::<HtmlInputElement>().value();
                if let Ok(n) = value.trim().parse::<u8>() {
                    let mut next = edit.clone();
                    next.guardians = n.min(20);
                    editing.set(Some(next));
                }
            })
        };
        let cancel = {
            let editing = editing.clone();
            Callback::from(move |_: MouseEvent| editing.set(None))
        };
        html! {
            <section id="fix-editor" class="fix-editor" aria-label={lang.pick("人数の修正", "Fix who came")}>
                <p>{ lang.pick("来た人を選び直してください", "Choose who came") }</p>
                <div class="toggles">{ for toggles }</div>
                <label for="fix-guardians">{ lang.pick("保護者", "Guardians") }</label>
                <input id="fix-guardians" type="number" min="0" max="20" value={edit.guardians.to_string()} onchange={on_guardians} />
                <button id="fix-save" type="button" class="primary" onclick={on_save_fix.clone()}>{ lang.pick("保存", "Save") }</button>
                <button type="button" class="secondary" onclick={cancel}>{ lang.pick("やめる", "Cancel") }</button>
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
                        { for (1..=11u16).map(|n| {
                            let r = RoomId(n);
                            html! { <option value={r.to_string()} selected={r == *room}>{ r.to_string() }</option> }
                        }) }
                    </select>
                }
                <span id="today-net" class={classes!("net-status", if link.online { "online" } else { "offline" })}
                    data-online={link.online.to_string()}>
                    { if link.online { lang.pick("● オンライン", "● Online") } else { lang.pick("○ オフライン", "○ Offline") } }
                </span>
                <span id="today-unsent" data-count={link.unsent.to_string()}>
                    { if link.unsent == 0 { lang.pick("保存済み", "Saved").to_owned() } else {
                        match lang { Lang::Ja => format!("未送信 {}件", link.unsent), Lang::En => format!("{} not saved yet", link.unsent) } } }
                </span>
            </div>
            if link.session_ended {
                <p class="form-error" role="alert">{ lang.pick("ログインの有効期限が切れました。もう一度ログインしてください。", "Your session ended. Please log in again.") }</p>
            }
            <p id="today-occupancy" class="occupancy-line" data-people={occupancy.people().to_string()}>
                { match lang {
                    Lang::Ja => format!("いま室内 {}人（{}組・子ども{}人・大人{}人）", occupancy.people(), occupancy.groups, occupancy.children, occupancy.adults),
                    Lang::En => format!("In the room: {} people ({} groups, {} children, {} adults)", occupancy.people(), occupancy.groups, occupancy.children, occupancy.adults),
                } }
                if !view.is_open() {
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
                <span id="slip-status" role="status" data-saved={slip_saved.to_string()}>
                    if *slip_saved > 0 {
                        { match lang { Lang::Ja => format!("{}枚 記録しました", *slip_saved), Lang::En => format!("{} recorded", *slip_saved) } }
                    }
                </span>
            </form>

            <div class="close-day">
                <button id="close-day" type="button" class="secondary" onclick={on_close_day} disabled={!view.is_open()}>
                    { lang.pick("本日の受付を締める", "Close the day") }
                </button>
                if let Some(t) = view.closing() {
                    <span>{ format!("{} {}", lang.pick("締め時刻", "Closed at"), t.jst_hhmm()) }</span>
                }
            </div>
        </section>
    }
}
