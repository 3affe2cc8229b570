//! The kiosk screen. On first run it enrols the device with a pairing code;
//! afterwards it opens straight into its room: scans arrive from a
//! keyboard-wedge reader typing anywhere on the page (or the labelled
//! field), are verified locally, and a tap records the visit on this device
//! before anything else. The [`Runtime`] keeps it in sync with the relay.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use web_sys::KeyboardEvent;
use yew::platform::spawn_local;
use yew::platform::time::sleep;
use yew::prelude::*;

use crate::components::camera::CameraScanner;
use crate::components::enrol::Enrol;
use crate::components::header::Header;
use crate::components::panel::ScanPanel;
use crate::components::scan_input::ScanInput;
use crate::components::scan_modes::ScanModeSwitch;
use crate::runtime::{self, Boot, Runtime, Snapshot};
use crate::services::browser::{
    DocumentKeys, Interval, mark_ready, now, now_ms, set_document_lang, targets_text_field,
};
use crate::services::idb::Idb;
use crate::services::{sound, storage};
use crate::staff::StaffConsole;
use crate::staff::browser::{self as staff_browser, WindowListener};
use crate::staff::live::LiveHub;
use crate::staff::route::is_staff_hash;
use crate::state::{Action, KioskState, Lang, Panel, Phase, WedgeBuffer, selection};

type Shared<T> = Rc<RefCell<Option<T>>>;

/// The app: the staff console when the address is `#/staff…`, the kiosk
/// otherwise. The kiosk keeps running (and syncing) behind the console.
#[function_component(App)]
pub fn app() -> Html {
    let staff = use_state(|| is_staff_hash(&staff_browser::hash()));
    let lang = use_state(|| Lang::Ja);
    {
        let staff = staff.clone();
        use_effect_with((), move |_| {
            let listener =
                WindowListener::hash(move |_| staff.set(is_staff_hash(&staff_browser::hash())));
            move || drop(listener)
        });
    }
    let on_toggle_lang = {
        let lang = lang.clone();
        Callback::from(move |()| lang.set(lang.toggled()))
    };
    // Whether this device is a room's counter kiosk (the console then
    // guards its session more closely: anyone can reach the tablet).
    let counter_kiosk = use_state_eq(|| false);
    let on_running = {
        let counter_kiosk = counter_kiosk.clone();
        Callback::from(move |running: bool| counter_kiosk.set(running))
    };
    // The console's live documents outlive the console's screen: a slip
    // not yet sent keeps syncing while the kiosk is showing.
    let unsent = use_state_eq(|| 0usize);
    let hub = {
        let unsent = unsent.clone();
        use_state(move || LiveHub::new(Callback::from(move |n: usize| unsent.set(n))))
    };
    html! {
        <>
            if *staff {
                <StaffConsole lang={*lang} on_toggle_lang={on_toggle_lang.clone()}
                    hub={(*hub).clone()} unsent={*unsent} counter_kiosk={*counter_kiosk} />
            }
            <Kiosk hidden={*staff} lang={*lang} {on_toggle_lang} {on_running} />
        </>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct KioskProps {
    /// The staff console is showing: keep running, draw nothing.
    hidden: bool,
    lang: Lang,
    on_toggle_lang: Callback<()>,
    /// Told whether the kiosk is running (an enrolled room kiosk).
    on_running: Callback<bool>,
}

#[function_component(Kiosk)]
fn kiosk(props: &KioskProps) -> Html {
    let state = use_reducer(KioskState::default);
    let runtime: Shared<Rc<Runtime>> = use_mut_ref(|| None);
    let idb: Shared<Idb> = use_mut_ref(|| None);

    let on_health = {
        let dispatch = state.dispatcher();
        Callback::from(move |s: Snapshot| dispatch.dispatch(Action::Health(s)))
    };

    // Start once: storage, enrolment, documents, the link to the relay.
    {
        let dispatch = state.dispatcher();
        let (runtime, idb, on_health) = (runtime.clone(), idb.clone(), on_health.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let booted = runtime::boot(on_health).await;
                started(booted, &dispatch, &runtime, &idb);
            });
        });
    }

    use_effect_with(props.lang, |lang| set_document_lang(lang.code()));
    {
        let on_running = props.on_running.clone();
        let running = matches!(state.phase, Phase::Running { .. });
        use_effect_with(running, move |running| on_running.emit(*running));
    }
    use_effect_with(state.phase_name(), |phase| {
        if *phase == "ready" {
            mark_ready();
        }
    });

    // Who is in the room changes with the clock too (closing time).
    {
        let runtime = runtime.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let timer = Interval::new(30_000, move || {
                if let Some(rt) = runtime.borrow().as_ref() {
                    dispatch.dispatch(Action::Health(rt.snapshot(now())));
                }
            });
            move || drop(timer)
        });
    }

    let on_scan = {
        let runtime = runtime.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |raw: String| {
            let rt = runtime.borrow().clone();
            if let Some(rt) = rt {
                let at = now();
                if let Some(decision) = rt.decide(&raw, at) {
                    dispatch.dispatch(Action::Decided { decision, now: at });
                }
            }
        })
    };

    // Which readers staff turned on (wedge, camera or both), kept per device.
    let modes = use_state_eq(storage::scan_modes);
    let wedge_on = use_mut_ref(|| modes.wedge);
    *wedge_on.borrow_mut() = modes.wedge;

    // A keyboard-wedge scanner types into whatever has focus; listen on the
    // whole document so the kiosk needs no focused field to work.
    {
        let on_scan = on_scan.clone();
        use_effect_with((), move |_| {
            let mut wedge = WedgeBuffer::default();
            let keys = DocumentKeys::new(move |e: KeyboardEvent| {
                if !*wedge_on.borrow()
                    || targets_text_field(&e)
                    || e.is_composing()
                    || e.ctrl_key()
                    || e.alt_key()
                    || e.meta_key()
                    || is_staff_hash(&staff_browser::hash())
                {
                    return;
                }
                // When the key was pressed, not when this handler ran: a
                // busy main thread must not split one scan into two.
                let at = match e.time_stamp() {
                    t if t > 0.0 => t,
                    _ => now_ms(),
                };
                if let Some(raw) = wedge.key(&e.key(), at) {
                    // The Enter must not also press a focused button.
                    e.prevent_default();
                    on_scan.emit(raw);
                }
            });
            move || drop(keys)
        });
    }

    // Each new panel sounds once, then clears itself after a while.
    {
        let dispatch = state.dispatcher();
        let panel = state.panel.clone();
        use_effect_with(state.seq, move |seq| {
            let seq = *seq;
            if seq > 0 {
                sound::result_tone(!matches!(
                    panel,
                    Panel::Rejected { .. } | Panel::Failed { .. }
                ));
                if let Some(seconds) = panel.seconds_shown() {
                    spawn_local(async move {
                        sleep(Duration::from_secs(seconds)).await;
                        dispatch.dispatch(Action::Clear { seq });
                    });
                }
            }
        });
    }

    let on_confirm = {
        let runtime = runtime.clone();
        let dispatch = state.dispatcher();
        let panel = state.panel.clone();
        Callback::from(move |()| {
            let Some(rt) = runtime.borrow().clone() else {
                return;
            };
            let dispatch = dispatch.clone();
            match &panel {
                Panel::CheckIn { claims, .. } => {
                    let Some((children, guardians)) = selection(&panel) else {
                        return;
                    };
                    let claims = claims.clone();
                    dispatch.dispatch(Action::Confirming);
                    spawn_local(async move {
                        let people = children.len() as u32 + u32::from(guardians);
                        match rt.check_in(&claims, children, guardians, now()).await {
                            Ok(()) => dispatch.dispatch(Action::Recorded {
                                check_in: true,
                                people,
                            }),
                            Err(e) => dispatch.dispatch(Action::RecordFailed(e)),
                        }
                    });
                }
                Panel::CheckOut { claims, .. } => {
                    let pass = claims.pass_id;
                    dispatch.dispatch(Action::Confirming);
                    spawn_local(async move {
                        match rt.check_out(pass, now()).await {
                            Ok(()) => dispatch.dispatch(Action::Recorded {
                                check_in: false,
                                people: 0,
                            }),
                            Err(e) => dispatch.dispatch(Action::RecordFailed(e)),
                        }
                    });
                }
                _ => {}
            }
        })
    };
    let on_cancel = {
        let dispatch = state.dispatcher();
        let seq = state.seq;
        Callback::from(move |()| dispatch.dispatch(Action::Clear { seq }))
    };
    let on_toggle_child = {
        let dispatch = state.dispatcher();
        Callback::from(move |i| dispatch.dispatch(Action::ToggleChild(i)))
    };
    let on_guardians = {
        let dispatch = state.dispatcher();
        Callback::from(move |n| dispatch.dispatch(Action::SetGuardians(n)))
    };
    let on_toggle_lang = props.on_toggle_lang.clone();
    let on_enrol = {
        let dispatch = state.dispatcher();
        let (runtime, idb) = (runtime.clone(), idb.clone());
        Callback::from(move |(code, name): (String, String)| {
            let Some(db) = idb.borrow().clone() else {
                return;
            };
            dispatch.dispatch(Action::Phase(Phase::Enrol {
                busy: true,
                error: None,
            }));
            let (dispatch, runtime, idb, on_health) = (
                dispatch.clone(),
                runtime.clone(),
                idb.clone(),
                on_health.clone(),
            );
            spawn_local(async move {
                let booted = runtime::enrol(db, &code, &name, on_health).await;
                started(booted, &dispatch, &runtime, &idb);
            });
        })
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

    let lang = props.lang;
    if props.hidden {
        return html! {};
    }
    let (room_name, room_attr, health) = match &state.phase {
        Phase::Running { room_ja, room_en } => (
            lang.pick(room_ja, room_en).to_owned(),
            runtime
                .borrow()
                .as_ref()
                .map(|rt| rt.room().to_string())
                .unwrap_or_default(),
            Some(state.health.clone()),
        ),
        _ => (String::new(), String::new(), None),
    };
    let ready = state.health.ready;

    html! {
        <div id="kiosk" class="kiosk" data-state={state.phase_name()} data-room={room_attr}>
            <Header {lang} room_name={AttrValue::from(room_name)} {health} {on_toggle_lang} />
            <main class="stage">
                { match &state.phase {
                    Phase::Booting => html! { <p class="booting">{ lang.pick("読み込み中…", "Loading…") }</p> },
                    Phase::Enrol { busy, error } => html! {
                        <Enrol {lang} busy={*busy} error={error.clone()} on_submit={on_enrol} />
                    },
                    Phase::Failed { message_ja, message_en } => html! {
                        <section id="load-error" class="load-error" role="alert">
                            <p class="load-error-title">{ lang.pick("受付を始められません", "The kiosk cannot start") }</p>
                            <p>{ lang.pick(message_ja, message_en) }</p>
                            if lang == Lang::Ja {
                                <p class="reason-en" lang="en">{ message_en.clone() }</p>
                            }
                            <button type="button" class="primary" onclick={on_reload}>{ lang.pick("再読み込み", "Reload") }</button>
                        </section>
                    },
                    Phase::StaffDevice => html! {
                        <section class="load-error" role="status">
                            <p>{ lang.pick("この端末はスタッフ用です。", "This is a staff device.") }</p>
                        </section>
                    },
                    Phase::Running { .. } => html! {
                        <>
                            if let Some((ja, en)) = &state.health.emergency {
                                <p id="emergency" class="banner alert emergency" role="alert">
                                    <span aria-hidden="true">{ "⚠ " }</span>
                                    { lang.pick(ja, en) }
                                    if lang == Lang::Ja {
                                        <span class="reason-en" lang="en">{ format!(" / {en}") }</span>
                                    }
                                </p>
                            }
                            { for device_alerts(&state.health).into_iter().map(|(id, ja, en)| html! {
                                <p id={id} class="banner alert" role="alert">{ lang.pick(ja, en) }</p>
                            }) }
                            <ScanPanel {lang} panel={state.panel.clone()} seq={state.seq} {ready}
                                {on_toggle_child} {on_guardians} {on_confirm} {on_cancel} />
                            <CameraScanner {lang} enabled={modes.camera} on_scan={on_scan.clone()} />
                            <ScanInput {lang} disabled={!ready} on_submit={on_scan} />
                            <ScanModeSwitch {lang} modes={*modes} on_change={on_modes} />
                        </>
                    },
                } }
            </main>
            <footer class="footer">
                <a id="staff-link" class="staff-link" href="#/staff">{ lang.pick("スタッフ", "Staff") }</a>
                <span>{ lang.pick("パスはこの端末で確認し、記録はこの端末に保存してから送信します（オフラインでも使えます）",
                    "Passes are checked and visits stored on this device first, so it works offline") }</span>
            </footer>
        </div>
    }
}

/// This device's own problems, each shown as a banner: (id, Japanese,
/// English).
fn device_alerts(health: &Snapshot) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut alerts = Vec::new();
    if health.storage_problem.is_some() {
        alerts.push((
            "storage-problem",
            "この端末の保存領域に書き込めません。記録は送信を続けますが、スタッフは端末の空き容量を確認してください。",
            "This device's storage refuses writes. Visits are still sent; staff, please check the device's free space.",
        ));
    }
    if health.trust_problem.is_some() {
        alerts.push((
            "trust-problem",
            "パスを確かめる鍵の一覧が読めません。ネットワークにつなぐと取り直します。続く場合は管理者に連絡してください。",
            "The list of keys that checks passes cannot be read. It is fetched again on the network; if this persists, contact an administrator.",
        ));
    }
    if health.revoked {
        alerts.push((
            "revoked",
            "この端末の登録は取り消されました。記録は同期されません。管理者に連絡してください。",
            "This device's enrolment was revoked; visits no longer sync. Please contact an administrator.",
        ));
    }
    alerts
}

/// Shows what booting or enrolling led to.
fn started(
    booted: Result<Boot, runtime::BootError>,
    dispatch: &UseReducerDispatcher<KioskState>,
    runtime: &Shared<Rc<Runtime>>,
    idb: &Shared<Idb>,
) {
    match booted {
        Ok(Boot::NeedsEnrolment(db)) => {
            *idb.borrow_mut() = Some(db);
            dispatch.dispatch(Action::Phase(Phase::Enrol {
                busy: false,
                error: None,
            }));
        }
        Ok(Boot::Kiosk(rt)) => {
            let id = rt.room().to_string();
            let (room_ja, room_en) = rt
                .config()
                .rooms
                .iter()
                .find(|r| r.id == id)
                .map(|r| (r.name_ja.clone(), r.name_en.clone()))
                .unwrap_or_else(|| (id.clone(), id.clone()));
            dispatch.dispatch(Action::Health(rt.snapshot(now())));
            *runtime.borrow_mut() = Some(rt);
            dispatch.dispatch(Action::Phase(Phase::Running { room_ja, room_en }));
        }
        Ok(Boot::StaffDevice) => {
            // A staff PC opens the console.
            staff_browser::set_hash("#/staff");
            dispatch.dispatch(Action::Phase(Phase::StaffDevice));
        }
        Err(runtime::BootError::Api(e)) if idb.borrow().is_some() => {
            // A failed enrolment: back to the form, with the relay's words.
            dispatch.dispatch(Action::Phase(Phase::Enrol {
                busy: false,
                error: Some((e.message_ja(), e.message_en())),
            }));
        }
        Err(e) => dispatch.dispatch(Action::Phase(Phase::Failed {
            message_ja: e.message_ja(),
            message_en: e.message_en(),
        })),
    }
}
