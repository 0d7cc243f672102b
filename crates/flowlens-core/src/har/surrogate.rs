//! Lone UTF-16 surrogates in JSON strings, which real HAR files hold.
//!
//! `JSON.stringify` writes a string cut in the middle of a character (a response body
//! truncated inside an emoji, a header value cut at a limit) as a lone `\ud83d` escape. That is
//! valid JSON but no valid Unicode, and serde_json refuses it; left alone, one such string
//! would make a whole HAR unreadable, or silently drop a body. The importer mends such a value
//! the way browsers decode one, as U+FFFD, and says how many it mended.

/// `json` with every escape of a lone surrogate replaced by `\ufffd`; `None` when it has none.
pub(super) fn mend(json: &str) -> Option<String> {
    let b = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b[i + 1] != b'u' {
            i += 2; // `\\`, `\"` and the other two-character escapes
            continue;
        }
        let Some(unit) = hex4(b, i + 2) else {
            i += 2;
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => {
                // A high surrogate must be followed by a low one.
                let next = (b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u'))
                    .then(|| hex4(b, i + 8))
                    .flatten();
                if next.is_some_and(|n| (0xDC00..=0xDFFF).contains(&n)) {
                    i += 12;
                    continue;
                }
                true
            }
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[copied..i]);
            out.push_str("\\ufffd");
            copied = i + 6;
        }
        i += 6;
    }
    let mut out = out?;
    out.push_str(&json[copied..]);
    Some(out)
}

fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let digits = b.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u16::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::mend;

    fn read(json: &str) -> String {
        let mended = mend(json).unwrap_or_else(|| json.to_string());
        serde_json::from_str(&mended).expect("mended JSON reads")
    }

    #[test]
    fn mends_lone_surrogates_and_keeps_pairs_and_other_escapes() {
        assert_eq!(read(r#""a\ud83d""#), "a\u{fffd}");
        assert_eq!(read(r#""a\ud83d?""#), "a\u{fffd}?");
        assert_eq!(read(r#""\udc00x\uD800\u0041""#), "\u{fffd}x\u{fffd}A");
        assert_eq!(read(r#""\ud83d\ude00 ok""#), "😀 ok");
        assert_eq!(read(r#""\\ud800 is text""#), "\\ud800 is text");
        assert_eq!(read(r#""\\\ud800""#), "\\\u{fffd}");
        assert_eq!(mend(r#"{"a": "\u00e9\ud83d\ude00"}"#), None);
        assert_eq!(mend(r#""\ud8"#), None);
    }
}
