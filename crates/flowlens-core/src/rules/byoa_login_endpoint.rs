use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::{url_without_query, UrlParams};
use crate::rules::byoa::{byoa, not_byoa};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor::ids;

declare_rule! {
    /// ## What it checks
    /// In a bring-your-own-auth flow, Scalekit's authorization endpoint redirects the browser
    /// to your login endpoint with both `login_request_id` (an `lri_…` id) and `state`, and
    /// the login endpoint is the one the profile names (same scheme, host and path) when the
    /// profile has `login_endpoint`. Skipped when the flow does not use bring your own auth.
    /// Whether the login endpoint uses https is judged by `https-everywhere`.
    ///
    /// ## Why it matters
    /// Your login endpoint needs both values to finish the login: `login_request_id` names
    /// the request when your backend posts the user to
    /// `/api/v1/connections/{conn_…}/auth-requests/{lri_…}/user`, and `state` must be sent
    /// back unchanged to the partner callback. Without them the login cannot complete. A
    /// login endpoint other than the expected one means the MCP server in Scalekit points at
    /// a stale, test or wrong deployment of your login page.
    ///
    /// ## How to fix
    /// Check the Login Endpoint URL under Dashboard > MCP Servers > your server > Advanced
    /// Configuration > "Use your own authentication service": it must be the exact https URL
    /// of your login handler. If the parameters are lost on the way, look for a proxy, rewrite
    /// rule or framework redirect (trailing-slash or locale redirects, a login wall) that
    /// drops the query string before your handler reads it.
    pub struct ByoaLoginEndpoint {
        id: "byoa-login-endpoint",
        section: BringYourOwnAuth,
        title: "Login endpoint receives login_request_id and state",
        fixed_in: [ScalekitDashboard(LoginEndpoint), LoginEndpoint, EdgeServer],
    }
}

impl Rule for ByoaLoginEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some(byoa) = byoa(cx) else {
            return not_byoa();
        };
        let Some((hop, ex)) = byoa.login else {
            let mut outcome = Outcome::not_observed(
                "the partner callback was reached but the redirect to your login endpoint was not observed",
            );
            if let Some((i, cb)) = byoa.callback {
                outcome = outcome.with(Evidence::hop(i, &cb.url, "partner callback"));
            }
            return outcome;
        };
        let endpoint = url_without_query(&ex.url);
        let params = UrlParams::of(&ex.url).query;
        let lri = params.get("login_request_id");
        let state = params.get("state");
        let at_login = |note: &str| Evidence::hop(hop, &ex.url, note);
        let mut findings = Findings::new();

        let missing: Vec<&str> = [("login_request_id", lri), ("state", state)]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if let Some(first) = missing.first() {
            let note = if byoa.login_inferred {
                "the authorization request redirected off the Scalekit host to this page: taken as your login endpoint"
            } else {
                "the login endpoint as the browser reached it"
            };
            findings.fail(
                format!(
                    "the redirect to the login endpoint {endpoint} carries no {}",
                    missing.join(" and ")
                ),
                at_login(note).field(first, None),
            );
        }
        match lri {
            Some(lri) if !lri.starts_with(ids::LOGIN_REQUEST) => findings.warn(
                format!(
                    "login_request_id {lri} does not start with {}",
                    ids::LOGIN_REQUEST
                ),
                at_login("Scalekit login request ids start with lri_")
                    .field("login_request_id", Some(lri)),
            ),
            Some(lri) => {
                findings.evidence(at_login("login request id").field("login_request_id", Some(lri)))
            }
            None => {}
        }
        if let Some(state) = state {
            findings.evidence(at_login("Scalekit's state").field("state", Some(state)));
        }
        match cx.profile.login_endpoint.as_deref() {
            Some(expected) => match compare_endpoints(expected, &ex.url) {
                Endpoint::Same => {}
                // Plain http where https is expected is https-everywhere's finding.
                Endpoint::DowngradedToHttp => findings.evidence(
                    at_login("the expected login endpoint, but over plain http (see https-everywhere)")
                        .field("login_endpoint", Some(expected)),
                ),
                Endpoint::Different => findings.fail(
                    format!("Scalekit sent the browser to {endpoint}, not to the expected login endpoint {expected}"),
                    at_login("the login endpoint as the browser reached it").field("login_endpoint", Some(expected)),
                ),
            },
            None => findings.assume(format!(
                "no login_endpoint in the profile: took {endpoint}, where Scalekit redirected, as the login endpoint"
            )),
        }
        findings.outcome(format!(
            "Scalekit redirected to the login endpoint {endpoint} with login_request_id {} and state",
            lri.unwrap_or_default()
        ))
    }
}

enum Endpoint {
    Same,
    /// The expected endpoint, but over http instead of https.
    DowngradedToHttp,
    Different,
}

/// Compares scheme, host, port and path.
fn compare_endpoints(expected: &str, actual: &str) -> Endpoint {
    let (Ok(e), Ok(a)) = (url::Url::parse(expected.trim()), url::Url::parse(actual)) else {
        return if url_without_query(expected.trim()) == url_without_query(actual) {
            Endpoint::Same
        } else {
            Endpoint::Different
        };
    };
    let same_place = e.host_str() == a.host_str() && e.path() == a.path();
    if same_place
        && e.scheme() == a.scheme()
        && e.port_or_known_default() == a.port_or_known_default()
    {
        Endpoint::Same
    } else if same_place && e.scheme() == "https" && a.scheme() == "http" && e.port() == a.port() {
        Endpoint::DowngradedToHttp
    } else {
        Endpoint::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_authorize_url, good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace, profile: &Profile) -> Outcome {
        run_rule(&ByoaLoginEndpoint, trace, profile)
    }

    fn expecting(endpoint: &str) -> Profile {
        Profile {
            login_endpoint: Some(endpoint.into()),
            ..Profile::default()
        }
    }

    #[test]
    fn passes_with_both_parameters() {
        let outcome = run(&good_flow().build(), &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "Scalekit redirected to the login endpoint https://login.acme.test/login with login_request_id lri_42 and state"
        );
        assert_eq!(outcome.assumptions.len(), 1);
        let with_profile = run(
            &good_flow().build(),
            &expecting("https://LOGIN.acme.test/login"),
        );
        assert_eq!(with_profile.status, Status::Pass, "{with_profile:?}");
    }

    #[test]
    fn skipped_without_byoa() {
        let trace = TraceBuilder::new()
            .get(&good_authorize_url())
            .redirect(302, "https://auth.acme.test/a/auth/login")
            .page(200)
            .build();
        assert_eq!(run(&trace, &Profile::default()).status, Status::Skipped);
    }

    #[test]
    fn fails_naming_the_missing_parameter() {
        let trace = good_flow()
            .replace_in_urls("login_request_id=lri_42&", "")
            .build();
        let outcome = run(&trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "the redirect to the login endpoint https://login.acme.test/login carries no login_request_id"
        );
        assert_eq!(outcome.evidence[0].hop, Some(5));
    }

    #[test]
    fn warns_on_an_unexpected_id_prefix() {
        let trace = good_flow().replace_in_urls("lri_42", "req_42").build();
        let outcome = run(&trace, &Profile::default());
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome.summary.contains("req_42 does not start with lri_"));
    }

    #[test]
    fn fails_on_another_login_endpoint_than_expected() {
        let outcome = run(
            &good_flow().build(),
            &expecting("https://login.acme.test/sso/login"),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome
            .summary
            .contains("not to the expected login endpoint https://login.acme.test/sso/login"));
        let outcome = run(
            &good_flow().build(),
            &expecting("http://login.acme.test/login"),
        );
        assert_eq!(outcome.status, Status::Fail);
    }

    #[test]
    fn leaves_plain_http_to_https_everywhere() {
        let trace = good_flow()
            .replace_in_urls("https://login.acme.test", "http://login.acme.test")
            .build();
        let outcome = run(&trace, &expecting("https://login.acme.test/login"));
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome
            .evidence
            .iter()
            .any(|e| e.note.contains("see https-everywhere")));
    }

    #[test]
    fn not_observed_when_only_the_callback_was_seen() {
        let trace = good_flow()
            .edit(|t| {
                // The login page opened elsewhere: drop it, keep the callback.
                t.exchanges[5].url = "https://auth.acme.test/a/auth/wait".into();
                t.exchanges[4].response = None;
            })
            .build();
        let outcome = run(&trace, &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved, "{outcome:?}");
    }
}
