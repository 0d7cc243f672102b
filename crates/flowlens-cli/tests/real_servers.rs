//! `flowlens check` on HARs of real flows through real open-source authorization servers
//! (oidc-provider, OpenAuth; recorded by tests/e2e/record-real-servers.mjs): the status of
//! every check is the CLI column of docs/real-servers.md, which justifies each one, and the
//! text reports are snapshots.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{exec, flowlens};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tables of docs/real-servers.md: name → (base table, check id → CLI status).
type Tables = BTreeMap<String, (Option<String>, BTreeMap<String, String>)>;

fn tables() -> Tables {
    let doc = std::fs::read_to_string(repo().join("docs/real-servers.md")).expect("the doc");
    let mut tables = Tables::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(marker) = line
            .strip_prefix("<!-- table: ")
            .and_then(|m| m.strip_suffix(" -->"))
        {
            let (name, base) = match marker.split_once(", based on: ") {
                Some((name, base)) => (name.to_string(), Some(base.to_string())),
                None => (marker.to_string(), None),
            };
            tables.insert(name.clone(), (base, BTreeMap::new()));
            current = Some(name);
            continue;
        }
        if line.starts_with('#') {
            current = None;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(name), true) = (&current, cells.len() >= 5 && cells[1].starts_with('`')) else {
            continue;
        };
        let id = cells[1].trim_matches('`').to_string();
        if let Some((_, rows)) = tables.get_mut(name) {
            rows.insert(id, cells[3].to_string());
        }
    }
    tables
}

/// The CLI statuses a table expects, its base's rows included.
fn expected(tables: &Tables, name: &str) -> BTreeMap<String, String> {
    let (base, rows) = tables.get(name).expect("a table for each fixture");
    let mut all = base
        .as_deref()
        .map(|b| expected(tables, b))
        .unwrap_or_default();
    all.extend(rows.clone());
    all
}

/// Every automated check's status on the trace's last flow.
fn statuses(path: &Path) -> BTreeMap<String, String> {
    let run = exec(flowlens().arg("check").arg("--format=json").arg(path));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let flows = report["flows"].as_array().expect("flows");
    assert_eq!(flows.len(), 1, "one flow in {}", path.display());
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["flow"] == 0)
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_check_has_the_documented_status() {
    let tables = tables();
    let dir = repo().join("crates/flowlens-cli/tests/fixtures/real");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("the fixtures") {
        let path = entry.expect("a file").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let want = expected(&tables, name);
        let got = statuses(&path);
        // Every rule of the core is in the table: a new rule must be justified there too.
        let rules: Vec<&str> = flowlens_core::rules::registry()
            .iter()
            .map(|r| r.meta().id)
            .collect();
        assert_eq!(
            want.keys().map(String::as_str).collect::<Vec<_>>().len(),
            rules.len(),
            "{name}: docs/real-servers.md must give every check"
        );
        assert_eq!(got, want, "{name}: CLI statuses vs docs/real-servers.md");
        seen += 1;
    }
    assert_eq!(seen, 4, "four real flows");
}

#[test]
fn snapshots_of_the_real_flows() {
    insta::glob!("fixtures/real/*.har", |path| {
        let run = exec(flowlens().arg("check").arg(path));
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        insta::assert_snapshot!(
            "real_text",
            format!("exit code: {}\n{}", run.code, run.stdout)
        );
    });
}

/// The MCP TypeScript SDK's demo server answers 401 to a form a web page submitted to its MCP
/// endpoint (tests/e2e/record-mcp-sdk-401.mjs). The browser sent an `Origin`, but a navigation
/// is not a script's request: CORS does not apply, and only the challenge is judged (it has
/// no `scope`, a warning).
#[test]
fn a_401_to_a_form_navigation_is_not_judged_for_cors() {
    let path = repo().join("crates/flowlens-cli/tests/fixtures/mcp-sdk-401-form-navigation.har");
    let run = exec(flowlens().arg("check").arg("--format=json").arg(&path));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let check = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "mcp-401-challenge")
        .expect("the check");
    assert_eq!(check["status"], "warn", "{check}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("no scope"), "{summary}");
    assert!(!summary.to_lowercase().contains("origin"), "{summary}");
}
