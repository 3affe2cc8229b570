//! The top bar: room name, clock and the language switch.

use yew::prelude::*;

use crate::components::clock::Clock;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct HeaderProps {
    pub lang: Lang,
    pub room_name: AttrValue,
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
        <header class="topbar">
            <div class="room">
                <span class="room-kicker">{ props.lang.pick("こどもルーム 受付", "Children's room check-in") }</span>
                <h1 id="room-name">{ props.room_name.clone() }</h1>
            </div>
            <Clock lang={props.lang} />
            <button id="lang-switch" class="lang-switch" type="button" lang={switch_lang} {onclick}>
                { label }
            </button>
        </header>
    }
}
