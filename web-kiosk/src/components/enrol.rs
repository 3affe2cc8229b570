//! First run: the pairing code an administrator created for this tablet.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct EnrolProps {
    pub lang: Lang,
    pub busy: bool,
    /// The relay's words for the last failure (ja, en).
    pub error: Option<(String, String)>,
    /// (pairing code, device name)
    pub on_submit: Callback<(String, String)>,
}

#[function_component(Enrol)]
pub fn enrol(props: &EnrolProps) -> Html {
    let lang = props.lang;
    let code = use_node_ref();
    let name = use_node_ref();
    let onsubmit = {
        let (code, name) = (code.clone(), name.clone());
        let cb = props.on_submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|el| el.value().trim().to_owned())
                    .unwrap_or_default()
            };
            cb.emit((value(&code), value(&name)));
        })
    };
    html! {
        <section id="enrol" class="enrol" aria-labelledby="enrol-title">
            <h2 id="enrol-title">{ lang.pick("この端末を受付に登録します", "Enrol this device as a check-in kiosk") }</h2>
            <p>{ lang.pick(
                "管理者から受け取ったペアリングコードを入力してください。登録は一度だけで、以後はこの部屋の受付画面がすぐに開きます。",
                "Enter the pairing code from your administrator. You do this once; afterwards the room's check-in screen opens directly.",
            ) }</p>
            <form {onsubmit}>
                <label for="pairing-code">{ lang.pick("ペアリングコード", "Pairing code") }</label>
                <input id="pairing-code" ref={code} type="text" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" inputmode="latin" placeholder="7KQM-3XWD-H2PA" required=true
                    aria-describedby="enrol-error" disabled={props.busy} />
                <label for="device-name">{ lang.pick("端末の名前（例：受付1）", "Device name (e.g. Counter 1)") }</label>
                <input id="device-name" ref={name} type="text" autocomplete="off" value="受付1"
                    maxlength="40" disabled={props.busy} />
                <button id="enrol-submit" type="submit" class="primary big" disabled={props.busy}>
                    { if props.busy { lang.pick("登録中…", "Enrolling…") } else { lang.pick("登録する", "Enrol") } }
                </button>
                <p id="enrol-error" class="form-error" role="alert">
                    if let Some((ja, en)) = &props.error {
                        { lang.pick(ja, en) }
                    }
                </p>
            </form>
        </section>
    }
}
