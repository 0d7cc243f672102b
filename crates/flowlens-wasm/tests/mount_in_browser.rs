//! The page kept in step with the next description, in a real document: what a person is
//! doing on the page (typing a note, an open group, a tick) survives an update.
#![cfg(all(target_arch = "wasm32", feature = "view"))]

use flowlens_wasm::mount::Root;
use flowlens_wasm::vnode::{h, VElement, VNode};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn mounted() -> Root {
    let element = document().create_element("main").expect("an element");
    document()
        .body()
        .expect("a body")
        .append_child(&element)
        .expect("appended");
    Root::new(element).expect("a root")
}

fn nodes(children: Vec<VElement>) -> Vec<VNode> {
    children.into_iter().map(VNode::Element).collect()
}

fn find(root: &Root, selector: &str) -> Element {
    root.element()
        .query_selector(selector)
        .expect("query")
        .unwrap_or_else(|| panic!("{selector}"))
}

fn page(verdict: &str, items: &[&str], note: &str) -> Vec<VNode> {
    nodes(vec![
        h("p").id("verdict").text(verdict),
        h("ol").id("items").children(
            items
                .iter()
                .map(|i| h("li").key(*i).attr("data-item", *i).text(*i)),
        ),
        h("details").id("group").child(h("summary").text("Group")),
        h("textarea")
            .key("note")
            .id("note")
            .attr("data-version", verdict)
            .text(note),
        h("input")
            .id("tick")
            .attr("type", "checkbox")
            .flag("checked", note == "ticked"),
    ])
}

#[wasm_bindgen_test]
fn an_update_keeps_the_note_being_typed_its_focus_and_an_open_group() {
    let mut root = mounted();
    root.update(page("Incomplete", &["a"], "")).expect("first");
    let note: HtmlTextAreaElement = find(&root, "#note").dyn_into().expect("a textarea");
    note.focus().expect("focus");
    note.set_value("half a sent");
    note.set_selection_range(4, 4).expect("caret");
    let group = find(&root, "#group");
    group.set_attribute("open", "").expect("opened by the user");

    root.update(page("Not ready: 1 blocker", &["a", "b"], "stored note"))
        .expect("update");

    let after: HtmlTextAreaElement = find(&root, "#note").dyn_into().expect("a textarea");
    assert!(after.is_same_node(Some(&note)), "the same element");
    assert_eq!(after.value(), "half a sent", "the typed text");
    let focused = document().active_element().expect("something focused");
    assert!(focused.is_same_node(Some(&note)), "still focused");
    assert_eq!(after.selection_start().ok().flatten(), Some(4), "the caret");
    assert_eq!(
        after.get_attribute("data-version").as_deref(),
        Some("Not ready: 1 blocker")
    );
    assert!(find(&root, "#group").has_attribute("open"), "still open");
    assert_eq!(
        find(&root, "#verdict").text_content().as_deref(),
        Some("Not ready: 1 blocker")
    );
    assert_eq!(
        root.element()
            .query_selector_all("#items li")
            .expect("query")
            .length(),
        2
    );
}

#[wasm_bindgen_test]
fn keyed_elements_move_instead_of_being_made_again() {
    let mut root = mounted();
    root.update(page("v", &["a", "b", "c"], "")).expect("first");
    let b = find(&root, "[data-item=b]");
    root.update(page("v", &["c", "a", "b", "d"], ""))
        .expect("reordered");
    let order: Vec<String> = {
        let items = root
            .element()
            .query_selector_all("#items li")
            .expect("query");
        (0..items.length())
            .map(|i| {
                items
                    .get(i)
                    .and_then(|n| n.text_content())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(order, ["c", "a", "b", "d"]);
    assert!(find(&root, "[data-item=b]").is_same_node(Some(&b)));
    root.update(page("v", &["d"], "")).expect("removed");
    assert_eq!(
        root.element()
            .query_selector_all("#items li")
            .expect("query")
            .length(),
        1
    );
}

#[wasm_bindgen_test]
fn a_tick_made_elsewhere_shows_and_attributes_follow_the_description() {
    let mut root = mounted();
    root.update(page("v", &[], "")).expect("first");
    let tick: HtmlInputElement = find(&root, "#tick").dyn_into().expect("an input");
    assert!(!tick.checked());
    root.update(page("w", &[], "ticked"))
        .expect("ticked elsewhere");
    assert!(tick.checked());
    assert!(tick.has_attribute("checked"));
    root.update(page("w", &[], "")).expect("unticked elsewhere");
    assert!(!tick.checked());
    assert!(!tick.has_attribute("checked"));
}
