use crate::check::Outcome;
use crate::declare_rule;
use crate::params::UrlParams;
use crate::rules::findings::{count, Findings};
use crate::rules::flow_urls::flow_urls;
use crate::rules::{Context, Rule, RuleMeta};

/// Parameters that carry a token and must never be in a URL.
const TOKEN_PARAMS: &[&str] = &["access_token", "id_token", "refresh_token"];

declare_rule! {
    /// ## What it checks
    /// No URL of the flow carries `access_token`, `id_token` or `refresh_token`, in the query
    /// or in the fragment: not the requests, not the redirect targets (`Location`), not the
    /// URLs the browser committed (which keep the fragment no request shows), not the
    /// authorization response.
    ///
    /// ## Why it matters
    /// A URL is not a safe place for a secret: it lands in browser history, server and proxy
    /// logs, and the `Referer` of every resource the next page loads, and any script on the
    /// page can read the fragment. OAuth 2.1 removed the implicit flow (`response_type=token`)
    /// for this reason, and the MCP spec forbids tokens in query strings: they belong in the
    /// `Authorization: Bearer` header.
    ///
    /// ## How to fix
    /// Use the authorization code flow with PKCE (`response_type=code`) and exchange the code
    /// at the token endpoint from the client. Never redirect with a token: if your app passes
    /// a session to a page, use an httpOnly cookie or a one-time code. MCP clients must send
    /// the access token in the `Authorization` header, never as `?access_token=`.
    pub struct OauthNoTokensInUrl {
        id: "oauth-no-tokens-in-url",
        section: CoreAuthFlows,
        title: "No tokens in URLs",
        fixed_in: [ClientApp],
    }
}

impl Rule for OauthNoTokensInUrl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let urls = flow_urls(cx);
        let mut findings = Findings::new();
        for u in &urls {
            let params = UrlParams::of(&u.url);
            for (part, found) in [("query", &params.query), ("fragment", &params.fragment)] {
                for name in TOKEN_PARAMS {
                    if let Some(value) = found.get(name) {
                        findings.fail(
                            format!("{name} in the {part} of a URL ({})", u.place()),
                            u.evidence(&format!("{name} in the URL's {part}"))
                                .field(name, Some(value)),
                        );
                    }
                }
            }
        }
        findings.outcome(format!(
            "no token in the flow's {} (requests, redirect targets, navigations)",
            count(urls.len(), "URL")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::trace::NavigationKind;
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthNoTokensInUrl, trace, &Profile::default())
    }

    #[test]
    fn passes_on_the_code_flow() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass);
        assert!(outcome.summary.contains("12 URLs"), "{}", outcome.summary);
    }

    #[test]
    fn fails_on_a_token_in_a_fragment_seen_only_by_the_navigation() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=token&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s")
            .redirect(302, "https://app.test/cb#access_token=secret-token-value&state=s")
            .edit(|t| t.exchanges[1].url = "https://app.test/cb".into())
            .navigation("https://app.test/cb#access_token=secret-token-value&state=s", NavigationKind::Committed)
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.starts_with("access_token in the fragment"),
            "{}",
            outcome.summary
        );
        // The token itself is masked in the evidence.
        let shown = format!("{:?}", outcome.evidence);
        assert!(!shown.contains("secret-token-value"), "{shown}");
    }

    #[test]
    fn fails_on_a_token_in_an_mcp_request_query() {
        let trace = good_flow()
            .fetch("POST", "https://mcp.acme.test/mcp?access_token=abc")
            .request_body(
                "application/json",
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.evidence[0].hop, Some(12));
    }
}
