//! A labelled field to type or paste a code, for staff and for readers that
//! type into the focused field. Enter or the button submits it.
//!
//! With an IME on, a scanner's characters become composition text and its
//! one Enter only commits them, so nothing would happen: a committed text
//! as long as a scan is submitted at once, and the engine then says that
//! the IME is on.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Lang;

/// A committed composition this long came from a scanner, not a person
/// typing a word: every pass's text is longer.
const SCAN_LIKE_CHARS: usize = 16;

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
    // Yew has no composition listeners: one on the element, for its life.
    {
        let input = input.clone();
        let submit = submit.clone();
        use_effect_with((), move |_| {
            let el = input.cast::<HtmlInputElement>();
            let on_end = {
                let el = el.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
                    if el
                        .as_ref()
                        .is_some_and(|el| el.value().chars().count() >= SCAN_LIKE_CHARS)
                    {
                        submit();
                    }
                })
            };
            if let Some(el) = &el {
                let _ = el.add_event_listener_with_callback(
                    "compositionend",
                    on_end.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(el) = &el {
                    let _ = el.remove_event_listener_with_callback(
                        "compositionend",
                        on_end.as_ref().unchecked_ref(),
                    );
                }
                drop(on_end);
            }
        });
    }
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
