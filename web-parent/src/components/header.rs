//! The app bar: title, city and the language switch.

use yew::prelude::*;

use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct HeaderProps {
    pub lang: Lang,
    pub city_name: AttrValue,
    pub on_toggle_lang: Callback<()>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let onclick = props.on_toggle_lang.reform(|_: MouseEvent| ());
    // The switch is labelled in the language it switches *to*.
    let (label, switch_lang) = match props.lang {
        Lang::Ja => ("English", "en"),
        Lang::En => ("日本語", "ja"),
    };
    html! {
        <header class="appbar">
            <div class="appbar-title">
                <h1>{ props.lang.pick("こどもルーム パス", "Children's room pass") }</h1>
                if !props.city_name.is_empty() {
                    <span class="city">{ props.city_name.clone() }</span>
                }
            </div>
            <button id="lang-switch" class="lang-switch" type="button" lang={switch_lang} {onclick}>
                { label }
            </button>
        </header>
    }
}
