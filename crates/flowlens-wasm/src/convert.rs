//! Values across the JavaScript boundary.
//!
//! The view module takes and gives JSON strings: what the extension stores is JSON already
//! (chunks of events, states), one string crosses at the cost of a copy where an object graph
//! would cross field by field, and one (de)serializer (serde_json) serves every type, which
//! keeps the first-paint module small. The recorder and the files module also take the
//! browser's objects as they are (serde-wasm-bindgen).

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Rust to JavaScript as plain JSON-shaped values: objects, not `Map`s, and `null` for
/// missing values, so the result survives `chrome.runtime` messaging and `chrome.storage`.
#[cfg(any(feature = "worker", feature = "files"))]
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// JavaScript to Rust; the error names what was being read.
#[cfg(feature = "worker")]
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// A JSON string to Rust; the error names what was being read.
#[cfg(feature = "view")]
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> Result<T, JsError> {
    serde_json::from_str(json).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// A JSON string or nothing (`null`, `undefined`, `"null"`): nothing reads as the type's
/// default (an absent profile is the empty one).
#[cfg(feature = "view")]
pub(crate) fn from_json_or_default<T: DeserializeOwned + Default>(
    json: Option<String>,
    what: &str,
) -> Result<T, JsError> {
    match json.as_deref() {
        None | Some("null") => Ok(T::default()),
        Some(json) => from_json(json, what),
    }
}

/// Rust to a JSON string.
#[cfg(feature = "view")]
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))
}
