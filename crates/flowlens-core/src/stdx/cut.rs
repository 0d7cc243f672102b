//! Cutting strings without splitting a character: traces carry page- and server-controlled
//! strings of any size, and every cap (importer, recorder, rules, renderers) cuts them the
//! same way.

use std::borrow::Cow;

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Where [`clip`] leaves text out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elide {
    /// Keep the first `max` characters: `abc… (1000 chars in all)` (summaries, evidence).
    End,
    /// Keep two thirds from the start and one third from the end: `https://a.test/?x…[900
    /// chars]…xyz` (URLs on a terminal, whose end often says the most).
    Middle,
}

/// `s` when it has at most `max` characters, else shortened at `elide` with the length said.
pub fn clip(s: &str, max: usize, elide: Elide) -> Cow<'_, str> {
    let count = s.chars().count();
    if count <= max {
        return Cow::Borrowed(s);
    }
    Cow::Owned(match elide {
        Elide::End => {
            let head: String = s.chars().take(max).collect();
            format!("{head}… ({count} chars in all)")
        }
        Elide::Middle => {
            let head: String = s.chars().take(max * 2 / 3).collect();
            let tail: String = s.chars().skip(count - max / 3).collect();
            format!(
                "{head}…[{} chars]…{tail}",
                count - head.chars().count() - tail.chars().count()
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_splits_a_character() {
        assert_eq!(prefix_at_char_boundary("héllo", 2), "h");
        assert_eq!(prefix_at_char_boundary("héllo", 3), "hé");
        assert_eq!(prefix_at_char_boundary("abc", 10), "abc");
        assert_eq!(prefix_at_char_boundary("", 0), "");
    }

    #[test]
    fn clip_keeps_short_text_and_says_the_length_of_long_text() {
        assert_eq!(clip("short", 60, Elide::End), "short");
        assert_eq!(clip("abcdef", 3, Elide::End), "abc… (6 chars in all)");
        let long = format!("https://a.test/?{}", "x".repeat(1000));
        let clipped = clip(&long, 60, Elide::Middle);
        assert!(clipped.starts_with("https://a.test/?"));
        assert!(clipped.contains("…["));
        assert!(clipped.chars().count() < 90);
        assert_eq!(clip("ébcdeé", 3, Elide::Middle), "éb…[3 chars]…é");
    }
}
