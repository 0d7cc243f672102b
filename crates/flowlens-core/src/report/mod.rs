//! The checklist report: the `flowlens.report/v1` contract shared by the CLI and the extension.
//!
//! The JSON form is documented in README.md ("Report schema"). Fields are only ever added;
//! renaming or removing one needs a new schema version. Output formats (text, Markdown, the
//! popup) only consume a [`Report`]; they never look at the trace again.

use serde::{Deserialize, Serialize};

use crate::check::{Evidence, Status};
use crate::flow::{EndVia, Flow, Role};
use crate::params::{host_of, UrlParams};
use crate::redact;
use crate::trace::Trace;
use crate::vocab::{string_enum, Section, SourceKind};

mod build;
mod redaction;

pub use build::ReportBuilder;

pub const SCHEMA: &str = "flowlens.report/v1";

/// Parameters shown in a hop of the timeline (secret ones masked).
const TIMELINE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge_method",
    "resource",
    "login_request_id",
    "code",
    "iss",
    "error",
    "error_description",
    "access_token",
    "id_token",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `flowlens.report/v1`.
    pub schema: String,
    /// `flowlens <version>`.
    pub generator: String,
    pub source: SourceInfo,
    /// Sections in checklist order (ids and titles), for renderers.
    pub sections: Vec<SectionInfo>,
    pub flows: Vec<FlowReport>,
    /// One entry per rule and flow (or per rule when no flow was found), then one per manual
    /// item (`flow: null`, status `manual`) after the automated checks of its section, in
    /// checklist order.
    pub checks: Vec<CheckReport>,
    pub counts: Counts,
    /// Capture and import notes for the user.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// The file name or tab title, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    pub exchanges: usize,
    pub pages: usize,
    /// Whether an expectations profile was given.
    pub profile: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionInfo {
    pub id: Section,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowReport {
    pub index: usize,
    /// The worst status among the flow's checks.
    pub status: Status,
    pub hops: Vec<HopReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<EndReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopReport {
    /// Index into the trace's exchanges; evidence points here.
    pub index: usize,
    pub role: Role,
    pub method: String,
    /// Secrets masked.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub time_ms: f64,
    /// Key OAuth parameters of the URL (or form body), secrets masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamReport {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndReport {
    pub hop: usize,
    /// Secrets masked.
    pub url: String,
    pub via: EndVia,
    pub outcome: EndOutcome,
}

string_enum! {
    /// What the flow's last redirect carried back to the client.
    pub enum EndOutcome {
        /// An authorization code.
        Code => "code",
        /// An OAuth error.
        Error => "error",
        /// A token instead of a code (implicit grant).
        Token => "token",
        /// Neither.
        Unknown => "unknown",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub id: String,
    pub section: Section,
    pub title: String,
    /// The flow this result is about; `null` for items that are not about one flow.
    pub flow: Option<usize>,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// The user's note on this item (the extension's checklist fills it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The user ticked this item as done (manual items; the extension fills it).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ticked: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub not_observed: usize,
    pub manual: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            Status::NotObserved => self.not_observed += 1,
            Status::Manual => self.manual += 1,
            Status::Skipped => self.skipped += 1,
        }
    }
}

impl Report {
    /// Any check failed: the CLI exits 1.
    pub fn has_failures(&self) -> bool {
        self.counts.fail > 0
    }

    pub fn checks_in(&self, section: Section) -> impl Iterator<Item = &CheckReport> {
        self.checks.iter().filter(move |c| c.section == section)
    }
}

pub(crate) fn sections() -> Vec<SectionInfo> {
    Section::ALL
        .iter()
        .map(|&s| SectionInfo {
            id: s,
            title: s.title().to_string(),
        })
        .collect()
}

pub(crate) fn flow_report(trace: &Trace, flow: &Flow, checks: &[CheckReport]) -> FlowReport {
    let status = checks
        .iter()
        .filter(|c| c.flow == Some(flow.index))
        .map(|c| c.status)
        .min()
        .unwrap_or(Status::NotObserved);
    let hops = flow
        .hops
        .iter()
        .map(|h| {
            let ex = &trace.exchanges[h.exchange];
            let params = UrlParams::of(&ex.url);
            let mut shown: Vec<ParamReport> = TIMELINE_PARAMS
                .iter()
                .filter_map(|&name| {
                    let value = params.get(name).or_else(|| {
                        (h.role == Role::TokenRequest)
                            .then(|| ex.form_value(name))
                            .flatten()
                    })?;
                    Some(ParamReport {
                        name: name.to_string(),
                        value: redact::mask_value(name, value),
                    })
                })
                .collect();
            if h.role == Role::TokenRequest {
                if let Some(v) = ex.form_value("code_verifier") {
                    shown.push(ParamReport {
                        name: "code_verifier".into(),
                        value: redact::mask_value("code_verifier", v),
                    });
                }
            }
            HopReport {
                index: h.exchange,
                role: h.role,
                method: ex.method.clone(),
                url: redact::mask_url(&ex.url),
                host: host_of(&ex.url),
                status: ex.status(),
                time_ms: ex.time_ms,
                params: shown,
            }
        })
        .collect();
    let end = flow.end.as_ref().map(|e| {
        let params = e.params();
        let outcome = if params.has("access_token") || params.has("id_token") {
            EndOutcome::Token
        } else if params.has("error") {
            EndOutcome::Error
        } else if params.has("code") {
            EndOutcome::Code
        } else {
            EndOutcome::Unknown
        };
        EndReport {
            hop: e.exchange,
            url: redact::mask_url(&e.url),
            via: e.via,
            outcome,
        }
    });
    FlowReport {
        index: flow.index,
        status,
        hops,
        end,
    }
}
