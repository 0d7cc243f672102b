//! The recorder driven like the extension drives it, by fuzzer-chosen event sequences.
//!
//! Sequences start from the seed traces turned back into the browser events that would have
//! recorded them (Chrome-shaped webRequest and webNavigation events, page snapshots), then are
//! edited: events dropped, repeated, moved, re-timed, moved to other tabs, their request ids
//! mixed up; the popup's Record, Stop and Clear, flushes and worker restarts put in between.
//!
//! [`Extension`] stands for the service worker and `chrome.storage.session`: it keeps what
//! the recorder's actions say to store, in the storage's JSON form, and on a restart hands the
//! stored states to a new recorder.

use std::collections::BTreeMap;

use arbitrary::{Result, Unstructured};

use flowlens_core::recorder::event::{
    HttpHeader, NavKind, NavigationEvent, RequestBody, ScreenshotEvent, SnapshotEvent, TabEvent,
    TabInfo, TabOpened, WebRequest,
};
use flowlens_core::recorder::{
    parse_chunk, trace_from_chunks, Actions, BufferChunk, BufferChunkKey, Event, FailedChunk,
    FailedState, FailedWrite, Recorder, StoredBuffer, TabState,
};
use flowlens_core::trace::{Exchange, ResourceType};
use flowlens_core::Trace;

/// One thing that happens to the recorder.
#[derive(Debug, Clone)]
pub enum Step {
    Observe(Box<Event>),
    /// The worker finished handling a burst of events.
    Flush,
    /// The same, but the browser refuses the write even after the worker's retries (the
    /// storage quota): the recorder is told, and its traces must say what was lost.
    RefusedFlush,
    Record(i64, f64),
    Stop(i64, f64),
    Clear(i64),
    /// The browser stopped the service worker; a new one restores the stored states.
    Restart {
        flush_first: bool,
    },
}

/// The browser events that would have recorded `trace`.
pub fn events_of(trace: &Trace) -> Vec<Event> {
    let mut events = Vec::new();
    for (n, ex) in trace.exchanges.iter().enumerate() {
        events.extend(request_events(n, ex));
    }
    for nav in &trace.navigations {
        events.push(Event::Navigation(NavigationEvent {
            tab_id: 1,
            frame_id: 0,
            time_stamp: nav.time_ms,
            url: nav.url.clone(),
            nav_kind: NavKind::Committed,
        }));
    }
    for page in &trace.pages {
        events.push(Event::DomReady(NavigationEvent {
            tab_id: 1,
            time_stamp: page.time_ms,
            url: page.url.clone(),
            ..NavigationEvent::default()
        }));
        events.push(Event::Snapshot(Box::new(SnapshotEvent::new(
            1,
            page.time_ms + 1.0,
            page.clone(),
        ))));
    }
    for shot in &trace.screenshots {
        events.push(Event::Screenshot(ScreenshotEvent {
            tab_id: 1,
            time_stamp: shot.time_ms,
            url: shot.url.clone(),
            data_url: shot.data_url.clone(),
        }));
    }
    events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
    events
}

fn headers(list: &[flowlens_core::trace::Header]) -> Vec<HttpHeader> {
    list.iter()
        .map(|h| HttpHeader::new(&h.name, &h.value))
        .collect()
}

fn request_events(n: usize, ex: &Exchange) -> Vec<Event> {
    let base = WebRequest {
        request_id: n.to_string(),
        tab_id: 1,
        frame_id: 0,
        time_stamp: ex.time_ms,
        url: ex.url.clone(),
        method: ex.method.clone(),
        resource_type: ex.resource_type,
        initiator: ex.initiator.clone(),
        ..WebRequest::default()
    };
    let body = match (&ex.form, &ex.request_body) {
        (Some(form), _) => Some(RequestBody {
            form_data: Some(flowlens_core::recorder::event::FormData(form.clone())),
            ..RequestBody::default()
        }),
        (None, Some(b)) => Some(RequestBody {
            text: Some(b.text.clone()),
            truncated: b.truncated,
            ..RequestBody::default()
        }),
        _ => None,
    };
    let mut events = vec![
        Event::BeforeRequest(WebRequest {
            request_body: body,
            ..base.clone()
        }),
        Event::SendHeaders(WebRequest {
            request_headers: Some(headers(&ex.request_headers)),
            time_stamp: ex.time_ms + 0.5,
            ..base.clone()
        }),
    ];
    let Some(response) = &ex.response else {
        events.push(Event::ErrorOccurred(WebRequest {
            error: Some(
                ex.error
                    .clone()
                    .unwrap_or_else(|| "net::ERR_ABORTED".into()),
            ),
            time_stamp: ex.time_ms + 1.0,
            ..base
        }));
        return events;
    };
    let answered = WebRequest {
        status_code: response.status,
        response_headers: Some(headers(&response.headers)),
        time_stamp: response.time_ms.unwrap_or(ex.time_ms + 1.0),
        ..base
    };
    events.push(Event::HeadersReceived(answered.clone()));
    match ex.redirect_target() {
        Some(target) => events.push(Event::BeforeRedirect(WebRequest {
            redirect_url: Some(target),
            ..answered
        })),
        None => events.push(Event::Completed(answered)),
    }
    events
}

/// A sequence of steps: a seed's events, edited, with commands in between.
pub fn steps(u: &mut Unstructured<'_>) -> Result<Vec<Step>> {
    let seed = u.choose(crate::seeds::traces())?;
    let mut events = events_of(seed);
    for _ in 0..u.int_in_range(0..=16)? {
        if u.is_empty() || events.is_empty() {
            break;
        }
        edit(u, &mut events)?;
    }
    let mut steps: Vec<Step> = Vec::with_capacity(events.len() + 8);
    for event in events {
        steps.push(Step::Observe(Box::new(event)));
        if u.ratio(1, 4)? {
            steps.push(if u.ratio(1, 16)? {
                Step::RefusedFlush
            } else {
                Step::Flush
            });
        }
        if u.ratio(1, 24)? {
            steps.push(command(u)?);
        }
    }
    steps.push(Step::Restart {
        flush_first: u.arbitrary()?,
    });
    Ok(steps)
}

fn command(u: &mut Unstructured<'_>) -> Result<Step> {
    let tab = *u.choose(&[1i64, 2, 3])?;
    let now = 1_731_578_400_000.0 + f64::from(u.int_in_range(0u32..=4_000_000)?);
    Ok(match u.int_in_range(0..=4)? {
        0 => Step::Record(tab, now),
        1 => Step::Stop(tab, now),
        2 => Step::Clear(tab),
        _ => Step::Restart {
            flush_first: u.arbitrary()?,
        },
    })
}

fn edit(u: &mut Unstructured<'_>, events: &mut Vec<Event>) -> Result<()> {
    let i = u.choose_index(events.len())?;
    match u.int_in_range(0..=9)? {
        0 => {
            events.remove(i);
        }
        1 => {
            let copy = events[i].clone();
            events.insert(u.int_in_range(0..=events.len())?, copy);
        }
        2 => {
            let j = u.choose_index(events.len())?;
            events.swap(i, j);
        }
        3 => set_time(&mut events[i], |t| t + 16.0 * 60_000.0),
        4 => {
            let t = *u.choose(&[f64::NAN, f64::INFINITY, -1.0, 0.0, 1e300])?;
            set_time(&mut events[i], |_| t);
        }
        5 => {
            let tab = *u.choose(&[-1i64, 1, 2, 3, i64::MAX])?;
            set_tab(&mut events[i], tab);
        }
        6 => {
            if let Some(r) = events[i].web_request_mut() {
                r.request_id = u.choose(&["0", "1", "2", ""])?.to_string();
            }
        }
        7 => {
            let tab = *u.choose(&[1i64, 2, 3])?;
            let at = events[i].time_ms();
            let extra = match u.int_in_range(0..=3)? {
                0 => Event::TabOpened(TabOpened {
                    source_tab_id: 1,
                    tab_id: tab,
                    time_stamp: at,
                    url: crate::mutate::url(u)?,
                }),
                1 => Event::TabClosed(TabEvent {
                    tab_id: tab,
                    time_stamp: at,
                }),
                2 => Event::TabInfo(TabInfo {
                    tab_id: tab,
                    time_stamp: at,
                    incognito: u.arbitrary()?,
                }),
                _ => Event::DomReady(NavigationEvent {
                    tab_id: tab,
                    time_stamp: at,
                    url: crate::mutate::url(u)?,
                    ..NavigationEvent::default()
                }),
            };
            events.insert(i, extra);
        }
        8 => {
            if let Some(r) = events[i].web_request_mut() {
                r.url = crate::mutate::mutate_url(u, &r.url)?;
            }
        }
        _ => {
            if let Some(r) = events[i].web_request_mut() {
                match u.int_in_range(0..=3)? {
                    0 => r.url = crate::mutate::string(u)?,
                    1 => {
                        r.request_headers =
                            Some(vec![HttpHeader::new("Cookie", &crate::mutate::string(u)?)])
                    }
                    2 => {
                        r.resource_type = *u.choose(&[
                            ResourceType::Document,
                            ResourceType::Unknown,
                            ResourceType::Other,
                            ResourceType::Ping,
                            ResourceType::Image,
                        ])?
                    }
                    _ => r.status_code = u.arbitrary()?,
                }
            }
        }
    }
    Ok(())
}

fn set_time(event: &mut Event, f: impl Fn(f64) -> f64) {
    match event {
        Event::Navigation(e) | Event::DomReady(e) => e.time_stamp = f(e.time_stamp),
        Event::TabOpened(e) => e.time_stamp = f(e.time_stamp),
        Event::TabClosed(e) => e.time_stamp = f(e.time_stamp),
        Event::TabInfo(e) => e.time_stamp = f(e.time_stamp),
        Event::Snapshot(e) => e.time_stamp = f(e.time_stamp),
        Event::Screenshot(e) => e.time_stamp = f(e.time_stamp),
        other => {
            if let Some(r) = other.web_request_mut() {
                r.time_stamp = f(r.time_stamp);
            }
        }
    }
}

fn set_tab(event: &mut Event, tab: i64) {
    match event {
        Event::Navigation(e) | Event::DomReady(e) => e.tab_id = tab,
        Event::TabOpened(e) => e.tab_id = tab,
        Event::TabClosed(e) => e.tab_id = tab,
        Event::TabInfo(e) => e.tab_id = tab,
        Event::Snapshot(e) => e.tab_id = tab,
        Event::Screenshot(e) => e.tab_id = tab,
        other => {
            if let Some(r) = other.web_request_mut() {
                r.tab_id = tab;
            }
        }
    }
}

/// The service worker and its storage, in the storage's form: JSON strings under keys, as
/// `extension/storage.js` writes them.
#[derive(Default)]
pub struct Extension {
    recorder: Recorder,
    /// Trace key -> its stored state.
    states: BTreeMap<i64, String>,
    /// (trace key, chunk) -> the stored events.
    chunks: BTreeMap<(i64, u32), String>,
    /// (tab, chunk) -> a stored pre-flow buffer chunk.
    buffers: BTreeMap<(i64, u32), String>,
    /// The clock: the latest time an event or command gave (a restarted worker's `now`).
    now: f64,
}

impl Extension {
    pub fn run(&mut self, step: Step) {
        match step {
            Step::Observe(event) => {
                let t = event.time_ms();
                if t.is_finite() {
                    self.now = self.now.max(t);
                }
                let actions = self.recorder.observe(*event);
                self.apply(actions);
            }
            Step::Flush => self.flush(),
            Step::RefusedFlush => self.refused_flush(),
            Step::Record(tab, now) => {
                self.now = self.now.max(now);
                let actions = self.recorder.record(tab, now);
                self.apply(actions);
            }
            Step::Stop(tab, now) => {
                self.now = self.now.max(now);
                let actions = self.recorder.stop(tab, now);
                self.apply(actions);
            }
            Step::Clear(tab) => {
                let actions = self.recorder.clear(tab);
                self.apply(actions);
            }
            Step::Restart { flush_first } => {
                if flush_first {
                    self.flush();
                }
                self.restart();
            }
        }
    }

    fn flush(&mut self) {
        let actions = self.recorder.flush();
        self.apply(actions);
        // Nothing the recorder holds about a trace is missing from storage after a flush.
        for state in self.recorder.states() {
            if let Some(stored) = self.states.get(&state.trace) {
                assert_eq!(
                    stored,
                    &to_storage(state),
                    "after a flush, the stored state of trace {} differs from the recorder's",
                    state.trace
                );
            }
        }
    }

    /// A flush whose `storage.set` fails (its deletions go through): the recorder is told,
    /// as the worker tells it, and each trace whose chunk was lost counts the lost events.
    fn refused_flush(&mut self) {
        let actions = self.recorder.flush();
        self.delete(&actions);
        let lost_before: BTreeMap<i64, u32> = self
            .recorder
            .states()
            .map(|s| (s.trace, s.lost_events))
            .collect();
        let failed = FailedWrite {
            append: actions
                .append
                .iter()
                .map(|a| FailedChunk {
                    trace: a.trace,
                    chunk: a.chunk,
                    events: a.events,
                    bytes: a.bytes,
                })
                .collect(),
            states: actions
                .states
                .iter()
                .map(|s| FailedState { trace: s.trace })
                .collect(),
            buffered: actions
                .buffered
                .iter()
                .map(|c| BufferChunkKey {
                    tab: c.tab,
                    chunk: c.chunk,
                })
                .collect(),
        };
        let told = self
            .recorder
            .write_failed(failed, "Session storage quota bytes exceeded.");
        for append in &actions.append {
            let Some(state) = self.recorder.state(append.trace) else {
                continue;
            };
            let before = lost_before.get(&append.trace).copied().unwrap_or(0);
            assert!(
                state.lost_events >= before.saturating_add(append.events),
                "trace {}: a refused chunk of {} events is not counted as lost ({} before, {} after)",
                append.trace,
                append.events,
                before,
                state.lost_events
            );
            assert!(
                state.write_error.is_some(),
                "trace {}: the refused write is not reported",
                append.trace
            );
        }
        self.apply(told);
    }

    fn apply(&mut self, actions: Actions) {
        for append in &actions.append {
            self.chunks
                .insert((append.trace, append.chunk), append.json.clone());
        }
        for state in &actions.states {
            self.states.insert(state.trace, to_storage(state));
        }
        for chunk in &actions.buffered {
            self.buffers
                .insert((chunk.tab, chunk.chunk), chunk.json.clone());
        }
        self.delete(&actions);
    }

    fn delete(&mut self, actions: &Actions) {
        for state in &actions.removed {
            self.states.remove(&state.trace);
            self.chunks.retain(|(trace, _), _| *trace != state.trace);
        }
        for key in &actions.unbuffered {
            self.buffers.remove(&(key.tab, key.chunk));
        }
    }

    /// A new worker: the stored states and buffer chunks read back, handed to a new recorder,
    /// which must then hold exactly those states (a recording one counting the restart).
    fn restart(&mut self) {
        let states: Vec<TabState> = self
            .states
            .values()
            .map(|json| from_storage::<TabState>(json, "a trace state"))
            .collect();
        self.check_stored_traces(&states);
        let buffers: Vec<StoredBuffer> = self
            .buffers
            .iter()
            .map(|(&(tab, chunk), json)| {
                let stored = BufferChunk {
                    tab,
                    chunk,
                    json: json.clone(),
                }
                .decode();
                assert!(
                    stored.entries.is_some(),
                    "a stored buffer chunk of tab {tab} does not read back: {json}"
                );
                stored
            })
            .collect();
        self.recorder = Recorder::new();
        let actions = self.recorder.restore(states.clone(), buffers, self.now);
        for before in &states {
            let mut expected = before.clone();
            if expected.is_recording() {
                expected.restarts += 1;
            }
            let restored = self.recorder.state(before.trace);
            assert_eq!(
                restored.map(to_storage),
                Some(to_storage(&expected)),
                "trace {} did not survive the worker restart",
                before.trace
            );
        }
        self.apply(actions);
    }

    /// Every stored trace reads back into a trace the core analyses.
    fn check_stored_traces(&self, states: &[TabState]) {
        for state in states {
            let chunks: Vec<&str> = self
                .chunks
                .range((state.trace, 0)..=(state.trace, u32::MAX))
                .map(|(_, json)| {
                    if let Err(e) = parse_chunk(json) {
                        panic!(
                            "a stored chunk of trace {} does not read back: {e}\n{json}",
                            state.trace
                        );
                    }
                    json.as_str()
                })
                .collect();
            let trace = trace_from_chunks(state, chunks);
            let report = flowlens_core::analyze(&trace, &flowlens_core::Profile::default());
            assert!(!report.checks.is_empty());
        }
    }

    pub fn finish(mut self) {
        self.restart();
    }
}

/// What the worker stores of a state: its JSON.
fn to_storage<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| panic!("cannot be stored as JSON: {e}"))
}

/// Reads a stored value back; it must read, and write back the same.
fn from_storage<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str, what: &str) -> T {
    let read: T = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("{what} does not read back from storage: {e}\n{json}"));
    assert_eq!(to_storage(&read), json, "{what} changes through storage");
    read
}
