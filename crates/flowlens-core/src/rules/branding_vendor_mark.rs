use crate::check::Outcome;
use crate::declare_rule;
use crate::rules::branding::{branded_pages, NO_CONSENT_PAGE};
use crate::rules::context::MAX_HTML_SCAN;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor;

/// "Powered by" texts looked at per page.
const MAX_TEXTS: usize = 50;

declare_rule! {
    /// ## What it checks
    /// Whether the consent page (and a login page hosted on the authorization server) shows
    /// the vendor's footer ("Powered by Scalekit"). Present is a warning, absent a pass. The
    /// extension reports the visible footer texts; for a HAR file the check looks for the
    /// phrase followed by the vendor's name in the page's HTML.
    ///
    /// ## Why it matters
    /// The footer tells users that a company they have never heard of sits between them and
    /// your product, on the very screen where you ask for their trust. It is not a security
    /// problem, which is why this is a warning, but it undoes part of the custom domain and
    /// branding work.
    ///
    /// ## How to fix
    /// Removing the "Powered by Scalekit" footer is part of Scalekit's "Customization Pro"
    /// add-on (together with the custom domain and email templates). Ask Scalekit to enable
    /// it for your production environment, then check the consent and login pages again in
    /// an incognito window.
    pub struct BrandingVendorMark {
        id: "branding-vendor-mark",
        section: ConsentScreenBranding,
        title: "No vendor footer on the consent page",
    }
}

impl Rule for BrandingVendorMark {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for page in branded_pages(cx) {
            let label = &page.label;
            let Some(seen) = page.seen(cx) else {
                page.unseen(&mut findings);
                continue;
            };
            let mark = seen
                .facts
                .powered_by
                .iter()
                .take(MAX_TEXTS)
                .find(|t| vendor::is_vendor_mark_text(t));
            let from = if seen.from_html {
                "the page's HTML"
            } else {
                "the page snapshot"
            };
            match mark {
                Some(text) => findings.warn(
                    format!("the {label} shows the vendor footer"),
                    page.evidence(format!("vendor footer in {from}"))
                        .field("footer", Some(&visible(text, 120))),
                ),
                None if seen.from_html && seen.partial() => findings.gap(
                    format!("the HTML of the {label} was not read to the end (cut by the capture, longer than {} KB, or built by scripts)", MAX_HTML_SCAN / 1024),
                    page.evidence("no vendor footer in the part of the HTML read"),
                ),
                None => findings.pass(
                    format!("the {label} shows no vendor footer"),
                    page.evidence(format!("no vendor footer in {from}")),
                ),
            }
        }
        findings.outcome_with_gaps(
            "no vendor footer on the consent page",
            NO_CONSENT_PAGE,
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, CONSENT_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&BrandingVendorMark, trace, &Profile::default())
    }

    #[test]
    fn passes_without_footer_and_warns_with_it() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
        let marked = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.powered_by = vec!["Powered by Scalekit".into()])
            .build();
        let outcome = run(&marked);
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.evidence[0].value.as_deref(),
            Some("Powered by Scalekit")
        );
    }

    #[test]
    fn reads_the_html_without_a_snapshot() {
        let with_html = |html: &'static str| {
            good_flow()
                .edit_exchange(CONSENT_HOP, move |ex| {
                    ex.response.as_mut().expect("response").body = Some(crate::trace::Body {
                        mime_type: "text/html".into(),
                        text: html.into(),
                        truncated: false,
                    })
                })
                .build()
        };
        assert_eq!(
            run(&with_html("<footer>Powered by <b>scalekit</b></footer>")).status,
            Status::Warn
        );
        assert_eq!(
            run(&with_html("<footer>Acme Inc.</footer>")).status,
            Status::Pass
        );
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
