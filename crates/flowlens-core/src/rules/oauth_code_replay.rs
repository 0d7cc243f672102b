use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::tokens::json_object;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// That an authorization code works once: when the trace shows the same code sent to
    /// the token endpoint a second time (`flowlens connect` replays the code it redeemed, at
    /// the end of its run), the second request must be refused with `400` and
    /// `error=invalid_grant`. A second token is a failure; a refusal with another status or
    /// error code is a warning. Traces without a replayed code (a recorded sign-in) say
    /// "not observed".
    ///
    /// ## Why it matters
    /// OAuth 2.1 requires authorization codes to be single-use: a code that leaks (browser
    /// history, a proxy log, a `Referer`, a malicious app on the redirect URI) must be worth
    /// nothing once the client redeemed it. The authorization server should also revoke the
    /// tokens already issued for a code that is replayed (RFC 9700 §4.2.4). Clients expect
    /// `invalid_grant` to tell a used or expired code from a broken request.
    ///
    /// ## How to fix
    /// Scalekit's token endpoint refuses used codes. If this fails, something in front of it
    /// (a gateway or a custom token proxy) caches or re-issues token responses: let every
    /// code exchange reach the authorization server, and keep `Cache-Control: no-store`. A
    /// custom authorization server must delete the code at its first use, in the same
    /// transaction that issues the token, and answer later uses with `invalid_grant`.
    pub struct OauthCodeReplay {
        id: "oauth-code-replay",
        section: CoreAuthFlows,
        title: "A used authorization code is refused",
    }
}

impl Rule for OauthCodeReplay {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let exchanges: Vec<(usize, &Exchange, &str)> = cx
            .hops(Role::TokenRequest)
            .filter(|(_, ex)| ex.form_value("grant_type") == Some("authorization_code"))
            .filter_map(|(i, ex)| Some((i, ex, ex.form_value("code").filter(|c| !c.is_empty())?)))
            .collect();
        let mut findings = Findings::new();
        for (n, &(hop, ex, code)) in exchanges.iter().enumerate() {
            let Some(&(first, ..)) = exchanges[..n].iter().find(|(_, _, c)| *c == code) else {
                continue;
            };
            judge_replay(cx, first, hop, ex, &mut findings);
        }
        if !findings.has_problems() && !findings.has_passes() {
            return Outcome::not_observed("no authorization code was sent to the token endpoint twice")
                .with(Evidence::note(
                    "`flowlens connect` replays the code it redeemed and checks that the second exchange is refused",
                ));
        }
        findings.outcome("the replayed authorization code was refused with invalid_grant")
    }
}

fn judge_replay(
    cx: &Context<'_>,
    first: usize,
    hop: usize,
    ex: &Exchange,
    findings: &mut Findings,
) {
    let at = |note: String| Evidence::hop(hop, &ex.url, note).field("code", ex.form_value("code"));
    let error = ex.response_body_text().and_then(json_object).and_then(|v| {
        v.get("error")
            .and_then(|e| e.as_str())
            .map(|e| visible(e, 60))
    });
    let first_note = format!("the same code as the exchange at hop {first}");
    match (ex.status(), error.as_deref()) {
        (None, _) => findings.gap("the replayed code exchange got no response", at(first_note)),
        (Some(200..=299), _) => {
            let issued = cx
                .json_body(hop)
                .is_some_and(|v| v.get("access_token").is_some());
            let what = if issued {
                "issued a second token"
            } else {
                "answered 2xx"
            };
            findings.fail(
                format!("the token endpoint {what} for a code that was already used"),
                at(format!(
                    "{first_note}: authorization codes must be single-use"
                )),
            );
        }
        (Some(400), Some("invalid_grant")) => findings.pass(
            "refused",
            at(format!("{first_note}, refused with 400 invalid_grant"))
                .field("error", Some("invalid_grant")),
        ),
        (Some(status), error) => findings.warn(
            format!(
                "the replayed code was refused, but with {status}{} instead of 400 invalid_grant",
                error.map(|e| format!(" {e}")).unwrap_or_default()
            ),
            at(format!(
                "{first_note}: RFC 6749 §5.2 answers a used code with invalid_grant"
            ))
            .field("error", error),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TOKEN_HOP};
    use crate::{Profile, Status};

    /// The good flow with its code exchange sent again, answered `status` with `body`.
    fn replayed(status: u16, body: &str) -> crate::Trace {
        let url = good_flow().build().exchanges[TOKEN_HOP].url.clone();
        good_flow()
            .fetch("POST", &url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", "SplxlOBeZQQYbYS6WxSbIA"),
                (
                    "code_verifier",
                    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                ),
                ("redirect_uri", "https://app.acme.test/callback"),
                ("resource", "https://mcp.acme.test/mcp"),
            ])
            .json(status, body)
            .build()
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthCodeReplay, trace, &Profile::default())
    }

    #[test]
    fn passes_when_the_replay_is_refused_with_invalid_grant() {
        let outcome = run(&replayed(400, r#"{"error":"invalid_grant"}"#));
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(
            !json.contains("SplxlOBeZQQYbYS6WxSbIA"),
            "the code leaked: {json}"
        );
    }

    #[test]
    fn fails_when_the_replay_gets_a_token() {
        let outcome = run(&replayed(
            200,
            r#"{"access_token":"second","token_type":"Bearer"}"#,
        ));
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.summary.contains("second token"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn warns_when_the_replay_is_refused_the_wrong_way() {
        let outcome = run(&replayed(500, r#"{"error":"server_error"}"#));
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(
            outcome.summary.contains("500 server_error"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn is_not_observed_without_a_replay() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
