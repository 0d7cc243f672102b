//! The go-live verdict: for each flow, and for the whole report, the answer to "can we go
//! live, and what blocks it?", decided once here and shown by every output.
//!
//! - A **blocker** is a check of the flow whose status is `fail`, other than
//!   `capture-complete` (which judges the recording, not the deployment). Blockers are
//!   ranked: the custom domain's checks first (the seed checklist calls the custom domain
//!   "the highest-impact step"), then the other failures in checklist order.
//! - A flow is **incomplete** when `capture-complete` did not pass for it: the recording
//!   started after the flow began (its first hop is neither discovery nor the authorization
//!   request, or the authorization request's response is missing), the flow never reached
//!   the client's callback nor an error page, or the recording may miss part of it (events
//!   dropped, a tab left out). A report without any flow is incomplete: nothing was recorded.
//!   When `capture-complete` was not run (a probe) or its section is skipped, the flow is
//!   judged on what was checked.
//! - The verdict is **not ready** when there is a blocker (incomplete or not: a failure seen
//!   is a failure), **incomplete** when there is none but the recording is incomplete, and
//!   **ready** otherwise. Warnings never block; they are listed after the blockers.
//!
//! A report's verdict is the worst of its flows' (not ready, then incomplete, then ready),
//! its blockers those of every flow.

use serde::{Deserialize, Serialize};

use super::{CheckReport, FlowReport};
use crate::flow::Role;
use crate::rules::{self, RuleMeta};
use crate::stdx::sort::sort_by_key;
use crate::vocab::{string_enum, Section, Status};

/// The check that judges the recording itself.
pub const CAPTURE_CHECK: &str = "capture-complete";

/// The section whose failures rank first.
pub const FIRST_SECTION: Section = Section::CustomDomain;

string_enum! {
    /// The answer, worst first.
    pub enum VerdictKind {
        /// A check failed: launching now ships what it found.
        NotReady => "not-ready",
        /// Nothing failed, but the recording does not hold the whole flow.
        Incomplete => "incomplete",
        /// Nothing failed in a whole flow.
        Ready => "ready",
    }
}

string_enum! {
    /// Why a verdict is incomplete.
    pub enum IncompleteReason {
        /// No authorization flow in the recording (nothing recorded yet).
        NoFlow => "no-flow",
        /// The recording started after the flow began.
        StartedLate => "started-late",
        /// The flow reached neither the client's callback nor an error page.
        NotFinished => "not-finished",
        /// The recording may miss part of the flow (events dropped, a tab left out).
        Unverified => "unverified",
    }
}

impl IncompleteReason {
    /// The reason in words, for the verdict line.
    pub fn text(self) -> &'static str {
        match self {
            Self::NoFlow => "no authorization flow was recorded",
            Self::StartedLate => "the recording started after the flow began",
            Self::NotFinished => "the flow did not reach the client's callback",
            Self::Unverified => "the recording may miss part of the flow",
        }
    }
}

/// The verdict of a flow or of a report (`flows[].verdict`, `verdict` in the JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// One line: "Ready for launch", "Not ready: 2 blockers", "Incomplete: the recording
    /// started after the flow began".
    pub line: String,
    /// The failed checks, ranked (custom domain first, then checklist order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<CheckRef>,
    /// The checks that warn, in checklist order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<CheckRef>,
    /// Why the recording is incomplete (set whatever the kind, so a "not ready" verdict on
    /// half a flow says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<Incompleteness>,
}

/// A check of the report: its id and its flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRef {
    pub check: String,
    pub flow: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incompleteness {
    pub reason: IncompleteReason,
    /// The reason in words; with several flows, prefixed with the flow.
    pub text: String,
    /// The flow it is about (`null` when the report has no flow).
    pub flow: Option<usize>,
}

/// Where a rule ranks among blockers: 0 first. Every rule has a rank; ids that are not
/// rules (manual items) have none.
pub fn blocker_rank(id: &str) -> Option<usize> {
    ranked_rules().iter().position(|m| m.id == id)
}

/// Every rule in the order its failures are listed: the custom domain's first, then the
/// checklist's order.
pub fn ranked_rules() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
    // A stable sort keeps the registry's (checklist) order within each group.
    sort_by_key(&mut metas, |m| m.section != FIRST_SECTION);
    metas
}

fn rank_key(check: &CheckReport) -> (bool, usize) {
    (
        check.section != FIRST_SECTION,
        blocker_rank(&check.id).unwrap_or(usize::MAX),
    )
}

impl Verdict {
    /// The verdict of one flow from its checks (`checks` may hold other flows' too).
    pub fn of_flow(flow: &FlowReport, checks: &[CheckReport], partial: bool) -> Verdict {
        let mine: Vec<&CheckReport> = checks
            .iter()
            .filter(|c| c.flow == Some(flow.index))
            .collect();
        let mut failed: Vec<&CheckReport> = mine
            .iter()
            .copied()
            .filter(|c| c.status == Status::Fail && c.id != CAPTURE_CHECK)
            .collect();
        sort_by_key(&mut failed, |c| rank_key(c));
        let warnings = mine
            .iter()
            .filter(|c| c.status == Status::Warn)
            .map(|c| check_ref(c))
            .collect();
        let capture = mine.iter().find(|c| c.id == CAPTURE_CHECK);
        let incomplete = incompleteness(flow, capture.copied())
            .into_iter()
            .map(|reason| Incompleteness {
                reason,
                text: reason.text().to_string(),
                flow: Some(flow.index),
            })
            .collect();
        let blockers = failed.iter().map(|c| check_ref(c)).collect();
        Verdict::from_parts(
            blockers,
            warnings,
            incomplete,
            partial.then_some(mine.len()),
        )
    }

    /// The verdict of a report from its flows' verdicts: the worst, with every flow's
    /// blockers (ranked) and reasons. A report without flows is incomplete.
    pub fn of_report(flows: &[FlowReport], checks: &[CheckReport], partial: bool) -> Verdict {
        let verdicts: Vec<&Verdict> = flows.iter().filter_map(|f| f.verdict.as_ref()).collect();
        if verdicts.is_empty() {
            let reason = IncompleteReason::NoFlow;
            return Verdict::from_parts(
                Vec::new(),
                Vec::new(),
                vec![Incompleteness {
                    reason,
                    text: reason.text().to_string(),
                    flow: None,
                }],
                None,
            );
        }
        let several = verdicts.len() > 1;
        let mut blockers: Vec<CheckRef> =
            verdicts.iter().flat_map(|v| v.blockers.clone()).collect();
        let rank = |r: &CheckRef| {
            let check = checks.iter().find(|c| c.id == r.check && c.flow == r.flow);
            (check.map(rank_key), r.flow)
        };
        sort_by_key(&mut blockers, rank);
        let warnings = verdicts.iter().flat_map(|v| v.warnings.clone()).collect();
        let incomplete = verdicts
            .iter()
            .flat_map(|v| v.incomplete.clone())
            .map(|mut i| {
                if several {
                    if let Some(f) = i.flow {
                        i.text = format!("flow {}: {}", f + 1, i.text);
                    }
                }
                i
            })
            .collect();
        let mut verdict = Verdict::from_parts(
            blockers,
            warnings,
            incomplete,
            partial.then_some(checks.iter().filter(|c| c.flow.is_some()).count()),
        );
        if several && verdict.kind == VerdictKind::NotReady {
            let flows_blocked = verdicts.iter().filter(|v| !v.blockers.is_empty()).count();
            verdict.line = format!("{} in {}", verdict.line, plural(flows_blocked, "flow"));
        }
        verdict
    }

    /// `partial`: the number of checks run, when the report holds only some of the rules.
    fn from_parts(
        blockers: Vec<CheckRef>,
        warnings: Vec<CheckRef>,
        incomplete: Vec<Incompleteness>,
        partial: Option<usize>,
    ) -> Verdict {
        let (kind, line) = if !blockers.is_empty() {
            (
                VerdictKind::NotReady,
                format!("Not ready: {}", plural(blockers.len(), "blocker")),
            )
        } else if let Some(first) = incomplete.first() {
            (
                VerdictKind::Incomplete,
                format!("Incomplete: {}", first.text),
            )
        } else if let Some(run) = partial {
            (
                VerdictKind::Ready,
                format!(
                    "No blockers in the {} run; record the whole flow for a launch verdict",
                    plural(run, "check")
                ),
            )
        } else {
            (VerdictKind::Ready, "Ready for launch".to_string())
        };
        Verdict {
            kind,
            line,
            blockers,
            warnings,
            incomplete,
        }
    }
}

fn check_ref(check: &CheckReport) -> CheckRef {
    CheckRef {
        check: check.id.clone(),
        flow: check.flow,
    }
}

/// "1 blocker", "3 blockers".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Why `capture-complete` did not pass, read from the flow's shape. Nothing when it passed,
/// was skipped or was not run.
fn incompleteness(flow: &FlowReport, capture: Option<&CheckReport>) -> Vec<IncompleteReason> {
    let Some(capture) = capture else {
        return Vec::new();
    };
    if matches!(capture.status, Status::Pass | Status::Skipped) {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    let first = flow.hops.first();
    let authorize = flow.hops.iter().find(|h| h.role == Role::Authorize);
    let started_late = first.is_some_and(|h| h.role != Role::Authorize && !h.role.is_discovery())
        || authorize.is_some_and(|h| h.status.is_none());
    if started_late {
        reasons.push(IncompleteReason::StartedLate);
    }
    let ended_on_error_page = flow.hops.iter().any(|h| h.role == Role::ErrorPage);
    if flow.end.is_none() && !ended_on_error_page {
        reasons.push(IncompleteReason::NotFinished);
    }
    if reasons.is_empty() {
        reasons.push(IncompleteReason::Unverified);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Report, ReportBuilder};
    use crate::testing::{good_flow, good_flow_with_pages, TraceBuilder};
    use crate::{analyze, Profile, Trace};

    fn report(trace: &Trace) -> Report {
        analyze(trace, &Profile::default())
    }

    fn blockers(verdict: &Verdict) -> Vec<&str> {
        verdict.blockers.iter().map(|b| b.check.as_str()).collect()
    }

    fn reasons(verdict: &Verdict) -> Vec<IncompleteReason> {
        verdict.incomplete.iter().map(|i| i.reason).collect()
    }

    /// The good flow as the extension records it, with the one thing it lacks (a CSP
    /// `frame-ancestors` on the consent page is there; the fixture's only gap is none).
    #[test]
    fn a_whole_flow_where_nothing_fails_is_ready_for_launch() {
        let report = report(&good_flow_with_pages().build());
        assert_eq!(report.counts.fail, 0, "{:?}", report.checks);
        let verdict = report.flows[0].verdict.as_ref().expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::Ready);
        assert_eq!(verdict.line, "Ready for launch");
        assert!(verdict.blockers.is_empty() && verdict.incomplete.is_empty());
        assert_eq!(report.verdict.as_ref(), Some(verdict));
    }

    #[test]
    fn blockers_rank_the_custom_domain_first_then_the_checklist() {
        // The vendor default domain, in development, with a page that can be framed.
        let trace = good_flow()
            .replace_in_urls("https://auth.acme.test", "https://acme-x7q2.scalekit.dev")
            .build();
        let report = report(&trace);
        let verdict = report.flows[0].verdict.clone().expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::NotReady);
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id.as_str())
            .collect();
        assert!(failed.contains(&"env-production"), "{failed:?}");
        assert!(failed.contains(&"clickjacking"), "{failed:?}");
        let ranked = blockers(&verdict);
        assert_eq!(ranked.len(), failed.len());
        assert_eq!(
            &ranked[..2],
            ["custom-domain-authorize", "custom-domain-pages"],
            "{ranked:?}"
        );
        let env = ranked.iter().position(|&id| id == "env-production");
        let framing = ranked.iter().position(|&id| id == "clickjacking");
        assert!(env < framing, "then checklist order: {ranked:?}");
        let custom_domain_last = ranked
            .iter()
            .rposition(|id| id.starts_with("custom-domain-"))
            .expect("custom domain blockers");
        assert!(custom_domain_last < env.expect("env-production ranked"));
        assert_eq!(
            verdict.line,
            format!("Not ready: {} blockers", ranked.len())
        );
        assert!(verdict
            .warnings
            .iter()
            .any(|w| w.check == "referrer-policy"));
    }

    #[test]
    fn one_blocker_is_said_in_the_singular() {
        let trace = good_flow_with_pages()
            .edit_exchange(crate::testing::AUTHORIZE_HOP, |ex| {
                ex.url = ex
                    .url
                    .replace("code_challenge_method=S256", "code_challenge_method=plain");
            })
            .build();
        let verdict = report(&trace).verdict.expect("verdict");
        assert_eq!(blockers(&verdict), ["oauth-pkce-s256"]);
        assert_eq!(verdict.line, "Not ready: 1 blocker");
    }

    #[test]
    fn a_capture_that_started_late_is_incomplete() {
        // The recording starts as the authorization request leaves: no discovery, and the
        // request's response (the redirect to the login page) was not captured.
        let trace = good_flow_with_pages()
            .edit(|t| {
                t.exchanges.drain(..crate::testing::AUTHORIZE_HOP);
                t.exchanges[0].response = None;
            })
            .build();
        let report = report(&trace);
        let verdict = report.flows[0].verdict.clone().expect("verdict");
        assert_eq!(
            reasons(&verdict),
            [IncompleteReason::StartedLate],
            "{verdict:?}"
        );
        assert_eq!(verdict.kind, VerdictKind::Incomplete, "{verdict:?}");
        assert_eq!(
            verdict.line,
            "Incomplete: the recording started after the flow began"
        );
    }

    #[test]
    fn a_flow_that_stops_before_the_callback_is_incomplete_and_says_why() {
        // Stopped on the consent page.
        let trace = good_flow_with_pages()
            .edit(|t| t.exchanges.truncate(crate::testing::CONSENT_HOP + 1))
            .build();
        let report = report(&trace);
        let verdict = report.flows[0].verdict.clone().expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::Incomplete, "{verdict:?}");
        assert_eq!(reasons(&verdict), [IncompleteReason::NotFinished]);
        assert_eq!(
            verdict.line,
            "Incomplete: the flow did not reach the client's callback"
        );
        assert!(verdict.warnings.iter().any(|w| w.check == CAPTURE_CHECK));
    }

    #[test]
    fn discovery_without_an_authorization_request_is_not_finished() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(crate::testing::AUTHORIZE_HOP))
            .build();
        let verdict = report(&trace).verdict.expect("verdict");
        assert_eq!(reasons(&verdict), [IncompleteReason::NotFinished]);
    }

    #[test]
    fn dropped_events_leave_the_flow_unverified() {
        let trace = good_flow_with_pages()
            .edit(|t| t.capture.dropped_events = 12)
            .build();
        let verdict = report(&trace).verdict.expect("verdict");
        assert_eq!(reasons(&verdict), [IncompleteReason::Unverified]);
        assert_eq!(verdict.kind, VerdictKind::Incomplete);
        assert_eq!(
            verdict.line,
            "Incomplete: the recording may miss part of the flow"
        );
    }

    #[test]
    fn nothing_recorded_is_incomplete_without_flows() {
        let trace = TraceBuilder::new()
            .get("https://example.test/")
            .page(200)
            .build();
        let report = report(&trace);
        assert!(report.flows.is_empty());
        let verdict = report.verdict.expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::Incomplete);
        assert_eq!(reasons(&verdict), [IncompleteReason::NoFlow]);
        assert_eq!(verdict.incomplete[0].flow, None);
        assert_eq!(
            verdict.line,
            "Incomplete: no authorization flow was recorded"
        );
    }

    #[test]
    fn a_failure_seen_on_half_a_flow_still_blocks_and_the_gap_is_said() {
        // The vendor domain seen on the authorization request; the recording stops at login.
        let trace = good_flow()
            .replace_in_urls("https://auth.acme.test", "https://acme-x7q2.scalekit.com")
            .edit(|t| t.exchanges.truncate(crate::testing::BYOA_LOGIN_HOP + 1))
            .build();
        let verdict = report(&trace).verdict.expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::NotReady);
        assert_eq!(blockers(&verdict)[0], "custom-domain-authorize");
        assert_eq!(reasons(&verdict), [IncompleteReason::NotFinished]);
    }

    #[test]
    fn several_flows_give_each_its_verdict_and_the_report_the_worst() {
        // A good flow, then an hour later the same flow on the vendor default domain.
        let mut trace = good_flow_with_pages().build();
        let second = good_flow()
            .replace_in_urls("https://auth.acme.test", "https://acme-x7q2.scalekit.com")
            .build();
        trace
            .exchanges
            .extend(second.exchanges.into_iter().map(|mut e| {
                e.time_ms += 3_600_000.0;
                e
            }));
        let report = report(&trace);
        assert_eq!(report.flows.len(), 2);
        let first = report.flows[0].verdict.clone().expect("verdict");
        let second = report.flows[1].verdict.clone().expect("verdict");
        assert_eq!(first.kind, VerdictKind::Ready, "{first:?}");
        assert_eq!(second.kind, VerdictKind::NotReady);
        assert!(second.blockers.iter().all(|b| b.flow == Some(1)));
        let overall = report.verdict.clone().expect("verdict");
        assert_eq!(overall.kind, VerdictKind::NotReady);
        assert_eq!(overall.blockers, second.blockers);
        assert_eq!(
            overall.line,
            format!("Not ready: {} blockers in 1 flow", second.blockers.len())
        );
    }

    #[test]
    fn a_selection_of_checks_never_claims_a_launch_verdict() {
        let trace = good_flow_with_pages().build();
        let ids = [crate::vocab::CheckId::new("oauth-pkce-s256")];
        let report = ReportBuilder::new(&trace, &Profile::default())
            .only(&ids, |n| format!("{n} left out"))
            .build();
        let verdict = report.verdict.expect("verdict");
        assert_eq!(verdict.kind, VerdictKind::Ready);
        assert_eq!(
            verdict.line,
            "No blockers in the 1 check run; record the whole flow for a launch verdict"
        );
    }

    #[test]
    fn a_skipped_capture_section_does_not_make_a_flow_incomplete() {
        let trace = good_flow_with_pages()
            .edit(|t| t.exchanges.truncate(crate::testing::CONSENT_HOP + 1))
            .build();
        let profile = Profile {
            skip_sections: vec![Section::Capture],
            ..Profile::default()
        };
        let report = analyze(&trace, &profile);
        assert!(report.flows[0]
            .verdict
            .as_ref()
            .is_some_and(|v| v.incomplete.is_empty()));
    }

    #[test]
    fn the_ranking_puts_every_custom_domain_rule_first_and_keeps_the_rest_in_order() {
        let ranked = ranked_rules();
        assert_eq!(ranked.len(), rules::registry().len());
        let first_other = ranked
            .iter()
            .position(|m| m.section != FIRST_SECTION)
            .expect("other rules");
        assert!(ranked[..first_other]
            .iter()
            .all(|m| m.section == FIRST_SECTION));
        assert!(ranked[first_other..]
            .iter()
            .all(|m| m.section != FIRST_SECTION));
        let rest: Vec<&str> = ranked[first_other..].iter().map(|m| m.id).collect();
        let registry_rest: Vec<&str> = rules::registry()
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.section != FIRST_SECTION)
            .map(|m| m.id)
            .collect();
        assert_eq!(rest, registry_rest);
        assert_eq!(blocker_rank("custom-domain-authorize"), Some(0));
        assert_eq!(blocker_rank("manual-runbook"), None);
    }
}
