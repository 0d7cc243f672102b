use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::roles::path_of;
use crate::params::host_of;
use crate::rules::byoa::{byoa, not_byoa};
use crate::rules::chain::never_reached;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor::{self, ids};

declare_rule! {
    /// ## What it checks
    /// In a bring-your-own-auth flow, after your login endpoint has signed the user in, the
    /// browser returns to Scalekit's
    /// `/sso/v1/connections/{conn_…}/partner:callback` with the id of the BYOA connection
    /// (`conn_…`, not the MCP server's `res_…` id nor anything else), on the same Scalekit
    /// host the authorization request went to. Skipped when the flow does not use bring your
    /// own auth; not observed when the login page was seen but the browser never came back.
    ///
    /// ## Why it matters
    /// The partner callback is where Scalekit picks the login request up again. The
    /// Scalekit docs warn: "Do not use the MCP Server's resource ID (`res_`) here"; with a
    /// `res_` id or another wrong id Scalekit answers 404 or "invalid ID" and the user is
    /// stuck. On another host than the one the flow started on (the vendor default domain
    /// instead of your custom domain, or the reverse) the browser does not carry the cookies
    /// of the flow, and users see a second domain in the middle of signing in.
    ///
    /// ## How to fix
    /// Build the callback URL from the connection id shown for your MCP server's BYOA
    /// connection in the dashboard (`conn_…`) and from the environment URL the flow started
    /// on, your custom domain in production:
    /// `https://auth.yourapp.com/sso/v1/connections/conn_…/partner:callback?state=<state>`.
    /// Call it only after your backend has posted the user to
    /// `/api/v1/connections/{conn_…}/auth-requests/{login_request_id}/user`.
    pub struct ByoaCallback {
        id: "byoa-callback",
        section: BringYourOwnAuth,
        title: "Return to the partner callback",
        fixed_in: [LoginEndpoint],
    }
}

impl Rule for ByoaCallback {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some(byoa) = byoa(cx) else {
            return not_byoa();
        };
        let Some((hop, ex)) = byoa.callback else {
            let after = byoa.login.map_or(0, |(i, _)| i);
            if let Some((i, wrong)) = cx
                .all_hops()
                .filter(|(i, role, _)| *i > after && role.is_page())
                .find(|(_, _, ex)| path_of(&ex.url).starts_with(vendor::PARTNER_CALLBACK_PREFIX))
                .map(|(i, _, ex)| (i, ex))
            {
                return Outcome::fail(format!(
                    "the browser returned to {}, which is not the partner callback path {}conn_…{}",
                    path_of(&wrong.url),
                    vendor::PARTNER_CALLBACK_PREFIX,
                    vendor::PARTNER_CALLBACK_SUFFIX
                ))
                .with(Evidence::hop(
                    i,
                    &wrong.url,
                    "a connection URL that is not the partner callback",
                ));
            }
            return never_reached(cx, "the browser never returned to the partner callback");
        };
        let id = vendor::partner_callback_id(path_of(&ex.url)).unwrap_or_default();
        let host = host_of(&ex.url).unwrap_or_default();
        let at_callback =
            |note: &str| Evidence::hop(hop, &ex.url, note).field("connection id", Some(id));
        let mut findings = Findings::new();
        if id.starts_with(ids::RESOURCE) {
            findings.fail(
                format!(
                    "the partner callback uses the MCP server's resource id {id} instead of the BYOA connection id ({}…): \
                     the docs warn \"Do not use the MCP Server's resource ID (res_) here\", and Scalekit answers 404 or invalid ID",
                    ids::CONNECTION
                ),
                at_callback("a resource id where the connection id belongs"),
            );
        } else if !id.starts_with(ids::CONNECTION) {
            findings.fail(
                format!(
                    "the partner callback uses {id}, not a BYOA connection id ({}…)",
                    ids::CONNECTION
                ),
                at_callback("not a connection id"),
            );
        } else {
            findings.evidence(at_callback("partner callback"));
        }
        if let Some((auth_hop, authorize)) = cx.authorize() {
            let auth_host = host_of(&authorize.url).unwrap_or_default();
            if !auth_host.is_empty() && auth_host != host {
                findings.warn(
                    format!("the partner callback is on {host}, but the authorization request went to {auth_host}"),
                    Evidence::hop(auth_hop, &authorize.url, "the flow started on this host").field("host", Some(&auth_host)),
                );
            }
        }
        findings.outcome(format!(
            "the browser returned to the partner callback of {id} on {host}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_authorize_url, good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&ByoaCallback, trace, &Profile::default())
    }

    #[test]
    fn passes_on_a_connection_id_on_the_same_host() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the browser returned to the partner callback of conn_987 on auth.acme.test"
        );
        assert_eq!(outcome.evidence[0].hop, Some(7));
    }

    #[test]
    fn fails_on_a_resource_id() {
        let trace = good_flow().replace_in_urls("conn_987", "res_1").build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("resource id res_1"),
            "{}",
            outcome.summary
        );

        let other = good_flow().replace_in_urls("conn_987", "987").build();
        assert_eq!(run(&other).status, Status::Fail);
    }

    #[test]
    fn warns_on_another_host() {
        let trace = good_flow()
            .replace_in_urls(
                "https://auth.acme.test/sso/",
                "https://acme-x7q2.scalekit.com/sso/",
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the partner callback is on acme-x7q2.scalekit.com, but the authorization request went to auth.acme.test"
        );
    }

    #[test]
    fn not_observed_when_the_flow_stopped_on_the_login_page() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(6)).build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(
            outcome.summary.contains("stopped at hop 5 (byoa-login"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn fails_on_a_wrong_callback_path_and_skips_without_byoa() {
        let trace = good_flow()
            .replace_in_urls("/partner:callback", "/callback")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome
            .summary
            .contains("/sso/v1/connections/conn_987/callback"));

        let plain = TraceBuilder::new()
            .get(&good_authorize_url())
            .page(200)
            .build();
        assert_eq!(run(&plain).status, Status::Skipped);
    }
}
