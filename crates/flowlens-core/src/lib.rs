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

pub mod check;
pub mod diff;
pub mod discovery;
pub mod docs;
pub mod flow;
pub mod har;
pub mod manual;
pub mod page;
pub mod params;
pub mod profile;
pub mod recorder;
pub mod redact;
pub mod report;
pub mod rules;
pub mod text;
pub mod trace;
pub mod vendor;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use check::{Evidence, Outcome, Status};
pub use profile::Profile;
pub use report::Report;
pub use trace::Trace;

/// The version of the core, shown as the report's generator.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Reconstructs the flows of a trace and runs every rule on each.
pub fn analyze(trace: &Trace, profile: &Profile) -> Report {
    let flows = flow::reconstruct(trace, profile);
    let mut checks = Vec::new();
    for flow in &flows {
        let cx = rules::Context::new(trace, flow, profile);
        for rule in rules::registry() {
            let meta = rule.meta();
            let outcome = rule.check(&cx);
            checks.push(report::CheckReport {
                id: meta.id.to_string(),
                section: meta.section,
                title: meta.title.to_string(),
                flow: Some(flow.index),
                status: outcome.status,
                summary: outcome.summary,
                evidence: outcome.evidence,
                assumptions: outcome.assumptions,
                note: None,
                ticked: false,
            });
        }
    }
    if flows.is_empty() {
        for rule in rules::registry() {
            let meta = rule.meta();
            checks.push(report::CheckReport {
                id: meta.id.to_string(),
                section: meta.section,
                title: meta.title.to_string(),
                flow: None,
                status: Status::NotObserved,
                summary: "no authorization flow found in the trace".to_string(),
                evidence: Vec::new(),
                assumptions: Vec::new(),
                note: None,
                ticked: false,
            });
        }
    }
    // Items a browser cannot see, once each, after the automated checks of their section.
    checks.extend(manual::report_items());
    // Checklist order: section, then registry order (manual items after the rules, in their
    // table's order), then flow.
    let rule_count = rules::registry().len();
    let order = |id: &str| {
        rules::registry()
            .iter()
            .position(|r| r.meta().id == id)
            .or_else(|| manual::position(id).map(|p| rule_count + p))
    };
    checks.sort_by_key(|c| (c.section, order(&c.id), c.flow));
    // Sections the profile says do not apply.
    for c in checks.iter_mut().filter(|c| profile.skips(c.section)) {
        c.status = Status::Skipped;
        c.summary = "section skipped in the profile".to_string();
        c.evidence.clear();
        c.assumptions.clear();
    }

    let mut counts = report::Counts::default();
    for c in &checks {
        counts.add(c.status);
    }
    let mut notes = trace.capture.notes.clone();
    if flows.is_empty() {
        notes.push(
            "No authorization flow was found: no page load carried response_type and client_id, \
             and no MCP 401 challenge was seen."
                .to_string(),
        );
    }
    report::Report {
        schema: report::SCHEMA.to_string(),
        generator: format!("flowlens {VERSION}"),
        source: report::SourceInfo {
            kind: if trace.source.is_empty() {
                "unknown".into()
            } else {
                trace.source.clone()
            },
            name: None,
            creator: trace.capture.creator.clone(),
            exchanges: trace.exchanges.len(),
            pages: trace.pages.len(),
            profile: *profile != Profile::default(),
        },
        sections: report::sections(),
        flows: flows
            .iter()
            .map(|f| report::flow_report(trace, f, &checks))
            .collect(),
        checks,
        counts,
        notes,
    }
}
