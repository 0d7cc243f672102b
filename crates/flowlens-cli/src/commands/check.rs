//! `flowlens check FILE...`: every input opened, judged and rendered in the chosen format.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flowlens_core::report::{Report, ReportBuilder};

use flowlens_core::render::{json, markdown, text};

use crate::{error, input, quiet_broken_pipe, Failure, Format};

/// `flowlens check`.
pub fn run(files: &[PathBuf], profile: Option<&Path>, format: Format) -> Result<ExitCode, Failure> {
    let given = match profile {
        Some(path) => Some(input::read_profile(path).map_err(Failure)?),
        None => None,
    };
    let mut reports = Vec::new();
    let mut unreadable = false;
    for path in files {
        match input::read_input(path) {
            Ok(opened) => {
                // An export is judged as the popup judged it (its profile and manual answers),
                // unless --profile says otherwise.
                let profile = given.clone().or(opened.profile).unwrap_or_default();
                let report = ReportBuilder::new(&opened.trace, &profile)
                    .source_name(input::display_name(path))
                    .manual_answers(&opened.answers)
                    .build();
                reports.push(report);
            }
            Err(message) => {
                error(&message);
                unreadable = true;
            }
        }
    }
    print_reports(&reports, files.len() > 1, format)
        .or_else(quiet_broken_pipe)
        .map_err(|e| Failure(format!("cannot write the report: {e}")))?;
    Ok(if unreadable {
        ExitCode::from(2)
    } else if reports.iter().any(Report::has_failures) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The reports in `format` on stdout: the renderer is the core's, this only writes.
pub fn print_reports(reports: &[Report], several: bool, format: Format) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => {
            let json = if several {
                json::render_all(reports)
            } else if let Some(report) = reports.first() {
                json::render(report)
            } else {
                return Ok(());
            };
            writeln!(out, "{json}")?;
        }
        Format::Markdown => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "\n---\n")?;
                }
                write!(out, "{}", markdown::render(report))?;
            }
        }
        Format::Text => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                text::render(&mut out, report)?;
            }
        }
    }
    out.flush()
}
