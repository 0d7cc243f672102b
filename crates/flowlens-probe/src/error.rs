//! Why a probe could not run: the step, the URL and the reason, in words for the user.

use std::fmt;

use flowlens_core::Trace;

/// The steps of a probe, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Reading the URL given on the command line.
    Input,
    /// Step 1: the unauthenticated MCP `initialize` request and its 401 challenge.
    Initialize,
    /// Step 2: protected-resource metadata.
    ResourceMetadata,
    /// Step 3: authorization-server metadata.
    AuthorizationServerMetadata,
}

impl Step {
    /// The step's number as the output shows it (0 for the input).
    pub fn number(self) -> u8 {
        match self {
            Step::Input => 0,
            Step::Initialize => 1,
            Step::ResourceMetadata => 2,
            Step::AuthorizationServerMetadata => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Input => "the MCP server URL",
            Step::Initialize => "unauthenticated MCP initialize request",
            Step::ResourceMetadata => "protected-resource metadata",
            Step::AuthorizationServerMetadata => "authorization-server metadata",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Input => f.write_str(self.title()),
            _ => write!(f, "step {} ({})", self.number(), self.title()),
        }
    }
}

/// What kind of failure stopped the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The URL is not an absolute http(s) URL.
    InvalidUrl,
    /// The host name did not resolve.
    Dns,
    /// The TCP connection failed (refused, unreachable, reset).
    Connect,
    /// The TLS handshake failed (certificate, protocol, a plain-http server).
    Tls,
    /// A step ran out of time.
    Timeout,
    /// A response was larger than the size cap.
    TooLarge,
    /// A redirect pointed back at a URL of the same chain.
    RedirectLoop,
    /// More redirects than allowed.
    TooManyRedirects,
    /// A redirect without a usable `Location`.
    BadRedirect,
    /// The server broke HTTP (garbage, a truncated body).
    Protocol,
    /// The server answered, but not like an MCP server that asks for authorization.
    NotAnMcpChallenge,
}

impl FailureKind {
    /// A stable kebab-case name (for JSON output and tests).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::InvalidUrl => "invalid-url",
            FailureKind::Dns => "dns",
            FailureKind::Connect => "connect",
            FailureKind::Tls => "tls",
            FailureKind::Timeout => "timeout",
            FailureKind::TooLarge => "too-large",
            FailureKind::RedirectLoop => "redirect-loop",
            FailureKind::TooManyRedirects => "too-many-redirects",
            FailureKind::BadRedirect => "bad-redirect",
            FailureKind::Protocol => "protocol",
            FailureKind::NotAnMcpChallenge => "not-an-mcp-challenge",
        }
    }
}

/// A failure of one HTTP exchange, before the caller knows which step it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub url: String,
    pub message: String,
}

/// The probe could not run to the end. The CLI prints it and exits 2.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeError {
    pub step: Step,
    pub kind: FailureKind,
    /// The URL of the request that failed, when one did.
    pub url: Option<String>,
    /// What happened, in words, without the step prefix.
    pub message: String,
    /// What was recorded until the failure, the failed request included (its `error` says
    /// why). Boxed: a trace is large and errors travel by value.
    pub trace: Box<Trace>,
}

impl ProbeError {
    pub(crate) fn new(step: Step, failure: Failure, trace: Trace) -> Self {
        Self {
            step,
            kind: failure.kind,
            url: Some(failure.url),
            message: failure.message,
            trace: Box::new(trace),
        }
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Step::Input => write!(f, "cannot probe: {}", self.message),
            _ => write!(f, "{} failed: {}", self.step, self.message),
        }
    }
}

impl std::error::Error for ProbeError {}
