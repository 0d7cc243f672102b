//! The recorder driven with event sequences shaped like Chrome's.

use super::event::*;
use super::*;
use crate::trace::{PageSnapshot, Param};
use crate::{analyze, Profile};

/// One URL of a request's redirect chain: URL, status, response headers.
type Hop<'a> = (&'a str, u16, &'a [(&'a str, &'a str)]);

const T0: f64 = 1_700_000_000_000.0;

/// Emits Chrome-shaped events for requests of one tab, 10 ms apart.
struct Browser {
    recorder: Recorder,
    clock: f64,
    next_id: u32,
    stored: Vec<Append>,
    states: Vec<TabState>,
    last: Actions,
}

impl Browser {
    fn new() -> Self {
        Self {
            recorder: Recorder::new(),
            clock: T0,
            next_id: 0,
            stored: Vec::new(),
            states: Vec::new(),
            last: Actions::default(),
        }
    }

    fn feed(&mut self, event: Event) {
        let actions = self.recorder.observe(event);
        self.apply(actions);
    }

    /// Carries out actions as the extension does: a due flush right away.
    fn apply(&mut self, actions: Actions) {
        let flush = actions.flush;
        self.store(actions.clone());
        if flush {
            let flushed = self.recorder.flush();
            self.store(flushed);
        }
        self.last = actions;
    }

    fn store(&mut self, actions: Actions) {
        self.stored.extend(actions.append.iter().cloned());
        for s in &actions.states {
            match self.states.iter_mut().find(|x| x.tab == s.tab) {
                Some(x) => *x = s.clone(),
                None => self.states.push(s.clone()),
            }
        }
        for r in &actions.removed {
            self.states.retain(|s| s.tab != r.tab);
            self.stored.retain(|a| a.trace != r.tab);
        }
    }

    fn tick(&mut self) -> f64 {
        self.clock += 10.0;
        self.clock
    }

    fn base(&mut self, tab: i64, id: &str, url: &str) -> WebRequest {
        WebRequest {
            request_id: id.into(),
            tab_id: tab,
            frame_id: 0,
            time_stamp: self.tick(),
            url: url.into(),
            ..WebRequest::default()
        }
    }

    /// A request through its redirects: `(status, location)` per URL, last one final.
    fn request(&mut self, tab: i64, kind: &str, method: &str, hops: &[Hop]) {
        self.next_id += 1;
        let id = self.next_id.to_string();
        for (i, (url, status, headers)) in hops.iter().enumerate() {
            let mut r = self.base(tab, &id, url);
            r.method = if i == 0 { method.into() } else { "GET".into() };
            r.resource_type = kind.into();
            self.feed(Event::BeforeRequest(r));
            let mut r = self.base(tab, &id, url);
            r.resource_type = kind.into();
            r.request_headers = Some(vec![HttpHeader::new("Accept", "*/*")]);
            self.feed(Event::SendHeaders(r));
            let mut r = self.base(tab, &id, url);
            r.resource_type = kind.into();
            r.status_code = *status;
            r.response_headers = Some(headers.iter().map(|(n, v)| HttpHeader::new(n, v)).collect());
            self.feed(Event::HeadersReceived(r.clone()));
            if (300..400).contains(status) {
                let mut redirect = r.clone();
                redirect.time_stamp = self.tick();
                redirect.redirect_url = hops.get(i + 1).map(|h| h.0.to_string());
                self.feed(Event::BeforeRedirect(redirect));
            } else {
                r.time_stamp = self.tick();
                self.feed(Event::Completed(r));
            }
        }
    }

    fn page(&mut self, tab: i64, hops: &[Hop]) {
        self.request(tab, "main_frame", "GET", hops);
    }

    fn trace(&self, tab: i64) -> crate::Trace {
        let state = self.states.iter().find(|s| s.tab == tab).expect("a trace");
        let mut chunks: Vec<&Append> = self.stored.iter().filter(|a| a.trace == tab).collect();
        chunks.sort_by_key(|a| a.chunk);
        trace_from_events(state, chunks.into_iter().flat_map(|a| a.events.clone()))
    }

    fn state(&self, tab: i64) -> &TabState {
        self.states.iter().find(|s| s.tab == tab).expect("a state")
    }
}

const AUTHORIZE: &str = "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcallback&state=s1&code_challenge=x&code_challenge_method=S256";
const LOGIN: &str = "https://login.acme.test/login?login_request_id=lri_1&state=sk1";
const CALLBACK: &str = "https://app.acme.test/callback?code=abc&state=s1";

fn run_good_flow(b: &mut Browser, tab: i64) {
    b.page(tab, &[("https://app.acme.test/", 200, &[])]);
    b.request(
        tab,
        "xmlhttprequest",
        "POST",
        &[(
            "https://mcp.acme.test/mcp",
            401,
            &[(
                "WWW-Authenticate",
                r#"Bearer resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#,
            )],
        )],
    );
    b.request(
        tab,
        "xmlhttprequest",
        "GET",
        &[(
            "https://mcp.acme.test/.well-known/oauth-protected-resource/mcp",
            200,
            &[],
        )],
    );
    b.page(
        tab,
        &[
            (AUTHORIZE, 302, &[("Location", LOGIN)]),
            (LOGIN, 200, &[("Content-Type", "text/html")]),
        ],
    );
    b.page(
        tab,
        &[("https://auth.acme.test/oauth/consent?id=1", 200, &[])],
    );
    b.page(tab, &[(CALLBACK, 200, &[])]);
}

#[test]
fn keeps_nothing_of_a_tab_without_a_flow() {
    let mut b = Browser::new();
    b.page(7, &[("https://news.test/", 200, &[])]);
    b.request(7, "image", "GET", &[("https://news.test/a.png", 200, &[])]);
    assert!(b.stored.is_empty());
    assert!(b.states.is_empty());
}

#[test]
fn records_from_the_challenge_with_the_buffered_page_load_and_ends_after_the_callback() {
    let mut b = Browser::new();
    run_good_flow(&mut b, 3);
    let state = b.state(3).clone();
    assert_eq!(state.phase, Phase::Finishing);
    assert_eq!(state.redirect_uris, vec!["https://app.acme.test/callback"]);

    let trace = b.trace(3);
    let urls: Vec<&str> = trace.exchanges.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(
        urls[0], "https://app.acme.test/",
        "the buffer kept the client page"
    );
    assert_eq!(urls[1], "https://mcp.acme.test/mcp");
    assert_eq!(trace.exchanges[3].redirect_location(), Some(LOGIN));
    assert_eq!(
        trace.exchanges.last().map(|e| e.url.as_str()),
        Some(CALLBACK)
    );
    assert!(trace
        .exchanges
        .iter()
        .all(|e| e.tab.as_deref() == Some("3")));

    let report = analyze(&trace, &Profile::default());
    assert_eq!(report.flows.len(), 1);
    let end = report.flows[0].end.as_ref().expect("the flow ends");
    assert_eq!(end.outcome, "code");

    // After the grace period the next event of the tab is not kept and recording is over.
    b.clock += GRACE_MS + 1.0;
    let kept = b.stored.len();
    b.page(3, &[("https://news.test/", 200, &[])]);
    assert_eq!(b.stored.len(), kept);
    assert_eq!(b.state(3).phase, Phase::Idle);
}

#[test]
fn two_tabs_record_apart() {
    let mut b = Browser::new();
    b.page(1, &[("https://app.acme.test/", 200, &[])]);
    b.page(2, &[("https://app.acme.test/", 200, &[])]);
    b.page(
        1,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    b.page(
        2,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    b.page(1, &[(CALLBACK, 200, &[])]);
    assert_eq!(b.state(1).phase, Phase::Finishing);
    assert_eq!(b.state(2).phase, Phase::Recording);
    assert_eq!(b.trace(1).exchanges.len(), 4);
    assert_eq!(b.trace(2).exchanges.len(), 3);
}

#[test]
fn a_restarted_worker_continues_the_recording_from_the_persisted_state() {
    let mut b = Browser::new();
    b.page(
        5,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    // The worker stops: memory is gone, storage stays.
    let states = b.states.clone();
    b.recorder = Recorder::new();
    let actions = b.recorder.restore(states);
    b.apply(actions);
    b.page(5, &[(CALLBACK, 200, &[])]);
    let state = b.state(5);
    assert_eq!((state.phase, state.restarts), (Phase::Finishing, 1));
    let chunks: Vec<u32> = b.stored.iter().map(|a| a.chunk).collect();
    let mut unique = chunks.clone();
    unique.dedup();
    assert_eq!(chunks, unique, "chunk numbers go on after the restart");
    let report = analyze(&b.trace(5), &Profile::default());
    assert!(report.flows[0].end.is_some());
    assert!(report.notes.iter().any(|n| n.contains("restarted 1 time")));
}

#[test]
fn a_flow_opened_in_a_popup_feeds_the_openers_trace() {
    let mut b = Browser::new();
    b.page(1, &[("https://app.acme.test/", 200, &[])]);
    b.request(
        1,
        "xmlhttprequest",
        "POST",
        &[(
            "https://mcp.acme.test/mcp",
            401,
            &[("WWW-Authenticate", "Bearer resource_metadata=\"x\"")],
        )],
    );
    let t = b.tick();
    b.feed(Event::TabOpened(TabOpened {
        source_tab_id: 1,
        tab_id: 9,
        time_stamp: t,
        url: AUTHORIZE.into(),
    }));
    b.page(
        9,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    b.page(9, &[(CALLBACK, 200, &[])]);
    assert!(b.states.iter().all(|s| s.tab == 1));
    assert_eq!(b.state(1).followers, vec![9]);
    assert_eq!(b.state(1).phase, Phase::Finishing);
    let report = analyze(&b.trace(1), &Profile::default());
    assert_eq!(report.flows.len(), 1, "{:?}", report.flows);
    assert_eq!(pick_trace(&b.states, Some(9), None), Some(1));
}

#[test]
fn a_flow_opened_from_an_idle_tab_takes_the_openers_recent_events() {
    let mut b = Browser::new();
    b.request(
        1,
        "xmlhttprequest",
        "GET",
        &[(
            "https://mcp.acme.test/.well-known/oauth-protected-resource/mcp",
            200,
            &[],
        )],
    );
    let t = b.tick();
    b.feed(Event::TabOpened(TabOpened {
        source_tab_id: 1,
        tab_id: 9,
        time_stamp: t,
        url: AUTHORIZE.into(),
    }));
    b.page(
        9,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    let trace = b.trace(9);
    assert!(trace.exchanges[0].url.contains("oauth-protected-resource"));
}

#[test]
fn caps_megabyte_urls_and_counts_the_cut() {
    let mut b = Browser::new();
    let huge = format!("{AUTHORIZE}&junk={}", "a".repeat(1024 * 1024));
    b.page(4, &[(&huge, 200, &[("X-Big", &"b".repeat(100_000))])]);
    let trace = b.trace(4);
    assert!(trace.exchanges[0].url.len() <= MAX_URL_BYTES);
    assert!(b.state(4).cut_fields >= 2);
    let report = analyze(&trace, &Profile::default());
    assert!(report.notes.iter().any(|n| n.contains("were cut")));
}

#[test]
fn a_page_with_ten_thousand_images_keeps_the_flow_and_says_what_it_skipped() {
    let mut b = Browser::new();
    b.page(
        4,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    for i in 0..10_000 {
        b.request(
            4,
            "image",
            "GET",
            &[(&format!("https://login.acme.test/i/{i}.png"), 200, &[])],
        );
    }
    b.page(4, &[(CALLBACK, 200, &[])]);
    let state = b.state(4).clone();
    assert_eq!(
        state.skipped_subresources,
        10_000 - MAX_SUBRESOURCES_PER_TRACE
    );
    assert_eq!(state.dropped, 0);
    assert_eq!(state.phase, Phase::Finishing, "the callback was still seen");
    let trace = b.trace(4);
    assert_eq!(
        trace.exchanges.len(),
        3 + MAX_SUBRESOURCES_PER_TRACE as usize
    );
    assert!(trace
        .capture
        .notes
        .iter()
        .any(|n| n.contains("subresource requests")));
}

#[test]
fn masks_passwords_before_storing_and_keeps_other_form_fields_in_order() {
    let mut b = Browser::new();
    b.feed(Event::Navigation(NavigationEvent::default())); // tab 0, idle: buffered
    b.page(
        2,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    let mut r = b.base(2, "99", "https://login.acme.test/login/submit");
    r.method = "POST".into();
    r.resource_type = "main_frame".into();
    r.request_body = Some(RequestBody {
        form_data: Some(FormData(vec![
            Param::new("email", "a@acme.test"),
            Param::new("password", "hunter2"),
            Param::new("state", "sk1"),
        ])),
        ..RequestBody::default()
    });
    b.feed(Event::BeforeRequest(r));
    let json = serde_json::to_string(&b.stored).expect("serializable");
    assert!(!json.contains("hunter2"));
    assert!(json.contains(r#""email":["a@acme.test"]"#));
    let trace = b.trace(2);
    let form = trace
        .exchanges
        .last()
        .and_then(|e| e.form.clone())
        .expect("a form");
    let names: Vec<&str> = form.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["email", "password", "state"]);
}

#[test]
fn asks_for_snapshots_and_a_consent_screenshot_only_while_recording() {
    let mut b = Browser::new();
    let ready = |tab| {
        Event::DomReady(NavigationEvent {
            tab_id: tab,
            url: "https://auth.acme.test/oauth/consent".into(),
            ..NavigationEvent::default()
        })
    };
    b.feed(ready(8));
    assert_eq!(b.last.snapshot, None);
    b.page(
        8,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    b.feed(ready(8));
    assert_eq!(b.last.snapshot, Some(8));
    b.feed(Event::Snapshot(SnapshotEvent {
        tab_id: 8,
        time_stamp: b.clock + 1.0,
        snapshot: PageSnapshot {
            url: "https://auth.acme.test/oauth/consent".into(),
            buttons: vec!["Deny".into(), "Allow".into()],
            ..PageSnapshot::default()
        },
    }));
    assert_eq!(b.last.screenshot.as_ref().map(|s| s.tab), Some(8));
    assert_eq!(b.trace(8).pages.len(), 1);
}

#[test]
fn record_stop_and_clear_commands() {
    let mut b = Browser::new();
    b.page(6, &[("https://anything.test/", 200, &[])]);
    let now = b.tick();
    let actions = b.recorder.record(6, now);
    b.apply(actions);
    assert!(b.state(6).manual);
    assert_eq!(b.trace(6).exchanges.len(), 1, "the buffer came along");
    let now = b.tick();
    let actions = b.recorder.stop(6, now);
    b.apply(actions);
    assert_eq!(b.state(6).phase, Phase::Idle);
    let actions = b.recorder.clear(6);
    b.apply(actions);
    assert!(b.states.is_empty() && b.stored.is_empty());
}

#[test]
fn stored_events_round_trip_through_json() {
    let mut b = Browser::new();
    run_good_flow(&mut b, 3);
    let json = serde_json::to_string(&b.stored).expect("serializable");
    assert!(json.contains(r#""kind":"headers-received""#));
    let back: Vec<Append> = serde_json::from_str(&json).expect("deserializable");
    assert_eq!(back, b.stored);
}

#[test]
fn a_burst_of_events_is_one_chunk_per_trace() {
    let mut b = Browser::new();
    b.page(
        1,
        &[(AUTHORIZE, 302, &[("Location", LOGIN)]), (LOGIN, 200, &[])],
    );
    let before = b.stored.len();
    let mut due = false;
    for i in 0..10 {
        let mut r = b.base(1, &format!("burst-{i}"), "https://login.acme.test/app.js");
        r.resource_type = "script".into();
        r.method = "GET".into();
        due |= b.recorder.observe(Event::BeforeRequest(r)).flush;
    }
    assert!(due);
    let flushed = b.recorder.flush();
    assert_eq!(flushed.append.len(), 1);
    assert_eq!(flushed.append[0].events.len(), 10);
    assert_eq!(flushed.states.len(), 1);
    assert_eq!(flushed.states[0].chunks, flushed.append[0].chunk + 1);
    assert!(b.recorder.flush().is_empty(), "nothing twice");
    assert_eq!(b.stored.len(), before);
}

/// Found by fuzzing (`recorder`): an event time JSON cannot hold (infinity, NaN) made the
/// stored state unreadable, so a restarted worker lost the recording.
#[test]
fn a_time_storage_cannot_hold_does_not_make_the_recording_unreadable() {
    let mut b = Browser::new();
    run_good_flow(&mut b, 3);
    for bad in [f64::INFINITY, f64::NAN, f64::NEG_INFINITY] {
        let mut r = b.base(3, "99", "https://app.acme.test/api");
        r.time_stamp = bad;
        b.feed(Event::BeforeRequest(r));
    }
    let flushed = b.recorder.flush();
    b.apply(flushed);
    let stored = serde_json::to_string(&b.states).expect("states as JSON");
    let states: Vec<TabState> = serde_json::from_str(&stored).expect("the states read back");
    for append in &b.stored {
        let json = serde_json::to_string(&append.events).expect("events as JSON");
        serde_json::from_str::<Vec<Event>>(&json).expect("the events read back");
    }
    let mut restarted = Recorder::new();
    restarted.restore(states);
    assert!(restarted.state(3).is_some_and(TabState::is_recording));
}
