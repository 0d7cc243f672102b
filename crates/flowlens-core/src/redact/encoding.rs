//! The spellings a value takes on the wire: percent-encoding layers, HTML entities, JSON
//! escapes. The redactor decodes a value to its canonical form before pseudonymising it, and
//! writes the pseudonym back in the same number of encoding layers, so that "re-encoded" and
//! "double-encoded" still show after redaction.

/// How many percent-encoding layers are peeled off at most (a value encoded more often than
/// this is pseudonymised as it stands after four layers).
const MAX_LAYERS: u8 = 4;

/// Where a value was read, which decides how its first encoding layer is undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// Raw in a query string, fragment or form body: `+` is a space, `%XX` a byte.
    Url,
    /// Already decoded by its container (JSON string, HTML attribute, HAR `queryString` item,
    /// cookie value): only `%XX` layers are peeled.
    Plain,
}

/// The value with every encoding layer removed, and how many layers there were.
pub(crate) fn decode_layers(raw: &str, wire: Wire) -> (String, u8) {
    let mut current = raw.to_string();
    let mut depth = 0;
    if wire == Wire::Url {
        let decoded = form_decode(&current);
        if decoded != current {
            current = decoded;
            depth = 1;
        }
    }
    while depth < MAX_LAYERS {
        match pct_decode_once(&current) {
            Some(decoded) if decoded != current => {
                current = decoded;
                depth += 1;
            }
            _ => break,
        }
    }
    (current, depth)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; invalid escapes
/// stay as they are and invalid UTF-8 is replaced.
pub(crate) fn form_decode(s: &str) -> String {
    if !s.contains(['+', '%']) {
        return s.to_string();
    }
    let bytes = pct_bytes(s.as_bytes(), true);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One layer of `%XX` decoding, when there is one and the result is UTF-8.
pub(crate) fn pct_decode_once(s: &str) -> Option<String> {
    if !has_escape(s.as_bytes()) {
        return None;
    }
    String::from_utf8(pct_bytes(s.as_bytes(), false)).ok()
}

fn has_escape(b: &[u8]) -> bool {
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

fn pct_bytes(b: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 component encoding: everything but unreserved characters as `%XX`.
pub(crate) fn rfc3986_encode(s: &str, upper: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if is_unreserved(c) {
            out.push(c as char);
        } else if upper {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push_str(&format!("%{c:02x}"));
        }
    }
    out
}

/// Every byte but ASCII letters and digits as `%XX` (what over-eager encoders write).
pub(crate) fn encode_non_alnum(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` encoding (what HTML forms and most servers write).
pub(crate) fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The spelling a standard encoder gives a canonical value at this depth: what the redactor
/// calls the plain spelling (any other spelling of the same value and depth is a "variant").
pub(crate) fn standard_spelling(canonical: &str, depth: u8) -> String {
    let mut s = canonical.to_string();
    for _ in 0..depth {
        s = rfc3986_encode(&s, true);
    }
    s
}

/// The text of an HTML attribute value or text node with the common entities decoded.
pub(crate) fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Escapes text for an HTML attribute value.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value as it appears inside a JSON string written by serde_json.
pub(crate) fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peels_layers_and_counts_them() {
        assert_eq!(decode_layers("abc", Wire::Url), ("abc".into(), 0));
        assert_eq!(decode_layers("a%2Bb", Wire::Url), ("a+b".into(), 1));
        assert_eq!(decode_layers("a%252Bb", Wire::Url), ("a+b".into(), 2));
        assert_eq!(decode_layers("a+b", Wire::Url), ("a b".into(), 1));
        assert_eq!(decode_layers("a+b", Wire::Plain), ("a+b".into(), 0));
        assert_eq!(decode_layers("%zz%", Wire::Url), ("%zz%".into(), 0));
        assert_eq!(decode_layers("%E9", Wire::Plain), ("%E9".into(), 0));
        assert_eq!(decode_layers("50%", Wire::Url), ("50%".into(), 0));
    }

    #[test]
    fn encodes_and_escapes() {
        assert_eq!(rfc3986_encode("a+b~/", true), "a%2Bb~%2F");
        assert_eq!(rfc3986_encode("a+b", false), "a%2bb");
        assert_eq!(form_encode("a b~"), "a+b%7E");
        assert_eq!(standard_spelling("a+b", 2), "a%252Bb");
        assert_eq!(html_unescape("a&amp;b&#x41;&#66;&bogus;"), "a&bAB&bogus;");
        assert_eq!(html_escape("a\"<"), "a&quot;&lt;");
        assert_eq!(json_escape("a\"b\\"), "a\\\"b\\\\");
    }
}
