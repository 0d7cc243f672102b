//! Header values: `Authorization` credentials (Bearer tokens, Basic passwords), cookie values
//! of `Cookie` and `Set-Cookie` (names and attributes stay readable, since the transport
//! checks read `Secure` and `SameSite`), URLs in `Location`, `Referer`, `Refresh` and `Link`,
//! and credential headers (`X-Api-Key`, `Mcp-Session-Id`) whole.

use crate::stdx::base64::{Engine, STANDARD};

use super::encoding::Wire;
use super::names::{header_class, HeaderClass};
use super::redactor::Redactor;

/// Set-Cookie attributes kept as they are.
const COOKIE_ATTRIBUTES: &[&str] = &[
    "expires",
    "max-age",
    "domain",
    "path",
    "secure",
    "httponly",
    "samesite",
    "partitioned",
    "priority",
    "version",
    "comment",
];

impl Redactor {
    /// The value of a header, redacted according to its name.
    pub fn redact_header(&mut self, name: &str, value: &str) -> String {
        self.redact_header_value(header_class(name), value)
    }

    pub(crate) fn redact_header_value(&mut self, class: HeaderClass, value: &str) -> String {
        match class {
            HeaderClass::Authorization => self.redact_authorization(value),
            HeaderClass::Cookie => self.redact_cookie_header(value),
            HeaderClass::SetCookie => value
                .split('\n')
                .map(|line| self.redact_set_cookie(line))
                .collect::<Vec<_>>()
                .join("\n"),
            HeaderClass::Url => self.redact_url(value),
            HeaderClass::Refresh => match find_ascii_ci(value, "url=") {
                Some(pos) => format!(
                    "{}{}",
                    &value[..pos + 4],
                    self.redact_url(&value[pos + 4..])
                ),
                None => value.to_string(),
            },
            HeaderClass::Link => self.redact_link(value),
            HeaderClass::Credential(kind) => self.redact_named_value(kind, value, Wire::Plain),
            HeaderClass::Other => self.redact_free_value(value, Wire::Plain),
        }
    }

    /// `Scheme credentials`: the scheme stays, the credentials become a pseudonym (a JWT keeps
    /// its claims; Basic keeps the user name and pseudonymises the password).
    pub(crate) fn redact_authorization(&mut self, value: &str) -> String {
        let trimmed = value.trim();
        let Some((scheme, credentials)) = trimmed.split_once(' ') else {
            return self.redact_named_credential("authorization", trimmed);
        };
        let credentials = credentials.trim();
        let redacted = match scheme.to_ascii_lowercase().as_str() {
            "basic" => self.redact_basic(credentials),
            "bearer" | "dpop" => self.redact_named_credential("access_token", credentials),
            _ => self.redact_named_credential("authorization", credentials),
        };
        format!("{scheme} {redacted}")
    }

    fn redact_named_credential(&mut self, kind: &'static str, credentials: &str) -> String {
        if super::jwt::is_jwt_shaped(credentials) {
            self.redact_jwt(credentials, Some(kind))
        } else {
            self.pseudonymize(kind, credentials, Wire::Plain)
        }
    }

    fn redact_basic(&mut self, credentials: &str) -> String {
        if super::pseudonym::is_pseudonym(credentials) {
            return credentials.to_string();
        }
        let decoded = STANDARD
            .decode(credentials)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((user, password)) => {
                if super::pseudonym::is_pseudonym_spelling(password) || password.is_empty() {
                    return credentials.to_string();
                }
                let p = self.pseudonymize("password", password, Wire::Plain);
                STANDARD.encode(format!("{user}:{p}"))
            }
            None => self.whole(
                "authorization",
                credentials,
                "Basic credentials that are not base64 of user:password",
            ),
        }
    }

    /// `a=1; b=2`: every value pseudonymised; a piece without a name is pseudonymised whole.
    pub(crate) fn redact_cookie_header(&mut self, value: &str) -> String {
        value
            .split(';')
            .map(|piece| {
                let lead = &piece[..piece.len() - piece.trim_start().len()];
                let body = piece.trim_start();
                if body.trim().is_empty() {
                    return piece.to_string();
                }
                match body.split_once('=') {
                    Some((name, v)) if !name.trim().is_empty() => {
                        format!("{lead}{name}={}", self.redact_cookie_value(v))
                    }
                    _ => {
                        let whole = self.whole("cookie", body.trim(), "cookie without name=value");
                        format!("{lead}{whole}")
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// A cookie value, quotes kept.
    pub(crate) fn redact_cookie_value(&mut self, value: &str) -> String {
        let trimmed_end = value.trim_end();
        let trailing = &value[trimmed_end.len()..];
        match trimmed_end
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
        {
            Some(inner) => format!(
                "\"{}\"{trailing}",
                self.pseudonymize("cookie", inner, Wire::Plain)
            ),
            None => format!(
                "{}{trailing}",
                self.pseudonymize("cookie", trimmed_end, Wire::Plain)
            ),
        }
    }

    /// `name=value; Path=/; Secure; HttpOnly; SameSite=Lax`.
    fn redact_set_cookie(&mut self, line: &str) -> String {
        let mut pieces = line.split(';');
        let first = pieces.next().unwrap_or_default();
        let mut out = match first.split_once('=') {
            Some((name, v)) if !name.trim().is_empty() => {
                format!("{name}={}", self.redact_cookie_value(v))
            }
            _ if first.trim().is_empty() => first.to_string(),
            _ => self.whole("cookie", first.trim(), "Set-Cookie without name=value"),
        };
        for attribute in pieces {
            out.push(';');
            let (name, value) = match attribute.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (attribute, None),
            };
            let known = COOKIE_ATTRIBUTES.contains(&name.trim().to_ascii_lowercase().as_str());
            match (known, value) {
                (true, _) => out.push_str(attribute),
                (false, Some(v)) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(&self.redact_cookie_value(v));
                }
                (false, None) if attribute.trim().is_empty() => out.push_str(attribute),
                (false, None) => {
                    let lead = &attribute[..attribute.len() - attribute.trim_start().len()];
                    let whole =
                        self.whole("cookie", attribute.trim(), "unknown Set-Cookie attribute");
                    out.push_str(lead);
                    out.push_str(&whole);
                }
            }
        }
        out
    }

    /// `<https://…>; rel="next", <…>; rel=…`.
    fn redact_link(&mut self, value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|c| c + open) else {
                break;
            };
            out.push_str(&rest[..=open]);
            out.push_str(&self.redact_url(&rest[open + 1..close]));
            out.push('>');
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        self.redact_jwts_in(&out).unwrap_or(out)
    }
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_keep_names_and_attributes() {
        let mut r = Redactor::new([3; 32]);
        let out = r.redact_header(
            "Cookie",
            "sid=abc123secret; theme=\"dark-mode-1\"; lonely-value",
        );
        assert!(out.starts_with("sid=cookie~"), "{out}");
        assert!(out.contains("; theme=\"cookie~"), "{out}");
        assert!(
            !out.contains("abc123secret")
                && !out.contains("dark-mode-1")
                && !out.contains("lonely-value")
        );
        let set = r.redact_header(
            "Set-Cookie",
            "sid=abc123secret; Path=/; Secure; HttpOnly; SameSite=Lax; weird\nb=second-value-9; Domain=a.test",
        );
        assert!(
            set.contains("; Path=/; Secure; HttpOnly; SameSite=Lax; cookie~"),
            "{set}"
        );
        assert!(
            set.contains("\nb=cookie~") && set.ends_with("; Domain=a.test"),
            "{set}"
        );
        // The same value has the same pseudonym in Cookie and Set-Cookie.
        let sid = out[4..].split(';').next().unwrap_or_default();
        assert!(set.starts_with(&format!("sid={sid}")), "{sid} / {set}");
        assert!(r.receipt().total_whole() >= 2);
    }

    #[test]
    fn authorization_keeps_scheme_and_user() {
        let mut r = Redactor::new([3; 32]);
        let bearer = r.redact_header("Authorization", "Bearer opaque-token-123");
        assert!(bearer.starts_with("Bearer access_token~"), "{bearer}");
        let basic = r.redact_header(
            "Authorization",
            &format!("Basic {}", STANDARD.encode("client:s3cr3t-pass")),
        );
        let decoded =
            String::from_utf8(STANDARD.decode(&basic[6..]).expect("base64")).expect("utf8");
        assert!(decoded.starts_with("client:password~"), "{decoded}");
        let odd = r.redact_header("Authorization", "Basic !!!not-base64!!!");
        assert!(!odd.contains("not-base64"), "{odd}");
        let jwt = r.redact_header(
            "Authorization",
            "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        );
        assert_eq!(jwt.split('.').nth(1), Some("eyJzdWIiOiIxIn0"));
        assert!(
            !jwt.contains("c2lnbmF0dXJl") && jwt.contains(".redacted-"),
            "{jwt}"
        );
    }
}
