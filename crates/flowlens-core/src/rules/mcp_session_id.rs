use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::tokens::{bearer, issued, issued_access_tokens, Issued};
use crate::rules::{Context, Rule, RuleMeta};
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// How the MCP server's sessions (`Mcp-Session-Id`, Streamable HTTP) go with
    /// authorization, on the calls the client made after it got a token:
    ///
    /// - a session id the server issues is visible ASCII (the MCP transport requires it);
    /// - a request carrying the session id **without** an access token is refused (`flowlens
    ///   connect` sends one): a session id must never stand in for the token;
    /// - after a token refresh, the session goes on with the new token.
    ///
    /// A server that issues no session id is stateless: nothing to manage, and the check
    /// passes. This check informs the manual item "MCP session management tested", which
    /// stays for what a client cannot test alone (revocation ending sessions).
    ///
    /// ## Why it matters
    /// The MCP specification's security guidance forbids using sessions for authentication:
    /// session ids travel in logs and proxies, and a server that serves a request because
    /// its session id is known lets anyone who saw the id act as the user, without a token
    /// and after the token expired. Sessions that break on refresh make long-running clients
    /// reconnect and lose their state every hour.
    ///
    /// ## How to fix
    /// Authenticate every request by its bearer token, and use the session id only to find
    /// the session's state, after the token was validated; bind a session to the user (the
    /// token's `sub`) it was created for. Generate ids with a secure random source, as
    /// visible ASCII (a UUID or base64url). Keep sessions across token refreshes for the
    /// same user.
    pub struct McpSessionId {
        id: "mcp-session-id",
        section: McpAuthentication,
        title: "MCP sessions never replace the access token",
    }
}

impl Rule for McpSessionId {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let tokens = issued_access_tokens(cx);
        let authorized = |ex: &Exchange| {
            bearer(ex).is_some_and(|t| tokens.is_empty() || tokens.iter().any(|i| i == t))
        };
        let calls: Vec<(usize, &Exchange)> = cx.hops(Role::McpRequest).collect();
        let Some(first) = calls.iter().position(|(_, ex)| authorized(ex)) else {
            return Outcome::not_observed("no MCP call with the access token was observed").with(
                Evidence::note(
                    "`flowlens connect` makes the authorized calls and tests the session",
                ),
            );
        };
        let issued_at = calls[first..].iter().find_map(|&(hop, ex)| {
            let id = ex.response_header("mcp-session-id")?;
            authorized(ex).then_some((hop, ex, id))
        });
        let Some((hop, ex, session)) = issued_at else {
            let (hop, ex) = calls[first];
            return Outcome::pass("the MCP server is stateless: it issued no Mcp-Session-Id").with(
                Evidence::hop(hop, &ex.url, "no Mcp-Session-Id in the answers")
                    .field("Mcp-Session-Id", None),
            );
        };
        let mut findings = Findings::new();
        // A session id opens the session to whoever holds it: shown by its length only.
        let shown = format!("[session id: {} chars]", session.chars().count());
        if session.is_empty() || !session.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            findings.fail(
                "the Mcp-Session-Id is not visible ASCII",
                Evidence::hop(
                    hop,
                    &ex.url,
                    "session ids must be visible ASCII (0x21-0x7E)",
                )
                .field("Mcp-Session-Id", Some(&shown)),
            );
        } else {
            findings.pass(
                "issued",
                Evidence::hop(hop, &ex.url, "session id issued")
                    .field("Mcp-Session-Id", Some(&shown)),
            );
        }
        let with_session = calls
            .iter()
            .filter(|(i, e)| *i > hop && e.request_header("mcp-session-id") == Some(session));
        let mut probed = false;
        let refreshed = refreshed_tokens(&issued(cx));
        for &(i, e) in with_session {
            let at =
                |note: &str| Evidence::hop(i, &e.url, note).field("Mcp-Session-Id", Some(&shown));
            match (bearer(e), e.status()) {
                (None, status) => {
                    probed = true;
                    match status {
                        Some(200..=299) => findings.fail(
                            "a request with the session id and no access token was served",
                            at("a session id must never stand in for the token"),
                        ),
                        Some(401) => {
                            findings.pass("refused", at("without a token: refused with 401"))
                        }
                        Some(s @ 400..=499) => findings
                            .pass("refused", at(&format!("without a token: refused with {s}"))),
                        Some(s) => findings.warn(
                            format!("a request with the session id and no token got {s}"),
                            at("expected 401"),
                        ),
                        None => findings.gap(
                            "the request without a token got no answer",
                            at("no response"),
                        ),
                    }
                }
                (Some(t), Some(status)) if refreshed.iter().any(|r| r == t) => {
                    if (200..300).contains(&status) {
                        findings.pass(
                            "survives",
                            at("the session goes on with the refreshed token"),
                        );
                    } else {
                        findings.warn(
                            format!("the session did not survive the token refresh ({status})"),
                            at("a refreshed token of the same user should keep the session"),
                        );
                    }
                }
                _ => {}
            }
        }
        if !probed {
            findings.evidence(Evidence::note(
                "no request with the session id and no token was observed (`flowlens connect` sends one)",
            ));
        }
        findings.outcome_with_gaps(
            "the session id is well-formed and does not replace the access token",
            "the session was not exercised",
            false,
        )
    }
}

/// Access tokens issued by a refresh.
fn refreshed_tokens(issued: &[Issued]) -> Vec<String> {
    issued
        .iter()
        .filter(|i| i.grant_type == "refresh_token")
        .filter_map(|i| i.access_token().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    const MCP: &str = "https://mcp.acme.test/mcp";
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";

    fn initialize(session: Option<&str>) -> TraceBuilder {
        let b = good_flow()
            .fetch("POST", MCP)
            .request_header("Authorization", &format!("Bearer {TOKEN}"))
            .request_body(
                "application/json",
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#,
            )
            .json(200, r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        match session {
            Some(s) => b.response_header("Mcp-Session-Id", s),
            None => b,
        }
    }

    fn without_token(b: TraceBuilder, session: &str, status: u16) -> TraceBuilder {
        b.fetch("POST", MCP)
            .request_header("Mcp-Session-Id", session)
            .request_body(
                "application/json",
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            )
            .json(status, "{}")
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&McpSessionId, trace, &Profile::default())
    }

    #[test]
    fn passes_when_the_session_alone_is_refused() {
        let outcome = run(&without_token(initialize(Some("4f1c-9a")), "4f1c-9a", 401).build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let stateless = run(&initialize(None).build());
        assert_eq!(stateless.status, Status::Pass);
        assert!(
            stateless.summary.contains("stateless"),
            "{}",
            stateless.summary
        );
    }

    #[test]
    fn fails_when_the_session_alone_is_served_or_the_id_is_not_ascii() {
        let outcome = run(&without_token(initialize(Some("4f1c-9a")), "4f1c-9a", 200).build());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(run(&initialize(Some("a b")).build()).status, Status::Fail);
    }

    #[test]
    fn never_shows_the_session_id() {
        let outcome =
            run(&without_token(initialize(Some("4f1c-9a-secret")), "4f1c-9a-secret", 401).build());
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains("4f1c-9a-secret"), "{json}");
        assert!(json.contains("[session id: 14 chars]"), "{json}");
    }

    #[test]
    fn is_not_observed_without_authorized_calls() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
