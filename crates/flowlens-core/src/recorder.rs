//! The browser recorder's decisions, in Rust so the extension's JavaScript only collects and
//! displays.
//!
//! The extension feeds every webRequest / webNavigation event of every tab to a [`Recorder`].
//! The recorder keeps nothing of a tab until that tab starts an authorization flow, then keeps
//! the tab's events until the flow is over ([`state`]: the tab state machine):
//!
//! ```text
//! idle ──(authorize page load | MCP 401 challenge | Record)──> recording
//! recording ──(client callback reached)──> finishing ──(grace period over)──> idle
//! recording ──(Stop | time limit | tab closed)──> idle
//! ```
//!
//! While idle, a tab's events sit in a short buffer ([`BUFFER_MS`], [`buffer`]) so that the
//! discovery requests that preceded the authorization request become part of the flow. Every
//! event is capped and its passwords masked when it enters ([`capping`]); a page's
//! subresources are kept up to a cap ([`triage`]); session storage is never asked for more
//! than its budget, hops first ([`budget`]). Kept events leave the recorder as [`Actions`]
//! for the extension to write to `chrome.storage.session`, as chunks of JSON;
//! [`trace_from_chunks`] turns the stored chunks back into a [`crate::Trace`], whatever order
//! the browser reported the events in ([`fold`]). The recorder's own state ([`TabState`]) and
//! the buffers are persisted with them, so a worker stopped at any point picks up where it
//! was. [`pick_trace`] chooses the trace the popup shows.
//!
//! Every size and count limit is in [`crate::limits`]; the durations of the recorder's policy
//! are here.

pub mod actions;
pub mod budget;
pub mod buffer;
pub mod capping;
mod engine;
pub mod event;
pub mod fold;
pub mod selection;
pub mod state;
pub mod triage;

pub use actions::{parse_chunk, Actions, Append, ScreenshotRequest};
pub use buffer::{BufferChunk, BufferChunkKey, StoredBuffer};
pub use engine::{FailedChunk, FailedState, FailedWrite, Recorder};
pub use event::{wants_consent_screenshot, Event};
pub use fold::{trace_from_chunks, trace_from_events, StoredEvents};
pub use selection::pick_trace;
pub use state::{flow_start, BudgetCuts, FlowStart, Phase, StopReason, TabState};

/// How long events of a tab that is not recording are held, in case a flow starts.
pub const BUFFER_MS: f64 = 60_000.0;
/// Recording goes on this long after the client callback, for the token request, the
/// fragment navigation and the first authorized MCP calls.
pub const GRACE_MS: f64 = 10_000.0;
/// A flow that never reached its callback stops recording after this long (a BYOA login
/// request lives about 10 minutes; after that the flow cannot succeed anyway).
pub const MAX_RECORDING_MS: f64 = 15.0 * 60.0 * 1000.0;

#[cfg(test)]
mod tests;
