//! Accounts and issuance: the JSON API behind 事前登録, ID・パスワード発行,
//! login, 本登録 and passes, staff accounts, devices and key rotation.
//!
//! Handlers are thin: each takes a [`Ctx`] (the relay state, the caller's
//! bearer token and address, the time), reads its JSON body with [`parse`]
//! and answers a `Response`; every failure is an [`AccountError`] worded as
//! JSON `{code, message, message_ja, …}`, so no handler ever rejects into
//! warp and no route of this module hides another route of the relay.
//!
//! * [`application`] — the public form and its validation;
//! * [`intake`] — submitting it (idempotent, receipt number);
//! * [`review`] — staff: pending list, approve (family account + letter), reject;
//! * [`family`] — the family account: guardian login, password change;
//! * [`issuance`] — per-room registration, the pass, reissue, printed cards;
//! * [`child_requests`] — a guardian asks to add a child; staff approve
//!   (the pass is reissued) or reject;
//! * [`staff`] — staff accounts and their login;
//! * [`staff_families`] — the staff console's family search, family view
//!   and pass actions (reissue, cards, revoke);
//! * [`device`] — pairing codes, device keys, challenge-response sessions;
//! * [`keys`] — the trust list and signing-key rotation;
//! * [`reports`] — usage reports (利用者実績表) from the synced attendance;
//! * [`letter`] — the printable login letter (登録案内状);
//! * [`credentials`], [`throttle`], [`records`], [`error`] — the parts they share.

pub mod application;
pub mod child_requests;
pub mod credentials;
pub mod device;
pub mod error;
pub mod family;
pub mod intake;
pub mod issuance;
pub mod keys;
pub mod letter;
pub mod records;
pub mod reports;
pub mod review;
pub mod staff;
pub mod staff_families;
pub mod throttle;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{FamilyId, RoomId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Reply};

pub use self::error::AccountError;
use crate::RelayState;
use crate::auth::{Identity, Sessions, StaffRole};
use crate::store::{Store, StoreError};

/// Largest JSON body any accounts endpoint accepts.
const MAX_BODY_BYTES: u64 = 64 * 1024;
/// How long a change-only session (first login) lasts.
const CHANGE_ONLY_SECONDS: i64 = 30 * 60;

/// The accounts part of the relay's state.
#[derive(Debug)]
pub struct Accounts {
    /// Every account record (see [`records`]).
    pub tree: sled::Tree,
    /// Sessions shared with the sync endpoint.
    pub sessions: Sessions,
    /// Failed-login counts.
    pub throttle: throttle::Throttle,
}

impl Accounts {
    /// The accounts stored in `store`.
    pub fn open(store: &Store) -> Result<Accounts, StoreError> {
        Ok(Accounts {
            tree: store.tree("accounts")?,
            sessions: Sessions::open(store)?,
            throttle: throttle::Throttle::default(),
        })
    }
}

/// A session that may only change its password: what a guardian's first
/// login with the initial password gets. Kept apart from [`Sessions`], so
/// to the sync endpoint and every other route it is no session at all.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChangeOnlySession {
    /// The family whose password must change.
    pub family: FamilyId,
    /// When it ends.
    pub expires: Timestamp,
}

fn change_only_key(token: &str) -> String {
    format!("chg/{token}")
}

/// A staff caller.
#[derive(Debug, Clone)]
pub struct StaffCaller {
    /// Login id.
    pub account: String,
    /// Role.
    pub role: StaffRole,
    /// Room of room staff.
    pub room: Option<RoomId>,
}

/// What every handler knows about its request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The relay.
    pub state: Arc<RelayState>,
    /// The bearer token, if any.
    pub token: Option<String>,
    /// The client's address, if known.
    pub addr: Option<IpAddr>,
    /// The relay's clock at the request.
    pub now: Timestamp,
    /// The `Host` the client asked for (for links in the login letter).
    pub host: Option<String>,
}

impl Ctx {
    /// The accounts state.
    pub fn accounts(&self) -> &Accounts {
        &self.state.accounts
    }

    /// The caller's identity; a change-only session is refused with
    /// `password_change_required`, no session with `unauthorized`.
    pub fn identity(&self) -> Result<Identity, AccountError> {
        let Some(token) = self.token.as_deref() else {
            return Err(AccountError::Unauthorized);
        };
        match self.accounts().sessions.lookup(token, self.now) {
            Identity::Anonymous if self.change_only()?.is_some() => {
                Err(AccountError::PasswordChangeRequired)
            }
            Identity::Anonymous => Err(AccountError::Unauthorized),
            who => Ok(who),
        }
    }

    /// The family of a valid change-only session, if the token is one.
    pub fn change_only(&self) -> Result<Option<FamilyId>, AccountError> {
        let Some(token) = self.token.as_deref() else {
            return Ok(None);
        };
        let session: Option<ChangeOnlySession> =
            records::get(&self.accounts().tree, &change_only_key(token))?;
        Ok(session.filter(|s| s.expires > self.now).map(|s| s.family))
    }

    /// The caller as staff (either role).
    pub fn staff(&self) -> Result<StaffCaller, AccountError> {
        match self.identity()? {
            Identity::Staff {
                account,
                role,
                room,
            } => Ok(StaffCaller {
                account,
                role,
                room,
            }),
            _ => Err(AccountError::Forbidden),
        }
    }

    /// The caller as an administrator.
    pub fn admin(&self) -> Result<StaffCaller, AccountError> {
        let staff = self.staff()?;
        if staff.role == StaffRole::Administrator {
            Ok(staff)
        } else {
            Err(AccountError::Forbidden)
        }
    }

    /// The caller as a guardian with a full session.
    pub fn guardian(&self) -> Result<FamilyId, AccountError> {
        match self.identity()? {
            Identity::Guardian { family } => Ok(family),
            _ => Err(AccountError::Forbidden),
        }
    }

    /// The throttle key of the client's address.
    pub fn addr_key(&self) -> String {
        match self.addr {
            Some(ip) => format!("addr:{ip}"),
            None => "addr:unknown".to_owned(),
        }
    }

    /// The parent app's address as the client reached the relay.
    pub fn app_url(&self) -> String {
        match self.host.as_deref() {
            Some(host) if host.starts_with("127.") || host.starts_with("localhost") => {
                format!("http://{host}/parent/")
            }
            Some(host) => format!("https://{host}/parent/"),
            None => "/parent/".to_owned(),
        }
    }

    /// Starts a full session for `who`.
    pub fn new_session(&self, who: &Identity, seconds: i64) -> Result<String, AccountError> {
        let random = crate::issuer::random_bytes::<32>()?;
        Ok(self
            .accounts()
            .sessions
            .create(who, self.now, seconds, random)?)
    }

    /// Starts a change-only session for `family`.
    pub fn new_change_only_session(&self, family: &FamilyId) -> Result<String, AccountError> {
        let token = credentials::random_hex::<32>()?;
        records::put(
            &self.accounts().tree,
            &change_only_key(&token),
            &ChangeOnlySession {
                family: family.clone(),
                expires: self.now.plus_seconds(CHANGE_ONLY_SECONDS),
            },
        )?;
        Ok(token)
    }

    /// Ends a change-only session.
    pub fn end_change_only_session(&self, token: &str) -> Result<(), AccountError> {
        self.accounts().tree.remove(change_only_key(token))?;
        Ok(())
    }
}

/// The relay's clock.
pub fn system_now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Reads a JSON body; a body that is not the expected JSON is `bad_json`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AccountError> {
    serde_json::from_slice(body).map_err(|e| AccountError::BadJson(e.to_string()))
}

/// A JSON reply with a status.
pub fn json(status: StatusCode, value: &impl Serialize) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// The response of a handler's result.
fn respond(result: Result<Response, AccountError>) -> Response {
    result.unwrap_or_else(|e| e.to_response())
}

fn ctx(state: Arc<RelayState>) -> impl Filter<Extract = (Ctx,), Error = warp::Rejection> + Clone {
    warp::any()
        .map(move || state.clone())
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::addr::remote())
        .and(warp::header::optional::<String>("host"))
        .map(
            |state: Arc<RelayState>,
             auth: Option<String>,
             addr: Option<SocketAddr>,
             host: Option<String>| Ctx {
                state,
                token: auth
                    .as_deref()
                    .and_then(|a| a.strip_prefix("Bearer "))
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty()),
                addr: addr.map(|a| a.ip()),
                now: system_now(),
                host,
            },
        )
}

fn body() -> impl Filter<Extract = (Vec<u8>,), Error = warp::Rejection> + Clone {
    warp::body::content_length_limit(MAX_BODY_BYTES)
        .and(warp::body::bytes())
        .map(|b: warp::hyper::body::Bytes| b.to_vec())
}

type Route = BoxedFilter<(Response,)>;

/// `METHOD path` with a JSON body, answered by `handler(ctx, body)`.
macro_rules! with_body {
    ($state:expr, $method:ident, $path:expr, $handler:path) => {
        $path
            .and(warp::$method())
            .and(ctx($state.clone()))
            .and(body())
            .then(|ctx: Ctx, body: Vec<u8>| async move { respond($handler(ctx, body).await) })
            .boxed()
    };
    ($state:expr, $method:ident, $path:expr, $handler:path, $arg:ty) => {
        $path
            .and(warp::$method())
            .and(ctx($state.clone()))
            .and(body())
            .then(|arg: $arg, ctx: Ctx, body: Vec<u8>| async move {
                respond($handler(ctx, arg, body).await)
            })
            .boxed()
    };
}

/// `METHOD path` without a body, answered by `handler(ctx)`.
macro_rules! no_body {
    ($state:expr, $method:ident, $path:expr, $handler:path) => {
        $path
            .and(warp::$method())
            .and(ctx($state.clone()))
            .then(|ctx: Ctx| async move { respond($handler(ctx).await) })
            .boxed()
    };
    ($state:expr, $method:ident, $path:expr, $handler:path, $arg:ty) => {
        $path
            .and(warp::$method())
            .and(ctx($state.clone()))
            .then(|arg: $arg, ctx: Ctx| async move { respond($handler(ctx, arg).await) })
            .boxed()
    };
}

/// Every accounts route, documented in `docs/API.md`.
pub fn routes(state: Arc<RelayState>) -> Route {
    use warp::path;
    let s = &state;
    let all: Vec<Route> = vec![
        with_body!(s, post, path!("api" / "applications"), intake::submit),
        with_body!(s, post, path!("api" / "family" / "login"), family::login),
        with_body!(s, post, path!("api" / "staff" / "login"), staff::login),
        no_body!(s, post, path!("api" / "logout"), family::logout),
        no_body!(s, get, path!("api" / "me"), family::me),
        with_body!(
            s,
            post,
            path!("api" / "family" / "password"),
            family::change_password
        ),
        no_body!(s, get, path!("api" / "family"), family::overview),
        with_body!(
            s,
            put,
            path!("api" / "family" / "rooms"),
            issuance::register_rooms
        ),
        no_body!(
            s,
            get,
            path!("api" / "family" / "pass"),
            issuance::current_pass
        ),
        no_body!(
            s,
            post,
            path!("api" / "family" / "pass" / "reissue"),
            issuance::reissue
        ),
        no_body!(s, get, path!("api" / "family" / "cards"), issuance::cards),
        no_body!(s, get, path!("api" / "family" / "doc"), family::own_doc),
        with_body!(
            s,
            post,
            path!("api" / "family" / "children"),
            child_requests::submit
        ),
        no_body!(
            s,
            get,
            path!("api" / "staff" / "child-requests").and(warp::query::<review::ListQuery>()),
            child_requests::list,
            review::ListQuery
        ),
        no_body!(
            s,
            post,
            path!("api" / "staff" / "child-requests" / String / "approve"),
            child_requests::approve,
            String
        ),
        with_body!(
            s,
            post,
            path!("api" / "staff" / "child-requests" / String / "reject"),
            child_requests::reject,
            String
        ),
        with_body!(
            s,
            post,
            path!("api" / "family" / "cards"),
            issuance::issue_card
        ),
        no_body!(
            s,
            get,
            path!("api" / "staff" / "applications").and(warp::query::<review::ListQuery>()),
            review::list,
            review::ListQuery
        ),
        no_body!(
            s,
            post,
            path!("api" / "staff" / "applications" / String / "approve"),
            review::approve,
            String
        ),
        with_body!(
            s,
            post,
            path!("api" / "staff" / "applications" / String / "reject"),
            review::reject,
            String
        ),
        no_body!(
            s,
            post,
            path!("api" / "staff" / "families" / String / "letter"),
            review::new_letter,
            String
        ),
        no_body!(
            s,
            get,
            path!("api" / "staff" / "reports" / "daily").and(warp::query::<reports::ReportQuery>()),
            reports::daily,
            reports::ReportQuery
        ),
        no_body!(
            s,
            get,
            path!("api" / "staff" / "reports" / "monthly")
                .and(warp::query::<reports::ReportQuery>()),
            reports::monthly,
            reports::ReportQuery
        ),
        with_body!(
            s,
            post,
            path!("api" / "staff" / "families" / "search"),
            staff_families::search
        ),
        no_body!(
            s,
            get,
            path!("api" / "staff" / "families" / String),
            staff_families::show,
            String
        ),
        no_body!(
            s,
            post,
            path!("api" / "staff" / "families" / String / "pass" / "reissue"),
            staff_families::reissue_pass,
            String
        ),
        with_body!(
            s,
            post,
            path!("api" / "staff" / "families" / String / "cards"),
            staff_families::issue_card,
            String
        ),
        no_body!(
            s,
            post,
            path!("api" / "staff" / "families" / String / "passes" / String / "revoke")
                .map(|family: String, pass: String| (family, pass)),
            staff_families::revoke,
            (String, String)
        ),
        no_body!(s, get, path!("api" / "admin" / "staff"), staff::list),
        with_body!(s, post, path!("api" / "admin" / "staff"), staff::create),
        with_body!(
            s,
            post,
            path!("api" / "admin" / "pairing-codes"),
            device::create_code
        ),
        no_body!(s, get, path!("api" / "admin" / "devices"), device::list),
        no_body!(
            s,
            post,
            path!("api" / "admin" / "devices" / String / "revoke"),
            device::revoke,
            String
        ),
        no_body!(s, get, path!("api" / "admin" / "keys"), keys::list),
        no_body!(s, post, path!("api" / "admin" / "keys"), keys::rotate),
        with_body!(s, post, path!("api" / "devices" / "redeem"), device::redeem),
        with_body!(
            s,
            post,
            path!("api" / "devices" / "challenge"),
            device::challenge
        ),
        with_body!(
            s,
            post,
            path!("api" / "devices" / "session"),
            device::session
        ),
    ];
    let mut routes = all.into_iter();
    let first = routes
        .next()
        .unwrap_or_else(|| warp::any().and_then(reject_not_found).boxed());
    routes.fold(first, |acc, r| acc.or(r).unify().boxed())
}

async fn reject_not_found() -> Result<Response, warp::Rejection> {
    Err(warp::reject::not_found())
}
