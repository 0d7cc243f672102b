//! Generated documentation: `docs/checks.md` is [`checks_markdown`]'s output, checked in and
//! kept current by the `docs` test (`UPDATE_DOCS=1 cargo test -p flowlens-core --test docs`
//! rewrites it). The rules' doc comments and the manual items' table are the only source.

use std::fmt::Write;

use crate::manual;
use crate::rules;
use crate::vocab::Section;

/// The command that rewrites `docs/checks.md`.
pub const REGENERATE: &str = "UPDATE_DOCS=1 cargo test -p flowlens-core --test docs";

/// The automated checks as a table (id linked to docs/checks.md, section, title): the block of
/// README.md between [`README_RULES_START`] and [`README_RULES_END`].
pub fn readme_rules_table() -> String {
    let mut out = String::from("| Id | Section | Checks that |\n|---|---|---|\n");
    for rule in rules::registry() {
        let m = rule.meta();
        let _ = writeln!(
            out,
            "| [`{}`](docs/checks.md#{}) | {} | {} |",
            m.id,
            m.id,
            m.section.title(),
            m.title
        );
    }
    out
}

pub const README_RULES_START: &str = "<!-- rules:start (generated: do not edit) -->\n";
pub const README_RULES_END: &str = "<!-- rules:end -->";

/// Every check (registry order) and manual item of the checklist, by section, as Markdown.
pub fn checks_markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated from the rules' documentation and the manual items (crates/flowlens-core/src/manual.rs).\n     Do not edit: run `{REGENERATE}`. -->\n"
    );
    out.push_str("# Flowlens checks\n\n");
    out.push_str(
        "Every item of the go-live checklist, in checklist order. **Automated** checks judge a \
         recorded flow and report `pass`, `fail`, `warn`, `not-observed` or `skipped` with \
         evidence; **manual** items are what a browser cannot see, reported as `manual` with \
         what to verify. `flowlens explain <id>` shows the same text. Ids are stable.\n\n",
    );
    out.push_str("| Id | Section | Kind | Title |\n|---|---|---|---|\n");
    for section in Section::ALL {
        for rule in rules::registry()
            .iter()
            .filter(|r| r.meta().section == section)
        {
            let m = rule.meta();
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | {} | automated | {} |",
                m.id,
                m.id,
                section.title(),
                m.title
            );
        }
        for item in manual::items().iter().filter(|m| m.section == section) {
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | {} | manual | {} |",
                item.id,
                item.id,
                section.title(),
                item.title
            );
        }
    }
    out.push('\n');

    for section in Section::ALL {
        let checks: Vec<_> = rules::registry()
            .iter()
            .filter(|r| r.meta().section == section)
            .collect();
        let items: Vec<_> = manual::items()
            .iter()
            .filter(|m| m.section == section)
            .collect();
        if checks.is_empty() && items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {}\n", section.title());
        for rule in checks {
            let m = rule.meta();
            let _ = writeln!(out, "### `{}`\n\n**{}** (automated)\n", m.id, m.title);
            let doc = rules::doc(m.id).expect("every rule is documented");
            for (heading, text) in [
                ("What it checks", doc.what()),
                ("Why it matters", doc.why()),
                ("How to fix", doc.fix()),
            ] {
                let _ = writeln!(out, "#### {heading}\n\n{text}\n");
            }
            let _ = writeln!(out, "#### Where it is fixed\n");
            for place in m.fixed_in {
                let _ = writeln!(out, "- {}", place.label());
            }
            out.push('\n');
        }
        for item in items {
            let _ = writeln!(
                out,
                "### `{}`\n\n**{}** (manual)\n\n{}\n",
                item.id, item.title, item.guidance
            );
            let sources: Vec<String> = item
                .seed
                .iter()
                .map(|s| format!("{} checklist: \"{}\"", s.seed.as_str(), s.item))
                .collect();
            let _ = writeln!(out, "_From the {}._\n", sources.join("; "));
            for (_, rule) in manual::ANSWERED_BY.iter().filter(|(m, _)| *m == item.id) {
                let _ = writeln!(
                    out,
                    "_A report whose trace holds the evidence (a `flowlens connect` run) shows [`{rule}`](#{rule}) in its place._\n"
                );
            }
        }
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_every_rule_and_manual_item() {
        let md = super::checks_markdown();
        for rule in crate::rules::registry() {
            assert!(md.contains(&format!("### `{}`", rule.meta().id)));
        }
        assert_eq!(
            md.matches("#### Where it is fixed").count(),
            crate::rules::registry().len()
        );
        assert!(md.contains("- Scalekit Dashboard > Customization > Custom Domain\n"));
        for item in crate::manual::items() {
            assert!(md.contains(&format!("### `{}`", item.id)));
        }
    }
}
