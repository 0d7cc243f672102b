//! Every size and count limit of Flowlens, in one table.
//!
//! A flow must be judged the same whether it was captured by the extension's recorder or read
//! from a HAR file: both cut a URL, a header or a form field at the same length, keep the
//! same number of headers, and the rules read bodies up to the same size. The extension's
//! JavaScript takes its caps from here too: the service worker reads them from the wasm
//! module (`limits()`), and a test asserts that the content script's constants (a classic
//! script that cannot load wasm) equal these.
//!
//! Durations (how long the recorder buffers, its grace period) are the recorder's policy and
//! live in [`crate::recorder`].

use serde::Serialize;

// -- What a request carries, whoever captured it (HAR importer and recorder) ----------------

/// URLs are cut at this size (no OAuth URL comes near it; `data:` URLs do).
pub const MAX_URL: usize = 64 * 1024;
/// Header and form field names are cut at this size.
pub const MAX_NAME: usize = 1024;
/// Header values and form field values are cut at this size.
pub const MAX_HEADER_VALUE: usize = 64 * 1024;
/// Headers kept per request or response.
pub const MAX_HEADERS: usize = 512;
/// Form fields kept per request body.
pub const MAX_FORM_FIELDS: usize = 512;
/// Request bodies (JSON of a client registration, an MCP call) are cut at this size.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

// -- Response bodies (HAR files; a browser extension cannot see them) ------------------------

/// JSON response bodies larger than this are neither kept nor parsed (a 10 MB "metadata"
/// document is not metadata).
pub const MAX_JSON_BODY: usize = 1024 * 1024;
/// HTML response bodies are cut at this size, and rules scan no further.
pub const MAX_HTML_BODY: usize = 512 * 1024;

// -- Flows in a trace (reconstruction, and what a HAR import keeps for `flowlens check`) ------

/// Exchanges searched before an authorization request for the redirect that led to it, and
/// after a flow's last hop for the resources its last pages loaded; a HAR import keeps this
/// many around everything a flow reaches (`flow::reach`).
pub const NEARBY_EXCHANGES: usize = 64;
/// Exchanges a HAR import holds to put a file's slightly unordered entries back in time
/// order before it drops what no flow reaches; an entry later than that makes it keep all.
pub const REORDER_EXCHANGES: usize = 256;
/// A HAR import drops what no flow reaches only once that takes more memory than this: a
/// HAR of a few pages is kept whole, with the file's hop numbers.
pub const KEEP_WHOLE_BYTES: usize = 8 * 1024 * 1024;

// -- Page snapshots (the extension's content script, `extension/content.js`) -----------------

// The same caps apply to a page read from a HAR's HTML (`page::html`), so that a page judged
// from a HAR and the same page seen by the extension have the same facts.

/// Page-controlled texts (titles, headings, button labels, names) are cut at this size.
pub const MAX_PAGE_TEXT: usize = 1024;
/// The page's visible text is kept up to this many bytes.
pub const MAX_PAGE_BODY_TEXT: usize = 8 * 1024;
/// Entries kept per list of a snapshot (buttons, headings, links, hidden fields, "powered
/// by" texts).
pub const MAX_PAGE_LIST: usize = 60;
/// Forms kept per page.
pub const MAX_PAGE_FORMS: usize = 20;
/// Form fields kept per page.
pub const MAX_PAGE_FIELDS: usize = 200;
/// Images kept per page (logo candidates, chosen in `page::choose`).
pub const MAX_PAGE_IMAGES: usize = 100;
/// Declared favicons kept per page.
pub const MAX_FAVICONS: usize = 10;
/// Images looked at per page when looking for logos.
pub const MAX_IMAGES_SCANNED: usize = 2000;
/// Text nodes looked at per page when looking for "powered by" marks.
pub const MAX_TEXT_NODES: usize = 5000;

// -- The recorder ----------------------------------------------------------------------------

/// Events held per idle tab, in case a flow starts (oldest go first).
pub const BUFFER_EVENTS: usize = 400;
/// Session storage the idle tabs' buffers may take together, so that they survive a stopped
/// worker; past it, buffered events are held in the worker's memory only.
pub const MAX_BUFFER_BYTES: usize = 1024 * 1024;
/// Kept events per trace; more are counted as dropped.
pub const MAX_EVENTS_PER_TRACE: u32 = 30_000;
/// Subresource requests (images, fonts, scripts...) kept per trace: a page with thousands of
/// images must not crowd out the flow. The rest are counted and reported.
pub const MAX_SUBRESOURCES_PER_TRACE: u32 = 1_500;
/// Consent screenshots kept per trace.
pub const MAX_SCREENSHOTS_PER_TRACE: u32 = 3;

// -- The extension's session storage ---------------------------------------------------------

/// `chrome.storage.session.QUOTA_BYTES` (Chrome and Firefox): a write that would exceed it
/// fails whole.
pub const SESSION_STORAGE_QUOTA: usize = 10 * 1024 * 1024;
/// What the recorder lets its traces and buffers take of that quota. The rest is headroom
/// for trace states, the start-up journal and estimate error, so a write never fails for
/// lack of room (see [`crate::recorder`]'s storage budget).
pub const STORAGE_BUDGET: usize = 9 * 1024 * 1024;

/// The limits the extension's JavaScript applies before an event reaches the recorder (the
/// service worker reads them from the wasm module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScriptLimits {
    /// Raw request bodies are decoded as text up to this many bytes.
    pub max_request_body: usize,
    pub max_url: usize,
    pub max_page_text: usize,
    pub max_page_body_text: usize,
    pub max_page_list: usize,
    pub max_page_forms: usize,
    pub max_page_fields: usize,
    pub max_page_images: usize,
    pub max_favicons: usize,
    pub max_images_scanned: usize,
    pub max_text_nodes: usize,
}

pub const SCRIPT_LIMITS: ScriptLimits = ScriptLimits {
    max_request_body: MAX_REQUEST_BODY,
    max_url: MAX_URL,
    max_page_text: MAX_PAGE_TEXT,
    max_page_body_text: MAX_PAGE_BODY_TEXT,
    max_page_list: MAX_PAGE_LIST,
    max_page_forms: MAX_PAGE_FORMS,
    max_page_fields: MAX_PAGE_FIELDS,
    max_page_images: MAX_PAGE_IMAGES,
    max_favicons: MAX_FAVICONS,
    max_images_scanned: MAX_IMAGES_SCANNED,
    max_text_nodes: MAX_TEXT_NODES,
};
