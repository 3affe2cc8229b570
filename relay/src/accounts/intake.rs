//! Submitting the public application: validation, receipt number, and
//! idempotency by the client's `submission_id`.

use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::application::{self, Application, ApplicationForm, Decision};
use super::credentials::new_receipt;
use super::error::AccountError;
use super::{Ctx, json, parse, records};

/// How many fresh receipt numbers to try before giving up (a clash among
/// 31^8 numbers is already rare).
const RECEIPT_ATTEMPTS: usize = 3;

/// `POST /api/applications` (public): stores a valid application and
/// answers its receipt number. A retry with the same `submission_id`
/// answers the first receipt (200) instead of storing a second application.
pub async fn submit(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: ApplicationForm = parse(&body)?;
    let details =
        application::validate(&form, ctx.now.jst_date()).map_err(AccountError::Invalid)?;
    let submission_id = form.submission_id.trim().to_owned();
    let sub_key = application::submission_key(&submission_id);
    for _ in 0..RECEIPT_ATTEMPTS {
        let receipt = new_receipt()?;
        let app = Application {
            receipt: receipt.clone(),
            submission_id: submission_id.clone(),
            submitted_at: ctx.now,
            details: details.clone(),
            decision: Decision::Pending,
        };
        let outcome = records::transact(&ctx.accounts().tree, |tx| {
            if let Some(existing) = records::tx_get::<String>(tx, &sub_key)? {
                return Ok(Some((existing, false)));
            }
            if tx.get(application::key(&receipt))?.is_some() {
                return Ok(None);
            }
            records::tx_put(tx, &application::key(&receipt), &app)?;
            records::tx_put(tx, &sub_key, &receipt)?;
            Ok(Some((receipt.clone(), true)))
        })?;
        if let Some((receipt, created)) = outcome {
            // On disk before the receipt is answered: a receipt the phone
            // shows must survive a crash (a retry flushes too, since the
            // first answer may have been lost before its own flush).
            ctx.state.store.flush().await?;
            if created {
                tracing::info!("application received");
            }
            // A retry answers where the first submission stands now.
            let decision =
                records::get::<Application>(&ctx.accounts().tree, &application::key(&receipt))?
                    .map_or(Decision::Pending, |app| app.decision);
            let state = match decision {
                Decision::Pending => "pending",
                Decision::Approved { .. } => "approved",
                Decision::Rejected { .. } => "rejected",
            };
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            return Ok(json(
                status,
                &json!({ "receipt": receipt, "status": state, "duplicate": !created }),
            ));
        }
    }
    Err(AccountError::Internal("no free receipt number".to_owned()))
}
