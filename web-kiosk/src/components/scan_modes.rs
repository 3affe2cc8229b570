//! Staff's switch of readers: the barcode reader (keyboard wedge), the
//! camera, or both. Two checkboxes, since both may be on. They sit folded
//! under a staff-only heading, so a child at the counter does not switch
//! the reader off with a tap.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::scan_modes::ScanModes;
use crate::state::Lang;

#[derive(Properties, PartialEq, Debug)]
pub struct ScanModeSwitchProps {
    pub lang: Lang,
    pub modes: ScanModes,
    pub on_change: Callback<ScanModes>,
}

#[function_component(ScanModeSwitch)]
pub fn scan_mode_switch(props: &ScanModeSwitchProps) -> Html {
    let modes = props.modes;
    let toggle = |set: fn(ScanModes, bool) -> ScanModes| {
        props.on_change.reform(move |e: Event| {
            let checked = e
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|input| input.checked());
            set(modes, checked)
        })
    };
    let lang = props.lang;
    html! {
        <details id="scan-modes" class="scan-modes-box">
        <summary>{ lang.pick("読み取り方法の設定（スタッフ用）", "Reader settings (staff)") }</summary>
        <fieldset class="scan-modes">
            <legend>{ lang.pick("読み取り方法", "Read codes with") }</legend>
            <label class="scan-mode">
                <input id="mode-wedge" type="checkbox" checked={modes.wedge}
                    onchange={toggle(ScanModes::with_wedge)} />
                { lang.pick("バーコードリーダー", "Barcode reader") }
            </label>
            <label class="scan-mode">
                <input id="mode-camera" type="checkbox" checked={modes.camera}
                    onchange={toggle(ScanModes::with_camera)} />
                { lang.pick("カメラ", "Camera") }
            </label>
        </fieldset>
        </details>
    }
}
