//! Stored recorder events back into a [`Trace`].
//!
//! webRequest reports a redirect chain as one request id going through several URLs; the
//! trace model wants one [`Exchange`] per URL. Each `before-request` opens a new exchange for
//! its request id, and the events after it fill that exchange in. Events of a request whose
//! `before-request` was not kept (a subresource over the cap) are ignored.

use std::collections::HashMap;

use super::event::{Event, HttpHeader, NavKind};
use super::policy::{Phase, TabState};
use super::{MAX_BODY_BYTES, MAX_EVENTS_PER_TRACE, MAX_SUBRESOURCES_PER_TRACE};
use crate::trace::{
    Body, CaptureInfo, Exchange, Header, Navigation, NavigationKind, ResourceType, Response,
    Screenshot, Trace,
};

/// Rebuilds the trace of one recorded tab from its state and its stored events (in order).
pub fn trace_from_events(state: &TabState, events: impl IntoIterator<Item = Event>) -> Trace {
    let tab = Some(state.tab.to_string());
    let mut trace = Trace {
        source: crate::vocab::SourceKind::Extension,
        ..Trace::default()
    };
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut documents = 0usize;
    for event in events {
        match event {
            Event::BeforeRequest(r) => {
                let resource_type = ResourceType::from_browser_name(&r.resource_type);
                documents += usize::from(resource_type == ResourceType::Document);
                let body = r.request_body.unwrap_or_default();
                open.insert(r.request_id, trace.exchanges.len());
                trace.exchanges.push(Exchange {
                    time_ms: r.time_stamp,
                    method: r.method,
                    url: r.url,
                    resource_type,
                    initiator: r.origin_url.or(r.initiator),
                    tab: tab.clone(),
                    form: body.form_data.map(|f| f.0),
                    request_body: body.text.map(|text| Body {
                        mime_type: String::new(),
                        text,
                        truncated: body.truncated,
                    }),
                    ..Exchange::default()
                });
            }
            Event::SendHeaders(r) => {
                if let Some(ex) = open.get(&r.request_id).map(|&i| &mut trace.exchanges[i]) {
                    ex.request_headers = headers(r.request_headers);
                    let content_type = ex.request_header("content-type").map(str::to_string);
                    if let (Some(body), Some(ct)) = (&mut ex.request_body, content_type) {
                        body.mime_type = ct;
                    }
                }
            }
            Event::HeadersReceived(r) => {
                if let Some(ex) = open.get(&r.request_id).map(|&i| &mut trace.exchanges[i]) {
                    ex.response = Some(Response {
                        status: r.status_code,
                        headers: headers(r.response_headers),
                        body: None,
                        time_ms: Some(r.time_stamp),
                    });
                }
            }
            Event::BeforeRedirect(r) => {
                if let Some(ex) = open.get(&r.request_id).map(|&i| &mut trace.exchanges[i]) {
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
                if let Some(ex) = open.get(&r.request_id).map(|&i| &mut trace.exchanges[i]) {
                    ex.response.get_or_insert_with(|| Response {
                        status: r.status_code,
                        headers: headers(r.response_headers),
                        body: None,
                        time_ms: Some(r.time_stamp),
                    });
                }
            }
            Event::ErrorOccurred(r) => {
                if let Some(ex) = open.get(&r.request_id).map(|&i| &mut trace.exchanges[i]) {
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
    trace.capture = CaptureInfo {
        started_ms: state.started_ms,
        stopped_ms: state.stopped_ms,
        incognito: state.incognito,
        creator: Some(format!("Flowlens {} (browser extension)", crate::VERSION)),
        dropped_events: state.dropped,
        notes: notes(state, documents, trace.pages.is_empty()),
    };
    trace
}

fn headers(list: Option<Vec<HttpHeader>>) -> Vec<Header> {
    list.into_iter()
        .flatten()
        .filter_map(|h| h.value.map(|v| Header::new(h.name, v)))
        .collect()
}

/// What the recording did not observe, said plainly.
fn notes(state: &TabState, documents: usize, no_pages: bool) -> Vec<String> {
    let mut notes = Vec::new();
    match state.phase {
        Phase::Recording => notes
            .push("Still recording: the flow has not reached the client callback yet.".to_string()),
        Phase::Finishing => notes.push(
            "The flow reached the client callback; recording goes on a few seconds for the token \
             request and the first MCP calls."
                .to_string(),
        ),
        Phase::Idle => {
            if let Some(reason) = &state.stop_reason {
                notes.push(format!("Recording stopped: {reason}."));
            }
        }
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
    if state.dropped > 0 {
        notes.push(format!(
            "{} events were dropped at the cap of {MAX_EVENTS_PER_TRACE} events per tab.",
            state.dropped
        ));
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
            "{} very long values (URLs, headers or bodies over {} KB) were cut to fit in the \
             browser's session storage.",
            state.cut_fields,
            MAX_BODY_BYTES / 1024
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
