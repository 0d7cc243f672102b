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
    /// the page asked for them. A request of the flow's time that no page can be tied to (a
    /// HAR without resource types, `Referer` or initiator, as Firefox writes them) is still
    /// judged: none over http is a pass, one over http a warning.
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
        // Requests made while the flow's pages were shown that the reconstruction could not
        // tie to a page (a HAR without resource types, Referer or initiator, as Firefox writes
        // them): a page of the tab made them all the same.
        let mut unattributed = 0usize;
        for i in cx.exchange_window() {
            let ex = cx.exchange(i);
            // A script's fetch of the flow is judged by its role (a client's own requests,
            // made outside any page, are fetches too); what is left are the loads a page made
            // itself, typed or, in a HAR without types, unknown.
            if cx.flow.contains(i)
                || ex.is_document()
                || ex.method.eq_ignore_ascii_case("OPTIONS")
                || ex.resource_type == crate::trace::ResourceType::Fetch
            {
                continue;
            }
            unattributed += 1;
            let http = scheme_of(&ex.url).as_deref() == Some("http")
                && !host_of(&ex.url).is_some_and(|h| vendor::is_loopback(&h));
            // The page the tab showed then: an http page's own http requests are not mixed
            // content (https-everywhere reports the page).
            let shown_https = cx
                .all_hops()
                .filter(|(j, role, _)| *j < i && role.is_page())
                .last()
                .is_none_or(|(_, _, page)| scheme_of(&page.url).as_deref() == Some("https"));
            if http && shown_https {
                findings.warn(
                    format!(
                        "an http request ({}) was made while the flow's pages were shown; the trace does not say which page made it",
                        visible(crate::params::url_without_query(&ex.url), 200)
                    ),
                    Evidence::hop(i, &ex.url, "http request of the flow's tab, page unknown"),
                );
            }
        }
        let seen = subresources + unattributed;
        if seen > 0 && !findings.has_problems() {
            let note = if unattributed == 0 {
                format!("{subresources} subresources, none over http")
            } else {
                format!(
                    "{seen} requests made while the flow's pages were shown ({subresources} tied to a page), none over http"
                )
            };
            findings.pass(
                "every subresource of the flow's pages is https",
                Evidence::note(note),
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
    fn settles_without_resource_types_when_nothing_is_http() {
        // Firefox's HAR: no resource types, no Referer (the pages send no-referrer).
        let firefox = |url: &'static str| {
            good_flow()
                .resource(ResourceType::Image, url, "https://auth.acme.test/")
                .edit(|t| {
                    for ex in &mut t.exchanges {
                        if ex.resource_type == ResourceType::Document {
                            ex.request_headers.push(crate::trace::Header::new(
                                "Accept",
                                "text/html,application/xhtml+xml",
                            ));
                        }
                        ex.resource_type = ResourceType::Unknown;
                        ex.request_headers
                            .retain(|h| !h.name.eq_ignore_ascii_case("referer"));
                    }
                    // The image loaded while the consent page was shown.
                    let mut image = t.exchanges.pop().expect("the image");
                    image.time_ms = t.exchanges[8].time_ms + 10.0;
                    t.exchanges.insert(9, image);
                })
                .build()
        };
        let outcome = run(&firefox("https://cdn.acme.test/logo.png"));
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            run(&firefox("http://cdn.acme.test/logo.png")).status,
            Status::Warn
        );
        // An http page's own http request (Firefox's favicon of an http login page) is not
        // mixed content.
        let http_page = good_flow()
            .replace_in_urls("https://login.acme.test", "http://login.acme.test")
            .resource(
                ResourceType::Image,
                "http://login.acme.test/favicon.ico",
                "",
            )
            .edit(|t| {
                let mut icon = t.exchanges.pop().expect("the icon");
                icon.request_headers.clear();
                icon.resource_type = ResourceType::Unknown;
                icon.time_ms = t.exchanges[5].time_ms + 10.0;
                t.exchanges.insert(6, icon);
            })
            .build();
        let outcome = run(&http_page);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn is_not_observed_without_subresources() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
