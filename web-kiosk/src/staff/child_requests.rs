//! Guardians' requests to add a child (a newborn), decided by staff on the
//! applications page: approving adds the child and reissues the family's
//! app pass, so the parent app shows a QR that includes the new child.

use hiroba_engine::lang::Lang;
use serde::Deserialize;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::browser;
use super::common::{ErrorNote, api_error, jst};
use crate::services::api::{self, ApiError, Method};

/// A request as `GET /api/staff/child-requests` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChildRequest {
    pub request_id: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub submitted_at: i64,
    pub family_id: String,
    pub login_id: String,
    pub guardian: String,
    /// Children the family has now.
    pub children: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct RequestList {
    requests: Vec<ChildRequest>,
}

#[derive(Debug, Clone, PartialEq)]
enum List {
    Loading,
    Loaded(Vec<ChildRequest>),
    Failed(ApiError),
}

#[derive(Properties, PartialEq, Debug)]
pub struct ChildRequestsProps {
    pub lang: Lang,
    pub token: String,
}

/// The pending requests, each with approve and reject.
#[function_component(ChildRequests)]
pub fn child_requests(props: &ChildRequestsProps) -> Html {
    let lang = props.lang;
    let list = use_state(|| List::Loading);
    let reload = use_state(|| 0u32);
    let done = use_state(|| None::<(String, String)>);

    {
        let (list, token) = (list.clone(), props.token.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                let answer: Result<RequestList, ApiError> = api::request_json(
                    Method::Get,
                    "/api/staff/child-requests?status=pending",
                    Some(&token),
                    None::<&()>,
                )
                .await;
                list.set(match answer {
                    Ok(l) => List::Loaded(l.requests),
                    Err(e) => List::Failed(e),
                });
            });
        });
    }
    let on_decided = {
        let (reload, done) = (reload.clone(), done.clone());
        Callback::from(move |words: (String, String)| {
            done.set(Some(words));
            reload.set(*reload + 1);
        })
    };

    let body = match &*list {
        List::Loading => {
            html! { <p class="staff-muted" role="status">{ lang.pick("読み込み中…", "Loading…") }</p> }
        }
        List::Failed(e) => api_error(lang, e),
        List::Loaded(requests) if requests.is_empty() => html! {
            <p class="staff-muted">{ lang.pick("未処理の追加申請はありません。", "No requests waiting.") }</p>
        },
        List::Loaded(requests) => html! {
            <ul class="child-requests" data-count={requests.len().to_string()}>
                { for requests.iter().map(|r| html! {
                    <RequestItem {lang} token={props.token.clone()} request={r.clone()}
                        on_decided={on_decided.clone()} />
                }) }
            </ul>
        },
    };

    html! {
        <section class="staff-subsection" id="child-requests" aria-labelledby="child-requests-title">
            <h3 id="child-requests-title">{ lang.pick("お子さんの追加申請", "Requests to add a child") }</h3>
            if let Some((ja, en)) = &*done {
                <p class="staff-done" role="status">{ lang.pick(ja, en).to_owned() }</p>
            }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct ItemProps {
    lang: Lang,
    token: String,
    request: ChildRequest,
    on_decided: Callback<(String, String)>,
}

#[function_component(RequestItem)]
fn request_item(props: &ItemProps) -> Html {
    let lang = props.lang;
    let r = &props.request;
    let reason = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let act = {
        let (busy, error, token, on_decided) = (
            busy.clone(),
            error.clone(),
            props.token.clone(),
            props.on_decided.clone(),
        );
        move |path: String, body: Option<serde_json::Value>, words: (String, String)| {
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
                let answer = api::request_json::<_, serde_json::Value>(
                    Method::Post,
                    &path,
                    Some(&token),
                    body.as_ref(),
                )
                .await;
                busy.set(false);
                match answer {
                    Ok(_) => on_decided.emit(words),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let on_approve = {
        let act = act.clone();
        let path = format!("/api/staff/child-requests/{}/approve", r.request_id);
        let words = (
            "追加しました。家族のパスを再発行しました（古いQRは使えなくなります）。".to_owned(),
            "Added. The family's pass was reissued (the old QR stops working).".to_owned(),
        );
        Callback::from(move |_: MouseEvent| {
            if browser::confirm(
                "このお子さんを家族に追加し、パスを再発行します。よろしいですか？\nAdd this child and reissue the family's pass?",
            ) {
                act(path.clone(), None, words.clone());
            }
        })
    };
    let on_reject = {
        let (act, reason) = (act.clone(), reason.clone());
        let path = format!("/api/staff/child-requests/{}/reject", r.request_id);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let words = (
                "却下しました。理由は保護者のアプリに表示されます。".to_owned(),
                "Rejected. The reason shows in the parent app.".to_owned(),
            );
            act(
                path.clone(),
                Some(json!({ "reason": reason.trim() })),
                words,
            );
        })
    };
    let reason_error = error
        .as_ref()
        .and_then(|e| e.field("reason"))
        .map(|m| (m.ja.clone(), m.en.clone()));
    let reason_id = format!("child-reason-{}", r.request_id);

    html! {
        <li class="child-request" data-request={r.request_id.clone()}>
            <dl class="staff-facts">
                <dt>{ lang.pick("お子さん", "Child") }</dt>
                <dd>{ format!("{}（{}） {}: {}", r.name, r.kana, lang.pick("生年月日", "born"), r.birth_date) }</dd>
                <dt>{ lang.pick("家族", "Family") }</dt>
                <dd>{ format!("{} {} — {}{}", r.login_id, r.guardian, r.children, lang.pick("人のお子さん", " children now")) }</dd>
                <dt>{ lang.pick("申請日時", "Submitted") }</dt><dd>{ jst(r.submitted_at) }</dd>
            </dl>
            if let Some(e) = error.as_ref().filter(|e| e.field("reason").is_none()) {
                { api_error(lang, e) }
            }
            <div class="staff-actions">
                <button type="button" class="staff-button primary approve-child" disabled={*busy} onclick={on_approve}>
                    { lang.pick("承認して追加", "Approve and add") }
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
        </li>
    }
}
