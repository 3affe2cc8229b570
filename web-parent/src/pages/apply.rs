//! 事前登録: the public application form. One application covers every
//! room. Checked on the phone first (same words as the relay), then sent
//! with a `submission_id` made once per form and kept in `sessionStorage`,
//! so a retry after a network error, or a reload, never makes a second
//! application. The relay's per-field messages land beside their fields.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Ctx;
use crate::components::field::Field;
use crate::form::{
    ApplyForm, MAX_CHILDREN, MAX_GUARDIANS, MAX_OTHER_ADULTS, OtherRow, PersonRow, Problem,
    Problems, field_order,
};
use crate::pages::form_alert;
use crate::services::api::{self, ApiError};
use crate::services::{browser, store};
use crate::state::{Lang, Route};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Editing,
    Sending,
    /// Received: the receipt number, and whether the relay already held
    /// this submission (`duplicate`), in which case what was sent now —
    /// perhaps corrected after a network error — was not applied.
    Done {
        receipt: String,
        duplicate: bool,
    },
}

/// Which list a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Guardians,
    Children,
    Others,
}

#[function_component(ApplyPage)]
pub fn apply_page(props: &Props) -> Html {
    let lang = props.ctx.lang();
    let form = use_state(ApplyForm::default);
    let problems = use_state(|| Rc::new(Problems::new()));
    let phase = use_state(|| Phase::Editing);
    let error = use_state(|| None::<ApiError>);
    // Made once when the form opens (and reused across reloads of the tab).
    let submission = use_memo((), |_| store::submission_id(store::APPLY_SUBMISSION));

    if let Phase::Done { receipt, duplicate } = &*phase {
        return receipt_view(lang, receipt, *duplicate);
    }

    // `edit(|form, value| …)` makes the `oninput` of one field.
    let edit = {
        let form = form.clone();
        move |f: fn(&mut ApplyForm, usize, String), i: usize| {
            let form = form.clone();
            Callback::from(move |value: String| {
                let mut next = (*form).clone();
                f(&mut next, i, value);
                form.set(next);
            })
        }
    };
    let add_row = |list: List| {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*form).clone();
            match list {
                List::Guardians if next.guardians.len() < MAX_GUARDIANS => {
                    next.guardians.push(PersonRow::default())
                }
                List::Children if next.children.len() < MAX_CHILDREN => {
                    next.children.push(PersonRow::default())
                }
                List::Others if next.others.len() < MAX_OTHER_ADULTS => {
                    next.others.push(OtherRow::default())
                }
                _ => {}
            }
            form.set(next);
        })
    };
    let remove_row = |list: List, i: usize| {
        let form = form.clone();
        let problems = problems.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*form).clone();
            match list {
                List::Guardians if next.guardians.len() > 1 => {
                    next.guardians.remove(i);
                }
                List::Children if next.children.len() > 1 => {
                    next.children.remove(i);
                }
                List::Others if i < next.others.len() => {
                    next.others.remove(i);
                }
                _ => {}
            }
            form.set(next);
            // Row numbers moved: old messages would point at the wrong rows.
            problems.set(Rc::new(Problems::new()));
        })
    };
    let on_consent = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let checked = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            let mut next = (*form).clone();
            next.consent = checked;
            form.set(next);
        })
    };
    let onsubmit = {
        let form = form.clone();
        let problems = problems.clone();
        let phase = phase.clone();
        let error = error.clone();
        let submission = submission.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *phase == Phase::Sending {
                return;
            }
            let found = form.problems(browser::now().jst_date());
            if !found.is_empty() {
                focus_first(&found);
                problems.set(Rc::new(found));
                error.set(None);
                return;
            }
            problems.set(Rc::new(Problems::new()));
            phase.set(Phase::Sending);
            let body = form.to_json(&submission);
            let (problems, phase, error) = (problems.clone(), phase.clone(), error.clone());
            spawn_local(async move {
                match api::apply(&body).await {
                    Ok(answer) => {
                        store::end_submission(store::APPLY_SUBMISSION);
                        browser::scroll_top();
                        phase.set(Phase::Done {
                            receipt: answer.receipt.unwrap_or_default(),
                            duplicate: answer.duplicate,
                        });
                    }
                    Err(e) => {
                        let fields: Problems = e
                            .fields()
                            .into_iter()
                            .map(|(k, m)| (k, Problem { ja: m.ja, en: m.en }))
                            .collect();
                        focus_first(&fields);
                        problems.set(Rc::new(fields));
                        error.set(Some(e));
                        phase.set(Phase::Editing);
                    }
                }
            });
        })
    };

    let p = (*problems).clone();
    let f = &*form;
    let field = |id: String, key: String, label: &str, value: &str, oninput: Callback<String>| {
        html! {
            <Field id={id} key_name={key} label={label.to_owned()} value={value.to_owned()}
                {oninput} {lang} problems={p.clone()} />
        }
    };
    // A list's or the consent's message: silent, as the fields' are.
    let list_problem = |key: &str| {
        p.get(key).map(|m| html! {
            <p class="error" id={format!("{}-error", input_id(key))} data-error-for={key.to_owned()}>
                { lang.pick(&m.ja, &m.en).to_owned() }
            </p>
        })
    };

    let guardians = f.guardians.iter().enumerate().map(|(i, g)| {
        html! {
            <fieldset class="row" key={format!("g{i}")}>
                <legend>{ format!("{} {}", lang.pick("保護者", "Guardian"), i + 1) }</legend>
                { field(format!("apply-guardian-{i}-name"), format!("guardians[{i}].name"),
                    lang.pick("氏名", "Name"), &g.name, edit(|f, i, v| if let Some(row) = f.guardians.get_mut(i) { row.name = v }, i)) }
                { field(format!("apply-guardian-{i}-kana"), format!("guardians[{i}].kana"),
                    lang.pick("ふりがな", "Reading (kana)"), &g.kana, edit(|f, i, v| if let Some(row) = f.guardians.get_mut(i) { row.kana = v }, i)) }
                if f.guardians.len() > 1 {
                    <button type="button" class="remove" id={format!("apply-guardian-{i}-remove")}
                        onclick={remove_row(List::Guardians, i)}>
                        { lang.pick("この保護者を削除", "Remove this guardian") }
                    </button>
                }
            </fieldset>
        }
    });
    let children = f.children.iter().enumerate().map(|(i, c)| {
        html! {
            <fieldset class="row" key={format!("c{i}")}>
                <legend>{ format!("{} {}", lang.pick("お子さん", "Child"), i + 1) }</legend>
                { field(format!("apply-child-{i}-name"), format!("children[{i}].name"),
                    lang.pick("氏名", "Name"), &c.name, edit(|f, i, v| if let Some(row) = f.children.get_mut(i) { row.name = v }, i)) }
                { field(format!("apply-child-{i}-kana"), format!("children[{i}].kana"),
                    lang.pick("ふりがな", "Reading (kana)"), &c.kana, edit(|f, i, v| if let Some(row) = f.children.get_mut(i) { row.kana = v }, i)) }
                <Field id={format!("apply-child-{i}-birth")} key_name={format!("children[{i}].birth_date")}
                    label={lang.pick("生年月日", "Birth date").to_owned()} value={c.birth.clone()}
                    oninput={edit(|f, i, v| if let Some(row) = f.children.get_mut(i) { row.birth = v }, i)} {lang} problems={p.clone()}
                    inputmode="numeric" placeholder="2024-08-15"
                    hint={lang.pick("例: 2024-08-15（年-月-日）", "e.g. 2024-08-15 (year-month-day)").to_owned()} />
                if f.children.len() > 1 {
                    <button type="button" class="remove" id={format!("apply-child-{i}-remove")}
                        onclick={remove_row(List::Children, i)}>
                        { lang.pick("このお子さんを削除", "Remove this child") }
                    </button>
                }
            </fieldset>
        }
    });
    let others = f.others.iter().enumerate().map(|(i, o)| {
        html! {
            <fieldset class="row" key={format!("o{i}")}>
                <legend>{ format!("{} {}", lang.pick("送迎できる方", "Other adult"), i + 1) }</legend>
                { field(format!("apply-other-{i}-name"), format!("other_adults[{i}].name"),
                    lang.pick("氏名", "Name"), &o.name, edit(|f, i, v| if let Some(row) = f.others.get_mut(i) { row.name = v }, i)) }
                { field(format!("apply-other-{i}-relationship"), format!("other_adults[{i}].relationship"),
                    lang.pick("続柄（例: 祖母）", "Relationship (e.g. grandmother)"), &o.relationship,
                    edit(|f, i, v| if let Some(row) = f.others.get_mut(i) { row.relationship = v }, i)) }
                <button type="button" class="remove" id={format!("apply-other-{i}-remove")}
                    onclick={remove_row(List::Others, i)}>
                    { lang.pick("この方を削除", "Remove") }
                </button>
            </fieldset>
        }
    });
    let sending = *phase == Phase::Sending;
    let consent_invalid = p.contains_key("consent");

    html! {
        <section class="page apply" aria-labelledby="apply-title">
            <h2 id="apply-title">{ lang.pick("事前登録（利用申請）", "Apply to use the children's rooms") }</h2>
            <p class="lead">{ lang.pick(
                "1回の申請で市内すべてのこどもルームが対象です。職員が確認したあと、ログインIDとパスワードを記載した案内状をお渡しします。",
                "One application covers every children's room in the city. After staff review it, you receive a letter with your login ID and password.") }</p>
            <form id="apply-form" {onsubmit} novalidate=true>
                { form_alert(lang, "apply-summary", &p, &error, input_id) }
                <h3>{ lang.pick("保護者", "Guardians") }</h3>
                { for guardians }
                { list_problem("guardians").unwrap_or_default() }
                if f.guardians.len() < MAX_GUARDIANS {
                    <button type="button" class="add" id="apply-add-guardian" onclick={add_row(List::Guardians)}>
                        { lang.pick("＋ 保護者を追加", "+ Add a guardian") }
                    </button>
                }

                <h3>{ lang.pick("連絡先", "Contact") }</h3>
                <Field id="apply-address" key_name="address" label={lang.pick("住所", "Address").to_owned()}
                    value={f.address.clone()} oninput={edit(|f, _, v| f.address = v, 0)} {lang}
                    problems={p.clone()} autocomplete="street-address" />
                <Field id="apply-phone" key_name="phone" label={lang.pick("電話番号", "Phone").to_owned()}
                    value={f.phone.clone()} oninput={edit(|f, _, v| f.phone = v, 0)} {lang}
                    problems={p.clone()} kind="tel" autocomplete="tel" inputmode="tel" placeholder="090-1234-5678" />
                <Field id="apply-email" key_name="email" label={lang.pick("メールアドレス", "E-mail").to_owned()}
                    value={f.email.clone()} oninput={edit(|f, _, v| f.email = v, 0)} {lang}
                    problems={p.clone()} kind="email" autocomplete="email" required=false />

                <h3>{ lang.pick("お子さん", "Children") }</h3>
                { for children }
                { list_problem("children").unwrap_or_default() }
                if f.children.len() < MAX_CHILDREN {
                    <button type="button" class="add" id="apply-add-child" onclick={add_row(List::Children)}>
                        { lang.pick("＋ お子さんを追加", "+ Add a child") }
                    </button>
                }

                <h3>{ lang.pick("お子さんを送迎できる方（任意）", "Others who may bring the children (optional)") }</h3>
                <p class="hint">{ lang.pick("祖父母など、保護者のほかにお子さんと来館する方。", "Grandparents or others who may come with the children.") }</p>
                { for others }
                { list_problem("other_adults").unwrap_or_default() }
                if f.others.len() < MAX_OTHER_ADULTS {
                    <button type="button" class="add" id="apply-add-other" onclick={add_row(List::Others)}>
                        { lang.pick("＋ 送迎できる方を追加", "+ Add someone") }
                    </button>
                }

                <h3 id="privacy-title">{ lang.pick("個人情報の取り扱い", "Privacy notice") }</h3>
                <div class="privacy" id="privacy-notice" tabindex="0" aria-labelledby="privacy-title">
                    { privacy_notice(lang) }
                </div>
                <div class={classes!("field", "check", p.contains_key("consent").then_some("invalid"))}>
                    <label for="apply-consent">
                        <input type="checkbox" id="apply-consent" name="consent" checked={f.consent}
                            onchange={on_consent} aria-required="true"
                            aria-invalid={consent_invalid.then_some("true")}
                            aria-describedby={consent_invalid.then_some("apply-consent-error")} />
                        { lang.pick("上記の個人情報の取り扱いに同意します", "I agree to the privacy notice above") }
                    </label>
                    { list_problem("consent").unwrap_or_default() }
                </div>
                <button type="submit" id="apply-submit" class="primary" disabled={sending}>
                    { if sending { lang.pick("送信中…", "Sending…") } else { lang.pick("申請する", "Apply") } }
                </button>
            </form>
            <p class="aside"><a href={Route::Login.hash()}>{ lang.pick("登録済みの方はログイン", "Already registered? Log in") }</a></p>
        </section>
    }
}

fn privacy_notice(lang: Lang) -> Html {
    let items: [(&str, &str); 4] = [
        (
            "ご記入の情報は、こどもルームの利用受付、利用状況の集計、緊急時の連絡、講座のご案内のためにのみ使います。",
            "The information is used only to run check-in at the children's rooms, count usage, contact you in an emergency and tell you about courses.",
        ),
        (
            "受付用のQRコードには氏名・住所・電話番号は含まれません。",
            "The check-in QR code carries no name, address or phone number.",
        ),
        (
            "情報は市の管理するサーバーに保存し、法令に基づく場合を除き第三者に提供しません。",
            "It is stored on servers the city runs and is not given to third parties except as the law requires.",
        ),
        (
            "内容の確認・訂正・利用停止は、いずれかのこどもルームの職員にお申し出ください。",
            "To see, correct or stop the use of your information, ask the staff at any children's room.",
        ),
    ];
    html! {
        <ul>
            { for items.iter().map(|(ja, en)| html! { <li>{ lang.pick(ja, en) }</li> }) }
        </ul>
    }
}

fn receipt_view(lang: Lang, receipt: &str, duplicate: bool) -> Html {
    html! {
        <section class="page apply-done" aria-labelledby="receipt-title">
            <h2 id="receipt-title">{ if duplicate {
                lang.pick("この申請はすでに受け付けています", "This application had already been received")
            } else {
                lang.pick("申請を受け付けました", "Your application was received")
            } }</h2>
            if duplicate {
                <p class="notice-box" id="apply-duplicate" role="status">{ duplicate_note(lang, receipt) }</p>
            }
            <div id="apply-receipt" class="receipt" data-receipt={receipt.to_owned()}
                data-duplicate={duplicate.to_string()}>
                <p class="label">{ lang.pick("受付番号", "Receipt number") }</p>
                <p class="number">{ receipt.to_owned() }</p>
            </div>
            <p>{ lang.pick("受付番号は控えておいてください。", "Please keep this number.") }</p>
            <h3>{ lang.pick("このあとの流れ", "What happens next") }</h3>
            <ol class="steps">
                <li>{ lang.pick("職員が申請内容を確認します。", "Staff review your application.") }</li>
                <li>{ lang.pick("こどもルームで、ログインIDと初期パスワードを記載した「登録案内状」をお渡しします。",
                    "At a children's room you receive a registration letter with your login ID and initial password.") }</li>
                <li>{ lang.pick("このアプリでログインし、パスワードを変更して、利用するルームを登録（本登録）すると、受付用のQRコードが表示されます。",
                    "Log in to this app, change the password and register for your rooms: your check-in QR code then appears.") }</li>
            </ol>
            <a class="button" href={Route::Login.hash()}>{ lang.pick("ログイン画面へ", "Go to login") }</a>
        </section>
    }
}

/// Said when the relay already held this form's submission (the first send
/// arrived though the phone saw a network error): the application stands
/// as first received, and a correction is for staff to make.
fn duplicate_note(lang: Lang, receipt: &str) -> String {
    match lang {
        Lang::Ja => format!(
            "この申請は、受付番号 {receipt} ですでに受け付けています。今回の送信内容（訂正した箇所を含む）は反映されていません。内容の訂正は、いずれかのこどもルームの職員にお申し出ください。"
        ),
        Lang::En => format!(
            "This application had already been received, with receipt number {receipt}. What you sent this time (including any corrections) was not applied. To correct it, please ask the staff at any children's room."
        ),
    }
}

/// Moves the focus to the first field with a problem, in the form's order.
fn focus_first(problems: &Problems) {
    let Some(first) = problems.keys().min_by_key(|k| field_order(k)) else {
        return;
    };
    browser::focus(&input_id(first));
}

/// The input id of a relay field key: `children[0].birth_date` →
/// `apply-child-0-birth`.
pub fn input_id(key: &str) -> String {
    // A list as a whole (the relay's `children`): its first row, or the
    // button that adds one.
    match key {
        "guardians" => return "apply-guardian-0-name".to_owned(),
        "children" => return "apply-child-0-name".to_owned(),
        "other_adults" => return "apply-add-other".to_owned(),
        _ => {}
    }
    let (list, rest) = key.split_once('[').unwrap_or((key, ""));
    let (index, field) = rest.split_once("].").unwrap_or(("", ""));
    let list = match list {
        "guardians" => "guardian",
        "children" => "child",
        "other_adults" => "other",
        other => return format!("apply-{other}"),
    };
    let field = if field == "birth_date" {
        "birth"
    } else {
        field
    };
    format!("apply-{list}-{index}-{field}")
}

#[cfg(test)]
mod tests {
    use super::input_id;

    #[test]
    fn field_keys_map_to_input_ids() {
        assert_eq!(input_id("children[0].birth_date"), "apply-child-0-birth");
        assert_eq!(input_id("guardians[1].kana"), "apply-guardian-1-kana");
        assert_eq!(
            input_id("other_adults[2].relationship"),
            "apply-other-2-relationship"
        );
        assert_eq!(input_id("phone"), "apply-phone");
        assert_eq!(input_id("consent"), "apply-consent");
        assert_eq!(input_id("children"), "apply-child-0-name");
    }
}
