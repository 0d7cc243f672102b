use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// In bring your own auth, the time from the redirect to your login endpoint (with
    /// `login_request_id`) to the browser's return to Scalekit's `partner:callback` is within
    /// the login request's lifetime: about 10 minutes per the docs (pass), up to 15 minutes
    /// per the API definition (warning), more fails. Skipped for flows without bring your
    /// own auth.
    ///
    /// ## Why it matters
    /// A login request (`lri_…`) expires. If your login page, a second factor, or a slow
    /// hand-off call takes longer, Scalekit answers the callback with an `invalid_state`
    /// error and the user must start over from the MCP client, which looks like a broken
    /// login. A flow that passes in testing only because the tester was quick fails for real
    /// users who pause on the login page.
    ///
    /// ## How to fix
    /// Keep the login step short: authenticate, call the hand-off API from your server, and
    /// redirect to `partner:callback` straight away. If users may take longer (password
    /// reset, email verification), send them back to the MCP client to start a fresh
    /// authorization afterwards instead of reusing the old `login_request_id`.
    pub struct ByoaTiming {
        id: "byoa-timing",
        section: BringYourOwnAuth,
        title: "Login completed within the login request's lifetime",
        fixed_in: [LoginEndpoint],
    }
}

impl Rule for ByoaTiming {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some(byoa) = super::byoa::byoa(cx) else {
            return Outcome::skipped("not a bring-your-own-auth flow");
        };
        // The login hop as `byoa` finds it: also one reached without login_request_id.
        let Some((login, login_ex)) = byoa.login else {
            return Outcome::not_observed("the redirect to your login endpoint was not observed");
        };
        let login_evidence = Evidence::hop(login, &login_ex.url, "login endpoint reached");
        let Some((callback, callback_ex)) = cx.hops(Role::ByoaCallback).find(|(i, _)| *i > login)
        else {
            return Outcome::not_observed(
                "the flow did not come back to Scalekit's partner:callback after your login page",
            )
            .with(login_evidence);
        };
        let elapsed = callback_ex.time_ms - login_ex.time_ms;
        if !elapsed.is_finite() || elapsed < 0.0 {
            return Outcome::not_observed("the trace's timestamps cannot be compared")
                .with(login_evidence);
        }
        let minutes = elapsed / 60_000.0;
        let took = if elapsed < 10_000.0 {
            format!("{:.1} s", elapsed / 1000.0)
        } else if minutes < 1.0 {
            format!("{:.0} s", elapsed / 1000.0)
        } else {
            format!("{minutes:.1} min")
        };
        let callback_evidence = Evidence::hop(
            callback,
            &callback_ex.url,
            format!("partner:callback reached {took} later"),
        )
        .field("elapsed_ms", Some(&format!("{elapsed:.0}")));
        let outcome = if elapsed <= vendor::LOGIN_REQUEST_LIFETIME_MS {
            Outcome::pass(format!(
                "the login step took {took}, within the login request's lifetime"
            ))
        } else if elapsed <= vendor::LOGIN_REQUEST_MAX_LIFETIME_MS {
            Outcome::warn(format!(
                "the login step took {took}: past the documented 10 minutes, within the 15 of the API definition"
            ))
        } else {
            Outcome::fail(format!(
                "the login step took {took}, longer than the login request lives"
            ))
        };
        let mut outcome = outcome.with(login_evidence).with(callback_evidence);
        if let Some((i, ex)) = cx
            .hops(Role::ErrorPage)
            .find(|(i, ex)| *i >= callback && ex.url.contains(vendor::INVALID_STATE_ERROR))
        {
            outcome = outcome.with(Evidence::hop(
                i,
                &ex.url,
                "invalid_state error after the callback",
            ));
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder, BYOA_LOGIN_HOP};
    use crate::{Profile, Status};

    #[test]
    fn a_login_endpoint_reached_without_login_request_id_is_still_a_byoa_flow() {
        // The bug byoa-login-endpoint fails on must not turn this rule into "not BYOA".
        let trace = good_flow()
            .replace_in_urls("login_request_id=lri_42&", "")
            .build();
        let outcome = run_rule(&ByoaTiming, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.summary);
        let stopped = good_flow()
            .replace_in_urls("login_request_id=lri_42&", "")
            .edit(|t| t.exchanges.truncate(BYOA_LOGIN_HOP + 1))
            .build();
        let outcome = run_rule(&ByoaTiming, &stopped, &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved, "{}", outcome.summary);
    }

    fn delayed(ms: f64) -> crate::Trace {
        good_flow()
            .edit(|t| {
                for ex in t.exchanges.iter_mut().skip(BYOA_LOGIN_HOP + 1) {
                    ex.time_ms += ms;
                }
            })
            .build()
    }

    #[test]
    fn passes_when_quick() {
        let outcome = run_rule(&ByoaTiming, &good_flow().build(), &Profile::default());
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.evidence[0].hop, Some(BYOA_LOGIN_HOP));
    }

    #[test]
    fn warns_between_10_and_15_minutes_and_fails_after() {
        let twelve = delayed(12.0 * 60_000.0);
        assert_eq!(
            run_rule(&ByoaTiming, &twelve, &Profile::default()).status,
            Status::Warn
        );
        let twenty = delayed(20.0 * 60_000.0);
        let outcome = run_rule(&ByoaTiming, &twenty, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("min"), "{}", outcome.summary);
    }

    #[test]
    fn skipped_without_byoa_and_not_observed_without_the_callback() {
        let plain = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s")
            .redirect(302, "https://app.acme.test/cb?code=c&state=s")
            .page(200)
            .build();
        assert_eq!(
            run_rule(&ByoaTiming, &plain, &Profile::default()).status,
            Status::Skipped
        );
        let stopped = good_flow().edit(|t| t.exchanges.truncate(7)).build();
        assert_eq!(
            run_rule(&ByoaTiming, &stopped, &Profile::default()).status,
            Status::NotObserved
        );
        let nan = good_flow()
            .edit(|t| t.exchanges[7].time_ms = f64::NAN)
            .build();
        assert_eq!(
            run_rule(&ByoaTiming, &nan, &Profile::default()).status,
            Status::NotObserved
        );
    }
}
