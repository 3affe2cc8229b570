//! The relay's HTTP API (docs/API.md), fetched with the browser's `fetch`.
//!
//! Errors are values with words for a person ([`ApiError::message`]), and
//! the relay's per-field messages (`422 invalid_input`) stay keyed by the
//! relay's field names so a form shows each one beside its field. Nothing
//! here logs a request or an answer: they carry personal data.

use std::collections::BTreeMap;

use hiroba_engine::lang::Lang;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// `GET /api/config`: the city and its rooms.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Config {
    pub city: u32,
    pub city_name_ja: String,
    pub city_name_en: String,
    pub rooms: Vec<RoomInfo>,
}

/// One children's room as the relay lists it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RoomInfo {
    /// `R01`, `R02`, …
    pub id: String,
    pub name_ja: String,
    pub name_en: String,
}

impl Config {
    /// The room's name in `lang`, or its id when the city does not list it.
    pub fn room_name(&self, id: &str, lang: Lang) -> String {
        self.rooms.iter().find(|r| r.id == id).map_or_else(
            || id.to_owned(),
            |r| lang.pick(&r.name_ja, &r.name_en).to_owned(),
        )
    }
}

/// A signed pass as the relay answers it (the app pass or a printed card).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Pass {
    pub pass_id: String,
    pub serial: u32,
    /// `AppPass`, `FamilyCard` or `ChildCard`.
    pub kind: String,
    #[serde(default)]
    pub child: Option<u32>,
    pub rooms: Vec<String>,
    /// What the QR encodes (`HB1…`).
    pub text: String,
    pub short_code: String,
    pub issued_at: i64,
    pub valid_until: i64,
    pub qr_svg: String,
}

/// One child of the family.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Child {
    pub index: u32,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
}

/// A guardian's request to add a child (a newborn) to the family.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ChildRequest {
    pub request_id: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    #[serde(default)]
    pub submitted_at: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `GET /api/family`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Family {
    pub family_id: String,
    pub login_id: String,
    #[serde(default)]
    pub guardians: u32,
    pub children: Vec<Child>,
    pub rooms: Vec<String>,
    #[serde(default)]
    pub pass: Option<Pass>,
    #[serde(default)]
    pub cards: Vec<Pass>,
    #[serde(default)]
    pub child_requests: Vec<ChildRequest>,
}

/// `POST /api/family/login`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginAnswer {
    pub token: String,
    pub must_change_password: bool,
    #[serde(default)]
    pub family_id: Option<String>,
}

/// `POST /api/applications` and `POST /api/family/children`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Receipt {
    #[serde(default)]
    pub receipt: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Cards {
    cards: Vec<Pass>,
}

/// Why a request to the relay gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: offline, or the relay is down.
    Network,
    /// The relay answered with an HTTP error status and no words of its own.
    Status(u16),
    /// The answer was not what this app version understands.
    Body(String),
    /// The relay refused with its JSON error (docs/API.md, "Errors").
    Relay(RelayError),
}

/// The relay's JSON error: a stable `code` and words for a person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RelayError {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    /// English.
    pub message: String,
    #[serde(default)]
    pub message_ja: Option<String>,
    /// Per-field messages with `invalid_input`.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldMessage>,
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
}

/// One form field's error in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldMessage {
    pub ja: String,
    pub en: String,
}

impl ApiError {
    /// The relay's error code (`bad_credentials`, …), if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Relay(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The HTTP status, when the relay answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Relay(e) => Some(e.status),
            ApiError::Status(s) => Some(*s),
            _ => None,
        }
    }

    /// The session is gone (expired, logged out elsewhere, password changed).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// The relay's per-field messages (empty unless `invalid_input`).
    pub fn fields(&self) -> BTreeMap<String, FieldMessage> {
        match self {
            ApiError::Relay(e) => e.fields.clone(),
            _ => BTreeMap::new(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            ApiError::Network => lang
                .pick(
                    "サーバーに接続できません。ネットワークを確認して、もう一度お試しください。",
                    "Cannot reach the server. Please check the network and try again.",
                )
                .to_owned(),
            ApiError::Status(code) => match lang {
                Lang::Ja => format!("サーバーがエラーを返しました（{code}）。"),
                Lang::En => format!("The server returned an error ({code})."),
            },
            ApiError::Body(_) => lang
                .pick(
                    "サーバーの応答を読み取れませんでした。アプリを再読み込みしてください。",
                    "Could not read the server's answer. Please reload the app.",
                )
                .to_owned(),
            ApiError::Relay(e) if e.code == "too_many_attempts" => {
                let secs = e.retry_after_seconds.unwrap_or(30);
                let minutes = secs.div_ceil(60);
                match lang {
                    Lang::Ja if secs < 60 => {
                        format!("試行回数が多すぎます。{secs}秒待ってからお試しください。")
                    }
                    Lang::Ja => {
                        format!("試行回数が多すぎます。約{minutes}分待ってからお試しください。")
                    }
                    Lang::En if secs < 60 => {
                        format!("Too many attempts. Please wait {secs} seconds and try again.")
                    }
                    Lang::En => format!(
                        "Too many attempts. Please wait about {minutes} minutes and try again."
                    ),
                }
            }
            ApiError::Relay(e) => match lang {
                Lang::Ja => e
                    .message_ja
                    .clone()
                    .unwrap_or_else(|| format!("サーバーが処理できませんでした（{}）。", e.code)),
                Lang::En => e.message.clone(),
            },
        }
    }
}

pub async fn config() -> Result<Config, ApiError> {
    request_json(Method::Get, "/api/config", None, None::<&()>).await
}

pub async fn apply(body: &serde_json::Value) -> Result<Receipt, ApiError> {
    request_json(Method::Post, "/api/applications", None, Some(body)).await
}

pub async fn login(login_id: &str, password: &str) -> Result<LoginAnswer, ApiError> {
    let body = serde_json::json!({ "login_id": login_id, "password": password });
    request_json(Method::Post, "/api/family/login", None, Some(&body)).await
}

pub async fn change_password(
    token: &str,
    current: &str,
    new: &str,
) -> Result<LoginAnswer, ApiError> {
    let body = serde_json::json!({ "current_password": current, "new_password": new });
    request_json(
        Method::Post,
        "/api/family/password",
        Some(token),
        Some(&body),
    )
    .await
}

pub async fn logout(token: &str) -> Result<serde_json::Value, ApiError> {
    request_json(Method::Post, "/api/logout", Some(token), None::<&()>).await
}

pub async fn family(token: &str) -> Result<Family, ApiError> {
    request_json(Method::Get, "/api/family", Some(token), None::<&()>).await
}

pub async fn pass(token: &str) -> Result<Pass, ApiError> {
    request_json(Method::Get, "/api/family/pass", Some(token), None::<&()>).await
}

pub async fn register_rooms(token: &str, rooms: &[String]) -> Result<Pass, ApiError> {
    let body = serde_json::json!({ "rooms": rooms });
    request_json(Method::Put, "/api/family/rooms", Some(token), Some(&body)).await
}

pub async fn cards(token: &str) -> Result<Vec<Pass>, ApiError> {
    let cards: Cards =
        request_json(Method::Get, "/api/family/cards", Some(token), None::<&()>).await?;
    Ok(cards.cards)
}

/// Issues (or reissues, revoking the old one) a printed card.
pub async fn issue_card(token: &str, child: Option<u32>) -> Result<Pass, ApiError> {
    let body = match child {
        Some(child) => serde_json::json!({ "kind": "child", "child": child }),
        None => serde_json::json!({ "kind": "family" }),
    };
    request_json(Method::Post, "/api/family/cards", Some(token), Some(&body)).await
}

pub async fn request_child(token: &str, body: &serde_json::Value) -> Result<Receipt, ApiError> {
    request_json(
        Method::Post,
        "/api/family/children",
        Some(token),
        Some(body),
    )
    .await
}

/// The family's automerge document (`family/<id>`): visits.
pub async fn family_doc(token: &str) -> Result<Vec<u8>, ApiError> {
    request_bytes("/api/family/doc", token).await
}

/// The city's `notices` automerge document.
pub async fn notices_doc(token: &str) -> Result<Vec<u8>, ApiError> {
    request_bytes("/api/docs/notices", token).await
}

/// An HTTP method the relay's API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// Calls the relay's JSON API: `token` becomes `Authorization: Bearer`,
/// `body` is sent as JSON; the answer is parsed as `T`.
async fn request_json<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let body = match body {
        Some(b) => Some(serde_json::to_string(b).map_err(|e| ApiError::Body(e.to_string()))?),
        None => None,
    };
    let response = send(method, path, token, body.as_deref()).await?;
    let text = response_text(&response).await?;
    serde_json::from_str(&text).map_err(|e| ApiError::Body(e.to_string()))
}

async fn request_bytes(path: &str, token: &str) -> Result<Vec<u8>, ApiError> {
    let response = send(Method::Get, path, Some(token), None).await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn response_text(response: &Response) -> Result<String, ApiError> {
    JsFuture::from(response.text().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .ok_or_else(|| ApiError::Body("not text".to_owned()))
}

async fn send(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = RequestInit::new();
    init.set_method(method.as_str());
    // Personal data must not sit in the HTTP cache of a shared phone.
    init.set_cache(web_sys::RequestCache::NoStore);
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    if let Some(token) = token {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(|_| ApiError::Network)?;
    }
    if let Some(body) = body {
        headers
            .set("content-type", "application/json")
            .map_err(|_| ApiError::Network)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let value: JsValue = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| ApiError::Network)?;
    let response: Response = value.dyn_into().map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let parsed = response_text(&response)
        .await
        .ok()
        .and_then(|text| serde_json::from_str::<RelayError>(&text).ok());
    Err(match parsed {
        Some(mut e) => {
            e.status = status;
            ApiError::Relay(e)
        }
        None if status >= 502 => ApiError::Network,
        None => ApiError::Status(status),
    })
}
