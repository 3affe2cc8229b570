//! Devices (administrators, SPEC §3.12): make a pairing code for a room's
//! kiosk or staff PC and show it large enough to type from across the
//! counter, list the enrolled devices, revoke one after confirming.

use std::rc::Rc;

use hiroba_engine::lang::Lang;
use serde::Deserialize;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::browser;
use super::common::{api_error, jst, room_name};
use super::session::PageProps;
use crate::services::api::{self, ApiError, Config, Method};

/// `POST /api/admin/pairing-codes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub room: String,
    pub role: String,
    pub expires_at: i64,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Device {
    pub device_id: String,
    pub room: String,
    pub role: String,
    #[serde(default)]
    pub name: Option<String>,
    pub enrolled_at: i64,
    #[serde(default)]
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct DeviceList {
    devices: Vec<Device>,
}

/// The words of a device role.
pub fn role_label(role: &str, lang: Lang) -> &'static str {
    match role {
        "kiosk" => lang.pick("受付端末", "Kiosk"),
        "staff" => lang.pick("職員端末", "Staff PC"),
        _ => lang.pick("不明", "Unknown"),
    }
}

/// The question before revoking `device`, true to what revocation does:
/// the relay refuses the device's sessions, but a kiosk verifies passes on
/// its own, so it keeps checking families in; those visits stay on the
/// tablet and never reach the relay or the reports.
pub fn revoke_question(device: &Device) -> String {
    let name = device.name.clone().unwrap_or_default();
    let room = &device.room;
    let role = role_label(&device.role, Lang::Ja);
    if device.role == "kiosk" {
        format!(
            "端末「{name}」（{room} {role}）の登録を取り消します。この端末は中継サーバーと同期できなくなります。\n\
             ただし受付端末は手元でパスを確かめるため、画面では受付を続けられます。その記録は送信されず、利用者実績表にも入りません。取り消したら、端末を片付けてください。よろしいですか？\n\
             Revoke this kiosk? It can no longer sync with the relay. It still checks families in on its own screen, but those visits are never sent and never reach the reports, so take the tablet out of use. Revoke it?"
        )
    } else {
        format!(
            "端末「{name}」（{room} {role}）の登録を取り消します。この端末は登録済みの職員端末として確認できなくなります。職員アカウントでのログインは、この取り消しでは止まりません。よろしいですか？\n\
             Revoke this device? The relay no longer recognises it as an enrolled staff PC. Staff accounts can still log in; revoking the device does not stop them. Revoke it?"
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum List {
    Loading,
    Loaded(Vec<Device>),
    Failed(ApiError),
}

#[function_component(Devices)]
pub fn devices(props: &PageProps) -> Html {
    let lang = props.lang;
    let token = props.session.token.clone();
    let config = use_state(|| None::<Rc<Config>>);
    let room = use_state(|| "R01".to_owned());
    let role = use_state(|| "kiosk".to_owned());
    let code = use_state(|| None::<PairingCode>);
    let code_error = use_state(|| None::<ApiError>);
    let list = use_state(|| List::Loading);
    let reload = use_state(|| 0u32);
    let action_error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);

    {
        let (config, room) = (config.clone(), room.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(c) = api::config().await {
                    if let Some(first) = c.rooms.first() {
                        room.set(first.id.clone());
                    }
                    config.set(Some(Rc::new(c)));
                }
            });
        });
    }
    {
        let (list, token) = (list.clone(), token.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                let answer: Result<DeviceList, ApiError> =
                    api::request_json(Method::Get, "/api/admin/devices", Some(&token), None::<&()>)
                        .await;
                list.set(match answer {
                    Ok(l) => List::Loaded(l.devices),
                    Err(e) => List::Failed(e),
                });
            });
        });
    }

    let on_create = {
        let (room, role, code, code_error, token, busy) = (
            room.clone(),
            role.clone(),
            code.clone(),
            code_error.clone(),
            token.clone(),
            busy.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            let body = json!({ "room": *room, "role": *role });
            let (code, code_error, token, busy) = (
                code.clone(),
                code_error.clone(),
                token.clone(),
                busy.clone(),
            );
            spawn_local(async move {
                let answer: Result<PairingCode, ApiError> = api::request_json(
                    Method::Post,
                    "/api/admin/pairing-codes",
                    Some(&token),
                    Some(&body),
                )
                .await;
                busy.set(false);
                match answer {
                    Ok(c) => {
                        code_error.set(None);
                        code.set(Some(c));
                    }
                    Err(e) => {
                        code.set(None);
                        code_error.set(Some(e));
                    }
                }
            });
        })
    };

    let config_ref = config.as_deref();
    let room_options = config_ref.map(|c| {
        c.rooms
            .iter()
            .map(|r| {
                html! {
                    <option value={r.id.clone()} selected={*room == r.id}>
                        { format!("{} {}", r.id, lang.pick(&r.name_ja, &r.name_en)) }
                    </option>
                }
            })
            .collect::<Html>()
    });
    let role_choice = |value: &'static str| {
        let role_state = role.clone();
        html! {
            <label class="staff-choice">
                <input type="radio" name="device-role" value={value} checked={*role == value}
                    onchange={Callback::from(move |_: Event| role_state.set(value.to_owned()))} />
                { role_label(value, lang) }
            </label>
        }
    };

    let revoke = |device: &Device| {
        let (busy, action_error, reload, token) = (
            busy.clone(),
            action_error.clone(),
            reload.clone(),
            token.clone(),
        );
        let path = format!("/api/admin/devices/{}/revoke", device.device_id);
        let ask = revoke_question(device);
        Callback::from(move |_: MouseEvent| {
            if *busy || !browser::confirm(&ask) {
                return;
            }
            busy.set(true);
            let (busy, action_error, reload, token, path) = (
                busy.clone(),
                action_error.clone(),
                reload.clone(),
                token.clone(),
                path.clone(),
            );
            spawn_local(async move {
                let answer: Result<serde_json::Value, ApiError> =
                    api::request_json(Method::Post, &path, Some(&token), None::<&()>).await;
                busy.set(false);
                match answer {
                    Ok(_) => {
                        action_error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };

    let devices = match &*list {
        List::Loading => {
            html! { <p class="staff-muted" role="status">{ lang.pick("読み込み中…", "Loading…") }</p> }
        }
        List::Failed(e) => api_error(lang, e),
        List::Loaded(d) if d.is_empty() => html! {
            <p class="staff-muted">{ lang.pick("登録された端末はありません。", "No devices are enrolled.") }</p>
        },
        List::Loaded(d) => {
            let rows = d.iter().map(|device| {
                html! {
                    <tr class={classes!(device.revoked_at.is_some().then_some("revoked"))}>
                        <td>{ device.name.clone().unwrap_or_else(|| "—".to_owned()) }</td>
                        <td>{ room_name(config_ref, &device.room, lang) }</td>
                        <td>{ role_label(&device.role, lang) }</td>
                        <td>{ jst(device.enrolled_at) }</td>
                        <td>
                            if let Some(at) = device.revoked_at {
                                { format!("{} {}", lang.pick("取り消し済み", "Revoked"), jst(at)) }
                                if device.role == "kiosk" {
                                    <span class="staff-muted small revoked-note">
                                        { lang.pick("（同期しません。画面での受付は送信されません）", " (no sync: visits recorded on it are never sent)") }
                                    </span>
                                }
                            } else {
                                <button type="button" class="staff-button danger" disabled={*busy} onclick={revoke(device)}>
                                    { lang.pick("取り消す", "Revoke") }
                                </button>
                            }
                        </td>
                    </tr>
                }
            });
            html! {
                <table class="staff-table">
                    <thead><tr>
                        <th scope="col">{ lang.pick("名前", "Name") }</th>
                        <th scope="col">{ lang.pick("ルーム", "Room") }</th>
                        <th scope="col">{ lang.pick("種類", "Role") }</th>
                        <th scope="col">{ lang.pick("登録日時", "Enrolled") }</th>
                        <th scope="col">{ lang.pick("状態", "Status") }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        }
    };

    html! {
        <section class="staff-page" aria-labelledby="devices-title">
            <h2 id="devices-title">{ lang.pick("端末の登録", "Devices") }</h2>
            <form class="staff-form" onsubmit={on_create}>
                <h3>{ lang.pick("ペアリングコードを作る", "Make a pairing code") }</h3>
                <label for="pairing-room">{ lang.pick("ルーム", "Room") }</label>
                <select id="pairing-room"
                    onchange={let r = room.clone(); Callback::from(move |e: Event| r.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))}>
                    { room_options.unwrap_or_else(|| html! { <option value={(*room).clone()}>{ (*room).clone() }</option> }) }
                </select>
                <fieldset class="staff-choices">
                    <legend>{ lang.pick("端末の種類", "Kind of device") }</legend>
                    { role_choice("kiosk") }
                    { role_choice("staff") }
                </fieldset>
                <button id="pairing-create" type="submit" class="staff-button primary" disabled={*busy}>
                    { lang.pick("コードを作る", "Make the code") }
                </button>
            </form>
            if let Some(e) = &*code_error { { api_error(lang, e) } }
            if let Some(c) = &*code {
                <section class="staff-panel pairing" aria-labelledby="pairing-title">
                    <h3 id="pairing-title">
                        { format!("{} — {} {}", lang.pick("ペアリングコード", "Pairing code"), room_name(config_ref, &c.room, lang), role_label(&c.role, lang)) }
                    </h3>
                    <p id="pairing-code" class="pairing-code code">{ c.code.clone() }</p>
                    <p>{ format!("{} {}（{}）", lang.pick("有効期限", "Valid until"), jst(c.expires_at), lang.pick("1回限り", "one use")) }</p>
                    <p class="staff-muted">
                        { lang.pick("登録する端末の画面でこのコードを入力してください。", "Type this code on the device being enrolled.") }
                    </p>
                </section>
            }
            <h3>{ lang.pick("登録済みの端末", "Enrolled devices") }</h3>
            if let Some(e) = &*action_error { { api_error(lang, e) } }
            { devices }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_list_parses_and_roles_have_words() {
        let list: DeviceList = serde_json::from_str(
            r#"{"devices":[{"device_id":"9a1c","room":"R01","role":"kiosk","name":"受付1","public_key":"ab","enrolled_at":1795000000,"revoked_at":null}]}"#,
        )
        .expect("parses");
        assert_eq!(list.devices[0].revoked_at, None);
        assert_eq!(role_label("kiosk", Lang::Ja), "受付端末");
        assert_eq!(role_label("staff", Lang::En), "Staff PC");
    }

    #[test]
    fn revoking_a_kiosk_says_it_keeps_checking_in_without_syncing() {
        let kiosk = Device {
            device_id: "9a1c".to_owned(),
            room: "R01".to_owned(),
            role: "kiosk".to_owned(),
            name: Some("受付1".to_owned()),
            enrolled_at: 0,
            revoked_at: None,
        };
        let ask = revoke_question(&kiosk);
        assert!(!ask.contains("すぐに使えなくなります") && !ask.contains("at once"));
        assert!(ask.contains("同期できなくなります") && ask.contains("送信されず"));
        assert!(ask.contains("never sent") && ask.contains("受付1"));
        let staff = Device {
            role: "staff".to_owned(),
            ..kiosk
        };
        assert!(revoke_question(&staff).contains("Staff accounts can still log in"));
    }
}
