//! Where fuzzing starts: the recorded examples, the CLI's fixtures and the core's test flows.
//!
//! Byte targets get them as files in their corpus directory ([`write_corpora`], run by
//! `scripts/fuzz.sh`); structure-aware targets start from them as traces ([`traces`]) and mutate.

use std::path::Path;
use std::sync::OnceLock;

use flowlens_core::testing::{good_flow, good_flow_with_pages};
use flowlens_core::Trace;

/// HAR files recorded from the simulated environment by the end-to-end tests (`examples/`) and
/// the CLI's fixtures.
pub const HARS: &[(&str, &str)] = &[
    (
        "good-custom-domain-byoa.har",
        include_str!("../../../examples/good-custom-domain-byoa.har"),
    ),
    (
        "vendor-default-domain.har",
        include_str!("../../../examples/vendor-default-domain.har"),
    ),
    (
        "state-damaged.har",
        include_str!("../../../examples/state-damaged.har"),
    ),
    (
        "fixture-custom-domain-byoa.har",
        include_str!("../../flowlens-cli/tests/fixtures/custom-domain-byoa.har"),
    ),
    (
        "fixture-vendor-default-domain.har",
        include_str!("../../flowlens-cli/tests/fixtures/vendor-default-domain.har"),
    ),
    (
        "fixture-state-damaged.har",
        include_str!("../../flowlens-cli/tests/fixtures/state-damaged.har"),
    ),
    (
        "fixture-mcp-sdk-401-form-navigation.har",
        include_str!("../../flowlens-cli/tests/fixtures/mcp-sdk-401-form-navigation.har"),
    ),
    // Flows against real open-source servers (tests/e2e/servers/), recorded by the e2e tests.
    (
        "real-oidc-provider-code.har",
        include_str!("../../flowlens-cli/tests/fixtures/real/oidc-provider-code.har"),
    ),
    (
        "real-oidc-provider-form-post.har",
        include_str!("../../flowlens-cli/tests/fixtures/real/oidc-provider-form-post.har"),
    ),
    (
        "real-openauth-code.har",
        include_str!("../../flowlens-cli/tests/fixtures/real/openauth-code.har"),
    ),
    (
        "real-openauth-implicit.har",
        include_str!("../../flowlens-cli/tests/fixtures/real/openauth-implicit.har"),
    ),
    // One flow as each HAR writer shapes it.
    (
        "writer-chrome-devtools.har",
        include_str!("../../flowlens-cli/tests/fixtures/writers/chrome-devtools.har"),
    ),
    (
        "writer-chrome-devtools-sanitized.har",
        include_str!("../../flowlens-cli/tests/fixtures/writers/chrome-devtools-sanitized.har"),
    ),
    (
        "writer-firefox-devtools.har",
        include_str!("../../flowlens-cli/tests/fixtures/writers/firefox-devtools.har"),
    ),
    (
        "writer-playwright.har",
        include_str!("../../flowlens-cli/tests/fixtures/writers/playwright.har"),
    ),
];

/// The expectations profile the README shows.
pub const PROFILE: &str = include_str!("../../../examples/profile.toml");

/// Every seed as a trace: the HARs imported, and the core's test flows (the one with pages
/// carries page snapshots, navigations and a BYOA chain no HAR has).
pub fn traces() -> &'static [Trace] {
    static TRACES: OnceLock<Vec<Trace>> = OnceLock::new();
    TRACES.get_or_init(|| {
        let mut traces: Vec<Trace> = HARS
            .iter()
            .filter_map(|(_, text)| crate::open::read_har(text.as_bytes()).ok())
            .collect();
        traces.push(good_flow().build());
        traces.push(good_flow_with_pages().build());
        traces
    })
}

/// Writes each byte target's seed corpus under `dir/<target>/`: the HARs, their trace JSON,
/// export zips of them, profiles. Existing files are left alone (a corpus grows across runs).
pub fn write_corpora(dir: &Path) -> std::io::Result<()> {
    let mut files: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for (name, text) in HARS {
        files.push(("har_import", name.to_string(), text.as_bytes().to_vec()));
        if let Ok(trace) = crate::open::read_har(text.as_bytes()) {
            let json = serde_json::to_vec(&trace).unwrap_or_default();
            files.push(("har_import", format!("{name}.trace.json"), json));
            let zip = crate::open::export_bundle(&trace);
            files.push(("export_zip", format!("{name}.zip"), zip));
        }
    }
    let pages = good_flow_with_pages().build();
    files.push((
        "har_import",
        "good-flow-with-pages.trace.json".into(),
        serde_json::to_vec(&pages).unwrap_or_default(),
    ));
    files.push((
        "export_zip",
        "good-flow-with-pages.zip".into(),
        crate::open::export_bundle(&pages),
    ));
    files.push((
        "profile",
        "profile.toml".into(),
        PROFILE.as_bytes().to_vec(),
    ));
    files.push((
        "profile",
        "empty.toml".into(),
        b"custom_domains = []\n".to_vec(),
    ));
    for trace in traces() {
        for ex in &trace.exchanges {
            files.push((
                "url_params",
                short_name("url", &ex.url),
                ex.url.clone().into_bytes(),
            ));
        }
    }
    for (trace, pages) in crate::html::html_flows() {
        for &i in pages {
            if let Some(html) = trace.exchanges[i].response_body_text() {
                files.push((
                    "page_html",
                    short_name("html", html),
                    html.as_bytes().to_vec(),
                ));
            }
        }
    }
    files.push((
        "profile",
        "options-form.json".into(),
        serde_json::to_vec(&flowlens_core::Profile::default().to_form()).unwrap_or_default(),
    ));
    if let Ok(p) = toml::from_str::<flowlens_core::Profile>(PROFILE) {
        files.push((
            "profile",
            "options-form-filled.json".into(),
            serde_json::to_vec(&p.to_form()).unwrap_or_default(),
        ));
        files.push((
            "profile",
            "stored-profile.json".into(),
            serde_json::to_vec(&p).unwrap_or_default(),
        ));
    }
    for (target, name, bytes) in files {
        let dir = dir.join(target);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(name);
        if !path.exists() {
            std::fs::write(path, bytes)?;
        }
    }
    Ok(())
}

/// A file name for a seed: its hash, so equal seeds make one file.
fn short_name(kind: &str, content: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in content.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    format!("{kind}-{h:016x}")
}
