//! The report as Markdown: a go-live review a person can attach to a ticket.
//!
//! Every page-controlled string is escaped so that it shows as text in any Markdown viewer.
//! Automated checks show their status, summary and evidence; manual items are a task list
//! (`- [ ] title — guidance`, `- [x]` once the user ticked them) with the user's note.

use std::fmt::Write;

use super::evidence::{self, EvidenceSyntax, ABSENT};
use super::status::look;
use crate::report::{CheckReport, Report};
use crate::stdx::controls::is_bidi_control;
use crate::vocab::Status;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let c = &report.counts;
    let _ = writeln!(out, "# Flowlens go-live checklist\n");
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
