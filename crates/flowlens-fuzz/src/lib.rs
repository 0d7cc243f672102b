//! What each fuzz target checks.
//!
//! Every input surface of Flowlens has a target here, a function of the fuzzer's bytes that
//! panics when an invariant breaks. The cargo-fuzz targets in `fuzz/` are one-line wrappers
//! around them (run with `scripts/fuzz.sh`), and `tests/regressions.rs` replays every input
//! fuzzing ever found through the same functions on stable Rust, so a crash found once stays
//! fixed.
//!
//! | target       | input                                   | invariants |
//! |--------------|-----------------------------------------|------------|
//! | `har_import` | bytes: a HAR, a trace JSON, anything    | no panic; an error is one line; an imported trace survives its JSON form and a HAR export; keeping only what flows reach gives the same answer |
//! | `export_zip` | bytes, or a zip built from fuzzed files | no panic; a zip Flowlens writes reads back exactly |
//! | `redact`     | a mutated trace's HAR with planted secrets | the output is JSON and a valid HAR; no planted secret survives in clear, percent-encoded or base64; equal values stay equal, different ones different; redacting twice changes nothing |
//! | `url_params` | bytes as a URL                          | no panic; masking keeps every parameter and masks every secret one; an endpoint equals itself |
//! | `analyze`    | a mutated seed trace (sometimes with its discovery documents fetched again, as the extension does), a profile, planted secrets | no panic; every rule reports; every renderer's output is safe and leaks no secret; keeping only what flows reach gives the same statuses |
//! | `recorder`   | browser events, popup commands, worker restarts | no panic; storage holds what the recorder holds after a flush; every state survives a restart through the storage's JSON; stored traces analyse |
//! | `profile`    | bytes as profile TOML, the options page's form or its stored profile | no panic; errors are one line each; a profile read survives writing it back and normalizing again |
//! | `page_html`  | bytes as a page's HTML in a HAR          | no panic; the facts read stay within the content script's caps and survive their JSON form; the flow it is a page of analyses, every renderer safe |
//!
//! Files are opened and reports rendered through [`open`] and [`render`] only, so that a
//! change of the core's opener or output layer changes one module here.

use arbitrary::Unstructured;
use flowlens_core::har;
use flowlens_core::{Profile, Trace};

pub mod events;
pub mod html;
pub mod leak;
pub mod mutate;
pub mod open;
pub mod plant;
pub mod render;
pub mod seeds;

/// What a target is: a check of the fuzzer's bytes that panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by the name its cargo-fuzz target and regression directory have.
pub const TARGETS: &[(&str, Target)] = &[
    ("har_import", har_import),
    ("export_zip", export_zip),
    ("redact", redact),
    ("url_params", url_params),
    ("analyze", analyze),
    ("recorder", recorder),
    ("profile", profile),
    ("page_html", html::page_html),
];

/// Bytes, as the CLI and the viewer open a file.
pub fn har_import(data: &[u8]) {
    let full = open::read_har(data);
    match &full {
        Ok(trace) => {
            trace_json_round_trip(trace);
            let exported = serde_json::to_vec(&har::export_unredacted(trace))
                .unwrap_or_else(|e| panic!("the HAR export is not JSON: {e}"));
            let again = open::read_har(&exported)
                .unwrap_or_else(|e| panic!("a HAR Flowlens exports does not read back: {e}"));
            assert_eq!(again.exchanges.len(), trace.exchanges.len());
        }
        Err(e) => one_line("HAR import error", &e.to_string()),
    }
    // Dropping from the first byte, so that the dropping is checked on small files too.
    let flows = har::read_har_flows_within(|| Ok(data), 0, &mut |_| {});
    match (&full, &flows) {
        (Ok(a), Ok(b)) => assert_eq!(
            flow_statuses(a, &Profile::default()),
            flow_statuses(b, &Profile::default()),
            "keeping only what flows reach changed the statuses"
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!(
            "the two imports disagree: {:?} vs {:?}",
            a.as_ref().map(|_| ()),
            b.as_ref().map(|_| ())
        ),
    }
    if let Err(e) = open::open_file(data) {
        one_line("open error", &e);
    }
}

/// Bytes as an export zip; or, after a zero byte, files the fuzzer chose, zipped as the
/// extension writes them and maybe damaged.
pub fn export_zip(data: &[u8]) {
    if let Some((&0, rest)) = data.split_first() {
        let mut u = Unstructured::new(rest);
        let (Ok(files), Ok(deflated)) = (u.arbitrary::<Vec<(String, Vec<u8>)>>(), u.arbitrary())
        else {
            return;
        };
        let Some(mut zip) = open::write_zip(&files, deflated) else {
            return;
        };
        let damage: Vec<(usize, u8)> = u.arbitrary().unwrap_or_default();
        if damage.is_empty() {
            let read = open::zip_entries(&zip)
                .unwrap_or_else(|e| panic!("a zip Flowlens writes does not read back: {e}"));
            let written: Vec<&(String, Vec<u8>)> = files
                .iter()
                .filter(|(name, _)| !name.ends_with('/'))
                .collect();
            let read: Vec<&(String, Vec<u8>)> = read.iter().collect();
            assert_eq!(read, written, "a zip Flowlens writes reads back different");
        }
        for (at, byte) in damage {
            if !zip.is_empty() {
                let i = at % zip.len();
                zip[i] = byte;
            }
        }
        check_zip(&zip);
    } else {
        check_zip(data);
    }
}

fn check_zip(bytes: &[u8]) {
    match open::zip_entries(bytes) {
        Ok(_) => {}
        Err(e) => one_line("zip error", &e),
    }
    if open::is_zip(bytes) {
        if let Err(e) = open::open_file(bytes) {
            one_line("open error", &e);
        }
    }
}

/// A mutated trace's HAR with secrets planted, redacted in memory and as a stream.
pub fn redact(data: &[u8]) {
    use flowlens_core::redact::{stream, Redactor};
    let mut u = Unstructured::new(data);
    let Ok(trace) = mutate::trace(&mut u) else {
        return;
    };
    let mut doc = har::export_unredacted(&trace);
    let Ok(secrets) = plant::in_har(&mut u, &mut doc) else {
        return;
    };
    let key: [u8; 32] = u.arbitrary().unwrap_or([1; 32]);
    let input = serde_json::to_string(&doc).unwrap_or_else(|e| panic!("HAR JSON: {e}"));
    let problems_before = har::har_problems(&doc);

    let mut in_memory = doc.clone();
    Redactor::new(key).redact_har(&mut in_memory);
    let text = serde_json::to_string(&in_memory).unwrap_or_else(|e| panic!("HAR JSON: {e}"));
    check_redacted("in memory", &text, &secrets, &problems_before);
    same_equalities(&doc, &in_memory);

    let streamed = redact_stream(&input, key);
    check_redacted("streamed", &streamed, &secrets, &problems_before);
    let streamed_doc: serde_json::Value =
        serde_json::from_str(&streamed).unwrap_or_else(|e| panic!("not JSON: {e}"));
    same_equalities(&doc, &streamed_doc);
    let again = redact_stream(&streamed, [3; 32]);
    assert_eq!(again, streamed, "redacting a redacted HAR changed it");

    fn redact_stream(input: &str, key: [u8; 32]) -> String {
        let mut out = Vec::new();
        stream::redact_har_stream(
            &mut Redactor::new(key),
            input.as_bytes(),
            std::io::Cursor::new(Vec::new()),
            &mut out,
        )
        .unwrap_or_else(|e| panic!("a HAR Flowlens exports cannot be redacted: {e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("redacted output is not UTF-8: {e}"))
    }
}

fn check_redacted(label: &str, text: &str, secrets: &[String], problems_before: &[String]) {
    for secret in secrets {
        leak::assert_no_spelling(label, text, secret);
    }
    let doc: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{label}: not JSON: {e}"));
    for problem in har::har_problems(&doc) {
        assert!(
            problems_before.contains(&problem),
            "{label}: the redaction made the HAR invalid: {problem}"
        );
    }
    open::read_har(text.as_bytes())
        .unwrap_or_else(|e| panic!("{label}: the redacted HAR does not import: {e}"));
}

/// The `state` of every request, as the checks compare it (decoded).
fn states(doc: &serde_json::Value) -> Vec<Option<String>> {
    doc["log"]["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let url = e["request"]["url"].as_str().unwrap_or("");
                    flowlens_core::params::UrlParams::of(url)
                        .get("state")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Requests whose `state` was equal before redaction have equal ones after, and only those.
fn same_equalities(before: &serde_json::Value, after: &serde_json::Value) {
    let (a, b) = (states(before), states(after));
    assert_eq!(
        a.len(),
        b.len(),
        "the redaction changed the number of entries"
    );
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            if let (Some(x), Some(y), Some(p), Some(q)) = (&a[i], &a[j], &b[i], &b[j]) {
                assert_eq!(
                    x == y,
                    p == q,
                    "state of entries {i} and {j}: {x:?} vs {y:?} became {p:?} vs {q:?}"
                );
            }
        }
    }
}

/// Bytes as a URL: parameters, hosts, masking, redirect targets.
pub fn url_params(data: &[u8]) {
    use flowlens_core::params::{host_of, scheme_of, url_without_query, UrlParams};
    use flowlens_core::redact::{is_secret_name, mask_url, Redactor};
    let s = String::from_utf8_lossy(data);
    let params = UrlParams::of(&s);
    let _ = (host_of(&s), scheme_of(&s), url_without_query(&s));
    let masked = mask_url(&s);
    let after = UrlParams::of(&masked);
    let names =
        |p: &UrlParams| -> Vec<String> { p.query.0.iter().map(|p| p.name.clone()).collect() };
    assert_eq!(
        names(&after),
        names(&params),
        "masking changed the parameters of {s:?}"
    );
    for (p, q) in params.query.0.iter().zip(&after.query.0) {
        // (`?code` alone has nothing to mask.)
        if is_secret_name(&p.name) && !p.raw.is_empty() {
            assert!(
                q.value.starts_with('['),
                "{:?} is not masked in {masked:?}",
                p.name
            );
        }
    }
    assert!(
        flowlens_core::flow::same_endpoint(&s, &s),
        "{s:?} is not its own endpoint"
    );
    let _ = Redactor::new([5; 32]).redact_url(&s);
    let ex = flowlens_core::trace::Exchange {
        url: "https://auth.acme.test/oauth/authorize?x=1".into(),
        response: Some(flowlens_core::trace::Response {
            status: 302,
            headers: vec![flowlens_core::trace::Header::new("Location", s.as_ref())],
            ..Default::default()
        }),
        ..Default::default()
    };
    let _ = ex.redirect_target();
    let ex = flowlens_core::trace::Exchange {
        url: s.to_string(),
        ..ex
    };
    let _ = (ex.redirect_target(), ex.parsed_url());
}

/// A mutated seed trace analysed with a fuzzed profile and rendered in every format.
pub fn analyze(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(mut trace) = mutate::trace(&mut u) else {
        return;
    };
    if mutate::fetched(&mut u, &mut trace).is_err() {
        return;
    }
    let profile = mutate::profile(&mut u).unwrap_or_default();
    let secrets = plant::in_trace(&mut u, &mut trace).unwrap_or_default();
    let flow = u.arbitrary::<Option<u8>>().ok().flatten().map(usize::from);
    check_analysis(&trace, &profile, &secrets, flow);
    // Fewer exchanges than the keeper's margins before and after a flow: it keeps them all.
    if trace.exchanges.len() > 2 * flowlens_core::limits::NEARBY_EXCHANGES {
        keeping_what_flows_reach_changes_nothing(&trace, &profile);
    }
}

/// The analysis and every renderer on one trace; `secrets` are planted values no output may
/// show.
pub fn check_analysis(trace: &Trace, profile: &Profile, secrets: &[String], flow: Option<usize>) {
    let report = flowlens_core::analyze(trace, profile);
    let registry = flowlens_core::rules::registry();
    for rule in registry {
        let id = rule.meta().id;
        let reports = report.checks.iter().filter(|c| c.id == id).count();
        assert_eq!(
            reports,
            report.flows.len().max(1),
            "{id} reports once per flow"
        );
    }
    let rendered = render::all(&report, trace, flow);
    render::check(&rendered);
    // What the input holds apart from the secrets: the trace and the profile.
    let input = [
        serde_json::to_string(trace).unwrap_or_default(),
        serde_json::to_string(profile).unwrap_or_default(),
    ]
    .join("\n");
    for secret in secrets {
        let elsewhere = input.replace(secret.as_str(), "");
        for (label, output) in [
            ("text", &rendered.text),
            ("markdown", &rendered.markdown),
            ("json", &rendered.json),
            ("popup", &rendered.popup),
        ] {
            leak::assert_no_piece(label, output, secret, &elsewhere);
        }
    }
}

/// The trace exported as a HAR and imported twice, whole and keeping what flows reach.
fn keeping_what_flows_reach_changes_nothing(trace: &Trace, profile: &Profile) {
    let Ok(bytes) = serde_json::to_vec(&har::export_unredacted(trace)) else {
        return;
    };
    let (Ok(all), Ok(kept)) = (
        open::read_har(&bytes),
        har::read_har_flows_within(|| Ok(&bytes[..]), 0, &mut |_| {}),
    ) else {
        panic!("a HAR Flowlens exports does not read back");
    };
    assert_eq!(
        flow_statuses(&kept, profile),
        flow_statuses(&all, profile),
        "keeping only what flows reach changed the statuses ({} of {} exchanges kept)",
        kept.exchanges.len(),
        all.exchanges.len()
    );
}

fn flow_statuses(trace: &Trace, profile: &Profile) -> Vec<String> {
    flowlens_core::analyze(trace, profile)
        .checks
        .iter()
        .map(|c| format!("{:?} {} {:?}", c.flow, c.id, c.status))
        .collect()
}

/// Browser events, popup commands and worker restarts, through the recorder and storage.
pub fn recorder(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(steps) = events::steps(&mut u) else {
        return;
    };
    let mut extension = events::Extension::default();
    for step in steps {
        extension.run(step);
    }
    extension.finish();
}

/// Bytes as the CLI's profile TOML, as the options page's form (JSON, as the page hands it
/// to Rust) and as the profile it stored.
pub fn profile(data: &[u8]) {
    use flowlens_core::profile::ProfileForm;
    if let Ok(text) = std::str::from_utf8(data) {
        match toml::from_str::<Profile>(text) {
            Ok(p) => {
                let written = toml::to_string(&p)
                    .unwrap_or_else(|e| panic!("a profile read does not write back: {e}"));
                let again: Profile = toml::from_str(&written)
                    .unwrap_or_else(|e| panic!("a profile written does not read back: {e}"));
                assert_eq!(again, p);
                normalized_once(p);
            }
            Err(e) => {
                let _ = e.span();
                let _ = e.message();
            }
        }
    }
    if let Ok(p) = serde_json::from_slice::<Profile>(data) {
        let json = serde_json::to_string(&p).unwrap_or_else(|e| panic!("profile JSON: {e}"));
        let again: Profile =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("profile JSON: {e}"));
        assert_eq!(again, p);
        let _ = (p.to_form(), p.deployment_id());
    }
    match serde_json::from_slice::<ProfileForm>(data) {
        Ok(form) => match form.parse() {
            Ok(p) => {
                assert_eq!(
                    p.to_form().parse().as_ref().ok(),
                    Some(&p),
                    "the options page shows a profile it does not read back"
                );
                normalized_once(p);
            }
            Err(errors) => {
                assert!(!errors.0.is_empty(), "a form refused without a reason");
                for e in &errors.0 {
                    one_line("a profile error", &e.to_string());
                }
            }
        },
        // The page builds the form from its own fields: a key it does not know (which serde
        // names as it is, line breaks included) is the page's bug, not the user's input.
        Err(e) => assert!(!e.to_string().trim().is_empty(), "a form error is empty"),
    }
}

/// A profile normalized stays as it is when normalized again, and judges a seed trace.
fn normalized_once(p: Profile) {
    if let Ok(n) = p.normalized() {
        assert_eq!(
            n.clone().normalized().as_ref().ok(),
            Some(&n),
            "normalizing a profile twice changes it"
        );
        let _ = flowlens_core::analyze(&seeds::traces()[0], &n);
    }
}

/// A trace's JSON form (trace files, the viewer's input) reads back the same.
fn trace_json_round_trip(trace: &Trace) {
    let json = serde_json::to_value(trace).unwrap_or_else(|e| panic!("trace JSON: {e}"));
    let text = json.to_string();
    let back: Trace = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a trace's JSON does not read back: {e}"));
    let again = serde_json::to_value(&back).unwrap_or_else(|e| panic!("trace JSON: {e}"));
    assert!(
        render::same_json(&json, &again),
        "a trace changes through its JSON form"
    );
}

fn one_line(what: &str, message: &str) {
    assert!(!message.trim().is_empty(), "{what} is empty");
    assert!(!message.contains('\n'), "{what} spans lines: {message:?}");
}
