//! Settings: the language, logging out (which forgets the family on this
//! phone), and what to do about a forgotten password.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::{Ctx, end_session};
use crate::services::api;
use crate::state::{Action, Lang, Route};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(SettingsPage)]
pub fn settings_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let set_lang = |to: Lang| {
        let dispatch = ctx.dispatch.clone();
        Callback::from(move |_: Event| dispatch.emit(Action::SetLang(to)))
    };
    let on_logout = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let token = ctx.model.session.as_ref().map(|s| s.token.clone());
            // The phone forgets the family at once, even offline; the
            // relay ends the session when it can be reached.
            end_session(
                &ctx.dispatch,
                Some(crate::state::Flash::new(
                    "ログアウトしました。",
                    "You have logged out.",
                )),
            );
            if let Some(token) = token {
                spawn_local(async move {
                    let _ = api::logout(&token).await;
                });
            }
        })
    };
    let login_id = ctx
        .model
        .family
        .as_ref()
        .map(|f| f.login_id.clone())
        .unwrap_or_default();
    html! {
        <section class="page settings" aria-labelledby="settings-title">
            <h2 id="settings-title">{ lang.pick("設定", "Settings") }</h2>
            <fieldset class="lang-choice">
                <legend>{ "言語 / Language" }</legend>
                <label for="lang-ja"><input type="radio" name="lang" id="lang-ja" value="ja"
                    checked={lang == Lang::Ja} onchange={set_lang(Lang::Ja)} />{ "日本語" }</label>
                <label for="lang-en"><input type="radio" name="lang" id="lang-en" value="en"
                    checked={lang == Lang::En} onchange={set_lang(Lang::En)} />{ "English" }</label>
            </fieldset>
            if !login_id.is_empty() {
                <p>{ lang.pick("ログインID: ", "Login ID: ") }<strong>{ login_id }</strong></p>
            }
            <p><a href={Route::Rooms.hash()}>{ lang.pick("利用するルームの登録・変更", "Register or change your rooms") }</a></p>
            <button type="button" id="logout" class="danger" onclick={on_logout}>{ lang.pick("ログアウト", "Log out") }</button>
            <p class="hint">{ lang.pick(
                "ログアウトすると、この端末に保存したQRコード・履歴・お知らせも消去されます。",
                "Logging out also removes the QR code, history and notices saved on this phone.") }</p>
            <h3>{ lang.pick("パスワードを忘れた場合", "Forgot your password?") }</h3>
            <p>{ lang.pick(
                "どのこどもルームでも、職員にお声がけください。新しい初期パスワードを記載した案内状を印刷してお渡しします。",
                "Ask the staff at any children's room: they print a new letter with a new initial password.") }</p>
        </section>
    }
}
