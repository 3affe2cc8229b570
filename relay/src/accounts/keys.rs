//! The trust list and signing-key rotation.
//!
//! Rotating makes a new key current for issuing and adds it to the trust
//! list; the old key stays in the list with its own `valid_until`, so the
//! passes it signed keep verifying until then (the engine's `verify`
//! bounds each pass by its key's validity). Passes reissued after a
//! rotation are signed by the new key.

use automerge::AutoCommit;
use hiroba_engine::ids::DocId;
use hiroba_engine::trust::TrustList;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::AccountError;
use super::{Ctx, json};
use crate::issuer::IssueError;

fn trust_list(ctx: &Ctx) -> Result<TrustList, AccountError> {
    let Some(bytes) = ctx.state.store.doc_bytes(&DocId::trust_list())? else {
        return Ok(TrustList::default());
    };
    let doc = AutoCommit::load(&bytes).map_err(|e| IssueError::Damaged {
        what: "trust list",
        reason: e.to_string(),
    })?;
    TrustList::load(&doc).map_err(|e| {
        AccountError::from(IssueError::Damaged {
            what: "trust list",
            reason: e.to_string(),
        })
    })
}

fn keys_view(ctx: &Ctx) -> Result<serde_json::Value, AccountError> {
    let current = ctx
        .state
        .issuer
        .read()
        .map_err(|_| AccountError::Internal("issuer lock poisoned".to_owned()))?
        .key_id();
    let keys: Vec<_> = trust_list(ctx)?
        .keys()
        .map(|k| {
            json!({
                "key_id": k.key_id,
                "public_key": data_encoding::HEXLOWER.encode(&k.public_key),
                "valid_from": k.valid_from,
                "valid_until": k.valid_until,
                "current": k.key_id == current,
            })
        })
        .collect();
    Ok(json!({ "current_key_id": current, "keys": keys }))
}

/// `GET /api/admin/keys`: the trust list and which key signs now.
pub async fn list(ctx: Ctx) -> Result<Response, AccountError> {
    ctx.admin()?;
    Ok(json(StatusCode::OK, &keys_view(&ctx)?))
}

/// `POST /api/admin/keys`: makes a new signing key current.
pub async fn rotate(ctx: Ctx) -> Result<Response, AccountError> {
    ctx.admin()?;
    let new_key = {
        let mut issuer = ctx
            .state
            .issuer
            .write()
            .map_err(|_| AccountError::Internal("issuer lock poisoned".to_owned()))?;
        let key = issuer.rotate(&ctx.state.store, ctx.now)?;
        // While still locked: the hub must see the new trust list before
        // it could compact its older copy over it.
        ctx.state.sync.doc_written(&DocId::trust_list())?;
        key
    };
    ctx.state.store.flush().await?;
    tracing::info!(key = %new_key.key_id, "signing key rotated");
    Ok(json(StatusCode::CREATED, &keys_view(&ctx)?))
}
