//! Writes the popup as DOM elements.
//!
//! Every string that may come from a page or a URL is set with `set_text_content` (or as an
//! attribute value), never parsed as HTML. Stable hooks for tests and users' automation:
//! each check is an element with `data-check="<id>"` and `data-status="<status>"`, each hop
//! of the timeline has `data-hop` and `data-role`. Manual items also have `data-ticked`, and
//! their tick box (`input.manual-tick`) and note (`textarea.manual-note`) `data-manual-id`.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::convert::from_js;
use flowlens_core::render::view::{
    self as view_model, CheckView, HopView, ManualView, PopupInput, PopupView, SectionView,
};

/// `renderPopup(root, input)`: replaces the content of `root` with the popup for `input`
/// (`{report, screenshots, state, activeTab, selectedFlow, incognito, hostAccess, …}`). When
/// Flowlens cannot record, the block `#cannot-record` holds the button `#grant-access`.
#[wasm_bindgen(js_name = renderPopup)]
pub fn render_popup(root: &Element, input: JsValue) -> Result<(), JsError> {
    let input: PopupInput = from_js(input, "popup input")?;
    let view = view_model::build(&input);
    let document = root
        .owner_document()
        .ok_or_else(|| JsError::new("the root element has no document"))?;
    let out = Writer { document };
    root.set_text_content(None);
    out.render(root, &view).map_err(js_error)
}

fn js_error(e: JsValue) -> JsError {
    JsError::new(&format!("rendering the popup failed: {e:?}"))
}

struct Writer {
    document: Document,
}

impl Writer {
    /// An element with a class and a text (as text, never HTML).
    fn el(&self, tag: &str, class: &str, text: Option<&str>) -> Result<Element, JsValue> {
        let element = self.document.create_element(tag)?;
        if !class.is_empty() {
            element.set_class_name(class);
        }
        if let Some(text) = text {
            element.set_text_content(Some(text));
        }
        Ok(element)
    }

    fn add(
        &self,
        parent: &Element,
        tag: &str,
        class: &str,
        text: Option<&str>,
    ) -> Result<Element, JsValue> {
        let element = self.el(tag, class, text)?;
        parent.append_child(&element)?;
        Ok(element)
    }

    fn render(&self, root: &Element, view: &PopupView) -> Result<(), JsValue> {
        let status = self.add(root, "p", "status-line", Some(&view.status_line))?;
        status.set_id("status-line");
        if let Some(phase) = view.phase {
            status.set_attribute("data-phase", &format!("{phase:?}").to_lowercase())?;
        }

        if let Some(cannot) = &view.cannot_record {
            // popup.js answers the button's click with `permissions.request`.
            let block = self.add(root, "div", "notice warn cannot-record", None)?;
            block.set_id("cannot-record");
            let text = self.add(&block, "p", "", None)?;
            self.add(&text, "strong", "", Some(cannot.title))?;
            text.append_with_str_1(&format!(" {}", cannot.text))?;
            let button = self.add(&block, "button", "", Some(cannot.button))?;
            button.set_id("grant-access");
            button.set_attribute("type", "button")?;
        }

        let notices = self.add(root, "div", "notices", None)?;
        notices.set_id("notices");
        for notice in &view.notices {
            self.add(
                &notices,
                "p",
                &format!("notice {}", notice.level),
                Some(&notice.text),
            )?;
        }

        if !view.summary.is_empty() {
            let summary = self.add(root, "p", "summary", None)?;
            summary.set_id("summary");
            for (status, n) in &view.summary {
                let count = self.add(
                    &summary,
                    "span",
                    &format!("count {status}"),
                    Some(&format!("{} {n} {status}", view_model::glyph(*status))),
                )?;
                count.set_attribute("data-count", status.as_str())?;
            }
        }

        if view.flows.len() > 1 {
            let label = self.add(root, "label", "flow-picker", Some("Flow "))?;
            let select = self.add(&label, "select", "", None)?;
            select.set_id("flow-select");
            for flow in &view.flows {
                let option = self.add(&select, "option", "", Some(&flow.label))?;
                option.set_attribute("value", &flow.index.to_string())?;
                if flow.selected {
                    option.set_attribute("selected", "")?;
                }
            }
        }

        let checklist = self.add(root, "div", "checklist", None)?;
        checklist.set_id("checklist");
        for section in &view.sections {
            self.section(&checklist, section)?;
        }

        if !view.timeline.is_empty() {
            let timeline = self.add(root, "section", "timeline", None)?;
            timeline.set_id("timeline");
            self.add(&timeline, "h2", "", Some("Timeline"))?;
            let list = self.add(&timeline, "ol", "hops", None)?;
            for hop in &view.timeline {
                self.hop(&list, hop)?;
            }
            if view.hidden_subresources > 0 {
                self.add(
                    &timeline,
                    "p",
                    "muted",
                    Some(&format!(
                        "{} subresource requests (images, scripts, styles) are not listed.",
                        view.hidden_subresources
                    )),
                )?;
            }
            if let Some(end) = &view.end {
                self.add(&timeline, "p", "end", Some(end))?;
            }
        }

        if !view.pages.is_empty() {
            let pages = self.add(root, "section", "pages", None)?;
            pages.set_id("pages");
            self.add(&pages, "h2", "", Some("Pages seen"))?;
            for page in &view.pages {
                let item = self.add(&pages, "dl", "page", None)?;
                item.set_attribute("data-url", &page.url)?;
                self.add(&item, "dt", "page-url", Some(&page.url))?;
                for (name, value) in &page.facts {
                    let row = self.add(&item, "dd", "", None)?;
                    row.set_attribute("data-fact", name)?;
                    self.add(&row, "span", "fact-name", Some(name))?;
                    self.add(&row, "span", "fact-value", Some(value))?;
                }
            }
        }

        if let Some(shot) = &view.screenshot {
            let figure = self.add(root, "figure", "screenshot", None)?;
            figure.set_id("screenshot");
            let img = self.add(&figure, "img", "", None)?;
            img.set_attribute("alt", "The consent page as the user saw it")?;
            img.set_attribute("src", &shot.data_url)?;
            self.add(&figure, "figcaption", "", Some(&shot.url))?;
        }
        Ok(())
    }

    fn section(&self, parent: &Element, section: &SectionView) -> Result<(), JsValue> {
        let element = self.add(parent, "section", "section", None)?;
        element.set_attribute("data-section", section.id)?;
        let heading = self.add(&element, "h2", "", Some(&section.title))?;
        self.add(&heading, "span", "counts", Some(&section.counts))?;
        for check in &section.checks {
            self.check(&element, check)?;
        }
        Ok(())
    }

    /// A manual item: guidance, a tick box and a note field (`data-manual-id` on both; the
    /// popup script stores what the user enters). `data-ticked` mirrors the tick.
    fn manual(
        &self,
        parent: &Element,
        check: &CheckView,
        manual: &ManualView,
    ) -> Result<(), JsValue> {
        let item = self.add(parent, "div", "check manual", None)?;
        item.set_attribute("data-check", &check.id)?;
        item.set_attribute("data-status", check.status.as_str())?;
        item.set_attribute("data-ticked", if manual.ticked { "true" } else { "false" })?;
        let head = self.add(&item, "label", "manual-head", None)?;
        let tick = self.add(&head, "input", "manual-tick", None)?;
        tick.set_attribute("type", "checkbox")?;
        tick.set_attribute("data-manual-id", &check.id)?;
        if manual.ticked {
            tick.set_attribute("checked", "")?;
        }
        self.add(&head, "span", "title", Some(&check.title))?;
        self.add(&head, "span", "status-label", Some(check.status.as_str()))?;
        // 69 items: the guidance waits behind "What to verify" so the checklist stays short.
        let guidance = self.add(&item, "details", "manual-guidance", None)?;
        self.add(&guidance, "summary", "", Some("What to verify"))?;
        self.add(&guidance, "p", "check-summary", Some(&check.summary))?;
        let note = self.add(&item, "textarea", "manual-note", None)?;
        note.set_attribute("data-manual-id", &check.id)?;
        note.set_attribute("rows", "1")?;
        note.set_attribute("aria-label", &format!("Note on {}", check.title))?;
        note.set_attribute(
            "placeholder",
            "Note (kept in this browser, exported with the report)",
        )?;
        note.set_text_content(Some(&manual.note));
        if !manual.editable {
            tick.set_attribute("disabled", "")?;
            note.set_attribute("disabled", "")?;
        }
        Ok(())
    }

    fn check(&self, parent: &Element, check: &CheckView) -> Result<(), JsValue> {
        if let Some(manual) = &check.manual {
            return self.manual(parent, check, manual);
        }
        let details = self.add(parent, "details", &format!("check {}", check.status), None)?;
        details.set_attribute("data-check", &check.id)?;
        details.set_attribute("data-status", check.status.as_str())?;
        let summary = self.add(&details, "summary", "", None)?;
        self.add(&summary, "span", "icon", Some(check.icon))?;
        self.add(&summary, "span", "title", Some(&check.title))?;
        self.add(
            &summary,
            "span",
            "status-label",
            Some(check.status.as_str()),
        )?;
        self.add(&summary, "span", "check-summary", Some(&check.summary))?;

        let body = self.add(&details, "div", "check-body", None)?;
        self.add(&body, "p", "check-id", Some(&check.id))?;
        if !check.evidence.is_empty() {
            self.add(&body, "h3", "", Some("Evidence"))?;
            let list = self.add(&body, "ul", "evidence", None)?;
            for line in &check.evidence {
                self.add(&list, "li", "", Some(line))?;
            }
        }
        if !check.assumptions.is_empty() {
            self.add(&body, "h3", "", Some("Assumed"))?;
            let list = self.add(&body, "ul", "assumptions", None)?;
            for line in &check.assumptions {
                self.add(&list, "li", "", Some(line))?;
            }
        }
        if !check.why.is_empty() {
            self.add(&body, "h3", "", Some("Why it matters"))?;
            self.add(&body, "p", "doc why", Some(&check.why))?;
        }
        if !check.fix.is_empty() {
            self.add(&body, "h3", "", Some("How to fix"))?;
            self.add(&body, "p", "doc fix", Some(&check.fix))?;
        }
        Ok(())
    }

    fn hop(&self, list: &Element, hop: &HopView) -> Result<(), JsValue> {
        let item = self.add(list, "li", "hop", None)?;
        item.set_attribute("data-hop", &hop.index.to_string())?;
        item.set_attribute("data-role", hop.role.as_str())?;
        item.set_attribute("title", &hop.url)?;
        self.add(&item, "span", "role", Some(hop.role.as_str()))?;
        self.add(&item, "span", "method", Some(&hop.method))?;
        self.add(&item, "span", "host", Some(&hop.host))?;
        self.add(&item, "span", "http-status", Some(&hop.status))?;
        if !hop.params.is_empty() {
            let params = self.add(&item, "div", "params", None)?;
            for (name, value) in &hop.params {
                self.add(&params, "code", "", Some(&format!("{name}={value}")))?;
            }
        }
        Ok(())
    }
}
