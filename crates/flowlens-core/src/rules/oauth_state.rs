use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::rules::authorize_param::AuthorizeParam;
use crate::rules::findings::Findings;
use crate::rules::value_damage::{compare, describe};
use crate::rules::{Context, Rule, RuleMeta};

/// Below this many estimated bits a `state` is a warning; below `FAIL_BITS` a failure.
const WARN_BITS: f64 = 128.0;
const FAIL_BITS: f64 = 64.0;

declare_rule! {
    /// ## What it checks
    /// The authorization request carries exactly one `state`, random enough (an estimated
    /// 128 bits or more: length × log2 of the alphabet its characters come from, so 22
    /// base64url or 32 hex characters; below 128 bits warns, below 64 fails), and the
    /// authorization response at the client's `redirect_uri` returns it byte-identical. When
    /// it does not, the damage is named: `missing`, `truncated`, `re-encoded` (the same once
    /// decoded: a warning), `double-encoded` or `altered`. When the callback was not observed
    /// the round trip is reported as not checked.
    ///
    /// ## Why it matters
    /// `state` ties the authorization response to the browser session that started the
    /// flow: without it, or with a guessable one, an attacker can make a victim's client
    /// accept the attacker's authorization code (login CSRF), and RFC 9700 asks for a
    /// one-time, unguessable value. A server that returns it changed breaks every client that
    /// checks it, and a `state` sent twice is read differently by different servers and
    /// frameworks.
    ///
    /// ## How to fix
    /// Generate a fresh `state` for every authorization request from a cryptographic random
    /// source (at least 16 random bytes, base64url-encoded), store it with the flow (with the
    /// PKCE verifier), add it to the authorization URL once, and compare it exactly when the
    /// callback arrives. Authorization servers must return it unchanged, on success and on
    /// error responses alike.
    pub struct OauthState {
        id: "oauth-state",
        section: CoreAuthFlows,
        title: "State: present, unguessable, returned unchanged",
        fixed_in: [ClientApp],
    }
}

impl Rule for OauthState {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let param = match AuthorizeParam::of(cx, "state") {
            Ok(param) => param,
            Err(not_observed) => return not_observed,
        };
        let states = &param.sent;
        let Some(sent) = states.first() else {
            return Outcome::fail("the authorization request carries no state")
                .with(param.evidence("authorization request", None));
        };
        let mut findings = Findings::new();
        if states.len() > 1 {
            for (n, s) in states.iter().enumerate() {
                findings.fail(
                    format!(
                        "state is sent {} times in the authorization request",
                        states.len()
                    ),
                    param.evidence(&format!("state #{}", n + 1), Some(&s.raw)),
                );
            }
        }
        let strength = Strength::of(&sent.value);
        let evidence = param.evidence(&format!("state: {strength}"), Some(&sent.raw));
        if strength.bits < FAIL_BITS {
            findings.fail(format!("state is guessable: {strength}"), evidence);
        } else if strength.bits < WARN_BITS {
            findings.warn(
                format!("state is weak: {strength}, below 128 bits"),
                evidence,
            );
        } else {
            findings.evidence(evidence);
        }

        match (cx.end(), cx.end_params()) {
            (Some(end), Some(end_params)) => {
                let returned = end_params.find("state");
                let evidence = Evidence::hop(
                    end.exchange,
                    &end.url,
                    "state in the authorization response (raw)",
                )
                .field("state", returned.map(|r| r.raw.as_str()));
                match compare(sent, returned) {
                    Some(damage) => findings.problem(
                        damage.status(),
                        describe("state", damage, sent, returned),
                        Evidence {
                            note: format!("{}: {}", evidence.note, damage.as_str()),
                            ..evidence
                        },
                    ),
                    None => findings.evidence(evidence),
                }
            }
            _ => findings.warn(
                "callback not observed: whether state comes back unchanged was not checked",
                param.at_request("the flow never reached the client's redirect_uri"),
            ),
        }
        findings.outcome(format!("state ({strength}) comes back unchanged"))
    }
}

/// An estimate of a value's randomness from its length and the characters it uses.
struct Strength {
    chars: usize,
    alphabet: &'static str,
    bits: f64,
}

impl Strength {
    fn of(value: &str) -> Self {
        let value = value.trim_end_matches('='); // base64 padding carries nothing
        let has = |f: fn(char) -> bool| value.chars().any(f);
        let (digits, lower, upper) = (
            has(|c| c.is_ascii_digit()),
            has(|c| c.is_ascii_lowercase()),
            has(|c| c.is_ascii_uppercase()),
        );
        let hex_only =
            value.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && !(lower && upper);
        if digits && !lower && !upper && value.chars().all(|c| c.is_ascii_digit()) {
            return Self::new(value.len(), "decimal", 10);
        }
        if hex_only && value.chars().any(|c| c.is_ascii_hexdigit()) {
            let hex_digits = value.chars().filter(char::is_ascii_hexdigit).count();
            return Self::new(hex_digits, "hex", 16);
        }
        let url_safe = has(|c| c == '-' || c == '_');
        let classic = has(|c| c == '+' || c == '/');
        let other = has(|c| !c.is_ascii_alphanumeric() && !"-_+/".contains(c));
        let size = [
            (digits, 10),
            (lower, 26),
            (upper, 26),
            (url_safe, 2),
            (classic, 2),
            (other, 32),
        ]
        .iter()
        .filter(|(used, _)| *used)
        .map(|(_, n)| n)
        .sum::<u32>();
        let alphabet = match (size, url_safe, classic) {
            (64, true, false) => "base64url",
            (64, false, true) => "base64",
            (62, ..) => "alphanumeric",
            (36, ..) if lower => "lowercase alphanumeric",
            (26 | 52, ..) => "letter",
            _ => "mixed-alphabet",
        };
        Self::new(value.chars().count(), alphabet, size.max(1))
    }

    fn new(chars: usize, alphabet: &'static str, size: u32) -> Self {
        Self {
            chars,
            alphabet,
            bits: chars as f64 * f64::from(size).log2(),
        }
    }
}

impl std::fmt::Display for Strength {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} characters, about {:.0} bits",
            self.chars, self.alphabet, self.bits
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, GOOD_STATE};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&OauthState, trace, &Profile::default())
    }

    #[test]
    fn passes_on_a_strong_state_returned_unchanged() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "state (42 base64url characters, about 252 bits) comes back unchanged"
        );
    }

    #[test]
    fn estimates_strength_from_the_alphabet() {
        assert_eq!(Strength::of("0123456789abcdef0123456789abcdef").bits, 128.0);
        assert_eq!(
            Strength::of("550e8400-e29b-41d4-a716-446655440000").bits,
            128.0
        );
        assert_eq!(Strength::of("12345678").alphabet, "decimal");
        assert_eq!(Strength::of("abcdefghij").alphabet, "letter");
        assert!(Strength::of("Zm9vYmFy+/==").alphabet == "base64");
        assert_eq!(Strength::of("").bits, 0.0);
    }

    #[test]
    fn fails_without_state_or_with_a_guessable_one() {
        let no_state = good_flow()
            .replace_in_urls(&format!("&state={GOOD_STATE}"), "")
            .build();
        let outcome = run(&no_state);
        assert_eq!(
            (outcome.status, outcome.summary.as_str()),
            (Status::Fail, "the authorization request carries no state")
        );

        let short = good_flow().replace_in_urls(GOOD_STATE, "abcxyz12").build();
        let outcome = run(&short);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "state is guessable: 8 lowercase alphanumeric characters, about 41 bits"
        );
    }

    #[test]
    fn warns_on_a_weak_state() {
        let weak = good_flow()
            .replace_in_urls(GOOD_STATE, "0123456789abcdef0123456789")
            .build();
        let outcome = run(&weak);
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.summary,
            "state is weak: 26 hex characters, about 104 bits, below 128 bits"
        );
    }

    #[test]
    fn fails_on_duplicated_state() {
        let twice = good_flow()
            .replace_in_urls(
                &format!("&state={GOOD_STATE}"),
                &format!("&state={GOOD_STATE}&state=other"),
            )
            .build();
        let outcome = run(&twice);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "state is sent 2 times in the authorization request"
        );
        assert_eq!(outcome.evidence[1].value.as_deref(), Some("other"));
    }

    #[test]
    fn names_the_damage_at_the_callback() {
        let cut = &GOOD_STATE[..40];
        let trace = good_flow()
            .replace_in_urls(
                &format!("code=SplxlOBeZQQYbYS6WxSbIA&state={GOOD_STATE}"),
                &format!("code=SplxlOBeZQQYbYS6WxSbIA&state={cut}"),
            )
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "state came back truncated: 42 → 40 characters"
        );
    }

    #[test]
    fn warns_when_the_callback_was_not_observed() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(9)).build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome.summary.starts_with("callback not observed"));
    }
}
