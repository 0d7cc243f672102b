//! Finding the bring-your-own-auth legs of a flow: the redirect to the customer's login
//! endpoint and the browser's return to Scalekit's partner callback.
//!
//! The flow reconstruction names a login hop `byoa-login` when it carries `login_request_id`
//! (or is the profile's `login_endpoint`). A login endpoint reached *without*
//! `login_request_id` is exactly the bug the BYOA rules must catch, so this module also
//! recognises it from the shape of the chain: the authorization request redirects (possibly
//! through hops on its own host) to a page on another, non-vendor host that carries `state`
//! and is not itself an authorization request nor the client's callback.

use crate::check::Outcome;
use crate::flow::Role;
use crate::params::{host_of, UrlParams};
use crate::rules::Context;
use crate::trace::Exchange;
use crate::vendor;

/// The BYOA legs of a flow, when it is a BYOA flow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Byoa<'a> {
    /// The customer's login endpoint as the browser reached it.
    pub login: Option<(usize, &'a Exchange)>,
    /// The login hop was recognised from the chain's shape, not from `login_request_id`.
    pub login_inferred: bool,
    /// The partner callback (the first one after the login hop, when there is one).
    pub callback: Option<(usize, &'a Exchange)>,
}

/// The BYOA legs, or `None` when the flow does not go through a customer's login endpoint.
pub(crate) fn byoa<'a>(cx: &Context<'a>) -> Option<Byoa<'a>> {
    let (login, login_inferred) = match cx.first(Role::ByoaLogin) {
        Some(hop) => (Some(hop), false),
        None => match inferred_login(cx) {
            Some(hop) => (Some(hop), true),
            None => (None, false),
        },
    };
    let after = login.map_or(0, |(i, _)| i);
    let callback = cx
        .hops(Role::ByoaCallback)
        .find(|(i, _)| *i > after)
        .or_else(|| cx.first(Role::ByoaCallback));
    (login.is_some() || callback.is_some()).then_some(Byoa {
        login,
        login_inferred,
        callback,
    })
}

/// What a rule that judges the BYOA legs answers for a flow without them.
pub(crate) fn not_byoa() -> Outcome {
    Outcome::skipped(
        "not a bring-your-own-auth flow: no redirect to a login endpoint and no partner callback",
    )
}

/// The first hop the authorization request's redirects lead to off its own host, when it
/// looks like a login endpoint that was not given `login_request_id`.
fn inferred_login<'a>(cx: &Context<'a>) -> Option<(usize, &'a Exchange)> {
    let (start, authorize) = cx.authorize()?;
    let auth_host = host_of(&authorize.url)?;
    let mut previous = authorize;
    for (i, role, ex) in cx
        .all_hops()
        .filter(|(i, role, _)| *i > start && role.is_page())
    {
        if previous.redirect_target().as_deref() != Some(ex.url.as_str()) {
            return None; // not reached by a redirect of the chain
        }
        let host = host_of(&ex.url)?;
        if host == auth_host {
            previous = ex;
            continue;
        }
        let params = UrlParams::of(&ex.url).query;
        let looks_like_login = !matches!(
            role,
            Role::ClientCallback | Role::Authorize | Role::ByoaCallback
        ) && !vendor::is_vendor_default(&host)
            && params.has("state")
            && !params.has("response_type");
        return looks_like_login.then_some((i, ex));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, GOOD_SK_STATE};
    use crate::{flow, Profile};

    fn legs(trace: &crate::Trace) -> Option<(Option<usize>, bool, Option<usize>)> {
        let profile = Profile::default();
        let flows = flow::reconstruct(trace, &profile);
        let cx = Context::new(trace, &flows[0], &profile);
        byoa(&cx).map(|b| {
            (
                b.login.map(|l| l.0),
                b.login_inferred,
                b.callback.map(|c| c.0),
            )
        })
    }

    #[test]
    fn finds_the_legs_of_the_good_flow() {
        assert_eq!(legs(&good_flow().build()), Some((Some(5), false, Some(7))));
    }

    #[test]
    fn recognises_a_login_endpoint_reached_without_login_request_id() {
        let trace = good_flow()
            .replace_in_urls("login_request_id=lri_42&", "")
            .build();
        assert_eq!(legs(&trace), Some((Some(5), true, Some(7))));
    }

    #[test]
    fn a_flow_without_byoa_has_no_legs() {
        let trace = crate::testing::TraceBuilder::new()
            .get(&crate::testing::good_authorize_url())
            .redirect(
                302,
                &format!("https://auth.acme.test/a/auth/login?state={GOOD_SK_STATE}"),
            )
            .page(200)
            .build();
        assert_eq!(legs(&trace), None);
    }
}
