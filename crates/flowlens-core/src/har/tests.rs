//! Tolerance tests with small inline HARs, one per quirk of real exports.

use super::*;
use crate::trace::{Exchange, ResourceType};

fn har(entries: &str) -> String {
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "WebInspector", "version": "537.36"}},
        "pages": [{{"startedDateTime": "2024-05-01T12:00:00.000Z", "id": "page_1", "title": "t"}}],
        "entries": [{entries}]}}}}"#
    )
}

/// A complete entry; the members in `extra` (`, "key": value...`) replace or add to its own.
fn entry(extra: &str) -> String {
    let base = r#"{"startedDateTime": "2024-05-01T12:00:01.000Z", "time": 12.5,
        "request": {"method": "GET", "url": "https://a.test/", "httpVersion": "h2", "headers": [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "h2", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": "text/html"}, "redirectURL": "",
                     "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1.5}}"#;
    let mut entry: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(base).expect("base entry");
    let extra: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&format!(
        "{{{}}}",
        extra.trim_start().trim_start_matches(',')
    ))
    .expect("extra members");
    entry.extend(extra);
    serde_json::to_string(&entry).expect("serialises")
}

fn read(text: &str) -> Trace {
    match read_har_slice(text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn only(trace: &Trace) -> &Exchange {
    assert_eq!(trace.exchanges.len(), 1, "{:#?}", trace.exchanges);
    &trace.exchanges[0]
}

#[test]
fn reads_a_chrome_devtools_entry() {
    let text = har(r#"{
        "_initiator": {"type": "parser", "url": "https://app.test/start", "lineNumber": 3},
        "_priority": "VeryHigh", "_resourceType": "document", "pageref": "page_1",
        "startedDateTime": "2024-05-01T12:00:01.500Z", "time": 20,
        "request": {"method": "GET",
            "url": "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&state=a&state=b",
            "headers": [{"name": ":authority", "value": "auth.acme.test"},
                        {"name": "accept", "value": "text/html"},
                        {"name": "referer", "value": "https://app.test/"}],
            "cookies": [{"name": "sid", "value": "x"}]},
        "response": {"status": 302, "headers": [{"name": "location", "value": "/login?x=1"}],
            "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "/login?x=1",
            "_transferSize": 100, "_error": null},
        "serverIPAddress": "127.0.0.1", "_workerRespondWithSettled": "x",
        "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 5, "receive": 1, "_blocked_queueing": 0.5}
    }"#);
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(trace.source, "har");
    assert_eq!(
        trace.capture.creator.as_deref(),
        Some("WebInspector 537.36")
    );
    assert_eq!(ex.time_ms, 1_714_564_801_500.0);
    assert_eq!(ex.method, "GET");
    assert_eq!(ex.resource_type, ResourceType::Document);
    assert_eq!(ex.tab, None, "a HAR page is not a tab");
    assert_eq!(ex.initiator.as_deref(), Some("https://app.test/start"));
    assert_eq!(ex.status(), Some(302));
    assert_eq!(
        ex.redirect_target().as_deref(),
        Some("https://auth.acme.test/login?x=1")
    );
    assert_eq!(
        ex.response.as_ref().and_then(|r| r.time_ms),
        Some(1_714_564_801_520.0)
    );
    assert_eq!(
        ex.request_header(":authority"),
        None,
        "pseudo-headers are dropped"
    );
    assert_eq!(ex.request_header("accept"), Some("text/html"));
    // `state` given twice stays in the URL as observed.
    assert!(ex.url.ends_with("state=a&state=b"));
    assert_eq!(trace.capture.started_ms, Some(1_714_564_800_000.0));
    assert!(trace.capture.notes.is_empty(), "{:?}", trace.capture.notes);
}

#[test]
fn reads_a_firefox_entry_without_resource_type() {
    let text = har(r#"{
        "pageref": "page_1", "startedDateTime": "2024-05-01T14:00:01.000+02:00", "time": 3,
        "request": {"bodySize": 0, "method": "GET", "url": "https://app.test/cb#code=1&state=s",
            "httpVersion": "HTTP/2", "headers": [{"name": "Host", "value": "app.test"},
            {"name": "Accept", "value": "text/html,application/xhtml+xml"}], "cookies": [],
            "queryString": [], "headersSize": 100},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
            "headers": [{"name": "content-type", "value": "text/html; charset=utf-8"}],
            "cookies": [], "content": {"mimeType": "text/html; charset=utf-8", "size": 11,
            "text": "<html>\u00e9</html>"}, "redirectURL": "", "headersSize": 10, "bodySize": 11},
        "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 3, "receive": 0},
        "serverIPAddress": "127.0.0.1", "connection": "443"
    }"#);
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(ex.resource_type, ResourceType::Unknown);
    assert!(ex.is_document());
    assert_eq!(ex.time_ms, 1_714_564_801_000.0);
    assert_eq!(ex.url, "https://app.test/cb#code=1&state=s");
    assert_eq!(ex.response_body_text(), Some("<html>é</html>"));
}

#[test]
fn missing_optional_fields_are_fine() {
    let text = har(
        r#"{"request": {"method": "POST", "url": "https://a.test/x"}},
           {"request": {"url": "https://a.test/y"}, "response": {"status": 204}},
           {"request": {"url": "https://a.test/z"}, "response": {"status": 0, "_error": "net::ERR_ABORTED"}},
           {"request": {"url": "https://a.test/w"}, "response": {"status": -1, "_failureText": "net::ERR_FAILED"}},
           {"request": {"url": "https://a.test/v", "headers": null}, "response": null}"#,
    );
    let trace = read(&text);
    assert_eq!(trace.exchanges.len(), 5);
    assert_eq!(trace.exchanges[0].response, None);
    assert_eq!(trace.exchanges[1].status(), Some(204));
    assert_eq!(trace.exchanges[1].method, "");
    assert_eq!(trace.exchanges[2].response, None);
    assert_eq!(
        trace.exchanges[2].error.as_deref(),
        Some("net::ERR_ABORTED")
    );
    assert_eq!(trace.exchanges[3].error.as_deref(), Some("net::ERR_FAILED"));
    assert_eq!(trace.exchanges[4].response, None);
    assert!(trace
        .capture
        .notes
        .iter()
        .any(|n| n.contains("5 entries had no valid startedDateTime")));
}

#[test]
fn wrong_types_in_fields_are_tolerated() {
    let text = har(r#"{
        "_initiator": "https://not-an-object.test/", "_resourceType": 7, "pageref": 3,
        "startedDateTime": 1714564801000, "time": "12",
        "request": {"method": "GET", "url": "https://a.test/", "headers": [null, "x", {"name": "X-A", "value": 12},
            {"name": "X-B"}, {"value": "no name"}], "postData": "oops"},
        "response": {"status": "200", "headers": {"not": "a list"}, "content": [], "redirectURL": false}
    }"#);
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(ex.status(), Some(200));
    assert_eq!(ex.resource_type, ResourceType::Other);
    assert_eq!(ex.request_header("x-a"), Some("12"));
    assert_eq!(ex.request_header("x-b"), Some(""));
    assert_eq!(ex.request_headers.len(), 2);
    assert_eq!(ex.initiator, None);
}

#[test]
fn unreadable_entries_are_skipped_counted_and_noted() {
    let good = entry("");
    let text = har(&format!(
        r#"{good}, null, 42, "text", {{"request": {{"url": ""}}}}, {{"response": {{}}}},
           {{"request": {{"url": "https://a.test/d"}}, "request": {{"url": "https://a.test/e"}}}}"#
    ));
    let trace = read(&text);
    assert_eq!(trace.exchanges.len(), 1);
    assert!(
        trace
            .capture
            .notes
            .iter()
            .any(|n| n.starts_with("6 entries of 7 could not be read")),
        "{:?}",
        trace.capture.notes
    );
}

#[test]
fn base64_bodies_are_decoded_when_kept_and_binary_ones_dropped() {
    // {"issuer":"https://a.test"} and <html>ok</html>
    let text = har(&format!(
        "{}, {}, {}, {}",
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "application/json", "encoding": "base64", "text": "eyJpc3N1ZXIiOiJodHRwczovL2EudGVzdCJ9"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "text/html", "encoding": "base64", "text": "PGh0bWw+b2s8L2h0bWw+"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "image/png", "encoding": "base64", "text": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "application/json", "encoding": "base64", "text": "not base64!"}}"#
        ),
    ));
    let trace = read(&text);
    let bodies: Vec<Option<&str>> = trace
        .exchanges
        .iter()
        .map(|e| e.response_body_text())
        .collect();
    assert_eq!(
        bodies,
        vec![
            Some(r#"{"issuer":"https://a.test"}"#),
            Some("<html>ok</html>"),
            None,
            None
        ]
    );
    assert!(trace
        .capture
        .notes
        .iter()
        .any(|n| n.contains("1 body marked base64 could not be decoded")));
}

#[test]
fn playwright_embed_and_attach() {
    let text = format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "Playwright", "version": "1.44.0"}},
        "browser": {{"name": "chromium", "version": "125.0"}}, "entries": [{}, {}]}}}}"#,
        entry(
            r#", "response": {"status": 200, "headers": [], "content": {"size": 20, "mimeType": "application/json", "text": "{\"a\":1}"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "headers": [], "content": {"size": 20, "mimeType": "application/json", "_file": "75841480e2606c03389077304342fac2c58ccb1b.json"}}"#
        ),
    );
    let trace = read(&text);
    assert_eq!(
        trace.capture.creator.as_deref(),
        Some("Playwright 1.44.0 (chromium 125.0)")
    );
    assert_eq!(trace.exchanges[0].response_body_text(), Some(r#"{"a":1}"#));
    assert_eq!(trace.exchanges[1].response_body_text(), None);
    assert!(trace
        .capture
        .notes
        .iter()
        .any(|n| n.contains("1 response body was stored in separate files")));
}

#[test]
fn only_useful_bodies_are_kept_and_large_ones_capped() {
    let big_html = format!("<html>{}</html>", "x".repeat(MAX_HTML_BODY));
    let big_json = format!("{{\"a\":\"{}\"}}", "y".repeat(MAX_JSON_BODY));
    let text = har(&format!(
        "{}, {}, {}, {}, {}, {}",
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "application/javascript", "text": "var a = 1;"}}"#
        ),
        entry(&format!(
            r#", "response": {{"status": 200, "content": {{"mimeType": "text/html", "text": "{big_html}"}}}}"#
        )),
        entry(&format!(
            r#", "response": {{"status": 200, "content": {{"mimeType": "application/json", "text": "{}"}}}}"#,
            big_json.replace('"', "\\\"")
        )),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "text/plain", "text": " {\"issuer\": \"x\"}"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "text/plain", "text": "hello"}}"#
        ),
        entry(
            r#", "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/problem+json"}], "content": {"text": "{}"}}"#
        ),
    ));
    let trace = read(&text);
    let body = |i: usize| {
        trace.exchanges[i]
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
    };
    assert_eq!(body(0), None);
    let html = body(1).expect("html kept");
    assert!(html.truncated);
    assert_eq!(html.text.len(), MAX_HTML_BODY);
    assert_eq!(body(2), None, "JSON over 1 MiB is dropped");
    assert_eq!(
        body(3).map(|b| b.text.as_str()),
        Some(r#" {"issuer": "x"}"#)
    );
    assert_eq!(body(4), None);
    assert_eq!(
        body(5).map(|b| (b.mime_type.as_str(), b.text.as_str())),
        Some(("application/problem+json", "{}"))
    );
    let notes = trace.capture.notes.join("\n");
    assert!(notes.contains("1 body was cut"), "{notes}");
    assert!(
        notes.contains("1 JSON response body larger than 1 MiB"),
        "{notes}"
    );
}

#[test]
fn post_data_text_params_and_json() {
    let text = har(&format!(
        "{}, {}, {}, {}, {}",
        // Chrome: text and still-encoded params; the text wins.
        entry(
            r#", "request": {"method": "POST", "url": "https://a.test/token", "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=a%2Bb&state=x+y", "params": [{"name": "code", "value": "a%2Bb"}]}}"#
        ),
        // Firefox-style params only (text removed by a sanitizer).
        entry(
            r#", "request": {"method": "POST", "url": "https://a.test/login", "postData": {"mimeType": "application/x-www-form-urlencoded; charset=UTF-8", "params": [{"name": "login_request_id", "value": "lri_1"}, {"name": "state", "value": "s"}]}}"#
        ),
        entry(
            r#", "request": {"method": "POST", "url": "https://a.test/mcp", "postData": {"mimeType": "application/json", "text": "{\"jsonrpc\":\"2.0\"}"}}"#
        ),
        entry(&format!(
            r#", "request": {{"method": "POST", "url": "https://a.test/mcp", "postData": {{"mimeType": "application/json", "text": "[\"{}\"]"}}}}"#,
            "z".repeat(MAX_REQUEST_BODY)
        )),
        entry(
            r#", "request": {"method": "POST", "url": "https://a.test/upload", "postData": {"mimeType": "multipart/form-data; boundary=x", "text": "--x...", "params": [{"name": "f", "fileName": "a.png", "contentType": "image/png"}]}}"#
        ),
    ));
    let trace = read(&text);
    let ex = &trace.exchanges;
    assert_eq!(ex[0].form_value("grant_type"), Some("authorization_code"));
    assert_eq!(ex[0].form_value("code"), Some("a+b"));
    assert_eq!(ex[0].form_value("state"), Some("x y"));
    assert_eq!(ex[1].form_value("login_request_id"), Some("lri_1"));
    assert_eq!(
        ex[2].request_body.as_ref().map(|b| b.text.as_str()),
        Some(r#"{"jsonrpc":"2.0"}"#)
    );
    let big = ex[3].request_body.as_ref().expect("kept");
    assert!(big.truncated && big.text.len() == MAX_REQUEST_BODY);
    assert_eq!(ex[4].form_value("f"), Some(""));
}

#[test]
fn redirect_url_without_location_gets_a_location() {
    let text = har(&format!(
        "{}, {}, {}",
        entry(
            r#", "response": {"status": 302, "headers": [], "redirectURL": "https://b.test/next?state=s#frag"}"#
        ),
        entry(
            r#", "response": {"status": 303, "headers": [{"name": "Location", "value": "/other"}], "redirectURL": "https://ignored.test/"}"#
        ),
        entry(
            r#", "response": {"status": 200, "headers": [], "redirectURL": "https://not-a-redirect.test/"}"#
        ),
    ));
    let trace = read(&text);
    assert_eq!(
        trace.exchanges[0].redirect_target().as_deref(),
        Some("https://b.test/next?state=s#frag")
    );
    assert_eq!(
        trace.exchanges[1].redirect_target().as_deref(),
        Some("https://a.test/other")
    );
    assert_eq!(trace.exchanges[2].response_header("location"), None);
}

#[test]
fn headers_given_twice_are_kept_once_and_differing_values_all() {
    let text = har(&entry(
        r#", "response": {"status": 200, "headers": [
            {"name": "Set-Cookie", "value": "a=1"}, {"name": "set-cookie", "value": "a=1"},
            {"name": "Set-Cookie", "value": "b=2"}, {"name": "Cache-Control", "value": "no-store"},
            {"name": "Cache-Control", "value": "no-store"}]}"#,
    ));
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(
        ex.response_headers("set-cookie").collect::<Vec<_>>(),
        ["a=1", "b=2"]
    );
    assert_eq!(ex.response_headers("cache-control").count(), 1);
}

#[test]
fn static_subresources_keep_only_lean_headers() {
    let text = har(&entry(
        r#", "_resourceType": "image", "request": {"method": "GET", "url": "https://cdn.test/logo.png", "headers": [
            {"name": "Referer", "value": "https://auth.test/consent"}, {"name": "User-Agent", "value": "x"}]},
           "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "image/png"},
            {"name": "Cache-Control", "value": "max-age=1"}, {"name": "ETag", "value": "\"1\""}]}"#,
    ));
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(
        ex.request_headers,
        vec![crate::trace::Header::new(
            "Referer",
            "https://auth.test/consent"
        )]
    );
    assert_eq!(ex.response_header("content-type"), Some("image/png"));
    assert_eq!(ex.response_header("cache-control"), None);
    assert_eq!(ex.initiator.as_deref(), Some("https://auth.test/consent"));
}

#[test]
fn sanitized_exports_are_read_as_they_are() {
    // Chrome 130+ sanitized export: cookies and auth headers removed, placeholders elsewhere.
    let text = har(&entry(
        r#", "request": {"method": "GET", "url": "https://a.test/cb?code=[redacted]&state=[redacted]",
              "headers": [{"name": "authorization", "value": "[REDACTED]"}], "cookies": []},
           "startedDateTime": "[redacted]""#,
    ));
    let trace = read(&text);
    let ex = only(&trace);
    assert_eq!(ex.url, "https://a.test/cb?code=[redacted]&state=[redacted]");
    assert_eq!(ex.request_header("authorization"), Some("[REDACTED]"));
    assert_eq!(ex.time_ms, 0.0);
}

#[test]
fn exchanges_are_sorted_by_start_time_stably() {
    let at = |t: &str, path: &str| {
        format!(
            r#"{{"startedDateTime": "{t}", "request": {{"method": "GET", "url": "https://a.test/{path}"}}}}"#
        )
    };
    let text = har(&[
        at("2024-05-01T12:00:03Z", "c"),
        at("2024-05-01T12:00:01Z", "a1"),
        at("2024-05-01T12:00:02Z", "b"),
        at("2024-05-01T12:00:01Z", "a2"),
    ]
    .join(","));
    let trace = read(&text);
    let paths: Vec<&str> = trace.exchanges.iter().map(|e| &e.url[15..]).collect();
    assert_eq!(paths, ["a1", "a2", "b", "c"]);
}

#[test]
fn absurd_urls_and_header_values_are_cut_and_noted() {
    let long = format!("https://a.test/?q={}", "é".repeat(MAX_URL));
    let text = har(&entry(&format!(
        r#", "request": {{"method": "GET", "url": "{long}", "headers": [{{"name": "X-Big", "value": "{}"}}]}}"#,
        "v".repeat(3 * MAX_HEADER_VALUE)
    )));
    let trace = read(&text);
    let ex = only(&trace);
    assert!(ex.url.len() <= MAX_URL && ex.url.len() > MAX_URL - 4);
    assert_eq!(
        ex.request_header("x-big").map(str::len),
        Some(MAX_HEADER_VALUE)
    );
    let notes = trace.capture.notes.join("\n");
    assert!(
        notes.contains("1 URL was longer than 64 KiB cut") || notes.contains("1 URL was"),
        "{notes}"
    );
    assert!(notes.contains("1 header or form value was"), "{notes}");
}

#[test]
fn an_empty_har_is_a_trace_without_exchanges() {
    let trace = read(
        r#"{"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}"#,
    );
    assert!(trace.exchanges.is_empty());
    let report = crate::analyze(&trace, &crate::Profile::default());
    assert!(report.flows.is_empty());
    assert!(report
        .notes
        .iter()
        .any(|n| n.contains("No authorization flow")));
}

#[test]
fn accepts_a_byte_order_mark_and_keys_in_any_order() {
    let text = format!(
        "\u{feff}{{\"other\": [1, {{\"log\": 1}}], \"log\": {{\"entries\": [{}], \"version\": \"1.2\", \"creator\": {{\"name\": \"Firefox\", \"version\": \"126\"}}}}}}\n",
        entry("")
    );
    let trace = read(&text);
    assert_eq!(trace.exchanges.len(), 1);
    assert_eq!(trace.capture.creator.as_deref(), Some("Firefox 126"));
}

fn error(text: &[u8]) -> String {
    match read_har_slice(text) {
        Ok(_) => panic!("expected an error for {}", String::from_utf8_lossy(text)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_documents_are_errors_with_positions() {
    assert_eq!(error(b""), "the file is empty");
    assert_eq!(error(b"  \n "), "the file is empty");
    assert_eq!(
        error(b"<html>"),
        "invalid JSON: expected a JSON value at line 1 column 1"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": [\n{\"request\": {\"url\": \"https://a.test/\"}},\n{\"request\": "),
        "truncated JSON: the file ends at line 3 column 13 before the document is complete"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": [\n  {\"request\" {}}]}}"),
        "invalid JSON: expected `:` at line 2 column 14"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": []}} x"),
        "invalid JSON: trailing characters after the JSON document at line 1 column 26"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": [], \"version\": 1.2.3}}"),
        "invalid JSON: trailing characters at line 1 column 39"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": [{\"request\": {\"url\": \"https://a.test/\xff\"}}]}}"),
        "invalid UTF-8 at line 1 column 58"
    );
}

#[test]
fn json_that_is_not_a_har_is_said_so() {
    assert_eq!(
        error(b"[]"),
        "not a HAR file (the top level is a JSON array, not an object)"
    );
    assert_eq!(
        error(b"\"log\""),
        "not a HAR file (the top level is not a JSON object)"
    );
    assert_eq!(error(b"{}"), "not a HAR file (no \"log\" object)");
    assert_eq!(
        error(b"{\"exchanges\": []}"),
        "not a HAR file (no \"log\" object)"
    );
    assert_eq!(
        error(b"{\"log\": []}"),
        "not a HAR file (\"log\" is not an object)"
    );
    assert_eq!(
        error(b"{\"log\": {\"version\": \"1.2\"}}"),
        "not a HAR file (no \"log.entries\" array)"
    );
    assert_eq!(
        error(b"{\"log\": {\"entries\": {}}}"),
        "not a HAR file (\"log.entries\" is not an array)"
    );
}

#[test]
fn every_chunk_boundary_gives_the_same_trace() {
    let text = har(&format!(
        "{}, {}, {}",
        entry(
            r#", "_resourceType": "fetch", "request": {"method": "POST", "url": "https://a.test/\u0041?x=\"y\"\\", "postData": {"mimeType": "application/json", "text": "{\"jsonrpc\":\"2.0\",\"s\":\"\\\\\\\"\"}"}}"#
        ),
        entry(
            r#", "response": {"status": 302, "headers": [{"name": "Location", "value": "https://b.test/é"}]}"#
        ),
        entry(
            r#", "response": {"status": 200, "content": {"mimeType": "text/html", "text": "<p>\"quoted\" \\ and [brackets] {braces}</p>"}}"#
        ),
    ));
    let expected = read(&text);
    assert_eq!(expected.exchanges.len(), 3);
    assert_eq!(expected.exchanges[0].url, "https://a.test/A?x=\"y\"\\");
    for chunk in 1..=23 {
        let mut seen = 0;
        let trace = super::read(
            scan::Scanner::with_chunk(text.as_bytes(), chunk, &mut |n| seen = n),
            Importer::default(),
        )
        .unwrap_or_else(|e| panic!("chunk {chunk}: {e}"));
        assert_eq!(trace, Some(expected.clone()), "chunk {chunk}");
        assert_eq!(seen, text.len() as u64);
    }
    // Errors keep their positions across boundaries too.
    let broken = format!("{}\n  ,]", &text[..text.len() - 3]);
    let expected = read_har_slice(broken.as_bytes())
        .map(|_| ())
        .expect_err("broken")
        .to_string();
    for chunk in [1, 2, 3, 5, 8, 13] {
        let e = super::read(
            scan::Scanner::with_chunk(broken.as_bytes(), chunk, &mut |_| {}),
            Importer::default(),
        )
        .map(|_| ())
        .expect_err("broken")
        .to_string();
        assert_eq!(e, expected, "chunk {chunk}");
    }
}

#[test]
fn progress_reports_bytes_read() {
    let text = har(&entry(""));
    let mut calls = Vec::new();
    read_har(text.as_bytes(), &mut |n| calls.push(n)).expect("reads");
    assert_eq!(calls.last().copied(), Some(text.len() as u64));
}

#[test]
fn a_recorded_flow_is_reconstructed() {
    // Chrome starts a new pageref at each top-level navigation.
    let doc = |url: &str, status: u16, location: Option<&str>, t: u32| {
        let headers = location
            .map(|l| format!(r#"{{"name": "Location", "value": "{l}"}}"#))
            .unwrap_or_default();
        format!(
            r#"{{"_resourceType": "document", "pageref": "page_{t}", "startedDateTime": "2024-05-01T12:00:{t:02}.000Z",
            "request": {{"method": "GET", "url": "{url}", "headers": [{{"name": "Accept", "value": "text/html"}}]}},
            "response": {{"status": {status}, "headers": [{headers}], "content": {{"mimeType": "text/html", "text": ""}}}}}}"#
        )
    };
    let authorize = "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let text = har(&[
        doc(
            authorize,
            302,
            Some("https://app.test/cb?code=abc&state=s"),
            1,
        ),
        doc("https://app.test/cb?code=abc&state=s", 200, None, 2),
    ]
    .join(","));
    let trace = read(&text);
    let report = crate::analyze(&trace, &crate::Profile::default());
    assert_eq!(report.flows.len(), 1);
    assert!(report.flows[0].end.is_some());
}
