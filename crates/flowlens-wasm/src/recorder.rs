//! The service worker's recorder: browser events in, storage actions out.
//!
//! The worker hands every webRequest / webNavigation `details` object here untouched, with
//! the name of the event; the core's [`flowlens_core::recorder::Recorder`] decides. The
//! answer is `null` when there is nothing to do (most events of most tabs), else the
//! [`Actions`](flowlens_core::recorder::Actions) to carry out (snake_case, like every object
//! the extension's parts exchange; stored chunks are JSON strings).

use flowlens_core::recorder::budget::stored_bytes;
use flowlens_core::recorder::{self, BufferChunk, Event, FailedWrite, StoredBuffer, TabState};
use flowlens_core::render::badge;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{from_js, to_js};

#[wasm_bindgen]
#[derive(Default)]
pub struct Recorder {
    inner: recorder::Recorder,
}

#[wasm_bindgen]
impl Recorder {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Takes back, after the worker started at `now`, the persisted trace states
    /// (`flowlens/s/*` of `chrome.storage.session`) and pre-flow buffer chunks
    /// (`flowlens/b/*`, as `{tab, chunk, json}`).
    pub fn restore(
        &mut self,
        states: JsValue,
        buffers: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let states = from_js(states, "trace states")?;
        let buffers: Vec<BufferChunk> = from_js(buffers, "buffer chunks")?;
        let buffers = buffers.into_iter().map(decode).collect();
        actions(self.inner.restore(states, buffers, now))
    }

    /// One browser event. `kind` names the listener: `before-request`, `send-headers`,
    /// `headers-received`, `before-redirect`, `completed`, `error-occurred`, `navigation`,
    /// `dom-ready`, `tab-opened`, `tab-closed`, `tab-info`, `snapshot`, `screenshot`.
    pub fn observe(&mut self, kind: &str, details: JsValue) -> Result<JsValue, JsError> {
        let event = event_from_js(kind, details)?;
        actions(self.inner.observe(event))
    }

    /// The kept events (one chunk per trace) and changed states since the last flush; the
    /// worker calls it once the current burst of events is handled (`actions.flush`).
    pub fn flush(&mut self) -> Result<JsValue, JsError> {
        actions(self.inner.flush())
    }

    /// A write of `flush`'s actions the browser refused even after retries (`error`: its
    /// message): the traces it was for say so.
    #[wasm_bindgen(js_name = writeFailed)]
    pub fn write_failed(&mut self, failed: JsValue, error: &str) -> Result<JsValue, JsError> {
        let failed: FailedWrite = from_js(failed, "failed write")?;
        actions(self.inner.write_failed(failed, error))
    }

    /// The popup's Record button.
    pub fn record(&mut self, tab: i32, now: f64) -> Result<JsValue, JsError> {
        actions(self.inner.record(tab.into(), now))
    }

    /// The popup's Stop button.
    pub fn stop(&mut self, tab: i32, now: f64) -> Result<JsValue, JsError> {
        actions(self.inner.stop(tab.into(), now))
    }

    /// The popup's Clear button.
    pub fn clear(&mut self, tab: i32) -> Result<JsValue, JsError> {
        actions(self.inner.clear(tab.into()))
    }

    /// The trace a tab feeds (itself, or the flow's opener tab).
    #[wasm_bindgen(js_name = traceOf)]
    pub fn trace_of(&self, tab: i32) -> f64 {
        self.inner.trace_of(tab.into()) as f64
    }
}

fn actions(actions: recorder::Actions) -> Result<JsValue, JsError> {
    if actions.is_empty() {
        Ok(JsValue::NULL)
    } else {
        to_js(&actions)
    }
}

/// Reads the details object straight into the event's own type (no tagged-enum buffering); a
/// page snapshot as sent, with the pages module's judgement of it (`pageWantsScreenshot`).
pub fn event_from_js(kind: &str, details: JsValue) -> Result<Event, JsError> {
    Event::read_sent(kind, serde_wasm_bindgen::Deserializer::from(details))
        .map_err(|e| JsError::new(&format!("{kind}: {e}")))
}

/// `recordingBadge(state)`: the toolbar badge of a tab whose flow is being recorded
/// (`{text, color, title}`), or `null` when it is not recording (then the view module's
/// `Analysis.badge()` says the verdict).
#[wasm_bindgen(js_name = recordingBadge)]
pub fn recording_badge(state: JsValue) -> Result<JsValue, JsError> {
    let state: TabState = from_js(state, "trace state")?;
    match badge::recording(&state) {
        Some(badge) => to_js(&badge),
        None => Ok(JsValue::NULL),
    }
}

/// A stored buffer chunk, read with the browser's JSON parser, each event by its `kind` as
/// the worker reads live ones (decoding the tagged enum in Rust would add a second copy of
/// every event decoder to this module).
fn decode(chunk: BufferChunk) -> StoredBuffer {
    let entries = js_sys::JSON::parse(&chunk.json)
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Array>().ok())
        .and_then(|entries| entries.iter().map(decode_entry).collect());
    StoredBuffer {
        tab: chunk.tab,
        chunk: chunk.chunk,
        bytes: stored_bytes(&chunk.json),
        entries,
    }
}

/// One `[event, cut_fields]` entry.
fn decode_entry(entry: JsValue) -> Option<(Event, u32)> {
    let entry: js_sys::Array = entry.dyn_into().ok()?;
    let event = entry.get(0);
    let kind = js_sys::Reflect::get(&event, &JsValue::from_str("kind"))
        .ok()?
        .as_string()?;
    let cut_fields = entry.get(1).as_f64().unwrap_or(0.0) as u32;
    Some((event_from_js(&kind, event).ok()?, cut_fields))
}
