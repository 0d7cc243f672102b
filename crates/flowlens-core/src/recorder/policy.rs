//! The recorder's state machine: which tab records, which event is kept, when a flow is over.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::event::{Event, HttpHeader, WebRequest};
use super::*;
use crate::params::{scheme_of, url_without_query, UrlParams};

/// Where a tab's recording stands.
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

/// The persisted state of one trace. The trace is keyed by the tab where recording started;
/// popup windows and tabs the flow opened ("followers") feed the same trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TabState {
    pub tab: i64,
    pub phase: Phase,
    /// Recording was started with the popup's Record button.
    pub manual: bool,
    /// When the first recording of this trace started.
    pub started_ms: Option<f64>,
    /// When the latest flow of this trace started.
    pub flow_started_ms: Option<f64>,
    pub finish_at_ms: Option<f64>,
    pub stopped_ms: Option<f64>,
    /// Why the last recording stopped, in words.
    pub stop_reason: Option<String>,
    pub last_event_ms: f64,
    /// The `redirect_uri`s of the authorization requests seen: reaching one ends the flow.
    pub redirect_uris: Vec<String>,
    /// Tabs and popup windows opened by the flow that feed this trace.
    pub followers: Vec<i64>,
    /// Stored chunks `0..chunks`.
    pub chunks: u32,
    /// Kept events.
    pub events: u32,
    /// Events dropped at the per-trace cap.
    pub dropped: u64,
    pub subresources: u32,
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
}

impl TabState {
    pub fn is_recording(&self) -> bool {
        self.phase != Phase::Idle
    }

    fn new(tab: i64) -> Self {
        Self {
            tab,
            ..Self::default()
        }
    }
}

/// What the extension must do after an event or a command.
///
/// Kept events and changed states are not handed out with every event: they wait in the
/// recorder until [`Recorder::flush`], which the extension calls as soon as the current burst
/// of browser events is handled (`flush` says one is due). One storage write per burst
/// instead of one per event is what keeps recording cheap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Actions {
    /// Kept events or changed states wait for [`Recorder::flush`].
    pub flush: bool,
    /// Events to append to storage, as new chunks.
    pub append: Vec<Append>,
    /// Trace states to write (after `append`, so a state never names a missing chunk).
    pub states: Vec<TabState>,
    /// Traces to delete (state and chunks).
    pub removed: Vec<TabState>,
    /// Inject the content script into this tab to snapshot its page.
    pub snapshot: Option<i64>,
    /// Capture the visible tab as evidence.
    pub screenshot: Option<ScreenshotRequest>,
    /// Look up this tab (incognito) and report it with a `tab-info` event.
    pub lookup_tab: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Append {
    pub trace: i64,
    pub chunk: u32,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotRequest {
    pub tab: i64,
    /// The page URL the screenshot must show (the extension checks the tab is still there).
    pub url: String,
}

impl Actions {
    pub fn is_empty(&self) -> bool {
        *self == Actions::default()
    }
}

/// The recorder of every tab. Keeps its decisions' state in memory and hands what must
/// survive a worker restart to the extension as [`Actions`].
#[derive(Debug, Default)]
pub struct Recorder {
    traces: BTreeMap<i64, TabState>,
    /// Follower tab -> trace key.
    follow: HashMap<i64, i64>,
    /// Tab -> the tab that opened it, when the opener was not recording.
    openers: HashMap<i64, i64>,
    buffers: HashMap<i64, VecDeque<Event>>,
    /// Subresource requests over the cap, whose later events are skipped too.
    skipped: HashSet<String>,
    /// Kept events not handed out yet, per trace.
    pending: BTreeMap<i64, Vec<Event>>,
    /// Traces whose state changed since the last flush.
    dirty: BTreeSet<i64>,
    /// The latest time an event gave, for one that gives none.
    clock_ms: f64,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes back the persisted states after a worker restart. Traces that were recording
    /// note the restart.
    pub fn restore(&mut self, states: Vec<TabState>) -> Actions {
        let mut actions = Actions::default();
        for mut state in states {
            for &f in &state.followers {
                self.follow.insert(f, state.tab);
            }
            if state.is_recording() {
                state.restarts += 1;
                self.dirty.insert(state.tab);
            }
            self.traces.insert(state.tab, state);
        }
        actions.flush = !self.dirty.is_empty();
        actions
    }

    /// Hands out the kept events (one chunk per trace) and the states that changed.
    pub fn flush(&mut self) -> Actions {
        let mut actions = Actions::default();
        for key in std::mem::take(&mut self.dirty) {
            let Some(state) = self.traces.get_mut(&key) else {
                continue;
            };
            if let Some(events) = self.pending.remove(&key).filter(|e| !e.is_empty()) {
                actions.append.push(Append {
                    trace: key,
                    chunk: state.chunks,
                    events,
                });
                state.chunks += 1;
            }
            actions.states.push(state.clone());
        }
        self.pending.clear();
        actions
    }

    pub fn state(&self, trace: i64) -> Option<&TabState> {
        self.traces.get(&trace)
    }

    pub fn states(&self) -> impl Iterator<Item = &TabState> {
        self.traces.values()
    }

    /// The trace a tab feeds (itself, or the trace it follows).
    pub fn trace_of(&self, tab: i64) -> i64 {
        self.follow.get(&tab).copied().unwrap_or(tab)
    }

    /// Judges one browser event.
    pub fn observe(&mut self, mut event: Event) -> Actions {
        // Storage is JSON, which holds no NaN or infinity: such a time, kept, would make the
        // trace's state unreadable after a worker restart (found by fuzzing).
        let time = event.time_ms_mut();
        if time.is_finite() {
            self.clock_ms = self.clock_ms.max(*time);
        } else {
            *time = self.clock_ms;
        }
        let mut actions = self.judge(event);
        actions.flush = !self.dirty.is_empty();
        actions
    }

    fn judge(&mut self, event: Event) -> Actions {
        let mut actions = Actions::default();
        let tab = event.tab_id();
        if tab < 0 {
            return actions;
        }
        let now = event.time_ms();
        match &event {
            Event::TabOpened(e) => {
                let source = self.trace_of(e.source_tab_id);
                if self.traces.get(&source).is_some_and(TabState::is_recording) {
                    self.follow.insert(e.tab_id, source);
                    let state = self.traces.get_mut(&source).expect("checked above");
                    if !state.followers.contains(&e.tab_id) {
                        state.followers.push(e.tab_id);
                    }
                    self.keep(source, vec![event]);
                } else {
                    self.openers.insert(e.tab_id, e.source_tab_id);
                }
                return actions;
            }
            Event::TabClosed(_) => {
                let key = self.trace_of(tab);
                if self.traces.get(&key).is_some_and(TabState::is_recording) {
                    self.keep(key, vec![event]);
                    if key == tab {
                        let state = self.traces.get_mut(&key).expect("recording");
                        state.closed = true;
                        stop(state, now, "the tab was closed");
                    }
                }
                self.buffers.remove(&tab);
                self.openers.remove(&tab);
                return actions;
            }
            _ => {}
        }

        let key = self.trace_of(tab);
        if let Some(state) = self.traces.get_mut(&key) {
            if expire(state, now) {
                self.dirty.insert(key);
            }
        }
        let recording = self.traces.get(&key).is_some_and(TabState::is_recording);

        if recording {
            self.while_recording(key, tab, event, &mut actions);
        } else if let Some(redirect_uri) = flow_start(&event) {
            self.start(key, now, false, redirect_uri, &mut actions);
            self.keep(key, vec![event]);
        } else {
            self.buffer(tab, event);
        }
        actions
    }

    fn while_recording(&mut self, key: i64, tab: i64, event: Event, actions: &mut Actions) {
        let now = event.time_ms();
        match &event {
            Event::DomReady(e) => {
                if e.frame_id == 0 {
                    actions.snapshot = Some(tab);
                }
                return;
            }
            Event::Snapshot(e) => {
                let state = self.traces.get(&key).expect("recording");
                if state.screenshots < MAX_SCREENSHOTS_PER_TRACE && looks_like_consent(e) {
                    actions.screenshot = Some(ScreenshotRequest {
                        tab,
                        url: e.snapshot.url.clone(),
                    });
                }
            }
            Event::Screenshot(_) => {
                let state = self.traces.get_mut(&key).expect("recording");
                if state.screenshots >= MAX_SCREENSHOTS_PER_TRACE {
                    return;
                }
                state.screenshots += 1;
            }
            Event::TabInfo(e) => {
                let state = self.traces.get_mut(&key).expect("recording");
                state.incognito = e.incognito.or(state.incognito);
            }
            _ => {}
        }
        if let Some(redirect_uri) = flow_start(&event) {
            // A new flow in a tab that is still recording (a retry, a second server).
            self.start(key, now, false, redirect_uri, actions);
        } else if let Some(state) = self.traces.get_mut(&key) {
            if state.phase == Phase::Recording && reaches_callback(&event, &state.redirect_uris) {
                state.phase = Phase::Finishing;
                state.finish_at_ms = Some(now + GRACE_MS);
            }
        }
        self.keep(key, vec![event]);
    }

    /// Starts (or continues) recording `key`: the buffered events become part of the trace.
    fn start(
        &mut self,
        key: i64,
        now: f64,
        manual: bool,
        redirect_uri: Option<String>,
        actions: &mut Actions,
    ) {
        let state = self.traces.entry(key).or_insert_with(|| TabState::new(key));
        let was_recording = state.is_recording();
        state.phase = Phase::Recording;
        state.manual |= manual;
        state.started_ms.get_or_insert(now);
        state.flow_started_ms = Some(now);
        state.finish_at_ms = None;
        state.stopped_ms = None;
        state.stop_reason = None;
        if !manual {
            state.flows_started += 1;
        }
        if let Some(uri) = redirect_uri {
            if !state.redirect_uris.contains(&uri) {
                state.redirect_uris.push(uri);
            }
        }
        if was_recording {
            return;
        }
        // The opener's recent events first (a flow opened in a popup), then the tab's own.
        let mut earlier: Vec<Event> = Vec::new();
        if let Some(opener) = self.openers.remove(&key) {
            earlier.extend(self.buffers.remove(&opener).into_iter().flatten());
        }
        earlier.extend(self.buffers.remove(&key).into_iter().flatten());
        earlier.retain(|e| now - e.time_ms() <= BUFFER_MS && !matches!(e, Event::DomReady(_)));
        earlier.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
        self.keep(key, earlier);
        actions.lookup_tab = Some(key);
    }

    fn buffer(&mut self, tab: i64, event: Event) {
        if matches!(
            event,
            Event::DomReady(_) | Event::Snapshot(_) | Event::Screenshot(_) | Event::TabInfo(_)
        ) {
            return; // page facts of tabs that do not record are not kept, not even briefly
        }
        let now = event.time_ms();
        let buffer = self.buffers.entry(tab).or_default();
        while buffer
            .front()
            .is_some_and(|e| now - e.time_ms() > BUFFER_MS)
            || buffer.len() >= BUFFER_EVENTS
        {
            buffer.pop_front();
        }
        buffer.push_back(event);
    }

    /// Appends events to a trace after the caps, as one new chunk.
    fn keep(&mut self, key: i64, events: Vec<Event>) {
        let state = self.traces.entry(key).or_insert_with(|| TabState::new(key));
        let mut kept = Vec::with_capacity(events.len());
        for mut event in events {
            if let Some(request) = event.web_request() {
                if !keep_request_event(&event, request, state, &mut self.skipped) {
                    continue;
                }
            }
            if state.events >= MAX_EVENTS_PER_TRACE {
                state.dropped += 1;
                continue;
            }
            state.cut_fields += cap_event(&mut event);
            state.events += 1;
            state.last_event_ms = state.last_event_ms.max(event.time_ms());
            match &event {
                Event::BeforeRequest(r) if r.is_main_frame() => {
                    state.last_url = Some(r.url.clone())
                }
                Event::Navigation(n) if n.frame_id == 0 => state.last_url = Some(n.url.clone()),
                _ => {}
            }
            kept.push(event);
        }
        if !kept.is_empty() {
            self.pending.entry(key).or_default().extend(kept);
        }
        self.dirty.insert(key);
    }

    /// The popup's Record button: record this tab now, whatever it shows.
    pub fn record(&mut self, tab: i64, now: f64) -> Actions {
        let mut actions = Actions::default();
        let key = self.trace_of(tab);
        self.start(key, now, true, None, &mut actions);
        self.dirty.insert(key);
        // The page already shown is part of what the user wants checked.
        actions.snapshot = Some(tab);
        actions.flush = true;
        actions
    }

    /// The popup's Stop button.
    pub fn stop(&mut self, tab: i64, now: f64) -> Actions {
        let mut actions = Actions::default();
        let key = self.trace_of(tab);
        if let Some(state) = self.traces.get_mut(&key) {
            stop(state, now, "stopped with the Stop button");
            self.dirty.insert(key);
            actions.flush = true;
        }
        actions
    }

    /// The popup's Clear button: forget the trace of this tab.
    pub fn clear(&mut self, tab: i64) -> Actions {
        let mut actions = Actions::default();
        let key = self.trace_of(tab);
        self.pending.remove(&key);
        self.dirty.remove(&key);
        if let Some(state) = self.traces.remove(&key) {
            for f in &state.followers {
                self.follow.remove(f);
            }
            actions.removed.push(state);
        }
        self.buffers.remove(&tab);
        actions
    }
}

fn stop(state: &mut TabState, now: f64, reason: &str) {
    if state.is_recording() {
        state.phase = Phase::Idle;
        state.stopped_ms = Some(now);
        state.stop_reason = Some(reason.to_string());
    }
}

/// Ends a recording whose grace period or time limit is over; answers whether it did.
fn expire(state: &mut TabState, now: f64) -> bool {
    match (state.phase, state.finish_at_ms, state.flow_started_ms) {
        (Phase::Finishing, Some(at), _) if now >= at => {
            state.phase = Phase::Idle;
            state.stopped_ms = Some(at);
            state.stop_reason = Some("the flow reached the client callback".into());
            true
        }
        (Phase::Recording, _, Some(started))
            if !state.manual && now - started > MAX_RECORDING_MS =>
        {
            state.phase = Phase::Idle;
            state.stopped_ms = Some(now);
            state.stop_reason =
                Some("no client callback within 15 minutes of the authorization request".into());
            true
        }
        _ => false,
    }
}

/// The event starts an authorization flow: a page load carrying `response_type` and
/// `client_id`, or an MCP server's 401 challenge pointing at protected-resource metadata.
/// Answers the flow's `redirect_uri` (when the request names one).
pub fn flow_start(event: &Event) -> Option<Option<String>> {
    match event {
        Event::BeforeRequest(r) if r.is_main_frame() => {
            let params = UrlParams::of(&r.url).query;
            (params.has("response_type") && params.has("client_id"))
                .then(|| params.get("redirect_uri").map(str::to_string))
        }
        Event::HeadersReceived(r) if r.status_code == 401 => {
            let challenge = r.response_headers.iter().flatten().any(|h| {
                h.name.eq_ignore_ascii_case("www-authenticate")
                    && h.value.as_deref().is_some_and(|v| {
                        let v = v.to_ascii_lowercase();
                        v.starts_with("bearer") && v.contains("resource_metadata")
                    })
            });
            challenge.then_some(None)
        }
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
    match event {
        Event::BeforeRequest(r) => r.is_main_frame() && at_callback(&r.url),
        Event::BeforeRedirect(r) => r.redirect_url.as_deref().is_some_and(|to| {
            at_callback(to) && !matches!(scheme_of(to).as_deref(), Some("http" | "https"))
        }),
        Event::Navigation(n) => n.frame_id == 0 && at_callback(&n.url),
        _ => false,
    }
}

/// Subresource requests (images, fonts, scripts...) count against their own cap, and only the
/// events that tell what was loaded and how it answered are kept.
fn keep_request_event(
    event: &Event,
    request: &WebRequest,
    state: &mut TabState,
    skipped: &mut HashSet<String>,
) -> bool {
    if request.frame_id != 0 && request.resource_type != "sub_frame" && is_subresource(request) {
        // Resources of embedded frames: not part of any page the flow shows.
        return false;
    }
    if !is_subresource(request) {
        return true;
    }
    match event {
        Event::BeforeRequest(_) => {
            if state.subresources >= MAX_SUBRESOURCES_PER_TRACE {
                state.skipped_subresources += 1;
                skipped.insert(request.request_id.clone());
                false
            } else {
                state.subresources += 1;
                true
            }
        }
        Event::SendHeaders(_) | Event::Completed(_) => false,
        _ => !skipped.contains(&request.request_id),
    }
}

fn is_subresource(request: &WebRequest) -> bool {
    matches!(
        request.resource_type.as_str(),
        "image"
            | "imageset"
            | "stylesheet"
            | "script"
            | "font"
            | "media"
            | "object"
            | "ping"
            | "csp_report"
            | "beacon"
    )
}

/// A snapshot of what looks like a consent page: worth a screenshot.
fn looks_like_consent(e: &super::event::SnapshotEvent) -> bool {
    !e.snapshot.has_password_field && crate::flow::roles::looks_like_consent(&e.snapshot)
}

/// Form fields whose values are never stored, not even in session storage.
const PASSWORD_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "new_password",
    "current_password",
];

/// Cuts a string at `max` bytes (on a character boundary); answers whether it did.
fn cap(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let end = crate::stdx::cut::prefix_at_char_boundary(s, max).len();
    s.truncate(end);
    true
}

/// Cuts oversized strings and masks passwords in place; answers how many strings were cut.
fn cap_event(event: &mut Event) -> u32 {
    let mut cut = 0u32;
    match event {
        Event::BeforeRequest(r)
        | Event::SendHeaders(r)
        | Event::HeadersReceived(r)
        | Event::BeforeRedirect(r)
        | Event::Completed(r)
        | Event::ErrorOccurred(r) => {
            cut += u32::from(cap(&mut r.url, MAX_URL_BYTES));
            for s in [
                &mut r.initiator,
                &mut r.origin_url,
                &mut r.redirect_url,
                &mut r.error,
            ]
            .into_iter()
            .flatten()
            {
                cut += u32::from(cap(s, MAX_URL_BYTES));
            }
            for headers in [&mut r.request_headers, &mut r.response_headers]
                .into_iter()
                .flatten()
            {
                if headers.len() > MAX_HEADERS {
                    headers.truncate(MAX_HEADERS);
                    cut += 1;
                }
                for HttpHeader { name, value } in headers.iter_mut() {
                    cut += u32::from(cap(name, 256));
                    if let Some(v) = value {
                        cut += u32::from(cap(v, MAX_HEADER_VALUE_BYTES));
                    }
                }
            }
            if let Some(body) = &mut r.request_body {
                if let Some(form) = &mut body.form_data {
                    if form.0.len() > MAX_FORM_FIELDS {
                        form.0.truncate(MAX_FORM_FIELDS);
                        body.truncated = true;
                    }
                    for p in &mut form.0 {
                        if PASSWORD_FIELDS
                            .iter()
                            .any(|f| p.name.eq_ignore_ascii_case(f))
                        {
                            p.value = format!("[password: {} chars]", p.value.chars().count());
                        }
                        cut += u32::from(cap(&mut p.name, 256));
                        cut += u32::from(cap(&mut p.value, MAX_HEADER_VALUE_BYTES));
                    }
                }
                if let Some(text) = &mut body.text {
                    if cap(text, MAX_BODY_BYTES) {
                        body.truncated = true;
                    }
                }
            }
        }
        Event::Navigation(n) | Event::DomReady(n) => {
            cut += u32::from(cap(&mut n.url, MAX_URL_BYTES))
        }
        Event::TabOpened(t) => cut += u32::from(cap(&mut t.url, MAX_URL_BYTES)),
        Event::Snapshot(s) => cut += u32::from(cap(&mut s.snapshot.url, MAX_URL_BYTES)),
        Event::Screenshot(s) => cut += u32::from(cap(&mut s.url, MAX_URL_BYTES)),
        Event::TabClosed(_) | Event::TabInfo(_) => {}
    }
    cut
}

/// The trace the popup shows: the one `tab` feeds when it has one, else the most recently
/// active trace other than `exclude` (the popup's own tab when it is opened as a page).
pub fn pick_trace(states: &[TabState], tab: Option<i64>, exclude: Option<i64>) -> Option<i64> {
    if let Some(tab) = tab {
        if let Some(s) = states
            .iter()
            .find(|s| s.tab == tab || s.followers.contains(&tab))
        {
            return Some(s.tab);
        }
    }
    states
        .iter()
        .filter(|s| Some(s.tab) != exclude && s.events > 0)
        .max_by(|a, b| a.last_event_ms.total_cmp(&b.last_event_ms))
        .map(|s| s.tab)
}
