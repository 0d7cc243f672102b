//! `flowlens probe URL`: checks an MCP server's OAuth discovery over the network, with the
//! same rules and report as `check` (see the `flowlens-probe` crate).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use flowlens_core::Trace;
use flowlens_probe::{Options, ResolveOverride};

use crate::commands::check::print_reports;
use crate::{input, quiet_broken_pipe, Failure, Format};

/// The longest `--timeout` accepted: a probe is a few requests, not a download.
const MAX_TIMEOUT_S: f64 = 300.0;

#[derive(Args)]
pub struct ProbeArgs {
    /// The MCP server URL (its Streamable HTTP endpoint), e.g. https://mcp.acme.com/mcp.
    #[arg(value_name = "URL")]
    url: String,
    /// Expectations profile (TOML): custom domains...
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Text output: also list the passing checks and the probe's requests.
    #[arg(long)]
    all: bool,
    /// Seconds allowed for each step: connecting, reading, and the step's redirects and
    /// fallback URLs together.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_timeout)]
    timeout: Duration,
    /// Accept any TLS certificate. Only for local test servers: said on stderr and in the
    /// report.
    #[arg(long)]
    insecure: bool,
    /// Send requests for HOST:PORT to ADDRESS instead of what DNS says (like curl's
    /// --resolve), e.g. mcp.acme.com:443:127.0.0.1. Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDRESS")]
    resolve: Vec<ResolveOverride>,
    /// Ask as the browser-based MCP client on this origin (https://app.example.com): every
    /// request carries it as Origin, and an answer the browser would not let that client read
    /// fails. Without it (and without web_client_origins in the profile) the probe is a native
    /// client, sends no Origin, and says that browser-based clients were not checked.
    #[arg(long, value_name = "ORIGIN", value_parser = parse_origin)]
    origin: Option<String>,
    /// Ask as a native client even when the profile lists web client origins (no Origin).
    #[arg(long, conflicts_with = "origin")]
    no_origin: bool,
    /// Also write what the probe recorded as a Flowlens trace JSON file (readable by
    /// `flowlens check`), even when the probe stops early.
    #[arg(long, value_name = "FILE")]
    save_trace: Option<PathBuf>,
}

/// An http(s) origin, written as browsers send it (`https://app.example.com`).
fn parse_origin(s: &str) -> Result<String, String> {
    let url = flowlens_core::stdx::idn::typed_url(s.trim())
        .map_err(|e| format!("'{s}' is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("'{s}' is not an http(s) origin"));
    }
    Ok(url.origin().ascii_serialization())
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_S) {
        return Err(format!(
            "the timeout must be more than 0 and at most {MAX_TIMEOUT_S} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

pub fn run(args: ProbeArgs) -> Result<ExitCode, Failure> {
    let profile = match &args.profile {
        Some(path) => input::read_profile(path).map_err(Failure)?,
        None => flowlens_core::Profile::default(),
    };
    if args.insecure {
        warn(
            "--insecure: TLS certificates are NOT verified; use it only against local test servers",
        );
    }
    let mut profile = profile;
    if args.no_origin {
        profile.web_client_origins.clear();
    }
    let defaults = Options::default();
    let options = Options {
        timeout: args.timeout,
        insecure: args.insecure,
        origin: args.origin,
        resolve: args.resolve,
        profile,
        ..defaults
    };
    match flowlens_probe::probe(&args.url, &options) {
        Ok(probe) => {
            if let Some(path) = &args.save_trace {
                save_trace(path, &probe.trace)?;
            }
            let detail = crate::detail(args.all);
            print_reports(
                std::slice::from_ref(&probe.report),
                false,
                args.format,
                detail,
            )
            .or_else(quiet_broken_pipe)
            .map_err(|e| Failure(format!("cannot write the report: {e}")))?;
            Ok(if probe.report.has_failures() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            if let Some(path) = &args.save_trace {
                save_trace(path, &e.trace)?;
            }
            Err(Failure(e.to_string()))
        }
    }
}

fn save_trace(path: &Path, trace: &Trace) -> Result<(), Failure> {
    let fail =
        |e: &dyn std::fmt::Display| Failure(format!("{}: cannot write: {e}", path.display()));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, trace).map_err(|e| fail(&e))?;
    out.flush().map_err(|e| fail(&e))
}

fn warn(message: &str) {
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "flowlens: warning: {}",
        flowlens_core::render::text::clean(message)
    );
}
