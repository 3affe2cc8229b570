//! Login with the letter's ID and password, and the forced change of the
//! initial password that follows the first login.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::{Ctx, end_session};
use crate::components::field::Field;
use crate::form::{Problem, Problems, password_problems};
use crate::pages::form_alert;
use crate::services::api::{self, ApiError};
use crate::services::{browser, store};
use crate::state::{Action, Route, Session};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(LoginPage)]
pub fn login_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let login_id = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let sending = use_state(|| false);
    let problems = use_state(|| Rc::new(Problems::new()));

    let onsubmit = {
        let (login_id, password, error, sending, problems) = (
            login_id.clone(),
            password.clone(),
            error.clone(),
            sending.clone(),
            problems.clone(),
        );
        let ctx = ctx.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let mut found = Problems::new();
            if login_id.trim().is_empty() {
                found.insert(
                    "login_id".into(),
                    Problem {
                        ja: "ログインIDを入力してください。".into(),
                        en: "Enter your login ID.".into(),
                    },
                );
            }
            if password.is_empty() {
                found.insert(
                    "password".into(),
                    Problem {
                        ja: "パスワードを入力してください。".into(),
                        en: "Enter your password.".into(),
                    },
                );
            }
            let empty = found.is_empty();
            problems.set(Rc::new(found));
            if !empty {
                return;
            }
            sending.set(true);
            let (id, pw) = (login_id.trim().to_owned(), (*password).clone());
            let (error, sending, ctx) = (error.clone(), sending.clone(), ctx.clone());
            spawn_local(async move {
                match api::login(&id, &pw).await {
                    Ok(answer) => {
                        let session = Session {
                            token: answer.token,
                            must_change: answer.must_change_password,
                            login_id: id,
                            family_id: answer.family_id,
                        };
                        store::set_json(store::SESSION, &session);
                        ctx.dispatch.emit(Action::Session(session));
                        browser::set_hash(&Route::Pass.hash());
                        ctx.refresh.emit(());
                    }
                    Err(e) => {
                        error.set(Some(e));
                        sending.set(false);
                    }
                }
            });
        })
    };

    let p = (*problems).clone();
    html! {
        <section class="page login" aria-labelledby="login-title">
            <h2 id="login-title">{ lang.pick("ログイン", "Log in") }</h2>
            if let Some(flash) = &ctx.model.flash {
                <p class="notice-box" role="status" id="login-flash">{ lang.pick(&flash.ja, &flash.en).to_owned() }</p>
            }
            { form_alert(lang, "login-summary", &p, &error, login_input) }
            <form id="login-form" {onsubmit} novalidate=true>
                <Field id="login-id" key_name="login_id" label={lang.pick("ログインID", "Login ID").to_owned()}
                    value={(*login_id).clone()} oninput={setter(&login_id)} {lang} problems={p.clone()}
                    autocomplete="username" placeholder="HB-XXXX-XXXX"
                    hint={lang.pick("登録案内状に記載のID（HB-から始まります）", "The ID on your registration letter (starts with HB-)").to_owned()} />
                <Field id="login-password" key_name="password" label={lang.pick("パスワード", "Password").to_owned()}
                    value={(*password).clone()} oninput={setter(&password)} {lang} problems={p}
                    kind="password" autocomplete="current-password" />
                <button type="submit" id="login-submit" class="primary" disabled={*sending}>
                    { if *sending { lang.pick("確認中…", "Checking…") } else { lang.pick("ログイン", "Log in") } }
                </button>
            </form>
            <details class="forgot" id="forgot-password">
                <summary>{ lang.pick("パスワードを忘れた場合", "Forgot your password?") }</summary>
                <p>{ lang.pick(
                    "お近くのどのこどもルームでも、職員にお声がけください。本人確認のうえ、新しい初期パスワードを記載した案内状を印刷してお渡しします（以前のパスワードは使えなくなります）。",
                    "Ask the staff at any children's room. After checking who you are, they print a new letter with a new initial password (the old password stops working).") }</p>
            </details>
            <p class="aside">
                { lang.pick("まだ登録していない方は", "Not registered yet? ") }
                <a href={Route::Apply.hash()} id="to-apply">{ lang.pick("事前登録（利用申請）へ", "Apply here") }</a>
            </p>
        </section>
    }
}

/// The forced password change after logging in with the letter's password.
#[function_component(PasswordPage)]
pub fn password_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let current = use_state(String::new);
    let new = use_state(String::new);
    let again = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let sending = use_state(|| false);
    let problems = use_state(|| Rc::new(Problems::new()));
    let session = ctx.model.session.clone();

    let onsubmit = {
        let (current, new, again, error, sending, problems) = (
            current.clone(),
            new.clone(),
            again.clone(),
            error.clone(),
            sending.clone(),
            problems.clone(),
        );
        let ctx = ctx.clone();
        let session = session.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(session) = session.clone() else {
                return;
            };
            if *sending {
                return;
            }
            let found = password_problems(&current, &new, &again, &session.login_id);
            if !found.is_empty() {
                problems.set(Rc::new(found));
                return;
            }
            problems.set(Rc::new(Problems::new()));
            sending.set(true);
            let (cur, pw) = ((*current).clone(), (*new).clone());
            let (error, sending, problems, ctx) = (
                error.clone(),
                sending.clone(),
                problems.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                match api::change_password(&session.token, &cur, &pw).await {
                    Ok(answer) => {
                        let session = Session {
                            token: answer.token,
                            must_change: false,
                            login_id: session.login_id,
                            family_id: session.family_id,
                        };
                        store::set_json(store::SESSION, &session);
                        ctx.dispatch.emit(Action::Session(session));
                        browser::set_hash(&Route::Pass.hash());
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
                        sending.set(false);
                    }
                }
            });
        })
    };
    let on_cancel = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let token = ctx.model.session.as_ref().map(|s| s.token.clone());
            end_session(&ctx.dispatch, None);
            if let Some(token) = token {
                spawn_local(async move {
                    let _ = api::logout(&token).await;
                });
            }
        })
    };

    let p = (*problems).clone();
    html! {
        <section class="page password" aria-labelledby="password-title">
            <h2 id="password-title">{ lang.pick("パスワードの変更", "Change your password") }</h2>
            <p class="lead">{ lang.pick(
                "はじめてのログインです。案内状の初期パスワードを、ご自分で決めたパスワードに変更してください。",
                "This is your first login. Please replace the initial password on the letter with one of your own.") }</p>
            { form_alert(lang, "password-summary", &p, &error, |key| key.replace('_', "-")) }
            <form id="password-form" {onsubmit} novalidate=true>
                <Field id="current-password" key_name="current_password"
                    label={lang.pick("今のパスワード（初期パスワード）", "Current (initial) password").to_owned()}
                    value={(*current).clone()} oninput={setter(&current)} {lang} problems={p.clone()}
                    kind="password" autocomplete="current-password" />
                <Field id="new-password" key_name="new_password"
                    label={lang.pick("新しいパスワード", "New password").to_owned()}
                    value={(*new).clone()} oninput={setter(&new)} {lang} problems={p.clone()}
                    kind="password" autocomplete="new-password"
                    hint={lang.pick("8〜128文字。ログインIDや今のパスワードと同じものは使えません。",
                        "8–128 characters; not your login ID or the current password.").to_owned()} />
                <Field id="new-password-again" key_name="new_password_again"
                    label={lang.pick("新しいパスワード（確認）", "New password again").to_owned()}
                    value={(*again).clone()} oninput={setter(&again)} {lang} problems={p}
                    kind="password" autocomplete="new-password" />
                <button type="submit" id="password-submit" class="primary" disabled={*sending}>
                    { if *sending { lang.pick("変更中…", "Changing…") } else { lang.pick("変更する", "Change password") } }
                </button>
            </form>
            <button type="button" class="link" id="logout" onclick={on_cancel}>
                { lang.pick("ログアウト", "Log out") }
            </button>
        </section>
    }
}

fn setter(state: &UseStateHandle<String>) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |v: String| state.set(v))
}

/// The login form's input for a field key.
fn login_input(key: &str) -> String {
    match key {
        "password" => "login-password".to_owned(),
        _ => "login-id".to_owned(),
    }
}
