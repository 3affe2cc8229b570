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

use crate::services::api::ApiError;
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
