//! A labelled text field with its error message beside it
//! (`[data-error-for=<field key>]`), tied together for screen readers:
//! the message is read with its field (`aria-describedby`), not announced
//! on its own — the form's summary (`pages::form_alert`) is the one alert.

use yew::prelude::*;

use crate::form::Problems;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct FieldProps {
    /// The input's id (`apply-child-0-birth`).
    pub id: AttrValue,
    /// The relay's name for the field (`children[0].birth_date`).
    pub key_name: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    pub lang: Lang,
    pub problems: std::rc::Rc<Problems>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or(true)]
    pub required: bool,
}

#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let oninput = props.oninput.reform(|e: InputEvent| {
        e.target_unchecked_into::<web_sys::HtmlInputElement>()
            .value()
    });
    let problem = props.problems.get(props.key_name.as_str());
    let error_id = format!("{}-error", props.id);
    let hint_id = format!("{}-hint", props.id);
    let described = match (problem.is_some(), props.hint.is_some()) {
        (true, true) => Some(format!("{error_id} {hint_id}")),
        (true, false) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        (false, false) => None,
    };
    html! {
        <div class={classes!("field", problem.map(|_| "invalid"))}>
            <label for={props.id.clone()}>
                { props.label.clone() }
                if !props.required {
                    <span class="optional">{ props.lang.pick("（任意）", " (optional)") }</span>
                }
            </label>
            if let Some(hint) = &props.hint {
                <p class="hint" id={hint_id}>{ hint.clone() }</p>
            }
            <input id={props.id.clone()} name={props.key_name.clone()} type={props.kind.clone()}
                value={props.value.clone()} {oninput}
                autocomplete={props.autocomplete.clone()} inputmode={props.inputmode.clone()}
                placeholder={props.placeholder.clone()}
                aria-required={props.required.then_some("true")}
                aria-invalid={problem.map(|_| "true")}
                aria-describedby={described} />
            if let Some(p) = problem {
                <p class="error" id={error_id} data-error-for={props.key_name.clone()}>
                    { props.lang.pick(&p.ja, &p.en).to_owned() }
                </p>
            }
        </div>
    }
}
