//! The pass: the QR code as large as the phone allows, the short code staff
//! can type if a scan fails, the rooms, and a word about brightness. Shown
//! from the phone's copy, so it works with no network.

use yew::prelude::*;

use crate::app::Ctx;
use crate::state::{Lang, Route};

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(PassPage)]
pub fn pass_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let model = &ctx.model;
    let Some(pass) = &model.pass else {
        return no_pass(lang, model.pass_revoked);
    };
    // The SVG is the relay's QR rendering of the pass text (modules as
    // rects, no script); the phone keeps it so it draws offline.
    let qr = Html::from_html_unchecked(AttrValue::from(pass.qr_svg.clone()));
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
            <div id="pass-qr" class="qr" role="img"
                aria-label={lang.pick("受付用QRコード。受付の読み取り機にかざしてください。", "Check-in QR code. Hold it to the reader at the counter.").to_owned()}>
                { qr }
            </div>
            <p class="short-code">
                <span class="label">{ lang.pick("番号", "Code") }</span>
                <strong id="pass-short-code">{ pass.short_code.clone() }</strong>
            </p>
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
