//! What each hop of a flow is for.

use serde::Serialize;

use crate::page::PageKind;
use crate::params::{url_without_query, UrlParams};
use crate::profile::Profile;
use crate::trace::{Exchange, PageSnapshot, Trace};
use crate::vendor;

/// The role of a hop in an authorization flow. The names are part of the report contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A request to the MCP server (the unauthenticated one answered by the 401 challenge,
    /// or the authorized call at the end).
    McpRequest,
    /// RFC 9728 protected-resource metadata.
    ProtectedResourceMetadata,
    /// RFC 8414 / OIDC authorization-server metadata.
    AuthorizationServerMetadata,
    /// Dynamic client registration (RFC 7591).
    ClientRegistration,
    /// The authorization request the user is sent to.
    Authorize,
    /// The customer's own login endpoint in "bring your own auth", reached with
    /// `login_request_id` and `state`.
    ByoaLogin,
    /// Scalekit's `/sso/v1/connections/conn_…/partner:callback`.
    ByoaCallback,
    /// A login page of the authorization server.
    LoginPage,
    /// The consent page.
    ConsentPage,
    /// The authorization response at the client's `redirect_uri`.
    ClientCallback,
    /// The token request (visible for clients that run in the browser).
    TokenRequest,
    /// An error page shown instead of continuing the flow.
    ErrorPage,
    /// An intermediate redirect or form submission of the page chain.
    Redirect,
    /// Another page of the chain.
    Page,
    /// A resource loaded by one of the flow's pages (image, script, style, font, fetch).
    Subresource,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::McpRequest => "mcp-request",
            Role::ProtectedResourceMetadata => "protected-resource-metadata",
            Role::AuthorizationServerMetadata => "authorization-server-metadata",
            Role::ClientRegistration => "client-registration",
            Role::Authorize => "authorize",
            Role::ByoaLogin => "byoa-login",
            Role::ByoaCallback => "byoa-callback",
            Role::LoginPage => "login-page",
            Role::ConsentPage => "consent-page",
            Role::ClientCallback => "client-callback",
            Role::TokenRequest => "token-request",
            Role::ErrorPage => "error-page",
            Role::Redirect => "redirect",
            Role::Page => "page",
            Role::Subresource => "subresource",
        }
    }

    /// Hops of the page chain (what the user's tab loaded).
    pub fn is_page(self) -> bool {
        matches!(
            self,
            Role::Authorize
                | Role::ByoaLogin
                | Role::ByoaCallback
                | Role::LoginPage
                | Role::ConsentPage
                | Role::ClientCallback
                | Role::ErrorPage
                | Role::Redirect
                | Role::Page
        )
    }

    /// Pages the user actually looks at (as opposed to redirects they pass through).
    pub fn is_seen_page(self) -> bool {
        matches!(
            self,
            Role::ByoaLogin | Role::LoginPage | Role::ConsentPage | Role::ErrorPage | Role::Page
        )
    }

    /// Discovery and back-channel hops of an MCP client.
    pub fn is_discovery(self) -> bool {
        matches!(
            self,
            Role::McpRequest
                | Role::ProtectedResourceMetadata
                | Role::AuthorizationServerMetadata
                | Role::ClientRegistration
        )
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role of a discovery hop, if it is one.
pub(crate) fn discovery_role(ex: &Exchange) -> Option<Role> {
    let path = path_of(&ex.url);
    if path.contains("/.well-known/oauth-protected-resource") {
        Some(Role::ProtectedResourceMetadata)
    } else if path.contains("/.well-known/oauth-authorization-server")
        || path.contains("/.well-known/openid-configuration")
    {
        Some(Role::AuthorizationServerMetadata)
    } else if is_registration(ex) {
        Some(Role::ClientRegistration)
    } else if is_mcp_challenge(ex) || is_mcp_request(ex) {
        Some(Role::McpRequest)
    } else {
        None
    }
}

fn is_registration(ex: &Exchange) -> bool {
    let path = path_of(&ex.url);
    ex.method.eq_ignore_ascii_case("POST")
        && (path.ends_with("/register")
            || path.ends_with("/clients:register")
            || path.ends_with("/reg")
            || path.ends_with("/registration"))
}

/// A 401 answered with a Bearer challenge pointing at protected-resource metadata.
pub(super) fn is_mcp_challenge(ex: &Exchange) -> bool {
    ex.status() == Some(401)
        && ex.response_header("www-authenticate").is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            h.starts_with("bearer") && h.contains("resource_metadata")
        })
}

/// An MCP request answered 401: where discovery starts. A broken challenge (no
/// `WWW-Authenticate`, no `resource_metadata`) still counts, so that the rules report it
/// instead of the flow going unseen (what a probe of a misconfigured server records).
pub(super) fn starts_discovery(ex: &Exchange) -> bool {
    is_mcp_challenge(ex) || ex.status() == Some(401) && is_mcp_request(ex)
}

/// A JSON-RPC request of the MCP Streamable HTTP transport.
pub(super) fn is_mcp_request(ex: &Exchange) -> bool {
    if is_mcp_challenge(ex) {
        return true;
    }
    let json_rpc_body = ex
        .request_body
        .as_ref()
        .is_some_and(|b| b.text.contains("\"jsonrpc\""));
    let mcp_header = ex.request_header("mcp-protocol-version").is_some()
        || ex.request_header("mcp-session-id").is_some();
    ex.method.eq_ignore_ascii_case("POST") && (json_rpc_body || mcp_header)
}

/// The role of a page-chain hop between the authorization request and the callback, and
/// how it was inferred (for pages whose role comes from what they show or where they are).
///
/// In order: Scalekit's own paths and BYOA parameters (strong signals), the response status,
/// then what the page is from its facts (`page`: the snapshot, else facts read from its HTML),
/// then weaker hints from its path.
pub(super) fn page_role(
    trace: &Trace,
    i: usize,
    profile: &Profile,
    page: Option<&PageSnapshot>,
) -> (Role, Option<String>) {
    let ex = &trace.exchanges[i];
    let path = path_of(&ex.url);
    let params = UrlParams::of(&ex.url).query;
    if vendor::partner_callback_id(path).is_some() {
        return (Role::ByoaCallback, None);
    }
    let at_login_endpoint = profile
        .login_endpoint
        .as_deref()
        .is_some_and(|e| url_without_query(e) == url_without_query(&ex.url));
    if at_login_endpoint || params.has("login_request_id") && ex.method.eq_ignore_ascii_case("GET")
    {
        return (Role::ByoaLogin, None);
    }
    if params.has("response_type") && params.has("client_id") {
        return (Role::Authorize, None);
    }
    let status = ex.status().unwrap_or(0);
    if (300..400).contains(&status) {
        return (Role::Redirect, None);
    }
    if status >= 400 {
        return (Role::ErrorPage, Some(format!("error page: HTTP {status}")));
    }
    if path.starts_with(vendor::ERROR_API_PREFIX) || path.starts_with(vendor::HOSTED_ERROR_PATH) {
        return (
            Role::ErrorPage,
            Some("error page: Scalekit's error page path".into()),
        );
    }
    if path.starts_with(vendor::HOSTED_LOGIN_PATH) {
        return (
            Role::LoginPage,
            Some("login page: Scalekit's hosted login path".into()),
        );
    }
    // A form submission answered with a page (not a redirect) is a page of its own: the
    // second step of a multi-step sign-in often comes back that way.
    let is_post = ex.method.eq_ignore_ascii_case("POST");
    if is_post && page.is_none() && !(200..300).contains(&status) {
        return (Role::Redirect, None);
    }
    if let Some(page) = page {
        let inferred = crate::page::infer(page);
        let role = match inferred.kind {
            PageKind::SignIn => Some(Role::LoginPage),
            PageKind::Consent => Some(Role::ConsentPage),
            PageKind::Error => Some(Role::ErrorPage),
            PageKind::SignUp | PageKind::Other => None,
        };
        if let Some(role) = role {
            return (role, Some(inferred.reason));
        }
        if inferred.kind == PageKind::SignUp {
            return (Role::Page, Some(inferred.reason));
        }
    }
    if is_error_path(path, &params) {
        return (
            Role::ErrorPage,
            Some("error page: its URL names an error".into()),
        );
    }
    if is_post && page.is_none() {
        return (Role::Redirect, None);
    }
    let lower = path.to_ascii_lowercase();
    if lower.contains("consent") {
        return (
            Role::ConsentPage,
            Some("consent page: its path names it".into()),
        );
    }
    if ["login", "signin", "sign-in", "sign_in"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return (
            Role::LoginPage,
            Some("login page: its path names it".into()),
        );
    }
    (Role::Page, None)
}

fn is_error_path(path: &str, params: &crate::params::Params) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with("/error")
        || lower.contains("/error/")
        || lower.contains("/errors/")
        || params.has("error") && !params.has("code")
}

/// The snapshot of the page exchange `i` loaded: the latest snapshot of its URL taken after
/// it started and before the tab's next page load (a page at the same URL loaded again, as a
/// multi-step form that posts to itself, has its own snapshot).
pub fn snapshot_for(trace: &Trace, i: usize) -> Option<&PageSnapshot> {
    let ex = trace.exchanges.get(i)?;
    let url = url_without_query(&ex.url);
    let next_load = trace.exchanges[i + 1..]
        .iter()
        .take(4096)
        .find(|n| {
            n.is_document()
                && (n.tab.is_none() || ex.tab.is_none() || n.tab == ex.tab)
                && !matches!(n.status(), Some(300..=399))
        })
        .map_or(f64::INFINITY, |n| n.time_ms);
    trace.pages.iter().rev().find(|p| {
        url_without_query(&p.url) == url && p.time_ms + 1.0 >= ex.time_ms && p.time_ms < next_load
    })
}

/// The page offers a consent decision, as far as its own facts tell: the recorder asks, to
/// take the consent screenshot, before any flow is reconstructed. Looser than the role (an
/// approve and a deny action are enough), since a screenshot too many costs little.
pub(crate) fn looks_like_consent(page: &PageSnapshot) -> bool {
    crate::page::kind::looks_like_consent(page) || crate::page::kind::offers_a_decision(page)
}

/// The path of a URL string ("" when it has none), parsed without the `url` crate so that a
/// URL that does not parse still has one.
pub fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path_start = after_scheme.find('/').unwrap_or(after_scheme.len());
    url_without_query(&after_scheme[path_start..])
}
