//! What Flowlens knows about Scalekit, as data.
//!
//! Rules ask this module questions ("is this a vendor default host?", "is this a development
//! environment?") instead of carrying domain literals of their own, so that a new region or
//! domain is one line here. Sources for every fact: `shared/reference/scalekit-and-mcp-auth.md`
//! §1.1 (environment URLs), §1.2 (endpoints), §1.5 (bring your own auth), §1.6 (id prefixes).

/// The vendor's default domains. A host equal to one of these or below it is a vendor default
/// host, not the customer's custom domain.
pub const DEFAULT_DOMAINS: &[DefaultDomain] = &[
    DefaultDomain {
        suffix: "scalekit.com",
        environment: Environment::Production,
    },
    DefaultDomain {
        suffix: "scalekit.dev",
        environment: Environment::Development,
    },
    // Legacy/alternate hosts serve both; a `-dev` suffix on the first label marks development.
    DefaultDomain {
        suffix: "scalekit.cloud",
        environment: Environment::Production,
    },
];

/// Label suffix that marks a development environment on `*.scalekit.cloud`.
pub const DEV_LABEL_SUFFIX: &str = "-dev";

/// Sub-domain labels that name a region rather than a tenant (`leafpad.eu.scalekit.com`).
pub const REGION_LABELS: &[&str] = &["eu", "us", "in", "au"];

/// Hosts of the vendor's own shared services, never a tenant environment.
pub const SHARED_SERVICE_HOSTS: &[&str] = &["cdn.scalekit.com", "docs.scalekit.com"];

/// The text of the vendor's footer mark on hosted pages.
pub const VENDOR_NAME: &str = "Scalekit";

/// Path of the bring-your-own-auth callback: `/sso/v1/connections/{conn_…}/partner:callback`.
pub const PARTNER_CALLBACK_PREFIX: &str = "/sso/v1/connections/";
pub const PARTNER_CALLBACK_SUFFIX: &str = "/partner:callback";

/// Path of the server-to-server user hand-off, which must never be called from a browser:
/// `/api/v1/connections/{conn_…}/auth-requests/{lri_…}/user`.
pub const USER_HANDOFF_MARKER: &str = "/auth-requests/";

/// Path prefix of hosted error pages (`/api/v1/errors/err_…`) and the BYOA state error code.
pub const ERROR_API_PREFIX: &str = "/api/v1/errors/";
pub const INVALID_STATE_ERROR: &str = "invalid_state";

/// Scalekit's hosted login, sign-up and error pages (`{env}/a/auth/login`...): a page at one
/// of these paths is that page whatever it shows.
pub const HOSTED_LOGIN_PATH: &str = "/a/auth/login";
pub const HOSTED_SIGNUP_PATH: &str = "/a/auth/signup";
pub const HOSTED_ERROR_PATH: &str = "/a/auth/error";

/// Authorization endpoint path on Scalekit (at the environment root).
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
pub const TOKEN_PATH: &str = "/oauth/token";

/// Lifetime of a BYOA login request: the docs say about 10 minutes (the proto says 15).
pub const LOGIN_REQUEST_LIFETIME_MS: f64 = 10.0 * 60.0 * 1000.0;

/// Upper bound of a BYOA login request's lifetime: the proto says it "lives for 15 minutes".
/// Between [`LOGIN_REQUEST_LIFETIME_MS`] and this, the callback may or may not be accepted.
pub const LOGIN_REQUEST_MAX_LIFETIME_MS: f64 = 15.0 * 60.0 * 1000.0;

/// Path prefix of the vendor's REST API (`/api/v1/...`): called server to server with an API
/// credential, and by the hosted pages themselves with their session.
pub const API_PATH_PREFIX: &str = "/api/v1/";

/// The API the hosted consent page reads its data from (§1.2): `resource.name` is the MCP
/// server display name, `resource.logo_uri` its logo.
pub const CONSENT_DETAILS_PATH: &str = "/api/v1/oauth/consent/details";

/// The API the hosted pages read their branding from (§1.2).
pub const CUSTOMIZATIONS_PATH: &str = "/api/v1/auth:customizations";

/// Brand assets and theme of the hosted pages (§1.3).
pub mod branding {
    /// Words that mark the vendor's own brand assets (its default logo and favicon), matched
    /// case-insensitively against the file name (last path segment) of an asset URL and
    /// against an image's `alt` text. Unconfirmed in detail: the hosted pages show the
    /// vendor's mark until a logo and favicon are uploaded, and uploaded assets keep names of
    /// the customer's choosing.
    pub const DEFAULT_ASSET_MARKERS: &[&str] = &["scalekit"];

    /// Phrases that introduce the vendor footer ("Powered by Scalekit"), lower-case. The
    /// footer names [`super::VENDOR_NAME`]; removing it is part of the paid "Customization
    /// Pro" add-on.
    pub const POWERED_BY_PHRASES: &[&str] = &["powered by", "secured by", "protected by"];

    /// How far after a [`POWERED_BY_PHRASES`] phrase the vendor name may appear in HTML
    /// (markup such as `<a href=...><img alt="Scalekit"></a>` sits between them).
    pub const POWERED_BY_WINDOW: usize = 300;

    /// The default theme of the hosted pages, as `#rrggbb`. UNCONFIRMED: no source states the
    /// defaults; the background is the usual white of hosted pages and the default button
    /// color is unknown (empty). Rules treat a match as a warning and say the defaults are
    /// unconfirmed; the profile's `colors` give a definite answer. Update here when known.
    pub const DEFAULT_BACKGROUND_COLORS: &[&str] = &["#ffffff"];
    pub const DEFAULT_PRIMARY_BUTTON_COLORS: &[&str] = &[];
    /// Whether the two lists above are confirmed.
    pub const DEFAULT_COLORS_CONFIRMED: bool = false;
}

/// Hosts a flow commonly contacts besides the auth domain, with what they serve: the
/// network/firewall list of the go-live checklist (`<env>.scalekit.com`, `cdn.scalekit.com`,
/// `fonts.googleapis.com`) plus the host Google Fonts serves font files from.
pub const KNOWN_HOSTS: &[(&str, &str)] = &[
    ("cdn.scalekit.com", "Scalekit static assets"),
    ("fonts.googleapis.com", "font stylesheets (Google Fonts)"),
    ("fonts.gstatic.com", "font files (Google Fonts)"),
];

/// What a known host serves, when it is one of [`KNOWN_HOSTS`].
pub fn known_host_purpose(host: &str) -> Option<&'static str> {
    KNOWN_HOSTS
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(host))
        .map(|(_, purpose)| *purpose)
}

/// The asset URL or alt text looks like the vendor's own default mark.
pub fn is_default_brand_asset(url: &str, alt: Option<&str>) -> bool {
    let path = crate::params::url_without_query(url);
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let alt = alt
        .map(|a| a.trim().to_ascii_lowercase())
        .unwrap_or_default();
    branding::DEFAULT_ASSET_MARKERS
        .iter()
        .any(|m| file.contains(m) || alt == *m || alt == format!("{m} logo"))
}

/// The text is the vendor's footer mark ("Powered by Scalekit").
pub fn is_vendor_mark_text(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains(&VENDOR_NAME.to_ascii_lowercase())
}

/// Id prefixes (§1.6).
pub mod ids {
    /// A connection: the BYOA connection id in the partner callback.
    pub const CONNECTION: &str = "conn_";
    /// An MCP server resource: wrong in the partner callback.
    pub const RESOURCE: &str = "res_";
    /// A BYOA login request.
    pub const LOGIN_REQUEST: &str = "lri_";
    /// Client ids issued by dynamic registration.
    pub const M2M_CLIENT: &str = "m2m_";
    /// Environment API client ids: `skc_` in development, `prd_skc_` in production.
    pub const DEV_API_CLIENT: &str = "skc_";
    pub const PROD_API_CLIENT: &str = "prd_skc_";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultDomain {
    pub suffix: &'static str,
    pub environment: Environment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    Production,
    Development,
}

/// What a host is, as far as the vendor is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    /// A vendor default host (`acme-x7q2.scalekit.com`).
    VendorDefault {
        environment: Environment,
        /// `Some("eu")` for `acme.eu.scalekit.com`.
        region: Option<String>,
    },
    /// A vendor shared service (`cdn.scalekit.com`).
    VendorService,
    /// localhost, 127.0.0.0/8, ::1.
    Loopback,
    /// Anything else: the customer's own domain or a third party.
    Other,
}

/// Classifies a host name (no port, no scheme; IPv6 with or without brackets).
pub fn classify_host(host: &str) -> HostKind {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if is_loopback(&host) {
        return HostKind::Loopback;
    }
    if SHARED_SERVICE_HOSTS.contains(&host.as_str()) {
        return HostKind::VendorService;
    }
    for domain in DEFAULT_DOMAINS {
        let Some(prefix) = host.strip_suffix(domain.suffix) else {
            continue;
        };
        if !(prefix.is_empty() || prefix.ends_with('.')) {
            continue; // `notscalekit.com`
        }
        let labels: Vec<&str> = prefix.trim_end_matches('.').split('.').collect();
        let tenant = labels.first().copied().unwrap_or_default();
        let region = labels
            .iter()
            .skip(1)
            .find(|l| REGION_LABELS.contains(l))
            .map(|l| l.to_string());
        let environment = if tenant.ends_with(DEV_LABEL_SUFFIX) {
            Environment::Development
        } else {
            domain.environment
        };
        return HostKind::VendorDefault {
            environment,
            region,
        };
    }
    HostKind::Other
}

pub fn is_vendor_default(host: &str) -> bool {
    matches!(classify_host(host), HostKind::VendorDefault { .. })
}

/// The host is a development environment of the vendor.
pub fn is_development_host(host: &str) -> bool {
    matches!(
        classify_host(host),
        HostKind::VendorDefault {
            environment: Environment::Development,
            ..
        }
    )
}

pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The connection id segment of a partner callback path, if the path is one.
/// Returns the segment as written, which may wrongly be a `res_` id.
pub fn partner_callback_id(path: &str) -> Option<&str> {
    path.strip_prefix(PARTNER_CALLBACK_PREFIX)?
        .strip_suffix(PARTNER_CALLBACK_SUFFIX)
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The path is the server-to-server user hand-off API.
pub fn is_user_handoff_path(path: &str) -> bool {
    path.starts_with("/api/v1/connections/")
        && path.contains(USER_HANDOFF_MARKER)
        && path.ends_with("/user")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_default_domains() {
        assert_eq!(
            classify_host("acme-x7q2.scalekit.com"),
            HostKind::VendorDefault {
                environment: Environment::Production,
                region: None
            }
        );
        assert!(is_development_host("acme.scalekit.dev"));
        assert!(is_development_host(
            "scalekitdevrel-agoreerzaabqi-dev.scalekit.cloud"
        ));
        assert!(!is_development_host("scalekit-gq.scalekit.cloud"));
        assert_eq!(
            classify_host("leafpad.eu.scalekit.com"),
            HostKind::VendorDefault {
                environment: Environment::Production,
                region: Some("eu".into())
            }
        );
        assert!(is_development_host("optimengine.eu.scalekit.dev"));
        assert_eq!(classify_host("cdn.scalekit.com"), HostKind::VendorService);
    }

    #[test]
    fn custom_domains_and_lookalikes_are_not_vendor_hosts() {
        assert_eq!(classify_host("auth.acme.com"), HostKind::Other);
        assert_eq!(classify_host("notscalekit.com"), HostKind::Other);
        assert_eq!(classify_host("scalekit.com.evil.test"), HostKind::Other);
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "::1",
            "app.localhost",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        assert!(!is_loopback("10.0.0.1"));
    }

    #[test]
    fn partner_callback_paths() {
        assert_eq!(
            partner_callback_id("/sso/v1/connections/conn_123/partner:callback"),
            Some("conn_123")
        );
        assert_eq!(
            partner_callback_id("/sso/v1/connections/res_9/partner:callback"),
            Some("res_9")
        );
        assert_eq!(
            partner_callback_id("/sso/v1/connections//partner:callback"),
            None
        );
        assert!(is_user_handoff_path(
            "/api/v1/connections/conn_1/auth-requests/lri_2/user"
        ));
    }

    #[test]
    fn default_brand_assets_and_marks() {
        assert!(is_default_brand_asset(
            "https://cdn.scalekit.com/v1/assets/scalekit-logo.svg?v=2",
            None
        ));
        assert!(is_default_brand_asset(
            "https://x.test/a.png",
            Some("Scalekit")
        ));
        assert!(!is_default_brand_asset(
            "https://cdn.scalekit.com/v1/assets/env_1/acme.png",
            Some("Acme")
        ));
        assert!(is_vendor_mark_text("Powered by SCALEKIT"));
        assert!(!is_vendor_mark_text("Powered by Acme"));
        assert_eq!(
            known_host_purpose("Fonts.GoogleApis.com"),
            Some("font stylesheets (Google Fonts)")
        );
    }
}
