//! The browser recorder's decisions, in Rust so the extension's JavaScript only collects and
//! displays.
//!
//! The extension feeds every webRequest / webNavigation event of every tab to a [`Recorder`].
//! The recorder keeps nothing of a tab until that tab starts an authorization flow, then keeps
//! the tab's events until the flow is over:
//!
//! ```text
//! idle ──(authorize page load | MCP 401 challenge | Record)──> recording
//! recording ──(client callback reached)──> finishing ──(grace period over)──> idle
//! recording ──(Stop | time limit)──> idle
//! ```
//!
//! While idle, a tab's events sit in a short in-memory buffer ([`BUFFER_MS`]) so that the
//! discovery requests that preceded the authorization request become part of the flow.
//! Kept events leave the recorder as [`Actions`] for the extension to append to
//! `chrome.storage.session`; [`fold::trace_from_events`] turns the stored events back into a
//! [`crate::Trace`]. The recorder's own state ([`TabState`]) is persisted with them, so a
//! service worker stopped mid-flow picks up where it was.

pub mod event;
pub mod fold;
mod policy;

pub use event::Event;
pub use fold::trace_from_events;
pub use policy::{
    flow_start, pick_trace, Actions, Append, Phase, Recorder, ScreenshotRequest, TabState,
};

/// How long events of a tab that is not recording are held, in case a flow starts.
pub const BUFFER_MS: f64 = 60_000.0;
/// At most this many buffered events per idle tab (oldest go first).
pub const BUFFER_EVENTS: usize = 400;
/// Recording goes on this long after the client callback, for the token request, the
/// fragment navigation and the first authorized MCP calls.
pub const GRACE_MS: f64 = 10_000.0;
/// A flow that never reached its callback stops recording after this long (a BYOA login
/// request lives about 10 minutes; after that the flow cannot succeed anyway).
pub const MAX_RECORDING_MS: f64 = 15.0 * 60.0 * 1000.0;
/// Hard cap of kept events per trace; more are counted as dropped.
pub const MAX_EVENTS_PER_TRACE: u32 = 30_000;
/// Subresource requests (images, fonts, scripts...) kept per trace; a page with thousands of
/// images must not crowd out the flow. The rest are counted and reported.
pub const MAX_SUBRESOURCES_PER_TRACE: u32 = 1_500;
/// Consent screenshots kept per trace.
pub const MAX_SCREENSHOTS_PER_TRACE: u32 = 3;

/// Caps on strings taken from the browser, so a megabyte URL or header cannot exhaust
/// `chrome.storage.session` (10 MB). A cut is counted and reported.
pub const MAX_URL_BYTES: usize = 64 * 1024;
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;
pub const MAX_HEADERS: usize = 100;
pub const MAX_FORM_FIELDS: usize = 100;
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests;
