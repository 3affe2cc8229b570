//! The relay's HTTP API, fetched with the browser's `fetch`.
//!
//! Errors are values with words for a person ([`ApiError::message_ja`]), so
//! a kiosk that cannot reach the relay says so instead of staying blank.

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

    /// The message for one form field, if the relay named it.
    pub fn field(&self, name: &str) -> Option<&FieldMessage> {
        match self {
            ApiError::Relay(e) => e.fields.get(name),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.message_ja(),
            Lang::En => self.message_en(),
        }
    }

    pub fn message_ja(&self) -> String {
        match self {
            ApiError::Network => {
                "サーバーに接続できません。ネットワークを確認してください。".to_owned()
            }
            ApiError::Status(404) => "サーバーに必要な情報がありません（404）。".to_owned(),
            ApiError::Status(code) => format!("サーバーがエラーを返しました（{code}）。"),
            ApiError::Body(_) => "サーバーの応答を読み取れませんでした。".to_owned(),
            ApiError::Relay(e) => e
                .message_ja
                .clone()
                .unwrap_or_else(|| format!("サーバーが処理できませんでした（{}）。", e.code)),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            ApiError::Network => "Cannot reach the server. Please check the network.".to_owned(),
            ApiError::Status(404) => "The server does not have this information (404).".to_owned(),
            ApiError::Status(code) => format!("The server returned an error ({code})."),
            ApiError::Body(detail) => format!("Could not read the server's answer ({detail})."),
            ApiError::Relay(e) => e.message.clone(),
        }
    }
}

pub async fn config() -> Result<Config, ApiError> {
    get_json("/api/config").await
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request_json(Method::Get, path, None, None::<&()>).await
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

/// The window event sent when the relay refused a request's session (401).
pub const SESSION_REFUSED: &str = "hiroba-session-refused";

/// Calls the relay's JSON API: `token` becomes `Authorization: Bearer`,
/// `body` is sent as JSON; the answer is parsed as `T`. A refusal comes
/// back as [`ApiError::Relay`] with the relay's own words.
pub async fn request_json<B: Serialize + ?Sized, T: DeserializeOwned>(
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

/// Like [`request_json`] with no body, for downloads (CSV, XLSX, documents).
pub async fn request_bytes(
    method: Method,
    path: &str,
    token: Option<&str>,
) -> Result<Vec<u8>, ApiError> {
    let response = send(method, path, token, None).await?;
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
    if status == 401 && token.is_some() {
        // A session ended while a page was open: the staff console hears
        // this and checks its own session (see `SESSION_REFUSED`).
        if let Ok(event) = web_sys::Event::new(SESSION_REFUSED) {
            let _ = window.dispatch_event(&event);
        }
    }
    let parsed = response_text(&response)
        .await
        .ok()
        .and_then(|text| serde_json::from_str::<RelayError>(&text).ok());
    Err(match parsed {
        Some(mut e) => {
            e.status = status;
            ApiError::Relay(e)
        }
        None => ApiError::Status(status),
    })
}
