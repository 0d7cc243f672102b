//! The toolbar button of a tab: a mark while its flow is recorded, then the verdict of the
//! flow the popup shows (the latest): the number of blockers on red, or a check mark on
//! green. The button's title carries the verdict line.
//!
//! Two renderers, so that the service worker's recorder module carries only the first: a
//! recording tab's badge needs no analysis, a finished flow's needs the report.

use serde::Serialize;

use crate::recorder::TabState;
use crate::report::Report;
use crate::vocab::Status;

/// What the browser's `action.setBadgeText` / `setBadgeBackgroundColor` / `setTitle` get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Badge {
    /// At most four characters: the browsers cut longer text.
    pub text: String,
    /// The badge's background, `#rrggbb`.
    pub color: &'static str,
    /// The button's tooltip.
    pub title: String,
}

/// The colors the popup uses for the same meanings (popup.css), dark enough for white text.
pub const RECORDING_COLOR: &str = "#1d4ed8";
pub const BLOCKED_COLOR: &str = "#b91c1c";
pub const READY_COLOR: &str = "#15803d";
pub const INCOMPLETE_COLOR: &str = "#4b5563";

/// The badge of a tab whose flow is being recorded; `None` once it is not.
pub fn recording(state: &TabState) -> Option<Badge> {
    state.is_recording().then(|| Badge {
        text: "REC".into(),
        color: RECORDING_COLOR,
        title: "Flowlens: recording this tab's authorization flow".into(),
    })
}

/// The badge of a finished recording: its report's verdict.
pub fn verdict(report: &Report) -> Badge {
    let latest = report.flows.iter().map(|f| f.index).max();
    let blockers = report
        .checks
        .iter()
        .filter(|c| c.flow == latest && c.status == Status::Fail)
        .count();
    if latest.is_none() {
        Badge {
            text: "?".into(),
            color: INCOMPLETE_COLOR,
            title: "Flowlens: Incomplete: no authorization flow recorded".into(),
        }
    } else if blockers > 0 {
        Badge {
            text: blockers.min(999).to_string(),
            color: BLOCKED_COLOR,
            title: format!(
                "Flowlens: Not ready: {blockers} blocker{}",
                if blockers == 1 { "" } else { "s" }
            ),
        }
    } else {
        Badge {
            text: "✓".into(),
            color: READY_COLOR,
            title: "Flowlens: Ready for launch".into(),
        }
    }
}

/// The badge of a recorded tab: recording, else its report's verdict, else none.
pub fn of(state: Option<&TabState>, report: Option<&Report>) -> Option<Badge> {
    state.and_then(recording).or_else(|| report.map(verdict))
}
