//! Collecting several problems of one rule into one outcome.
//!
//! A rule that checks several things (the `state` is present, strong, and comes back) reports
//! every problem it found, not just the first: the status is the worst one, the summary lists
//! the problems worst first (identical messages once), and the evidence of all of them is
//! kept, capped so that a trace with a hundred plain-http images does not flood the popup.

use crate::check::{Evidence, Outcome, Status};

/// More evidence than this is summarised in a last note.
const MAX_EVIDENCE: usize = 25;

#[derive(Debug, Default)]
pub(crate) struct Findings {
    problems: Vec<(Status, String)>,
    evidence: Vec<Evidence>,
    assumptions: Vec<String>,
}

impl Findings {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn fail(&mut self, message: impl Into<String>, evidence: Evidence) {
        self.problem(Status::Fail, message, evidence);
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>, evidence: Evidence) {
        self.problem(Status::Warn, message, evidence);
    }

    /// A problem with the given status (`fail` or `warn`).
    pub(crate) fn problem(
        &mut self,
        status: Status,
        message: impl Into<String>,
        evidence: Evidence,
    ) {
        self.problems.push((status, message.into()));
        self.evidence.push(evidence);
    }

    /// Evidence that supports a pass or gives context to a problem.
    pub(crate) fn evidence(&mut self, evidence: Evidence) {
        self.evidence.push(evidence);
    }

    pub(crate) fn assume(&mut self, assumption: impl Into<String>) {
        self.assumptions.push(assumption.into());
    }

    pub(crate) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The outcome: the worst problem's status, or `pass` with `pass_summary`.
    pub(crate) fn outcome(self, pass_summary: impl Into<String>) -> Outcome {
        let mut problems = self.problems;
        problems.sort_by_key(|(status, _)| *status); // stable: fail first, then warn
        let mut messages: Vec<&str> = Vec::new();
        for (_, m) in &problems {
            if !messages.contains(&m.as_str()) {
                messages.push(m);
            }
        }
        let mut outcome = match problems.first() {
            None => Outcome::pass(pass_summary),
            Some((Status::Fail, _)) => Outcome::fail(messages.join("; ")),
            Some(_) => Outcome::warn(messages.join("; ")),
        };
        let total = self.evidence.len();
        outcome = outcome.with_all(self.evidence.into_iter().take(MAX_EVIDENCE));
        if total > MAX_EVIDENCE {
            outcome = outcome.with(Evidence::note(format!(
                "… and {} more like these",
                total - MAX_EVIDENCE
            )));
        }
        for a in self.assumptions {
            outcome = outcome.assuming(a);
        }
        outcome
    }
}

/// "1 host", "4 hosts": a count for a summary (nouns with a plain `s` plural).
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_wins_and_messages_are_listed_once() {
        let mut f = Findings::new();
        f.warn("weak", Evidence::note("a"));
        f.fail("missing", Evidence::note("b"));
        f.fail("missing", Evidence::note("c"));
        let o = f.outcome("fine");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.summary, "missing; weak");
        assert_eq!(o.evidence.len(), 3);

        let o = Findings::new().outcome("fine");
        assert_eq!((o.status, o.summary.as_str()), (Status::Pass, "fine"));
    }

    #[test]
    fn caps_evidence() {
        let mut f = Findings::new();
        for i in 0..40 {
            f.fail("plain http", Evidence::note(i.to_string()));
        }
        let o = f.outcome("fine");
        assert_eq!(o.evidence.len(), MAX_EVIDENCE + 1);
        assert!(o.evidence[MAX_EVIDENCE].note.contains("15 more"));
    }
}
