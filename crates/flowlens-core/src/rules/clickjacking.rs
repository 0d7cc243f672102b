use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::chain::page_label;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

declare_rule! {
    /// ## What it checks
    /// The login and consent pages of the flow (the authorization server's, and your own
    /// login endpoint in bring your own auth) forbid being framed by other sites: a
    /// `Content-Security-Policy` with a `frame-ancestors` directive that does not allow any
    /// site (`'none'`, `'self'` or a list of your origins), or `X-Frame-Options: DENY` or
    /// `SAMEORIGIN`. `frame-ancestors *`, scheme-only sources (`https:`) and the obsolete
    /// `ALLOW-FROM` do not count. `Content-Security-Policy-Report-Only` does not count either.
    ///
    /// ## Why it matters
    /// A page that can be framed can be overlaid by an attacker's page that tricks the user
    /// into clicking "Allow" or submitting their credentials (clickjacking). RFC 9700 §4.16
    /// says the authorization server MUST prevent it on its login and consent pages, and the
    /// MCP security best practices ask for it on consent pages explicitly.
    ///
    /// ## How to fix
    /// For your own login endpoint (bring your own auth), send
    /// `Content-Security-Policy: frame-ancestors 'none'` (and `X-Frame-Options: DENY` for old
    /// browsers) from your web server or framework (helmet for Express, `SecurityMiddleware`
    /// in Django, `frame_options` in Rails). For Scalekit-hosted pages, report the missing
    /// header to Scalekit support with the evidence below; a proxy in front of the custom
    /// domain must not strip it.
    pub struct Clickjacking {
        id: "clickjacking",
        section: CoreAuthFlows,
        title: "Login and consent pages cannot be framed",
    }
}

impl Rule for Clickjacking {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for (hop, role, ex) in cx.all_hops() {
            let judged = matches!(role, Role::LoginPage | Role::ConsentPage | Role::ByoaLogin)
                && !matches!(ex.status(), Some(300..=399));
            if judged {
                judge_page(hop, role, ex, &mut findings);
            }
        }
        findings.outcome_with_gaps(
            "the login and consent pages forbid framing",
            "no login or consent page was observed in this flow",
            false,
        )
    }
}

fn judge_page(hop: usize, role: Role, ex: &Exchange, findings: &mut Findings) {
    let label = page_label(role, &ex.url);
    let Some(response) = &ex.response else {
        findings.gap(
            format!("the {label} got no response in the trace"),
            Evidence::hop(hop, &ex.url, "no response"),
        );
        return;
    };
    if response.headers.is_empty() {
        findings.gap(
            format!("the response headers of the {label} were not captured"),
            Evidence::hop(hop, &ex.url, "no response headers in the trace"),
        );
        return;
    }
    let csp: Vec<&str> = ex.response_headers("content-security-policy").collect();
    let ancestors = csp.iter().find_map(|policy| frame_ancestors(policy));
    let xfo = ex.response_header("x-frame-options");
    let xfo_ok = xfo.is_some_and(|v| {
        let v = v.trim();
        v.eq_ignore_ascii_case("deny") || v.eq_ignore_ascii_case("sameorigin")
    });
    // Browsers that know frame-ancestors ignore X-Frame-Options when both are present.
    match (ancestors, xfo) {
        (Some(sources), _) if allows_any_site(sources) => findings.fail(
            format!(
                "the {label} allows any site to frame it (frame-ancestors {})",
                visible(sources, 60)
            ),
            Evidence::hop(
                hop,
                &ex.url,
                "frame-ancestors allows any site (X-Frame-Options is then ignored)",
            )
            .field("frame-ancestors", Some(&visible(sources, 200))),
        ),
        (Some(sources), _) => findings.pass(
            format!("the {label} sets frame-ancestors"),
            Evidence::hop(hop, &ex.url, "CSP frame-ancestors")
                .field("frame-ancestors", Some(&visible(sources, 200))),
        ),
        (None, Some(v)) if xfo_ok => findings.pass(
            format!("the {label} sends X-Frame-Options"),
            Evidence::hop(hop, &ex.url, "X-Frame-Options")
                .field("X-Frame-Options", Some(&visible(v, 100))),
        ),
        (None, Some(v)) => findings.fail(
            format!(
                "the {label} sends an X-Frame-Options browsers ignore ({})",
                visible(v, 60)
            ),
            Evidence::hop(hop, &ex.url, "only DENY and SAMEORIGIN are honoured")
                .field("X-Frame-Options", Some(&visible(v, 100))),
        ),
        (None, None) => findings.fail(
            format!(
                "the {label} can be framed by any site (no frame-ancestors, no X-Frame-Options)"
            ),
            Evidence::hop(hop, &ex.url, "no anti-framing header").field("X-Frame-Options", None),
        ),
    }
}

/// The source list of the `frame-ancestors` directive of a policy.
fn frame_ancestors(policy: &str) -> Option<&str> {
    policy.split(';').find_map(|directive| {
        let directive = directive.trim();
        let (name, rest) = directive
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((directive, ""));
        name.eq_ignore_ascii_case("frame-ancestors")
            .then(|| rest.trim())
    })
}

/// `*`, or a bare scheme (`https:`), lets every site frame the page. An empty source list
/// means `'none'`.
fn allows_any_site(sources: &str) -> bool {
    sources
        .split_ascii_whitespace()
        .any(|s| s == "*" || s.eq_ignore_ascii_case("https:") || s.eq_ignore_ascii_case("http:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, BYOA_LOGIN_HOP, CONSENT_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&Clickjacking, trace, &Profile::default())
    }

    #[test]
    fn passes_with_frame_ancestors_or_x_frame_options() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
        let xfo_only = good_flow_with_pages()
            .without_response_header(CONSENT_HOP, "Content-Security-Policy")
            .with_response_header(CONSENT_HOP, "X-Frame-Options", " sameorigin ")
            .build();
        assert_eq!(run(&xfo_only).status, Status::Pass);
        let csp_only = good_flow_with_pages()
            .without_response_header(BYOA_LOGIN_HOP, "X-Frame-Options")
            .with_response_header(
                BYOA_LOGIN_HOP,
                "Content-Security-Policy",
                "frame-ancestors 'self' https://app.acme.test",
            )
            .build();
        assert_eq!(run(&csp_only).status, Status::Pass);
    }

    #[test]
    fn fails_when_a_page_can_be_framed() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.evidence.len(),
            2,
            "login and consent pages: {outcome:?}"
        );
        let star = good_flow_with_pages()
            .without_response_header(CONSENT_HOP, "X-Frame-Options")
            .with_response_header(
                CONSENT_HOP,
                "Content-Security-Policy",
                "default-src 'self'; frame-ancestors *",
            )
            .build();
        assert_eq!(run(&star).status, Status::Fail);
        let star_with_xfo = good_flow_with_pages()
            .with_response_header(
                CONSENT_HOP,
                "Content-Security-Policy",
                "frame-ancestors https:",
            )
            .build();
        assert_eq!(run(&star_with_xfo).status, Status::Fail);
        let allow_from = good_flow_with_pages()
            .without_response_header(BYOA_LOGIN_HOP, "X-Frame-Options")
            .with_response_header(
                BYOA_LOGIN_HOP,
                "X-Frame-Options",
                "ALLOW-FROM https://evil.test",
            )
            .build();
        assert_eq!(run(&allow_from).status, Status::Fail);
        let report_only = good_flow_with_pages()
            .without_response_header(CONSENT_HOP, "X-Frame-Options")
            .without_response_header(CONSENT_HOP, "Content-Security-Policy")
            .with_response_header(
                CONSENT_HOP,
                "Content-Security-Policy-Report-Only",
                "frame-ancestors 'none'",
            )
            .build();
        assert_eq!(run(&report_only).status, Status::Fail);
    }

    #[test]
    fn is_not_observed_without_pages_or_headers() {
        let trace = good_flow()
            .edit(|t| {
                for i in [BYOA_LOGIN_HOP, CONSENT_HOP] {
                    if let Some(r) = &mut t.exchanges[i].response {
                        r.headers.clear();
                    }
                }
            })
            .build();
        assert_eq!(run(&trace).status, Status::NotObserved);
        let trace = good_flow().edit(|t| t.exchanges.truncate(5)).build();
        assert_eq!(run(&trace).status, Status::NotObserved);
    }
}
