//! The relay's HTTP API, fetched with the browser's `fetch`.
//!
//! Errors are values with words for a person ([`ApiError::message_ja`]), so
//! a kiosk that cannot reach the relay says so instead of staying blank.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// `GET /api/config`: the city and its rooms.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub city: u32,
    pub city_name_ja: String,
    pub city_name_en: String,
    pub rooms: Vec<RoomInfo>,
}

/// One children's room as the relay lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoomInfo {
    /// `R01`, `R02`, …
    pub id: String,
    pub name_ja: String,
    pub name_en: String,
}

/// `GET /api/demo/pass`: a pass the relay issued for demonstrations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DemoPass {
    pub text: String,
    pub room: String,
}

/// Why a request to the relay gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: offline, or the relay is down.
    Network,
    /// The relay answered with an HTTP error status.
    Status(u16),
    /// The answer was not what this app version understands.
    Body(String),
}

impl ApiError {
    pub fn message_ja(&self) -> String {
        match self {
            ApiError::Network => {
                "サーバーに接続できません。ネットワークを確認してください。".to_owned()
            }
            ApiError::Status(404) => "サーバーに必要な情報がありません（404）。".to_owned(),
            ApiError::Status(code) => format!("サーバーがエラーを返しました（{code}）。"),
            ApiError::Body(_) => "サーバーの応答を読み取れませんでした。".to_owned(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            ApiError::Network => "Cannot reach the server. Please check the network.".to_owned(),
            ApiError::Status(404) => "The server does not have this information (404).".to_owned(),
            ApiError::Status(code) => format!("The server returned an error ({code})."),
            ApiError::Body(detail) => format!("Could not read the server's answer ({detail})."),
        }
    }
}

pub async fn config() -> Result<Config, ApiError> {
    get_json("/api/config").await
}

/// The trust list document, as automerge bytes.
pub async fn trust_list_doc() -> Result<Vec<u8>, ApiError> {
    get_bytes("/api/docs/trust-list").await
}

/// The revocation list document, as automerge bytes.
pub async fn revocations_doc() -> Result<Vec<u8>, ApiError> {
    get_bytes("/api/docs/revocations").await
}

/// The demo pass, when the relay runs with `--demo` (`Status(404)` otherwise).
#[allow(dead_code)] // used by the kiosk's demo helpers and tests later
pub async fn demo_pass() -> Result<DemoPass, ApiError> {
    get_json("/api/demo/pass").await
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = get(path).await?;
    let text = JsFuture::from(response.text().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .ok_or_else(|| ApiError::Body("not text".to_owned()))?;
    serde_json::from_str(&text).map_err(|e| ApiError::Body(e.to_string()))
}

async fn get_bytes(path: &str) -> Result<Vec<u8>, ApiError> {
    let response = get(path).await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn get(path: &str) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let value: JsValue = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| ApiError::Network)?;
    let response: Response = value.dyn_into().map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(ApiError::Status(response.status()))
    }
}
