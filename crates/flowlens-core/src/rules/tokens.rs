//! What the active checks of an MCP client share: the tokens a flow's token endpoint issued,
//! the bearer token a request carried, the claims of a JWT, and JSON-RPC messages of the
//! Streamable HTTP transport (a JSON body, or Server-Sent Events whose `data` holds one).
//!
//! Comparisons are on the values as the trace holds them. A redacted export replaces equal
//! values by equal pseudonyms and keeps a JWT's claims readable, so every answer here is the
//! same on the live trace and on its redacted HAR.

use serde_json::Value;

use crate::flow::Role;
use crate::params::UrlParams;
use crate::rules::Context;
use crate::stdx::base64::{Engine, URL_SAFE_NO_PAD};
use crate::trace::Exchange;

/// JSON bodies larger than this are not parsed (a token response is a few kilobytes).
const MAX_JSON: usize = 1024 * 1024;

/// A token response of the flow that issued an access token.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    /// The token request's exchange index.
    pub hop: usize,
    /// `authorization_code` or `refresh_token`.
    pub grant_type: String,
    pub response: Value,
}

impl Issued {
    pub(crate) fn access_token(&self) -> Option<&str> {
        self.response.get("access_token").and_then(Value::as_str)
    }

    pub(crate) fn refresh_token(&self) -> Option<&str> {
        self.response.get("refresh_token").and_then(Value::as_str)
    }
}

/// Every successful token response of the flow, in trace order.
pub(crate) fn issued(cx: &Context<'_>) -> Vec<Issued> {
    cx.hops(Role::TokenRequest)
        .filter(|(_, ex)| matches!(ex.status(), Some(200..=299)))
        .filter_map(|(hop, ex)| {
            let response = json_object(ex.response_body_text()?)?;
            response.get("access_token")?.as_str()?;
            Some(Issued {
                hop,
                grant_type: ex.form_value("grant_type").unwrap_or_default().to_string(),
                response,
            })
        })
        .collect()
}

/// Every access token the flow shows being issued: token responses, and a token handed over
/// in the authorization response itself (`#access_token=…`).
pub(crate) fn issued_access_tokens(cx: &Context<'_>) -> Vec<String> {
    let mut tokens: Vec<String> = issued(cx)
        .iter()
        .filter_map(|i| i.access_token().map(str::to_string))
        .collect();
    if let Some(t) = cx
        .end_params()
        .and_then(|p| p.get("access_token").map(str::to_string))
    {
        tokens.push(t);
    }
    tokens
}

/// The bearer token of a request's `Authorization` header.
pub(crate) fn bearer(ex: &Exchange) -> Option<&str> {
    let value = ex.request_header("authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// The claims of a JWT (its payload), when the token is one.
pub(crate) fn jwt_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None; // JWE or something else
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

/// A JSON object, when the text is one of a sane size.
pub(crate) fn json_object(text: &str) -> Option<Value> {
    if text.len() > MAX_JSON {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
}

/// The JSON-RPC method of an MCP request (`initialize`, `tools/list`…).
pub(crate) fn rpc_method(ex: &Exchange) -> Option<String> {
    let body = json_object(&ex.request_body.as_ref()?.text)?;
    body.get("method")?.as_str().map(str::to_string)
}

/// The JSON-RPC request is a notification (no `id`): answered 202 without a body.
pub(crate) fn rpc_is_notification(ex: &Exchange) -> bool {
    ex.request_body
        .as_ref()
        .and_then(|b| json_object(&b.text))
        .is_some_and(|b| b.get("id").is_none())
}

/// The JSON-RPC response of an MCP request: the JSON body, or the first Server-Sent Event
/// whose data is a JSON-RPC response (`result` or `error`).
pub(crate) fn rpc_response(ex: &Exchange) -> Option<Value> {
    let text = ex.response_body_text()?;
    if let Some(value) = json_object(text) {
        return Some(value);
    }
    let is_sse = ex
        .response_mime()
        .is_some_and(|m| m.to_ascii_lowercase().starts_with("text/event-stream"));
    if !is_sse || text.len() > MAX_JSON {
        return None;
    }
    // Events are separated by blank lines; an event's data is its `data:` lines joined.
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            json_object(&data.join("\n"))
        })
        .find(|v| v.get("result").is_some() || v.get("error").is_some())
}

/// A form field of the token request, else the same query parameter of the authorization
/// request (`scope`, `resource`).
pub(crate) fn asked(cx: &Context<'_>, token_hop: usize, name: &str) -> Option<String> {
    cx.exchange(token_hop)
        .form_value(name)
        .map(str::to_string)
        .or_else(|| {
            cx.authorize_params()
                .and_then(|p: UrlParams| p.query.get(name).map(str::to_string))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Body, Response};

    #[test]
    fn reads_jwt_claims_and_refuses_other_tokens() {
        let claims = jwt_claims("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln").expect("a JWT");
        assert_eq!(claims["sub"], "1");
        for not_jwt in ["opaque-token", "a.b", "a.b.c.d.e", "eyJh.!!!.x", ""] {
            assert!(jwt_claims(not_jwt).is_none(), "{not_jwt}");
        }
    }

    #[test]
    fn reads_json_rpc_from_json_and_from_server_sent_events() {
        let mut ex = Exchange {
            response: Some(Response {
                status: 200,
                body: Some(Body {
                    mime_type: "text/event-stream".into(),
                    text: "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}\r\n\r\n".into(),
                    truncated: false,
                }),
                ..Response::default()
            }),
            ..Exchange::default()
        };
        assert_eq!(rpc_response(&ex).expect("a response")["id"], 2);
        if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
            b.mime_type = "application/json".into();
            b.text = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601}}"#.into();
        }
        assert!(rpc_response(&ex)
            .expect("a response")
            .get("error")
            .is_some());
    }

    #[test]
    fn reads_bearer_tokens() {
        let ex = Exchange {
            request_headers: vec![crate::trace::Header::new("Authorization", "bearer  abc ")],
            ..Exchange::default()
        };
        assert_eq!(bearer(&ex), Some("abc"));
        let basic = Exchange {
            request_headers: vec![crate::trace::Header::new("Authorization", "Basic abc")],
            ..Exchange::default()
        };
        assert_eq!(bearer(&basic), None);
    }
}
