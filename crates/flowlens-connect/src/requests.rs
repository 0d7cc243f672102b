//! The requests the client sends, as the probe's HTTP client takes them: JSON-RPC to the MCP
//! server (Streamable HTTP), OAuth forms to the token endpoint, JSON to registration.

use flowlens_core::trace::{Body, Header};
use flowlens_probe::http::Outgoing;
use serde_json::{json, Value};

/// What the client says it is, in registration and `initialize`.
pub const CLIENT_NAME: &str = "Flowlens connect";

/// An MCP JSON-RPC request (or notification when `id` is `None`).
pub fn mcp(
    url: &str,
    protocol_version: &str,
    token: Option<&str>,
    session: Option<&str>,
    id: Option<u64>,
    method: &str,
    params: Option<Value>,
) -> Outgoing {
    let mut message = json!({ "jsonrpc": "2.0", "method": method });
    if let Some(id) = id {
        message["id"] = json!(id);
    }
    if let Some(p) = params {
        message["params"] = p;
    }
    let mut headers = vec![
        Header::new("Content-Type", "application/json"),
        Header::new("Accept", "application/json, text/event-stream"),
        Header::new("MCP-Protocol-Version", protocol_version),
    ];
    if let Some(t) = token {
        headers.push(Header::new("Authorization", format!("Bearer {t}")));
    }
    if let Some(s) = session {
        headers.push(Header::new("Mcp-Session-Id", s));
    }
    Outgoing {
        method: "POST".into(),
        url: url.to_string(),
        headers,
        body: Some(Body {
            mime_type: "application/json".into(),
            text: message.to_string(),
            truncated: false,
        }),
    }
}

/// The `initialize` request's params.
pub fn initialize_params(protocol_version: &str) -> Value {
    json!({
        "protocolVersion": protocol_version,
        "capabilities": {},
        "clientInfo": { "name": "flowlens-connect", "title": CLIENT_NAME, "version": env!("CARGO_PKG_VERSION") }
    })
}

/// Ends an MCP session (`DELETE` with its id), as a client that is done does.
pub fn end_session(url: &str, protocol_version: &str, token: &str, session: &str) -> Outgoing {
    Outgoing {
        method: "DELETE".into(),
        url: url.to_string(),
        headers: vec![
            Header::new("MCP-Protocol-Version", protocol_version),
            Header::new("Authorization", format!("Bearer {token}")),
            Header::new("Mcp-Session-Id", session),
        ],
        body: None,
    }
}

/// A form POST to the token endpoint.
pub fn token(url: &str, fields: &[(&str, &str)]) -> Outgoing {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish();
    Outgoing {
        method: "POST".into(),
        url: url.to_string(),
        headers: vec![
            Header::new("Content-Type", "application/x-www-form-urlencoded"),
            Header::new("Accept", "application/json"),
        ],
        body: Some(Body {
            mime_type: "application/x-www-form-urlencoded".into(),
            text: body,
            truncated: false,
        }),
    }
}

/// Dynamic client registration (RFC 7591) of a native public client with a loopback
/// redirect URI.
pub fn registration(url: &str, redirect_uri: &str, scope: Option<&str>) -> Outgoing {
    let mut metadata = json!({
        "client_name": CLIENT_NAME,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "application_type": "native",
    });
    if let Some(s) = scope {
        metadata["scope"] = json!(s);
    }
    Outgoing {
        method: "POST".into(),
        url: url.to_string(),
        headers: vec![
            Header::new("Content-Type", "application/json"),
            Header::new("Accept", "application/json"),
        ],
        body: Some(Body {
            mime_type: "application/json".into(),
            text: metadata.to_string(),
            truncated: false,
        }),
    }
}
