//! "A value seen as a secret anywhere is redacted everywhere": after the structural pass, every
//! string of the document is searched for every value pseudonymised so far, in every spelling
//! it may take (clear, percent-encoded once or twice, HTML- and JSON-escaped, base64 at any
//! alignment), with one Aho-Corasick automaton.

use std::collections::HashSet;
use std::ops::Range;

use crate::stdx::base64::{Engine, STANDARD, URL_SAFE_NO_PAD};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde_json::Value;

use super::encoding::{
    encode_non_alnum, form_encode, html_escape, json_escape, rfc3986_encode, standard_spelling,
};
use super::pseudonym::Keyed;
use super::redactor::{Known, Redactor};

/// A base64 fragment shorter than this is not searched for (it would match unrelated text).
const MIN_BASE64_FRAGMENT: usize = 8;

pub(crate) struct Scanner {
    ac: AhoCorasick,
    /// Per pattern: the replacement and the label counted in the receipt.
    replacements: Vec<(String, &'static str)>,
    /// The same patterns as they appear inside a JSON document (escaped), to tell quickly
    /// whether a serialised entry needs a look at all.
    prefilter: AhoCorasick,
}

impl Scanner {
    fn build(keyed: &Keyed, list: &[(String, Known)]) -> Option<Self> {
        let mut seen = HashSet::new();
        let mut patterns = Vec::new();
        let mut replacements = Vec::new();
        for (canonical, known) in list {
            for (pattern, replacement) in spellings(keyed, canonical, known) {
                if seen.insert(pattern.clone()) {
                    patterns.push(pattern);
                    replacements.push((replacement, known.label));
                }
            }
        }
        if patterns.is_empty() {
            return None;
        }
        // Always an NFA: its size and build time grow with the patterns' total length, where a
        // DFA's (which the builder picks for few patterns) multiply it by the alphabet, and a
        // secret can be a 500 KB cookie (found by fuzzing: minutes of building).
        let ac = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok()?;
        let escaped: HashSet<String> = patterns.iter().map(|p| json_escape(p)).collect();
        let prefilter = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(escaped)
            .ok()?;
        Some(Self {
            ac,
            replacements,
            prefilter,
        })
    }

    /// Replaces every occurrence; calls `count` with the label of each.
    fn replace(&self, text: &str, mut count: impl FnMut(&'static str)) -> Option<String> {
        let mut out = String::new();
        let mut last = 0;
        for m in self.ac.find_iter(text) {
            let (replacement, label) = &self.replacements[m.pattern().as_usize()];
            out.push_str(&text[last..m.start()]);
            out.push_str(replacement);
            last = m.end();
            count(label);
        }
        if last == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        Some(out)
    }

    fn replace_bytes(&self, bytes: &[u8], mut count: impl FnMut(&'static str)) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut last = 0;
        for m in self.ac.find_iter(bytes) {
            let (replacement, label) = &self.replacements[m.pattern().as_usize()];
            out.extend_from_slice(&bytes[last..m.start()]);
            out.extend_from_slice(replacement.as_bytes());
            last = m.end();
            count(label);
        }
        if last == 0 {
            return None;
        }
        out.extend_from_slice(&bytes[last..]);
        Some(out)
    }
}

/// Every spelling of a value worth searching for, with what replaces it.
fn spellings(keyed: &Keyed, canonical: &str, known: &Known) -> Vec<(String, String)> {
    let plain = known.spell(0, 0);
    let mut out = vec![(canonical.to_string(), plain.clone())];
    for encoded in [
        rfc3986_encode(canonical, true),
        rfc3986_encode(canonical, false),
        form_encode(canonical),
        encode_non_alnum(canonical),
    ] {
        let variant = keyed.variant(canonical, 1, &encoded);
        out.push((encoded, known.spell(1, variant)));
    }
    out.push((standard_spelling(canonical, 2), known.spell(2, 0)));
    let json = json_escape(canonical);
    out.push((json.replace('/', "\\/"), plain.clone()));
    out.push((json, plain.clone()));
    out.push((html_escape(canonical), plain.clone()));
    for engine in [&STANDARD, &URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            if let Some(fragment) = base64_fragment(engine, canonical.as_bytes(), offset) {
                out.push((fragment, plain.clone()));
            }
        }
    }
    out.retain(|(p, _)| !p.is_empty());
    out
}

/// The base64 characters that encode `value` whatever surrounds it, when it starts `offset`
/// bytes into a 3-byte group.
fn base64_fragment(engine: &impl Engine, value: &[u8], offset: usize) -> Option<String> {
    let mut buf = vec![0u8; offset];
    buf.extend_from_slice(value);
    let encoded = engine.encode(&buf);
    let start = (offset * 8).div_ceil(6);
    let end = buf.len() * 8 / 6;
    let fragment = encoded.get(start..end)?;
    (fragment.len() >= MIN_BASE64_FRAGMENT).then(|| fragment.to_string())
}

/// Byte ranges of JWT-shaped tokens (`eyJ…` segments joined by dots) in a text.
pub(crate) fn jwt_spans(s: &str) -> Vec<Range<usize>> {
    let b = s.as_bytes();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(pos) = s[from..].find("eyJ").map(|p| p + from) {
        if pos > 0 && is_b64url(b[pos - 1]) {
            from = pos + 3;
            continue;
        }
        let mut end = pos;
        let mut segments = 0;
        loop {
            let seg_start = end;
            while end < b.len() && is_b64url(b[end]) {
                end += 1;
            }
            segments += 1;
            let empty = end == seg_start;
            if end < b.len() && b[end] == b'.' && !empty && segments < 6 {
                end += 1;
            } else {
                break;
            }
        }
        // A dot after the last segment ends a sentence, not the token.
        if segments > 3 && end > pos && b[end - 1] == b'.' {
            end -= 1;
            segments -= 1;
        }
        // `a.b` is no token; `a.b.` is an unsigned JWT.
        let first_len = s[pos..].find('.').unwrap_or(0);
        if segments >= 3 && first_len > 10 {
            spans.push(pos..end);
        }
        from = end.max(pos + 3);
    }
    spans
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

impl Redactor {
    fn scanner(&mut self) -> Option<&Scanner> {
        if self.scanner.is_none() && !self.scan_list.is_empty() {
            self.scanner = Scanner::build(&self.keyed, &self.scan_list);
        }
        self.scanner.as_ref()
    }

    /// Whether a serialised (JSON) text may contain any known value in any spelling.
    pub(crate) fn may_contain_known(&mut self, json_text: &str) -> bool {
        self.scanner()
            .is_some_and(|s| s.prefilter.is_match(json_text))
    }

    /// Replaces known values in a text; JWTs in it are opened so that their claims stay
    /// readable. `None` when nothing changed.
    pub(crate) fn scrub_str(&mut self, s: &str) -> Option<String> {
        self.scanner()?;
        let spans = jwt_spans(s);
        if spans.is_empty() {
            return self.scrub_plain(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        let mut changed = false;
        for span in spans {
            let gap = &s[last..span.start];
            match self.scrub_plain(gap) {
                Some(g) => {
                    changed = true;
                    out.push_str(&g);
                }
                None => out.push_str(gap),
            }
            let token = &s[span.clone()];
            match self.scrub_jwt(token) {
                Some(t) => {
                    changed = true;
                    out.push_str(&t);
                }
                None => out.push_str(token),
            }
            last = span.end;
        }
        let tail = &s[last..];
        match self.scrub_plain(tail) {
            Some(t) => {
                changed = true;
                out.push_str(&t);
            }
            None => out.push_str(tail),
        }
        changed.then_some(out)
    }

    fn scrub_plain(&mut self, s: &str) -> Option<String> {
        let loc = self.loc;
        let receipt = &mut self.receipt;
        let scanner = self.scanner.as_ref()?;
        scanner.replace(s, |label| receipt.count_elsewhere(loc, label))
    }

    /// Known values inside a JWT: its segments are decoded, searched and re-encoded.
    fn scrub_jwt(&mut self, token: &str) -> Option<String> {
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let mut changed = false;
        let last = parts.len() - 1;
        for (i, part) in parts.iter_mut().enumerate() {
            let decoded = (i < 2 && last == 2)
                .then(|| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok())
                .flatten()
                .and_then(|b| String::from_utf8(b).ok());
            let new = match decoded {
                Some(text) => self
                    .scrub_plain(&text)
                    .map(|t| URL_SAFE_NO_PAD.encode(t.as_bytes())),
                None => self.scrub_plain(part),
            };
            if let Some(n) = new {
                *part = n;
                changed = true;
            }
        }
        changed.then(|| parts.join("."))
    }

    /// Replaces known values in every string (and key) of a JSON value. Base64 bodies
    /// (`{"encoding": "base64", "text": …}`) are decoded, searched and re-encoded.
    pub(crate) fn scrub_value(&mut self, v: &mut Value) -> bool {
        if self.scanner().is_none() {
            return false;
        }
        self.scrub_walk(v)
    }

    fn scrub_walk(&mut self, v: &mut Value) -> bool {
        match v {
            Value::String(s) => match self.scrub_str(s) {
                Some(n) => {
                    *s = n;
                    true
                }
                None => false,
            },
            Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= self.scrub_walk(item);
                }
                changed
            }
            Value::Object(map) => {
                let mut changed = false;
                let base64 = map.get("encoding").and_then(Value::as_str) == Some("base64");
                for (key, item) in map.iter_mut() {
                    changed |= if base64 && key == "text" {
                        self.scrub_base64(item)
                    } else {
                        self.scrub_walk(item)
                    };
                }
                let renames: Vec<(String, String)> = map
                    .keys()
                    .filter_map(|k| self.scrub_plain(k).map(|n| (k.clone(), n)))
                    .collect();
                for (old, new) in renames {
                    if let Some(item) = map.remove(&old) {
                        map.insert(new, item);
                    }
                    changed = true;
                }
                changed
            }
            _ => false,
        }
    }

    fn scrub_base64(&mut self, v: &mut Value) -> bool {
        let Value::String(text) = v else {
            return self.scrub_walk(v);
        };
        let Some(bytes) = crate::stdx::base64::decode(text) else {
            return match self.scrub_str(text) {
                Some(n) => {
                    *text = n;
                    true
                }
                None => false,
            };
        };
        let loc = self.loc;
        let new = match String::from_utf8(bytes) {
            Ok(t) => self.scrub_str(&t).map(String::into_bytes),
            Err(e) => {
                let receipt = &mut self.receipt;
                self.scanner.as_ref().and_then(|s| {
                    s.replace_bytes(e.as_bytes(), |l| receipt.count_elsewhere(loc, l))
                })
            }
        };
        match new {
            Some(b) => {
                *text = STANDARD.encode(b);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_jwts_in_text() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        let text = format!("Bearer {jwt}, then {jwt}.");
        let spans = jwt_spans(&text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].clone()], jwt);
        assert_eq!(&text[spans[1].clone()], jwt);
        assert!(jwt_spans("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0").is_empty());
        assert!(jwt_spans("xeyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln").is_empty());
        assert_eq!(jwt_spans("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").len(), 1);
    }

    #[test]
    fn base64_fragments_are_found_at_any_alignment() {
        let secret = b"hunter2-is-a-password";
        for offset in 0..3 {
            let fragment = base64_fragment(&STANDARD, secret, offset).expect("long enough");
            for prefix in ["", "x", "xy", "xyz", "user:"] {
                let mut data = prefix.as_bytes().to_vec();
                data.extend_from_slice(secret);
                data.extend_from_slice(b"tail");
                if prefix.len() % 3 == offset {
                    assert!(
                        STANDARD.encode(&data).contains(&fragment),
                        "{prefix} {offset}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod long_values {
    use serde_json::json;

    use crate::redact::Redactor;

    /// Found by fuzzing (`redact`): a secret of a few hundred kilobytes (a huge cookie) made
    /// building the search automaton take minutes.
    #[test]
    fn a_huge_secret_is_searched_for_everywhere_without_stalling() {
        let huge = "Qz".repeat(150_000);
        let mut har = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
            "entries": [{
                "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1, "cache": {}, "timings": {},
                "request": {"method": "GET", "url": "https://a.test/", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Cookie", "value": format!("sid={huge}")},
                                {"name": "X-Debug", "value": format!("echo {huge}")}],
                    "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": 0,
                    "content": {"size": 0, "mimeType": "text/plain"}}}]}});
        Redactor::new([1; 32]).redact_har(&mut har);
        let out = har.to_string();
        assert!(!out.contains(&huge[..1000]), "the huge cookie survives");
    }
}
