//! Staff accounts (administrators and room staff) and their login.
//!
//! Administrators create staff accounts with a password they hand over;
//! like a family's, it is stored only as an argon2id hash. Staff login is
//! throttled exactly as guardian login is.

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::RoomId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::credentials::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, hash_password, verify_password};
use super::error::{AccountError, FieldErrors, Message, conflicts};
use super::{Ctx, json, parse, records};
use crate::auth::{Identity, SESSION_SECONDS, StaffRole};
use crate::city::City;

/// A staff account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffAccount {
    /// What the staff member types to log in (`[a-z0-9._-]`, 3–32).
    pub login_id: String,
    /// The name shown in the staff console and on records.
    pub display_name: String,
    /// Administrator or room staff.
    pub role: StaffRole,
    /// The room of room staff.
    pub room: Option<RoomId>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// The record key of a staff account.
pub fn key(login_id: &str) -> String {
    format!("staff/{login_id}")
}

/// A staff login id as typed, normalized: trimmed, lower case.
pub fn normalize_login_id(typed: &str) -> String {
    super::credentials::half_width(typed)
        .trim()
        .to_ascii_lowercase()
}

/// What an administrator asks for when making a staff account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StaffForm {
    /// Login id.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// `administrator` or `room_staff`.
    pub role: Option<StaffRole>,
    /// `R01` …, required for room staff.
    pub room: Option<String>,
    /// The first password.
    pub password: String,
}

/// Checks a staff form; answers the normalized login id, role and room.
pub fn validate(
    form: &StaffForm,
    city: &City,
) -> Result<(String, StaffRole, Option<RoomId>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let login_id = normalize_login_id(&form.login_id);
    if !(3..=32).contains(&login_id.len())
        || !login_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        errors.insert(
            "login_id".into(),
            Message::new(
                "ログインIDは英小文字・数字・._- の3〜32文字です。",
                "The login ID is 3–32 lower-case letters, digits, '.', '_' or '-'.",
            ),
        );
    }
    if form.display_name.trim().is_empty() || form.display_name.chars().count() > 50 {
        errors.insert(
            "display_name".into(),
            Message::new(
                "表示名を50文字以内で入力してください。",
                "Enter a display name of at most 50 characters.",
            ),
        );
    }
    let chars = form.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        errors.insert(
            "password".into(),
            Message::new(
                "パスワードは8〜128文字にしてください。",
                "Use 8–128 characters.",
            ),
        );
    }
    let room = form
        .room
        .as_deref()
        .map(|r| r.parse::<RoomId>().ok().filter(|r| city.room(*r).is_some()));
    let role = form.role;
    match (role, room) {
        (None, _) => {
            errors.insert(
                "role".into(),
                Message::new(
                    "役割を選んでください。",
                    "Choose administrator or room_staff.",
                ),
            );
        }
        (Some(_), Some(None)) | (Some(StaffRole::RoomStaff), None) => {
            errors.insert(
                "room".into(),
                Message::new(
                    "担当ルームを選んでください。",
                    "Choose the staff member's room.",
                ),
            );
        }
        _ => {}
    }
    match (errors.is_empty(), role) {
        (true, Some(role)) => {
            let room = match role {
                StaffRole::Administrator => None,
                StaffRole::RoomStaff => room.flatten(),
            };
            Ok((login_id, role, room))
        }
        _ => Err(errors),
    }
}

/// Creates a staff account (for `POST /api/admin/staff` and the demo).
pub async fn create_account(
    tree: &sled::Tree,
    form: &StaffForm,
    city: &City,
    now: Timestamp,
) -> Result<StaffAccount, AccountError> {
    let (login_id, role, room) = validate(form, city).map_err(AccountError::Invalid)?;
    let account = StaffAccount {
        login_id: login_id.clone(),
        display_name: form.display_name.trim().to_owned(),
        role,
        room,
        password_hash: hash_password(form.password.clone()).await?,
        created_at: now,
    };
    let record_key = key(&login_id);
    records::transact(tree, |tx| {
        if tx.get(&record_key)?.is_some() {
            return records::abort(AccountError::Conflict {
                code: "login_taken",
                message: &conflicts::LOGIN_TAKEN,
            });
        }
        records::tx_put(tx, &record_key, &account)
    })?;
    Ok(account)
}

fn staff_view(account: &StaffAccount) -> serde_json::Value {
    json!({
        "login_id": account.login_id,
        "display_name": account.display_name,
        "role": account.role,
        "room": account.room,
        "created_at": account.created_at,
    })
}

/// `POST /api/admin/staff`: an administrator makes a staff account.
pub async fn create(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    ctx.admin()?;
    let form: StaffForm = parse(&body)?;
    let account = create_account(&ctx.accounts().tree, &form, &ctx.state.city, ctx.now).await?;
    ctx.state.store.flush().await?;
    tracing::info!(role = ?account.role, "staff account created");
    Ok(json(StatusCode::CREATED, &staff_view(&account)))
}

/// `GET /api/admin/staff`: every staff account (never a hash).
pub async fn list(ctx: Ctx) -> Result<Response, AccountError> {
    ctx.admin()?;
    let staff: Vec<_> = records::scan::<StaffAccount>(&ctx.accounts().tree, "staff/")?
        .iter()
        .map(|(_, a)| staff_view(a))
        .collect();
    Ok(json(StatusCode::OK, &json!({ "staff": staff })))
}

#[derive(Deserialize)]
struct LoginForm {
    login_id: String,
    password: String,
}

/// `POST /api/staff/login`: a staff session. Throttled per login id and address.
pub async fn login(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let form: LoginForm = parse(&body)?;
    let login_id = normalize_login_id(&form.login_id);
    let id_key = format!("staff:{login_id}");
    let addr_key = ctx.addr_key();
    let accounts = ctx.accounts();
    let now = ctx.now.0;
    accounts.throttle.check_login(&id_key, &addr_key, now)?;
    let account: Option<StaffAccount> = records::get(&accounts.tree, &key(&login_id))?;
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = verify_password(form.password, hash).await;
    let account = match account {
        Some(account) if matches => account,
        _ => {
            accounts.throttle.login_failed(&id_key, &addr_key, now);
            tracing::info!("staff login refused");
            return Err(AccountError::BadCredentials);
        }
    };
    accounts.throttle.succeed(&id_key);
    let identity = Identity::Staff {
        account: account.login_id.clone(),
        role: account.role,
        room: account.room,
    };
    let token = ctx.new_session(&identity, SESSION_SECONDS)?;
    tracing::info!(role = ?account.role, "staff logged in");
    Ok(json(
        StatusCode::OK,
        &json!({
            "token": token,
            "login_id": account.login_id,
            "display_name": account.display_name,
            "role": account.role,
            "room": account.room,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_forms_are_checked() {
        let city = City::demo();
        let form = |login: &str, role: Option<StaffRole>, room: Option<&str>| StaffForm {
            login_id: login.into(),
            display_name: "中央 職員".into(),
            role,
            room: room.map(Into::into),
            password: "long-enough".into(),
        };
        assert_eq!(
            validate(
                &form(" R01-Staff ", Some(StaffRole::RoomStaff), Some("R01")),
                &city
            ),
            Ok(("r01-staff".into(), StaffRole::RoomStaff, Some(RoomId(1))))
        );
        assert_eq!(
            validate(&form("admin", Some(StaffRole::Administrator), None), &city),
            Ok(("admin".into(), StaffRole::Administrator, None))
        );
        let fields = |f: StaffForm| {
            validate(&f, &city)
                .expect_err("invalid")
                .into_keys()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(form("r1", Some(StaffRole::RoomStaff), Some("R01"))),
            ["login_id"]
        );
        assert_eq!(
            fields(form("room1", Some(StaffRole::RoomStaff), None)),
            ["room"]
        );
        assert_eq!(
            fields(form("room1", Some(StaffRole::RoomStaff), Some("R99"))),
            ["room"]
        );
        assert_eq!(fields(form("room1", None, None)), ["role"]);
    }
}
