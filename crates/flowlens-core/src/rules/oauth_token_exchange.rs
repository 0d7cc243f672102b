use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;

declare_rule! {
    /// ## What it checks
    /// When the token request is visible (MCP clients that run in the browser, such as MCP
    /// Inspector): the code exchange succeeded (2xx, with an `access_token` when the body
    /// was kept), the request carried `code_verifier` (PKCE) and `resource` (RFC 8707, the
    /// MCP server URL, equal to the one of the authorization request), and the response
    /// had `Cache-Control: no-store`. Desktop and server-side clients exchange the code
    /// outside the browser: the check is then not observed, and `flowlens probe` can test
    /// the token endpoint directly.
    ///
    /// ## Why it matters
    /// The code exchange is where the flow turns into a token. Without `code_verifier` the
    /// server cannot tie the code to the client that asked for it; without `resource` the
    /// token is not bound to your MCP server (the MCP spec requires it in both requests);
    /// and a token response without `no-store` may be kept by caches and proxies.
    ///
    /// ## How to fix
    /// Use an MCP SDK's OAuth client, which sends `code_verifier` and `resource`. If the
    /// exchange fails, read the error in the response and in Dashboard > Auth Logs: an
    /// `invalid_grant` usually means the code was already used, expired, or the
    /// `redirect_uri` differs from the authorization request's. `Cache-Control: no-store` is
    /// set by Scalekit's token endpoint; a proxy or gateway in front of it must keep it.
    pub struct OauthTokenExchange {
        id: "oauth-token-exchange",
        section: CoreAuthFlows,
        title: "Token exchange",
    }
}

impl Rule for OauthTokenExchange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some((hop, ex)) = cx.first(Role::TokenRequest) else {
            return Outcome::not_observed(
                "the token request was not observed: desktop and server-side MCP clients exchange the code outside the browser",
            )
            .with(Evidence::note(
                "run `flowlens probe` to test the token endpoint, or record a browser-based client such as MCP Inspector",
            ));
        };
        let mut findings = Findings::new();
        let at = |note: &str| Evidence::hop(hop, &ex.url, note);

        match ex.status() {
            None => match &ex.error {
                Some(error) => findings.fail(
                    format!("the token request failed: {}", visible(error, 100)),
                    at("no response").field("error", Some(&visible(error, 100))),
                ),
                None => findings.gap(
                    "the token request got no response in the trace",
                    at("no response captured"),
                ),
            },
            Some(status @ 200..=299) => match cx.json_object(hop) {
                Ok(doc) if doc.get("access_token").and_then(|v| v.as_str()).is_some() => findings
                    .pass(
                        "the code exchange returned an access token",
                        at("access token issued").field(
                            "access_token",
                            doc.get("access_token").and_then(|v| v.as_str()),
                        ),
                    ),
                Ok(doc) => findings.fail(
                    format!("the token response ({status}) has no access_token"),
                    at("no access_token in the response").field(
                        "error",
                        doc.get("error")
                            .and_then(|v| v.as_str())
                            .map(|e| visible(e, 100))
                            .as_deref(),
                    ),
                ),
                Err(p) if p.is_capture_gap() => findings.pass(
                    format!("the code exchange succeeded ({status})"),
                    at("response body not captured"),
                ),
                Err(p) => findings.fail(
                    format!("the token response is not a token: {}", p.describe()),
                    at(&p.describe()),
                ),
            },
            Some(status) => {
                let error = cx.json_object(hop).ok().and_then(|d| {
                    d.get("error")
                        .and_then(|v| v.as_str())
                        .map(|e| visible(e, 100))
                });
                findings.fail(
                    format!(
                        "the code exchange failed with {status}{}",
                        error
                            .as_deref()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    ),
                    at("token request failed").field("error", error.as_deref()),
                );
            }
        }

        match ex.form_value("code_verifier") {
            Some(v) if !v.is_empty() => findings.pass(
                "the token request carried code_verifier",
                at("PKCE verifier sent").field("code_verifier", Some(v)),
            ),
            _ => findings.fail(
                "the token request carried no code_verifier (PKCE)",
                at("code_verifier absent").field("code_verifier", None),
            ),
        }

        let authorized_resource = cx
            .authorize_params()
            .and_then(|p| p.query.get("resource").map(str::to_string));
        match (ex.form_value("resource"), authorized_resource.as_deref()) {
            (None, _) => findings.fail(
                "the token request carried no resource parameter",
                at("resource absent: the MCP spec requires it").field("resource", None),
            ),
            (Some(r), Some(a)) if r != a => findings.warn(
                "the token request's resource differs from the authorization request's",
                at(&format!(
                    "the authorization request had {}",
                    visible(a, 200)
                ))
                .field("resource", Some(&visible(r, 200))),
            ),
            (Some(r), _) => findings.pass(
                "the token request carried resource",
                at("resource sent").field("resource", Some(&visible(r, 200))),
            ),
        }

        if let Some(response) = &ex.response {
            if ex.status().is_some_and(|s| (200..300).contains(&s)) {
                let cache = ex
                    .response_headers("cache-control")
                    .collect::<Vec<_>>()
                    .join(", ");
                if cache
                    .to_ascii_lowercase()
                    .split(',')
                    .any(|d| d.trim() == "no-store")
                {
                    findings.pass(
                        "the token response had Cache-Control: no-store",
                        at("not cacheable").field("Cache-Control", Some(&cache)),
                    );
                } else if response.headers.is_empty() {
                    findings.gap(
                        "the token response's headers were not captured",
                        at("no response headers in the trace"),
                    );
                } else {
                    findings.fail(
                        "the token response lacks Cache-Control: no-store",
                        at("token responses must not be cached").field(
                            "Cache-Control",
                            (!cache.is_empty()).then_some(cache.as_str()),
                        ),
                    );
                }
            }
        }
        findings.outcome_with_gaps(
            "the code exchange succeeded with code_verifier and resource, and the response is not cacheable",
            "the token request was not observed",
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TOKEN_HOP};
    use crate::trace::Param;
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthTokenExchange, trace, &Profile::default())
    }

    fn without_field(name: &'static str) -> crate::Trace {
        good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                if let Some(form) = &mut ex.form {
                    form.retain(|p| p.name != name);
                }
            })
            .build()
    }

    #[test]
    fn passes_on_the_good_exchange_and_masks_secrets() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains("dBjftJeZ4CVP"), "verifier leaked: {json}");
        assert!(
            !json.contains("eyJhbGciOiJSUzI1NiJ9"),
            "token leaked: {json}"
        );
    }

    #[test]
    fn fails_without_verifier_resource_or_no_store() {
        assert_eq!(run(&without_field("code_verifier")).status, Status::Fail);
        assert_eq!(run(&without_field("resource")).status, Status::Fail);
        let cached = good_flow()
            .with_response_header(TOKEN_HOP, "Cache-Control", "max-age=3600")
            .build();
        assert_eq!(run(&cached).status, Status::Fail);
        let other = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                if let Some(form) = &mut ex.form {
                    form.retain(|p| p.name != "resource");
                    form.push(Param::new("resource", "https://other.test/mcp"));
                }
            })
            .build();
        assert_eq!(run(&other).status, Status::Warn);
    }

    #[test]
    fn fails_when_the_exchange_fails() {
        let unanswered = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| ex.response = None)
            .build();
        assert_eq!(run(&unanswered).status, Status::NotObserved);
        let blocked = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                ex.response = None;
                ex.error = Some("net::ERR_FAILED".into());
            })
            .build();
        assert_eq!(run(&blocked).status, Status::Fail);
        let failed = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                let r = ex.response.as_mut().expect("response");
                r.status = 400;
                if let Some(b) = &mut r.body {
                    b.text = r#"{"error":"invalid_grant"}"#.into();
                }
            })
            .build();
        let outcome = run(&failed);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("invalid_grant"),
            "{}",
            outcome.summary
        );
        let html = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
                    b.text = "<html>oops</html>".into();
                }
            })
            .build();
        assert_eq!(run(&html).status, Status::Fail);
    }

    #[test]
    fn is_not_observed_for_desktop_clients() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(TOKEN_HOP))
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(outcome.evidence[0].note.contains("flowlens probe"));
    }
}
