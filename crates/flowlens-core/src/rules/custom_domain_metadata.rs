use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor;

/// Entries of `authorization_servers` looked at.
const MAX_SERVERS: usize = 20;

/// Authorization-server metadata fields that hold URLs users' clients are sent to.
const AS_URL_FIELDS: &[&str] = &[
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "registration_endpoint",
];

declare_rule! {
    /// ## What it checks
    /// The discovery documents point at the custom domain: every `authorization_servers`
    /// entry of the protected-resource metadata, and the `issuer`, `authorization_endpoint`,
    /// `token_endpoint` and `registration_endpoint` of the authorization-server metadata are
    /// on the profile's custom domains, or, without a profile, not on a vendor default host
    /// (`*.scalekit.com`, `*.scalekit.dev`, `*.scalekit.cloud`). The documents are visible
    /// when the MCP client runs in the browser; otherwise the check is not observed.
    ///
    /// ## Why it matters
    /// MCP clients build the authorization URL from these documents, so a metadata document
    /// still naming `yourapp-xxxx.scalekit.com` sends every user to the vendor's domain even
    /// after the CNAME is live: "integrations configured before the CNAME change will
    /// continue to work with your previous Scalekit domain". The issuer also ends up in
    /// tokens and in the clients' stored credentials, so fixing it later logs users out.
    ///
    /// ## How to fix
    /// After the custom domain is verified (Dashboard > Customization > Custom Domain), copy
    /// the protected-resource metadata again from Dashboard > MCP Servers > your server >
    /// Metadata JSON, or edit the `authorization_servers` entry your MCP server serves at
    /// `/.well-known/oauth-protected-resource` to `https://<custom domain>/resources/res_…`.
    /// Update `SCALEKIT_ENVIRONMENT_URL` in your server's configuration to the custom domain
    /// so that the authorization-server metadata it points at is the custom-domain one.
    pub struct CustomDomainMetadata {
        id: "custom-domain-metadata",
        section: CustomDomain,
        title: "Discovery metadata on the custom domain",
    }
}

impl Rule for CustomDomainMetadata {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let (domains, assumption) = cx.custom_domains();
        if let Some(a) = assumption {
            findings.assume(a);
        }
        let judge = |findings: &mut Findings,
                     hop: usize,
                     doc_url: &str,
                     field: &str,
                     value: &str| {
            let evidence = |note: &str| {
                Evidence::hop(hop, doc_url, note).field(field, Some(&visible(value, 300)))
            };
            let Some(host) = host_of(value) else {
                findings.fail(
                    format!("{field} is not an absolute URL"),
                    evidence("not an absolute https URL"),
                );
                return;
            };
            if let vendor::HostKind::VendorDefault { environment, .. } =
                vendor::classify_host(&host)
            {
                let env = match environment {
                    vendor::Environment::Production => "production",
                    vendor::Environment::Development => "development",
                };
                findings.fail(
                    format!("{field} is on the vendor default host {host} ({env}), not your custom domain"),
                    evidence("vendor default host"),
                );
            } else if cx.profile.has_custom_domains() && !cx.profile.is_custom_domain(&host) {
                findings.fail(
                    format!(
                        "{field} is on {host}, not on the expected custom domain {}",
                        cx.profile.custom_domains.join(", ")
                    ),
                    evidence("not an expected custom domain"),
                );
            } else {
                let note = if domains.iter().any(|d| d.eq_ignore_ascii_case(&host)) {
                    "on the custom domain"
                } else {
                    "not a vendor default host"
                };
                findings.pass(format!("{field} is on {host}"), evidence(note));
            }
        };

        let mut seen_any = false;
        for (role, what) in [
            (
                Role::ProtectedResourceMetadata,
                "protected-resource metadata",
            ),
            (
                Role::AuthorizationServerMetadata,
                "authorization-server metadata",
            ),
        ] {
            let mut doc = None;
            for (hop, ex) in cx.hops(role) {
                seen_any = true;
                match cx.json_object(hop) {
                    Ok(v) => {
                        doc = Some((hop, ex, v));
                        break;
                    }
                    Err(problem) => findings.gap(
                        format!("the {what} could not be read: {}", problem.describe()),
                        Evidence::hop(hop, &ex.url, problem.describe()),
                    ),
                }
            }
            let Some((hop, ex, doc)) = doc else { continue };
            if role == Role::ProtectedResourceMetadata {
                match doc.get("authorization_servers").and_then(|v| v.as_array()) {
                    Some(servers) => {
                        for server in servers.iter().take(MAX_SERVERS) {
                            match server.as_str() {
                                Some(s) => {
                                    judge(&mut findings, hop, &ex.url, "authorization_servers", s)
                                }
                                None => findings.fail(
                                    "an authorization_servers entry is not a string",
                                    Evidence::hop(hop, &ex.url, "not a URL string").field(
                                        "authorization_servers",
                                        Some(&visible(&server.to_string(), 100)),
                                    ),
                                ),
                            }
                        }
                    }
                    None => findings.gap(
                        "the protected-resource metadata lists no authorization_servers",
                        Evidence::hop(
                            hop,
                            &ex.url,
                            "authorization_servers absent (see mcp-discovery)",
                        ),
                    ),
                }
            } else {
                for field in AS_URL_FIELDS {
                    if let Some(value) = doc.get(*field).and_then(|v| v.as_str()) {
                        judge(&mut findings, hop, &ex.url, field, value);
                    }
                }
            }
        }
        let none = if seen_any {
            "the discovery metadata could not be read"
        } else {
            "no discovery metadata was observed: desktop MCP clients fetch it outside the browser (`flowlens probe` fetches it)"
        };
        findings.outcome_with_gaps(
            "the discovery metadata points at the custom domain",
            none,
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, AS_METADATA_HOP, PRM_HOP};
    use crate::{Profile, Status};

    #[test]
    fn passes_when_everything_is_on_the_custom_domain() {
        let outcome = run_rule(
            &CustomDomainMetadata,
            &good_flow().build(),
            &Profile::default(),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(!outcome.assumptions.is_empty());
        let profile = Profile {
            custom_domains: vec!["auth.acme.test".into()],
            ..Profile::default()
        };
        let outcome = run_rule(&CustomDomainMetadata, &good_flow().build(), &profile);
        assert_eq!(outcome.status, Status::Pass);
        assert!(outcome.assumptions.is_empty());
    }

    #[test]
    fn fails_when_the_prm_still_names_the_vendor_host() {
        let trace = good_flow()
            .edit_exchange(PRM_HOP, |ex| {
                let body = ex
                    .response
                    .as_mut()
                    .and_then(|r| r.body.as_mut())
                    .expect("body");
                body.text = body
                    .text
                    .replace("auth.acme.test", "acme-x7q2.scalekit.com");
            })
            .build();
        let outcome = run_rule(&CustomDomainMetadata, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("acme-x7q2.scalekit.com"));
        assert_eq!(outcome.evidence[0].hop, Some(PRM_HOP));
    }

    #[test]
    fn fails_when_an_endpoint_is_not_on_the_profile_domain() {
        let trace = good_flow()
            .edit_exchange(AS_METADATA_HOP, |ex| {
                let body = ex
                    .response
                    .as_mut()
                    .and_then(|r| r.body.as_mut())
                    .expect("body");
                body.text = body.text.replace(
                    "https://auth.acme.test/oauth/token",
                    "https://acme.scalekit.dev/oauth/token",
                );
            })
            .build();
        let outcome = run_rule(&CustomDomainMetadata, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("development"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn is_not_observed_without_readable_metadata() {
        let trace = good_flow()
            .edit(|t| t.exchanges.drain(0..4).for_each(drop))
            .build();
        assert!(crate::flow::reconstruct(&trace, &Profile::default())[0]
            .authorize
            .is_some());
        let outcome = run_rule(&CustomDomainMetadata, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved);
        let html = good_flow()
            .edit(|t| {
                for i in [PRM_HOP, AS_METADATA_HOP] {
                    let body = t.exchanges[i]
                        .response
                        .as_mut()
                        .and_then(|r| r.body.as_mut())
                        .expect("body");
                    body.text = "<!doctype html><html>Sign in</html>".into();
                }
            })
            .build();
        let outcome = run_rule(&CustomDomainMetadata, &html, &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(outcome.evidence[0].note.contains("HTML"));
    }
}
