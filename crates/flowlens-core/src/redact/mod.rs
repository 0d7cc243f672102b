//! Masking secrets in what reports show.
//!
//! Reports point at evidence but never show a secret value in clear: authorization codes,
//! tokens, `code_verifier`, client secrets, passwords, cookies and `Authorization` headers are
//! shown as their kind and length only (`[code: 43 chars]`). Values that checks compare in
//! the open (`state`, `login_request_id`) are not secrets for a report and stay visible,
//! because a support engineer needs to see how they were damaged.

//!
//! # Redacted exports
//!
//! [`Redactor`] turns a trace or a HAR into one that can be sent to support: secrets and the
//! values the checks compare (`state`, `nonce`, `login_request_id`) become keyed pseudonyms
//! (`state~7f3a19c2b4e1`, see [`pseudonym`](self#pseudonyms)) that stay equal where the values
//! were equal, and a receipt says what was replaced where. See `docs/redaction.md`.

mod body;
mod encoding;
mod har;
mod headers;
mod jwt;
pub mod names;
mod pseudonym;
pub mod receipt;
mod redactor;
mod scan;
pub mod stream;
mod trace;
mod url;

pub use encoding::Wire;
pub use har::RECEIPT_KEY;
pub use jwt::is_redacted_signature;
pub use pseudonym::{is_pseudonym, HEX_LEN, JWT_SIG_PREFIX};
pub use receipt::Receipt;
pub use redactor::Redactor;

/// Parameter and field names whose values are secrets.
pub const SECRET_PARAMS: &[&str] = &[
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "assertion",
    "device_code",
    "otp",
];

/// Header names whose values are secrets.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_PARAMS.contains(&lower.as_str()) || SECRET_HEADERS.contains(&lower.as_str())
}

/// The value, or a mask of it when the name designates a secret.
pub fn mask_value(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        masked(name, value)
    } else if looks_like_jwt(value) {
        masked("jwt", value)
    } else {
        value.to_string()
    }
}

fn masked(kind: &str, value: &str) -> String {
    format!("[{kind}: {} chars]", value.chars().count())
}

/// A URL with the values of secret query and fragment parameters masked (also a single-page
/// app's `#/route?code=…`), and the password of a `user:password@` authority. Works on URLs
/// that do not parse; keeps everything else byte for byte.
pub fn mask_url(url: &str) -> String {
    let (before_fragment, fragment) = split_off(url, '#');
    let (base, query) = split_off(before_fragment, '?');
    let mut out = mask_userinfo(base);
    if let Some(q) = query {
        out.push('?');
        out.push_str(&mask_pairs(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        match split_off(f, '?') {
            (route, Some(pairs)) => {
                out.push_str(route);
                out.push('?');
                out.push_str(&mask_pairs(pairs));
            }
            (pairs, None) => out.push_str(&mask_pairs(pairs)),
        }
    }
    out
}

/// `(before, Some(after))` around the first `separator`, or `(s, None)`.
pub(crate) fn split_off(s: &str, separator: char) -> (&str, Option<&str>) {
    match s.split_once(separator) {
        Some((before, after)) => (before, Some(after)),
        None => (s, None),
    }
}

/// `scheme://user:password@host/…` with the password masked.
fn mask_userinfo(base: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, password)) => format!(
                "{scheme}://{user}:{}@{host}{path}",
                masked("password", password).replace(' ', "%20")
            ),
            None => base.to_string(),
        },
        None => base.to_string(),
    }
}

fn mask_pairs(pairs: &str) -> String {
    pairs
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => {
                let decoded_name = crate::params::Params::parse(pair)
                    .0
                    .first()
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                if is_secret_name(&decoded_name) || looks_like_jwt(value) {
                    format!(
                        "{name}={}",
                        masked(&decoded_name, value).replace(' ', "%20")
                    )
                } else {
                    pair.to_string()
                }
            }
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Three base64url segments, the first decoding to a JSON object: a JWT.
pub fn looks_like_jwt(value: &str) -> bool {
    let mut parts = value.split('.');
    let (Some(h), Some(p), Some(_s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    h.starts_with("eyJ")
        && h.len() > 10
        && p.len() > 2
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_params_in_query_and_fragment() {
        let url =
            "https://app.test/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=abc#access_token=tok123&x=1";
        let masked = mask_url(url);
        assert!(!masked.contains("SplxlOBeZQQYbYS6WxSbIA"));
        assert!(!masked.contains("tok123"));
        assert!(masked.contains("state=abc"));
        assert!(masked.contains("x=1"));
        assert!(
            masked.contains("code=[code:%2022%20chars]") || masked.contains("code=[code:%2022")
        );
    }

    #[test]
    fn masks_userinfo_passwords_and_fragment_routes() {
        let masked = mask_url("https://alice:s3cr3t-pw@auth.test/cb#/done?code=abc123xyz&state=s");
        assert!(!masked.contains("s3cr3t-pw"), "{masked}");
        assert!(!masked.contains("abc123xyz"), "{masked}");
        assert!(masked.starts_with("https://alice:[password:"), "{masked}");
        assert!(
            masked.contains("#/done?code=[code:") && masked.ends_with("&state=s"),
            "{masked}"
        );
        assert_eq!(
            mask_url("https://user@auth.test/a?b=c"),
            "https://user@auth.test/a?b=c"
        );
    }

    #[test]
    fn masks_jwts_whatever_their_name() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert!(!mask_value("foo", jwt).contains("c2lnbmF0dXJl"));
        assert!(!mask_url(&format!("https://a.test/?t={jwt}")).contains("c2lnbmF0dXJl"));
        assert_eq!(mask_value("state", "abc"), "abc");
        assert_eq!(mask_value("Cookie", "sid=1"), "[Cookie: 5 chars]");
    }
}

#[cfg(test)]
mod corpus_tests;
