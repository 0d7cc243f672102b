use serde_json::Value;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::rules::findings::Findings;
use crate::rules::tokens::{asked, issued, jwt_claims};
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;

/// Access tokens living longer than this are worth a warning.
const LONG_LIVED_S: u64 = 24 * 60 * 60;

declare_rule! {
    /// ## What it checks
    /// The response to the code exchange, when its body is in the trace (`flowlens connect`,
    /// or a HAR of a browser-based client such as MCP Inspector):
    ///
    /// - `token_type` is `Bearer` (any case) or `DPoP`;
    /// - `expires_in` is a positive number of seconds, and not more than a day;
    /// - the scope granted is the scope asked for (`scope` may be left out when it is the
    ///   same, RFC 6749 §5.1);
    /// - when the access token is a JWT, its `aud` names the `resource` the client asked
    ///   the token for (RFC 8707). An opaque token's audience cannot be read and is not judged.
    ///
    /// ## Why it matters
    /// A client reads these fields to use the token: an unknown `token_type` is not sent as
    /// a bearer token, a missing `expires_in` leaves it guessing when to refresh, and a scope
    /// narrower than asked makes tool calls fail later with `insufficient_scope`. The
    /// audience is what binds the token to your MCP server: the MCP specification requires
    /// servers to accept only tokens issued for them, and a token whose `aud` does not name
    /// the server leaves that check to whatever the server compares instead.
    ///
    /// ## How to fix
    /// Scalekit issues `Bearer` JWTs with `expires_in`; set the access-token lifetime in the
    /// Dashboard (minutes to an hour for MCP clients, with refresh tokens for longer
    /// sessions). Scalekit's `aud` holds the resource id (`res_…`) and, once you set it, the
    /// server URL (Dashboard > MCP Servers > your server > Advanced settings): set it to the
    /// exact URL of your MCP server, and make the server check `aud` against it. If scopes
    /// are missing, check that the MCP server lists them in `scopes_supported` and that the
    /// user's role allows them.
    pub struct OauthTokenResponse {
        id: "oauth-token-response",
        section: CoreAuthFlows,
        title: "Token response: type, lifetime, scope and audience",
    }
}

impl Rule for OauthTokenResponse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some(token) = issued(cx)
            .into_iter()
            .find(|i| i.grant_type == "authorization_code")
        else {
            return Outcome::not_observed(
                "no token response of the code exchange is in the trace",
            )
            .with(Evidence::note(
                "`flowlens connect` runs the code exchange and keeps its response (redacted in exports)",
            ));
        };
        let hop = token.hop;
        let url = &cx.exchange(hop).url;
        let at = |note: &str| Evidence::hop(hop, url, note);
        let response = &token.response;
        let mut findings = Findings::new();

        match response.get("token_type").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("bearer") || t.eq_ignore_ascii_case("dpop") => {
                findings.pass("token type", at("token type").field("token_type", Some(t)));
            }
            Some(t) => findings.fail(
                format!("token_type is {}, not Bearer", visible(t, 40)),
                at("clients send only Bearer (or DPoP) tokens")
                    .field("token_type", Some(&visible(t, 40))),
            ),
            None => findings.fail(
                "the token response has no token_type",
                at("token_type is REQUIRED (RFC 6749 §5.1)").field("token_type", None),
            ),
        }

        match response.get("expires_in").map(seconds) {
            None => findings.warn(
                "the token response has no expires_in",
                at("clients cannot tell when to refresh").field("expires_in", None),
            ),
            Some(Some(s)) if s > LONG_LIVED_S => findings.warn(
                format!("access tokens live {} hours", s / 3600),
                at("a stolen token stays usable that long")
                    .field("expires_in", Some(&s.to_string())),
            ),
            Some(Some(s)) if s > 0 => findings.pass(
                "lifetime",
                at("access-token lifetime in seconds").field("expires_in", Some(&s.to_string())),
            ),
            Some(_) => findings.fail(
                "expires_in is not a positive number of seconds",
                at("expires_in must be a positive integer").field(
                    "expires_in",
                    response
                        .get("expires_in")
                        .map(|v| visible(&v.to_string(), 40))
                        .as_deref(),
                ),
            ),
        }

        judge_scope(cx, hop, response, &mut findings);
        let jwt = judge_audience(
            cx,
            hop,
            token.access_token().unwrap_or_default(),
            &mut findings,
        );
        findings.outcome(if jwt {
            "the token response has a Bearer token_type, a lifetime, the scope asked for, and the resource as the token's audience"
        } else {
            "the token response has a Bearer token_type, a lifetime and the scope asked for (an opaque token: its audience is not judged)"
        })
    }
}

/// `expires_in` as seconds: a JSON number, or a string of digits (some servers send one).
fn seconds(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scopes(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.split_whitespace().collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn judge_scope(cx: &Context<'_>, hop: usize, response: &Value, findings: &mut Findings) {
    let url = &cx.exchange(hop).url;
    let at = |note: &str| Evidence::hop(hop, url, note);
    let wanted = asked(cx, hop, "scope");
    let granted = response.get("scope").and_then(Value::as_str);
    let (Some(wanted), Some(granted)) = (wanted.as_deref(), granted) else {
        let note = match granted {
            Some(_) => "scope granted (none was asked for)",
            None => "scope left out: the scope asked for was granted (RFC 6749 §5.1)",
        };
        findings.pass(
            "scope",
            at(note).field("scope", granted.map(|g| visible(g, 200)).as_deref()),
        );
        return;
    };
    let (w, g) = (scopes(wanted), scopes(granted));
    let missing: Vec<&str> = w.iter().filter(|s| !g.contains(s)).copied().collect();
    let extra: Vec<&str> = g.iter().filter(|s| !w.contains(s)).copied().collect();
    let evidence = at(&format!("asked for {}", visible(wanted, 200)))
        .field("scope", Some(&visible(granted, 200)));
    if !missing.is_empty() {
        findings.warn(
            format!(
                "granted fewer scopes than asked: {} missing",
                visible(&missing.join(" "), 200)
            ),
            evidence,
        );
    } else if !extra.is_empty() {
        findings.warn(
            format!(
                "granted more scopes than asked: {}",
                visible(&extra.join(" "), 200)
            ),
            evidence,
        );
    } else {
        findings.pass("scope", evidence);
    }
}

/// Judges a JWT access token's audience; `false` when the token is opaque.
fn judge_audience(
    cx: &Context<'_>,
    hop: usize,
    access_token: &str,
    findings: &mut Findings,
) -> bool {
    let url = &cx.exchange(hop).url;
    let at = |note: &str| Evidence::hop(hop, url, note);
    let Some(claims) = jwt_claims(access_token) else {
        findings.evidence(at("the access token is opaque: its audience is not judged"));
        return false;
    };
    let resource = asked(cx, hop, "resource");
    let audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let shown = visible(&audiences.join(", "), 300);
    if audiences.is_empty() {
        findings.warn(
            "the JWT access token names no audience (aud)",
            at("the MCP server cannot check the token was issued for it").field("aud", None),
        );
        return true;
    }
    let Some(resource) = resource else {
        findings.evidence(
            at("no resource was asked for: the audience is not compared")
                .field("aud", Some(&shown)),
        );
        return true;
    };
    let same = |a: &str| a.trim_end_matches('/') == resource.trim_end_matches('/');
    if audiences.iter().any(|a| same(a)) {
        findings.pass(
            "audience",
            at("the token's audience names the resource").field("aud", Some(&shown)),
        );
    } else {
        findings.warn(
            format!(
                "the token's audience ({shown}) does not name the resource {}",
                visible(&resource, 200)
            ),
            at("the MCP server must compare aud with an identifier of its own")
                .field("aud", Some(&shown)),
        );
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdx::base64::{Engine, URL_SAFE_NO_PAD};
    use crate::testing::{good_flow, run_rule, TOKEN_HOP};
    use crate::{Profile, Status};

    fn jwt(claims: &str) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    fn with_response(body: &str) -> crate::Trace {
        good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
                    b.text = body.to_string();
                }
            })
            .build()
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthTokenResponse, trace, &Profile::default())
    }

    fn good_body() -> String {
        serde_json::json!({
            "access_token": jwt(r#"{"aud":["res_1","https://mcp.acme.test/mcp"],"exp":1}"#),
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "calendar:read",
        })
        .to_string()
    }

    #[test]
    fn passes_on_a_complete_token_response() {
        let outcome = run(&with_response(&good_body()));
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains("eyJhbGci"), "the token leaked: {json}");
    }

    #[test]
    fn fails_on_a_wrong_type_or_lifetime() {
        let body = good_body().replace("\"Bearer\"", "\"mac\"");
        assert_eq!(run(&with_response(&body)).status, Status::Fail);
        let body = good_body().replace("3600", "-5");
        assert_eq!(run(&with_response(&body)).status, Status::Fail);
    }

    fn body(aud: &str, scope: &str, expires_in: u64) -> String {
        serde_json::json!({
            "access_token": jwt(&format!(r#"{{"aud":{aud}}}"#)),
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scope,
        })
        .to_string()
    }

    #[test]
    fn warns_on_scope_audience_and_lifetime_problems() {
        let aud = r#"["res_1","https://mcp.acme.test/mcp"]"#;
        for (case, body) in [
            ("fewer scopes", body(aud, "", 3600)),
            ("more scopes", body(aud, "calendar:read admin", 3600)),
            (
                "aud without the resource",
                body(r#"["res_1"]"#, "calendar:read", 3600),
            ),
            ("no aud", body("null", "calendar:read", 3600)),
            ("a week", body(aud, "calendar:read", 604_800)),
        ] {
            let outcome = run(&with_response(&body));
            assert_eq!(outcome.status, Status::Warn, "{case}: {outcome:?}");
        }
        assert_eq!(
            run(&with_response(&body(aud, "calendar:read", 3600))).status,
            Status::Pass
        );
    }

    #[test]
    fn does_not_judge_the_audience_of_an_opaque_token() {
        let body = r#"{"access_token":"4f1c9a0e-opaque","token_type":"bearer","expires_in":3600,"scope":"calendar:read"}"#;
        let outcome = run(&with_response(body));
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("opaque"), "{}", outcome.summary);
    }

    #[test]
    fn is_not_observed_without_a_token_response() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(TOKEN_HOP))
            .build();
        assert_eq!(run(&trace).status, Status::NotObserved);
        let failed = good_flow()
            .edit_exchange(TOKEN_HOP, |ex| {
                if let Some(r) = ex.response.as_mut() {
                    r.status = 400;
                }
            })
            .build();
        assert_eq!(run(&failed).status, Status::NotObserved);
    }
}
