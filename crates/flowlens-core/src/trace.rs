//! The trace model: what was observed in one browser tab (the extension) or one HAR file.
//!
//! A trace is deliberately close to what the browser reports and free of interpretation: the
//! flow reconstruction ([`crate::flow`]) and the rules decide what it means. Every surface fills
//! the same structures: the HAR importer, the extension's recorder (through its JSON form) and
//! the tests' builders.
//!
//! Times are milliseconds since the Unix epoch as `f64` (what both HAR and the WebExtension APIs
//! give). URLs are kept as the raw strings observed, because a URL that does not parse is itself
//! evidence; [`Exchange::parsed_url`] parses on demand.

use serde::{Deserialize, Serialize};

use crate::vocab::SourceKind;

mod snapshot;

pub use snapshot::{
    Button, ColorFacts, FaviconLink, FieldFacts, FormFacts, FormField, Heading, ImageFacts,
    LinkFacts, LogoCandidate, NameHint, PageSnapshot,
};

/// Everything observed for one tab or one HAR file, in the order it happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trace {
    /// Where the trace came from.
    pub source: SourceKind,
    /// Capture facts the checks need to judge completeness.
    pub capture: CaptureInfo,
    /// HTTP exchanges in request order. A redirect is an exchange whose response is a 3xx with
    /// a `Location`; the request it leads to is the next exchange of the chain.
    pub exchanges: Vec<Exchange>,
    /// Top-level navigations as the browser committed them, including fragments (which no
    /// HTTP request ever carries) and client-side history changes.
    pub navigations: Vec<Navigation>,
    /// DOM facts of pages the user saw (filled by the extension's content script).
    pub pages: Vec<PageSnapshot>,
    /// Screenshots kept as evidence (the extension captures the consent page).
    pub screenshots: Vec<Screenshot>,
}

/// How and when the trace was captured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureInfo {
    /// When recording started (ms since epoch), when known.
    pub started_ms: Option<f64>,
    /// When recording stopped (ms since epoch), when known.
    pub stopped_ms: Option<f64>,
    /// The tab was in an incognito window.
    pub incognito: Option<bool>,
    /// The tool that produced the trace ("Chrome DevTools 130", "Flowlens 0.1.0", ...).
    pub creator: Option<String>,
    /// Events the recorder had to drop (size caps, storage quota): a complete trace has 0.
    pub dropped_events: u64,
    /// Problems met while importing or recording, in words for the user.
    pub notes: Vec<String>,
    /// URLs of discovery documents whose bodies Flowlens fetched itself (the extension sees no
    /// response bodies): the bodies of the exchanges with these URLs came from that fetch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched_metadata: Vec<String>,
}

/// One HTTP request and, when it completed, its response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Exchange {
    /// When the request started (ms since epoch).
    pub time_ms: f64,
    pub method: String,
    pub url: String,
    pub resource_type: ResourceType,
    /// The URL of the page or script that caused the request, when known.
    pub initiator: Option<String>,
    /// Browser tab id (extension) or HAR `pageref`, to tell parallel tabs apart.
    pub tab: Option<String>,
    pub request_headers: Vec<Header>,
    /// Fields of an `application/x-www-form-urlencoded` (or multipart) POST body.
    pub form: Option<Vec<Param>>,
    /// A non-form request body kept when useful (JSON of a client registration).
    pub request_body: Option<Body>,
    /// `None` when the request never completed (blocked, aborted, tab closed).
    pub response: Option<Response>,
    /// Why the request failed, when it did (`net::ERR_...`).
    pub error: Option<String>,
}

/// The response to an [`Exchange`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<Header>,
    /// The body, when present and useful (JSON metadata, token responses, HTML of pages).
    pub body: Option<Body>,
    /// When the response arrived (ms since epoch), when known.
    pub time_ms: Option<f64>,
}

/// A kept body, always as text. Binary bodies are not kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Body {
    pub mime_type: String,
    pub text: String,
    /// The body was cut at the importer's or recorder's size cap.
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// A name/value pair from a query string, fragment or form body, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub value: String,
}

/// What kind of request the browser made. Unknown types (older HAR files) are inferred by
/// [`Exchange::is_document`] from headers and content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    /// A top-level page load (`main_frame`).
    Document,
    /// A frame inside a page (`sub_frame`).
    Subdocument,
    /// `fetch()` or `XMLHttpRequest`.
    Fetch,
    Script,
    Stylesheet,
    Image,
    Font,
    Media,
    /// `<object>` / `<embed>` content.
    Object,
    /// Beacons, `<a ping>` and CSP violation reports: sent, never shown.
    Ping,
    Other,
    #[default]
    Unknown,
}

impl ResourceType {
    /// Maps Chrome's `_resourceType`, the webRequest `type` and Firefox's `_cause` names, and
    /// this type's own serialized names.
    pub fn from_browser_name(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "document" | "main_frame" | "navigation" => Self::Document,
            "sub_frame" | "subdocument" | "iframe" => Self::Subdocument,
            "xhr" | "fetch" | "xmlhttprequest" | "eventsource" | "websocket" => Self::Fetch,
            "script" => Self::Script,
            "stylesheet" => Self::Stylesheet,
            "image" | "imageset" | "img" | "favicon" => Self::Image,
            "font" => Self::Font,
            "media" => Self::Media,
            "object" | "object_subrequest" | "embed" => Self::Object,
            "ping" | "beacon" | "csp_report" | "csp-violation-report" => Self::Ping,
            "" | "unknown" => Self::Unknown,
            _ => Self::Other,
        }
    }
}

/// A top-level navigation committed by the browser.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Navigation {
    pub time_ms: f64,
    /// The full URL, fragment included.
    pub url: String,
    pub tab: Option<String>,
    pub kind: NavigationKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NavigationKind {
    /// A document load committed.
    #[default]
    Committed,
    /// Only the fragment changed.
    Fragment,
    /// `history.pushState` / `replaceState`.
    History,
}

/// A screenshot kept as evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Screenshot {
    pub time_ms: f64,
    /// The page URL when the screenshot was taken.
    pub url: String,
    /// `data:image/jpeg;base64,...` or `data:image/png;base64,...`.
    pub data_url: String,
}

impl Exchange {
    pub fn parsed_url(&self) -> Option<url::Url> {
        url::Url::parse(&self.url).ok()
    }

    /// The first request header with this name (case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request_headers, name)
    }

    /// The first response header with this name (case-insensitive).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response
            .as_ref()
            .and_then(|r| find_header(&r.headers, name))
    }

    /// Every response header with this name (`Set-Cookie` comes many times).
    pub fn response_headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.response
            .iter()
            .flat_map(|r| r.headers.iter())
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    /// The response is a redirect with a target.
    pub fn redirect_location(&self) -> Option<&str> {
        match self.status() {
            Some(300..=399) => self.response_header("location"),
            _ => None,
        }
    }

    /// The absolute URL a redirect points at (a relative `Location` is resolved).
    pub fn redirect_target(&self) -> Option<String> {
        let location = self.redirect_location()?;
        match self.parsed_url() {
            Some(base) => base.join(location).ok().map(String::from),
            None => Some(location.to_string()),
        }
    }

    pub fn response_mime(&self) -> Option<&str> {
        self.response.as_ref().and_then(|r| {
            r.body
                .as_ref()
                .map(|b| b.mime_type.as_str())
                .filter(|m| !m.is_empty())
                .or_else(|| find_header(&r.headers, "content-type"))
        })
    }

    /// The request loaded a top-level page. Traces without resource types (some HAR exports)
    /// fall back to what the request asked for and what came back.
    pub fn is_document(&self) -> bool {
        match self.resource_type {
            ResourceType::Document => true,
            ResourceType::Unknown | ResourceType::Other => {
                let accepts_html = self
                    .request_header("accept")
                    .is_some_and(|a| a.starts_with("text/html"));
                let is_html = self
                    .response_mime()
                    .is_some_and(|m| m.starts_with("text/html"));
                self.method.eq_ignore_ascii_case("GET") && (accepts_html || is_html)
                    || self.method.eq_ignore_ascii_case("POST") && accepts_html
            }
            _ => false,
        }
    }

    /// Whether a script made the request and reads its answer (`fetch`, XHR), the only case
    /// where CORS applies: not navigations, form submissions, images or scripts. From the
    /// resource type when the capture has one, else from `Sec-Fetch-Mode`/`Sec-Fetch-Dest`
    /// (Chrome and Firefox send them), else from what was sent: a JSON body or an `Accept`
    /// of JSON is a script's, an `Accept` of HTML or a form body a page load's. `None` when
    /// nothing tells (a preflight in the trace can still say; see the rules' context).
    pub fn script_request(&self) -> Option<bool> {
        match self.resource_type {
            ResourceType::Fetch => return Some(true),
            ResourceType::Unknown | ResourceType::Other => {}
            _ => return Some(false),
        }
        match self
            .request_header("sec-fetch-mode")
            .map(|m| m.trim().to_ascii_lowercase())
        {
            Some(m) if m == "cors" => return Some(true),
            Some(m) if m == "navigate" || m == "no-cors" || m == "nested-navigate" => {
                return Some(false)
            }
            _ => {}
        }
        match self
            .request_header("sec-fetch-dest")
            .map(|d| d.trim().to_ascii_lowercase())
        {
            Some(d) if d == "empty" => return Some(true),
            Some(d) if !d.is_empty() => return Some(false),
            _ => {}
        }
        let content_type = self
            .request_header("content-type")
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_default();
        let accept = self
            .request_header("accept")
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or_default();
        if content_type.contains("json") || accept.starts_with("application/json") {
            return Some(true);
        }
        if accept.starts_with("text/html") || self.form.is_some() {
            return Some(false);
        }
        None
    }

    pub fn response_body_text(&self) -> Option<&str> {
        self.response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .map(|b| b.text.as_str())
    }

    /// The value of a form field of the request body.
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .as_ref()?
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }
}

pub(crate) fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl Param {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}
