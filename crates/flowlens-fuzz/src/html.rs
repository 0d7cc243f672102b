//! A page's HTML as a HAR keeps it: what [`flowlens_core::page::html`] reads of it must stay
//! within the content script's caps, and a flow whose page it is must analyse and render.
//!
//! Seeds are the HTML bodies of the seed HARs' pages ([`html_flows`]); a fuzzed body replaces
//! one of them, chosen by the input's length, in a copy of its flow.

use std::sync::OnceLock;

use flowlens_core::limits::{
    MAX_FAVICONS, MAX_PAGE_BODY_TEXT, MAX_PAGE_FIELDS, MAX_PAGE_FORMS, MAX_PAGE_IMAGES,
    MAX_PAGE_LIST, MAX_PAGE_TEXT, MAX_URL,
};
use flowlens_core::page::html::{looks_scripted, snapshot_from_html, MAX_HTML_SCAN};
use flowlens_core::page::{choose, kind};
use flowlens_core::stdx::cut::prefix_at_char_boundary;
use flowlens_core::trace::{Body, PageSnapshot};
use flowlens_core::{Profile, Trace};

/// Bytes as the HTML of a page: read into facts, judged, then analysed in a flow.
pub fn page_html(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let html = prefix_at_char_boundary(&text, MAX_HTML_SCAN);
    let url = "https://auth.acme.test/u/login?state=s";
    let page = snapshot_from_html(url, html, html.len() < text.len());
    within_caps(&page);
    let _ = looks_scripted(&page, html);
    let _ = (
        kind::infer(&page),
        kind::looks_like_consent(&page),
        kind::offers_a_decision(&page),
    );
    let _ = (
        choose::logo(&page),
        choose::primary_button(&page),
        choose::primary_button_colors(&page),
        choose::app_name(&page),
    );
    let json = serde_json::to_string(&page).unwrap_or_else(|e| panic!("page facts JSON: {e}"));
    let back: PageSnapshot = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("page facts do not read back from their JSON: {e}"));
    assert_eq!(back, page, "page facts change through their JSON form");

    let flows = html_flows();
    if flows.is_empty() {
        return;
    }
    let (trace, pages) = &flows[data.len() % flows.len()];
    let mut trace = trace.clone();
    let at = pages[data.len() / flows.len() % pages.len()];
    if let Some(response) = trace.exchanges[at].response.as_mut() {
        // As the HAR importer keeps an HTML body: cut at the same size.
        let kept = prefix_at_char_boundary(&text, flowlens_core::limits::MAX_HTML_BODY);
        response.body = Some(Body {
            mime_type: "text/html; charset=utf-8".into(),
            text: kept.to_string(),
            truncated: kept.len() < text.len(),
        });
    }
    crate::check_analysis(&trace, &Profile::default(), &[], None);
}

/// What the content script's caps ([`flowlens_core::limits`]) allow, a page read from HTML
/// has too.
fn within_caps(page: &PageSnapshot) {
    let short = |what: &str, s: &str, max: usize| {
        assert!(s.len() <= max, "{what} of {} bytes, over {max}", s.len());
    };
    let few = |what: &str, n: usize, max: usize| {
        assert!(n <= max, "{n} {what}, over {max}");
    };
    short("title", page.title.as_deref().unwrap_or(""), MAX_PAGE_TEXT);
    short(
        "text",
        page.text.as_deref().unwrap_or(""),
        MAX_PAGE_BODY_TEXT,
    );
    few("headings", page.headings.len(), MAX_PAGE_LIST);
    few("buttons", page.buttons.len(), MAX_PAGE_LIST);
    few("links", page.links.len(), MAX_PAGE_LIST);
    few("list items", page.list_items.len(), MAX_PAGE_LIST);
    few("hidden fields", page.hidden_fields.len(), MAX_PAGE_LIST);
    few("name hints", page.name_hints.len(), MAX_PAGE_LIST);
    few("forms", page.forms.len(), MAX_PAGE_FORMS);
    few("images", page.images.len(), MAX_PAGE_IMAGES);
    few("favicons", page.favicons.len(), MAX_FAVICONS);
    few("powered-by texts", page.powered_by.len(), MAX_PAGE_LIST);
    for h in &page.headings {
        short("a heading", &h.text, MAX_PAGE_TEXT);
    }
    for b in &page.buttons {
        short("a button's text", &b.text, MAX_PAGE_TEXT);
        short("a button's name", &b.name, MAX_PAGE_TEXT);
        short("a button's value", &b.value, MAX_PAGE_TEXT);
    }
    for l in &page.links {
        short("a link's text", &l.text, MAX_PAGE_TEXT);
        short("a link", &l.href, MAX_URL);
    }
    for item in &page.list_items {
        short("a list item", item, MAX_PAGE_TEXT);
    }
    for f in &page.hidden_fields {
        short("a hidden field's name", &f.name, MAX_PAGE_TEXT);
        short("a hidden field's value", &f.value, MAX_PAGE_TEXT);
    }
    for h in &page.name_hints {
        short("a name hint", &h.hint, MAX_PAGE_TEXT);
        short("a name hint's text", &h.text, MAX_PAGE_TEXT);
    }
    for form in &page.forms {
        short("a form's action", &form.action, MAX_URL);
        few("fields in a form", form.fields.len(), MAX_PAGE_FIELDS);
        for field in &form.fields {
            short("a field's name", &field.name, MAX_PAGE_TEXT);
            short(
                "a field's label",
                field.label.as_deref().unwrap_or(""),
                MAX_PAGE_TEXT,
            );
            short(
                "a field's value",
                field.value.as_deref().unwrap_or(""),
                MAX_PAGE_TEXT,
            );
        }
    }
    for image in &page.images {
        short("an image", &image.src, MAX_URL);
        short(
            "an image's alt",
            image.alt.as_deref().unwrap_or(""),
            MAX_PAGE_TEXT,
        );
        short("an image's hint", &image.hint, MAX_PAGE_TEXT);
    }
    for icon in &page.favicons {
        short("a favicon", &icon.href, MAX_URL);
    }
}

/// The seed traces whose pages a HAR kept as HTML, each with those pages' exchanges.
pub fn html_flows() -> &'static [(Trace, Vec<usize>)] {
    static FLOWS: OnceLock<Vec<(Trace, Vec<usize>)>> = OnceLock::new();
    FLOWS.get_or_init(|| {
        crate::seeds::traces()
            .iter()
            .filter(|trace| trace.pages.is_empty())
            .map(|trace| (trace.clone(), html_pages(trace)))
            .filter(|(_, pages)| !pages.is_empty())
            .collect()
    })
}

/// The exchanges of `trace` that are pages with an HTML body.
pub fn html_pages(trace: &Trace) -> Vec<usize> {
    trace
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, ex)| {
            ex.is_document()
                && ex
                    .response_mime()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("html"))
                && ex
                    .response_body_text()
                    .is_some_and(|t| !t.trim().is_empty())
        })
        .map(|(i, _)| i)
        .collect()
}
