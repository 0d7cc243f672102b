//! Cutting strings without splitting a character: traces carry page- and server-controlled
//! strings of any size, and every cap (importer, recorder, rules) cuts them the same way.

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
}
