//! # hiroba-relay
//!
//! The rooms' meeting point: it stores the city's documents in sled, serves
//! the kiosk and parent apps, and signs passes with the city's key. It is
//! never a single point of failure: kiosks verify passes and record visits
//! with it down, and catch up when it returns.
//!
//! * [`store`] — sled: document chunks, metadata, secrets.
//! * [`auth`] — identities and the document authorization policy.
//! * [`city`] — the city and its rooms.
//! * [`issuer`] — signing keys, trust list and pass issuance.
//! * [`demo`] — the demo city of `relay --demo`.
//! * [`http`] — routes: the two apps and the JSON API.
//! * [`accounts`] — applications, family and staff accounts, passes,
//!   devices and key rotation (the accounts JSON API).
//! * [`sync`] — the automerge-repo sync endpoint (`GET /sync`, WebSocket).
//! * [`projection`] — each family's visit history, from the attendance.
//!
//! [`open`] prepares a relay from a data dir; [`serve`] runs it on a listener
//! until a shutdown future resolves, so tests start real relays on
//! `127.0.0.1:0`.

pub mod accounts;
pub mod auth;
pub mod city;
pub mod demo;
pub mod http;
pub mod issuer;
pub mod projection;
pub mod store;
pub mod sync;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use hiroba_engine::calendar::Timestamp;

pub use crate::http::RelayState;

/// How to open a relay.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where sled keeps the relay's data.
    pub data_dir: PathBuf,
    /// Where the built apps are (`dist/`), if they should be served.
    pub web_dir: Option<PathBuf>,
    /// Seed and serve the demo city.
    pub demo: bool,
}

/// Why a relay could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The data dir could not be opened.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The signing key or demo data could not be prepared.
    #[error(transparent)]
    Issue(#[from] issuer::IssueError),
    /// The demo accounts could not be seeded.
    #[error(transparent)]
    Accounts(#[from] accounts::AccountError),
}

/// Opens the data dir, makes the first signing key if needed and seeds the
/// demo city when asked. `now` comes from the caller's clock.
pub fn open(options: &Options, now: Timestamp) -> Result<Arc<RelayState>, StartError> {
    let store = store::Store::open(&options.data_dir)?;
    let city = match store.meta::<city::City>("city")? {
        Some(city) => city,
        None => {
            let city = city::City::demo();
            store.put_meta("city", &city)?;
            city
        }
    };
    let issuer = issuer::Issuer::load_or_create(&store, city.city, now)?;
    let demo_passes = if options.demo {
        demo::seed(&store, &issuer, now)?
    } else {
        Vec::new()
    };
    let accounts = accounts::Accounts::open(&store)?;
    let demo_logins = if options.demo {
        demo::seed_accounts(&store, &accounts, &demo_passes, now)?
    } else {
        Vec::new()
    };
    let sync = sync::SyncHub::open(&store)?;
    Ok(Arc::new(RelayState {
        issuer: std::sync::RwLock::new(issuer),
        accounts,
        demo_logins,
        sync,
        store,
        city,
        web_dir: options.web_dir.clone(),
        demo_passes,
    }))
}

/// How long open connections may take to finish after a shutdown signal
/// before they are dropped (a browser's idle keep-alive or preconnected
/// socket would otherwise hold the relay open indefinitely).
pub const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Serves the relay on `listener` until `shutdown` resolves, lets open
/// requests finish for at most [`DRAIN_LIMIT`], then flushes storage so
/// nothing acknowledged is lost. Connections still open then are left to
/// the caller's runtime to drop (the process exits, or a test drops its
/// runtime); they can no longer change anything that was acknowledged.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<RelayState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), store::StoreError> {
    let store = state.store.clone();
    let hub = state.sync.clone();
    let projection = tokio::spawn(projection::run(state.clone()));
    let (draining, drain_started) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = draining.send(());
        hub.close_all();
    };
    let server = warp::serve(http::routes(state))
        .incoming(listener)
        .graceful(shutdown)
        .run();
    let deadline = async {
        if drain_started.await.is_ok() {
            tokio::time::sleep(DRAIN_LIMIT).await;
        } else {
            // The server ended without a signal: nothing to bound.
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = server => {}
        () = deadline => {
            tracing::warn!(limit = ?DRAIN_LIMIT, "connections still open at shutdown; closing them");
        }
    }
    projection.abort();
    store.flush().await
}
