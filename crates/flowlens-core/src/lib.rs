//! Flowlens core: checks a recorded OAuth 2.1 authorization flow against the go-live
//! checklist and reports every item with evidence.
//!
//! Pure Rust with no web or async dependencies, so the same code runs in the CLI and, compiled
//! to WebAssembly, in the browser extension. `docs/architecture.md` tells the whole story.
//!
//! The data goes one way:
//!
//! ```text
//! input      open::open (HAR, export zip, trace JSON), har::read_har, recorder (the extension)
//!   -> trace     trace::Trace: what was observed, uninterpreted
//!   -> flows     flow::reconstruct: flows with hops and roles
//!   -> rules     rules::registry: one Outcome per rule and flow; manual items beside them
//!   -> report    report::ReportBuilder: flowlens.report/v1, finished when built
//!   -> outputs   render::{text, markdown, json, view}, bundle::write (the export zip)
//! ```
//!
//! ## Layers
//!
//! A module imports from its own layer and the layers below, never from a layer above; the
//! `architecture` test reads every `crate::` path outside test code against this list (keep
//! its format: one layer a line, modules in backticks). From the bottom:
//!
//! - layer 0, what knows nothing of flows: `vocab`, `stdx`, `archive`, `limits`
//! - layer 1, the model: `trace`, `params`, `vendor`, `discovery`, `profile`, `page`
//! - layer 2, reading a trace: `flow`, `redact`
//! - layer 3, capture and evidence: `har`, `recorder`, `check`, `fetched`
//! - layer 4, the checklist: `rules`, `manual`
//! - layer 5, the report: `report`
//! - layer 6, comparing reports: `diff`
//! - layer 7, outputs: `render`, `docs`
//! - layer 8, files: `bundle`, `open`
//!
//! The crate root re-exports `Status`, `Section`, `Report`, `Trace`, `Profile`, `Evidence`,
//! `Outcome` and [`analyze`] for the other crates.

pub mod archive;
pub mod bundle;
pub mod check;
pub mod diff;
pub mod discovery;
pub mod docs;
pub mod fetched;
pub mod flow;
pub mod har;
pub mod limits;
pub mod manual;
pub mod open;
pub mod page;
pub mod params;
pub mod profile;
pub mod recorder;
pub mod redact;
pub mod render;
pub mod report;
pub mod rules;
pub mod stdx;
pub mod trace;
pub mod vendor;
pub mod vocab;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use check::{Evidence, Outcome};
pub use profile::Profile;
pub use report::Report;
pub use trace::Trace;
pub use vocab::{Section, Status};

/// The version of the core, shown as the report's generator.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Reconstructs the flows of a trace and runs every rule on each: the report with no more
/// inputs than the trace and the profile (see [`report::ReportBuilder`] for the others).
pub fn analyze(trace: &Trace, profile: &Profile) -> Report {
    report::ReportBuilder::new(trace, profile).build()
}
