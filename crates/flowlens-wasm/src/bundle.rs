//! The export bundle (one `.zip` download) and the viewer's file opener.
//!
//! Bundle layout (stored zip, flat):
//! - `README.txt`: what the bundle holds, whether it is redacted, the redaction receipt;
//! - `flow.har`: the recorded trace as HAR 1.2 (Flowlens extras in `_flowlens` fields);
//! - `report.json`: the `flowlens.report/v1` report, with the user's manual ticks and notes;
//! - `report.md`: the same as a Markdown go-live review, linking the screenshot;
//! - `consent.jpg` (or `.png`): the consent page as the user saw it, when it was captured.
//!
//! Redacted by default: one [`Redactor`] (keyed with 32 random bytes from the caller, then
//! dropped) redacts the HAR and the report, so pseudonyms agree across the files.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flowlens_core::check::Status;
use flowlens_core::har::{self, export as har_export, HarError};
use flowlens_core::redact::Redactor;
use flowlens_core::report::{markdown, Report};
use flowlens_core::trace::Screenshot;
use flowlens_core::{Profile, Trace};
use serde::{Deserialize, Serialize};

use crate::zip::{self, ZipWriter};

/// The user's answer on one manual item, as the popup keeps it in `storage.local`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManualEntry {
    pub ticked: bool,
    pub note: Option<String>,
}

/// Manual answers by check id.
pub type ManualAnswers = BTreeMap<String, ManualEntry>;

/// Longest note kept (characters): a note is a line or two, not a document.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Copies the user's ticks and notes into the report's manual items (`flow: null`, status
/// `manual`). Ids that are not manual items of this report are ignored.
pub fn apply_manual(report: &mut Report, answers: &ManualAnswers) {
    for check in &mut report.checks {
        if check.flow.is_some() || check.status != Status::Manual {
            continue;
        }
        let Some(answer) = answers.get(&check.id) else {
            continue;
        };
        check.ticked = answer.ticked;
        check.note = answer
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(MAX_NOTE_CHARS).collect());
    }
}

/// File names in the bundle.
pub const HAR_FILE: &str = "flow.har";
pub const REPORT_JSON_FILE: &str = "report.json";
pub const REPORT_MD_FILE: &str = "report.md";

/// How to export: redacted with a one-time key, or with live secrets after the user confirmed.
pub enum Redaction {
    Redacted([u8; 32]),
    Unredacted,
}

/// The bundle's bytes (a stored zip).
pub fn bundle(trace: &Trace, report: &Report, redaction: Redaction) -> Vec<u8> {
    let mut report = report.clone();
    let (har_text, readme_tail) = match redaction {
        Redaction::Redacted(key) => {
            let mut redactor = Redactor::new(key);
            let har = har_export::export_string(trace, &mut redactor);
            redactor.redact_report(&mut report);
            let receipt = redactor.receipt().summary();
            (
                har,
                format!(
                    "REDACTED: authorization codes, tokens, cookies, passwords and the values the \
                     checks compare (state, login_request_id, ...) are replaced by keyed \
                     pseudonyms that stay equal where the values were equal. The key was used \
                     once and discarded. The screenshot is an image of the consent page and is \
                     not redacted.\n\nRedaction receipt:\n{receipt}\n"
                ),
            )
        }
        Redaction::Unredacted => (
            serde_json::to_string_pretty(&har_export::export_unredacted(trace)).unwrap_or_default(),
            format!("{}\n", har_export::UNREDACTED_WARNING),
        ),
    };
    let screenshot = consent_screenshot(trace);
    let mut md = markdown::render(&report);
    if let Some((name, _)) = &screenshot {
        md.push_str(&format!(
            "## Consent screenshot\n\n![The consent page as the user saw it]({name})\n"
        ));
    }
    let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";

    let mut files = vec![HAR_FILE, REPORT_JSON_FILE, REPORT_MD_FILE];
    if let Some((name, _)) = &screenshot {
        files.push(name);
    }
    let readme = format!(
        "Flowlens export ({})\n\nFiles: {}\n- {HAR_FILE}: the recorded flow as HAR 1.2 (open it in \
         the Flowlens viewer, a HAR viewer, or `flowlens check {HAR_FILE}`)\n- {REPORT_JSON_FILE}: \
         the go-live report (flowlens.report/v1)\n- {REPORT_MD_FILE}: the same as a Markdown \
         review, with the manual items' ticks and notes\n\n{readme_tail}",
        report.generator,
        files.join(", "),
    );

    let mut zip = ZipWriter::new();
    zip.add("README.txt", readme.as_bytes());
    zip.add(HAR_FILE, har_text.as_bytes());
    zip.add(REPORT_JSON_FILE, json.as_bytes());
    zip.add(REPORT_MD_FILE, md.as_bytes());
    if let Some((name, bytes)) = &screenshot {
        zip.add(name, bytes);
    }
    zip.finish()
}

/// The last consent screenshot as an image file: (name, bytes).
fn consent_screenshot(trace: &Trace) -> Option<(&'static str, Vec<u8>)> {
    trace.screenshots.iter().rev().find_map(|s: &Screenshot| {
        let (name, data) = if let Some(d) = s.data_url.strip_prefix("data:image/jpeg;base64,") {
            ("consent.jpg", d)
        } else {
            (
                "consent.png",
                s.data_url.strip_prefix("data:image/png;base64,")?,
            )
        };
        Some((name, STANDARD.decode(data.trim()).ok()?))
    })
}

/// What the viewer opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpenedKind {
    Har,
    /// A Flowlens export bundle (its `.har`).
    Bundle,
    /// A Flowlens trace JSON (what `flowlens check` also reads).
    Trace,
}

/// Reads a file the viewer was given: a Flowlens bundle (zip), a HAR, or a trace JSON.
/// `on_progress(done, total)` is called about every megabyte while a HAR is parsed.
pub fn open_file(
    bytes: &[u8],
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(OpenedKind, Trace), String> {
    if zip::is_zip(bytes) {
        let entries = zip::entries(bytes)?;
        let har = entries
            .iter()
            .find(|e| e.name.ends_with(".har"))
            .ok_or("this zip holds no .har file")?;
        let total = har.data.len() as u64;
        let trace = har::read_har(har.data, &mut |done| on_progress(done, total))
            .map_err(|e| format!("{}: {e}", har.name))?;
        return Ok((OpenedKind::Bundle, trace));
    }
    let total = bytes.len() as u64;
    match har::read_har(bytes, &mut |done| on_progress(done, total)) {
        Ok(trace) => Ok((OpenedKind::Har, trace)),
        Err(HarError::NotHar(reason)) => {
            let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
                format!("not a HAR file ({reason}), nor a readable Flowlens trace ({e})")
            })?;
            if !value
                .get("exchanges")
                .is_some_and(serde_json::Value::is_array)
            {
                return Err(format!(
                    "neither a HAR file ({reason}) nor a Flowlens trace (no \"exchanges\")"
                ));
            }
            serde_json::from_value::<Trace>(value)
                .map(|t| (OpenedKind::Trace, t))
                .map_err(|e| format!("not a valid Flowlens trace: {e}"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The analysis of an opened file, with the file's name as the report's source name.
pub fn analyze_opened(trace: &Trace, name: &str, profile: &Profile) -> Report {
    let mut report = flowlens_core::analyze(trace, profile);
    if !name.is_empty() {
        report.source.name = Some(name.to_string());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlens_core::testing::good_flow_with_pages;

    fn answers() -> ManualAnswers {
        let mut a = ManualAnswers::new();
        a.insert(
            "manual-runbook".into(),
            ManualEntry {
                ticked: true,
                note: Some("  wiki/runbook <b>  ".into()),
            },
        );
        a.insert(
            "branding-logo".into(),
            ManualEntry {
                ticked: true,
                note: Some("ignored".into()),
            },
        );
        a
    }

    #[test]
    fn manual_answers_go_into_manual_items_only() {
        let trace = good_flow_with_pages().build();
        let mut report = flowlens_core::analyze(&trace, &Profile::default());
        apply_manual(&mut report, &answers());
        let runbook = report.checks.iter().find(|c| c.id == "manual-runbook");
        let runbook = runbook.expect("manual item");
        assert!(runbook.ticked);
        assert_eq!(runbook.note.as_deref(), Some("wiki/runbook <b>"));
        let logo = report.checks.iter().find(|c| c.id == "branding-logo");
        assert!(!logo.expect("rule").ticked);
        assert!(markdown::render(&report).contains("- [x] Incident response runbook"));
    }

    #[test]
    fn redacted_bundle_holds_har_report_and_markdown_and_reopens() {
        let mut trace = good_flow_with_pages().build();
        trace.screenshots.push(Screenshot {
            time_ms: 1.0,
            url: "https://auth.acme.test/oauth/consent".into(),
            data_url: "data:image/jpeg;base64,/9j/4AAQ".into(),
        });
        let mut report = flowlens_core::analyze(&trace, &Profile::default());
        apply_manual(&mut report, &answers());
        let bytes = bundle(&trace, &report, Redaction::Redacted([9; 32]));
        let files = zip::entries(&bytes).expect("zip");
        let names: Vec<&str> = files.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "README.txt",
                "flow.har",
                "report.json",
                "report.md",
                "consent.jpg"
            ]
        );
        let text = |name: &str| {
            String::from_utf8(
                files
                    .iter()
                    .find(|e| e.name == name)
                    .expect("file")
                    .data
                    .to_vec(),
            )
            .expect("utf-8")
        };
        assert!(text("README.txt").contains("REDACTED"));
        assert!(text("report.md").contains("](consent.jpg)"));
        assert!(text("report.md").contains("- [x] Incident response runbook"));
        let json: Report = serde_json::from_str(&text("report.json")).expect("report json");
        assert!(json
            .checks
            .iter()
            .any(|c| c.id == "manual-runbook" && c.ticked));
        assert_eq!(files[4].data, [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);

        // The viewer reads the bundle back with the same statuses.
        let (kind, reopened) = open_file(&bytes, &mut |_, _| {}).expect("reopens");
        assert_eq!(kind, OpenedKind::Bundle);
        let again = analyze_opened(&reopened, "x.zip", &Profile::default());
        let statuses = |r: &Report| -> Vec<(String, Status)> {
            r.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
        };
        assert_eq!(statuses(&again), statuses(&report));
    }

    #[test]
    fn unredacted_bundle_says_so() {
        let trace = good_flow_with_pages().build();
        let report = flowlens_core::analyze(&trace, &Profile::default());
        let bytes = bundle(&trace, &report, Redaction::Unredacted);
        let files = zip::entries(&bytes).expect("zip");
        let readme = String::from_utf8_lossy(files[0].data).into_owned();
        assert!(readme.contains("NOT REDACTED"));
        assert!(String::from_utf8_lossy(files[1].data).contains("NOT REDACTED"));
    }

    #[test]
    fn opens_trace_json_and_rejects_other_json() {
        let trace = good_flow_with_pages().build();
        let json = serde_json::to_vec(&trace).expect("trace json");
        let (kind, _) = open_file(&json, &mut |_, _| {}).expect("trace");
        assert_eq!(kind, OpenedKind::Trace);
        assert!(open_file(b"{\"foo\":1}", &mut |_, _| {}).is_err());
        assert!(open_file(b"", &mut |_, _| {}).is_err());
    }
}
