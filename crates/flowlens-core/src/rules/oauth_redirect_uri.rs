use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::{host_of, scheme_of, url_without_query, UrlParams};
use crate::rules::authorize_param::AuthorizeParam;
use crate::rules::findings::Findings;
use crate::rules::flow_urls::{flow_urls, UrlSource};
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// The authorization request names its `redirect_uri` once, and the authorization response
    /// arrives at exactly that URI (same scheme, host, port and path). The URI must be https,
    /// http on a loopback host (`localhost`, `127.0.0.1`, `[::1]`) for a client on the user's
    /// machine, or a private-use scheme of a native app (`cursor://…`), and must have no
    /// fragment. When the profile lists `redirect_uris`, the requested one must be one of them
    /// exactly (only the port of a loopback URI may differ). Without `redirect_uri` the check
    /// warns, because the server then uses the registered one.
    ///
    /// ## Why it matters
    /// The authorization code travels to the redirect URI: a URI on plain http, on an
    /// unexpected host or with a loose match hands the code to whoever controls it. OAuth 2.1
    /// requires exact matching against registered URIs (except the port of loopback URIs),
    /// https except on loopback, and no fragment. A response that lands elsewhere than the
    /// requested URI means the server matched loosely or used another registered URI, and the
    /// client never receives its code.
    ///
    /// ## How to fix
    /// Register the exact redirect URIs your clients use and send one of them, unchanged, in
    /// every authorization request. Use https for web clients, `http://127.0.0.1:<port>/…` or
    /// `http://localhost:<port>/…` for local clients, and a private-use scheme only for
    /// native apps. Drop any `#fragment`. If the response went elsewhere, compare the URI the
    /// client sends with the registered ones (a trailing slash, a port or a path prefix is
    /// enough to differ).
    pub struct OauthRedirectUri {
        id: "oauth-redirect-uri",
        section: CoreAuthFlows,
        title: "Redirect URI: exact, safe, honoured",
        fixed_in: [ClientApp],
    }
}

impl Rule for OauthRedirectUri {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let param = match AuthorizeParam::of(cx, "redirect_uri") {
            Ok(param) => param,
            Err(not_observed) => return not_observed,
        };
        let values = param.values();
        let Some(requested) = values.first().copied() else {
            return Outcome::warn(
                "redirect_uri not sent; the server falls back to the registered one",
            )
            .with(param.evidence("authorization request", None));
        };
        // Shown in summaries, which are not redacted like evidence is.
        let shown = crate::redact::mask_url(requested);
        let mut findings = Findings::new();
        if values.len() > 1 {
            findings.fail(
                format!("redirect_uri is sent {} times", values.len()),
                param.evidence("more than one redirect_uri", Some(&values.join(" "))),
            );
        }
        let mut kind = "https";
        match scheme_of(requested).as_deref() {
            None => findings.fail(
                format!("redirect_uri {shown} is not an absolute URI"),
                param.evidence("not an absolute URI", Some(requested)),
            ),
            Some("https") => {}
            Some("http") if host_of(requested).is_some_and(|h| vendor::is_loopback(&h)) => {
                kind = "loopback http"
            }
            Some("http") => findings.fail(
                format!("redirect_uri {shown} is plain http on a non-loopback host"),
                param.evidence("plain http", Some(requested)),
            ),
            Some(_) => kind = "a native app's private-use scheme",
        }
        if requested.contains('#') {
            findings.fail(
                format!("redirect_uri {shown} has a fragment"),
                param.evidence("a redirect URI must not have a fragment", Some(requested)),
            );
        }
        findings
            .evidence(param.evidence(&format!("requested redirect URI ({kind})"), Some(requested)));

        let expected = &cx.profile.redirect_uris;
        if !expected.is_empty() && !expected.iter().any(|e| same_redirect_uri(e, requested)) {
            findings.fail(
                format!(
                    "redirect_uri {shown} is not one of the expected {}",
                    expected.join(", ")
                ),
                param.evidence("not in the profile's redirect_uris", Some(requested)),
            );
        }

        let sent_state = cx
            .authorize_params()
            .and_then(|p| p.query.get("state").map(str::to_string));
        match cx.end() {
            Some(end) if url_without_query(&end.url) == url_without_query(requested) => findings
                .evidence(Evidence::hop(
                    end.exchange,
                    &end.url,
                    "the authorization response arrives at the requested URI",
                )),
            Some(end) => findings.fail(
                format!(
                    "the flow ended at {} instead of the requested {shown}",
                    url_without_query(&end.url)
                ),
                Evidence::hop(
                    end.exchange,
                    &end.url,
                    "where the authorization response arrived",
                ),
            ),
            None => match misdirected_response(cx, requested, sent_state.as_deref()) {
                Some((url, evidence)) => findings.fail(
                    format!(
                        "the authorization response went to {} instead of the requested {shown}",
                        url_without_query(&url)
                    ),
                    evidence,
                ),
                None => findings.warn(
                    "callback not observed: where the authorization response goes was not checked",
                    param.evidence("the flow never reached this redirect URI", Some(requested)),
                ),
            },
        }
        let pass = match kind {
            "https" => format!("the authorization response arrives at exactly the requested redirect_uri {shown}"),
            _ => format!(
                "the authorization response arrives at exactly the requested redirect_uri {shown} ({kind}, allowed for a client on the user's machine)"
            ),
        };
        findings.outcome(pass)
    }
}

/// Exact match, except the port of a loopback http URI (RFC 8252 §7.3, OAuth 2.1).
fn same_redirect_uri(expected: &str, requested: &str) -> bool {
    let expected = expected.trim();
    if expected == requested {
        return true;
    }
    match (url::Url::parse(expected), url::Url::parse(requested)) {
        (Ok(mut e), Ok(mut r))
            if e.scheme() == "http" && e.host_str().is_some_and(vendor::is_loopback) =>
        {
            let _ = e.set_port(None);
            let _ = r.set_port(None);
            e == r
        }
        _ => false,
    }
}

/// A URL of the flow that carries an authorization response (a `code` or an `error` with
/// the client's `state`; without one, a `code` off the authorization server's host)
/// somewhere other than the requested URI.
fn misdirected_response(
    cx: &Context<'_>,
    requested: &str,
    state: Option<&str>,
) -> Option<(String, Evidence)> {
    let start = cx.authorize()?.0;
    flow_urls(cx)
        .into_iter()
        .filter(|u| u.source != UrlSource::Navigation && u.hop.is_some_and(|h| h >= start))
        .find(|u| {
            let p = UrlParams::of(&u.url);
            let is_response = match state {
                // The client's state only ever comes back in the authorization response.
                Some(state) => p.get("state") == Some(state) && (p.has("code") || p.has("error")),
                None => p.has("code") && host_of(&u.url) != cx.auth_host(),
            };
            is_response
                && !p.query.has("response_type")
                && url_without_query(&u.url) != url_without_query(requested)
        })
        .map(|u| {
            let evidence =
                u.evidence("an authorization response away from the requested redirect URI");
            (u.url, evidence)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace, profile: &Profile) -> Outcome {
        run_rule(&OauthRedirectUri, trace, profile)
    }

    fn expecting(uris: &[&str]) -> Profile {
        Profile {
            redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn passes_when_the_response_arrives_at_the_requested_uri() {
        let outcome = run(&good_flow().build(), &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the authorization response arrives at exactly the requested redirect_uri https://app.acme.test/callback"
        );
        let listed = run(
            &good_flow().build(),
            &expecting(&["https://app.acme.test/callback"]),
        );
        assert_eq!(listed.status, Status::Pass);
    }

    #[test]
    fn fails_when_not_in_the_profile_except_for_a_loopback_port() {
        let outcome = run(
            &good_flow().build(),
            &expecting(&["https://app.acme.test/callback/"]),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("is not one of the expected"),
            "{}",
            outcome.summary
        );

        assert!(same_redirect_uri(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:49152/cb"
        ));
        assert!(!same_redirect_uri(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:49152/cb/"
        ));
        assert!(!same_redirect_uri(
            "https://app.test/cb",
            "https://app.test:8443/cb"
        ));
    }

    #[test]
    fn custom_schemes_pass_with_a_note_and_fragments_fail() {
        let desktop = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=cursor%3A%2F%2Fcb&state=s")
            .redirect(302, "cursor://cb?code=abc&state=s")
            .build();
        let outcome = run(&desktop, &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("private-use scheme"));

        let fragment = good_flow()
            .replace_in_urls("%2Fcallback&", "%2Fcallback%23x&")
            .build();
        let outcome = run(&fragment, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("has a fragment"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn fails_when_the_response_goes_elsewhere() {
        let trace = good_flow()
            .replace_in_urls(
                "https://app.acme.test/callback?code",
                "https://app.acme.test/other?code",
            )
            .build();
        let outcome = run(&trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the authorization response went to https://app.acme.test/other instead of the requested https://app.acme.test/callback"
        );
    }

    #[test]
    fn warns_without_redirect_uri_or_callback() {
        let trace = good_flow()
            .replace_in_urls("&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcallback", "")
            .build();
        let outcome = run(&trace, &Profile::default());
        assert_eq!(
            (outcome.status, outcome.summary.as_str()),
            (
                Status::Warn,
                "redirect_uri not sent; the server falls back to the registered one"
            )
        );
        let stopped = good_flow().edit(|t| t.exchanges.truncate(9)).build();
        let outcome = run(&stopped, &Profile::default());
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome.summary.starts_with("callback not observed"));
    }
}
