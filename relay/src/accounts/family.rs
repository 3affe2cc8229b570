//! The family account: what approval creates, guardian login, the forced
//! change of the initial password, log-out and "who am I".
//!
//! A family logs in with its login id (`HB-XXXX-XXXX`). While the password
//! is still the initial one from the printed letter, login yields only a
//! change-only session ([`super::ChangeOnlySession`]), which every other
//! route — and the sync endpoint — treats as no session at all.

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, FamilyId, RoomId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::application::Child;
use super::credentials::{check_new_password, hash_password, normalize_code, verify_password};
use super::error::{AccountError, FieldErrors, Message};
use super::issuance::{IssuedPass, pass_view};
use super::throttle::PER_LOGIN;
use super::{Ctx, json, parse, records};
use crate::auth::{Identity, SESSION_SECONDS};

/// A family account, made when staff approve an application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Family {
    /// Pseudonymous id; names the family document.
    pub id: FamilyId,
    /// What the guardians type to log in.
    pub login_id: String,
    /// argon2id PHC string; the password itself is never stored.
    pub password_hash: String,
    /// True until the guardian replaces the initial password.
    pub must_change_password: bool,
    /// The application this account came from.
    pub receipt: String,
    /// How many guardians (the pass's preselected guardian count).
    pub guardians: u8,
    /// The children, from the application.
    pub children: Vec<Child>,
    /// The rooms registered for (本登録); empty until the first registration.
    pub rooms: Vec<RoomId>,
    /// When the family first registered for each room: the usage report's
    /// new registrations (新規登録) of that room and day. Kept when a room
    /// is left, so registering again is not new.
    #[serde(default)]
    pub registered: std::collections::BTreeMap<RoomId, Timestamp>,
    /// The pass shown in the app, once rooms are registered.
    pub app_pass: Option<IssuedPass>,
    /// Printed cards (a family card, one card per child who comes alone).
    pub cards: Vec<IssuedPass>,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// The record key of a family.
pub fn key(id: &FamilyId) -> String {
    format!("fam/{id}")
}

/// The record key mapping a login id to its family.
pub fn login_key(login_id: &str) -> String {
    format!("login/{login_id}")
}

/// Reads a family that must exist.
pub fn load(tree: &sled::Tree, id: &FamilyId) -> Result<Family, AccountError> {
    records::get(tree, &key(id))?.ok_or(AccountError::NotFound { code: "no_family" })
}

#[derive(Deserialize)]
struct LoginForm {
    login_id: String,
    password: String,
}

/// `POST /api/family/login`: a full session, or a change-only one while
/// the password is the initial one. Throttled per login id and address.
pub async fn login(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: LoginForm = parse(&body)?;
    let login_id = normalize_code(&form.login_id, "HB", 2);
    let id_key = format!(
        "family:{}",
        login_id.as_deref().unwrap_or(form.login_id.trim())
    );
    let addr_key = ctx.addr_key();
    let accounts = ctx.accounts();
    let now = ctx.now.0;
    accounts.throttle.check_login(&id_key, &addr_key, now)?;
    let family = match &login_id {
        Some(login_id) => match records::get::<FamilyId>(&accounts.tree, &login_key(login_id))? {
            Some(id) => records::get::<Family>(&accounts.tree, &key(&id))?,
            None => None,
        },
        None => None,
    };
    let hash = family.as_ref().map(|f| f.password_hash.clone());
    let matches = verify_password(form.password, hash).await;
    let family = match family {
        Some(family) if matches => family,
        _ => {
            accounts.throttle.login_failed(&id_key, &addr_key, now);
            tracing::info!("guardian login refused");
            return Err(AccountError::BadCredentials);
        }
    };
    accounts.throttle.succeed(&id_key);
    let token = if family.must_change_password {
        ctx.new_change_only_session(&family.id)?
    } else {
        ctx.new_session(
            &Identity::Guardian {
                family: family.id.clone(),
            },
            SESSION_SECONDS,
        )?
    };
    tracing::info!(family = %family.id, first = family.must_change_password, "guardian logged in");
    Ok(json(
        StatusCode::OK,
        &json!({
            "token": token,
            "family_id": family.id,
            "must_change_password": family.must_change_password,
        }),
    ))
}

#[derive(Deserialize)]
struct ChangeForm {
    current_password: String,
    new_password: String,
}

/// `POST /api/family/password`: replaces the password (the initial one or
/// a chosen one), ends every other session of the family and returns a
/// fresh full session.
pub async fn change_password(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let family_id = match ctx.change_only()? {
        Some(family) => family,
        None => ctx.guardian()?,
    };
    let form: ChangeForm = parse(&body)?;
    let accounts = ctx.accounts();
    let family = load(&accounts.tree, &family_id)?;
    let id_key = format!("family:{}", family.login_id);
    if let Some(retry_after_seconds) = accounts.throttle.wait(&[&id_key], ctx.now.0) {
        return Err(AccountError::Throttled {
            retry_after_seconds,
        });
    }
    if !verify_password(
        form.current_password.clone(),
        Some(family.password_hash.clone()),
    )
    .await
    {
        accounts.throttle.fail(&id_key, PER_LOGIN, ctx.now.0);
        return Err(AccountError::Invalid(FieldErrors::from([(
            "current_password".to_owned(),
            Message::new(
                "現在のパスワードが違います。",
                "The current password is wrong.",
            ),
        )])));
    }
    check_new_password(&form.new_password, &form.current_password, &family.login_id)
        .map_err(AccountError::Invalid)?;
    let hash = hash_password(form.new_password).await?;
    let record_key = key(&family_id);
    records::transact(&accounts.tree, |tx| {
        let Some(mut family) = records::tx_get::<Family>(tx, &record_key)? else {
            return records::abort(AccountError::NotFound { code: "no_family" });
        };
        family.password_hash = hash.clone();
        family.must_change_password = false;
        records::tx_put(tx, &record_key, &family)
    })?;
    let ended = accounts
        .sessions
        .revoke_where(|who| matches!(who, Identity::Guardian { family } if *family == family_id))?;
    if let Some(token) = ctx.token.as_deref() {
        ctx.end_change_only_session(token)?;
    }
    let token = ctx.new_session(
        &Identity::Guardian {
            family: family_id.clone(),
        },
        SESSION_SECONDS,
    )?;
    // The new password, the ended sessions and the new one are on disk
    // before the guardian is told: after a crash the old password must not
    // come back while the new one is lost.
    ctx.state.store.flush().await?;
    tracing::info!(family = %family_id, ended, "guardian changed password");
    Ok(json(
        StatusCode::OK,
        &json!({ "token": token, "must_change_password": false }),
    ))
}

/// `POST /api/logout`: ends the caller's session (any kind).
pub async fn logout(ctx: Ctx) -> Result<Response, AccountError> {
    let Some(token) = ctx.token.as_deref() else {
        return Err(AccountError::Unauthorized);
    };
    ctx.accounts().sessions.revoke(token)?;
    ctx.end_change_only_session(token)?;
    Ok(json(StatusCode::OK, &json!({ "logged_out": true })))
}

/// `GET /api/me`: who the session belongs to.
pub async fn me(ctx: Ctx) -> Result<Response, AccountError> {
    if let Some(family) = ctx.change_only()? {
        return Ok(json(
            StatusCode::OK,
            &json!({ "kind": "guardian", "family": family, "must_change_password": true }),
        ));
    }
    let who = ctx.identity()?;
    let mut value =
        serde_json::to_value(&who).map_err(|e| AccountError::Internal(e.to_string()))?;
    if let Some(object) = value.as_object_mut() {
        object.insert("must_change_password".to_owned(), false.into());
    }
    Ok(json(StatusCode::OK, &value))
}

/// `GET /api/family`: the guardian's own account, children, rooms and passes.
/// With the family's requests to add a child (`child_requests`).
pub async fn overview(ctx: Ctx) -> Result<Response, AccountError> {
    let tree = &ctx.accounts().tree;
    let family = load(tree, &ctx.guardian()?)?;
    let mut view = family_view(&family);
    if let Some(object) = view.as_object_mut() {
        object.insert(
            "child_requests".to_owned(),
            super::child_requests::family_requests(tree, &family.id)?.into(),
        );
    }
    Ok(json(StatusCode::OK, &view))
}

/// `GET /api/family/doc`: the family's own automerge document (its visit
/// history, see [`crate::projection`]), for the parent app to keep and
/// merge.
pub async fn own_doc(ctx: Ctx) -> Result<Response, AccountError> {
    let family = ctx.guardian()?;
    let bytes = crate::http::read_doc(&ctx.state, &DocId::family(&family))?;
    Ok(crate::http::octet_stream(bytes))
}

/// A family as its guardians (and staff) see it: never the password hash.
pub fn family_view(family: &Family) -> serde_json::Value {
    json!({
        "family_id": family.id,
        "login_id": family.login_id,
        "guardians": family.guardians,
        "children": family.children.iter().enumerate().map(|(i, c)| json!({
            "index": i,
            "name": c.name,
            "kana": c.kana,
            "birth_date": c.birth_date,
        })).collect::<Vec<_>>(),
        "rooms": family.rooms,
        "pass": family.app_pass.as_ref().map(pass_view),
        "cards": family.cards.iter().map(pass_view).collect::<Vec<_>>(),
    })
}
