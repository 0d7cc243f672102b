//! The report as JSON: the `flowlens.report/v1` document (README.md, "Report schema").

use crate::report::Report;

/// One report, pretty-printed.
pub fn render(report: &Report) -> String {
    // A report is plain data (strings, numbers, enums with string names): it always serializes.
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// Several reports (`flowlens check A B --format json`): a JSON array in input order.
pub fn render_all(reports: &[Report]) -> String {
    serde_json::to_string_pretty(reports).unwrap_or_default()
}
