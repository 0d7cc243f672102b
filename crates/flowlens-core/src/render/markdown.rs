//! The report as Markdown: a go-live review a person can attach to a ticket.
//!
//! It opens with an executive summary a lead reads in ten seconds: the verdict, the ranked
//! blockers (what is wrong, where it is fixed), the warnings and the review's progress. The
//! whole checklist follows. Every page-controlled string is escaped so that it shows as text
//! in any Markdown viewer. Automated checks show their status, summary and evidence; manual
//! items are a task list (`- [ ] title — guidance`, `- [x]` once the user ticked them) with
//! the user's note.

use std::fmt::Write;

use super::evidence::{self, EvidenceSyntax, ABSENT};
use super::flow_name;
use super::status::{look, verdict_look};
use crate::report::verdict::{plural, VerdictKind};
use crate::report::{CheckReport, FlowReport, Report};
use crate::rules::fix_labels;
use crate::stdx::controls::is_bidi_control;
use crate::vocab::Status;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let c = &report.counts;
    let _ = writeln!(out, "# Flowlens go-live checklist\n");
    summary(&mut out, report);
    let _ = writeln!(
        out,
        "Source: {} ({} requests, {} page snapshots). {} pass, {} fail, {} warn, {} not observed, {} manual, {} skipped.\n",
        escape(report.source.name.as_deref().unwrap_or(report.source.kind.as_str())),
        report.source.exchanges,
        report.source.pages,
        c.pass, c.fail, c.warn, c.not_observed, c.manual, c.skipped
    );
    for note in &report.notes {
        let _ = writeln!(out, "> {}\n", escape(note));
    }
    for section in &report.sections {
        let checks: Vec<&CheckReport> = report.checks_in(section.id).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {}\n", section.title);
        for check in checks {
            if check.status == Status::Manual {
                // A person's to-do: a task-list item with what to verify.
                let _ = writeln!(
                    out,
                    "- [{}] {} — {} (`{}`)",
                    if check.ticked { "x" } else { " " },
                    escape(&check.title),
                    escape(&check.summary),
                    code(&check.id)
                );
                if let Some(note) = &check.note {
                    let _ = writeln!(out, "  - _note:_ {}", escape(note));
                }
                continue;
            }
            let flow = check
                .flow
                .map(|f| format!(" (flow {})", f + 1))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} **{}** `{}`{}: {}",
                icon(check.status),
                check.status,
                check.id,
                flow,
                escape(&check.summary)
            );
            if check.status == Status::Fail && !check.fixed_in.is_empty() {
                let _ = writeln!(
                    out,
                    "  - _fix in:_ {}",
                    escape(&fix_labels(&check.fixed_in))
                );
            }
            for ev in &check.evidence {
                let _ = writeln!(out, "  - {}", evidence::line(ev, &MarkdownEvidence));
            }
            for a in &check.assumptions {
                let _ = writeln!(out, "  - _assumed:_ {}", escape(a));
            }
            if let Some(note) = &check.note {
                let _ = writeln!(out, "  - _note:_ {}", escape(note));
            }
        }
        out.push('\n');
    }
    for flow in &report.flows {
        let _ = writeln!(out, "## Timeline of flow {}\n", flow.index + 1);
        let _ = writeln!(
            out,
            "| # | role | method | status | URL |\n|---|---|---|---|---|"
        );
        for hop in &flow.hops {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | `{}` |",
                hop.index,
                hop.role,
                escape(&hop.method),
                hop.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                code(&hop.url).replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    out
}

/// The executive summary: the verdict of each flow with its blockers ranked in a table
/// (what is wrong, where it is fixed), its warnings in one line, and the review's progress.
fn summary(out: &mut String, report: &Report) {
    let Some(verdict) = &report.verdict else {
        return;
    };
    let several = report.flows.len() > 1;
    let _ = writeln!(out, "## {} {}\n", emoji(verdict.kind), verdict.line);
    if report.flows.is_empty() {
        let _ = writeln!(out, "No authorization flow was found in the recording.\n");
    }
    for flow in &report.flows {
        flow_summary(out, report, flow, several);
    }
    let manual: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Manual)
        .collect();
    if !manual.is_empty() {
        let reviewed = manual.iter().filter(|c| c.ticked).count();
        let _ = writeln!(
            out,
            "**Review:** {reviewed} of {} items a person verifies are ticked (the task lists below).\n",
            manual.len()
        );
    }
}

fn flow_summary(out: &mut String, report: &Report, flow: &FlowReport, several: bool) {
    let Some(verdict) = &flow.verdict else {
        return;
    };
    if several {
        let _ = writeln!(
            out,
            "### Flow {}: {} {}\n",
            flow.index + 1,
            emoji(verdict.kind),
            verdict.line
        );
    }
    let _ = writeln!(out, "Flow: {}.\n", escape(&flow_name::line(flow)));
    let skip = usize::from(verdict.kind == VerdictKind::Incomplete);
    for why in verdict.incomplete.iter().skip(skip) {
        let _ = writeln!(out, "Also: {}.\n", escape(&why.text));
    }
    let not_judged: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.flow == Some(flow.index))
        .filter(|c| c.status == Status::NotObserved)
        .map(|c| format!("`{}`", code(&c.id)))
        .collect();
    let blockers: Vec<&CheckReport> = verdict
        .blockers
        .iter()
        .filter_map(|b| report.check(b))
        .collect();
    if !blockers.is_empty() {
        let _ = writeln!(out, "| # | Blocker | What is wrong | Where it is fixed |");
        let _ = writeln!(out, "|---|---|---|---|");
        for (i, check) in blockers.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} (`{}`) | {} | {} |",
                i + 1,
                escape(&check.title),
                code(&check.id),
                escape(&check.summary),
                escape(&fix_labels(&check.fixed_in))
            );
        }
        out.push('\n');
    }
    let warnings: Vec<String> = verdict
        .warnings
        .iter()
        .filter_map(|w| report.check(w))
        .map(|c| format!("`{}` ({})", code(&c.id), escape(&c.summary)))
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "{} {}: {}.\n",
            icon(Status::Warn),
            plural(warnings.len(), "warning"),
            warnings.join("; ")
        );
    }
    for assumption in report.assumptions(flow.index) {
        let _ = writeln!(out, "_Assumed:_ {}.\n", escape(assumption));
    }
    if !not_judged.is_empty() {
        let _ = writeln!(
            out,
            "{} {} could not be judged from this recording: {}.\n",
            icon(Status::NotObserved),
            plural(not_judged.len(), "check"),
            not_judged.join(", ")
        );
    }
}

fn emoji(kind: VerdictKind) -> &'static str {
    verdict_look(kind).emoji
}

pub fn icon(status: Status) -> &'static str {
    look(status).emoji
}

/// Evidence in Markdown: URLs and values in code spans, the rest escaped.
struct MarkdownEvidence;

impl EvidenceSyntax for MarkdownEvidence {
    const PART_SEPARATOR: &'static str = " ";
    const NOTE_SEPARATOR: &'static str = " ";
    const NOTE_SEPARATOR_ALWAYS: bool = true;

    fn url(&self, url: &str) -> String {
        format!("`{}`", code(url))
    }
    fn field(&self, field: &str, value: Option<&str>) -> String {
        format!("{} = `{}`", escape(field), code(value.unwrap_or(ABSENT)))
    }
    fn note(&self, note: &str) -> String {
        escape(note)
    }
}

/// Escapes Markdown and HTML specials so page-controlled text stays text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() || is_bidi_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: backticks and controls neutralised.
fn code(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '`' || c.is_control() || is_bidi_control(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::good_flow_with_pages;
    use crate::Profile;

    #[test]
    fn renders_manual_items_as_a_task_list_and_keeps_evidence() {
        let mut report = crate::analyze(&good_flow_with_pages().build(), &Profile::default());
        let item = report
            .checks
            .iter_mut()
            .find(|c| c.id == "manual-runbook")
            .expect("manual item in the report");
        item.ticked = true;
        item.note = Some("see <wiki> *runbook*".into());
        let md = render(&report);
        assert!(
            md.contains("- [x] Incident response runbook written — "),
            "{md}"
        );
        assert!(md.contains("_note:_ see \\<wiki\\> \\*runbook\\*"), "{md}");
        assert!(
            md.contains("- [ ] Email templates customized — Customize the sign-up"),
            "{md}"
        );
        assert!(md.contains("`branding-logo`"));
        assert!(
            md.contains("hop 8 `https://auth.acme.test/oauth/consent?id=c1`"),
            "{md}"
        );
    }

    #[test]
    fn opens_with_the_verdict_and_the_ranked_blockers_and_where_they_are_fixed() {
        let trace = crate::testing::good_flow_with_pages()
            .replace_in_urls("https://auth.acme.test", "https://acme-x7q2.scalekit.com")
            .build();
        let report = crate::analyze(&trace, &Profile::default());
        let verdict = report.verdict.clone().expect("verdict");
        let md = render(&report);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[2], format!("## ❌ {}", verdict.line));
        assert!(lines[4].starts_with(
            "Flow: started on app.acme.test · authorization server acme-x7q2.scalekit.com"
        ));
        let table_start = lines
            .iter()
            .position(|l| *l == "| # | Blocker | What is wrong | Where it is fixed |")
            .expect("the blockers' table");
        let rows: Vec<&str> = lines[table_start + 2..]
            .iter()
            .take_while(|l| l.starts_with("| "))
            .copied()
            .collect();
        assert_eq!(rows.len(), verdict.blockers.len());
        assert!(rows[0].starts_with(
            "| 1 | Authorization URL on the custom domain (`custom-domain-authorize`) | the authorization URL is on the vendor default domain"
        ));
        assert!(rows[0].ends_with(
            "| Scalekit Dashboard \\> Customization \\> Custom Domain; your MCP server; your client app |"
        ));
        // The summary comes before the whole checklist, whose failures say where they are fixed.
        let checklist = md.find("\n## Capture\n").expect("the checklist");
        assert!(table_start < md[..checklist].lines().count());
        assert!(md.contains("  - _fix in:_ Scalekit Dashboard \\> Customization \\> Custom Domain"));
    }

    #[test]
    fn the_summary_says_what_the_verdict_assumed_and_what_it_could_not_judge() {
        let report = crate::analyze(&crate::testing::good_flow().build(), &Profile::default());
        let md = render(&report);
        let summary = &md[..md.find("\n## Capture\n").expect("the checklist")];
        assert!(summary.contains("_Assumed:_ no profile:"), "{summary}");
        assert!(
            summary.contains("could not be judged from this recording: `cors`"),
            "{summary}"
        );
        assert!(summary.contains("**Review:** 0 of 69 items"), "{summary}");
    }

    #[test]
    fn escapes_hostile_page_strings() {
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.app_name = Some("<script>x</script>\u{202E}evil`|".into()))
            .build();
        let md = render(&crate::analyze(&trace, &Profile::default()));
        // Markup only ever appears inside code spans, where Markdown shows it as text.
        for line in md.lines() {
            // Drop backslash escapes (`\<`, `\``): what is left is live Markdown.
            let mut live = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else {
                    live.push(c);
                }
            }
            let outside_code: String = live.split('`').step_by(2).collect();
            assert!(!outside_code.contains("<script"), "{line}");
        }
        assert!(
            md.contains("\\<script\\>"),
            "the summary shows the name escaped"
        );
        assert!(!md.contains('\u{202E}'));
    }
}
