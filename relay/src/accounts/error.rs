//! The one error type of the accounts API, and how it is worded for people.
//!
//! Every failure carries a stable `code` for programs and a message in
//! Japanese and English for people; validation failures add a per-field map
//! so a form can put each message next to its field. Nothing personal is
//! ever part of a message: it names fields, never their values.

use std::collections::BTreeMap;

use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;

use crate::issuer::IssueError;
use crate::store::StoreError;

/// A message for a person, in both languages the apps speak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Japanese, shown first.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Message {
    /// A message from two static texts.
    pub fn new(ja: &str, en: &str) -> Message {
        Message {
            ja: ja.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// What is wrong with each field of a form, keyed by the field's path
/// (`phone`, `children[1].birth_date`).
pub type FieldErrors = BTreeMap<String, Message>;

/// Why an accounts request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// One or more fields are invalid.
    #[error("invalid input in {} field(s)", .0.len())]
    Invalid(FieldErrors),
    /// The body is not the JSON the endpoint expects.
    #[error("the request body is not valid json: {0}")]
    BadJson(String),
    /// No valid session.
    #[error("not logged in")]
    Unauthorized,
    /// The session may only change its password.
    #[error("the initial password must be changed first")]
    PasswordChangeRequired,
    /// The caller's role may not do this.
    #[error("not allowed for this role")]
    Forbidden,
    /// Wrong login id or password (never says which).
    #[error("wrong login id or password")]
    BadCredentials,
    /// Too many failed attempts; try again later.
    #[error("too many attempts, retry in {retry_after_seconds} s")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_seconds: u64,
    },
    /// The thing asked for does not exist (or is not the caller's).
    #[error("{code}")]
    NotFound {
        /// Stable code, e.g. `no_application`.
        code: &'static str,
    },
    /// The request conflicts with the current state (decided twice, a used
    /// pairing code, a pass before rooms are chosen …).
    #[error("{code}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// Why, for a person.
        message: &'static StaticMessage,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or the trust documents failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// Something that should not happen (a poisoned lock, a failed task).
    #[error("internal error: {0}")]
    Internal(String),
}

/// A static bilingual message, for error constants.
#[derive(Debug)]
pub struct StaticMessage {
    /// Japanese.
    pub ja: &'static str,
    /// English.
    pub en: &'static str,
}

impl warp::reject::Reject for AccountError {}

impl From<sled::Error> for AccountError {
    fn from(e: sled::Error) -> Self {
        AccountError::Store(StoreError::Sled(e))
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    message_ja: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

impl AccountError {
    /// The HTTP status, stable code and bilingual message of this error.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str, &'static str) {
        use AccountError as E;
        match self {
            E::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Some fields need fixing; see `fields`.",
                "入力内容に誤りがあります。各項目をご確認ください。",
            ),
            E::BadJson(_) => (
                StatusCode::BAD_REQUEST,
                "bad_json",
                "The request body is not the JSON this address expects.",
                "送信内容の形式が正しくありません。",
            ),
            E::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Please log in.",
                "ログインしてください。",
            ),
            E::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Please change your initial password first.",
                "はじめに初期パスワードを変更してください。",
            ),
            E::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your account may not do this.",
                "この操作を行う権限がありません。",
            ),
            E::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "The login ID or password is wrong.",
                "ログインIDまたはパスワードが違います。",
            ),
            E::Throttled { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Too many failed attempts. Please try again later (see retry_after_seconds).",
                "失敗が続いたため、しばらくお待ちください（retry_after_seconds 秒後に再試行できます）。",
            ),
            E::NotFound { code } => (
                StatusCode::NOT_FOUND,
                code,
                "There is no such record, or it is not yours.",
                "該当するデータがありません。",
            ),
            E::Conflict { code, message } => (StatusCode::CONFLICT, code, message.en, message.ja),
            E::Store(_) | E::Issue(_) | E::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The relay could not complete this. Please try again.",
                "処理できませんでした。もう一度お試しください。",
            ),
        }
    }

    /// The JSON reply `{code, message, message_ja, fields?, retry_after_seconds?}`,
    /// with a `Retry-After` header when throttled.
    pub fn to_response(&self) -> warp::reply::Response {
        let (status, code, en, ja) = self.parts();
        if status.is_server_error() {
            // The error's text names records and causes, never personal data.
            tracing::error!(error = %self, "accounts request failed");
        }
        let retry = match self {
            AccountError::Throttled {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let fields = match self {
            AccountError::Invalid(fields) => Some(fields),
            _ => None,
        };
        let body = Body {
            code,
            message: en,
            message_ja: ja,
            fields,
            retry_after_seconds: retry,
        };
        let mut res = warp::reply::with_status(warp::reply::json(&body), status).into_response();
        if let Some(seconds) = retry {
            if let Ok(value) = warp::http::HeaderValue::from_str(&seconds.to_string()) {
                res.headers_mut().insert("retry-after", value);
            }
        }
        res
    }
}

/// Conflict messages, one constant per situation.
pub mod conflicts {
    use super::StaticMessage;

    /// An application was already approved or rejected.
    pub const ALREADY_DECIDED: StaticMessage = StaticMessage {
        ja: "この申請はすでに処理済みです。",
        en: "This application has already been decided.",
    };
    /// A pairing code was used, expired or never existed.
    pub const CODE_UNUSABLE: StaticMessage = StaticMessage {
        ja: "このペアリングコードは使えません（使用済み・期限切れ・誤り）。",
        en: "This pairing code cannot be used (already used, expired or wrong).",
    };
    /// A device challenge was used, expired or never issued.
    pub const CHALLENGE_UNUSABLE: StaticMessage = StaticMessage {
        ja: "認証チャレンジが無効です。もう一度やり直してください。",
        en: "The challenge is unknown, used or expired; ask for a new one.",
    };
    /// A pass is asked for before any room is registered.
    pub const NO_ROOMS: StaticMessage = StaticMessage {
        ja: "先に利用するルームを登録してください。",
        en: "Register for at least one room first.",
    };
    /// A login id is already taken.
    pub const LOGIN_TAKEN: StaticMessage = StaticMessage {
        ja: "このログインIDはすでに使われています。",
        en: "This login ID is already taken.",
    };
    /// A device has been revoked.
    pub const DEVICE_REVOKED: StaticMessage = StaticMessage {
        ja: "この端末は登録が取り消されています。",
        en: "This device's enrolment has been revoked.",
    };
}
