//! Every rule on the fixtures and on hostile input: page snapshots with missing fields or
//! absurd sizes, hostile strings, metadata that is HTML, cut JSON or 10 MB, junk headers.
//! Rules must answer (never panic), keep summaries short and show page-controlled text
//! escaped. Per-rule tests sit in each rule's file; this one runs them all together.

use crate::check::Status;
use crate::rules::{registry, Context};
use crate::testing::{
    good_client_run, good_flow, good_flow_with_pages, AS_METADATA_HOP, AUTHORIZE_HOP,
    BYOA_LOGIN_HOP, CHALLENGE_HOP, CONSENT_HOP, PRM_HOP, TOKEN_HOP,
};
use crate::trace::{Body, FaviconLink, FormField, Header, LogoCandidate, PageSnapshot, Trace};
use crate::{Outcome, Profile};

fn outcomes(trace: &Trace, profile: &Profile) -> Vec<(&'static str, Outcome)> {
    let flows = crate::flow::reconstruct(trace, profile);
    let Some(flow) = flows.first() else {
        return Vec::new();
    };
    let cx = Context::new(trace, flow, profile);
    registry()
        .iter()
        .map(|r| (r.meta().id, r.check(&cx)))
        .collect()
}

/// The rules of this module's branch and what they say about the two fixtures. The statuses
/// on `good_flow` are what a HAR of a desktop client shows: no page snapshots, no security
/// headers, no cookies, no subresources.
const EXPECTED: &[(&str, Status, Status)] = &[
    // (id, on good_flow, on good_flow_with_pages)
    ("cors", Status::NotObserved, Status::Pass),
    ("custom-domain-metadata", Status::Pass, Status::Pass),
    ("hsts", Status::Fail, Status::Pass),
    ("branding-logo", Status::NotObserved, Status::Pass),
    ("branding-favicon", Status::NotObserved, Status::Pass),
    ("branding-colors", Status::NotObserved, Status::Pass),
    ("branding-app-name", Status::NotObserved, Status::Pass),
    ("branding-vendor-mark", Status::NotObserved, Status::Pass),
    ("byoa-handoff-server-side", Status::Pass, Status::Pass),
    ("byoa-timing", Status::Pass, Status::Pass),
    ("oauth-consent-shown", Status::Pass, Status::Pass),
    ("oauth-token-exchange", Status::Pass, Status::Pass),
    ("cookies-flags", Status::NotObserved, Status::Pass),
    ("clickjacking", Status::Fail, Status::Pass),
    ("mixed-content", Status::NotObserved, Status::Pass),
    ("referrer-policy", Status::Warn, Status::Pass),
    ("network-allowlist", Status::Pass, Status::Pass),
    ("mcp-401-challenge", Status::Pass, Status::Pass),
    ("mcp-discovery", Status::Pass, Status::Pass),
    // What only a client that runs the flow sees: passes on good_client_run.
    ("oauth-token-response", Status::Warn, Status::Warn),
    (
        "oauth-code-replay",
        Status::NotObserved,
        Status::NotObserved,
    ),
    ("oauth-refresh", Status::NotObserved, Status::NotObserved),
    (
        "mcp-authorized-call",
        Status::NotObserved,
        Status::NotObserved,
    ),
    (
        "mcp-invalid-token",
        Status::NotObserved,
        Status::NotObserved,
    ),
    ("mcp-session-id", Status::NotObserved, Status::NotObserved),
];

#[test]
fn the_fixtures_give_the_expected_statuses() {
    let profile = Profile::default();
    let plain = outcomes(&good_flow().build(), &profile);
    let pages = outcomes(&good_flow_with_pages().build(), &profile);
    for (id, on_plain, on_pages) in EXPECTED {
        let status =
            |list: &[(&str, Outcome)]| list.iter().find(|(i, _)| i == id).map(|(_, o)| o.status);
        assert_eq!(status(&plain), Some(*on_plain), "{id} on good_flow");
        assert_eq!(
            status(&pages),
            Some(*on_pages),
            "{id} on good_flow_with_pages"
        );
    }
    // Every rule of the registry passes the good flow as a client that runs it records it,
    // whoever wrote the rule.
    let client = outcomes(&good_client_run().build(), &profile);
    assert_eq!(client.len(), registry().len());
    for (id, outcome) in &client {
        assert!(
            matches!(outcome.status, Status::Pass | Status::Skipped),
            "{id} on good_client_run: {outcome:?}"
        );
    }
}

fn hostile_snapshot(url: &str, time_ms: f64) -> PageSnapshot {
    let nasty = "<script>alert(1)</script>\u{202E}\u{0}\u{7}\u{200B}\u{FEFF}";
    PageSnapshot {
        time_ms,
        url: url.to_string(),
        tab: None,
        title: Some(format!("{nasty}{}", "t".repeat(5 * 1024 * 1024))),
        favicons: (0..10_000)
            .map(|i| FaviconLink {
                href: format!("javascript:alert({i})\u{202E}"),
                rel: "icon".into(),
                loaded: None,
                implicit: i % 2 == 0,
            })
            .collect(),
        logos: (0..10_000)
            .map(|i| LogoCandidate {
                src: format!("data:image/svg+xml,{nasty}{i}"),
                alt: Some(nasty.into()),
                natural_width: u32::MAX,
                natural_height: 0,
                loaded: None,
                visible: Some(true),
            })
            .collect(),
        colors: crate::trace::ColorFacts {
            background: Some("rgb(999999999999999999999, -1, NaN)".into()),
            primary_button: Some(nasty.into()),
            primary_button_text: Some(String::new()),
        },
        app_name: Some(format!("{nasty}{}", "n".repeat(5 * 1024 * 1024))),
        powered_by: (0..10_000)
            .map(|i| format!("{nasty} Powered by Scalekit {i}"))
            .collect(),
        hidden_fields: (0..10_000)
            .map(|i| FormField {
                name: format!("f{i}"),
                value: nasty.into(),
            })
            .collect(),
        has_password_field: false,
        buttons: vec!["Allow".into(); 10_000],
        headings: vec![nasty.into(); 10_000],
        images: (0..10_000)
            .map(|i| crate::trace::ImageFacts {
                src: format!("https://x.test/{nasty}{i}-logo.png"),
                alt: Some(nasty.into()),
                hint: "brand ".repeat(1000),
                natural_width: u32::MAX,
                natural_height: u32::MAX,
                ..crate::trace::ImageFacts::default()
            })
            .collect(),
        forms: vec![
            crate::trace::FormFacts {
                method: nasty.into(),
                action: nasty.into(),
                fields: (0..10_000)
                    .map(|i| crate::trace::FieldFacts {
                        kind: if i % 2 == 0 { "checkbox" } else { "password" }.into(),
                        name: format!("scope{nasty}"),
                        value: Some(nasty.into()),
                        ..crate::trace::FieldFacts::default()
                    })
                    .collect(),
            };
            10
        ],
        links: vec![
            crate::trace::LinkFacts {
                text: "Deny".into(),
                href: nasty.into(),
            };
            10_000
        ],
        name_hints: vec![
            crate::trace::NameHint {
                hint: "server-name".into(),
                text: nasty.into(),
            };
            10_000
        ],
        list_items: vec![nasty.into(); 10_000],
        text: Some(format!("{nasty}{}", "x".repeat(5 * 1024 * 1024))),
        image_count: u32::MAX,
        truncated: true,
    }
}

fn set_body(trace: &mut Trace, i: usize, mime: &str, text: String, truncated: bool) {
    if let Some(r) = trace.exchanges[i].response.as_mut() {
        r.body = Some(Body {
            mime_type: mime.into(),
            text,
            truncated,
        });
    }
}

fn hostile_traces() -> Vec<(&'static str, Trace)> {
    let mut out = Vec::new();

    // Snapshots with every field at an absurd size or hostile.
    let mut t = good_flow_with_pages().build();
    let (consent_url, consent_time) = (
        t.exchanges[CONSENT_HOP].url.clone(),
        t.exchanges[CONSENT_HOP].time_ms,
    );
    t.pages
        .push(hostile_snapshot(&consent_url, consent_time + 60.0));
    out.push(("hostile consent snapshot", t));

    // Snapshots with nothing in them (an older content script, a page that threw).
    let mut t = good_flow_with_pages().build();
    for p in &mut t.pages {
        let (url, time_ms) = (p.url.clone(), p.time_ms);
        *p = PageSnapshot {
            url,
            time_ms,
            ..PageSnapshot::default()
        };
    }
    out.push(("empty snapshots", t));

    // Metadata documents that are not metadata.
    for (name, mime, text, truncated) in [
        ("metadata as HTML", "text/html", "<!doctype html><title>Sign in</title>".to_string(), false),
        ("metadata as cut JSON", "application/json", r#"{"issuer":"https://auth.acme.test/res"#.to_string(), false),
        ("metadata cut by the capture", "application/json", r#"{"issuer":"#.to_string(), true),
        ("metadata of 10 MB", "application/json", format!(r#"{{"issuer":"{}"}}"#, "x".repeat(10 * 1024 * 1024)), false),
        ("metadata nested deep", "application/json", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)), false),
        ("metadata with wrong types", "application/json", r#"{"issuer":1,"authorization_servers":"x","resource":null,"code_challenge_methods_supported":"S256","registration_endpoint":[]}"#.to_string(), false),
    ] {
        let mut t = good_flow_with_pages().build();
        for i in [PRM_HOP, AS_METADATA_HOP, TOKEN_HOP] {
            set_body(&mut t, i, mime, text.clone(), truncated);
        }
        out.push((name, t));
    }

    // Headers that are junk, huge or many.
    let mut t = good_flow_with_pages().build();
    let junk = [
        (
            "Set-Cookie",
            "=;=;;\u{202E}; Secure=; SameSite; Max-Age=abc; __Host-",
        ),
        ("Set-Cookie", &"x=1; ".repeat(100_000)),
        ("Content-Security-Policy", ";;; frame-ancestors"),
        ("X-Frame-Options", "\u{0}DENY"),
        ("Strict-Transport-Security", "max-age=\"; max-age=1"),
        ("Referrer-Policy", ",,,unsafe-url\u{202E}"),
        ("WWW-Authenticate", "Bearer ,,,= resource_metadata=\"\\"),
        ("Access-Control-Allow-Origin", "\u{202E}*"),
    ];
    for i in [
        CHALLENGE_HOP,
        PRM_HOP,
        AUTHORIZE_HOP,
        BYOA_LOGIN_HOP,
        CONSENT_HOP,
        TOKEN_HOP,
    ] {
        if let Some(r) = t.exchanges[i].response.as_mut() {
            for (name, value) in junk {
                r.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
                r.headers.push(Header::new(name, value));
            }
            r.headers
                .extend((0..10_000).map(|n| Header::new(format!("x-{n}"), "v")));
        }
    }
    out.push(("junk headers", t));

    // A 5 MB page of 100,000 images and links, and a page that is not UTF-8 friendly markup.
    let mut t = good_flow().build();
    let page = format!(
        "<title>{}</title>{}{}",
        "\u{202E}".repeat(1000),
        "<img class=logo src=\"/l.png\"><link rel=icon href=\"/f.ico\">".repeat(100_000),
        "<footer>Powered by scalekit</footer>"
    );
    set_body(&mut t, CONSENT_HOP, "text/html", page, false);
    set_body(
        &mut t,
        BYOA_LOGIN_HOP,
        "text/html",
        "<<<<input name=client_secret value=\"é".into(),
        false,
    );
    out.push(("huge HTML", t));

    out
}

#[test]
fn no_rule_panics_or_echoes_hostile_text() {
    let profile = Profile {
        server_name: Some("\u{202E}Acme".into()),
        colors: crate::profile::ProfileColors {
            background: Some("not a color".into()),
            primary_button: Some("#zzzzzz".into()),
        },
        ..Profile::default()
    };
    for (name, trace) in hostile_traces() {
        for profile in [&Profile::default(), &profile] {
            for (id, outcome) in outcomes(&trace, profile) {
                let ctx = format!("{id} on {name}");
                assert!(
                    outcome.summary.chars().count() < 2_000,
                    "{ctx}: summary too long"
                );
                assert!(
                    outcome.evidence.len() <= 250,
                    "{ctx}: {} evidence",
                    outcome.evidence.len()
                );
                let texts = std::iter::once(outcome.summary.as_str()).chain(
                    outcome
                        .evidence
                        .iter()
                        .flat_map(|e| [e.value.as_deref().unwrap_or_default(), e.note.as_str()]),
                );
                for text in texts {
                    assert!(
                        !text.chars().any(|c| c == '\u{202E}' || c == '\u{0}'),
                        "{ctx}: raw control character in {text:.80}"
                    );
                    assert!(
                        text.chars().count() < 5_000,
                        "{ctx}: evidence text too long"
                    );
                }
            }
            let report = crate::analyze(&trace, profile);
            let _ = crate::render::markdown::render(&report);
        }
    }
}

#[test]
fn hostile_input_gets_clear_answers() {
    let traces = hostile_traces();
    let find = |name: &str| &traces.iter().find(|(n, _)| *n == name).expect("trace").1;
    let status = |trace: &Trace, id: &str| {
        outcomes(trace, &Profile::default())
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, o)| o.status)
    };
    // A bidi override in the shown name is a failure, whatever else the page holds.
    assert_eq!(
        status(find("hostile consent snapshot"), "branding-app-name"),
        Some(Status::Fail)
    );
    assert_eq!(
        status(find("hostile consent snapshot"), "branding-vendor-mark"),
        Some(Status::Warn)
    );
    // Documents that are not metadata fail with evidence; a capture that cut them is not observed.
    for name in [
        "metadata as HTML",
        "metadata as cut JSON",
        "metadata of 10 MB",
        "metadata with wrong types",
    ] {
        assert_eq!(
            status(find(name), "mcp-discovery"),
            Some(Status::Fail),
            "{name}"
        );
    }
    assert_eq!(
        status(find("metadata cut by the capture"), "mcp-discovery"),
        Some(Status::NotObserved)
    );
    assert_eq!(
        status(find("metadata nested deep"), "mcp-discovery"),
        Some(Status::Fail)
    );
    // Empty snapshots: the branding checks cannot tell.
    for id in ["branding-colors", "branding-app-name"] {
        assert_eq!(
            status(find("empty snapshots"), id),
            Some(Status::NotObserved),
            "{id}"
        );
    }
    // The footer is past the part of the page that is read: not observed, not a pass.
    assert_eq!(
        status(find("huge HTML"), "branding-vendor-mark"),
        Some(Status::NotObserved)
    );
    assert_eq!(
        status(find("huge HTML"), "branding-logo"),
        Some(Status::Pass)
    );
    assert_eq!(
        status(find("huge HTML"), "byoa-handoff-server-side"),
        Some(Status::Fail)
    );
}
