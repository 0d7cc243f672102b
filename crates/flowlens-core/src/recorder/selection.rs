//! Which recorded trace the popup shows.

use super::state::TabState;

/// The trace the popup shows: the one `tab` feeds when it has one, else the most recently
/// active trace other than `exclude` (the popup's own tab when it is opened as a page).
pub fn pick_trace(states: &[TabState], tab: Option<i64>, exclude: Option<i64>) -> Option<i64> {
    if let Some(s) = tab.and_then(|tab| states.iter().find(|s| s.is_fed_by(tab))) {
        return Some(s.trace);
    }
    states
        .iter()
        .filter(|s| Some(s.trace) != exclude && s.events > 0)
        .max_by(|a, b| a.last_event_ms.total_cmp(&b.last_event_ms))
        .map(|s| s.trace)
}
