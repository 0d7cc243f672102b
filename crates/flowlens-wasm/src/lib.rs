//! Flowlens in the browser: the wasm-bindgen surface the extension uses.
//!
//! A thin layer: every decision is in `flowlens-core` (the recorder's start/keep/stop policy,
//! the flow reconstruction, the rules, the report). This crate converts values at the
//! JavaScript boundary (always with serde-wasm-bindgen's JSON-compatible serializer, because
//! everything here also travels through `chrome.runtime` messages and `chrome.storage`) and
//! renders the popup with web-sys.
//!
//! Two modules are built from this crate (features `worker` and `popup`), so the service
//! worker loads only the recorder. Exports, as JavaScript sees them:
//! - worker: `new Recorder()`, `.restore(states, buffers, now)`, `.observe(kind, details)`,
//!   `.flush()`, `.writeFailed(actions, error)`, `.record(tab, now)`, `.stop(tab, now)`,
//!   `.clear(tab)`: the service worker's recorder ([`recorder`]).
//! - popup: `analyze(trace, profile)`,
//!   `analyzeRecording(state, chunks, profile, manual, documents)`,
//!   `metadataRequests(state, chunks)`,
//!   `exportBundle(state, chunks, profile, manual, key, documents)`, `reportMarkdown(report)`,
//!   `rules()`, `sections()`, `pickTrace(states, tab, exclude)` ([`analysis`]; the export
//!   bundle and the file opener are the core's `bundle` and `open`); `profileFromForm(form)`,
//!   `profileForm(profile)`, `deploymentKey(profile)` ([`profile`]).
//! - both: `version()`, `limits()`.
//! - popup (the viewer's Web Worker): `new FileLoader(name, size)`, `.push(chunk)`,
//!   `.finish(profile, onProgress)` ([`analysis`]).
//! - popup: `renderPopup(root, input)`: the popup, rendered from a report ([`dom`] writes the
//!   core's `render::view` model).

#[cfg(feature = "popup")]
pub mod analysis;
mod convert;
#[cfg(feature = "popup")]
pub mod dom;
#[cfg(feature = "popup")]
pub mod profile;
#[cfg(feature = "worker")]
pub mod recorder;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics reach the console with their message
/// instead of an opaque "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&format!("flowlens-wasm: {info}")));
    }));
}

/// The core's version, to catch a stale `extension/pkg/` after an update.
#[wasm_bindgen]
pub fn version() -> String {
    flowlens_core::VERSION.to_string()
}

/// `limits()`: the caps the extension's JavaScript applies before the core sees a value
/// (`flowlens_core::limits`), so they are defined once.
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    convert::to_js(&flowlens_core::limits::SCRIPT_LIMITS)
}
