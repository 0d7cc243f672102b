//! The popup view rendered into a real document: stable `data-check` hooks, text-only
//! rendering of page-controlled strings.
#![cfg(all(target_arch = "wasm32", feature = "view"))]

use flowlens_core::testing::good_flow;
use flowlens_core::trace::PageSnapshot;
use flowlens_core::{analyze, Profile};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PAYLOAD: &str = "<img src=x onerror=alert(1)>Acme Calendar";

/// Renders `{report, pages, screenshots}` (an opened file) with a page context.
fn render(opened: serde_json::Value, context: serde_json::Value) -> web_sys::Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("main").expect("an element");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    let mut analysis = flowlens_wasm::analysis::Analysis::new();
    analysis.show_opened(&opened.to_string()).expect("opened");
    analysis
        .set_context(Some(context.to_string()))
        .expect("context");
    analysis.render(&root).expect("rendered");
    root
}

#[wasm_bindgen_test]
fn every_check_has_its_hooks_and_page_text_stays_text() {
    let trace = good_flow()
        .edit(|t| {
            t.pages.push(PageSnapshot {
                time_ms: f64::MAX,
                url: "https://auth.acme.test/oauth/consent?id=c1".into(),
                title: Some(PAYLOAD.into()),
                app_name: Some(PAYLOAD.into()),
                ..PageSnapshot::default()
            })
        })
        .build();
    let report = analyze(&trace, &Profile::default());
    let root = render(
        serde_json::json!({ "report": report, "pages": trace.pages }),
        serde_json::json!({}),
    );

    // Every check once, folded or not, with its id and status.
    let checks = root.query_selector_all("[data-check]").expect("query");
    assert_eq!(checks.length() as usize, report.checks.len());
    let mut shown: Vec<(String, String)> = (0..checks.length())
        .map(|i| {
            let node = checks.get(i).expect("a node");
            let element: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&node);
            (
                element.get_attribute("data-check").unwrap_or_default(),
                element.get_attribute("data-status").unwrap_or_default(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.status.as_str().to_string()))
        .collect();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);
    // The verdict comes first, then the blockers in the verdict's order.
    let verdict = root
        .query_selector("#verdict")
        .expect("query")
        .expect("verdict");
    assert_eq!(
        verdict.get_attribute("data-verdict").as_deref(),
        Some("not-ready")
    );
    let first = root.first_element_child().expect("children");
    assert_eq!(first.id(), "verdict", "the verdict comes first");
    let blockers = root
        .query_selector_all("#blockers [data-check]")
        .expect("query");
    let ranked: Vec<String> = (0..blockers.length())
        .map(|i| {
            let node = blockers.get(i).expect("a node");
            let element: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&node);
            element.get_attribute("data-check").unwrap_or_default()
        })
        .collect();
    let verdict_blockers: Vec<String> = report.flows[0]
        .verdict
        .as_ref()
        .expect("verdict")
        .blockers
        .iter()
        .map(|b| b.check.clone())
        .collect();
    assert_eq!(ranked, verdict_blockers);
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains(PAYLOAD), "the payload shows as text");
    assert_eq!(root.query_selector_all("img").expect("query").length(), 0);
}

#[wasm_bindgen_test]
fn without_a_recording_it_says_how_to_start() {
    let root = render(
        serde_json::json!({}),
        serde_json::json!({ "incognito": {"allowed": false, "current_window": true} }),
    );
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("Incomplete: nothing recorded yet"));
    assert!(text.contains("Allow in Incognito"));
}

#[wasm_bindgen_test]
fn without_host_access_it_offers_the_button_that_asks_for_it() {
    let root = render(
        serde_json::json!({}),
        serde_json::json!({ "host_access": false }),
    );
    let block = root
        .query_selector("#cannot-record")
        .expect("query")
        .expect("the cannot-record block");
    assert!(block
        .text_content()
        .unwrap_or_default()
        .contains("Flowlens cannot record"));
    let button = block
        .query_selector("button#grant-access")
        .expect("query")
        .expect("the button");
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));

    let granted = render(
        serde_json::json!({}),
        serde_json::json!({ "host_access": true }),
    );
    assert!(granted
        .query_selector("#grant-access")
        .expect("query")
        .is_none());
}
