//! The content script's caps are the core's (`flowlens_core::limits`). It is a classic
//! script injected into pages and cannot load the wasm module, so it restates them; this test
//! holds the two equal. (The service worker reads its caps from the module: `limits()`.)
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use flowlens_core::limits::SCRIPT_LIMITS;

fn extension_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../extension")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `const NAME = 64 * 1024;` (integer literals and products of them).
fn js_const(source: &str, name: &str) -> Option<usize> {
    let start = source.find(&format!("const {name} = "))? + name.len() + 9;
    let expr = source[start..].split(';').next()?;
    expr.split('*')
        .map(|n| n.trim().replace('_', "").parse::<usize>().ok())
        .product()
}

#[test]
fn the_content_scripts_caps_are_the_cores() {
    let script = extension_file("content.js");
    let expected = [
        ("MAX_TEXT", SCRIPT_LIMITS.max_page_text),
        ("MAX_URL", SCRIPT_LIMITS.max_url),
        ("MAX_IMAGES_SCANNED", SCRIPT_LIMITS.max_images_scanned),
        ("MAX_BODY_TEXT", SCRIPT_LIMITS.max_page_body_text),
        ("MAX_IMAGES", SCRIPT_LIMITS.max_page_images),
        ("MAX_FORMS", SCRIPT_LIMITS.max_page_forms),
        ("MAX_FIELDS", SCRIPT_LIMITS.max_page_fields),
        ("MAX_FAVICONS", SCRIPT_LIMITS.max_favicons),
        ("MAX_LIST", SCRIPT_LIMITS.max_page_list),
        ("MAX_TEXT_NODES", SCRIPT_LIMITS.max_text_nodes),
    ];
    for (name, value) in expected {
        assert_eq!(
            js_const(&script, name),
            Some(value),
            "extension/content.js {name} must equal flowlens_core::limits"
        );
    }
}

#[test]
fn the_session_quota_browser_js_assumes_is_the_cores() {
    let shim = extension_file("browser.js");
    let fallback = shim
        .lines()
        .find(|l| l.contains("const SESSION_QUOTA_BYTES = "))
        .and_then(|l| l.split("??").nth(1))
        .map(|expr| format!("const Q = {}", expr.trim()));
    assert_eq!(
        fallback.and_then(|f| js_const(&f, "Q")),
        Some(flowlens_core::limits::SESSION_STORAGE_QUOTA),
        "extension/browser.js SESSION_QUOTA_BYTES must equal flowlens_core::limits"
    );
}

#[test]
fn the_service_worker_takes_its_caps_from_the_module() {
    let worker = extension_file("service_worker.js");
    assert!(worker.contains("limits().max_request_body"));
    assert!(
        !worker.contains("* 1024"),
        "a size cap written in the service worker instead of read from flowlens_core::limits"
    );
}

#[test]
fn reads_js_constants() {
    let source = "const A = 64 * 1024;\nconst B = 2_000;\n";
    assert_eq!(js_const(source, "A"), Some(65536));
    assert_eq!(js_const(source, "B"), Some(2000));
    assert_eq!(js_const(source, "C"), None);
}
