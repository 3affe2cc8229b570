//! The app shell: the state, the hash route, the online flag, refreshing
//! from the relay, and which page shows. Pages get a [`Ctx`] (the state, a
//! way to change it, a way to ask for a refresh) and do their own calls.

use std::collections::BTreeSet;
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
    // Only what belongs to the phone's session shows: without one, nothing
    // of a family does; the family document only as that family's.
    let session = store::get_json::<Session>(store::SESSION);
    let family: Option<Family> = session.as_ref().and_then(stored_family);
    let family_id = family
        .as_ref()
        .map(|f| f.family_id.clone())
        .or_else(|| session.as_ref().and_then(|s| s.family_id.clone()));
    let family_doc = family_id
        .and_then(|id| stored_family_doc(&id))
        .and_then(|bytes| docs::merge(Some(&bytes), None));
    let notices_doc = docs::merge(store::get_bytes(store::NOTICES_DOC).as_deref(), None);
    let pass = session
        .as_ref()
        .and_then(|_| store::get_json::<Pass>(store::PASS));
    let seen_notices: BTreeSet<String> = session
        .as_ref()
        .and_then(|_| store::get_json(store::SEEN_NOTICES))
        .unwrap_or_default();
    Model {
        lang,
        route: Route::parse(&browser::hash()),
        session,
        config: store::get_json::<Config>(store::CONFIG).map(Rc::new),
        visits: Rc::new(docs::visits(family_doc.as_ref())),
        notices: Rc::new(docs::notices(
            notices_doc.as_ref(),
            family.as_ref(),
            browser::now(),
        )),
        seen_notices: Rc::new(seen_notices),
        family: family.map(Rc::new),
        pass: pass.map(Rc::new),
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
                // An in-page anchor (`#main`) is no route: the screen stays.
                if let Some(route) = Route::parse(&browser::hash()) {
                    d.emit(Action::Route(route));
                    browser::scroll_top();
                }
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
    // A new screen opens at its top, also when no route changed (本登録
    // done: the pass replaces the rooms page), so the QR is never left
    // scrolled out of view.
    use_effect_with(screen.name(), |_| browser::scroll_top());
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
        Screen::LoadFailed => load_failed(&ctx),
    };
    // The skip link moves the focus without touching the hash: the hash is
    // the route, and `#main` in it would leave the screen's history entry.
    let skip_to_main = Callback::from(|e: MouseEvent| {
        e.prevent_default();
        browser::focus("main");
    });
    let show_banner = logged_in && matches!(screen, Screen::Pass | Screen::Notices);

    html! {
        <div id="parent" class={classes!("app", logged_in.then_some("with-tabs"))}
            data-screen={screen.name()} data-online={model.connected().to_string()}>
            <a class="skip-link" id="skip-link" href="#main" onclick={skip_to_main}>{ lang.pick("本文へ移動", "Skip to content") }</a>
            <Header {lang} city_name={AttrValue::from(city_name)} {on_toggle_lang}
                online={model.connected()} />
            if show_banner {
                { emergency_banner(&model) }
            }
            <main id="main" class="content" tabindex="-1">{ body }</main>
            if logged_in {
                <Tabs {lang} {screen} unread={model.unread_notices()}
                    emergency={model.emergencies().next().is_some()} />
            }
        </div>
    }
}

/// Logged in, nothing on the phone yet, and the relay did not answer: say
/// so, and offer to try again (a refresh also runs by itself when the
/// phone comes back online or the app comes to the front).
fn load_failed(ctx: &Ctx) -> Html {
    let lang = ctx.lang();
    let retrying = ctx.model.syncing;
    // Not `disabled` while retrying: that would drop the focus from it.
    let onclick = {
        let refresh = ctx.refresh.clone();
        Callback::from(move |_: MouseEvent| {
            if !retrying {
                refresh.emit(());
            }
        })
    };
    html! {
        <section id="load-failed" class="page message error" aria-labelledby="load-failed-title">
            <h2 id="load-failed-title">{ lang.pick("読み込めませんでした", "Could not load your information") }</h2>
            <p role="alert">{ lang.pick(
                "サーバーに接続できないため、QRコードなどを読み込めませんでした。電波の届くところで、もう一度お試しください。",
                "The server could not be reached, so your QR code and other details could not be loaded. Please try again where you have a signal.") }</p>
            <p class="sub">{ lang.pick(
                "一度読み込むと、QRコードはこの端末に保存され、電波がなくても表示できます。",
                "Once loaded, your QR code is saved on this phone and shows with no signal.") }</p>
            <button type="button" id="load-retry" class="primary" {onclick}
                aria-disabled={retrying.then_some("true")}>
                { if retrying { lang.pick("読み込み中…", "Loading…") } else { lang.pick("もう一度読み込む", "Try again") } }
            </button>
        </section>
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
///
/// Every answer is checked against the session the refresh began with
/// ([`Session::still_current`]) before it is written or shown: a refresh
/// that outlived its session (a log-out, another login) drops what it
/// fetched, and its `401` ends no one else's session.
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
    dispatch.emit(Action::Syncing(true));
    // `None`: the session changed meanwhile; the refresh says nothing more.
    let Some(reached) = refresh_family(&dispatch, &session).await else {
        return;
    };
    dispatch.emit(Action::Syncing(false));
    dispatch.emit(if reached {
        Action::Synced
    } else {
        // Nothing answered: a phone with nothing stored says so and offers
        // a retry instead of loading forever.
        Action::RefreshFailed
    });
}

/// The family's part of [`sync`]: whether any answer came from the relay,
/// or `None` when the session ended or changed on the way.
async fn refresh_family(dispatch: &Callback<Action>, session: &Session) -> Option<bool> {
    // Read again after every await: JavaScript runs nothing else between
    // this check and the writes that follow it.
    let current = || session.still_current(store::get_json::<Session>(store::SESSION).as_ref());
    let token = session.token.as_str();
    let lost = |e: &ApiError| {
        if e.is_unauthorized() {
            end_session(dispatch, Some(expired_flash()));
            true
        } else {
            false
        }
    };
    let mut reached = false;
    let answer = api::family(token).await;
    if !current() {
        return None;
    }
    let family = match answer {
        Ok(family) => {
            reached = true;
            store::set_json(store::FAMILY, &family);
            dispatch.emit(Action::Family(Rc::new(family.clone())));
            Some(family)
        }
        Err(e) if lost(&e) => return None,
        Err(e) => {
            if e == ApiError::Network {
                dispatch.emit(Action::Unreachable);
            }
            stored_family(session)
        }
    };
    let answer = api::pass(token).await;
    if !current() {
        return None;
    }
    match answer {
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
        Err(e) if lost(&e) => return None,
        Err(_) => {}
    }
    let family_id = family
        .as_ref()
        .map(|f| f.family_id.clone())
        .or_else(|| session.family_id.clone());
    let answer = api::family_doc(token).await;
    if !current() {
        return None;
    }
    if let (Ok(bytes), Some(family_id)) = (answer, family_id) {
        let doc = docs::merge(stored_family_doc(&family_id).as_deref(), Some(&bytes));
        if let Some(mut doc) = doc {
            store::set_json(
                store::FAMILY_DOC,
                &docs::StoredFamilyDoc::new(&family_id, &doc.save()),
            );
            dispatch.emit(Action::Visits(Rc::new(docs::visits(Some(&doc)))));
        }
    }
    let fetched = api::notices_doc(token).await.ok();
    if !current() {
        return None;
    }
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
    Some(reached)
}

/// The family kept on the phone, if it is the session's own.
fn stored_family(session: &Session) -> Option<Family> {
    store::get_json::<Family>(store::FAMILY).filter(|f| {
        session
            .family_id
            .as_ref()
            .is_none_or(|id| *id == f.family_id)
    })
}

/// The family document kept on the phone, if it is `family_id`'s.
fn stored_family_doc(family_id: &str) -> Option<Vec<u8>> {
    store::get_json::<docs::StoredFamilyDoc>(store::FAMILY_DOC)?.bytes_for(family_id)
}
