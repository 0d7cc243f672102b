//! Two runs of a flow compared hop by hop (`flowlens diff A B`), as text or JSON. The
//! comparison is [`crate::diff`]'s; this only writes it. Text from the recordings (paths,
//! parameter values) is cleaned as in the report's text output.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::text::clean;
use crate::diff::{Diff, HopDiff, HopSide, Presence, Values};

const CHANGED: Style = AnsiColor::Yellow.on_default();
const ONLY_A: Style = AnsiColor::Red.on_default();
const ONLY_B: Style = AnsiColor::Green.on_default();
const DIM: Style = Style::new().dimmed();

/// The JSON form: the core's `flowlens.diff/v1` with the two inputs' names.
#[derive(serde::Serialize)]
pub struct Named<'a> {
    pub a: &'a str,
    pub b: &'a str,
    #[serde(flatten)]
    pub diff: &'a Diff,
}

pub fn render_json(out: &mut impl Write, a: &str, b: &str, d: &Diff) -> io::Result<()> {
    let json = serde_json::to_string_pretty(&Named { a, b, diff: d }).map_err(io::Error::other)?;
    writeln!(out, "{json}")
}

pub fn render_text(out: &mut impl Write, a: &str, b: &str, d: &Diff) -> io::Result<()> {
    writeln!(out, "A = {}\nB = {}", clean(a), clean(b))?;
    for flow in &d.flows {
        let name = |i: Option<usize>| i.map_or("-".to_string(), |i| format!("flow {}", i + 1));
        writeln!(out, "\n{} (A) / {} (B)", name(flow.a), name(flow.b))?;
        for hop in &flow.hops {
            hop_line(out, hop)?;
        }
        if flow.subresources_a != flow.subresources_b {
            writeln!(
                out,
                "  {CHANGED}~{CHANGED:#} subresources: {} in A, {} in B",
                flow.subresources_a, flow.subresources_b
            )?;
        }
    }
    let changed: Vec<_> = d.checks.iter().filter(|c| c.changed).collect();
    if !changed.is_empty() {
        writeln!(out, "\nchecks whose status changed:")?;
        for c in changed {
            let status =
                |s: Option<crate::vocab::Status>| s.map_or("-".to_string(), |s| s.to_string());
            let flow = c
                .flow
                .map(|f| format!(" (flow {})", f + 1))
                .unwrap_or_default();
            writeln!(out, "  {}{flow}: {} -> {}", c.id, status(c.a), status(c.b))?;
        }
    }
    let s = &d.summary;
    writeln!(
        out,
        "\n{} hops changed, {} only in A, {} only in B; {} checks changed",
        s.hops_changed, s.hops_only_a, s.hops_only_b, s.checks_changed
    )
}

fn hop_line(out: &mut impl Write, hop: &HopDiff) -> io::Result<()> {
    let role = format!(
        "{}{}",
        hop.role,
        if hop.occurrence > 1 {
            format!(" #{}", hop.occurrence)
        } else {
            String::new()
        }
    );
    match (&hop.a, &hop.b) {
        (Some(a), None) => writeln!(
            out,
            "  {ONLY_A}- {role:<30}{ONLY_A:#} only in A: {}",
            side(a)
        ),
        (None, Some(b)) => writeln!(
            out,
            "  {ONLY_B}+ {role:<30}{ONLY_B:#} only in B: {}",
            side(b)
        ),
        (Some(a), Some(_)) if hop.changes.is_empty() => {
            writeln!(out, "  {DIM}= {role:<30} {}{DIM:#}", side(a))
        }
        (Some(a), Some(b)) => {
            writeln!(
                out,
                "  {CHANGED}~ {role:<30}{CHANGED:#} {}",
                clean(&hop.changes.join(", "))
            )?;
            writeln!(out, "      A: {}", side(a))?;
            writeln!(out, "      B: {}", side(b))?;
            for p in &hop.params {
                let what = match (p.presence, p.values) {
                    (Presence::OnlyA, _) => "only in A".to_string(),
                    (Presence::OnlyB, _) => "only in B".to_string(),
                    (Presence::Both, Some(Values::Different)) => format!(
                        "{} -> {}",
                        clean(p.value_a.as_deref().unwrap_or("?")),
                        clean(p.value_b.as_deref().unwrap_or("?"))
                    ),
                    _ => continue,
                };
                writeln!(out, "      {} ({}): {what}", clean(&p.name), p.place)?;
            }
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

fn side(s: &HopSide) -> String {
    let status = s
        .status
        .map_or("no response".to_string(), |s| s.to_string());
    // Method and path come from the recording: no escape sequence reaches the terminal.
    format!("{} {} {}", clean(&s.method), clean(&s.path), status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::good_flow;
    use crate::Profile;

    #[test]
    fn text_from_the_recordings_cannot_reach_the_terminal_as_escapes() {
        let a = good_flow().build();
        let b = good_flow()
            .replace_in_urls("/oauth/authorize", "/oauth/authorize\u{1b}[2J")
            .build();
        let profile = Profile::default();
        let (ra, rb) = (crate::analyze(&a, &profile), crate::analyze(&b, &profile));
        let d = crate::diff::diff(&a, &ra, &b, &rb);
        let mut out = Vec::new();
        render_text(&mut out, "a\u{1b}.har", "b.har", &d).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("A = a\u{FFFD}.har"), "{text}");
        // Styles are ANSI SGR sequences ending in `m`; nothing else starts an escape.
        for (i, _) in text.match_indices('\u{1b}') {
            assert!(text[i..].starts_with("\u{1b}["), "{text}");
            let end = text[i..].find('m').expect("an SGR sequence");
            assert!(
                text[i + 2..i + end]
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c == b';'),
                "{text}"
            );
        }
        assert!(d.differs());
    }
}
