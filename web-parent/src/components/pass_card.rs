//! The pass itself: a full-width QR code, the short code, where it is valid.
//!
//! `#pass-qr` holds the engine's SVG; `#pass-text[data-text]` the pass text.

use hiroba_engine::pass::PassKind;
use yew::prelude::*;

use crate::state::{Lang, PassView};

#[derive(Properties, PartialEq, Debug)]
pub struct PassCardProps {
    pub lang: Lang,
    pub view: std::rc::Rc<PassView>,
    /// Shown from the copy saved on the phone (no network).
    pub saved: bool,
}

#[function_component(PassCard)]
pub fn pass_card(props: &PassCardProps) -> Html {
    let lang = props.lang;
    let view = &props.view;
    // The SVG comes from the engine's QR encoder, never from the network,
    // so inserting it as markup is safe.
    let qr = Html::from_html_unchecked(AttrValue::from(view.qr_svg.clone()));
    let day = view.last_valid_day;
    let valid_until = match lang {
        Lang::Ja => format!("{}年{}月{}日まで", day.year(), day.month(), day.day()),
        Lang::En => format!("until {}/{}/{}", day.year(), day.month(), day.day()),
    };
    html! {
        <article class="pass-card" aria-labelledby="pass-title">
            <h2 id="pass-title" class="visually-hidden">{ lang.pick("受付用QRコード", "Check-in QR code") }</h2>
            if view.expired {
                <p class="warning" role="alert">
                    { lang.pick("このパスは有効期間外です。ルームの職員にお声がけください。",
                                "This pass is outside its validity period. Please ask the room staff.") }
                </p>
            }
            <p class="brightness">
                <span aria-hidden="true">{ "☀ " }</span>
                { lang.pick("画面を明るくしてください", "Turn your screen brightness up") }
            </p>
            <div id="pass-qr" class="qr" role="img"
                aria-label={lang.pick("受付用QRコード", "Check-in QR code").to_owned()}>
                { qr }
            </div>
            <p class="short-code">
                <span class="label">{ lang.pick("コード", "Code") }</span>
                <strong id="pass-short-code">{ view.short_code.clone() }</strong>
            </p>
            <dl class="facts">
                <div>
                    <dt>{ lang.pick("使えるこどもルーム", "Valid at") }</dt>
                    <dd>
                        <ul id="pass-rooms" class="rooms">
                            { for view.rooms.iter().map(|r| html! {
                                <li data-room={r.id.clone()}>{ lang.pick(&r.ja, &r.en).to_owned() }</li>
                            }) }
                        </ul>
                    </dd>
                </div>
                <div>
                    <dt>{ lang.pick("種類", "Type") }</dt>
                    <dd>{ kind_label(view.kind, lang) }</dd>
                </div>
                <div>
                    <dt>{ lang.pick("有効期限", "Valid") }</dt>
                    <dd>{ valid_until }</dd>
                </div>
            </dl>
            if props.saved {
                <p class="note" id="pass-saved">
                    { lang.pick("オフラインのため、この端末に保存したパスを表示しています。",
                                "Offline: showing the pass saved on this phone.") }
                </p>
            }
            <p id="pass-text" class="pass-text" data-text={view.text.clone()}>{ view.text.clone() }</p>
        </article>
    }
}

fn kind_label(kind: PassKind, lang: Lang) -> &'static str {
    match kind {
        PassKind::AppPass => lang.pick("アプリのパス", "App pass"),
        PassKind::FamilyCard => lang.pick("家族カード", "Family card"),
        PassKind::ChildCard => lang.pick("子どもカード", "Child card"),
    }
}
