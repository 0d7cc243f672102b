//! `flowlens rules`: the rules (and with `--manual` the items a person verifies) in checklist
//! order.

use std::io::Write;

use flowlens_core::rules;

use flowlens_core::render::text;

use crate::{quiet_broken_pipe, Failure, RulesFormat};

/// `flowlens rules`.
pub fn run(format: RulesFormat, manual: bool) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    let result = match format {
        RulesFormat::Json => {
            #[derive(serde::Serialize)]
            struct Row {
                id: &'static str,
                section: rules::Section,
                title: &'static str,
                kind: &'static str,
            }
            let mut rows: Vec<Row> = rules::registry()
                .iter()
                .map(|r| r.meta())
                .map(|m| Row {
                    id: m.id,
                    section: m.section,
                    title: m.title,
                    kind: "rule",
                })
                .collect();
            if manual {
                rows.extend(flowlens_core::manual::items().iter().map(|m| Row {
                    id: m.id,
                    section: m.section,
                    title: m.title,
                    kind: "manual",
                }));
            }
            serde_json::to_string_pretty(&rows)
                .map_err(std::io::Error::other)
                .and_then(|json| writeln!(out, "{json}"))
        }
        RulesFormat::Text => text::rules(&mut out, manual),
    };
    result
        .or_else(quiet_broken_pipe)
        .map_err(|e| Failure(format!("cannot write: {e}")))
}
