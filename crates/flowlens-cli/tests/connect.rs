//! `flowlens connect` end to end: the binary against the simulated Scalekit environment and
//! against the MCP TypeScript SDK's demo server, both started by node
//! (`tests/e2e/connect/serve.mjs`) on loopback, with Debian's headless Chromium and the
//! steps file `tests/e2e/connect/sim-steps.toml`. Every check has one exact expected status
//! per server; the bad situations (refused registration, an authorization error, a stalled
//! step, a redirect that never comes back, a browser closed mid-flow) end with exit 2, a
//! message naming the step, and the report of what was seen.
//!
//! They need node with `tests/e2e/node_modules` (`npm ci`) and `/usr/bin/chromium` (or
//! $FLOWLENS_CHROMIUM). Without them each test says so and passes, unless
//! FLOWLENS_REQUIRE_CONNECT_E2E=1 (`cargo xtask test` sets it). The runs are serialized: one
//! browser at a time keeps the time limits meaningful on a loaded machine.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{exec, flowlens, Run};

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::new(());

const PASSWORD_ENV: &str = "FLOWLENS_TEST_PASSWORD";
/// Any password works on the simulator's login page; this one must never be written.
const PASSWORD: &str = "correct-horse-battery-staple-7";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn e2e() -> PathBuf {
    repo().join("tests/e2e")
}

fn chromium() -> PathBuf {
    std::env::var_os("FLOWLENS_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// `None` (and a line on stderr) when node, the npm packages or Chromium are missing.
fn ready() -> Option<std::sync::MutexGuard<'static, ()>> {
    let missing: Vec<&str> = [
        (
            !e2e()
                .join("node_modules/@modelcontextprotocol/sdk")
                .exists(),
            "tests/e2e/node_modules (npm ci)",
        ),
        (!chromium().exists(), "Chromium"),
        (
            Command::new("node").arg("--version").output().is_err(),
            "node",
        ),
    ]
    .into_iter()
    .filter_map(|(gone, what)| gone.then_some(what))
    .collect();
    if !missing.is_empty() {
        let required = std::env::var("FLOWLENS_REQUIRE_CONNECT_E2E").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "flowlens connect e2e tests need {}",
            missing.join(", ")
        );
        eprintln!(
            "skipped: flowlens connect e2e tests need {}",
            missing.join(", ")
        );
        return None;
    }
    Some(
        ONE_BROWSER_AT_A_TIME
            .lock()
            .unwrap_or_else(|e| e.into_inner()),
    )
}

/// A server started by `serve.mjs`; it stops when its stdin closes (on drop).
struct Served {
    child: Child,
    stdin: Option<ChildStdin>,
    info: Value,
}

impl Served {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new("node")
            .arg(e2e().join("connect/serve.mjs"))
            .args(args)
            .current_dir(e2e())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs serve.mjs");
        let stdin = child.stdin.take();
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("serve.mjs answers");
        let info: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("serve.mjs {args:?} printed {line:?}: {e}"));
        Self { child, stdin, info }
    }

    fn sim(scenario: &str) -> Self {
        Self::start(&["sim", scenario])
    }

    fn url(&self) -> &str {
        self.info["url"].as_str().expect("url")
    }

    /// `--connect-to` and `--cacert` for this server.
    fn reach(&self) -> Vec<String> {
        let mut args = Vec::new();
        for c in self.info["connectTo"].as_array().into_iter().flatten() {
            args.push("--connect-to".into());
            args.push(c.as_str().unwrap_or_default().to_string());
        }
        if let Some(ca) = self.info["caPath"].as_str() {
            args.push("--cacert".into());
            args.push(ca.into());
        }
        args
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn steps_file() -> PathBuf {
    e2e().join("connect/sim-steps.toml")
}

/// `flowlens connect URL --format json --headless` with the server's reach and `extra`.
fn connect(served: &Served, extra: &[&str]) -> (Run, Option<Value>) {
    let started = Instant::now();
    let run = exec(
        flowlens()
            .arg("connect")
            .arg(served.url())
            .args(served.reach())
            .args(["--format", "json", "--headless", "--browser"])
            .arg(chromium())
            .args(extra)
            .env(PASSWORD_ENV, PASSWORD)
            .timeout(Duration::from_secs(180)),
    );
    eprintln!(
        "flowlens connect {} {extra:?}: exit {} in {:.1} s",
        served.url(),
        run.code,
        started.elapsed().as_secs_f64()
    );
    let report = serde_json::from_str(&run.stdout).ok();
    (run, report)
}

/// `{check id: status}` of a report's automated checks.
fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| !c["id"].as_str().unwrap_or_default().starts_with("manual-"))
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn expect_statuses(report: &Value, expected: &[(&str, &str)], what: &str) {
    let actual = statuses(report);
    let wanted: BTreeMap<String, String> = expected
        .iter()
        .map(|(i, s)| (i.to_string(), s.to_string()))
        .collect();
    let rules = flowlens_core::rules::registry().len();
    assert_eq!(
        wanted.len(),
        rules,
        "{what}: the table must name every rule"
    );
    let differences: Vec<String> = wanted
        .iter()
        .filter(|(id, s)| actual.get(*id) != Some(s))
        .map(|(id, s)| {
            let summary = report["checks"]
                .as_array()
                .and_then(|l| l.iter().find(|c| c["id"] == id.as_str()))
                .map(|c| c["summary"].to_string())
                .unwrap_or_default();
            format!("{id}: expected {s}, got {:?} ({summary})", actual.get(id))
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{what}:\n{}",
        differences.join("\n")
    );
}

fn check(report: &Value, id: &str) -> Value {
    report["checks"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or(Value::Null)
}

fn has_check(report: &Value, id: &str) -> bool {
    !check(report, id).is_null()
}

fn evidence_notes(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["note"].as_str().map(str::to_string))
        .collect()
}

/// The manual items the active checks answer.
const ANSWERED: [&str; 4] = [
    "manual-api-clients",
    "manual-invalid-codes",
    "manual-expired-tokens",
    "manual-session-refresh",
];

/// The saved HAR gives `flowlens check` the same statuses, and holds no secret in clear.
fn same_statuses_from_the_har(report: &Value, har: &Path) {
    let text = std::fs::read_to_string(har).expect("the HAR was written");
    assert!(!text.contains(PASSWORD), "the password is in the HAR");
    for jwt in text
        .split('"')
        .filter(|s| s.starts_with("eyJ") && s.matches('.').count() == 2)
    {
        let signature = jwt.rsplit('.').next().unwrap_or_default();
        assert!(
            signature.starts_with("redacted-"),
            "a JWT signature is in clear in the HAR: …{}",
            &signature[..signature.len().min(12)]
        );
    }
    let checked = exec(flowlens().arg("check").arg(har).args(["--format", "json"]));
    let from_har: Value = serde_json::from_str(&checked.stdout).expect("check prints JSON");
    assert_eq!(
        statuses(&from_har),
        statuses(report),
        "flowlens check on the saved HAR"
    );
    assert_eq!(from_har["counts"], report["counts"]);
}

const GOOD: &[(&str, &str)] = &[
    ("capture-complete", "pass"),
    ("env-production", "pass"),
    ("https-everywhere", "pass"),
    // A native client sends no Origin: there is no CORS answer to judge.
    ("cors", "not-observed"),
    ("custom-domain-authorize", "pass"),
    ("custom-domain-pages", "pass"),
    ("custom-domain-metadata", "pass"),
    ("hsts", "pass"),
    ("branding-logo", "pass"),
    ("branding-favicon", "pass"),
    ("branding-colors", "pass"),
    ("branding-app-name", "pass"),
    ("branding-vendor-mark", "pass"),
    ("byoa-login-endpoint", "pass"),
    ("byoa-handoff-server-side", "pass"),
    ("byoa-state-roundtrip", "pass"),
    ("byoa-timing", "pass"),
    ("byoa-callback", "pass"),
    ("oauth-pkce-s256", "pass"),
    ("oauth-state", "pass"),
    ("oauth-resource-indicator", "pass"),
    ("oauth-redirect-uri", "pass"),
    ("oauth-authorization-response", "pass"),
    ("oauth-iss", "pass"),
    ("oauth-no-tokens-in-url", "pass"),
    ("oauth-consent-shown", "pass"),
    ("oauth-token-exchange", "pass"),
    ("oauth-token-response", "pass"),
    ("oauth-code-replay", "pass"),
    ("oauth-refresh", "pass"),
    ("cookies-flags", "pass"),
    ("clickjacking", "pass"),
    ("mixed-content", "pass"),
    ("referrer-policy", "pass"),
    ("network-allowlist", "pass"),
    ("mcp-401-challenge", "pass"),
    ("mcp-discovery", "pass"),
    ("mcp-authorized-call", "pass"),
    ("mcp-invalid-token", "pass"),
    ("mcp-session-id", "pass"),
];

/// `GOOD` with some statuses changed.
fn good_but(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    GOOD.iter()
        .map(|&(id, s)| {
            changes
                .iter()
                .find(|(c, _)| *c == id)
                .map_or((id, s), |&(_, changed)| (id, changed))
        })
        .collect()
}

#[test]
fn the_good_deployment_passes_every_check_a_run_can_see() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    let dir = tempfile::tempdir().expect("temp dir");
    let (har, jpeg) = (dir.path().join("good.har"), dir.path().join("consent.jpg"));
    let steps = steps_file();
    let (run, report) = connect(
        &served,
        &[
            "--steps",
            steps.to_str().unwrap_or_default(),
            "--save-har",
            har.to_str().unwrap_or_default(),
            "--screenshot",
            jpeg.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = report.expect("a JSON report");
    assert_eq!(report["source"]["kind"], "connect");
    expect_statuses(&report, GOOD, "good");
    // The authorized tools/list, as the server answered it.
    let notes = evidence_notes(&report, "mcp-authorized-call");
    assert!(
        notes
            .iter()
            .any(|n| n == "2 tools: list_events, create_event"),
        "{notes:?}"
    );
    // The active checks took the manual items' places; the session item stays (informed).
    for item in ANSWERED {
        assert!(!has_check(&report, item), "{item} is still manual");
    }
    assert!(has_check(&report, "manual-mcp-session-management"));
    // Progress on stderr, without a secret.
    for line in [
        "4/8 client registration: registered client m2m_",
        "step 5 (click the element with text \"Allow\"): done",
        "the code redeemed again: 400 invalid_grant",
    ] {
        assert!(run.stderr.contains(line), "{line} not in:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains(PASSWORD) && !run.stdout.contains(PASSWORD));
    // The consent page's screenshot, and the HAR that check and the viewer open.
    let image = std::fs::read(&jpeg).expect("the screenshot was written");
    assert_eq!(&image[..3], &[0xff, 0xd8, 0xff], "a JPEG");
    same_statuses_from_the_har(&report, &har);
}

#[test]
fn the_vendor_domain_fails_the_custom_domain_checks() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("vendor-default");
    let steps = steps_file();
    let (run, report) = connect(&served, &["--steps", steps.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected = good_but(&[
        ("custom-domain-authorize", "fail"),
        ("custom-domain-pages", "fail"),
        ("custom-domain-metadata", "fail"),
        // No custom domain, so no custom domain to send HSTS.
        ("hsts", "not-observed"),
        ("branding-vendor-mark", "warn"),
    ]);
    expect_statuses(&report.expect("a JSON report"), &expected, "vendor-default");
}

#[test]
fn a_server_that_accepts_replayed_codes_and_bad_tokens_fails_those_checks() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("lax-tokens");
    let steps = steps_file();
    let (run, report) = connect(&served, &["--steps", steps.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = report.expect("a JSON report");
    let expected = good_but(&[
        ("oauth-code-replay", "fail"),
        ("mcp-invalid-token", "fail"),
        ("mcp-session-id", "fail"),
    ]);
    expect_statuses(&report, &expected, "lax-tokens");
    assert!(check(&report, "oauth-code-replay")["summary"]
        .as_str()
        .is_some_and(|s| s.contains("issued a second token")));
    let invalid = check(&report, "mcp-invalid-token")["summary"].to_string();
    assert!(
        invalid.contains("altered") && invalid.contains("expired"),
        "{invalid}"
    );
    // Failing checks still answer the manual items: the evidence is there.
    for item in ANSWERED {
        assert!(!has_check(&report, item), "{item} is still manual");
    }
}

#[test]
fn damaged_state_stops_at_the_error_page_with_the_step_named() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("state-altered");
    let steps = steps_file();
    let (run, report) = connect(
        &served,
        &[
            "--steps",
            steps.to_str().unwrap_or_default(),
            "--step-timeout",
            "4",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("step 5/8 (authorization in the browser) stopped: step 4 (wait for the URL https://*/oauth/consent?*) could not act within 4 s; the browser is at https://auth.acme.test/a/auth/error?error=invalid_state (HTTP 400), \"Something went wrong\" [step-timeout]"),
        "{}",
        run.stderr
    );
    let expected = good_but(&[
        ("branding-logo", "not-observed"),
        ("branding-favicon", "not-observed"),
        ("branding-colors", "not-observed"),
        ("branding-app-name", "not-observed"),
        ("branding-vendor-mark", "not-observed"),
        ("byoa-state-roundtrip", "fail"),
        ("oauth-state", "warn"),
        ("oauth-redirect-uri", "warn"),
        ("oauth-authorization-response", "fail"),
        ("oauth-iss", "not-observed"),
        ("oauth-consent-shown", "not-observed"),
        ("oauth-token-exchange", "not-observed"),
        ("oauth-token-response", "not-observed"),
        ("oauth-code-replay", "not-observed"),
        ("oauth-refresh", "not-observed"),
        // The pages' own loads (their favicons), not tied to a page by a Referer: all https.
        ("mixed-content", "pass"),
        ("mcp-authorized-call", "not-observed"),
        ("mcp-invalid-token", "not-observed"),
        ("mcp-session-id", "not-observed"),
    ]);
    let report = report.expect("the report of what was seen");
    expect_statuses(&report, &expected, "state-altered");
    for item in ANSWERED {
        assert!(
            has_check(&report, item),
            "{item} stays manual without evidence"
        );
    }
}

const MCP_SDK: &[(&str, &str)] = &[
    ("capture-complete", "pass"),
    ("env-production", "pass"),
    // The demo's authorization server is plain http on localhost.
    ("https-everywhere", "warn"),
    ("cors", "not-observed"),
    ("custom-domain-authorize", "pass"),
    // It approves at once: no login, consent or error page.
    ("custom-domain-pages", "not-observed"),
    ("custom-domain-metadata", "pass"),
    ("hsts", "not-observed"),
    ("branding-logo", "not-observed"),
    ("branding-favicon", "not-observed"),
    ("branding-colors", "not-observed"),
    ("branding-app-name", "not-observed"),
    ("branding-vendor-mark", "not-observed"),
    ("byoa-login-endpoint", "skipped"),
    ("byoa-handoff-server-side", "skipped"),
    ("byoa-state-roundtrip", "skipped"),
    ("byoa-timing", "skipped"),
    ("byoa-callback", "skipped"),
    ("oauth-pkce-s256", "pass"),
    ("oauth-state", "pass"),
    ("oauth-resource-indicator", "pass"),
    ("oauth-redirect-uri", "pass"),
    ("oauth-authorization-response", "pass"),
    // No RFC 9207 iss, and no consent page.
    ("oauth-iss", "warn"),
    ("oauth-no-tokens-in-url", "pass"),
    ("oauth-consent-shown", "fail"),
    ("oauth-token-exchange", "pass"),
    ("oauth-token-response", "pass"),
    // A replayed code is refused, but with 500 server_error.
    ("oauth-code-replay", "warn"),
    // The demo issues no refresh token.
    ("oauth-refresh", "not-observed"),
    // Its demo_session cookie is not Secure.
    ("cookies-flags", "fail"),
    ("clickjacking", "not-observed"),
    ("mixed-content", "not-observed"),
    ("referrer-policy", "warn"),
    ("network-allowlist", "pass"),
    // The challenge has no scope.
    ("mcp-401-challenge", "warn"),
    ("mcp-discovery", "pass"),
    ("mcp-authorized-call", "pass"),
    // Its token verifier throws on an altered token: 500, not 401.
    ("mcp-invalid-token", "fail"),
    ("mcp-session-id", "pass"),
];

#[test]
fn the_mcp_sdk_demo_server_approves_without_a_page_and_needs_no_steps() {
    let Some(_browser) = ready() else { return };
    let served = Served::start(&["mcp-sdk"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let har = dir.path().join("mcp-sdk.har");
    let (run, report) = connect(&served, &["--save-har", har.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = report.expect("a JSON report");
    expect_statuses(&report, MCP_SDK, "mcp-sdk");
    let notes = evidence_notes(&report, "mcp-authorized-call");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("7 tools: greet, multi-greet")),
        "{notes:?}"
    );
    same_statuses_from_the_har(&report, &har);
}

#[test]
fn a_refused_registration_stops_at_step_4_with_a_report() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("registration-refused");
    let (run, report) = connect(&served, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("step 4/8 (client registration) stopped: the authorization server refused to register the client: https://auth.acme.test/api/v1/resources/res_123456789/clients:register answered 400 invalid_client_metadata (dynamic registration is disabled for this resource) [registration-refused]"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("Chromium started"),
        "no browser before a client id"
    );
    let report = report.expect("the report of discovery");
    assert_eq!(check(&report, "mcp-discovery")["status"], "pass");
}

#[test]
fn an_authorization_error_stops_at_step_5_with_the_error() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    let dir = tempfile::tempdir().expect("temp dir");
    let deny = dir.path().join("deny.toml");
    let steps = std::fs::read_to_string(steps_file())
        .expect("steps")
        .replace("\"Allow\"", "\"Deny\"");
    std::fs::write(&deny, steps).expect("write steps");
    let (run, report) = connect(&served, &["--steps", deny.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("step 5/8 (authorization in the browser) stopped: the authorization server answered error=access_denied [authorization-error]"),
        "{}",
        run.stderr
    );
    let report = report.expect("the report of what was seen");
    assert_eq!(
        check(&report, "oauth-authorization-response")["status"],
        "fail"
    );
    assert_eq!(
        check(&report, "oauth-token-exchange")["status"],
        "not-observed"
    );
}

#[test]
fn a_redirect_that_never_comes_back_stops_after_the_wait() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    // No steps: nobody signs in on the login page.
    let (run, report) = connect(&served, &["--wait", "3"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("flowlens: error:"))
        .unwrap_or_default();
    assert!(
        error.contains("step 5/8 (authorization in the browser) stopped: the authorization response did not reach http://127.0.0.1:")
            && error.contains("/callback within 3 s after the authorization request; the browser is at https://login.acme.test/login?login_request_id=lri_")
            && error.ends_with("(HTTP 200), \"Sign in · Acme\" [no-redirect]"),
        "{error}"
    );
    let report = report.expect("the report of what was seen");
    assert_eq!(check(&report, "byoa-login-endpoint")["status"], "pass");
}

#[test]
fn closing_the_browser_stops_the_run_at_once() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flowlens"))
        .arg("connect")
        .arg(served.url())
        .args(served.reach())
        .args([
            "--format",
            "json",
            "--headless",
            "--wait",
            "120",
            "--browser",
        ])
        .arg(chromium())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowlens runs");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let pid = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read") == 0 {
            panic!("flowlens ended before Chromium started:\n{seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("pid ").nth(1) {
            break rest
                .trim_end_matches(|c: char| !c.is_ascii_digit())
                .to_string();
        }
    };
    // Wait for the login page, then close the browser as a user would (it exits).
    while !seen.contains("page https://login.acme.test/login") {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read") == 0 {
            break;
        }
        seen.push_str(&line);
    }
    let closed_at = Instant::now();
    Command::new("kill").arg(&pid).status().expect("kill runs");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("read");
    let status = child.wait().expect("flowlens ends");
    let took = closed_at.elapsed();
    assert_eq!(status.code(), Some(2), "{seen}{rest}");
    assert!(took < Duration::from_secs(15), "stopping took {took:?}");
    assert!(
        rest.contains("step 5/8 (authorization in the browser) stopped: the browser was closed before the authorization response came back; it was at https://login.acme.test/login?login_request_id=lri_")
            && rest.contains("[browser-closed]"),
        "{rest}"
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    let report: Value = serde_json::from_str(&stdout).expect("the report of what was seen");
    assert_eq!(check(&report, "byoa-login-endpoint")["status"], "pass");
}

#[test]
fn ctrl_c_stops_the_run_and_leaves_no_browser_profile_on_disk() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    // The profile is made in TMPDIR: a directory of this test's own, to look into after.
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flowlens"))
        .arg("connect")
        .arg(served.url())
        .args(served.reach())
        .args([
            "--format",
            "json",
            "--headless",
            "--wait",
            "120",
            "--browser",
        ])
        .arg(chromium())
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowlens runs");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    while !seen.contains("page https://login.acme.test/login") {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read") == 0 {
            panic!("flowlens ended before the login page:\n{seen}");
        }
        seen.push_str(&line);
    }
    let profiles = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with("flowlens-connect-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        profiles(tmp.path()).len(),
        1,
        "the run's profile is in TMPDIR"
    );
    let pressed_at = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("read");
    let status = child.wait().expect("flowlens ends");
    let took = pressed_at.elapsed();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(took < Duration::from_secs(15), "stopping took {took:?}");
    assert!(
        rest.contains("step 5/8 (authorization in the browser) stopped: interrupted (Ctrl-C) before the authorization response came back; it was at https://login.acme.test/login?login_request_id=lri_")
            && rest.contains("[interrupted]"),
        "{rest}"
    );
    assert_eq!(
        profiles(tmp.path()),
        Vec::<String>::new(),
        "no profile left"
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    let report: Value = serde_json::from_str(&stdout).expect("the report of what was seen");
    assert_eq!(check(&report, "byoa-login-endpoint")["status"], "pass");
}

#[test]
fn unusable_arguments_are_clear_errors_before_anything_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let steps = dir.path().join("steps.toml");
    std::fs::write(
        &steps,
        "[[step]]\nfill = \"#password\"\nenv = \"FLOWLENS_UNSET_FOR_TEST\"\n",
    )
    .expect("write");
    let run = exec(
        flowlens()
            .args(["connect", "https://mcp.invalid/mcp", "--steps"])
            .arg(&steps)
            .env_remove("FLOWLENS_UNSET_FOR_TEST"),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("step 1: fill #password reads $FLOWLENS_UNSET_FOR_TEST, which is not set in the environment"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    let run = exec(flowlens().args(["connect", "mcp.acme.test/mcp"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("has no scheme"), "{}", run.stderr);
}

#[test]
fn a_missing_browser_is_named() {
    let Some(_browser) = ready() else { return };
    let served = Served::sim("good");
    let (run, _) = {
        let run = exec(
            flowlens()
                .arg("connect")
                .arg(served.url())
                .args(served.reach())
                .args([
                    "--format",
                    "json",
                    "--headless",
                    "--browser",
                    "/nonexistent/chromium",
                ]),
        );
        (run, ())
    };
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("step 5/8 (authorization in the browser) stopped: no browser at /nonexistent/chromium: install Debian's chromium (apt-get install chromium) or pass --browser PATH [browser-launch]"),
        "{}",
        run.stderr
    );
}
