//! The tab state machine: when a trace starts recording, when its flow is over, and the state
//! persisted with its events.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::actions::{ScreenshotRequest, SnapshotRequest};
use super::event::{Event, WebRequest};
use super::{GRACE_MS, MAX_RECORDING_MS};
use crate::params::{scheme_of, url_without_query, UrlParams};

/// Where a trace's recording stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Not recording: events only pass through the short buffer.
    #[default]
    Idle,
    /// Keeping every event of the tab.
    Recording,
    /// The client callback was reached; recording until `finish_at_ms`.
    Finishing,
}

/// Why a recording stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// The flow reached the client callback and the grace period after it is over.
    CallbackReached,
    /// No client callback within [`MAX_RECORDING_MS`] of the authorization request.
    TimeLimit,
    /// The popup's Stop button.
    StopButton,
    /// The recorded tab was closed.
    TabClosed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::CallbackReached => "the flow reached the client callback",
            StopReason::TimeLimit => {
                "no client callback within 15 minutes of the authorization request"
            }
            StopReason::StopButton => "stopped with the Stop button",
            StopReason::TabClosed => "the tab was closed",
        })
    }
}

/// The persisted state of one trace. A trace is keyed by the tab where recording started;
/// popup windows and tabs the flow opened ("followers") feed the same trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TabState {
    /// The trace's key: the id of the tab where recording started.
    pub trace: i64,
    pub phase: Phase,
    /// Recording was started with the popup's Record button.
    pub manual: bool,
    /// When the first recording of this trace started.
    pub started_ms: Option<f64>,
    /// When the latest flow of this trace started.
    pub flow_started_ms: Option<f64>,
    /// When the current recording started (pages loaded since get a snapshot).
    pub recording_since_ms: Option<f64>,
    pub finish_at_ms: Option<f64>,
    pub stopped_ms: Option<f64>,
    /// Why the last recording stopped.
    pub stop_reason: Option<StopReason>,
    pub last_event_ms: f64,
    /// The `redirect_uri`s of the authorization requests seen: reaching one ends the flow.
    pub redirect_uris: Vec<String>,
    /// Tabs and popup windows opened by the flow that feed this trace.
    pub followers: Vec<i64>,
    /// Stored chunks `0..chunks`.
    pub chunks: u32,
    /// Kept events.
    pub events: u32,
    /// Events dropped whole: at the per-trace cap, or because session storage was full.
    pub dropped: u64,
    pub subresources: u32,
    /// Subresource requests over [`crate::limits::MAX_SUBRESOURCES_PER_TRACE`].
    pub skipped_subresources: u32,
    /// Strings cut at the size caps (megabyte URLs and headers).
    pub cut_fields: u32,
    pub screenshots: u32,
    /// Authorization flows started in this trace.
    pub flows_started: u32,
    /// Times the extension's worker restarted while this trace was recording.
    pub restarts: u32,
    pub incognito: Option<bool>,
    /// The tab was closed while recording.
    pub closed: bool,
    /// The last page the tab loaded (for the popup's header).
    pub last_url: Option<String>,
    /// Bytes of session storage this trace's chunks take (as the browser counts them).
    pub stored_bytes: u64,
    /// What the storage budget left out to keep every hop.
    pub budget: BudgetCuts,
    /// Request bodies not kept because the worker stopped before the recorder read them.
    pub withheld_bodies: u32,
    /// A page snapshot or consent screenshot asked for and not received yet (its URL): asked
    /// again by the next worker if this one is stopped first (the browser drops what a
    /// stopping worker asks).
    pub awaiting_snapshot: Option<SnapshotRequest>,
    pub awaiting_screenshot: Option<ScreenshotRequest>,
    /// Stored chunks the browser refused to write (after retries), and why.
    pub lost_chunks: u32,
    pub lost_events: u32,
    pub write_error: Option<String>,
}

/// Counts of what the storage budget did not keep, by kind (see [`super::budget`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetCuts {
    pub subresources: u32,
    pub bodies: u32,
    pub screenshots: u32,
    pub headers: u32,
    pub snapshots: u32,
}

impl BudgetCuts {
    pub fn is_empty(&self) -> bool {
        *self == BudgetCuts::default()
    }
}

impl TabState {
    pub fn new(trace: i64) -> Self {
        Self {
            trace,
            ..Self::default()
        }
    }

    pub fn is_recording(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// A page that loaded at `time_ms` belongs to the current recording: it gets a snapshot.
    /// Pages loaded before the recording started do not, whenever their load is reported.
    pub fn records_page_loaded_at(&self, time_ms: f64) -> bool {
        self.is_recording() && self.recording_since_ms.is_none_or(|since| time_ms >= since)
    }

    /// The tab feeds this trace: it is the trace's own tab or one the flow opened.
    pub fn is_fed_by(&self, tab: i64) -> bool {
        self.trace == tab || self.followers.contains(&tab)
    }

    /// Starts (or continues) recording at `now`; answers whether it was already recording.
    pub(super) fn start(&mut self, now: f64, manual: bool, flow: Option<FlowStart>) -> bool {
        let was_recording = self.is_recording();
        if !was_recording {
            self.recording_since_ms = Some(now);
        }
        self.phase = Phase::Recording;
        self.manual |= manual;
        self.started_ms.get_or_insert(now);
        self.flow_started_ms = Some(now);
        self.finish_at_ms = None;
        self.stopped_ms = None;
        self.stop_reason = None;
        if let Some(flow) = flow {
            self.flows_started += 1;
            if let FlowStart::Authorize {
                redirect_uri: Some(uri),
            } = flow
            {
                if !self.redirect_uris.contains(&uri) {
                    self.redirect_uris.push(uri);
                }
            }
        }
        was_recording
    }

    pub(super) fn stop(&mut self, now: f64, reason: StopReason) {
        if self.is_recording() {
            self.phase = Phase::Idle;
            self.stopped_ms = Some(now);
            self.stop_reason = Some(reason);
        }
    }

    /// Ends a recording whose grace period or time limit is over; answers whether it did.
    pub(super) fn expire(&mut self, now: f64) -> bool {
        match (self.phase, self.finish_at_ms, self.flow_started_ms) {
            (Phase::Finishing, Some(at), _) if now >= at => {
                self.stop(at, StopReason::CallbackReached);
                true
            }
            (Phase::Recording, _, Some(started))
                if !self.manual && now - started > MAX_RECORDING_MS =>
            {
                self.stop(now, StopReason::TimeLimit);
                true
            }
            _ => false,
        }
    }

    /// The event shows the browser at one of the flow's callbacks: finishing starts.
    pub(super) fn follow(&mut self, event: &Event) {
        if self.phase == Phase::Recording && reaches_callback(event, &self.redirect_uris) {
            self.phase = Phase::Finishing;
            self.finish_at_ms = Some(event.time_ms() + GRACE_MS);
        }
    }
}

/// How an event starts an authorization flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowStart {
    /// A page load carrying `response_type` and `client_id`, with its `redirect_uri` when it
    /// names one.
    Authorize { redirect_uri: Option<String> },
    /// An MCP server's 401 challenge pointing at protected-resource metadata.
    Challenge,
}

/// Whether the event starts an authorization flow, and how.
///
/// A flow starts at the authorization request's `before-request`; if the browser stopped the
/// worker while it handled that one, the request's later events start it instead (so do they
/// for an MCP challenge whose `headers-received` went the same way: its `completed` carries
/// the headers too). Use [`flow_start`] on events of a tab that is not recording, and
/// [`new_flow_start`] on those of a tab that is, where only the first event of a request can
/// mean a new flow.
pub fn flow_start(event: &Event) -> Option<FlowStart> {
    match event {
        Event::BeforeRequest(r)
        | Event::SendHeaders(r)
        | Event::HeadersReceived(r)
        | Event::BeforeRedirect(r)
        | Event::Completed(r)
            if r.is_main_frame() =>
        {
            let params = UrlParams::of(&r.url).query;
            (params.has("response_type") && params.has("client_id")).then(|| FlowStart::Authorize {
                redirect_uri: params.get("redirect_uri").map(str::to_string),
            })
        }
        Event::HeadersReceived(r) | Event::Completed(r) if r.status_code == 401 => {
            let challenge = r.response_headers.iter().flatten().any(|h| {
                h.name.eq_ignore_ascii_case("www-authenticate")
                    && h.value.as_deref().is_some_and(|v| {
                        let v = v.to_ascii_lowercase();
                        v.starts_with("bearer") && v.contains("resource_metadata")
                    })
            });
            challenge.then_some(FlowStart::Challenge)
        }
        _ => None,
    }
}

/// A new flow in a tab that is already recording (a retry, a second server): only a
/// request's first event, `before-request` or the challenge's `headers-received`.
pub fn new_flow_start(event: &Event) -> Option<FlowStart> {
    match event {
        Event::BeforeRequest(_) | Event::HeadersReceived(_) => flow_start(event),
        _ => None,
    }
}

/// The event shows the browser at one of the flow's `redirect_uri`s: a page load there, a
/// redirect to a callback the browser will not load (custom scheme), or a navigation.
fn reaches_callback(event: &Event, redirect_uris: &[String]) -> bool {
    let at_callback = |url: &str| {
        redirect_uris
            .iter()
            .any(|r| url_without_query(r) == url_without_query(url))
    };
    // A redirect out of the browser (a custom-scheme callback it will not load), or any event
    // of the callback's page load: its first ones may have gone with a stopped worker.
    let redirect_out = |r: &WebRequest| {
        r.redirect_url.as_deref().is_some_and(|to| {
            at_callback(to) && !matches!(scheme_of(to).as_deref(), Some("http" | "https"))
        })
    };
    match event {
        Event::BeforeRedirect(r) => redirect_out(r) || r.is_main_frame() && at_callback(&r.url),
        Event::BeforeRequest(r)
        | Event::SendHeaders(r)
        | Event::HeadersReceived(r)
        | Event::Completed(r) => r.is_main_frame() && at_callback(&r.url),
        Event::Navigation(n) => n.frame_id == 0 && at_callback(&n.url),
        _ => false,
    }
}
