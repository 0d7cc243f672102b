//! The probe against a loopback setup: a good one, one broken variant per checklist item, and
//! the inputs that stop a probe. Each variant asserts the recorded exchanges, the roles the
//! core gives them, and the statuses of the checks it concerns. Only loopback (through
//! `--resolve` overrides) and `.invalid` host names are ever contacted.

mod support;

use std::time::{Duration, Instant};

use flowlens_core::trace::Exchange;
use flowlens_core::{Profile, Status};
use flowlens_probe::{probe, FailureKind, Options, Probe, ProbeError, Step, PROBE_CHECKS};
use support::{closed_port, ChallengeKind, PrmCors, Setup, Site, AUTH_HOST, DEV_HOST, VENDOR_HOST};

fn run(setup: Setup) -> (Site, Probe) {
    let site = Site::start(setup);
    let result = probe(&site.mcp_url, &site.options());
    match result {
        Ok(p) => (site, p),
        Err(e) => panic!("the probe failed: {e}"),
    }
}

/// The origin of a browser-based client of the probed server's customer.
const WEB_CLIENT: &str = "https://app.acme.test";

/// The probe asking as the web client on `origin`.
fn run_as_web_client(setup: Setup, origin: &str) -> (Site, Probe) {
    let site = Site::start(setup);
    let options = Options {
        origin: Some(origin.into()),
        ..site.options()
    };
    match probe(&site.mcp_url, &options) {
        Ok(p) => (site, p),
        Err(e) => panic!("the probe failed: {e}"),
    }
}

fn run_err(setup: Setup) -> (Site, ProbeError) {
    let site = Site::start(setup);
    let err = probe(&site.mcp_url, &site.options()).expect_err("the probe should stop");
    (site, err)
}

/// The roles of the reconstructed flows, as the rules see them.
fn roles(p: &Probe) -> Vec<Vec<(usize, &'static str)>> {
    flowlens_core::flow::reconstruct(&p.trace, &Profile::default())
        .iter()
        .map(|f| {
            f.hops
                .iter()
                .map(|h| (h.exchange, h.role.as_str()))
                .collect()
        })
        .collect()
}

/// (method, URL, status) of every recorded exchange.
fn calls(p: &Probe) -> Vec<(String, String, Option<u16>)> {
    p.trace
        .exchanges
        .iter()
        .map(|e| (e.method.clone(), e.url.clone(), e.status()))
        .collect()
}

fn body_json(ex: &Exchange) -> serde_json::Value {
    serde_json::from_str(ex.response_body_text().expect("a kept body")).expect("a JSON body")
}

/// The status of a check in the probe report (one flow, so one result per id).
fn status(p: &Probe, id: &str) -> Status {
    let results: Vec<&flowlens_core::report::CheckReport> =
        p.report.checks.iter().filter(|c| c.id == id).collect();
    assert_eq!(results.len(), 1, "{id} in {:#?}", p.report.checks);
    results[0].status
}

fn summary(p: &Probe, id: &str) -> String {
    p.report
        .checks
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.summary.clone())
        .unwrap_or_default()
}

fn has_note(p: &Probe, words: &str) -> bool {
    p.report.notes.iter().any(|n| n.contains(words))
}

fn prm_url(site: &Site) -> String {
    let origin = site.mcp_url.strip_suffix("/mcp").expect("an MCP URL");
    format!("{origin}/.well-known/oauth-protected-resource/mcp")
}

fn as_url(site: &Site) -> String {
    site.issuer.replace(
        "/resources/res_1",
        "/.well-known/oauth-authorization-server/resources/res_1",
    )
}

const DISCOVERY: [(usize, &str); 3] = [
    (0, "mcp-request"),
    (1, "protected-resource-metadata"),
    (2, "authorization-server-metadata"),
];

#[test]
fn good_setup_is_recorded_as_one_discovery_flow() {
    let (site, p) = run(Setup::good());
    assert_eq!(
        calls(&p),
        [
            ("POST".into(), site.mcp_url.clone(), Some(401)),
            ("GET".into(), prm_url(&site), Some(200)),
            ("GET".into(), as_url(&site), Some(200)),
        ]
    );
    assert_eq!(roles(&p), [DISCOVERY.to_vec()]);

    // The initialize request as a native Streamable HTTP client sends it: no Origin.
    let init = &p.trace.exchanges[0];
    assert_eq!(
        init.request_header("content-type"),
        Some("application/json")
    );
    assert_eq!(
        init.request_header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(
        init.request_header("mcp-protocol-version"),
        Some("2025-11-25")
    );
    assert_eq!(init.request_header("origin"), None);
    let body: serde_json::Value =
        serde_json::from_str(&init.request_body.as_ref().expect("a body").text).expect("JSON");
    assert_eq!(body["method"], "initialize");
    assert_eq!(body["jsonrpc"], "2.0");
    assert!(init
        .response_header("www-authenticate")
        .is_some_and(|h| h.contains("resource_metadata=")));
    // What the servers received: the client sent what the trace says, and no credentials.
    let received = site.received();
    assert_eq!(received.len(), 3);
    let init = &received[0];
    assert_eq!((init.method.as_str(), init.path()), ("POST", "/mcp"));
    assert_eq!(init.header("content-type"), Some("application/json"));
    assert_eq!(
        init.header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(init.header("mcp-protocol-version"), Some("2025-11-25"));
    assert!(
        init.body.contains(r#""method":"initialize""#),
        "{}",
        init.body
    );
    for r in &received {
        assert_eq!(r.header("origin"), None);
        for never in ["authorization", "cookie", "accept-encoding"] {
            assert_eq!(r.header(never), None, "{never} sent to {}", r.target);
        }
    }

    for ex in &p.trace.exchanges {
        assert_eq!(ex.resource_type, flowlens_core::trace::ResourceType::Fetch);
        assert!(ex.request_header("authorization").is_none(), "{}", ex.url);
        assert!(ex.request_header("cookie").is_none(), "{}", ex.url);
        assert!(ex.response_header("strict-transport-security").is_some());
        let response = ex.response.as_ref().expect("answered");
        assert!(response.time_ms.is_some_and(|t| t >= ex.time_ms));
    }
    assert_eq!(body_json(&p.trace.exchanges[1])["resource"], site.mcp_url);
    assert_eq!(body_json(&p.trace.exchanges[2])["issuer"], site.issuer);

    assert_eq!(p.trace.source, "probe");
    assert_eq!(p.report.schema, "flowlens.report/v1");
    assert_eq!(p.report.source.kind, "probe");
    assert_eq!(p.report.source.name.as_deref(), Some(site.mcp_url.as_str()));
    assert_eq!(p.report.source.exchanges, 3);
    assert_eq!(p.report.flows.len(), 1);
    assert!(has_note(&p, "--insecure"), "{:?}", p.report.notes);
    // Every probe check the core has is reported, for the one flow, and passes.
    let expected: Vec<&str> = flowlens_core::rules::registry()
        .iter()
        .map(|r| r.meta().id)
        .filter(|id| PROBE_CHECKS.iter().any(|p| p == id))
        .collect();
    // Every id of PROBE_CHECKS is a rule (a mistyped one would be missing here).
    assert_eq!(expected.len(), PROBE_CHECKS.len());
    let reported: Vec<&str> = p.report.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(reported, expected);
    for check in &p.report.checks {
        // A native client by default: browser-based clients are not checked.
        let expected = if check.id == "cors" {
            Status::NotObserved
        } else {
            Status::Pass
        };
        assert_eq!(check.status, expected, "{check:#?}");
        assert_eq!(check.flow, Some(0));
    }
    for id in [
        "mcp-401-challenge",
        "mcp-discovery",
        "custom-domain-metadata",
        "env-production",
        "https-everywhere",
        "hsts",
    ] {
        assert_eq!(status(&p, id), Status::Pass, "{id}");
    }
    assert!(!p.report.has_failures());
    // Asked as a web client, CORS is judged and the good setup passes it too.
    let (_site, p) = run_as_web_client(Setup::good(), WEB_CLIENT);
    assert_eq!(status(&p, "cors"), Status::Pass);
    assert_eq!(p.report.flows[0].status, Status::Pass);
    let c = p.report.counts;
    assert_eq!(
        c.pass + c.fail + c.warn + c.not_observed + c.manual + c.skipped,
        p.report.checks.len()
    );
}

#[test]
fn missing_www_authenticate_warns_and_discovery_goes_on_at_the_well_known_url() {
    let (site, p) = run(Setup {
        challenge: ChallengeKind::Missing,
        ..Setup::good()
    });
    assert_eq!(p.trace.exchanges[0].status(), Some(401));
    assert_eq!(
        p.trace.exchanges[0].response_header("www-authenticate"),
        None
    );
    assert_eq!(p.trace.exchanges[1].url, prm_url(&site));
    assert_eq!(roles(&p), [DISCOVERY.to_vec()]);
    assert!(
        has_note(&p, "no WWW-Authenticate header"),
        "{:?}",
        p.report.notes
    );
    // Allowed since MCP 2025-11-25 when the well-known URL works, so a warning.
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Warn);
    assert!(summary(&p, "mcp-401-challenge").contains("no WWW-Authenticate"));
    assert_eq!(status(&p, "mcp-discovery"), Status::Pass);
}

#[test]
fn challenge_without_resource_metadata_warns_and_discovery_goes_on() {
    let (site, p) = run(Setup {
        challenge: ChallengeKind::NoResourceMetadata,
        ..Setup::good()
    });
    assert_eq!(
        p.trace.exchanges[0].response_header("www-authenticate"),
        Some(r#"Bearer realm="OAuth""#)
    );
    assert_eq!(p.trace.exchanges[1].url, prm_url(&site));
    assert_eq!(roles(&p), [DISCOVERY.to_vec()]);
    assert!(has_note(&p, "no resource_metadata"), "{:?}", p.report.notes);
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Warn);
    assert!(summary(&p, "mcp-401-challenge").contains("no resource_metadata"));
    assert_eq!(status(&p, "mcp-discovery"), Status::Pass);
}

#[test]
fn challenge_without_scope_warns() {
    let (_site, p) = run(Setup {
        challenge: ChallengeKind::NoScope,
        ..Setup::good()
    });
    let header = p.trace.exchanges[0]
        .response_header("www-authenticate")
        .expect("a challenge");
    assert!(header.contains("resource_metadata=") && !header.contains("scope="));
    assert_eq!(roles(&p), [DISCOVERY.to_vec()]);
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Warn);
    assert!(summary(&p, "mcp-401-challenge").contains("no scope"));
}

#[test]
fn a_native_client_by_default_says_browser_clients_were_not_checked() {
    let (_site, p) = run(Setup {
        expose_www_authenticate: false,
        prm_cors: PrmCors::Missing,
        ..Setup::good()
    });
    assert!(p
        .trace
        .exchanges
        .iter()
        .all(|e| e.request_header("origin").is_none()));
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Pass);
    assert_eq!(status(&p, "cors"), Status::NotObserved);
    assert!(
        summary(&p, "cors").contains("browser-based clients were not checked"),
        "{}",
        summary(&p, "cors")
    );
    assert!(
        has_note(&p, "Browser-based clients were not checked"),
        "{:?}",
        p.report.notes
    );
}

#[test]
fn challenge_not_exposed_to_browser_clients_fails() {
    let (_site, p) = run_as_web_client(
        Setup {
            expose_www_authenticate: false,
            ..Setup::good()
        },
        WEB_CLIENT,
    );
    let init = &p.trace.exchanges[0];
    assert_eq!(
        init.response_header("access-control-allow-origin"),
        Some(WEB_CLIENT)
    );
    assert_eq!(init.response_header("access-control-expose-headers"), None);
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Fail);
    assert!(summary(&p, "mcp-401-challenge").contains("Access-Control-Expose-Headers"));

    // Probing as a native client (no Origin): CORS does not apply.
    let site = Site::start(Setup {
        expose_www_authenticate: false,
        ..Setup::good()
    });
    let options = Options {
        origin: None,
        ..site.options()
    };
    let p = probe(&site.mcp_url, &options).expect("a report");
    assert!(p
        .trace
        .exchanges
        .iter()
        .all(|e| e.request_header("origin").is_none()));
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Pass);
    assert_eq!(status(&p, "cors"), Status::NotObserved);
}

#[test]
fn a_server_that_allows_only_its_own_origins_is_probed_as_its_client() {
    let setup = Setup {
        mcp_allowed_origin: Some("https://app.acme.test"),
        ..Setup::good()
    };
    let (_site, p) = run_as_web_client(setup.clone(), "https://other.example.test");
    assert_eq!(
        p.trace.exchanges[0].response_header("access-control-allow-origin"),
        None
    );
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Fail);
    assert!(
        has_note(&p, "does not allow the Origin https://other.example.test"),
        "{:?}",
        p.report.notes
    );

    let site = Site::start(setup);
    let options = Options {
        origin: Some("https://app.acme.test".into()),
        ..site.options()
    };
    let p = probe(&site.mcp_url, &options).expect("a report");
    assert_eq!(
        p.trace.exchanges[0].request_header("origin"),
        Some("https://app.acme.test")
    );
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Pass);
    assert!(!has_note(&p, "does not allow"), "{:?}", p.report.notes);
}

#[test]
fn resource_mismatch_fails_discovery() {
    let (_site, p) = run(Setup {
        resource: Some("https://mcp.acme.test/other".into()),
        ..Setup::good()
    });
    assert_eq!(
        body_json(&p.trace.exchanges[1])["resource"],
        "https://mcp.acme.test/other"
    );
    assert_eq!(roles(&p), [DISCOVERY.to_vec()]);
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("resource https://mcp.acme.test/other"));
    assert_eq!(status(&p, "mcp-401-challenge"), Status::Pass);
}

#[test]
fn issuer_mismatch_fails_discovery() {
    let (site, p) = run(Setup {
        issuer: Some(format!("https://{AUTH_HOST}")),
        ..Setup::good()
    });
    let metadata = body_json(&p.trace.exchanges[2]);
    assert_eq!(metadata["issuer"], format!("https://{AUTH_HOST}"));
    assert_ne!(metadata["issuer"], site.issuer);
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("issuer"));
}

#[test]
fn plain_http_authorization_server_fails_https_everywhere() {
    let (site, p) = run(Setup {
        auth_over_http: true,
        ..Setup::good()
    });
    assert!(site.issuer.starts_with("http://"));
    let metadata = &p.trace.exchanges[2];
    assert!(
        metadata.url.starts_with("http://auth.acme.test:"),
        "{}",
        metadata.url
    );
    assert_eq!(metadata.status(), Some(200));
    assert_eq!(metadata.response_header("strict-transport-security"), None);
    assert!(body_json(metadata)["token_endpoint"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://")));
    assert_eq!(status(&p, "https-everywhere"), Status::Fail);
    assert!(summary(&p, "https-everywhere").contains("auth.acme.test"));
    assert!(p.report.has_failures());
    // No https answer from the authorization server: nothing to judge HSTS on.
    assert_eq!(status(&p, "hsts"), Status::NotObserved);
}

#[test]
fn a_development_environment_fails_env_production() {
    let (site, p) = run(Setup {
        auth_host: DEV_HOST,
        ..Setup::good()
    });
    assert!(site.issuer.starts_with("https://acme.scalekit.dev:"));
    assert_eq!(p.trace.exchanges[2].url, as_url(&site));
    assert_eq!(status(&p, "env-production"), Status::Fail);
    assert!(summary(&p, "env-production").contains(DEV_HOST));
    assert_eq!(status(&p, "https-everywhere"), Status::Pass);
    assert_eq!(status(&p, "custom-domain-metadata"), Status::Fail);
}

#[test]
fn no_hsts_on_the_custom_domain_fails_hsts() {
    let (_site, p) = run(Setup {
        hsts: false,
        ..Setup::good()
    });
    assert!(p
        .trace
        .exchanges
        .iter()
        .all(|e| e.response_header("strict-transport-security").is_none()));
    assert_eq!(status(&p, "hsts"), Status::Fail);
    assert!(summary(&p, "hsts").contains(AUTH_HOST));
    // Without a profile the custom domain is the metadata's authorization_endpoint host.
    let hsts = p.report.checks.iter().find(|c| c.id == "hsts");
    assert!(hsts.is_some_and(|c| c
        .assumptions
        .iter()
        .any(|a| a.contains("authorization_endpoint"))));
}

#[test]
fn metadata_cors_is_judged_from_the_web_clients_origin() {
    let (_site, p) = run_as_web_client(
        Setup {
            prm_cors: PrmCors::ReflectWithCredentials,
            ..Setup::good()
        },
        WEB_CLIENT,
    );
    let prm = &p.trace.exchanges[1];
    assert_eq!(
        prm.response_header("access-control-allow-origin"),
        Some(WEB_CLIENT)
    );
    assert_eq!(status(&p, "cors"), Status::Fail);

    // Asked as your web client, an answer it cannot read is a failure, not a warning.
    let (_site, p) = run_as_web_client(
        Setup {
            prm_cors: PrmCors::Missing,
            ..Setup::good()
        },
        WEB_CLIENT,
    );
    assert_eq!(status(&p, "cors"), Status::Fail);
    assert!(summary(&p, "cors").contains("protected-resource metadata"));
    assert!(summary(&p, "cors").contains("your web client"));

    // The profile's web client origins ask the same question.
    let site = Site::start(Setup {
        prm_cors: PrmCors::Missing,
        ..Setup::good()
    });
    let mut options = site.options();
    options.profile.web_client_origins = vec![WEB_CLIENT.into(), "https://b.test".into()];
    let p = probe(&site.mcp_url, &options).expect("a report");
    assert_eq!(
        p.trace.exchanges[0].request_header("origin"),
        Some(WEB_CLIENT)
    );
    assert_eq!(status(&p, "cors"), Status::Fail);
    assert!(
        has_note(&p, "1 other web client origin"),
        "{:?}",
        p.report.notes
    );
}

#[test]
fn metadata_without_s256_fails_discovery() {
    let (_site, p) = run(Setup {
        code_challenge_methods: Some(vec!["plain"]),
        ..Setup::good()
    });
    assert_eq!(
        body_json(&p.trace.exchanges[2])["code_challenge_methods_supported"],
        serde_json::json!(["plain"])
    );
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("S256"));

    // Absent altogether: clients must refuse to proceed.
    let (_site, p) = run(Setup {
        code_challenge_methods: None,
        ..Setup::good()
    });
    assert!(body_json(&p.trace.exchanges[2])
        .get("code_challenge_methods_supported")
        .is_none());
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("S256"));
}

#[test]
fn metadata_without_the_iss_flag_gets_a_note() {
    let (_site, p) = run(Setup::good());
    assert!(!has_note(
        &p,
        "authorization_response_iss_parameter_supported"
    ));
    let (_site, p) = run(Setup {
        iss_supported: false,
        ..Setup::good()
    });
    assert!(
        has_note(
            &p,
            "does not advertise authorization_response_iss_parameter_supported"
        ),
        "{:?}",
        p.report.notes
    );
    // A note, not a check: no rule judges the flag without the authorization response.
    assert!(!p.report.has_failures());
}

#[test]
fn endpoints_on_the_vendor_default_domain_fail_custom_domain_metadata() {
    let (_site, p) = run(Setup {
        endpoint_base: Some(format!("https://{VENDOR_HOST}")),
        ..Setup::good()
    });
    assert_eq!(
        body_json(&p.trace.exchanges[2])["authorization_endpoint"],
        format!("https://{VENDOR_HOST}/oauth/authorize")
    );
    assert!(p
        .trace
        .exchanges
        .iter()
        .all(|e| !e.url.contains(VENDOR_HOST)));
    assert_eq!(status(&p, "custom-domain-metadata"), Status::Fail);
    assert!(summary(&p, "custom-domain-metadata").contains(VENDOR_HOST));
    assert_eq!(status(&p, "mcp-discovery"), Status::Pass);

    // The authorization server itself on the vendor default domain.
    let (site, p) = run(Setup {
        auth_host: VENDOR_HOST,
        ..Setup::good()
    });
    assert!(site.issuer.starts_with(&format!("https://{VENDOR_HOST}:")));
    assert_eq!(status(&p, "custom-domain-metadata"), Status::Fail);
    assert!(summary(&p, "custom-domain-metadata").contains("authorization_servers"));
    assert_eq!(status(&p, "env-production"), Status::Pass); // .com is production
}

#[test]
fn metadata_served_as_html_fails_discovery_with_a_note() {
    let (_site, p) = run(Setup {
        prm_as_html: true,
        ..Setup::good()
    });
    // The header named the URL: no fallback, and no issuer to go on with.
    assert_eq!(p.trace.exchanges.len(), 2);
    assert!(p.trace.exchanges[1]
        .response_mime()
        .is_some_and(|m| m.starts_with("text/html")));
    assert_eq!(
        roles(&p),
        [vec![(0, "mcp-request"), (1, "protected-resource-metadata")]]
    );
    assert!(has_note(&p, "HTML page"), "{:?}", p.report.notes);
    assert!(has_note(&p, "discovery stops here"), "{:?}", p.report.notes);

    let (site, p) = run(Setup {
        as_metadata_as_html: true,
        ..Setup::good()
    });
    let tried: Vec<&str> = p.trace.exchanges[2..]
        .iter()
        .map(|e| e.url.as_str())
        .collect();
    assert_eq!(tried.len(), 3, "every AS metadata URL is tried: {tried:?}");
    assert!(tried
        .iter()
        .all(|u| u.starts_with(&site.issuer[..site.issuer.len() - "/resources/res_1".len()])));
    assert!(
        has_note(&p, "no authorization-server metadata"),
        "{:?}",
        p.report.notes
    );
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("HTML"));
    assert!(p.report.has_failures());
    assert_eq!(status(&p, "mcp-discovery"), Status::Fail);
    assert!(summary(&p, "mcp-discovery").contains("authorization-server metadata"));
}

#[test]
fn authorization_server_metadata_is_looked_up_in_the_spec_order() {
    let (site, p) = run(Setup {
        as_metadata_only_appended: true,
        ..Setup::good()
    });
    let origin = site.issuer.trim_end_matches("/resources/res_1");
    assert_eq!(
        calls(&p)[2..],
        [
            (
                "GET".into(),
                format!("{origin}/.well-known/oauth-authorization-server/resources/res_1"),
                Some(404)
            ),
            (
                "GET".into(),
                format!("{origin}/.well-known/openid-configuration/resources/res_1"),
                Some(404)
            ),
            (
                "GET".into(),
                format!("{origin}/resources/res_1/.well-known/openid-configuration"),
                Some(200)
            ),
        ]
    );
    let flows = roles(&p);
    assert_eq!(flows.len(), 1);
    assert!(flows[0][2..]
        .iter()
        .all(|(_, role)| *role == "authorization-server-metadata"));
    // The client followed the spec's order, and the 404s before the answer are not the
    // metadata: discovery is fine.
    assert_eq!(status(&p, "mcp-discovery"), Status::Pass);
    assert_eq!(status(&p, "custom-domain-metadata"), Status::Pass);
}

#[test]
fn a_redirect_is_followed_recorded_and_noted() {
    let (site, p) = run_as_web_client(
        Setup {
            prm_redirect_once: true,
            ..Setup::good()
        },
        WEB_CLIENT,
    );
    let redirect = &p.trace.exchanges[1];
    assert_eq!(redirect.status(), Some(301));
    assert_eq!(
        redirect.redirect_target().as_deref(),
        Some(format!("{}.json", prm_url(&site)).as_str())
    );
    assert_eq!(p.trace.exchanges[2].url, format!("{}.json", prm_url(&site)));
    assert_eq!(p.trace.exchanges[3].url, as_url(&site));
    assert!(
        has_note(&p, "followed redirects: 301"),
        "{:?}",
        p.report.notes
    );
    assert_eq!(roles(&p)[0].len(), 4);
    assert_eq!(status(&p, "mcp-discovery"), Status::Pass);
    // A browser follows a cross-origin redirect only if the redirect answers CORS too;
    // the test server's 301 does not: your web client cannot read the metadata.
    assert_eq!(status(&p, "cors"), Status::Fail);
}

// ---- What stops a probe: a clear error naming the step, never a hang or a panic. ----

#[test]
fn a_redirect_loop_stops_the_probe_at_its_step() {
    let (_site, err) = run_err(Setup {
        prm_redirect_loop: true,
        ..Setup::good()
    });
    assert_eq!(err.step, Step::ResourceMetadata);
    assert_eq!(err.kind, FailureKind::RedirectLoop);
    assert!(
        err.to_string()
            .starts_with("step 2 (protected-resource metadata) failed: redirect loop"),
        "{err}"
    );
    assert_eq!(err.trace.exchanges.len(), 3); // 401, then two redirects
}

#[test]
fn a_server_that_never_answers_times_out() {
    let site = Site::start(Setup {
        mcp_stalls: true,
        ..Setup::good()
    });
    let options = Options {
        timeout: Duration::from_millis(500),
        ..site.options()
    };
    let started = Instant::now();
    let err = probe(&site.mcp_url, &options).expect_err("a timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.step, Step::Initialize);
    assert_eq!(err.kind, FailureKind::Timeout);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.trace.exchanges[0].error.is_some());
}

#[test]
fn an_endless_response_is_cut_at_the_cap() {
    let site = Site::start(Setup {
        prm_endless: true,
        ..Setup::good()
    });
    let options = Options {
        max_body_bytes: 256 * 1024,
        ..site.options()
    };
    let err = probe(&site.mcp_url, &options).expect_err("too large");
    assert_eq!(err.step, Step::ResourceMetadata);
    assert_eq!(err.kind, FailureKind::TooLarge);
    assert!(err.to_string().contains("larger than 256 KiB"), "{err}");
    let body = err.trace.exchanges[1]
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .expect("the start of the body is kept");
    assert!(body.truncated);
    assert_eq!(body.text.len(), 256 * 1024);
}

#[test]
fn connection_refused_names_the_step() {
    let url = format!("http://127.0.0.1:{}/mcp", closed_port());
    let err = probe(&url, &Options::default()).expect_err("refused");
    assert_eq!(err.step, Step::Initialize);
    assert_eq!(err.kind, FailureKind::Connect);
    assert!(err.to_string().contains("refused"), "{err}");
}

#[test]
fn https_to_a_plain_http_server_is_a_tls_failure() {
    let site = Site::start(Setup::good());
    let url = format!("https://mcp.acme.test:{}/mcp", site.http.port);
    let err = probe(&url, &site.options()).expect_err("TLS fails");
    assert_eq!(err.step, Step::Initialize);
    assert_eq!(err.kind, FailureKind::Tls, "{err}");
    assert!(err.to_string().contains("TLS"), "{err}");
}

#[test]
fn a_self_signed_certificate_is_refused_without_insecure() {
    let site = Site::start(Setup::good());
    let options = Options {
        insecure: false,
        ..site.options()
    };
    let err = probe(&site.mcp_url, &options).expect_err("verification fails");
    assert_eq!(err.kind, FailureKind::Tls, "{err}");
    assert!(err.to_string().contains("--insecure"), "{err}");
}

#[test]
fn an_unknown_host_is_a_dns_failure() {
    let options = Options {
        timeout: Duration::from_secs(3),
        ..Options::default()
    };
    let err = probe("https://mcp.flowlens.invalid/mcp", &options).expect_err("no such host");
    assert_eq!(err.step, Step::Initialize);
    assert_eq!(err.kind, FailureKind::Dns, "{err}");
    assert!(err.to_string().contains("mcp.flowlens.invalid"), "{err}");
}

#[test]
fn an_html_page_instead_of_an_mcp_answer_stops_the_probe() {
    let (_site, err) = run_err(Setup {
        mcp_html: true,
        ..Setup::good()
    });
    assert_eq!(err.step, Step::Initialize);
    assert_eq!(err.kind, FailureKind::NotAnMcpChallenge);
    assert!(err.to_string().contains("HTML page"), "{err}");
}

#[test]
fn a_url_without_scheme_is_refused_before_any_request() {
    let err = probe("mcp.acme.test/mcp", &Options::default()).expect_err("no scheme");
    assert_eq!(err.step, Step::Input);
    assert!(
        err.to_string().contains("https://mcp.acme.test/mcp"),
        "{err}"
    );
}
