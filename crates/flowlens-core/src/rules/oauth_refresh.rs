use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::tokens::{bearer, issued, json_object, Issued};
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// When the token endpoint issued a refresh token and the trace uses it (`flowlens
    /// connect` refreshes once after its authorized calls): the `refresh_token` grant
    /// succeeds with a new access token that differs from the one it replaces, the MCP
    /// server accepts the new token when the trace calls it, and, for a public client (no
    /// client secret), a new refresh token replaces the used one (rotation). Without a
    /// refresh token, or without a refresh in the trace, it is not observed.
    ///
    /// ## Why it matters
    /// MCP clients stay connected for days on short-lived access tokens by refreshing them;
    /// when refresh fails, users are sent through sign-in again, or the client stops working
    /// until someone notices. OAuth 2.1 requires refresh tokens of public clients (desktop
    /// and browser MCP clients) to be sender-constrained or rotated, so that a stolen refresh
    /// token stops working once either party uses it.
    ///
    /// ## How to fix
    /// Scalekit issues refresh tokens when the client asks for the `offline_access` scope:
    /// list it in the protected-resource metadata's `scopes_supported` if your clients need
    /// long sessions. If the refresh is refused, check the refresh-token lifetime in the
    /// Dashboard and that the client sends the `resource` and `client_id` it used before. A
    /// custom authorization server must rotate refresh tokens of public clients.
    pub struct OauthRefresh {
        id: "oauth-refresh",
        section: CoreAuthFlows,
        title: "A refresh token yields a new access token",
    }
}

impl Rule for OauthRefresh {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let refreshes: Vec<(usize, &Exchange)> = cx
            .hops(Role::TokenRequest)
            .filter(|(_, ex)| ex.form_value("grant_type") == Some("refresh_token"))
            .collect();
        let issued = issued(cx);
        if refreshes.is_empty() {
            return not_refreshed(cx, &issued);
        }
        let mut findings = Findings::new();
        for &(hop, ex) in &refreshes {
            judge_refresh(cx, &issued, hop, ex, &mut findings);
        }
        findings.outcome_with_gaps(
            "the refresh token yielded a new access token (and a new refresh token)",
            "no refresh was observed",
            false,
        )
    }
}

fn not_refreshed(cx: &Context<'_>, issued: &[Issued]) -> Outcome {
    if let Some(with_refresh) = issued.iter().find(|i| i.refresh_token().is_some()) {
        let ex = cx.exchange(with_refresh.hop);
        return Outcome::not_observed("a refresh token was issued, but the trace does not use it")
            .with(
                Evidence::hop(with_refresh.hop, &ex.url, "refresh token issued")
                    .field("refresh_token", with_refresh.refresh_token()),
            );
    }
    let asked_offline = cx
        .authorize_params()
        .and_then(|p| {
            p.query
                .get("scope")
                .map(|s| s.split_whitespace().any(|s| s == "offline_access"))
        })
        .unwrap_or(false);
    let hint = if issued.is_empty() {
        "no token response is in the trace: `flowlens connect` runs the exchange and the refresh"
    } else if asked_offline {
        "offline_access was asked for, yet no refresh token came back"
    } else {
        "Scalekit issues refresh tokens when the client asks for offline_access"
    };
    Outcome::not_observed("no refresh token was issued").with(Evidence::note(hint))
}

fn judge_refresh(
    cx: &Context<'_>,
    issued: &[Issued],
    hop: usize,
    ex: &Exchange,
    findings: &mut Findings,
) {
    let at = |note: &str| Evidence::hop(hop, &ex.url, note);
    let sent = ex.form_value("refresh_token").unwrap_or_default();
    let Some(status) = ex.status() else {
        findings.gap("the refresh got no response", at("no response captured"));
        return;
    };
    let response = ex.response_body_text().and_then(json_object);
    let new_token = response
        .as_ref()
        .and_then(|v| v.get("access_token"))
        .and_then(|v| v.as_str());
    if !(200..300).contains(&status) || new_token.is_none() {
        let error = response
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(|e| e.as_str())
            .map(|e| visible(e, 60));
        findings.fail(
            format!(
                "the refresh was refused with {status}{}",
                error
                    .as_deref()
                    .map(|e| format!(" {e}"))
                    .unwrap_or_default()
            ),
            at("no new access token").field("error", error.as_deref()),
        );
        return;
    }
    let new_token = new_token.unwrap_or_default();
    let before = issued
        .iter()
        .filter(|i| i.hop < hop)
        .filter_map(Issued::access_token)
        .next_back();
    if before == Some(new_token) {
        findings.warn(
            "the refresh returned the same access token",
            at("a refresh should renew the token").field("access_token", Some(new_token)),
        );
    } else {
        findings.pass(
            "new access token",
            at("a new access token").field("access_token", Some(new_token)),
        );
    }
    let public_client = ex.form_value("client_secret").is_none()
        && ex.form_value("client_assertion").is_none()
        && ex.request_header("authorization").is_none();
    let rotated = response
        .as_ref()
        .and_then(|v| v.get("refresh_token"))
        .and_then(|v| v.as_str());
    match rotated {
        Some(r) if r != sent => findings.pass(
            "rotated",
            at("a new refresh token replaces the used one").field("refresh_token", Some(r)),
        ),
        _ if public_client => findings.warn(
            "the refresh token was not rotated for a public client",
            at("OAuth 2.1 §4.3.1: rotate or sender-constrain refresh tokens of public clients")
                .field("refresh_token", rotated),
        ),
        _ => findings.evidence(at("the confidential client keeps its refresh token")),
    }
    // The new token at work: the first MCP call that carried it.
    if let Some((call, call_ex)) = cx
        .hops(Role::McpRequest)
        .find(|(i, e)| *i > hop && bearer(e) == Some(new_token))
    {
        match call_ex.status() {
            Some(200..=299) => findings.pass(
                "used",
                Evidence::hop(
                    call,
                    &call_ex.url,
                    "the MCP server accepted the refreshed token",
                ),
            ),
            Some(s) => findings.fail(
                format!("the MCP server refused the refreshed token with {s}"),
                Evidence::hop(
                    call,
                    &call_ex.url,
                    "a refreshed token must work like the first one",
                ),
            ),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder, TOKEN_HOP};
    use crate::{Profile, Status};

    const TOKEN_URL: &str = "https://auth.acme.test/oauth/token";

    /// The good flow whose code exchange also issued refresh token `rt1`.
    fn with_refresh_token() -> TraceBuilder {
        good_flow().edit_exchange(TOKEN_HOP, |ex| {
            if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
                b.text = r#"{"access_token":"at1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt1"}"#.into();
            }
        })
    }

    fn refreshed(status: u16, body: &str) -> TraceBuilder {
        with_refresh_token()
            .fetch("POST", TOKEN_URL)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt1"),
                ("client_id", "m2m_123"),
            ])
            .json(status, body)
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthRefresh, trace, &Profile::default())
    }

    #[test]
    fn passes_with_a_new_access_token_and_a_rotated_refresh_token() {
        let trace = refreshed(
            200,
            r#"{"access_token":"at2","token_type":"Bearer","refresh_token":"rt2"}"#,
        )
        .fetch("POST", "https://mcp.acme.test/mcp")
        .request_header("Authorization", "Bearer at2")
        .request_body(
            "application/json",
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#,
        )
        .json(200, r#"{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}"#)
        .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(
            !json.contains("rt2") && !json.contains("at2"),
            "a token leaked: {json}"
        );
    }

    #[test]
    fn fails_when_the_refresh_is_refused() {
        let outcome = run(&refreshed(400, r#"{"error":"invalid_grant"}"#).build());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.summary.contains("invalid_grant"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn warns_without_rotation_or_with_the_same_token() {
        let same = refreshed(200, r#"{"access_token":"at1","refresh_token":"rt9"}"#).build();
        assert_eq!(run(&same).status, Status::Warn);
        let unrotated = refreshed(200, r#"{"access_token":"at2"}"#).build();
        assert_eq!(run(&unrotated).status, Status::Warn);
    }

    #[test]
    fn is_not_observed_without_a_refresh() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(
            outcome.evidence[0].note.contains("offline_access"),
            "{outcome:?}"
        );
        assert_eq!(
            run(&with_refresh_token().build()).status,
            Status::NotObserved
        );
    }
}
