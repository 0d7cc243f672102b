//! Reading a `WWW-Authenticate` header (RFC 9110 §11.6.1): the probe needs the
//! `resource_metadata` URL of the Bearer challenge to continue discovery the way a client does.
//! The rules read the same header from the trace; this parser only steers the probe.

/// One challenge of a `WWW-Authenticate` header: a scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme as written (`Bearer`).
    pub scheme: String,
    /// Parameters in order, names lower-cased, quoted values unescaped.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The Bearer challenge among the challenges of one or more `WWW-Authenticate` values.
pub fn bearer<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    values
        .into_iter()
        .flat_map(parse)
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
}

/// Parses a `WWW-Authenticate` value into its challenges. Never fails: what does not parse is
/// skipped, because a broken header is evidence for the rules, not a reason to stop.
pub fn parse(header: &str) -> Vec<Challenge> {
    let mut challenges: Vec<Challenge> = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            break;
        }
        let (token, after) = take_token(rest);
        if token.is_empty() {
            rest = skip_one(rest); // a stray character
            continue;
        }
        let after_ws = after.trim_start();
        if let Some(value_part) = after_ws.strip_prefix('=') {
            // `name=value`: a parameter of the current challenge, or a token68 tail.
            let (value, after_value) = take_value(value_part.trim_start());
            // Parameters before any scheme are ignored.
            if let Some(c) = challenges.last_mut() {
                c.params.push((token.to_ascii_lowercase(), value));
            }
            rest = after_value;
        } else {
            challenges.push(Challenge {
                scheme: token.to_string(),
                params: Vec::new(),
            });
            rest = after;
        }
    }
    challenges
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/:".contains(c)
}

fn take_token(input: &str) -> (&str, &str) {
    let end = input
        .char_indices()
        .find(|&(_, c)| !is_token_char(c))
        .map(|(i, _)| i)
        .unwrap_or(input.len());
    input.split_at(end)
}

fn skip_one(input: &str) -> &str {
    let mut chars = input.chars();
    chars.next();
    chars.as_str()
}

/// A quoted string (with `\` escapes) or a token; returns the value and what follows.
fn take_value(input: &str) -> (String, &str) {
    if let Some(quoted) = input.strip_prefix('"') {
        let mut value = String::new();
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            if escaped {
                value.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                return (value, &quoted[i + 1..]);
            } else {
                value.push(c);
            }
        }
        (value, "") // unterminated: take the rest
    } else {
        let end = input
            .char_indices()
            .find(|&(_, c)| c == ',' || c.is_ascii_whitespace())
            .map(|(i, _)| i)
            .unwrap_or(input.len());
        (input[..end].to_string(), &input[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_scalekit_challenge() {
        let c = bearer([
            r#"Bearer realm="OAuth", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp", scope="a b""#,
        ])
        .expect("a bearer challenge");
        assert_eq!(c.param("realm"), Some("OAuth"));
        assert_eq!(
            c.param("resource_metadata"),
            Some("https://mcp.acme.test/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(c.param("SCOPE"), Some("a b"));
    }

    #[test]
    fn finds_bearer_among_several_challenges_and_headers() {
        let c = bearer([
            r#"Basic realm="x", Newauth realm="apps", type=1"#,
            r#"bearer error="invalid_token", error_description="a \"quoted\" word", resource_metadata=https://m.test/prm"#,
        ])
        .expect("a bearer challenge");
        assert_eq!(c.param("error_description"), Some(r#"a "quoted" word"#));
        assert_eq!(c.param("resource_metadata"), Some("https://m.test/prm"));
        assert_eq!(
            parse(r#"Basic realm="x", Newauth realm="apps", type=1"#).len(),
            2
        );
    }

    #[test]
    fn odd_headers_do_not_panic() {
        for h in [
            "",
            "Bearer",
            "=",
            "Bearer =",
            "Bearer a=\"unterminated",
            ",,, ,",
            "Basic abc==",
            "Bearer réalm=é",
            "\"",
        ] {
            let _ = parse(h);
        }
        assert_eq!(bearer(["Bearer"]).map(|c| c.params.len()), Some(0));
        assert_eq!(bearer(["Basic realm=x"]), None);
    }
}
