//! The pass: the QR code as large as the phone allows, the short code staff
//! can type if a scan fails, the rooms, and a word about brightness. Shown
//! from the phone's copy, so it works with no network.
//!
//! 「全画面で表示」 shows the QR code alone at the counter: white, as large
//! as the screen allows, the short code under it. The overlay `#pass-full`
//! covers the page on every phone; where the browser has the Fullscreen
//! API it is also asked to fill the screen (no address bar, no tab bar).
//! 閉じる, Escape or leaving the browser's full screen all close it.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::app::Ctx;
use crate::services::browser::{self, Listener};
use crate::state::{Lang, Route};

/// The overlay's id, and the ids of the buttons that open and close it
/// (the focus goes to one and comes back to the other).
const FULL: &str = "pass-full";
const OPEN: &str = "pass-fullscreen";
const CLOSE: &str = "pass-full-close";

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(PassPage)]
pub fn pass_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let model = &ctx.model;
    let full = use_state_eq(|| false);
    {
        let full = full.clone();
        use_effect_with(*full, move |open| {
            let listeners = open.then(|| {
                browser::focus(CLOSE);
                close_listeners(&full)
            });
            // Closed after being open: the focus goes back where it was.
            let was_open = *open;
            move || {
                drop(listeners);
                if was_open {
                    // Also when the page goes away while it is open.
                    browser::exit_fullscreen();
                    browser::focus(OPEN);
                }
            }
        });
    }
    let Some(pass) = &model.pass else {
        return no_pass(lang, model.pass_revoked);
    };
    // The SVG is the relay's QR rendering of the pass text (modules as
    // rects, no script); the phone keeps it so it draws offline.
    let qr = Html::from_html_unchecked(AttrValue::from(pass.qr_svg.clone()));
    let qr_full = Html::from_html_unchecked(AttrValue::from(pass.qr_svg.clone()));
    let qr_label = lang.pick(
        "受付用QRコード。受付の読み取り機にかざしてください。",
        "Check-in QR code. Hold it to the reader at the counter.",
    );
    let open = {
        let full = full.clone();
        Callback::from(move |_: MouseEvent| {
            // Shown now, inside the tap: the Fullscreen API asks for both.
            browser::set_hidden(FULL, false);
            browser::request_fullscreen(FULL);
            full.set(true);
        })
    };
    let close = {
        let full = full.clone();
        Callback::from(move |_: MouseEvent| close_full(&full))
    };
    let rooms: Vec<(String, String)> = pass
        .rooms
        .iter()
        .map(|id| {
            let name = model
                .config
                .as_ref()
                .map_or_else(|| id.clone(), |c| c.room_name(id, lang));
            (id.clone(), name)
        })
        .collect();
    let until = hiroba_engine::calendar::Timestamp(pass.valid_until - 1).jst_date();
    let expired = crate::services::browser::now().0 >= pass.valid_until;
    html! {
        <section class="page pass" aria-labelledby="pass-title">
            <h2 id="pass-title">{ lang.pick("受付用QRコード", "Check-in QR code") }</h2>
            if expired {
                <p class="warning" role="alert">{ lang.pick(
                    "このパスは有効期限が過ぎています。ルームの職員にお声がけください。",
                    "This pass has expired. Please ask the room staff.") }</p>
            }
            <p class="brightness">
                <span aria-hidden="true">{ "☀ " }</span>
                { lang.pick("読み取りやすいよう、画面を明るくしてください", "Turn your screen brightness up for the reader") }
            </p>
            <div id="pass-qr" class="qr" role="img" aria-label={qr_label.to_owned()}>
                { qr }
            </div>
            <p class="short-code">
                <span class="label">{ lang.pick("番号", "Code") }</span>
                <strong id="pass-short-code">{ pass.short_code.clone() }</strong>
            </p>
            <button type="button" id={OPEN} class="secondary fullscreen-open" onclick={open}
                aria-haspopup="dialog" aria-controls={FULL}>
                <span aria-hidden="true">{ "⛶ " }</span>
                { lang.pick("全画面で表示", "Show full screen") }
            </button>
            <div id={FULL} class="qr-full" role="dialog" aria-modal="true"
                aria-label={lang.pick("受付用QRコード（全画面）", "Check-in QR code (full screen)").to_owned()}
                hidden={!*full}>
                <div class="qr-full-code" role="img" aria-label={qr_label.to_owned()}>{ qr_full }</div>
                <p class="short-code">
                    <span class="label">{ lang.pick("番号", "Code") }</span>
                    <strong id="pass-full-short-code">{ pass.short_code.clone() }</strong>
                </p>
                <button type="button" id={CLOSE} class="close" onclick={close}>
                    { lang.pick("閉じる", "Close") }
                </button>
            </div>
            <p class="hint">{ lang.pick("読み取れないときは、この番号を職員にお伝えください。", "If it does not scan, tell the staff this code.") }</p>
            <h3>{ lang.pick("登録しているルーム", "Your rooms") }</h3>
            <ul id="pass-rooms" class="rooms">
                { for rooms.iter().map(|(id, name)| html! { <li data-room={id.clone()} key={id.clone()}>{ name.clone() }</li> }) }
            </ul>
            <p class="facts">
                { match lang {
                    Lang::Ja => format!("有効期限: {}年{}月{}日", until.year(), until.month(), until.day()),
                    Lang::En => format!("Valid until {}-{:02}-{:02}", until.year(), until.month(), until.day()),
                } }
            </p>
            if !model.connected() {
                <p class="note" id="pass-saved">{ lang.pick(
                    "サーバーに接続できません。この端末に保存したQRコードを表示しています（受付で使えます）。",
                    "Cannot reach the server: showing the QR code saved on this phone (it works at the counter).") }</p>
            }
            <p class="aside"><a href={Route::Rooms.hash()} id="change-rooms">{ lang.pick("ルームの登録を変更", "Change your rooms") }</a></p>
            <p id="pass-text" class="pass-text" data-text={pass.text.clone()} data-serial={pass.serial.to_string()}>
                { pass.text.clone() }
            </p>
        </section>
    }
}

/// Closes the full-screen QR: out of the browser's full screen first,
/// whose end (`fullscreenchange`) then closes the overlay — the focus set
/// before the browser has left full screen would not stay — or, with the
/// overlay alone, at once. The focus goes back to 「全画面で表示」.
fn close_full(full: &UseStateHandle<bool>) {
    if browser::fullscreen_active() {
        browser::exit_fullscreen();
    } else {
        browser::focus(OPEN);
        full.set(false);
    }
}

/// While the full-screen QR is open: Escape closes it (the browser's own
/// full screen swallows Escape and ends itself, which closes it too), and
/// Tab stays on its one button, as in any modal dialog.
fn close_listeners(full: &UseStateHandle<bool>) -> [Option<Listener>; 3] {
    let on_key = {
        let full = full.clone();
        move |e: web_sys::Event| {
            let Some(key) = e.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key()) else {
                return;
            };
            match key.as_str() {
                "Escape" | "Esc" => {
                    e.prevent_default();
                    close_full(&full);
                }
                "Tab" => {
                    e.prevent_default();
                    browser::focus(CLOSE);
                }
                _ => {}
            }
        }
    };
    let on_change = |full: UseStateHandle<bool>| {
        move |_: web_sys::Event| {
            if !browser::fullscreen_active() {
                browser::focus(OPEN);
                full.set(false);
            }
        }
    };
    [
        Listener::window("keydown", on_key),
        Listener::document("fullscreenchange", on_change(full.clone())),
        Listener::document("webkitfullscreenchange", on_change(full.clone())),
    ]
}

fn no_pass(lang: Lang, revoked: bool) -> Html {
    html! {
        <section id="no-pass" class="page message" aria-labelledby="no-pass-title">
            if revoked {
                <h2 id="no-pass-title">{ lang.pick("このQRコードは使えなくなりました", "This QR code no longer works") }</h2>
                <p id="pass-revoked" role="alert">{ lang.pick(
                    "職員によってパスが取り消されました。こどもルームの職員にお声がけいただくか、ルームをもう一度登録してください。",
                    "Staff revoked your pass. Please ask the staff at a children's room, or register for your rooms again.") }</p>
            } else {
                <h2 id="no-pass-title">{ lang.pick("まだQRコードがありません", "No QR code yet") }</h2>
                <p>{ lang.pick(
                    "利用するルームを登録（本登録）すると、ここに受付用のQRコードが表示されます。",
                    "Register for your rooms and your check-in QR code appears here.") }</p>
            }
            <a class="button primary" href={Route::Rooms.hash()}>{ lang.pick("ルームを登録する", "Register for rooms") }</a>
        </section>
    }
}
