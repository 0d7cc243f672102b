//! The browser part of the flow: Debian's Chromium with a fresh profile, driven and watched
//! over the DevTools protocol. It opens the authorization URL, records every hop of the
//! page chain (headers as sent and received, cookies, `Location`, response bodies), takes
//! the page facts of every page it loads and a screenshot, runs the steps file, and waits
//! until the authorization response reaches the loopback redirect URI, the browser is
//! closed, or a time limit passes.

mod cdp;
mod page;
mod recorder;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use flowlens_core::trace::{Exchange, Navigation, PageSnapshot};
use flowlens_probe::ResolveOverride;
use serde_json::{json, Value};

use crate::callback::{Hit, Listener};
use crate::error::ErrorKind;
use crate::steps::{self, Action};
use cdp::{Cdp, CdpError, Event};
use page::{Page, Target};
use recorder::Recorder;

/// Debian's Chromium; never a browser a tool downloads.
pub const DEFAULT_EXECUTABLE: &str = "/usr/bin/chromium";
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
const TICK: Duration = Duration::from_millis(40);
/// Response bodies larger than this are cut (the rules read metadata, tokens and pages).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Pages whose screenshot is kept at most (the consent page is chosen among them).
const MAX_SCREENSHOTS: usize = 12;
/// After the redirect came, how long the browser may still report its last hop.
const SETTLE: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone)]
pub struct Options {
    pub executable: PathBuf,
    /// No window (CI); otherwise a person can sign in in the window.
    pub headless: bool,
    pub steps: Vec<steps::Step>,
    /// Time allowed for each step to act (a step's own `timeout` wins).
    pub step_timeout: Duration,
    /// After the last step (or from the start without steps), how long to wait for the
    /// authorization response.
    pub wait: Duration,
    /// Host overrides, as `--host-resolver-rules`.
    pub resolve: Vec<ResolveOverride>,
    /// CA certificates (PEM files) Chromium must trust, through an NSS database.
    pub ca_files: Vec<PathBuf>,
    /// Accept any certificate (`--ignore-certificate-errors`).
    pub insecure: bool,
}

/// What the browser recorded.
#[derive(Debug, Default)]
pub struct Recording {
    pub exchanges: Vec<Exchange>,
    pub navigations: Vec<Navigation>,
    pub pages: Vec<PageSnapshot>,
    /// (page URL, time, JPEG) of pages that had a snapshot.
    pub screenshots: Vec<(String, f64, Vec<u8>)>,
}

/// Why the browser part stopped without an authorization response.
#[derive(Debug)]
pub struct Stopped {
    pub kind: ErrorKind,
    pub message: String,
}

/// What the browser tells the run while it goes.
pub enum Report<'a> {
    Started { pid: u32, headless: bool },
    Page { url: &'a str, title: &'a str },
    StepDone(&'a steps::Step),
}

/// Runs the browser part: opens `url`, drives the steps, waits for the redirect.
pub fn authorize(
    options: &Options,
    url: &str,
    listener: &Listener,
    report: &mut dyn FnMut(Report<'_>),
) -> (Result<Hit, Stopped>, Recording) {
    // Declared first so that it ends last, once the browser and its profile are gone.
    let _running = crate::interrupt::BrowserRunning::start();
    let chromium = match Chromium::launch(options) {
        Ok(c) => c,
        Err(message) => {
            return (
                Err(Stopped {
                    kind: ErrorKind::BrowserLaunch,
                    message,
                }),
                Recording::default(),
            )
        }
    };
    report(Report::Started {
        pid: chromium.child.id(),
        headless: options.headless,
    });
    let mut driver = match Driver::attach(&chromium, options) {
        Ok(d) => d,
        Err(message) => {
            return (
                Err(Stopped {
                    kind: ErrorKind::BrowserLaunch,
                    message,
                }),
                Recording::default(),
            )
        }
    };
    let result = driver.run(url, listener, report);
    driver.close();
    let recording = driver.into_recording();
    drop(chromium);
    (result, recording)
}

/// A running Chromium with its throwaway profile; killed and removed when dropped.
struct Chromium {
    child: Child,
    ws_url: String,
    _dir: tempfile::TempDir,
}

impl Chromium {
    fn launch(options: &Options) -> Result<Self, String> {
        let exe = &options.executable;
        if !exe.exists() {
            return Err(format!(
                "no browser at {}: install Debian's chromium (apt-get install chromium) or pass --browser PATH",
                exe.display()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("flowlens-connect-")
            .tempdir()
            .map_err(|e| format!("cannot make the browser profile: {e}"))?;
        let profile = dir.path().join("profile");
        let log_path = dir.path().join("chromium.log");
        fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command.args(chromium_args(options, &profile));
        if !options.ca_files.is_empty() {
            let home = dir.path().join("home");
            trust_in_nss(&home, &options.ca_files)?;
            command.env("HOME", &home);
        }
        let log = fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let active_port = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + LAUNCH_TIMEOUT;
        let ws_url = loop {
            if let Ok(text) = fs::read_to_string(&active_port) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break format!("ws://127.0.0.1:{}{}", port.trim(), path.trim());
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "{} exited at start ({status}): {}",
                    exe.display(),
                    log_tail(&log_path)
                ));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not open its DevTools port within {} s: {}",
                    exe.display(),
                    LAUNCH_TIMEOUT.as_secs(),
                    log_tail(&log_path)
                ));
            }
            thread::sleep(Duration::from_millis(50));
        };
        Ok(Self {
            child,
            ws_url,
            _dir: dir,
        })
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium_args(options: &Options, profile: &Path) -> Vec<String> {
    let mut args = vec![
        "--remote-debugging-port=0".to_string(),
        format!("--user-data-dir={}", profile.display()),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-default-apps".into(),
        "--disable-extensions".into(),
        "--password-store=basic".into(),
        "--window-size=1100,850".into(),
    ];
    if options.headless {
        args.extend([
            "--headless=new".into(),
            "--disable-gpu".into(),
            "--hide-scrollbars".into(),
            "--mute-audio".into(),
        ]);
    }
    if running_as_root() {
        // Chromium refuses to start as root with its sandbox (containers, CI).
        args.push("--no-sandbox".into());
    }
    if options.insecure {
        args.push("--ignore-certificate-errors".into());
    }
    if !options.resolve.is_empty() {
        let rules: Vec<String> = options
            .resolve
            .iter()
            .map(|o| {
                let target = o.socket_addr();
                format!("MAP {}:{} {target}", o.host, o.port)
            })
            .collect();
        args.push(format!("--host-resolver-rules={}", rules.join(", ")));
    }
    args.push("about:blank".into());
    args
}

/// The effective user is root (Linux: `/proc/self/status`).
fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// An NSS database under `home/.pki/nssdb` trusting the CA files: where Chromium on Linux
/// reads the roots a user added.
fn trust_in_nss(home: &Path, ca_files: &[PathBuf]) -> Result<(), String> {
    let db = home.join(".pki/nssdb");
    fs::create_dir_all(&db).map_err(|e| e.to_string())?;
    let db_arg = format!("sql:{}", db.display());
    let certutil = |args: &[&str]| {
        let out = Command::new("certutil").args(args).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "--cacert needs certutil to make Chromium trust the certificate (Debian: apt-get install libnss3-tools), or use --insecure".to_string()
            } else {
                format!("certutil failed: {e}")
            }
        })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "certutil failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    certutil(&["-N", "-d", &db_arg, "--empty-password"])?;
    for (i, file) in ca_files.iter().enumerate() {
        let name = format!("flowlens-ca-{i}");
        let path = file.display().to_string();
        certutil(&["-A", "-d", &db_arg, "-t", "C,,", "-n", &name, "-i", &path])?;
    }
    Ok(())
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    if tail.is_empty() {
        "no output".into()
    } else {
        tail
    }
}

struct Driver {
    cdp: Cdp,
    events: Receiver<Event>,
    session: String,
    target: String,
    recorder: Recorder,
    pages: Vec<PageSnapshot>,
    screenshots: Vec<(String, f64, Vec<u8>)>,
    /// The main-frame document (by commit count) whose page facts were taken last.
    facts_taken_for: usize,
    options: Options,
}

impl Driver {
    fn attach(chromium: &Chromium, options: &Options) -> Result<Self, String> {
        let (cdp, events) = cdp::connect(&chromium.ws_url, CALL_TIMEOUT)?;
        let call = |session: Option<&str>, method: &str, params: Value| {
            cdp.call(session, method, params, CALL_TIMEOUT)
                .map_err(|e| format!("{method}: {e}"))
        };
        call(
            None,
            "Target.setDiscoverTargets",
            json!({ "discover": true }),
        )?;
        let targets = call(None, "Target.getTargets", json!({}))?;
        let existing = targets
            .get("targetInfos")
            .and_then(Value::as_array)
            .and_then(|list| {
                list.iter()
                    .find(|t| t.get("type").and_then(Value::as_str) == Some("page"))
            })
            .and_then(|t| t.get("targetId").and_then(Value::as_str))
            .map(str::to_string);
        let target = match existing {
            Some(t) => t,
            None => call(None, "Target.createTarget", json!({ "url": "about:blank" }))?
                .get("targetId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or("the browser opened no tab")?,
        };
        let session = call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?
        .get("sessionId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or("no DevTools session for the tab")?;
        let s = Some(session.as_str());
        call(s, "Page.enable", json!({}))?;
        call(s, "Network.enable", json!({ "maxPostDataSize": 65536 }))?;
        // A fresh profile caches nothing, and no hop may come from a cache.
        call(
            s,
            "Network.setCacheDisabled",
            json!({ "cacheDisabled": true }),
        )?;
        Ok(Self {
            cdp,
            events,
            session,
            target,
            recorder: Recorder::default(),
            pages: Vec::new(),
            screenshots: Vec::new(),
            facts_taken_for: 0,
            options: options.clone(),
        })
    }

    fn page(&self) -> Page<'_> {
        Page {
            cdp: &self.cdp,
            session: &self.session,
        }
    }

    fn run(
        &mut self,
        url: &str,
        listener: &Listener,
        report: &mut dyn FnMut(Report<'_>),
    ) -> Result<Hit, Stopped> {
        // The first navigation to the authorization URL is the flow's start.
        self.cdp
            .call(
                Some(&self.session),
                "Page.navigate",
                json!({ "url": url }),
                CALL_TIMEOUT,
            )
            .map_err(|e| self.stopped_by(&e))?;
        let steps = self.options.steps.clone();
        let mut next = 0;
        let mut since = Instant::now();
        loop {
            self.pump()?;
            if let Some(hit) = listener.try_hit() {
                self.settle();
                return Ok(hit);
            }
            self.take_page_facts(report);
            match steps.get(next) {
                Some(step) => {
                    let limit = step.timeout.unwrap_or(self.options.step_timeout);
                    if self.try_step(step)? {
                        report(Report::StepDone(step));
                        next += 1;
                        since = Instant::now();
                    } else if since.elapsed() > limit {
                        return Err(Stopped {
                            kind: ErrorKind::StepTimeout,
                            message: format!(
                                "{} could not act within {}; {}",
                                step.describe(),
                                flowlens_probe::http::seconds(limit),
                                self.where_it_is()
                            ),
                        });
                    }
                }
                None if since.elapsed() > self.options.wait => {
                    let after = if steps.is_empty() {
                        "after the authorization request".to_string()
                    } else {
                        format!(
                            "after the last step ({})",
                            steps[steps.len() - 1].describe()
                        )
                    };
                    return Err(Stopped {
                        kind: ErrorKind::NoRedirect,
                        message: format!(
                            "the authorization response did not reach {} within {} {after}; {}",
                            listener.redirect_uri,
                            flowlens_probe::http::seconds(self.options.wait),
                            self.where_it_is()
                        ),
                    });
                }
                None => {}
            }
            thread::sleep(TICK);
        }
    }

    /// Handles the events that arrived; `Err` when the browser or its tab went away, or at
    /// Ctrl-C.
    fn pump(&mut self) -> Result<(), Stopped> {
        if crate::interrupt::interrupted() {
            return Err(Stopped {
                kind: ErrorKind::Interrupted,
                message: format!(
                    "interrupted (Ctrl-C) before the authorization response came back; {}",
                    self.where_it_was()
                ),
            });
        }
        loop {
            let event = match self.events.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(self.closed()),
            };
            let ours = event.session.as_deref() == Some(self.session.as_str())
                || event.params.get("targetId").and_then(Value::as_str)
                    == Some(self.target.as_str())
                || event.params.get("sessionId").and_then(Value::as_str)
                    == Some(self.session.as_str());
            if !ours {
                continue;
            }
            let now = flowlens_probe::http::now_ms();
            match self.recorder.on_event(&event, now) {
                Some(recorder::Action::FetchBody {
                    request_id,
                    exchange,
                }) => {
                    if let Ok(body) = self.cdp.call(
                        Some(&self.session),
                        "Network.getResponseBody",
                        json!({ "requestId": request_id }),
                        CALL_TIMEOUT,
                    ) {
                        self.recorder.set_body(exchange, &body, MAX_BODY);
                    }
                }
                Some(recorder::Action::DismissDialog) => {
                    let _ = self.cdp.call(
                        Some(&self.session),
                        "Page.handleJavaScriptDialog",
                        json!({ "accept": false }),
                        CALL_TIMEOUT,
                    );
                }
                None => {}
            }
        }
        if self.recorder.closed {
            return Err(self.closed());
        }
        Ok(())
    }

    fn closed(&self) -> Stopped {
        Stopped {
            kind: ErrorKind::BrowserClosed,
            message: format!(
                "the browser was closed before the authorization response came back; {}",
                self.where_it_was()
            ),
        }
    }

    fn stopped_by(&self, e: &CdpError) -> Stopped {
        match e {
            CdpError::Closed => self.closed(),
            other => Stopped {
                kind: ErrorKind::BrowserLaunch,
                message: format!("the browser could not be driven: {other}"),
            },
        }
    }

    /// Takes the page facts (and a screenshot) of a document once it finished loading,
    /// before any step acts on it.
    fn take_page_facts(&mut self, report: &mut dyn FnMut(Report<'_>)) {
        let commits = self.recorder.commits;
        if commits == self.facts_taken_for {
            return;
        }
        let url = self.recorder.url.clone().unwrap_or_default();
        let Some(frame) = self.recorder.main_frame().map(str::to_string) else {
            return;
        };
        if !url.starts_with("http") {
            self.facts_taken_for = commits;
            return;
        }
        if !self.page().ready(&frame) {
            return; // still loading: next tick
        }
        // Taken or not (a page that navigates away at once), this document is done.
        self.facts_taken_for = commits;
        let Some(snapshot) = self.page().snapshot(&frame) else {
            return;
        };
        report(Report::Page {
            url: &snapshot.url,
            title: snapshot.title.as_deref().unwrap_or(""),
        });
        if self.screenshots.len() < MAX_SCREENSHOTS {
            if let Some(jpeg) = self.page().screenshot() {
                self.screenshots
                    .push((snapshot.url.clone(), snapshot.time_ms, jpeg));
            }
        }
        self.pages.push(snapshot);
    }

    /// Acts on a step when it can; `Ok(false)` when it must wait.
    fn try_step(&mut self, step: &steps::Step) -> Result<bool, Stopped> {
        // The page facts come first: nothing acts on a page before they are taken.
        let page_settled = self.recorder.commits == self.facts_taken_for;
        let url = self.recorder.url.clone().unwrap_or_default();
        if let Action::WaitForUrl { pattern } = &step.action {
            let reached = steps::url_matches(pattern, &url)
                || self
                    .recorder
                    .navigations
                    .iter()
                    .any(|n| steps::url_matches(pattern, &n.url));
            return Ok(reached && page_settled);
        }
        let Some(frame) = self.recorder.main_frame().map(str::to_string) else {
            return Ok(false);
        };
        if !page_settled || !self.page().ready(&frame) {
            return Ok(false);
        }
        let invalid = |message: String| Stopped {
            kind: ErrorKind::InvalidSteps,
            message: format!("{}: {message}", step.describe()),
        };
        let target = match &step.action {
            Action::Fill { selector, .. } | Action::Click { selector } => {
                Target::Selector(selector)
            }
            Action::ClickText { text } => Target::Text(text),
            Action::WaitForUrl { .. } => return Ok(false),
        };
        let Some(found) = self.page().find(&frame, &target).map_err(invalid)? else {
            return Ok(false);
        };
        // The browser reports a commit before any script runs in the new document, so an
        // answer from a document whose commit is not handled yet shows up here: take that
        // page's facts first.
        self.pump()?;
        if self.recorder.commits != self.facts_taken_for {
            return Ok(false);
        }
        let done = match &step.action {
            Action::Fill {
                selector, value, ..
            } => self.page().fill(&frame, selector, value),
            _ => self.page().click(&found),
        };
        match done {
            Ok(()) => Ok(true),
            Err(CdpError::Closed) => Err(self.closed()),
            Err(_) => Ok(false),
        }
    }

    /// After the redirect: lets the browser report the callback hop's answer.
    fn settle(&mut self) {
        let deadline = Instant::now() + SETTLE;
        while Instant::now() < deadline {
            if self.pump().is_err() {
                return;
            }
            let answered = self
                .recorder
                .exchanges
                .iter()
                .rev()
                .find(|e| e.url.contains(crate::callback::PATH))
                .is_some_and(|e| e.response.is_some());
            if answered {
                return;
            }
            thread::sleep(TICK);
        }
    }

    /// Where the browser is, for an error message: URL (secrets masked), status, title.
    fn where_it_is(&self) -> String {
        let url = self.recorder.url.as_deref().unwrap_or("about:blank");
        let status = self
            .recorder
            .exchanges
            .iter()
            .rev()
            .find(|e| e.resource_type == flowlens_core::trace::ResourceType::Document)
            .and_then(Exchange::status)
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        let title = self
            .pages
            .last()
            .and_then(|p| p.title.as_deref())
            .filter(|t| !t.is_empty())
            .map(|t| format!(", \"{}\"", t.chars().take(80).collect::<String>()))
            .unwrap_or_default();
        format!(
            "the browser is at {}{status}{title}",
            flowlens_core::redact::mask_url(url)
        )
    }

    fn where_it_was(&self) -> String {
        self.where_it_is()
            .replacen("the browser is at", "it was at", 1)
    }

    fn close(&mut self) {
        let _ = self
            .cdp
            .call(None, "Browser.close", json!({}), Duration::from_secs(3));
    }

    fn into_recording(self) -> Recording {
        Recording {
            exchanges: self.recorder.exchanges,
            navigations: self.recorder.navigations,
            pages: self.pages,
            screenshots: self.screenshots,
        }
    }
}
