//! Keyed pseudonyms: `kind~` followed by 16 hex digits of HMAC-SHA-256 over the value's
//! canonical (fully decoded) form, under a random key that exists for one export only.
//!
//! Without the key no pseudonym can be reversed, and no guess can be confirmed by hashing it;
//! with the same key equal values get equal pseudonyms wherever they appear.
//!
//! The pseudonym is written back in the encoding shape of the value it replaces:
//!
//! | original value on the wire            | pseudonym on the wire        | decodes to           |
//! |---------------------------------------|------------------------------|----------------------|
//! | `Qm9u-_x7` (needs no encoding)        | `state~7f3a19c2b4e1`         | `state~7f3a19c2b4e1` |
//! | `a%2Bb%3D` (one layer)                | `state%7E7f3a19c2b4e1`       | `state~7f3a19c2b4e1` |
//! | `a%252Bb%253D` (two layers)           | `state%257E7f3a19c2b4e1`     | `state%7E…` then `state~…` |
//! | `a%2bb%3d` (same layer, other spelling)| `state%7E%37f3a19c2b4e1`    | `state~7f3a19c2b4e1` |
//!
//! so raw spellings differ exactly when the original raw spellings did, while decoded values
//! stay equal exactly when the decoded originals were. Spellings other than the standard one
//! (RFC 3986, upper-case hex) get one of 4095 variants chosen by HMAC of the raw spelling;
//! two different non-standard spellings of the same value collide with probability 1/4095.
//!
//! (The table shortens the hex digits to 12 for width.)
//!
//! For the kinds the rules compare across hops ([`super::names::COMPARED_KINDS`]) a value
//! that is a proper prefix of one seen before gets a prefix of that value's hex: `state~7f3a19`
//! for a `state` cut short, so "truncated" survives too. Their pseudonyms also keep the
//! strength band of the value (16, 8 or 4 hex digits), so the `oauth-state` check's verdict on
//! its randomness is the same before and after redaction.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::encoding;
use super::names::KINDS;

/// Hex digits in a full pseudonym (64 bits: distinct values of one export collide with
/// probability about n²/2⁶⁵, one in a billion for 190 000 values).
pub const HEX_LEN: usize = 16;
/// A pseudonym keeps at least this many hex digits (a truncated weak value).
pub(crate) const MIN_HEX_LEN: usize = 2;
/// The third segment of a JWT whose signature was removed: `redacted-` and 12 hex digits,
/// base64url characters only so the token still has the shape of a JWT.
pub const JWT_SIG_PREFIX: &str = "redacted-";

pub(crate) struct Keyed {
    mac: Hmac<Sha256>,
}

impl Keyed {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any size"),
        }
    }

    /// HMAC of `data` in a domain (so hashes of one purpose never equal those of another).
    pub(crate) fn digest(&self, domain: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The 16 hex digits of a canonical value.
    pub(crate) fn hex(&self, canonical: &str) -> String {
        hex(&self.digest("value", canonical.as_bytes())[..HEX_LEN / 2])
    }

    /// Which spelling variant a raw spelling gets: 0 for the standard spelling, else 1..4095.
    pub(crate) fn variant(&self, canonical: &str, depth: u8, raw: &str) -> u16 {
        if depth == 0 || raw == encoding::standard_spelling(canonical, depth) {
            return 0;
        }
        let d = self.digest("spelling", raw.as_bytes());
        1 + u16::from_be_bytes([d[0], d[1]]) % 4095
    }
}

/// How many hex digits the pseudonym of a compared value gets: enough that the pseudonym is
/// estimated as random as the value it replaces, in the bands the `oauth-state` check uses
/// (below 64 bits, below 128, above), so that a weak `state` still reads as weak after
/// redaction. The estimate is the check's documented one: length times log2 of the size of
/// the alphabet the characters come from.
pub(crate) fn hex_len_for_strength(label: &str, value: &str) -> usize {
    let band = |bits: f64| match bits {
        b if b < 64.0 => 0,
        b if b < 128.0 => 1,
        _ => 2,
    };
    let wanted = band(estimated_bits(value));
    [HEX_LEN, 8, 4]
        .into_iter()
        .find(|&n| band(estimated_bits(&format!("{label}~{}", "0a".repeat(n / 2)))) == wanted)
        // A long label (`lri_login_request_id~`) reads as random at any length: no check
        // judges those values' randomness, so they keep every digit.
        .unwrap_or(HEX_LEN)
}

/// Length times log2 of the alphabet size (decimal, hex, or the union of digits, lower,
/// upper, `-_`, `+/` and anything else as 32).
pub(crate) fn estimated_bits(value: &str) -> f64 {
    let value = value.trim_end_matches('=');
    let has = |f: fn(char) -> bool| value.chars().any(f);
    let (digits, lower, upper) = (
        has(|c| c.is_ascii_digit()),
        has(|c| c.is_ascii_lowercase()),
        has(|c| c.is_ascii_uppercase()),
    );
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        return value.len() as f64 * 10f64.log2();
    }
    let hex_only = value.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && !(lower && upper);
    if hex_only && value.chars().any(|c| c.is_ascii_hexdigit()) {
        return value.chars().filter(char::is_ascii_hexdigit).count() as f64 * 4.0;
    }
    let size: u32 = [
        (digits, 10),
        (lower, 26),
        (upper, 26),
        (has(|c| c == '-' || c == '_'), 2),
        (has(|c| c == '+' || c == '/'), 2),
        (
            has(|c| !c.is_ascii_alphanumeric() && !"-_+/".contains(c)),
            32,
        ),
    ]
    .iter()
    .filter(|(used, _)| *used)
    .map(|(_, n)| n)
    .sum();
    value.chars().count() as f64 * f64::from(size.max(1)).log2()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the pseudonym `label~hex` with `depth` encoding layers; a non-zero variant
/// percent-encodes the hex digits its bits select in the outermost layer.
pub(crate) fn spell(label: &str, hex: &str, depth: u8, variant: u16) -> String {
    if depth == 0 {
        return format!("{label}~{hex}");
    }
    let mut s = format!("{label}%7E{hex}");
    for _ in 1..depth {
        s = s.replace('%', "%25");
    }
    if variant == 0 {
        return s;
    }
    let (head, digits) = s.split_at(s.len() - hex.len());
    let mut out = head.to_string();
    for (i, c) in digits.chars().enumerate() {
        if variant >> (i % 12) & 1 == 1 {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Scalekit id prefixes kept in front of a pseudonym (`lri_login_request_id~7f3a…`): the
/// type of an id is no secret, and the checks read it (a `login_request_id` must be an
/// `lri_` id).
pub const KEPT_ID_PREFIXES: &[&str] = &[
    crate::vendor::ids::PROD_API_CLIENT,
    crate::vendor::ids::DEV_API_CLIENT,
    crate::vendor::ids::LOGIN_REQUEST,
    crate::vendor::ids::CONNECTION,
    crate::vendor::ids::RESOURCE,
    crate::vendor::ids::M2M_CLIENT,
];

/// The id prefix a value keeps in its pseudonym, if any.
pub(crate) fn kept_prefix(value: &str) -> &'static str {
    KEPT_ID_PREFIXES
        .iter()
        .find(|p| value.len() > p.len() && value.starts_with(*p))
        .copied()
        .unwrap_or("")
}

/// The string is a pseudonym this redactor writes (`state~7f3a19c2b4e1`, a truncated
/// `state~7f3a`, or a JWT signature `redacted-7f3a19c2b4e1`), read after decoding.
pub fn is_pseudonym(s: &str) -> bool {
    if let Some(h) = s.strip_prefix(JWT_SIG_PREFIX) {
        return h.len() == HEX_LEN && is_lower_hex(h);
    }
    let Some((label, h)) = s.split_once('~') else {
        return false;
    };
    let label = label.strip_prefix(kept_prefix(label)).unwrap_or(label);
    (MIN_HEX_LEN..=HEX_LEN).contains(&h.len()) && is_lower_hex(h) && KINDS.contains(&label)
}

/// The string, once every encoding layer is removed, is a pseudonym.
pub(crate) fn is_pseudonym_spelling(s: &str) -> bool {
    s.contains(['~', '%', '-'])
        && is_pseudonym(&encoding::decode_layers(s, encoding::Wire::Plain).0)
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::encoding::{decode_layers, Wire};

    #[test]
    fn spellings_decode_to_the_pseudonym() {
        let p = "state~0123456789ab";
        assert_eq!(spell("state", "0123456789ab", 0, 0), p);
        let one = spell("state", "0123456789ab", 1, 0);
        assert_eq!(one, "state%7E0123456789ab");
        assert_eq!(decode_layers(&one, Wire::Url).0, p);
        let two = spell("state", "0123456789ab", 2, 0);
        assert_eq!(two, "state%257E0123456789ab");
        assert_eq!(decode_layers(&two, Wire::Url), (p.to_string(), 2));
        let variant = spell("state", "0123456789ab", 1, 0b101);
        assert_eq!(variant, "state%7E%301%323456789ab");
        assert_eq!(decode_layers(&variant, Wire::Url), (p.to_string(), 1));
        assert!(is_pseudonym_spelling(&variant));
    }

    #[test]
    fn recognises_only_its_own_pseudonyms() {
        assert!(is_pseudonym("state~7f3a19c2b4e1d5f6"));
        assert!(is_pseudonym("state~7f3a"));
        assert!(is_pseudonym("redacted-7f3a19c2b4e1d5f6"));
        assert!(!is_pseudonym("state~7F3A19C2B4E1"));
        assert!(!is_pseudonym("mystate~7f3a19c2b4e1"));
        assert!(is_pseudonym("lri_login_request_id~7f3a19c2b4e1"));
        assert!(!is_pseudonym("xyz_login_request_id~7f3a19c2b4e1"));
        assert!(!is_pseudonym("state~7"));
        assert!(!is_pseudonym("state~7f3a19c2b4e1d5f6a"));
        assert!(!is_pseudonym("Qm9uam91ciBsZSBtb25kZSwgYydlc3QgbW9pIQ-_x7"));
    }

    #[test]
    fn compared_pseudonyms_keep_the_strength_band() {
        for (value, band) in [
            ("Qm9uam91ciBsZSBtb25kZSwgYydlc3QgbW9pIQ-_x7", 2),
            ("abcdefgh12345", 1),
            ("12345", 0),
        ] {
            let n = hex_len_for_strength("state", value);
            let bits = estimated_bits(&format!("state~{}", "0a".repeat(n / 2)));
            let b = if bits < 64.0 {
                0
            } else if bits < 128.0 {
                1
            } else {
                2
            };
            assert_eq!(b, band, "{value}: {n} digits, {bits} bits");
        }
    }

    #[test]
    fn keys_change_everything() {
        let a = Keyed::new(&[1; 32]);
        let b = Keyed::new(&[2; 32]);
        assert_eq!(a.hex("x"), a.hex("x"));
        assert_ne!(a.hex("x"), b.hex("x"));
        assert_ne!(a.hex("x"), a.hex("y"));
        assert_eq!(a.variant("a+b", 1, "a%2Bb"), 0);
        assert_ne!(a.variant("a+b", 1, "a%2bb"), 0);
    }
}
