//! Whether the kiosk is working from the relay's documents or, offline, from
//! its own copy. `#net-status[data-online=true|false]`.

use yew::prelude::*;

use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct NetStatusProps {
    pub lang: Lang,
    /// `None` while loading: nothing to say yet.
    pub online: Option<bool>,
}

#[function_component(NetStatus)]
pub fn net_status(props: &NetStatusProps) -> Html {
    let Some(online) = props.online else {
        return html! {};
    };
    let (class, label) = if online {
        ("net-status online", props.lang.pick("オンライン", "Online"))
    } else {
        (
            "net-status offline",
            props.lang.pick("オフライン", "Offline"),
        )
    };
    html! {
        <span id="net-status" {class} data-online={online.to_string()} role="status">
            { label }
        </span>
    }
}
