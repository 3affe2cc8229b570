//! The bottom tab bar: the six places a logged-in guardian goes. Plain
//! links to hash routes, so the keyboard and screen readers know them.

use yew::prelude::*;

use crate::state::{Lang, Route, Screen};

#[derive(Properties, PartialEq, Debug)]
pub struct TabsProps {
    pub lang: Lang,
    pub screen: Screen,
    /// Unread notices and emergencies in force (a count on the tab,
    /// [`crate::state::unread_notices`]).
    pub unread: usize,
    /// An emergency notice is in force: the count is drawn as urgent.
    #[prop_or_default]
    pub emergency: bool,
}

const TABS: [(Route, &str, &str, &str); 6] = [
    (Route::Pass, "▣", "パス", "Pass"),
    (Route::History, "◷", "履歴", "History"),
    (Route::Notices, "✉", "お知らせ", "Notices"),
    (Route::Children, "☺", "子ども", "Children"),
    (Route::Cards, "▤", "カード", "Cards"),
    (Route::Settings, "⚙", "設定", "Settings"),
];

#[function_component(Tabs)]
pub fn tabs(props: &TabsProps) -> Html {
    let lang = props.lang;
    html! {
        <nav class="tabs" aria-label={lang.pick("メニュー", "Menu").to_owned()}>
            { for TABS.iter().map(|(route, icon, ja, en)| {
                let current = route.name() == props.screen.name()
                    || (*route == Route::Pass && props.screen == Screen::Rooms);
                html! {
                    <a href={route.hash()} id={format!("tab-{}", route.name())}
                        class={classes!("tab", current.then_some("current"))}
                        aria-current={current.then_some("page")}>
                        <span class="icon" aria-hidden="true">{ *icon }</span>
                        <span class="label">{ lang.pick(ja, en) }</span>
                        if *route == Route::Notices && props.unread > 0 {
                            <span class={classes!("badge", props.emergency.then_some("urgent"))}
                                id="notices-unread" data-count={props.unread.to_string()}>
                                <span aria-hidden="true">{ props.unread }</span>
                                <span class="visually-hidden">{ match lang {
                                    Lang::Ja => format!("（未読{}件）", props.unread),
                                    Lang::En => format!(" ({} unread)", props.unread),
                                } }</span>
                            </span>
                        }
                    </a>
                }
            }) }
        </nav>
    }
}
