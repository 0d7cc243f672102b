//! The view module's analysis: a recorded tab (or, in the files module, an opened file's
//! report) kept on the Rust side, which the popup, the side panel and the viewer ask to
//! render, and the service worker asks what the toolbar badge shows. The report never
//! crosses into JavaScript to be rendered: one object holds the events, the report built from
//! them and the page it was written into, and an update (a new chunk of events, a tick)
//! changes only what differs.

use flowlens_core::fetched::FetchedDocument;
use flowlens_core::manual::{Answer, Answers as ManualAnswers};
use flowlens_core::recorder::{self, StoredEvents, TabState};
use flowlens_core::render::{badge, view as view_model};
use flowlens_core::report::Report;
use flowlens_core::rules;
use flowlens_core::trace::{PageSnapshot, Screenshot};
use flowlens_core::Profile;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::Element;

#[cfg(feature = "files")]
use crate::convert::from_json;
use crate::convert::{from_json_or_default, to_json};
use crate::recording::{read_chunks, read_state, recording_analysis, Judged};
use crate::{dom, mount};

/// What the page knows beside the recording: the browser, its windows and permissions, and
/// what the user chose on the page. snake_case, as every object between the extension's parts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageContext {
    /// The tab the page is about (the active tab, or `?tab=`), when there is one.
    pub active_tab: Option<i64>,
    /// The flow picked in the selector; default: the latest.
    pub selected_flow: Option<usize>,
    pub incognito: Incognito,
    pub browser: Option<view_model::Browser>,
    pub host_access: Option<bool>,
    /// Stored chunks of the recording that could not be read.
    pub missing_chunks: u32,
    /// The viewer: manual items cannot be edited.
    pub read_only: bool,
    /// The panel shown: `checks` or `review`.
    pub panel: dom::Panel,
    /// Notices the user dismissed (their ids).
    pub dismissed: Vec<String>,
    /// Checks and manual items the user opened (their ids): their bodies are written.
    pub opened: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Incognito {
    /// `extension.isAllowedIncognitoAccess()`.
    pub allowed: Option<bool>,
    /// The page's window is incognito (private).
    pub current_window: bool,
}

/// Where the report comes from.
enum Source {
    Nothing,
    /// A recorded tab: its state and the events of its chunks `0..chunks`.
    Recording {
        state: TabState,
        events: StoredEvents,
        chunks: u32,
    },
    /// A report made elsewhere (the viewer's parser; files module only).
    #[cfg_attr(not(feature = "files"), allow(dead_code))]
    Opened(Shown),
}

/// A report and what the view shows beside it.
#[derive(Default)]
#[cfg_attr(feature = "files", derive(Deserialize), serde(default))]
pub(crate) struct Shown {
    report: Option<Report>,
    screenshots: Vec<Screenshot>,
    pages: Vec<PageSnapshot>,
    /// Discovery documents whose bodies the page may fetch for a recording.
    #[cfg_attr(feature = "files", serde(skip))]
    wanted: Vec<String>,
}

#[wasm_bindgen]
pub struct Analysis {
    source: Source,
    profile: Profile,
    manual: ManualAnswers,
    /// Discovery documents the page fetched (see `metadataRequests`).
    documents: Vec<FetchedDocument>,
    /// The rules' documentation, once the page loaded it (`setCheckDocs`).
    docs: dom::CheckDocs,
    context: PageContext,
    /// The report of a recording, built when first needed after a change.
    built: Option<Shown>,
    root: Option<mount::Root>,
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            source: Source::Nothing,
            profile: Profile::default(),
            manual: ManualAnswers::default(),
            documents: Vec::new(),
            docs: dom::CheckDocs::new(),
            context: PageContext::default(),
            built: None,
            root: None,
        }
    }
}

#[wasm_bindgen]
impl Analysis {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Analysis {
        Analysis::default()
    }

    /// A recorded tab: its state (`flowlens/s/<trace>`) and all its stored chunks, in order,
    /// each as JSON.
    #[wasm_bindgen(js_name = showRecording)]
    pub fn show_recording(&mut self, state: &str, chunks: Vec<String>) -> Result<(), JsError> {
        let state = read_state(state)?;
        let events = read_chunks(&chunks);
        self.source = Source::Recording {
            chunks: state.chunks,
            state,
            events,
        };
        self.built = None;
        Ok(())
    }

    /// The chunks `first..` of the recording shown and its new state, as the storage change
    /// brought them. Returns false (and changes nothing) when they do not continue what is
    /// shown: another trace, or a chunk missed; the page then reads the whole recording.
    #[wasm_bindgen(js_name = appendChunks)]
    pub fn append_chunks(
        &mut self,
        state: &str,
        first: u32,
        chunks: Vec<String>,
    ) -> Result<bool, JsError> {
        let state = read_state(state)?;
        let Source::Recording {
            state: shown,
            events,
            chunks: read,
        } = &mut self.source
        else {
            return Ok(false);
        };
        let added = chunks.len() as u32;
        if shown.trace != state.trace || first != *read || first + added != state.chunks {
            return Ok(false);
        }
        events.read(chunks.iter().map(String::as_str));
        *read = state.chunks;
        *shown = state;
        self.built = None;
        Ok(true)
    }

    /// Nothing recorded to show.
    #[wasm_bindgen(js_name = showNothing)]
    pub fn show_nothing(&mut self) {
        self.source = Source::Nothing;
        self.built = None;
    }

    /// The trace key of the recording shown, if any.
    #[wasm_bindgen(getter)]
    pub fn trace(&self) -> Option<f64> {
        match &self.source {
            Source::Recording { state, .. } => Some(state.trace as f64),
            _ => None,
        }
    }

    /// How many chunks of the recording are read.
    #[wasm_bindgen(getter, js_name = chunksRead)]
    pub fn chunks_read(&self) -> u32 {
        match &self.source {
            Source::Recording { chunks, .. } => *chunks,
            _ => 0,
        }
    }

    /// The expectations profile, as JSON (`null` for none).
    #[wasm_bindgen(js_name = setProfile)]
    pub fn set_profile(&mut self, profile: Option<String>) -> Result<(), JsError> {
        self.profile = from_json_or_default(profile, "profile")?;
        self.built = None;
        Ok(())
    }

    /// The answers to the manual items, `{<id>: {ticked, note}}` as stored, as JSON.
    #[wasm_bindgen(js_name = setAnswers)]
    pub fn set_answers(&mut self, manual: Option<String>) -> Result<(), JsError> {
        self.manual = from_json_or_default(manual, "manual answers")?;
        self.built = None;
        Ok(())
    }

    /// One answer changed on the page.
    #[wasm_bindgen(js_name = setAnswer)]
    pub fn set_answer(&mut self, id: String, ticked: bool, note: Option<String>) {
        let note = note.filter(|n| !n.trim().is_empty());
        self.manual.insert(id, Answer { ticked, note });
        self.built = None;
    }

    /// The discovery documents the page fetched, as JSON:
    /// `[{url, status, content_type, text, truncated, time_ms, error}]`. Each goes into the
    /// trace when the recording requested its URL ([`flowlens_core::fetched`]).
    #[wasm_bindgen(js_name = setDocuments)]
    pub fn set_documents(&mut self, documents: Option<String>) -> Result<(), JsError> {
        self.documents = from_json_or_default(documents, "fetched documents")?;
        self.built = None;
        Ok(())
    }

    /// The URLs of the discovery documents the page may fetch itself (GET, no cookies or
    /// credentials), as JSON: ones the recording requested and whose bodies a browser
    /// extension cannot see ([`flowlens_core::fetched::bodies_to_fetch`]).
    #[wasm_bindgen(js_name = metadataRequests)]
    pub fn metadata_requests(&mut self) -> Result<String, JsError> {
        to_json(&self.shown().wanted)
    }

    /// Why each check matters and how to fix it, by rule id, as JSON: `extension/pkg/
    /// check-docs.json`, which the page loads after its first paint (a check opened before
    /// shows its evidence, then its documentation when it arrives).
    #[wasm_bindgen(js_name = setCheckDocs)]
    pub fn set_check_docs(&mut self, docs: Option<String>) -> Result<(), JsError> {
        self.docs = from_json_or_default(docs, "check docs")?;
        Ok(())
    }

    /// What the page knows beside the recording ([`PageContext`]), as JSON.
    #[wasm_bindgen(js_name = setContext)]
    pub fn set_context(&mut self, context: Option<String>) -> Result<(), JsError> {
        self.context = from_json_or_default(context, "page context")?;
        Ok(())
    }

    /// Whether there is a report (a recording with events, or an opened file).
    #[wasm_bindgen(js_name = hasReport)]
    pub fn has_report(&mut self) -> bool {
        self.shown().report.is_some()
    }

    /// Writes the view into `root`, changing only what differs from the last time.
    pub fn render(&mut self, root: &Element) -> Result<(), JsError> {
        let children = self.describe();
        if self.root.as_ref().map(mount::Root::element) != Some(root) {
            self.root = Some(mount::Root::new(root.clone()).map_err(js_error)?);
        }
        match &mut self.root {
            Some(mounted) => mounted.update(children).map_err(js_error),
            None => Ok(()),
        }
    }

    /// What the toolbar button shows for the recording: `{text, color, title}` as JSON, or
    /// `null` (nothing recorded).
    pub fn badge(&mut self) -> Result<Option<String>, JsError> {
        let state = match &self.source {
            Source::Recording { state, .. } => Some(state.clone()),
            _ => None,
        };
        let shown = self.shown();
        badge::of(state.as_ref(), shown.report.as_ref())
            .map(|b| to_json(&b))
            .transpose()
    }
}

#[cfg(feature = "files")]
#[wasm_bindgen]
impl Analysis {
    /// A report made by the viewer's parser: `{report, screenshots, pages}` as JSON.
    #[wasm_bindgen(js_name = showOpened)]
    pub fn show_opened(&mut self, opened: &str) -> Result<(), JsError> {
        self.source = Source::Opened(from_json(opened, "opened file")?);
        self.built = None;
        Ok(())
    }
}

impl Analysis {
    /// The report shown, built from the recording when something changed.
    fn shown(&mut self) -> &Shown {
        if let Source::Opened(shown) = &self.source {
            return shown;
        }
        self.built.get_or_insert_with(|| match &self.source {
            Source::Recording { state, events, .. }
                if !events.events.is_empty() || events.damaged > 0 =>
            {
                let Judged {
                    mut trace,
                    report,
                    wanted,
                } = recording_analysis(
                    state,
                    events.clone(),
                    &self.profile,
                    &self.manual,
                    &self.documents,
                );
                Shown {
                    report: Some(report),
                    screenshots: std::mem::take(&mut trace.screenshots),
                    pages: std::mem::take(&mut trace.pages),
                    wanted,
                }
            }
            _ => Shown::default(),
        })
    }

    /// The view of what is shown, as elements.
    pub fn describe(&mut self) -> Vec<crate::vnode::VNode> {
        let state = match &self.source {
            Source::Recording { state, .. } => Some(state.clone()),
            _ => None,
        };
        let context = self.context.clone();
        self.shown();
        let shown = match &mut self.source {
            Source::Opened(shown) => shown,
            _ => match &mut self.built {
                Some(shown) => shown,
                None => return Vec::new(),
            },
        };
        // The view model borrows nothing: the report and pictures move in and back out.
        let mut input = view_model::PopupInput {
            report: shown.report.take(),
            screenshots: std::mem::take(&mut shown.screenshots),
            pages: std::mem::take(&mut shown.pages),
            state,
            active_tab: context.active_tab,
            selected_flow: context.selected_flow,
            incognito: view_model::IncognitoInfo {
                allowed: context.incognito.allowed,
                current_window: context.incognito.current_window,
            },
            browser: context.browser,
            host_access: context.host_access,
            missing_chunks: context.missing_chunks,
            read_only: context.read_only,
        };
        let view = view_model::build(&input);
        shown.report = input.report.take();
        shown.screenshots = std::mem::take(&mut input.screenshots);
        shown.pages = std::mem::take(&mut input.pages);
        dom::popup(
            &view,
            &dom::Choices {
                panel: context.panel,
                dismissed: &context.dismissed,
                opened: &context.opened,
                docs: &self.docs,
            },
        )
    }
}

fn js_error(e: JsValue) -> JsError {
    JsError::new(&format!("rendering failed: {e:?}"))
}

/// A section of the checklist: id and title (the options page's "sections to skip").
#[derive(Debug, Serialize)]
pub struct SectionDoc {
    pub id: &'static str,
    pub title: &'static str,
}

/// `sections()`: every checklist section in order, as JSON.
#[wasm_bindgen]
pub fn sections() -> Result<String, JsError> {
    let all: Vec<SectionDoc> = rules::Section::ALL
        .iter()
        .map(|s| SectionDoc {
            id: s.id(),
            title: s.title(),
        })
        .collect();
    to_json(&all)
}

/// `pickTrace(states, tab?, exclude?)`: the trace key a page shows, or `null`; `states` are
/// the stored trace states, each as JSON.
#[wasm_bindgen(js_name = pickTrace)]
pub fn pick_trace(
    states: Vec<String>,
    tab: Option<i32>,
    exclude: Option<i32>,
) -> Result<Option<f64>, JsError> {
    let states = states
        .iter()
        .map(|s| read_state(s))
        .collect::<Result<Vec<TabState>, JsError>>()?;
    Ok(recorder::pick_trace(&states, tab.map(i64::from), exclude.map(i64::from)).map(|t| t as f64))
}
