//! Invisible characters that change how text reads: control characters, bidirectional
//! overrides and isolates, zero-width characters. Page- and server-controlled strings pass
//! through one of these before a person sees them.

use std::borrow::Cow;

/// Right-to-left overrides and isolates, which can disguise a name.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Bidirectional overrides, isolates and marks, and zero-width characters: invisible
/// characters that change how a name reads.
pub fn is_format_control(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}'
        )
}

/// A control character or a bidirectional override: what must never reach a terminal or a
/// rendered document as itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Text made safe to print: control characters (escape sequences, carriage returns,
/// newlines) and bidirectional overrides become U+FFFD.
pub fn replace_unsafe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// A page-controlled string made safe to show as evidence: control characters and
/// direction overrides written as `\u{...}` escapes, cut to `max` characters.
pub fn visible(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in s.chars().enumerate() {
        if count >= max {
            out.push_str(&format!("… ({} chars in all)", s.chars().count()));
            return out;
        }
        if c.is_control() || is_format_control(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_unsafe_neutralises_escapes_and_bidi_overrides() {
        assert_eq!(replace_unsafe("plain"), "plain");
        assert_eq!(
            replace_unsafe("a\u{1b}[2Jb\rc\nd\u{202e}e\u{7}"),
            "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}"
        );
    }

    #[test]
    fn visible_escapes_invisible_characters_and_cuts() {
        assert_eq!(visible("a\u{202e}b", 10), "a\\u{202e}b");
        assert_eq!(visible("abcdef", 3), "abc… (6 chars in all)");
    }
}
