//! The popup view rendered into a real document: stable `data-check` hooks, text-only
//! rendering of page-controlled strings.
#![cfg(all(target_arch = "wasm32", feature = "popup"))]

use flowlens_core::testing::good_flow;
use flowlens_core::trace::PageSnapshot;
use flowlens_core::{analyze, Profile};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PAYLOAD: &str = "<img src=x onerror=alert(1)>Acme Calendar";

fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serializable")
}

fn render(input: serde_json::Value) -> web_sys::Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("main").expect("an element");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    flowlens_wasm::dom::render_popup(&root, to_js(&input)).expect("rendered");
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
    let root = render(serde_json::json!({
        "report": report,
        "pages": trace.pages,
        "active_tab": null,
    }));

    let checks = root.query_selector_all("[data-check]").expect("query");
    assert_eq!(checks.length() as usize, report.checks.len());
    for (i, check) in report.checks.iter().enumerate() {
        let node = checks.get(i as u32).expect("a node");
        let element: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&node);
        assert_eq!(
            element.get_attribute("data-check").as_deref(),
            Some(check.id.as_str())
        );
        assert_eq!(
            element.get_attribute("data-status").as_deref(),
            Some(check.status.as_str())
        );
    }
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains(PAYLOAD), "the payload shows as text");
    assert_eq!(root.query_selector_all("img").expect("query").length(), 0);
}

#[wasm_bindgen_test]
fn without_a_recording_it_says_how_to_start() {
    let root = render(serde_json::json!({
        "incognito": {"allowed": false, "current_window": true},
    }));
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("No authorization flow recorded yet"));
    assert!(text.contains("Allow in Incognito"));
}

#[wasm_bindgen_test]
fn without_host_access_it_offers_the_button_that_asks_for_it() {
    let root = render(serde_json::json!({ "host_access": false }));
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

    let granted = render(serde_json::json!({ "host_access": true }));
    assert!(granted
        .query_selector("#grant-access")
        .expect("query")
        .is_none());
}
