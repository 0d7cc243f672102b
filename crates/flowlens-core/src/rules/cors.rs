use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;

declare_rule! {
    /// ## What it checks
    /// The CORS answers of the token endpoint and of the discovery endpoints
    /// (protected-resource and authorization-server metadata, client registration) to
    /// cross-origin requests a script made and reads in the flow (`fetch` or XHR with an
    /// `Origin` header, made by MCP clients that run in the browser; navigations and form
    /// submissions are not judged, CORS does not apply to them):
    ///
    /// - `Access-Control-Allow-Origin` equal to the request's foreign `Origin` together with
    ///   `Access-Control-Allow-Credentials: true` fails: the endpoint lets that site make
    ///   credentialed requests and read the answers, and a server that reflects origins does
    ///   so for every site;
    /// - `*` with credentials, or `null`, fails;
    /// - `*` without credentials passes (public metadata and public-client token requests
    ///   need nothing more);
    /// - no `Access-Control-Allow-Origin` at all (or one for another origin) is a warning:
    ///   browser-based clients cannot read the answer; a failure when the request came from
    ///   one of the profile's `web_client_origins`, your own web clients.
    ///
    /// Without cross-origin requests in the trace (desktop clients) the check is not
    /// observed. `flowlens probe` asks as a native client (no `Origin`) unless given
    /// `--origin URL` or the profile's `web_client_origins`; it then asks as that web client.
    ///
    /// ## Why it matters
    /// "CORS restricted to your domains only" is on the go-live checklist because a
    /// permissive, credentialed CORS policy lets any website a user visits call your auth
    /// endpoints with the user's cookies and read the results. Token and metadata endpoints
    /// never need cookies, so they never need `Access-Control-Allow-Credentials`.
    ///
    /// ## How to fix
    /// On endpoints you serve (the protected-resource metadata on your MCP server, a proxy in
    /// front of the token endpoint), answer `Access-Control-Allow-Origin: *` without
    /// credentials, or an explicit allow-list of your client origins; never echo the
    /// `Origin` header back together with `Access-Control-Allow-Credentials: true`. For
    /// Scalekit's own endpoints, report such a finding to Scalekit support with the
    /// evidence.
    pub struct Cors {
        id: "cors",
        section: ProductionEnvironment,
        title: "CORS restricted on token and metadata endpoints",
    }
}

impl Rule for Cors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for (hop, role, ex) in cx.all_hops() {
            let what = match role {
                Role::TokenRequest => "token endpoint",
                Role::ProtectedResourceMetadata => "protected-resource metadata",
                Role::AuthorizationServerMetadata => "authorization-server metadata",
                Role::ClientRegistration => "registration endpoint",
                _ => continue,
            };
            let Some(origin) = ex.request_header("origin").map(str::trim) else {
                continue;
            };
            if !cx.read_by_script(hop) {
                continue; // a navigation or form submission: CORS does not apply
            }
            let own = url::Url::parse(&ex.url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            if origin == own || ex.response.is_none() {
                continue;
            }
            let allow = ex
                .response_header("access-control-allow-origin")
                .map(str::trim);
            let credentials = ex
                .response_header("access-control-allow-credentials")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            let evidence = |note: &str| {
                let mut e = Evidence::hop(
                    hop,
                    &ex.url,
                    format!("{note} (request Origin {})", visible(origin, 200)),
                )
                .field(
                    "Access-Control-Allow-Origin",
                    allow.map(|a| visible(a, 200)).as_deref(),
                );
                if credentials {
                    e.note.push_str("; Access-Control-Allow-Credentials: true");
                }
                e
            };
            let own_client = cx.profile.is_web_client_origin(origin);
            match allow {
                None if own_client => findings.fail(
                    format!("the {what} answers your web client {} without Access-Control-Allow-Origin: it cannot read the answer", visible(origin, 100)),
                    evidence("no CORS headers for a web client origin of the profile"),
                ),
                None => findings.warn(
                    format!("the {what} answers the cross-origin request without Access-Control-Allow-Origin: browser clients cannot read it"),
                    evidence("no CORS headers"),
                ),
                Some("*") if credentials => findings.fail(
                    format!("the {what} combines Access-Control-Allow-Origin: * with credentials"),
                    evidence("wildcard with credentials"),
                ),
                Some("*") => findings.pass(
                    format!("the {what} allows any origin without credentials"),
                    evidence("public, no credentials"),
                ),
                Some(a) if a.eq_ignore_ascii_case("null") => findings.fail(
                    format!("the {what} allows the null origin"),
                    evidence("Access-Control-Allow-Origin: null admits sandboxed pages of any site"),
                ),
                Some(a) if a == origin && credentials => findings.fail(
                    format!("the {what} allows the foreign origin {} with credentials", visible(origin, 100)),
                    evidence("the request's Origin is echoed with credentials"),
                ),
                Some(a) if a == origin => findings.pass(
                    format!("the {what} allows the client's origin without credentials"),
                    evidence("origin allowed, no credentials"),
                ),
                Some(_) if own_client => findings.fail(
                    format!("the {what} does not allow your web client {}: the browser rejects the answer", visible(origin, 100)),
                    evidence("mismatched origin for a web client origin of the profile"),
                ),
                Some(_) => findings.warn(
                    format!("the {what} answers with an Access-Control-Allow-Origin that is not the request's origin: the browser rejects it"),
                    evidence("mismatched origin"),
                ),
            }
        }
        let none = if cx.trace.source == "probe" {
            "browser-based clients were not checked: the probe asked as a native client (no Origin); probe with --origin URL, or list web_client_origins in the profile, to check them"
        } else {
            "no cross-origin request to the token or metadata endpoints was observed (desktop clients make them outside the browser; `flowlens probe --origin URL` can test them)"
        };
        findings.outcome_with_gaps(
            "the token and metadata endpoints do not allow foreign origins with credentials",
            none,
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, PRM_HOP, TOKEN_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&Cors, trace, &Profile::default())
    }

    #[test]
    fn passes_on_public_metadata_without_credentials() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
    }

    #[test]
    fn fails_on_reflected_origins_with_credentials() {
        let trace = good_flow_with_pages()
            .with_request_header(TOKEN_HOP, "Origin", "https://evil.example")
            .with_response_header(
                TOKEN_HOP,
                "Access-Control-Allow-Origin",
                "https://evil.example",
            )
            .with_response_header(TOKEN_HOP, "Access-Control-Allow-Credentials", "true")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("evil.example"));
        let wildcard = good_flow_with_pages()
            .with_response_header(PRM_HOP, "Access-Control-Allow-Credentials", "true")
            .build();
        assert_eq!(run(&wildcard).status, Status::Fail);
        let null = good_flow_with_pages()
            .with_response_header(PRM_HOP, "Access-Control-Allow-Origin", "null")
            .build();
        assert_eq!(run(&null).status, Status::Fail);
    }

    #[test]
    fn warns_when_browser_clients_cannot_read_the_answer() {
        let trace = good_flow_with_pages()
            .without_response_header(PRM_HOP, "Access-Control-Allow-Origin")
            .build();
        assert_eq!(run(&trace).status, Status::Warn);
    }

    #[test]
    fn navigations_and_form_posts_are_not_judged() {
        // A token endpoint reached by a form POST navigation (not a script): no CORS.
        let trace = good_flow_with_pages()
            .without_response_header(TOKEN_HOP, "Access-Control-Allow-Origin")
            .edit_exchange(TOKEN_HOP, |ex| {
                ex.resource_type = crate::trace::ResourceType::Unknown;
                ex.request_headers
                    .push(crate::trace::Header::new("Sec-Fetch-Mode", "navigate"));
            })
            .build();
        assert_eq!(run(&trace).status, Status::Pass);
        let fetched = good_flow_with_pages()
            .without_response_header(TOKEN_HOP, "Access-Control-Allow-Origin")
            .build();
        assert_eq!(run(&fetched).status, Status::Warn);
    }

    #[test]
    fn a_missing_answer_to_your_own_web_client_fails() {
        let trace = good_flow_with_pages()
            .without_response_header(PRM_HOP, "Access-Control-Allow-Origin")
            .build();
        let profile = Profile {
            web_client_origins: vec!["https://APP.acme.test/".into()],
            ..Profile::default()
        };
        let outcome = run_rule(&Cors, &trace, &profile);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.summary.contains("your web client"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn is_not_observed_without_cross_origin_requests() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
