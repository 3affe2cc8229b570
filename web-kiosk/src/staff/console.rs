//! The staff console's shell: the login form, then a tab bar over the
//! pages, with the place kept in the URL hash (`#/staff/families`) and the
//! session in the tab's `sessionStorage`, so a reload keeps both and
//! closing the tab forgets the login. The app owns the [`LiveHub`], so the
//! live documents outlive any one page and the console's screen; the tab
//! bar counts what the relay has not acknowledged yet, and closing or
//! reloading the browser tab asks first while anything is unsent (it lives
//! only in this tab's memory).
//!
//! On a room's counter kiosk, where anyone can reach the tablet, leaving
//! the console (its 受付画面に戻る button or any other way) ends the login,
//! and an untouched console logs out after 3 minutes (20 on a staff PC) —
//! never while anything is unsent.

use std::rc::Rc;

use hiroba_engine::lang::Lang;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::applications::Applications;
use super::browser::{self, WindowListener};
use super::common::{ErrorNote, input_value};
use super::devices::Devices;
use super::families::Families;
use super::live::LiveHub;
use super::reports::ReportsPage;
use super::route::{StaffRoute, href, parse_hash};
use super::session::{PageProps, StaffSession};
use super::today::TodayPage;
use crate::services::api::{self, ApiError, Method};
use crate::services::browser::{Interval, now_ms};

/// One tab of the console: its hash segment, its label and its page.
#[derive(Debug)]
pub struct Tab {
    /// `#/staff/<path>`.
    pub path: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    /// Shown to administrators only.
    pub admin_only: bool,
    pub page: fn(PageProps) -> Html,
}

/// The console's tabs, in the order they are shown. Adding a page is one
/// line here (the first tab a person may see is where the console opens).
pub const TABS: &[Tab] = &[
    Tab {
        path: "today",
        ja: "今日の受付",
        en: "Today",
        admin_only: false,
        page: |p| html! { <TodayPage ..p /> },
    },
    Tab {
        path: "applications",
        ja: "申請の審査",
        en: "Applications",
        admin_only: false,
        page: |p| html! { <Applications ..p /> },
    },
    Tab {
        path: "families",
        ja: "家族・パス",
        en: "Families",
        admin_only: false,
        page: |p| html! { <Families ..p /> },
    },
    Tab {
        path: "reports",
        ja: "利用者実績表",
        en: "Reports",
        admin_only: false,
        page: |p| html! { <ReportsPage ..p /> },
    },
    Tab {
        path: "devices",
        ja: "端末",
        en: "Devices",
        admin_only: true,
        page: |p| html! { <Devices ..p /> },
    },
];

/// The tabs `session` may open.
pub fn visible_tabs(session: &StaffSession) -> impl Iterator<Item = &'static Tab> + '_ {
    TABS.iter().filter(|t| !t.admin_only || session.is_admin())
}

/// The tab a route opens for `session`: the one it names if allowed,
/// otherwise the first allowed tab.
pub fn tab_for<'a>(route: &StaffRoute, session: &StaffSession) -> Option<&'a Tab> {
    visible_tabs(session)
        .find(|t| t.path == route.tab)
        .or_else(|| visible_tabs(session).next())
}

/// A failed login in words: throttling says how long to wait; everything
/// else is the relay's own message.
pub fn login_error_words(error: &ApiError) -> (String, String) {
    match error {
        ApiError::Relay(e) if e.code == "too_many_attempts" => {
            let seconds = e.retry_after_seconds.unwrap_or(60);
            let (ja, en) = if seconds < 60 {
                (format!("{seconds}秒"), format!("{seconds} seconds"))
            } else {
                let minutes = seconds.div_ceil(60);
                (format!("{minutes}分"), format!("{minutes} minute(s)"))
            };
            (
                format!(
                    "ログインの失敗が続いたため、しばらくログインできません。{ja}ほど待ってから、もう一度お試しください。"
                ),
                format!("Too many failed logins. Please wait {en} and try again."),
            )
        }
        other => (other.message_ja(), other.message_en()),
    }
}

/// What the browser may show before closing a tab with unsent changes
/// (most browsers show their own words instead).
const UNSENT_WARNING: &str = "未送信の記録があります。閉じると失われます。 / Some changes are not sent yet; closing loses them.";

/// The tab bar's count of unsent changes.
pub fn unsent_words(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("未送信 {n}"),
        Lang::En => format!("{n} unsent"),
    }
}

/// The question before logging out with `n` unsent changes.
pub fn logout_warning(n: usize) -> String {
    format!(
        "まだ中継サーバーに送信されていない記録が{n}件あります。ログアウトすると失われます。ログアウトしますか？
{n} change(s) have not reached the relay yet and will be lost if you log out. Log out anyway?"
    )
}

#[derive(Properties, PartialEq, Debug)]
pub struct StaffConsoleProps {
    pub lang: Lang,
    pub on_toggle_lang: Callback<()>,
    /// The live documents, owned by the app so unsent changes outlive this
    /// screen.
    pub hub: LiveHub,
    /// Changes of the live documents the relay has not acknowledged yet.
    pub unsent: usize,
    /// This device is a room's counter kiosk: anyone at the counter can
    /// reach it, so the console ends its session on leaving and sooner
    /// when idle, and offers the way back to the check-in screen.
    pub counter_kiosk: bool,
}

/// How long a logged-in console may sit untouched before it logs out: short
/// on the counter's tablet, longer on a staff PC in the office.
pub fn idle_limit_ms(counter_kiosk: bool) -> f64 {
    if counter_kiosk {
        3.0 * 60_000.0
    } else {
        20.0 * 60_000.0
    }
}

/// Whether an idle console logs out now. Never while anything is unsent:
/// the session is what sends it.
pub fn idle_log_out(idle_ms: f64, counter_kiosk: bool, unsent: usize) -> bool {
    unsent == 0 && idle_ms >= idle_limit_ms(counter_kiosk)
}

/// Asks the relay to forget `token`; the console has already forgotten it.
fn log_out_on_relay(token: String) {
    spawn_local(async move {
        let _: Result<serde_json::Value, ApiError> =
            api::request_json(Method::Post, "/api/logout", Some(&token), None::<&()>).await;
    });
}

fn stored_session() -> Option<Rc<StaffSession>> {
    browser::load_session()
        .and_then(|json| serde_json::from_str::<StaffSession>(&json).ok())
        .map(Rc::new)
}

#[function_component(StaffConsole)]
pub fn staff_console(props: &StaffConsoleProps) -> Html {
    let lang = props.lang;
    let session = use_state(stored_session);
    let route = use_state(|| parse_hash(&browser::hash()).unwrap_or_default());
    // Why the login form is showing again, if it is not the first time.
    let notice = use_state(|| None::<(&'static str, &'static str)>);
    let unsent = props.unsent;
    let counter_kiosk = props.counter_kiosk;
    let hub = props.hub.clone();

    // Unsent changes live only in this tab: closing or reloading it asks.
    {
        let hub = hub.clone();
        use_effect_with((), move |_| {
            let listener = WindowListener::new("beforeunload", move |e: web_sys::Event| {
                if hub.unsent() > 0 {
                    e.prevent_default();
                    // Older Chromium asks only when `returnValue` is set.
                    let _ = js_sys::Reflect::set(
                        &e,
                        &wasm_bindgen::JsValue::from_str("returnValue"),
                        &wasm_bindgen::JsValue::from_str(UNSENT_WARNING),
                    );
                }
            });
            move || drop(listener)
        });
    }

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = WindowListener::hash(move |_| {
                if let Some(r) = parse_hash(&browser::hash()) {
                    route.set(r);
                }
            });
            move || drop(listener)
        });
    }

    use_effect_with(lang, |lang| {
        crate::services::browser::set_document_lang(lang.code())
    });

    // A session kept from before a reload may have ended meanwhile (12 h,
    // or logged out elsewhere): ask the relay once, and again whenever a
    // request was refused for its session while a page was open, so the
    // login form comes back by itself.
    {
        let session = session.clone();
        let notice = notice.clone();
        let token = session.as_ref().map(|s| s.token.clone());
        use_effect_with(token, move |token| {
            // One question at a time: the check's own refusal raises the
            // event again.
            let asking = Rc::new(std::cell::Cell::new(false));
            let check = {
                let token = token.clone();
                move || {
                    let Some(token) = token.clone() else {
                        return;
                    };
                    if asking.replace(true) {
                        return;
                    }
                    let (session, notice, asking) =
                        (session.clone(), notice.clone(), asking.clone());
                    spawn_local(async move {
                        let me: Result<serde_json::Value, ApiError> =
                            api::request_json(Method::Get, "/api/me", Some(&token), None::<&()>)
                                .await;
                        if let Err(ApiError::Relay(e)) = me {
                            if e.status == 401 || e.status == 403 {
                                browser::clear_session();
                                session.set(None);
                                notice.set(Some((
                                    "ログインの有効期限が切れました。もう一度ログインしてください。",
                                    "Your login has expired. Please log in again.",
                                )));
                            }
                        }
                        asking.set(false);
                    });
                }
            };
            check();
            let listener = token
                .as_ref()
                .and_then(|_| WindowListener::new(api::SESSION_REFUSED, move |_| check()));
            move || drop(listener)
        });
    }

    let on_login = {
        let session = session.clone();
        let notice = notice.clone();
        let hub = hub.clone();
        Callback::from(move |s: StaffSession| {
            if let Ok(json) = serde_json::to_string(&s) {
                browser::save_session(&json);
            }
            // The same person's unsent changes go out with the new token.
            hub.session_started(&s);
            notice.set(None);
            session.set(Some(Rc::new(s)));
        })
    };
    // Ends the session here, whatever the relay answers (it forgets the
    // token too when it is reachable), with the words for why.
    let end_session = {
        let session = session.clone();
        let notice = notice.clone();
        let hub = hub.clone();
        Rc::new(move |why: (&'static str, &'static str)| {
            hub.stop_all();
            if let Some(s) = session.as_ref() {
                log_out_on_relay(s.token.clone());
            }
            browser::clear_session();
            session.set(None);
            notice.set(Some(why));
        })
    };
    let on_logout = {
        let hub = hub.clone();
        let end_session = end_session.clone();
        Callback::from(move |_: MouseEvent| {
            let waiting = hub.unsent();
            if waiting > 0 && !browser::confirm(&logout_warning(waiting)) {
                return;
            }
            end_session(("ログアウトしました。", "You have logged out."));
        })
    };
    // Back to the check-in screen of a counter kiosk: the session ends (a
    // family at the counter must not find it open), after asking while
    // anything is unsent.
    let on_back = {
        let hub = hub.clone();
        let end_session = end_session.clone();
        let logged_in = session.is_some();
        Callback::from(move |_: MouseEvent| {
            if logged_in {
                let waiting = hub.unsent();
                if waiting > 0 && !browser::confirm(&logout_warning(waiting)) {
                    return;
                }
                end_session(("ログアウトしました。", "You have logged out."));
            }
            browser::set_hash("#/");
        })
    };

    // An untouched console logs itself out (sooner on the counter kiosk),
    // unless something is still unsent.
    {
        let end_session = end_session.clone();
        let hub = hub.clone();
        let token = session.as_ref().map(|s| s.token.clone());
        use_effect_with((token, counter_kiosk), move |(token, counter_kiosk)| {
            let counter_kiosk = *counter_kiosk;
            let last_input = Rc::new(std::cell::Cell::new(now_ms()));
            let touched = |event: &'static str| {
                let last_input = last_input.clone();
                WindowListener::new(event, move |_| last_input.set(now_ms()))
            };
            let listeners = [touched("pointerdown"), touched("keydown")];
            let timer = token.is_some().then(|| {
                Interval::new(10_000, move || {
                    let idle = now_ms() - last_input.get();
                    if idle_log_out(idle, counter_kiosk, hub.unsent()) {
                        end_session((
                            "しばらく操作がなかったため、ログアウトしました。",
                            "You were logged out after a while without use.",
                        ));
                        if counter_kiosk {
                            browser::set_hash("#/");
                        }
                    }
                })
            });
            move || drop((listeners, timer))
        });
    }

    // Leaving the console on a counter kiosk (any way, a swipe back too)
    // forgets the login in this tab. The relay session ends too unless
    // changes are still unsent: the live documents keep sending them with
    // it while the kiosk shows.
    {
        let hub = hub.clone();
        let token = session.as_ref().map(|s| s.token.clone());
        use_effect_with((token, counter_kiosk), move |(token, counter_kiosk)| {
            let (token, counter_kiosk) = (token.clone(), *counter_kiosk);
            move || {
                if counter_kiosk && !crate::staff::route::is_staff_hash(&browser::hash()) {
                    browser::clear_session();
                    if hub.unsent() == 0 {
                        hub.stop_all();
                        if let Some(token) = token {
                            log_out_on_relay(token);
                        }
                    }
                }
            }
        });
    }
    let on_lang = props.on_toggle_lang.reform(|_: MouseEvent| ());
    let (switch_label, switch_lang) = match lang {
        Lang::Ja => ("English", "en"),
        Lang::En => ("日本語", "ja"),
    };

    let body = match session.as_ref() {
        None => html! {
            <LoginForm {lang} {on_login} notice={*notice} />
        },
        Some(s) => {
            let current = tab_for(&route, s);
            let tabs = visible_tabs(s).map(|t| {
                let active = current.is_some_and(|c| c.path == t.path);
                let badge = (t.path == "today" && unsent > 0).then(|| {
                    html! {
                        <span id="staff-unsent" class="unsent-badge" data-count={unsent.to_string()}>
                            { unsent_words(unsent, lang) }
                        </span>
                    }
                });
                html! {
                    <li>
                        <a class={classes!("staff-tab", active.then_some("active"))}
                           href={href(t.path, "")}
                           aria-current={active.then_some("page")}>
                            { lang.pick(t.ja, t.en) }
                            { badge.unwrap_or_default() }
                        </a>
                    </li>
                }
            });
            let rest = if current.is_some_and(|c| c.path == route.tab) {
                AttrValue::from(route.rest.clone())
            } else {
                AttrValue::default()
            };
            let page = current.map(|t| {
                (t.page)(PageProps {
                    session: s.clone(),
                    lang,
                    rest,
                })
            });
            let role = if s.is_admin() {
                lang.pick("管理者", "Administrator").to_owned()
            } else {
                let room = s.room.map(|r| r.to_string()).unwrap_or_default();
                format!("{} {room}", lang.pick("ルーム職員", "Room staff"))
            };
            html! {
                <>
                    <div class="staff-who">
                        <span>{ s.display_name.clone() }</span>
                        <span class="staff-role">{ role }</span>
                        <button type="button" class="staff-button" onclick={on_logout}>
                            { lang.pick("ログアウト", "Log out") }
                        </button>
                    </div>
                    <nav class="staff-tabs" aria-label={lang.pick("メニュー", "Menu")}>
                        <ul>{ for tabs }</ul>
                    </nav>
                    <main class="staff-main">
                        <ContextProvider<LiveHub> context={hub.clone()}>
                            { page.unwrap_or_default() }
                        </ContextProvider<LiveHub>>
                    </main>
                </>
            }
        }
    };

    html! {
        <div id="staff-console" class="staff-console" data-logged-in={session.is_some().to_string()}
            data-unsent={unsent.to_string()}>
            <link rel="stylesheet" href="./staff.css" />
            <header class="staff-top">
                <h1>{ lang.pick("こどもルーム 職員画面", "Children's rooms — staff console") }</h1>
                if counter_kiosk {
                    <button id="staff-back" class="staff-button" type="button" onclick={on_back}>
                        { lang.pick("受付画面に戻る", "Back to check-in") }
                    </button>
                }
                <button id="staff-lang" class="staff-button lang" type="button" lang={switch_lang} onclick={on_lang}>
                    { switch_label }
                </button>
            </header>
            { body }
        </div>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct LoginFormProps {
    lang: Lang,
    on_login: Callback<StaffSession>,
    notice: Option<(&'static str, &'static str)>,
}

#[function_component(LoginForm)]
fn login_form(props: &LoginFormProps) -> Html {
    let lang = props.lang;
    let login_id = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<(String, String)>);

    let onsubmit = {
        let (login_id, password, busy, error) = (
            login_id.clone(),
            password.clone(),
            busy.clone(),
            error.clone(),
        );
        let on_login = props.on_login.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if login_id.trim().is_empty() || password.is_empty() {
                error.set(Some((
                    "ログインIDとパスワードを入力してください。".to_owned(),
                    "Enter your login ID and password.".to_owned(),
                )));
                return;
            }
            busy.set(true);
            let body = json!({ "login_id": login_id.trim(), "password": *password });
            let (busy, error, on_login, password) = (
                busy.clone(),
                error.clone(),
                on_login.clone(),
                password.clone(),
            );
            spawn_local(async move {
                let answer: Result<StaffSession, ApiError> =
                    api::request_json(Method::Post, "/api/staff/login", None, Some(&body)).await;
                busy.set(false);
                match answer {
                    Ok(session) => {
                        error.set(None);
                        on_login.emit(session);
                    }
                    Err(e) => {
                        password.set(String::new());
                        error.set(Some(login_error_words(&e)));
                    }
                }
            });
        })
    };

    html! {
        <main class="staff-main staff-login">
            <form class="staff-form" {onsubmit}>
                <h2>{ lang.pick("職員ログイン", "Staff login") }</h2>
                if let Some((ja, en)) = props.notice {
                    <p class="staff-notice" role="status">{ lang.pick(ja, en) }</p>
                }
                <label for="staff-login-id">{ lang.pick("ログインID", "Login ID") }</label>
                <input id="staff-login-id" type="text" autocomplete="username" autocapitalize="off"
                       spellcheck="false" value={(*login_id).clone()}
                       oninput={let s = login_id.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                <label for="staff-password">{ lang.pick("パスワード", "Password") }</label>
                <input id="staff-password" type="password" autocomplete="current-password"
                       value={(*password).clone()}
                       oninput={let s = password.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                if let Some((ja, en)) = &*error {
                    <ErrorNote {lang} ja={ja.clone()} en={en.clone()} />
                }
                <button id="staff-login-submit" type="submit" class="staff-button primary" disabled={*busy}>
                    { if *busy { lang.pick("確認中…", "Checking…") } else { lang.pick("ログイン", "Log in") } }
                </button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::api::RelayError;
    use crate::staff::session::StaffRole;

    fn session(role: StaffRole) -> StaffSession {
        StaffSession {
            token: "t".to_owned(),
            login_id: "x".to_owned(),
            display_name: "x".to_owned(),
            role,
            room: None,
        }
    }

    fn route(tab: &str) -> StaffRoute {
        StaffRoute {
            tab: tab.to_owned(),
            rest: String::new(),
        }
    }

    #[test]
    fn devices_are_for_administrators_and_unknown_tabs_open_the_first() {
        let staff = session(StaffRole::RoomStaff);
        let admin = session(StaffRole::Administrator);
        let paths = |s: &StaffSession| visible_tabs(s).map(|t| t.path).collect::<Vec<_>>();
        assert_eq!(
            paths(&staff),
            ["today", "applications", "families", "reports"]
        );
        assert_eq!(
            paths(&admin),
            ["today", "applications", "families", "reports", "devices"]
        );
        assert_eq!(
            tab_for(&route("devices"), &admin).map(|t| t.path),
            Some("devices")
        );
        assert_eq!(
            tab_for(&route("devices"), &staff).map(|t| t.path),
            Some("today")
        );
        assert_eq!(tab_for(&route(""), &staff).map(|t| t.path), Some("today"));
        assert_eq!(
            tab_for(&route("families"), &staff).map(|t| t.path),
            Some("families")
        );
    }

    fn relay_error(code: &str, retry: Option<u64>) -> ApiError {
        ApiError::Relay(RelayError {
            status: 429,
            code: code.to_owned(),
            message: "en words".to_owned(),
            message_ja: Some("日本語".to_owned()),
            fields: Default::default(),
            retry_after_seconds: retry,
        })
    }

    #[test]
    fn unsent_changes_are_counted_in_both_languages() {
        assert_eq!(unsent_words(2, Lang::Ja), "未送信 2");
        assert_eq!(unsent_words(2, Lang::En), "2 unsent");
        let warning = logout_warning(3);
        assert!(warning.contains("3件") && warning.contains("3 change(s)"));
    }

    #[test]
    fn throttled_logins_say_how_long_to_wait() {
        let (ja, en) = login_error_words(&relay_error("too_many_attempts", Some(30)));
        assert!(
            ja.contains("30秒") && en.contains("30 seconds"),
            "{ja} {en}"
        );
        let (ja, en) = login_error_words(&relay_error("too_many_attempts", Some(61)));
        assert!(ja.contains("2分") && en.contains("2 minute"), "{ja} {en}");
        assert_eq!(
            login_error_words(&relay_error("bad_credentials", None)),
            ("日本語".to_owned(), "en words".to_owned())
        );
    }

    #[test]
    fn an_idle_console_logs_out_sooner_at_the_counter_and_never_with_unsent_changes() {
        let minute = 60_000.0;
        assert!(!idle_log_out(2.0 * minute, true, 0));
        assert!(idle_log_out(3.0 * minute, true, 0));
        assert!(!idle_log_out(3.0 * minute, false, 0));
        assert!(idle_log_out(20.0 * minute, false, 0));
        assert!(
            !idle_log_out(60.0 * minute, true, 1),
            "unsent changes keep it"
        );
    }
}
