//! Applications (事前登録) for staff to decide (SPEC §3.2): the list, one
//! application's details, approval — which answers the login letter to
//! print at once — and rejection with a reason. Approved applications can
//! get a new letter (a lost letter or forgotten password). Below the list,
//! guardians' requests to add a child ([`super::child_requests`]).

use hiroba_engine::lang::Lang;
use serde::Deserialize;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::browser;
use super::child_requests::ChildRequests;
use super::common::{ErrorNote, api_error, jst};
use super::letter::{Letter, LetterView};
use super::session::PageProps;
use crate::services::api::{self, ApiError, Method};

/// A person on an application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Person {
    pub name: String,
    pub kana: String,
}

/// A child on an application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Child {
    pub name: String,
    pub kana: String,
    pub birth_date: String,
}

/// Another adult allowed to bring the children.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OtherAdult {
    pub name: String,
    pub relationship: String,
}

/// An application as `GET /api/staff/applications` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Application {
    pub receipt: String,
    pub submitted_at: i64,
    pub guardians: Vec<Person>,
    pub address: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    pub children: Vec<Child>,
    #[serde(default)]
    pub other_adults: Vec<OtherAdult>,
    pub status: String,
    #[serde(default)]
    pub family_id: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub decided_at: Option<i64>,
    #[serde(default)]
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ApplicationList {
    applications: Vec<Application>,
}

/// The statuses the list can show, with their labels.
const STATUSES: [(&str, &str, &str); 4] = [
    ("pending", "未処理", "Pending"),
    ("approved", "承認済み", "Approved"),
    ("rejected", "却下", "Rejected"),
    ("all", "すべて", "All"),
];

fn status_label(status: &str, lang: Lang) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map_or("", |(_, ja, en)| lang.pick(ja, en))
}

/// The page's list: loading, loaded, or why not.
#[derive(Debug, Clone, PartialEq)]
enum List {
    Loading,
    Loaded(Vec<Application>),
    Failed(ApiError),
}

#[function_component(Applications)]
pub fn applications(props: &PageProps) -> Html {
    let lang = props.lang;
    let token = props.session.token.clone();
    let status = use_state(|| "pending".to_owned());
    let reload = use_state(|| 0u32);
    let list = use_state(|| List::Loading);
    let open = use_state(|| None::<String>);
    let letter = use_state(|| None::<Letter>);

    {
        let (list, token) = (list.clone(), token.clone());
        use_effect_with(((*status).clone(), *reload), move |(status, _)| {
            list.set(List::Loading);
            let path = format!("/api/staff/applications?status={status}");
            spawn_local(async move {
                let answer: Result<ApplicationList, ApiError> =
                    api::request_json(Method::Get, &path, Some(&token), None::<&()>).await;
                list.set(match answer {
                    Ok(l) => List::Loaded(l.applications),
                    Err(e) => List::Failed(e),
                });
            });
        });
    }

    let on_status = {
        let (status, open) = (status.clone(), open.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            open.set(None);
            status.set(value);
        })
    };
    let on_decided = {
        let (reload, open, letter) = (reload.clone(), open.clone(), letter.clone());
        Callback::from(move |made: Option<Letter>| {
            open.set(None);
            letter.set(made);
            reload.set(*reload + 1);
        })
    };
    let on_letter_close = {
        let letter = letter.clone();
        Callback::from(move |()| letter.set(None))
    };

    let statuses = STATUSES.iter().map(|(value, ja, en)| {
        html! { <option value={*value} selected={*status == *value}>{ lang.pick(ja, en) }</option> }
    });

    let body = match &*list {
        List::Loading => {
            html! { <p class="staff-muted" role="status">{ lang.pick("読み込み中…", "Loading…") }</p> }
        }
        List::Failed(e) => api_error(lang, e),
        List::Loaded(apps) if apps.is_empty() => html! {
            <p class="staff-muted">{ lang.pick("該当する申請はありません。", "No applications here.") }</p>
        },
        List::Loaded(apps) => {
            let rows = apps.iter().map(|a| {
                let receipt = a.receipt.clone();
                let is_open = open.as_deref() == Some(a.receipt.as_str());
                let onclick = {
                    let open = open.clone();
                    Callback::from(move |_: MouseEvent| {
                        open.set(if is_open { None } else { Some(receipt.clone()) })
                    })
                };
                let guardian = a.guardians.first().map(|g| g.name.clone()).unwrap_or_default();
                html! {
                    <>
                        <tr class={classes!(is_open.then_some("open"))}>
                            <td class="code">{ a.receipt.clone() }</td>
                            <td>{ jst(a.submitted_at) }</td>
                            <td>{ guardian }</td>
                            <td class="num">{ a.children.len() }</td>
                            <td>{ status_label(&a.status, lang) }</td>
                            <td>
                                <button type="button" class="staff-button" aria-expanded={is_open.to_string()} {onclick}>
                                    { if is_open { lang.pick("閉じる", "Close") } else { lang.pick("開く", "Open") } }
                                </button>
                            </td>
                        </tr>
                        if is_open {
                            <tr class="detail-row">
                                <td colspan="6">
                                    <ApplicationDetail {lang} token={token.clone()} application={a.clone()}
                                        on_decided={on_decided.clone()} />
                                </td>
                            </tr>
                        }
                    </>
                }
            });
            html! {
                <table class="staff-table">
                    <thead>
                        <tr>
                            <th scope="col">{ lang.pick("受付番号", "Receipt") }</th>
                            <th scope="col">{ lang.pick("申請日時", "Submitted") }</th>
                            <th scope="col">{ lang.pick("保護者", "Guardian") }</th>
                            <th scope="col">{ lang.pick("子ども", "Children") }</th>
                            <th scope="col">{ lang.pick("状態", "Status") }</th>
                            <th scope="col"><span class="visually-hidden">{ lang.pick("操作", "Action") }</span></th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        }
    };

    html! {
        <section class="staff-page" aria-labelledby="applications-title">
            <h2 id="applications-title">{ lang.pick("申請の審査（ID・パスワード発行）", "Applications (login issuance)") }</h2>
            if let Some(l) = &*letter {
                <LetterView {lang} letter={l.clone()} on_close={on_letter_close} />
            }
            <div class="staff-toolbar">
                <label for="application-status">{ lang.pick("表示", "Show") }</label>
                <select id="application-status" onchange={on_status}>{ for statuses }</select>
                <button type="button" class="staff-button" id="applications-refresh"
                        onclick={let r = reload.clone(); Callback::from(move |_: MouseEvent| r.set(*r + 1))}>
                    { lang.pick("更新", "Refresh") }
                </button>
            </div>
            { body }
            <ChildRequests {lang} token={token.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct DetailProps {
    lang: Lang,
    token: String,
    application: Application,
    /// An action finished: with the letter to print after an approval or a
    /// new letter, `None` after a rejection.
    on_decided: Callback<Option<Letter>>,
}

#[function_component(ApplicationDetail)]
fn application_detail(props: &DetailProps) -> Html {
    let lang = props.lang;
    let a = &props.application;
    let reason = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let reason_missing = use_state(|| false);

    let act = {
        let (busy, error, token, on_decided) = (
            busy.clone(),
            error.clone(),
            props.token.clone(),
            props.on_decided.clone(),
        );
        move |path: String, body: Option<serde_json::Value>, letter: bool| {
            if *busy {
                return;
            }
            busy.set(true);
            let (busy, error, token, on_decided) = (
                busy.clone(),
                error.clone(),
                token.clone(),
                on_decided.clone(),
            );
            spawn_local(async move {
                let done = if letter {
                    api::request_json::<(), Letter>(Method::Post, &path, Some(&token), None)
                        .await
                        .map(Some)
                } else {
                    api::request_json::<_, serde_json::Value>(
                        Method::Post,
                        &path,
                        Some(&token),
                        body.as_ref(),
                    )
                    .await
                    .map(|_| None)
                };
                busy.set(false);
                match done {
                    Ok(letter) => {
                        error.set(None);
                        on_decided.emit(letter);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let on_approve = {
        let act = act.clone();
        let path = format!("/api/staff/applications/{}/approve", a.receipt);
        Callback::from(move |_: MouseEvent| {
            if browser::confirm(
                "この申請を承認し、ログインIDと初期パスワードを発行します。よろしいですか？\nApprove this application and issue the login?",
            ) {
                act(path.clone(), None, true);
            }
        })
    };
    let on_reject = {
        let act = act.clone();
        let (reason, reason_missing) = (reason.clone(), reason_missing.clone());
        let path = format!("/api/staff/applications/{}/reject", a.receipt);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = reason.trim().to_owned();
            reason_missing.set(text.is_empty());
            if !text.is_empty() {
                act(path.clone(), Some(json!({ "reason": text })), false);
            }
        })
    };
    let on_new_letter = a.family_id.clone().map(|family| {
        let act = act.clone();
        let path = format!("/api/staff/families/{family}/letter");
        Callback::from(move |_: MouseEvent| {
            if browser::confirm("新しい初期パスワードで登録案内状を再発行します。今のパスワードは使えなくなります。よろしいですか？\nIssue a new letter? The current password will stop working.") {
                act(path.clone(), None, true);
            }
        })
    });

    let reason_error = error
        .as_ref()
        .and_then(|e| e.field("reason"))
        .map(|m| (m.ja.clone(), m.en.clone()))
        .or_else(|| {
            reason_missing.then(|| {
                (
                    "却下の理由を入力してください。".to_owned(),
                    "Enter a reason.".to_owned(),
                )
            })
        });

    let guardians = a
        .guardians
        .iter()
        .map(|g| html! { <li>{ format!("{}（{}）", g.name, g.kana) }</li> });
    let children = a.children.iter().map(|c| {
        html! { <li>{ format!("{}（{}） {}: {}", c.name, c.kana, lang.pick("生年月日", "born"), c.birth_date) }</li> }
    });
    let others = a
        .other_adults
        .iter()
        .map(|o| html! { <li>{ format!("{}（{}）", o.name, o.relationship) }</li> });
    let reason_id = format!("reason-{}", a.receipt);

    html! {
        <div class="staff-detail">
            <dl class="staff-facts">
                <dt>{ lang.pick("保護者", "Guardians") }</dt><dd><ul>{ for guardians }</ul></dd>
                <dt>{ lang.pick("子ども", "Children") }</dt><dd><ul>{ for children }</ul></dd>
                <dt>{ lang.pick("住所", "Address") }</dt><dd>{ a.address.clone() }</dd>
                <dt>{ lang.pick("電話番号", "Phone") }</dt><dd>{ a.phone.clone() }</dd>
                <dt>{ lang.pick("メール", "E-mail") }</dt><dd>{ a.email.clone().unwrap_or_else(|| "—".to_owned()) }</dd>
                if !a.other_adults.is_empty() {
                    <dt>{ lang.pick("送迎できる方", "Others who may bring the children") }</dt><dd><ul>{ for others }</ul></dd>
                }
                if let (Some(at), Some(by)) = (a.decided_at, a.decided_by.as_ref()) {
                    <dt>{ lang.pick("処理", "Decided") }</dt><dd>{ format!("{} {}", jst(at), by) }</dd>
                }
                if let Some(r) = &a.reason {
                    <dt>{ lang.pick("却下の理由", "Reason") }</dt><dd>{ r.clone() }</dd>
                }
            </dl>
            if let Some(e) = error.as_ref().filter(|e| e.field("reason").is_none()) {
                { api_error(lang, e) }
            }
            if a.status == "pending" {
                <div class="staff-actions">
                    <button type="button" class="staff-button primary approve" disabled={*busy} onclick={on_approve}>
                        { lang.pick("承認してIDを発行", "Approve and issue login") }
                    </button>
                </div>
                <form class="staff-form inline" onsubmit={on_reject}>
                    <label for={reason_id.clone()}>{ lang.pick("却下の理由（必須）", "Reason for rejecting (required)") }</label>
                    <textarea id={reason_id} rows="2" maxlength="500" value={(*reason).clone()}
                        aria-invalid={reason_error.is_some().to_string()}
                        oninput={let r = reason.clone(); Callback::from(move |e: InputEvent| r.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))} />
                    if let Some((ja, en)) = reason_error {
                        <ErrorNote {lang} ja={ja} en={en} />
                    }
                    <button type="submit" class="staff-button danger" disabled={*busy}>
                        { lang.pick("却下する", "Reject") }
                    </button>
                </form>
            }
            if let Some(onclick) = on_new_letter {
                <div class="staff-actions">
                    <button type="button" class="staff-button" disabled={*busy} {onclick}>
                        { lang.pick("登録案内状を再発行", "Issue a new login letter") }
                    </button>
                </div>
            }
        </div>
    }
}
