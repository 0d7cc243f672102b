//! What the popup and the viewer show, decided without the DOM (so it is tested on the host):
//! the report's renderer for the extension.
//!
//! [`build`] turns the popup's input (a report, the recording's state, what the browser said
//! about incognito) into a [`PopupView`], a plain struct; the extension's DOM code
//! (`flowlens-wasm`'s `dom.rs`) only writes it out as elements, page-controlled strings as
//! text.
//!
//! The view is verdict first: the shown flow's name and verdict ([`VerdictView`]), its
//! blockers ranked, then folded groups ([`ChecksView`]: warnings, checks not judged, one line
//! per section for what passed), and apart from them the items a person reviews
//! ([`ReviewView`]). Every check of the shown flow is in exactly one place.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::evidence::{self, EvidenceSyntax, ABSENT};
use super::status::{look, SUMMARY_ORDER};
use crate::check::Evidence;
use crate::flow::Role;
use crate::recorder::{Phase, TabState};
use crate::report::{CheckReport, FlowReport, Report};
use crate::rules;
use crate::trace::{PageSnapshot, Screenshot};
use crate::vocab::{string_enum, Status};

mod review;
mod verdict;

pub use review::{ReviewSection, ReviewView};
pub use verdict::{mark as verdict_mark, ChecksView, FlowTitle, Fold, SectionFold, VerdictView};

/// What the popup script hands over.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PopupInput {
    pub report: Option<Report>,
    pub screenshots: Vec<Screenshot>,
    pub state: Option<TabState>,
    /// The tab the popup is about (the active tab, or `?tab=`), when there is one.
    pub active_tab: Option<i64>,
    /// The flow picked in the selector; default: the latest.
    pub selected_flow: Option<usize>,
    pub incognito: IncognitoInfo,
    /// The browser the popup runs in (`BROWSER` of browser.js), for its own words and menus;
    /// `None` names both.
    pub browser: Option<Browser>,
    /// Whether the browser lets Flowlens see requests on all sites
    /// (`permissions.contains({origins: ['<all_urls>']})`); `None` when it could not say.
    /// Firefox asks for it apart from installing, and a Chrome user can restrict site access.
    pub host_access: Option<bool>,
    /// Stored chunks of the trace that could not be read (a failed write).
    pub missing_chunks: u32,
    /// Page snapshots of the recording (the trace's `pages`).
    pub pages: Vec<PageSnapshot>,
    /// Manual items are shown without tick box and note field to edit (the viewer).
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Browser {
    Chrome,
    Firefox,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IncognitoInfo {
    /// `extension.isAllowedIncognitoAccess()`.
    pub allowed: Option<bool>,
    /// The popup's window is incognito.
    pub current_window: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PopupView {
    pub status_line: String,
    pub phase: Option<Phase>,
    /// Set when Flowlens cannot record at all: says so above everything else and offers the
    /// button that asks the browser for access.
    pub cannot_record: Option<CannotRecord>,
    pub notices: Vec<Notice>,
    /// The answer for the shown flow (or for the recording when it holds no flow); `None`
    /// when Flowlens cannot record and nothing was recorded.
    pub verdict: Option<VerdictView>,
    /// Counts per status for the shown flow, in display order, zeros left out.
    pub summary: Vec<(Status, usize)>,
    pub flows: Vec<FlowOption>,
    /// The shown flow's automated checks: blockers, then folded groups.
    pub checks: ChecksView,
    /// The items a person verifies, per section.
    pub review: ReviewView,
    pub timeline: Vec<HopView>,
    /// Subresource hops left out of the timeline.
    pub hidden_subresources: usize,
    pub end: Option<String>,
    pub screenshot: Option<Screenshot>,
    /// What the pages of the shown flow showed (all page-controlled text).
    pub pages: Vec<PageView>,
}

impl PopupView {
    /// Every check the view holds, each once: blockers, warnings, checks not judged, the
    /// settled sections, then the review (skipped sections included).
    pub fn all_checks(&self) -> impl Iterator<Item = &CheckView> {
        let checks = &self.checks;
        checks
            .blockers
            .iter()
            .chain(&checks.warnings.checks)
            .chain(&checks.not_observed.checks)
            .chain(checks.settled.iter().flat_map(|s| &s.checks))
            .chain(
                self.review
                    .sections
                    .iter()
                    .chain(&self.review.skipped)
                    .flat_map(|s| &s.items),
            )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    pub url: String,
    pub facts: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CannotRecord {
    pub title: &'static str,
    pub text: &'static str,
    /// The label of the button that asks for access to all sites (`permissions.request`).
    pub button: &'static str,
}

/// A compact line under the verdict. `id` is stable (the same notice has the same id on
/// every render), so that a dismissed notice stays dismissed.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: String,
    pub level: NoticeLevel,
    /// One line.
    pub text: String,
    /// More, shown on expand (how to change a browser setting).
    pub detail: Option<String>,
    /// The user may hide it: information, not something that stops Flowlens from seeing.
    pub dismissible: bool,
}

impl Notice {
    fn new(id: impl Into<String>, level: NoticeLevel, text: impl Into<String>) -> Self {
        Notice {
            id: id.into(),
            level,
            text: text.into(),
            detail: None,
            dismissible: level == NoticeLevel::Info,
        }
    }

    /// The line and its detail, as one text.
    pub fn full_text(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{} {detail}", self.text),
            None => self.text.clone(),
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A notice for a note of the report: its id is made of the note's first words
    /// (numbers left out, so "3 events were dropped" keeps its id when the count changes).
    fn of_note(note: &str) -> Self {
        let words: Vec<String> = note
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty() && !w.bytes().any(|b| b.is_ascii_digit()))
            .take(6)
            .map(str::to_ascii_lowercase)
            .collect();
        Notice::new(format!("note-{}", words.join("-")), NoticeLevel::Info, note)
    }
}

string_enum! {
    /// How much a notice matters (its wire name is the element's class).
    pub enum NoticeLevel {
        /// Something stops Flowlens from seeing the flow.
        Warn => "warn",
        Info => "info",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowOption {
    pub index: usize,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckView {
    pub id: String,
    pub status: Status,
    pub icon: &'static str,
    pub title: String,
    pub summary: String,
    pub evidence: Vec<String>,
    pub assumptions: Vec<String>,
    /// Where a failure is fixed, in words ("Scalekit Dashboard > Customization > Custom
    /// Domain", "your login endpoint"); empty for manual items.
    pub fixed_in: Vec<String>,
    /// For manual items: the user's answer and whether it can be edited here.
    pub manual: Option<ManualView>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManualView {
    pub ticked: bool,
    pub note: String,
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HopView {
    pub index: usize,
    pub role: Role,
    pub method: String,
    pub host: String,
    pub status: String,
    pub params: Vec<(String, String)>,
    pub url: String,
}

/// How to let Flowlens record in private windows, in the browser's own words.
fn enable_private(browser: Option<Browser>) -> &'static str {
    match browser {
        Some(Browser::Chrome) => {
            "To record there: Extensions (chrome://extensions) → Flowlens → Details → switch on \
             \"Allow in Incognito\"."
        }
        Some(Browser::Firefox) => {
            "To record there: Add-ons and themes (about:addons) → Flowlens → \"Run in Private \
             Windows\" → Allow."
        }
        None => {
            "To record there: Chrome → Extensions (chrome://extensions) → Flowlens → Details → \
             switch on \"Allow in Incognito\"; Firefox → Add-ons and themes → Flowlens → \
             \"Run in Private Windows\" → Allow."
        }
    }
}

/// Why Flowlens sees no request: the host permission was not granted.
fn no_host_access(browser: Option<Browser>) -> &'static str {
    match browser {
        Some(Browser::Chrome) => {
            "It has no access to websites, so it sees no request of any flow: its site access \
             is restricted (Extensions → Flowlens → Site access)."
        }
        Some(Browser::Firefox) => {
            "It has no access to websites, so it sees no request of any flow: Firefox asks for \
             this access apart from installing the add-on."
        }
        None => {
            "It has no access to websites, so it sees no request of any flow. Firefox asks for \
             this access apart from installing; in Chrome, site access was restricted."
        }
    }
}

pub fn build(input: &PopupInput) -> PopupView {
    let mut notices = incognito_notices(&input.incognito, input.browser);
    let cannot_record = (input.host_access == Some(false)).then(|| CannotRecord {
        title: "Flowlens cannot record.",
        text: no_host_access(input.browser),
        button: "Allow access to all websites",
    });
    // Parts the recorder knows it lost are in its notes, with the reason.
    let lost = input.state.as_ref().map_or(0, |s| s.lost_chunks);
    let missing = input.missing_chunks.saturating_sub(lost);
    if missing > 0 {
        notices.push(Notice::new(
            "missing-chunks",
            NoticeLevel::Warn,
            format!(
                "{missing} stored part(s) of this recording are missing (the browser's session \
                 storage refused a write): the events in them were not observed."
            ),
        ));
    }
    let Some(report) = &input.report else {
        let verdict = cannot_record.is_none().then(|| VerdictView {
            kind: crate::report::VerdictKind::Incomplete,
            mark: verdict_mark(crate::report::VerdictKind::Incomplete),
            line: "Incomplete: nothing recorded yet".into(),
            why: vec![
                "Start a flow in any tab (Flowlens records by itself when a page asks for an \
                 authorization), or press Record."
                    .into(),
            ],
            assumed: Vec::new(),
            flow: None,
        });
        return PopupView {
            status_line: if cannot_record.is_some() {
                "Cannot record".into()
            } else {
                "Nothing recorded".into()
            },
            phase: None,
            cannot_record,
            notices,
            verdict,
            summary: Vec::new(),
            flows: Vec::new(),
            checks: ChecksView::default(),
            review: ReviewView::default(),
            timeline: Vec::new(),
            hidden_subresources: 0,
            end: None,
            screenshot: None,
            pages: Vec::new(),
        };
    };
    let state = input.state.as_ref();
    if let (Some(active), Some(state)) = (input.active_tab, state) {
        if !state.is_fed_by(active) {
            let from = state
                .last_url
                .as_deref()
                .and_then(crate::report::host_and_port)
                .map(|h| format!(", from {h}"))
                .unwrap_or_default();
            notices.push(Notice::new(
                "other-tab",
                NoticeLevel::Info,
                format!("Nothing recorded in this tab; showing the most recent recording{from}."),
            ));
        }
    }
    // The status line says the recorder's phase; its note would say it a second time.
    let phase_note = state.and_then(crate::recorder::fold::phase_note);
    notices.extend(
        report
            .notes
            .iter()
            .filter(|n| Some(n.as_str()) != phase_note.as_deref())
            .map(|n| Notice::of_note(n)),
    );

    let latest = report.flows.iter().map(|f| f.index).max();
    let shown = input
        .selected_flow
        .filter(|i| report.flows.iter().any(|f| f.index == *i))
        .or(latest);
    let checks: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.flow == shown || c.flow.is_none())
        .collect();

    let flow = shown.and_then(|i| report.flows.iter().find(|f| f.index == i));
    let timeline_hops = flow.map(|f| f.hops.as_slice()).unwrap_or_default();
    let hidden_subresources = timeline_hops
        .iter()
        .filter(|h| h.role == Role::Subresource)
        .count();
    let first_hop_ms = timeline_hops.first().map(|h| h.time_ms);
    let phase = state.map(|s| s.phase);
    PopupView {
        status_line: status_line(state, input.browser),
        phase,
        cannot_record,
        notices,
        verdict: verdict::verdict_view(report, flow, phase),
        summary: summary(&checks),
        flows: report
            .flows
            .iter()
            .map(|f| FlowOption {
                index: f.index,
                label: flow_label(f),
                selected: Some(f.index) == shown,
            })
            .collect(),
        checks: verdict::checks_view(report, flow, &checks, input.read_only),
        review: review::review_view(report, &checks, input.read_only),
        timeline: timeline_hops
            .iter()
            .filter(|h| h.role != Role::Subresource)
            .map(|h| HopView {
                index: h.index,
                role: h.role,
                method: h.method.clone(),
                host: h.host.clone().unwrap_or_default(),
                status: h
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
                params: h
                    .params
                    .iter()
                    .map(|p| (p.name.clone(), p.value.clone()))
                    .collect(),
                url: h.url.clone(),
            })
            .collect(),
        hidden_subresources,
        end: flow
            .and_then(|f| f.end.as_ref())
            .map(|e| format!("Ended at the client callback ({}): {}", e.outcome, e.url)),
        pages: input
            .pages
            .iter()
            .filter(|p| first_hop_ms.is_none_or(|t| p.time_ms >= t))
            .map(page_view)
            .collect(),
        screenshot: input
            .screenshots
            .iter()
            .rev()
            .find(|s| first_hop_ms.is_none_or(|t| s.time_ms >= t))
            .filter(|s| is_image_data_url(&s.data_url))
            .cloned(),
    }
}

fn incognito_notices(info: &IncognitoInfo, browser: Option<Browser>) -> Vec<Notice> {
    let how = enable_private(browser);
    let (here, there) = match browser {
        Some(Browser::Firefox) => (
            "This is a private window and Flowlens may not run in private windows",
            "Flowlens may not run in private windows",
        ),
        _ => (
            "This is an incognito window and Flowlens is not allowed in incognito",
            "Flowlens is not allowed in incognito windows",
        ),
    };
    match (info.allowed, info.current_window) {
        (Some(false), true) => vec![Notice::new(
            "private-window-not-allowed-here",
            NoticeLevel::Warn,
            format!("{here}: flows here are not recorded."),
        )
        .detail(how)],
        (Some(false), false) => vec![Notice::new(
            "private-windows-not-allowed",
            NoticeLevel::Info,
            format!("{there}: flows run there are not recorded."),
        )
        .detail(how)],
        _ => Vec::new(),
    }
}

fn status_line(state: Option<&TabState>, browser: Option<Browser>) -> String {
    let Some(state) = state else {
        return "Recorded flow".into();
    };
    let phase = match state.phase {
        Phase::Recording => "recording",
        Phase::Finishing => "callback reached, still recording a few seconds",
        Phase::Idle => "recorded",
    };
    let host = state
        .last_url
        .as_deref()
        .and_then(crate::params::host_of)
        .map(|h| format!(" · {h}"))
        .unwrap_or_default();
    let incognito = if state.incognito != Some(true) {
        ""
    } else if browser == Some(Browser::Firefox) {
        " · private window"
    } else {
        " · incognito"
    };
    let phase = phase[..1].to_ascii_uppercase() + &phase[1..];
    format!("{phase}{host}{incognito}")
}

fn summary(checks: &[&CheckReport]) -> Vec<(Status, usize)> {
    SUMMARY_ORDER
        .iter()
        .map(|&s| (s, checks.iter().filter(|c| c.status == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// "Flow 1 · Acme Calendar (app.acme.test) · 10:00:03 UTC · Not ready: 2 blockers".
fn flow_label(flow: &FlowReport) -> String {
    let mut parts = vec![
        format!("Flow {}", flow.index + 1),
        super::flow_name::title(flow),
    ];
    if let Some(start) = &flow.started {
        parts.push(super::flow_name::utc_time(start.time_ms));
    }
    if let Some(verdict) = &flow.verdict {
        parts.push(verdict.line.clone());
    }
    parts.join(" · ")
}

fn check_view(check: &CheckReport, read_only: bool) -> CheckView {
    let manual = (check.status == Status::Manual && check.flow.is_none()).then(|| ManualView {
        ticked: check.ticked,
        note: check.note.clone().unwrap_or_default(),
        editable: !read_only,
    });
    CheckView {
        manual,
        id: check.id.clone(),
        status: check.status,
        icon: glyph(check.status),
        title: check.title.clone(),
        summary: check.summary.clone(),
        evidence: check.evidence.iter().map(evidence_line).collect(),
        assumptions: check.assumptions.clone(),
        fixed_in: rules::fix_label_list(&check.fixed_in),
    }
}

/// Why a check matters and how to fix it, as a check shows them when opened (reflowed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckDoc {
    pub why: String,
    pub fix: String,
}

/// Every rule's [`CheckDoc`], by id: `cargo xtask build` writes them to
/// `extension/pkg/check-docs.json`, which the extension's pages load after their first paint
/// (the first-paint wasm does not carry the rules' documentation).
pub fn check_docs() -> BTreeMap<String, CheckDoc> {
    rules::docs()
        .map(|d| {
            let doc = CheckDoc {
                why: reflow(&d.why()),
                fix: reflow(&d.fix()),
            };
            (d.id.to_string(), doc)
        })
        .collect()
}

/// Rule docs are wrapped at about 90 columns in their source; in a narrow popup those line
/// breaks fall mid-sentence. Joins the lines of each paragraph, keeping paragraphs apart,
/// list items (`- `, `1. `) on lines of their own and fenced code blocks as written.
pub(crate) fn reflow(doc: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in doc.lines() {
        let text = line.trim();
        if text.starts_with("```") {
            in_code = !in_code;
        }
        if in_code || text.starts_with("```") {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if text.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
            }
            continue;
        }
        let list_item = text.starts_with("- ")
            || text.starts_with("* ")
            || text
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !(out.is_empty() || out.ends_with('\n')) {
            out.push(if list_item { '\n' } else { ' ' });
        }
        out.push_str(text);
    }
    out.trim_end().to_string()
}

/// A status mark every font has (the report's emoji need an emoji font).
pub fn glyph(status: Status) -> &'static str {
    look(status).glyph
}

fn page_view(page: &PageSnapshot) -> PageView {
    let mut facts = Vec::new();
    if let Some(title) = &page.title {
        facts.push(("title", title.clone()));
    }
    if let Some(name) = &page.app_name {
        facts.push(("name shown", name.clone()));
    }
    if let Some(logo) = page.logos.first() {
        let state = match logo.loaded {
            Some(true) => format!("{}×{}", logo.natural_width, logo.natural_height),
            Some(false) => "broken".into(),
            None => "loading".into(),
        };
        facts.push(("logo", format!("{} ({state})", logo.src)));
    }
    for icon in &page.favicons {
        let state = match icon.loaded {
            Some(true) => "loads",
            Some(false) => "broken",
            None => "unknown",
        };
        facts.push(("favicon", format!("{} ({state})", icon.href)));
    }
    if let Some(bg) = &page.colors.background {
        facts.push(("background", bg.clone()));
    }
    if let Some(button) = &page.colors.primary_button {
        facts.push(("primary button", button.clone()));
    }
    for mark in &page.powered_by {
        facts.push(("vendor mark", mark.clone()));
    }
    if page.has_password_field {
        facts.push(("password field", "yes".into()));
    }
    if page.truncated {
        facts.push((
            "note",
            format!(
                "large page: only part was read ({} images)",
                page.image_count
            ),
        ));
    }
    PageView {
        url: page.url.clone(),
        facts,
    }
}

/// Evidence in the popup: plain text (the DOM code sets it as text, never HTML).
struct ViewEvidence;

impl EvidenceSyntax for ViewEvidence {
    const PART_SEPARATOR: &'static str = " · ";
    const NOTE_SEPARATOR: &'static str = " — ";

    fn url(&self, url: &str) -> String {
        url.to_string()
    }
    fn field(&self, field: &str, value: Option<&str>) -> String {
        format!("{field} = {}", value.unwrap_or(ABSENT))
    }
    fn note(&self, note: &str) -> String {
        note.to_string()
    }
}

/// One line of evidence: hop, URL, field and value, then what it shows.
pub fn evidence_line(ev: &Evidence) -> String {
    evidence::line(ev, &ViewEvidence)
}

/// Only the extension's own captures (JPEG or PNG data URLs) are shown as images.
pub fn is_image_data_url(url: &str) -> bool {
    url.starts_with("data:image/jpeg;base64,") || url.starts_with("data:image/png;base64,")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::good_flow;
    use crate::{analyze, Profile};

    #[test]
    fn reflow_joins_wrapped_lines_and_keeps_paragraphs_and_lists() {
        let doc = "Scalekit finds the login request\nagain by this `state`.\n\nFix it:\n- read it once,\n  keep it\n- append it\n1. then test";
        assert_eq!(
            reflow(doc),
            "Scalekit finds the login request again by this `state`.\n\nFix it:\n- read it once, keep it\n- append it\n1. then test"
        );
        assert_eq!(reflow("```\na\n  b\n```\nafter"), "```\na\n  b\n```\nafter");
        assert_eq!(reflow(""), "");
    }

    #[test]
    fn no_rule_doc_keeps_a_line_break_inside_a_sentence() {
        // A reflowed line that starts with a lower-case word continues the line before it.
        for doc in crate::rules::docs() {
            for text in [doc.what(), doc.why(), doc.fix()] {
                for line in reflow(&text).lines() {
                    assert!(
                        !line.starts_with(|c: char| c.is_ascii_lowercase()),
                        "{}: {line:?}",
                        doc.id
                    );
                }
            }
        }
    }

    fn input_for(report: Report) -> PopupInput {
        PopupInput {
            report: Some(report),
            ..PopupInput::default()
        }
    }

    #[test]
    fn every_check_of_the_latest_flow_is_shown_once_whatever_is_folded() {
        let report = analyze(&good_flow().build(), &Profile::default());
        let view = build(&input_for(report.clone()));
        let mut ids: Vec<&str> = view.all_checks().map(|c| c.id.as_str()).collect();
        let mut expected: Vec<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        expected.sort_unstable();
        assert_eq!(ids, expected);
        assert!(view.checks.settled.iter().all(|s| !s.line.is_empty()));
        assert_eq!(view.flows.len(), 1);
        assert!(view.flows[0].selected);
        assert!(view.timeline.iter().any(|h| h.role == Role::Authorize));
        assert!(view.end.is_some());
    }

    #[test]
    fn without_a_report_says_how_to_start_and_warns_about_incognito() {
        let view = build(&PopupInput {
            incognito: IncognitoInfo {
                allowed: Some(false),
                current_window: true,
            },
            ..PopupInput::default()
        });
        assert_eq!(view.all_checks().count(), 0);
        assert_eq!(view.notices[0].level, "warn");
        assert!(!view.notices[0].dismissible);
        assert!(view.notices[0].full_text().contains("Allow in Incognito"));
        let verdict = view.verdict.expect("verdict");
        assert_eq!(verdict.kind, crate::report::VerdictKind::Incomplete);
        assert_eq!(verdict.line, "Incomplete: nothing recorded yet");
        assert!(verdict.why[0].contains("press Record"));
    }

    #[test]
    fn without_host_access_it_says_nothing_can_be_recorded_and_offers_to_ask() {
        let denied = build(&PopupInput {
            host_access: Some(false),
            ..PopupInput::default()
        });
        let cannot = denied.cannot_record.expect("cannot record");
        assert_eq!(cannot.title, "Flowlens cannot record.");
        assert!(cannot.text.contains("no access to websites"));
        assert!(!cannot.button.is_empty());
        assert_eq!(denied.status_line, "Cannot record");
        assert!(
            denied.verdict.is_none() && denied.notices.is_empty(),
            "no advice to start a flow that cannot be recorded: {:?}",
            denied.notices
        );
        // A recording made before access was withdrawn is still shown, under the warning.
        let report = analyze(&good_flow().build(), &Profile::default());
        let with_report = build(&PopupInput {
            host_access: Some(false),
            ..input_for(report.clone())
        });
        assert!(with_report.cannot_record.is_some());
        assert!(with_report.all_checks().count() > 0);
        // Granted, or a browser that could not say: no warning.
        for host_access in [Some(true), None] {
            let view = build(&PopupInput {
                host_access,
                ..input_for(report.clone())
            });
            assert_eq!(view.cannot_record, None);
        }
    }

    #[test]
    fn each_browser_gets_its_own_words_and_menu_paths() {
        let not_allowed_here = |browser| {
            build(&PopupInput {
                browser,
                host_access: Some(false),
                incognito: IncognitoInfo {
                    allowed: Some(false),
                    current_window: true,
                },
                ..PopupInput::default()
            })
        };
        let firefox = not_allowed_here(Some(Browser::Firefox));
        assert!(firefox.notices[0]
            .full_text()
            .starts_with("This is a private window"));
        assert!(firefox.notices[0]
            .full_text()
            .contains("Run in Private Windows"));
        assert!(!firefox.notices[0]
            .full_text()
            .contains("Allow in Incognito"));
        assert!(firefox
            .cannot_record
            .expect("cannot")
            .text
            .contains("Firefox asks"));
        let chrome = not_allowed_here(Some(Browser::Chrome));
        assert!(chrome.notices[0]
            .full_text()
            .starts_with("This is an incognito window"));
        assert!(chrome.notices[0].full_text().contains("Allow in Incognito"));
        assert!(!chrome.notices[0].full_text().contains("Private Windows"));
        assert!(chrome
            .cannot_record
            .expect("cannot")
            .text
            .contains("Site access"));
        let unknown = not_allowed_here(None);
        assert!(unknown.notices[0]
            .full_text()
            .contains("Allow in Incognito"));
        assert!(unknown.notices[0]
            .full_text()
            .contains("Run in Private Windows"));
    }

    #[test]
    fn several_flows_default_to_the_latest_and_follow_the_selector() {
        let mut trace = good_flow().build();
        let second = good_flow().build();
        trace
            .exchanges
            .extend(second.exchanges.into_iter().map(|mut e| {
                e.time_ms += 3_600_000.0;
                e
            }));
        let report = analyze(&trace, &Profile::default());
        let view = build(&input_for(report.clone()));
        assert_eq!(view.flows.iter().filter(|f| f.selected).count(), 1);
        assert!(view.flows[1].selected);
        let view = build(&PopupInput {
            selected_flow: Some(0),
            ..input_for(report)
        });
        assert!(view.flows[0].selected);
    }

    #[test]
    fn manual_items_carry_the_users_answer_and_are_editable_unless_read_only() {
        let mut report = analyze(&good_flow().build(), &Profile::default());
        let item = report
            .checks
            .iter_mut()
            .find(|c| c.id == "manual-runbook")
            .expect("manual item");
        item.ticked = true;
        item.note = Some("done".into());
        let find = |view: &PopupView, id: &str| {
            view.all_checks()
                .find(|c| c.id == id)
                .cloned()
                .expect("check shown")
        };
        let view = build(&input_for(report.clone()));
        let manual = find(&view, "manual-runbook").manual.expect("manual view");
        assert!(manual.ticked && manual.editable);
        assert_eq!(manual.note, "done");
        assert_eq!(find(&view, "branding-logo").manual, None);
        let view = build(&PopupInput {
            read_only: true,
            ..input_for(report)
        });
        assert!(
            !find(&view, "manual-runbook")
                .manual
                .expect("manual")
                .editable
        );
    }

    fn vendor_domain_report() -> Report {
        let trace = crate::testing::good_flow_with_pages()
            .replace_in_urls("https://auth.acme.test", "https://acme-x7q2.scalekit.com")
            .build();
        analyze(&trace, &Profile::default())
    }

    #[test]
    fn the_verdict_comes_first_with_the_blockers_ranked_and_where_they_are_fixed() {
        let report = vendor_domain_report();
        let view = build(&input_for(report.clone()));
        let verdict = view.verdict.clone().expect("verdict");
        let expected = report.flows[0].verdict.clone().expect("flow verdict");
        assert_eq!(verdict.kind, crate::report::VerdictKind::NotReady);
        assert_eq!(verdict.mark, "✗");
        assert_eq!(verdict.line, expected.line);
        let shown: Vec<&str> = view.checks.blockers.iter().map(|c| c.id.as_str()).collect();
        let ranked: Vec<&str> = expected.blockers.iter().map(|b| b.check.as_str()).collect();
        assert_eq!(shown, ranked);
        assert_eq!(shown[0], "custom-domain-authorize");
        let first = &view.checks.blockers[0];
        assert_eq!(
            first.fixed_in[0],
            "Scalekit Dashboard > Customization > Custom Domain"
        );
        assert!(!first.summary.is_empty() && !first.evidence.is_empty());
        assert!(view
            .checks
            .blockers
            .iter()
            .all(|c| c.status == Status::Fail));
        // The flow is named by where it started and the hosts it went between.
        let flow = verdict.flow.expect("flow title");
        assert_eq!(flow.title, "app.acme.test");
        assert!(flow.detail.starts_with(
            "authorization server acme-x7q2.scalekit.com · redirect to app.acme.test · "
        ));
    }

    #[test]
    fn warnings_and_unjudged_checks_fold_and_passes_fold_into_a_line_per_section() {
        let report = analyze(&good_flow().build(), &Profile::default());
        let view = build(&input_for(report));
        let checks = &view.checks;
        assert!(checks
            .warnings
            .checks
            .iter()
            .all(|c| c.status == Status::Warn));
        let warnings = checks.warnings.checks.len();
        assert!(warnings > 0, "the good flow has warnings to fold");
        let plural = if warnings == 1 { "" } else { "s" };
        assert_eq!(checks.warnings.line, format!("{warnings} warning{plural}"));
        assert!(checks
            .not_observed
            .checks
            .iter()
            .all(|c| c.status == Status::NotObserved));
        assert!(checks
            .not_observed
            .line
            .ends_with("could not be judged from this recording"));
        let capture = checks.settled.first().expect("the capture section");
        assert_eq!(capture.id, "capture");
        assert_eq!(capture.line, "Capture: 1 pass");
        for section in &checks.settled {
            assert!(section
                .checks
                .iter()
                .all(|c| matches!(c.status, Status::Pass | Status::Skipped)));
        }
        let sections: Vec<&str> = checks.settled.iter().map(|s| s.id).collect();
        let mut sorted = sections.clone();
        sorted.sort_by_key(|id| id.parse::<crate::Section>().ok());
        assert_eq!(sections, sorted, "checklist order");
    }

    #[test]
    fn the_review_counts_ticked_items_per_section_and_folds_skipped_sections_away() {
        let mut report = analyze(&good_flow().build(), &Profile::default());
        for id in [
            "manual-api-clients",
            "manual-logout",
            "manual-token-lifetimes",
        ] {
            let item = report.checks.iter_mut().find(|c| c.id == id).expect("item");
            item.ticked = true;
        }
        let view = build(&input_for(report));
        let core = view
            .review
            .sections
            .iter()
            .find(|s| s.id == "core-auth-flows")
            .expect("core auth flows");
        assert_eq!(core.line, "Core auth flows: 3 of 14 reviewed");
        assert!(core.items.iter().all(|i| i.manual.is_some()));
        assert_eq!(view.review.reviewed, 3);
        assert_eq!(
            view.review.line,
            format!("Review: 3 of {} reviewed", view.review.total)
        );
        assert!(view.review.skipped.is_empty() && view.review.skipped_line.is_empty());

        let profile = Profile {
            skip_sections: vec![crate::Section::EnterpriseAuth],
            ..Profile::default()
        };
        let view = build(&input_for(analyze(&good_flow().build(), &profile)));
        assert!(view
            .review
            .sections
            .iter()
            .all(|s| s.id != "enterprise-auth"));
        assert_eq!(view.review.skipped.len(), 1);
        assert_eq!(
            view.review.skipped_line,
            "Not applicable (skipped in the profile): Enterprise auth"
        );
        assert!(view.review.skipped[0]
            .items
            .iter()
            .all(|i| i.status == Status::Skipped));
    }

    #[test]
    fn notices_are_compact_with_stable_ids_and_information_can_be_dismissed() {
        let mut report = analyze(&good_flow().build(), &Profile::default());
        report.notes = vec![
            "Response bodies are not visible to a browser extension; page facts come from the content script.".into(),
            "3 events were dropped at the cap of 5000 events per tab.".into(),
        ];
        let view = build(&PopupInput {
            incognito: IncognitoInfo {
                allowed: Some(false),
                current_window: false,
            },
            browser: Some(Browser::Chrome),
            ..input_for(report.clone())
        });
        let ids: Vec<&str> = view.notices.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "private-windows-not-allowed",
                "note-response-bodies-are-not-visible-to",
                "note-events-were-dropped-at-the-cap"
            ]
        );
        assert!(view.notices.iter().all(|n| n.dismissible));
        let incognito = &view.notices[0];
        assert_eq!(
            incognito.text,
            "Flowlens is not allowed in incognito windows: flows run there are not recorded."
        );
        assert!(incognito
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("Allow in Incognito")));
        // The same note with another count keeps its id.
        report.notes[1] = "7 events were dropped at the cap of 5000 events per tab.".into();
        let again = build(&input_for(report));
        assert_eq!(again.notices[1].id, "note-events-were-dropped-at-the-cap");
    }

    /// The status line says the recorder's phase: its note in the report is not a notice too,
    /// except where no recording state is shown (the viewer of an export).
    #[test]
    fn the_recorders_phase_is_said_once() {
        let mut report = analyze(&good_flow().build(), &Profile::default());
        let state = TabState {
            trace: 7,
            phase: Phase::Recording,
            ..TabState::default()
        };
        let note = crate::recorder::fold::phase_note(&state).expect("a recording's note");
        report.notes = vec![note.clone()];
        let live = build(&PopupInput {
            state: Some(state),
            ..input_for(report.clone())
        });
        assert_eq!(live.status_line, "Recording");
        assert!(live.notices.iter().all(|n| n.text != note));
        let exported = build(&input_for(report));
        assert!(exported.notices.iter().any(|n| n.text == note));
    }

    #[test]
    fn the_flow_is_named_never_by_a_tab_id() {
        let report = vendor_domain_report();
        let state = TabState {
            trace: 1_254_491_857,
            phase: Phase::Finishing,
            last_url: Some("https://app.acme.test/callback?code=x".into()),
            incognito: Some(true),
            ..TabState::default()
        };
        let view = build(&PopupInput {
            state: Some(state),
            active_tab: Some(7),
            ..input_for(report)
        });
        assert_eq!(
            view.status_line,
            "Callback reached, still recording a few seconds · app.acme.test · incognito"
        );
        let texts: Vec<String> = std::iter::once(view.status_line.clone())
            .chain(view.notices.iter().map(Notice::full_text))
            .chain(view.flows.iter().map(|f| f.label.clone()))
            .collect();
        for text in &texts {
            assert!(!text.contains("1254491857"), "{text}");
        }
        assert!(view.notices.iter().any(|n| n.id == "other-tab"
            && n.text == "Nothing recorded in this tab; showing the most recent recording, from app.acme.test."));
        assert!(view.flows[0].label.starts_with("Flow 1 · app.acme.test · "));
        assert!(view.flows[0].label.contains(" · Not ready: "));
    }

    #[test]
    fn while_recording_an_unfinished_flow_is_said_to_be_in_progress() {
        let trace = crate::testing::good_flow_with_pages()
            .edit(|t| t.exchanges.truncate(crate::testing::CONSENT_HOP + 1))
            .build();
        let report = analyze(&trace, &Profile::default());
        let recording = |phase| {
            build(&PopupInput {
                state: Some(TabState {
                    phase,
                    ..TabState::default()
                }),
                ..input_for(report.clone())
            })
            .verdict
            .expect("verdict")
        };
        let live = recording(Phase::Recording);
        assert_eq!(live.kind, crate::report::VerdictKind::Incomplete);
        assert_eq!(
            live.line,
            "Incomplete: still recording, the flow has not reached the client's callback yet"
        );
        let stopped = recording(Phase::Idle);
        assert_eq!(
            stopped.line,
            "Incomplete: the flow did not reach the client's callback"
        );
        assert!(stopped.why[0].contains("the capture stops before the authorization response"));
    }

    #[test]
    fn only_shows_screenshots_that_are_image_data_urls() {
        let report = analyze(&good_flow().build(), &Profile::default());
        let shot = |data_url: &str| Screenshot {
            time_ms: f64::MAX,
            url: "https://auth.acme.test/oauth/consent".into(),
            data_url: data_url.into(),
        };
        let view = build(&PopupInput {
            screenshots: vec![shot("javascript:alert(1)")],
            ..input_for(report.clone())
        });
        assert_eq!(view.screenshot, None);
        let view = build(&PopupInput {
            screenshots: vec![shot("data:image/jpeg;base64,AAAA")],
            ..input_for(report)
        });
        assert!(view.screenshot.is_some());
    }
}
