//! The app bar: title, city, the online flag and the language switch.

use yew::prelude::*;

use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct HeaderProps {
    pub lang: Lang,
    pub city_name: AttrValue,
    pub on_toggle_lang: Callback<()>,
    pub online: bool,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let onclick = props.on_toggle_lang.reform(|_: MouseEvent| ());
    // The switch is labelled in the language it switches *to*.
    let (label, switch_lang) = match props.lang {
        Lang::Ja => ("English", "en"),
        Lang::En => ("日本語", "ja"),
    };
    let lang = props.lang;
    html! {
        <header class="appbar">
            <div class="appbar-title">
                <h1>{ lang.pick("こどもルーム", "Children's rooms") }</h1>
                if !props.city_name.is_empty() {
                    <span class="city">{ props.city_name.clone() }</span>
                }
            </div>
            if !props.online {
                <span id="offline" class="offline" role="status">
                    { lang.pick("オフライン", "Offline") }
                </span>
            }
            <button id="lang-switch" class="lang-switch" type="button" lang={switch_lang} {onclick}>
                { label }
            </button>
        </header>
    }
}
