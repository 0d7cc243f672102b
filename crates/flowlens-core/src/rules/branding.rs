//! The pages the branding settings control, and what the trace shows of each.
//!
//! Shared by `branding-logo`, `branding-favicon`, `branding-colors` and
//! `branding-vendor-mark`, so that all of them judge the same pages and say the same thing
//! when the trace shows nothing of a page.

use crate::check::Evidence;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::chain::page_label;
use crate::rules::context::SeenPage;
use crate::rules::findings::Findings;
use crate::rules::Context;
use crate::trace::Exchange;

/// The `not-observed` summary of a branding rule on a flow without such a page.
pub(crate) const NO_CONSENT_PAGE: &str = "no consent page was observed in this flow";

/// A page whose look the branding settings control.
pub(crate) struct BrandedPage<'a> {
    pub hop: usize,
    pub exchange: &'a Exchange,
    /// How summaries name the page: "consent page on auth.acme.test".
    pub label: String,
}

/// The consent pages and the vendor-hosted login pages (on the authorization request's
/// host), in trace order. Redirects and failed loads are left out.
pub(crate) fn branded_pages<'a>(cx: &Context<'a>) -> Vec<BrandedPage<'a>> {
    let auth_host = cx.auth_host();
    cx.all_hops()
        .filter(|(_, role, ex)| match role {
            Role::ConsentPage => true,
            Role::LoginPage => auth_host.is_some() && host_of(&ex.url) == auth_host,
            _ => false,
        })
        .filter(|(_, _, ex)| !matches!(ex.status(), Some(300..=399)))
        .map(|(hop, role, exchange)| BrandedPage {
            hop,
            exchange,
            label: page_label(role, &exchange.url),
        })
        .collect()
}

impl<'a> BrandedPage<'a> {
    /// Evidence pointing at the page.
    pub(crate) fn evidence(&self, note: impl Into<String>) -> Evidence {
        Evidence::hop(self.hop, &self.exchange.url, note)
    }

    /// What the page showed: its snapshot, else its facts read from its HTML.
    pub(crate) fn seen(&self, cx: &Context<'a>) -> Option<SeenPage<'a>> {
        cx.page(self.hop)
    }

    /// Records that the trace shows nothing of the page to judge.
    pub(crate) fn unseen(&self, findings: &mut Findings) {
        findings.gap(
            format!(
                "the {} has no page snapshot and no HTML in the trace",
                self.label
            ),
            self.evidence("record with the extension to capture page facts"),
        );
    }
}
