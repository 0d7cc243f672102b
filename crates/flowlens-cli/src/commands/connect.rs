//! `flowlens connect MCP_URL`: Flowlens as the MCP client, through the whole flow, with the
//! browser part watched in Chromium, and the checklist on all of it (see the
//! `flowlens-connect` crate). Progress goes to stderr, the report to stdout.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use flowlens_connect::{browser, steps, ConnectError, ErrorKind, Progress};
use flowlens_core::redact::Redactor;
use flowlens_core::Trace;
use flowlens_probe::ResolveOverride;

use crate::commands::check::print_reports;
use crate::{input, quiet_broken_pipe, Failure, Format};

/// The longest time limit accepted for a step or the wait.
const MAX_WAIT_S: f64 = 3600.0;
/// How long a person may take to sign in and consent in a window.
const HEADED_WAIT_S: u64 = 300;

#[derive(Args)]
pub struct ConnectArgs {
    /// The MCP server URL (its Streamable HTTP endpoint), e.g. https://mcp.acme.com/mcp.
    #[arg(value_name = "MCP_URL")]
    url: String,
    /// Expectations profile (TOML): custom domains, server name, client_id...
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Output format of the report.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Sign in and consent unattended: a TOML file of steps (fill, click, click_text,
    /// wait_for_url). Without it, a person signs in in the browser window.
    #[arg(long, value_name = "FILE")]
    steps: Option<PathBuf>,
    /// Run the browser without a window (the default when there is no display, as in CI).
    #[arg(long, conflicts_with = "headed")]
    headless: bool,
    /// Show the browser window (the default when a display exists).
    #[arg(long)]
    headed: bool,
    /// The Chromium to run, never one a tool downloads (default: $FLOWLENS_CHROMIUM, else
    /// /usr/bin/chromium).
    #[arg(long, value_name = "PATH")]
    browser: Option<PathBuf>,
    /// A client id registered for Flowlens (a public client whose redirect URIs allow
    /// http://127.0.0.1/callback), instead of dynamic registration.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// The scope to ask for (default: the 401 challenge's, else the server's
    /// scopes_supported, with offline_access when refresh tokens are offered).
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// The port of the loopback redirect URI http://127.0.0.1:PORT/callback (default: a
    /// free one).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    callback_port: u16,
    /// Seconds each step of the steps file may take to act.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    step_timeout: Duration,
    /// Seconds to wait for the authorization response after the last step (default: 300
    /// with a window, the step timeout without).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    wait: Option<Duration>,
    /// Seconds allowed for each HTTP step (connecting, reading, redirects).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    timeout: Duration,
    /// Accept any TLS certificate, in the client and the browser. Only for local test
    /// servers: said on stderr and in the report.
    #[arg(long)]
    insecure: bool,
    /// Trust this CA certificate (PEM) instead of the web roots, in the client and the
    /// browser (which needs certutil). Repeatable.
    #[arg(long, value_name = "FILE")]
    cacert: Vec<PathBuf>,
    /// Send requests for HOST:PORT to ADDRESS (like curl's --resolve). Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDRESS")]
    resolve: Vec<ResolveOverride>,
    /// Send requests for HOST:PORT to ADDRESS:PORT2 (like curl's --connect-to, with an IP
    /// address). Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDRESS:PORT2", value_parser = ResolveOverride::parse_connect_to)]
    connect_to: Vec<ResolveOverride>,
    /// Write the recorded flow as a redacted HAR (what `flowlens check` and the viewer
    /// open), also when the run stops early.
    #[arg(long, value_name = "FILE")]
    save_har: Option<PathBuf>,
    /// Write the consent page's screenshot (JPEG); when the run stops, the last page's.
    #[arg(long, value_name = "FILE")]
    screenshot: Option<PathBuf>,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= MAX_WAIT_S) {
        return Err(format!(
            "must be more than 0 and at most {MAX_WAIT_S} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A display to show a window on.
fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

pub fn run(args: ConnectArgs) -> Result<ExitCode, Failure> {
    let profile = match &args.profile {
        Some(path) => input::read_profile(path).map_err(Failure)?,
        None => flowlens_core::Profile::default(),
    };
    let steps = match &args.steps {
        Some(path) => steps::read(path, &|name| std::env::var(name).ok()).map_err(Failure)?,
        None => Vec::new(),
    };
    let mut ca_certs = Vec::new();
    for path in &args.cacert {
        ca_certs.extend(read_pem_certificates(path).map_err(Failure)?);
    }
    let headless = args.headless || (!args.headed && !has_display());
    if args.insecure {
        warn(
            "--insecure: TLS certificates are NOT verified; use it only against local test servers",
        );
    }
    let mut resolve = args.resolve.clone();
    resolve.extend(args.connect_to.iter().cloned());
    let wait = args.wait.unwrap_or(if headless {
        args.step_timeout
    } else {
        Duration::from_secs(HEADED_WAIT_S)
    });
    let options = flowlens_connect::Options {
        http: flowlens_probe::Options {
            timeout: args.timeout,
            insecure: args.insecure,
            origin: None,
            resolve: resolve.clone(),
            ca_certs,
            profile: profile.clone(),
            ..flowlens_probe::Options::default()
        },
        profile,
        client_id: args.client_id.clone(),
        scope: args.scope.clone(),
        callback_port: args.callback_port,
        browser: browser::Options {
            executable: args
                .browser
                .clone()
                .or_else(|| std::env::var_os("FLOWLENS_CHROMIUM").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(browser::DEFAULT_EXECUTABLE)),
            headless,
            steps,
            step_timeout: args.step_timeout,
            wait,
            resolve,
            ca_files: args.cacert.clone(),
            insecure: args.insecure,
        },
    };
    let quiet = args.quiet;
    let mut progress = |p: Progress<'_>| {
        if !quiet {
            progress_line(&p);
        }
    };
    flowlens_connect::interrupt::handle_ctrl_c().map_err(Failure)?;
    match flowlens_connect::connect(&args.url, &options, &mut progress) {
        Ok(connection) => {
            if let Some(path) = &args.save_har {
                save_har(path, &connection.trace)?;
            }
            if let (Some(path), Some(jpeg)) = (&args.screenshot, &connection.consent_screenshot) {
                write_file(path, jpeg)?;
            } else if args.screenshot.is_some() {
                warn("no consent page was shown, so no screenshot was written");
            }
            print_reports(std::slice::from_ref(&connection.report), false, args.format)
                .or_else(quiet_broken_pipe)
                .map_err(|e| Failure(format!("cannot write the report: {e}")))?;
            Ok(if connection.report.has_failures() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => stopped(&args, e),
    }
}

/// A run that stopped: what was seen (report, HAR, screenshot), then the error.
fn stopped(args: &ConnectArgs, e: ConnectError) -> Result<ExitCode, Failure> {
    if let Some(path) = &args.save_har {
        if !e.trace.exchanges.is_empty() {
            save_har(path, &e.trace)?;
        }
    }
    if let (Some(path), Some(jpeg)) = (&args.screenshot, &e.screenshot) {
        write_file(path, jpeg)?;
    }
    if let Some(report) = &e.report {
        print_reports(std::slice::from_ref(report.as_ref()), false, args.format)
            .or_else(quiet_broken_pipe)
            .map_err(|err| Failure(format!("cannot write the report: {err}")))?;
    }
    let message = format!("{e} [{}]", e.kind.as_str());
    if e.kind == ErrorKind::Interrupted {
        crate::error(&message);
        return Ok(ExitCode::from(
            flowlens_connect::interrupt::EXIT_INTERRUPTED,
        ));
    }
    Err(Failure(message))
}

fn progress_line(p: &Progress<'_>) {
    let line = match p {
        Progress::Step(step, what) => format!(
            "{}/{} {}: {what}",
            step.number(),
            flowlens_connect::Step::COUNT,
            step.title()
        ),
        Progress::BrowserStarted { pid, headless } => format!(
            "    Chromium started ({}, pid {pid}){}",
            if *headless { "headless" } else { "in a window" },
            if *headless {
                ""
            } else {
                ": sign in and consent there"
            }
        ),
        Progress::Page { url, title: "" } => format!("    page {url}"),
        Progress::Page { url, title } => format!("    page {url} \"{title}\""),
        Progress::StepDone(step) => format!("    {step}: done"),
    };
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "flowlens connect: {}",
        flowlens_core::render::text::clean(&line)
    );
}

/// The certificates (DER) of a PEM file.
fn read_pem_certificates(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine;
    let text = fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {}", path.display(), input::io_reason(&e)))?;
    let mut certs = Vec::new();
    let mut inside: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            let b64 = inside.take().unwrap_or_default();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    format!("{}: a certificate is not valid base64: {e}", path.display())
                })?;
            certs.push(der);
        } else if let Some(b64) = inside.as_mut() {
            b64.push_str(line);
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "{}: no PEM certificate in the file",
            path.display()
        ));
    }
    Ok(certs)
}

/// The trace as a redacted HAR, keyed for this run only.
fn save_har(path: &Path, trace: &Trace) -> Result<(), Failure> {
    let key = crate::commands::redact::random_key().map_err(Failure)?;
    let mut redactor = Redactor::new(key);
    let har = flowlens_core::har::export::export_string(trace, &mut redactor);
    write_file(path, har.as_bytes())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    fs::write(path, bytes).map_err(|e| {
        Failure(format!(
            "{}: cannot write: {}",
            path.display(),
            input::io_reason(&e)
        ))
    })
}

fn warn(message: &str) {
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "flowlens: warning: {}",
        flowlens_core::render::text::clean(message)
    );
}
