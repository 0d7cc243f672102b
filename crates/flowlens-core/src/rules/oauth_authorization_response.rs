use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::url_without_query;
use crate::rules::chain::{error_codes, error_pages, last_page_hop, never_reached};
use crate::rules::{Context, Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    /// The flow ends with an authorization code at the client's `redirect_uri`. An error
    /// response (`?error=access_denied&error_description=…`) fails with the error shown; so
    /// does a flow that stopped on an error page of the authorization server or of your BYOA
    /// login (Scalekit's `invalid_state` page, an `/api/v1/errors/err_…` page, any 4xx or 5xx
    /// page), naming the page and the error codes found in its URL, title or body. A response
    /// with a token instead of a code (implicit flow) or with neither fails. Not observed when
    /// the trace shows neither a response nor an error page.
    ///
    /// ## Why it matters
    /// This is the bottom line of the flow: without a code at the redirect URI the MCP client
    /// cannot get a token and the user is stuck, whatever else passed. The error code is the
    /// fastest pointer to the cause: `access_denied` is the user declining consent,
    /// `invalid_request` or `invalid_scope` a client sending a bad request, `invalid_state` a
    /// BYOA login handler that mangled or delayed `state`, `invalid_client_metadata_url` a
    /// client id Scalekit does not accept.
    ///
    /// ## How to fix
    /// Read the error shown here and the evidence of the other failing checks: they usually
    /// point at the cause (a changed `state`, a wrong partner callback, an unregistered
    /// redirect URI, a missing `resource`). Scalekit's hosted error page loads its details
    /// from `/api/v1/errors/err_…` (visible in the recording): quote that `err_…` id when you
    /// contact Scalekit support. Clients that still use `response_type=token` must move to
    /// the code flow with PKCE.
    pub struct OauthAuthorizationResponse {
        id: "oauth-authorization-response",
        section: CoreAuthFlows,
        title: "The flow ends with an authorization code",
        fixed_in: [ClientApp, LoginEndpoint, ScalekitSupport],
    }
}

impl Rule for OauthAuthorizationResponse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        if let (Some(end), Some(params)) = (cx.end(), cx.end_params()) {
            let at = url_without_query(&end.url);
            let evidence = |field: &str| {
                Evidence::hop(end.exchange, &end.url, "the authorization response")
                    .field(field, params.get(field))
            };
            if let Some(error) = params.get("error") {
                let description = params
                    .get("error_description")
                    .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
                    .unwrap_or_default();
                let mut outcome = Outcome::fail(format!(
                    "the authorization server answered error={error}{description}"
                ))
                .with(evidence("error"));
                if params.has("error_description") {
                    outcome = outcome.with(evidence("error_description"));
                }
                return outcome;
            }
            if params.has("code") {
                return Outcome::pass(format!("the flow ends with an authorization code at {at}"))
                    .with(evidence("code"));
            }
            if let Some(token) = ["access_token", "id_token"]
                .into_iter()
                .find(|t| params.has(t))
            {
                return Outcome::fail(format!(
                    "the authorization response carries {token} instead of a code (implicit flow)"
                ))
                .with(evidence(token));
            }
            return Outcome::fail(format!(
                "the response at {at} carries neither a code nor an error"
            ))
            .with(Evidence::hop(
                end.exchange,
                &end.url,
                "the authorization response",
            ));
        }
        if let Some((i, page)) = error_pages(cx).last() {
            let codes = error_codes(cx, i);
            let named = if codes.is_empty() {
                String::new()
            } else {
                format!(" ({})", codes.join(", "))
            };
            let status = page
                .status()
                .map(|s| format!(", HTTP {s}"))
                .unwrap_or_default();
            let ended_there = last_page_hop(cx).is_some_and(|(last, ..)| last == i);
            let mut outcome = Outcome::fail(format!(
                "the flow {} an error page{named}: {}{status}",
                if ended_there {
                    "ended on"
                } else {
                    "never reached the client's callback after"
                },
                crate::redact::mask_url(url_without_query(&page.url))
            ));
            for (j, other) in error_pages(cx) {
                let note = match error_codes(cx, j) {
                    c if c.is_empty() => "error page".to_string(),
                    c => format!("error page showing {}", c.join(", ")),
                };
                outcome = outcome.with(Evidence::hop(j, &other.url, note));
            }
            return outcome;
        }
        never_reached(cx, "the authorization response was not observed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthAuthorizationResponse, trace, &Profile::default())
    }

    #[test]
    fn passes_on_a_code() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(
            outcome.summary,
            "the flow ends with an authorization code at https://app.acme.test/callback"
        );
        assert_eq!(
            outcome.evidence[0].value.as_deref(),
            Some("[code: 22 chars]")
        );
    }

    #[test]
    fn fails_on_an_error_response_showing_it() {
        let trace = good_flow()
            .replace_in_urls(
                "code=SplxlOBeZQQYbYS6WxSbIA",
                "error=access_denied&error_description=User+declined",
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "the authorization server answered error=access_denied: User declined"
        );
    }

    #[test]
    fn fails_on_an_error_page_naming_its_codes() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(7))
            .redirect(
                303,
                "https://auth.acme.test/sso/v1/connections/conn_987/partner:callback?state=x",
            )
            .redirect(302, "https://auth.acme.test/a/auth/errors/err_123")
            .html(400, "<h1>invalid_state</h1>")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "the flow ended on an error page (err_123, invalid_state): https://auth.acme.test/a/auth/errors/err_123, HTTP 400"
        );
    }

    #[test]
    fn fails_on_a_token_response_and_is_not_observed_without_end() {
        let implicit = good_flow()
            .replace_in_urls("code=SplxlOBeZQQYbYS6WxSbIA", "access_token=tok")
            .build();
        assert_eq!(run(&implicit).status, Status::Fail);

        let stopped = good_flow().edit(|t| t.exchanges.truncate(9)).build();
        let outcome = run(&stopped);
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(
            outcome.summary.contains("stopped at hop 8 (consent-page"),
            "{}",
            outcome.summary
        );
    }
}
