//! JWTs keep their header and claims readable; the signature is replaced by `redacted-<hex>`
//! (base64url characters only, so the token keeps the shape of a JWT). Claims that are
//! themselves secrets or compared values (`nonce`, a nested token) are pseudonymised inside
//! the payload, which is then re-encoded. Encrypted tokens (JWE) and strings that look like a
//! JWT but do not decode as one are pseudonymised whole.

use crate::stdx::base64::{Engine, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::pseudonym::{is_pseudonym, JWT_SIG_PREFIX};
use super::redactor::{Redactor, JWT_SIGNATURE};
use super::scan::jwt_spans;

/// Why a JWT-looking string is redacted whole (a receipt reason).
pub(crate) const NOT_A_JWT: &str = "JWT-looking value that does not decode as a JWT";

impl Redactor {
    /// Redacts one token. `kind` is the secret kind of the place it sits in, when it sits in
    /// one (an `id_token` parameter), used when the token must go whole.
    pub(crate) fn redact_jwt(&mut self, token: &str, kind: Option<&'static str>) -> String {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 5 {
            // JWE: nothing readable without the key.
            return self.pseudonymize(kind.unwrap_or("jwt"), token, super::Wire::Plain);
        }
        let (Some(header), Some(payload)) = (decode_json(parts[0]), decode_json(parts[1])) else {
            return self.whole(kind.unwrap_or("jwt"), token, NOT_A_JWT);
        };
        if parts.len() != 3 || !header.is_object() {
            return self.whole(kind.unwrap_or("jwt"), token, NOT_A_JWT);
        }
        let mut payload = payload;
        let payload_part = if self.redact_json(&mut payload) {
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default())
        } else {
            parts[1].to_string()
        };
        let signature = parts[2];
        let signature = if signature.is_empty() || is_pseudonym(signature) {
            signature.to_string()
        } else {
            let known = self.learn(JWT_SIGNATURE, signature);
            self.receipt.count(self.loc, JWT_SIGNATURE);
            known.spell(0, 0)
        };
        format!("{}.{payload_part}.{signature}", parts[0])
    }

    /// Redacts every JWT-shaped token in a text. `None` when there is none.
    pub(crate) fn redact_jwts_in(&mut self, text: &str) -> Option<String> {
        if !text.contains("eyJ") {
            return None;
        }
        let spans = jwt_spans(text);
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for span in spans {
            out.push_str(&text[last..span.start]);
            out.push_str(&self.redact_jwt(&text[span.clone()], None));
            last = span.end;
        }
        out.push_str(&text[last..]);
        (out != text).then_some(out)
    }
}

/// A base64url segment holding JSON.
fn decode_json(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The whole string is one JWT-shaped token.
pub(crate) fn is_jwt_shaped(s: &str) -> bool {
    let spans = jwt_spans(s);
    spans.len() == 1 && spans[0] == (0..s.len())
}

/// The signature part of a redacted JWT.
pub fn is_redacted_signature(s: &str) -> bool {
    s.starts_with(JWT_SIG_PREFIX) && is_pseudonym(s)
}
