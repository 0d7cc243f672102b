//! One HAR entry to one [`Exchange`]: what is kept, what is capped, what is dropped.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::model;
use super::time;
use crate::flow::Keeper;
use crate::limits::{
    MAX_FORM_FIELDS, MAX_HEADERS, MAX_HEADER_VALUE, MAX_HTML_BODY, MAX_JSON_BODY, MAX_NAME,
    MAX_REQUEST_BODY, MAX_URL,
};
use crate::stdx::base64;
use crate::trace::{Body, CaptureInfo, Exchange, Header, Param, ResourceType, Response, Trace};

/// Accumulates exchanges and what had to be cut, skipped or guessed, for the capture notes.
#[derive(Default)]
pub(super) struct Importer {
    pub exchanges: Vec<Exchange>,
    /// Set when only what a flow can reach is kept ([`Keeper`]); `exchanges` stays empty.
    pub keeper: Option<Keeper>,
    /// The file's first request and last response, over every entry, kept or not.
    started_ms: Option<f64>,
    stopped_ms: Option<f64>,
    pub creator: Option<String>,
    pub browser: Option<String>,
    pub first_page_ms: Option<f64>,
    entries: usize,
    unreadable: usize,
    no_time: usize,
    last_time: f64,
    cut_urls: usize,
    cut_header_values: usize,
    dropped_headers: usize,
    cut_form_values: usize,
    cut_bodies: usize,
    dropped_json_bodies: usize,
    undecodable_bodies: usize,
    attached_bodies: usize,
    /// Entries and bodies whose strings held lone UTF-16 surrogates, read as U+FFFD.
    mended: usize,
}

/// Headers kept for static subresources (scripts, styles, images, fonts, media): what says
/// where they came from and what they are. A page loads hundreds of them and their other
/// headers (caching, CDN, user agent) are most of an imported trace's memory.
pub const LEAN_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "location",
    "referer",
    "origin",
    "www-authenticate",
];

fn is_static_subresource(kind: ResourceType) -> bool {
    matches!(
        kind,
        ResourceType::Script
            | ResourceType::Stylesheet
            | ResourceType::Image
            | ResourceType::Font
            | ResourceType::Media
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Html,
    Form,
    /// `text/plain` or no type: kept when it turns out to be JSON or HTML.
    Sniff,
    Other,
}

fn body_kind(mime: &str) -> BodyKind {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "text/plain" | "application/octet-stream" | "x-unknown" => BodyKind::Sniff,
        "text/html" | "application/xhtml+xml" => BodyKind::Html,
        "application/x-www-form-urlencoded" => BodyKind::Form,
        e if e.ends_with("/json") || e.ends_with("+json") || e.starts_with("application/json") => {
            BodyKind::Json
        }
        _ => BodyKind::Other,
    }
}

fn sniff(text: &str) -> BodyKind {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        BodyKind::Json
    } else {
        let head = start.get(..start.len().min(64)).unwrap_or("");
        let head = head.to_ascii_lowercase();
        if head.starts_with("<!doctype html") || head.starts_with("<html") {
            BodyKind::Html
        } else {
            BodyKind::Other
        }
    }
}

pub(super) use crate::stdx::cut::prefix_at_char_boundary as cut;

impl Importer {
    /// Converts one entry; `None` (and counted) when it has no request URL.
    pub fn entry(&mut self, entry: Option<model::Entry<'_>>) {
        self.entries += 1;
        let Some(entry) = entry else {
            self.unreadable += 1;
            return;
        };
        let Some(request) = entry.request.0 else {
            self.unreadable += 1;
            return;
        };
        let Some(raw_url) = request.url.as_deref().filter(|u| !u.is_empty()) else {
            self.unreadable += 1;
            return;
        };
        let time_ms = match entry.started.as_deref().and_then(time::parse_rfc3339_ms) {
            Some(t) => {
                self.last_time = t;
                t
            }
            None => {
                self.no_time += 1;
                self.last_time
            }
        };
        let url = self.capped_url(raw_url);
        let resource_type = entry
            .resource_type
            .as_deref()
            .map(ResourceType::from_browser_name)
            .unwrap_or_default();
        let lean = is_static_subresource(resource_type);
        let request_headers = self.headers(request.headers.0, lean);
        let (form, request_body) = match request.post_data.0 {
            Some(post) => self.post_data(post),
            None => (None, None),
        };
        let mut exchange = Exchange {
            time_ms,
            method: request.method.as_deref().unwrap_or("").to_string(),
            url,
            resource_type,
            initiator: None,
            // Not `pageref`: Chrome starts a new page at every top-level navigation, so a
            // flow's redirect chain would look like several tabs. A HAR is one tab's story.
            tab: None,
            request_headers,
            form,
            request_body,
            response: None,
            error: None,
        };
        exchange.initiator = entry
            .initiator
            .0
            .and_then(|i| i.url.0)
            .filter(|u| !u.is_empty())
            .map(|u| self.capped_url(&u))
            .or_else(|| exchange.request_header("referer").map(str::to_string));
        if let Some(response) = entry.response.0 {
            let failure = response
                .error
                .0
                .as_deref()
                .or(response.failure_text.as_deref())
                .filter(|e| !e.is_empty())
                .map(|e| cut(e, MAX_HEADER_VALUE).to_string());
            let status = response
                .status
                .0
                .filter(|s| s.fract() == 0.0 && (1.0..=999.0).contains(s))
                .map(|s| s as u16);
            match status {
                Some(status) => {
                    exchange.response =
                        Some(self.response(status, response, time_ms, entry.time, lean));
                    exchange.error = failure;
                }
                None => {
                    exchange.error =
                        Some(failure.unwrap_or_else(|| "no response (status 0)".to_string()));
                }
            }
        }
        if let Some(extras) = entry
            .flowlens
            .and_then(|raw| serde_json::from_str::<super::export::EntryExtras>(raw.get()).ok())
        {
            extras.apply(&mut exchange);
        }
        self.span(&exchange);
        match &mut self.keeper {
            Some(keeper) => keeper.push(exchange),
            None => self.exchanges.push(exchange),
        }
    }

    /// Widens the capture's time span to take in this exchange.
    fn span(&mut self, ex: &Exchange) {
        let positive = |t: f64| (t > 0.0).then_some(t);
        if let Some(t) = positive(ex.time_ms) {
            self.started_ms = Some(self.started_ms.map_or(t, |s| s.min(t)));
        }
        let end = ex
            .response
            .as_ref()
            .and_then(|r| r.time_ms)
            .unwrap_or(ex.time_ms);
        if let Some(t) = positive(end) {
            self.stopped_ms = Some(self.stopped_ms.map_or(t, |s| s.max(t)));
        }
    }

    /// The next entry's strings held lone surrogates, mended before it was read.
    pub fn mended_entry(&mut self) {
        self.mended += 1;
    }

    /// The text of a JSON string kept raw: borrowed when it has no escapes; lone surrogates
    /// (a body cut inside a character) mended and counted.
    fn raw_text<'r>(&mut self, raw: &'r RawValue) -> Option<Cow<'r, str>> {
        let json = raw.get();
        if let Ok(s) = serde_json::from_str::<&str>(json) {
            return Some(Cow::Borrowed(s));
        }
        if let Ok(s) = serde_json::from_str::<String>(json) {
            return Some(Cow::Owned(s));
        }
        let text = serde_json::from_str::<String>(&super::surrogate::mend(json)?).ok()?;
        self.mended += 1;
        Some(Cow::Owned(text))
    }

    /// An entry that could not be read at all (not an object, or of the wrong shape).
    pub fn unreadable(&mut self) {
        self.entries += 1;
        self.unreadable += 1;
    }

    fn capped_url(&mut self, url: &str) -> String {
        if url.len() > MAX_URL {
            self.cut_urls += 1;
        }
        cut(url, MAX_URL).to_string()
    }

    fn value(&mut self, value: &str) -> String {
        if value.len() > MAX_HEADER_VALUE {
            self.cut_header_values += 1;
        }
        cut(value, MAX_HEADER_VALUE).to_string()
    }

    /// Headers with capped values; exact duplicates (some exports list a header twice) are
    /// kept once, differing values of one name are all kept. HTTP/2 pseudo-headers
    /// (`:authority`, `:path`...) repeat the method and URL and are dropped; `lean` keeps only
    /// [`LEAN_HEADERS`].
    fn headers(&mut self, raw: Vec<model::Header<'_>>, lean: bool) -> Vec<Header> {
        // Sized for what is kept: a lean message keeps two or three of a dozen.
        let mut out: Vec<Header> =
            Vec::with_capacity(if lean { 0 } else { raw.len().min(MAX_HEADERS) });
        for h in raw {
            let (Some(name), value) = (h.name.as_deref(), h.value.as_deref().unwrap_or("")) else {
                continue;
            };
            if name.starts_with(':')
                || lean && !LEAN_HEADERS.iter().any(|l| l.eq_ignore_ascii_case(name))
            {
                continue;
            }
            if out.len() == MAX_HEADERS {
                self.dropped_headers += 1;
                continue;
            }
            let value = cut(value, MAX_HEADER_VALUE);
            if out
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(name) && o.value == value)
            {
                continue;
            }
            let name = cut(name, MAX_NAME).to_string();
            let value = self.value(h.value.as_deref().unwrap_or(""));
            out.push(Header { name, value });
        }
        out
    }

    fn params<'a>(
        &mut self,
        pairs: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Vec<Param> {
        let mut out = Vec::new();
        for (name, value) in pairs {
            if out.len() == MAX_FORM_FIELDS {
                self.dropped_headers += 1;
                continue;
            }
            if value.len() > MAX_HEADER_VALUE {
                self.cut_form_values += 1;
            }
            out.push(Param {
                name: cut(&name, MAX_NAME).to_string(),
                value: cut(&value, MAX_HEADER_VALUE).to_string(),
            });
        }
        out
    }

    /// The request body: form fields of a form POST, or a JSON body.
    fn post_data(&mut self, post: model::PostData<'_>) -> (Option<Vec<Param>>, Option<Body>) {
        let mime = post.mime_type.as_deref().unwrap_or("");
        let text = post.text.and_then(|raw| self.raw_text(raw));
        let essence = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let is_form = essence == "application/x-www-form-urlencoded";
        if is_form || essence == "multipart/form-data" {
            // Chrome lists `params` still URL-encoded and Firefox decoded, so the text, when
            // there is one, is the unambiguous source.
            let form = match text.as_deref() {
                Some(text) if is_form && !text.is_empty() => {
                    self.params(url::form_urlencoded::parse(text.as_bytes()))
                }
                _ => {
                    let pairs =
                        post.params.0.into_iter().filter_map(|p| {
                            Some((p.name.0?, p.value.0.unwrap_or(Cow::Borrowed(""))))
                        });
                    self.params(pairs)
                }
            };
            return (Some(form), None);
        }
        let Some(text) = text else {
            return (None, None);
        };
        let kind = match body_kind(mime) {
            BodyKind::Sniff => sniff(&text),
            kind => kind,
        };
        if kind != BodyKind::Json {
            return (None, None);
        }
        let truncated = text.len() > MAX_REQUEST_BODY;
        if truncated {
            self.cut_bodies += 1;
        }
        let body = Body {
            mime_type: if mime.is_empty() {
                "application/json".to_string()
            } else {
                cut(mime, MAX_HEADER_VALUE).to_string()
            },
            text: cut(&text, MAX_REQUEST_BODY).to_string(),
            truncated,
        };
        (None, Some(body))
    }

    fn response(
        &mut self,
        status: u16,
        raw: model::Response<'_>,
        started_ms: f64,
        total: model::Num,
        lean: bool,
    ) -> Response {
        let mut headers = self.headers(raw.headers.0, lean);
        let redirect_url = raw.redirect_url.as_deref().unwrap_or("");
        let has_location = headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("location"));
        if (300..=399).contains(&status) && !has_location && !redirect_url.is_empty() {
            let value = self.capped_url(redirect_url);
            headers.push(Header::new("Location", value));
        }
        let mut body = None;
        if let Some(content) = raw.content.0 {
            let mime = content
                .mime_type
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .or_else(|| crate::trace::find_header(&headers, "content-type").map(str::to_string))
                .unwrap_or_default();
            body = self.content(content, &mime);
        }
        Response {
            status,
            headers,
            body,
            time_ms: total.0.filter(|t| *t >= 0.0).map(|t| started_ms + t),
        }
    }

    /// A response body, when it is JSON, HTML or a form and not too large.
    fn content(&mut self, content: model::Content<'_>, mime: &str) -> Option<Body> {
        let kind = body_kind(mime);
        if kind == BodyKind::Other {
            return None;
        }
        let Some(raw) = content.text else {
            if content.file.as_deref().is_some_and(|f| !f.is_empty()) && kind != BodyKind::Sniff {
                self.attached_bodies += 1;
            }
            return None;
        };
        // A sniffed body larger than any kept body is not worth decoding.
        if kind == BodyKind::Sniff && raw.get().len() > 8 * MAX_JSON_BODY {
            return None;
        }
        let mut text = self.raw_text(raw)?;
        if content
            .encoding
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
        {
            match base64::decode(&text) {
                Some(bytes) => {
                    text = Cow::Owned(String::from_utf8_lossy(&bytes).into_owned());
                }
                None => {
                    self.undecodable_bodies += 1;
                    return None;
                }
            }
        }
        let kind = match kind {
            BodyKind::Sniff => sniff(&text),
            kind => kind,
        };
        let max = match kind {
            BodyKind::Json => {
                if text.len() > MAX_JSON_BODY {
                    self.dropped_json_bodies += 1;
                    return None;
                }
                MAX_JSON_BODY
            }
            BodyKind::Html => MAX_HTML_BODY,
            BodyKind::Form => MAX_REQUEST_BODY,
            BodyKind::Sniff | BodyKind::Other => return None,
        };
        let truncated = text.len() > max;
        if truncated {
            self.cut_bodies += 1;
        }
        Some(Body {
            mime_type: cut(mime, MAX_HEADER_VALUE).to_string(),
            text: cut(&text, max).to_string(),
            truncated,
        })
    }

    pub fn creator(&mut self, creator: model::Creator<'_>) -> Option<String> {
        let name = creator.name.as_deref()?.trim();
        let version = creator.version.as_deref().unwrap_or("").trim();
        let text = format!("{name} {version}");
        Some(cut(text.trim(), 256).to_string())
    }

    pub fn page(&mut self, page: model::Page<'_>) {
        if let Some(t) = page.started.as_deref().and_then(time::parse_rfc3339_ms) {
            self.first_page_ms = Some(self.first_page_ms.map_or(t, |f: f64| f.min(t)));
        }
    }

    /// The trace, exchanges in start order, with notes on everything not imported as is; with
    /// a keeper, `None` when the file was too far out of time order to drop anything early.
    pub fn finish(mut self) -> Option<Trace> {
        let mut kept_note = None;
        if let Some(keeper) = self.keeper.take() {
            let kept = keeper.finish();
            if !kept.exact {
                return None;
            }
            if kept.dropped > 0 {
                kept_note = Some(format!(
                    "Kept the {} exchanges that authorization flows can reach and dropped {} \
                     others, outside every flow's time window; hop numbers count the kept \
                     exchanges.",
                    kept.exchanges.len(),
                    kept.dropped,
                ));
            }
            self.exchanges = kept.exchanges;
        }
        // HAR lists entries in request order, but not every writer does: a stable sort keeps
        // the file's order for equal times.
        // Checked first: the stable sort allocates half the trace again, at its largest.
        if !self
            .exchanges
            .is_sorted_by(|a, b| a.time_ms.total_cmp(&b.time_ms).is_le())
        {
            crate::stdx::sort::sort_by(&mut self.exchanges, |a, b| a.time_ms.total_cmp(&b.time_ms));
        }
        let mut notes = Vec::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        if self.unreadable > 0 {
            notes.push(format!(
                "{} of {} could not be read (not an object, or no request URL) and {} skipped.",
                plural(self.unreadable, "entry", "entries"),
                self.entries,
                if self.unreadable == 1 { "was" } else { "were" }
            ));
        }
        if self.no_time > 0 {
            notes.push(format!(
                "{} had no valid startedDateTime and {} kept in file order.",
                plural(self.no_time, "entry", "entries"),
                if self.no_time == 1 { "was" } else { "were" }
            ));
        }
        if self.cut_urls > 0 {
            notes.push(format!(
                "{} longer than {} KiB cut.",
                plural(self.cut_urls, "URL was", "URLs were"),
                MAX_URL / 1024
            ));
        }
        if self.cut_header_values + self.cut_form_values > 0 {
            notes.push(format!(
                "{} longer than {} KiB cut.",
                plural(
                    self.cut_header_values + self.cut_form_values,
                    "header or form value was",
                    "header or form values were"
                ),
                MAX_HEADER_VALUE / 1024
            ));
        }
        if self.dropped_headers > 0 {
            notes.push(format!(
                "{} past the first {MAX_HEADERS} of a request or response dropped.",
                plural(
                    self.dropped_headers,
                    "header or form field was",
                    "headers or form fields were"
                ),
            ));
        }
        if self.cut_bodies > 0 {
            notes.push(format!(
                "{} cut at the size cap (HTML {} KiB, request bodies {} KiB).",
                plural(self.cut_bodies, "body was", "bodies were"),
                MAX_HTML_BODY / 1024,
                MAX_REQUEST_BODY / 1024
            ));
        }
        if self.dropped_json_bodies > 0 {
            notes.push(format!(
                "{} larger than {} MiB not kept.",
                plural(
                    self.dropped_json_bodies,
                    "JSON response body",
                    "JSON response bodies"
                ),
                MAX_JSON_BODY / (1024 * 1024)
            ));
        }
        if self.undecodable_bodies > 0 {
            notes.push(format!(
                "{} marked base64 could not be decoded.",
                plural(self.undecodable_bodies, "body", "bodies")
            ));
        }
        if self.mended > 0 {
            notes.push(format!(
                "{} held a lone UTF-16 surrogate (a string cut inside a character), read as \
                 U+FFFD.",
                plural(self.mended, "entry or body", "entries or bodies")
            ));
        }
        if self.attached_bodies > 0 {
            notes.push(format!(
                "{} stored in separate files (Playwright content: 'attach') and not read.",
                plural(
                    self.attached_bodies,
                    "response body was",
                    "response bodies were"
                )
            ));
        }
        notes.extend(kept_note);
        let started = self
            .started_ms
            .into_iter()
            .chain(self.first_page_ms.filter(|t| *t > 0.0))
            .reduce(f64::min);
        let stopped = self.stopped_ms;
        let creator = match (self.creator, self.browser) {
            (Some(c), Some(b)) if c != b => Some(format!("{c} ({b})")),
            (c, b) => c.or(b),
        };
        Some(Trace {
            source: crate::vocab::SourceKind::Har,
            capture: CaptureInfo {
                started_ms: started,
                stopped_ms: stopped,
                incognito: None,
                creator,
                dropped_events: 0,
                notes,
                ..CaptureInfo::default()
            },
            exchanges: self.exchanges,
            ..Trace::default()
        })
    }
}
