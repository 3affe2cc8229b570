//! A labelled field to type or paste a code, for staff and for readers that
//! type into the focused field. Enter or the button submits it.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct ScanInputProps {
    pub lang: Lang,
    pub disabled: bool,
    pub on_submit: Callback<String>,
}

#[function_component(ScanInput)]
pub fn scan_input(props: &ScanInputProps) -> Html {
    let input = use_node_ref();
    let submit = {
        let input = input.clone();
        let on_submit = props.on_submit.clone();
        move || {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let text = el.value();
                if !text.trim().is_empty() {
                    on_submit.emit(text);
                }
                el.set_value("");
            }
        }
    };
    let onsubmit = {
        let submit = submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit();
        })
    };
    let lang = props.lang;
    html! {
        <form class="scan-form" {onsubmit}>
            <label for="scan-input">{ lang.pick("コードを入力（またはスキャン）", "Type or scan a code") }</label>
            <div class="scan-row">
                <input
                    id="scan-input"
                    ref={input}
                    type="text"
                    inputmode="latin"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    disabled={props.disabled}
                />
                <button type="submit" class="primary" disabled={props.disabled}>
                    { lang.pick("確認", "Check") }
                </button>
            </div>
        </form>
    }
}
