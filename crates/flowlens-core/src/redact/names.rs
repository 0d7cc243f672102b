//! Which names designate values the redactor pseudonymises, and under what kind.
//!
//! A kind is the readable label of a pseudonym (`state~7f3a19c2b4e1`) and the unit the receipt
//! counts. Names are matched case-insensitively with `-` read as `_`, so the same table serves
//! query parameters, form fields, JSON keys, hidden inputs and header names.

/// Every label a pseudonym can carry. A string is only recognised as a pseudonym (and left
/// alone when a redacted file is redacted again) when its label is one of these.
pub const KINDS: &[&str] = &[
    "code",
    "state",
    "nonce",
    "login_request_id",
    "relay_state",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "assertion",
    "saml",
    "password",
    "secret",
    "otp",
    "device_code",
    "api_key",
    "session",
    "csrf",
    "cookie",
    "authorization",
    "jwt",
    "body",
    "value",
];

/// The kinds whose values the rules compare across hops. Their pseudonyms keep prefix
/// relations, so a truncated value still reads as truncated after redaction.
pub const COMPARED_KINDS: &[&str] = &["state", "nonce", "login_request_id", "relay_state"];

const MAX_NAME: usize = 64;

/// The kind of a parameter, form field, JSON key or hidden input name, when its value is
/// pseudonymised.
pub fn param_kind(name: &str) -> Option<&'static str> {
    let name = name.trim();
    // No name of interest is shorter or longer; this runs on every word that is assigned in
    // every body, so it lowercases into a stack buffer.
    if name.len() < 3 || name.len() > MAX_NAME {
        return None;
    }
    let mut buf = [0u8; MAX_NAME];
    for (i, b) in name.bytes().enumerate() {
        buf[i] = if b == b'-' {
            b'_'
        } else {
            b.to_ascii_lowercase()
        };
    }
    // Only ASCII bytes changed, so the buffer is UTF-8 whenever the name was.
    let n = std::str::from_utf8(&buf[..name.len()]).ok()?;
    let exact = match n {
        "code" => "code",
        "state" => "state",
        "nonce" => "nonce",
        "login_request_id" => "login_request_id",
        "relaystate" | "relay_state" => "relay_state",
        "code_verifier" => "code_verifier",
        "access_token" => "access_token",
        "refresh_token" => "refresh_token",
        "id_token" => "id_token",
        "client_secret" => "client_secret",
        "client_assertion" | "assertion" => "assertion",
        "samlresponse" | "saml_response" => "saml",
        "device_code" => "device_code",
        "otp" | "totp" | "mfa_code" | "one_time_code" | "verification_code" | "otp_code" => "otp",
        "password" | "passwd" | "pwd" | "pass" | "passcode" | "passphrase" | "pin" => "password",
        "secret" => "secret",
        "token" => "token",
        "api_key" | "apikey" | "x_api_key" => "api_key",
        "session" | "session_id" | "sessionid" | "sid" => "session",
        "csrf"
        | "_csrf"
        | "csrf_token"
        | "csrfmiddlewaretoken"
        | "authenticity_token"
        | "xsrf_token"
        | "_token" => "csrf",
        "authorization" | "proxy_authorization" => "authorization",
        "cookie" | "set_cookie" => "cookie",
        _ => "",
    };
    if !exact.is_empty() {
        return Some(exact);
    }
    // Metadata and descriptive fields that merely mention a secret kind
    // (`token_endpoint`, `token_type`, `code_challenge_methods_supported`).
    const DESCRIPTIVE: &[&str] = &[
        "_endpoint",
        "_supported",
        "_type",
        "_types",
        "_method",
        "_methods",
        "_uri",
        "_uris",
        "_url",
        "_in",
        "_at",
        "_hint",
        "_alg",
        "_enc",
        "_length",
        "_policy",
        "_name",
        "_expiry",
        "_expires",
        "_field",
        "_fields",
        "_count",
        "_required",
    ];
    if DESCRIPTIVE.iter().any(|s| n.ends_with(s)) || n.starts_with("has_") || n.starts_with("is_") {
        return None;
    }
    if n.contains("password") || n.contains("passwd") || n.contains("passphrase") {
        Some("password")
    } else if n.contains("secret") {
        Some("secret")
    } else if n.contains("csrf") || n.contains("xsrf") {
        Some("csrf")
    } else if n.contains("api_key") || n.contains("apikey") {
        Some("api_key")
    } else if (n.contains("session") || n.contains("sessid"))
        && (n.ends_with("id") || n.ends_with("session"))
    {
        Some("session")
    } else if n.ends_with("token") || n.starts_with("token_") {
        Some("token")
    } else {
        None
    }
}

/// Form field names whose values stay readable in hidden inputs (every other hidden input
/// value of 8 characters or more is pseudonymised: hidden inputs carry flow handles, CSRF
/// tokens and signed blobs under names no list can foresee).
pub const READABLE_FIELDS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "scope",
    "response_type",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "resource",
    "audience",
    "prompt",
    "login_hint",
    "ui_locales",
    "grant_type",
    "email",
    "username",
    "lang",
    "locale",
    "decision",
    "action",
    "connection_id",
    "organization_id",
];

/// The kind of a hidden input's value: by its name, else `value` for any long value whose
/// name is not known to be harmless.
pub fn hidden_field_kind(name: &str, value: &str) -> Option<&'static str> {
    param_kind(name).or_else(|| {
        let readable = READABLE_FIELDS.contains(&name.trim().to_ascii_lowercase().as_str());
        (!readable && value.chars().count() >= 8).then_some("value")
    })
}

/// How a header's value is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderClass {
    /// `Authorization`, `Proxy-Authorization`: scheme kept, credentials pseudonymised.
    Authorization,
    /// `Cookie`: every cookie value pseudonymised, names kept.
    Cookie,
    /// `Set-Cookie`: the value pseudonymised, attributes kept.
    SetCookie,
    /// A URL (`Location`, `Referer`, `Content-Location`).
    Url,
    /// `Refresh: 0; url=...`.
    Refresh,
    /// `Link: <url>; rel=...`.
    Link,
    /// A credential header (`X-Api-Key`, `X-CSRF-Token`, `Mcp-Session-Id`, `DPoP`): the whole
    /// value pseudonymised (a JWT keeps its header and claims).
    Credential(&'static str),
    /// Any other header: only JWTs and values known to be secret are redacted.
    Other,
}

pub fn header_class(name: &str) -> HeaderClass {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "authorization" | "proxy-authorization" => HeaderClass::Authorization,
        "cookie" => HeaderClass::Cookie,
        "set-cookie" | "set-cookie2" => HeaderClass::SetCookie,
        "location" | "content-location" | "referer" => HeaderClass::Url,
        "refresh" => HeaderClass::Refresh,
        "link" => HeaderClass::Link,
        "dpop" => HeaderClass::Credential("token"),
        _ => match param_kind(&lower) {
            Some(kind) => HeaderClass::Credential(kind),
            None => HeaderClass::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        assert_eq!(param_kind("code"), Some("code"));
        assert_eq!(param_kind("State"), Some("state"));
        assert_eq!(param_kind("RelayState"), Some("relay_state"));
        assert_eq!(param_kind("new-password"), Some("password"));
        assert_eq!(param_kind("x-auth-token"), Some("token"));
        assert_eq!(param_kind("mcp-session-id"), Some("session"));
        for harmless in [
            "code_challenge",
            "code_challenge_method",
            "token_type",
            "token_endpoint",
            "token_endpoint_auth_methods_supported",
            "client_id",
            "redirect_uri",
            "expires_in",
            "id_token_signing_alg_values_supported",
            "response_type",
            "email",
        ] {
            assert_eq!(param_kind(harmless), None, "{harmless}");
        }
        assert_eq!(header_class("Set-Cookie"), HeaderClass::SetCookie);
        assert_eq!(
            header_class("X-Api-Key"),
            HeaderClass::Credential("api_key")
        );
        assert_eq!(header_class("Accept"), HeaderClass::Other);
        assert_eq!(header_class("WWW-Authenticate"), HeaderClass::Other);
        for kind in COMPARED_KINDS {
            assert!(KINDS.contains(kind));
        }
    }
}
