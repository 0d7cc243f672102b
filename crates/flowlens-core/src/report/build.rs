//! The one way a [`Report`] is made: everything that shapes it (the trace, the profile, the
//! source's name, a person's answers on manual items, the checks a surface can see) is an
//! input of [`ReportBuilder`], and what it returns is finished: no caller patches it after.

use super::{flow_report, sections, CheckReport, Counts, Report, SourceInfo, Verdict, SCHEMA};
use crate::check::Outcome;
use crate::flow::{self, Flow};
use crate::manual::{self, Answers, ManualItem};
use crate::profile::Profile;
use crate::rules::{self, FixLocation, RuleMeta};
use crate::trace::Trace;
use crate::vocab::{CheckId, Section, Status};

/// Builds the report of a trace: `ReportBuilder::new(&trace, &profile).build()` is
/// `flowlens_core::analyze`.
#[must_use]
pub struct ReportBuilder<'a> {
    trace: &'a Trace,
    profile: &'a Profile,
    name: Option<String>,
    answers: Option<&'a Answers>,
    only: Option<Selection<'a>>,
}

/// The checks a surface can see, and the note that says how many others were left out.
struct Selection<'a> {
    ids: &'a [CheckId],
    left_out_note: fn(usize) -> String,
}

impl<'a> ReportBuilder<'a> {
    pub fn new(trace: &'a Trace, profile: &'a Profile) -> Self {
        Self {
            trace,
            profile,
            name: None,
            answers: None,
            only: None,
        }
    }

    /// The name the report shows for its source (a file name, a tab's URL, a probed URL);
    /// an empty name is no name.
    pub fn source_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.name = (!name.is_empty()).then_some(name);
        self
    }

    /// A person's ticks and notes on manual items (the extension's checklist, an export).
    /// Answers on ids that are not manual items, or on items of skipped sections, are ignored.
    pub fn manual_answers(mut self, answers: &'a Answers) -> Self {
        self.answers = Some(answers);
        self
    }

    /// Only these checks are reported (a probe sees discovery only); `left_out_note` says,
    /// from how many results were left out, what the report does not cover.
    pub fn only(mut self, ids: &'a [CheckId], left_out_note: fn(usize) -> String) -> Self {
        self.only = Some(Selection { ids, left_out_note });
        self
    }

    pub fn build(self) -> Report {
        let trace = self.trace;
        let profile = self.profile;
        let flows = flow::reconstruct(trace, profile);
        let mut checks = Vec::new();
        // Checklist order by construction: section, then the registry's order (manual items
        // after the rules, in their table's order), then flow.
        for section in Section::ALL {
            for rule in rules::registry() {
                let meta = rule.meta();
                if meta.section != section {
                    continue;
                }
                if flows.is_empty() {
                    let outcome = Outcome::not_observed("no authorization flow found in the trace");
                    checks.push(self.rule_check(meta, None, outcome, FlowKind::ANY));
                }
                for flow in &flows {
                    let cx = rules::Context::new(trace, flow, profile);
                    let outcome = rule.check(&cx);
                    let kind = FlowKind {
                        vendor: cx.is_vendor_flow(),
                        byoa: cx.is_byoa(),
                    };
                    checks.push(self.rule_check(meta, Some(flow), outcome, kind));
                }
            }
            // Items a browser cannot see, once each, after the automated checks of their section.
            for item in manual::items().iter().filter(|m| m.section == section) {
                checks.push(self.manual_check(item));
            }
        }
        // A manual item that a check answered with evidence (a `flowlens connect` run) gives
        // way to that check.
        let answered: Vec<&str> = manual::ANSWERED_BY
            .iter()
            .filter(|(_, rule)| {
                checks.iter().any(|c| {
                    c.id == *rule && matches!(c.status, Status::Pass | Status::Warn | Status::Fail)
                })
            })
            .map(|(item, _)| *item)
            .collect();
        checks.retain(|c| !answered.contains(&c.id.as_str()));
        let mut left_out = 0;
        if let Some(only) = &self.only {
            let before = checks.len();
            checks.retain(|c| only.ids.iter().any(|id| *id == c.id.as_str()));
            left_out = before - checks.len();
        }

        let mut counts = Counts::default();
        for c in &checks {
            counts.add(c.status);
        }
        let mut notes = trace.capture.notes.clone();
        if flows.is_empty() {
            notes.push(
                "No authorization flow was found: no page load carried response_type and \
                 client_id, and no MCP 401 challenge was seen."
                    .to_string(),
            );
        }
        if let Some(only) = &self.only {
            if left_out > 0 {
                notes.push((only.left_out_note)(left_out));
            }
        }
        let partial = self.only.is_some();
        let flows: Vec<_> = flows
            .iter()
            .map(|f| flow_report(trace, f, &checks, partial))
            .collect();
        let verdict = Verdict::of_report(&flows, &checks, partial);
        Report {
            schema: SCHEMA.to_string(),
            generator: format!("flowlens {}", crate::VERSION),
            source: SourceInfo {
                kind: trace.source,
                name: self.name,
                creator: trace.capture.creator.clone(),
                exchanges: trace.exchanges.len(),
                pages: trace.pages.len(),
                profile: *profile != Profile::default(),
            },
            sections: sections(),
            flows,
            checks,
            counts,
            notes,
            verdict: Some(verdict),
        }
    }

    fn rule_check(
        &self,
        meta: &RuleMeta,
        flow: Option<&Flow>,
        outcome: Outcome,
        kind: FlowKind,
    ) -> CheckReport {
        let fixed_in = kind.fixed_in(meta.fixed_in);
        let mut check = CheckReport {
            id: meta.id.to_string(),
            section: meta.section,
            title: meta.title.to_string(),
            flow: flow.map(|f| f.index),
            status: outcome.status,
            summary: outcome.summary,
            evidence: outcome.evidence,
            assumptions: outcome.assumptions,
            note: None,
            ticked: false,
            fixed_in,
        };
        self.skip_if_profile_says(&mut check);
        check
    }

    fn manual_check(&self, item: &ManualItem) -> CheckReport {
        let mut check = CheckReport {
            id: item.id.to_string(),
            section: item.section,
            title: item.title.to_string(),
            flow: None,
            status: Status::Manual,
            summary: item.guidance.to_string(),
            evidence: Vec::new(),
            assumptions: Vec::new(),
            note: None,
            ticked: false,
            fixed_in: Vec::new(),
        };
        if !self.skip_if_profile_says(&mut check) {
            if let Some(answer) = self.answers.and_then(|a| a.get(item.id)) {
                check.ticked = answer.ticked;
                check.note = answer.shown_note();
            }
        }
        check
    }

    /// A check of a section the profile says does not apply becomes `skipped`.
    fn skip_if_profile_says(&self, check: &mut CheckReport) -> bool {
        if !self.profile.skips(check.section) {
            return false;
        }
        check.status = Status::Skipped;
        check.summary = "section skipped in the profile".to_string();
        check.evidence.clear();
        check.assumptions.clear();
        true
    }
}

/// What of a flow decides where its findings are fixed.
#[derive(Debug, Clone, Copy)]
struct FlowKind {
    /// The authorization server looks like Scalekit's ([`rules::Context::is_vendor_flow`]);
    /// when it does not, a fix in Scalekit's dashboard is a fix in that server's settings.
    vendor: bool,
    /// Bring your own auth: without it, the customer's login endpoint is not a place to look.
    byoa: bool,
}

impl FlowKind {
    /// Nothing known (no flow): every place the rule names.
    const ANY: FlowKind = FlowKind {
        vendor: true,
        byoa: true,
    };

    /// The rule's places for this flow, most likely first, never empty.
    fn fixed_in(self, places: &[FixLocation]) -> Vec<FixLocation> {
        let relevant: Vec<FixLocation> = places
            .iter()
            .copied()
            .filter(|p| self.byoa || !p.is_byoa_only())
            .collect();
        let relevant = if relevant.is_empty() {
            places.to_vec()
        } else {
            relevant
        };
        let mut out: Vec<FixLocation> = Vec::new();
        for place in relevant {
            let place = if self.vendor {
                place
            } else {
                place.off_vendor()
            };
            if !out.contains(&place) {
                out.push(place);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual::Answer;
    use crate::testing::good_flow_with_pages;

    #[test]
    fn a_scalekit_fix_is_the_authorization_servers_settings_on_another_server() {
        use crate::rules::{DashboardSetting, FixLocation};
        use crate::testing::TraceBuilder;
        let fixed_in = |report: &Report, id: &str| {
            let check = report.checks.iter().find(|c| c.id == id).expect(id);
            check.fixed_in.clone()
        };
        let scalekit =
            ReportBuilder::new(&good_flow_with_pages().build(), &Profile::default()).build();
        assert_eq!(
            fixed_in(&scalekit, "branding-logo"),
            [
                FixLocation::ScalekitDashboard(DashboardSetting::Branding),
                FixLocation::ScalekitDashboard(DashboardSetting::McpServer)
            ]
        );
        let other = TraceBuilder::new()
            .get(
                "https://id.example.org/authorize?response_type=code&client_id=app\
                 &redirect_uri=https%3A%2F%2Fapp.example.org%2Fcb&state=s1\
                 &code_challenge=abc&code_challenge_method=S256",
            )
            .redirect(302, "https://app.example.org/cb?code=c1&state=s1")
            .get("https://app.example.org/cb?code=c1&state=s1")
            .page(200)
            .build();
        let other = ReportBuilder::new(&other, &Profile::default()).build();
        assert_eq!(
            fixed_in(&other, "branding-logo"),
            [
                FixLocation::AuthorizationServer(Some(DashboardSetting::Branding)),
                FixLocation::AuthorizationServer(Some(DashboardSetting::McpServer))
            ]
        );
        assert_eq!(
            fixed_in(&other, "branding-logo")[0].label(),
            "your authorization server's settings (on Scalekit: Dashboard > Customization > \
             Branding > Consent Screen)"
        );
        // The customer's own places stay where they are; a login endpoint only in BYOA.
        assert_eq!(
            fixed_in(&other, "oauth-pkce-s256"),
            [FixLocation::ClientApp]
        );
        assert_eq!(
            fixed_in(&other, "clickjacking"),
            [
                FixLocation::EdgeServer,
                FixLocation::AuthorizationServer(None)
            ]
        );
        assert_eq!(
            fixed_in(&scalekit, "clickjacking"),
            [
                FixLocation::LoginEndpoint,
                FixLocation::EdgeServer,
                FixLocation::ScalekitSupport
            ]
        );
        // A BYOA rule keeps its only place whatever the flow.
        assert_eq!(
            fixed_in(&other, "byoa-timing"),
            [FixLocation::LoginEndpoint]
        );
    }

    fn answers() -> Answers {
        let mut a = Answers::new();
        a.insert(
            "manual-runbook".into(),
            Answer {
                ticked: true,
                note: Some("  wiki/runbook <b>  ".into()),
            },
        );
        a.insert(
            "branding-logo".into(),
            Answer {
                ticked: true,
                note: Some("ignored".into()),
            },
        );
        a
    }

    #[test]
    fn manual_answers_go_into_manual_items_only() {
        let trace = good_flow_with_pages().build();
        let answers = answers();
        let report = ReportBuilder::new(&trace, &Profile::default())
            .manual_answers(&answers)
            .build();
        let runbook = report.checks.iter().find(|c| c.id == "manual-runbook");
        let runbook = runbook.expect("manual item");
        assert!(runbook.ticked);
        assert_eq!(runbook.note.as_deref(), Some("wiki/runbook <b>"));
        let logo = report.checks.iter().find(|c| c.id == "branding-logo");
        assert!(!logo.expect("rule").ticked);
        assert!(
            crate::render::markdown::render(&report).contains("- [x] Incident response runbook")
        );
    }

    #[test]
    fn answers_on_skipped_sections_are_not_shown_and_long_notes_are_cut() {
        let trace = good_flow_with_pages().build();
        let mut answers = answers();
        answers.get_mut("manual-runbook").expect("answer").note =
            Some("n".repeat(manual::MAX_NOTE_CHARS + 10));
        let report = ReportBuilder::new(&trace, &Profile::default())
            .manual_answers(&answers)
            .build();
        let runbook = report.checks.iter().find(|c| c.id == "manual-runbook");
        let note = runbook.and_then(|c| c.note.clone()).expect("note");
        assert_eq!(note.chars().count(), manual::MAX_NOTE_CHARS);

        let profile = Profile {
            skip_sections: vec![Section::MonitoringAndIncidentReadiness],
            ..Profile::default()
        };
        let report = ReportBuilder::new(&trace, &profile)
            .manual_answers(&answers)
            .build();
        let runbook = report.checks.iter().find(|c| c.id == "manual-runbook");
        let runbook = runbook.expect("manual item");
        assert_eq!(runbook.status, Status::Skipped);
        assert!(!runbook.ticked && runbook.note.is_none());
    }

    #[test]
    fn a_selection_keeps_its_checks_counts_them_and_says_what_was_left_out() {
        let trace = good_flow_with_pages().build();
        let ids = [CheckId::new("hsts"), CheckId::new("oauth-pkce-s256")];
        let report = ReportBuilder::new(&trace, &Profile::default())
            .source_name("https://mcp.acme.test/mcp")
            .only(&ids, |n| format!("{n} left out"))
            .build();
        let reported: Vec<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
        // Checklist order, not the selection's.
        assert_eq!(reported, ["hsts", "oauth-pkce-s256"]);
        let all = crate::analyze(&trace, &Profile::default());
        let left_out = all.checks.len() - 2;
        assert_eq!(report.notes.last(), Some(&format!("{left_out} left out")));
        let mut counts = Counts::default();
        report.checks.iter().for_each(|c| counts.add(c.status));
        assert_eq!(report.counts, counts);
        let worst = report.checks.iter().map(|c| c.status).min();
        assert_eq!(Some(report.flows[0].status), worst);
        assert_eq!(
            report.source.name.as_deref(),
            Some("https://mcp.acme.test/mcp")
        );
    }
}
