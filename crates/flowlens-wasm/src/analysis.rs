//! Analysis exports: the same `flowlens.report/v1` as the CLI, from a trace or from the
//! recorder's stored events.

use flowlens_core::recorder::{self, Event, TabState};
use flowlens_core::report::{markdown, Report};
use flowlens_core::rules;
use flowlens_core::trace::{PageSnapshot, Screenshot};
use flowlens_core::{Profile, Trace};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{from_js, from_js_or_default, to_js};

/// `analyze(trace, profile?)`: a `Trace` in its JSON form (what the CLI reads) to a report.
#[wasm_bindgen]
pub fn analyze(trace: JsValue, profile: JsValue) -> Result<JsValue, JsError> {
    let trace: Trace = from_js(trace, "trace")?;
    let profile: Profile = from_js_or_default(profile, "profile")?;
    to_js(&flowlens_core::analyze(&trace, &profile))
}

/// A recorded tab, analysed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingReport {
    pub report: Report,
    /// Consent screenshots kept as evidence (not part of the report schema).
    pub screenshots: Vec<Screenshot>,
    /// Page snapshots (the popup's "Pages seen"); the rest of the trace stays in Rust, since
    /// sending 500 requests back to JavaScript would cost more than the analysis.
    pub pages: Vec<PageSnapshot>,
}

/// The report of a recorded tab from its state and stored chunks (arrays of events, in
/// chunk order).
pub fn recording_report(
    state: &TabState,
    chunks: Vec<Vec<Event>>,
    profile: &Profile,
) -> RecordingReport {
    let mut trace = recorder::trace_from_events(state, chunks.into_iter().flatten());
    let mut report = flowlens_core::analyze(&trace, profile);
    report.source.name = state
        .last_url
        .as_ref()
        .map(|u| flowlens_core::redact::mask_url(u));
    RecordingReport {
        report,
        screenshots: std::mem::take(&mut trace.screenshots),
        pages: std::mem::take(&mut trace.pages),
    }
}

/// `analyzeRecording(state, chunks, profile?)` → `{report, screenshots, pages}`.
#[wasm_bindgen(js_name = analyzeRecording)]
pub fn analyze_recording(
    state: JsValue,
    chunks: JsValue,
    profile: JsValue,
) -> Result<JsValue, JsError> {
    let state: TabState = from_js(state, "trace state")?;
    let chunks: Vec<Vec<Event>> = from_js(chunks, "trace chunks")?;
    let profile: Profile = from_js_or_default(profile, "profile")?;
    to_js(&recording_report(&state, chunks, &profile))
}

/// `reportMarkdown(report)`: the Markdown export, page-controlled text escaped.
#[wasm_bindgen(js_name = reportMarkdown)]
pub fn report_markdown(report: JsValue) -> Result<String, JsError> {
    let report: Report = from_js(report, "report")?;
    Ok(markdown::render(&report))
}

/// A rule's identity and documentation, for the popup and for tests.
#[derive(Debug, Serialize, PartialEq)]
pub struct RuleDoc {
    pub id: &'static str,
    pub section: &'static str,
    pub title: &'static str,
    pub what: String,
    pub why: String,
    pub fix: String,
}

pub fn rule_docs() -> Vec<RuleDoc> {
    rules::registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleDoc {
                id: m.id,
                section: m.section.id(),
                title: m.title,
                what: m.what(),
                why: m.why(),
                fix: m.fix(),
            }
        })
        .collect()
}

/// `rules()`: every rule in checklist order, with its documentation.
#[wasm_bindgen]
pub fn rules() -> Result<JsValue, JsError> {
    to_js(&rule_docs())
}

/// `pickTrace(states, tab?, exclude?)`: the trace key the popup shows, or `null`.
#[wasm_bindgen(js_name = pickTrace)]
pub fn pick_trace(
    states: JsValue,
    tab: Option<i32>,
    exclude: Option<i32>,
) -> Result<Option<f64>, JsError> {
    let states: Vec<TabState> = from_js(states, "trace states")?;
    Ok(recorder::pick_trace(&states, tab.map(i64::from), exclude.map(i64::from)).map(|t| t as f64))
}
