//! The kiosk screen: loads the city's trust documents once, then verifies
//! every scan locally. Scans arrive from a keyboard-wedge reader typing
//! anywhere on the page, or from the labelled field.

use std::rc::Rc;
use std::time::Duration;

use hiroba_engine::ids::{CityCode, RoomId};
use web_sys::KeyboardEvent;
use yew::platform::spawn_local;
use yew::platform::time::sleep;
use yew::prelude::*;

use crate::components::camera::CameraScanner;
use crate::components::header::Header;
use crate::components::scan_input::ScanInput;
use crate::components::scan_modes::ScanModeSwitch;
use crate::components::scan_result::ScanResult;
use crate::services::browser::{
    DocumentKeys, location_search, now, now_ms, set_document_lang, targets_text_field,
};
use crate::services::{api, sound, storage};
use crate::state::{
    Action, KioskState, Load, LoadError, ScanOutcome, WedgeBuffer, room_from_query,
};
use crate::verifier::{self, Verifier};

/// How long a result stays on screen before the kiosk invites the next scan.
const RESULT_SECONDS: u64 = 8;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| KioskState::new(room_from_query(&location_search())));

    {
        let dispatch = state.dispatcher();
        let room = state.room.clone();
        use_effect_with((), move |_| {
            if let Ok(room) = room {
                spawn_local(load(room, dispatch));
            }
        });
    }

    use_effect_with(state.lang, |lang| set_document_lang(lang.code()));

    // Which readers staff turned on (wedge, camera or both), kept per device.
    let modes = use_state_eq(storage::scan_modes);
    let wedge_on = use_mut_ref(|| modes.wedge);
    *wedge_on.borrow_mut() = modes.wedge;

    // A keyboard-wedge scanner types into whatever has focus; listen on the
    // whole document so the kiosk needs no focused field to work.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let mut wedge = WedgeBuffer::default();
            let keys = DocumentKeys::new(move |e: KeyboardEvent| {
                if !*wedge_on.borrow()
                    || targets_text_field(&e)
                    || e.is_composing()
                    || e.ctrl_key()
                    || e.alt_key()
                    || e.meta_key()
                {
                    return;
                }
                if let Some(raw) = wedge.key(&e.key(), now_ms()) {
                    // The Enter must not also press a focused button.
                    e.prevent_default();
                    dispatch.dispatch(Action::Scan { raw, now: now() });
                }
            });
            move || drop(keys)
        });
    }

    // Each new result sounds once, then clears itself after a while.
    {
        let dispatch = state.dispatcher();
        let accepted = matches!(state.last_scan, Some(ScanOutcome::Accepted { .. }));
        use_effect_with(state.scan_seq, move |seq| {
            let seq = *seq;
            if seq > 0 {
                sound::result_tone(accepted);
                spawn_local(async move {
                    sleep(Duration::from_secs(RESULT_SECONDS)).await;
                    dispatch.dispatch(Action::ClearScan { seq });
                });
            }
        });
    }

    let on_toggle_lang = {
        let dispatch = state.dispatcher();
        Callback::from(move |()| dispatch.dispatch(Action::ToggleLang))
    };
    let on_submit = {
        let dispatch = state.dispatcher();
        Callback::from(move |raw: String| dispatch.dispatch(Action::Scan { raw, now: now() }))
    };
    let on_modes = {
        let modes = modes.clone();
        Callback::from(move |m| {
            storage::save_scan_modes(m);
            modes.set(m);
        })
    };
    let on_reload = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });

    let lang = state.lang;
    let ready = matches!(state.load, Load::Ready { .. });
    let room_attr = state
        .room
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let city_name = match &state.load {
        Load::Ready { config, .. } => lang
            .pick(&config.city_name_ja, &config.city_name_en)
            .to_owned(),
        _ => String::new(),
    };

    html! {
        <div id="kiosk" class="kiosk" data-state={state.load_state()} data-room={room_attr}>
            <Header {lang} room_name={AttrValue::from(state.room_name())} {on_toggle_lang} />
            <main class="stage">
                if let Load::Failed { message_ja, message_en } = &state.load {
                    <section id="load-error" class="load-error" role="alert">
                        <p class="load-error-title">
                            { lang.pick("受付を始められません", "The kiosk cannot start") }
                        </p>
                        <p>{ lang.pick(message_ja, message_en) }</p>
                        if lang == crate::state::Lang::Ja {
                            <p class="reason-en" lang="en">{ message_en.clone() }</p>
                        }
                        <button type="button" class="primary" onclick={on_reload}>
                            { lang.pick("再読み込み", "Reload") }
                        </button>
                    </section>
                } else {
                    <ScanResult {lang} outcome={state.last_scan.clone()} seq={state.scan_seq} {ready} />
                }
                <CameraScanner {lang} enabled={modes.camera} on_scan={on_submit.clone()} />
                <ScanInput {lang} disabled={!ready} {on_submit} />
                <ScanModeSwitch {lang} modes={*modes} on_change={on_modes} />
            </main>
            <footer class="footer">
                <span>{ city_name }</span>
                <span>{ lang.pick("パスはこの端末で確認します（オフラインでも使えます）", "Passes are checked on this device, even offline") }</span>
            </footer>
        </div>
    }
}

/// Fetches the configuration and trust documents and builds the verifier.
async fn load(room: RoomId, dispatch: UseReducerDispatcher<KioskState>) {
    match load_verifier(room).await {
        Ok((config, verifier)) => {
            verifier::install(verifier.clone());
            dispatch.dispatch(Action::Loaded { config, verifier });
        }
        Err(err) => dispatch.dispatch(Action::LoadFailed(err)),
    }
}

async fn load_verifier(room: RoomId) -> Result<(Rc<api::Config>, Rc<Verifier>), LoadError> {
    let config = api::config().await.map_err(LoadError::Api)?;
    let room_id = room.to_string();
    if !config.rooms.iter().any(|r| r.id == room_id) {
        return Err(LoadError::UnknownRoom(room_id));
    }
    let trust = api::trust_list_doc().await.map_err(LoadError::Api)?;
    let revocations = api::revocations_doc().await.map_err(LoadError::Api)?;
    let verifier = Verifier::from_docs(CityCode(config.city), room, &trust, &revocations)
        .map_err(LoadError::Trust)?;
    Ok((Rc::new(config), Rc::new(verifier)))
}
