//! Flowlens in the browser: the wasm-bindgen surface the extension uses.
//!
//! A thin layer: every decision is in `flowlens-core` (the recorder's start/keep/stop policy,
//! the flow reconstruction, the rules, the report, the view model). This crate converts
//! values at the JavaScript boundary and writes the view into the page with web-sys.
//!
//! Four modules are built from this crate (features), so each page loads only what it uses:
//! - `worker` → `flowlens_worker`: `new Recorder()`, `.restore(states, buffers, now)`,
//!   `.observe(kind, details)`, `.flush()`, `.writeFailed(actions, error)`, `.record(tab,
//!   now)`, `.stop(tab, now)`, `.clear(tab)`, `recordingBadge(state)` ([`recorder`]), and
//!   `limits()`.
//! - `view` → `flowlens_view`, the first paint of the popup, side panel, options page and
//!   viewer: `new Analysis()` ([`analysis`]: `.showRecording(state, chunks)`,
//!   `.appendChunks(state, first, chunks)`, `.showOpened(json)`, `.setProfile`,
//!   `.setAnswers`, `.setAnswer`, `.setContext`, `.metadataRequests()`, `.setDocuments`,
//!   `.render(root)`, `.badge()`), `sections()`, `rules()`, `pickTrace(states, tab,
//!   exclude)`; `profileFromForm(form)`, `profileForm(profile)`, `deploymentKey(profile)`
//!   ([`profile`]). It takes and gives JSON strings. [`dom`] describes the view as elements, [`mount`] writes them and keeps
//!   the page in step.
//! - `files` → `flowlens_files`, loaded when used: `exportBundle(state, chunks, profile,
//!   manual, key, documents)`, `exportReport(state, chunks, profile, manual, documents,
//!   format)` and the viewer parser's `new FileLoader(name, size)`, `.push(chunk)`,
//!   `.finish(profile, onProgress)` ([`files`]).
//! - `pages` → `flowlens_pages`, loaded by the service worker when a recording tab first
//!   shows a page: `pageWantsScreenshot(snapshot)` ([`page`]).
//! - all four: `version()`.

#[cfg(feature = "view")]
pub mod analysis;
mod convert;
#[cfg(feature = "view")]
pub mod dom;
#[cfg(feature = "files")]
pub mod files;
#[cfg(feature = "view")]
pub mod mount;
#[cfg(feature = "pages")]
pub mod page;
#[cfg(feature = "view")]
pub mod profile;
#[cfg(feature = "worker")]
pub mod recorder;
#[cfg(any(feature = "view", feature = "files"))]
mod recording;
pub mod vnode;

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

/// `limits()`: the caps the service worker applies before the core sees a value
/// (`flowlens_core::limits`), so they are defined once.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    convert::to_js(&flowlens_core::limits::SCRIPT_LIMITS)
}
