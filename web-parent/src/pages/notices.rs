//! お知らせ: the notices for this family's rooms and children's ages, from
//! the city's `notices` document kept on the phone (readable offline).
//! Emergency notices first.

use yew::prelude::*;

use crate::app::Ctx;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(NoticesPage)]
pub fn notices_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let notices = &ctx.model.notices;
    html! {
        <section class="page notices" aria-labelledby="notices-title">
            <h2 id="notices-title">{ lang.pick("お知らせ", "Notices") }</h2>
            <div id="notices" data-count={notices.len().to_string()}>
                if notices.is_empty() {
                    <p class="empty">{ lang.pick("いまお知らせはありません。", "No notices right now.") }</p>
                }
                { for notices.iter().map(|(id, n)| {
                    let from = n.from.jst_date();
                    let date = match lang {
                        Lang::Ja => format!("{}年{}月{}日", from.year(), from.month(), from.day()),
                        Lang::En => from.to_string(),
                    };
                    html! {
                        <article key={id.clone()} class={classes!("notice", n.emergency.then_some("emergency"))}
                            data-emergency={n.emergency.to_string()} aria-labelledby={format!("notice-{id}")}>
                            <h3 id={format!("notice-{id}")}>
                                if n.emergency {
                                    <span class="tag">{ lang.pick("緊急", "Emergency") }</span>
                                }
                                { lang.pick(&n.title_ja, &n.title_en).to_owned() }
                            </h3>
                            <p class="date">{ date }</p>
                            <p class="body">{ lang.pick(&n.body_ja, &n.body_en).to_owned() }</p>
                        </article>
                    }
                }) }
            </div>
        </section>
    }
}
