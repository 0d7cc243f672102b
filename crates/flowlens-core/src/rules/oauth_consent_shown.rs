use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::chain::page_label;
use crate::rules::{Context, Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    /// A consent page was shown between the authorization request and the authorization
    /// response at the client's callback. A page is a consent page when it offers to approve
    /// or deny access and shows what is asked (scopes, a resource or client asking for
    /// access, a consent form field), on any server; a page at Scalekit's consent path; or
    /// the last page before the redirect carrying the code when it asks nothing but a
    /// decision. The evidence says which. A flow that reaches the callback with a `code`
    /// without any page the user looked at, or after pages that were all recognized as
    /// something else (sign-in, error pages), fails; one with a page nothing could be said of
    /// (neither consent nor sign-in) is a warning: it may have been a consent page.
    ///
    /// ## Why it matters
    /// The consent screen is where users see which client asks for which access to which MCP
    /// server and decide. An authorization server that issues codes to MCP clients without
    /// asking lets any registered client (dynamic registration is open to anyone) obtain
    /// access silently: the confused-deputy problem the MCP security best practices require
    /// consent against. It is also the screen the custom domain and branding work is for.
    ///
    /// ## How to fix
    /// Run the flow in an incognito window with a client that has not been authorized before
    /// (a remembered consent can skip the screen). If the screen is still missing, check the
    /// MCP server's configuration in Dashboard > MCP Servers, and in bring your own auth make
    /// sure your login endpoint redirects to Scalekit's `partner:callback` and not straight
    /// to the client's `redirect_uri`.
    pub struct OauthConsentShown {
        id: "oauth-consent-shown",
        section: CoreAuthFlows,
        title: "Consent screen shown",
    }
}

impl Rule for OauthConsentShown {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some((authorize, _)) = cx.authorize() else {
            return Outcome::not_observed("the authorization request was not observed");
        };
        let end = cx.end();
        let before_end = |i: usize| end.is_none_or(|e| i <= e.exchange);
        let consent: Vec<(usize, &crate::trace::Exchange)> = cx
            .hops(Role::ConsentPage)
            .filter(|(i, _)| *i > authorize && before_end(*i))
            .collect();
        if let Some(&(hop, ex)) = consent.first() {
            return Outcome::pass("a consent page was shown before the callback").with(
                Evidence::hop(hop, &ex.url, hop_note(cx, hop, Role::ConsentPage, ex)),
            );
        }
        let Some(end) = end else {
            return Outcome::not_observed(
                "the flow did not reach the client's callback, and no consent page was seen",
            );
        };
        let end_evidence = Evidence::url(&end.url, "authorization response at the callback");
        let seen: Vec<(usize, Role, &crate::trace::Exchange)> = cx
            .all_hops()
            .filter(|(i, role, _)| *i > authorize && *i <= end.exchange && role.is_seen_page())
            .collect();
        // Pages whose role was inferred from what they are (sign-in, error pages) are known
        // not to be consent pages; a page nothing could be said of might have been one.
        let unrecognized = seen.iter().any(|(_, role, _)| *role == Role::Page);
        // A code, or tokens of an implicit flow: access was granted.
        let params = end.params();
        let granted = ["code", "access_token", "id_token"]
            .iter()
            .any(|p| params.has(p));
        if !seen.is_empty() && (unrecognized || !granted) {
            let mut outcome = Outcome::warn(
                "no page of the flow was recognized as a consent page; check that the pages seen include one",
            );
            for (hop, role, ex) in seen.iter().take(10) {
                outcome = outcome.with(Evidence::hop(*hop, &ex.url, hop_note(cx, *hop, *role, ex)));
            }
            return outcome.with(end_evidence);
        }
        if !seen.is_empty() {
            let mut outcome = Outcome::fail(
                "the authorization server granted access without showing a consent page: every page the user saw was a sign-in or error page",
            );
            for (hop, role, ex) in seen.iter().take(10) {
                outcome = outcome.with(Evidence::hop(*hop, &ex.url, hop_note(cx, *hop, *role, ex)));
            }
            return outcome.with(end_evidence);
        }
        if !granted {
            return Outcome::not_observed(
                "the flow ended without a code and without a consent page (an error or a cancelled flow)",
            )
            .with(end_evidence);
        }
        Outcome::fail("the authorization server issued a code without showing a consent page")
            .with(end_evidence)
    }
}

/// "consent page on id.test (consent page: \"Allow\"/\"Deny\" actions…)": the page and how its
/// role was inferred.
fn hop_note(cx: &Context<'_>, hop: usize, role: Role, ex: &crate::trace::Exchange) -> String {
    match cx.role_reason(hop) {
        Some(reason) => format!("{} ({reason})", page_label(role, &ex.url)),
        None => page_label(role, &ex.url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    #[test]
    fn passes_when_the_consent_page_is_shown() {
        let outcome = run_rule(
            &OauthConsentShown,
            &good_flow().build(),
            &Profile::default(),
        );
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.evidence[0].hop, Some(8));
    }

    #[test]
    fn fails_when_a_code_comes_back_without_consent() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s")
            .redirect(302, "https://app.acme.test/cb?code=abc&state=s")
            .page(200)
            .build();
        let outcome = run_rule(&OauthConsentShown, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(!outcome.evidence[0]
            .url
            .clone()
            .unwrap_or_default()
            .contains("code=abc"));
    }

    #[test]
    fn warns_when_pages_were_seen_but_none_looked_like_consent() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s")
            .redirect(302, "https://auth.acme.test/interaction/xyz")
            .page(200)
            .post_form("https://auth.acme.test/interaction/xyz", &[("ok", "1")])
            .redirect(303, "https://app.acme.test/cb?code=abc&state=s")
            .page(200)
            .build();
        assert_eq!(
            run_rule(&OauthConsentShown, &trace, &Profile::default()).status,
            Status::Warn
        );
    }

    #[test]
    fn fails_when_every_page_seen_was_a_sign_in_page() {
        // OpenAuth's passwordless sign-in: email, then code, then the code comes back.
        let trace = TraceBuilder::new()
            .get("https://auth.notes.test/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.notes.test%2Fcb&state=s")
            .redirect(302, "https://auth.notes.test/code/authorize")
            .html(200, r#"<form method="post"><input type="email" name="email"><button>Continue</button></form>"#)
            .post_form("https://auth.notes.test/code/authorize", &[("email", "a@b.test")])
            .html(200, r#"<form method="post"><input name="code" autocomplete="one-time-code"><button>Continue</button></form>"#)
            .post_form("https://auth.notes.test/code/authorize", &[("code", "123456")])
            .redirect(302, "https://app.notes.test/cb?code=abc&state=s")
            .page(200)
            .build();
        let outcome = run_rule(&OauthConsentShown, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.evidence[0].note.contains("one-time code")
                || outcome.evidence[1].note.contains("one-time code"),
            "{outcome:?}"
        );
    }

    #[test]
    fn is_not_observed_when_the_flow_stops_early() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(7)).build();
        assert_eq!(
            run_rule(&OauthConsentShown, &trace, &Profile::default()).status,
            Status::NotObserved
        );
    }
}
