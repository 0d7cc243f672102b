use crate::check::Outcome;
use crate::declare_rule;
use crate::page::choose;
use crate::params::scheme_of;
use crate::rules::branding::{branded_pages, BrandedPage, NO_CONSENT_PAGE};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// The consent page (and a login page hosted on the authorization server) shows a logo
    /// that loaded (not a broken image), is served over https (or inline), and is not the
    /// vendor's default mark. The logo is the image whose `alt`, `id`, `class` or file name
    /// says "logo" or "brand", else the first image of the page's header; the extension reads
    /// the images of the rendered page, a HAR file those of the page's HTML (whether it loaded
    /// then comes from the image request in the trace). A page whose HTML is a shell built by
    /// scripts is not observed rather than judged.
    ///
    /// ## Why it matters
    /// The consent page asks users to hand an MCP client access to their data. A page with
    /// your logo tells them who is asking; the vendor's mark or a broken image makes a
    /// legitimate request look like phishing and costs you consents. An http logo on an
    /// https page is blocked or flagged as mixed content by browsers.
    ///
    /// ## How to fix
    /// In the Scalekit Dashboard go to Customization > Branding, open the Consent Screen tab
    /// (and the Login tab for the hosted login page) and upload your logo; the MCP server's
    /// own logo (`logo_uri`) is set in Dashboard > MCP Servers. Use an https URL or an
    /// uploaded file, check that it loads in an incognito window, and reload the consent
    /// page to confirm the vendor mark is gone.
    pub struct BrandingLogo {
        id: "branding-logo",
        section: ConsentScreenBranding,
        title: "Logo on the consent page",
    }
}

impl Rule for BrandingLogo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for page in branded_pages(cx) {
            judge_page(cx, &page, &mut findings);
        }
        findings.outcome_with_gaps(
            "a logo of your own is shown and loads on the consent page",
            NO_CONSENT_PAGE,
            false,
        )
    }
}

/// A logo found on a page, from the snapshot or the HTML.
struct Logo {
    src: String,
    alt: Option<String>,
    loaded: Option<bool>,
}

fn judge_page(cx: &Context<'_>, page: &BrandedPage<'_>, findings: &mut Findings) {
    let label = &page.label;
    let Some(seen) = page.seen(cx) else {
        page.unseen(findings);
        return;
    };
    let Some(logo) = choose::logo(seen.facts) else {
        if seen.partial() {
            findings.gap(
                format!("the {label} shows no logo in the part of the page the trace has (cut short, or built by scripts: the extension's page snapshot sees the rendered page)"),
                page.evidence("no logo image in the page facts").field("logo", None),
            );
        } else {
            findings.fail(
                format!("the {label} shows no logo"),
                page.evidence("no image marked as a logo (alt, id, class or file name) and none in the page's header")
                    .field("logo", None),
            );
        }
        return;
    };
    judge_logo(
        cx,
        page,
        Logo {
            src: logo.src,
            alt: logo.alt,
            loaded: logo.loaded,
        },
        findings,
    );
}

fn judge_logo(cx: &Context<'_>, page: &BrandedPage<'_>, logo: Logo, findings: &mut Findings) {
    let label = &page.label;
    let shown = visible(&logo.src, 200);
    let evidence = |note: &str| page.evidence(note).field("logo", Some(&shown));
    if logo.src.trim().is_empty() {
        findings.fail(
            format!("the logo on the {label} has no source"),
            evidence("empty src"),
        );
        return;
    }
    let scheme = scheme_of(&logo.src).unwrap_or_default();
    if scheme == "http" {
        findings.fail(
            format!("the logo on the {label} is served over http"),
            evidence("http image on an https page: mixed content"),
        );
        return;
    }
    if vendor::is_default_brand_asset(&logo.src, logo.alt.as_deref()) {
        findings.fail(
            format!("the {label} shows the vendor's default mark, not your logo"),
            evidence("vendor default logo"),
        );
        return;
    }
    let from_trace = cx.load_result(&logo.src);
    let loaded = logo.loaded.or(from_trace.map(|(_, ok)| ok));
    match loaded {
        Some(false) => {
            let mut f = evidence("the image did not load (broken image)");
            if let Some((i, _)) = from_trace {
                f.note = format!("the image did not load (broken image; see hop {i})");
            }
            findings.fail(format!("the logo on the {label} is broken"), f);
        }
        Some(true) => findings.pass(format!("the {label} shows a logo"), evidence("logo loaded")),
        None => findings.pass(
            format!("the {label} shows a logo"),
            evidence("logo present; whether it loaded is not known"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, CONSENT_HOP};
    use crate::trace::{LogoCandidate, ResourceType};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&BrandingLogo, trace, &Profile::default())
    }

    fn with_logo(edit: impl FnOnce(&mut LogoCandidate)) -> crate::Trace {
        good_flow_with_pages()
            .edit_consent_snapshot(|p| edit(&mut p.logos[0]))
            .build()
    }

    #[test]
    fn passes_with_a_loaded_custom_logo() {
        let outcome = run(&good_flow_with_pages().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.evidence[0].hop, Some(CONSENT_HOP));
    }

    #[test]
    fn fails_on_missing_broken_http_or_vendor_logos() {
        let none = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.logos.clear())
            .build();
        assert_eq!(run(&none).status, Status::Fail);
        let broken = with_logo(|l| {
            l.loaded = Some(false);
            l.natural_width = 0;
        });
        assert_eq!(run(&broken).status, Status::Fail);
        let http = with_logo(|l| l.src = "http://cdn.acme.test/logo.png".into());
        assert_eq!(run(&http).status, Status::Fail);
        let vendor = with_logo(|l| l.src = "https://cdn.scalekit.com/v1/scalekit-logo.svg".into());
        let outcome = run(&vendor);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("default mark"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn uses_the_trace_when_the_snapshot_cannot_tell_whether_it_loaded() {
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(|p| {
                p.logos[0].loaded = None;
                p.logos[0].src = "https://cdn.acme.test/brand/missing.svg".into();
            })
            .resource(
                ResourceType::Image,
                "https://cdn.acme.test/brand/missing.svg",
                "https://auth.acme.test/",
            )
            .status(404)
            .build();
        assert_eq!(run(&trace).status, Status::Fail);
    }

    #[test]
    fn falls_back_to_the_html_and_is_not_observed_without_either() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
        let html = good_flow()
            .edit(|t| {
                let r = t.exchanges[CONSENT_HOP].response.as_mut().expect("response");
                r.body = Some(crate::trace::Body {
                    mime_type: "text/html".into(),
                    text: r#"<title>Authorize</title><img class="logo" src="/assets/scalekit-logo.svg">"#.into(),
                    truncated: false,
                });
            })
            .build();
        let outcome = run(&html);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.evidence[0].value.as_deref(),
            Some("https://auth.acme.test/assets/scalekit-logo.svg")
        );
    }

    #[test]
    fn survives_absurd_snapshots() {
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(|p| {
                p.logos = (0..10_000)
                    .map(|i| LogoCandidate {
                        src: format!("https://x.test/{i}\u{202e}.png"),
                        visible: Some(false),
                        ..LogoCandidate::default()
                    })
                    .collect();
                p.title = Some("x".repeat(5 * 1024 * 1024));
                p.image_count = u32::MAX;
            })
            .build();
        assert_eq!(run(&trace).status, Status::Fail);
        let trace =
            with_logo(|l| l.src = format!("https://x.test/\u{202e}gnp.{}", "a".repeat(100_000)));
        let outcome = run(&trace);
        let value = outcome.evidence[0].value.clone().unwrap_or_default();
        assert!(value.len() < 1000 && value.contains("\\u{202e}"), "{value}");
    }
}
