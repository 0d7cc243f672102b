//! How each status looks, in every output: one table, so that the terminal, the Markdown
//! review and the popup cannot disagree on what a status is called or how it is marked.

use crate::vocab::Status;

/// The marks and words of a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusLook {
    /// A mark every font has (terminal, popup).
    pub glyph: &'static str,
    /// An emoji (Markdown, where viewers have an emoji font).
    pub emoji: &'static str,
    /// The word a person reads in a list (the terminal's column): failures shout.
    pub word: &'static str,
    /// The color it is drawn in.
    pub tone: Tone,
}

/// What a status's color says. The terminal maps tones to ANSI colors; the popup styles the
/// status's wire name (`Status::as_str`, a CSS class) with the same meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Red: blocks the launch.
    Bad,
    /// Yellow: look at it.
    Caution,
    /// Green.
    Good,
    /// Cyan: a person's to-do.
    Todo,
    /// Dimmed: nothing to judge.
    Quiet,
}

pub const fn look(status: Status) -> StatusLook {
    let (glyph, emoji, word, tone) = match status {
        Status::Pass => ("✓", "✅", "pass", Tone::Good),
        Status::Fail => ("✗", "❌", "FAIL", Tone::Bad),
        Status::Warn => ("!", "⚠️", "WARN", Tone::Caution),
        Status::NotObserved => ("–", "➖", "not observed", Tone::Quiet),
        Status::Manual => ("☐", "☐", "manual", Tone::Todo),
        Status::Skipped => ("·", "⏭️", "skipped", Tone::Quiet),
    };
    StatusLook {
        glyph,
        emoji,
        word,
        tone,
    }
}

/// The mark of a manual item a person ticked as done.
pub const TICKED_GLYPH: &str = "☑";

/// Statuses in the order a summary lists them: what blocks first.
pub const SUMMARY_ORDER: [Status; 6] = Status::ALL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_distinct_marks() {
        let glyphs: std::collections::HashSet<&str> =
            Status::ALL.iter().map(|&s| look(s).glyph).collect();
        let emoji: std::collections::HashSet<&str> =
            Status::ALL.iter().map(|&s| look(s).emoji).collect();
        assert_eq!(glyphs.len(), Status::ALL.len());
        assert_eq!(emoji.len(), Status::ALL.len());
        assert_eq!(SUMMARY_ORDER[0], Status::Fail);
    }
}
