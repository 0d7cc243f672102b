//! The `flowlens` binary end to end: exit codes, every kind of bad input, and snapshots of the
//! text and JSON reports for the fixtures (and for `examples/*.har` when that folder exists).

mod common;

use std::path::{Path, PathBuf};

use common::{exec, flowlens, Run};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// Writes `content` to a file named `name` in a fresh temporary directory.
fn temp_file(name: &str, content: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("writes");
    (dir, path)
}

/// A HAR document around these entries.
fn har(entries: &[String]) -> String {
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "test", "version": "1"}}, "entries": [{}]}}}}"#,
        entries.join(",")
    )
}

fn entry(method: &str, url: &str, kind: &str, status: u16, headers: &str) -> String {
    let url = serde_json::to_string(url).expect("string");
    format!(
        r#"{{"startedDateTime": "2024-11-14T10:00:00.000Z", "time": 10, "_resourceType": "{kind}",
            "request": {{"method": "{method}", "url": {url}, "headers": [{{"name": "Accept", "value": "text/html"}}]}},
            "response": {{"status": {status}, "headers": [{headers}], "content": {{"size": 0, "mimeType": "text/html"}}, "redirectURL": ""}}}}"#
    )
}

/// Asserts a failed run: exit code 2 and one line on stderr naming the problem.
fn assert_input_error(run: &Run, contains: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.starts_with("flowlens: error: ") && run.stderr.trim_end().lines().count() == 1,
        "one line expected: {:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(contains),
        "{:?} lacks {contains:?}",
        run.stderr
    );
}

/// The JSON report exactly as printed (key order is part of the contract), version masked.
fn json_report(path: &Path) -> String {
    let run = exec(flowlens().arg("check").arg("--format=json").arg(path));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let _: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    run.stdout.replace(
        &format!("\"flowlens {}\"", flowlens_core::VERSION),
        "\"flowlens [version]\"",
    )
}

fn text_report(path: &Path) -> String {
    let run = exec(flowlens().arg("check").arg(path));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no color when stdout is not a terminal"
    );
    format!("exit code: {}\n{}", run.code, run.stdout)
}

#[test]
fn snapshots_of_the_fixtures() {
    insta::glob!("fixtures/*.har", |path| {
        insta::assert_snapshot!("text", text_report(path));
        insta::assert_snapshot!("json", json_report(path));
    });
}

#[test]
fn snapshots_of_the_examples() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let has_hars = std::fs::read_dir(&examples).is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "har"))
    });
    if !has_hars {
        return; // the recorded examples land in examples/ later; nothing to snapshot yet
    }
    insta::glob!("../../../examples", "*.har", |path| {
        insta::assert_snapshot!("example_text", text_report(path));
        insta::assert_snapshot!("example_json", json_report(path));
    });
}

#[test]
fn exit_codes_follow_the_checks() {
    // 0 when no check fails: a trace without a flow can fail nothing.
    let (_dir, empty) = temp_file("empty.har", har(&[]));
    assert_eq!(exec(flowlens().arg("check").arg(&empty)).code, 0);
    // 1 when one fails: the authorization URL is on the vendor's default domain.
    let vendor = exec(
        flowlens()
            .arg("check")
            .arg(fixture("vendor-default-domain.har")),
    );
    assert_eq!(vendor.code, 1, "{}", vendor.stdout);
    assert!(vendor.stdout.contains("✗ FAIL"));
    assert!(
        vendor.stdout.contains("hop 4 authorize"),
        "evidence under the failure"
    );
    // Otherwise the exit code says whether the report counts a failure.
    for name in ["custom-domain-byoa.har", "state-damaged.har"] {
        let run = exec(
            flowlens()
                .args(["check", "--format", "json"])
                .arg(fixture(name)),
        );
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        let failed = report["counts"]["fail"].as_u64().unwrap_or(0) > 0;
        assert_eq!(run.code, i32::from(failed), "{name}");
    }
}

#[test]
fn several_files_give_a_json_array_in_argument_order() {
    let run = exec(
        flowlens()
            .args(["check", "--format", "json"])
            .arg(fixture("vendor-default-domain.har"))
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_eq!(run.code, 1);
    let reports: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("an array");
    let names: Vec<&str> = reports
        .iter()
        .map(|r| r["source"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["vendor-default-domain.har", "custom-domain-byoa.har"]
    );
    assert!(reports.iter().all(|r| r["schema"] == "flowlens.report/v1"));
    assert!(reports.iter().all(|r| r["source"]["kind"] == "har"));
}

#[test]
fn an_unreadable_file_among_several_is_reported_and_exits_2() {
    let run = exec(
        flowlens()
            .args(["check", "--format", "json"])
            .arg(fixture("custom-domain-byoa.har"))
            .arg("no-such-file.har"),
    );
    assert_input_error(&run, "no-such-file.har: cannot open: no such file");
    let reports: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("an array");
    assert_eq!(reports.len(), 1);
}

#[test]
fn markdown_output() {
    let run = exec(
        flowlens()
            .args(["check", "--format", "markdown"])
            .arg(fixture("vendor-default-domain.har")),
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("# Flowlens go-live checklist"));
    assert!(run.stdout.contains("❌ **fail** `custom-domain-authorize`"));
}

#[test]
fn truncated_json() {
    let text = std::fs::read_to_string(fixture("custom-domain-byoa.har")).expect("fixture");
    let (_dir, path) = temp_file("cut.har", &text[..text.len() / 2]);
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(&run, "cut.har: truncated JSON: the file ends at line ");
}

#[test]
fn invalid_json() {
    let (_dir, path) = temp_file("bad.har", "{\"log\": {\"entries\": [\n  {request: 1}\n]}}");
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(
        &run,
        "bad.har: invalid JSON: key must be a string at line 2 column 4",
    );
    let (_dir, path) = temp_file("html.har", "<!doctype html><p>Not found</p>");
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(
        &run,
        "html.har: invalid JSON: expected a JSON value at line 1 column 1",
    );
}

#[test]
fn json_that_is_not_a_har() {
    let (_dir, path) = temp_file("x.har", r#"{"version": "1.2", "entries": []}"#);
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(&run, "x.har: not a HAR file (no \"log\" object)");
    let (_dir, path) = temp_file("y.json", "[1, 2, 3]");
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(
        &run,
        "y.json: not a HAR file (the top level is a JSON array",
    );
    let (_dir, path) = temp_file("z.har", r#"{"log": {"entries": {}}}"#);
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(
        &run,
        "z.har: not a HAR file (\"log.entries\" is not an array)",
    );
}

#[test]
fn an_empty_file() {
    let (_dir, path) = temp_file("empty.har", "");
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(&run, "empty.har: the file is empty");
}

#[test]
fn an_empty_har_and_a_har_without_a_flow_are_reports_saying_so() {
    let (_dir, empty) = temp_file("empty.har", har(&[]));
    let (_dir2, static_only) = temp_file(
        "static.har",
        har(&[
            entry("GET", "https://www.acme.test/", "document", 200, ""),
            entry("GET", "https://www.acme.test/app.js", "script", 200, ""),
        ]),
    );
    for path in [&empty, &static_only] {
        let run = exec(flowlens().arg("check").arg(path));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("note: No authorization flow was found"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("not observed"));
    }
}

#[test]
fn non_utf8_bytes() {
    let mut bytes =
        br#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.test/"#.to_vec();
    bytes.extend_from_slice(b"\xff\xfe\"}}]}}");
    let (_dir, path) = temp_file("latin1.har", bytes);
    let run = exec(flowlens().arg("check").arg(&path));
    assert_input_error(&run, "latin1.har: invalid UTF-8 at line 1 column 75");
}

#[test]
fn urls_that_do_not_parse() {
    let (_dir, path) = temp_file(
        "odd-urls.har",
        har(&[
            entry("GET", "not a url at all", "document", 200, ""),
            entry("GET", "https://[::1/", "document", 200, ""),
            entry(
                "GET",
                "https://exa mple.test/oauth/authorize?response_type=code&client_id=c&state=s",
                "document",
                302,
                r#"{"name": "Location", "value": "::::"}"#,
            ),
            entry("GET", "https://exa mple.test/::::", "document", 200, ""),
        ]),
    );
    let run = exec(flowlens().arg("check").arg(&path));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("custom-domain-authorize: the authorization URL has no host"),
        "{}",
        run.stdout
    );
}

#[test]
fn state_given_twice() {
    let url = "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c\
               &redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=first&state=second\
               &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let (_dir, path) = temp_file(
        "twice.har",
        har(&[
            entry(
                "GET",
                url,
                "document",
                302,
                r#"{"name": "Location", "value": "https://app.test/cb?code=x&state=first"}"#,
            ),
            entry(
                "GET",
                "https://app.test/cb?code=x&state=first",
                "document",
                200,
                "",
            ),
        ]),
    );
    let run = exec(flowlens().args(["check", "--format", "json"]).arg(&path));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["flows"].as_array().map(Vec::len), Some(1));
    let hop = &report["flows"][0]["hops"][0];
    assert!(hop["url"]
        .as_str()
        .unwrap_or("")
        .contains("state=first&state=second"));
}

#[test]
fn a_5_mb_url_and_a_5_mb_header_value() {
    let huge = "a".repeat(5 * 1024 * 1024);
    let url = format!(
        "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&state=s&pad={huge}"
    );
    let header = format!(r#"{{"name": "X-Huge", "value": "{huge}"}}"#);
    let (_dir, path) = temp_file(
        "huge.har",
        har(&[entry("GET", &url, "document", 200, &header)]),
    );
    let run = exec(flowlens().arg("check").arg(&path));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("note: 1 URL was longer than 64 KiB cut."),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("note: 1 header or form value was longer than 64 KiB cut."));
    assert!(
        run.stdout.len() < 64 * 1024,
        "the report does not print the whole URL"
    );
}

#[test]
fn page_controlled_text_cannot_reach_the_terminal_as_escapes() {
    let url = "https://acme-x7q2.scalekit.com/oauth/authorize?response_type=code&client_id=c\
               &state=\u{1b}[31mevil\u{1b}]0;title\u{7}\u{202e}gnp.exe&code_challenge_method=S256";
    let (_dir, path) = temp_file(
        "evil\u{1b}[2J.har",
        har(&[entry("GET", url, "document", 200, "")]),
    );
    let run = exec(flowlens().args(["check", "--color", "always"]).arg(&path));
    assert_eq!(run.code, 1, "{}", run.stderr);
    for bad in [
        "\u{1b}[31mevil",
        "\u{1b}]0;",
        "\u{202e}",
        "\u{7}",
        "\u{1b}[2J",
    ] {
        assert!(
            !run.stdout.contains(bad),
            "{bad:?} reached the terminal:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("\u{FFFD}[31mevil"), "{}", run.stdout);
    assert!(run.stdout.contains('\u{1b}'), "--color always colors");
}

#[test]
fn a_missing_file_and_a_directory() {
    let run_missing = exec(flowlens().args(["check", "does-not-exist.har"]));
    assert_input_error(
        &run_missing,
        "does-not-exist.har: cannot open: no such file",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let run_dir = exec(flowlens().arg("check").arg(dir.path()));
    assert_input_error(&run_dir, "is a directory, not a file");
}

#[test]
fn a_trace_json_file_is_accepted() {
    let trace = r#"{"source": "extension", "exchanges": [
        {"time_ms": 1700000000000, "method": "GET", "resource_type": "document",
         "url": "https://acme-x7q2.scalekit.com/oauth/authorize?response_type=code&client_id=c&state=s"}]}"#;
    let (_dir, path) = temp_file("trace.json", trace);
    let run = exec(flowlens().args(["check", "--format", "json"]).arg(&path));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["source"]["kind"], "extension");
    assert_eq!(report["source"]["name"], "trace.json");
}

#[test]
fn profiles() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/profile.toml");
    let run_ok = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&example)
            .arg(fixture("custom-domain-byoa.har")),
    );
    // The example expects auth.acme.com; the fixture is on auth.acme.test.
    assert_eq!(run_ok.code, 1, "{}", run_ok.stderr);
    assert!(run_ok
        .stdout
        .contains("not on the expected custom domain auth.acme.com"));

    let (_dir, typo) = temp_file(
        "p.toml",
        "custom_domains = [\"auth.acme.test\"]\nserver_nmae = \"Acme\"\n",
    );
    let run_typo = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&typo)
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_input_error(
        &run_typo,
        "p.toml: invalid profile: unknown field `server_nmae`",
    );
    assert!(
        run_typo.stderr.contains("at line 2 column 1"),
        "{}",
        run_typo.stderr
    );

    let (_dir, broken) = temp_file("b.toml", "custom_domains = [\"auth.acme.test\"\n");
    let run_broken = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&broken)
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_input_error(&run_broken, "b.toml: invalid profile: ");

    let (_dir, wrong_type) = temp_file("w.toml", "custom_domains = \"auth.acme.test\"\n");
    let run_type = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&wrong_type)
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_input_error(&run_type, "w.toml: invalid profile: invalid type");

    // The options page's rules: a domain is normalised, a value that cannot be compared is
    // refused with the field it is in.
    let (_dir, odd) = temp_file(
        "d.toml",
        "custom_domains = [\"https://Auth.Acme.test/\", \"auth acme\"]\n",
    );
    let run_odd = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&odd)
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_input_error(
        &run_odd,
        "d.toml: invalid profile: custom_domains[1]: \"auth acme\" is not a host name",
    );
    let (_dir, normalised) = temp_file(
        "n.toml",
        "custom_domains = [\"https://Auth.Acme.test/oauth\"]\n",
    );
    let run_normalised = exec(
        flowlens()
            .arg("check")
            .arg("--profile")
            .arg(&normalised)
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert!(
        run_normalised
            .stdout
            .contains("the authorization URL is on the custom domain auth.acme.test"),
        "{}",
        run_normalised.stdout
    );

    let run_missing = exec(
        flowlens()
            .args(["check", "--profile", "nope.toml"])
            .arg(fixture("custom-domain-byoa.har")),
    );
    assert_input_error(&run_missing, "nope.toml: cannot open: no such file");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["check"][..],
        &["check", "--format", "yaml", "x.har"][..],
        &["frobnicate"][..],
        &["explain"][..],
    ] {
        let run = exec(flowlens().args(args));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert_eq!(exec(flowlens().arg("--help")).code, 0);
    assert_eq!(exec(flowlens().arg("--version")).code, 0);
}

#[test]
fn rules_lists_every_rule_in_checklist_order() {
    let run = exec(flowlens().arg("rules"));
    assert_eq!(run.code, 0);
    let expected: Vec<&str> = flowlens_core::rules::registry()
        .iter()
        .map(|r| r.meta().id)
        .collect();
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .skip(1)
        .take(expected.len())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ids, expected);
    assert!(run.stdout.contains("flowlens rules --manual"));
    let json = run_json(&["rules", "--format", "json"]);
    assert_eq!(json.as_array().map(Vec::len), Some(expected.len()));
    assert!(json[0]["section"].is_string() && json[0]["title"].is_string());
    assert_eq!(json[0]["kind"], "rule");

    let manual = exec(flowlens().args(["rules", "--manual"]));
    assert_eq!(manual.code, 0);
    for item in flowlens_core::manual::items() {
        assert!(manual.stdout.contains(item.id), "{} missing", item.id);
    }
    let json = run_json(&["rules", "--manual", "--format", "json"]);
    assert_eq!(
        json.as_array().map(Vec::len),
        Some(expected.len() + flowlens_core::manual::items().len())
    );
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let run = exec(flowlens().args(args));
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON")
}

#[test]
fn explain_prints_the_rules_documentation() {
    let run = exec(flowlens().args(["explain", "oauth-pkce-s256"]));
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_a_manual_item() {
    let item = &flowlens_core::manual::items()[0];
    let run = exec(flowlens().args(["explain", item.id]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .starts_with(&format!("{}: {}", item.id, item.title)));
    assert!(run.stdout.contains("What to verify"));
    assert!(run.stdout.contains("From the checklist"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // Four JSON reports are well over a pipe's 64 KiB buffer: the write must fail.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("flowlens"))
        .args(["check", "--format", "json"])
        .args(vec![fixture("custom-domain-byoa.har"); 4])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take()); // the reader goes away before the report is written
    let output = child.wait_with_output().expect("waits");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(output.status.code(), Some(2));
}

#[test]
fn explain_an_unknown_rule() {
    let close = exec(flowlens().args(["explain", "oauth-pkce-s265"]));
    assert_input_error(
        &close,
        "unknown rule id `oauth-pkce-s265`; did you mean oauth-pkce-s256?",
    );
    let far = exec(flowlens().args(["explain", "zzzzzzzzzz"]));
    assert_input_error(
        &far,
        "unknown rule id `zzzzzzzzzz`; run `flowlens rules --manual` for the list",
    );
}
