//! Planted secrets and the spellings in which one could leak.
//!
//! A planted secret is a fresh value of 20 characters that nothing else in a trace holds, so
//! that finding it, or a 10-character piece of it, in an output can only mean it leaked. The
//! fuzzer chooses its characters, so a piece can be plain enough (`AAAAAAAAAA`) for the rest
//! of the input (the trace, the profile) to hold it too: such a piece proves nothing and is not
//! looked for.

use arbitrary::{Result, Unstructured};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// Characters of planted values: some need percent-encoding in URLs, none is a separator of
/// cookies or parameters.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=~-_.";
const LEN: usize = 20;
/// A piece this long of a planted value found in an output is a leak.
const PIECE: usize = 10;

/// A fresh secret: `Qz`, a number (two planted in one input always differ) and fuzzer-chosen
/// characters; only letters and digits when `alnum` (so that a piece of it shows the same in
/// any encoding).
pub fn secret(u: &mut Unstructured<'_>, n: usize, alnum: bool) -> Result<String> {
    let alphabet = if alnum { &ALPHABET[..62] } else { ALPHABET };
    let mut s = format!("Qz{:02}", n % 100);
    while s.len() < LEN {
        let b: u8 = u.arbitrary()?;
        s.push(alphabet[usize::from(b) % alphabet.len()] as char);
    }
    Ok(s)
}

/// Every spelling of `secret` that must not appear in a redacted output: in clear, every
/// percent-encoding, JSON-escaped, and base64 at any alignment.
pub fn spellings(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_string(),
        percent(secret, true),
        percent(secret, false),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        percent(&percent(secret, true), true),
    ];
    for engine in [&STANDARD, &URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            let mut buf = vec![0u8; offset];
            buf.extend_from_slice(secret.as_bytes());
            let e = engine.encode(&buf);
            // The characters that depend only on the secret's own bytes.
            let start = (offset * 8).div_ceil(6);
            let end = buf.len() * 8 / 6;
            if end > start + 12 {
                forms.push(e[start..end].to_string());
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn percent(s: &str, upper: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// Panics when `output` holds `secret` in any spelling.
pub fn assert_no_spelling(label: &str, output: &str, secret: &str) {
    for form in spellings(secret) {
        if let Some(at) = output.find(&form) {
            panic!(
                "{label}: the planted secret {secret:?} leaks as {form:?}: …{}…",
                around(output, at)
            );
        }
    }
}

/// Panics when `output` holds `secret` or a piece of it that `elsewhere` (the input without
/// the secret) does not hold.
pub fn assert_no_piece(label: &str, output: &str, secret: &str, elsewhere: &str) {
    for i in 0..=secret.len().saturating_sub(PIECE) {
        let piece = &secret[i..i + PIECE.min(secret.len())];
        if elsewhere.contains(piece) {
            continue;
        }
        if let Some(at) = output.find(piece) {
            panic!(
                "{label}: a piece {piece:?} of the planted secret {secret:?} shows: …{}…",
                around(output, at)
            );
        }
    }
}

fn around(s: &str, at: usize) -> &str {
    let start = (0..=at.saturating_sub(80))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    let end = (at + 80).min(s.len());
    let end = (end..=s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_the_rest_of_the_input_holds_proves_nothing() {
        let secret = "Qz00AAAAAAAAAAAAAAAA";
        let output = "a body of AAAAAAAAAAAA from elsewhere";
        assert_no_piece("text", output, secret, "a body of AAAAAAAAAAAA");
        let leaked = std::panic::catch_unwind(|| {
            assert_no_piece("text", "…Qz00AAAAAA…", secret, "a body of AAAAAAAAAAAA");
        });
        assert!(
            leaked.is_err(),
            "a piece with the secret's own start still counts"
        );
    }
}
