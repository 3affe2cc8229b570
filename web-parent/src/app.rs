//! The app shell: the state, the hash route, the online flag, refreshing
//! from the relay, and which page shows. Pages get a [`Ctx`] (the state, a
//! way to change it, a way to ask for a refresh) and do their own calls.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::header::Header;
use crate::components::tabs::Tabs;
use crate::docs;
use crate::pages;
use crate::services::api::{self, ApiError, Config, Family, Pass};
use crate::services::browser::{self, Listener};
use crate::services::store;
use crate::state::{Action, Flash, Lang, Model, Route, Screen, Session};

/// What every page gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Ctx {
    pub model: UseReducerHandle<Model>,
    pub dispatch: Callback<Action>,
    /// Fetches the family, the pass and the documents again.
    pub refresh: Callback<()>,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.model.lang
    }

    /// Handles an error every page treats alike: a session the relay no
    /// longer knows ends here and goes back to the login with a word.
    /// Returns true when it did.
    pub fn session_lost(&self, error: &ApiError) -> bool {
        if error.is_unauthorized() {
            end_session(&self.dispatch, Some(expired_flash()));
            return true;
        }
        false
    }
}

fn expired_flash() -> Flash {
    Flash::new(
        "ログインの有効期限が切れました。もう一度ログインしてください。",
        "Your session has ended. Please log in again.",
    )
}

/// Forgets the family on this phone and shows the login.
pub fn end_session(dispatch: &Callback<Action>, flash: Option<Flash>) {
    store::forget_family();
    dispatch.emit(Action::SessionEnded(flash));
    browser::set_hash(&Route::Login.hash());
}

/// The state as the phone left it: the session, the family, the pass and
/// the documents from `localStorage`, so everything shows offline at once.
fn initial_model() -> Model {
    let lang = match store::get(store::LANG).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    };
    let family: Option<Family> = store::get_json(store::FAMILY);
    let family_doc = docs::merge(store::get_bytes(store::FAMILY_DOC).as_deref(), None);
    let notices_doc = docs::merge(store::get_bytes(store::NOTICES_DOC).as_deref(), None);
    Model {
        lang,
        route: Some(Route::parse(&browser::hash())),
        session: store::get_json::<Session>(store::SESSION),
        config: store::get_json::<Config>(store::CONFIG).map(Rc::new),
        visits: Rc::new(docs::visits(family_doc.as_ref())),
        notices: Rc::new(docs::notices(
            notices_doc.as_ref(),
            family.as_ref(),
            browser::now(),
        )),
        family: family.map(Rc::new),
        pass: store::get_json::<Pass>(store::PASS).map(Rc::new),
        online: browser::online(),
        ..Model::default()
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let model = use_reducer(initial_model);
    let dispatch = {
        let d = model.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let refresh = {
        let dispatch = dispatch.clone();
        Callback::from(move |()| spawn_local(sync(dispatch.clone())))
    };

    {
        let lang = model.lang;
        use_effect_with(lang, move |lang| {
            browser::set_document_lang(lang.code());
            store::set(store::LANG, lang.code());
        });
    }
    // Once: the service worker, listeners, and the first refresh.
    {
        let dispatch = dispatch.clone();
        let refresh = refresh.clone();
        use_effect_with((), move |_| {
            browser::register_service_worker();
            let d = dispatch.clone();
            let hash = Listener::window("hashchange", move |_| {
                d.emit(Action::Route(Route::parse(&browser::hash())));
                browser::scroll_top();
            });
            let (d, r) = (dispatch.clone(), refresh.clone());
            let online = Listener::window("online", move |_| {
                d.emit(Action::Online(true));
                r.emit(());
            });
            let d = dispatch.clone();
            let offline = Listener::window("offline", move |_| d.emit(Action::Online(false)));
            let r = refresh.clone();
            let visible = Listener::document("visibilitychange", move |_| {
                if browser::visible() {
                    r.emit(());
                }
            });
            refresh.emit(());
            move || drop((hash, online, offline, visible))
        });
    }

    let ctx = Ctx {
        model: model.clone(),
        dispatch: dispatch.clone(),
        refresh,
    };
    let lang = model.lang;
    let screen = model.screen();
    let on_toggle_lang = {
        let dispatch = dispatch.clone();
        Callback::from(move |()| dispatch.emit(Action::SetLang(lang.toggled())))
    };
    let city_name = model
        .config
        .as_ref()
        .map(|c| lang.pick(&c.city_name_ja, &c.city_name_en).to_owned())
        .unwrap_or_default();
    let logged_in = model.token().is_some();

    let body = match screen {
        Screen::Apply => html! { <pages::apply::ApplyPage ctx={ctx.clone()} /> },
        Screen::Login => html! { <pages::login::LoginPage ctx={ctx.clone()} /> },
        Screen::Password => html! { <pages::login::PasswordPage ctx={ctx.clone()} /> },
        Screen::Rooms => html! { <pages::rooms::RoomsPage ctx={ctx.clone()} /> },
        Screen::Pass => html! { <pages::pass::PassPage ctx={ctx.clone()} /> },
        Screen::History => html! { <pages::history::HistoryPage ctx={ctx.clone()} /> },
        Screen::Notices => html! { <pages::notices::NoticesPage ctx={ctx.clone()} /> },
        Screen::Children => html! { <pages::children::ChildrenPage ctx={ctx.clone()} /> },
        Screen::Cards => html! { <pages::cards::CardsPage ctx={ctx.clone()} /> },
        Screen::Settings => html! { <pages::settings::SettingsPage ctx={ctx.clone()} /> },
        Screen::Loading => html! {
            <p class="status" role="status">{ lang.pick("読み込み中…", "Loading…") }</p>
        },
    };
    let show_banner = logged_in && matches!(screen, Screen::Pass | Screen::Notices);

    html! {
        <div id="parent" class={classes!("app", logged_in.then_some("with-tabs"))}
            data-screen={screen.name()} data-online={model.connected().to_string()}>
            <a class="skip-link" href="#main">{ lang.pick("本文へ移動", "Skip to content") }</a>
            <Header {lang} city_name={AttrValue::from(city_name)} {on_toggle_lang}
                online={model.connected()} />
            if show_banner {
                { emergency_banner(&model) }
            }
            <main id="main" class="content" tabindex="-1">{ body }</main>
            if logged_in {
                <Tabs {lang} {screen} unread={model.notices.len()} />
            }
        </div>
    }
}

fn emergency_banner(model: &Model) -> Html {
    let lang = model.lang;
    let items: Vec<_> = model.emergencies().collect();
    if items.is_empty() {
        return Html::default();
    }
    html! {
        <section id="emergency" class="emergency" role="alert" aria-live="assertive">
            { for items.iter().map(|(id, n)| html! {
                <p key={id.clone()}>
                    <strong>{ lang.pick("緊急のお知らせ：", "Emergency: ") }</strong>
                    { lang.pick(&n.title_ja, &n.title_en).to_owned() }
                </p>
            }) }
            <a href={Route::Notices.hash()}>{ lang.pick("詳しく見る", "Details") }</a>
        </section>
    }
}

/// Fetches everything the family's screens show, keeps it on the phone,
/// and updates the state. Offline, the phone's copies stay as they are.
async fn sync(dispatch: Callback<Action>) {
    if let Ok(config) = api::config().await {
        store::set_json(store::CONFIG, &config);
        dispatch.emit(Action::Config(Rc::new(config)));
    }
    let Some(session) = store::get_json::<Session>(store::SESSION) else {
        return;
    };
    if session.must_change {
        return;
    }
    let token = session.token.as_str();
    dispatch.emit(Action::Syncing(true));
    let lost = |e: &ApiError| {
        if e.is_unauthorized() {
            end_session(&dispatch, Some(expired_flash()));
            true
        } else {
            false
        }
    };
    let mut reached = false;
    let family = match api::family(token).await {
        Ok(family) => {
            reached = true;
            store::set_json(store::FAMILY, &family);
            dispatch.emit(Action::Family(Rc::new(family.clone())));
            Some(family)
        }
        Err(e) if lost(&e) => return,
        Err(e) => {
            if e == ApiError::Network {
                dispatch.emit(Action::Unreachable);
            }
            store::get_json::<Family>(store::FAMILY)
        }
    };
    match api::pass(token).await {
        Ok(pass) => {
            reached = true;
            store::set_json(store::PASS, &pass);
            dispatch.emit(Action::Pass(Rc::new(pass)));
        }
        Err(e) if e.code() == Some("no_pass") => {
            reached = true;
            store::remove(store::PASS);
            dispatch.emit(Action::PassGone);
        }
        Err(e) if lost(&e) => return,
        Err(_) => {}
    }
    if let Ok(bytes) = api::family_doc(token).await {
        let doc = docs::merge(store::get_bytes(store::FAMILY_DOC).as_deref(), Some(&bytes));
        if let Some(mut doc) = doc {
            store::set_bytes(store::FAMILY_DOC, &doc.save());
            dispatch.emit(Action::Visits(Rc::new(docs::visits(Some(&doc)))));
        }
    }
    let fetched = api::notices_doc(token).await.ok();
    let doc = docs::merge(
        store::get_bytes(store::NOTICES_DOC).as_deref(),
        fetched.as_deref(),
    );
    if let Some(mut doc) = doc {
        if fetched.is_some() {
            store::set_bytes(store::NOTICES_DOC, &doc.save());
        }
        let notices = docs::notices(Some(&doc), family.as_ref(), browser::now());
        dispatch.emit(Action::Notices(Rc::new(notices)));
    }
    dispatch.emit(Action::Syncing(false));
    if reached {
        dispatch.emit(Action::Synced);
    }
}
