//! お知らせ: the notices for this family's rooms and children's ages, from
//! the city's `notices` document kept on the phone (readable offline).
//! Emergency notices first.
//!
//! What this screen shows counts as seen: the ids go to the phone's list
//! (`store::SEEN_NOTICES`) and the tab's count drops, except for
//! emergencies, which the tab counts while they last. The notices that were
//! new when the screen opened keep a 「新着」 tag until it closes.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::app::Ctx;
use crate::services::store;
use crate::state::{Action, Lang, mark_seen};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(NoticesPage)]
pub fn notices_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let notices = &ctx.model.notices;
    // The ids that were not seen yet when they first showed here.
    let fresh = {
        let model = ctx.model.clone();
        use_mut_ref(move || unseen(&model.notices, &model.seen_notices))
    };
    {
        let (model, dispatch, fresh) = (ctx.model.clone(), ctx.dispatch.clone(), fresh.clone());
        use_effect_with(Rc::clone(notices), move |shown| {
            fresh
                .borrow_mut()
                .extend(unseen(shown, &model.seen_notices));
            let next = mark_seen(&model.seen_notices, shown);
            if next != *model.seen_notices {
                store::set_json(store::SEEN_NOTICES, &next);
                dispatch.emit(Action::NoticesSeen(Rc::new(next)));
            }
        });
    }
    let fresh = fresh.borrow().clone();
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
                    let new = fresh.contains(id);
                    html! {
                        <article key={id.clone()} class={classes!("notice", n.emergency.then_some("emergency"))}
                            data-emergency={n.emergency.to_string()} data-new={new.to_string()}
                            aria-labelledby={format!("notice-{id}")}>
                            <h3 id={format!("notice-{id}")}>
                                if n.emergency {
                                    <span class="tag">{ lang.pick("緊急", "Emergency") }</span>
                                }
                                if new {
                                    <span class="tag new">{ lang.pick("新着", "New") }</span>
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

/// The ids among `notices` not in `seen`.
fn unseen(
    notices: &[(String, hiroba_engine::notice::Notice)],
    seen: &BTreeSet<String>,
) -> BTreeSet<String> {
    notices
        .iter()
        .filter(|(id, _)| !seen.contains(id))
        .map(|(id, _)| id.clone())
        .collect()
}
