use crate::check::{Evidence, Outcome, Status};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::url_without_query;
use crate::rules::authorize_param::AuthorizeParam;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    /// The authorization request carries `resource` (RFC 8707), the canonical URI of the MCP
    /// server the token is for. It must be an absolute URI; a fragment, an uppercase scheme or
    /// host, or a trailing slash warn. When the flow shows the MCP server's
    /// protected-resource metadata, `resource` must equal the metadata's `resource` exactly.
    /// When the token request is visible (a client running in the browser), it must send the
    /// same `resource` (a warning otherwise).
    ///
    /// ## Why it matters
    /// The MCP authorization spec requires MCP clients to send `resource` in the authorization
    /// and token requests, so that the token's audience is that one MCP server: a token
    /// minted for one server cannot then be replayed against another. Scalekit puts the
    /// resource (`res_…` and the server URL) in the token's `aud`; a `resource` that differs
    /// from what the server announces gives tokens the MCP server rejects, or tokens not
    /// bound to it.
    ///
    /// ## How to fix
    /// Clients: send `resource` with the value of the `resource` field of the MCP server's
    /// protected-resource metadata, verbatim, in both the authorization and the token
    /// request (the MCP SDKs do). Servers: make the metadata's `resource` the canonical URL
    /// clients connect to, with a lowercase scheme and host, no fragment and no trailing
    /// slash (`https://mcp.yourapp.com/mcp`), and set the same URL as the MCP server's URL in
    /// the Scalekit dashboard.
    pub struct OauthResourceIndicator {
        id: "oauth-resource-indicator",
        section: CoreAuthFlows,
        title: "Resource indicator names the MCP server",
        fixed_in: [ClientApp, McpServer],
    }
}

impl Rule for OauthResourceIndicator {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let param = match AuthorizeParam::of(cx, "resource") {
            Ok(param) => param,
            Err(not_observed) => return not_observed,
        };
        let values = param.values();
        let Some(resource) = values.first().copied() else {
            return Outcome::fail(
                "the authorization request carries no resource parameter (RFC 8707)",
            )
            .with(param.evidence("authorization request", None));
        };
        // Shown in summaries, which are not redacted like evidence is.
        let shown = crate::redact::mask_url(resource);
        let mut findings = Findings::new();
        if values.len() > 1 {
            findings.warn(
                format!(
                    "the authorization request names {} resources; an MCP client names one",
                    values.len()
                ),
                param.evidence("more than one resource", Some(&values.join(" "))),
            );
        }
        for (status, problem) in shape_problems(resource) {
            findings.problem(
                status,
                format!("resource {shown} {problem}"),
                param.evidence(problem, Some(resource)),
            );
        }
        findings.evidence(param.evidence("resource of the authorization request", Some(resource)));

        let announced = cx
            .resource_metadata()
            .and_then(|(i, doc)| Some((i, doc.get("resource")?.as_str()?.to_string())));
        if let Some((prm_hop, announced)) = &announced {
            let evidence = Evidence::hop(
                *prm_hop,
                &cx.exchange(*prm_hop).url,
                "the protected-resource metadata's resource",
            )
            .field("resource", Some(announced));
            if announced != resource {
                findings.fail(
                    format!("resource {shown} differs from {}, the resource the protected-resource metadata announces", crate::redact::mask_url(announced)),
                    evidence,
                );
            } else {
                findings.evidence(evidence);
            }
        }
        if let Some((token_hop, token)) = cx.first(Role::TokenRequest) {
            let sent = token.form_value("resource");
            if sent != Some(resource) {
                findings.warn(
                    match sent {
                        None => "the token request sends no resource".to_string(),
                        Some(other) => {
                            format!(
                                "the token request sends resource {}, not {shown}",
                                crate::redact::mask_url(other)
                            )
                        }
                    },
                    Evidence::hop(token_hop, &token.url, "token request").field("resource", sent),
                );
            }
        }
        let pass = match announced {
            Some(_) => format!("the authorization request names the resource {shown}, as the MCP server's metadata announces"),
            None => format!("the authorization request names the resource {shown}"),
        };
        findings.outcome(pass)
    }
}

/// What is wrong with the shape of a resource indicator.
fn shape_problems(resource: &str) -> Vec<(Status, &'static str)> {
    let Ok(parsed) = url::Url::parse(resource) else {
        return vec![(Status::Fail, "is not an absolute URI")];
    };
    if parsed.cannot_be_a_base() || parsed.host_str().is_none() {
        return vec![(Status::Fail, "is not an absolute URI with a host")];
    }
    let mut problems = Vec::new();
    if resource.contains('#') {
        problems.push((Status::Warn, "has a fragment"));
    }
    let (scheme, rest) = resource.split_once("://").unwrap_or((resource, ""));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme
        .chars()
        .chain(host.chars())
        .any(|c| c.is_ascii_uppercase())
    {
        problems.push((Status::Warn, "has an uppercase scheme or host"));
    }
    if url_without_query(resource).ends_with('/') {
        problems.push((Status::Warn, "ends with a slash"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::Profile;

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthResourceIndicator, trace, &Profile::default())
    }

    fn with_resource(encoded: &str) -> crate::Trace {
        good_flow()
            .replace_in_urls("&resource=https%3A%2F%2Fmcp.acme.test%2Fmcp", encoded)
            .build()
    }

    #[test]
    fn passes_when_resource_matches_the_metadata() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the authorization request names the resource https://mcp.acme.test/mcp, as the MCP server's metadata announces"
        );
    }

    #[test]
    fn fails_without_resource_or_when_it_differs_from_the_metadata() {
        let outcome = run(&with_resource(""));
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "the authorization request carries no resource parameter (RFC 8707)"
        );

        let outcome = run(&with_resource(
            "&resource=https%3A%2F%2Fmcp.acme.test%2Fother",
        ));
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .contains("differs from https://mcp.acme.test/mcp"),
            "{}",
            outcome.summary
        );

        let outcome = run(&with_resource("&resource=mcp-server"));
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("is not an absolute URI"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn warns_on_a_non_canonical_form() {
        let trace = good_flow()
            .replace_in_urls(
                "&resource=https%3A%2F%2Fmcp.acme.test%2Fmcp",
                "&resource=HTTPS%3A%2F%2FMCP.acme.test%2Fmcp%2F",
            )
            .edit(|t| {
                let body = t.exchanges[1]
                    .response
                    .as_mut()
                    .and_then(|r| r.body.as_mut())
                    .expect("PRM body");
                body.text = body.text.replace(
                    "\"https://mcp.acme.test/mcp\"",
                    "\"HTTPS://MCP.acme.test/mcp/\"",
                );
            })
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(
            outcome.summary.contains("has an uppercase scheme or host"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome.summary.contains("ends with a slash"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn warns_when_the_token_request_omits_resource() {
        let trace = good_flow()
            .edit(|t| {
                if let Some(form) = t.exchanges[11].form.as_mut() {
                    form.retain(|p| p.name != "resource");
                }
            })
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(outcome.summary, "the token request sends no resource");
    }
}
