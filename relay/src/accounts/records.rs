//! Typed JSON records in the accounts tree, and transactions over them.
//!
//! Every account record (applications, families, staff, devices, pairing
//! codes, challenges, login indexes) lives in the one sled tree `accounts`
//! under a key prefix. One tree means one sled transaction can cover every
//! record an action writes, so nothing is ever half-written: an approval
//! writes the application's decision, the family and its login index
//! together or not at all.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::error::AccountError;
use crate::store::StoreError;

/// The error type inside a transaction closure.
pub type TxError = ConflictableTransactionError<AccountError>;

/// A damaged record's error. The reason names where parsing failed, never
/// the text around it, because records hold personal data and this error
/// is logged.
fn damaged(key: &str, e: &serde_json::Error) -> AccountError {
    AccountError::Store(StoreError::Damaged {
        key: key.to_owned(),
        reason: format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, AccountError> {
    serde_json::from_slice(bytes).map_err(|e| damaged(key, &e))
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, AccountError> {
    serde_json::to_vec(value).map_err(|e| damaged(key, &e))
}

/// Reads one record.
pub fn get<T: DeserializeOwned>(tree: &sled::Tree, key: &str) -> Result<Option<T>, AccountError> {
    match tree.get(key)? {
        Some(bytes) => decode(key, &bytes).map(Some),
        None => Ok(None),
    }
}

/// Writes one record on its own (for records no other write depends on).
pub fn put<T: Serialize>(tree: &sled::Tree, key: &str, value: &T) -> Result<(), AccountError> {
    tree.insert(key, encode(key, value)?)?;
    Ok(())
}

/// Every record under `prefix`, in key order, with its key.
pub fn scan<T: DeserializeOwned>(
    tree: &sled::Tree,
    prefix: &str,
) -> Result<Vec<(String, T)>, AccountError> {
    tree.scan_prefix(prefix)
        .map(|entry| {
            let (key, bytes) = entry?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let value = decode(&key, &bytes)?;
            Ok((key, value))
        })
        .collect()
}

/// Reads a record inside a transaction.
pub fn tx_get<T: DeserializeOwned>(
    tx: &TransactionalTree,
    key: &str,
) -> Result<Option<T>, TxError> {
    match tx.get(key)? {
        Some(bytes) => decode(key, &bytes)
            .map(Some)
            .map_err(ConflictableTransactionError::Abort),
        None => Ok(None),
    }
}

/// Writes a record inside a transaction.
pub fn tx_put<T: Serialize>(tx: &TransactionalTree, key: &str, value: &T) -> Result<(), TxError> {
    let bytes = encode(key, value).map_err(ConflictableTransactionError::Abort)?;
    tx.insert(key, bytes)?;
    Ok(())
}

/// Aborts a transaction with `error`.
pub fn abort<T>(error: AccountError) -> Result<T, TxError> {
    Err(ConflictableTransactionError::Abort(error))
}

/// Runs `f` as one sled transaction over the accounts tree: every write in
/// it lands, or none does. sled may run `f` more than once on conflicts, so
/// `f` must only read and write through `tx`.
pub fn transact<R>(
    tree: &sled::Tree,
    f: impl Fn(&TransactionalTree) -> Result<R, TxError>,
) -> Result<R, AccountError> {
    tree.transaction(f).map_err(|e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => AccountError::from(e),
    })
}
