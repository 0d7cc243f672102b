//! A recorded tab as stored by the service worker (its state and its chunks of events), read
//! and judged: shared by the view module (what the popup shows) and the files module (the
//! export).

use flowlens_core::manual::Answers as ManualAnswers;
use flowlens_core::recorder::{self, Event, TabState};
use flowlens_core::report::{Report, ReportBuilder};
use flowlens_core::{Profile, Trace};
use wasm_bindgen::prelude::*;

use crate::convert::from_json;

/// The events of stored chunks, in order; each chunk is a JSON array of events.
pub fn read_chunks(chunks: &[String]) -> Result<Vec<Event>, JsError> {
    let mut events = Vec::new();
    for (n, chunk) in chunks.iter().enumerate() {
        let mut read: Vec<Event> = from_json(chunk, &format!("trace chunk {n}"))?;
        events.append(&mut read);
    }
    Ok(events)
}

/// A stored trace state (`flowlens/s/<trace>`), as JSON.
pub fn read_state(state: &str) -> Result<TabState, JsError> {
    from_json(state, "trace state")
}

/// The trace of a recorded tab and its report, the user's manual answers merged in.
pub fn recording_analysis(
    state: &TabState,
    events: Vec<Event>,
    profile: &Profile,
    manual: &ManualAnswers,
) -> (Trace, Report) {
    let trace = recorder::trace_from_events(state, events);
    let mut builder = ReportBuilder::new(&trace, profile).manual_answers(manual);
    if let Some(url) = &state.last_url {
        builder = builder.source_name(flowlens_core::redact::mask_url(url));
    }
    let report = builder.build();
    (trace, report)
}
