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
mod html;
mod section;

pub use context::Context;
pub use section::Section;

// One module per rule, in checklist order.
mod custom_domain_authorize;
mod oauth_pkce_s256;
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

/// Every rule, in the order the checklist shows them.
static REGISTRY: &[&dyn Rule] = &[
    &cors::Cors,
    &custom_domain_authorize::CustomDomainAuthorize,
    &custom_domain_metadata::CustomDomainMetadata,
    &hsts::Hsts,
    &branding_logo::BrandingLogo,
    &branding_favicon::BrandingFavicon,
    &branding_colors::BrandingColors,
    &branding_app_name::BrandingAppName,
    &branding_vendor_mark::BrandingVendorMark,
    &byoa_handoff_server_side::ByoaHandoffServerSide,
    &byoa_timing::ByoaTiming,
    &oauth_pkce_s256::OauthPkceS256,
    &oauth_consent_shown::OauthConsentShown,
    &oauth_token_exchange::OauthTokenExchange,
    &cookies_flags::CookiesFlags,
    &clickjacking::Clickjacking,
    &mixed_content::MixedContent,
    &referrer_policy::ReferrerPolicy,
    &network_allowlist::NetworkAllowlist,
    &mcp_401_challenge::Mcp401Challenge,
    &mcp_discovery::McpDiscovery,
];

/// A checklist rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Judges one flow. Must not panic on any trace: answer `not-observed` when the trace does
    /// not show what the rule needs.
    fn check(&self, cx: &Context<'_>) -> Outcome;
}

/// A rule's identity and documentation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub section: Section,
    /// A short title for the checklist.
    pub title: &'static str,
    /// The rule's doc comment (Markdown).
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// The text under a `## heading` of the rule's documentation.
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        doc_section(self.doc, heading)
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

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| r.meta().id == id)
}

/// Declares a rule: a unit struct carrying its doc comment, and its [`RuleMeta`].
///
/// ```ignore
/// declare_rule! {
///     /// ## What it checks
///     /// ...
///     pub struct OauthPkceS256 {
///         id: "oauth-pkce-s256",
///         section: CoreAuthFlows,
///         title: "PKCE with S256",
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
            title: $title:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                section: $crate::rules::Section::$section,
                title: $title,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
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
            for heading in ["What it checks", "Why it matters", "How to fix"] {
                assert!(
                    meta.doc_section(heading).is_some(),
                    "{} lacks a '## {heading}' section",
                    meta.id
                );
            }
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
