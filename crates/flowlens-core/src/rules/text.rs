//! Strings for summaries and evidence: cut to a length, with invisible characters shown.

pub(crate) use crate::text::prefix_at_char_boundary;

/// A page-controlled string made safe to show as evidence: control characters and
/// direction overrides written as `\u{...}` escapes, cut to `max` characters.
pub(crate) fn visible(s: &str, max: usize) -> String {
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

/// A string cut to `max` characters, with the total length when it was cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_none() {
        head
    } else {
        format!("{head}… ({} chars in all)", s.chars().count())
    }
}

/// Bidirectional overrides, isolates and marks, and zero-width characters: invisible
/// characters that change how a name reads.
pub(crate) fn is_format_control(c: char) -> bool {
    crate::report::markdown::is_bidi_control(c)
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}'
        )
}
