//! The expectations profile: what the user expects the flow to look like.
//!
//! Every field is optional. Without a profile each check does its best and says what it
//! assumed (for example "assumed the custom domain is auth.acme.com, the host of the
//! authorization request"). The CLI reads it from TOML, the extension from its options page.

use serde::{Deserialize, Serialize};

use crate::vocab::Section;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Expected custom domain host names (`auth.acme.com`), without scheme.
    pub custom_domains: Vec<String>,
    /// The MCP server display name users should see ("Acme Calendar").
    pub server_name: Option<String>,
    /// The customer's login endpoint in bring your own auth (`https://login.acme.com/login`).
    pub login_endpoint: Option<String>,
    /// The client redirect URIs the flow may end at.
    pub redirect_uris: Vec<String>,
    /// A client id registered for `flowlens connect` (a public client with a loopback
    /// redirect URI), used instead of dynamic client registration.
    pub client_id: Option<String>,
    /// Expected brand colors (CSS colors: `#0a66c2`, `rgb(10, 102, 194)`).
    pub colors: ProfileColors,
    /// Checklist sections that do not apply ("bring-your-own-auth", "enterprise-auth"...):
    /// every check of these sections, automated or manual, is reported `skipped`.
    pub skip_sections: Vec<Section>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileColors {
    pub background: Option<String>,
    pub primary_button: Option<String>,
}

impl Profile {
    /// The host is one of the expected custom domains (exact, case-insensitive).
    pub fn is_custom_domain(&self, host: &str) -> bool {
        self.custom_domains
            .iter()
            .any(|d| d.trim().trim_end_matches('.').eq_ignore_ascii_case(host))
    }

    pub fn has_custom_domains(&self) -> bool {
        !self.custom_domains.is_empty()
    }

    /// The profile marks this section as not applying.
    pub fn skips(&self, section: Section) -> bool {
        self.skip_sections.contains(&section)
    }
}
