//! The bad-input matrix: every surface Flowlens reads, damaged every way input gets damaged.
//! Each gives a clear one-line error or an honest "not observed", never a panic or a hang.
//!
//! One test per cell, named `surface::damage` (`cargo test --test bad_input har::`):
//!
//! | surface ↓ damage →      | truncated | wrong_type | huge | deeply_nested | invalid_utf8 | lone_surrogate | duplicate_keys | hostile_strings |
//! |-------------------------|-----------|------------|------|---------------|--------------|----------------|----------------|-----------------|
//! | `har` (flowlens check)  | error | error; a bad entry skipped, noted | cut, noted | read, nesting skipped | error | U+FFFD, noted | entry skipped, noted | shown as text |
//! | `export_zip` (check, viewer) | error | error | error | error | name read | U+FFFD, noted | last one read | name cleaned |
//! | `trace_json` (check)    | error | error | read | error | error | error | last one read | shown as text |
//! | `profile_toml` (check)  | error | error | read | error | error | error | error | names shown as text; a domain or URL that is none: error, escaped |
//! | `options_profile` (form, stored) | error | error | read | error | error | error | error | names shown as text; a domain or URL that is none: error per field, escaped |
//! | `probe_response` (probe)| not observed | not observed | error | not observed | not observed | not observed | last one read | header: error; body: shown as text |
//! | `page_snapshot`         | error, then not observed | error | read | error | error | error | error | shown as text |
//! | `page_html` (check: a HAR's page) | read what came before the cut | read, no facts | cut, noted | read | U+FFFD | U+FFFD, noted | the first attribute counts | shown as text |
//!
//! "error" is exit code 2 and one line on stderr for the CLI, one line of text for the other
//! surfaces; "read" means the input is analysed and every renderer's output stays safe (no
//! terminal escape, no HTML from the input). The options page's profile and page snapshots
//! reach Rust as JSON through serde-wasm-bindgen; serde_json stands in for it here.

mod common;
#[allow(unused_imports)] // the probe's tests use the rest
#[path = "../../flowlens-probe/tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use common::{exec, flowlens, Run};
use flowlens_core::trace::PageSnapshot;
use flowlens_core::{Profile, Status};
use serde_json::{json, Value};

/// Bad input must never hang: each cell gets this long.
const DEADLINE: Duration = Duration::from_secs(120);

fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no answer within {DEADLINE:?}: a hang, or a panic above"))
}

/// The message is one line that contains `phrase`.
fn one_line(message: &str, phrase: &str) {
    assert!(
        !message.trim().is_empty() && message.trim_end().lines().count() == 1,
        "one line expected: {message:?}"
    );
    assert!(message.contains(phrase), "{message:?} lacks {phrase:?}");
}

const GOOD_HAR: &str = include_str!("fixtures/custom-domain-byoa.har");

fn good_har() -> Value {
    serde_json::from_str(GOOD_HAR).expect("the fixture is JSON")
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("JSON")
}

/// Deeply nested arrays: far past any parser's recursion limit.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// What a page or a server can put in a string to fool a terminal, a Markdown viewer or a
/// reader.
const HOSTILE: &str =
    "\u{1b}[2J\u{1b}]0;owned\u{7}<script>alert(1)</script>\r\n\u{202e}lanigiro\u{202c} `|*";

/// `flowlens check FILE`, with the file's bytes written to a temporary file.
fn check(name: &str, bytes: &[u8], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("written");
    within({
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        move || {
            let run = exec(flowlens().arg("check").args(&extra).arg(&path));
            drop(dir);
            run
        }
    })
}

fn check_error(name: &str, bytes: &[u8], phrase: &str) {
    let run = check(name, bytes, &[]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.starts_with("flowlens: error: "),
        "{}",
        run.stderr
    );
    one_line(&run.stderr, phrase);
}

/// The report of a file that was read; its text and Markdown renderings are checked safe.
fn check_reads(name: &str, bytes: &[u8]) -> Value {
    let text = check(name, bytes, &["--color", "always"]);
    assert!(matches!(text.code, 0 | 1), "{}", text.stderr);
    flowlens_fuzz::render::check_terminal_text(&text.stdout);
    let md = check(name, bytes, &["--format", "markdown"]);
    flowlens_fuzz::render::check_markdown(&md.stdout);
    let json = check(name, bytes, &["--format", "json"]);
    serde_json::from_str(&json.stdout).expect("the JSON report")
}

fn notes(report: &Value) -> String {
    report["notes"].to_string()
}

/// An entry of the good HAR with its request URL replaced.
fn with_url(url: &str) -> Value {
    let mut har = good_har();
    har["log"]["entries"][0]["request"]["url"] = json!(url);
    har
}

/// The good HAR with what `JSON.stringify` writes for a string cut in the middle of an emoji,
/// in a URL and in a body of one entry.
fn surrogate_har() -> Vec<u8> {
    let mut har = good_har();
    har["log"]["entries"][0]["request"]["url"] = json!("https://app.acme.test/?q=SURROGATE");
    har["log"]["entries"][0]["response"]["content"]["text"] = json!("<p>SURROGATE</p>");
    serde_json::to_string(&har)
        .expect("JSON")
        .replace("SURROGATE", "\\ud83d")
        .into_bytes()
}

mod har {
    use super::*;

    #[test]
    fn truncated() {
        check_error(
            "t.har",
            &GOOD_HAR.as_bytes()[..GOOD_HAR.len() / 2],
            "truncated JSON",
        );
    }

    #[test]
    fn wrong_type() {
        check_error(
            "w.har",
            br#"{"log": {"entries": {"request": {}}}}"#,
            "not a HAR file (\"log.entries\" is not an array)",
        );
        // An entry of the wrong shape is skipped and said; the others are checked.
        let mut har = good_har();
        har["log"]["entries"][3]["request"] = json!("GET /");
        let report = check_reads("w.har", &to_bytes(&har));
        assert!(
            notes(&report).contains("1 entry of 16 could not be read"),
            "{}",
            notes(&report)
        );
    }

    #[test]
    fn huge() {
        let long = format!("https://app.acme.test/?q={}", "a".repeat(20 << 20));
        let report = check_reads("h.har", &to_bytes(&with_url(&long)));
        assert!(
            notes(&report).contains("1 URL was longer than 64 KiB cut"),
            "{}",
            notes(&report)
        );
    }

    #[test]
    fn deeply_nested() {
        // Nested values, where a member nobody reads is (an exporter's extension) and where a
        // header should be: skipped without recursion, the entry read.
        let mut har = good_har();
        har["log"]["entries"][2]["_extension"] = json!("NESTED");
        har["log"]["entries"][3]["request"]["headers"][0] = json!("NESTED");
        let text = serde_json::to_string(&har)
            .expect("JSON")
            .replace("\"NESTED\"", &nested(100_000));
        let report = check_reads("n.har", text.as_bytes());
        assert_eq!(report["source"]["exchanges"], 16);
        // Nested past the limit where the document's own structure is: an error.
        check_error(
            "n.har",
            format!("{{\"log\": {}}}", nested(100_000)).as_bytes(),
            "not a HAR file",
        );
    }

    #[test]
    fn invalid_utf8() {
        let mut bytes = GOOD_HAR.as_bytes().to_vec();
        let at = GOOD_HAR.find("https://").expect("a URL");
        bytes[at + 2] = 0xff;
        check_error("u.har", &bytes, "invalid UTF-8 at line");
    }

    #[test]
    fn lone_surrogate() {
        let report = check_reads("s.har", &surrogate_har());
        assert_eq!(report["source"]["exchanges"], 16);
        assert!(
            notes(&report).contains("1 entry or body held a lone UTF-16 surrogate"),
            "{}",
            notes(&report)
        );
    }

    #[test]
    fn duplicate_keys() {
        let text = GOOD_HAR.replacen("\"request\": {", "\"request\": {}, \"request\": {", 1);
        let report = check_reads("d.har", text.as_bytes());
        assert!(
            notes(&report).contains("1 entry of 16 could not be read"),
            "{}",
            notes(&report)
        );
        // A second `log` is ignored: the first one is the document.
        let twice = format!("{{\"log\": {}, \"log\": 5}}", good_har()["log"]);
        check_reads("d.har", twice.as_bytes());
    }

    #[test]
    fn hostile_strings() {
        let mut har = with_url(&format!("https://app.acme.test/{HOSTILE}"));
        har["log"]["creator"]["name"] = json!(HOSTILE);
        check_reads("x.har", &to_bytes(&har));
    }
}

mod export_zip {
    use super::*;

    fn bundle() -> Vec<u8> {
        flowlens_fuzz::open::export_bundle(&flowlens_fuzz::seeds::traces()[0])
    }

    /// A stored zip written byte by byte, so that it can lie (sizes, names twice, any bytes
    /// in a name), with each entry's (name, data, size the directory claims).
    fn raw_zip(files: &[(&[u8], &[u8], u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for (name, data, claimed) in files {
            let crc = crc32fast::hash(data);
            let at = out.len() as u32;
            let header = |sig: u32, central: bool| {
                let mut h = Vec::new();
                h.extend_from_slice(&sig.to_le_bytes());
                if central {
                    h.extend_from_slice(&20u16.to_le_bytes()); // made by
                }
                h.extend_from_slice(&20u16.to_le_bytes()); // needed
                h.extend_from_slice(&0u16.to_le_bytes()); // flags
                h.extend_from_slice(&0u16.to_le_bytes()); // stored
                h.extend_from_slice(&0u32.to_le_bytes()); // time, date
                h.extend_from_slice(&crc.to_le_bytes());
                h.extend_from_slice(&(data.len() as u32).to_le_bytes());
                h.extend_from_slice(&claimed.to_le_bytes());
                h.extend_from_slice(&(name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes()); // extra
                if central {
                    h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                    h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                    h.extend_from_slice(&at.to_le_bytes());
                }
                h.extend_from_slice(name);
                h
            };
            out.extend(header(0x0403_4b50, false));
            out.extend_from_slice(data);
            directory.extend(header(0x0201_4b50, true));
        }
        let (cd_at, cd_len) = (out.len() as u32, directory.len() as u32);
        out.extend(directory);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd_at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let files: Vec<(&[u8], &[u8], u32)> = files
            .iter()
            .map(|(n, d)| (n.as_bytes(), *d, d.len() as u32))
            .collect();
        raw_zip(&files)
    }

    #[test]
    fn truncated() {
        let b = bundle();
        check_error("t.zip", &b[..b.len() / 2], "not a readable zip file");
    }

    #[test]
    fn wrong_type() {
        check_error(
            "w.zip",
            &zip(&[("flow.har", b"[1, 2]")]),
            "flow.har in the zip: not a HAR file (the top level is a JSON array",
        );
        check_error(
            "w.zip",
            &zip(&[("report.md", b"# x")]),
            "the zip holds no .har file (it holds report.md)",
        );
    }

    #[test]
    fn huge() {
        // The directory claims 4 GB for a two-byte HAR.
        check_error(
            "h.zip",
            &raw_zip(&[(b"flow.har", b"{}", u32::MAX)]),
            "flow.har decompresses to more than 1024 MB",
        );
    }

    #[test]
    fn deeply_nested() {
        let doc = format!("{{\"log\": {}}}", nested(100_000));
        check_error(
            "n.zip",
            &zip(&[("flow.har", doc.as_bytes())]),
            "flow.har in the zip: not a HAR file (\"log\" is not an object)",
        );
        // A zip in the zip is not opened.
        check_error(
            "n.zip",
            &zip(&[("flow.har", &bundle())]),
            "flow.har in the zip: invalid JSON",
        );
    }

    #[test]
    fn invalid_utf8() {
        // A name that is not UTF-8 (read as the zip format's old code page) still ends in .har.
        let report = check_reads(
            "u.zip",
            &raw_zip(&[(b"fl\xffow.har", GOOD_HAR.as_bytes(), GOOD_HAR.len() as u32)]),
        );
        assert_eq!(report["source"]["exchanges"], 16);
        let mut bad = GOOD_HAR.as_bytes().to_vec();
        bad[GOOD_HAR.find("https://").expect("URL") + 2] = 0xfe;
        check_error(
            "u.zip",
            &zip(&[("flow.har", &bad)]),
            "flow.har in the zip: invalid UTF-8 at line",
        );
    }

    #[test]
    fn lone_surrogate() {
        let report = check_reads("s.zip", &zip(&[("flow.har", &surrogate_har())]));
        assert!(
            notes(&report).contains("lone UTF-16 surrogate"),
            "{}",
            notes(&report)
        );
    }

    #[test]
    fn duplicate_keys() {
        let twice = zip(&[("flow.har", GOOD_HAR.as_bytes()), ("flow.har", b"[]")]);
        // The last entry of a name is the one read, and said when broken.
        check_error("d.zip", &twice, "flow.har in the zip: not a HAR file");
        let twice = zip(&[("flow.har", b"[]"), ("flow.har", GOOD_HAR.as_bytes())]);
        assert_eq!(check_reads("d.zip", &twice)["source"]["exchanges"], 16);
    }

    #[test]
    fn hostile_strings() {
        let name = format!("{HOSTILE}\n.har");
        let run = check("x.zip", &zip(&[(name.as_str(), b"{")]), &[]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        one_line(&run.stderr, "in the zip: truncated JSON");
        assert!(
            !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{202e}'),
            "{:?}",
            run.stderr
        );
        // What the viewer shows: the opener's own message, cleaned as well.
        let e = flowlens_fuzz::open::open_file(&zip(&[(name.as_str(), b"{")])).expect_err("broken");
        one_line(&e, "in the zip: truncated JSON");
    }
}

mod trace_json {
    use super::*;

    fn trace() -> Value {
        serde_json::to_value(&flowlens_fuzz::seeds::traces()[0]).expect("JSON")
    }

    #[test]
    fn truncated() {
        let text = serde_json::to_string(&trace()).expect("JSON");
        check_error(
            "t.json",
            &text.as_bytes()[..text.len() / 2],
            "truncated JSON",
        );
    }

    #[test]
    fn wrong_type() {
        check_error(
            "w.json",
            br#"{"exchanges": [{"url": 5}]}"#,
            "not a valid Flowlens trace: invalid type: integer `5`, expected a string",
        );
    }

    #[test]
    fn huge() {
        let mut t = trace();
        t["exchanges"][0]["url"] =
            json!(format!("https://app.acme.test/?{}", "q".repeat(20 << 20)));
        check_reads("h.json", &to_bytes(&t));
    }

    #[test]
    fn deeply_nested() {
        check_error(
            "n.json",
            format!("{{\"exchanges\": [], \"x\": {}}}", nested(100_000)).as_bytes(),
            "nor a readable Flowlens trace: recursion limit exceeded",
        );
    }

    #[test]
    fn invalid_utf8() {
        let mut bytes = to_bytes(&trace());
        let at = bytes
            .windows(8)
            .position(|w| w == b"https://")
            .expect("URL");
        bytes[at + 3] = 0xc0;
        check_error("u.json", &bytes, "invalid UTF-8 at line");
    }

    #[test]
    fn lone_surrogate() {
        check_error(
            "s.json",
            br#"{"exchanges": [{"url": "https://a.test/\udc00x"}]}"#,
            "nor a readable Flowlens trace: lone leading surrogate",
        );
    }

    #[test]
    fn duplicate_keys() {
        let text = r#"{"exchanges": [{"url": "https://a.test/"}], "exchanges": []}"#;
        let report = check_reads("d.json", text.as_bytes());
        assert_eq!(
            report["source"]["exchanges"], 0,
            "the last `exchanges` is read"
        );
    }

    #[test]
    fn hostile_strings() {
        let mut t = trace();
        t["exchanges"][0]["url"] = json!(format!("https://app.acme.test/{HOSTILE}"));
        t["capture"]["notes"] = json!([HOSTILE]);
        check_reads("x.json", &to_bytes(&t));
    }
}

mod profile_toml {
    use super::*;

    const PROFILE: &str = include_str!("../../../examples/profile.toml");

    fn with_profile(bytes: &[u8]) -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("p.toml");
        std::fs::write(&path, bytes).expect("written");
        let har = dir.path().join("f.har");
        std::fs::write(&har, GOOD_HAR).expect("written");
        within(move || {
            let run = exec(
                flowlens()
                    .arg("check")
                    .arg("--profile")
                    .arg(&path)
                    .arg(&har),
            );
            drop(dir);
            run
        })
    }

    fn error(bytes: &[u8], phrase: &str) {
        let run = with_profile(bytes);
        assert_eq!(run.code, 2, "{}", run.stderr);
        one_line(&run.stderr, phrase);
    }

    fn reads(bytes: &[u8]) -> Run {
        let run = with_profile(bytes);
        assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
        assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{202e}'));
        run
    }

    #[test]
    fn truncated() {
        let cut = PROFILE.find("Acme Calendar").expect("server name") + 4;
        error(&PROFILE.as_bytes()[..cut], "p.toml: invalid profile:");
    }

    #[test]
    fn wrong_type() {
        error(
            b"custom_domains = \"auth.acme.com\"\n",
            "invalid type: string",
        );
    }

    #[test]
    fn huge() {
        let run = reads(format!("server_name = \"{}\"\n", "A".repeat(10 << 20)).as_bytes());
        assert!(run.stdout.len() < 1 << 20, "the name is not printed whole");
    }

    #[test]
    fn deeply_nested() {
        error(
            format!("custom_domains = {}\n", nested(100_000)).as_bytes(),
            "p.toml: invalid profile:",
        );
    }

    #[test]
    fn invalid_utf8() {
        error(
            b"server_name = \"Acme \xff\"\n",
            "p.toml: invalid profile: not UTF-8 text",
        );
    }

    #[test]
    fn lone_surrogate() {
        error(
            b"server_name = \"Acme \\ud800\"\n",
            "p.toml: invalid profile:",
        );
    }

    #[test]
    fn duplicate_keys() {
        error(
            b"server_name = \"A\"\nserver_name = \"B\"\n",
            "p.toml: invalid profile:",
        );
    }

    #[test]
    fn hostile_strings() {
        // A name is shown as text.
        let text = format!(
            "server_name = {}\ncustom_domains = [\"auth.acme.test\"]\n",
            toml_string(HOSTILE)
        );
        reads(text.as_bytes());
        // A domain that is no host name is refused, and shown escaped in the error.
        let text = format!("custom_domains = [{}]\n", toml_string(HOSTILE));
        let run = with_profile(text.as_bytes());
        assert_eq!(run.code, 2, "{}", run.stderr);
        one_line(&run.stderr, "custom_domains[0]: ");
        assert!(
            !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{202e}'),
            "{:?}",
            run.stderr
        );
    }

    /// A TOML basic string: control characters, quotes and backslashes escaped.
    fn toml_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

mod options_profile {
    use super::*;
    use flowlens_core::profile::ProfileForm;

    /// The options page's form as typed, as the page hands it to Rust (`profileFromForm`):
    /// the form read, then parsed by the CLI's rules; an error per field, each one line.
    fn read(text: &str) -> Result<Profile, String> {
        let form: ProfileForm = serde_json::from_str(text).map_err(|e| e.to_string())?;
        form.parse().map_err(|errors| {
            for e in &errors.0 {
                one_line(&e.to_string(), &e.field);
            }
            errors.to_string()
        })
    }

    /// The profile the options page stored, as the popup reads it back.
    fn stored(text: &str) -> Result<Profile, String> {
        serde_json::from_str::<Profile>(text).map_err(|e| e.to_string())
    }

    fn error(text: &str, phrase: &str) {
        match read(text) {
            Ok(p) => panic!("read {p:?}, but an error naming {phrase:?} was expected"),
            Err(e) => one_line(&e, phrase),
        }
    }

    #[test]
    fn truncated() {
        error(r#"{"custom_domains": "auth.acme.com"#, "EOF while parsing");
        let e = stored(r#"{"custom_domains": ["auth.acme.com""#).expect_err("cut");
        one_line(&e, "EOF while parsing");
    }

    #[test]
    fn wrong_type() {
        error(
            r#"{"custom_domains": ["auth.acme.com"]}"#,
            "invalid type: sequence, expected a string",
        );
        let e = stored(r#"{"custom_domains": "auth.acme.com"}"#).expect_err("a string");
        one_line(&e, "invalid type: string");
    }

    #[test]
    fn huge() {
        let p = read(
            &json!({"server_name": "A".repeat(10 << 20),
                             "custom_domains": "auth.acme.test\n".repeat(100_000)})
            .to_string(),
        )
        .expect("read");
        assert_eq!(p.custom_domains, ["auth.acme.test"], "each domain once");
        let trace = &flowlens_fuzz::seeds::traces()[0];
        flowlens_fuzz::check_analysis(trace, &p, &[], None);
    }

    #[test]
    fn deeply_nested() {
        // No member of the form takes nested values: the first bracket is the wrong type.
        error(
            &format!("{{\"colors\": {{\"background\": {}}}}}", nested(100_000)),
            "invalid type: sequence",
        );
    }

    #[test]
    fn invalid_utf8() {
        let bytes = b"{\"server_name\": \"Acme \xff\"}";
        let e = serde_json::from_slice::<ProfileForm>(bytes).expect_err("not UTF-8");
        one_line(&e.to_string(), "invalid unicode code point");
    }

    #[test]
    fn lone_surrogate() {
        error(
            r#"{"server_name": "Acme \udc00!"}"#,
            "lone leading surrogate",
        );
    }

    #[test]
    fn duplicate_keys() {
        error(
            r#"{"server_name": "A", "server_name": "B"}"#,
            "duplicate field `server_name`",
        );
    }

    #[test]
    fn hostile_strings() {
        let hostile = |domains: &str, redirect: &str| {
            json!({"server_name": HOSTILE, "custom_domains": domains,
                   "login_endpoint": "", "redirect_uris": redirect,
                   "colors": {"background": HOSTILE}})
            .to_string()
        };
        // Every field that must be a host name or a URL says so, one line each, escaped.
        let e = read(&hostile(HOSTILE, HOSTILE)).expect_err("no host name");
        one_line(&e, "custom_domains[0]: ");
        one_line(&e, "redirect_uris[1]: ");
        assert!(!e.contains('\u{1b}') && !e.contains('\u{202e}'), "{e:?}");
        // Names and colors are the user's to choose: shown as text.
        let p = read(&hostile("auth.acme.test", "https://app.acme.test/cb"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.server_name.as_deref(), Some(HOSTILE.trim()));
        flowlens_fuzz::check_analysis(&flowlens_fuzz::seeds::traces()[0], &p, &[], None);
    }
}

mod probe_response {
    use super::*;
    use support::{Reply, Request, Server};

    /// An MCP server on loopback whose protected-resource metadata is `prm`, and whose 401
    /// challenge is `challenge` when given (`{metadata}` in it: the metadata's URL).
    fn probe(prm: Reply, challenge: Option<&str>) -> Result<flowlens_probe::Probe, String> {
        let listener = Server::bind();
        let port = listener.local_addr().expect("address").port();
        let metadata = format!("http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp");
        let challenge = challenge
            .unwrap_or("Bearer resource_metadata=\"{metadata}\"")
            .replace("{metadata}", &metadata);
        let server = Server::plain(
            listener,
            Arc::new(move |r: &Request| {
                if r.path() == "/mcp" {
                    Reply::status(401).header("WWW-Authenticate", &challenge)
                } else if r
                    .path()
                    .starts_with("/.well-known/oauth-protected-resource")
                {
                    prm.clone()
                } else {
                    Reply::status(404)
                }
            }),
        );
        let url = format!("http://127.0.0.1:{port}/mcp");
        let options = flowlens_probe::Options {
            timeout: Duration::from_secs(5),
            ..flowlens_probe::Options::default()
        };
        let result =
            within(move || flowlens_probe::probe(&url, &options).map_err(|e| e.to_string()));
        drop(server);
        result
    }

    fn body(bytes: &[u8]) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: bytes.to_vec(),
        }
    }

    /// The probe ran; the protected-resource metadata is not taken as good, and the report
    /// says why in one note or summary.
    fn not_observed(result: Result<flowlens_probe::Probe, String>) -> flowlens_probe::Probe {
        let probe = result.expect("the probe runs");
        let discovery = probe
            .report
            .checks
            .iter()
            .find(|c| c.id == "mcp-discovery")
            .expect("mcp-discovery");
        assert_ne!(discovery.status, Status::Pass, "{}", discovery.summary);
        let rendered = flowlens_fuzz::render::all(&probe.report, &probe.trace, None);
        flowlens_fuzz::render::check(&rendered);
        probe
    }

    #[test]
    fn truncated() {
        not_observed(probe(body(br#"{"resource": "http://127.0.0.1/mc"#), None));
    }

    #[test]
    fn wrong_type() {
        not_observed(probe(body(b"[1, 2, 3]"), None));
    }

    #[test]
    fn huge() {
        let e = probe(body(&vec![b' '; 3 << 20]), None).expect_err("too large");
        one_line(&e, "larger than");
    }

    #[test]
    fn deeply_nested() {
        not_observed(probe(body(nested(100_000).as_bytes()), None));
    }

    #[test]
    fn invalid_utf8() {
        not_observed(probe(body(b"{\"resource\": \"http://a\xff\"}"), None));
    }

    #[test]
    fn lone_surrogate() {
        not_observed(probe(body(br#"{"resource": "\ud800"}"#), None));
    }

    #[test]
    fn duplicate_keys() {
        let p = probe(
            body(br#"{"resource": "x", "resource": "http://127.0.0.1/mcp"}"#),
            None,
        )
        .expect("the probe runs");
        assert!(!p.trace.exchanges.is_empty());
    }

    #[test]
    fn hostile_strings() {
        // A challenge with control characters: the HTTP client refuses the answer, in one line.
        let escape = "Bearer realm=\"\u{1b}[2J\u{7}\", resource_metadata=\"{metadata}\"";
        let e = probe(body(b"{}"), Some(escape)).expect_err("refused");
        one_line(&e, "step 1 (unauthenticated MCP initialize request) failed");
        // Markup and bidirectional overrides in the challenge, anything in the metadata's
        // strings: read, and shown as text.
        let challenge =
            "Bearer realm=\"<script>alert(1)</script>\u{202e}x\", resource_metadata=\"{metadata}\"";
        let prm = json!({"resource": HOSTILE, "resource_name": HOSTILE,
                         "authorization_servers": [format!("https://{HOSTILE}")]});
        not_observed(probe(body(prm.to_string().as_bytes()), Some(challenge)));
    }
}

mod page_snapshot {
    use super::*;
    use flowlens_core::testing::good_flow_with_pages;

    /// A snapshot as the content script sends it.
    fn read(text: &str) -> Result<PageSnapshot, String> {
        serde_json::from_str::<PageSnapshot>(text).map_err(|e| e.to_string())
    }

    fn error(text: &str, phrase: &str) {
        match read(text) {
            Ok(p) => panic!("read {p:?}, but an error naming {phrase:?} was expected"),
            Err(e) => one_line(&e, phrase),
        }
    }

    /// The flow whose consent page's snapshot is `snapshot` (`None`: the snapshot could not
    /// be read and is missing), analysed and rendered.
    fn with_consent_snapshot(snapshot: Option<PageSnapshot>) -> flowlens_core::Report {
        let mut trace = good_flow_with_pages().build();
        let consent = trace
            .pages
            .iter()
            .position(|p| p.url.contains("consent"))
            .expect("consent page");
        match snapshot {
            Some(s) => {
                let url = trace.pages[consent].url.clone();
                let time_ms = trace.pages[consent].time_ms;
                trace.pages[consent] = PageSnapshot { url, time_ms, ..s };
            }
            None => {
                trace.pages.remove(consent);
            }
        }
        flowlens_fuzz::check_analysis(&trace, &Profile::default(), &[], None);
        flowlens_core::analyze(&trace, &Profile::default())
    }

    fn report_status(report: &flowlens_core::Report, id: &str) -> Status {
        report
            .checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
            .expect("check")
    }

    #[test]
    fn truncated() {
        error(
            r#"{"url": "https://auth.acme.test/oauth/consent", "app_name": "Ac"#,
            "EOF while parsing",
        );
        // The page then has no snapshot: what only a snapshot shows is not observed.
        let report = with_consent_snapshot(None);
        assert_eq!(
            report_status(&report, "branding-colors"),
            Status::NotObserved
        );
    }

    #[test]
    fn wrong_type() {
        error(r#"{"logos": "logo.png"}"#, "invalid type: string");
    }

    #[test]
    fn huge() {
        let s = read(&json!({
            "app_name": "A".repeat(10 << 20),
            "logos": (0..50_000).map(|i| json!({"src": format!("https://a.test/{i}.png")})).collect::<Vec<_>>(),
            "buttons": vec!["Allow"; 50_000],
        }).to_string()).expect("read");
        with_consent_snapshot(Some(s));
    }

    #[test]
    fn deeply_nested() {
        // No member of a snapshot takes nested values: the first bracket is the wrong type.
        error(
            &format!("{{\"logos\": {}}}", nested(100_000)),
            "invalid type: sequence",
        );
    }

    #[test]
    fn invalid_utf8() {
        let e =
            serde_json::from_slice::<PageSnapshot>(b"{\"title\": \"\xff\"}").expect_err("bytes");
        one_line(&e.to_string(), "invalid unicode code point");
    }

    #[test]
    fn lone_surrogate() {
        error(r#"{"app_name": "\udc00 cut"}"#, "lone leading surrogate");
    }

    #[test]
    fn duplicate_keys() {
        error(
            r#"{"app_name": "A", "app_name": "B"}"#,
            "duplicate field `app_name`",
        );
    }

    #[test]
    fn hostile_strings() {
        let s = read(&json!({
            "title": HOSTILE, "app_name": HOSTILE, "powered_by": [HOSTILE], "buttons": [HOSTILE],
            "headings": [HOSTILE], "logos": [{"src": format!("javascript:{HOSTILE}"), "alt": HOSTILE}],
            "favicons": [{"href": HOSTILE, "rel": HOSTILE}],
            "colors": {"background": HOSTILE, "primary_button": HOSTILE},
            "hidden_fields": [{"name": HOSTILE, "value": HOSTILE}],
        }).to_string()).expect("read");
        let report = with_consent_snapshot(Some(s));
        assert_ne!(report_status(&report, "branding-app-name"), Status::Pass);
    }
}

mod page_html {
    //! A page's HTML in a HAR (read by `page::html` when no snapshot was taken): the login
    //! page of a flow against a real server (OpenAuth), damaged.

    use super::*;
    use base64::Engine;
    use flowlens_core::page::html::snapshot_from_html;

    const REAL_HAR: &str = include_str!("fixtures/real/openauth-code.har");
    /// The entry of the login page (the e-mail form) in that HAR.
    const LOGIN: usize = 4;

    fn login_html() -> String {
        let har: Value = serde_json::from_str(REAL_HAR).expect("the fixture is JSON");
        har["log"]["entries"][LOGIN]["response"]["content"]["text"]
            .as_str()
            .expect("the login page's HTML")
            .to_string()
    }

    /// The HAR with the login page's `content` replaced.
    fn with_content(content: Value) -> Vec<u8> {
        let mut har: Value = serde_json::from_str(REAL_HAR).expect("the fixture is JSON");
        har["log"]["entries"][LOGIN]["response"]["content"] = content;
        to_bytes(&har)
    }

    fn with_html(html: &str) -> Vec<u8> {
        with_content(json!({"mimeType": "text/html", "size": html.len(), "text": html}))
    }

    /// The role the login page's hop has in the one flow of the report.
    fn login_role(report: &Value) -> String {
        let flows = report["flows"].as_array().expect("flows");
        assert_eq!(flows.len(), 1, "one flow: {flows:?}");
        flows[0]["hops"]
            .as_array()
            .expect("hops")
            .iter()
            .find(|h| h["index"] == LOGIN)
            .map(|h| h["role"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("the login page is no hop of the flow"))
    }

    #[test]
    fn undamaged() {
        assert_eq!(
            login_role(&check_reads("h.har", &with_html(&login_html()))),
            "login-page"
        );
    }

    #[test]
    fn truncated() {
        // Cut inside a tag: what was read before the cut is kept.
        let html = login_html();
        let cut = html.find("<form").expect("a form") + "<form met".len();
        let report = check_reads("t.har", &with_html(&html[..cut]));
        login_role(&report);
    }

    #[test]
    fn wrong_type() {
        // A PNG served as text/html.
        let png =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
        let report = check_reads(
            "w.har",
            &with_content(json!({"mimeType": "text/html", "encoding": "base64",
                "text": base64::engine::general_purpose::STANDARD.encode(png)})),
        );
        login_role(&report);
    }

    #[test]
    fn huge() {
        let html = format!("{}<p>{}</p>", login_html(), "A".repeat(5 << 20));
        let report = check_reads("h.har", &with_html(&html));
        assert!(
            notes(&report).contains("cut at the size cap"),
            "{}",
            notes(&report)
        );
        assert_eq!(
            login_role(&report),
            "login-page",
            "the form before the cut is read"
        );
    }

    #[test]
    fn deeply_nested() {
        // 100 000 open elements, within the size the HTML is read to.
        let html = format!("{}{}", "<b>".repeat(100_000), login_html());
        let report = check_reads("n.har", &with_html(&html));
        assert_eq!(
            login_role(&report),
            "login-page",
            "the form after the nesting is read"
        );
    }

    #[test]
    fn invalid_utf8() {
        let mut bytes = login_html().into_bytes();
        let at = String::from_utf8_lossy(&bytes)
            .find("</title>")
            .expect("a title");
        bytes.splice(at..at, [0xff, 0xfe]);
        let report = check_reads(
            "u.har",
            &with_content(json!({"mimeType": "text/html", "encoding": "base64",
                "text": base64::engine::general_purpose::STANDARD.encode(&bytes)})),
        );
        assert_eq!(login_role(&report), "login-page");
    }

    #[test]
    fn lone_surrogate() {
        let html = login_html().replacen("</title>", "SURROGATE</title>", 1);
        let har = String::from_utf8(with_html(&html))
            .expect("JSON")
            .replace("SURROGATE", "\\ud800");
        let report = check_reads("s.har", har.as_bytes());
        assert!(
            notes(&report).contains("lone UTF-16 surrogate"),
            "{}",
            notes(&report)
        );
        assert_eq!(login_role(&report), "login-page");
    }

    #[test]
    fn duplicate_keys() {
        // An attribute twice: the first one counts, as in a browser.
        let page = snapshot_from_html(
            "https://auth.notes.test/code/authorize",
            r#"<form method="post"><input type="hidden" name="a" value="1" type="password" name="b"></form>"#,
            false,
        );
        assert!(!page.has_password_field, "{page:?}");
        assert_eq!(page.hidden_fields[0].name, "a");
        let html = login_html().replacen("<input ", r#"<input type="hidden" "#, 1);
        login_role(&check_reads("d.har", &with_html(&html)));
    }

    #[test]
    fn hostile_strings() {
        let escaped = HOSTILE.replace('<', "&lt;");
        let html = login_html()
            .replacen("<title>", &format!("<title>{escaped}"), 1)
            .replacen("</form>", &format!("<button>{escaped}</button></form>"), 1)
            .replacen("<img ", &format!("<img alt=\"{HOSTILE}\" "), 1);
        // Its texts reach the report; the renderings stay safe (check_reads).
        let report = check_reads("x.har", &with_html(&html));
        assert_eq!(login_role(&report), "login-page");
    }
}
