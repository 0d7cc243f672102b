use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::host_of;
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// The authorization URL the user is sent to is on the customer's custom domain, not on a
    /// vendor default domain (`*.scalekit.com`, `*.scalekit.dev`, `*.scalekit.cloud`), and is
    /// one of the expected domains when the profile names them.
    ///
    /// ## Why it matters
    /// The authorization URL is what the user's browser shows while they sign in and consent.
    /// On the vendor's default domain users see `yourapp-xxxx.scalekit.com` instead of your
    /// brand, which looks like phishing and undoes the branding work. Scalekit's launch
    /// checklist calls the custom domain "the highest-impact step for MCP auth".
    ///
    /// ## How to fix
    /// In Dashboard > Customization > Custom Domain, add a CNAME for your auth domain (for
    /// example `auth.yourapp.com`) and wait for the certificate. Then use the custom domain
    /// everywhere users go: the `authorization_servers` of your protected-resource metadata,
    /// the environment URL your code builds authorization URLs from, and your clients'
    /// configuration. Integrations configured before the CNAME keep the old domain until you
    /// update them.
    pub struct CustomDomainAuthorize {
        id: "custom-domain-authorize",
        section: CustomDomain,
        title: "Authorization URL on the custom domain",
        fixed_in: [ScalekitDashboard(CustomDomain), McpServer, ClientApp],
    }
}

impl Rule for CustomDomainAuthorize {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some((hop, ex)) = cx.authorize() else {
            return Outcome::not_observed("the authorization request was not observed");
        };
        let Some(host) = host_of(&ex.url) else {
            return Outcome::fail("the authorization URL has no host").with(Evidence::hop(
                hop,
                &ex.url,
                "unparseable URL",
            ));
        };
        let evidence =
            Evidence::hop(hop, &ex.url, "authorization request").field("host", Some(&host));
        if let vendor::HostKind::VendorDefault { environment, .. } = vendor::classify_host(&host) {
            let env = match environment {
                vendor::Environment::Production => "production",
                vendor::Environment::Development => "development",
            };
            return Outcome::fail(format!(
                "the authorization URL is on the vendor default domain {host} ({env}), not a custom domain"
            ))
            .with(evidence);
        }
        if cx.profile.has_custom_domains() {
            return if cx.profile.is_custom_domain(&host) {
                Outcome::pass(format!(
                    "the authorization URL is on the custom domain {host}"
                ))
                .with(evidence)
            } else {
                Outcome::fail(format!(
                    "the authorization URL is on {host}, not on the expected custom domain {}",
                    cx.profile.custom_domains.join(", ")
                ))
                .with(evidence)
            };
        }
        Outcome::pass(format!("the authorization URL is on {host}, not a vendor default domain"))
            .with(evidence)
            .assuming(format!(
                "no profile: {host} is taken as the custom domain because it is not a vendor default host"
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::{Profile, Status};

    fn profile(domain: &str) -> Profile {
        Profile {
            custom_domains: vec![domain.into()],
            ..Profile::default()
        }
    }

    #[test]
    fn passes_on_a_custom_domain() {
        let trace = good_flow().build();
        assert_eq!(
            run_rule(&CustomDomainAuthorize, &trace, &Profile::default()).status,
            Status::Pass
        );
        assert_eq!(
            run_rule(&CustomDomainAuthorize, &trace, &profile("AUTH.acme.test")).status,
            Status::Pass
        );
    }

    #[test]
    fn fails_on_the_vendor_default_domain() {
        let trace = good_flow()
            .replace_in_urls("auth.acme.test", "acme-x7q2.scalekit.com")
            .build();
        let outcome = run_rule(&CustomDomainAuthorize, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("acme-x7q2.scalekit.com"));
        assert_eq!(outcome.evidence[0].hop, Some(4));
    }

    #[test]
    fn fails_on_a_domain_other_than_the_expected_one() {
        let trace = good_flow().build();
        let outcome = run_rule(&CustomDomainAuthorize, &trace, &profile("login.acme.com"));
        assert_eq!(outcome.status, Status::Fail);
    }
}
