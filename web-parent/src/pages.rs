//! One component per screen. Each gets the app's [`crate::app::Ctx`] and does
//! its own calls to the relay through [`crate::services`].

pub mod apply;
pub mod cards;
pub mod children;
pub mod history;
pub mod login;
pub mod notices;
pub mod pass;
pub mod rooms;
pub mod settings;

use yew::prelude::*;

use crate::form::{Problems, SummaryLine, summary};
use crate::services::api::ApiError;
use crate::services::browser;
use crate::state::Lang;

/// A form-level message (network, throttling, the relay's words).
pub fn error_box(lang: Lang, error: &Option<ApiError>) -> Html {
    match error {
        Some(e) => html! {
            <p class="form-error" role="alert">{ e.message(lang) }</p>
        },
        None => Html::default(),
    }
}

/// What a form announces after a failed send, once: with field problems
/// (the phone's checks or the relay's `fields`), the error summary `#id`
/// at the top of the form — one `role="alert"` naming every field, each
/// a link to it — while the fields' own messages stay silent until their
/// field is reached (`aria-describedby`); without, [`error_box`].
pub fn form_alert(
    lang: Lang,
    id: &'static str,
    problems: &Problems,
    error: &Option<ApiError>,
    target: impl Fn(&str) -> String,
) -> Html {
    if problems.is_empty() {
        return error_box(lang, error);
    }
    let lines = summary(problems, target);
    let count = lines.len();
    html! {
        <div class="form-error error-summary" {id} role="alert" data-count={count.to_string()}>
            <p class="title">{ match lang {
                Lang::Ja => format!("{count}か所の入力内容をご確認ください。"),
                Lang::En if count == 1 => "Please check 1 field.".to_owned(),
                Lang::En => format!("Please check {count} fields."),
            } }</p>
            <ul>
                { for lines.iter().map(|line| summary_line(lang, line)) }
            </ul>
        </div>
    }
}

/// A link to the field: it moves the focus there without touching the
/// hash, which is the route.
fn summary_line(lang: Lang, line: &SummaryLine) -> Html {
    let target = line.target.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        browser::focus(&target);
    });
    let label = lang.pick(&line.label.ja, &line.label.en);
    let message = lang.pick(&line.message.ja, &line.message.en);
    let text = match (label.is_empty(), lang) {
        (true, _) => message.to_owned(),
        (false, Lang::Ja) => format!("{label}：{message}"),
        (false, Lang::En) => format!("{label}: {message}"),
    };
    html! {
        <li key={line.key.clone()}>
            <a href={format!("#{}", line.target)} data-summary-for={line.key.clone()} {onclick}>{ text }</a>
        </li>
    }
}
