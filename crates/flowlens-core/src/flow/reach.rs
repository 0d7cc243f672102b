//! How far a flow reaches in a trace, so that an import can drop early what no flow can reach.
//!
//! A HAR of a long browsing session is mostly noise: static files and pages far from any
//! authorization flow. [`Keeper`] takes a trace's exchanges one at a time, in time order, and
//! keeps only those a flow could claim or a rule could read, so that memory follows the flows,
//! not the file. It keeps, around every exchange that can anchor a flow:
//!
//! - an authorization request (`response_type` and `client_id` in the query): the
//!   [`NEARBY_EXCHANGES`] exchanges before it (the redirect that led to it) and everything
//!   until [`AUTHORIZE_REACH_MS`] after it (the page chain, the token request, the MCP calls
//!   and the continuation in another tab);
//! - a discovery exchange (MCP request, metadata, client registration): everything until
//!   [`DISCOVERY_REACH_MS`] after it (the authorization request it may lead to, or the rest of
//!   a discovery that stopped early);
//!
//! and the [`NEARBY_EXCHANGES`] exchanges after each kept stretch (the last pages'
//! resources). Every window is at least the one [`super::reconstruct`] and the rules use, so
//! that on the kept exchanges they find the same flows, hops and statuses as on all of them;
//! only hop numbers change, because they count kept exchanges.
//!
//! Nothing is dropped while what no flow reaches takes less than
//! [`crate::limits::KEEP_WHOLE_BYTES`] (for a file a user opens): a HAR of a few pages is kept
//! whole, its hop numbers those of the file; only a long session's noise is worth dropping.
//!
//! Exchanges must come in time order. Files are nearly sorted; a few out of order are put back
//! in order through a small buffer. An exchange that comes later than that makes the keeper
//! keep everything from then on, and [`Kept::exact`] false when something was already
//! dropped: the caller then reads again without dropping.

use std::collections::VecDeque;

use super::{
    carries_authorization_request, roles, CHAIN_WINDOW_MS, DISCOVERY_WINDOW_MS, FOLLOW_UP_WINDOW_MS,
};
use crate::limits::{NEARBY_EXCHANGES, REORDER_EXCHANGES};
use crate::trace::Exchange;

/// How long after a flow's page chain its follow-ups (token request, MCP calls) and the
/// capture-complete rule's continuation in another tab are looked for.
pub(crate) const AFTER_FLOW_MS: f64 = FOLLOW_UP_WINDOW_MS;
/// Everything this long after an authorization request is kept.
pub const AUTHORIZE_REACH_MS: f64 = CHAIN_WINDOW_MS + AFTER_FLOW_MS;
/// Everything this long after a discovery exchange is kept.
pub const DISCOVERY_REACH_MS: f64 = if DISCOVERY_WINDOW_MS > FOLLOW_UP_WINDOW_MS {
    DISCOVERY_WINDOW_MS
} else {
    FOLLOW_UP_WINDOW_MS
};

/// Decides which exchanges of a trace to keep, fed one at a time.
pub(crate) struct Keeper {
    /// Not judged yet, in time order (stable: equal times keep their arrival order).
    reorder: VecDeque<Exchange>,
    /// Judged, held until [`NEARBY_EXCHANGES`] more are judged (an authorization request
    /// keeps the ones before it), with the decision so far.
    recent: VecDeque<(Exchange, bool)>,
    /// Settled, with the decision: until [`Self::dropping`], those no flow reaches are held
    /// too.
    kept: Vec<(Exchange, bool)>,
    /// What the held exchanges no flow reaches take (about).
    spare_bytes: usize,
    /// Past this, they are dropped.
    whole_bytes: usize,
    /// They took more than `whole_bytes`: what no flow reaches is dropped.
    dropping: bool,
    /// Everything up to this time is kept.
    keep_until_ms: Option<f64>,
    /// This many more exchanges are kept after the last kept stretch.
    tail: usize,
    /// The time of the last exchange judged.
    judged_ms: Option<f64>,
    dropped: usize,
    /// An exchange came too late to be put in order: keep everything from then on.
    keep_all: bool,
    /// Something was dropped before the order broke: the result may miss what a flow needs.
    inexact: bool,
}

/// What the keeper kept.
pub(crate) struct Kept {
    /// In time order.
    pub exchanges: Vec<Exchange>,
    pub dropped: usize,
    /// The kept exchanges give the same flows as all of them would (false only for files far
    /// out of time order).
    pub exact: bool,
}

impl Keeper {
    /// Keeps everything while what no flow reaches takes up to `whole_bytes`
    /// ([`crate::limits::KEEP_WHOLE_BYTES`] for a file a user opens).
    pub fn new(whole_bytes: usize) -> Self {
        Self {
            reorder: VecDeque::new(),
            recent: VecDeque::new(),
            kept: Vec::new(),
            spare_bytes: 0,
            whole_bytes,
            dropping: false,
            keep_until_ms: None,
            tail: 0,
            judged_ms: None,
            dropped: 0,
            keep_all: false,
            inexact: false,
        }
    }

    pub fn push(&mut self, ex: Exchange) {
        if self.keep_all {
            self.kept.push((ex, true));
            return;
        }
        if self
            .judged_ms
            .is_some_and(|t| ex.time_ms.total_cmp(&t).is_lt())
        {
            // What is still held was judged, or would be, without this exchange: it is all
            // kept, and only what was already dropped can be missing (found by fuzzing: held
            // exchanges judged here were dropped after the result had been called exact).
            self.inexact = self.dropped > 0;
            let held = self.recent.drain(..).map(|(ex, _)| ex);
            let held: Vec<Exchange> = held.chain(self.reorder.drain(..)).collect();
            self.kept.extend(held.into_iter().map(|ex| (ex, true)));
            self.keep_all = true;
            self.kept.push((ex, true));
            return;
        }
        // Usually at the end; otherwise after the last exchange of the same time or earlier.
        let at = self
            .reorder
            .iter()
            .rposition(|e| e.time_ms.total_cmp(&ex.time_ms).is_le())
            .map_or(0, |i| i + 1);
        self.reorder.insert(at, ex);
        if self.reorder.len() > REORDER_EXCHANGES {
            if let Some(first) = self.reorder.pop_front() {
                self.judge(first);
            }
        }
    }

    pub fn finish(mut self) -> Kept {
        self.release_all();
        // In time order, but for what came too late to be put in order: the importer's stable
        // sort puts it in place.
        let mut exchanges: Vec<Exchange> = self.kept.into_iter().map(|(ex, _)| ex).collect();
        exchanges.shrink_to_fit();
        Kept {
            exchanges,
            dropped: self.dropped,
            exact: !self.inexact,
        }
    }

    fn release_all(&mut self) {
        while let Some(ex) = self.reorder.pop_front() {
            self.judge(ex);
        }
        while let Some((ex, keep)) = self.recent.pop_front() {
            self.settle(ex, keep);
        }
    }

    fn judge(&mut self, ex: Exchange) {
        let t = ex.time_ms;
        self.judged_ms = Some(t);
        if carries_authorization_request(&ex) {
            self.recent.iter_mut().for_each(|(_, keep)| *keep = true);
            self.extend(t + AUTHORIZE_REACH_MS);
        }
        if roles::discovery_role(&ex).is_some() || roles::starts_discovery(&ex) {
            self.extend(t + DISCOVERY_REACH_MS);
        }
        let keep = if self.keep_until_ms.is_some_and(|until| t <= until) {
            self.tail = NEARBY_EXCHANGES;
            true
        } else if self.tail > 0 {
            self.tail -= 1;
            true
        } else {
            false
        };
        self.recent.push_back((ex, keep));
        if self.recent.len() > NEARBY_EXCHANGES {
            if let Some((ex, keep)) = self.recent.pop_front() {
                self.settle(ex, keep);
            }
        }
    }

    fn extend(&mut self, until: f64) {
        self.keep_until_ms = Some(self.keep_until_ms.map_or(until, |u| u.max(until)));
    }

    fn settle(&mut self, ex: Exchange, keep: bool) {
        if keep {
            self.kept.push((ex, true));
        } else if self.dropping {
            self.dropped += 1;
        } else {
            self.spare_bytes += held_bytes(&ex);
            self.kept.push((ex, false));
            if self.spare_bytes > self.whole_bytes {
                self.dropping = true;
                let before = self.kept.len();
                self.kept.retain(|(_, keep)| *keep);
                self.dropped += before - self.kept.len();
            }
        }
    }
}

/// About what an exchange takes in memory: its strings.
fn held_bytes(ex: &Exchange) -> usize {
    let headers = |h: &[crate::trace::Header]| -> usize {
        h.iter().map(|h| h.name.len() + h.value.len() + 48).sum()
    };
    let body =
        |b: &Option<crate::trace::Body>| b.as_ref().map_or(0, |b| b.text.len() + b.mime_type.len());
    let response = ex
        .response
        .as_ref()
        .map_or(0, |r| headers(&r.headers) + body(&r.body));
    let form = ex.form.as_ref().map_or(0, |f| {
        f.iter().map(|p| p.name.len() + p.value.len() + 48).sum()
    });
    256 + ex.url.len() + headers(&ex.request_headers) + body(&ex.request_body) + form + response
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::har::{format_rfc3339_ms, read_har_flows, read_har_flows_within, read_har_slice};
    use crate::{analyze, Profile, Trace};

    const T0: f64 = 1_731_578_400_000.0;
    const MINUTE: f64 = 60_000.0;

    fn example(name: &str) -> Vec<Value> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("the example is readable");
        let har: Value = serde_json::from_str(&text).expect("the example is JSON");
        har["log"]["entries"].as_array().expect("entries").clone()
    }

    /// A static file the dashboard page loads: what most of a long session's HAR is. Each
    /// takes about 8 KB, so that a thousand take more than `KEEP_WHOLE_BYTES`.
    fn noise(i: usize, ms: f64) -> Value {
        let kind = ["image", "script", "stylesheet", "document", "xhr"][i % 5];
        json!({
            "startedDateTime": format_rfc3339_ms(ms), "time": 5,
            "_resourceType": kind,
            "request": {"method": "GET", "url": format!("https://app.acme.test/static/{i}?v=1"),
                "headers": [{"name": "referer", "value": "https://app.acme.test/dashboard"}]},
            "response": {"status": 200, "headers": [], "content": {"mimeType": "text/html",
                "text": format!("<!doctype html><p>dashboard</p>{}", " ".repeat(8 * 1024))}}
        })
    }

    /// Entries of `flow`, re-timed to start at `t` and keep their spacing.
    fn retimed(flow: &[Value], t: f64) -> Vec<Value> {
        let first = flow[0]["startedDateTime"].as_str().map(parse).unwrap_or(T0);
        flow.iter()
            .map(|e| {
                let mut e = e.clone();
                let at = e["startedDateTime"].as_str().map(parse).unwrap_or(first);
                e["startedDateTime"] = json!(format_rfc3339_ms(t + at - first));
                e
            })
            .collect()
    }

    fn parse(s: &str) -> f64 {
        let one = json!({"log": {"entries": [{"startedDateTime": s, "request": {"url": "x"}}]}});
        read_har_slice(one.to_string().as_bytes())
            .map(|t| t.exchanges[0].time_ms)
            .unwrap_or(T0)
    }

    fn har(entries: Vec<Value>) -> Vec<u8> {
        json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
            "entries": entries}})
        .to_string()
        .into_bytes()
    }

    /// Noise every `step` ms from `from` for `minutes`.
    fn session(from: f64, minutes: f64, step: f64, first: usize) -> Vec<Value> {
        let n = (minutes * MINUTE / step) as usize;
        (0..n)
            .map(|i| noise(first + i, from + i as f64 * step))
            .collect()
    }

    fn flows_only(bytes: &[u8]) -> Trace {
        read_har_flows(|| Ok(bytes), &mut |_| {}).expect("reads")
    }

    /// Per flow: its checks' ids and statuses, and its hops' roles and URLs.
    fn outcome(trace: &Trace) -> Vec<String> {
        let report = analyze(trace, &Profile::default());
        let mut out: Vec<String> = report
            .checks
            .iter()
            .map(|c| format!("{:?} {} {:?}", c.flow, c.id, c.status))
            .collect();
        for f in &report.flows {
            for h in &f.hops {
                out.push(format!("flow {} {} {}", f.index, h.role, h.url));
            }
        }
        out
    }

    #[test]
    fn drops_the_noise_around_flows_and_finds_the_same_flows() {
        let mut entries = session(T0, 120.0, 4_000.0, 0);
        entries.extend(retimed(
            &example("good-custom-domain-byoa.har"),
            T0 + 120.0 * MINUTE,
        ));
        // Noise right after the flow and during the hours after it.
        entries.extend(session(T0 + 121.0 * MINUTE, 120.0, 4_000.0, 20_000));
        entries.extend(retimed(&example("state-damaged.har"), T0 + 241.0 * MINUTE));
        entries.extend(session(T0 + 242.0 * MINUTE, 60.0, 4_000.0, 40_000));
        let bytes = har(entries);

        let all = read_har_slice(&bytes).expect("reads");
        let kept = flows_only(&bytes);
        assert_eq!(outcome(&kept), outcome(&all));
        assert_eq!(analyze(&kept, &Profile::default()).flows.len(), 2);
        // Two flows, each with the noise of its windows: under a third of five hours of noise.
        assert!(
            kept.exchanges.len() * 3 < all.exchanges.len(),
            "kept {} of {}",
            kept.exchanges.len(),
            all.exchanges.len()
        );
        let note = kept
            .capture
            .notes
            .last()
            .expect("a note says what was dropped");
        assert!(
            note.contains(&format!(
                "dropped {}",
                all.exchanges.len() - kept.exchanges.len()
            )),
            "{note}"
        );
        assert_eq!(kept.capture.started_ms, all.capture.started_ms);
        assert_eq!(kept.capture.stopped_ms, all.capture.stopped_ms);
    }

    #[test]
    fn keeps_everything_of_a_file_with_flows_only() {
        for name in [
            "good-custom-domain-byoa.har",
            "vendor-default-domain.har",
            "state-damaged.har",
        ] {
            let bytes = har(example(name));
            assert_eq!(
                flows_only(&bytes),
                read_har_slice(&bytes).expect("reads"),
                "{name}"
            );
        }
    }

    #[test]
    fn keeps_a_small_file_whole_with_its_hop_numbers() {
        // A page of an MCP client, then its request to the server: the page is no flow's.
        let mut entries = session(T0, 0.5, 4_000.0, 0);
        entries.extend(retimed(
            &example("good-custom-domain-byoa.har"),
            T0 + MINUTE,
        ));
        entries.extend(session(T0 + 120.0 * MINUTE, 10.0, 4_000.0, 1_000));
        let bytes = har(entries);
        let all = read_har_slice(&bytes).expect("reads");
        assert_eq!(flows_only(&bytes), all);
    }

    #[test]
    fn puts_slightly_unordered_entries_in_order() {
        let mut entries = session(T0, 60.0, 4_000.0, 0);
        entries.extend(retimed(
            &example("good-custom-domain-byoa.har"),
            T0 + 60.0 * MINUTE,
        ));
        entries.extend(session(T0 + 61.0 * MINUTE, 180.0, 4_000.0, 10_000));
        // Swap neighbours all along, as concurrent requests appear in some exports.
        for pair in entries.chunks_mut(2) {
            pair.reverse();
        }
        let bytes = har(entries);
        let all = read_har_slice(&bytes).expect("reads");
        let kept = flows_only(&bytes);
        assert!(kept.exchanges.len() * 3 < all.exchanges.len());
        assert_eq!(outcome(&kept), outcome(&all));
    }

    #[test]
    fn reads_a_file_far_out_of_order_whole() {
        let flow = retimed(&example("good-custom-domain-byoa.har"), T0 + 60.0 * MINUTE);
        let mut entries = session(T0, 60.0, 4_000.0, 0);
        entries.extend(session(T0 + 61.0 * MINUTE, 60.0, 4_000.0, 10_000));
        // The flow comes last in the file although it happened in the middle.
        entries.extend(flow);
        let bytes = har(entries);
        let all = read_har_slice(&bytes).expect("reads");
        let mut opened = 0;
        let kept = read_har_flows(
            || {
                opened += 1;
                Ok(&bytes[..])
            },
            &mut |_| {},
        )
        .expect("reads");
        assert_eq!(opened, 2, "read a second time, keeping everything");
        assert_eq!(kept, all);
    }

    #[test]
    fn keeps_what_it_held_when_a_flow_comes_late_in_the_file() {
        // Five hours of noise, and the flow that started a second into it written last: more
        // entries late than the keeper puts back in order, but before it dropped anything.
        let flow = retimed(&example("good-custom-domain-byoa.har"), T0 + 1_000.0);
        let mut entries = session(T0, 300.0, 60_000.0, 0);
        entries.extend(flow);
        let bytes = har(entries);
        let all = read_har_slice(&bytes).expect("reads");
        // Dropping from the first byte: what it held when the flow came is kept, with all
        // that follows; nothing was dropped before.
        let kept = read_har_flows_within(|| Ok(&bytes[..]), 0, &mut |_| {}).expect("reads");
        assert_eq!(kept.exchanges.len(), all.exchanges.len());
        assert_eq!(outcome(&kept), outcome(&all));
    }

    #[test]
    fn an_unfinished_flow_ends_its_chain_after_the_chain_window() {
        // The flow up to the login page.
        let mut entries = retimed(&example("good-custom-domain-byoa.har")[..8], T0);
        let late = |ms: f64, i: usize| {
            let mut e = noise(i, ms);
            e["_resourceType"] = json!("document");
            e
        };
        entries.push(late(T0 + 20.0 * MINUTE, 1));
        entries.push(late(T0 + 45.0 * MINUTE, 2));
        let trace = read_har_slice(&har(entries)).expect("reads");
        let report = analyze(&trace, &Profile::default());
        let urls: Vec<&str> = report.flows[0]
            .hops
            .iter()
            .map(|h| h.url.as_str())
            .collect();
        assert!(
            urls.iter().any(|u| u.ends_with("/static/1?v=1")),
            "{urls:?}"
        );
        assert!(
            !urls.iter().any(|u| u.ends_with("/static/2?v=1")),
            "{urls:?}"
        );
    }
}
