//! The top bar: room name, people in the room, online / offline and the
//! not-yet-sent count, the clock and the language switch.

use yew::prelude::*;

use crate::components::clock::Clock;
use crate::runtime::Snapshot;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct HeaderProps {
    pub lang: Lang,
    pub room_name: AttrValue,
    /// The kiosk's health, once it runs.
    #[prop_or_default]
    pub health: Option<Snapshot>,
    pub on_toggle_lang: Callback<()>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let lang = props.lang;
    let onclick = props.on_toggle_lang.reform(|_: MouseEvent| ());
    // The switch is labelled in the language it switches *to*.
    let (label, switch_lang) = match lang {
        Lang::Ja => ("English", "en"),
        Lang::En => ("日本語", "ja"),
    };
    html! {
        <header class="topbar">
            <div class="room">
                <span class="room-kicker">{ lang.pick("こどもルーム 受付", "Children's room check-in") }</span>
                <h1 id="room-name">{ props.room_name.clone() }</h1>
            </div>
            if let Some(h) = &props.health {
                <div id="occupancy" class="occupancy" data-people={h.occupancy.people().to_string()}
                    data-groups={h.occupancy.groups.to_string()} aria-live="polite">
                    <span class="occupancy-label">{ lang.pick("いま室内", "In the room") }</span>
                    <span class="occupancy-number">{ h.occupancy.people() }</span>
                    <span class="occupancy-unit">
                        { match lang {
                            Lang::Ja => format!("人（{}組）", h.occupancy.groups),
                            Lang::En => format!("people ({} groups)", h.occupancy.groups),
                        } }
                    </span>
                </div>
                <div class="net">
                    <span id="net-status" class={classes!("net-status", if h.online { "online" } else { "offline" })}
                        data-online={h.online.to_string()} role="status">
                        { if h.online { lang.pick("● オンライン", "● Online") } else { lang.pick("○ オフライン", "○ Offline") } }
                    </span>
                    <span id="unsent" class={classes!("unsent", (h.unsent > 0).then_some("waiting"))}
                        data-count={h.unsent.to_string()}>
                        { if h.unsent == 0 {
                            lang.pick("送信済み", "All sent").to_owned()
                        } else {
                            match lang {
                                Lang::Ja => format!("未送信 {}件", h.unsent),
                                Lang::En => format!("{} not sent yet", h.unsent),
                            }
                        } }
                    </span>
                </div>
            }
            <Clock lang={lang} />
            <button id="lang-switch" class="lang-switch" type="button" lang={switch_lang} {onclick}>
                { label }
            </button>
        </header>
    }
}
