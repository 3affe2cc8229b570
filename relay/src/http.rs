//! The relay's HTTP surface: the two web apps and a small JSON API.
//!
//! Filters return `impl Filter + Clone`; handlers are plain functions; one
//! [`recover`] turns every rejection into JSON `{code, message}` so no stack
//! trace or bare status ever reaches a person.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use hiroba_engine::ids::DocId;
use serde::Serialize;
use warp::http::StatusCode;
use warp::path::FullPath;
use warp::{Filter, Rejection, Reply};

use crate::city::City;
use crate::demo::DemoPass;
use crate::store::Store;

/// What every request handler may read.
#[derive(Debug)]
pub struct RelayState {
    /// The relay's database.
    pub store: Store,
    /// The city served.
    pub city: City,
    /// Where the built apps live (`dist/`), if served.
    pub web_dir: Option<PathBuf>,
    /// Demo passes, when started with `--demo`.
    pub demo_passes: Vec<DemoPass>,
    /// The city's pass issuer; write-locked while a pass or key changes.
    pub issuer: std::sync::RwLock<crate::issuer::Issuer>,
    /// Accounts, sessions and login throttling.
    pub accounts: crate::accounts::Accounts,
    /// Demo logins, when started with `--demo`.
    pub demo_logins: Vec<crate::demo::DemoLogin>,
    /// The sync hub behind `GET /sync`.
    pub sync: crate::sync::SyncHub,
}

/// Every route of the relay.
pub fn routes(
    state: Arc<RelayState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let api = api(state.clone());
    let sync = crate::sync::routes(state.clone());
    let accounts = crate::accounts::routes(state.clone());
    let apps = apps(state);
    api.or(sync).or(accounts).or(apps).recover(recover)
}

fn with_state(
    state: Arc<RelayState>,
) -> impl Filter<Extract = (Arc<RelayState>,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

fn api(state: Arc<RelayState>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let config = warp::path!("api" / "config")
        .and(warp::get())
        .and(with_state(state.clone()))
        .map(|s: Arc<RelayState>| warp::reply::json(&s.city));
    let doc = warp::path!("api" / "docs" / ..)
        .and(warp::path::tail())
        .map(|tail: warp::path::Tail| tail.as_str().to_owned())
        .and(warp::get())
        .and(warp::header::optional::<String>("authorization"))
        .and(with_state(state.clone()))
        .and_then(doc_bytes);
    let demo_pass = warp::path!("api" / "demo" / "pass")
        .and(warp::get())
        .and(with_state(state))
        .and_then(demo_pass);
    config.or(doc).or(demo_pass)
}

/// `GET /api/docs/{name}`: one document's bytes. The trust list and the
/// revocations are public by design (they hold only public keys and
/// pseudonymous ids), so kiosks may fetch them before they are enrolled.
/// Any other document needs a session (`Authorization: Bearer`) that the
/// sync endpoint's policy lets read it ([`crate::auth::may_access`]): a
/// guardian reads the notices and the family's own document this way.
/// Unknown and forbidden documents get the same answer.
async fn doc_bytes(
    name: String,
    authorization: Option<String>,
    state: Arc<RelayState>,
) -> Result<warp::reply::Response, Rejection> {
    let id = DocId::parse(&name).map_err(|_| warp::reject::not_found())?;
    let public = id == DocId::trust_list() || id == DocId::revocations();
    if !public {
        let token = authorization
            .as_deref()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        let who = if token.is_empty() {
            crate::auth::Identity::Anonymous
        } else {
            state
                .accounts
                .sessions
                .lookup(token, crate::accounts::system_now())
        };
        if !crate::auth::may_access(&who, &id) {
            return Err(warp::reject::custom(ApiError::DocUnavailable));
        }
    }
    let bytes = read_doc(&state, &id).map_err(|_| warp::reject::custom(ApiError::Storage))?;
    Ok(octet_stream(bytes))
}

/// A document's bytes as the relay has acknowledged them, or an empty
/// document (a valid, empty list) if nothing is stored yet.
pub fn read_doc(state: &RelayState, id: &DocId) -> Result<Vec<u8>, crate::store::StoreError> {
    let chunks = state.sync.stored_chunks(id)?;
    Ok(if chunks.is_empty() {
        automerge::AutoCommit::new().save()
    } else {
        chunks.concat()
    })
}

/// Bytes that must not be cached by the browser or a proxy.
pub fn octet_stream(bytes: Vec<u8>) -> warp::reply::Response {
    warp::reply::with_header(
        warp::reply::with_header(bytes, "content-type", "application/octet-stream"),
        "cache-control",
        "no-store",
    )
    .into_response()
}

async fn demo_pass(state: Arc<RelayState>) -> Result<warp::reply::Json, Rejection> {
    let pass = state
        .demo_passes
        .first()
        .ok_or_else(|| warp::reject::custom(ApiError::NoDemo))?;
    Ok(warp::reply::json(
        &serde_json::json!({ "text": pass.text, "room": pass.room }),
    ))
}

fn apps(state: Arc<RelayState>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let web_dir = state.web_dir.clone().unwrap_or_default();
    let landing = warp::path::end()
        .and(warp::get())
        .and(with_state(state))
        .map(|s: Arc<RelayState>| warp::reply::html(landing_page(&s.city)));
    // `/kiosk` without the slash would resolve the app's relative asset
    // paths against `/`; send the browser to `/kiosk/` instead.
    let add_slash = warp::path::full().and_then(|path: FullPath| async move {
        match path.as_str() {
            "/kiosk" | "/parent" => Ok(warp::redirect::permanent(
                format!("{}/", path.as_str())
                    .parse::<warp::http::Uri>()
                    .map_err(|_| warp::reject::not_found())?,
            )),
            _ => Err(warp::reject::not_found()),
        }
    });
    let kiosk = warp::path("kiosk").and(warp::fs::dir(web_dir.join("kiosk")));
    let parent = warp::path("parent").and(warp::fs::dir(web_dir.join("parent")));
    let no_cache = |reply| warp::reply::with_header(reply, "cache-control", "no-cache");
    landing
        .or(add_slash)
        .or(kiosk.map(no_cache))
        .or(parent.map(no_cache))
}

fn landing_page(city: &City) -> String {
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Hiroba — {ja}</title></head><body style=\"font-family: sans-serif; margin: 2rem\">\
         <h1>Hiroba — {ja}</h1><ul>\
         <li><a href=\"/kiosk/?room=R01\">受付端末 / Kiosk</a></li>\
         <li><a href=\"/parent/\">保護者アプリ / Parent app</a></li></ul></body></html>",
        ja = html_escape(&city.city_name_ja)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Errors the API answers with, each with a stable code.
#[derive(Debug)]
enum ApiError {
    DocUnavailable,
    NoDemo,
    Storage,
}

impl warp::reject::Reject for ApiError {}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: &'static str,
}

/// Turns every rejection into JSON `{code, message}` with a fitting status.
pub async fn recover(rejection: Rejection) -> Result<impl Reply, Infallible> {
    let (status, code, message) = if let Some(e) = rejection.find::<ApiError>() {
        match e {
            ApiError::DocUnavailable => (
                StatusCode::NOT_FOUND,
                "doc_unavailable",
                "This document does not exist or is not available to you.",
            ),
            ApiError::NoDemo => (
                StatusCode::NOT_FOUND,
                "no_demo",
                "The relay was not started with --demo, so there is no demo pass.",
            ),
            ApiError::Storage => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                "The relay could not read its storage. Please try again.",
            ),
        }
    } else if rejection.is_not_found() {
        (
            StatusCode::NOT_FOUND,
            "not_found",
            "There is nothing at this address.",
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This address does not accept that kind of request.",
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request could not be understood.",
        )
    };
    Ok(warp::reply::with_status(
        warp::reply::json(&ErrorBody { code, message }),
        status,
    ))
}
