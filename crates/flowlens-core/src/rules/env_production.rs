use std::collections::BTreeSet;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::findings::{count, Findings};
use crate::rules::flow_urls::{flow_urls, metadata_urls};
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor::{self, ids};

declare_rule! {
    /// ## What it checks
    /// No hop of the flow goes to a Scalekit development environment (`*.scalekit.dev`, or a
    /// `*.scalekit.cloud` host whose first label ends in `-dev`): not the pages, not the MCP
    /// client's discovery, not the URLs the metadata documents announce (`issuer`,
    /// `authorization_servers`, the endpoints), not the `iss` of the authorization response.
    /// It also checks that no `client_id` of the flow is a development API client (`skc_…`;
    /// production ones are `prd_skc_…`).
    ///
    /// ## Why it matters
    /// Development and production are separate Scalekit environments, each with its own
    /// users, connections, clients and signing keys. A production MCP server that sends users
    /// to the development environment signs them into the wrong user base and gets tokens
    /// from the wrong issuer, which production then rejects, or wrongly accepts. It almost
    /// always comes from an environment URL, `authorization_servers` entry or credential
    /// copied while testing and never switched.
    ///
    /// ## How to fix
    /// In the Scalekit dashboard switch to the Production environment and copy its
    /// environment URL (`https://<name>.scalekit.com`, or your custom domain) and its
    /// production API credentials (`prd_skc_…`) into your configuration. Update the
    /// `authorization_servers` of your protected-resource metadata (the production MCP
    /// server's "Metadata JSON" in the dashboard), register your MCP server and clients in
    /// production, then record the flow again.
    pub struct EnvProduction {
        id: "env-production",
        section: ProductionEnvironment,
        title: "No development environment",
        fixed_in: [ScalekitDashboard(ProductionEnvironment), McpServer, ClientApp],
    }
}

impl Rule for EnvProduction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let mut hosts = BTreeSet::new();
        let mut dev_hosts = BTreeSet::new();
        for u in flow_urls(cx) {
            let Some(host) = host_of(&u.url) else {
                continue;
            };
            if vendor::is_development_host(&host) {
                findings.fail(
                    format!("the flow goes to the development environment {host}"),
                    u.evidence(&format!(
                        "{} is on the development environment {host}",
                        u.place()
                    ))
                    .field("host", Some(&host)),
                );
                dev_hosts.insert(host.clone());
            }
            hosts.insert(host);
        }
        // URLs named in metadata and `iss`: a problem of their own only when no hop already
        // went to that development host.
        let mut named = |host: String, message: String, evidence: Evidence| {
            if dev_hosts.contains(&host) {
                findings.evidence(evidence);
            } else {
                findings.fail(message, evidence);
            }
        };
        for m in metadata_urls(cx) {
            match host_of(&m.url) {
                Some(host) if vendor::is_development_host(&host) => named(
                    host.clone(),
                    format!(
                        "{} points at the development environment {host}",
                        m.document()
                    ),
                    m.evidence(
                        cx,
                        &format!("{} names the development environment {host}", m.field),
                    ),
                ),
                _ => {}
            }
        }
        if let Some(end) = cx.end() {
            let params = crate::params::UrlParams::of(&end.url);
            if let Some(iss) = params.get("iss") {
                match host_of(iss) {
                    Some(host) if vendor::is_development_host(&host) => named(
                        host,
                        format!(
                            "the authorization response comes from the development issuer {iss}"
                        ),
                        Evidence::hop(end.exchange, &end.url, "iss of the authorization response")
                            .field("iss", Some(iss)),
                    ),
                    _ => {}
                }
            }
        }
        for (hop, url, client_id) in client_ids(cx) {
            if client_id.starts_with(ids::DEV_API_CLIENT)
                && !client_id.starts_with(ids::PROD_API_CLIENT)
            {
                findings.fail(
                    format!(
                        "client_id {client_id} is a development API client (production ones start with {})",
                        ids::PROD_API_CLIENT
                    ),
                    Evidence::hop(hop, url, "a development API client id").field("client_id", Some(&client_id)),
                );
            }
        }
        if let Some((hop, ex)) = cx.authorize() {
            findings.evidence(
                Evidence::hop(hop, &ex.url, "authorization request")
                    .field("host", host_of(&ex.url).as_deref()),
            );
        }
        let hosts: Vec<String> = hosts.into_iter().collect();
        findings.outcome(format!(
            "no hop goes to a development environment ({} checked: {})",
            count(hosts.len(), "host"),
            hosts.join(", ")
        ))
    }
}

/// The client ids the flow shows: on the authorization request, in the token request and in
/// the client registration response.
fn client_ids<'a>(cx: &Context<'a>) -> Vec<(usize, &'a str, String)> {
    let mut out = Vec::new();
    for (i, role, ex) in cx.all_hops() {
        let id = match role {
            Role::Authorize => crate::params::UrlParams::of(&ex.url)
                .query
                .get("client_id")
                .map(str::to_string),
            Role::TokenRequest => ex.form_value("client_id").map(str::to_string),
            Role::ClientRegistration => cx
                .json_body(i)
                .and_then(|v| v.get("client_id")?.as_str().map(str::to_string)),
            _ => None,
        };
        out.extend(id.map(|id| (i, ex.url.as_str(), id)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&EnvProduction, trace, &Profile::default())
    }

    #[test]
    fn passes_on_production_hosts() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("auth.acme.test"));

        let vendor_prod = good_flow()
            .replace_in_urls("auth.acme.test", "acme-x7q2.scalekit.com")
            .build();
        assert_eq!(run(&vendor_prod).status, Status::Pass);
    }

    #[test]
    fn fails_on_a_development_host_and_names_each_hop() {
        let trace = good_flow()
            .replace_in_urls("auth.acme.test", "acme.scalekit.dev")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "the flow goes to the development environment acme.scalekit.dev"
        );
        let hops: Vec<usize> = outcome.evidence.iter().filter_map(|e| e.hop).collect();
        for hop in [2, 3, 4, 7, 8, 9, 11] {
            assert!(hops.contains(&hop), "hop {hop} missing from {hops:?}");
        }
    }

    #[test]
    fn fails_on_metadata_pointing_at_development() {
        let trace = good_flow()
            .edit(|t| {
                let body = &mut t.exchanges[1]
                    .response
                    .as_mut()
                    .and_then(|r| r.body.as_mut())
                    .expect("PRM body")
                    .text;
                *body = body.replace("auth.acme.test", "acme-dev.scalekit.cloud");
            })
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("the protected-resource metadata points at the development environment acme-dev.scalekit.cloud"), "{}", outcome.summary);
        assert_eq!(
            outcome.evidence[0].field.as_deref(),
            Some("authorization_servers[0]")
        );
    }

    #[test]
    fn fails_on_a_development_client_id() {
        let trace = good_flow()
            .replace_in_urls("client_id=m2m_123", "client_id=skc_123")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome
            .summary
            .contains("client_id skc_123 is a development API client"));

        let prod = good_flow()
            .replace_in_urls("client_id=m2m_123", "client_id=prd_skc_123")
            .build();
        assert_eq!(run(&prod).status, Status::Pass);
    }
}
