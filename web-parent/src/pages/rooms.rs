//! 本登録: choosing the rooms the family uses. Saving signs (or reissues)
//! the app pass and shows it.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Ctx;
use crate::pages::error_box;
use crate::services::api::{self, ApiError};
use crate::services::{browser, store};
use crate::state::{Action, Route, Session};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(RoomsPage)]
pub fn rooms_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let registered: BTreeSet<String> = ctx
        .model
        .family
        .as_ref()
        .map(|f| f.rooms.iter().cloned().collect())
        .unwrap_or_default();
    let chosen = use_state(|| registered.clone());
    let error = use_state(|| None::<ApiError>);
    let sending = use_state(|| false);
    let missing = use_state(|| false);
    // The family may arrive after the page opened: start from its rooms.
    {
        let chosen = chosen.clone();
        use_effect_with(registered.clone(), move |registered| {
            if chosen.is_empty() {
                chosen.set(registered.clone());
            }
        });
    }

    let toggle = |id: String| {
        let chosen = chosen.clone();
        Callback::from(move |_: Event| {
            let mut next = (*chosen).clone();
            if !next.remove(&id) {
                next.insert(id.clone());
            }
            chosen.set(next);
        })
    };
    let onsubmit = {
        let (chosen, error, sending, missing) = (
            chosen.clone(),
            error.clone(),
            sending.clone(),
            missing.clone(),
        );
        let ctx = ctx.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(token) = ctx.model.token().map(str::to_owned) else {
                return;
            };
            if chosen.is_empty() {
                missing.set(true);
                return;
            }
            missing.set(false);
            sending.set(true);
            let rooms: Vec<String> = chosen.iter().cloned().collect();
            let (error, sending, ctx) = (error.clone(), sending.clone(), ctx.clone());
            spawn_local(async move {
                match api::register_rooms(&token, &rooms).await {
                    // Logged out while this was sent: the pass is no one's here.
                    Ok(_)
                        if store::get_json::<Session>(store::SESSION)
                            .is_none_or(|s| s.token != token) => {}
                    Ok(pass) => {
                        store::set_json(store::PASS, &pass);
                        ctx.dispatch.emit(Action::Pass(Rc::new(pass)));
                        sending.set(false);
                        browser::set_hash(&Route::Pass.hash());
                        ctx.refresh.emit(());
                    }
                    Err(e) if ctx.session_lost(&e) => {}
                    Err(e) => {
                        error.set(Some(e));
                        sending.set(false);
                    }
                }
            });
        })
    };

    let rooms = ctx
        .model
        .config
        .as_ref()
        .map(|c| c.rooms.clone())
        .unwrap_or_default();
    html! {
        <section class="page rooms" aria-labelledby="rooms-title">
            <h2 id="rooms-title">{ lang.pick("利用するこどもルームの登録（本登録）", "Register for your children's rooms") }</h2>
            <p class="lead">{ lang.pick(
                "よく利用するルームを選んでください（複数可）。登録すると受付用のQRコードが表示されます。あとから変更できます。",
                "Choose the rooms you use (one or more). Your check-in QR code then appears. You can change this later.") }</p>
            { error_box(lang, &error) }
            if rooms.is_empty() {
                <p class="status" role="status">{ lang.pick(
                    "ルームの一覧を読み込めません。ネットワークにつないでからお試しください。",
                    "The list of rooms cannot be loaded. Please try again online.") }</p>
            }
            <form id="rooms-form" {onsubmit}>
                <fieldset class={classes!("rooms", missing.then_some("invalid"))}>
                    <legend>{ lang.pick("こどもルーム", "Children's rooms") }</legend>
                    { for rooms.iter().map(|r| {
                        let id = format!("room-{}", r.id);
                        html! {
                            <label for={id.clone()} class="room-choice" key={r.id.clone()}>
                                <input type="checkbox" name="room" id={id} value={r.id.clone()}
                                    checked={chosen.contains(&r.id)} onchange={toggle(r.id.clone())} />
                                <span>{ lang.pick(&r.name_ja, &r.name_en).to_owned() }</span>
                            </label>
                        }
                    }) }
                    if *missing {
                        <p class="error" data-error-for="rooms" role="alert">
                            { lang.pick("ルームを1つ以上選んでください。", "Choose at least one room.") }
                        </p>
                    }
                </fieldset>
                <button type="submit" id="rooms-submit" class="primary" disabled={*sending || rooms.is_empty()}>
                    { if *sending { lang.pick("登録中…", "Registering…") } else { lang.pick("登録してQRコードを表示", "Register and show my QR code") } }
                </button>
            </form>
            if !registered.is_empty() {
                <p class="hint">{ lang.pick(
                    "登録を変更するとQRコードが新しくなり、以前のQRコードは使えなくなります。",
                    "Changing the rooms renews your QR code; the old one stops working.") }</p>
            }
        </section>
    }
}
