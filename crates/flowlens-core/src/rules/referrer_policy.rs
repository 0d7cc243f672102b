use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::{host_of, UrlParams};
use crate::redact;
use crate::rules::chain::page_label;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;

/// Parameters whose presence in a Referer is a leak.
const LEAKED_PARAMS: &[&str] = &["code", "state", "login_request_id"];

/// Policies that keep the query string away from other origins.
const SAFE_POLICIES: &[&str] = &[
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "origin",
    "origin-when-cross-origin",
];

/// Policies that send the full URL, query included, to other origins.
const UNSAFE_POLICIES: &[&str] = &["unsafe-url", "no-referrer-when-downgrade"];

declare_rule! {
    /// ## What it checks
    /// The pages whose URL carries a code or a state (the authorization request, your login
    /// endpoint in bring your own auth with `login_request_id` and `state`, and the client
    /// callback with `code` and `state`) send a `Referrer-Policy` that keeps the URL from
    /// other origins (`no-referrer`, `same-origin`, `strict-origin`,
    /// `strict-origin-when-cross-origin`...); `unsafe-url` and `no-referrer-when-downgrade`
    /// fail, no header is a warning (the browser default protects, but only by default). A
    /// `<meta name="referrer">` is not visible in a HAR file: only the header is judged. And
    /// no request to another host (image, script, font, fetch) received `code`, `state` or
    /// `login_request_id` in its `Referer` header: that is a leak, and fails with evidence.
    ///
    /// ## Why it matters
    /// A URL with `code`, `state` or `login_request_id` in it is a credential for a few
    /// minutes. Analytics, fonts, or a CDN loaded by that page receive the full URL in the
    /// `Referer` header when the policy allows it, and their logs then hold what is needed to
    /// finish someone else's login. RFC 9700 §4.2 recommends `Referrer-Policy: no-referrer`
    /// and no third-party resources on these pages.
    ///
    /// ## How to fix
    /// Send `Referrer-Policy: no-referrer` (or `strict-origin`) on your login endpoint and
    /// on the client's callback page, and avoid third-party scripts, fonts and images on
    /// them; on the callback, exchange the code and redirect to a clean URL at once. If a
    /// Scalekit-hosted page leaks, send the evidence to Scalekit support.
    pub struct ReferrerPolicy {
        id: "referrer-policy",
        section: CoreAuthFlows,
        title: "Referrer policy on pages with codes and state",
    }
}

impl Rule for ReferrerPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        judge_leaks(cx, &mut findings);
        for (hop, role, ex) in cx.all_hops() {
            if !matches!(
                role,
                Role::Authorize | Role::ByoaLogin | Role::ClientCallback
            ) {
                continue;
            }
            let label = page_label(role, &ex.url);
            let Some(response) = &ex.response else {
                continue; // the callback of a desktop client, or a page that never loaded
            };
            if response.headers.is_empty() {
                findings.gap(
                    format!("the response headers of the {label} were not captured"),
                    Evidence::hop(hop, &ex.url, "no response headers in the trace"),
                );
                continue;
            }
            let header = ex
                .response_headers("referrer-policy")
                .collect::<Vec<_>>()
                .join(", ");
            let evidence = |note: &str| {
                Evidence::hop(hop, &ex.url, note).field(
                    "Referrer-Policy",
                    (!header.is_empty())
                        .then(|| visible(&header, 120))
                        .as_deref(),
                )
            };
            match effective_policy(&header) {
                Some(p) if UNSAFE_POLICIES.contains(&p.as_str()) => findings.fail(
                    format!("the {label} sends Referrer-Policy {p}, which gives its full URL to other sites"),
                    evidence("the URL's code or state goes to every resource the page loads"),
                ),
                Some(p) => findings.pass(
                    format!("the {label} restricts the referrer ({p})"),
                    evidence("restricted"),
                ),
                None => findings.warn(
                    format!("the {label} sends no Referrer-Policy"),
                    evidence("relies on the browser default (strict-origin-when-cross-origin)"),
                ),
            }
        }
        findings.outcome_with_gaps(
            "pages with codes or state restrict the referrer, and nothing leaked",
            "no page carrying a code or state was observed",
            false,
        )
    }
}

/// The policy a browser applies: the last recognised token of the header (comma lists
/// and repeated headers alike).
fn effective_policy(header: &str) -> Option<String> {
    header
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .rfind(|t| SAFE_POLICIES.contains(&t.as_str()) || UNSAFE_POLICIES.contains(&t.as_str()))
}

/// Requests to another host whose Referer carries a code, state or login_request_id.
fn judge_leaks(cx: &Context<'_>, findings: &mut Findings) {
    for i in cx.exchange_window() {
        let ex = cx.exchange(i);
        let role = cx.flow.role_of(i);
        // Page loads of the flow carry these values by design (the next hop needs them).
        if ex.is_document() || role.is_some_and(|r| r.is_page()) {
            continue;
        }
        let Some(referer) = ex.request_header("referer") else {
            continue;
        };
        let params = UrlParams::of(referer).query;
        let leaked: Vec<&str> = LEAKED_PARAMS
            .iter()
            .copied()
            .filter(|p| params.has(p))
            .collect();
        if leaked.is_empty() {
            continue;
        }
        let (Some(to), from) = (host_of(&ex.url), host_of(referer)) else {
            continue;
        };
        if from.as_deref() == Some(to.as_str()) {
            continue;
        }
        findings.fail(
            format!(
                "{} leaked to {to} in a Referer header",
                leaked.join(" and ")
            ),
            Evidence::hop(
                i,
                &ex.url,
                format!(
                    "request to {to} from a page whose URL carries {}",
                    leaked.join(", ")
                ),
            )
            .field("Referer", Some(&visible(&redact::mask_url(referer), 400))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, BYOA_LOGIN_HOP, CALLBACK_HOP};
    use crate::trace::ResourceType;
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&ReferrerPolicy, trace, &Profile::default())
    }

    #[test]
    fn parses_the_effective_policy() {
        assert_eq!(
            effective_policy("no-referrer, unsafe-url").as_deref(),
            Some("unsafe-url")
        );
        assert_eq!(
            effective_policy("unsafe-url, bogus").as_deref(),
            Some("unsafe-url")
        );
        assert_eq!(
            effective_policy(" Strict-Origin ").as_deref(),
            Some("strict-origin")
        );
        assert_eq!(effective_policy("bogus"), None);
        assert_eq!(effective_policy(""), None);
    }

    #[test]
    fn passes_with_restrictive_policies() {
        let outcome = run(&good_flow_with_pages().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn warns_without_a_policy_and_fails_with_an_unsafe_one() {
        assert_eq!(run(&good_flow().build()).status, Status::Warn);
        let unsafe_url = good_flow_with_pages()
            .with_response_header(CALLBACK_HOP, "Referrer-Policy", "unsafe-url")
            .build();
        assert_eq!(run(&unsafe_url).status, Status::Fail);
    }

    #[test]
    fn fails_when_a_third_party_receives_the_state_or_code() {
        let login_url = good_flow().build().exchanges[BYOA_LOGIN_HOP].url.clone();
        let trace = good_flow_with_pages()
            .resource(
                ResourceType::Script,
                "https://analytics.example/t.js",
                &login_url,
            )
            .resource(
                ResourceType::Image,
                "https://pixel.example/p.gif",
                "https://app.acme.test/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=x",
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("analytics.example"),
            "{}",
            outcome.summary
        );
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(
            !json.contains("SplxlOBeZQQYbYS6WxSbIA"),
            "the code must stay masked: {json}"
        );
        assert!(json.contains("lri_42"));
        // Same host: not a leak.
        let same_host = good_flow_with_pages()
            .resource(
                ResourceType::Stylesheet,
                "https://login.acme.test/app.css",
                &login_url,
            )
            .build();
        assert_eq!(run(&same_host).status, Status::Pass);
    }
}
