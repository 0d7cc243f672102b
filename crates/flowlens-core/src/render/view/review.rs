//! The Review part of the view: the items a person verifies (manual items), apart from the
//! verdict. A compact list per section with how many were reviewed (ticked); what to verify
//! and the note on expand. Sections skipped in the profile are folded away into one line.

use super::verdict::is_manual_item;
use super::{check_view, CheckView};
use crate::report::{CheckReport, Report};
use crate::vocab::Status;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewView {
    /// "Review: 3 of 69 reviewed"; empty when there is nothing to review.
    pub line: String,
    pub reviewed: usize,
    pub total: usize,
    /// Sections with items to review, in checklist order.
    pub sections: Vec<ReviewSection>,
    /// Sections the profile skips: hidden from the list, still carried (folded) so that
    /// every item keeps its hooks.
    pub skipped: Vec<ReviewSection>,
    /// "Not applicable (skipped in the profile): Enterprise auth"; empty when none.
    pub skipped_line: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSection {
    pub id: &'static str,
    pub title: String,
    /// Items ticked as done.
    pub reviewed: usize,
    pub total: usize,
    /// "Core auth flows: 3 of 14 reviewed".
    pub line: String,
    pub items: Vec<CheckView>,
}

pub(super) fn review_view(report: &Report, checks: &[&CheckReport], read_only: bool) -> ReviewView {
    let mut sections = Vec::new();
    let mut skipped = Vec::new();
    for section in &report.sections {
        let items: Vec<&CheckReport> = checks
            .iter()
            .copied()
            .filter(|c| c.section == section.id && is_manual_item(c))
            .collect();
        if items.is_empty() {
            continue;
        }
        let reviewed = items.iter().filter(|c| c.ticked).count();
        let total = items.len();
        let all_skipped = items.iter().all(|c| c.status == Status::Skipped);
        let line = if all_skipped {
            format!("{}: skipped in the profile", section.title)
        } else {
            format!("{}: {reviewed} of {total} reviewed", section.title)
        };
        let view = ReviewSection {
            id: section.id.id(),
            title: section.title.clone(),
            reviewed,
            total,
            line,
            items: items
                .into_iter()
                .map(|c| check_view(c, read_only))
                .collect(),
        };
        if all_skipped {
            skipped.push(view);
        } else {
            sections.push(view);
        }
    }
    let reviewed = sections.iter().map(|s| s.reviewed).sum();
    let total = sections.iter().map(|s| s.total).sum();
    ReviewView {
        line: if total == 0 {
            String::new()
        } else {
            format!("Review: {reviewed} of {total} reviewed")
        },
        reviewed,
        total,
        skipped_line: if skipped.is_empty() {
            String::new()
        } else {
            let titles: Vec<&str> = skipped.iter().map(|s| s.title.as_str()).collect();
            format!(
                "Not applicable (skipped in the profile): {}",
                titles.join(", ")
            )
        },
        sections,
        skipped,
    }
}
