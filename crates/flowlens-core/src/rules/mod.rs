//! The rule engine: one module per rule, an explicit registry in checklist order.
//!
//! A rule is declared with [`declare_rule!`]: its doc comment is its documentation (the
//! sections `## What it checks`, `## Why it matters`, `## How to fix`), used verbatim by
//! `flowlens explain`, the popup's "how to fix" and the generated `docs/checks.md`. Ids are
//! stable kebab-case codes and part of the report contract: never rename one.

use serde::Serialize;

use crate::check::Outcome;

#[cfg(test)]
mod bad_input;
mod context;
mod fix;

pub use crate::vocab::Section;
pub use context::Context;
pub use fix::{
    label_list as fix_label_list, labels as fix_labels, DashboardSetting, FixKind, FixLocation,
};

// Helpers shared by several rules.
mod authorize_param;
mod branding;
mod byoa;
mod chain;
mod findings;
mod flow_urls;
mod tokens;
mod value_damage;

// One module per rule; REGISTRY gives the checklist order.
mod byoa_callback;
mod byoa_login_endpoint;
mod byoa_state_roundtrip;
mod capture_complete;
mod custom_domain_authorize;
mod custom_domain_pages;
mod env_production;
mod https_everywhere;
mod oauth_authorization_response;
mod oauth_iss;
mod oauth_no_tokens_in_url;
mod oauth_pkce_s256;
mod oauth_redirect_uri;
mod oauth_resource_indicator;
mod oauth_state;
// Issue 4: branding, page security, MCP discovery, network allow-list.
mod branding_app_name;
mod branding_colors;
mod branding_favicon;
mod branding_logo;
mod branding_vendor_mark;
mod byoa_handoff_server_side;
mod byoa_timing;
mod clickjacking;
mod cookies_flags;
mod cors;
mod custom_domain_metadata;
mod hsts;
mod mcp_401_challenge;
mod mcp_discovery;
mod mixed_content;
mod network_allowlist;
mod oauth_consent_shown;
mod oauth_token_exchange;
mod referrer_policy;
// Issue 10: what only a client can test (`flowlens connect`).
mod mcp_authorized_call;
mod mcp_invalid_token;
mod mcp_session_id;
mod oauth_code_replay;
mod oauth_refresh;
mod oauth_token_response;

/// The registry (rules in checklist order) and, beside it, their documentation.
macro_rules! registry {
    ($($module:ident::$rule:ident),+ $(,)?) => {
        static REGISTRY: &[&dyn Rule] = &[$(&$module::$rule),+];
        static DOCS: &[(&str, &str)] = &[$(($module::$rule::META.id, $module::$rule::DOC)),+];
    };
}

// Every rule, in the order the checklist shows them.
registry! {
    // Capture
    capture_complete::CaptureComplete,
    // Production environment
    env_production::EnvProduction,
    https_everywhere::HttpsEverywhere,
    cors::Cors,
    // Custom domain
    custom_domain_authorize::CustomDomainAuthorize,
    custom_domain_pages::CustomDomainPages,
    custom_domain_metadata::CustomDomainMetadata,
    hsts::Hsts,
    // Consent screen branding
    branding_logo::BrandingLogo,
    branding_favicon::BrandingFavicon,
    branding_colors::BrandingColors,
    branding_app_name::BrandingAppName,
    branding_vendor_mark::BrandingVendorMark,
    // Bring your own auth, in the order of the hand-off
    byoa_login_endpoint::ByoaLoginEndpoint,
    byoa_handoff_server_side::ByoaHandoffServerSide,
    byoa_state_roundtrip::ByoaStateRoundtrip,
    byoa_timing::ByoaTiming,
    byoa_callback::ByoaCallback,
    // Core auth flows
    oauth_pkce_s256::OauthPkceS256,
    oauth_state::OauthState,
    oauth_resource_indicator::OauthResourceIndicator,
    oauth_redirect_uri::OauthRedirectUri,
    oauth_authorization_response::OauthAuthorizationResponse,
    oauth_iss::OauthIss,
    oauth_no_tokens_in_url::OauthNoTokensInUrl,
    oauth_consent_shown::OauthConsentShown,
    oauth_token_exchange::OauthTokenExchange,
    oauth_token_response::OauthTokenResponse,
    oauth_code_replay::OauthCodeReplay,
    oauth_refresh::OauthRefresh,
    cookies_flags::CookiesFlags,
    clickjacking::Clickjacking,
    mixed_content::MixedContent,
    referrer_policy::ReferrerPolicy,
    // Enterprise auth
    network_allowlist::NetworkAllowlist,
    // MCP authentication
    mcp_401_challenge::Mcp401Challenge,
    mcp_discovery::McpDiscovery,
    mcp_authorized_call::McpAuthorizedCall,
    mcp_invalid_token::McpInvalidToken,
    mcp_session_id::McpSessionId,
}

/// A checklist rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Judges one flow. Must not panic on any trace: answer `not-observed` when the trace does
    /// not show what the rule needs.
    fn check(&self, cx: &Context<'_>) -> Outcome;
}

/// A rule's identity.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub section: Section,
    /// A short title for the checklist.
    pub title: &'static str,
    /// Where a failure of this rule is fixed, most likely first (never empty).
    pub fixed_in: &'static [FixLocation],
}

/// A rule's documentation: its doc comment (Markdown).
///
/// Kept apart from [`RuleMeta`] (the registry's vtables would otherwise reference every
/// rule's text), so that what shows the checklist without explaining it, the extension's
/// first paint, does not carry the documentation: the popup loads it when a check is opened.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    pub text: &'static str,
}

impl RuleDoc {
    /// The text under a `## heading` of the rule's documentation.
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        doc_section(self.text, heading)
    }

    pub fn what(&self) -> String {
        self.doc_section("What it checks").unwrap_or_default()
    }
    pub fn why(&self) -> String {
        self.doc_section("Why it matters").unwrap_or_default()
    }
    pub fn fix(&self) -> String {
        self.doc_section("How to fix").unwrap_or_default()
    }
}

pub(crate) fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let mut lines = doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l));
    lines.find(|l| l.trim_start_matches('#').trim() == heading && l.starts_with("##"))?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    let text = body.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// All rules in checklist order.
pub fn registry() -> &'static [&'static dyn Rule] {
    REGISTRY
}

/// Every rule's documentation, in checklist order.
pub fn docs() -> impl Iterator<Item = RuleDoc> {
    DOCS.iter().map(|&(id, text)| RuleDoc { id, text })
}

/// The documentation of the rule with this id.
pub fn doc(id: &str) -> Option<RuleDoc> {
    docs().find(|d| d.id == id)
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| r.meta().id == id)
}

/// Declares a rule: a unit struct carrying its doc comment, and its [`RuleMeta`].
///
/// `fixed_in` is required and names at least one [`FixLocation`], most likely first; a
/// dashboard setting is written `ScalekitDashboard(Setting)` ([`DashboardSetting`]).
///
/// ```ignore
/// declare_rule! {
///     /// ## What it checks
///     /// ...
///     pub struct OauthPkceS256 {
///         id: "oauth-pkce-s256",
///         section: CoreAuthFlows,
///         title: "PKCE with S256",
///         fixed_in: [ClientApp],
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            section: $section:ident,
            title: $title:literal,
            fixed_in: [$($place:ident $(($setting:ident))?),+ $(,)?] $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                section: $crate::rules::Section::$section,
                title: $title,
                fixed_in: &[$(
                    $crate::rules::FixLocation::$place
                        $(($crate::rules::DashboardSetting::$setting))?
                ),+],
            };
            /// The doc comment, for [`crate::rules::docs`].
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
        let documented: Vec<&str> = docs().map(|d| d.id).collect();
        assert_eq!(ids, documented, "one doc per rule, in registry order");
        let mut seen = HashSet::new();
        for rule in registry() {
            let meta = rule.meta();
            assert!(seen.insert(meta.id), "duplicate id {}", meta.id);
            assert!(
                meta.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                meta.id
            );
            let doc = doc(meta.id).expect("documented");
            for heading in ["What it checks", "Why it matters", "How to fix"] {
                assert!(
                    doc.doc_section(heading).is_some(),
                    "{} lacks a '## {heading}' section",
                    meta.id
                );
            }
        }
    }

    /// What every rule says about the good flow (`testing::good_flow`): a complete,
    /// well-behaved BYOA flow on a custom domain. A change of behaviour shows up here.
    #[test]
    fn the_good_flow_gives_the_expected_status_for_every_rule() {
        use crate::check::Status::*;
        let expected = [
            ("capture-complete", Pass),
            ("env-production", Pass),
            ("https-everywhere", Pass),
            ("custom-domain-authorize", Pass),
            // Passes on the assumption that auth.acme.test is the custom domain (no profile).
            ("custom-domain-pages", Pass),
            ("byoa-login-endpoint", Pass),
            ("byoa-state-roundtrip", Pass),
            ("byoa-callback", Pass),
            ("oauth-pkce-s256", Pass),
            ("oauth-state", Pass),
            ("oauth-resource-indicator", Pass),
            ("oauth-redirect-uri", Pass),
            ("oauth-authorization-response", Pass),
            ("oauth-iss", Pass),
            ("oauth-no-tokens-in-url", Pass),
            // good_flow() is what a HAR shows: no page snapshots, security headers or cookies.
            // rules/bad_input.rs checks these on good_flow_with_pages(), where all pass.
            ("cors", NotObserved),
            ("custom-domain-metadata", Pass),
            ("hsts", Fail),
            ("branding-logo", NotObserved),
            ("branding-favicon", NotObserved),
            ("branding-colors", NotObserved),
            ("branding-app-name", NotObserved),
            ("branding-vendor-mark", NotObserved),
            ("byoa-handoff-server-side", Pass),
            ("byoa-timing", Pass),
            ("oauth-consent-shown", Pass),
            ("oauth-token-exchange", Pass),
            // The token response has no expires_in.
            ("oauth-token-response", Warn),
            ("oauth-code-replay", NotObserved),
            ("oauth-refresh", NotObserved),
            ("cookies-flags", NotObserved),
            ("clickjacking", Fail),
            ("mixed-content", NotObserved),
            ("referrer-policy", Warn),
            ("network-allowlist", Pass),
            ("mcp-401-challenge", Pass),
            ("mcp-discovery", Pass),
            // A browser flow without the client's authorized calls and active checks.
            ("mcp-authorized-call", NotObserved),
            ("mcp-invalid-token", NotObserved),
            ("mcp-session-id", NotObserved),
        ];
        let trace = crate::testing::good_flow().build();
        let profile = crate::Profile::default();
        let flows = crate::flow::reconstruct(&trace, &profile);
        assert_eq!(flows.len(), 1);
        let cx = Context::new(&trace, &flows[0], &profile);
        let actual: Vec<(&str, crate::Status)> = registry()
            .iter()
            .map(|r| (r.meta().id, r.check(&cx).status))
            .collect();
        for (id, status) in &actual {
            assert!(
                expected.iter().any(|(e, _)| e == id),
                "{id} ({status}) is missing from the expected statuses of the good flow"
            );
        }
        for (id, status) in expected {
            let found = actual.iter().find(|(a, _)| *a == id).map(|(_, s)| *s);
            assert_eq!(found, Some(status), "{id} on the good flow");
        }
    }

    /// Rules answer on any trace: odd URLs, missing responses, duplicated parameters,
    /// relative or custom-scheme redirects, bodies that are not what they claim.
    #[test]
    fn no_rule_panics_on_odd_traces() {
        use crate::testing::{good_flow, TraceBuilder};
        let odd = [
            good_flow().edit(|t| t.exchanges.iter_mut().for_each(|e| e.response = None)).build(),
            good_flow().edit(|t| t.exchanges.iter_mut().for_each(|e| e.url.push_str("&state=x&state=&code=#%zz"))).build(),
            good_flow().replace_in_urls("https://", "").build(),
            good_flow().replace_in_urls("https://auth.acme.test", "https://[::1]:99999").build(),
            good_flow().edit(|t| t.exchanges.truncate(5)).build(),
            good_flow()
                .edit(|t| {
                    for e in &mut t.exchanges {
                        if let Some(b) = e.response.as_mut().and_then(|r| r.body.as_mut()) {
                            b.text = "[1, {\"issuer\": 3}, \"é\"]".into();
                        }
                    }
                })
                .build(),
            TraceBuilder::new()
                .get("?response_type=code&client_id=é&redirect_uri=%&state")
                .redirect(302, "/relative?code=1")
                .redirect(302, "weird:scheme?error=x#access_token")
                .build(),
            TraceBuilder::new()
                .get("https://a.test/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fsso%2Fv1%2Fconnections%2Fres_1%2Fpartner%3Acallback&login_request_id=")
                .redirect(302, "https://a.test/sso/v1/connections/res_1/partner:callback")
                .html(500, "\u{0}")
                .build(),
        ];
        for trace in &odd {
            let report = crate::analyze(trace, &crate::Profile::default());
            assert!(!report.checks.is_empty());
        }
    }

    /// Every rule says where its failures are fixed (`declare_rule!` requires `fixed_in`; this
    /// keeps the list honest): at least one place, none twice, and the custom domain's own
    /// checks point at the dashboard's custom-domain setting first.
    #[test]
    fn every_rule_says_where_it_is_fixed() {
        for rule in registry() {
            let meta = rule.meta();
            assert!(!meta.fixed_in.is_empty(), "{} has no fix location", meta.id);
            let unique: HashSet<_> = meta.fixed_in.iter().collect();
            assert_eq!(
                unique.len(),
                meta.fixed_in.len(),
                "{} names a fix location twice",
                meta.id
            );
        }
        for id in [
            "custom-domain-authorize",
            "custom-domain-pages",
            "custom-domain-metadata",
        ] {
            let meta = find(id).expect("rule").meta();
            assert_eq!(
                meta.fixed_in[0],
                FixLocation::ScalekitDashboard(DashboardSetting::CustomDomain),
                "{id}"
            );
        }
    }

    #[test]
    fn registry_is_in_section_order() {
        let sections: Vec<Section> = registry().iter().map(|r| r.meta().section).collect();
        let mut sorted = sections.clone();
        sorted.sort();
        assert_eq!(
            sections, sorted,
            "the registry must list rules in checklist order"
        );
    }
}
