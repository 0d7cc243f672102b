use std::collections::BTreeSet;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// Every Scalekit page the user sees during the flow (login, consent and error pages, and
    /// the bring-your-own-auth `partner:callback` the browser passes through) is on your
    /// custom domain: never on a vendor default domain (`*.scalekit.com`, `*.scalekit.dev`,
    /// `*.scalekit.cloud`), and on one of the profile's custom domains when the profile names
    /// them. Your own BYOA login page is your application, not Scalekit's, and is not judged
    /// here; neither are pages of third parties (a social or enterprise identity provider).
    ///
    /// ## Why it matters
    /// A custom domain on the authorization URL alone is not enough: if the login, consent or
    /// error pages, or the BYOA callback, still go to `yourapp-xxxx.scalekit.com`, users see
    /// an unknown domain in the middle of signing in (which looks like phishing), and the
    /// consent screen names the vendor domain as the requesting party. Connections configured
    /// before the custom domain was added keep the old domain, so this is a common leftover.
    ///
    /// ## How to fix
    /// Set up the custom domain under Dashboard > Customization > Custom Domain (production
    /// only) and wait until it is verified and its certificate issued. Then update everything
    /// that still names the old domain: the callback URL your BYOA login handler redirects to
    /// (`https://auth.yourapp.com/sso/v1/connections/conn_…/partner:callback`), the
    /// `authorization_servers` of your protected-resource metadata, and any environment URL
    /// in your configuration or SDK setup.
    pub struct CustomDomainPages {
        id: "custom-domain-pages",
        section: CustomDomain,
        title: "Login, consent and error pages on the custom domain",
    }
}

impl Rule for CustomDomainPages {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let (domains, assumption) = cx.custom_domains();
        let auth_host = cx.auth_host();
        // The customer's own login application: not Scalekit's pages.
        let customer_hosts: BTreeSet<String> = cx
            .hops(Role::ByoaLogin)
            .filter_map(|(_, ex)| host_of(&ex.url))
            .collect();
        let mut findings = Findings::new();
        let mut judged = 0;
        let mut on_custom_hosts = BTreeSet::new();
        let mut others = BTreeSet::new();
        for (i, role, ex) in cx.all_hops() {
            let is_scalekit_page =
                (role.is_seen_page() && role != Role::ByoaLogin) || role == Role::ByoaCallback;
            let Some(host) = host_of(&ex.url).filter(|_| is_scalekit_page) else {
                continue;
            };
            if customer_hosts.contains(&host) {
                continue;
            }
            let evidence =
                Evidence::hop(i, &ex.url, format!("{role} on {host}")).field("host", Some(&host));
            let on_custom = domains
                .iter()
                .any(|d| d.trim_end_matches('.').eq_ignore_ascii_case(&host));
            if vendor::is_vendor_default(&host) {
                findings.fail(
                    format!("the {role} is on the vendor default domain {host}"),
                    evidence,
                );
            } else if on_custom || (domains.is_empty() && role == Role::ByoaCallback) {
                // Without a known custom domain, a partner callback off the vendor domains
                // is on the custom domain the BYOA handler was configured with.
                findings.evidence(evidence);
                on_custom_hosts.insert(host);
            } else if auth_host.as_deref() == Some(host.as_str()) || role == Role::ByoaCallback {
                findings.fail(
                    format!(
                        "the {role} is on {host}, not on the custom domain {}",
                        domains.join(", ")
                    ),
                    evidence,
                );
            } else {
                others.insert(host); // a third party's page (an upstream identity provider)
                continue;
            }
            judged += 1;
        }
        if judged == 0 && !findings.has_problems() {
            return Outcome::not_observed(if others.is_empty() {
                "no login, consent or error page of the authorization server was seen".to_string()
            } else {
                format!(
                    "no page of the authorization server was seen; pages on {} are a third party's and not judged",
                    others.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            });
        }
        if let Some(a) = assumption {
            findings.assume(a);
        }
        let mut pass = format!(
            "the flow's {} on the custom domain {}",
            if judged == 1 {
                "authorization-server page is".to_string()
            } else {
                format!("{judged} authorization-server pages are")
            },
            on_custom_hosts.into_iter().collect::<Vec<_>>().join(", ")
        );
        if !others.is_empty() {
            pass.push_str(&format!(
                " (pages on {} are a third party's and were not judged)",
                others.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        findings.outcome(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    fn profile(domain: &str) -> Profile {
        Profile {
            custom_domains: vec![domain.into()],
            ..Profile::default()
        }
    }

    #[test]
    fn passes_when_the_pages_are_on_the_custom_domain() {
        let outcome = run_rule(
            &CustomDomainPages,
            &good_flow().build(),
            &Profile::default(),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the flow's 2 authorization-server pages are on the custom domain auth.acme.test"
        );
        assert_eq!(outcome.assumptions.len(), 1);
        // The customer's own login page (hop 5) is not judged.
        assert!(outcome.evidence.iter().all(|e| e.hop != Some(5)));

        let with_profile = run_rule(
            &CustomDomainPages,
            &good_flow().build(),
            &profile("auth.acme.test"),
        );
        assert_eq!(with_profile.status, Status::Pass);
        assert!(with_profile.assumptions.is_empty());
    }

    #[test]
    fn fails_when_the_partner_callback_still_uses_the_vendor_domain() {
        let trace = good_flow()
            .replace_in_urls(
                "https://auth.acme.test/sso/v1/connections/conn_987/partner:callback",
                "https://acme-x7q2.scalekit.com/sso/v1/connections/conn_987/partner:callback",
            )
            .build();
        let outcome = run_rule(&CustomDomainPages, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the byoa-callback is on the vendor default domain acme-x7q2.scalekit.com"
        );
        assert_eq!(outcome.evidence[0].hop, Some(7));
    }

    #[test]
    fn fails_on_a_host_other_than_the_profiles_custom_domain() {
        let outcome = run_rule(
            &CustomDomainPages,
            &good_flow().build(),
            &profile("login.acme.com"),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .contains("not on the custom domain login.acme.com"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn does_not_judge_third_party_pages_and_needs_a_page() {
        let trace = TraceBuilder::new()
            .get(&crate::testing::good_authorize_url())
            .redirect(302, "https://accounts.idp.test/signin?state=x")
            .page(200)
            .build();
        let outcome = run_rule(&CustomDomainPages, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved, "{outcome:?}");
        assert!(outcome.summary.contains("accounts.idp.test"));
    }
}
