//! The children on the family's record, with their ages (「2歳3ヶ月」,
//! 「小3」), and the request to add a child (a newborn): staff approve it,
//! the child joins the family and the app pass is reissued with them.

use std::rc::Rc;

use hiroba_engine::calendar::{ChildAge, Date};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Ctx;
use crate::components::field::Field;
use crate::form::{PersonRow, Problem, Problems, child_problems, half_width};
use crate::pages::form_alert;
use crate::services::api::{self, ApiError};
use crate::services::{browser, store};
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

/// 「2歳3ヶ月」 (or 「小3」) on `today` for a birth date `YYYY-MM-DD`.
pub fn age_label(birth: &str, today: Date, lang: Lang) -> String {
    match birth.parse::<Date>() {
        Ok(date) if date <= today => {
            let age = ChildAge::of(date.year_month(), today);
            match lang {
                Lang::Ja => age.label_ja(),
                Lang::En => age.label_en(),
            }
        }
        _ => String::new(),
    }
}

#[function_component(ChildrenPage)]
pub fn children_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let today = browser::now().jst_date();
    let row = use_state(PersonRow::default);
    let problems = use_state(|| Rc::new(Problems::new()));
    let error = use_state(|| None::<ApiError>);
    let sending = use_state(|| false);
    let sent = use_state(|| false);

    let edit = |f: fn(&mut PersonRow, String)| {
        let row = row.clone();
        Callback::from(move |v: String| {
            let mut next = (*row).clone();
            f(&mut next, v);
            row.set(next);
        })
    };
    let onsubmit = {
        let (row, problems, error, sending, sent) = (
            row.clone(),
            problems.clone(),
            error.clone(),
            sending.clone(),
            sent.clone(),
        );
        let ctx = ctx.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(token) = ctx.model.token().map(str::to_owned) else {
                return;
            };
            if *sending {
                return;
            }
            let found = child_problems(&row, today);
            if !found.is_empty() {
                problems.set(Rc::new(found));
                return;
            }
            problems.set(Rc::new(Problems::new()));
            sending.set(true);
            sent.set(false);
            let body = serde_json::json!({
                "submission_id": store::submission_id(store::CHILD_SUBMISSION),
                "name": row.name.trim(),
                "kana": row.kana.trim(),
                "birth_date": half_width(row.birth.trim()).replace('/', "-"),
            });
            let (row, problems, error, sending, sent, ctx) = (
                row.clone(),
                problems.clone(),
                error.clone(),
                sending.clone(),
                sent.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                match api::request_child(&token, &body).await {
                    Ok(_) => {
                        store::end_submission(store::CHILD_SUBMISSION);
                        row.set(PersonRow::default());
                        error.set(None);
                        sent.set(true);
                        ctx.refresh.emit(());
                    }
                    Err(e) if ctx.session_lost(&e) => {}
                    Err(e) => {
                        let fields: Problems = e
                            .fields()
                            .into_iter()
                            .map(|(k, m)| (k, Problem { ja: m.ja, en: m.en }))
                            .collect();
                        problems.set(Rc::new(fields));
                        error.set(Some(e));
                    }
                }
                sending.set(false);
            });
        })
    };

    let family = ctx.model.family.clone();
    let children = family
        .as_ref()
        .map(|f| f.children.clone())
        .unwrap_or_default();
    let requests = family
        .as_ref()
        .map(|f| f.child_requests.clone())
        .unwrap_or_default();
    let p = (*problems).clone();
    html! {
        <section class="page children" aria-labelledby="children-title">
            <h2 id="children-title">{ lang.pick("登録しているお子さん", "Your children") }</h2>
            <ul id="children" class="children-list" data-count={children.len().to_string()}>
                { for children.iter().map(|c| html! {
                    <li class="child" key={c.index} data-index={c.index.to_string()}>
                        <p class="name">{ c.name.clone() }<span class="kana">{ format!("（{}）", c.kana) }</span></p>
                        <p class="birth">
                            { format!("{} {}", lang.pick("生年月日", "Born"), c.birth_date) }
                            <strong class="age">{ format!("  {}", age_label(&c.birth_date, today, lang)) }</strong>
                        </p>
                    </li>
                }) }
            </ul>
            if family.is_none() {
                <p class="status">{ lang.pick("ネットワークにつなぐと表示されます。", "Shown once you are online.") }</p>
            }

            if !requests.is_empty() {
                <h3>{ lang.pick("追加の申請", "Requests to add a child") }</h3>
                <ul id="child-requests" class="requests">
                    { for requests.iter().map(|r| {
                        let status = match (r.status.as_str(), lang) {
                            ("pending", _) => lang.pick("確認中", "Waiting for staff"),
                            ("approved", _) => lang.pick("承認済み", "Approved"),
                            ("rejected", _) => lang.pick("承認されませんでした", "Not approved"),
                            _ => "",
                        };
                        html! {
                            <li class="child-request" key={r.request_id.clone()} data-status={r.status.clone()}>
                                <p>{ format!("{}（{}） {}", r.name, r.kana, r.birth_date) }</p>
                                <p class={classes!("status", r.status.clone())}>{ status }</p>
                                if let Some(reason) = r.reason.as_ref().filter(|_| r.status == "rejected") {
                                    <p class="reason">{ format!("{}{}", lang.pick("理由: ", "Reason: "), reason) }</p>
                                }
                            </li>
                        }
                    }) }
                </ul>
            }

            <h3>{ lang.pick("お子さんの追加を申請する", "Request to add a child") }</h3>
            <p class="hint">{ lang.pick(
                "お子さんが生まれたときなど。職員が確認すると登録され、QRコードが新しくなります。",
                "For a newborn, for example. Once staff approve, the child is added and your QR code is renewed.") }</p>
            if *sent {
                <p class="notice-box" role="status" id="child-sent">{ lang.pick(
                    "申請しました。職員の確認をお待ちください。", "Sent. Please wait for the staff to review it.") }</p>
            }
            { form_alert(lang, "child-summary", &p, &error, child_input) }
            <form id="child-form" {onsubmit} novalidate=true>
                <Field id="child-name" key_name="name" label={lang.pick("氏名", "Name").to_owned()}
                    value={row.name.clone()} oninput={edit(|r, v| r.name = v)} {lang} problems={p.clone()} />
                <Field id="child-kana" key_name="kana" label={lang.pick("ふりがな", "Reading (kana)").to_owned()}
                    value={row.kana.clone()} oninput={edit(|r, v| r.kana = v)} {lang} problems={p.clone()} />
                <Field id="child-birth" key_name="birth_date" label={lang.pick("生年月日", "Birth date").to_owned()}
                    value={row.birth.clone()} oninput={edit(|r, v| r.birth = v)} {lang} problems={p}
                    inputmode="numeric" placeholder="2026-10-01"
                    hint={lang.pick("例: 2026-10-01（年-月-日）", "e.g. 2026-10-01 (year-month-day)").to_owned()} />
                <button type="submit" id="child-submit" class="primary" disabled={*sending}>
                    { if *sending { lang.pick("送信中…", "Sending…") } else { lang.pick("申請する", "Send request") } }
                </button>
            </form>
        </section>
    }
}

/// The add-a-child form's input for a field key.
fn child_input(key: &str) -> String {
    match key {
        "kana" => "child-kana".to_owned(),
        "birth_date" => "child-birth".to_owned(),
        _ => "child-name".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_the_kiosk_says_them() {
        let today = Date::new(2026, 11, 24).unwrap_or_else(|_| unreachable!());
        assert_eq!(age_label("2024-08-15", today, Lang::Ja), "2歳3ヶ月");
        assert_eq!(age_label("2030-01-01", today, Lang::Ja), "");
        assert_eq!(age_label("nonsense", today, Lang::Ja), "");
    }
}
