//! A recording does not depend on the order the browser reports events in, nor on when the
//! worker is stopped.
//!
//! Chrome and Firefox each keep one request's webRequest events in order, but not the order
//! between webRequest and webNavigation listeners: Firefox has been seen reporting the
//! sign-in page's load before the authorization request that led there, and a redirect after
//! the request it led to. Each flow below is fed in the order things happened, in the orders
//! those browsers deliver, and in seeded random interleavings of the two listener streams;
//! every delivery must give the same trace.

use std::collections::HashMap;

use super::super::event::*;
use super::super::*;
use crate::trace::{PageSnapshot, ResourceType, Trace};

const TAB: i64 = 4;
const APP: &str = "https://app.acme.test/";
const AUTHORIZE: &str = "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcallback&state=s1&code_challenge=x&code_challenge_method=S256";
const LOGIN: &str = "https://login.acme.test/login?login_request_id=lri_1&state=sk1";
const CONSENT: &str = "https://auth.acme.test/oauth/consent?id=1";
const CALLBACK: &str = "https://app.acme.test/callback?code=abc&state=s1";

/// Which listener reports an event: their relative order is what browsers do not keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    WebRequest,
    WebNavigation,
}

/// The events of a flow, in the order they happened (distinct time stamps).
struct Script {
    clock: f64,
    events: Vec<(Stream, Event)>,
    next_id: u32,
}

impl Script {
    fn new() -> Self {
        Self {
            clock: 1_700_000_000_000.0,
            events: Vec::new(),
            next_id: 0,
        }
    }

    fn at(&mut self) -> f64 {
        self.clock += 7.0;
        self.clock
    }

    fn web_request(&mut self, id: &str, url: &str, kind: ResourceType) -> WebRequest {
        WebRequest {
            request_id: id.into(),
            tab_id: TAB,
            url: url.into(),
            resource_type: kind,
            time_stamp: self.at(),
            ..WebRequest::default()
        }
    }

    fn push(&mut self, event: Event) {
        self.events.push((Stream::WebRequest, event));
    }

    fn navigation(&mut self, event: Event) {
        self.events.push((Stream::WebNavigation, event));
    }

    /// A request through its redirects (`(url, status, location)`); main-frame chains end in
    /// a page load (committed, DOM ready) and the page's logo.
    fn request(&mut self, kind: ResourceType, method: &str, hops: &[(&str, u16, Option<&str>)]) {
        self.next_id += 1;
        let id = self.next_id.to_string();
        for (i, &(url, status, location)) in hops.iter().enumerate() {
            // Every event of a request carries its method, as the browsers give it.
            let method = if i == 0 { method } else { "GET" };
            let mut r = self.web_request(&id, url, kind);
            r.method = method.into();
            self.push(Event::BeforeRequest(r));
            let mut r = self.web_request(&id, url, kind);
            r.method = method.into();
            r.request_headers = Some(vec![HttpHeader::new("Accept", "*/*")]);
            self.push(Event::SendHeaders(r));
            let mut r = self.web_request(&id, url, kind);
            r.method = method.into();
            r.status_code = status;
            r.response_headers = Some(
                location
                    .map(|l| HttpHeader::new("Location", l))
                    .into_iter()
                    .collect(),
            );
            self.push(Event::HeadersReceived(r.clone()));
            if let Some(to) = location {
                r.time_stamp = self.at();
                r.redirect_url = Some(to.into());
                self.push(Event::BeforeRedirect(r));
                continue;
            }
            if kind == ResourceType::Document {
                let committed = self.page_event(url);
                self.navigation(Event::Navigation(committed));
            }
            r.time_stamp = self.at();
            self.push(Event::Completed(r));
            if kind == ResourceType::Document {
                let ready = self.page_event(url);
                self.navigation(Event::DomReady(ready));
                let logo = format!("{}logo.png", &url[..url.find(".test/").unwrap_or(0) + 6]);
                self.request(ResourceType::Image, "GET", &[(&logo, 200, None)]);
            }
        }
    }

    fn page_event(&mut self, url: &str) -> NavigationEvent {
        NavigationEvent {
            tab_id: TAB,
            frame_id: 0,
            time_stamp: self.at(),
            url: url.into(),
            nav_kind: NavKind::Committed,
        }
    }

    fn page(&mut self, hops: &[(&str, u16, Option<&str>)]) {
        self.request(ResourceType::Document, "GET", hops);
    }
}

/// A flow that starts with the authorization request (no MCP discovery).
fn authorize_flow() -> Script {
    let mut s = Script::new();
    s.page(&[(APP, 200, None)]);
    s.page(&[(AUTHORIZE, 302, Some(LOGIN)), (LOGIN, 200, None)]);
    s.request(
        ResourceType::Document,
        "POST",
        &[
            ("https://login.acme.test/login", 302, Some(CONSENT)),
            (CONSENT, 200, None),
        ],
    );
    s.request(
        ResourceType::Document,
        "POST",
        &[
            ("https://auth.acme.test/oauth/consent", 302, Some(CALLBACK)),
            (CALLBACK, 200, None),
        ],
    );
    s.request(
        ResourceType::Fetch,
        "POST",
        &[("https://auth.acme.test/oauth/token", 200, None)],
    );
    s
}

/// A flow that starts with an MCP server's 401 challenge.
fn mcp_flow() -> Script {
    let mut s = Script::new();
    s.page(&[(APP, 200, None)]);
    s.next_id += 1;
    let id = s.next_id.to_string();
    let mut r = s.web_request(&id, "https://mcp.acme.test/mcp", ResourceType::Fetch);
    r.method = "POST".into();
    s.push(Event::BeforeRequest(r));
    let mut r = s.web_request(&id, "https://mcp.acme.test/mcp", ResourceType::Fetch);
    r.method = "POST".into();
    r.status_code = 401;
    r.response_headers = Some(vec![HttpHeader::new(
        "WWW-Authenticate",
        r#"Bearer resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#,
    )]);
    s.push(Event::HeadersReceived(r.clone()));
    r.time_stamp = s.at();
    s.push(Event::Completed(r));
    s.request(
        ResourceType::Fetch,
        "GET",
        &[(
            "https://mcp.acme.test/.well-known/oauth-protected-resource/mcp",
            200,
            None,
        )],
    );
    s.page(&[(AUTHORIZE, 302, Some(CONSENT)), (CONSENT, 200, None)]);
    s.request(
        ResourceType::Document,
        "POST",
        &[
            ("https://auth.acme.test/oauth/consent", 302, Some(CALLBACK)),
            (CALLBACK, 200, None),
        ],
    );
    s
}

/// The extension around the recorder: performs its actions, with a content script that
/// snapshots the page asked for (it is still shown: pages stay for far longer than a
/// browser's reordering of events) and a screenshot of consent pages, and writes what is due
/// after each event (its burst).
struct Extension {
    recorder: Recorder,
    loads: HashMap<String, f64>,
    chunks: Vec<Append>,
    states: Vec<TabState>,
    buffered: Vec<BufferChunk>,
    clock: f64,
    due: bool,
}

impl Extension {
    fn new(script: &Script) -> Self {
        let loads = script
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::DomReady(n) => Some((n.url.clone(), n.time_stamp)),
                _ => None,
            })
            .collect();
        Self {
            recorder: Recorder::new(),
            loads,
            chunks: Vec::new(),
            states: Vec::new(),
            buffered: Vec::new(),
            clock: 0.0,
            due: false,
        }
    }

    fn feed(&mut self, event: Event) {
        self.clock = self.clock.max(event.time_ms());
        let actions = self.recorder.observe(event);
        self.perform(actions);
        if self.due {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.due = false;
        let flushed = self.recorder.flush();
        self.store(flushed);
    }

    fn perform(&mut self, actions: Actions) {
        if let Some(request) = &actions.snapshot {
            let url = request.url.clone().expect("a page asked for by URL");
            let loaded = self.loads[&url];
            let consent = url.contains("/consent");
            self.feed(Event::Snapshot(Box::new(SnapshotEvent::new(
                request.tab,
                loaded + 1.0,
                PageSnapshot {
                    time_ms: loaded + 1.0,
                    url: url.clone(),
                    has_password_field: url.contains("/login"),
                    buttons: if consent {
                        vec!["Deny".into(), "Allow".into()]
                    } else {
                        vec!["Sign in".into()]
                    },
                    ..PageSnapshot::default()
                },
            ))));
        }
        if let Some(shot) = &actions.screenshot {
            let at = self.loads[&shot.url] + 2.0;
            self.feed(Event::Screenshot(ScreenshotEvent {
                tab_id: shot.tab,
                time_stamp: at,
                url: shot.url.clone(),
                data_url: "data:image/jpeg;base64,/9j/".into(),
            }));
        }
        if actions.flush {
            self.due = true;
        }
        self.store(actions);
    }

    fn store(&mut self, actions: Actions) {
        self.chunks.extend(actions.append);
        for s in actions.states {
            self.states.retain(|x| x.trace != s.trace);
            self.states.push(s);
        }
        self.buffered.extend(actions.buffered);
        for k in actions.unbuffered {
            self.buffered
                .retain(|c| (c.tab, c.chunk) != (k.tab, k.chunk));
        }
    }

    /// The worker stops between two events, whatever it had not written yet: a new one
    /// restores from storage.
    fn restart(&mut self) {
        self.due = false;
        self.recorder = Recorder::new();
        let actions = self.recorder.restore(
            self.states.clone(),
            self.buffered.iter().map(BufferChunk::decode).collect(),
            self.clock,
        );
        self.perform(actions);
    }

    fn trace(&self) -> Trace {
        let state = self
            .states
            .iter()
            .find(|s| s.trace == TAB)
            .expect("the flow was recorded");
        let mut chunks: Vec<&Append> = self.chunks.iter().collect();
        chunks.sort_by_key(|a| a.chunk);
        trace_from_chunks(state, chunks.iter().map(|a| a.json.as_str()))
    }
}

fn record(script: &Script, order: &[Event]) -> Trace {
    let mut extension = Extension::new(script);
    for event in order {
        extension.feed(event.clone());
    }
    extension.flush();
    extension.trace()
}

fn as_happened(script: &Script) -> Vec<Event> {
    script.events.iter().map(|(_, e)| e.clone()).collect()
}

/// Firefox's race: each page's load (committed, DOM ready) reported before the request that
/// led to it, and with it the requests of the page's chain after the first.
fn loads_first(script: &Script) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let events = as_happened(script);
    let mut chain_start: HashMap<String, usize> = HashMap::new();
    for event in events {
        let id = event.web_request().map(|r| r.request_id.clone());
        match (&event, id) {
            (Event::BeforeRequest(r), Some(id)) if r.is_main_frame() => {
                chain_start.entry(id).or_insert(out.len());
                out.push(event);
            }
            (Event::Navigation(_) | Event::DomReady(_), _) => {
                // Before the first request of the latest page chain.
                let at = chain_start.values().copied().max().unwrap_or(out.len());
                out.insert(at, event);
                for start in chain_start.values_mut().filter(|s| **s >= at) {
                    *start += 1;
                }
            }
            _ => out.push(event),
        }
    }
    out
}

/// Each redirect reported after the request it led to.
fn redirects_late(script: &Script) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut late: Option<Event> = None;
    for event in as_happened(script) {
        match event {
            Event::BeforeRedirect(_) => late = Some(event),
            Event::BeforeRequest(_) => {
                out.push(event);
                out.extend(late.take());
            }
            _ => out.push(event),
        }
    }
    out.extend(late);
    out
}

/// Every webNavigation event reported three events late.
fn navigation_late(script: &Script) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut waiting: Vec<(usize, Event)> = Vec::new();
    for (stream, event) in &script.events {
        if *stream == Stream::WebNavigation {
            waiting.push((3, event.clone()));
            continue;
        }
        out.push(event.clone());
        for w in &mut waiting {
            w.0 -= 1;
        }
        while waiting.first().is_some_and(|w| w.0 == 0) {
            out.push(waiting.remove(0).1);
        }
    }
    out.extend(waiting.into_iter().map(|w| w.1));
    out
}

/// A random interleaving of the two listener streams, each in its own order: every
/// webNavigation event moves up to three events earlier or later. (They come from another
/// process, not from another page load: a browser that delivered a page's load after the next
/// page showed could not snapshot it, whatever the recorder did.)
fn interleaved(script: &Script, seed: u64) -> Vec<Event> {
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut keyed: Vec<(f64, Stream, Event)> = script
        .events
        .iter()
        .enumerate()
        .map(|(i, (stream, event))| {
            let shift = match stream {
                Stream::WebRequest => 0.0,
                Stream::WebNavigation => (next() % 7) as f64 - 3.0 + 0.5,
            };
            (i as f64 + shift, *stream, event.clone())
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Each stream keeps its own order: put the navigation events back in theirs.
    let mut navigations = script
        .events
        .iter()
        .filter(|(s, _)| *s == Stream::WebNavigation)
        .map(|(_, e)| e.clone());
    keyed
        .into_iter()
        .map(|(_, stream, event)| match stream {
            Stream::WebRequest => event,
            Stream::WebNavigation => navigations.next().unwrap_or(event),
        })
        .collect()
}

fn urls(trace: &Trace) -> Vec<&str> {
    trace.exchanges.iter().map(|e| e.url.as_str()).collect()
}

#[test]
fn every_delivery_order_gives_the_same_trace() {
    for (name, script) in [("authorize", authorize_flow()), ("mcp", mcp_flow())] {
        let expected = record(&script, &as_happened(&script));
        let pages: Vec<&str> = expected.pages.iter().map(|p| p.url.as_str()).collect();
        assert!(
            !pages.contains(&APP),
            "{name}: the page before the flow: {pages:?}"
        );
        assert!(
            pages.contains(&CONSENT) && pages.contains(&CALLBACK),
            "{name}: {pages:?}"
        );
        assert_eq!(
            expected.screenshots.len(),
            1,
            "{name}: the consent screenshot"
        );
        assert_eq!(urls(&expected)[0], APP, "{name}: the page before the flow");
        let authorize = expected.exchanges.iter().find(|e| e.url == AUTHORIZE);
        assert_eq!(
            authorize.map(|e| (e.status(), e.redirect_location())),
            Some((Some(302), Some(if name == "mcp" { CONSENT } else { LOGIN }))),
            "{name}: the redirect belongs to the authorization request"
        );
        let callback = expected.exchanges.iter().find(|e| e.url == CALLBACK);
        assert_eq!(callback.and_then(|e| e.status()), Some(200), "{name}");
        assert!(
            urls(&expected).contains(&"https://app.acme.test/logo.png"),
            "{name}: subresources are kept"
        );

        let mut orders = vec![
            ("page loads first", loads_first(&script)),
            ("redirects late", redirects_late(&script)),
            ("navigation late", navigation_late(&script)),
        ];
        for seed in 1..=200 {
            orders.push(("interleaved", interleaved(&script, seed)));
        }
        orders.retain(|(_, events)| *events != as_happened(&script));
        assert!(orders.len() > 150, "{name}: most orders differ");
        for (i, (order, events)) in orders.iter().enumerate() {
            let trace = record(&script, events);
            assert_eq!(
                trace, expected,
                "{name}: {order} (#{i}) gives another trace than the order things happened in"
            );
        }
    }
}

#[test]
fn the_sign_in_page_reported_before_its_authorization_request_gets_its_snapshot() {
    let script = authorize_flow();
    let trace = record(&script, &loads_first(&script));
    let pages: Vec<&str> = trace.pages.iter().map(|p| p.url.as_str()).collect();
    assert!(pages.contains(&LOGIN), "{pages:?}");
}

/// Hops of a trace: what a stopped worker must never lose (subresources of a page before the
/// flow are held in memory only).
fn hops(trace: &Trace) -> Vec<(String, String, Option<u16>)> {
    trace
        .exchanges
        .iter()
        .filter(|e| e.resource_type != ResourceType::Image)
        .map(|e| (e.method.clone(), e.url.clone(), e.status()))
        .collect()
}

#[test]
fn a_worker_stopped_between_any_two_events_loses_no_hop() {
    for script in [authorize_flow(), mcp_flow()] {
        let events = as_happened(&script);
        let expected = record(&script, &events);
        for stop_at in 0..=events.len() {
            let mut extension = Extension::new(&script);
            for (i, event) in events.iter().enumerate() {
                if i == stop_at {
                    extension.restart();
                }
                extension.feed(event.clone());
            }
            extension.flush();
            let trace = extension.trace();
            assert_eq!(
                hops(&trace),
                hops(&expected),
                "worker stopped before event {stop_at}"
            );
            assert_eq!(
                trace.navigations, expected.navigations,
                "stopped at {stop_at}"
            );
            assert_eq!(trace.pages, expected.pages, "stopped at {stop_at}");
        }
    }
}

#[test]
fn a_redirect_reported_after_the_request_it_led_to_in_the_same_millisecond() {
    // Firefox's time stamps are whole milliseconds: the redirect and the next request of the
    // chain often share one, and then only their URLs tell them apart.
    let at = |t: f64, url: &str| WebRequest {
        request_id: "7".into(),
        tab_id: TAB,
        time_stamp: 1_700_000_000_000.0 + t,
        url: url.into(),
        resource_type: ResourceType::Document,
        method: "GET".into(),
        ..WebRequest::default()
    };
    let authorize = at(0.0, AUTHORIZE);
    let mut redirect = at(5.0, AUTHORIZE);
    redirect.status_code = 302;
    redirect.redirect_url = Some(LOGIN.into());
    let login = at(5.0, LOGIN);
    let mut done = at(9.0, LOGIN);
    done.status_code = 200;
    let mut recorder = Recorder::new();
    for event in [
        Event::BeforeRequest(authorize),
        Event::BeforeRequest(login),
        Event::BeforeRedirect(redirect),
        Event::HeadersReceived(done),
    ] {
        recorder.observe(event);
    }
    let flushed = recorder.flush();
    let state = recorder.state(TAB).expect("recording").clone();
    let trace = trace_from_chunks(&state, flushed.append.iter().map(|a| a.json.as_str()));
    let statuses: Vec<(&str, Option<u16>, Option<&str>)> = trace
        .exchanges
        .iter()
        .map(|e| (e.url.as_str(), e.status(), e.redirect_location()))
        .collect();
    assert_eq!(
        statuses,
        [
            (AUTHORIZE, Some(302), Some(LOGIN)),
            (LOGIN, Some(200), None)
        ]
    );
}

#[test]
fn a_worker_stopped_while_it_handled_any_event_loses_no_hop() {
    // The browser drops what a stopping worker asks for: the event it was handling, and every
    // write not yet done, are gone. Later events of the same request keep the hop.
    for script in [authorize_flow(), mcp_flow()] {
        let events = as_happened(&script);
        let expected = record(&script, &events);
        for lost in 0..events.len() {
            let mut extension = Extension::new(&script);
            for (i, event) in events.iter().enumerate() {
                if i == lost {
                    extension.recorder.observe(event.clone());
                    extension.restart();
                    continue;
                }
                extension.feed(event.clone());
            }
            extension.flush();
            let trace = extension.trace();
            assert_eq!(
                hops(&trace),
                hops(&expected),
                "the worker stopped while it handled event {lost}: {:?}",
                events[lost]
            );
        }
    }
}
