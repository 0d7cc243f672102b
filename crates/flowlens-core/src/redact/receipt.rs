//! The receipt: what a redaction replaced, by kind and by place, and what it had to redact
//! whole because it could not parse it. Exports carry it as `log._flowlens_redaction` and
//! summarise it in `log.comment`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema of the receipt object.
pub const RECEIPT_SCHEMA: &str = "flowlens.redaction/v1";

/// Where a value was found. The names are part of the receipt format.
pub mod loc {
    pub const REQUEST_URL: &str = "request.url";
    pub const REQUEST_QUERY: &str = "request.queryString";
    pub const REQUEST_HEADERS: &str = "request.headers";
    pub const REQUEST_COOKIES: &str = "request.cookies";
    pub const REQUEST_BODY: &str = "request.postData";
    pub const RESPONSE_HEADERS: &str = "response.headers";
    pub const RESPONSE_COOKIES: &str = "response.cookies";
    pub const RESPONSE_BODY: &str = "response.content";
    pub const RESPONSE_REDIRECT: &str = "response.redirectURL";
    pub const ENTRY_OTHER: &str = "entry.other";
    pub const PAGES: &str = "log.pages";
    pub const NAVIGATIONS: &str = "flowlens.navigations";
    pub const SNAPSHOTS: &str = "flowlens.pages";
    pub const SCREENSHOTS: &str = "flowlens.screenshots";
    pub const LOG_OTHER: &str = "log.other";
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Receipt {
    /// Always [`RECEIPT_SCHEMA`].
    pub schema: String,
    /// How values were replaced, in words.
    pub method: String,
    /// Values replaced by a pseudonym: location -> kind -> count.
    pub replaced: BTreeMap<String, BTreeMap<String, u64>>,
    /// Values replaced wherever they appeared outside a place that names them (a `state` seen
    /// in a URL and again in an HTML page): location -> kind -> count.
    pub replaced_elsewhere: BTreeMap<String, BTreeMap<String, u64>>,
    /// Parts redacted whole because they could not be parsed: location -> reason -> count.
    pub redacted_whole: BTreeMap<String, BTreeMap<String, u64>>,
}

pub(crate) const METHOD: &str = "Secrets and compared values (state, nonce, login_request_id) are \
replaced by pseudonyms kind~hex: HMAC-SHA-256 of the decoded value under a random key used for this \
export only and then discarded. Equal values have equal pseudonyms, so hops can still be compared; no \
value can be recovered or confirmed by hashing a guess. JWTs keep their header and claims; their \
signature is replaced by redacted-hex.";

impl Receipt {
    pub fn new() -> Self {
        Self {
            schema: RECEIPT_SCHEMA.to_string(),
            method: METHOD.to_string(),
            ..Self::default()
        }
    }

    pub(crate) fn count(&mut self, location: &str, kind: &str) {
        bump(&mut self.replaced, location, kind, 1);
    }

    pub(crate) fn count_elsewhere(&mut self, location: &str, kind: &str) {
        bump(&mut self.replaced_elsewhere, location, kind, 1);
    }

    pub(crate) fn whole(&mut self, location: &str, reason: &str) {
        bump(&mut self.redacted_whole, location, reason, 1);
    }

    /// Adds the counts of another receipt (a receipt already in a file being redacted again).
    pub fn merge(&mut self, other: &Receipt) {
        for (mine, theirs) in [
            (&mut self.replaced, &other.replaced),
            (&mut self.replaced_elsewhere, &other.replaced_elsewhere),
            (&mut self.redacted_whole, &other.redacted_whole),
        ] {
            for (location, kinds) in theirs {
                for (kind, n) in kinds {
                    bump(mine, location, kind, *n);
                }
            }
        }
    }

    pub fn total_replaced(&self) -> u64 {
        sum(&self.replaced) + sum(&self.replaced_elsewhere)
    }

    pub fn total_whole(&self) -> u64 {
        sum(&self.redacted_whole)
    }

    /// One paragraph for the HAR `comment`.
    pub fn summary(&self) -> String {
        let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
        for map in [&self.replaced, &self.replaced_elsewhere] {
            for by_kind in map.values() {
                for (kind, n) in by_kind {
                    *kinds.entry(kind.as_str()).or_default() += n;
                }
            }
        }
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let mut s = format!(
            "{SUMMARY_PREFIX} {} values replaced by keyed pseudonyms (kind~hex, HMAC-SHA-256, \
             per-export key discarded)",
            self.total_replaced()
        );
        if !list.is_empty() {
            s.push_str(&format!(": {}", list.join(", ")));
        }
        s.push_str(&format!(
            "; {} parts redacted whole because they could not be parsed. Details: log._flowlens_redaction.",
            self.total_whole()
        ));
        s
    }
}

/// How the receipt's line in `log.comment` starts (a second redaction replaces that line).
pub const SUMMARY_PREFIX: &str = "Redacted by Flowlens:";

fn bump(map: &mut BTreeMap<String, BTreeMap<String, u64>>, location: &str, kind: &str, n: u64) {
    if n == 0 {
        return;
    }
    *map.entry(location.to_string())
        .or_default()
        .entry(kind.to_string())
        .or_default() += n;
}

fn sum(map: &BTreeMap<String, BTreeMap<String, u64>>) -> u64 {
    map.values().flat_map(|m| m.values()).sum()
}

/// `log.comment` with the receipt's summary as its last line, replacing an earlier one.
pub(crate) fn comment_with_summary(existing: Option<&str>, summary: &str) -> String {
    let kept: Vec<&str> = existing
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with(SUMMARY_PREFIX))
        .collect();
    let mut out = kept.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(summary);
    out
}
