//! Keyed pseudonyms: `kind~` followed by 12 hex digits of HMAC-SHA-256 over the value's
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
//! For the kinds the rules compare across hops ([`super::names::COMPARED_KINDS`]) a value
//! that is a proper prefix of one seen before gets a prefix of that value's hex: `state~7f3a19`
//! for a `state` cut short, so "truncated" survives too.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::encoding;
use super::names::KINDS;

/// Hex digits in a full pseudonym (48 bits: distinct values of one export collide with
/// probability about n²/2⁴⁹, one in a million for 16 000 values).
pub const HEX_LEN: usize = 12;
/// A truncated value's pseudonym keeps at least this many hex digits.
pub(crate) const MIN_HEX_LEN: usize = 4;
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

    /// The 12 hex digits of a canonical value.
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

/// The string is a pseudonym this redactor writes (`state~7f3a19c2b4e1`, a truncated
/// `state~7f3a`, or a JWT signature `redacted-7f3a19c2b4e1`), read after decoding.
pub fn is_pseudonym(s: &str) -> bool {
    if let Some(h) = s.strip_prefix(JWT_SIG_PREFIX) {
        return h.len() == HEX_LEN && is_lower_hex(h);
    }
    let Some((label, h)) = s.split_once('~') else {
        return false;
    };
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
        assert!(is_pseudonym("state~7f3a19c2b4e1"));
        assert!(is_pseudonym("state~7f3a"));
        assert!(is_pseudonym("redacted-7f3a19c2b4e1"));
        assert!(!is_pseudonym("state~7F3A19C2B4E1"));
        assert!(!is_pseudonym("mystate~7f3a19c2b4e1"));
        assert!(!is_pseudonym("state~7f3"));
        assert!(!is_pseudonym("state~7f3a19c2b4e1a"));
        assert!(!is_pseudonym("Qm9uam91ciBsZSBtb25kZSwgYydlc3QgbW9pIQ-_x7"));
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
