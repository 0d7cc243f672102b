//! Why a connection could not run to its end: the step, the reason in words, and the trace
//! of what was seen until then (the report of a stopped run is built from it).

use std::fmt;

use flowlens_core::Trace;

/// The steps of `flowlens connect`, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Reading the arguments: the URL, the steps file.
    Input,
    /// 1: the unauthenticated MCP `initialize` and its 401 challenge.
    Initialize,
    /// 2: protected-resource metadata.
    ResourceMetadata,
    /// 3: authorization-server metadata.
    AuthorizationServerMetadata,
    /// 4: client registration (dynamic, or a given client id).
    Registration,
    /// 5: the authorization request in the browser, up to the loopback redirect.
    Authorization,
    /// 6: the token request.
    TokenExchange,
    /// 7: `initialize` and `tools/list` with the access token.
    AuthorizedCalls,
    /// 8: the checks only a client can make (refresh, invalid tokens, session, replay).
    ActiveChecks,
}

impl Step {
    pub const COUNT: u8 = 8;

    pub fn number(self) -> u8 {
        match self {
            Step::Input => 0,
            Step::Initialize => 1,
            Step::ResourceMetadata => 2,
            Step::AuthorizationServerMetadata => 3,
            Step::Registration => 4,
            Step::Authorization => 5,
            Step::TokenExchange => 6,
            Step::AuthorizedCalls => 7,
            Step::ActiveChecks => 8,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Input => "the arguments",
            Step::Initialize => "unauthenticated MCP initialize request",
            Step::ResourceMetadata => "protected-resource metadata",
            Step::AuthorizationServerMetadata => "authorization-server metadata",
            Step::Registration => "client registration",
            Step::Authorization => "authorization in the browser",
            Step::TokenExchange => "token exchange",
            Step::AuthorizedCalls => "authorized MCP calls",
            Step::ActiveChecks => "active checks",
        }
    }

    pub(crate) fn from_probe(step: flowlens_probe::Step) -> Self {
        match step {
            flowlens_probe::Step::Input => Step::Input,
            flowlens_probe::Step::Initialize => Step::Initialize,
            flowlens_probe::Step::ResourceMetadata => Step::ResourceMetadata,
            flowlens_probe::Step::AuthorizationServerMetadata => Step::AuthorizationServerMetadata,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Input => f.write_str(self.title()),
            _ => write!(
                f,
                "step {}/{} ({})",
                self.number(),
                Step::COUNT,
                self.title()
            ),
        }
    }
}

/// What stopped the run, as a stable kebab-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The HTTP layer or discovery stopped (its own kind, from the probe).
    Probe(flowlens_probe::FailureKind),
    /// A steps file that cannot be used, an environment variable it needs is not set.
    InvalidSteps,
    /// Discovery found no authorization server to go on with.
    NoAuthorizationServer,
    /// Neither dynamic registration nor a client id.
    NoRegistration,
    /// The authorization server refused to register the client.
    RegistrationRefused,
    /// The loopback redirect listener could not be opened.
    Listener,
    /// Chromium could not be started or driven.
    BrowserLaunch,
    /// The browser (or its tab) was closed before the flow came back.
    BrowserClosed,
    /// Ctrl-C during the browser part.
    Interrupted,
    /// A step of the steps file could not act within its time limit.
    StepTimeout,
    /// The authorization response never reached the loopback redirect URI.
    NoRedirect,
    /// The authorization server sent `error=` back.
    AuthorizationError,
    /// The response's `state` is not the one sent: a client must stop (CSRF).
    StateMismatch,
    /// The response's `iss` is not the issuer: a client must stop (mix-up).
    IssuerMismatch,
    /// The token endpoint issued no access token.
    TokenRefused,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Probe(kind) => kind.as_str(),
            ErrorKind::InvalidSteps => "invalid-steps",
            ErrorKind::NoAuthorizationServer => "no-authorization-server",
            ErrorKind::NoRegistration => "no-registration",
            ErrorKind::RegistrationRefused => "registration-refused",
            ErrorKind::Listener => "listener",
            ErrorKind::BrowserLaunch => "browser-launch",
            ErrorKind::BrowserClosed => "browser-closed",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::StepTimeout => "step-timeout",
            ErrorKind::NoRedirect => "no-redirect",
            ErrorKind::AuthorizationError => "authorization-error",
            ErrorKind::StateMismatch => "state-mismatch",
            ErrorKind::IssuerMismatch => "issuer-mismatch",
            ErrorKind::TokenRefused => "token-refused",
        }
    }
}

/// The run stopped before the authorized calls. The CLI prints the report of what was seen
/// (from `trace`) and the message, and exits 2.
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub step: Step,
    pub kind: ErrorKind,
    /// What happened, in words, without the step prefix. Never holds a secret.
    pub message: String,
    /// Everything recorded until then: the client's requests and the browser's hops.
    pub trace: Box<Trace>,
    /// The checklist on that trace; `None` when nothing was recorded (a bad argument).
    pub report: Option<Box<flowlens_core::Report>>,
    /// A JPEG of the page the browser was on when it stopped, when there was one.
    pub screenshot: Option<Vec<u8>>,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Step::Input => write!(f, "cannot connect: {}", self.message),
            _ => write!(f, "{} stopped: {}", self.step, self.message),
        }
    }
}

impl std::error::Error for ConnectError {}
