//! A recorded tab as stored by the service worker (its state and its chunks of events), read
//! and judged: shared by the view module (what the popup shows) and the files module (the
//! export).

use flowlens_core::fetched::{self, FetchedDocument};
use flowlens_core::manual::Answers as ManualAnswers;
use flowlens_core::recorder::{StoredEvents, TabState};
use flowlens_core::report::{Report, ReportBuilder};
use flowlens_core::{Profile, Trace};
use wasm_bindgen::prelude::*;

use crate::convert::from_json;

/// The events of stored chunks (each a JSON array of events), in order; a chunk that does not
/// read is counted, and said in the trace's notes.
pub fn read_chunks(chunks: &[String]) -> StoredEvents {
    let mut stored = StoredEvents::default();
    stored.read(chunks.iter().map(String::as_str));
    stored
}

/// A stored trace state (`flowlens/s/<trace>`), as JSON.
pub fn read_state(state: &str) -> Result<TabState, JsError> {
    from_json(state, "trace state")
}

/// A recording judged: its trace, its report, and the discovery documents the page may fetch
/// for it ([`fetched::bodies_to_fetch`], asked before `documents` are attached).
pub struct Judged {
    pub trace: Trace,
    pub report: Report,
    pub wanted: Vec<String>,
}

/// The trace of a recorded tab and its report, the user's manual answers merged in, with the
/// bodies of the discovery documents the page fetched.
pub fn recording_analysis(
    state: &TabState,
    events: StoredEvents,
    profile: &Profile,
    manual: &ManualAnswers,
    documents: &[FetchedDocument],
) -> Judged {
    let mut trace = events.into_trace(state);
    let wanted = fetched::bodies_to_fetch(&trace);
    fetched::attach_fetched(&mut trace, documents);
    let mut builder = ReportBuilder::new(&trace, profile).manual_answers(manual);
    if let Some(url) = &state.last_url {
        builder = builder.source_name(flowlens_core::redact::mask_url(url));
    }
    let report = builder.build();
    Judged {
        trace,
        report,
        wanted,
    }
}
