//! Naming what happened to a value that must come back unchanged (`state`).
//!
//! Shared by `oauth-state` (the client's `state` at its `redirect_uri`) and
//! `byoa-state-roundtrip` (Scalekit's `state` at the partner callback). Both compare the raw
//! wire value and the decoded value, because "re-encoded" (same value, different bytes) is a
//! different bug from "altered", and a support engineer needs to see which one it is.

use url::form_urlencoded;

use crate::check::Status;
use crate::params::RawParam;
use crate::redact;

/// What happened to a value on its way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Damage {
    /// Not there at all, or empty.
    Missing,
    /// A strict prefix of what was sent.
    Truncated,
    /// The same once decoded, different bytes on the wire (`%2B` vs `+`, `%2b` vs `%2B`).
    ReEncoded,
    /// Decoding the returned value once more gives what was sent.
    DoubleEncoded,
    /// Anything else.
    Altered,
}

impl Damage {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Damage::Missing => "missing",
            Damage::Truncated => "truncated",
            Damage::ReEncoded => "re-encoded",
            Damage::DoubleEncoded => "double-encoded",
            Damage::Altered => "altered",
        }
    }

    /// Re-encoding keeps the value every decoding receiver compares: a warning. The rest
    /// breaks the comparison.
    pub(crate) fn status(self) -> Status {
        match self {
            Damage::ReEncoded => Status::Warn,
            _ => Status::Fail,
        }
    }
}

/// Compares what came back with what was sent; `None` when it came back byte-identical.
pub(crate) fn compare(sent: &RawParam, returned: Option<&RawParam>) -> Option<Damage> {
    let Some(returned) = returned.filter(|r| !r.raw.is_empty()) else {
        return Some(Damage::Missing);
    };
    if returned.raw == sent.raw {
        return None;
    }
    if returned.value == sent.value {
        return Some(Damage::ReEncoded);
    }
    if decode(&returned.value) == sent.value {
        return Some(Damage::DoubleEncoded);
    }
    let strict_prefix =
        |whole: &str, part: &str| part.len() < whole.len() && whole.starts_with(part);
    if strict_prefix(&sent.value, &returned.value) || strict_prefix(&sent.raw, &returned.raw) {
        return Some(Damage::Truncated);
    }
    Some(Damage::Altered)
}

/// One line for a summary: "state came back truncated: 43 → 40 characters".
pub(crate) fn describe(
    name: &str,
    damage: Damage,
    sent: &RawParam,
    returned: Option<&RawParam>,
) -> String {
    let returned_raw = returned.map(|r| r.raw.as_str()).unwrap_or_default();
    // Summaries are not redacted: never quote a piece of something that looks like a token.
    let quotable = !redact::looks_like_jwt(&sent.value)
        && !redact::looks_like_jwt(returned.map_or("", |r| r.value.as_str()));
    let snippet = |how: &str| {
        if quotable {
            let (a, b) = differing_part(&sent.raw, returned_raw);
            format!(" (`{a}` became `{b}`){how}")
        } else {
            how.to_string()
        }
    };
    match damage {
        Damage::Missing if returned.is_some() => format!("{name} came back empty"),
        Damage::Missing => format!("{name} did not come back"),
        Damage::Truncated => format!(
            "{name} came back truncated: {} → {} characters",
            sent.value.chars().count(),
            returned.map_or(0, |r| r.value.chars().count())
        ),
        Damage::ReEncoded => format!(
            "{name} came back re-encoded{}",
            snippet(": the same value once decoded, different bytes on the wire")
        ),
        Damage::DoubleEncoded => format!(
            "{name} came back double-encoded{}",
            snippet(": it was percent-encoded twice")
        ),
        Damage::Altered => format!("{name} came back altered{}", snippet("")),
    }
}

/// The part where two strings differ, with a little context, shortened: a summary shows
/// `a%2Bb` → `a+b` rather than two 50-character values.
pub(crate) fn differing_part(a: &str, b: &str) -> (String, String) {
    const CONTEXT: usize = 4;
    const MAX: usize = 32;
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix - prefix.min(CONTEXT);
    let cut = |s: &[char]| {
        let end = s.len() - suffix + suffix.min(CONTEXT);
        let part: String = s[start..end].iter().take(MAX).collect();
        let lead = if start > 0 { "…" } else { "" };
        let tail = if end - start > MAX || end < s.len() {
            "…"
        } else {
            ""
        };
        format!("{lead}{part}{tail}")
    };
    (cut(&a), cut(&b))
}

fn decode(value: &str) -> String {
    form_urlencoded::parse(format!("x={}", value.replace('&', "%26")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    fn param(raw: &str) -> RawParam {
        Params::parse(&format!("state={raw}")).0.remove(0)
    }

    fn damage(sent: &str, returned: Option<&str>) -> Option<Damage> {
        compare(&param(sent), returned.map(param).as_ref())
    }

    #[test]
    fn names_each_kind_of_damage() {
        assert_eq!(damage("abc", Some("abc")), None);
        assert_eq!(damage("abc", None), Some(Damage::Missing));
        assert_eq!(damage("abc", Some("")), Some(Damage::Missing));
        assert_eq!(damage("abcdef", Some("abc")), Some(Damage::Truncated));
        assert_eq!(damage("a%2Bb", Some("a%2bb")), Some(Damage::ReEncoded));
        assert_eq!(damage("a%2Bb", Some("a+b")), Some(Damage::Altered)); // `+` is a space
        assert_eq!(damage("a%20b", Some("a+b")), Some(Damage::ReEncoded));
        assert_eq!(
            damage("a%2Bb", Some("a%252Bb")),
            Some(Damage::DoubleEncoded)
        );
        assert_eq!(damage("abc", Some("abd")), Some(Damage::Altered));
    }

    #[test]
    fn describes_damage_for_a_person() {
        let sent = param("abcdef");
        let short = param("abc");
        assert_eq!(
            describe("state", Damage::Truncated, &sent, Some(&short)),
            "state came back truncated: 6 → 3 characters"
        );
        assert_eq!(
            differing_part("xx%2Byy", "xx%252Byy"),
            ("xx%2Byy".to_string(), "xx%252Byy".to_string())
        );
        assert_eq!(
            differing_part("0123456789a%2Bb0123456789", "0123456789a+b0123456789"),
            ("…789a%2Bb012…".to_string(), "…789a+b012…".to_string())
        );
        assert_eq!(
            differing_part("", "abc"),
            (String::new(), "abc".to_string())
        );
        let jwt = param("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");
        let other = param("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJx");
        assert_eq!(
            describe("state", Damage::Altered, &jwt, Some(&other)),
            "state came back altered"
        );
        let _ = differing_part("aaa", "aa");
        let _ = differing_part("é", "e");
    }
}
