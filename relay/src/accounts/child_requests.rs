//! A guardian's request to add a child (a newborn, say) and its review by
//! staff at any room.
//!
//! The request is stored on its own (`childreq/<family>/<request id>`,
//! with `childreq-id/<request id>` naming the family and
//! `childreq-sub/<family>/<submission id>` making a retried submit answer
//! the first request). Approval adds the child to the family and, if the
//! family has an app pass, reissues it (serial + 1, the old serial revoked)
//! so the QR carries the new child's birth month.

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::FamilyId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::application::{Child, ChildForm, check_child};
use super::credentials::random_groups;
use super::error::{AccountError, FieldErrors, Message, conflicts};
use super::family::{self, Family};
use super::issuance::{Target, pass_view, sign_and_store};
use super::review::{ListQuery, reject_reason};
use super::{Ctx, json, parse, records};

/// How many fresh request ids to try before giving up.
const ID_ATTEMPTS: usize = 3;
/// Pending requests a family may have at once (a guard against a loop).
const MAX_PENDING: usize = 10;

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChildDecision {
    Pending,
    Approved {
        decided_at: Timestamp,
        decided_by: String,
        /// The child's index in the family.
        child_index: usize,
    },
    Rejected {
        decided_at: Timestamp,
        decided_by: String,
        /// Told to the guardian.
        reason: String,
    },
}

/// A request to add a child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildRequest {
    pub request_id: String,
    pub family_id: FamilyId,
    pub child: Child,
    pub submitted_at: Timestamp,
    pub decision: ChildDecision,
}

fn key(family: &FamilyId, request_id: &str) -> String {
    format!("childreq/{family}/{request_id}")
}

fn id_key(request_id: &str) -> String {
    format!("childreq-id/{request_id}")
}

fn submission_key(family: &FamilyId, submission_id: &str) -> String {
    format!("childreq-sub/{family}/{submission_id}")
}

/// A request as its family sees it.
fn guardian_view(r: &ChildRequest) -> serde_json::Value {
    let (status, reason) = match &r.decision {
        ChildDecision::Pending => ("pending", None),
        ChildDecision::Approved { .. } => ("approved", None),
        ChildDecision::Rejected { reason, .. } => ("rejected", Some(reason)),
    };
    json!({
        "request_id": r.request_id,
        "name": r.child.name,
        "kana": r.child.kana,
        "birth_date": r.child.birth_date,
        "submitted_at": r.submitted_at,
        "status": status,
        "reason": reason,
    })
}

/// The family's requests, oldest first, as `GET /api/family` lists them.
pub fn family_requests(
    tree: &sled::Tree,
    family: &FamilyId,
) -> Result<Vec<serde_json::Value>, AccountError> {
    let mut requests: Vec<ChildRequest> = records::scan(tree, &format!("childreq/{family}/"))?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    requests.sort_by_key(|r| r.submitted_at);
    Ok(requests.iter().map(guardian_view).collect())
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    submission_id: String,
    #[serde(flatten)]
    child: ChildForm,
}

/// `POST /api/family/children`: asks staff to add a child.
pub async fn submit(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let family_id = ctx.guardian()?;
    let form: RequestForm = parse(&body)?;
    let mut errors = FieldErrors::new();
    let submission_id = form.submission_id.trim().to_owned();
    if !(8..=64).contains(&submission_id.len())
        || !submission_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errors.insert(
            "submission_id".to_owned(),
            Message::new(
                "送信IDが不正です。ページを再読み込みしてください。",
                "submission_id must be 8–64 letters, digits, '-' or '_'.",
            ),
        );
    }
    let child = check_child(&form.child, ctx.now.jst_date(), |field, ja, en| {
        errors.insert(field.to_owned(), Message::new(ja, en));
    });
    let child = match child {
        Some(child) if errors.is_empty() => child,
        _ => return Err(AccountError::Invalid(errors)),
    };
    let tree = &ctx.accounts().tree;
    family::load(tree, &family_id)?;
    let sub_key = submission_key(&family_id, &submission_id);
    for _ in 0..ID_ATTEMPTS {
        let request_id = format!("CR-{}", random_groups(2)?);
        let request = ChildRequest {
            request_id: request_id.clone(),
            family_id: family_id.clone(),
            child: child.clone(),
            submitted_at: ctx.now,
            decision: ChildDecision::Pending,
        };
        let pending = records::scan::<ChildRequest>(tree, &format!("childreq/{family_id}/"))?
            .into_iter()
            .filter(|(_, r)| r.decision == ChildDecision::Pending)
            .count();
        let outcome = records::transact(tree, |tx| {
            if let Some(existing) = records::tx_get::<String>(tx, &sub_key)? {
                return Ok(Some((existing, false)));
            }
            if tx.get(id_key(&request_id))?.is_some() {
                return Ok(None);
            }
            if pending >= MAX_PENDING {
                return records::abort(AccountError::Invalid(FieldErrors::from([(
                    "name".to_owned(),
                    Message::new(
                        "確認待ちの申請が多すぎます。ルームの職員にお問い合わせください。",
                        "Too many requests are waiting; please ask the staff at a room.",
                    ),
                )])));
            }
            records::tx_put(tx, &key(&family_id, &request_id), &request)?;
            records::tx_put(tx, &id_key(&request_id), &family_id)?;
            records::tx_put(tx, &sub_key, &request_id)?;
            Ok(Some((request_id.clone(), true)))
        })?;
        if let Some((request_id, created)) = outcome {
            ctx.state.store.flush().await?;
            if created {
                tracing::info!(family = %family_id, "child request received");
            }
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            return Ok(json(
                status,
                &json!({ "request_id": request_id, "status": "pending", "duplicate": !created }),
            ));
        }
    }
    Err(AccountError::Internal(
        "could not draw a free request id".to_owned(),
    ))
}

/// `GET /api/staff/child-requests[?status=pending|approved|rejected|all]`:
/// oldest first, with the family's login id and first guardian so staff
/// know whom it concerns.
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
    let tree = &ctx.accounts().tree;
    let mut requests: Vec<ChildRequest> = records::scan(tree, "childreq/")?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r: &ChildRequest| {
            matches!(
                (&r.decision, status),
                (_, "all")
                    | (ChildDecision::Pending, "pending")
                    | (ChildDecision::Approved { .. }, "approved")
                    | (ChildDecision::Rejected { .. }, "rejected")
            )
        })
        .collect();
    requests.sort_by_key(|r| r.submitted_at);
    let mut out = Vec::with_capacity(requests.len());
    for r in &requests {
        let family = family::load(tree, &r.family_id)?;
        let guardian = records::get::<super::application::Application>(
            tree,
            &super::application::key(&family.receipt),
        )?
        .and_then(|app| app.details.guardians.first().map(|g| g.name.clone()))
        .unwrap_or_default();
        let mut view = guardian_view(r);
        if let Some(object) = view.as_object_mut() {
            object.insert("family_id".to_owned(), json!(r.family_id));
            object.insert("login_id".to_owned(), json!(family.login_id));
            object.insert("guardian".to_owned(), json!(guardian));
            object.insert("children".to_owned(), json!(family.children.len()));
        }
        out.push(view);
    }
    Ok(json(StatusCode::OK, &json!({ "requests": out })))
}

fn family_of_request(tree: &sled::Tree, request_id: &str) -> Result<FamilyId, AccountError> {
    records::get(tree, &id_key(request_id))?.ok_or(AccountError::NotFound { code: "no_request" })
}

/// `POST /api/staff/child-requests/{request_id}/approve`: adds the child
/// (request and family in one transaction) and reissues the app pass.
pub async fn approve(ctx: Ctx, request_id: String) -> Result<Response, AccountError> {
    let staff = ctx.staff()?;
    let tree = &ctx.accounts().tree;
    let family_id = family_of_request(tree, &request_id)?;
    let request_key = key(&family_id, &request_id);
    let family_key = family::key(&family_id);
    let child_index = records::transact(tree, |tx| {
        let Some(mut request) = records::tx_get::<ChildRequest>(tx, &request_key)? else {
            return records::abort(AccountError::NotFound { code: "no_request" });
        };
        if request.decision != ChildDecision::Pending {
            return records::abort(AccountError::Conflict {
                code: "already_decided",
                message: &conflicts::ALREADY_DECIDED,
            });
        }
        let Some(mut family) = records::tx_get::<Family>(tx, &family_key)? else {
            return records::abort(AccountError::NotFound { code: "no_family" });
        };
        family.children.push(request.child.clone());
        let child_index = family.children.len() - 1;
        request.decision = ChildDecision::Approved {
            decided_at: ctx.now,
            decided_by: staff.account.clone(),
            child_index,
        };
        records::tx_put(tx, &family_key, &family)?;
        records::tx_put(tx, &request_key, &request)?;
        Ok(child_index)
    })?;
    let has_pass = family::load(tree, &family_id)?.app_pass.is_some();
    let pass = if has_pass {
        Some(sign_and_store(
            &ctx.state,
            &family_id,
            None,
            Target::App,
            ctx.now,
        )?)
    } else {
        None
    };
    ctx.state.store.flush().await?;
    tracing::info!(family = %family_id, reissued = has_pass, "child request approved");
    Ok(json(
        StatusCode::OK,
        &json!({
            "request_id": request_id,
            "family_id": family_id,
            "child_index": child_index,
            "pass": pass.as_ref().map(pass_view),
        }),
    ))
}

/// `POST /api/staff/child-requests/{request_id}/reject` with `{reason}`.
pub async fn reject(ctx: Ctx, request_id: String, body: Vec<u8>) -> Result<Response, AccountError> {
    let staff = ctx.staff()?;
    let reason = reject_reason(&body)?;
    let tree = &ctx.accounts().tree;
    let family_id = family_of_request(tree, &request_id)?;
    let request_key = key(&family_id, &request_id);
    records::transact(tree, |tx| {
        let Some(mut request) = records::tx_get::<ChildRequest>(tx, &request_key)? else {
            return records::abort(AccountError::NotFound { code: "no_request" });
        };
        if request.decision != ChildDecision::Pending {
            return records::abort(AccountError::Conflict {
                code: "already_decided",
                message: &conflicts::ALREADY_DECIDED,
            });
        }
        request.decision = ChildDecision::Rejected {
            decided_at: ctx.now,
            decided_by: staff.account.clone(),
            reason: reason.clone(),
        };
        records::tx_put(tx, &request_key, &request)
    })?;
    ctx.state.store.flush().await?;
    tracing::info!(family = %family_id, "child request rejected");
    Ok(json(
        StatusCode::OK,
        &json!({ "request_id": request_id, "status": "rejected", "reason": reason }),
    ))
}
