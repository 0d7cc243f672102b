use serde_json::Value;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::findings::Findings;
use crate::rules::tokens::{
    bearer, issued_access_tokens, rpc_is_notification, rpc_method, rpc_response,
};
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;

/// Tool names listed in the evidence at most.
const MAX_TOOLS_SHOWN: usize = 12;

declare_rule! {
    /// ## What it checks
    /// That the access token works: the MCP requests the client sent with the token it was
    /// issued (`initialize`, then `tools/list`, as `flowlens connect` sends them) are
    /// answered with JSON-RPC results, not `401`, `403` or a JSON-RPC error. The evidence
    /// names the server, its protocol version and the tools it lists. When a trace holds
    /// this evidence, the check takes the place of the manual item "API clients obtain
    /// tokens and call MCP tools".
    ///
    /// ## Why it matters
    /// Everything before this point (discovery, sign-in, consent, the code exchange) only
    /// matters if the MCP server then accepts the token. A server that validates the wrong
    /// issuer or audience, or that expects scopes the token does not carry, lets users sign
    /// in and consent, and then fails every tool call.
    ///
    /// ## How to fix
    /// Read the `WWW-Authenticate` header of the refused call: `invalid_token` means the
    /// server does not accept the token (check the issuer it expects: Scalekit's `iss` is the
    /// environment URL, or your custom domain; the audience: the `res_…` id or your server
    /// URL; and the JWKS it verifies with: `/keys` of the environment), `insufficient_scope`
    /// means the token lacks a scope the server requires. Scalekit's SDKs validate tokens
    /// with `validateToken` given the expected issuer and audience.
    pub struct McpAuthorizedCall {
        id: "mcp-authorized-call",
        section: McpAuthentication,
        title: "Authorized MCP calls succeed",
    }
}

impl Rule for McpAuthorizedCall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let issued = issued_access_tokens(cx);
        // Calls with a token the flow issued; when no token response is visible, any bearer
        // call is the client's authorized call.
        let calls: Vec<(usize, &Exchange)> = cx
            .hops(Role::McpRequest)
            .filter(|(_, ex)| {
                bearer(ex).is_some_and(|t| issued.is_empty() || issued.iter().any(|i| i == t))
            })
            .collect();
        if calls.is_empty() {
            return Outcome::not_observed(
                "no MCP request with the issued access token was observed",
            )
            .with(Evidence::note(
                "`flowlens connect` calls initialize and tools/list with the token it obtained",
            ));
        }
        let mut findings = Findings::new();
        for &(hop, ex) in &calls {
            judge_call(hop, ex, &mut findings);
        }
        let listed = calls
            .iter()
            .any(|(_, ex)| rpc_method(ex).as_deref() == Some("tools/list"));
        let pass = if listed {
            "initialize and tools/list succeeded with the access token"
        } else {
            "the MCP server answered the calls made with the access token (tools/list was not observed)"
        };
        findings.outcome_with_gaps(pass, "no authorized MCP call was answered", false)
    }
}

fn judge_call(hop: usize, ex: &Exchange, findings: &mut Findings) {
    let method = rpc_method(ex).unwrap_or_else(|| ex.method.clone());
    let shown = visible(&method, 60);
    let at = |note: String| Evidence::hop(hop, &ex.url, note).field("method", Some(&shown));
    let Some(status) = ex.status() else {
        match &ex.error {
            Some(e) => findings.fail(
                format!("{shown} with the access token failed: {}", visible(e, 100)),
                at("no answer".into()),
            ),
            None => findings.gap(
                format!("{shown} got no response in the trace"),
                at("no response".into()),
            ),
        }
        return;
    };
    if !(200..300).contains(&status) {
        let challenge = ex
            .response_header("www-authenticate")
            .map(|h| visible(h, 200));
        findings.fail(
            format!("{shown} with the access token was refused with {status}"),
            at(format!("the MCP server answered {status}"))
                .field("WWW-Authenticate", challenge.as_deref()),
        );
        return;
    }
    if rpc_is_notification(ex) {
        findings.pass("notification", at(format!("accepted ({status})")));
        return;
    }
    let Some(response) = rpc_response(ex) else {
        let kept = ex
            .response_body_text()
            .is_some_and(|t| !t.trim().is_empty());
        if kept {
            findings.fail(
                format!(
                    "{shown} with the access token answered {status} without a JSON-RPC response"
                ),
                at(format!("{status}, the body is not JSON-RPC")),
            );
        } else {
            findings.gap(
                format!("{shown} was answered {status}, but the trace did not keep the answer"),
                at(format!("{status}, no body in the trace")),
            );
        }
        return;
    };
    if let Some(error) = response.get("error") {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        findings.fail(
            format!("{shown} with the access token returned a JSON-RPC error"),
            at(format!(
                "error {}: {}",
                error.get("code").map(Value::to_string).unwrap_or_default(),
                visible(message, 160)
            )),
        );
        return;
    }
    let result = response.get("result").cloned().unwrap_or(Value::Null);
    let note = match method.as_str() {
        "initialize" => {
            let info = result.get("serverInfo");
            let name = info
                .and_then(|i| i.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            let version = info
                .and_then(|i| i.get("version"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            let protocol = result
                .get("protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or("?");
            format!(
                "initialized: server {} {}, protocol {}",
                visible(name, 80),
                visible(version, 40),
                visible(protocol, 40)
            )
        }
        "tools/list" => match result.get("tools").and_then(Value::as_array) {
            Some(tools) => {
                let names: Vec<String> = tools
                    .iter()
                    .take(MAX_TOOLS_SHOWN)
                    .filter_map(|t| {
                        t.get("name")
                            .and_then(Value::as_str)
                            .map(|n| visible(n, 60))
                    })
                    .collect();
                let more = tools.len().saturating_sub(MAX_TOOLS_SHOWN);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!("{} tools: {}{more}", tools.len(), names.join(", "))
            }
            None => {
                findings.fail(
                    "tools/list answered without a tools list",
                    at("result.tools is missing".into()),
                );
                return;
            }
        },
        _ => format!("answered ({status})"),
    };
    findings.pass("answered", at(note));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    const MCP: &str = "https://mcp.acme.test/mcp";
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";

    fn call(
        b: TraceBuilder,
        token: &str,
        method: &str,
        status: u16,
        response: &str,
    ) -> TraceBuilder {
        b.fetch("POST", MCP)
            .request_header("Authorization", &format!("Bearer {token}"))
            .request_body(
                "application/json",
                &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}"}}"#),
            )
            .json(status, response)
    }

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&McpAuthorizedCall, trace, &Profile::default())
    }

    fn initialized() -> TraceBuilder {
        call(
            good_flow(),
            TOKEN,
            "initialize",
            200,
            r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"acme-calendar","version":"1.0.0"}}}"#,
        )
    }

    #[test]
    fn passes_when_initialize_and_tools_list_succeed() {
        let trace = call(
            initialized(),
            TOKEN,
            "tools/list",
            200,
            r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"list_events"},{"name":"create_event"}]}}"#,
        )
        .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(
            outcome.summary.contains("tools/list"),
            "{}",
            outcome.summary
        );
        let notes: Vec<&str> = outcome.evidence.iter().map(|e| e.note.as_str()).collect();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("2 tools: list_events, create_event")),
            "{notes:?}"
        );
        assert!(!serde_json::to_string(&outcome)
            .expect("json")
            .contains(TOKEN));
    }

    #[test]
    fn fails_when_the_token_is_refused_or_the_call_errs() {
        let refused = call(good_flow(), TOKEN, "initialize", 401, r#"{"error":"x"}"#)
            .response_header("WWW-Authenticate", r#"Bearer error="invalid_token""#)
            .build();
        assert_eq!(run(&refused).status, Status::Fail);
        let erring = call(
            initialized(),
            TOKEN,
            "tools/list",
            200,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#,
        )
        .build();
        assert_eq!(run(&erring).status, Status::Fail);
    }

    #[test]
    fn an_answer_the_trace_did_not_keep_is_not_observed_and_garbage_fails() {
        let unkept = initialized()
            .edit(|t| {
                if let Some(r) = t.exchanges.last_mut().and_then(|e| e.response.as_mut()) {
                    r.body = None;
                }
            })
            .build();
        let outcome = run(&unkept);
        assert_eq!(outcome.status, Status::NotObserved, "{outcome:?}");
        assert!(
            outcome.summary.contains("did not keep"),
            "{}",
            outcome.summary
        );
        let html = call(good_flow(), TOKEN, "initialize", 200, "<html>login</html>").build();
        assert_eq!(run(&html).status, Status::Fail);
    }

    #[test]
    fn calls_with_other_tokens_are_not_the_clients_calls() {
        let trace = call(good_flow(), "tampered", "initialize", 401, "{}").build();
        assert_eq!(run(&trace).status, Status::NotObserved);
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
