//! The recorder's wasm surface, run inside a real service worker (the global scope the
//! extension's background runs in): Chrome-shaped `details` objects in, JSON-compatible
//! actions out, and a restart that loses nothing.
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

use flowlens_wasm::recorder::Recorder;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_service_worker);

fn js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("valid JSON")
}

/// Back to serde_json through JSON.stringify: fails if anything is a Map or undefined.
fn json_of(value: &JsValue) -> Value {
    let text: String = js_sys::JSON::stringify(value).expect("stringify").into();
    serde_json::from_str(&text).expect("JSON")
}

/// One event and, as the worker does, the flush it asks for: the storage writes merged in,
/// each trace chunk's JSON read into `decoded`.
fn request(recorder: &mut Recorder, kind: &str, details: Value) -> Value {
    let actions = recorder.observe(kind, js(&details)).expect("observed");
    if actions.is_null() {
        return Value::Null;
    }
    let mut actions = json_of(&actions);
    if actions["flush"] == true {
        let flushed = json_of(&recorder.flush().expect("flushed"));
        actions["append"] = flushed["append"].clone();
        actions["states"] = flushed["states"].clone();
        actions["buffered"] = flushed["buffered"].clone();
    }
    decode(&mut actions);
    actions
}

/// Reads each trace chunk's JSON into `decoded`, and each state's JSON in place (the JSON
/// strings are what storage holds).
fn decode(actions: &mut Value) {
    for append in actions["append"].as_array_mut().into_iter().flatten() {
        let json = append["json"].as_str().expect("a chunk is a JSON string");
        append["decoded"] = serde_json::from_str(json).expect("a chunk reads");
    }
    for state in actions["states"].as_array_mut().into_iter().flatten() {
        let json = state["json"].as_str().expect("a state is a JSON string");
        *state = serde_json::from_str(json).expect("a state reads");
    }
}

const TAB: i64 = 42;
const AUTHORIZE: &str = "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s";

fn authorize(recorder: &mut Recorder, t: f64) -> Value {
    request(
        recorder,
        "before-request",
        json!({"requestId": "1", "tabId": TAB, "frameId": 0, "type": "main_frame", "method": "GET",
               "url": AUTHORIZE, "timeStamp": t, "initiator": null, "parentFrameId": -1}),
    )
}

#[wasm_bindgen_test]
fn ignores_tabs_without_a_flow_and_starts_at_the_authorization_request() {
    let mut recorder = Recorder::new();
    let idle = request(
        &mut recorder,
        "before-request",
        json!({"requestId": "0", "tabId": TAB, "frameId": 0, "type": "main_frame", "method": "GET",
               "url": "https://app.acme.test/", "timeStamp": 1000.0}),
    );
    assert_eq!(
        idle["append"],
        json!([]),
        "no trace for a tab without a flow"
    );
    assert_eq!(
        idle["buffered"][0]["tab"], TAB,
        "its buffer is stored, to survive a stopped worker"
    );

    let actions = authorize(&mut recorder, 2000.0);
    let events: Vec<&Value> = actions["append"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["decoded"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(events.len(), 2, "the buffered page load came along");
    assert_eq!(
        actions["append"].as_array().map(Vec::len),
        Some(1),
        "one chunk"
    );
    assert_eq!(events[0]["url"], "https://app.acme.test/");
    assert_eq!(events[1]["url"], AUTHORIZE);
    assert_eq!(actions["states"][0]["phase"], "recording");
    assert_eq!(actions["lookup_tab"], TAB);
    assert_eq!(
        events[0]["resource_type"], "document",
        "stored in snake_case"
    );
}

#[wasm_bindgen_test]
fn a_restarted_worker_goes_on_from_the_stored_states() {
    let mut recorder = Recorder::new();
    let actions = authorize(&mut recorder, 1000.0);
    let states = js(&actions["states"]);

    let mut restarted = Recorder::new();
    let restored = json_of(
        &restarted
            .restore(states, js(&json!([])), 2000.0)
            .expect("restored"),
    );
    assert_eq!(restored["flush"], true);
    let mut flushed = json_of(&restarted.flush().expect("flushed"));
    decode(&mut flushed);
    assert_eq!(flushed["states"][0]["restarts"], 1);
    let actions = request(
        &mut restarted,
        "before-request",
        json!({"requestId": "2", "tabId": TAB, "frameId": 0, "type": "main_frame", "method": "GET",
               "url": "https://app.acme.test/cb?code=x&state=s", "timeStamp": 3000.0}),
    );
    assert_eq!(
        actions["append"][0]["chunk"], 1,
        "chunk numbering goes on after chunk 0"
    );
    assert_eq!(actions["states"][0]["phase"], "finishing");
}

#[wasm_bindgen_test]
fn a_megabyte_url_is_cut_and_counted() {
    let mut recorder = Recorder::new();
    authorize(&mut recorder, 1000.0);
    let huge = format!("https://login.acme.test/?x={}", "a".repeat(1024 * 1024));
    let actions = request(
        &mut recorder,
        "before-request",
        json!({"requestId": "3", "tabId": TAB, "frameId": 0, "type": "main_frame", "method": "GET",
               "url": huge, "timeStamp": 2000.0}),
    );
    let url = actions["append"][0]["decoded"][0]["url"]
        .as_str()
        .unwrap_or_default();
    assert!(url.len() <= 64 * 1024, "{}", url.len());
    assert_eq!(actions["states"][0]["cut_fields"], 1);
}

#[wasm_bindgen_test]
fn two_tabs_are_separate_traces() {
    let mut recorder = Recorder::new();
    authorize(&mut recorder, 1000.0);
    let other = request(
        &mut recorder,
        "before-request",
        json!({"requestId": "9", "tabId": 7, "frameId": 0, "type": "main_frame", "method": "GET",
               "url": AUTHORIZE, "timeStamp": 1001.0}),
    );
    assert_eq!(other["append"][0]["trace"], 7);
    assert_eq!(other["append"][0]["chunk"], 0);
}

#[wasm_bindgen_test]
fn a_refused_write_is_reported_in_the_trace_state() {
    let mut recorder = Recorder::new();
    let written = authorize(&mut recorder, 1000.0);
    let actions = json_of(
        &recorder
            .write_failed(js(&written), "QUOTA_BYTES quota exceeded")
            .expect("taken"),
    );
    assert_eq!(actions["flush"], true);
    let mut flushed = json_of(&recorder.flush().expect("flushed"));
    decode(&mut flushed);
    assert_eq!(flushed["states"][0]["lost_chunks"], 1);
    assert_eq!(
        flushed["states"][0]["write_error"],
        "QUOTA_BYTES quota exceeded"
    );
}

#[wasm_bindgen_test]
fn malformed_details_are_an_error_not_a_panic() {
    let mut recorder = Recorder::new();
    assert!(recorder
        .observe("before-request", JsValue::from_str("nope"))
        .is_err());
    assert!(recorder.observe("no-such-event", JsValue::NULL).is_err());
}
