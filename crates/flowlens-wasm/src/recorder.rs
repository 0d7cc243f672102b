//! The service worker's recorder: browser events in, storage actions out.
//!
//! The worker hands every webRequest / webNavigation `details` object here untouched, with
//! the name of the event; the core's [`flowlens_core::recorder::Recorder`] decides. The
//! answer is `null` when there is nothing to do (most events of most tabs), else the
//! [`Actions`](flowlens_core::recorder::Actions) to carry out.

use flowlens_core::recorder::{self, Event, TabState};
use flowlens_core::render::badge;
use wasm_bindgen::prelude::*;

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

    /// Takes back the persisted trace states (`flowlens/s/*` of `chrome.storage.session`)
    /// after the worker started.
    pub fn restore(&mut self, states: JsValue) -> Result<JsValue, JsError> {
        let states = from_js(states, "trace states")?;
        actions(self.inner.restore(states))
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

/// Reads the details object straight into the event's own type (no tagged-enum buffering).
pub fn event_from_js(kind: &str, details: JsValue) -> Result<Event, JsError> {
    Ok(match kind {
        "before-request" => Event::BeforeRequest(from_js(details, kind)?),
        "send-headers" => Event::SendHeaders(from_js(details, kind)?),
        "headers-received" => Event::HeadersReceived(from_js(details, kind)?),
        "before-redirect" => Event::BeforeRedirect(from_js(details, kind)?),
        "completed" => Event::Completed(from_js(details, kind)?),
        "error-occurred" => Event::ErrorOccurred(from_js(details, kind)?),
        "navigation" => Event::Navigation(from_js(details, kind)?),
        "dom-ready" => Event::DomReady(from_js(details, kind)?),
        "tab-opened" => Event::TabOpened(from_js(details, kind)?),
        "tab-closed" => Event::TabClosed(from_js(details, kind)?),
        "tab-info" => Event::TabInfo(from_js(details, kind)?),
        "snapshot" => Event::Snapshot(from_js(details, kind)?),
        "screenshot" => Event::Screenshot(from_js(details, kind)?),
        other => return Err(JsError::new(&format!("unknown event kind {other:?}"))),
    })
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
