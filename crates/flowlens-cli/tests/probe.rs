//! `flowlens probe` end to end against the probe's loopback test server: exit codes, output
//! formats, the --insecure warning, and one clear line on stderr for every kind of failure.
//! Only loopback (through --resolve) and `.invalid` host names are ever contacted.

mod common;
#[path = "../../flowlens-probe/tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{exec, Run};
use support::{closed_port, ChallengeKind, Setup, Site};

fn flowlens() -> Command {
    let mut cmd = common::flowlens();
    // A whole run is a few requests to loopback: never let a bug hang the test suite.
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// `flowlens probe` against the site, with --insecure and its --resolve overrides.
fn probe_site(site: &Site, extra: &[&str]) -> Run {
    exec(
        flowlens()
            .arg("probe")
            .arg(&site.mcp_url)
            .arg("--insecure")
            .args(site.resolve_args())
            .args(extra),
    )
}

/// Exit 2 and exactly one error line on stderr (after the --insecure warning, if any).
fn assert_probe_error(run: &Run, contains: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.starts_with("flowlens: warning: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line expected: {:?}", run.stderr);
    assert!(
        errors[0].starts_with("flowlens: error: "),
        "{:?}",
        run.stderr
    );
    assert!(
        errors[0].contains(contains),
        "{:?} lacks {contains:?}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no report on stdout: {}", run.stdout);
}

#[test]
fn a_good_setup_exits_0_with_the_probe_checks() {
    let site = Site::start(Setup::good());
    let run = probe_site(
        &site,
        &["--color", "never", "--origin", "https://app.acme.test/"],
    );
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    for id in [
        "mcp-401-challenge",
        "mcp-discovery",
        "custom-domain-metadata",
        "env-production",
        "https-everywhere",
        "hsts",
        "cors",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains("pass") && l.contains(id)),
            "{id} does not pass:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("PROBE"), "{}", run.stdout);
    assert!(run.stdout.contains("7 pass, 0 fail"), "{}", run.stdout);
    // --insecure is said loudly: on stderr and in the report.
    assert!(
        run.stderr
            .starts_with("flowlens: warning: --insecure: TLS certificates are NOT verified"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("note: --insecure"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("asked as the browser-based client on https://app.acme.test"),
        "{}",
        run.stdout
    );

    // By default the probe is a native client and says what it did not check.
    let run = probe_site(&site, &["--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("not observed") && l.contains("cors")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Browser-based clients were not checked"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_and_markdown_reports() {
    let site = Site::start(Setup::good());
    let run = probe_site(&site, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON report");
    assert_eq!(report["schema"], "flowlens.report/v1");
    assert_eq!(report["source"]["kind"], "probe");
    assert_eq!(report["source"]["name"], site.mcp_url.as_str());
    assert_eq!(report["counts"]["fail"], 0);
    assert_eq!(report["flows"][0]["hops"][0]["role"], "mcp-request");

    let run = probe_site(&site, &["--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("# Flowlens"), "{}", run.stdout);
    assert!(run.stdout.contains("`mcp-discovery`"), "{}", run.stdout);
}

#[test]
fn a_broken_setup_exits_1() {
    let site = Site::start(Setup {
        resource: Some("https://mcp.acme.test/other".into()),
        ..Setup::good()
    });
    let run = probe_site(&site, &["--color", "never"]);
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("FAIL") && l.contains("mcp-discovery")),
        "{}",
        run.stdout
    );

    // A warning alone does not fail the probe.
    let site = Site::start(Setup {
        challenge: ChallengeKind::NoScope,
        ..Setup::good()
    });
    let run = probe_site(&site, &["--color", "never"]);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains("WARN"), "{}", run.stdout);
}

#[test]
fn the_recorded_trace_can_be_saved_and_checked_again() {
    let site = Site::start(Setup::good());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("probe.json");
    let run = probe_site(&site, &["--save-trace", path.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("JSON");
    assert_eq!(trace["source"], "probe");
    assert_eq!(trace["exchanges"].as_array().map(Vec::len), Some(3));

    let run = exec(flowlens().args(["check", "--format", "json"]).arg(&path));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a report");
    assert_eq!(report["source"]["kind"], "probe");
    let discovery = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "mcp-discovery")
        .expect("mcp-discovery");
    assert_eq!(discovery["status"], "pass");
}

#[test]
fn a_stopped_probe_still_saves_what_it_recorded() {
    let site = Site::start(Setup {
        prm_redirect_loop: true,
        ..Setup::good()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("partial.json");
    let run = probe_site(&site, &["--save-trace", path.to_str().expect("utf-8")]);
    assert_probe_error(
        &run,
        "step 2 (protected-resource metadata) failed: redirect loop",
    );
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("JSON");
    assert_eq!(trace["exchanges"].as_array().map(Vec::len), Some(3));
}

#[test]
fn connection_refused_exits_2_naming_the_step() {
    let url = format!("http://127.0.0.1:{}/mcp", closed_port());
    let run = exec(flowlens().args(["probe", &url]));
    assert_probe_error(
        &run,
        "step 1 (unauthenticated MCP initialize request) failed: connection to 127.0.0.1 refused",
    );
}

#[test]
fn tls_failures_exit_2() {
    let site = Site::start(Setup::good());
    // https spoken to the plain-http port.
    let url = format!("https://mcp.acme.test:{}/mcp", site.http.port);
    let run = exec(
        flowlens()
            .args(["probe", &url, "--insecure"])
            .args(site.resolve_args()),
    );
    assert_probe_error(&run, "TLS with mcp.acme.test failed");
    // A self-signed certificate without --insecure.
    let run = exec(
        flowlens()
            .args(["probe", &site.mcp_url])
            .args(site.resolve_args()),
    );
    assert_probe_error(&run, "--insecure skips verification");
}

#[test]
fn an_unknown_host_exits_2() {
    let run = exec(flowlens().args([
        "probe",
        "https://mcp.flowlens.invalid/mcp",
        "--timeout",
        "5",
    ]));
    assert_probe_error(&run, "the host name mcp.flowlens.invalid did not resolve");
}

#[test]
fn a_stalled_server_times_out_and_exits_2() {
    let site = Site::start(Setup {
        mcp_stalls: true,
        ..Setup::good()
    });
    let started = Instant::now();
    let run = probe_site(&site, &["--timeout", "0.5"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_probe_error(&run, "timed out");
}

#[test]
fn an_endless_response_exits_2() {
    let site = Site::start(Setup {
        prm_endless: true,
        ..Setup::good()
    });
    let run = probe_site(&site, &[]);
    assert_probe_error(
        &run,
        "is larger than 1 MiB; the probe stopped reading there",
    );
}

#[test]
fn an_html_page_instead_of_an_mcp_server_exits_2() {
    let site = Site::start(Setup {
        mcp_html: true,
        ..Setup::good()
    });
    let run = probe_site(&site, &[]);
    assert_probe_error(&run, "with an HTML page");
}

#[test]
fn bad_command_lines_exit_2() {
    let run = exec(flowlens().args(["probe", "mcp.acme.test/mcp"]));
    assert_probe_error(
        &run,
        "has no scheme: give the full MCP server URL, e.g. https://mcp.acme.test/mcp",
    );

    for args in [
        vec!["probe", "https://mcp.acme.test/mcp", "--timeout", "0"],
        vec!["probe", "https://mcp.acme.test/mcp", "--timeout", "soon"],
        vec![
            "probe",
            "https://mcp.acme.test/mcp",
            "--resolve",
            "mcp.acme.test",
        ],
        vec![
            "probe",
            "https://mcp.acme.test/mcp",
            "--no-origin",
            "--origin",
            "https://a.test",
        ],
        vec![
            "probe",
            "https://mcp.acme.test/mcp",
            "--origin",
            "app.acme.test",
        ],
        vec!["probe"],
    ] {
        let run = exec(flowlens().args(&args));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
}
