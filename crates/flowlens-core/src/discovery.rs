//! The well-known URLs an MCP client tries, in the order the MCP authorization spec gives
//! (reference §2, "PRM fallback order" and "AS metadata order"): what the probe fetches and
//! what the `mcp-discovery` rule expects a recorded client to have fetched.

use url::Url;

/// Protected-resource metadata URLs for an MCP server URL when the 401 challenge names none
/// (RFC 9728 §3.1): the path-aware form first, then the root form.
pub fn resource_metadata_urls(mcp: &Url) -> Vec<String> {
    let origin = origin_of(mcp);
    let path = mcp.path().trim_end_matches('/');
    let mut urls = Vec::new();
    if !path.is_empty() {
        urls.push(format!(
            "{origin}/.well-known/oauth-protected-resource{path}"
        ));
    }
    urls.push(format!("{origin}/.well-known/oauth-protected-resource"));
    urls
}

/// Authorization-server metadata URLs for an issuer. For an issuer with a path (Scalekit's
/// `/resources/res_…`): RFC 8414 path insertion, OIDC path insertion, then OIDC path
/// appending. Without a path: RFC 8414, then OIDC.
pub fn authorization_server_metadata_urls(issuer: &Url) -> Vec<String> {
    let origin = origin_of(issuer);
    let path = issuer.path().trim_end_matches('/');
    if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    }
}

/// `scheme://host[:port]` as written in the URL (default ports omitted).
fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("a test URL")
    }

    #[test]
    fn resource_metadata_order() {
        assert_eq!(
            resource_metadata_urls(&url("https://mcp.acme.test/mcp")),
            [
                "https://mcp.acme.test/.well-known/oauth-protected-resource/mcp",
                "https://mcp.acme.test/.well-known/oauth-protected-resource",
            ]
        );
        assert_eq!(
            resource_metadata_urls(&url("https://mcp.acme.test:8443/")),
            ["https://mcp.acme.test:8443/.well-known/oauth-protected-resource"]
        );
    }

    #[test]
    fn authorization_server_metadata_order() {
        assert_eq!(
            authorization_server_metadata_urls(&url("https://auth.acme.test/resources/res_1")),
            [
                "https://auth.acme.test/.well-known/oauth-authorization-server/resources/res_1",
                "https://auth.acme.test/.well-known/openid-configuration/resources/res_1",
                "https://auth.acme.test/resources/res_1/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            authorization_server_metadata_urls(&url("https://auth.acme.test/")),
            [
                "https://auth.acme.test/.well-known/oauth-authorization-server",
                "https://auth.acme.test/.well-known/openid-configuration",
            ]
        );
    }
}
