//! Printed cards: a family card and one per child (for a child who comes
//! alone, or a grandparent). Each has its QR and short code; no name is
//! needed (one may be added). Issuing a card that exists reissues it and
//! the old card stops working, so the page asks first. Printing uses the
//! browser's dialog with an A4 sheet or a card-size (91 × 55 mm) page.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::app::Ctx;
use crate::pages::error_box;
use crate::services::api::{self, ApiError, Pass};
use crate::services::browser;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct Props {
    pub ctx: Ctx,
}

/// The paper the cards are printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    A4,
    Card,
}

/// A printed card at true size: a Japanese business card, 91 × 55 mm.
const CARD_WIDTH_MM: u32 = 91;
const CARD_HEIGHT_MM: u32 = 55;
/// An A4 sheet's width, mm.
const A4_WIDTH_MM: u32 = 210;
/// The A4 sheet's margin and the gap left for cutting between cards, mm.
/// Two cards side by side need 2 × 91 + 6 = 188 mm; 210 − 2 × 10 = 190 mm
/// leaves 2 mm spare, within what any printer can reach.
const A4_MARGIN_MM: u32 = 10;
const A4_GAP_MM: u32 = 6;
const _: () = assert!(
    2 * CARD_WIDTH_MM + A4_GAP_MM <= A4_WIDTH_MM - 2 * A4_MARGIN_MM,
    "two cards must fit side by side on A4"
);

/// The print rules of a layout: the page size and margin, and on A4 the
/// two-column grid of true-size cards. Written from the constants above
/// so the arithmetic that makes them fit is the one the printer gets.
fn print_style(layout: Layout) -> String {
    match layout {
        Layout::A4 => format!(
            "@media print {{ @page {{ size: A4; margin: {A4_MARGIN_MM}mm; }} \
             .print-a4 .card-list {{ display: grid; \
             grid-template-columns: repeat(2, {CARD_WIDTH_MM}mm); gap: {A4_GAP_MM}mm; }} }}"
        ),
        Layout::Card => format!(
            "@media print {{ @page {{ size: {CARD_WIDTH_MM}mm {CARD_HEIGHT_MM}mm; margin: 0; }} }}"
        ),
    }
}

/// Whether a printed card carries other rooms than the family's now (rooms
/// registered or left since it was printed): the kiosk of a room missing
/// from it refuses it, so the guardian is told to reissue and print it.
pub fn card_out_of_date(card_rooms: &[String], family_rooms: &[String]) -> bool {
    let mut card: Vec<&String> = card_rooms.iter().collect();
    let mut now: Vec<&String> = family_rooms.iter().collect();
    card.sort_unstable();
    card.dedup();
    now.sort_unstable();
    now.dedup();
    !now.is_empty() && card != now
}

#[function_component(CardsPage)]
pub fn cards_page(props: &Props) -> Html {
    let ctx = &props.ctx;
    let lang = ctx.lang();
    let cards = use_state(|| None::<Vec<Pass>>);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let layout = use_state(|| Layout::A4);
    let names = use_state(|| false);
    // The card being printed (`None`: none; `Some("")`: all).
    let printing = use_state(|| None::<String>);

    let token = ctx.model.token().map(str::to_owned);
    {
        let (cards, error, ctx) = (cards.clone(), error.clone(), ctx.clone());
        use_effect_with(token.clone(), move |token| {
            if let Some(token) = token.clone() {
                spawn_local(async move {
                    match api::cards(&token).await {
                        Ok(list) => cards.set(Some(list)),
                        Err(e) if ctx.session_lost(&e) => {}
                        Err(e) => error.set(Some(e)),
                    }
                });
            }
        });
    }
    {
        let printing = printing.clone();
        use_effect_with((*printing).clone(), move |which| {
            if which.is_some() {
                browser::print();
                printing.set(None);
            }
        });
    }

    let issue = |child: Option<u32>, existing: bool| {
        let (cards, error, busy, token) =
            (cards.clone(), error.clone(), busy.clone(), token.clone());
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(token) = token.clone() else { return };
            if existing
                && !browser::confirm(lang.pick(
                    "カードを再発行すると、今のカードは使えなくなります。再発行しますか？",
                    "Reissuing the card makes the current card stop working. Reissue it?",
                ))
            {
                return;
            }
            busy.set(true);
            let (cards, error, busy, ctx) =
                (cards.clone(), error.clone(), busy.clone(), ctx.clone());
            spawn_local(async move {
                match api::issue_card(&token, child).await {
                    Ok(pass) => {
                        let mut list: Vec<Pass> = (*cards).clone().unwrap_or_default();
                        list.retain(|c| !(c.kind == pass.kind && c.child == pass.child));
                        list.push(pass);
                        cards.set(Some(list));
                        error.set(None);
                    }
                    Err(e) if ctx.session_lost(&e) => {}
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let print = |which: String| {
        let printing = printing.clone();
        Callback::from(move |_: MouseEvent| printing.set(Some(which.clone())))
    };
    let set_layout = |to: Layout| {
        let layout = layout.clone();
        Callback::from(move |_: Event| layout.set(to))
    };
    let on_names = {
        let names = names.clone();
        Callback::from(move |e: Event| {
            names.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .checked(),
            )
        })
    };

    let family = ctx.model.family.clone();
    let children = family
        .as_ref()
        .map(|f| f.children.clone())
        .unwrap_or_default();
    let list = (*cards).clone().unwrap_or_default();
    let family_card = list.iter().find(|c| c.kind == "FamilyCard").cloned();
    // One slot per card the family may have: the family card, each child's.
    let mut slots: Vec<(Option<u32>, String, Option<Pass>)> = vec![(
        None,
        lang.pick("家族カード", "Family card").to_owned(),
        family_card,
    )];
    for child in &children {
        let card = list
            .iter()
            .find(|c| c.kind == "ChildCard" && c.child == Some(child.index))
            .cloned();
        slots.push((Some(child.index), child.name.clone(), card));
    }
    let which = (*printing).clone().unwrap_or_default();
    let family_rooms = family.as_ref().map(|f| f.rooms.clone()).unwrap_or_default();

    html! {
        <section class={classes!("page", "cards", if *layout == Layout::Card { "print-card" } else { "print-a4" })}
            aria-labelledby="cards-title">
            <style>{ print_style(*layout) }</style>
            <h2 id="cards-title" class="no-print">{ lang.pick("印刷用カード", "Printable cards") }</h2>
            <p class="lead no-print">{ lang.pick(
                "スマートフォンを持たない方（祖父母など）や、一人で来館するお子さん用のカードです。受付でQRコードを読み取ります。",
                "Cards for people without the app (grandparents) or children who come alone. The counter scans the QR code.") }</p>
            { error_box(lang, &error) }
            <fieldset class="no-print layout">
                <legend>{ lang.pick("印刷のレイアウト", "Print layout") }</legend>
                <label for="layout-a4"><input type="radio" id="layout-a4" name="layout" checked={*layout == Layout::A4}
                    onchange={set_layout(Layout::A4)} />{ lang.pick("A4用紙", "A4 sheet") }</label>
                <label for="layout-card"><input type="radio" id="layout-card" name="layout" checked={*layout == Layout::Card}
                    onchange={set_layout(Layout::Card)} />{ lang.pick("カードサイズ（91×55mm）", "Card size (91 × 55 mm)") }</label>
                <label for="card-names"><input type="checkbox" id="card-names" checked={*names} onchange={on_names} />
                    { lang.pick("名前も印刷する（任意）", "Print the name too (optional)") }</label>
            </fieldset>
            if cards.is_none() && error.is_none() {
                <p class="status no-print" role="status">{ lang.pick("読み込み中…", "Loading…") }</p>
            }
            <div id="cards" class="card-list" data-count={list.len().to_string()}>
                { for slots.into_iter().map(|(child, label, card)| {
                    let key = child.map_or_else(|| "family".to_owned(), |i| format!("child-{i}"));
                    let existing = card.is_some();
                    let selected = which.is_empty() || card.as_ref().is_some_and(|c| c.pass_id == which);
                    html! {
                        <article key={key.clone()} id={format!("card-{key}")}
                            class={classes!("card-slot", (!selected || card.is_none()).then_some("no-print"))}>
                            <h3 class="no-print">{ label.clone() }</h3>
                            if let Some(card) = &card {
                                <div class="printed-card" data-kind={card.kind.clone()} data-serial={card.serial.to_string()}>
                                    <div class="card-qr">{ Html::from_html_unchecked(AttrValue::from(card.qr_svg.clone())) }</div>
                                    <div class="card-text">
                                        <p class="card-title">{ lang.pick("こどもルーム 利用カード", "Children's room card") }</p>
                                        if *names && child.is_some() {
                                            <p class="card-name">{ label.clone() }</p>
                                        }
                                        <p class="card-code">{ card.short_code.clone() }</p>
                                        <p class="card-note">{ lang.pick("受付でこのQRコードを読み取ってください", "Scan this QR code at the counter") }</p>
                                    </div>
                                </div>
                            } else {
                                <p class="no-print">{ lang.pick("まだ発行していません。", "Not issued yet.") }</p>
                            }
                            if let Some(card) = card.as_ref().filter(|c| card_out_of_date(&c.rooms, &family_rooms)) {
                                <p class="hint warn no-print card-stale" role="note">{ match lang {
                                    Lang::Ja => format!(
                                        "このカードのルーム（{}）は、今の登録（{}）と違います。登録したルームで使うには、再発行して印刷し直してください。",
                                        card.rooms.join("・"), family_rooms.join("・")),
                                    Lang::En => format!(
                                        "This card's rooms ({}) differ from your registration ({}). Reissue and print it to use it in your rooms.",
                                        card.rooms.join(", "), family_rooms.join(", ")),
                                } }</p>
                            }
                            <div class="actions no-print">
                                <button type="button" class={if existing { "secondary" } else { "primary" }}
                                    id={format!("issue-{key}")} disabled={*busy || token.is_none()}
                                    onclick={issue(child, existing)}>
                                    { if existing { lang.pick("再発行", "Reissue") } else { lang.pick("発行する", "Issue") } }
                                </button>
                                if let Some(card) = &card {
                                    <button type="button" class="primary" id={format!("print-{key}")}
                                        onclick={print(card.pass_id.clone())}>{ lang.pick("印刷", "Print") }</button>
                                }
                            </div>
                        </article>
                    }
                }) }
            </div>
            if list.len() > 1 {
                <button type="button" class="secondary no-print" id="print-all" onclick={print(String::new())}>
                    { lang.pick("すべて印刷", "Print all") }
                </button>
            }
            if let Some(_) = family.as_ref().filter(|f| f.rooms.is_empty()) {
                <p class="hint no-print">{ lang.pick("カードは、ルームを登録（本登録）してから発行できます。",
                    "Cards can be issued once you have registered for a room.") }</p>
            }
            <p class="hint no-print">{ match lang {
                Lang::Ja => "再発行すると、前のカードは次回の同期から受付で使えなくなります。",
                Lang::En => "After a reissue, the old card is refused at the counter from the next sync.",
            } }</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cards_fit_side_by_side_on_a4_at_true_size() {
        let content = A4_WIDTH_MM - 2 * A4_MARGIN_MM;
        assert!(
            2 * CARD_WIDTH_MM + A4_GAP_MM <= content,
            "2 × {CARD_WIDTH_MM} + {A4_GAP_MM} mm must fit in {content} mm"
        );
        let style = print_style(Layout::A4);
        assert!(style.contains("size: A4; margin: 10mm;"), "{style}");
        assert!(style.contains("repeat(2, 91mm); gap: 6mm;"), "{style}");
        assert!(print_style(Layout::Card).contains("size: 91mm 55mm; margin: 0;"));
    }

    #[test]
    fn a_card_is_out_of_date_when_its_rooms_differ_from_the_familys() {
        let rooms = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(!card_out_of_date(
            &rooms(&["R01", "R02"]),
            &rooms(&["R02", "R01"])
        ));
        assert!(card_out_of_date(&rooms(&["R01"]), &rooms(&["R01", "R02"])));
        assert!(card_out_of_date(&rooms(&["R01", "R02"]), &rooms(&["R01"])));
        assert!(
            !card_out_of_date(&rooms(&["R01"]), &[]),
            "no registration: nothing to compare"
        );
    }
}
