//! Browser events as the recorder receives and stores them.
//!
//! The shapes are the WebExtension `details` objects of webRequest and webNavigation, which
//! the extension passes through untouched (only request bodies are normalised in JavaScript:
//! raw bytes become text). Their field names arrive in camelCase, as Chrome and Firefox give
//! them, and are read through serde aliases; the stored form is snake_case like every object
//! the extension's parts exchange, with a `kind` tag. Every field the recorder does not need
//! is ignored, every field it needs may be missing.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::trace::{PageSnapshot, Param, ResourceType};

/// One observed browser event.
///
/// Stored with its `kind` as the first field (serde's internally tagged form) and read back by
/// [`Event::read`] through that first field: serde's derived reader of a tagged enum buffers
/// every event into an untyped tree first, which is slower and puts a second copy of every
/// event decoder into the extension's wasm.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// `webRequest.onBeforeRequest` (with `requestBody`).
    BeforeRequest(WebRequest),
    /// `webRequest.onSendHeaders` (with `requestHeaders`).
    SendHeaders(WebRequest),
    /// `webRequest.onHeadersReceived` (with `responseHeaders`).
    HeadersReceived(WebRequest),
    /// `webRequest.onBeforeRedirect`.
    BeforeRedirect(WebRequest),
    /// `webRequest.onCompleted`.
    Completed(WebRequest),
    /// `webRequest.onErrorOccurred`.
    ErrorOccurred(WebRequest),
    /// `webNavigation.onCommitted`, `onReferenceFragmentUpdated`, `onHistoryStateUpdated`.
    Navigation(NavigationEvent),
    /// `webNavigation.onDOMContentLoaded`: the moment to take a page snapshot. Never stored.
    DomReady(NavigationEvent),
    /// `webNavigation.onCreatedNavigationTarget`: a page opened a popup window or a new tab.
    TabOpened(TabOpened),
    /// `tabs.onRemoved`.
    TabClosed(TabEvent),
    /// Facts about the tab the extension looked up when recording started.
    TabInfo(TabInfo),
    /// DOM facts from the content script.
    Snapshot(Box<SnapshotEvent>),
    /// A screenshot of the visible tab (the consent page).
    Screenshot(ScreenshotEvent),
}

/// A webRequest event. One shape serves every webRequest listener: each fills the fields it
/// has (no `#[serde(flatten)]`, which would send every event through a buffered map).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebRequest {
    #[serde(alias = "requestId")]
    pub request_id: String,
    /// `-1` for requests that belong to no tab (other workers, the browser itself).
    #[serde(alias = "tabId")]
    pub tab_id: i64,
    #[serde(alias = "frameId")]
    pub frame_id: i64,
    #[serde(alias = "timeStamp")]
    pub time_stamp: f64,
    pub url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// The browser's `type` (`main_frame`, `xmlhttprequest`, `image`...).
    #[serde(
        alias = "type",
        deserialize_with = "browser_resource_type",
        skip_serializing_if = "is_unknown"
    )]
    pub resource_type: ResourceType,
    /// Chrome's `initiator` (an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiator: Option<String>,
    /// Firefox's `originUrl` (a full URL).
    #[serde(alias = "originUrl", skip_serializing_if = "Option::is_none")]
    pub origin_url: Option<String>,
    /// `onBeforeRequest` with `requestBody`.
    #[serde(alias = "requestBody", skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// `onSendHeaders` with `requestHeaders`.
    #[serde(alias = "requestHeaders", skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Vec<HttpHeader>>,
    /// `onHeadersReceived`, `onBeforeRedirect`, `onCompleted`.
    #[serde(alias = "statusCode", skip_serializing_if = "is_zero")]
    pub status_code: u16,
    #[serde(alias = "responseHeaders", skip_serializing_if = "Option::is_none")]
    pub response_headers: Option<Vec<HttpHeader>>,
    /// `onBeforeRedirect`.
    #[serde(alias = "redirectUrl", skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// `onErrorOccurred`: `net::ERR_...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

fn is_unknown(t: &ResourceType) -> bool {
    *t == ResourceType::Unknown
}

/// The browser's names (`main_frame`, `xmlhttprequest`...) and the stored ones (`document`,
/// `fetch`...) alike; a name nobody knows is `other`, never an error.
fn browser_resource_type<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceType, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(name.map_or(ResourceType::Unknown, |n| {
        ResourceType::from_browser_name(&n)
    }))
}

impl WebRequest {
    /// A main-frame page load (what carries the authorization request and the callback).
    pub fn is_main_frame(&self) -> bool {
        self.resource_type == ResourceType::Document
    }
}

/// A request body, as the extension's JavaScript normalised it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestBody {
    /// Fields of a form POST, in order (`{name: [values]}` in the browser's shape).
    #[serde(alias = "formData", skip_serializing_if = "Option::is_none")]
    pub form_data: Option<FormData>,
    /// A text body (JSON of a client registration or an MCP call), decoded as UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The body was not valid UTF-8: not kept.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub binary: bool,
    /// The body was cut at the size cap.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The body was not kept: the worker stopped before the recorder could mask it, and an
    /// unmasked body is never stored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

/// Form fields in document order. The browser gives `{name: [value, ...]}`; JSON objects keep
/// insertion order, which this type preserves (a `BTreeMap` would sort the names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormData(pub Vec<Param>);

impl Serialize for FormData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Group repeated names back into the browser's shape, first occurrence first.
        let mut names: Vec<&str> = Vec::new();
        for p in &self.0 {
            if !names.contains(&p.name.as_str()) {
                names.push(&p.name);
            }
        }
        let mut map = serializer.serialize_map(Some(names.len()))?;
        for name in names {
            let values: Vec<&str> = self
                .0
                .iter()
                .filter(|p| p.name == name)
                .map(|p| p.value.as_str())
                .collect();
            map.serialize_entry(name, &values)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for FormData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FormVisitor;
        impl<'de> Visitor<'de> for FormVisitor {
            type Value = FormData;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of form field names to arrays of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FormData, A::Error> {
                let mut fields = Vec::new();
                while let Some((name, values)) = map.next_entry::<String, OneOrMany>()? {
                    for value in values.0 {
                        fields.push(Param::new(name.clone(), value));
                    }
                }
                Ok(FormData(fields))
            }
        }
        deserializer.deserialize_map(FormVisitor)
    }
}

/// Chrome gives arrays of strings; be lenient with a single string.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Many(Vec<String>),
            One(String),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Many(v) => OneOrMany(v),
            Either::One(s) => OneOrMany(vec![s]),
        })
    }
}

/// A header as webRequest gives it. `binaryValue` headers are not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpHeader {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NavKind {
    #[default]
    Committed,
    Fragment,
    History,
}

/// `webNavigation` details; `nav_kind` is added by the listener that received it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NavigationEvent {
    #[serde(alias = "tabId")]
    pub tab_id: i64,
    #[serde(alias = "frameId")]
    pub frame_id: i64,
    #[serde(alias = "timeStamp")]
    pub time_stamp: f64,
    pub url: String,
    pub nav_kind: NavKind,
}

/// `webNavigation.onCreatedNavigationTarget` details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TabOpened {
    #[serde(alias = "sourceTabId")]
    pub source_tab_id: i64,
    #[serde(alias = "tabId")]
    pub tab_id: i64,
    #[serde(alias = "timeStamp")]
    pub time_stamp: f64,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TabEvent {
    pub tab_id: i64,
    pub time_stamp: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TabInfo {
    pub tab_id: i64,
    pub time_stamp: f64,
    pub incognito: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotEvent {
    pub tab_id: i64,
    pub time_stamp: f64,
    /// The page's facts; of a snapshot the extension's worker received ([`Event::read_sent`]),
    /// only its URL.
    pub snapshot: PageSnapshot,
    /// The snapshot as the content script sent it (JSON), when the worker received it: what
    /// is stored ([`super::budget::to_json`]), decoded where the flow is judged. The worker's
    /// wasm module, compiled at every start of the worker, carries no page decoder.
    #[serde(skip)]
    pub sent: Option<String>,
    /// The page asks for the consent screenshot ([`wants_consent_screenshot`]): judged where
    /// the page was decoded (for the worker, by the pages module it loads when a recording
    /// tab shows a page). `false` for a snapshot read back from storage, judged already.
    #[serde(skip)]
    pub consent: bool,
}

impl SnapshotEvent {
    /// The event of a decoded page, judged.
    pub fn new(tab_id: i64, time_stamp: f64, snapshot: PageSnapshot) -> Self {
        SnapshotEvent {
            tab_id,
            time_stamp,
            consent: wants_consent_screenshot(&snapshot),
            snapshot,
            sent: None,
        }
    }
}

/// A page that looks like a consent screen and asks for no password: worth a screenshot while
/// it is shown. Looser than the consent role (an approve and a deny action are enough), since
/// a screenshot too many costs little.
pub fn wants_consent_screenshot(page: &PageSnapshot) -> bool {
    !page.has_password_field && crate::flow::roles::looks_like_consent(page)
}

/// A `snapshot` event as the extension's worker feeds it: the content script's snapshot as
/// JSON, its URL, and the pages module's judgement of it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SentSnapshot {
    tab_id: i64,
    time_stamp: f64,
    url: String,
    snapshot: String,
    consent: bool,
}

impl SentSnapshot {
    fn into_event<E: serde::de::Error>(self) -> Result<SnapshotEvent, E> {
        // The pages module read this text as a snapshot before the worker fed it; an object
        // is all that is checked here (a stored chunk must stay JSON).
        let text = self.snapshot.trim();
        if !(text.starts_with('{') && text.ends_with('}')) {
            return Err(E::custom("a snapshot must be a JSON object"));
        }
        Ok(SnapshotEvent {
            tab_id: self.tab_id,
            time_stamp: self.time_stamp,
            snapshot: PageSnapshot {
                url: self.url,
                ..PageSnapshot::default()
            },
            sent: Some(text.to_string()),
            consent: self.consent,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreenshotEvent {
    pub tab_id: i64,
    pub time_stamp: f64,
    pub url: String,
    /// `data:image/jpeg;base64,...`.
    pub data_url: String,
}

/// The names of the events: the stored `kind` and the listener the extension names.
const KINDS: &[&str] = &[
    "before-request",
    "send-headers",
    "headers-received",
    "before-redirect",
    "completed",
    "error-occurred",
    "navigation",
    "dom-ready",
    "tab-opened",
    "tab-closed",
    "tab-info",
    "snapshot",
    "screenshot",
];

impl Event {
    /// Reads the event of kind `kind` from `details`, straight into the listener's own type.
    pub fn read<'de, D: Deserializer<'de>>(kind: &str, details: D) -> Result<Event, D::Error> {
        match kind {
            "snapshot" => Ok(Event::Snapshot(Deserialize::deserialize(details)?)),
            _ => Self::read_browser_event(kind, details),
        }
    }

    /// Reads an event as the extension's worker receives it: like [`Event::read`], except
    /// that a page snapshot comes as JSON text with its judgement, and is kept as sent (see
    /// [`SnapshotEvent::sent`]).
    pub fn read_sent<'de, D: Deserializer<'de>>(kind: &str, details: D) -> Result<Event, D::Error> {
        match kind {
            "snapshot" => Ok(Event::Snapshot(Box::new(
                SentSnapshot::deserialize(details)?.into_event()?,
            ))),
            _ => Self::read_browser_event(kind, details),
        }
    }

    /// Every kind but `snapshot`.
    fn read_browser_event<'de, D: Deserializer<'de>>(
        kind: &str,
        details: D,
    ) -> Result<Event, D::Error> {
        Ok(match kind {
            "before-request" => Event::BeforeRequest(Deserialize::deserialize(details)?),
            "send-headers" => Event::SendHeaders(Deserialize::deserialize(details)?),
            "headers-received" => Event::HeadersReceived(Deserialize::deserialize(details)?),
            "before-redirect" => Event::BeforeRedirect(Deserialize::deserialize(details)?),
            "completed" => Event::Completed(Deserialize::deserialize(details)?),
            "error-occurred" => Event::ErrorOccurred(Deserialize::deserialize(details)?),
            "navigation" => Event::Navigation(Deserialize::deserialize(details)?),
            "dom-ready" => Event::DomReady(Deserialize::deserialize(details)?),
            "tab-opened" => Event::TabOpened(Deserialize::deserialize(details)?),
            "tab-closed" => Event::TabClosed(Deserialize::deserialize(details)?),
            "tab-info" => Event::TabInfo(Deserialize::deserialize(details)?),
            "screenshot" => Event::Screenshot(Deserialize::deserialize(details)?),
            other => return Err(serde::de::Error::unknown_variant(other, KINDS)),
        })
    }

    /// The webRequest details, for request events.
    pub fn web_request(&self) -> Option<&WebRequest> {
        match self {
            Event::BeforeRequest(e)
            | Event::SendHeaders(e)
            | Event::HeadersReceived(e)
            | Event::BeforeRedirect(e)
            | Event::Completed(e)
            | Event::ErrorOccurred(e) => Some(e),
            _ => None,
        }
    }

    /// The webRequest details, for request events, to change them.
    pub fn web_request_mut(&mut self) -> Option<&mut WebRequest> {
        match self {
            Event::BeforeRequest(e)
            | Event::SendHeaders(e)
            | Event::HeadersReceived(e)
            | Event::BeforeRedirect(e)
            | Event::Completed(e)
            | Event::ErrorOccurred(e) => Some(e),
            _ => None,
        }
    }

    /// The browser tab the event belongs to (`-1`: none).
    pub fn tab_id(&self) -> i64 {
        match self {
            Event::Navigation(e) | Event::DomReady(e) => e.tab_id,
            Event::TabOpened(e) => e.tab_id,
            Event::TabClosed(e) => e.tab_id,
            Event::TabInfo(e) => e.tab_id,
            Event::Snapshot(e) => e.tab_id,
            Event::Screenshot(e) => e.tab_id,
            _ => self.web_request().map_or(-1, |r| r.tab_id),
        }
    }

    /// When it happened, to change it.
    pub fn time_ms_mut(&mut self) -> &mut f64 {
        match self {
            Event::Navigation(e) | Event::DomReady(e) => &mut e.time_stamp,
            Event::TabOpened(e) => &mut e.time_stamp,
            Event::TabClosed(e) => &mut e.time_stamp,
            Event::TabInfo(e) => &mut e.time_stamp,
            Event::Snapshot(e) => &mut e.time_stamp,
            Event::Screenshot(e) => &mut e.time_stamp,
            Event::BeforeRequest(e)
            | Event::SendHeaders(e)
            | Event::HeadersReceived(e)
            | Event::BeforeRedirect(e)
            | Event::Completed(e)
            | Event::ErrorOccurred(e) => &mut e.time_stamp,
        }
    }

    /// When it happened (ms since epoch).
    pub fn time_ms(&self) -> f64 {
        match self {
            Event::Navigation(e) | Event::DomReady(e) => e.time_stamp,
            Event::TabOpened(e) => e.time_stamp,
            Event::TabClosed(e) => e.time_stamp,
            Event::TabInfo(e) => e.time_stamp,
            Event::Snapshot(e) => e.time_stamp,
            Event::Screenshot(e) => e.time_stamp,
            _ => self.web_request().map_or(0.0, |r| r.time_stamp),
        }
    }
}

impl HttpHeader {
    pub fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            value: Some(value.to_string()),
        }
    }
}

/// A stored event: `{"kind": ..., fields...}`, `kind` first, as [`Event`]'s `Serialize` writes it.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StoredEvent;
        impl<'de> Visitor<'de> for StoredEvent {
            type Value = Event;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an event object whose first field is its kind")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                use serde::de::Error;
                match map.next_key::<std::borrow::Cow<'de, str>>()?.as_deref() {
                    Some("kind") => {}
                    Some(_) => return Err(A::Error::custom("an event's kind must come first")),
                    None => return Err(A::Error::missing_field("kind")),
                }
                let kind: std::borrow::Cow<'de, str> = map.next_value()?;
                Event::read(&kind, serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(StoredEvent)
    }
}
