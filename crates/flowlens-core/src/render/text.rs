//! The report as text for a terminal, and the rules' documentation (`flowlens rules`,
//! `flowlens explain`). Only consumes a [`Report`] or the rules' and manual items' tables.
//!
//! Every string that comes from the recording (URLs, summaries quoting them, header values,
//! the creator, file names) goes through [`clean`] first: a HAR is attacker-controllable, and
//! an escape sequence in a URL must not reach the terminal. Styles are written as ANSI and
//! stripped by `anstream` when stdout is not a terminal or `NO_COLOR` is set.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::evidence::{self, EvidenceSyntax, ABSENT};
use super::flow_name;
use super::status::{look, verdict_look, StatusLook, Tone, SUMMARY_ORDER, TICKED_GLYPH};
use crate::check::Evidence;
use crate::manual::{self, ManualItem};
use crate::params::url_without_query;
use crate::report::verdict::{self, Verdict, VerdictKind};
use crate::report::{CheckReport, FlowReport, Report};
use crate::rules::{self, RuleMeta};
use crate::stdx::controls::replace_unsafe;
use crate::stdx::cut::{clip as cut, Elide};
use crate::vocab::{Section, Status};

/// URLs longer than this are shown with the middle elided.
const MAX_SHOWN_URL: usize = 160;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const HEADING: Style = Style::new().bold().underline();

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Bad => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        Tone::Caution => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Tone::Good => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Tone::Todo => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Tone::Quiet => DIM,
    }
}

fn status_style(status: Status) -> Style {
    tone_style(look(status).tone)
}

/// Text from a recording made safe for a terminal: control characters (escape sequences,
/// carriage returns, newlines) and bidirectional overrides become U+FFFD.
pub fn clean(s: &str) -> Cow<'_, str> {
    replace_unsafe(s)
}

/// [`clean`], and the middle elided when longer than `max` characters.
fn clip(s: &str, max: usize) -> String {
    clean(&cut(s, max, Elide::Middle)).into_owned()
}

/// `host/path` of a URL, without scheme, query and fragment.
fn host_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    url_without_query(rest)
}

/// How much of the report the text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// The verdict, the blockers with their evidence and where they are fixed, the warnings;
    /// passing checks and manual items as counts per section.
    #[default]
    Summary,
    /// Also every check of every section, the manual items and the timeline (`--all`).
    All,
}

/// Evidence lines shown under a blocker or warning in the summary (`--all` shows all).
const SUMMARY_EVIDENCE: usize = 3;
/// URLs of evidence in the summary are shortened more: the field and the note say what
/// matters, `--all` shows the URL at length.
const SUMMARY_URL: usize = 90;
/// Ids listed on the "not judged" line before it only counts.
const LISTED_IDS: usize = 8;

/// The report for a terminal: the verdict and what blocks it first, the verdict line last.
pub fn render(out: &mut impl Write, report: &Report, detail: Detail) -> io::Result<()> {
    let source = &report.source;
    let name = source.name.as_deref().unwrap_or(source.kind.as_str());
    let creator = source
        .creator
        .as_deref()
        .map(|c| format!(" from {}", clean(c)))
        .unwrap_or_default();
    writeln!(
        out,
        "{BOLD}Flowlens go-live review: {}{BOLD:#} {DIM}({}{creator}, {} requests{}){DIM:#}",
        clean(name),
        source.kind.as_str().to_uppercase(),
        source.exchanges,
        if source.profile { ", with profile" } else { "" }
    )?;
    for note in &report.notes {
        writeln!(
            out,
            "{}note:{} {}",
            Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Style::new().render_reset(),
            clean(note)
        )?;
    }
    let several_flows = report.flows.len() > 1;
    if report.flows.is_empty() {
        if let Some(verdict) = &report.verdict {
            writeln!(out)?;
            verdict_line(out, verdict)?;
        }
    }
    for flow in &report.flows {
        render_flow_verdict(out, report, flow, several_flows, detail)?;
    }
    render_not_judged(out, report, detail)?;
    render_section_counts(out, report)?;
    if detail == Detail::All {
        for section in &report.sections {
            let checks: Vec<&CheckReport> = report.checks_in(section.id).collect();
            if checks.is_empty() {
                continue;
            }
            writeln!(out, "\n{HEADING}{}{HEADING:#}", section.title)?;
            for check in checks {
                render_check(out, report, check, several_flows)?;
            }
        }
        for flow in &report.flows {
            render_timeline(out, flow)?;
        }
    }
    render_counts(out, report, detail)?;
    if let Some(verdict) = &report.verdict {
        if several_flows {
            for flow in &report.flows {
                if let Some(v) = &flow.verdict {
                    write!(out, "{DIM}flow {}:{DIM:#} ", flow.index + 1)?;
                    verdict_line(out, v)?;
                }
            }
        }
        verdict_line(out, verdict)?;
    }
    Ok(())
}

fn verdict_line(out: &mut impl Write, verdict: &Verdict) -> io::Result<()> {
    let look = verdict_look(verdict.kind);
    let style = tone_style(look.tone).bold();
    writeln!(out, "{style}{} {}{style:#}", look.glyph, verdict.line)
}

/// One flow: its name, its verdict, its blockers (evidence and where fixed) and warnings.
fn render_flow_verdict(
    out: &mut impl Write,
    report: &Report,
    flow: &FlowReport,
    several_flows: bool,
    detail: Detail,
) -> io::Result<()> {
    let Some(verdict) = &flow.verdict else {
        return Ok(());
    };
    writeln!(out)?;
    if several_flows {
        write!(out, "{BOLD}Flow {}:{BOLD:#} ", flow.index + 1)?;
    }
    verdict_line(out, verdict)?;
    writeln!(out, "  {DIM}{}{DIM:#}", clean(&flow_name::line(flow)))?;
    // The first reason is the verdict line's own when the flow is incomplete.
    let skip = usize::from(verdict.kind == VerdictKind::Incomplete);
    let caution = tone_style(Tone::Caution);
    for why in verdict.incomplete.iter().skip(skip) {
        writeln!(out, "  {caution}also: {}{caution:#}", why.text)?;
    }
    let blockers: Vec<&CheckReport> = verdict
        .blockers
        .iter()
        .filter_map(|b| report.check(b))
        .collect();
    if !blockers.is_empty() {
        writeln!(out, "\n{HEADING}Blockers{HEADING:#}")?;
        for (i, check) in blockers.iter().enumerate() {
            render_finding(out, check, flow, Some(i + 1), detail)?;
        }
    }
    let warnings: Vec<&CheckReport> = verdict
        .warnings
        .iter()
        .filter_map(|w| report.check(w))
        .collect();
    if !warnings.is_empty() {
        writeln!(out, "\n{HEADING}Warnings{HEADING:#}")?;
        for check in warnings {
            render_finding(out, check, flow, None, detail)?;
        }
    }
    // What the verdict rests on when no profile said it (the custom domain, the login
    // endpoint): a "ready" on a wrong guess would be wrong.
    let assumed = report.assumptions(flow.index);
    if !assumed.is_empty() {
        writeln!(out)?;
        for assumption in assumed {
            writeln!(out, "{DIM}assumed: {}{DIM:#}", clean(assumption))?;
        }
    }
    Ok(())
}

/// A blocker (numbered) or a warning: mark, id and title, what is wrong, where it is fixed,
/// then its evidence (the first few in the summary).
fn render_finding(
    out: &mut impl Write,
    check: &CheckReport,
    flow: &FlowReport,
    rank: Option<usize>,
    detail: Detail,
) -> io::Result<()> {
    let style = status_style(check.status);
    let glyph = look(check.status).glyph;
    let number = rank
        .map(|n| format!("{n:>2}. "))
        .unwrap_or_else(|| "  ".into());
    writeln!(
        out,
        "{number}{style}{glyph}{style:#} {BOLD}{}{BOLD:#}  {}",
        check.id,
        clean(&check.title)
    )?;
    writeln!(out, "      {}", clean(&check.summary))?;
    if !check.fixed_in.is_empty() {
        writeln!(
            out,
            "      {BOLD}fix in:{BOLD:#} {}",
            rules::fix_labels(&check.fixed_in)
        )?;
    }
    let shown = match detail {
        Detail::Summary => SUMMARY_EVIDENCE,
        Detail::All => usize::MAX,
    };
    let max_url = match detail {
        Detail::Summary => SUMMARY_URL,
        Detail::All => MAX_SHOWN_URL,
    };
    for evidence in check.evidence.iter().take(shown) {
        let line = evidence::line(
            evidence,
            &TextEvidence {
                flow: Some(flow),
                max_url,
            },
        );
        writeln!(out, "      {DIM}{line}{DIM:#}")?;
    }
    if check.evidence.len() > shown {
        writeln!(
            out,
            "      {DIM}… and {} more (--all){DIM:#}",
            check.evidence.len() - shown
        )?;
    }
    Ok(())
}

/// The checks no flow could judge, by id (their reasons are in `--all`).
fn render_not_judged(out: &mut impl Write, report: &Report, detail: Detail) -> io::Result<()> {
    if detail == Detail::All {
        return Ok(());
    }
    let mut ids: Vec<&str> = Vec::new();
    for check in report
        .checks
        .iter()
        .filter(|c| c.status == Status::NotObserved)
    {
        if !ids.contains(&check.id.as_str()) {
            ids.push(&check.id);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    let listed = if ids.len() <= LISTED_IDS {
        format!(": {}", ids.join(", "))
    } else {
        String::new()
    };
    writeln!(
        out,
        "\n{}{} not judged from this recording{listed}{} {DIM}(--all says why){DIM:#}",
        status_style(Status::NotObserved),
        verdict::plural(ids.len(), "check"),
        status_style(Status::NotObserved).render_reset()
    )
}

/// One line per section: how many checks passed, failed, warned, were not judged or
/// skipped, and how many of its manual items were reviewed.
fn render_section_counts(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let rows: Vec<(String, String)> = report
        .sections
        .iter()
        .filter_map(|section| {
            let checks: Vec<&CheckReport> = report.checks_in(section.id).collect();
            if checks.is_empty() {
                return None;
            }
            let mut parts = Vec::new();
            for status in SUMMARY_ORDER {
                let n = checks.iter().filter(|c| c.status == status).count();
                if n == 0 {
                    continue;
                }
                let style = status_style(status);
                parts.push(if status == Status::Manual {
                    let reviewed = checks.iter().filter(|c| c.ticked).count();
                    format!("{style}{reviewed} of {n} reviewed{style:#}")
                } else {
                    format!("{style}{n} {}{style:#}", look(status).word.to_lowercase())
                });
            }
            Some((section.title.clone(), parts.join(" · ")))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{HEADING}Checklist{HEADING:#}")?;
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (title, parts) in rows {
        writeln!(out, "  {title:<width$}  {parts}")?;
    }
    Ok(())
}

fn render_counts(out: &mut impl Write, report: &Report, detail: Detail) -> io::Result<()> {
    let source = &report.source;
    let c = &report.counts;
    let fail = status_style(if c.fail > 0 {
        Status::Fail
    } else {
        Status::Pass
    });
    let reviewed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Manual && c.ticked)
        .count();
    writeln!(
        out,
        "\n{fail}{} pass, {} fail, {} warn{fail:#}, {} not observed, {} manual ({reviewed} reviewed), \
         {} skipped {DIM}({}, {} requests){DIM:#}",
        c.pass,
        c.fail,
        c.warn,
        c.not_observed,
        c.manual,
        c.skipped,
        verdict::plural(report.flows.len(), "flow"),
        source.exchanges
    )?;
    let hint = match (detail, c.manual > 0) {
        (Detail::Summary, true) => {
            "`--all` lists every check, the manual items and the timeline; \
             `flowlens explain ID` says how to fix."
        }
        (Detail::Summary, false) => {
            "`--all` lists every check and the timeline; `flowlens explain ID` says how to fix."
        }
        (Detail::All, _) => {
            "`flowlens explain ID` says what a check or manual item verifies and how to fix it."
        }
    };
    writeln!(out, "{DIM}{hint}{DIM:#}")
}

fn render_check(
    out: &mut impl Write,
    report: &Report,
    check: &CheckReport,
    several_flows: bool,
) -> io::Result<()> {
    let style = status_style(check.status);
    if check.status == Status::Manual {
        // A person's to-do: the title only; `flowlens explain ID` gives the guidance.
        let (symbol, word) = if check.ticked {
            (TICKED_GLYPH, "done")
        } else {
            (look(Status::Manual).glyph, look(Status::Manual).word)
        };
        writeln!(
            out,
            "  {style}{symbol} {word:<12}{style:#} {DIM}{}:{DIM:#} {}",
            check.id,
            clean(&check.title)
        )?;
        if let Some(note) = &check.note {
            writeln!(out, "      {DIM}note: {}{DIM:#}", clean(note))?;
        }
        return Ok(());
    }
    let StatusLook {
        glyph: symbol,
        word,
        ..
    } = look(check.status);
    let flow = match check.flow {
        Some(f) if several_flows => format!(" (flow {})", f + 1),
        _ => String::new(),
    };
    writeln!(
        out,
        "  {style}{symbol} {word:<12}{style:#} {BOLD}{}{BOLD:#}{flow}: {}",
        check.id,
        clean(&check.summary)
    )?;
    // Failures and warnings were shown with their evidence above, under the verdict.
    let shown_above = report.verdict.as_ref().is_some_and(|_| {
        report
            .flows
            .iter()
            .filter_map(|f| f.verdict.as_ref())
            .flat_map(|v| v.blockers.iter().chain(&v.warnings))
            .any(|r| r.check == check.id && r.flow == check.flow)
    });
    if matches!(check.status, Status::Fail | Status::Warn) && !shown_above {
        let flow = check.flow.and_then(|f| report.flow(f));
        for evidence in &check.evidence {
            writeln!(out, "      {}", evidence_line(evidence, flow))?;
        }
    }
    for assumption in &check.assumptions {
        writeln!(out, "      {DIM}assumed: {}{DIM:#}", clean(assumption))?;
    }
    if let Some(note) = &check.note {
        writeln!(out, "      {DIM}note: {}{DIM:#}", clean(note))?;
    }
    Ok(())
}

/// Evidence on a terminal: hops named with their role, long URLs and values clipped in the
/// middle, everything cleaned.
struct TextEvidence<'a> {
    flow: Option<&'a FlowReport>,
    /// URLs longer than this are elided in the middle.
    max_url: usize,
}

impl EvidenceSyntax for TextEvidence<'_> {
    const PART_SEPARATOR: &'static str = "  ";
    const NOTE_SEPARATOR: &'static str = " — ";

    fn hop(&self, hop: usize) -> String {
        let role = self
            .flow
            .and_then(|f| f.hops.iter().find(|h| h.index == hop))
            .map(|h| format!(" {}", h.role))
            .unwrap_or_default();
        format!("hop {hop}{role}")
    }
    fn url(&self, url: &str) -> String {
        clip(url, self.max_url)
    }
    fn field(&self, field: &str, value: Option<&str>) -> String {
        let value = value.map_or_else(|| ABSENT.to_string(), |v| clip(v, MAX_SHOWN_URL));
        format!("{}={value}", clean(field))
    }
    fn note(&self, note: &str) -> String {
        clean(note).into_owned()
    }
}

fn evidence_line(ev: &Evidence, flow: Option<&FlowReport>) -> String {
    evidence::line(
        ev,
        &TextEvidence {
            flow,
            max_url: MAX_SHOWN_URL,
        },
    )
}

fn render_timeline(out: &mut impl Write, flow: &FlowReport) -> io::Result<()> {
    let style = status_style(flow.status);
    writeln!(
        out,
        "\n{HEADING}Timeline of flow {}{HEADING:#} {style}({}){style:#}",
        flow.index + 1,
        flow.status
    )?;
    for hop in &flow.hops {
        let status = hop
            .status
            .map_or_else(|| "---".to_string(), |s| s.to_string());
        writeln!(
            out,
            "  {:>5}  {:<29}  {:<6} {}  {}",
            hop.index,
            hop.role.as_str(),
            clip(&hop.method, 6),
            status,
            clip(host_path(&hop.url), 100)
        )?;
    }
    if let Some(end) = &flow.end {
        let via = end.via.as_str();
        writeln!(
            out,
            "  {DIM}ends at hop {} (via {via}): {}{DIM:#}",
            end.hop, end.outcome
        )?;
    } else {
        writeln!(
            out,
            "  {DIM}the authorization response was not observed{DIM:#}"
        )?;
    }
    Ok(())
}

/// `flowlens rules`: ids, sections and titles in checklist order; with `manual`, the items a
/// person verifies follow.
pub fn rules(out: &mut impl Write, manual: bool) -> io::Result<()> {
    let mut rows: Vec<(&str, Section, &str)> = rules::registry()
        .iter()
        .map(|r| r.meta())
        .map(|m| (m.id, m.section, m.title))
        .collect();
    let rule_count = rows.len();
    if manual {
        rows.extend(manual::items().iter().map(|m| (m.id, m.section, m.title)));
    }
    let id_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
    let section_width = rows
        .iter()
        .map(|r| r.1.id().len())
        .max()
        .unwrap_or(7)
        .max(7);
    writeln!(
        out,
        "{BOLD}{:<id_width$}  {:<section_width$}  TITLE{BOLD:#}",
        "ID", "SECTION"
    )?;
    for (i, (id, section, title)) in rows.iter().enumerate() {
        if i == rule_count {
            writeln!(out, "\n{BOLD}Checked by a person{BOLD:#}")?;
        }
        writeln!(
            out,
            "{id:<id_width$}  {:<section_width$}  {title}",
            section.id()
        )?;
    }
    if !manual {
        writeln!(
            out,
            "{DIM}and {} items a person verifies: `flowlens rules --manual`{DIM:#}",
            manual::items().len()
        )?;
    }
    Ok(())
}

/// `flowlens explain ID` of an item a person verifies.
pub fn explain_manual(out: &mut impl Write, item: &ManualItem) -> io::Result<()> {
    writeln!(out, "{BOLD}{}{BOLD:#}: {}", item.id, item.title)?;
    writeln!(
        out,
        "{DIM}Section: {} (checked by a person: a browser cannot see it){DIM:#}",
        item.section.title()
    )?;
    writeln!(out, "\n{HEADING}What to verify{HEADING:#}")?;
    for line in wrap(item.guidance, 88) {
        writeln!(out, "  {line}")?;
    }
    if !item.seed.is_empty() {
        writeln!(out, "\n{HEADING}From the checklist{HEADING:#}")?;
        for seed in item.seed {
            let mut lines = wrap(seed.item, 84).into_iter();
            if let Some(first) = lines.next() {
                writeln!(out, "  - {first}")?;
            }
            for line in lines {
                writeln!(out, "    {line}")?;
            }
            writeln!(out, "    {DIM}({} checklist){DIM:#}", seed.seed.as_str())?;
        }
    }
    Ok(())
}

/// Words of `text` in lines of at most `width` characters (longer words alone on a line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `flowlens explain ID`.
pub fn explain(out: &mut impl Write, meta: &RuleMeta) -> io::Result<()> {
    writeln!(out, "{BOLD}{}{BOLD:#}: {}", meta.id, meta.title)?;
    writeln!(out, "{DIM}Section: {}{DIM:#}", meta.section.title())?;
    let doc = crate::rules::doc(meta.id);
    for (heading, body) in [
        ("What it checks", doc.map(|d| d.what())),
        ("Why it matters", doc.map(|d| d.why())),
        ("How to fix", doc.map(|d| d.fix())),
    ] {
        writeln!(out, "\n{HEADING}{heading}{HEADING:#}")?;
        for line in body.unwrap_or_default().lines() {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out, "\n{HEADING}Where it is fixed{HEADING:#}")?;
    for place in meta.fixed_in {
        writeln!(out, "  - {}", place.label())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_neutralises_escapes_and_bidi_overrides() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(
            clean("a\u{1b}[2Jb\rc\nd\u{202e}e\u{7}"),
            "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}"
        );
    }

    #[test]
    fn clip_elides_the_middle_of_long_text() {
        let long = format!("https://a.test/?{}", "x".repeat(1000));
        let clipped = clip(&long, 60);
        assert!(clipped.starts_with("https://a.test/?"));
        assert!(clipped.contains("…["));
        assert!(clipped.chars().count() < 90);
        assert_eq!(clip("short", 60), "short");
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("one two three four five six seven", 10);
        assert_eq!(lines, ["one two", "three four", "five six", "seven"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            ["averyveryverylongword", "x"]
        );
    }

    #[test]
    fn host_path_drops_scheme_and_query() {
        assert_eq!(host_path("https://a.test/p?q#f"), "a.test/p");
        assert_eq!(host_path("cursor://cb?code=1"), "cb");
        assert_eq!(host_path("not a url"), "not a url");
    }
}
