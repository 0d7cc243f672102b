//! The toolbar button of a tab: a mark while its flow is recorded, then the verdict of the
//! flow the popup shows (the latest): the number of blockers on red, a check mark on green,
//! a question mark on grey when the recording is incomplete. The button's title carries the
//! verdict line.
//!
//! Two renderers, so that the service worker's recorder module carries only the first: a
//! recording tab's badge needs no analysis, a finished flow's needs the report.

use serde::Serialize;

use crate::recorder::{Phase, TabState};
use crate::report::{Report, VerdictKind};

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

/// The badge of a tab whose flow is being recorded (until its callback is reached: from
/// then on the verdict shows, and follows the token request as it comes).
pub fn recording(state: &TabState) -> Option<Badge> {
    (state.phase == Phase::Recording).then(|| Badge {
        text: "REC".into(),
        color: RECORDING_COLOR,
        title: "Flowlens: recording this tab's authorization flow".into(),
    })
}

/// The badge of a recording: the verdict of the flow the popup shows first (the latest).
pub fn verdict(report: &Report) -> Badge {
    let latest = report.flows.iter().max_by_key(|f| f.index);
    let verdict = latest
        .and_then(|f| f.verdict.as_ref())
        .or(report.verdict.as_ref());
    let Some(verdict) = verdict else {
        return Badge {
            text: "?".into(),
            color: INCOMPLETE_COLOR,
            title: "Flowlens: Incomplete: nothing recorded".into(),
        };
    };
    let title = format!("Flowlens: {}", verdict.line);
    match verdict.kind {
        VerdictKind::NotReady => Badge {
            text: verdict.blockers.len().min(999).to_string(),
            color: BLOCKED_COLOR,
            title,
        },
        VerdictKind::Ready => Badge {
            text: "✓".into(),
            color: READY_COLOR,
            title,
        },
        VerdictKind::Incomplete => Badge {
            text: "?".into(),
            color: INCOMPLETE_COLOR,
            title,
        },
    }
}

/// The badge of a recorded tab: recording, else its report's verdict, else none.
pub fn of(state: Option<&TabState>, report: Option<&Report>) -> Option<Badge> {
    state.and_then(recording).or_else(|| report.map(verdict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages};
    use crate::{analyze, Profile};

    #[test]
    fn a_recording_tab_shows_a_mark_then_the_verdict() {
        let recording = TabState {
            phase: Phase::Recording,
            ..TabState::default()
        };
        let badge = of(Some(&recording), None).expect("a badge");
        assert_eq!(badge.text, "REC");
        assert_eq!(badge.color, RECORDING_COLOR);
        let idle = TabState::default();
        assert_eq!(of(Some(&idle), None), None);

        let good = analyze(&good_flow_with_pages().build(), &Profile::default());
        let ready = of(Some(&idle), Some(&good)).expect("a verdict");
        assert_eq!(ready.text, "✓");
        assert_eq!(ready.color, READY_COLOR);
        assert_eq!(ready.title, "Flowlens: Ready for launch");
        let finishing = TabState {
            phase: Phase::Finishing,
            ..TabState::default()
        };
        assert_eq!(of(Some(&finishing), Some(&good)), Some(ready));
    }

    #[test]
    fn blockers_are_counted_on_red_and_named_in_the_title() {
        let vendor = good_flow()
            .replace_in_urls("auth.acme.test", "acme-x7q2.scalekit.com")
            .build();
        let report = analyze(&vendor, &Profile::default());
        let badge = verdict(&report);
        let line = &report.flows[0].verdict.as_ref().expect("verdict").line;
        let blockers = report.flows[0]
            .verdict
            .as_ref()
            .expect("verdict")
            .blockers
            .len();
        assert!(blockers > 0);
        assert_eq!(badge.text, blockers.to_string());
        assert_eq!(badge.color, BLOCKED_COLOR);
        assert_eq!(badge.title, format!("Flowlens: {line}"));
        assert!(badge.title.starts_with("Flowlens: Not ready: "));
    }

    #[test]
    fn nothing_recorded_is_incomplete() {
        let empty = analyze(&crate::Trace::default(), &Profile::default());
        let badge = verdict(&empty);
        assert_eq!(badge.text, "?");
        assert!(badge.title.starts_with("Flowlens: Incomplete"));
    }
}
