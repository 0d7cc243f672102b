//! The redactor: one per export, holding the key, the pseudonyms given so far and the receipt.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use super::encoding::{decode_layers, Wire};
use super::names::COMPARED_KINDS;
use super::pseudonym::{self, is_pseudonym, is_pseudonym_spelling, spell, Keyed, MIN_HEX_LEN};
use super::receipt::Receipt;
use super::scan::Scanner;

/// The label of a JWT signature in the receipt; its pseudonym is `redacted-<hex>`.
pub(crate) const JWT_SIGNATURE: &str = "jwt_signature";

/// Replaces secrets and compared values by keyed pseudonyms. Create one per export with a
/// fresh random key, redact, read the receipt, drop it (the key goes with it).
///
/// ```
/// use flowlens_core::redact::Redactor;
/// let mut r = Redactor::new([7; 32]); // use 32 random bytes
/// let url = r.redact_url("https://app.test/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz12345");
/// assert!(url.starts_with("https://app.test/cb?code=code~"));
/// assert!(!url.contains("SplxlOBeZQQYbYS6WxSbIA"));
/// ```
pub struct Redactor {
    pub(crate) keyed: Keyed,
    /// Canonical value -> its label and hex digits, for every value pseudonymised so far.
    known: HashMap<String, Known>,
    /// Canonical values of compared kinds, sorted, to find the value a truncated one came from.
    compared: BTreeSet<String>,
    /// Values searched for everywhere (in every spelling) once the structural pass is done.
    pub(crate) scan_list: Vec<(String, Known)>,
    pub(crate) scanner: Option<Scanner>,
    pub(crate) receipt: Receipt,
    /// Where the value being redacted sits, for the receipt.
    pub(crate) loc: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Known {
    pub label: &'static str,
    pub hex: String,
    /// A Scalekit id prefix kept in front (`lri_`).
    pub prefix: &'static str,
}

impl Known {
    /// The pseudonym written for this value with this many encoding layers and variant.
    pub(crate) fn spell(&self, depth: u8, variant: u16) -> String {
        if self.label == JWT_SIGNATURE {
            format!("{}{}", pseudonym::JWT_SIG_PREFIX, self.hex)
        } else if self.prefix.is_empty() {
            spell(self.label, &self.hex, depth, variant)
        } else {
            spell(
                &format!("{}{}", self.prefix, self.label),
                &self.hex,
                depth,
                variant,
            )
        }
    }
}

impl Redactor {
    /// A redactor keyed with 32 random bytes. The CLI takes them from the operating system,
    /// the extension from `crypto.getRandomValues`; never reuse a key for two exports.
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            keyed: Keyed::new(&key),
            known: HashMap::new(),
            compared: BTreeSet::new(),
            scan_list: Vec::new(),
            scanner: None,
            receipt: Receipt::new(),
            loc: super::receipt::loc::LOG_OTHER,
        }
    }

    /// What has been redacted so far.
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }

    /// The pseudonym of a value of this kind, written in the value's own encoding shape.
    /// Empty values and pseudonyms are returned unchanged.
    pub fn pseudonymize(&mut self, kind: &'static str, raw: &str, wire: Wire) -> String {
        if raw.is_empty() || is_pseudonym_spelling(raw) {
            return raw.to_string();
        }
        let (canonical, depth) = decode_layers(raw, wire);
        if canonical.trim().is_empty() || is_pseudonym(&canonical) {
            return raw.to_string();
        }
        let known = self.learn(kind, &canonical);
        let variant = self.keyed.variant(&canonical, depth, raw);
        self.receipt.count(self.loc, known.label);
        known.spell(depth, variant)
    }

    /// Replaces a whole part that could not be parsed, and records why.
    pub(crate) fn whole(&mut self, kind: &'static str, text: &str, reason: &str) -> String {
        if text.is_empty() || is_pseudonym(text) {
            return text.to_string();
        }
        self.receipt.whole(self.loc, reason);
        let known = self.learn(kind, text);
        known.spell(0, 0)
    }

    /// The label and hex digits of a canonical value, given on first sight.
    pub(crate) fn learn(&mut self, kind: &'static str, canonical: &str) -> Known {
        if let Some(k) = self.known.get(canonical) {
            return k.clone();
        }
        let compared = COMPARED_KINDS.contains(&kind);
        let hex = match compared.then(|| self.truncation_of(canonical)).flatten() {
            Some(hex) => hex,
            None if compared => {
                let mut hex = self.keyed.hex(canonical);
                let label = format!("{}{kind}", pseudonym::kept_prefix(canonical));
                hex.truncate(pseudonym::hex_len_for_strength(&label, canonical));
                hex
            }
            None => self.keyed.hex(canonical),
        };
        let prefix = if kind == JWT_SIGNATURE {
            ""
        } else {
            pseudonym::kept_prefix(canonical)
        };
        let known = Known {
            label: kind,
            hex,
            prefix,
        };
        self.known.insert(canonical.to_string(), known.clone());
        if compared {
            self.compared.insert(canonical.to_string());
        }
        if scan_worthy(canonical) {
            self.scan_list.push((canonical.to_string(), known.clone()));
            self.scanner = None;
        }
        known
    }

    /// For a value that is a proper prefix of a compared value seen before: a prefix of that
    /// value's hex, shortened in proportion.
    fn truncation_of(&self, canonical: &str) -> Option<String> {
        if canonical.chars().count() < 4 {
            return None;
        }
        // Strings that extend `canonical` sort right after it.
        let longer = self
            .compared
            .range::<str, _>((Bound::Excluded(canonical), Bound::Unbounded))
            .next()
            .filter(|s| s.starts_with(canonical))?;
        let hex = &self.known.get(longer.as_str())?.hex;
        let full = hex.len();
        let n = (full * canonical.len() / longer.len())
            .clamp(MIN_HEX_LEN, full.max(MIN_HEX_LEN + 1) - 1);
        Some(hex[..n.min(full)].to_string())
    }
}

/// Values long enough to be searched for everywhere without hitting unrelated text. A URL (a
/// client that carries its return address in `state`) is not: replacing it everywhere would
/// replace the HAR's own request URLs (found by fuzzing: requests without a host).
fn scan_worthy(v: &str) -> bool {
    if v.contains("://") {
        return false;
    }
    let len = v.chars().count();
    let digits = v.bytes().all(|b| b.is_ascii_digit());
    if digits {
        len >= 8
    } else {
        len >= 6
    }
}
