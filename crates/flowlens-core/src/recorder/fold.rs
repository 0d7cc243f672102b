//! Stored recorder events back into a [`Trace`].
//!
//! webRequest reports a redirect chain as one request id going through several URLs; the
//! trace model wants one [`Exchange`] per URL. Each `before-request` opens an exchange, and
//! the other events of the request fill in the exchange of their request id and URL.
//!
//! The fold does not depend on the order the browser reported events in (Firefox can report
//! a page's load before the request that led to it, or a redirect after the request it led
//! to): events are taken in the order they happened (their time stamps; events of equal time
//! keep their reported order), every exchange is opened before any event is attached, and an
//! event is attached by request id and URL rather than to "the latest exchange". Events of a
//! request whose `before-request` was not kept (a subresource over the cap) are ignored.

use std::collections::HashMap;

use super::actions::parse_chunk;
use super::event::{Event, HttpHeader, NavKind, WebRequest};
use super::state::{BudgetCuts, Phase, TabState};
use crate::limits::{MAX_EVENTS_PER_TRACE, MAX_HEADER_VALUE, MAX_SUBRESOURCES_PER_TRACE};
use crate::stdx::sort::sort_by;
use crate::trace::{
    Body, CaptureInfo, Exchange, Header, Navigation, NavigationKind, ResourceType, Response,
    Screenshot, Trace,
};

/// Rebuilds the trace of one recorded tab from its state and its stored chunks (JSON arrays
/// of events, in chunk order). A chunk that does not read is left out and said in the notes.
pub fn trace_from_chunks<'a>(state: &TabState, chunks: impl IntoIterator<Item = &'a str>) -> Trace {
    let mut stored = StoredEvents::default();
    stored.read(chunks);
    stored.into_trace(state)
}

/// The events of stored chunks, read as they arrive (a page that follows a recording reads
/// each new chunk once), and how many chunks did not read.
#[derive(Debug, Clone, Default)]
pub struct StoredEvents {
    pub events: Vec<Event>,
    /// Chunks left out because they do not read.
    pub damaged: usize,
}

impl StoredEvents {
    /// Reads more chunks, in chunk order.
    pub fn read<'a>(&mut self, chunks: impl IntoIterator<Item = &'a str>) {
        for chunk in chunks {
            match parse_chunk(chunk) {
                Ok(events) => self.events.extend(events),
                Err(_) => self.damaged += 1,
            }
        }
    }

    /// The trace these events make ([`trace_from_events`]), a damaged chunk said in its notes.
    pub fn into_trace(self, state: &TabState) -> Trace {
        let mut trace = trace_from_events(state, self.events);
        if self.damaged > 0 {
            trace.capture.notes.insert(
                0,
                format!(
                    "{} stored part(s) of this recording could not be read: the events in \
                     them are missing.",
                    self.damaged
                ),
            );
        }
        trace
    }
}

/// Rebuilds the trace of one recorded tab from its state and its stored events.
pub fn trace_from_events(state: &TabState, events: impl IntoIterator<Item = Event>) -> Trace {
    let tab = Some(state.trace.to_string());
    let mut events: Vec<Event> = events.into_iter().collect();
    sort_by(&mut events, |a, b| a.time_ms().total_cmp(&b.time_ms()));
    let mut trace = Trace {
        source: crate::vocab::SourceKind::Extension,
        ..Trace::default()
    };

    // Every exchange first, in the order the requests started. A request whose
    // `before-request` is missing (the browser stopped the worker while it handled it) is
    // opened by its first other event: its hop is kept, without its body.
    let mut by_request: HashMap<String, Vec<usize>> = HashMap::new();
    let mut opened_late: Vec<bool> = Vec::new();
    let mut documents = 0usize;
    for event in &mut events {
        let before_request = matches!(event, Event::BeforeRequest(_));
        let Some(r) = event.web_request_mut() else {
            continue;
        };
        let known = by_request.get(&r.request_id).and_then(|indices| {
            indices
                .iter()
                .copied()
                .find(|&i| trace.exchanges[i].url == r.url)
        });
        let body = if before_request {
            r.request_body.take().unwrap_or_default()
        } else {
            Default::default()
        };
        let exchange = match known {
            // The same event twice (a stopped worker's work done again by the next one).
            Some(i) if before_request && trace.exchanges[i].time_ms == r.time_stamp => continue,
            // A redirect chain back to a URL it already passed: a new exchange.
            Some(i) if before_request && !opened_late[i] => None,
            Some(i) if before_request => Some(i),
            Some(_) => continue,
            None => None,
        };
        let i = exchange.unwrap_or_else(|| {
            by_request
                .entry(r.request_id.clone())
                .or_default()
                .push(trace.exchanges.len());
            opened_late.push(!before_request);
            trace.exchanges.push(Exchange {
                time_ms: r.time_stamp,
                url: r.url.clone(),
                resource_type: r.resource_type,
                tab: tab.clone(),
                ..Exchange::default()
            });
            documents += usize::from(r.resource_type == ResourceType::Document);
            trace.exchanges.len() - 1
        });
        let ex = &mut trace.exchanges[i];
        if before_request {
            opened_late[i] = false;
            ex.time_ms = ex.time_ms.min(r.time_stamp);
            ex.initiator = r.origin_url.take().or_else(|| r.initiator.take());
            ex.form = body.form_data.map(|f| f.0);
            ex.request_body = body.text.map(|text| Body {
                mime_type: String::new(),
                text,
                truncated: body.truncated,
            });
        }
        if ex.method.is_empty() {
            ex.method = std::mem::take(&mut r.method);
        }
    }

    for event in events {
        match event {
            Event::BeforeRequest(_) => {}
            Event::SendHeaders(r) => {
                if let Some(ex) = exchange_of(&mut trace.exchanges, &by_request, &r) {
                    ex.request_headers = headers(r.request_headers);
                    let content_type = ex.request_header("content-type").map(str::to_string);
                    if let (Some(body), Some(ct)) = (&mut ex.request_body, content_type) {
                        body.mime_type = ct;
                    }
                }
            }
            Event::HeadersReceived(r) => {
                if let Some(ex) = exchange_of(&mut trace.exchanges, &by_request, &r) {
                    ex.response = Some(Response {
                        status: r.status_code,
                        headers: headers(r.response_headers),
                        body: None,
                        time_ms: Some(r.time_stamp),
                    });
                }
            }
            Event::BeforeRedirect(r) => {
                if let Some(ex) = exchange_of(&mut trace.exchanges, &by_request, &r) {
                    let response = ex.response.get_or_insert_with(|| Response {
                        status: r.status_code,
                        headers: headers(r.response_headers),
                        body: None,
                        time_ms: Some(r.time_stamp),
                    });
                    if response.status == 0 {
                        response.status = r.status_code;
                    }
                    // Internal redirects (HSTS upgrades, extension redirects) carry no
                    // Location header; the redirect target is what the chain follows.
                    let has_location = response
                        .headers
                        .iter()
                        .any(|h| h.name.eq_ignore_ascii_case("location"));
                    if let (false, Some(to)) = (has_location, r.redirect_url) {
                        response.headers.push(Header::new("Location", to));
                    }
                }
            }
            Event::Completed(r) => {
                if let Some(ex) = exchange_of(&mut trace.exchanges, &by_request, &r) {
                    ex.response.get_or_insert_with(|| Response {
                        status: r.status_code,
                        headers: headers(r.response_headers),
                        body: None,
                        time_ms: Some(r.time_stamp),
                    });
                }
            }
            Event::ErrorOccurred(r) => {
                if let Some(ex) = exchange_of(&mut trace.exchanges, &by_request, &r) {
                    ex.error = r.error;
                }
            }
            Event::Navigation(n) if n.frame_id == 0 => trace.navigations.push(Navigation {
                time_ms: n.time_stamp,
                url: n.url,
                tab: tab.clone(),
                kind: match n.nav_kind {
                    NavKind::Committed => NavigationKind::Committed,
                    NavKind::Fragment => NavigationKind::Fragment,
                    NavKind::History => NavigationKind::History,
                },
            }),
            Event::Snapshot(s) => {
                let mut page = s.snapshot;
                page.tab = tab.clone();
                if page.time_ms == 0.0 {
                    page.time_ms = s.time_stamp;
                }
                trace.pages.push(page);
            }
            Event::Screenshot(s) => trace.screenshots.push(Screenshot {
                time_ms: s.time_stamp,
                url: s.url,
                data_url: s.data_url,
            }),
            Event::Navigation(_)
            | Event::DomReady(_)
            | Event::TabOpened(_)
            | Event::TabClosed(_)
            | Event::TabInfo(_) => {}
        }
    }
    // Snapshots carry the content script's own clock, which may differ from the event's.
    sort_by(&mut trace.pages, |a, b| a.time_ms.total_cmp(&b.time_ms));
    trace.capture = CaptureInfo {
        started_ms: state.started_ms,
        stopped_ms: state.stopped_ms,
        incognito: state.incognito,
        creator: Some(format!("Flowlens {} (browser extension)", crate::VERSION)),
        dropped_events: state.dropped + u64::from(state.lost_events),
        notes: notes(state, documents, trace.pages.is_empty()),
        ..CaptureInfo::default()
    };
    trace
}

/// The exchange a request event belongs to: of its request id, the one for its URL that
/// started last at or before the event (a redirect chain can pass a URL twice), else the
/// first for its URL, else the latest of the request.
fn exchange_of<'a>(
    exchanges: &'a mut [Exchange],
    by_request: &HashMap<String, Vec<usize>>,
    r: &WebRequest,
) -> Option<&'a mut Exchange> {
    let candidates = by_request.get(&r.request_id)?;
    let same_url: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| exchanges[i].url == r.url)
        .collect();
    let pool = if same_url.is_empty() {
        candidates.as_slice()
    } else {
        same_url.as_slice()
    };
    let i = pool
        .iter()
        .copied()
        .rfind(|&i| exchanges[i].time_ms <= r.time_stamp)
        .or_else(|| pool.first().copied())?;
    exchanges.get_mut(i)
}

fn headers(list: Option<Vec<HttpHeader>>) -> Vec<Header> {
    list.into_iter()
        .flatten()
        .filter_map(|h| h.value.map(|v| Header::new(h.name, v)))
        .collect()
}

/// The note that says a recording is still under way (its phase), if it is.
pub fn phase_note(state: &TabState) -> Option<String> {
    match state.phase {
        Phase::Recording => {
            Some("Still recording: the flow has not reached the client callback yet.".to_string())
        }
        Phase::Finishing => Some(
            "The flow reached the client callback; recording goes on a few seconds for the token \
             request and the first MCP calls."
                .to_string(),
        ),
        Phase::Idle => None,
    }
}

/// What the recording did not observe, said plainly.
fn notes(state: &TabState, documents: usize, no_pages: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(note) = phase_note(state) {
        notes.push(note);
    } else if let Some(reason) = &state.stop_reason {
        notes.push(format!("Recording stopped: {reason}."));
    }
    if state.manual {
        notes.push("Recording was started with the Record button.".to_string());
    }
    if state.closed {
        notes.push(
            "The tab was closed while recording: requests in flight then have no response."
                .to_string(),
        );
    }
    if state.lost_events > 0 {
        notes.push(format!(
            "{} recorded events ({} stored part(s)) could not be saved: the browser refused to \
             write them ({}). Hops in them are missing.",
            state.lost_events,
            state.lost_chunks,
            state.write_error.as_deref().unwrap_or("no reason given")
        ));
    }
    if state.dropped > 0 {
        notes.push(format!(
            "{} events were dropped at the cap of {MAX_EVENTS_PER_TRACE} events per tab or \
             because the browser's session storage was full.",
            state.dropped
        ));
    }
    if let Some(cuts) = budget_note(&state.budget) {
        notes.push(cuts);
    }
    if state.skipped_subresources > 0 {
        notes.push(format!(
            "{} subresource requests (images, scripts, fonts) beyond the first \
             {MAX_SUBRESOURCES_PER_TRACE} were not kept; page loads, redirects and API calls \
             are all kept.",
            state.skipped_subresources
        ));
    }
    if state.cut_fields > 0 {
        notes.push(format!(
            "{} very long values (URLs, headers or bodies over {} KB) were cut, as the HAR \
             importer cuts them.",
            state.cut_fields,
            MAX_HEADER_VALUE / 1024
        ));
    }
    if state.withheld_bodies > 0 {
        notes.push(format!(
            "{} request bodies (form fields) were not kept: the extension's background worker \
             was stopped before it could mask passwords in them.",
            state.withheld_bodies
        ));
    }
    if state.restarts > 0 {
        notes.push(format!(
            "The extension's background worker restarted {} time(s) during recording; the \
             browser delivers the events that wake it, so no request is missing.",
            state.restarts
        ));
    }
    if documents > 0 && no_pages {
        notes.push(
            "No page snapshot was taken (the pages closed too fast or did not allow the content \
             script): checks of what the pages showed could not look at them."
                .to_string(),
        );
    }
    notes.push(
        "Response bodies are not visible to a browser extension; page facts come from the \
         content script."
            .to_string(),
    );
    notes
}

/// What the storage budget left out, in one sentence.
fn budget_note(cuts: &BudgetCuts) -> Option<String> {
    if cuts.is_empty() {
        return None;
    }
    let parts: Vec<String> = [
        (
            cuts.subresources,
            "subresource request(s) (images, scripts, fonts)",
        ),
        (cuts.bodies, "request body(ies)"),
        (cuts.screenshots, "screenshot(s)"),
        (cuts.headers, "request(s)' headers"),
        (cuts.snapshots, "page snapshot(s)"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    Some(format!(
        "The browser's session storage was nearly full, so to keep every hop Flowlens did not \
         keep {}. Clear recordings you no longer need to record everything.",
        parts.join(", ")
    ))
}
