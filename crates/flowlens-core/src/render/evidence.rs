//! One evidence line, for every output: which parts an [`Evidence`] shows and in what order
//! (hop, URL, field and value, then the note) is decided here once; an output only says how
//! each part is written ([`EvidenceSyntax`]: escaping, clipping, separators).

use crate::check::Evidence;

/// How one output writes the parts of an evidence line.
pub trait EvidenceSyntax {
    /// Between the hop, the URL and the field.
    const PART_SEPARATOR: &'static str;
    /// Between those parts and the note.
    const NOTE_SEPARATOR: &'static str;
    /// The note separator is written even when the note is empty.
    const NOTE_SEPARATOR_ALWAYS: bool = false;

    fn hop(&self, hop: usize) -> String {
        format!("hop {hop}")
    }
    fn url(&self, url: &str) -> String;
    /// `value` is `None` when the field was absent.
    fn field(&self, field: &str, value: Option<&str>) -> String;
    fn note(&self, note: &str) -> String;
}

/// What an absent value is shown as.
pub const ABSENT: &str = "(absent)";

/// The evidence as one line in `syntax`.
pub fn line<S: EvidenceSyntax>(ev: &Evidence, syntax: &S) -> String {
    let mut parts = Vec::new();
    if let Some(hop) = ev.hop {
        parts.push(syntax.hop(hop));
    }
    if let Some(url) = &ev.url {
        parts.push(syntax.url(url));
    }
    if let Some(field) = &ev.field {
        parts.push(syntax.field(field, ev.value.as_deref()));
    }
    let mut line = parts.join(S::PART_SEPARATOR);
    if !line.is_empty() && (S::NOTE_SEPARATOR_ALWAYS || !ev.note.is_empty()) {
        line.push_str(S::NOTE_SEPARATOR);
    }
    line.push_str(&syntax.note(&ev.note));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl EvidenceSyntax for Plain {
        const PART_SEPARATOR: &'static str = " | ";
        const NOTE_SEPARATOR: &'static str = ": ";
        fn url(&self, url: &str) -> String {
            url.to_string()
        }
        fn field(&self, field: &str, value: Option<&str>) -> String {
            format!("{field}={}", value.unwrap_or(ABSENT))
        }
        fn note(&self, note: &str) -> String {
            note.to_string()
        }
    }

    #[test]
    fn parts_in_order_and_the_note_last() {
        let ev = Evidence {
            hop: Some(3),
            url: Some("https://a.test/".into()),
            field: Some("state".into()),
            value: None,
            note: "missing".into(),
        };
        assert_eq!(
            line(&ev, &Plain),
            "hop 3 | https://a.test/ | state=(absent): missing"
        );
        assert_eq!(line(&Evidence::note("only a note"), &Plain), "only a note");
        let no_note = Evidence {
            note: String::new(),
            ..ev
        };
        assert_eq!(
            line(&no_note, &Plain),
            "hop 3 | https://a.test/ | state=(absent)"
        );
    }
}
