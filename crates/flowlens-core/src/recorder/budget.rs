//! The storage budget: what is kept when session storage runs short.
//!
//! `storage.session` holds 10 MB ([`SESSION_STORAGE_QUOTA`]) and a write that would exceed it
//! fails whole, hops included. So the recorder never asks for more than
//! [`STORAGE_BUDGET`], and gives things up in a fixed order as the storage fills: first
//! subresource requests, then request bodies and screenshots, then headers and page
//! snapshots; the hops themselves (what was requested, the status, where it redirected) are
//! kept to the end of the budget. What was given up is counted in the trace's state
//! ([`BudgetCuts`]) and said in its notes.
//!
//! The budget is shared by every trace and pre-flow buffer: it is what the extension as a
//! whole may hold. Sizes are measured as the browsers count them: a stored chunk is one JSON
//! string, which Chrome counts as its length and Firefox as the length of its JSON form
//! (quotes escaped); the larger is used.

use super::event::{Event, HttpHeader};
use super::state::{BudgetCuts, TabState};
use super::triage::is_subresource;
#[cfg(doc)]
use crate::limits::SESSION_STORAGE_QUOTA;
use crate::limits::STORAGE_BUDGET;

/// Subresources are kept while the storage is less than half full...
const SUBRESOURCES_UP_TO: usize = STORAGE_BUDGET / 2;
/// ...request bodies and screenshots while it is less than 70 % full...
const BODIES_UP_TO: usize = STORAGE_BUDGET / 10 * 7;
/// ...headers and page snapshots while it is less than 85 % full...
const HEADERS_UP_TO: usize = STORAGE_BUDGET / 20 * 17;
/// ...and hops to the end of the budget.
const HOPS_UP_TO: usize = STORAGE_BUDGET;

/// Headers a hop keeps when the budget strips the others: what the flow's reconstruction
/// cannot do without (the redirect chain, the MCP challenge, what kind of response it was).
const ESSENTIAL_HEADERS: &[&str] = &["location", "www-authenticate", "content-type"];

/// What a trace state takes in storage besides its chunks: an object of about 40 fields,
/// which Chrome counts at 64 bytes a field, plus its strings.
pub fn state_bytes(state: &TabState) -> usize {
    4096 + state.last_url.as_ref().map_or(0, String::len)
        + state.redirect_uris.iter().map(String::len).sum::<usize>()
        + state.write_error.as_ref().map_or(0, String::len)
}

/// Bytes a stored JSON text takes, as the larger of Chrome's and Firefox's measures, plus its
/// storage key.
pub fn stored_bytes(json: &str) -> usize {
    let escaped = memchr::memchr2_iter(b'"', b'\\', json.as_bytes()).count();
    json.len() + escaped + 40
}

/// An event, serialized for a chunk, when the budget leaves room for it. `used` is what
/// storage already holds (or will, once pending chunks are written). Parts the budget gives
/// up are taken out of the event and counted in `state`; `None`: nothing of it is kept.
pub fn fit(used: usize, mut event: Event, state: &mut TabState) -> Option<String> {
    let mut json = to_json(&event);
    let fits = |json: &str, limit: usize| used + stored_bytes(json) <= limit;
    let cuts = &mut state.budget;
    match &event {
        Event::Screenshot(_) if !fits(&json, BODIES_UP_TO) => {
            cuts.screenshots += 1;
            return None;
        }
        Event::Snapshot(_) if !fits(&json, HEADERS_UP_TO) => {
            cuts.snapshots += 1;
            return None;
        }
        e if e.web_request().is_some_and(is_subresource) && !fits(&json, SUBRESOURCES_UP_TO) => {
            if matches!(e, Event::BeforeRequest(_)) {
                cuts.subresources += 1;
            }
            return None;
        }
        _ => {}
    }
    // Parts given up count only when the rest of the event is kept.
    let mut stripped = BudgetCuts::default();
    if !fits(&json, BODIES_UP_TO) && strip_body(&mut event) {
        stripped.bodies = 1;
        json = to_json(&event);
    }
    if !fits(&json, HEADERS_UP_TO) && strip_headers(&mut event) {
        stripped.headers = 1;
        json = to_json(&event);
    }
    if !fits(&json, HOPS_UP_TO) {
        state.dropped += 1;
        return None;
    }
    cuts.bodies += stripped.bodies;
    cuts.headers += stripped.headers;
    Some(json)
}

/// Serializes a stored event. Events are plain data (strings, numbers, lists), which JSON
/// always represents; a page snapshot the worker received is written as it was sent.
pub fn to_json(event: &Event) -> String {
    if let Event::Snapshot(e) = event {
        if let Some(sent) = &e.sent {
            let time = serde_json::to_string(&e.time_stamp).unwrap_or_else(|_| "0".into());
            return format!(
                r#"{{"kind":"snapshot","tab_id":{},"time_stamp":{time},"snapshot":{sent}}}"#,
                e.tab_id
            );
        }
    }
    serde_json::to_string(event).unwrap_or_default()
}

fn strip_body(event: &mut Event) -> bool {
    match event {
        Event::BeforeRequest(r) => r.request_body.take().is_some(),
        _ => false,
    }
}

fn strip_headers(event: &mut Event) -> bool {
    let Some(r) = (match event {
        Event::SendHeaders(r)
        | Event::HeadersReceived(r)
        | Event::BeforeRedirect(r)
        | Event::Completed(r) => Some(r),
        _ => None,
    }) else {
        return false;
    };
    let mut stripped = false;
    for headers in [&mut r.request_headers, &mut r.response_headers]
        .into_iter()
        .flatten()
    {
        let before = headers.len();
        headers.retain(|HttpHeader { name, .. }| {
            ESSENTIAL_HEADERS
                .iter()
                .any(|e| name.eq_ignore_ascii_case(e))
        });
        stripped |= headers.len() < before;
    }
    stripped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::event::{RequestBody, WebRequest};
    use crate::trace::ResourceType;

    fn request(kind: ResourceType, headers: usize, body: usize) -> WebRequest {
        WebRequest {
            request_id: "1".into(),
            url: "https://auth.acme.test/page".into(),
            resource_type: kind,
            response_headers: Some(
                (0..headers)
                    .map(|i| HttpHeader::new(&format!("x-{i}"), "v"))
                    .chain([HttpHeader::new("Location", "https://login.acme.test/")])
                    .collect(),
            ),
            request_body: (body > 0).then(|| RequestBody {
                text: Some("b".repeat(body)),
                ..RequestBody::default()
            }),
            ..WebRequest::default()
        }
    }

    #[test]
    fn gives_up_subresources_then_bodies_then_headers_and_keeps_hops_to_the_end() {
        let mut state = TabState::new(1);
        let image = Event::HeadersReceived(request(ResourceType::Image, 2, 0));
        let post = Event::BeforeRequest(request(ResourceType::Document, 0, 1000));
        let redirect = Event::HeadersReceived(request(ResourceType::Document, 50, 0));

        let roomy = 0;
        assert!(fit(roomy, image.clone(), &mut state).is_some());
        assert!(fit(roomy, post.clone(), &mut state)
            .expect("kept")
            .contains("bbbb"));

        let half_full = SUBRESOURCES_UP_TO;
        assert!(fit(half_full, image.clone(), &mut state).is_none());
        assert!(fit(half_full, post.clone(), &mut state)
            .expect("kept")
            .contains("bbbb"));

        let bodies_gone = BODIES_UP_TO;
        let kept = fit(bodies_gone, post.clone(), &mut state).expect("the hop");
        assert!(!kept.contains("bbbb") && kept.contains("/page"));
        assert!(fit(bodies_gone, redirect.clone(), &mut state)
            .expect("kept")
            .contains("x-49"));

        let headers_gone = HEADERS_UP_TO;
        let kept = fit(headers_gone, redirect.clone(), &mut state).expect("the hop");
        assert!(!kept.contains("x-49") && kept.contains("login.acme.test"));

        assert!(fit(HOPS_UP_TO, redirect, &mut state).is_none());
        assert_eq!(
            state.budget,
            BudgetCuts {
                subresources: 0, // headers-received events are not counted, requests are
                bodies: 1,
                headers: 1,
                ..BudgetCuts::default()
            }
        );
        assert_eq!(state.dropped, 1);
    }

    #[test]
    fn counts_quotes_as_firefox_does() {
        assert_eq!(stored_bytes(r#"["a"]"#), 5 + 2 + 40);
    }
}
