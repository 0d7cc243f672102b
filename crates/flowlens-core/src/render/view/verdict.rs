//! The verdict-first part of the view: the flow's name and verdict, its blockers ranked, then
//! folded groups (warnings, checks that could not be judged, and one line per section for
//! what passed or was skipped). Every automated check of the shown flow is in exactly one of
//! them, with its evidence and its `data-check` / `data-status` hooks, whatever is folded.

use super::{check_view, CheckView};
use crate::recorder::Phase;
use crate::render::flow_name;
use crate::render::status::verdict_look;
use crate::report::{CheckReport, FlowReport, IncompleteReason, Report, Verdict, VerdictKind};
use crate::vocab::Status;

/// The answer, first on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictView {
    /// `ready`, `not-ready` or `incomplete` (its wire name: a class and `data-verdict`).
    pub kind: VerdictKind,
    /// A mark that says it without color: ✓, ✗ or –.
    pub mark: &'static str,
    /// "Ready for launch", "Not ready: 2 blockers", "Incomplete: …".
    pub line: String,
    /// Why the recording is incomplete, one line each (also under a "not ready" verdict).
    pub why: Vec<String>,
    /// What the verdict rests on that no profile said (the custom domain taken from the
    /// authorization request...), one line each.
    pub assumed: Vec<String>,
    /// The flow the verdict is about, named; `None` before anything was recorded.
    pub flow: Option<FlowTitle>,
}

/// A flow named for a person: where it started, then its hosts and time. Never a tab id.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowTitle {
    /// "Acme Calendar (app.acme.test)" (page-controlled text: set as text).
    pub title: String,
    /// "authorization server auth.acme.test · redirect to app.acme.test · 2024-11-14 10:00:03 UTC".
    pub detail: String,
    /// When the flow started (ms since the Unix epoch), for a local time.
    pub started_ms: Option<f64>,
}

/// The automated checks of the shown flow, verdict first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecksView {
    /// The failed checks, ranked (custom domain first, then checklist order): shown open.
    pub blockers: Vec<CheckView>,
    /// Checks that warn, folded.
    pub warnings: Fold,
    /// Checks the recording could not judge, folded.
    pub not_observed: Fold,
    /// What passed or was skipped, one folded line per section, in checklist order.
    pub settled: Vec<SectionFold>,
}

/// A folded group: one line, its checks on expand.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fold {
    /// "2 warnings"; empty when there are no checks.
    pub line: String,
    pub checks: Vec<CheckView>,
}

/// The passing and skipped checks of one section, folded into a line.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionFold {
    pub id: &'static str,
    pub title: String,
    /// "Custom domain: 4 pass · 1 skipped".
    pub line: String,
    pub checks: Vec<CheckView>,
}

pub(super) fn verdict_view(
    report: &Report,
    flow: Option<&FlowReport>,
    phase: Option<Phase>,
) -> Option<VerdictView> {
    let verdict = match flow {
        Some(flow) => flow.verdict.as_ref(),
        None => report.verdict.as_ref(),
    }?;
    let mut line = verdict.line.clone();
    let still_recording = phase == Some(Phase::Recording)
        && verdict.kind == VerdictKind::Incomplete
        && has_reason(verdict, IncompleteReason::NotFinished);
    if still_recording {
        line = "Incomplete: still recording, the flow has not reached the client's callback yet"
            .into();
    }
    let capture = flow.and_then(|f| {
        report
            .checks
            .iter()
            .find(|c| c.id == crate::report::verdict::CAPTURE_CHECK && c.flow == Some(f.index))
    });
    let mut why: Vec<String> = verdict.incomplete.iter().map(|i| i.text.clone()).collect();
    if let Some(capture) = capture.filter(|_| !verdict.incomplete.is_empty()) {
        // The rule's own words say what exactly is missing.
        why = vec![capture.summary.clone()];
    }
    Some(VerdictView {
        kind: verdict.kind,
        mark: mark(verdict.kind),
        line,
        why,
        assumed: flow
            .map(|f| {
                report
                    .assumptions(f.index)
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        flow: flow.map(flow_title),
    })
}

fn has_reason(verdict: &Verdict, reason: IncompleteReason) -> bool {
    verdict.incomplete.iter().any(|i| i.reason == reason)
}

/// The verdict's mark, the same glyphs as the statuses'.
pub fn mark(kind: VerdictKind) -> &'static str {
    verdict_look(kind).glyph
}

pub(super) fn flow_title(flow: &FlowReport) -> FlowTitle {
    FlowTitle {
        title: flow_name::title(flow),
        detail: flow_name::detail(flow),
        started_ms: flow.started.as_ref().map(|s| s.time_ms),
    }
}

/// The shown flow's automated checks (`checks` holds the flow's and the manual items).
pub(super) fn checks_view(
    report: &Report,
    flow: Option<&FlowReport>,
    checks: &[&CheckReport],
    read_only: bool,
) -> ChecksView {
    let automated: Vec<&CheckReport> = checks
        .iter()
        .copied()
        .filter(|c| c.status != Status::Manual && !is_manual_item(c))
        .collect();
    let view = |c: &CheckReport| check_view(c, read_only);
    // Blockers in the verdict's order. A failure the verdict does not count as a blocker
    // (`capture-complete` judges the recording) is folded with the warnings.
    let verdict = flow
        .and_then(|f| f.verdict.as_ref())
        .or(report.verdict.as_ref());
    let mut blockers: Vec<&CheckReport> = verdict
        .map(|v| v.blockers.iter().filter_map(|b| report.check(b)).collect())
        .unwrap_or_default();
    blockers.retain(|c| automated.iter().any(|a| std::ptr::eq(*a, *c)));
    let is_blocker = |c: &CheckReport| blockers.iter().any(|b| std::ptr::eq(*b, c));
    let warnings: Vec<CheckView> = automated
        .iter()
        .filter(|c| c.status == Status::Warn || (c.status == Status::Fail && !is_blocker(c)))
        .map(|c| view(c))
        .collect();
    let not_observed: Vec<CheckView> = automated
        .iter()
        .filter(|c| c.status == Status::NotObserved)
        .map(|c| view(c))
        .collect();
    let settled = report
        .sections
        .iter()
        .filter_map(|section| {
            let in_section: Vec<&CheckReport> = automated
                .iter()
                .copied()
                .filter(|c| c.section == section.id)
                .filter(|c| matches!(c.status, Status::Pass | Status::Skipped))
                .collect();
            if in_section.is_empty() {
                return None;
            }
            let counts = [Status::Pass, Status::Skipped]
                .iter()
                .map(|&s| (s, in_section.iter().filter(|c| c.status == s).count()))
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(" · ");
            Some(SectionFold {
                id: section.id.id(),
                title: section.title.clone(),
                line: format!("{}: {counts}", section.title),
                checks: in_section.into_iter().map(view).collect(),
            })
        })
        .collect();
    ChecksView {
        blockers: blockers.into_iter().map(view).collect(),
        warnings: Fold {
            line: count_line(warnings.len(), "warning", "warnings"),
            checks: warnings,
        },
        not_observed: Fold {
            line: count_line(
                not_observed.len(),
                "check could not be judged from this recording",
                "checks could not be judged from this recording",
            ),
            checks: not_observed,
        },
        settled,
    }
}

/// A manual item (skipped ones included): not about a flow, and not a rule.
pub(super) fn is_manual_item(check: &CheckReport) -> bool {
    check.flow.is_none() && crate::rules::find(&check.id).is_none()
}

fn count_line(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}
