//! Saving a report file: fetched with the staff bearer token (a plain link
//! could not send it), wrapped in a `Blob`, handed to the browser through
//! an object URL on a temporary `<a download>`.
//!
//! `Blob` and `URL` are reached through `js_sys::Reflect`, so the crate's
//! `web-sys` feature list stays as it is.

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::services::api::{self, ApiError, Method};

/// How long the object URL lives after the click: the browser has taken
/// the bytes by then.
const REVOKE_AFTER_MS: i32 = 60_000;

/// Fetches `path` with `token` and saves it as `file_name` of type `mime`.
pub async fn save(path: &str, token: &str, file_name: &str, mime: &str) -> Result<(), ApiError> {
    let bytes = api::request_bytes(Method::Get, path, Some(token)).await?;
    offer(&bytes, file_name, mime)
        .map_err(|_| ApiError::Body("the browser refused to save the file".to_owned()))
}

fn offer(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let global: &JsValue = window.as_ref();
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = Object::new();
    Reflect::set(&options, &"type".into(), &mime.into())?;
    let blob_class: Function = Reflect::get(global, &"Blob".into())?.dyn_into()?;
    let blob = Reflect::construct(&blob_class, &Array::of2(&parts, &options))?;
    let url_class = Reflect::get(global, &"URL".into())?;
    let create: Function = Reflect::get(&url_class, &"createObjectURL".into())?.dyn_into()?;
    let url = create.call1(&url_class, &blob)?;
    let href = url
        .as_string()
        .ok_or_else(|| JsValue::from_str("no object url"))?;

    let document = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link: web_sys::HtmlElement = document.create_element("a")?.dyn_into()?;
    link.set_attribute("href", &href)?;
    link.set_attribute("download", file_name)?;
    link.set_attribute("hidden", "")?;
    let body = document.body();
    if let Some(body) = &body {
        body.append_child(&link)?;
    }
    link.click();
    if let Some(body) = &body {
        let _ = body.remove_child(&link);
    }

    let revoke = Closure::once_into_js(move || {
        if let Ok(revoke) = Reflect::get(&url_class, &"revokeObjectURL".into())
            .and_then(|f| f.dyn_into::<Function>())
        {
            let _ = revoke.call1(&url_class, &url);
        }
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(
        revoke.unchecked_ref(),
        REVOKE_AFTER_MS,
    )?;
    Ok(())
}
