//! Staff review of applications (ID・パスワード発行): the pending list,
//! approval — which creates the family account and its login letter — and
//! rejection with a reason.
//!
//! Approval writes the application's decision, the family record and the
//! login-id index in one sled transaction. The initial password is shown
//! once, in the approval response and its letter; staff can later make a
//! new letter, which replaces the initial password (see [`new_letter`]).

use hiroba_engine::ids::FamilyId;
use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::application::{self, Application, Decision};
use super::credentials::{hash_password, new_initial_password, new_login_id};
use super::error::{AccountError, FieldErrors, Message, conflicts};
use super::family::{self, Family};
use super::letter::{LetterFacts, render};
use super::{Ctx, json, records};
use crate::auth::Identity;
use crate::issuer::random_bytes;

/// How many fresh login ids to try before giving up.
const LOGIN_ID_ATTEMPTS: usize = 3;

/// The query of the application list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// `pending` (default), `approved`, `rejected` or `all`.
    pub status: Option<String>,
}

/// `GET /api/staff/applications[?status=pending|approved|rejected|all]`:
/// applications oldest first (pending by default).
pub async fn list(ctx: Ctx, query: ListQuery) -> Result<Response, AccountError> {
    ctx.staff()?;
    let status = query.status.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected", "all"].contains(&status) {
        return Err(AccountError::Invalid(FieldErrors::from([(
            "status".to_owned(),
            Message::new(
                "status は pending・approved・rejected・all のいずれかです。",
                "status is pending, approved, rejected or all.",
            ),
        )])));
    }
    let mut apps: Vec<Application> = records::scan(&ctx.accounts().tree, "app/")?
        .into_iter()
        .map(|(_, app)| app)
        .filter(|app: &Application| {
            matches!(
                (&app.decision, status),
                (_, "all")
                    | (Decision::Pending, "pending")
                    | (Decision::Approved { .. }, "approved")
                    | (Decision::Rejected { .. }, "rejected")
            )
        })
        .collect();
    apps.sort_by_key(|a| a.submitted_at);
    Ok(json(StatusCode::OK, &json!({ "applications": apps })))
}

fn load_pending(ctx: &Ctx, receipt: &str) -> Result<Application, AccountError> {
    let app: Application = records::get(&ctx.accounts().tree, &application::key(receipt))?.ok_or(
        AccountError::NotFound {
            code: "no_application",
        },
    )?;
    match app.decision {
        Decision::Pending => Ok(app),
        _ => Err(AccountError::Conflict {
            code: "already_decided",
            message: &conflicts::ALREADY_DECIDED,
        }),
    }
}

/// `POST /api/staff/applications/{receipt}/approve`: creates the family
/// account and answers the login id, the one-time initial password and the
/// printable letter.
pub async fn approve(ctx: Ctx, receipt: String) -> Result<Response, AccountError> {
    let staff = ctx.staff()?;
    let app = load_pending(&ctx, &receipt)?;
    let password = new_initial_password()?;
    let hash = hash_password(password.clone()).await?;
    let family_id = FamilyId::from_random(random_bytes::<8>()?);
    let guardians = u8::try_from(app.details.guardians.len()).unwrap_or(u8::MAX);
    let app_key = application::key(&receipt);
    for _ in 0..LOGIN_ID_ATTEMPTS {
        let login_id = new_login_id()?;
        let family = Family {
            id: family_id.clone(),
            login_id: login_id.clone(),
            password_hash: hash.clone(),
            must_change_password: true,
            receipt: receipt.clone(),
            guardians,
            children: app.details.children.clone(),
            rooms: Vec::new(),
            registered: Default::default(),
            app_pass: None,
            cards: Vec::new(),
            created_at: ctx.now,
        };
        let made = records::transact(&ctx.accounts().tree, |tx| {
            let Some(mut app) = records::tx_get::<Application>(tx, &app_key)? else {
                return records::abort(AccountError::NotFound {
                    code: "no_application",
                });
            };
            if app.decision != Decision::Pending {
                return records::abort(AccountError::Conflict {
                    code: "already_decided",
                    message: &conflicts::ALREADY_DECIDED,
                });
            }
            if tx.get(family::login_key(&login_id))?.is_some() {
                return Ok(false);
            }
            app.decision = Decision::Approved {
                family_id: family_id.clone(),
                decided_at: ctx.now,
                decided_by: staff.account.clone(),
            };
            records::tx_put(tx, &app_key, &app)?;
            records::tx_put(tx, &family::key(&family_id), &family)?;
            records::tx_put(tx, &family::login_key(&login_id), &family_id)?;
            Ok(true)
        })?;
        if made {
            ctx.state.store.flush().await?;
            tracing::info!(family = %family_id, "application approved");
            let letter = letter_for(&ctx, &app, &login_id, &password);
            return Ok(json(
                StatusCode::CREATED,
                &json!({
                    "receipt": receipt,
                    "family_id": family_id,
                    "login_id": login_id,
                    "initial_password": password,
                    "letter_html": letter,
                }),
            ));
        }
    }
    Err(AccountError::Internal("no free login id".to_owned()))
}

fn letter_for(ctx: &Ctx, app: &Application, login_id: &str, password: &str) -> String {
    let addressee = app
        .details
        .guardians
        .first()
        .map(|g| g.name.as_str())
        .unwrap_or("保護者");
    render(&LetterFacts {
        city: &ctx.state.city,
        addressee,
        receipt: &app.receipt,
        login_id,
        initial_password: password,
        app_url: &ctx.app_url(),
    })
}

/// The body of a rejection (an application's or a child request's).
#[derive(Deserialize)]
pub(super) struct RejectForm {
    #[serde(default)]
    reason: String,
}

/// The reason of a rejection, trimmed: 1–500 characters.
pub(super) fn reject_reason(body: &[u8]) -> Result<String, AccountError> {
    let form: RejectForm = super::parse(body)?;
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AccountError::Invalid(FieldErrors::from([(
            "reason".to_owned(),
            Message::new(
                "却下の理由を500文字以内で入力してください。",
                "Give a reason of at most 500 characters.",
            ),
        )])));
    }
    Ok(reason)
}

/// `POST /api/staff/applications/{receipt}/reject` with `{reason}`.
pub async fn reject(ctx: Ctx, receipt: String, body: Vec<u8>) -> Result<Response, AccountError> {
    let staff = ctx.staff()?;
    let reason = reject_reason(&body)?;
    load_pending(&ctx, &receipt)?;
    let app_key = application::key(&receipt);
    records::transact(&ctx.accounts().tree, |tx| {
        let Some(mut app) = records::tx_get::<Application>(tx, &app_key)? else {
            return records::abort(AccountError::NotFound {
                code: "no_application",
            });
        };
        if app.decision != Decision::Pending {
            return records::abort(AccountError::Conflict {
                code: "already_decided",
                message: &conflicts::ALREADY_DECIDED,
            });
        }
        app.decision = Decision::Rejected {
            reason: reason.clone(),
            decided_at: ctx.now,
            decided_by: staff.account.clone(),
        };
        records::tx_put(tx, &app_key, &app)
    })?;
    ctx.state.store.flush().await?;
    tracing::info!("application rejected");
    Ok(json(
        StatusCode::OK,
        &json!({ "receipt": receipt, "status": "rejected", "reason": reason }),
    ))
}

/// `POST /api/staff/families/{family_id}/letter`: a lost letter or a
/// forgotten password. Makes a new one-time initial password (the family
/// must change it at the next login), ends the family's sessions and
/// answers the new letter. The old password stops working.
pub async fn new_letter(ctx: Ctx, family_id: String) -> Result<Response, AccountError> {
    ctx.staff()?;
    let family_id: FamilyId = family_id
        .parse()
        .map_err(|_| AccountError::NotFound { code: "no_family" })?;
    let tree = &ctx.accounts().tree;
    let family = family::load(tree, &family_id)?;
    let app: Application =
        records::get(tree, &application::key(&family.receipt))?.ok_or(AccountError::NotFound {
            code: "no_application",
        })?;
    let password = new_initial_password()?;
    let hash = hash_password(password.clone()).await?;
    let record_key = family::key(&family_id);
    records::transact(tree, |tx| {
        let Some(mut family) = records::tx_get::<Family>(tx, &record_key)? else {
            return records::abort(AccountError::NotFound { code: "no_family" });
        };
        family.password_hash = hash.clone();
        family.must_change_password = true;
        records::tx_put(tx, &record_key, &family)
    })?;
    ctx.accounts()
        .sessions
        .revoke_where(|who| matches!(who, Identity::Guardian { family } if *family == family_id))?;
    ctx.state.store.flush().await?;
    tracing::info!(family = %family_id, "new login letter issued");
    Ok(json(
        StatusCode::OK,
        &json!({
            "family_id": family_id,
            "login_id": family.login_id,
            "initial_password": password,
            "letter_html": letter_for(&ctx, &app, &family.login_id, &password),
        }),
    ))
}
