//! The parent screen: fetches the family's pass and shows it as a QR code.
//! The pass text is kept on the phone so it still shows with no network.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::header::Header;
use crate::components::pass_card::PassCard;
use crate::services::api::{self, ApiError};
use crate::services::browser::{now, save_pass_text, saved_pass_text, set_document_lang};
use crate::state::{Action, Lang, ParentState, Screen};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(ParentState::default);

    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| spawn_local(load(dispatch)));
    }
    use_effect_with(state.lang, |lang| set_document_lang(lang.code()));

    let on_toggle_lang = {
        let dispatch = state.dispatcher();
        Callback::from(move |()| dispatch.dispatch(Action::ToggleLang))
    };
    let on_reload = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });

    let lang = state.lang;
    let city_name = state
        .config
        .as_ref()
        .map(|c| lang.pick(&c.city_name_ja, &c.city_name_en).to_owned())
        .unwrap_or_default();

    let body = match &state.screen {
        Screen::Loading => html! {
            <p class="status" role="status">{ lang.pick("読み込み中…", "Loading…") }</p>
        },
        Screen::Pass { view, saved } => html! {
            <PassCard {lang} view={view.clone()} saved={*saved} />
        },
        Screen::NoPass => html! {
            <section id="no-pass" class="message" role="status">
                <h2>{ lang.pick("表示できるパスがありません", "No pass to show yet") }</h2>
                <p>{ lang.pick(
                    "ルームの本登録が済むと、ここに受付用のQRコードが表示されます。",
                    "Once you have registered for a room, your check-in QR code appears here.") }</p>
            </section>
        },
        Screen::Failed {
            message_ja,
            message_en,
        } => html! {
            <section id="load-error" class="message error" role="alert">
                <h2>{ lang.pick("パスを表示できません", "The pass cannot be shown") }</h2>
                <p>{ lang.pick(message_ja, message_en) }</p>
                if lang == Lang::Ja {
                    <p class="sub" lang="en">{ message_en.clone() }</p>
                }
                <button type="button" class="primary" onclick={on_reload}>
                    { lang.pick("再読み込み", "Reload") }
                </button>
            </section>
        },
    };

    html! {
        <div id="parent" class="app" data-state={state.screen_state()}>
            <Header {lang} city_name={AttrValue::from(city_name)} {on_toggle_lang} />
            <main class="content">{ body }</main>
        </div>
    }
}

/// Fetches the configuration and the pass; falls back to the saved pass
/// only when the relay cannot be reached (never when it says "no pass").
async fn load(dispatch: UseReducerDispatcher<ParentState>) {
    let config = api::config().await.ok().map(Rc::new);
    match api::demo_pass().await {
        Ok(pass) => {
            save_pass_text(&pass.text);
            dispatch.dispatch(Action::PassLoaded {
                text: pass.text,
                config,
                saved: false,
                now: now(),
            });
        }
        Err(ApiError::Status(404)) => dispatch.dispatch(Action::NoPass),
        Err(ApiError::Network) => match saved_pass_text() {
            Some(text) => dispatch.dispatch(Action::PassLoaded {
                text,
                config,
                saved: true,
                now: now(),
            }),
            None => dispatch.dispatch(Action::LoadFailed(ApiError::Network)),
        },
        Err(err) => dispatch.dispatch(Action::LoadFailed(err)),
    }
}
