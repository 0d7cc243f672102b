//! What a rule found, gathered part by part and turned into one [`Outcome`].
//!
//! A rule that checks several things (the `state` is present, strong, and comes back) reports
//! every problem it found, not just the first. It records failures, warnings, passes and gaps
//! (what the trace did not show) with their evidence, then asks for the outcome:
//!
//! - [`Findings::outcome`]: the worst problem, or `pass` when there is none;
//! - [`Findings::outcome_with_gaps`]: the worst problem, else `pass` when something passed,
//!   else `not-observed` with the gaps.
//!
//! Either way the summary lists the distinct messages of that status worst first (a fail
//! also names the warnings), at most [`MAX_LISTED`] of them, and the evidence of all of them
//! is kept, capped so that a trace with a hundred plain-http images does not flood the popup.

use crate::check::{Evidence, Outcome, Status};
use crate::stdx::sort::sort_by_key;

/// A summary names at most this many findings; the rest are counted.
const MAX_LISTED: usize = 3;

/// Evidence shown by [`Findings::outcome`]; the rest is counted in a last note.
const MAX_EVIDENCE: usize = 25;

/// Evidence shown by [`Findings::outcome_with_gaps`]; the rest is counted in a last note.
const MAX_EVIDENCE_WITH_GAPS: usize = 50;

#[derive(Debug, Default)]
pub(crate) struct Findings {
    problems: Vec<(Status, String)>,
    passes: usize,
    gaps: Vec<String>,
    /// At most [`MAX_EVIDENCE_WITH_GAPS`] entries; `evidence_seen` counts them all.
    evidence: Vec<Evidence>,
    evidence_seen: usize,
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
        self.evidence(evidence);
    }

    /// Something that was checked and is fine. The message is for the reader of the code:
    /// a pass is summarised by the rule's pass summary.
    pub(crate) fn pass(&mut self, _message: impl Into<String>, evidence: Evidence) {
        self.passes += 1;
        self.evidence(evidence);
    }

    /// Something the rule needed that the trace does not show.
    pub(crate) fn gap(&mut self, message: impl Into<String>, evidence: Evidence) {
        self.gaps.push(message.into());
        self.evidence(evidence);
    }

    /// Evidence that supports a pass or gives context to a problem.
    pub(crate) fn evidence(&mut self, evidence: Evidence) {
        self.evidence_seen += 1;
        if self.evidence.len() < MAX_EVIDENCE_WITH_GAPS {
            self.evidence.push(evidence);
        }
    }

    /// Something the rule took for granted; the same assumption is reported once.
    pub(crate) fn assume(&mut self, assumption: impl Into<String>) {
        let a = assumption.into();
        if !self.assumptions.contains(&a) {
            self.assumptions.push(a);
        }
    }

    /// A fail or a warning was recorded.
    pub(crate) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    pub(crate) fn has_gaps(&self) -> bool {
        !self.gaps.is_empty()
    }

    pub(crate) fn has_passes(&self) -> bool {
        self.passes > 0
    }

    /// The worst problem's status, or `pass` with `pass_summary`. Gaps stay as evidence.
    pub(crate) fn outcome(self, pass_summary: impl Into<String>) -> Outcome {
        let outcome = self
            .problem_outcome()
            .unwrap_or_else(|| Outcome::pass(pass_summary));
        self.with_evidence(outcome, MAX_EVIDENCE, |n| {
            format!("… and {n} more like these")
        })
    }

    /// Fail, else warn, else pass (with `pass_summary`), else not-observed (with the gaps,
    /// or `none_summary` when nothing was recorded at all). Gaps next to passes keep the
    /// pass and stay as evidence. With `strict`, any gap makes a would-be pass
    /// not-observed: the rule could not see everything it must.
    pub(crate) fn outcome_with_gaps(
        self,
        pass_summary: &str,
        none_summary: &str,
        strict: bool,
    ) -> Outcome {
        let outcome = if let Some(problem) = self.problem_outcome() {
            problem
        } else if self.has_passes() && !(strict && self.has_gaps()) {
            Outcome::pass(pass_summary)
        } else if self.has_gaps() {
            Outcome::not_observed(listing(self.gaps.iter().map(String::as_str)))
        } else {
            Outcome::not_observed(none_summary)
        };
        self.with_evidence(outcome, MAX_EVIDENCE_WITH_GAPS, |n| {
            format!("{n} more pieces of evidence are not shown")
        })
    }

    /// `fail` or `warn` listing the problems worst first; `None` without problems.
    fn problem_outcome(&self) -> Option<Outcome> {
        let mut problems: Vec<&(Status, String)> = self.problems.iter().collect();
        sort_by_key(&mut problems, |(status, _)| *status); // stable: fail first, then warn
        let (worst, _) = problems.first()?;
        let summary = listing(problems.iter().map(|(_, m)| m.as_str()));
        Some(match worst {
            Status::Fail => Outcome::fail(summary),
            _ => Outcome::warn(summary),
        })
    }

    /// The outcome with the first `cap` pieces of evidence, a note counting the rest, and
    /// the assumptions.
    fn with_evidence(
        self,
        mut outcome: Outcome,
        cap: usize,
        more: impl Fn(usize) -> String,
    ) -> Outcome {
        outcome = outcome.with_all(self.evidence.into_iter().take(cap));
        if self.evidence_seen > cap {
            outcome = outcome.with(Evidence::note(more(self.evidence_seen - cap)));
        }
        for a in self.assumptions {
            outcome = outcome.assuming(a);
        }
        outcome
    }
}

/// "a; b; c (and 2 more)": the distinct messages in order, the first [`MAX_LISTED`] named.
fn listing<'m>(messages: impl Iterator<Item = &'m str>) -> String {
    let mut distinct: Vec<&str> = Vec::new();
    for m in messages {
        if !distinct.contains(&m) {
            distinct.push(m);
        }
    }
    let listed = distinct[..distinct.len().min(MAX_LISTED)].join("; ");
    match distinct.len().saturating_sub(MAX_LISTED) {
        0 => listed,
        more => format!("{listed} (and {more} more)"),
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
    fn names_three_findings_and_counts_the_rest() {
        let mut f = Findings::new();
        for m in ["a", "b", "c", "d", "e"] {
            f.warn(m, Evidence::note(m));
        }
        let o = f.outcome("fine");
        assert_eq!(
            (o.status, o.summary.as_str()),
            (Status::Warn, "a; b; c (and 2 more)")
        );
    }

    #[test]
    fn gaps_decide_only_without_problems_and_passes() {
        let mut f = Findings::new();
        f.gap("no body", Evidence::note("a"));
        f.gap("no header", Evidence::note("b"));
        let o = f.outcome_with_gaps("fine", "nothing", false);
        assert_eq!(
            (o.status, o.summary.as_str()),
            (Status::NotObserved, "no body; no header")
        );

        let mut f = Findings::new();
        f.gap("no body", Evidence::note("a"));
        f.pass("ok", Evidence::note("b"));
        let o = f.outcome_with_gaps("fine", "nothing", false);
        assert_eq!((o.status, o.evidence.len()), (Status::Pass, 2));

        let mut f = Findings::new();
        f.gap("no body", Evidence::note("a"));
        f.pass("ok", Evidence::note("b"));
        let o = f.outcome_with_gaps("fine", "nothing", true);
        assert_eq!(o.status, Status::NotObserved);

        let o = Findings::new().outcome_with_gaps("fine", "nothing", false);
        assert_eq!(
            (o.status, o.summary.as_str()),
            (Status::NotObserved, "nothing")
        );
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

        let mut f = Findings::new();
        for i in 0..60 {
            f.gap("no body", Evidence::note(i.to_string()));
        }
        let o = f.outcome_with_gaps("fine", "nothing", false);
        assert_eq!(o.evidence.len(), MAX_EVIDENCE_WITH_GAPS + 1);
        assert!(o.evidence[MAX_EVIDENCE_WITH_GAPS].note.contains("10 more"));
    }
}
