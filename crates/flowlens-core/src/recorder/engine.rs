//! The recorder of every tab: routes each event to its trace or its tab's buffer, and hands
//! what must survive a worker restart to the extension as [`Actions`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::actions::{Actions, Append, ScreenshotRequest, SnapshotRequest};
use super::budget::{self, state_bytes, stored_bytes};
use super::buffer::{BufferChunkKey, Buffers, StoredBuffer};
use super::capping::cap_event;
use super::event::Event;
use super::state::{flow_start, new_flow_start, FlowStart, StopReason, TabState};
use super::triage::{is_subresource, keep_request_event};
use super::BUFFER_MS;
use crate::limits::{MAX_EVENTS_PER_TRACE, MAX_SCREENSHOTS_PER_TRACE};
use crate::stdx::sort::sort_by;

/// The recorder. Keeps its decisions' state in memory; everything it must not forget is in
/// the [`Actions`] it hands out.
#[derive(Debug, Default)]
pub struct Recorder {
    traces: BTreeMap<i64, TabState>,
    /// Follower tab -> trace key.
    follow: HashMap<i64, i64>,
    /// Tab -> the tab that opened it, when the opener was not recording.
    openers: HashMap<i64, i64>,
    buffers: Buffers,
    /// Subresource requests left out, whose later events are left out too.
    skipped: HashSet<String>,
    /// Kept events not handed out yet, per trace.
    pending: BTreeMap<i64, Pending>,
    /// Traces whose state changed since the last flush.
    dirty: BTreeSet<i64>,
    /// Bytes the traces' stored chunks take.
    stored: usize,
    /// Requests (id, URL) whose `headers-received` was kept: their later events need not
    /// repeat the headers.
    answered: HashSet<(String, String)>,
    /// The latest time an event gave, for one whose time storage cannot hold.
    clock_ms: f64,
}

/// A chunk being filled: its JSON so far.
#[derive(Debug, Default)]
struct Pending {
    json: String,
    events: u32,
    bytes: usize,
}

/// A storage write the browser refused, as the extension reports it back (the [`Actions`]
/// it was asked to write; only the chunk and state identities are read).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FailedWrite {
    pub append: Vec<FailedChunk>,
    /// The states the write held (`{trace, json}`; only `trace` is read).
    pub states: Vec<FailedState>,
    pub buffered: Vec<BufferChunkKey>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FailedState {
    pub trace: i64,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FailedChunk {
    pub trace: i64,
    pub chunk: u32,
    pub events: u32,
    pub bytes: u64,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes back the persisted trace states and buffer chunks after a worker restart at
    /// `now`. Traces that were recording note the restart.
    pub fn restore(
        &mut self,
        states: Vec<TabState>,
        buffers: Vec<StoredBuffer>,
        now: f64,
    ) -> Actions {
        let mut asked = Actions::default();
        for mut state in states {
            for &f in &state.followers {
                self.follow.insert(f, state.trace);
            }
            if state.is_recording() {
                state.restarts += 1;
                self.dirty.insert(state.trace);
                // What the stopped worker asked for may never have been done.
                asked.snapshot = asked.snapshot.take().or(state.awaiting_snapshot.clone());
                asked.screenshot = asked
                    .screenshot
                    .take()
                    .or(state.awaiting_screenshot.clone());
            }
            self.stored += usize::try_from(state.stored_bytes).unwrap_or(usize::MAX);
            self.traces.insert(state.trace, state);
        }
        let recording = |tab: i64| {
            let key = self.follow.get(&tab).copied().unwrap_or(tab);
            self.traces.get(&key).is_some_and(TabState::is_recording)
        };
        let recording: HashSet<i64> = buffers
            .iter()
            .map(|c| c.tab)
            .filter(|&t| recording(t))
            .collect();
        self.buffers
            .restore(buffers, now, |tab| recording.contains(&tab));
        asked.flush = self.is_due();
        asked
    }

    fn is_due(&self) -> bool {
        !self.dirty.is_empty() || self.buffers.is_due()
    }

    /// Hands out the kept events (one chunk per trace), the states that changed and the
    /// buffer's chunks to write or delete.
    pub fn flush(&mut self) -> Actions {
        let mut actions = Actions::default();
        for key in std::mem::take(&mut self.dirty) {
            let Some(state) = self.traces.get_mut(&key) else {
                continue;
            };
            if let Some(mut pending) = self.pending.remove(&key).filter(|p| p.events > 0) {
                pending.json.push(']');
                let bytes = stored_bytes(&pending.json);
                self.stored += bytes;
                state.stored_bytes += bytes as u64;
                actions.append.push(Append {
                    trace: key,
                    chunk: state.chunks,
                    events: pending.events,
                    bytes: bytes as u64,
                    json: pending.json,
                });
                state.chunks += 1;
            }
            actions.states.push(state.clone());
        }
        self.pending.clear();
        (actions.buffered, actions.unbuffered) = self.buffers.flush();
        actions
    }

    /// A write of [`Self::flush`]'s actions that the browser refused, even after retries: the
    /// chunks it held are lost, and their traces say so.
    pub fn write_failed(&mut self, failed: FailedWrite, error: &str) -> Actions {
        for chunk in failed.append {
            if let Some(state) = self.traces.get_mut(&chunk.trace) {
                state.lost_chunks += 1;
                state.lost_events += chunk.events;
                state.stored_bytes = state.stored_bytes.saturating_sub(chunk.bytes);
                state.write_error =
                    Some(crate::stdx::cut::prefix_at_char_boundary(error, 300).into());
                self.stored = self
                    .stored
                    .saturating_sub(usize::try_from(chunk.bytes).unwrap_or(0));
                self.dirty.insert(chunk.trace);
            }
        }
        // A state the write held is not in storage either: written again with the next
        // flush, or a worker restarted later would resume a Stop the user pressed (found by
        // fuzzing).
        for state in failed.states {
            if self.traces.contains_key(&state.trace) {
                self.dirty.insert(state.trace);
            }
        }
        for key in failed.buffered {
            self.buffers.not_stored(key.tab, key.chunk);
        }
        Actions {
            flush: self.is_due(),
            ..Actions::default()
        }
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

    /// What session storage holds, or will once the pending chunks are written.
    fn used(&self) -> usize {
        self.stored
            + self.pending.values().map(|p| p.bytes).sum::<usize>()
            + self.traces.values().map(state_bytes).sum::<usize>()
            + self.buffers.bytes()
    }

    /// Judges one browser event.
    pub fn observe(&mut self, mut event: Event) -> Actions {
        let mut actions = Actions::default();
        // Storage is JSON, which holds no NaN or infinity (they are written as `null`): such
        // a time, kept, would make a chunk unreadable after a worker restart (found by fuzzing).
        let time = event.time_ms_mut();
        if time.is_finite() {
            self.clock_ms = self.clock_ms.max(*time);
        } else {
            *time = self.clock_ms;
        }
        let tab = event.tab_id();
        if tab >= 0 {
            let cut_fields = cap_event(&mut event);
            self.judge(tab, event, cut_fields, &mut actions);
        }
        actions.flush = self.is_due();
        actions
    }

    fn judge(&mut self, tab: i64, event: Event, cut_fields: u32, actions: &mut Actions) {
        let now = event.time_ms();
        match &event {
            Event::TabOpened(e) => {
                let source = self.trace_of(e.source_tab_id);
                match self.traces.get_mut(&source) {
                    Some(state) if state.is_recording() => {
                        self.follow.insert(e.tab_id, source);
                        if !state.followers.contains(&e.tab_id) {
                            state.followers.push(e.tab_id);
                        }
                        self.keep(source, event, cut_fields);
                    }
                    _ => {
                        self.openers.insert(e.tab_id, e.source_tab_id);
                    }
                }
                return;
            }
            Event::TabClosed(_) => {
                let key = self.trace_of(tab);
                if self.traces.get(&key).is_some_and(TabState::is_recording) {
                    self.keep(key, event, cut_fields);
                    if let Some(state) = self.traces.get_mut(&key).filter(|_| key == tab) {
                        state.closed = true;
                        state.stop(now, StopReason::TabClosed);
                    }
                }
                self.buffers.forget(tab);
                self.openers.remove(&tab);
                return;
            }
            _ => {}
        }

        let key = self.trace_of(tab);
        let recording = match self.traces.get_mut(&key) {
            Some(state) => {
                if state.expire(now) {
                    self.dirty.insert(key);
                }
                state.is_recording()
            }
            None => false,
        };
        if recording {
            self.while_recording(key, tab, event, cut_fields, actions);
        } else if let Some(flow) = flow_start(&event) {
            self.start(key, tab, now, Some(flow), actions);
            self.keep(key, event, cut_fields);
        } else {
            self.buffers.hold(tab, event, cut_fields);
        }
    }

    fn while_recording(
        &mut self,
        key: i64,
        tab: i64,
        event: Event,
        cut_fields: u32,
        actions: &mut Actions,
    ) {
        let now = event.time_ms();
        let Some(state) = self.traces.get_mut(&key) else {
            return;
        };
        match &event {
            Event::DomReady(e) => {
                if e.frame_id == 0 && state.records_page_loaded_at(e.time_stamp) {
                    let request = SnapshotRequest {
                        tab,
                        url: Some(e.url.clone()),
                    };
                    state.awaiting_snapshot = Some(request.clone());
                    actions.snapshot = Some(request);
                    self.dirty.insert(key);
                }
                return;
            }
            Event::Snapshot(e) => {
                state.awaiting_snapshot = None;
                if state.screenshots < MAX_SCREENSHOTS_PER_TRACE && e.consent {
                    let request = ScreenshotRequest {
                        tab,
                        url: e.snapshot.url.clone(),
                    };
                    state.awaiting_screenshot = Some(request.clone());
                    actions.screenshot = Some(request);
                }
            }
            Event::Screenshot(_) => {
                state.awaiting_screenshot = None;
                if state.screenshots >= MAX_SCREENSHOTS_PER_TRACE {
                    return;
                }
                state.screenshots += 1;
            }
            Event::TabInfo(e) => state.incognito = e.incognito.or(state.incognito),
            _ => {}
        }
        match new_flow_start(&event) {
            // A new flow in a tab that is still recording (a retry, a second server).
            Some(flow) => self.start(key, tab, now, Some(flow), actions),
            None => state.follow(&event),
        }
        self.keep(key, event, cut_fields);
    }

    /// Starts (or continues) recording trace `key` from `tab`'s event at `now`: the buffered
    /// events of the tab (and of the idle tab that opened it) become part of the trace.
    fn start(
        &mut self,
        key: i64,
        tab: i64,
        now: f64,
        flow: Option<FlowStart>,
        actions: &mut Actions,
    ) {
        let manual = flow.is_none();
        let state = self.traces.entry(key).or_insert_with(|| TabState::new(key));
        let was_recording = state.start(now, manual, flow);
        self.dirty.insert(key);
        if was_recording {
            return;
        }
        // A page of the tab that loaded at or after the flow's first event but was reported
        // before it (Firefox can): it was passed over while the tab was idle.
        if let Some(load) = self.buffers.last_load(tab).filter(|l| l.time_ms >= now) {
            let request = SnapshotRequest {
                tab,
                url: Some(load.url.clone()),
            };
            state.awaiting_snapshot = Some(request.clone());
            actions.snapshot = Some(request);
        }
        // The opener's recent events first (a flow opened in a popup), then the tab's own;
        // in the order they happened, whatever order they were reported in.
        let mut earlier = Vec::new();
        if let Some(opener) = self.openers.remove(&key) {
            earlier.extend(self.buffers.take(opener));
        }
        earlier.extend(self.buffers.take(key));
        earlier.retain(|(e, _)| now - e.time_ms() <= BUFFER_MS);
        sort_by(&mut earlier, |(a, _), (b, _)| {
            a.time_ms().total_cmp(&b.time_ms())
        });
        for (event, cut_fields) in earlier {
            self.keep(key, event, cut_fields);
        }
        actions.lookup_tab = Some(key);
    }

    /// Appends an event to trace `key`'s pending chunk, after the caps and the budget.
    fn keep(&mut self, key: i64, mut event: Event, cut_fields: u32) {
        let used = self.used();
        let state = self.traces.entry(key).or_insert_with(|| TabState::new(key));
        self.dirty.insert(key);
        if let Some(request) = event.web_request() {
            if !keep_request_event(&event, request, state, &mut self.skipped) {
                return;
            }
        }
        if state.events >= MAX_EVENTS_PER_TRACE {
            state.dropped += 1;
            return;
        }
        // `completed` and `before-redirect` repeat the response headers, for when the
        // `headers-received` went with a stopped worker; kept once.
        match &mut event {
            Event::HeadersReceived(r) => {
                self.answered.insert((r.request_id.clone(), r.url.clone()));
            }
            Event::Completed(r) | Event::BeforeRedirect(r)
                if self
                    .answered
                    .contains(&(r.request_id.clone(), r.url.clone())) =>
            {
                r.response_headers = None;
            }
            _ => {}
        }
        let time_ms = event.time_ms();
        let page = match &event {
            Event::BeforeRequest(r) if r.is_main_frame() => Some(r.url.clone()),
            Event::Navigation(n) if n.frame_id == 0 => Some(n.url.clone()),
            _ => None,
        };
        let withheld = matches!(&event, Event::BeforeRequest(r)
            if r.request_body.as_ref().is_some_and(|b| b.withheld));
        let subresource = event.web_request().is_some_and(is_subresource);
        let new_subresource = match &event {
            Event::BeforeRequest(r) if subresource => Some(r.request_id.clone()),
            _ => None,
        };
        let Some(json) = budget::fit(used, event, state) else {
            if let Some(id) = new_subresource {
                // Left out for the budget, not the per-trace cap: its later events go too.
                state.subresources = state.subresources.saturating_sub(1);
                self.skipped.insert(id);
            }
            return;
        };
        state.cut_fields += cut_fields;
        state.withheld_bodies += u32::from(withheld);
        state.events += 1;
        state.last_event_ms = state.last_event_ms.max(time_ms);
        if page.is_some() {
            state.last_url = page;
        }
        let pending = self.pending.entry(key).or_default();
        pending
            .json
            .push(if pending.events == 0 { '[' } else { ',' });
        pending.json.push_str(&json);
        pending.events += 1;
        pending.bytes += stored_bytes(&json);
    }

    /// The popup's Record button: record this tab now, whatever it shows.
    pub fn record(&mut self, tab: i64, now: f64) -> Actions {
        let mut actions = Actions::default();
        let key = self.trace_of(tab);
        self.start(key, tab, now, None, &mut actions);
        // The page already shown is part of what the user wants checked.
        actions.snapshot = Some(SnapshotRequest { tab, url: None });
        actions.flush = true;
        actions
    }

    /// The popup's Stop button.
    pub fn stop(&mut self, tab: i64, now: f64) -> Actions {
        let mut actions = Actions::default();
        let key = self.trace_of(tab);
        if let Some(state) = self.traces.get_mut(&key) {
            state.stop(now, StopReason::StopButton);
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
            self.stored = self
                .stored
                .saturating_sub(usize::try_from(state.stored_bytes).unwrap_or(0));
            actions.removed.push(state);
        }
        self.buffers.forget(tab);
        actions.flush = self.is_due();
        actions
    }
}
