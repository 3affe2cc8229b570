//! The big panel that answers a scan: choose who came and confirm, confirm
//! a check-out, 「受付しました」, or the reason a pass was refused. No names
//! ever: children show as ages. `#scan-result[data-status][data-code][data-seq]`
//! is what tests read.

use yew::prelude::*;

use crate::state::{Lang, Panel, RecordFailure};

#[derive(Properties, PartialEq, Debug)]
pub struct PanelProps {
    pub lang: Lang,
    pub panel: Panel,
    pub seq: u64,
    /// Whether passes can be verified yet (the trust list is here).
    pub ready: bool,
    pub on_toggle_child: Callback<usize>,
    pub on_guardians: Callback<u8>,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

#[function_component(ScanPanel)]
pub fn scan_panel(props: &PanelProps) -> Html {
    let lang = props.lang;
    let seq = props.seq.to_string();
    let status = props.panel.status();
    let confirm = props.on_confirm.reform(|_: MouseEvent| ());
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    match &props.panel {
        Panel::Idle => {
            let prompt = if props.ready {
                lang.pick(
                    "QRコードをかざしてください",
                    "Hold your QR code to the reader",
                )
            } else {
                lang.pick(
                    "準備中…（初回はサーバーとの同期が必要です）",
                    "Getting ready… (the first start needs the server)",
                )
            };
            html! {
                <section id="scan-result" class="result idle" data-status={status} data-seq={seq}
                    aria-live="polite">
                    <div class="result-icon" aria-hidden="true">{ "⌁" }</div>
                    <p class="result-title">{ prompt }</p>
                </section>
            }
        }
        Panel::CheckIn {
            children,
            guardians,
            busy,
            claims,
        } => {
            let any = children.iter().any(|c| c.selected) || *guardians > 0;
            let max = claims.guardians.max(1);
            let less = {
                let cb = props.on_guardians.clone();
                let g = *guardians;
                Callback::from(move |_: MouseEvent| cb.emit(g.saturating_sub(1)))
            };
            let more = {
                let cb = props.on_guardians.clone();
                let g = *guardians;
                Callback::from(move |_: MouseEvent| cb.emit(g.saturating_add(1)))
            };
            html! {
                <section id="scan-result" class="result confirm" data-status={status} data-seq={seq}
                    role="group" aria-labelledby="confirm-title">
                    <p id="confirm-title" class="result-title">
                        { lang.pick("今日いっしょに来た人を選んでください", "Who came today?") }
                    </p>
                    <div class="choices">
                        <ul class="children" aria-label={lang.pick("お子さま", "Children")}>
                            { for children.iter().enumerate().map(|(i, c)| {
                                let toggle = props.on_toggle_child.reform(move |_: MouseEvent| i);
                                let label = match lang { Lang::Ja => c.age.label_ja(), Lang::En => c.age.label_en() };
                                html! {
                                    <li>
                                        <button type="button" class={classes!("child-toggle", c.selected.then_some("on"))}
                                            aria-pressed={c.selected.to_string()} disabled={*busy} onclick={toggle}>
                                            <span aria-hidden="true">{ if c.selected { "✓ " } else { "" } }</span>
                                            { label }
                                        </button>
                                    </li>
                                }
                            }) }
                        </ul>
                        <div class="guardians" role="group" aria-label={lang.pick("保護者の人数", "Guardians")}>
                            <span>{ lang.pick("保護者", "Guardians") }</span>
                            <button id="guardians-less" type="button" class="step" aria-label={lang.pick("保護者を減らす", "One guardian fewer")}
                                disabled={*busy || *guardians == 0} onclick={less}>{ "−" }</button>
                            <output id="guardians" data-count={guardians.to_string()}>
                                { match lang { Lang::Ja => format!("{guardians}名"), Lang::En => guardians.to_string() } }
                            </output>
                            <button id="guardians-more" type="button" class="step" aria-label={lang.pick("保護者を増やす", "One guardian more")}
                                disabled={*busy || *guardians >= max} onclick={more}>{ "+" }</button>
                        </div>
                    </div>
                    { actions(lang, *busy, !any, lang.pick("受付する", "Check in"), confirm, cancel) }
                </section>
            }
        }
        Panel::CheckOut { arrived, busy, .. } => {
            let since = arrived.jst_hhmm();
            html! {
                <section id="scan-result" class="result confirm checkout" data-status={status} data-seq={seq}
                    role="group" aria-labelledby="confirm-title">
                    <p id="confirm-title" class="result-title">
                        { lang.pick("お帰りですか？", "Leaving now?") }
                    </p>
                    <p class="detail">
                        { match lang { Lang::Ja => format!("{since} から利用中"), Lang::En => format!("In the room since {since}") } }
                    </p>
                    { actions(lang, *busy, false, lang.pick("退室する", "Check out"), confirm, cancel) }
                </section>
            }
        }
        Panel::Done { check_in, people } => html! {
            <section id="scan-result" class="result accepted" data-status={status} data-seq={seq}
                data-kind={if *check_in { "in" } else { "out" }} role="status" aria-live="assertive">
                <div class="result-icon" aria-hidden="true">{ "✓" }</div>
                <p class="result-title">
                    { if *check_in { lang.pick("受付しました", "Checked in") } else { lang.pick("退室しました", "Checked out") } }
                </p>
                <p class="detail">
                    { match (lang, *check_in) {
                        (Lang::Ja, true) => format!("{people}名 ようこそ！"),
                        (Lang::Ja, false) => "またお待ちしています。".to_owned(),
                        (Lang::En, true) => format!("Welcome, {people} of you!"),
                        (Lang::En, false) => "See you again.".to_owned(),
                    } }
                </p>
            </section>
        },
        Panel::Duplicate => html! {
            <section id="scan-result" class="result accepted" data-status={status} data-seq={seq}
                role="status" aria-live="assertive">
                <div class="result-icon" aria-hidden="true">{ "✓" }</div>
                <p class="result-title">{ lang.pick("読み取り済みです", "Already scanned") }</p>
                <p class="detail">{ lang.pick("このQRコードは今読み取りました。", "This code was just read.") }</p>
            </section>
        },
        Panel::Rejected {
            code,
            message_ja,
            message_en,
        } => html! {
            <section id="scan-result" class="result rejected" data-status={status} data-code={code.clone()}
                data-seq={seq} role="alert">
                <div class="result-icon" aria-hidden="true">{ "!" }</div>
                <p class="result-title">{ lang.pick("受付できません", "Cannot check in") }</p>
                <p id="result-reason" class="reason">{ lang.pick(message_ja, message_en) }</p>
                if lang == Lang::Ja {
                    <p class="reason-en" lang="en">{ message_en.clone() }</p>
                }
            </section>
        },
        Panel::Failed { failure } => {
            let (title, reason, detail) = match failure {
                RecordFailure::NotRecorded(detail) => (
                    lang.pick("記録できませんでした", "Not recorded"),
                    lang.pick(
                        "この来館は記録されていません。もう一度読み取ってください。続く場合はスタッフを呼んでください。",
                        "This visit was not recorded. Please scan again; if it keeps failing, call staff.",
                    ),
                    detail,
                ),
                RecordFailure::NotStored(detail) => (
                    lang.pick("端末に保存できませんでした", "Not saved on this device"),
                    lang.pick(
                        "記録は受け付けましたが、この端末の保存領域に書き込めませんでした。書き込みは自動でやり直します。読み取り直さずに、スタッフを呼んでください。",
                        "The visit was taken, but this device's storage refused it. Saving is retried by itself. Please do not scan again; call staff.",
                    ),
                    detail,
                ),
            };
            html! {
                <section id="scan-result" class="result rejected" data-status={status} data-seq={seq} role="alert">
                    <div class="result-icon" aria-hidden="true">{ "!" }</div>
                    <p class="result-title">{ title }</p>
                    <p class="reason">{ reason }</p>
                    // The technical words, for staff calling for help.
                    <p class="reason-en detail" lang="en">{ detail.clone() }</p>
                </section>
            }
        }
    }
}

/// The confirm and cancel buttons of a confirmation panel; both wait while
/// the visit is being stored.
fn actions(
    lang: Lang,
    busy: bool,
    nothing_chosen: bool,
    label: &str,
    confirm: Callback<MouseEvent>,
    cancel: Callback<MouseEvent>,
) -> Html {
    html! {
        <div class="actions">
            <button id="confirm" type="button" class="primary big" disabled={busy || nothing_chosen} onclick={confirm}>
                { if busy { lang.pick("保存中…", "Saving…") } else { label } }
            </button>
            <button id="cancel" type="button" class="secondary" disabled={busy} onclick={cancel}>
                { lang.pick("やめる", "Cancel") }
            </button>
        </div>
    }
}
