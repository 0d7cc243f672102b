use serde_json::Value;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::url_without_query;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// The discovery an MCP client goes through, as far as the browser saw it (MCP clients
    /// running in the browser):
    ///
    /// - the protected-resource metadata (RFC 9728) is JSON whose `resource` is exactly the
    ///   MCP server URL and which lists `authorization_servers` (a warning when neither its
    ///   `scopes_supported` nor the 401 challenge's `scope` says which scopes to ask for);
    /// - the authorization-server metadata was fetched in the spec's order: for an issuer
    ///   with a path, `/.well-known/oauth-authorization-server/<path>`, then
    ///   `/.well-known/openid-configuration/<path>`, then
    ///   `<path>/.well-known/openid-configuration` (a warning when the client started
    ///   elsewhere; the appended `<path>/.well-known/oauth-authorization-server` form is not
    ///   in the spec's list);
    /// - its `issuer` is identical, byte for byte (trailing slash included), to the
    ///   `authorization_servers` entry it was derived from;
    /// - it advertises `S256` in `code_challenge_methods_supported`;
    /// - it offers a way to register: a `registration_endpoint` or
    ///   `client_id_metadata_document_supported: true`.
    ///
    /// Documents served as HTML, cut, not JSON or absurdly large are reported with evidence.
    /// Desktop clients fetch all of this outside the browser: the check is then not
    /// observed (`flowlens probe` fetches the documents itself).
    ///
    /// ## Why it matters
    /// MCP clients follow these documents mechanically. A `resource` that differs from the
    /// server URL, an `issuer` that differs from the discovery URL, or a missing `S256` make
    /// conforming clients refuse to continue ("the client MUST NOT use" such metadata), and
    /// each client fails in its own way, which makes the problem look random to users.
    ///
    /// ## How to fix
    /// Serve the protected-resource metadata exactly as the Metadata JSON tab of Dashboard >
    /// MCP Servers > your server shows it, with `resource` equal to the URL clients connect to
    /// (`https://mcp.yourapp.com/mcp`, no trailing slash unless the server URL has one) and
    /// `authorization_servers` copied byte for byte from the dashboard (the custom-domain
    /// form once the CNAME is live). The authorization-server metadata itself is served by
    /// Scalekit at `/.well-known/oauth-authorization-server/resources/res_…`: do not rewrite
    /// it in a proxy.
    pub struct McpDiscovery {
        id: "mcp-discovery",
        section: McpAuthentication,
        title: "MCP discovery metadata",
    }
}

impl Rule for McpDiscovery {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let servers = judge_resource_metadata(cx, &mut findings);
        judge_as_metadata(cx, &servers, &mut findings);
        let mut outcome = findings.outcome_with_gaps(
            "the discovery metadata is complete and consistent",
            "no discovery metadata was observed",
            true,
        );
        if outcome.status == crate::Status::NotObserved {
            outcome = outcome.with(Evidence::note(
                "desktop MCP clients fetch the metadata outside the browser: `flowlens probe` fetches it",
            ));
        }
        outcome
    }
}

/// The first document of this role that reads as a JSON object, reporting the ones that do
/// not; `None` when none does.
fn first_document<'a>(
    cx: &Context<'a>,
    role: Role,
    what: &str,
    findings: &mut Findings,
) -> Option<(usize, &'a Exchange, Value)> {
    let mut problems = Vec::new();
    for (hop, ex) in cx.hops(role) {
        let status = ex.status().unwrap_or(0);
        if !(200..300).contains(&status) {
            problems.push((hop, ex, None));
            continue;
        }
        match cx.json_object(hop) {
            Ok(doc) => return Some((hop, ex, doc)),
            Err(p) => problems.push((hop, ex, Some(p))),
        }
    }
    // Nothing usable: say why, from the last attempt (earlier 404s are the fallback order).
    match problems.last() {
        None => findings.gap(
            format!("the {what} was not fetched in the browser"),
            Evidence::note(format!("no {what} request in the trace")),
        ),
        Some((hop, ex, None)) => findings.fail(
            format!(
                "the {what} request failed ({})",
                ex.status()
                    .map_or("no response".to_string(), |s| s.to_string())
            ),
            Evidence::hop(*hop, &ex.url, format!("{what} not served")),
        ),
        Some((hop, ex, Some(p))) if p.is_capture_gap() => findings.gap(
            format!("the {what} could not be read: {}", p.describe()),
            Evidence::hop(*hop, &ex.url, p.describe()),
        ),
        Some((hop, ex, Some(p))) => findings.fail(
            format!("the {what} is not a metadata document: {}", p.describe()),
            Evidence::hop(*hop, &ex.url, p.describe()),
        ),
    }
    None
}

/// Judges the protected-resource metadata; returns its `authorization_servers`.
fn judge_resource_metadata(cx: &Context<'_>, findings: &mut Findings) -> Vec<String> {
    let what = "protected-resource metadata";
    let Some((hop, ex, doc)) = first_document(cx, Role::ProtectedResourceMetadata, what, findings)
    else {
        return Vec::new();
    };
    let at = |note: &str| Evidence::hop(hop, &ex.url, note);
    let resource = doc.get("resource").and_then(Value::as_str);
    match (resource, cx.mcp_url()) {
        (None, _) => findings.fail(
            "the protected-resource metadata has no resource",
            at("resource is required").field("resource", None),
        ),
        (Some(r), Some(mcp)) if r == mcp => findings.pass(
            "resource is the MCP server URL",
            at("matches the MCP server URL").field("resource", Some(&visible(r, 300))),
        ),
        (Some(r), Some(mcp)) => findings.fail(
            format!(
                "the metadata's resource {} is not the MCP server URL {}",
                visible(r, 200),
                visible(&mcp, 200)
            ),
            at(&format!("the MCP server URL is {}", visible(&mcp, 300)))
                .field("resource", Some(&visible(r, 300))),
        ),
        (Some(r), None) => findings.gap(
            "the MCP server URL is not in the trace to compare resource with",
            at("no MCP request and no resource parameter")
                .field("resource", Some(&visible(r, 300))),
        ),
    }
    let servers: Vec<String> = match doc.get("authorization_servers") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if servers.is_empty() {
        findings.fail(
            "the protected-resource metadata lists no authorization_servers",
            at("authorization_servers must list at least one issuer")
                .field("authorization_servers", None),
        );
    } else {
        findings.pass(
            "authorization_servers is present",
            at("issuer(s) listed").field(
                "authorization_servers",
                Some(&visible(&servers.join(" "), 300)),
            ),
        );
    }
    if doc.get("scopes_supported").is_none() {
        // Clients take the scope from the challenge first, then from scopes_supported.
        let challenge_scope = cx.hops(Role::McpRequest).any(|(_, ex)| {
            ex.response_headers("www-authenticate")
                .any(|h| h.to_ascii_lowercase().contains("scope="))
        });
        let evidence =
            at("clients take the scope from the 401 challenge, else from scopes_supported")
                .field("scopes_supported", None);
        if challenge_scope {
            findings.evidence(evidence);
        } else {
            findings.warn(
                "neither the protected-resource metadata (scopes_supported) nor the challenge (scope) tells clients which scopes to ask for",
                evidence,
            );
        }
    }
    servers
}

/// The metadata URLs a client must try for an issuer, in the spec's order.
fn discovery_urls(issuer: &str) -> Option<Vec<String>> {
    url::Url::parse(issuer)
        .ok()
        .map(|u| crate::discovery::authorization_server_metadata_urls(&u))
}

fn judge_as_metadata(cx: &Context<'_>, servers: &[String], findings: &mut Findings) {
    let fetched: Vec<(usize, &Exchange)> = cx.hops(Role::AuthorizationServerMetadata).collect();
    // The issuer the client derived the URLs from: the entry whose discovery URLs include
    // one that was fetched, else the first.
    let derived = servers
        .iter()
        .find(|s| {
            discovery_urls(s).is_some_and(|urls| {
                fetched
                    .iter()
                    .any(|(_, ex)| urls.iter().any(|u| u == url_without_query(&ex.url)))
            })
        })
        .or(servers.first());

    if let (Some(issuer), Some((hop, first))) = (derived, fetched.first()) {
        if let Some(urls) = discovery_urls(issuer) {
            let first_url = url_without_query(&first.url);
            let appended = format!(
                "{}/.well-known/oauth-authorization-server",
                issuer.trim_end_matches('/')
            );
            if first_url != urls[0] {
                let mut note = format!("the spec's order starts with {}", urls[0]);
                if first_url == appended {
                    note.push_str(
                        "; the appended oauth-authorization-server form is not in the spec's list",
                    );
                }
                findings.warn(
                    "the client did not fetch the authorization-server metadata in the spec's order",
                    Evidence::hop(*hop, &first.url, note),
                );
            }
        }
    }

    let what = "authorization-server metadata";
    let Some((hop, ex, doc)) =
        first_document(cx, Role::AuthorizationServerMetadata, what, findings)
    else {
        return;
    };
    let at = |note: &str| Evidence::hop(hop, &ex.url, note);
    match (doc.get("issuer").and_then(Value::as_str), derived) {
        (None, _) => findings.fail(
            "the authorization-server metadata has no issuer",
            at("issuer is required").field("issuer", None),
        ),
        (Some(issuer), Some(expected)) if issuer == expected => findings.pass(
            "issuer is identical to the authorization_servers entry",
            at("identical").field("issuer", Some(&visible(issuer, 300))),
        ),
        (Some(issuer), Some(expected)) => findings.fail(
            format!(
                "the metadata's issuer {} is not identical to the authorization_servers entry {}",
                visible(issuer, 200),
                visible(expected, 200)
            ),
            at(&format!(
                "derived from {}: clients must not use this metadata",
                visible(expected, 300)
            ))
            .field("issuer", Some(&visible(issuer, 300))),
        ),
        (Some(issuer), None) => findings.gap(
            "the issuer cannot be compared: no protected-resource metadata in the trace",
            at("nothing to compare with").field("issuer", Some(&visible(issuer, 300))),
        ),
    }
    let methods: Vec<&str> = doc
        .get("code_challenge_methods_supported")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if methods.contains(&"S256") {
        findings.pass(
            "S256 is advertised",
            at("PKCE S256 supported").field("code_challenge_methods_supported", Some("S256")),
        );
    } else {
        findings.fail(
            "the authorization-server metadata does not advertise S256 in code_challenge_methods_supported",
            at("clients must refuse to proceed without it").field(
                "code_challenge_methods_supported",
                (!methods.is_empty())
                    .then(|| visible(&methods.join(" "), 200))
                    .as_deref(),
            ),
        );
    }
    let registration = doc.get("registration_endpoint").and_then(Value::as_str);
    let cimd = doc.get("client_id_metadata_document_supported") == Some(&Value::Bool(true));
    match (registration, cimd) {
        (Some(r), _) => findings.pass(
            "a registration endpoint is advertised",
            at("dynamic client registration").field("registration_endpoint", Some(&visible(r, 300))),
        ),
        (None, true) => findings.pass(
            "client ID metadata documents are supported",
            at("CIMD").field("client_id_metadata_document_supported", Some("true")),
        ),
        (None, false) => findings.fail(
            "the authorization-server metadata offers no way to register: no registration_endpoint and no client_id_metadata_document_supported",
            at("MCP clients cannot obtain a client_id").field("registration_endpoint", None),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, AS_METADATA_HOP, PRM_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&McpDiscovery, trace, &Profile::default())
    }

    fn with_body(i: usize, edit: impl FnOnce(&mut crate::trace::Body)) -> crate::Trace {
        good_flow()
            .edit_exchange(i, |ex| {
                edit(
                    ex.response
                        .as_mut()
                        .and_then(|r| r.body.as_mut())
                        .expect("body"),
                )
            })
            .build()
    }

    fn replace(i: usize, from: &'static str, to: &'static str) -> crate::Trace {
        with_body(i, |b| b.text = b.text.replace(from, to))
    }

    #[test]
    fn passes_on_the_good_discovery() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:#?}");
    }

    #[test]
    fn fails_on_inconsistent_metadata() {
        let slash = replace(
            AS_METADATA_HOP,
            r#""issuer":"https://auth.acme.test/resources/res_1""#,
            r#""issuer":"https://auth.acme.test/resources/res_1/""#,
        );
        let outcome = run(&slash);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("issuer"), "{}", outcome.summary);
        let resource = replace(
            PRM_HOP,
            r#""resource":"https://mcp.acme.test/mcp""#,
            r#""resource":"https://mcp.acme.test/mcp/""#,
        );
        assert_eq!(run(&resource).status, Status::Fail);
        let no_s256 = replace(
            AS_METADATA_HOP,
            r#""code_challenge_methods_supported":["S256"],"#,
            "",
        );
        assert_eq!(run(&no_s256).status, Status::Fail);
        let plain = replace(AS_METADATA_HOP, r#"["S256"]"#, r#"["plain"]"#);
        assert_eq!(run(&plain).status, Status::Fail);
        let no_registration = replace(
            AS_METADATA_HOP,
            r#""registration_endpoint":"https://auth.acme.test/api/v1/resources/res_1/clients:register","#,
            "",
        );
        assert_eq!(run(&no_registration).status, Status::Fail);
        let no_servers = replace(
            PRM_HOP,
            r#""authorization_servers":["https://auth.acme.test/resources/res_1"]"#,
            r#""authorization_servers":[]"#,
        );
        assert_eq!(run(&no_servers).status, Status::Fail);
    }

    #[test]
    fn warns_when_nothing_says_which_scopes_to_ask_for() {
        let trace = good_flow()
            .with_response_header(
                crate::testing::CHALLENGE_HOP,
                "WWW-Authenticate",
                r#"Bearer resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#,
            )
            .build();
        assert_eq!(run(&trace).status, Status::Warn);
    }

    #[test]
    fn accepts_cimd_instead_of_registration() {
        let cimd = replace(
            AS_METADATA_HOP,
            r#""registration_endpoint":"https://auth.acme.test/api/v1/resources/res_1/clients:register","#,
            r#""client_id_metadata_document_supported":true,"#,
        );
        assert_eq!(run(&cimd).status, Status::Pass);
    }

    #[test]
    fn warns_when_the_fetch_order_is_not_the_spec_order() {
        let appended = good_flow()
            .replace_in_urls(
                "https://auth.acme.test/.well-known/oauth-authorization-server/resources/res_1",
                "https://auth.acme.test/resources/res_1/.well-known/oauth-authorization-server",
            )
            .build();
        let outcome = run(&appended);
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome
            .evidence
            .iter()
            .any(|e| e.note.contains("not in the spec's list")));
    }

    #[test]
    fn reports_html_truncated_and_huge_documents_without_panicking() {
        let html = with_body(AS_METADATA_HOP, |b| {
            b.text = "<!DOCTYPE html><html><body>Login</body></html>".into()
        });
        let outcome = run(&html);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("HTML"), "{}", outcome.summary);
        let truncated_json = with_body(PRM_HOP, |b| b.text.truncate(30));
        assert_eq!(run(&truncated_json).status, Status::Fail);
        let cut_by_capture = with_body(PRM_HOP, |b| {
            b.text.truncate(30);
            b.truncated = true;
        });
        assert_eq!(run(&cut_by_capture).status, Status::NotObserved);
        let huge = with_body(AS_METADATA_HOP, |b| {
            b.text = format!(r#"{{"issuer":"{}"}}"#, "x".repeat(10 * 1024 * 1024))
        });
        let outcome = run(&huge);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("too large"), "{}", outcome.summary);
        let array = with_body(PRM_HOP, |b| b.text = "[1,2,3]".into());
        assert_eq!(run(&array).status, Status::Fail);
    }

    #[test]
    fn is_not_observed_for_desktop_clients() {
        let trace = good_flow()
            .edit(|t| t.exchanges.drain(0..4).for_each(drop))
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(outcome
            .evidence
            .iter()
            .any(|e| e.note.contains("flowlens probe")));
    }
}
