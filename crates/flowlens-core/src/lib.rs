//! Flowlens core: checks a recorded OAuth 2.1 authorization flow against the go-live
//! checklist and reports every item with evidence.
//!
//! Pure Rust with no web or async dependencies, so the same code runs in the CLI and, compiled
//! to WebAssembly, in the browser extension.
//!
//! ```text
//! Trace (HAR import, extension recorder)
//!   -> flow::reconstruct   flows with hops and roles
//!   -> rules::registry     one Outcome per rule and flow
//!   -> report::Report      flowlens.report/v1, rendered as text, JSON, Markdown or the popup
//! ```

pub mod archive;
pub mod bundle;
pub mod check;
pub mod diff;
pub mod discovery;
pub mod docs;
pub mod flow;
pub mod har;
pub mod manual;
pub mod open;
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
