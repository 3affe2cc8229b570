//! The kiosk's IndexedDB: document chunks and small settings, written in
//! one transaction per batch and awaited until the browser says it is
//! durable (`complete`), so 「受付しました」 is shown only after the visit is
//! stored.
//!
//! Two object stores: `chunks` (key `"<doc name>\u{1}<seq, 10 digits>"`,
//! value the chunk's bytes) and `meta` (string keys, string or byte values).

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode,
};

const VERSION: u32 = 1;
const CHUNKS: &str = "chunks";
const META: &str = "meta";

/// Why the device's storage could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError(pub String);

impl StorageError {
    fn from_js(what: &str, value: &JsValue) -> StorageError {
        let detail = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown".to_owned());
        StorageError(format!("{what}: {detail}"))
    }
}

/// One write to make atomically with others.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Store chunk number `seq` of document `doc`.
    PutChunk {
        doc: String,
        seq: u32,
        bytes: Vec<u8>,
    },
    /// Delete every chunk of `doc` numbered below `below`.
    DropChunksBelow { doc: String, below: u32 },
    /// Delete every chunk of `doc`.
    DropDoc { doc: String },
    /// Set a setting to text.
    PutText { key: String, value: String },
    /// Set a setting to bytes.
    PutBytes { key: String, value: Vec<u8> },
    /// Remove a setting.
    Delete { key: String },
}

/// An open database.
#[derive(Debug, Clone)]
pub struct Idb {
    db: IdbDatabase,
}

fn chunk_key(doc: &str, seq: u32) -> String {
    format!("{doc}\u{1}{seq:010}")
}

/// Every chunk key of `doc`: the separator sorts below every digit.
fn doc_range(doc: &str) -> Result<IdbKeyRange, JsValue> {
    IdbKeyRange::bound(
        &JsValue::from_str(&format!("{doc}\u{1}")),
        &JsValue::from_str(&format!("{doc}\u{2}")),
    )
}

/// The keys from `lower` to `upper`, both included.
fn bounds(lower: &str, upper: &str) -> Result<IdbKeyRange, StorageError> {
    IdbKeyRange::bound(&JsValue::from_str(lower), &JsValue::from_str(upper))
        .map_err(|e| StorageError::from_js("range", &e))
}

/// The keys of `store` in `range`, in order.
async fn keys_in(store: &IdbObjectStore, range: &IdbKeyRange) -> Result<JsValue, StorageError> {
    request(
        &store
            .get_all_keys_with_key(range)
            .map_err(|e| StorageError::from_js("keys", &e))?,
        "keys",
    )
    .await
}

/// Waits for a request's `success` (its result) or `error`.
async fn request(req: &IdbRequest, what: &str) -> Result<JsValue, StorageError> {
    let promise = Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| StorageError::from_js(what, &e))?;
    req.result().map_err(|e| StorageError::from_js(what, &e))
}

/// Waits until a transaction is durable (`complete`), or failed.
async fn completion(tx: &IdbTransaction) -> Result<(), StorageError> {
    let promise = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(|_| {
        StorageError(format!(
            "the write was not stored ({:?})",
            tx.error().map(|e| e.message())
        ))
    })
}

impl Idb {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Idb, StorageError> {
        let factory = web_sys::window()
            .ok_or_else(|| StorageError("no window".to_owned()))?
            .indexed_db()
            .map_err(|e| StorageError::from_js("indexedDB", &e))?
            .ok_or_else(|| StorageError("this browser has no IndexedDB".to_owned()))?;
        let open = factory
            .open_with_u32(name, VERSION)
            .map_err(|e| StorageError::from_js("open", &e))?;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(db) = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
            else {
                return;
            };
            let names = db.object_store_names();
            for store in [CHUNKS, META] {
                if !names.contains(store) {
                    // An error here aborts the upgrade, which fails `open` below.
                    let _ = db.create_object_store(store);
                }
            }
        });
        open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let result = request(&open, "open").await;
        open.set_onupgradeneeded(None);
        drop(upgrade);
        let db = result?
            .dyn_into::<IdbDatabase>()
            .map_err(|_| StorageError("open gave no database".to_owned()))?;
        Ok(Idb { db })
    }

    fn store(
        &self,
        name: &str,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), StorageError> {
        let tx = self
            .db
            .transaction_with_str_and_mode(name, mode)
            .map_err(|e| StorageError::from_js("transaction", &e))?;
        let store = tx
            .object_store(name)
            .map_err(|e| StorageError::from_js("store", &e))?;
        Ok((tx, store))
    }

    /// The names of the documents with chunks stored whose names start
    /// with `prefix`, in order.
    pub async fn stored_docs(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let (_tx, store) = self.store(CHUNKS, IdbTransactionMode::Readonly)?;
        let range = bounds(prefix, &format!("{prefix}\u{ffff}"))?;
        let keys = keys_in(&store, &range).await?;
        let mut docs: Vec<String> = Array::from(&keys)
            .iter()
            .filter_map(|k| k.as_string())
            .filter_map(|k| k.split_once('\u{1}').map(|(doc, _)| doc.to_owned()))
            .collect();
        docs.dedup();
        Ok(docs)
    }

    /// Every chunk of `doc`, in order, with its number.
    pub async fn chunks(&self, doc: &str) -> Result<Vec<(u32, Vec<u8>)>, StorageError> {
        let entries = self
            .range(CHUNKS, &format!("{doc}\u{1}"), &format!("{doc}\u{2}"))
            .await?;
        entries
            .into_iter()
            .map(|(key, bytes)| {
                let seq = key
                    .rsplit('\u{1}')
                    .next()
                    .and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| StorageError("a stored chunk has a bad key".to_owned()))?;
                Ok((seq, bytes))
            })
            .collect()
    }

    /// The keys and byte values of `store` from `lower` to `upper`, in key
    /// order; an entry that is not bytes is an error.
    async fn range(
        &self,
        store: &str,
        lower: &str,
        upper: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        let (_tx, store) = self.store(store, IdbTransactionMode::Readonly)?;
        let range = bounds(lower, upper)?;
        let keys = keys_in(&store, &range).await?;
        let values = request(
            &store
                .get_all_with_key(&range)
                .map_err(|e| StorageError::from_js("values", &e))?,
            "values",
        )
        .await?;
        Array::from(&keys)
            .iter()
            .zip(Array::from(&values).iter())
            .map(|(k, v)| {
                let key = k
                    .as_string()
                    .ok_or_else(|| StorageError("a stored key is not text".to_owned()))?;
                let bytes = v
                    .dyn_into::<Uint8Array>()
                    .map_err(|_| StorageError(format!("{key} is not bytes")))?
                    .to_vec();
                Ok((key, bytes))
            })
            .collect()
    }

    /// A setting stored as text.
    pub async fn text(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.meta(key).await?.and_then(|v| v.as_string()))
    }

    /// Every setting whose key starts with `prefix`, as bytes.
    pub async fn bytes_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        self.range(META, prefix, &format!("{prefix}\u{ffff}")).await
    }

    async fn meta(&self, key: &str) -> Result<Option<JsValue>, StorageError> {
        let (_tx, store) = self.store(META, IdbTransactionMode::Readonly)?;
        let value = request(
            &store
                .get(&JsValue::from_str(key))
                .map_err(|e| StorageError::from_js("get", &e))?,
            "get",
        )
        .await?;
        Ok((!value.is_undefined()).then_some(value))
    }

    /// Makes every write in `writes` at once, and returns when the browser
    /// has stored them (or none of them).
    pub async fn write(&self, writes: &[Write]) -> Result<(), StorageError> {
        if writes.is_empty() {
            return Ok(());
        }
        let names = Array::of2(&JsValue::from_str(CHUNKS), &JsValue::from_str(META));
        let tx = self
            .db
            .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)
            .map_err(|e| StorageError::from_js("transaction", &e))?;
        let chunks = tx
            .object_store(CHUNKS)
            .map_err(|e| StorageError::from_js("store", &e))?;
        let meta = tx
            .object_store(META)
            .map_err(|e| StorageError::from_js("store", &e))?;
        let queued: Result<(), JsValue> = writes.iter().try_for_each(|w| {
            match w {
                Write::PutChunk { doc, seq, bytes } => {
                    chunks.put_with_key(
                        &Uint8Array::from(bytes.as_slice()),
                        &JsValue::from_str(&chunk_key(doc, *seq)),
                    )?;
                }
                Write::DropChunksBelow { doc, below } => {
                    let range = IdbKeyRange::bound_with_lower_open_and_upper_open(
                        &JsValue::from_str(&chunk_key(doc, 0)),
                        &JsValue::from_str(&chunk_key(doc, *below)),
                        false,
                        true,
                    )?;
                    chunks.delete(&range)?;
                }
                Write::DropDoc { doc } => {
                    let range = doc_range(doc)?;
                    chunks.delete(&range)?;
                }
                Write::PutText { key, value } => {
                    meta.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))?;
                }
                Write::PutBytes { key, value } => {
                    meta.put_with_key(
                        &Uint8Array::from(value.as_slice()),
                        &JsValue::from_str(key),
                    )?;
                }
                Write::Delete { key } => {
                    meta.delete(&JsValue::from_str(key))?;
                }
            }
            Ok(())
        });
        if let Err(e) = queued {
            let _ = tx.abort();
            return Err(StorageError::from_js("write", &e));
        }
        completion(&tx).await
    }
}
