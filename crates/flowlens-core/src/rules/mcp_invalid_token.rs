use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::mcp_401_challenge::parse_challenges;
use crate::rules::tokens::{bearer, issued_access_tokens, jwt_claims};
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// That the MCP server refuses tokens it must not accept: every MCP request that carried
    /// a bearer token the flow's token endpoint never issued (`flowlens connect` sends the
    /// issued token with its signature altered, and, for a JWT, with an `exp` in the past)
    /// must be answered `401` with a Bearer challenge carrying `error="invalid_token"`. A
    /// `2xx` fails; so does a `5xx` or no answer; another `4xx`, or a `401` without
    /// `error="invalid_token"`, warns. A trace in which every call used an issued token (a
    /// recorded sign-in) says "not observed". When a trace holds this evidence, the check
    /// takes the place of the manual item "Expired tokens handled gracefully".
    ///
    /// ## Why it matters
    /// A server that accepts an altered token does not verify signatures, and one that
    /// accepts an expired token lets a leaked token work forever. The `401` with
    /// `error="invalid_token"` (RFC 6750 §3.1) is also how MCP clients learn that they must
    /// refresh or sign the user in again; a `500`, a `403` or an HTML error page leaves them
    /// stuck with a broken connection.
    ///
    /// ## How to fix
    /// Validate every access token on every request: the signature against the
    /// authorization server's JWKS (Scalekit: `/keys` of the environment), `exp`, `iss` and
    /// `aud`; Scalekit's SDKs do all of it in `validateToken`. Answer a failed validation
    /// with `401` and `WWW-Authenticate: Bearer error="invalid_token",
    /// resource_metadata="…"`, not an exception that becomes a `500`.
    pub struct McpInvalidToken {
        id: "mcp-invalid-token",
        section: McpAuthentication,
        title: "Altered and expired tokens are refused with 401",
    }
}

impl Rule for McpInvalidToken {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let issued = issued_access_tokens(cx);
        if issued.is_empty() {
            return Outcome::not_observed(
                "no issued access token is in the trace, so no call can be told to carry another one",
            )
            .with(note());
        }
        let mut findings = Findings::new();
        for (hop, ex) in cx.hops(Role::McpRequest) {
            let Some(token) = bearer(ex) else { continue };
            if issued.iter().any(|i| i == token) {
                continue;
            }
            judge(hop, ex, &describe(token, ex.time_ms), &mut findings);
        }
        if !findings.has_problems() && !findings.has_passes() && !findings.has_gaps() {
            return Outcome::not_observed("every MCP call carried a token the flow issued")
                .with(note());
        }
        findings.outcome_with_gaps(
            "the MCP server refused the altered and expired tokens with 401 invalid_token",
            "no call with an invalid token was answered",
            false,
        )
    }
}

fn note() -> Evidence {
    Evidence::note(
        "`flowlens connect` calls the MCP server with an altered and an expired copy of its token",
    )
}

/// What kind of invalid token it is, as far as its claims tell.
fn describe(token: &str, sent_ms: f64) -> String {
    let expired = jwt_claims(token)
        .and_then(|c| c.get("exp").and_then(serde_json::Value::as_f64))
        .is_some_and(|exp| exp * 1000.0 < sent_ms);
    if expired {
        "an expired token (exp in the past)".into()
    } else {
        "a token the authorization server did not issue (altered)".into()
    }
}

fn judge(hop: usize, ex: &Exchange, what: &str, findings: &mut Findings) {
    let challenge = ex
        .response_header("www-authenticate")
        .map(|h| visible(h, 300));
    let at = |note: String| {
        Evidence::hop(hop, &ex.url, note).field("WWW-Authenticate", challenge.as_deref())
    };
    let Some(status) = ex.status() else {
        let reason = ex
            .error
            .as_deref()
            .map(|e| visible(e, 100))
            .unwrap_or_else(|| "no response".into());
        findings.fail(
            format!("a call with {what} got no answer ({reason})"),
            at(what.to_string()),
        );
        return;
    };
    let invalid_token = challenge.as_deref().is_some_and(|h| {
        parse_challenges(h).iter().any(|c| {
            c.scheme.eq_ignore_ascii_case("bearer") && c.param("error") == Some("invalid_token")
        })
    });
    match status {
        200..=299 => findings.fail(
            format!("the MCP server accepted {what} ({status})"),
            at(format!("{what}: accepted")),
        ),
        401 if invalid_token => findings.pass(
            "refused",
            at(format!("{what}: refused with 401 invalid_token")),
        ),
        401 => findings.warn(
            format!("{what} was refused with 401, but without error=\"invalid_token\""),
            at(format!(
                "{what}: clients read the error to decide to refresh"
            )),
        ),
        500..=599 => findings.fail(
            format!("a call with {what} made the MCP server fail ({status})"),
            at(format!("{what}: answered {status} instead of 401")),
        ),
        _ => findings.warn(
            format!("{what} was refused with {status} instead of 401"),
            at(format!("{what}: clients expect 401 to re-authorize")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    const MCP: &str = "https://mcp.acme.test/mcp";
    /// The good flow's token with another signature, and with `"exp":1` (1970).
    const ALTERED: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.YWx0ZXJlZA";
    const EXPIRED: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjoxfQ.c2ln";

    fn probe(b: TraceBuilder, token: &str, status: u16, challenge: Option<&str>) -> TraceBuilder {
        let b = b
            .fetch("POST", MCP)
            .request_header("Authorization", &format!("Bearer {token}"))
            .request_body(
                "application/json",
                r#"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#,
            )
            .json(status, "{}");
        match challenge {
            Some(c) => b.response_header("WWW-Authenticate", c),
            None => b,
        }
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&McpInvalidToken, trace, &Profile::default())
    }

    const INVALID: &str = r#"Bearer error="invalid_token", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#;

    #[test]
    fn passes_when_both_tokens_are_refused_with_invalid_token() {
        let trace = probe(
            probe(good_flow(), ALTERED, 401, Some(INVALID)),
            EXPIRED,
            401,
            Some(INVALID),
        )
        .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let notes: Vec<&str> = outcome.evidence.iter().map(|e| e.note.as_str()).collect();
        assert!(
            notes.iter().any(|n| n.starts_with("an expired token")),
            "{notes:?}"
        );
        assert!(notes.iter().any(|n| n.contains("(altered)")), "{notes:?}");
    }

    #[test]
    fn fails_when_an_invalid_token_is_accepted_or_crashes_the_server() {
        let accepted = probe(good_flow(), ALTERED, 200, None).build();
        let outcome = run(&accepted);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("accepted"), "{}", outcome.summary);
        assert_eq!(
            run(&probe(good_flow(), EXPIRED, 500, None).build()).status,
            Status::Fail
        );
    }

    #[test]
    fn warns_on_a_refusal_without_invalid_token() {
        assert_eq!(
            run(&probe(good_flow(), ALTERED, 401, Some(r#"Bearer realm="x""#)).build()).status,
            Status::Warn
        );
        assert_eq!(
            run(&probe(good_flow(), ALTERED, 403, None).build()).status,
            Status::Warn
        );
    }

    #[test]
    fn is_not_observed_when_every_call_used_the_issued_token() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
        let issued = probe(
            good_flow(),
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            200,
            None,
        )
        .build();
        assert_eq!(run(&issued).status, Status::NotObserved);
    }
}
