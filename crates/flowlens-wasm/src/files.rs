//! The files module: what only an export or an opened file needs (HAR export and import,
//! keyed redaction, zip, the report as JSON and Markdown), loaded when used: by the popup on
//! an export, by the viewer (which also renders with its `Analysis.showOpened`).
//!
//! `exportBundle(state, chunks, profile, manual, key, documents)`, `exportReport(state,
//! chunks, profile, manual, format, documents)`, `new FileLoader(name, size)` and `rules()`.

use flowlens_core::bundle::{self, Redaction};
use flowlens_core::fetched::FetchedDocument;
use flowlens_core::manual::Answers as ManualAnswers;
use flowlens_core::open::{self, InputKind};
use flowlens_core::recorder::{StoredEvents, TabState};
use flowlens_core::render::markdown;
use flowlens_core::report::{verdict, Report, ReportBuilder};
use flowlens_core::rules::{self, FixLocation};
use flowlens_core::trace::{PageSnapshot, Screenshot};
use flowlens_core::Profile;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{from_json_or_default, to_js, to_json};
use crate::recording::{read_chunks, read_state, recording_analysis, Judged};

/// `exportBundle(state, chunks, profile?, manual?, key, documents?)` → `Uint8Array` of the
/// export zip (the core's `bundle`), redacted with `key` (32 random bytes from
/// `crypto.getRandomValues`, used once; JavaScript drops it). `key` `null` exports live
/// secrets: the popup passes it only after the user confirmed an unredacted export.
/// `documents` are the discovery documents the page fetched (JSON, as `setDocuments` takes
/// them): their bodies go into the HAR, so `flowlens check` on the export judges what the
/// page judged.
#[wasm_bindgen(js_name = exportBundle)]
pub fn export_bundle(
    state: &str,
    chunks: Vec<String>,
    profile: Option<String>,
    manual: Option<String>,
    key: Option<Vec<u8>>,
    documents: Option<String>,
) -> Result<Vec<u8>, JsError> {
    let mut recording = read_recording(state, &chunks, profile, manual, documents)?;
    let redaction = match key {
        Some(key) => Redaction::Redacted(
            key.try_into()
                .map_err(|_| JsError::new("the redaction key must be 32 bytes"))?,
        ),
        None => Redaction::Unredacted,
    };
    let Judged { trace, report, .. } = recording.judge();
    Ok(bundle::write(
        &trace,
        &report,
        &recording.profile,
        redaction,
    ))
}

/// A recording and what it is judged with.
struct Recording {
    state: TabState,
    events: Option<StoredEvents>,
    profile: Profile,
    manual: ManualAnswers,
    documents: Vec<FetchedDocument>,
}

impl Recording {
    fn judge(&mut self) -> Judged {
        let events = self.events.take().unwrap_or_default();
        recording_analysis(
            &self.state,
            events,
            &self.profile,
            &self.manual,
            &self.documents,
        )
    }
}

/// A recording and what it is judged with, each as JSON.
fn read_recording(
    state: &str,
    chunks: &[String],
    profile: Option<String>,
    manual: Option<String>,
    documents: Option<String>,
) -> Result<Recording, JsError> {
    Ok(Recording {
        state: read_state(state)?,
        events: Some(read_chunks(chunks)),
        profile: from_json_or_default(profile, "profile")?,
        manual: from_json_or_default(manual, "manual answers")?,
        documents: from_json_or_default(documents, "fetched documents")?,
    })
}

/// `exportReport(state, chunks, profile?, manual?, format, documents?)`: the report alone, as
/// `flowlens.report/v1` JSON (`format` "json") or the Markdown go-live review ("markdown");
/// secrets masked as in every report.
#[wasm_bindgen(js_name = exportReport)]
pub fn export_report(
    state: &str,
    chunks: Vec<String>,
    profile: Option<String>,
    manual: Option<String>,
    format: &str,
    documents: Option<String>,
) -> Result<String, JsError> {
    let Judged { report, .. } = read_recording(state, &chunks, profile, manual, documents)?.judge();
    match format {
        "json" => serde_json::to_string_pretty(&report)
            .map(|json| format!("{json}\n"))
            .map_err(|e| JsError::new(&e.to_string())),
        "markdown" => Ok(markdown::render(&report)),
        other => Err(JsError::new(&format!("unknown report format {other:?}"))),
    }
}

/// The viewer's file reader, run in a Web Worker: the file arrives in chunks (`push`), then
/// `finish(profile, onProgress)` parses and analyses it, calling `onProgress(done, total)`
/// about every megabyte, and returns `{kind, exchanges, opened}`: `opened` is
/// `{kind, report, screenshots, pages}` as one JSON string, which the page hands to the view
/// module's `Analysis.showOpened` (one string crosses, not thousands of objects).
#[wasm_bindgen]
pub struct FileLoader {
    bytes: Vec<u8>,
    name: String,
}

#[derive(Serialize)]
struct Loaded {
    kind: InputKind,
    exchanges: usize,
    opened: String,
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

    /// `profile`: the expectations profile as JSON, or `null` (the viewer gives none, as
    /// `flowlens check` without `--profile`).
    pub fn finish(
        self,
        profile: Option<String>,
        on_progress: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        let profile: Profile = from_json_or_default(profile, "profile")?;
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
        let exchanges = report.source.exchanges;
        let json = serde_json::to_string(&Opened {
            kind: opened.kind,
            report,
            screenshots: std::mem::take(&mut trace.screenshots),
            pages: std::mem::take(&mut trace.pages),
        })
        .map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&Loaded {
            kind: opened.kind,
            exchanges,
            opened: json,
        })
    }
}

/// A rule's identity, for tests.
#[derive(Debug, Serialize, PartialEq)]
pub struct RuleDoc {
    pub id: &'static str,
    pub section: &'static str,
    pub title: &'static str,
    /// Where a failure is fixed (the report's `fixed_in` entries).
    pub fixed_in: &'static [FixLocation],
    /// Where its failure ranks among a verdict's blockers, 0 first: the e2e tests order the
    /// blockers they expect by it.
    pub blocker_rank: usize,
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
                fixed_in: m.fixed_in,
                blocker_rank: verdict::blocker_rank(m.id).unwrap_or(usize::MAX),
            }
        })
        .collect()
}

/// `rules()`: every rule in checklist order, as JSON (its documentation is in
/// `check-docs.json`), for tests and automation: in this module, so the first-paint module
/// does not carry it.
#[wasm_bindgen]
pub fn rules() -> Result<String, JsError> {
    to_json(&rule_docs())
}
