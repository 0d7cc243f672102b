use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::host_of;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};

/// The metadata flag that promises `iss` in every authorization response (RFC 9207).
const ISS_SUPPORTED: &str = "authorization_response_iss_parameter_supported";

declare_rule! {
    /// ## What it checks
    /// The authorization response carries `iss` (RFC 9207), equal byte for byte to the
    /// `issuer` of the authorization-server metadata. When the metadata advertises
    /// `authorization_response_iss_parameter_supported: true`, a response without `iss` fails;
    /// a response with another `iss` always fails. Without metadata in the trace, an `iss`
    /// on another host than the authorization request warns. A response without `iss` from
    /// a server that does not advertise it (or whose metadata was not observed) warns, and
    /// so does an `iss` the metadata does not advertise.
    ///
    /// ## Why it matters
    /// An MCP client talks to many authorization servers. `iss` in the response tells it
    /// which one answered, which defeats mix-up attacks where a malicious server gets hold of
    /// a code meant for another (RFC 9700 §4.4). The MCP spec's current revision asks servers
    /// to send it and clients to compare it by plain string comparison with the issuer they
    /// used, and to reject a response without it when the metadata promises it. A mismatch,
    /// often a resource-scoped issuer (`…/resources/res_…`) against an environment-level one,
    /// or the vendor domain against the custom domain, makes strict clients reject every
    /// login.
    ///
    /// ## How to fix
    /// Make the `issuer` in the authorization-server metadata the exact URL clients build the
    /// metadata URL from, on your custom domain (`https://auth.yourapp.com/resources/res_…`),
    /// and make the authorization response's `iss` that same string, on success and error
    /// responses. If the server sends `iss`, advertise
    /// `authorization_response_iss_parameter_supported: true`. If Scalekit does not send `iss`
    /// for your environment yet, note it and keep this item as a known warning.
    pub struct OauthIss {
        id: "oauth-iss",
        section: CoreAuthFlows,
        title: "Issuer in the authorization response",
        fixed_in: [ScalekitSupport],
    }
}

impl Rule for OauthIss {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let (Some(end), Some(params)) = (cx.end(), cx.end_params()) else {
            return Outcome::not_observed("the authorization response was not observed");
        };
        let iss = params.get("iss");
        let at_end =
            Evidence::hop(end.exchange, &end.url, "the authorization response").field("iss", iss);
        let metadata = cx.as_metadata();
        let issuer = cx.issuer();
        let advertised = metadata
            .as_ref()
            .is_some_and(|(_, m)| m.get(ISS_SUPPORTED).and_then(|v| v.as_bool()) == Some(true));
        let metadata_evidence = metadata.as_ref().map(|(i, _)| {
            Evidence::hop(*i, &cx.exchange(*i).url, "authorization-server metadata")
                .field("issuer", issuer.as_deref())
        });

        let mut findings = Findings::new();
        match (iss, issuer.as_deref()) {
            (None, _) if advertised => findings.fail(
                format!("the metadata advertises {ISS_SUPPORTED} but the authorization response carries no iss"),
                at_end,
            ),
            (None, _) if metadata.is_some() => findings.warn(
                "the authorization response carries no iss, and the metadata does not advertise it: clients cannot detect mix-up",
                at_end,
            ),
            (None, _) => findings.warn(
                "the authorization response carries no iss (the authorization-server metadata was not observed)",
                at_end,
            ),
            (Some(iss), Some(issuer)) if iss != issuer => {
                findings.fail(format!("iss {iss} is not the metadata issuer {issuer}"), at_end)
            }
            (Some(_), Some(_)) if !advertised => findings.warn(
                format!("the authorization response carries iss, but the metadata does not advertise {ISS_SUPPORTED}"),
                at_end,
            ),
            (Some(_), Some(_)) => findings.evidence(at_end),
            (Some(iss), None) => {
                let auth_host = cx.auth_host();
                if host_of(iss) != auth_host {
                    findings.warn(
                        format!(
                            "iss {iss} is not on {}, the host of the authorization request (no metadata issuer to compare with)",
                            auth_host.as_deref().unwrap_or("?")
                        ),
                        at_end,
                    );
                } else {
                    findings.evidence(at_end);
                    findings.assume(
                        "no metadata issuer observed: only the host of iss was compared with the authorization request's",
                    );
                }
            }
        }
        if let Some(ev) = metadata_evidence {
            findings.evidence(ev);
        }
        let pass = format!(
            "the authorization response carries iss {}, {}",
            iss.unwrap_or_default(),
            if issuer.is_some() {
                "equal to the metadata issuer"
            } else {
                "on the authorization server's host"
            }
        );
        findings.outcome(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::{Profile, Status};

    const ISS: &str = "&iss=https%3A%2F%2Fauth.acme.test%2Fresources%2Fres_1";

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthIss, trace, &Profile::default())
    }

    fn without_metadata_flag(t: &mut crate::Trace) {
        let body = t.exchanges[2]
            .response
            .as_mut()
            .and_then(|r| r.body.as_mut())
            .expect("metadata body");
        body.text = body.text.replace(
            ",\"authorization_response_iss_parameter_supported\":true",
            "",
        );
    }

    fn drop_metadata(t: &mut crate::Trace) {
        t.exchanges.remove(2);
    }

    #[test]
    fn passes_when_iss_equals_the_issuer() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "the authorization response carries iss https://auth.acme.test/resources/res_1, equal to the metadata issuer"
        );
    }

    #[test]
    fn fails_when_advertised_and_missing_or_when_different() {
        let missing = good_flow().replace_in_urls(ISS, "").build();
        let outcome = run(&missing);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("carries no iss"));

        let env_level = good_flow()
            .replace_in_urls(ISS, "&iss=https%3A%2F%2Fauth.acme.test")
            .build();
        let outcome = run(&env_level);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "iss https://auth.acme.test is not the metadata issuer https://auth.acme.test/resources/res_1");
    }

    #[test]
    fn warns_when_absent_and_not_advertised() {
        let trace = good_flow()
            .replace_in_urls(ISS, "")
            .edit(without_metadata_flag)
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("does not advertise"),
            "{}",
            outcome.summary
        );

        let no_metadata = good_flow()
            .replace_in_urls(ISS, "")
            .edit(drop_metadata)
            .build();
        let outcome = run(&no_metadata);
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("metadata was not observed"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn without_metadata_compares_hosts() {
        let same_host = good_flow().edit(drop_metadata).build();
        let outcome = run(&same_host);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.assumptions.len(), 1);

        let other_host = good_flow()
            .replace_in_urls(ISS, "&iss=https%3A%2F%2Facme.scalekit.com")
            .edit(drop_metadata)
            .build();
        assert_eq!(run(&other_host).status, Status::Warn);
    }
}
