//! `flowlens redact` and `flowlens diff` end to end: statuses kept through redaction on the
//! fixtures and the recorded examples, idempotence, fresh keys, bad input, diff exit codes.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::flowlens;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// A finished run with stdout as bytes (redacted HARs are compared byte for byte).
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn exec(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every HAR of the fixtures and of examples/.
fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [FIXTURES, EXAMPLES] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            files.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "har")),
            );
        }
    }
    files.sort();
    assert!(files.len() >= 3, "no HAR fixtures found");
    files
}

fn redact(input: &Path, output: &Path) -> Run {
    let run = exec(flowlens().arg("redact").arg(input).arg("-o").arg(output));
    assert_eq!(run.code, 0, "{}: {}", input.display(), run.stderr);
    run
}

/// (check id, flow, status) of `flowlens check --format json`.
fn statuses(file: &Path) -> Vec<(String, String, String)> {
    let run = exec(flowlens().args(["check", "--format", "json"]).arg(file));
    assert!(
        run.code == 0 || run.code == 1,
        "{}: {}",
        file.display(),
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON report");
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].to_string(),
                c["flow"].to_string(),
                c["status"].to_string(),
            )
        })
        .collect()
}

#[test]
fn check_gives_the_same_statuses_before_and_after_redact() {
    let dir = tempfile::tempdir().expect("temp dir");
    for input in inputs() {
        let output = dir.path().join("out.har");
        let run = redact(&input, &output);
        assert!(run.stderr.starts_with("redacted "), "{}", run.stderr);
        assert_eq!(statuses(&input), statuses(&output), "{}", input.display());
    }
}

#[test]
fn redact_is_idempotent_and_draws_a_fresh_key_each_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = inputs().into_iter().next().expect("an input");
    let (once, twice, other) = (
        dir.path().join("1.har"),
        dir.path().join("2.har"),
        dir.path().join("3.har"),
    );
    redact(&input, &once);
    let second = redact(&once, &twice);
    redact(&input, &other);
    let read = |p: &Path| std::fs::read(p).expect("written");
    assert_eq!(
        read(&once),
        read(&twice),
        "redacting a redacted file changed it"
    );
    assert!(
        second.stderr.contains(" 0 values replaced"),
        "{}",
        second.stderr
    );
    assert_ne!(
        read(&once),
        read(&other),
        "two redactions used the same key"
    );
}

#[test]
fn redact_writes_to_stdout_and_beside_the_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("flow.har");
    std::fs::copy(inputs().into_iter().next().expect("an input"), &input).expect("copy");
    let run = exec(flowlens().arg("redact").arg(&input).args(["-o", "-"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).expect("a HAR on stdout");
    assert!(doc["log"]["_flowlens_redaction"].is_object());
    let run = exec(flowlens().arg("redact").arg(&input));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("flow.redacted.har").is_file());
}

#[test]
fn unreadable_input_is_one_line_and_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let cases = [
        (write("garbage.har", "this is not JSON"), "invalid JSON"),
        (
            write(
                "cut.har",
                r#"{"log": {"version": "1.2", "entries": [{"request": {"#,
            ),
            "invalid JSON",
        ),
        (write("array.har", "[1, 2]"), "not a HAR file"),
        (write("nolog.har", r#"{"foo": 1}"#), "not a HAR file"),
        (
            write("entries.har", r#"{"log": {"entries": 3}}"#),
            "not a HAR file",
        ),
        (dir.path().join("missing.har"), "no such file"),
        (dir.path().to_path_buf(), "is a directory"),
    ];
    for (input, expected) in cases {
        let out = dir.path().join("out.har");
        let run = exec(flowlens().arg("redact").arg(&input).arg("-o").arg(&out));
        assert_eq!(run.code, 2, "{}: {}", input.display(), run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.starts_with("flowlens: error: "),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(expected),
            "{}: {}",
            input.display(),
            run.stderr
        );
        assert!(
            !out.exists(),
            "{}: a partial output was left",
            input.display()
        );
    }
    // Nothing but the inputs is left behind (the scratch file is gone).
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(left.len(), 5, "{left:?}");
}

#[test]
fn odd_bodies_are_redacted_whole_and_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("odd.har");
    let entry = |url: &str, content: &str| {
        format!(
            r#"{{"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1, "cache": {{}}, "timings": {{"send": 0, "wait": 1, "receive": 0}},
            "request": {{"method": "GET", "url": "{url}", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [{{"name": "Cookie", "value": "=odd; lonelycookievalue"}}], "queryString": [], "headersSize": -1, "bodySize": 0}},
            "response": {{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1, "content": {content}}}}}"#
        )
    };
    let har = format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "t", "version": "1"}}, "entries": [{}, {}, {}]}}}}"#,
        entry(
            "https://a.test/1?id_token=eyJnotjsonatall.eyJxx.sig",
            r#"{"size": 5, "mimeType": "application/json", "encoding": "gzip", "text": "secret-in-gzip-123"}"#
        ),
        entry(
            "https://a.test/2",
            r#"{"size": 5, "mimeType": "application/json", "encoding": "base64", "text": "%%%secret-not-b64%%%"}"#
        ),
        entry(
            "https://a.test/3",
            r#"{"size": 5, "mimeType": "application/json", "text": "{\"refresh_token\": \"secret-cut-json"}"#
        ),
    );
    std::fs::write(&input, har).expect("write");
    let output = dir.path().join("out.har");
    let run = redact(&input, &output);
    assert!(
        !run.stderr.contains(" 0 parts redacted whole"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&output).expect("written");
    for secret in [
        "secret-in-gzip-123",
        "secret-not-b64",
        "secret-cut-json",
        "lonelycookievalue",
        "eyJnotjsonatall",
    ] {
        assert!(!text.contains(secret), "{secret} survived");
    }
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let whole = doc["log"]["_flowlens_redaction"]["redacted_whole"].to_string();
    for reason in [
        "unknown encoding",
        "does not decode",
        "does not parse",
        "cookie without name=value",
        "JWT-looking",
    ] {
        assert!(whole.contains(reason), "receipt lacks {reason}: {whole}");
    }
}

#[test]
fn diff_of_a_run_with_itself_is_empty_and_exits_0() {
    let input = inputs().into_iter().next().expect("an input");
    let run = exec(flowlens().arg("diff").arg(&input).arg(&input));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        text.contains("0 hops changed, 0 only in A, 0 only in B; 0 checks changed"),
        "{text}"
    );
}

#[test]
fn diff_names_what_changed_and_exits_1() {
    let (a, b) = (
        Path::new(FIXTURES).join("custom-domain-byoa.har"),
        Path::new(FIXTURES).join("state-damaged.har"),
    );
    let run = exec(flowlens().arg("diff").arg(&a).arg(&b));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("checks whose status changed:"), "{text}");
    let run = exec(
        flowlens()
            .args(["diff", "--format", "json"])
            .arg(&a)
            .arg(&b),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON");
    assert_eq!(doc["schema"], "flowlens.diff/v1");
    assert!(
        doc["summary"]["checks_changed"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{doc}"
    );
    let run = exec(flowlens().arg("diff").arg(&a).arg("/nonexistent.har"));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("flowlens: error: "),
        "{}",
        run.stderr
    );
}
