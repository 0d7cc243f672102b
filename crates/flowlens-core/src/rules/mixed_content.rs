use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::{host_of, scheme_of};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// No page of the flow (login, consent, your login endpoint, the client callback) loads
    /// a subresource over plain http: no image, script, stylesheet, font or fetch with an
    /// `http://` URL whose `Referer` (or initiator) is an https page. Loopback addresses are
    /// exempt (browsers treat them as secure). Requests the browser blocked still count:
    /// the page asked for them.
    ///
    /// ## Why it matters
    /// An http resource on an https page can be read and replaced by anyone on the network
    /// path. A replaced script or stylesheet can rewrite the login form or the consent
    /// buttons; browsers block active mixed content, so the page also breaks for users. RFC
    /// 9700 and OAuth 2.1 require all authorization-server and client pages to use https.
    ///
    /// ## How to fix
    /// Change the http URLs in the page to https (or to relative URLs) and serve the
    /// resources from hosts that support https. For the hosted pages, check the logo and
    /// background URLs you entered in Dashboard > Customization > Branding and any custom
    /// CSS. Add `Content-Security-Policy: upgrade-insecure-requests` to your own login page
    /// as a safety net.
    pub struct MixedContent {
        id: "mixed-content",
        section: CoreAuthFlows,
        title: "No http resources on https pages",
    }
}

impl Rule for MixedContent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let mut subresources = 0usize;
        for (hop, ex) in cx.hops(Role::Subresource) {
            subresources += 1;
            if scheme_of(&ex.url).as_deref() != Some("http") {
                continue;
            }
            if host_of(&ex.url).is_some_and(|h| vendor::is_loopback(&h)) {
                continue;
            }
            let referrer = ex
                .request_header("referer")
                .or(ex.initiator.as_deref())
                .unwrap_or_default();
            if scheme_of(referrer).as_deref() != Some("https") {
                continue;
            }
            let blocked = ex.response.is_none() || ex.error.is_some();
            findings.fail(
                format!(
                    "an https page loads {} over http",
                    visible(crate::params::url_without_query(&ex.url), 200)
                ),
                Evidence::hop(
                    hop,
                    &ex.url,
                    if blocked {
                        "http subresource (blocked by the browser)"
                    } else {
                        "http subresource"
                    },
                )
                .field(
                    "Referer",
                    Some(&visible(&crate::redact::mask_url(referrer), 300)),
                ),
            );
        }
        if subresources > 0 && !findings.has_problems() {
            findings.pass(
                "every subresource of the flow's pages is https",
                Evidence::note(format!("{subresources} subresources, none over http")),
            );
        }
        findings.outcome_with_gaps(
            "no http resources on the flow's https pages",
            "the trace shows no subresources of the flow's pages (some captures keep only page loads)",
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule};
    use crate::trace::ResourceType;
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&MixedContent, trace, &Profile::default())
    }

    #[test]
    fn passes_when_every_subresource_is_https() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
    }

    #[test]
    fn fails_on_an_http_subresource_of_an_https_page() {
        let trace = good_flow_with_pages()
            .resource(
                ResourceType::Script,
                "http://cdn.acme.test/tracker.js",
                "https://auth.acme.test/oauth/consent?id=c1",
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("http://cdn.acme.test/tracker.js"));
        let loopback = good_flow_with_pages()
            .resource(
                ResourceType::Fetch,
                "http://127.0.0.1:8090/ping",
                "https://auth.acme.test/",
            )
            .build();
        assert_eq!(run(&loopback).status, Status::Pass);
    }

    #[test]
    fn is_not_observed_without_subresources() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
