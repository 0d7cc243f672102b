use crate::check::Outcome;
use crate::declare_rule;
use crate::params::scheme_of;
use crate::rules::branding::{branded_pages, BrandedPage, NO_CONSENT_PAGE};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor;

/// Favicon links looked at per page.
const MAX_LINKS: usize = 50;

declare_rule! {
    /// ## What it checks
    /// The consent page (and a login page hosted on the authorization server) declares a
    /// favicon (`<link rel="icon">`), the icon loads, and it is not the vendor's default
    /// icon. A page that declares none gets the browser's implicit `/favicon.ico`, which on a
    /// vendor-hosted page is the vendor's. Without a page snapshot (HAR files) the check reads
    /// the `<link>` elements of the page's HTML and the icon's request in the trace.
    ///
    /// ## Why it matters
    /// The favicon is what users see in the browser tab and in the tab switcher while they
    /// decide whether to approve access. The vendor's icon there says "someone else's site"
    /// at the moment you ask for trust; a broken icon looks unfinished.
    ///
    /// ## How to fix
    /// In the Scalekit Dashboard go to Customization > Branding and set a favicon (on the
    /// Consent Screen and Login tabs). Use a square PNG, ICO or SVG served over https, then
    /// open the consent page in an incognito window and check the tab icon.
    pub struct BrandingFavicon {
        id: "branding-favicon",
        section: ConsentScreenBranding,
        title: "Favicon on the consent page",
    }
}

impl Rule for BrandingFavicon {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for page in branded_pages(cx) {
            judge_page(cx, &page, &mut findings);
        }
        findings.outcome_with_gaps(
            "the consent page declares a favicon of your own that loads",
            NO_CONSENT_PAGE,
            false,
        )
    }
}

struct Icon {
    href: String,
    loaded: Option<bool>,
}

fn judge_page(cx: &Context<'_>, page: &BrandedPage<'_>, findings: &mut Findings) {
    let label = &page.label;
    let Some(seen) = page.seen(cx) else {
        page.unseen(findings);
        return;
    };
    let facts = seen.facts;
    let declared = facts
        .favicons
        .iter()
        .take(MAX_LINKS)
        .find(|f| !f.implicit && f.rel.to_ascii_lowercase().contains("icon"));
    let icon = match declared {
        Some(f) => Icon {
            href: f.href.clone(),
            loaded: f.loaded,
        },
        None if facts.truncated && facts.favicons.is_empty() => {
            findings.gap(
                format!("the {label} was not read to the end (the snapshot or the HTML was cut) and lists no favicon in the part read"),
                page.evidence("page facts cut short").field("favicon", None),
            );
            return;
        }
        None => {
            let implicit = facts.favicons.iter().find(|f| f.implicit);
            let note = match implicit {
                Some(f) => format!(
                    "no <link rel=icon>: the browser falls back to {}",
                    visible(&f.href, 200)
                ),
                None => "no <link rel=icon> on the page".to_string(),
            };
            findings.fail(
                format!("the {label} declares no favicon"),
                page.evidence(note).field("favicon", None),
            );
            return;
        }
    };

    let shown = visible(&icon.href, 200);
    let evidence = |note: &str| page.evidence(note).field("favicon", Some(&shown));
    if vendor::is_default_brand_asset(&icon.href, None) {
        findings.fail(
            format!("the {label} uses the vendor's default favicon"),
            evidence("vendor default icon"),
        );
        return;
    }
    if scheme_of(&icon.href).as_deref() == Some("http") {
        findings.fail(
            format!("the favicon of the {label} is served over http"),
            evidence("http icon on an https page: mixed content"),
        );
        return;
    }
    let from_trace = cx.load_result(&icon.href);
    match icon.loaded.or(from_trace.map(|(_, ok)| ok)) {
        Some(false) => findings.fail(
            format!("the favicon of the {label} does not load"),
            evidence("the icon did not load"),
        ),
        Some(true) => findings.pass(
            format!("the {label} declares a favicon"),
            evidence("icon loaded"),
        ),
        None => findings.pass(
            format!("the {label} declares a favicon"),
            evidence("icon declared; whether it loaded is not known"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, CONSENT_HOP};
    use crate::trace::FaviconLink;
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&BrandingFavicon, trace, &Profile::default())
    }

    #[test]
    fn passes_with_a_declared_custom_favicon() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
    }

    #[test]
    fn fails_without_a_declared_favicon_or_with_the_vendor_one() {
        let implicit = good_flow_with_pages()
            .edit_consent_snapshot(|p| {
                p.favicons = vec![FaviconLink {
                    href: "https://auth.acme.test/favicon.ico".into(),
                    rel: "icon".into(),
                    loaded: Some(true),
                    implicit: true,
                }]
            })
            .build();
        let outcome = run(&implicit);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.evidence[0].note.contains("falls back"));
        let vendor = good_flow_with_pages()
            .edit_consent_snapshot(|p| {
                p.favicons[0].href = "https://cdn.scalekit.com/scalekit-favicon.png".into()
            })
            .build();
        assert_eq!(run(&vendor).status, Status::Fail);
        let broken = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.favicons[0].loaded = Some(false))
            .build();
        assert_eq!(run(&broken).status, Status::Fail);
    }

    #[test]
    fn reads_the_html_without_a_snapshot() {
        let with_html = |html: &str| {
            let html = html.to_string();
            good_flow()
                .edit_exchange(CONSENT_HOP, move |ex| {
                    ex.response.as_mut().expect("response").body = Some(crate::trace::Body {
                        mime_type: "text/html".into(),
                        text: html,
                        truncated: false,
                    })
                })
                .build()
        };
        assert_eq!(
            run(&with_html(r#"<link rel="icon" href="/brand/acme.png">"#)).status,
            Status::Pass
        );
        assert_eq!(
            run(&with_html("<title>Authorize</title>")).status,
            Status::Fail
        );
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
