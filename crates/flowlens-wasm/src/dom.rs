//! The popup, side panel and viewer, described as elements ([`VNode`]s) from the core's view
//! model (`flowlens_core::render::view`), in its order: the verdict (`#verdict`,
//! `data-verdict`), the notices, then two panels behind tabs: **Checks** (the blockers,
//! ranked, each with what is wrong and where it is fixed; the folded groups: warnings, checks
//! not judged, one line per section of what passed; the timeline, the consent screenshot and
//! the pages seen) and **Review** (the manual items per section, with reviewed counts).
//! [`crate::mount`] writes the description into the page and keeps it in step.
//!
//! Every string that may come from a page or a URL is a text node or an attribute value,
//! never HTML. Stable hooks for tests and users' automation: each check is an element with
//! `data-check="<id>"` and `data-status="<status>"`, folded or not, in whichever panel; each
//! hop of the timeline has `data-hop` and `data-role`; each notice `data-notice`. Manual
//! items also have `data-ticked`, and their tick box (`input.manual-tick`) and note
//! (`textarea.manual-note`) `data-manual-id`.
//!
//! Accessibility: statuses are a glyph and a word, never a color alone; folded groups are
//! native `<details>`; the panels are ARIA tabs; the verdict line is a polite live region, so
//! that a screen reader hears the verdict change, not every update of the list.

use flowlens_core::render::view::{
    CheckDoc, CheckView, Fold, HopView, ManualView, Notice, PopupView, ReviewSection, VerdictView,
};
use flowlens_core::Status;
use serde::Deserialize;

use crate::vnode::{h, VElement, VNode};

/// The panel shown under the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Panel {
    #[default]
    Checks,
    Review,
}

/// Why each check matters and how to fix it, by rule id
/// ([`flowlens_core::render::view::check_docs`]).
pub type CheckDocs = std::collections::BTreeMap<String, CheckDoc>;

static NO_DOCS: CheckDocs = CheckDocs::new();

/// What the page chose for the view (kept by the page, not by the report).
#[derive(Debug, Clone)]
pub struct Choices<'a> {
    pub panel: Panel,
    /// Notices the user dismissed (their ids).
    pub dismissed: &'a [String],
    /// Checks and manual items the user opened (their ids). A folded check is described
    /// without its body (evidence, documentation; a manual item's guidance and note) until it
    /// is first opened: the first paint writes a third of the elements, and the page asks
    /// for the body when the user opens it (the `toggle` event).
    pub opened: &'a [String],
    /// Why each check matters and how to fix it, by rule id, once the page loaded them.
    pub docs: &'a CheckDocs,
}

impl Default for Choices<'_> {
    fn default() -> Self {
        Choices {
            panel: Panel::default(),
            dismissed: &[],
            opened: &[],
            docs: &NO_DOCS,
        }
    }
}

impl Choices<'_> {
    fn is_open(&self, id: &str) -> bool {
        self.opened.iter().any(|o| o == id)
    }
}

/// The children of the view's root element.
pub fn popup(view: &PopupView, choices: &Choices) -> Vec<VNode> {
    let mut out: Vec<VElement> = Vec::new();
    if let Some(cannot) = &view.cannot_record {
        // The page answers the button's click with `permissions.request`.
        out.push(
            h("div")
                .class("notice warn cannot-record")
                .id("cannot-record")
                .child(
                    h("p")
                        .child(h("strong").text(cannot.title))
                        .text(format!(" {}", cannot.text)),
                )
                .child(
                    h("button")
                        .id("grant-access")
                        .attr("type", "button")
                        .text(cannot.button),
                ),
        );
    }
    out.push(verdict(view));
    let notices: Vec<&Notice> = view
        .notices
        .iter()
        .filter(|n| !(n.dismissible && choices.dismissed.contains(&n.id)))
        .collect();
    out.push(
        h("div")
            .class("notices")
            .id("notices")
            .children(notices.into_iter().map(notice)),
    );
    if view.verdict.as_ref().is_some_and(|v| v.flow.is_some()) || view.review.total > 0 {
        out.push(tabs(view, choices.panel));
        out.push(checks_panel(view, choices));
        out.push(review_panel(view, choices));
    }
    out.into_iter().map(VNode::Element).collect()
}

/// The answer first: the verdict line, the flow's name, why it is incomplete, and what the
/// recorder is doing.
fn verdict(view: &PopupView) -> VElement {
    let status = h("p")
        .class("status-line")
        .id("status-line")
        .attr(
            "data-phase",
            view.phase
                .map(|p| format!("{p:?}").to_ascii_lowercase())
                .unwrap_or_default(),
        )
        .text(&view.status_line);
    let Some(verdict) = &view.verdict else {
        return h("section").class("verdict").id("verdict").child(status);
    };
    let VerdictView {
        kind,
        mark,
        line,
        why,
        assumed,
        flow,
    } = verdict;
    let mut block = h("section")
        .class(format!("verdict {kind}"))
        .id("verdict")
        .attr("data-verdict", kind.as_str())
        .attr("aria-labelledby", "verdict-line")
        .child(
            h("p")
                .class("verdict-line")
                .id("verdict-line")
                .attr("role", "status")
                .child(
                    h("span")
                        .class("icon")
                        .attr("aria-hidden", "true")
                        .text(*mark),
                )
                .child(h("span").class("verdict-text").text(line)),
        );
    if let Some(flow) = flow {
        block = block.child(h("p").class("flow-title").text(&flow.title));
        if !flow.detail.is_empty() {
            block = block.child(h("p").class("flow-detail").text(&flow.detail));
        }
    }
    if !why.is_empty() {
        block = block.child(
            h("ul")
                .class("verdict-why")
                .children(why.iter().map(|w| h("li").text(w))),
        );
    }
    if !assumed.is_empty() {
        block = block.child(
            h("details")
                .class("verdict-assumed")
                .child(h("summary").text(format!(
                    "Assumed without an expectations profile ({})",
                    assumed.len()
                )))
                .children(assumed.iter().map(|line| h("p").text(line))),
        );
    }
    block.child(status)
}

/// One compact line (cut to the width), the whole text and its detail on expand;
/// dismissible when it is only information.
fn notice(notice: &Notice) -> VElement {
    let glyph = if notice.level.as_str() == "warn" {
        "⚠"
    } else {
        "ℹ"
    };
    let mut body = h("details").class("notice-body").child(
        h("summary")
            .child(
                h("span")
                    .class("notice-glyph")
                    .attr("aria-hidden", "true")
                    .text(glyph),
            )
            .child(h("span").class("notice-text").text(&notice.text)),
    );
    if let Some(detail) = &notice.detail {
        body = body.child(h("p").class("notice-detail").text(detail));
    }
    let mut line = h("div")
        .class(format!("notice {}", notice.level))
        .key(&notice.id)
        .attr("data-notice", &notice.id)
        .child(body);
    if notice.dismissible {
        line = line.attr("data-dismissible", "true").child(
            h("button")
                .class("notice-dismiss")
                .attr("type", "button")
                .attr("data-dismiss", &notice.id)
                .attr("aria-label", format!("Dismiss: {}", notice.text))
                .attr("title", "Dismiss")
                .text("×"),
        );
    }
    line
}

fn tabs(view: &PopupView, panel: Panel) -> VElement {
    let tab = |id: &'static str, controls: &'static str, selected: bool, label: String| {
        h("button")
            .id(id)
            .class("tab")
            .attr("type", "button")
            .attr("role", "tab")
            .attr("aria-controls", controls)
            .attr("aria-selected", if selected { "true" } else { "false" })
            .attr("tabindex", if selected { "0" } else { "-1" })
            .text(label)
    };
    let review = if view.review.total > 0 {
        format!(
            "Review · {} of {} reviewed",
            view.review.reviewed, view.review.total
        )
    } else {
        "Review".to_string()
    };
    h("div")
        .class("tabs")
        .attr("role", "tablist")
        .attr("aria-label", "What to show")
        .child(tab(
            "tab-checks",
            "panel-checks",
            panel == Panel::Checks,
            "Checks".into(),
        ))
        .child(tab(
            "tab-review",
            "panel-review",
            panel == Panel::Review,
            review,
        ))
}

fn panel(id: &'static str, tab: &'static str, hidden: bool) -> VElement {
    h("div")
        .id(id)
        .class("panel")
        .attr("role", "tabpanel")
        .attr("aria-labelledby", tab)
        .flag("hidden", hidden)
}

/// The automated checks, verdict first, then the flow as it was seen.
fn checks_panel(view: &PopupView, choices: &Choices) -> VElement {
    let check = |c: &CheckView| check(c, choices);
    let mut out = panel("panel-checks", "tab-checks", choices.panel != Panel::Checks);
    if view.flows.len() > 1 {
        out = out.child(
            h("label").class("flow-picker").text("Flow ").child(
                h("select")
                    .id("flow-select")
                    .children(view.flows.iter().map(|flow| {
                        h("option")
                            .attr("value", flow.index.to_string())
                            .flag("selected", flow.selected)
                            .text(&flow.label)
                    })),
            ),
        );
    }
    let checks = &view.checks;
    let mut list = h("div").class("checklist").id("checklist");
    if !checks.blockers.is_empty() {
        list = list.child(
            h("section")
                .class("blockers")
                .id("blockers")
                .attr("aria-labelledby", "blockers-title")
                .child(h("h2").id("blockers-title").text(format!(
                    "Blockers ({}), most important first",
                    checks.blockers.len()
                )))
                .child(
                    h("ol").class("blocker-list").children(
                        checks
                            .blockers
                            .iter()
                            .map(|c| h("li").key(&c.id).child(check(c))),
                    ),
                ),
        );
    }
    list = list
        .maybe(fold("warnings", "!", &checks.warnings, choices))
        .maybe(fold("not-observed", "–", &checks.not_observed, choices));
    if !checks.settled.is_empty() {
        list = list.child(
            h("section")
                .class("settled")
                .id("settled")
                .child(h("h2").text("Passed, per section"))
                .children(checks.settled.iter().map(|section| {
                    let glyph = if section.checks.iter().any(|c| c.status == Status::Pass) {
                        "✓"
                    } else {
                        "·"
                    };
                    h("details")
                        .class("fold settled-section")
                        .key(section.id)
                        .attr("data-section", section.id)
                        .child(
                            h("summary")
                                .child(
                                    h("span")
                                        .class("icon")
                                        .attr("aria-hidden", "true")
                                        .text(glyph),
                                )
                                .child(h("span").class("fold-line").text(&section.line)),
                        )
                        .children(section.checks.iter().map(&check))
                })),
        );
    }
    out = out.child(list);
    if !view.timeline.is_empty() {
        let mut timeline = h("section")
            .class("timeline")
            .id("timeline")
            .child(h("h2").text("Timeline"))
            .child(
                h("ol")
                    .class("hops")
                    .children(view.timeline.iter().map(hop)),
            );
        if view.hidden_subresources > 0 {
            timeline = timeline.child(h("p").class("muted").text(format!(
                "{} subresource requests (images, scripts, styles) are not listed.",
                view.hidden_subresources
            )));
        }
        if let Some(end) = &view.end {
            timeline = timeline.child(h("p").class("end").text(end));
        }
        out = out.child(timeline);
    }
    if let Some(shot) = &view.screenshot {
        out = out.child(
            h("figure")
                .class("screenshot")
                .id("screenshot")
                .child(
                    h("img")
                        .attr("alt", "The consent page as the user saw it")
                        .attr("src", &shot.data_url),
                )
                .child(h("figcaption").text(format!("Consent page: {}", shot.url))),
        );
    }
    if !view.pages.is_empty() {
        out = out.child(
            h("details")
                .class("pages")
                .id("pages")
                .child(h("summary").text(format!("Pages seen ({})", view.pages.len())))
                .children(view.pages.iter().map(|page| {
                    h("dl")
                        .class("page")
                        .key(&page.url)
                        .attr("data-url", &page.url)
                        .child(h("dt").class("page-url").text(&page.url))
                        .children(page.facts.iter().map(|(name, value)| {
                            h("dd")
                                .attr("data-fact", *name)
                                .child(h("span").class("fact-name").text(*name))
                                .child(h("span").class("fact-value").text(value))
                        }))
                })),
        );
    }
    out
}

/// A folded group of checks: one line, the checks on expand.
fn fold(
    class: &'static str,
    glyph: &'static str,
    fold: &Fold,
    choices: &Choices,
) -> Option<VElement> {
    (!fold.checks.is_empty()).then(|| {
        h("details")
            .class(format!("fold {class}"))
            .id(match class {
                "warnings" => "warnings",
                _ => "not-observed",
            })
            .child(
                h("summary")
                    .child(
                        h("span")
                            .class("icon")
                            .attr("aria-hidden", "true")
                            .text(glyph),
                    )
                    .child(h("span").class("fold-line").text(&fold.line)),
            )
            .children(fold.checks.iter().map(|c| check(c, choices)))
    })
}

/// The items a person verifies, per section with its reviewed count.
fn review_panel(view: &PopupView, choices: &Choices) -> VElement {
    let review_section = |s: &ReviewSection| review_section(s, choices);
    let review = &view.review;
    let mut section = h("section").class("review").id("review");
    if review.total > 0 {
        section = section.child(h("h2").text(&review.line)).child(h("p").class("muted").text(
            "Tick what you verified; notes are kept in this browser for this deployment and go into the Markdown review.",
        ));
    }
    section = section.children(review.sections.iter().map(&review_section));
    if !review.skipped.is_empty() {
        section = section.child(
            h("details")
                .class("review-skipped")
                .child(h("summary").text(&review.skipped_line))
                .children(review.skipped.iter().map(&review_section)),
        );
    }
    panel("panel-review", "tab-review", choices.panel != Panel::Review).child(section)
}

fn review_section(section: &ReviewSection, choices: &Choices) -> VElement {
    h("section")
        .class("review-section")
        .key(section.id)
        .attr("data-section", section.id)
        .attr(
            "data-reviewed",
            format!("{}/{}", section.reviewed, section.total),
        )
        .child(h("h3").text(&section.line))
        .children(section.items.iter().map(|c| check(c, choices)))
}

/// A manual item, one line: its tick box and title; what to verify and the note on expand
/// (`data-manual-id` on the tick box and the note; the page script stores what the user
/// enters). `data-ticked` mirrors the tick.
fn manual(check: &CheckView, manual: &ManualView, open: bool) -> VElement {
    let tick = h("input")
        .class("manual-tick")
        .attr("type", "checkbox")
        .attr("data-manual-id", &check.id)
        .attr("aria-label", format!("Reviewed: {}", check.title))
        .flag("checked", manual.ticked)
        .flag("disabled", !manual.editable);
    let has_note = !manual.note.trim().is_empty();
    // Read-only (the viewer): a note is shown as text, and no empty field is offered.
    let note = if manual.editable {
        Some(
            h("textarea")
                .class("manual-note")
                .attr("data-manual-id", &check.id)
                .attr("rows", "2")
                .attr("aria-label", format!("Note on {}", check.title))
                .attr(
                    "placeholder",
                    "Note (kept in this browser, exported with the report)",
                )
                .text(&manual.note),
        )
    } else {
        has_note.then(|| {
            h("p")
                .class("manual-note-text")
                .child(h("span").class("fact-name").text("Note:"))
                .text(&manual.note)
        })
    };
    let more = match (manual.editable, has_note) {
        (_, true) => "What to verify, note ✎",
        (true, false) => "What to verify, note",
        (false, false) => "What to verify",
    };
    let mut details = h("details")
        .class("manual-more")
        .attr("data-opens", &check.id)
        .child(h("summary").text(more));
    if open {
        details = details
            .child(h("p").class("check-summary").text(&check.summary))
            .maybe(note);
    }
    h("div")
        .class(format!("check manual {}", check.status))
        .key(&check.id)
        .attr("data-check", &check.id)
        .attr("data-status", check.status.as_str())
        .attr("data-ticked", if manual.ticked { "true" } else { "false" })
        .child(
            h("div")
                .class("manual-head")
                .child(tick)
                .child(h("span").class("title").text(&check.title)),
        )
        .child(details)
}

/// An automated check: glyph, title and status word, what it found and (failures) where it
/// is fixed on one line; the evidence and the rule's documentation on expand.
fn check(check: &CheckView, choices: &Choices) -> VElement {
    let open = choices.is_open(&check.id);
    if let Some(m) = &check.manual {
        return manual(check, m, open);
    }
    let mut summary = h("summary")
        .child(
            h("span")
                .class("icon")
                .attr("aria-hidden", "true")
                .text(check.icon),
        )
        .child(h("span").class("title").text(&check.title))
        .child(
            h("span")
                .class("status-label")
                .text(status_word(check.status)),
        )
        .child(h("span").class("check-summary").text(&check.summary));
    if check.status == Status::Fail && !check.fixed_in.is_empty() {
        summary = summary.child(
            h("span")
                .class("fixed-in")
                .child(h("span").class("fixed-in-label").text("Fix in: "))
                .text(check.fixed_in.join("; ")),
        );
    }
    h("details")
        .class(format!("check {}", check.status))
        .key(&check.id)
        .attr("data-check", &check.id)
        .attr("data-status", check.status.as_str())
        .attr("data-opens", &check.id)
        .child(summary)
        .maybe(open.then(|| check_body(check, choices.docs.get(&check.id))))
}

/// What an automated check shows on expand: its evidence and its rule's documentation.
fn check_body(check: &CheckView, doc: Option<&CheckDoc>) -> VElement {
    let mut body = h("div")
        .class("check-body")
        .child(h("p").class("check-id").text(&check.id));
    if !check.evidence.is_empty() {
        body = body.child(h("h3").text("Evidence")).child(
            h("ul")
                .class("evidence")
                .children(check.evidence.iter().map(|line| h("li").text(line))),
        );
    }
    if !check.assumptions.is_empty() {
        body = body.child(h("h3").text("Assumed")).child(
            h("ul")
                .class("assumptions")
                .children(check.assumptions.iter().map(|line| h("li").text(line))),
        );
    }
    if let Some(doc) = doc {
        if !doc.why.is_empty() {
            body = body
                .child(h("h3").text("Why it matters"))
                .child(h("p").class("doc why").text(&doc.why));
        }
        if !doc.fix.is_empty() {
            body = body
                .child(h("h3").text("How to fix"))
                .child(h("p").class("doc fix").text(&doc.fix));
        }
    }
    if !check.fixed_in.is_empty() {
        body = body.child(h("h3").text("Where it is fixed")).child(
            h("ul")
                .class("fixed-in-list")
                .children(check.fixed_in.iter().map(|place| h("li").text(place))),
        );
    }
    body
}

/// The status as a person reads it beside its glyph.
fn status_word(status: Status) -> &'static str {
    match status {
        Status::Fail => "fail",
        Status::Warn => "warning",
        Status::Pass => "pass",
        Status::NotObserved => "not observed",
        Status::Manual => "to review",
        Status::Skipped => "skipped",
    }
}

fn hop(hop: &HopView) -> VElement {
    let mut item = h("li")
        .class("hop")
        .key(hop.index.to_string())
        .attr("data-hop", hop.index.to_string())
        .attr("data-role", hop.role.as_str())
        .attr("title", &hop.url)
        .child(h("span").class("role").text(hop.role.as_str()))
        .child(h("span").class("method").text(&hop.method))
        .child(h("span").class("host").text(&hop.host))
        .child(h("span").class("http-status").text(&hop.status));
    if !hop.params.is_empty() {
        item = item.child(
            h("div").class("params").children(
                hop.params
                    .iter()
                    .map(|(name, value)| h("code").text(format!("{name}={value}"))),
            ),
        );
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlens_core::render::view::{build, PopupInput};
    use flowlens_core::testing::good_flow;
    use flowlens_core::{analyze, Profile};

    fn root(children: Vec<VNode>) -> VElement {
        let mut root = h("main");
        root.children = children;
        root
    }

    fn described(report: flowlens_core::Report, choices: &Choices) -> VElement {
        let view = build(&PopupInput {
            report: Some(report),
            ..PopupInput::default()
        });
        root(popup(&view, choices))
    }

    fn failing_report() -> flowlens_core::Report {
        let trace = good_flow()
            .replace_in_urls("auth.acme.test", "acme-x7q2.scalekit.com")
            .build();
        analyze(&trace, &Profile::default())
    }

    #[test]
    fn every_check_is_described_once_with_its_hooks_whatever_is_folded() {
        let report = failing_report();
        for panel in [Panel::Checks, Panel::Review] {
            let tree = described(
                report.clone(),
                &Choices {
                    panel,
                    ..Choices::default()
                },
            );
            let mut shown: Vec<(String, String)> = tree
                .descendants()
                .into_iter()
                .filter_map(|e| Some((e.get("data-check")?.into(), e.get("data-status")?.into())))
                .collect();
            let mut expected: Vec<(String, String)> = report
                .checks
                .iter()
                .map(|c| (c.id.clone(), c.status.as_str().to_string()))
                .collect();
            shown.sort();
            expected.sort();
            assert_eq!(shown, expected);
        }
    }

    #[test]
    fn the_verdict_comes_first_then_the_ranked_blockers_with_where_they_are_fixed() {
        let report = failing_report();
        let tree = described(report.clone(), &Choices::default());
        let first = match &tree.children[0] {
            VNode::Element(e) => e,
            VNode::Text(_) => panic!("an element first"),
        };
        assert_eq!(first.get("id"), Some("verdict"));
        assert_eq!(first.get("data-verdict"), Some("not-ready"));
        assert!(first.text_content().contains("Not ready"));
        let blockers: Vec<&VElement> = tree
            .descendants()
            .into_iter()
            .filter(|e| e.get("id") == Some("blockers"))
            .collect();
        let ids: Vec<&str> = blockers[0]
            .descendants()
            .into_iter()
            .filter_map(|e| e.get("data-check"))
            .collect();
        let expected: Vec<&str> = report.flows[0]
            .verdict
            .as_ref()
            .expect("a verdict")
            .blockers
            .iter()
            .map(|b| b.check.as_str())
            .collect();
        assert_eq!(ids, expected);
        assert!(!ids.is_empty());
        assert!(blockers[0].text_content().contains("Fix in: "));
    }

    #[test]
    fn a_check_is_described_with_its_evidence_once_opened() {
        let report = failing_report();
        let body_of = |tree: &VElement, id: &str| {
            tree.descendants()
                .into_iter()
                .find(|e| e.get("data-check") == Some(id))
                .map(|e| e.descendants().iter().any(|d| d.has_class("check-body")))
                .expect("the check")
        };
        let folded = described(report.clone(), &Choices::default());
        assert!(!body_of(&folded, "custom-domain-authorize"));
        let opened = ["custom-domain-authorize".to_string()];
        let tree = described(
            report,
            &Choices {
                opened: &opened,
                ..Choices::default()
            },
        );
        assert!(body_of(&tree, "custom-domain-authorize"));
        assert!(!body_of(&tree, "custom-domain-pages"));
        assert!(tree.text_content().contains("Where it is fixed"));
        // The rule's documentation once the page loaded it (after the first paint).
        assert!(!tree.text_content().contains("How to fix"));
        let docs = flowlens_core::render::view::check_docs();
        let documented = described(
            failing_report(),
            &Choices {
                opened: &opened,
                docs: &docs,
                ..Choices::default()
            },
        );
        let text = documented.text_content();
        assert!(text.contains("How to fix"), "{text}");
        assert!(
            text.contains(&docs["custom-domain-authorize"].fix),
            "{text}"
        );
    }

    /// The viewer (read only): a manual item's note shows as text; no empty, disabled field
    /// is offered where nothing was noted.
    #[test]
    fn a_read_only_review_shows_notes_as_text_and_no_empty_fields() {
        use flowlens_core::manual::{Answer, Answers};
        let mut answers = Answers::default();
        answers.insert(
            "manual-runbook".into(),
            Answer {
                ticked: true,
                note: Some("runbook at wiki/oncall".into()),
            },
        );
        let trace = good_flow().build();
        let report = flowlens_core::report::ReportBuilder::new(&trace, &Profile::default())
            .manual_answers(&answers)
            .build();
        let view = build(&PopupInput {
            report: Some(report),
            read_only: true,
            ..PopupInput::default()
        });
        let opened = ["manual-runbook".to_string(), "manual-alerts".to_string()];
        let tree = root(popup(
            &view,
            &Choices {
                panel: Panel::Review,
                opened: &opened,
                ..Choices::default()
            },
        ));
        let item = |id: &str| {
            tree.descendants()
                .into_iter()
                .find(|e| e.get("data-check") == Some(id))
                .expect("the item")
        };
        for id in ["manual-runbook", "manual-alerts"] {
            assert!(
                !item(id).descendants().iter().any(|e| e.tag == "textarea"),
                "{id}: no field to type in"
            );
        }
        assert!(item("manual-runbook")
            .text_content()
            .contains("Note:runbook at wiki/oncall"));
        let alerts = item("manual-alerts").text_content();
        assert!(
            alerts.contains("What to verify") && !alerts.contains("What to verify, note"),
            "{alerts}"
        );
    }

    #[test]
    fn the_review_is_its_own_panel_and_a_dismissed_notice_is_gone() {
        let report = failing_report();
        let view = build(&PopupInput {
            report: Some(report),
            // "Flowlens is not allowed in incognito windows": information, dismissible.
            incognito: flowlens_core::render::view::IncognitoInfo {
                allowed: Some(false),
                current_window: false,
            },
            ..PopupInput::default()
        });
        let notice = view
            .notices
            .iter()
            .find(|n| n.dismissible)
            .expect("an information notice")
            .id
            .clone();
        let tree = root(popup(
            &view,
            &Choices {
                panel: Panel::Review,
                dismissed: std::slice::from_ref(&notice),
                ..Choices::default()
            },
        ));
        let by_id = |id: &str| {
            tree.descendants()
                .into_iter()
                .find(|e| e.get("id") == Some(id))
                .cloned()
                .expect(id)
        };
        assert_eq!(by_id("panel-checks").get("hidden"), Some(""));
        assert_eq!(by_id("panel-review").get("hidden"), None);
        assert_eq!(by_id("tab-review").get("aria-selected"), Some("true"));
        assert!(by_id("tab-review")
            .text_content()
            .contains("of 69 reviewed"));
        assert!(!tree
            .descendants()
            .iter()
            .any(|e| e.get("data-notice") == Some(notice.as_str())));
        // Manual items are only in the review, each with its tick box and note.
        let checks = by_id("panel-checks");
        assert!(!checks.descendants().iter().any(|e| e.has_class("manual")));
        let review = by_id("panel-review");
        let items = review
            .descendants()
            .into_iter()
            .filter(|e| e.has_class("manual"))
            .count();
        let ticks = review
            .descendants()
            .into_iter()
            .filter(|e| e.has_class("manual-tick"))
            .count();
        assert_eq!(items, ticks);
        assert!(items >= 69);
    }
}
