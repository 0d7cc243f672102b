//! The popup, side panel and viewer, described as elements ([`VNode`]s) from the core's view
//! model (`flowlens_core::render::view`); [`crate::mount`] writes them into the page.
//!
//! Every string that may come from a page or a URL is a text node or an attribute value,
//! never HTML. Stable hooks for tests and users' automation: each check is an element with
//! `data-check="<id>"` and `data-status="<status>"`, each hop of the timeline has `data-hop`
//! and `data-role`. Manual items also have `data-ticked`, and their tick box
//! (`input.manual-tick`) and note (`textarea.manual-note`) `data-manual-id`.

use flowlens_core::render::view::{
    self as view_model, CheckView, HopView, ManualView, PopupView, SectionView,
};

use crate::vnode::{h, VElement, VNode};

/// The children of the view's root element.
pub fn popup(view: &PopupView) -> Vec<VNode> {
    let mut out: Vec<VElement> = Vec::new();
    let mut status = h("p")
        .class("status-line")
        .id("status-line")
        .text(&view.status_line);
    if let Some(phase) = view.phase {
        status = status.attr("data-phase", format!("{phase:?}").to_lowercase());
    }
    out.push(status);

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

    out.push(
        h("div").class("notices").id("notices").children(
            view.notices
                .iter()
                .map(|n| h("p").class(format!("notice {}", n.level)).text(&n.text)),
        ),
    );

    if !view.summary.is_empty() {
        out.push(
            h("p")
                .class("summary")
                .id("summary")
                .children(view.summary.iter().map(|(status, n)| {
                    h("span")
                        .class(format!("count {status}"))
                        .attr("data-count", status.as_str())
                        .text(format!("{} {n} {status}", view_model::glyph(*status)))
                })),
        );
    }

    if view.flows.len() > 1 {
        out.push(
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

    out.push(
        h("div")
            .class("checklist")
            .id("checklist")
            .children(view.sections.iter().map(section)),
    );

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
        out.push(timeline);
    }

    if !view.pages.is_empty() {
        out.push(
            h("section")
                .class("pages")
                .id("pages")
                .child(h("h2").text("Pages seen"))
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

    if let Some(shot) = &view.screenshot {
        out.push(
            h("figure")
                .class("screenshot")
                .id("screenshot")
                .child(
                    h("img")
                        .attr("alt", "The consent page as the user saw it")
                        .attr("src", &shot.data_url),
                )
                .child(h("figcaption").text(&shot.url)),
        );
    }
    out.into_iter().map(VNode::Element).collect()
}

fn section(section: &SectionView) -> VElement {
    h("section")
        .class("section")
        .key(section.id)
        .attr("data-section", section.id)
        .child(
            h("h2")
                .text(&section.title)
                .child(h("span").class("counts").text(&section.counts)),
        )
        .children(section.checks.iter().map(check))
}

/// A manual item: guidance, a tick box and a note field (`data-manual-id` on both; the page
/// script stores what the user enters). `data-ticked` mirrors the tick.
fn manual(check: &CheckView, manual: &ManualView) -> VElement {
    let mut tick = h("input")
        .class("manual-tick")
        .attr("type", "checkbox")
        .attr("data-manual-id", &check.id)
        .flag("checked", manual.ticked);
    let mut note = h("textarea")
        .class("manual-note")
        .attr("data-manual-id", &check.id)
        .attr("rows", "1")
        .attr("aria-label", format!("Note on {}", check.title))
        .attr(
            "placeholder",
            "Note (kept in this browser, exported with the report)",
        )
        .text(&manual.note);
    if !manual.editable {
        tick = tick.flag("disabled", true);
        note = note.flag("disabled", true);
    }
    h("div")
        .class("check manual")
        .key(&check.id)
        .attr("data-check", &check.id)
        .attr("data-status", check.status.as_str())
        .attr("data-ticked", if manual.ticked { "true" } else { "false" })
        .child(
            h("label")
                .class("manual-head")
                .child(tick)
                .child(h("span").class("title").text(&check.title))
                .child(h("span").class("status-label").text(check.status.as_str())),
        )
        .child(
            h("details")
                .class("manual-guidance")
                .child(h("summary").text("What to verify"))
                .child(h("p").class("check-summary").text(&check.summary)),
        )
        .child(note)
}

fn check(check: &CheckView) -> VElement {
    if let Some(m) = &check.manual {
        return manual(check, m);
    }
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
    if !check.why.is_empty() {
        body = body
            .child(h("h3").text("Why it matters"))
            .child(h("p").class("doc why").text(&check.why));
    }
    if !check.fix.is_empty() {
        body = body
            .child(h("h3").text("How to fix"))
            .child(h("p").class("doc fix").text(&check.fix));
    }
    h("details")
        .class(format!("check {}", check.status))
        .key(&check.id)
        .attr("data-check", &check.id)
        .attr("data-status", check.status.as_str())
        .child(
            h("summary")
                .child(h("span").class("icon").text(check.icon))
                .child(h("span").class("title").text(&check.title))
                .child(h("span").class("status-label").text(check.status.as_str()))
                .child(h("span").class("check-summary").text(&check.summary)),
        )
        .child(body)
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
