use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::params::UrlParams;
use crate::rules::byoa::{byoa, not_byoa};
use crate::rules::chain::{error_codes, error_pages, never_reached};
use crate::rules::findings::Findings;
use crate::rules::value_damage::{compare, describe};
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// In a bring-your-own-auth flow, the `state` Scalekit gave your login endpoint comes back
    /// unchanged to the partner callback (`/sso/v1/connections/conn_…/partner:callback`). It
    /// compares the raw value on the wire and the decoded value, and names the damage when
    /// they differ: `missing`, `truncated` (a prefix of the original), `re-encoded` (the same
    /// once decoded, different bytes: a warning), `double-encoded` (percent-encoded twice) or
    /// `altered`. An `invalid_state` error page after the callback is shown as evidence.
    /// Skipped when the flow does not use bring your own auth; not observed when the browser
    /// never reached the callback.
    ///
    /// ## Why it matters
    /// Scalekit finds the login request again by this `state`. When it does not match,
    /// Scalekit shows the `invalid_state` error page and the user cannot finish signing in,
    /// typically only for some users (values with `+`, `/` or `=` that one encoding step
    /// mangles) or only after a framework upgrade, which makes it hard to reproduce.
    ///
    /// ## How to fix
    /// Treat `state` as an opaque string: read it from the login request's query once (your
    /// framework decodes it), keep it as is (in a hidden form field or your session), and
    /// append it to the callback URL encoded exactly once, e.g. with `encodeURIComponent` or
    /// `URLSearchParams`. Do not decode it twice, trim it, cut it to a column length or
    /// rebuild it. The login request lives about 10 minutes: an identical `state` still gets
    /// `invalid_state` when the user took longer, or when the callback went to another host.
    pub struct ByoaStateRoundtrip {
        id: "byoa-state-roundtrip",
        section: BringYourOwnAuth,
        title: "State returned unchanged to the partner callback",
        fixed_in: [LoginEndpoint],
    }
}

impl Rule for ByoaStateRoundtrip {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some(byoa) = byoa(cx) else {
            return not_byoa();
        };
        let Some((login_hop, login)) = byoa.login else {
            return Outcome::not_observed(
                "the redirect to your login endpoint was not observed: no state to compare",
            );
        };
        let sent_params = UrlParams::of(&login.url).query;
        let Some(sent) = sent_params.find("state") else {
            return Outcome::not_observed(
                "no state reached the login endpoint (see byoa-login-endpoint): nothing to compare",
            )
            .with(Evidence::hop(login_hop, &login.url, "login endpoint").field("state", None));
        };
        let sent_evidence = Evidence::hop(
            login_hop,
            &login.url,
            "state as it reached the login endpoint (raw)",
        )
        .field("state", Some(&sent.raw));
        let Some((cb_hop, callback)) = byoa.callback.filter(|(i, _)| *i > login_hop) else {
            return never_reached(
                cx,
                "state could not be compared: the browser never reached the partner callback",
            )
            .with(sent_evidence);
        };
        let returned_params = UrlParams::of(&callback.url).query;
        let returned = returned_params.find("state");
        let returned_evidence = Evidence::hop(
            cb_hop,
            &callback.url,
            "state as it came back to the partner callback (raw)",
        )
        .field("state", returned.map(|r| r.raw.as_str()));
        let invalid_state = error_pages(cx).find(|(i, _)| {
            *i > cb_hop
                && error_codes(cx, *i)
                    .iter()
                    .any(|c| c == vendor::INVALID_STATE_ERROR)
        });

        let mut findings = Findings::new();
        findings.evidence(sent_evidence);
        match compare(sent, returned) {
            Some(damage) => findings.problem(
                damage.status(),
                describe("state", damage, sent, returned),
                Evidence {
                    note: format!("{}: {}", returned_evidence.note, damage.as_str()),
                    ..returned_evidence
                },
            ),
            None => findings.evidence(returned_evidence),
        }
        if let Some((i, page)) = invalid_state {
            let evidence = Evidence::hop(i, &page.url, "Scalekit's invalid_state error page");
            if findings.has_problems() {
                findings.fail(
                    format!("Scalekit then showed invalid_state (hop {i})"),
                    evidence,
                );
            } else {
                let minutes = (callback.time_ms - login.time_ms) / 60_000.0;
                let cause = if callback.time_ms - login.time_ms > vendor::LOGIN_REQUEST_LIFETIME_MS
                {
                    format!(
                        "the login took {minutes:.0} minutes, longer than the login request lives"
                    )
                } else {
                    "the login request had expired, was already used, or the callback went to another host"
                        .to_string()
                };
                findings.warn(
                    format!("state came back unchanged, but Scalekit answered invalid_state (hop {i}): {cause}"),
                    evidence,
                );
            }
        }
        findings.outcome(format!(
            "state came back byte-identical to the partner callback ({} characters)",
            sent.value.chars().count()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder, GOOD_SK_STATE};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&ByoaStateRoundtrip, trace, &Profile::default())
    }

    /// The good flow with the state at the partner callback replaced.
    fn returned_as(state: &str) -> crate::Trace {
        let callback = "partner:callback?state=";
        good_flow()
            .replace_in_urls(
                &format!("{callback}{GOOD_SK_STATE}"),
                &format!("{callback}{state}"),
            )
            .build()
    }

    #[test]
    fn passes_when_state_comes_back_identical() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "state came back byte-identical to the partner callback (50 characters)"
        );
        assert_eq!(outcome.evidence[0].value.as_deref(), Some(GOOD_SK_STATE));
    }

    #[test]
    fn names_the_damage() {
        let outcome = run(&returned_as(&GOOD_SK_STATE[..47]));
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "state came back truncated: 50 → 47 characters"
        );
        assert_eq!(
            outcome.evidence[1].value.as_deref(),
            Some(&GOOD_SK_STATE[..47])
        );

        let outcome = run(&returned_as(""));
        assert_eq!(
            (outcome.status, outcome.summary.as_str()),
            (Status::Fail, "state came back empty")
        );

        let altered = run(&returned_as(&format!("X{}", &GOOD_SK_STATE[1..])));
        assert_eq!(altered.status, Status::Fail);
        assert_eq!(
            altered.summary,
            "state came back altered (`HntJ_…` became `XntJ_…`)"
        );
    }

    #[test]
    fn re_encoding_warns_and_double_encoding_fails() {
        let sent = "a%2Bb%2Fc%3D";
        let trace = good_flow().replace_in_urls(GOOD_SK_STATE, sent).build();
        let lower = trace_with_callback_state(&trace, "a%2bb%2fc%3d");
        let outcome = run(&lower);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(
            outcome.summary.starts_with("state came back re-encoded"),
            "{}",
            outcome.summary
        );

        let twice = trace_with_callback_state(&trace, "a%252Bb%252Fc%253D");
        let outcome = run(&twice);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .starts_with("state came back double-encoded"),
            "{}",
            outcome.summary
        );
    }

    fn trace_with_callback_state(trace: &crate::Trace, state: &str) -> crate::Trace {
        let mut trace = trace.clone();
        for ex in &mut trace.exchanges {
            if let Some((base, _)) = ex.url.split_once("partner:callback?state=") {
                ex.url = format!("{base}partner:callback?state={state}");
            }
            if let Some(r) = &mut ex.response {
                for h in &mut r.headers {
                    if let Some((base, _)) = h.value.split_once("partner:callback?state=") {
                        h.value = format!("{base}partner:callback?state={state}");
                    }
                }
            }
        }
        trace
    }

    #[test]
    fn missing_state_fails_and_cites_the_invalid_state_page() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(7))
            .redirect(
                303,
                "https://auth.acme.test/sso/v1/connections/conn_987/partner:callback",
            )
            .redirect(
                302,
                "https://auth.acme.test/a/auth/error?error=invalid_state",
            )
            .html(400, "<h1>invalid_state</h1>")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "state did not come back; Scalekit then showed invalid_state (hop 8)"
        );
        assert_eq!(outcome.evidence.last().and_then(|e| e.hop), Some(8));
    }

    #[test]
    fn identical_state_with_invalid_state_warns_about_expiry() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(6))
            .wait_ms(11.0 * 60_000.0)
            .post_form("https://login.acme.test/login/submit", &[("state", GOOD_SK_STATE)])
            .redirect(303, &format!("https://auth.acme.test/sso/v1/connections/conn_987/partner:callback?state={GOOD_SK_STATE}"))
            .redirect(302, "https://auth.acme.test/a/auth/error?error=invalid_state")
            .html(400, "<h1>invalid_state</h1>")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(
            outcome.summary.contains("the login took 11 minutes"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn not_observed_without_callback_and_skipped_without_byoa() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(6)).build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::NotObserved);
        assert!(
            outcome
                .summary
                .contains("the flow stopped at hop 5 (byoa-login"),
            "{}",
            outcome.summary
        );

        let plain = TraceBuilder::new()
            .get(&crate::testing::good_authorize_url())
            .page(200)
            .build();
        assert_eq!(run(&plain).status, Status::Skipped);
    }
}
