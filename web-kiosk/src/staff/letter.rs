//! Showing and printing a login letter (登録案内状). The relay renders the
//! letter as a whole A4 HTML page; it is shown in a frame (a preview staff
//! can check) and printed from there, so its `@page` rules apply and the
//! console itself never reaches the printer. The initial password exists
//! only in this answer: the page says so.

use hiroba_engine::lang::Lang;
use serde::Deserialize;
use yew::prelude::*;

use super::browser;
use super::common::ErrorNote;

/// The relay's answer to an approval or a new letter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Letter {
    pub family_id: String,
    pub login_id: String,
    pub initial_password: String,
    pub letter_html: String,
}

#[derive(Properties, PartialEq, Debug)]
pub struct LetterViewProps {
    pub lang: Lang,
    pub letter: Letter,
    pub on_close: Callback<()>,
}

#[function_component(LetterView)]
pub fn letter_view(props: &LetterViewProps) -> Html {
    let lang = props.lang;
    let frame = use_node_ref();
    let failed = use_state(|| false);
    let on_print = {
        let (frame, failed) = (frame.clone(), failed.clone());
        Callback::from(move |_: MouseEvent| failed.set(!browser::print_frame(&frame)))
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    let l = &props.letter;
    html! {
        <section class="staff-panel letter" aria-labelledby="letter-title">
            <h2 id="letter-title">{ lang.pick("登録案内状", "Login letter") }</h2>
            <p class="staff-warning">
                { lang.pick(
                    "初期パスワードはこの画面でしか表示されません。必ず印刷してお渡しください。",
                    "The initial password is shown only on this screen. Print the letter and hand it over.") }
            </p>
            <dl class="staff-facts big">
                <dt>{ lang.pick("ログインID", "Login ID") }</dt>
                <dd id="letter-login-id" class="code">{ l.login_id.clone() }</dd>
                <dt>{ lang.pick("初期パスワード", "Initial password") }</dt>
                <dd id="letter-password" class="code">{ l.initial_password.clone() }</dd>
            </dl>
            <div class="staff-actions">
                <button id="letter-print" type="button" class="staff-button primary" onclick={on_print}>
                    { lang.pick("印刷", "Print") }
                </button>
                <button type="button" class="staff-button" onclick={on_close}>
                    { lang.pick("閉じる", "Close") }
                </button>
            </div>
            if *failed {
                <ErrorNote {lang}
                    ja="印刷を始められませんでした。もう一度押してください。"
                    en="Printing could not start. Please press Print again." />
            }
            <iframe ref={frame} class="print-preview a4" title={lang.pick("登録案内状の印刷プレビュー", "Print preview of the login letter")}
                    srcdoc={l.letter_html.clone()} />
        </section>
    }
}
