//! 利用履歴: the family's visits, read from the family's automerge document
//! on the phone (the relay projects the kiosks' check-ins into it), so the
//! last copy shows offline too.

use yew::prelude::*;

use crate::app::Ctx;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(HistoryPage)]
pub fn history_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let visits = &ctx.model.visits;
    let on_refresh = ctx.refresh.reform(|_: MouseEvent| ());
    html! {
        <section class="page history" aria-labelledby="history-title">
            <h2 id="history-title">{ lang.pick("利用履歴", "Visit history") }</h2>
            <button type="button" id="history-refresh" class="secondary" onclick={on_refresh}
                disabled={ctx.model.syncing || !ctx.model.online}>
                { lang.pick("最新の情報に更新", "Refresh") }
            </button>
            <div id="history" data-count={visits.len().to_string()}>
                if visits.is_empty() {
                    <p class="empty">{ lang.pick("まだ利用の記録はありません。", "No visits yet.") }</p>
                }
                <ol class="visits">
                    { for visits.iter().map(|v| {
                        let room = v.room.to_string();
                        let name = ctx.model.config.as_ref()
                            .map_or_else(|| room.clone(), |c| c.room_name(&room, lang));
                        let date = v.date;
                        let day = match lang {
                            Lang::Ja => format!("{}年{}月{}日（{}）", date.year(), date.month(), date.day(),
                                ["月", "火", "水", "木", "金", "土", "日"].get(date.weekday() as usize).copied().unwrap_or_default()),
                            Lang::En => format!("{date}"),
                        };
                        let left = match (v.left, v.closed_at_closing) {
                            (Some(t), false) => t.jst_hhmm(),
                            (Some(t), true) => format!("{}{}", t.jst_hhmm(), lang.pick("（閉館時）", " (at closing)")),
                            (None, _) => lang.pick("利用中", "in the room").to_owned(),
                        };
                        let people = match lang {
                            Lang::Ja => format!("子ども{}人・大人{}人", v.children, v.guardians),
                            Lang::En => format!("{} children, {} adults", v.children, v.guardians),
                        };
                        html! {
                            <li class="visit" data-room={room.clone()} data-date={date.to_string()}>
                                <p class="when">{ day }</p>
                                <p class="where">{ name }</p>
                                <p class="times">{ format!("{} – {}", v.arrived.jst_hhmm(), left) }</p>
                                <p class="who">{ people }</p>
                            </li>
                        }
                    }) }
                </ol>
            </div>
        </section>
    }
}
