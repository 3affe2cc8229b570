//! The big panel that answers a scan: green when accepted, red with the
//! reason when not. `#scan-result[data-status][data-code]` is what tests read.

use yew::prelude::*;

use crate::state::{Lang, ScanOutcome};

#[derive(Properties, PartialEq, Debug)]
pub struct ScanResultProps {
    pub lang: Lang,
    pub outcome: Option<ScanOutcome>,
    pub seq: u64,
    /// Whether the kiosk can verify yet (trust list loaded).
    pub ready: bool,
}

#[function_component(ScanResult)]
pub fn scan_result(props: &ScanResultProps) -> Html {
    let lang = props.lang;
    let seq = props.seq.to_string();
    match &props.outcome {
        None => {
            let prompt = if props.ready {
                lang.pick(
                    "QRコードをかざしてください",
                    "Hold your QR code to the reader",
                )
            } else {
                lang.pick("準備中…", "Getting ready…")
            };
            html! {
                <section id="scan-result" class="result idle" data-status="idle" data-seq={seq}
                    aria-live="polite">
                    <div class="result-icon" aria-hidden="true">{ "⌁" }</div>
                    <p class="result-title">{ prompt }</p>
                </section>
            }
        }
        Some(ScanOutcome::Accepted {
            children,
            guardians,
        }) => {
            let children_list = children
                .iter()
                .map(|c| match lang {
                    Lang::Ja => c.label_ja(),
                    Lang::En => c.label_en(),
                })
                .collect::<Vec<_>>();
            let guardians_text = match lang {
                Lang::Ja => format!("{guardians}名"),
                Lang::En => guardians.to_string(),
            };
            html! {
                <section id="scan-result" class="result accepted" data-status="accepted"
                    data-seq={seq} role="status" aria-live="assertive">
                    <div class="result-icon" aria-hidden="true">{ "✓" }</div>
                    <p class="result-title">{ lang.pick("確認できました", "Pass accepted") }</p>
                    <dl class="family">
                        <div>
                            <dt>{ lang.pick("お子さま", "Children") }</dt>
                            <dd id="result-children">
                                if children_list.is_empty() {
                                    { lang.pick("なし", "none") }
                                } else {
                                    <ul class="children">
                                        { for children_list.into_iter().map(|c| html! { <li>{ c }</li> }) }
                                    </ul>
                                }
                            </dd>
                        </div>
                        <div>
                            <dt>{ lang.pick("保護者", "Guardians") }</dt>
                            <dd id="result-guardians" data-count={guardians.to_string()}>{ guardians_text }</dd>
                        </div>
                    </dl>
                </section>
            }
        }
        Some(ScanOutcome::Rejected {
            code,
            message_ja,
            message_en,
        }) => {
            // Japanese first with English below; in English mode, English only.
            let (main, sub) = match lang {
                Lang::Ja => (message_ja.clone(), Some(message_en.clone())),
                Lang::En => (message_en.clone(), None),
            };
            html! {
                <section id="scan-result" class="result rejected" data-status="rejected"
                    data-code={code.clone()} data-seq={seq} role="alert">
                    <div class="result-icon" aria-hidden="true">{ "!" }</div>
                    <p class="result-title">{ lang.pick("確認できませんでした", "Pass not accepted") }</p>
                    <p class="reason" id="result-reason">{ main }</p>
                    if let Some(sub) = sub {
                        <p class="reason-en" lang="en">{ sub }</p>
                    }
                </section>
            }
        }
    }
}
