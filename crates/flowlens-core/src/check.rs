//! The outcome of one rule on one flow: a status, a one-line summary and evidence.
//!
//! Rules build outcomes with [`Outcome`] and [`Evidence`]; the report adds the rule's
//! identity. Evidence URLs go through [`crate::redact::mask_url`] when built, so a secret
//! never reaches a report in clear, whatever a rule puts in.

use serde::{Deserialize, Serialize};

use crate::redact;
pub use crate::vocab::Status;

/// What a rule concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    /// One line, for a person.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// What the rule had to assume for lack of a profile entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
}

impl Outcome {
    fn new(status: Status, summary: impl Into<String>) -> Self {
        Self {
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            assumptions: Vec::new(),
        }
    }
    pub fn pass(summary: impl Into<String>) -> Self {
        Self::new(Status::Pass, summary)
    }
    pub fn fail(summary: impl Into<String>) -> Self {
        Self::new(Status::Fail, summary)
    }
    pub fn warn(summary: impl Into<String>) -> Self {
        Self::new(Status::Warn, summary)
    }
    pub fn not_observed(summary: impl Into<String>) -> Self {
        Self::new(Status::NotObserved, summary)
    }
    pub fn skipped(summary: impl Into<String>) -> Self {
        Self::new(Status::Skipped, summary)
    }
    pub fn manual(summary: impl Into<String>) -> Self {
        Self::new(Status::Manual, summary)
    }

    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    pub fn with_all(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    pub fn assuming(mut self, assumption: impl Into<String>) -> Self {
        self.assumptions.push(assumption.into());
        self
    }
}

/// A pointer at what was observed: a hop (exchange index), its URL, and the parameter,
/// header or page fact concerned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Index into the trace's exchanges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    /// The URL concerned, secrets masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The parameter (`state`), header (`Strict-Transport-Security`) or page fact (`logo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The observed value, secrets masked; `None` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What this piece of evidence shows, in words.
    pub note: String,
}

impl Evidence {
    pub fn note(note: impl Into<String>) -> Self {
        Self {
            note: note.into(),
            ..Self::default()
        }
    }

    /// Evidence about a hop; the URL is masked.
    pub fn hop(hop: usize, url: &str, note: impl Into<String>) -> Self {
        Self {
            hop: Some(hop),
            url: Some(redact::mask_url(url)),
            note: note.into(),
            ..Self::default()
        }
    }

    /// Evidence about a URL that no exchange carries (a navigation, a `Location` target).
    pub fn url(url: &str, note: impl Into<String>) -> Self {
        Self {
            url: Some(redact::mask_url(url)),
            note: note.into(),
            ..Self::default()
        }
    }

    /// Names the parameter, header or fact and its value (masked when secret).
    pub fn field(mut self, name: &str, value: Option<&str>) -> Self {
        self.value = value.map(|v| redact::mask_value(name, v));
        self.field = Some(name.to_string());
        self
    }
}
