//! Analysis exports: the same `flowlens.report/v1` as the CLI, from a trace or from the
//! recorder's stored events.

use flowlens_core::bundle::{self, Redaction};
use flowlens_core::fetched::{self, FetchedDocument};
use flowlens_core::manual::Answers as ManualAnswers;
use flowlens_core::open::{self, InputKind};
use flowlens_core::recorder::{self, TabState};
use flowlens_core::render::markdown;
use flowlens_core::report::{Report, ReportBuilder};
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
pub struct RecordingReport {
    pub report: Report,
    /// Consent screenshots kept as evidence (not part of the report schema).
    pub screenshots: Vec<Screenshot>,
    /// Page snapshots (the popup's "Pages seen"); the rest of the trace stays in Rust, since
    /// sending 500 requests back to JavaScript would cost more than the analysis.
    pub pages: Vec<PageSnapshot>,
}

/// The report of a recorded tab from its state and stored chunks (JSON arrays of events, in
/// chunk order).
pub fn recording_report(
    state: &TabState,
    chunks: Vec<String>,
    profile: &Profile,
    manual: &ManualAnswers,
    documents: &[FetchedDocument],
) -> RecordingReport {
    let (mut trace, report) = recording_analysis(state, chunks, profile, manual, documents);
    RecordingReport {
        report,
        screenshots: std::mem::take(&mut trace.screenshots),
        pages: std::mem::take(&mut trace.pages),
    }
}

/// The trace of a recorded tab and its report, the user's manual answers merged in, with the
/// bodies of the discovery documents the popup fetched (see [`metadata_requests`]).
pub fn recording_analysis(
    state: &TabState,
    chunks: Vec<String>,
    profile: &Profile,
    manual: &ManualAnswers,
    documents: &[FetchedDocument],
) -> (Trace, Report) {
    let mut trace = recorder::trace_from_chunks(state, chunks.iter().map(String::as_str));
    fetched::attach_fetched(&mut trace, documents);
    let mut builder = ReportBuilder::new(&trace, profile).manual_answers(manual);
    if let Some(url) = &state.last_url {
        builder = builder.source_name(flowlens_core::redact::mask_url(url));
    }
    let report = builder.build();
    (trace, report)
}

/// `analyzeRecording(state, chunks, profile?, manual?, documents?)` →
/// `{report, screenshots, pages}`; `manual` is `{<check id>: {ticked, note}}` (the popup's
/// stored answers), `documents` the discovery documents the popup fetched
/// (`[{url, status, content_type, text, truncated, time_ms, error}]`).
#[wasm_bindgen(js_name = analyzeRecording)]
pub fn analyze_recording(
    state: JsValue,
    chunks: JsValue,
    profile: JsValue,
    manual: JsValue,
    documents: JsValue,
) -> Result<JsValue, JsError> {
    let state: TabState = from_js(state, "trace state")?;
    let chunks: Vec<String> = from_js(chunks, "trace chunks")?;
    let profile: Profile = from_js_or_default(profile, "profile")?;
    let manual: ManualAnswers = from_js_or_default(manual, "manual answers")?;
    let documents: Vec<FetchedDocument> = from_js_or_default(documents, "fetched documents")?;
    to_js(&recording_report(
        &state, chunks, &profile, &manual, &documents,
    ))
}

/// `metadataRequests(state, chunks)` → the URLs of the discovery documents the popup may
/// fetch itself (GET, no cookies or credentials): ones the recorded flow requested and whose
/// bodies a browser extension cannot see ([`fetched::bodies_to_fetch`]).
#[wasm_bindgen(js_name = metadataRequests)]
pub fn metadata_requests(state: JsValue, chunks: JsValue) -> Result<JsValue, JsError> {
    let state: TabState = from_js(state, "trace state")?;
    let chunks: Vec<String> = from_js(chunks, "trace chunks")?;
    let trace = recorder::trace_from_chunks(&state, chunks.iter().map(String::as_str));
    to_js(&fetched::bodies_to_fetch(&trace))
}

/// `exportBundle(state, chunks, profile?, manual?, key, documents?)` → `Uint8Array` of the
/// export zip ([`crate::bundle`]), redacted with `key` (32 random bytes from
/// `crypto.getRandomValues`, used once; JavaScript drops it). `key` `null` exports live
/// secrets: the popup passes it only after the user confirmed an unredacted export.
/// `documents` are the discovery documents the popup fetched: their bodies go into the HAR,
/// so `flowlens check` on the export judges what the popup judged.
#[wasm_bindgen(js_name = exportBundle)]
pub fn export_bundle(
    state: JsValue,
    chunks: JsValue,
    profile: JsValue,
    manual: JsValue,
    key: Option<Vec<u8>>,
    documents: JsValue,
) -> Result<Vec<u8>, JsError> {
    let state: TabState = from_js(state, "trace state")?;
    let chunks: Vec<String> = from_js(chunks, "trace chunks")?;
    let profile: Profile = from_js_or_default(profile, "profile")?;
    let manual: ManualAnswers = from_js_or_default(manual, "manual answers")?;
    let redaction = match key {
        Some(key) => Redaction::Redacted(
            key.try_into()
                .map_err(|_| JsError::new("the redaction key must be 32 bytes"))?,
        ),
        None => Redaction::Unredacted,
    };
    let documents: Vec<FetchedDocument> = from_js_or_default(documents, "fetched documents")?;
    let (trace, report) = recording_analysis(&state, chunks, &profile, &manual, &documents);
    Ok(bundle::write(&trace, &report, &profile, redaction))
}

/// A section of the checklist: id and title (the options page's "sections to skip").
#[derive(Debug, Serialize)]
pub struct SectionDoc {
    pub id: &'static str,
    pub title: &'static str,
}

/// `sections()`: every checklist section in order.
#[wasm_bindgen]
pub fn sections() -> Result<JsValue, JsError> {
    let all: Vec<SectionDoc> = rules::Section::ALL
        .iter()
        .map(|s| SectionDoc {
            id: s.id(),
            title: s.title(),
        })
        .collect();
    to_js(&all)
}

/// The viewer's file reader, run in a Web Worker: the file arrives in chunks (`push`), then
/// `finish(profile, onProgress)` parses and analyses it, calling `onProgress(done, total)`
/// about every megabyte, and returns `{kind, report, screenshots, pages}`.
#[wasm_bindgen]
pub struct FileLoader {
    bytes: Vec<u8>,
    name: String,
}

#[derive(Serialize)]
struct Opened {
    kind: InputKind,
    report: Report,
    screenshots: Vec<Screenshot>,
    pages: Vec<PageSnapshot>,
}

#[wasm_bindgen]
impl FileLoader {
    #[wasm_bindgen(constructor)]
    pub fn new(name: String, size: f64) -> FileLoader {
        // `size` is a hint only; a bad one costs a reallocation, not a failure.
        let capacity = if size.is_finite() && size > 0.0 {
            size.min(4.0e9) as usize
        } else {
            0
        };
        FileLoader {
            bytes: Vec::with_capacity(capacity),
            name,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
    }

    pub fn finish(
        self,
        profile: JsValue,
        on_progress: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        let profile: Profile = from_js_or_default(profile, "profile")?;
        let mut progress = |done: u64, total: u64| {
            let _ = on_progress.call2(
                &JsValue::NULL,
                &JsValue::from_f64(done as f64),
                &JsValue::from_f64(total as f64),
            );
        };
        let opened = open::open(std::io::Cursor::new(&self.bytes), &mut progress)
            .map_err(|e| JsError::new(&e.to_string()))?;
        drop(self.bytes);
        let mut trace = opened.trace;
        // An export is judged as the popup judged it: with its own profile and answers.
        let profile = opened.profile.unwrap_or(profile);
        let report = ReportBuilder::new(&trace, &profile)
            .source_name(self.name)
            .manual_answers(&opened.answers)
            .build();
        to_js(&Opened {
            kind: opened.kind,
            report,
            screenshots: std::mem::take(&mut trace.screenshots),
            pages: std::mem::take(&mut trace.pages),
        })
    }
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
