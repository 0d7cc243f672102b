use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::rules::{Context, Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    /// The authorization request carries a `code_challenge` with `code_challenge_method=S256`,
    /// and the challenge has the shape of an S256 challenge (43 base64url characters).
    ///
    /// ## Why it matters
    /// OAuth 2.1 and the MCP authorization spec require PKCE for every client, and S256 is the
    /// only method that does not expose the verifier: with `plain`, or without PKCE, a stolen
    /// authorization code can be redeemed by whoever intercepted it.
    ///
    /// ## How to fix
    /// Use an OAuth client library that sends PKCE with S256 (the MCP SDKs do). Generate a new
    /// random `code_verifier` for every authorization request, send
    /// `code_challenge=BASE64URL(SHA256(verifier))` and `code_challenge_method=S256`, and send
    /// the verifier in the token request. Make the authorization server reject requests
    /// without PKCE.
    pub struct OauthPkceS256 {
        id: "oauth-pkce-s256",
        section: CoreAuthFlows,
        title: "PKCE with S256",
        fixed_in: [ClientApp],
    }
}

impl Rule for OauthPkceS256 {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let (Some((hop, ex)), Some(params)) = (cx.authorize(), cx.authorize_params()) else {
            return Outcome::not_observed("the authorization request was not observed");
        };
        let challenge = params.query.get("code_challenge");
        let method = params.query.get("code_challenge_method");
        let evidence = |field: &str, value: Option<&str>, note: &str| {
            Evidence::hop(hop, &ex.url, note).field(field, value)
        };
        match (challenge, method) {
            (None, _) => {
                Outcome::fail("the authorization request carries no code_challenge (no PKCE)")
                    .with(evidence("code_challenge", None, "absent"))
            }
            (Some(_), None) => Outcome::fail(
                "code_challenge is sent without code_challenge_method, which means plain PKCE",
            )
            .with(evidence(
                "code_challenge_method",
                None,
                "absent: the server assumes plain",
            )),
            (Some(_), Some(m)) if m != "S256" => Outcome::fail(format!(
                "code_challenge_method is {m}, not S256"
            ))
            .with(evidence("code_challenge_method", Some(m), "must be S256")),
            (Some(c), Some(_)) if !is_s256_challenge(c) => Outcome::warn(
                "code_challenge_method is S256 but the challenge is not 43 base64url characters",
            )
            .with(evidence(
                "code_challenge",
                Some(c),
                "an S256 challenge is 43 base64url characters",
            )),
            (Some(c), Some(m)) => Outcome::pass("PKCE with S256")
                .with(evidence("code_challenge_method", Some(m), "S256"))
                .with(evidence(
                    "code_challenge",
                    Some(c),
                    "43 base64url characters",
                )),
        }
    }
}

fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, GOOD_CHALLENGE};
    use crate::{Profile, Status};

    fn status_with(edit: impl Fn(&str) -> String) -> Status {
        let trace = good_flow().build();
        let url = trace.exchanges[4].url.clone();
        let trace = good_flow().replace_in_urls(&url, &edit(&url)).build();
        run_rule(&OauthPkceS256, &trace, &Profile::default()).status
    }

    #[test]
    fn passes_with_s256() {
        assert_eq!(status_with(|u| u.to_string()), Status::Pass);
    }

    #[test]
    fn fails_without_pkce_or_with_plain() {
        let no_pkce = |u: &str| {
            u.replace(
                &format!("&code_challenge={GOOD_CHALLENGE}&code_challenge_method=S256"),
                "",
            )
        };
        assert_eq!(status_with(no_pkce), Status::Fail);
        assert_eq!(
            status_with(|u| u.replace("method=S256", "method=plain")),
            Status::Fail
        );
        assert_eq!(
            status_with(|u| u.replace("&code_challenge_method=S256", "")),
            Status::Fail
        );
    }

    #[test]
    fn warns_on_a_malformed_challenge() {
        assert_eq!(
            status_with(|u| u.replace(GOOD_CHALLENGE, "short")),
            Status::Warn
        );
    }
}
