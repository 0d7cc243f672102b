//! The extension's export bundle: one `.zip` download a support engineer can open with
//! `flowlens check`, the viewer, or any unzip tool ([`crate::open`] reads it back).
//!
//! Bundle layout (stored zip, flat):
//! - `README.txt`: what the bundle holds, whether it is redacted, the redaction receipt;
//! - `flow.har`: the recorded trace as HAR 1.2 (Flowlens extras in `_flowlens` fields);
//! - `report.json`: the `flowlens.report/v1` report, with the user's manual ticks and notes,
//!   and (member `profile`, only here) the expectations profile it was judged with;
//! - `report.md`: the same as a Markdown go-live review, linking the screenshot;
//! - `consent.jpg` (or `.png`): the consent page as the user saw it, when it was captured.
//!
//! Redacted by default: one [`Redactor`] (keyed with 32 random bytes from the caller, then
//! dropped) redacts the HAR and the report, so pseudonyms agree across the files.

use crate::archive::ZipWriter;
use crate::har::export as har_export;
use crate::profile::Profile;
use crate::redact::Redactor;
use crate::render::markdown;
use crate::report::Report;
use crate::stdx::base64::{Engine, STANDARD};
use crate::trace::{Screenshot, Trace};

/// File names in the bundle.
pub const HAR_FILE: &str = "flow.har";
pub const REPORT_JSON_FILE: &str = "report.json";
pub const REPORT_MD_FILE: &str = "report.md";

/// How to export: redacted with a one-time key, or with live secrets after the user confirmed.
pub enum Redaction {
    Redacted([u8; 32]),
    Unredacted,
}

/// The report.json member that carries the expectations profile the report was judged with,
/// so that the bundle reopened gives the statuses the popup showed.
pub const PROFILE_MEMBER: &str = "profile";

/// The bundle's bytes: a zip of stored entries (any unzip tool reads them, and the JPEG is
/// already compressed). `profile` is the one `report` was built with.
pub fn write(trace: &Trace, report: &Report, profile: &Profile, redaction: Redaction) -> Vec<u8> {
    let mut report = report.clone();
    let (har_text, readme_tail) = match redaction {
        Redaction::Redacted(key) => {
            let mut redactor = Redactor::new(key);
            let har = har_export::export_string(trace, &mut redactor);
            report.redact(&mut redactor);
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
    let json = report_json(&report, profile);

    let mut files = vec![HAR_FILE, REPORT_JSON_FILE, REPORT_MD_FILE];
    if let Some((name, _)) = &screenshot {
        files.push(name);
    }
    let readme = format!(
        "Flowlens export ({})\n\nFiles: {}\n- {HAR_FILE}: the recorded flow as HAR 1.2 (open it in \
         the Flowlens viewer or a HAR viewer; `flowlens check` on this zip gives the statuses \
         shown here)\n- {REPORT_JSON_FILE}: \
         the go-live report (flowlens.report/v1)\n- {REPORT_MD_FILE}: the same as a Markdown \
         review, with the manual items' ticks and notes\n\n{readme_tail}",
        report.generator,
        files.join(", "),
    );

    let mut zip = ZipWriter::new();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("README.txt", readme.as_bytes()),
        (HAR_FILE, har_text.as_bytes()),
        (REPORT_JSON_FILE, json.as_bytes()),
        (REPORT_MD_FILE, md.as_bytes()),
    ];
    if let Some((name, bytes)) = &screenshot {
        files.push((name, bytes));
    }
    for (name, data) in files {
        // Writing to memory fails only on an entry of 4 GB and more, which no export holds.
        let _ = zip.add_stored(name, data);
    }
    zip.finish().unwrap_or_default()
}

/// The report as JSON with the profile beside it (left out when it is the empty profile).
fn report_json(report: &Report, profile: &Profile) -> String {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if *profile != Profile::default() {
        if let (Some(object), Ok(profile)) = (value.as_object_mut(), serde_json::to_value(profile))
        {
            object.insert(PROFILE_MEMBER.into(), profile);
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::archive::ZipReader;
    use crate::manual::{Answer, Answers};
    use crate::open::{open, InputKind};
    use crate::report::ReportBuilder;
    use crate::testing::good_flow_with_pages;
    use crate::vocab::Status;

    fn answers() -> Answers {
        let mut a = Answers::new();
        a.insert(
            "manual-runbook".into(),
            Answer {
                ticked: true,
                note: Some("  wiki/runbook <b>  ".into()),
            },
        );
        a
    }

    /// The members of a zip, in order, with their bytes.
    fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = ZipReader::new(Cursor::new(bytes)).expect("zip");
        zip.names()
            .into_iter()
            .map(|n| {
                let data = zip.read(&n, 1 << 20).expect("entry");
                (n, data)
            })
            .collect()
    }

    #[test]
    fn redacted_bundle_holds_har_report_and_markdown_and_reopens() {
        let mut trace = good_flow_with_pages().build();
        trace.screenshots.push(Screenshot {
            time_ms: 1.0,
            url: "https://auth.acme.test/oauth/consent".into(),
            data_url: "data:image/jpeg;base64,/9j/4AAQ".into(),
        });
        let answers = answers();
        let report = ReportBuilder::new(&trace, &Profile::default())
            .manual_answers(&answers)
            .build();
        let bytes = write(
            &trace,
            &report,
            &Profile::default(),
            Redaction::Redacted([9; 32]),
        );
        let files = entries(&bytes);
        let names: Vec<&str> = files.iter().map(|e| e.0.as_str()).collect();
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
            String::from_utf8(files.iter().find(|e| e.0 == name).expect("file").1.clone())
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
        assert!(
            !text("report.json").contains("\"profile\": {"),
            "no profile given"
        );
        assert_eq!(files[4].1, [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);

        // The viewer reads the bundle back with the same statuses.
        let opened = open(Cursor::new(&bytes), &mut |_, _| {}).expect("reopens");
        assert_eq!(opened.kind, InputKind::Bundle);
        let again = ReportBuilder::new(&opened.trace, &Profile::default())
            .source_name("x.zip")
            .build();
        let statuses = |r: &Report| -> Vec<(String, Status)> {
            r.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
        };
        assert_eq!(statuses(&again), statuses(&report));
    }

    #[test]
    fn unredacted_bundle_says_so() {
        let trace = good_flow_with_pages().build();
        let report = crate::analyze(&trace, &Profile::default());
        let bytes = write(&trace, &report, &Profile::default(), Redaction::Unredacted);
        let files = entries(&bytes);
        let readme = String::from_utf8_lossy(&files[0].1).into_owned();
        assert!(readme.contains("NOT REDACTED"));
        assert!(String::from_utf8_lossy(&files[1].1).contains("NOT REDACTED"));
    }
}
