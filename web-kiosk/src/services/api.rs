//! The relay's HTTP API, fetched with the browser's `fetch`.
//!
//! Errors are values with words for a person ([`ApiError::message_ja`]), so
//! a kiosk that cannot reach the relay says so instead of staying blank.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestInit, Response};

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

/// Where the kiosk's trust documents came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Fresh from the relay.
    Relay,
    /// A copy kept on this device (the service worker's cache or the app's
    /// own saved copy): the relay could not be reached.
    Device,
}

/// Everything the kiosk needs to verify passes: the city's configuration and
/// its trust and revocation documents (automerge bytes). All public: keys
/// and pseudonymous ids, no personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustDocs {
    pub config: Config,
    pub trust_list: Vec<u8>,
    pub revocations: Vec<u8>,
}

/// How long a request may wait for the relay before the kiosk gives up.
const FETCH_TIMEOUT_MS: u32 = 8_000;

/// The header the service worker adds to an answer it took from its cache.
const SOURCE_HEADER: &str = "X-Hiroba-Source";

/// Fetches the configuration and both trust documents. The origin is
/// [`Origin::Device`] if the service worker answered any of them from its
/// cache because the relay was unreachable.
pub async fn trust_docs() -> Result<(TrustDocs, Origin), ApiError> {
    let (config, a) = get_json::<Config>("/api/config").await?;
    let (trust_list, b) = get_bytes("/api/docs/trust-list").await?;
    let (revocations, c) = get_bytes("/api/docs/revocations").await?;
    let origin = if [a, b, c].contains(&Origin::Device) {
        Origin::Device
    } else {
        Origin::Relay
    };
    let docs = TrustDocs {
        config,
        trust_list,
        revocations,
    };
    Ok((docs, origin))
}

/// The demo pass, when the relay runs with `--demo` (`Status(404)` otherwise).
#[allow(dead_code)] // used by the kiosk's demo helpers and tests later
pub async fn demo_pass() -> Result<DemoPass, ApiError> {
    Ok(get_json("/api/demo/pass").await?.0)
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<(T, Origin), ApiError> {
    let (response, origin) = get(path).await?;
    let text = JsFuture::from(response.text().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .ok_or_else(|| ApiError::Body("not text".to_owned()))?;
    let value = serde_json::from_str(&text).map_err(|e| ApiError::Body(e.to_string()))?;
    Ok((value, origin))
}

async fn get_bytes(path: &str) -> Result<(Vec<u8>, Origin), ApiError> {
    let (response, origin) = get(path).await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?;
    Ok((js_sys::Uint8Array::new(&buffer).to_vec(), origin))
}

async fn get(path: &str) -> Result<(Response, Origin), ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    // Without a service worker a relay that never answers would keep the
    // kiosk loading forever; give up and use the device's copy instead.
    let init = RequestInit::new();
    init.set_signal(Some(&AbortSignal::timeout_with_u32(FETCH_TIMEOUT_MS)));
    let value: JsValue = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| ApiError::Network)?;
    let response: Response = value.dyn_into().map_err(|_| ApiError::Network)?;
    if response.ok() {
        let cached = response.headers().get(SOURCE_HEADER).ok().flatten();
        let origin = if cached.as_deref() == Some("device") {
            Origin::Device
        } else {
            Origin::Relay
        };
        Ok((response, origin))
    } else {
        Err(ApiError::Status(response.status()))
    }
}
