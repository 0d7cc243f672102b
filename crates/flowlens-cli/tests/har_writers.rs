//! HARs written by Chrome DevTools (with sensitive data, and sanitized, Chrome 130's default),
//! Firefox DevTools and Playwright give the same statuses wherever they carry the same
//! evidence. The four files are one real flow (oidc-provider) in each writer's shape
//! (tests/e2e/har-shapes.mjs).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{exec, flowlens};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/writers")
        .join(name)
}

fn statuses(name: &str) -> (BTreeMap<String, String>, String) {
    let run = exec(
        flowlens()
            .arg("check")
            .arg("--format=json")
            .arg(fixture(name)),
    );
    assert!(run.code == 0 || run.code == 1, "{name}: {}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["flows"].as_array().map(Vec::len), Some(1), "{name}");
    let statuses = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let creator = report["source"]["creator"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (statuses, creator)
}

#[test]
fn every_writer_gives_the_same_statuses_for_the_same_evidence() {
    let (playwright, creator) = statuses("playwright.har");
    assert!(creator.starts_with("Playwright"), "{creator}");
    for (name, creator_prefix, dropped) in [
        ("chrome-devtools.har", "WebInspector", &[][..]),
        ("firefox-devtools.har", "Firefox", &[][..]),
        // Sanitized exports drop Cookie and Set-Cookie: the cookies cannot be judged.
        (
            "chrome-devtools-sanitized.har",
            "WebInspector",
            &[("cookies-flags", "not-observed")][..],
        ),
    ] {
        let (got, creator) = statuses(name);
        assert!(creator.starts_with(creator_prefix), "{name}: {creator}");
        let mut want = playwright.clone();
        for (id, status) in dropped {
            assert_ne!(
                want.get(*id).map(String::as_str),
                Some(*status),
                "{name}: {id} differs"
            );
            want.insert(id.to_string(), status.to_string());
        }
        assert_eq!(got, want, "{name}");
    }
    // The flow itself is judged, not merely found: the consent page is recognized and the
    // authorization code came back, in every shape.
    assert_eq!(playwright["oauth-consent-shown"], "pass");
    assert_eq!(playwright["oauth-authorization-response"], "pass");
    assert_eq!(playwright["mixed-content"], "pass");
}
