//! `flowlens`: checks recorded OAuth 2.1 authorization flows (HAR files) against the go-live
//! checklist, and probes MCP servers' OAuth discovery over the network.
//!
//! Exit codes: 0 when no check fails, 1 when a check fails, 2 when an input cannot be read,
//! a probe cannot run, or the command line is wrong (clap's usage errors exit 2 too). `diff`
//! exits 1 when the runs differ; `redact` exits 0 when it wrote the redacted file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod commands;
mod input;

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
    /// Check HAR files (or Flowlens exports and trace JSON files) and print the checklist report.
    ///
    /// With one file, `--format json` prints one report object; with several, a JSON array of
    /// reports in argument order (files that cannot be read are left out and reported on
    /// stderr).
    Check {
        /// HAR files exported from browser DevTools or Playwright, the extension's export zips
        /// (judged with the profile and manual answers they carry, unless --profile is given),
        /// zipped HARs, or trace JSON files.
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
    Probe(commands::probe::ProbeArgs),
    /// Connect to an MCP server as its client, through the whole OAuth flow: discovery,
    /// registration, sign-in and consent in Chromium (watched over the DevTools protocol,
    /// or driven by a steps file), the token exchange and authorized calls, then the checks
    /// only a client can make (refresh, a replayed code, altered and expired tokens). One
    /// trace, the whole checklist.
    ///
    /// Exit 2 names the step where the run stopped, after the report of what was seen.
    Connect(Box<commands::connect::ConnectArgs>),
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
        /// The HAR file to redact (or a Flowlens export or zip holding one).
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
        /// Run A (HAR, Flowlens export zip, or trace JSON).
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
        } => commands::check::run(&files, profile.as_deref(), format),
        Command::Probe(args) => commands::probe::run(args),
        Command::Connect(args) => commands::connect::run(*args),
        Command::Rules { format, manual } => {
            commands::rules::run(format, manual).map(|()| ExitCode::SUCCESS)
        }
        Command::Explain { id } => commands::explain::run(&id).map(|()| ExitCode::SUCCESS),
        Command::Redact { input, output } => {
            let output = commands::redact::Output::from_arg(output.as_deref(), &input);
            commands::redact::run(&input, &output)
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
        } => commands::diff::run(&a, &b, profile.as_deref(), format),
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
    let _ = writeln!(
        stderr,
        "flowlens: error: {}",
        flowlens_core::render::text::clean(message)
    );
}

/// A reader that went away (`flowlens check x.har | head`) is not an error.
fn quiet_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}
