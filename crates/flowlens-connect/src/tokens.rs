//! Invalid copies of an access token for the active checks: one whose signature (or, for an
//! opaque token, one character) is altered, and, for a JWT, one whose `exp` lies in the
//! past with the original signature. Both must be refused by the MCP server.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// The token with one character changed in its signature (a JWT) or its middle: a
/// character in the middle, because base64url's last character may carry only padding
/// bits, and changing it could leave the signature's bytes as they were.
pub fn altered(token: &str) -> String {
    let (prefix, part) = match token.rfind('.') {
        Some(i) if token.matches('.').count() == 2 => (&token[..=i], &token[i + 1..]),
        _ => ("", token),
    };
    let chars: Vec<char> = part.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let middle = chars.len() / 2;
    // The first alphanumeric character from the middle on; swapped within its class so the
    // token keeps its alphabet.
    if let Some(i) = (middle..chars.len())
        .chain(0..middle)
        .find(|&i| chars[i].is_ascii_alphanumeric())
    {
        out[i] = match chars[i] {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c => char::from(c as u8 + 1),
        };
    } else {
        out.push('A');
    }
    format!("{prefix}{}", out.into_iter().collect::<String>())
}

/// A JWT with `exp` set an hour before `now_s`, signature unchanged; `None` for a token
/// that is not a JWT with a JSON payload.
pub fn expired(token: &str, now_s: u64) -> Option<String> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let mut claims: Value = serde_json::from_slice(&bytes).ok()?;
    let object = claims.as_object_mut()?;
    let past = now_s.saturating_sub(3600);
    object.insert("exp".into(), Value::from(past));
    if object.contains_key("iat") {
        object.insert("iat".into(), Value::from(past.saturating_sub(3600)));
    }
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).ok()?);
    Some(format!("{header}.{payload}.{signature}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str =
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJlLWJ5dGVz";

    #[test]
    fn alters_the_middle_of_the_signature() {
        let a = altered(JWT);
        assert_ne!(a, JWT);
        assert_eq!(a.len(), JWT.len());
        let (head, sig) = a.rsplit_once('.').expect("a JWT");
        assert!(JWT.starts_with(head), "header and payload kept");
        assert_ne!(
            URL_SAFE_NO_PAD.decode(sig).ok(),
            URL_SAFE_NO_PAD.decode("c2lnbmF0dXJlLWJ5dGVz").ok()
        );
        assert_ne!(altered("0123-zzzz"), "0123-zzzz");
        assert_eq!(altered("----"), "----A");
    }

    #[test]
    fn expires_a_jwt_and_keeps_its_signature() {
        let e = expired(JWT, 1_800_000_000).expect("a JWT");
        assert!(e.ends_with(".c2lnbmF0dXJlLWJ5dGVz"));
        let payload = e.split('.').nth(1).expect("payload");
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
        assert_eq!(claims["exp"], 1_799_996_400u64);
        assert_eq!(claims["sub"], "1");
        assert!(expired("opaque-token", 1).is_none());
    }
}
