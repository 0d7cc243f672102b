//! Values across the JavaScript boundary.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Rust to JavaScript as plain JSON-shaped values: objects, not `Map`s, and `null` for
/// missing values, so the result survives `chrome.runtime` messaging and `chrome.storage`.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// JavaScript to Rust; the error names what was being read.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// `null` and `undefined` read as the type's default (an absent profile is the empty one).
#[cfg_attr(not(feature = "popup"), allow(dead_code))]
pub(crate) fn from_js_or_default<T: DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, JsError> {
    if value.is_null() || value.is_undefined() {
        Ok(T::default())
    } else {
        from_js(value, what)
    }
}
