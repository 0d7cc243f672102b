//! HAR 1.2 export of a [`Trace`]: what the extension's "Export" button writes.
//!
//! The document is a valid HAR 1.2 file (every required field present, so HAR viewers load
//! it) with Flowlens' extras in extension fields: `log._flowlens` holds the page snapshots,
//! navigations (they carry URL fragments no request shows), screenshots and capture facts;
//! each entry's `_flowlens` holds what HAR cannot say exactly (the start time to the
//! sub-millisecond, a request body kept beside its form fields, truncation marks).
//! The importer ([`super::read_har`]) puts them back into the trace it reads from such a file, so the checks give
//! the same statuses on the export as on the recording.
//!
//! Exports are redacted: [`export`] takes a [`Redactor`] (keyed with fresh random bytes by the
//! caller). [`export_unredacted`] exists for a user who explicitly asks for live secrets.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::params::Params;
use crate::redact::Redactor;
use crate::trace::{
    CaptureInfo, Exchange, Navigation, PageSnapshot, ResourceType, Response, Screenshot, Trace,
};
use crate::vocab::SourceKind;

/// The schema of `log._flowlens`.
pub const EXTRAS_SCHEMA: &str = "flowlens.har-extras/v1";

/// Comment of an export that was not redacted.
pub const UNREDACTED_WARNING: &str =
    "NOT REDACTED: this HAR contains live secrets (authorization codes, tokens, cookies). \
     Do not share it; export a redacted HAR for support.";

/// The trace as a redacted HAR 1.2 document, with the receipt in `log._flowlens_redaction`.
pub fn export(trace: &Trace, redactor: &mut Redactor) -> Value {
    let mut har = document(trace);
    redactor.redact_har(&mut har);
    har
}

/// [`export`] as pretty-printed JSON text.
pub fn export_string(trace: &Trace, redactor: &mut Redactor) -> String {
    serde_json::to_string_pretty(&export(trace, redactor)).unwrap_or_default()
}

/// The trace as a HAR 1.2 document with every secret in clear. Only for an explicit request
/// of the user; the document's comment says it is not redacted.
pub fn export_unredacted(trace: &Trace) -> Value {
    let mut har = document(trace);
    if let Some(log) = har.get_mut("log").and_then(Value::as_object_mut) {
        log.insert("comment".into(), Value::String(UNREDACTED_WARNING.into()));
    }
    har
}

fn document(trace: &Trace) -> Value {
    let mut tabs: Vec<(&str, f64, &str)> = Vec::new();
    for ex in &trace.exchanges {
        if let Some(tab) = ex.tab.as_deref() {
            if !tabs.iter().any(|(t, _, _)| *t == tab) {
                tabs.push((tab, ex.time_ms, ex.url.as_str()));
            }
        }
    }
    let pages: Vec<Value> = tabs
        .iter()
        .map(|(tab, time, url)| {
            json!({
                "startedDateTime": super::time::format_rfc3339_ms(*time),
                "id": tab,
                "title": url,
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            })
        })
        .collect();
    let entries: Vec<Value> = trace.exchanges.iter().map(entry).collect();
    let extras = Extras {
        schema: EXTRAS_SCHEMA.into(),
        source: trace.source,
        capture: trace.capture.clone(),
        navigations: trace.navigations.clone(),
        pages: trace.pages.clone(),
        screenshots: trace.screenshots.clone(),
    };
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "Flowlens", "version": crate::VERSION},
            "pages": pages,
            "entries": entries,
            "_flowlens": extras,
        }
    })
}

fn entry(ex: &Exchange) -> Value {
    let response_ms = ex
        .response
        .as_ref()
        .and_then(|r| r.time_ms)
        .map(|t| (t - ex.time_ms).max(0.0))
        .unwrap_or(0.0);
    let mut request = json!({
        "method": ex.method,
        "url": ex.url,
        "httpVersion": "",
        "cookies": request_cookies(ex),
        "headers": headers(&ex.request_headers),
        "queryString": query_string(&ex.url),
        "headersSize": -1,
        "bodySize": 0,
    });
    let mut extras = Map::new();
    extras.insert("time_ms".into(), json!(ex.time_ms));
    if let Some((post, size)) = post_data(ex) {
        request["postData"] = post;
        request["bodySize"] = json!(size);
    }
    if let (Some(_), Some(body)) = (&ex.form, &ex.request_body) {
        extras.insert("request_body".into(), json!(body));
    } else if ex.request_body.as_ref().is_some_and(|b| b.truncated) {
        extras.insert("request_body_truncated".into(), json!(true));
    }
    let response = match &ex.response {
        Some(r) => {
            if let Some(t) = r.time_ms {
                extras.insert("response_time_ms".into(), json!(t));
            }
            if r.body.as_ref().is_some_and(|b| b.truncated) {
                extras.insert("response_body_truncated".into(), json!(true));
            }
            response(ex, r)
        }
        None => {
            extras.insert("no_response".into(), json!(true));
            json!({
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "cookies": [],
                "headers": [],
                "content": {"size": 0, "mimeType": ""},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
                "_error": ex.error.clone().unwrap_or_else(|| "no response".into()),
            })
        }
    };
    let mut entry = json!({
        "startedDateTime": super::time::format_rfc3339_ms(ex.time_ms),
        "time": response_ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": response_ms, "receive": 0},
        "_flowlens": extras,
    });
    if let Some(tab) = &ex.tab {
        entry["pageref"] = json!(tab);
    }
    if let Some(name) = resource_type_name(ex.resource_type) {
        entry["_resourceType"] = json!(name);
    }
    if let Some(initiator) = &ex.initiator {
        entry["_initiator"] = json!({"type": "other", "url": initiator});
    }
    entry
}

fn response(ex: &Exchange, r: &Response) -> Value {
    let (size, mime, text) = match &r.body {
        Some(b) => (
            b.text.len(),
            if b.mime_type.is_empty() {
                ex.response_mime().unwrap_or_default().to_string()
            } else {
                b.mime_type.clone()
            },
            Some(b.text.clone()),
        ),
        None => (0, ex.response_mime().unwrap_or_default().to_string(), None),
    };
    let mut content = json!({"size": size, "mimeType": mime});
    if let Some(t) = text {
        content["text"] = json!(t);
    }
    let mut response = json!({
        "status": r.status,
        "statusText": "",
        "httpVersion": "",
        "cookies": response_cookies(ex),
        "headers": headers(&r.headers),
        "content": content,
        "redirectURL": ex.redirect_location().unwrap_or_default(),
        "headersSize": -1,
        "bodySize": -1,
    });
    if let Some(e) = &ex.error {
        response["_error"] = json!(e);
    }
    response
}

fn headers(headers: &[crate::trace::Header]) -> Vec<Value> {
    headers
        .iter()
        .map(|h| json!({"name": h.name, "value": h.value}))
        .collect()
}

fn query_string(url: &str) -> Vec<Value> {
    let before_fragment = url.split_once('#').map(|(u, _)| u).unwrap_or(url);
    let query = before_fragment
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("");
    Params::parse(query)
        .0
        .into_iter()
        .map(|p| json!({"name": p.name, "value": p.value}))
        .collect()
}

fn post_data(ex: &Exchange) -> Option<(Value, usize)> {
    if let Some(form) = &ex.form {
        let text: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|p| (p.name.as_str(), p.value.as_str())))
            .finish();
        let params: Vec<Value> = form
            .iter()
            .map(|p| json!({"name": p.name, "value": p.value}))
            .collect();
        let size = text.len();
        return Some((
            json!({"mimeType": "application/x-www-form-urlencoded", "text": text, "params": params}),
            size,
        ));
    }
    let body = ex.request_body.as_ref()?;
    Some((
        json!({"mimeType": body.mime_type, "text": body.text}),
        body.text.len(),
    ))
}

fn request_cookies(ex: &Exchange) -> Vec<Value> {
    ex.request_headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| h.value.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some(json!({"name": name.trim(), "value": value.trim()}))
        })
        .collect()
}

fn response_cookies(ex: &Exchange) -> Vec<Value> {
    ex.response_headers("set-cookie")
        .flat_map(|v| v.split('\n'))
        .filter_map(|line| {
            let mut parts = line.split(';');
            let (name, value) = parts.next()?.trim().split_once('=')?;
            let mut cookie = json!({"name": name.trim(), "value": value.trim()});
            for attr in parts {
                let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "path" => cookie["path"] = json!(v.trim()),
                    "domain" => cookie["domain"] = json!(v.trim()),
                    "httponly" => cookie["httpOnly"] = json!(true),
                    "secure" => cookie["secure"] = json!(true),
                    "samesite" => cookie["sameSite"] = json!(v.trim()),
                    _ => {}
                }
            }
            Some(cookie)
        })
        .collect()
}

fn resource_type_name(t: ResourceType) -> Option<&'static str> {
    Some(match t {
        ResourceType::Document => "document",
        ResourceType::Subdocument => "sub_frame",
        ResourceType::Fetch => "fetch",
        ResourceType::Script => "script",
        ResourceType::Stylesheet => "stylesheet",
        ResourceType::Image => "image",
        ResourceType::Font => "font",
        ResourceType::Media => "media",
        ResourceType::Object => "object",
        ResourceType::Ping => "ping",
        ResourceType::Other => "other",
        ResourceType::Unknown => return None,
    })
}

/// `log._flowlens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Extras {
    pub schema: String,
    pub source: SourceKind,
    pub capture: CaptureInfo,
    pub navigations: Vec<Navigation>,
    pub pages: Vec<PageSnapshot>,
    pub screenshots: Vec<Screenshot>,
}

/// An entry's `_flowlens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryExtras {
    pub time_ms: Option<f64>,
    pub response_time_ms: Option<f64>,
    pub request_body: Option<crate::trace::Body>,
    pub request_body_truncated: bool,
    pub response_body_truncated: bool,
    pub no_response: bool,
}

impl Extras {
    /// Reads `log._flowlens` of a HAR document, when it has one of this schema.
    pub fn of(har: &Value) -> Option<Self> {
        let v = har.get("log")?.get("_flowlens")?;
        let extras: Extras = serde_json::from_value(v.clone()).ok()?;
        (extras.schema == EXTRAS_SCHEMA).then_some(extras)
    }

    /// Reads the text of a `log._flowlens` member, when it is one of this schema.
    pub fn from_json(text: &str) -> Option<Self> {
        let extras: Extras = serde_json::from_str(text).ok()?;
        (extras.schema == EXTRAS_SCHEMA).then_some(extras)
    }

    /// Puts the extras into a trace imported from the same document.
    pub fn apply(self, trace: &mut Trace) {
        if self.source != SourceKind::Unknown {
            trace.source = self.source;
        }
        let notes = std::mem::take(&mut trace.capture.notes);
        trace.capture = self.capture;
        for note in notes {
            if !trace.capture.notes.contains(&note) {
                trace.capture.notes.push(note);
            }
        }
        trace.navigations = self.navigations;
        trace.pages = self.pages;
        trace.screenshots = self.screenshots;
    }
}

impl EntryExtras {
    pub fn of(entry: &Value) -> Option<Self> {
        serde_json::from_value(entry.get("_flowlens")?.clone()).ok()
    }

    /// Puts the facts HAR cannot carry exactly back into the exchange imported from the entry.
    pub fn apply(self, ex: &mut Exchange) {
        if let Some(t) = self.time_ms {
            ex.time_ms = t;
        }
        if let (Some(r), Some(t)) = (ex.response.as_mut(), self.response_time_ms) {
            r.time_ms = Some(t);
        }
        if let Some(body) = self.request_body {
            ex.request_body = Some(body);
        }
        if let Some(b) = ex.request_body.as_mut() {
            b.truncated |= self.request_body_truncated;
        }
        if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
            b.truncated |= self.response_body_truncated;
        }
        if self.no_response {
            ex.response = None;
        }
    }
}

/// Applies `log._flowlens` and, when the trace has one exchange per entry, every entry's
/// `_flowlens` to a trace imported from `har`.
pub fn apply_extras(har: &Value, trace: &mut Trace) {
    if let Some(extras) = Extras::of(har) {
        extras.apply(trace);
    }
    let Some(entries) = har.pointer("/log/entries").and_then(Value::as_array) else {
        return;
    };
    if entries.len() != trace.exchanges.len() {
        return;
    }
    for (entry, ex) in entries.iter().zip(trace.exchanges.iter_mut()) {
        if let Some(extras) = EntryExtras::of(entry) {
            extras.apply(ex);
        }
    }
}

/// The ways a document falls short of HAR 1.2's required fields and types (empty when it
/// has them all): the structural part of what `har-validator` checks, without Node.
pub fn har_problems(har: &Value) -> Vec<String> {
    let mut p = Problems(Vec::new());
    let Some(log) = p.object(har.get("log"), "log") else {
        return p.0;
    };
    p.string(log.get("version"), "log.version");
    if let Some(c) = p.object(log.get("creator"), "log.creator") {
        p.string(c.get("name"), "log.creator.name");
        p.string(c.get("version"), "log.creator.version");
    }
    if let Some(pages) = log.get("pages") {
        for (i, page) in p.array(Some(pages), "log.pages").iter().enumerate() {
            let at = format!("log.pages[{i}]");
            if let Some(page) = p.object(Some(page), &at) {
                p.date(
                    page.get("startedDateTime"),
                    &format!("{at}.startedDateTime"),
                );
                p.string(page.get("id"), &format!("{at}.id"));
                p.string(page.get("title"), &format!("{at}.title"));
                p.object(page.get("pageTimings"), &format!("{at}.pageTimings"));
            }
        }
    }
    for (i, entry) in p
        .array(log.get("entries"), "log.entries")
        .iter()
        .enumerate()
    {
        let at = format!("log.entries[{i}]");
        let Some(e) = p.object(Some(entry), &at) else {
            continue;
        };
        p.date(e.get("startedDateTime"), &format!("{at}.startedDateTime"));
        p.number(e.get("time"), &format!("{at}.time"));
        p.object(e.get("cache"), &format!("{at}.cache"));
        if let Some(t) = p.object(e.get("timings"), &format!("{at}.timings")) {
            for k in ["send", "wait", "receive"] {
                p.number(t.get(k), &format!("{at}.timings.{k}"));
            }
        }
        if let Some(r) = p.object(e.get("request"), &format!("{at}.request")) {
            let at = format!("{at}.request");
            p.string(r.get("method"), &format!("{at}.method"));
            match r.get("url").and_then(Value::as_str) {
                Some(u) if url::Url::parse(u).is_ok() => {}
                _ => p.0.push(format!("{at}.url is not an absolute URL")),
            }
            p.string(r.get("httpVersion"), &format!("{at}.httpVersion"));
            p.pairs(r.get("cookies"), &format!("{at}.cookies"));
            p.pairs(r.get("headers"), &format!("{at}.headers"));
            p.pairs(r.get("queryString"), &format!("{at}.queryString"));
            p.integer(r.get("headersSize"), &format!("{at}.headersSize"));
            p.integer(r.get("bodySize"), &format!("{at}.bodySize"));
            if let Some(post) = r.get("postData") {
                if let Some(post) = p.object(Some(post), &format!("{at}.postData")) {
                    p.string(post.get("mimeType"), &format!("{at}.postData.mimeType"));
                }
            }
        }
        if let Some(r) = p.object(e.get("response"), &format!("{at}.response")) {
            let at = format!("{at}.response");
            p.integer(r.get("status"), &format!("{at}.status"));
            p.string(r.get("statusText"), &format!("{at}.statusText"));
            p.string(r.get("httpVersion"), &format!("{at}.httpVersion"));
            p.pairs(r.get("cookies"), &format!("{at}.cookies"));
            p.pairs(r.get("headers"), &format!("{at}.headers"));
            if let Some(c) = p.object(r.get("content"), &format!("{at}.content")) {
                p.integer(c.get("size"), &format!("{at}.content.size"));
                p.string(c.get("mimeType"), &format!("{at}.content.mimeType"));
            }
            p.string(r.get("redirectURL"), &format!("{at}.redirectURL"));
            p.integer(r.get("headersSize"), &format!("{at}.headersSize"));
            p.integer(r.get("bodySize"), &format!("{at}.bodySize"));
        }
    }
    p.0
}

struct Problems(Vec<String>);

impl Problems {
    fn object<'v>(&mut self, v: Option<&'v Value>, at: &str) -> Option<&'v Map<String, Value>> {
        let o = v.and_then(Value::as_object);
        if o.is_none() {
            self.0.push(format!("{at} is not an object"));
        }
        o
    }
    fn array<'v>(&mut self, v: Option<&'v Value>, at: &str) -> &'v [Value] {
        match v.and_then(Value::as_array) {
            Some(a) => a,
            None => {
                self.0.push(format!("{at} is not an array"));
                &[]
            }
        }
    }
    fn string(&mut self, v: Option<&Value>, at: &str) {
        if !v.is_some_and(Value::is_string) {
            self.0.push(format!("{at} is not a string"));
        }
    }
    fn number(&mut self, v: Option<&Value>, at: &str) {
        if !v.is_some_and(|n| n.as_f64().is_some_and(|f| f >= -1.0)) {
            self.0.push(format!("{at} is not a number"));
        }
    }
    fn integer(&mut self, v: Option<&Value>, at: &str) {
        if !v.is_some_and(|n| n.is_i64() || n.is_u64()) {
            self.0.push(format!("{at} is not an integer"));
        }
    }
    fn date(&mut self, v: Option<&Value>, at: &str) {
        let ok = v.and_then(Value::as_str).is_some_and(|s| {
            let b = s.as_bytes();
            b.len() >= 20
                && b[4] == b'-'
                && b[10] == b'T'
                && (s.ends_with('Z') || s[19..].contains(['+', '-']))
        });
        if !ok {
            self.0.push(format!("{at} is not an ISO 8601 date-time"));
        }
    }
    fn pairs(&mut self, v: Option<&Value>, at: &str) {
        for (i, item) in self.array(v, at).iter().enumerate() {
            if !(item.get("name").is_some_and(Value::is_string)
                && item.get("value").is_some_and(Value::is_string))
            {
                self.0
                    .push(format!("{at}[{i}] lacks a string name and value"));
            }
        }
    }
}
