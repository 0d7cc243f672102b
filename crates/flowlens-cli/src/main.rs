//! `flowlens`: checks recorded OAuth 2.1 authorization flows (HAR files) against the go-live
//! checklist, and probes MCP servers' OAuth discovery over the network.
//!
//! Exit codes: 0 when no check fails, 1 when a check fails, 2 when an input cannot be read,
//! a probe cannot run, or the command line is wrong (clap's usage errors exit 2 too). `diff`
//! exits 1 when the runs differ; `redact` exits 0 when it wrote the redacted file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use flowlens_core::report::Report;
use flowlens_core::rules;

mod connect;
mod diff_cmd;
mod input;
mod probe;
mod redact_cmd;
mod text;

#[derive(Parser)]
#[command(
    name = "flowlens",
    version,
    about = "Checks recorded OAuth 2.1 authorization flows (HAR files) against the go-live checklist",
    after_help = "Exit codes: 0 no check failed, 1 a check failed, 2 unreadable input, a probe that could not run, or usage error."
)]
struct Cli {
    /// When to color the text output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check HAR files (or Flowlens trace JSON files) and print the checklist report.
    ///
    /// With one file, `--format json` prints one report object; with several, a JSON array of
    /// reports in argument order (files that cannot be read are left out and reported on
    /// stderr).
    Check {
        /// HAR files exported from browser DevTools or Playwright, or trace JSON files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Expectations profile (TOML): custom domains, server name, login endpoint...
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Probe an MCP server's OAuth discovery: the 401 challenge, the protected-resource and
    /// authorization-server metadata, TLS, HSTS and CORS, checked by the same rules.
    ///
    /// Sends an unauthenticated MCP initialize request, then follows discovery as an MCP
    /// client does. Never sends credentials. Exit 2 names the step that could not run.
    Probe(probe::ProbeArgs),
    /// Connect to an MCP server as its client, through the whole OAuth flow: discovery,
    /// registration, sign-in and consent in Chromium (watched over the DevTools protocol,
    /// or driven by a steps file), the token exchange and authorized calls, then the checks
    /// only a client can make (refresh, a replayed code, altered and expired tokens). One
    /// trace, the whole checklist.
    ///
    /// Exit 2 names the step where the run stopped, after the report of what was seen.
    Connect(Box<connect::ConnectArgs>),
    /// List the rules in checklist order.
    Rules {
        #[arg(long, short, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Also list the items a person verifies (reported with status `manual`).
        #[arg(long)]
        manual: bool,
    },
    /// Show a rule's documentation: what it checks, why it matters, how to fix it.
    Explain {
        /// The rule id (see `flowlens rules`).
        id: String,
    },
    /// Write a copy of a HAR file for support: secrets, cookies, tokens and the values the
    /// checks compare (state, nonce, login_request_id) become keyed pseudonyms (state~7f3a…)
    /// that stay equal where the values were equal. A receipt of what was replaced goes in
    /// the file. Streams: any file size, little memory. See docs/redaction.md.
    Redact {
        /// The HAR file to redact.
        #[arg(value_name = "IN.har")]
        input: PathBuf,
        /// Where to write (`-` for stdout). Default: IN.redacted.har beside the input.
        #[arg(long, short, value_name = "OUT.har")]
        output: Option<PathBuf>,
    },
    /// Compare two runs of a flow hop by hop (staging and production, before and after a
    /// change): hosts, statuses, parameters and check statuses that changed. Exits 1 when
    /// they differ.
    Diff {
        /// Run A (HAR or trace JSON).
        #[arg(value_name = "A")]
        a: PathBuf,
        /// Run B.
        #[arg(value_name = "B")]
        b: PathBuf,
        /// Expectations profile (TOML) for both runs.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        #[arg(long, short, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// A failure that ends the command with exit code 2, said in one line.
struct Failure(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let result = match cli.command {
        Command::Check {
            files,
            profile,
            format,
        } => check(&files, profile.as_deref(), format),
        Command::Probe(args) => probe::run(args),
        Command::Connect(args) => connect::run(*args),
        Command::Rules { format, manual } => list_rules(format, manual).map(|()| ExitCode::SUCCESS),
        Command::Explain { id } => explain(&id).map(|()| ExitCode::SUCCESS),
        Command::Redact { input, output } => {
            let output = redact_cmd::Output::from_arg(output.as_deref(), &input);
            redact_cmd::run(&input, &output)
                .map(|summary| {
                    let _ = writeln!(anstream::stderr(), "{summary}");
                    ExitCode::SUCCESS
                })
                .map_err(Failure)
        }
        Command::Diff {
            a,
            b,
            profile,
            format,
        } => diff(&a, &b, profile.as_deref(), format),
    };
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            error(&message);
            ExitCode::from(2)
        }
    }
}

fn error(message: &str) {
    let mut stderr = anstream::stderr();
    let _ = writeln!(stderr, "flowlens: error: {}", text::clean(message));
}

fn diff(
    a: &Path,
    b: &Path,
    profile: Option<&Path>,
    format: RulesFormat,
) -> Result<ExitCode, Failure> {
    let profile = match profile {
        Some(path) => input::read_profile(path).map_err(Failure)?,
        None => flowlens_core::Profile::default(),
    };
    let ta = input::read_trace(a).map_err(Failure)?;
    let tb = input::read_trace(b).map_err(Failure)?;
    let (ra, rb) = (
        flowlens_core::analyze(&ta, &profile),
        flowlens_core::analyze(&tb, &profile),
    );
    let d = flowlens_core::diff::diff(&ta, &ra, &tb, &rb);
    let (na, nb) = (input::display_name(a), input::display_name(b));
    let mut out = anstream::stdout().lock();
    match format {
        RulesFormat::Json => diff_cmd::render_json(&mut out, &na, &nb, &d),
        RulesFormat::Text => diff_cmd::render_text(&mut out, &na, &nb, &d),
    }
    .and_then(|()| out.flush())
    .or_else(quiet_broken_pipe)
    .map_err(|e| Failure(format!("cannot write the diff: {e}")))?;
    Ok(if diff_cmd::differs(&d) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(files: &[PathBuf], profile: Option<&Path>, format: Format) -> Result<ExitCode, Failure> {
    let profile = match profile {
        Some(path) => input::read_profile(path).map_err(Failure)?,
        None => flowlens_core::Profile::default(),
    };
    let mut reports = Vec::new();
    let mut unreadable = false;
    for path in files {
        match input::read_trace(path) {
            Ok(trace) => {
                let mut report = flowlens_core::analyze(&trace, &profile);
                report.source.name = Some(input::display_name(path));
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

fn print_reports(reports: &[Report], several: bool, format: Format) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => {
            let json = if several {
                serde_json::to_string_pretty(reports)
            } else if let Some(report) = reports.first() {
                serde_json::to_string_pretty(report)
            } else {
                return Ok(());
            };
            writeln!(out, "{}", json.map_err(std::io::Error::other)?)?;
        }
        Format::Markdown => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "\n---\n")?;
                }
                write!(out, "{}", flowlens_core::report::markdown::render(report))?;
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

fn list_rules(format: RulesFormat, manual: bool) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    let result = match format {
        RulesFormat::Json => {
            #[derive(serde::Serialize)]
            struct Row {
                id: &'static str,
                section: rules::Section,
                title: &'static str,
                kind: &'static str,
            }
            let mut rows: Vec<Row> = rules::registry()
                .iter()
                .map(|r| r.meta())
                .map(|m| Row {
                    id: m.id,
                    section: m.section,
                    title: m.title,
                    kind: "rule",
                })
                .collect();
            if manual {
                rows.extend(flowlens_core::manual::items().iter().map(|m| Row {
                    id: m.id,
                    section: m.section,
                    title: m.title,
                    kind: "manual",
                }));
            }
            serde_json::to_string_pretty(&rows)
                .map_err(std::io::Error::other)
                .and_then(|json| writeln!(out, "{json}"))
        }
        RulesFormat::Text => text::rules(&mut out, manual),
    };
    result
        .or_else(quiet_broken_pipe)
        .map_err(|e| Failure(format!("cannot write: {e}")))
}

/// `flowlens explain ID`: a rule's documentation, or a manual item's guidance.
fn explain(id: &str) -> Result<(), Failure> {
    let trimmed = id.trim();
    let mut out = anstream::stdout().lock();
    let written = if let Some(rule) = rules::find(trimmed) {
        text::explain(&mut out, rule.meta())
    } else if let Some(item) = flowlens_core::manual::find(trimmed) {
        text::explain_manual(&mut out, item)
    } else {
        let close = close_ids(id);
        let hint = if close.is_empty() {
            "run `flowlens rules --manual` for the list".to_string()
        } else {
            format!("did you mean {}?", close.join(", "))
        };
        return Err(Failure(format!("unknown rule id `{id}`; {hint}")));
    };
    written
        .or_else(quiet_broken_pipe)
        .map_err(|e| Failure(format!("cannot write: {e}")))
}

/// A reader that went away (`flowlens check x.har | head`) is not an error.
fn quiet_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// Rule ids close to `id`: a small edit distance, or one containing the other.
fn close_ids(id: &str) -> Vec<&'static str> {
    let id = id.trim().to_ascii_lowercase();
    let ids = rules::registry()
        .iter()
        .map(|r| r.meta().id)
        .chain(flowlens_core::manual::items().iter().map(|m| m.id));
    let mut scored: Vec<(usize, &'static str)> = ids
        .filter_map(|candidate| {
            let distance = levenshtein(&id, candidate);
            let contains = id.len() >= 3 && (candidate.contains(&id) || id.contains(candidate));
            (contains || distance <= (candidate.len() / 3).max(2)).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, c)| c).take(5).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn close_ids_find_typos_and_parts() {
        assert_eq!(close_ids("oauth-pkce-s265"), ["oauth-pkce-s256"]);
        assert_eq!(close_ids("pkce"), ["oauth-pkce-s256"]);
        assert!(close_ids("zzzzzzzz").is_empty());
    }
}
