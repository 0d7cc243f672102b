use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::{host_of, scheme_of};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::stdx::sort::sort_by_key;

/// One year, the minimum `max-age` the HSTS preload list accepts and the usual advice.
const ONE_YEAR_S: u64 = 365 * 24 * 60 * 60;

declare_rule! {
    /// ## What it checks
    /// Every custom-domain host of the flow (the profile's `custom_domains`, or without a
    /// profile the authorization request's host when it is not a vendor host) sends
    /// `Strict-Transport-Security` on its https responses, with `max-age` of at least one
    /// year (31536000 s). A shorter `max-age` is a warning; none, `max-age=0` or an
    /// unreadable header fail. Vendor default hosts are the vendor's concern and are not
    /// judged here.
    ///
    /// This check belongs to the custom domain section: it is a property of the domain users
    /// type and see, and it completes the seed's "SSL certificate provisioned" step (a valid
    /// certificate does not stop a first visit over http from being intercepted).
    ///
    /// ## Why it matters
    /// Without HSTS, a user who types or follows `http://auth.yourapp.com` makes a first
    /// request in clear text that an attacker on the network (hotel or conference Wi-Fi) can
    /// answer with a look-alike login page. HSTS makes the browser go straight to https for
    /// the next `max-age` seconds.
    ///
    /// ## How to fix
    /// The custom domain is served by Scalekit through your CNAME. If its responses lack the
    /// header, ask Scalekit support to enable HSTS on it. If you own the parent domain, you
    /// can also send `Strict-Transport-Security: max-age=31536000; includeSubDomains` from
    /// your main site (it then covers `auth.yourapp.com`) and consider the HSTS preload list.
    pub struct Hsts {
        id: "hsts",
        section: CustomDomain,
        title: "HSTS on the custom domain",
        fixed_in: [ScalekitSupport, EdgeServer],
    }
}

impl Rule for Hsts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let (domains, assumption) = cx.custom_domains();
        if domains.is_empty() {
            return Outcome::not_observed(
                "the flow does not use a custom domain (see custom-domain-authorize)",
            );
        }
        let mut findings = Findings::new();
        if let Some(a) = assumption {
            findings.assume(a);
        }
        for domain in &domains {
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            // The https responses of this host, documents first.
            let mut responses: Vec<(usize, &crate::trace::Exchange)> = cx
                .all_hops()
                .filter(|(_, _, ex)| {
                    ex.response.is_some()
                        && scheme_of(&ex.url).as_deref() == Some("https")
                        && host_of(&ex.url).as_deref() == Some(domain.as_str())
                })
                .map(|(i, _, ex)| (i, ex))
                .collect();
            sort_by_key(&mut responses, |(i, ex)| (!ex.is_document(), *i));
            if responses.is_empty() {
                findings.gap(
                    format!("no https response from {domain} in the flow"),
                    Evidence::note(format!(
                        "{domain} was not contacted over https in this flow"
                    )),
                );
                continue;
            }
            // The strongest policy the host sent (a browser keeps the one it saw last, but
            // any valid header on a page load protects later visits).
            let best = responses
                .iter()
                .filter_map(|(i, ex)| {
                    ex.response_header("strict-transport-security")
                        .map(|v| (*i, *ex, v, max_age(v)))
                })
                .max_by_key(|(_, _, _, age)| age.unwrap_or(0));
            match best {
                None => {
                    let (i, ex) = responses[0];
                    findings.fail(
                        format!("{domain} sends no Strict-Transport-Security header"),
                        Evidence::hop(
                            i,
                            &ex.url,
                            format!(
                                "none of the {} https responses of {domain} has HSTS",
                                responses.len()
                            ),
                        )
                        .field("Strict-Transport-Security", None),
                    );
                }
                Some((i, ex, value, age)) => {
                    let evidence = |note: &str| {
                        Evidence::hop(i, &ex.url, note)
                            .field("Strict-Transport-Security", Some(&visible(value, 200)))
                    };
                    match age {
                        None => findings.fail(
                            format!("the Strict-Transport-Security header of {domain} has no valid max-age"),
                            evidence("unreadable: browsers ignore it"),
                        ),
                        Some(0) => findings.fail(
                            format!("{domain} sends max-age=0, which turns HSTS off"),
                            evidence("max-age=0 deletes the policy"),
                        ),
                        Some(age) if age < ONE_YEAR_S => findings.warn(
                            format!("the HSTS max-age of {domain} is {age} s, less than a year"),
                            evidence("at least 31536000 is recommended"),
                        ),
                        Some(age) => findings.pass(
                            format!("{domain} sends HSTS with max-age {age} s"),
                            evidence("at least a year"),
                        ),
                    }
                }
            }
        }
        findings.outcome_with_gaps(
            "the custom domain sends HSTS with a max-age of at least a year",
            "no response from the custom domain was observed",
            false,
        )
    }
}

/// The `max-age` of an HSTS header value; `None` when absent, duplicated or not a number
/// (RFC 6797 §6.1: such headers are ignored).
fn max_age(value: &str) -> Option<u64> {
    let mut found = None;
    for directive in value.split(';') {
        let (name, v) = directive.split_once('=').unwrap_or((directive, ""));
        if name.trim().eq_ignore_ascii_case("max-age") {
            if found.is_some() {
                return None;
            }
            let v = v.trim().trim_matches('"');
            found = Some(v.parse::<u64>().ok()?);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        good_flow, good_flow_with_pages, run_rule, AUTHORIZE_HOP, BYOA_CALLBACK_HOP, CONSENT_HOP,
    };
    use crate::{Profile, Status};

    fn with_hsts(value: &str) -> crate::Trace {
        let mut b = good_flow_with_pages();
        for i in [AUTHORIZE_HOP, BYOA_CALLBACK_HOP, CONSENT_HOP] {
            b = b.with_response_header(i, "Strict-Transport-Security", value);
        }
        b.build()
    }

    #[test]
    fn parses_max_age() {
        assert_eq!(
            max_age("max-age=31536000; includeSubDomains"),
            Some(31_536_000)
        );
        assert_eq!(max_age("MAX-AGE=\"10\""), Some(10));
        assert_eq!(max_age("includeSubDomains"), None);
        assert_eq!(max_age("max-age=1; max-age=2"), None);
        assert_eq!(max_age("max-age=-1"), None);
        assert_eq!(max_age("max-age=99999999999999999999999"), None);
    }

    #[test]
    fn passes_with_a_year_or_more() {
        let outcome = run_rule(&Hsts, &good_flow_with_pages().build(), &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn warns_when_short_and_fails_when_missing_or_zero() {
        assert_eq!(
            run_rule(&Hsts, &with_hsts("max-age=300"), &Profile::default()).status,
            Status::Warn
        );
        assert_eq!(
            run_rule(&Hsts, &with_hsts("max-age=0"), &Profile::default()).status,
            Status::Fail
        );
        assert_eq!(
            run_rule(&Hsts, &with_hsts("garbage"), &Profile::default()).status,
            Status::Fail
        );
        let outcome = run_rule(&Hsts, &good_flow().build(), &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.evidence[0].hop, Some(AUTHORIZE_HOP));
    }

    #[test]
    fn judges_every_custom_domain_of_the_profile() {
        let profile = Profile {
            custom_domains: vec!["auth.acme.test".into(), "login.acme.test".into()],
            ..Profile::default()
        };
        let outcome = run_rule(&Hsts, &good_flow_with_pages().build(), &profile);
        assert_eq!(outcome.status, Status::Pass);
        let profile = Profile {
            custom_domains: vec!["auth.acme.test".into(), "never.acme.test".into()],
            ..Profile::default()
        };
        let outcome = run_rule(&Hsts, &good_flow_with_pages().build(), &profile);
        assert_eq!(outcome.status, Status::Pass);
        assert!(outcome
            .evidence
            .iter()
            .any(|e| e.note.contains("never.acme.test")));
    }

    #[test]
    fn is_not_observed_on_vendor_hosts() {
        let trace = good_flow()
            .replace_in_urls("auth.acme.test", "acme-x7q2.scalekit.com")
            .build();
        assert_eq!(
            run_rule(&Hsts, &trace, &Profile::default()).status,
            Status::NotObserved
        );
    }
}
