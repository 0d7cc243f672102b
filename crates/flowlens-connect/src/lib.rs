//! Flowlens connect: Flowlens as the MCP client and the observer at once.
//!
//! `connect` runs the whole flow a desktop MCP client runs, and records all of it as one
//! trace that the core's rules judge:
//!
//! 1-3. discovery, with the probe's code: the unauthenticated `initialize` and its 401
//!      challenge, protected-resource metadata, authorization-server metadata;
//! 4. client registration: dynamic (RFC 7591) as a native public client with a loopback
//!    redirect URI, or a client id given by the user;
//! 5. the authorization request (PKCE S256, `state`, `resource`) in Debian's Chromium,
//!    driven and watched over the DevTools protocol ([`browser`]), until the authorization
//!    response reaches the loopback redirect URI ([`callback`]);
//! 6. the token request with `code_verifier` and `resource`;
//! 7. `initialize`, `notifications/initialized` and `tools/list` with the access token;
//! 8. what only a client can test: a refresh (when a refresh token was issued), calls with
//!    an altered and an expired token, a call with the session id but no token, the end of
//!    the session, and the code redeemed a second time.
//!
//! Tokens go only to the server under test (the MCP server and its authorization server),
//! are never printed, and leave the process only in redacted exports. A run that stops
//! before step 7 returns a [`ConnectError`] naming the step, with the report of what was
//! seen.

pub mod browser;
pub mod callback;
mod error;
pub mod interrupt;
mod pkce;
mod requests;
pub mod steps;
mod tokens;

use std::time::Instant;

use base64::Engine;
use flowlens_core::flow::Role;
use flowlens_core::report::ReportBuilder;
use flowlens_core::trace::{Screenshot, Trace};
use flowlens_core::vocab::SourceKind;
use flowlens_core::{Profile, Report};
use flowlens_probe::http::{Client, Outgoing};
use flowlens_probe::{Discovery, ProbeError};
use serde_json::Value;
use url::Url;

pub use error::{ConnectError, ErrorKind, Step};

/// The MCP protocol version the client announces.
pub const PROTOCOL_VERSION: &str = flowlens_probe::PROTOCOL_VERSION;

/// How to connect.
#[derive(Debug, Clone)]
pub struct Options {
    /// HTTP settings (time limit per step, TLS, host overrides) and discovery, shared with
    /// the probe. `origin` should be `None`: Flowlens connects as a native client.
    pub http: flowlens_probe::Options,
    /// Expectations for the rules.
    pub profile: Profile,
    /// A client id registered beforehand; `None` registers dynamically.
    pub client_id: Option<String>,
    /// The scope to ask for; `None` takes the challenge's, else the resource's
    /// `scopes_supported` (with `offline_access` added when the server offers refresh).
    pub scope: Option<String>,
    /// The loopback redirect URI's port (0: a free one).
    pub callback_port: u16,
    pub browser: browser::Options,
}

/// What a connection went through, as it happens.
pub enum Progress<'a> {
    /// A step is done (or under way), with what it found.
    Step(Step, &'a str),
    /// Chromium started.
    BrowserStarted { pid: u32, headless: bool },
    /// The browser loaded a page (URL with secrets masked).
    Page { url: &'a str, title: &'a str },
    /// A step of the steps file acted.
    StepDone(&'a str),
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The whole checklist for the recorded flow.
    pub report: Report,
    /// Everything recorded (secrets in clear: export it only through redaction).
    pub trace: Trace,
    /// The consent page as the browser showed it (JPEG), when there was one.
    pub consent_screenshot: Option<Vec<u8>>,
}

/// Runs the flow against the MCP server at `url`.
pub fn connect(
    url: &str,
    options: &Options,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Connection, ConnectError> {
    let client = Client::new(
        options
            .http
            .client_config(&format!("flowlens-connect/{}", env!("CARGO_PKG_VERSION"))),
    );
    let discovery = flowlens_probe::discover(&client, url, SourceKind::Connect, &options.http)
        .map_err(|e| probe_error(e, options))?;
    let mut run = Run::new(options, &client, discovery, progress);
    let outcome = run.flow();
    run.finish(outcome)
}

/// The run in progress: the client's recorder, what it learnt, and the browser's part.
struct Run<'a, 'p> {
    options: &'a Options,
    client: &'a Client,
    trace: Trace,
    notes: Vec<String>,
    mcp: Url,
    resource: String,
    issuer: Option<String>,
    prm: Option<Value>,
    as_metadata: Option<Value>,
    challenge_scope: Option<String>,
    redirect_uri: Option<String>,
    recording: browser::Recording,
    progress: &'p mut dyn FnMut(Progress<'_>),
}

/// A stop before the authorized calls.
struct Stop {
    step: Step,
    kind: ErrorKind,
    message: String,
}

impl Stop {
    fn new(step: Step, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            step,
            kind,
            message: message.into(),
        }
    }
}

/// The token response's values the later steps use.
struct Tokens {
    access: String,
    refresh: Option<String>,
}

impl<'a, 'p> Run<'a, 'p> {
    fn new(
        options: &'a Options,
        client: &'a Client,
        discovery: Discovery,
        progress: &'p mut dyn FnMut(Progress<'_>),
    ) -> Self {
        let prm = discovery.resource_metadata.map(|(_, v)| v);
        let resource = prm
            .as_ref()
            .and_then(|p| p.get("resource"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| discovery.mcp.to_string());
        let mut run = Self {
            options,
            client,
            trace: discovery.trace,
            notes: discovery.notes,
            mcp: discovery.mcp,
            resource,
            issuer: discovery.issuer.map(|u| u.to_string()),
            prm,
            as_metadata: discovery.authorization_server_metadata.map(|(_, v)| v),
            challenge_scope: discovery
                .challenge
                .as_ref()
                .and_then(|c| c.param("scope").map(str::to_string)),
            redirect_uri: None,
            recording: browser::Recording::default(),
            progress,
        };
        run.report_discovery();
        run
    }

    fn say(&mut self, step: Step, what: &str) {
        (self.progress)(Progress::Step(step, what));
    }

    fn report_discovery(&mut self) {
        let challenge = match self
            .trace
            .exchanges
            .iter()
            .find(|e| e.status() == Some(401))
        {
            Some(e) => match e.response_header("www-authenticate") {
                Some(h) if h.contains("resource_metadata") => {
                    "401 with a Bearer challenge naming resource_metadata"
                }
                Some(_) => "401 with a challenge without resource_metadata",
                None => "401 without WWW-Authenticate",
            },
            None => "401",
        };
        self.say(Step::Initialize, challenge);
        let prm = match &self.prm {
            Some(_) => format!("resource {}", self.resource),
            None => "not found".into(),
        };
        self.say(Step::ResourceMetadata, &prm);
        let issuer = self.issuer.clone().unwrap_or_else(|| "none".into());
        let found = if self.as_metadata.is_some() {
            "found"
        } else {
            "not found"
        };
        self.say(
            Step::AuthorizationServerMetadata,
            &format!("issuer {issuer}: {found}"),
        );
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn metadata(&self, key: &str) -> Option<&Value> {
        self.as_metadata.as_ref()?.get(key)
    }

    fn metadata_str(&self, key: &str) -> Option<String> {
        self.metadata(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Sends a request; a transport failure stops the run at `step`.
    fn send(&mut self, step: Step, request: Outgoing) -> Result<usize, Stop> {
        let deadline = Instant::now() + self.client.timeout();
        self.client
            .fetch(&mut self.trace, request, deadline)
            .map_err(|f| Stop::new(step, ErrorKind::Probe(f.kind), f.message))
    }

    /// Sends a request of an active check; a failure is recorded and the run goes on.
    fn try_send(&mut self, request: Outgoing) -> Option<usize> {
        let deadline = Instant::now() + self.client.timeout();
        match self.client.fetch(&mut self.trace, request, deadline) {
            Ok(i) => Some(i),
            Err(f) => {
                self.note(format!("Step 8 (active checks): {}", f.message));
                None
            }
        }
    }

    fn json(&self, index: usize) -> Option<Value> {
        let text = self.trace.exchanges.get(index)?.response_body_text()?;
        serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
    }

    /// Steps 4 to 8; `Err` stops before the authorized calls.
    fn flow(&mut self) -> Result<(), Stop> {
        if self.as_metadata.is_none() {
            let why = self
                .notes
                .iter()
                .rev()
                .find(|n| n.starts_with("Step 2") || n.starts_with("Step 3"))
                .cloned()
                .unwrap_or_else(|| "discovery found no authorization server".into());
            return Err(Stop::new(
                Step::AuthorizationServerMetadata,
                ErrorKind::NoAuthorizationServer,
                format!("no authorization-server metadata to go on with ({why})"),
            ));
        }
        let listener = callback::Listener::open(self.options.callback_port).map_err(|e| {
            Stop::new(
                Step::Registration,
                ErrorKind::Listener,
                format!(
                    "cannot listen on 127.0.0.1:{} for the redirect: {e}",
                    self.options.callback_port
                ),
            )
        })?;
        self.redirect_uri = Some(listener.redirect_uri.clone());
        let scope = self.scope();
        let client_id = self.register(&listener.redirect_uri, scope.as_deref())?;
        let pkce = pkce::Pkce::new()
            .map_err(|e| Stop::new(Step::Authorization, ErrorKind::BrowserLaunch, e))?;
        let state = pkce::random_token(32)
            .map_err(|e| Stop::new(Step::Authorization, ErrorKind::BrowserLaunch, e))?;
        let code = self.authorize(&listener, &client_id, scope.as_deref(), &pkce, &state)?;
        drop(listener);
        let exchange = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            (
                "redirect_uri",
                self.redirect_uri.clone().unwrap_or_default().as_str(),
            ),
            ("client_id", client_id.as_str()),
            ("code_verifier", pkce.verifier.as_str()),
            ("resource", self.resource.clone().as_str()),
        ]
        .map(|(n, v)| (n, v.to_string()));
        let tokens = self.exchange_code(&exchange)?;
        let session = self.authorized_calls(&tokens.access);
        self.active_checks(&tokens, session.as_deref(), &client_id, &exchange);
        Ok(())
    }

    /// The scope to ask for, and where it came from (a note).
    fn scope(&mut self) -> Option<String> {
        if let Some(s) = &self.options.scope {
            self.note(format!("Asked for scope \"{s}\" (--scope)."));
            return Some(s.clone());
        }
        let from_prm = self
            .prm
            .as_ref()
            .and_then(|p| p.get("scopes_supported"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty());
        let (mut scope, source) = match (self.challenge_scope.clone(), from_prm) {
            (Some(s), _) => (s, "the 401 challenge"),
            (None, Some(s)) => (s, "the protected-resource metadata's scopes_supported"),
            (None, None) => (String::new(), ""),
        };
        let offers = |key: &str, value: &str| {
            self.metadata(key)
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|v| v == value))
        };
        let refresh = offers("scopes_supported", "offline_access")
            && (self.metadata("grant_types_supported").is_none()
                || offers("grant_types_supported", "refresh_token"));
        let mut added = "";
        if refresh && !scope.split_whitespace().any(|s| s == "offline_access") {
            if !scope.is_empty() {
                scope.push(' ');
            }
            scope.push_str("offline_access");
            added = ", plus offline_access (the authorization server offers refresh tokens: the refresh is checked)";
        }
        if scope.is_empty() {
            self.note("Asked for no scope: neither the challenge nor the metadata names one.");
            return None;
        }
        self.note(format!("Asked for scope \"{scope}\" from {source}{added}."));
        Some(scope)
    }

    /// Step 4: a client id, given or registered.
    fn register(&mut self, redirect_uri: &str, scope: Option<&str>) -> Result<String, Stop> {
        let step = Step::Registration;
        if let Some(id) = self
            .options
            .client_id
            .clone()
            .or_else(|| self.options.profile.client_id.clone())
        {
            self.note(format!(
                "Used the pre-registered client id {id}; its redirect URIs must allow {redirect_uri} (a loopback URI, any port per RFC 8252)."
            ));
            self.say(step, &format!("client id {id} (given)"));
            return Ok(id);
        }
        let Some(endpoint) = self.metadata_str("registration_endpoint") else {
            return Err(Stop::new(
                step,
                ErrorKind::NoRegistration,
                "the authorization server offers no dynamic client registration (no registration_endpoint in its metadata): register a public client with the redirect URI http://127.0.0.1/callback and pass --client-id (or client_id in the profile)",
            ));
        };
        let index = self.send(step, requests::registration(&endpoint, redirect_uri, scope))?;
        let status = self.trace.exchanges[index].status().unwrap_or(0);
        let body = self.json(index);
        let client_id = body
            .as_ref()
            .and_then(|b| b.get("client_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match (status, client_id) {
            (200..=299, Some(id)) => {
                self.say(step, &format!("registered client {id} ({status})"));
                Ok(id)
            }
            (status, _) => {
                let error = oauth_error(body.as_ref());
                Err(Stop::new(
                    step,
                    ErrorKind::RegistrationRefused,
                    format!(
                        "the authorization server refused to register the client: {endpoint} answered {status}{error}"
                    ),
                ))
            }
        }
    }

    /// Step 5: the browser part, up to the authorization response's code.
    fn authorize(
        &mut self,
        listener: &callback::Listener,
        client_id: &str,
        scope: Option<&str>,
        pkce: &pkce::Pkce,
        state: &str,
    ) -> Result<String, Stop> {
        let step = Step::Authorization;
        let endpoint = self.metadata_str("authorization_endpoint").ok_or_else(|| {
            Stop::new(
                step,
                ErrorKind::NoAuthorizationServer,
                "the authorization-server metadata has no authorization_endpoint",
            )
        })?;
        let mut url = Url::parse(&endpoint).map_err(|e| {
            Stop::new(
                step,
                ErrorKind::NoAuthorizationServer,
                format!("authorization_endpoint {endpoint} is not a URL: {e}"),
            )
        })?;
        let s256 = self
            .metadata("code_challenge_methods_supported")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(|m| m == "S256"));
        if !s256 {
            self.note("Step 5 (authorization): the metadata does not list S256 in code_challenge_methods_supported; an MCP client must then refuse to go on. Flowlens went on with S256 to check the rest.");
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", client_id)
                .append_pair("redirect_uri", &listener.redirect_uri);
            if let Some(s) = scope {
                q.append_pair("scope", s);
            }
            q.append_pair("state", state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("resource", &self.resource);
        }
        let options = &self.options.browser;
        let mut on_browser = |r: browser::Report<'_>| match r {
            browser::Report::Started { pid, headless } => {
                (self.progress)(Progress::BrowserStarted { pid, headless })
            }
            browser::Report::Page { url, title } => {
                let masked = flowlens_core::redact::mask_url(url);
                (self.progress)(Progress::Page {
                    url: &masked,
                    title,
                })
            }
            browser::Report::StepDone(s) => (self.progress)(Progress::StepDone(&s.describe())),
        };
        let (result, recording) =
            browser::authorize(options, url.as_str(), listener, &mut on_browser);
        self.recording = recording;
        let hit = result.map_err(|s| Stop::new(step, s.kind, s.message))?;
        let shown = |v: Option<&str>| visible(v.unwrap_or_default(), 200);
        if let Some(error) = hit.param("error") {
            let description = hit
                .param("error_description")
                .map(|d| format!(" ({})", visible(d, 200)))
                .unwrap_or_default();
            return Err(Stop::new(
                step,
                ErrorKind::AuthorizationError,
                format!(
                    "the authorization server answered error={}{description}",
                    visible(error, 80)
                ),
            ));
        }
        if hit.param("state") != Some(state) {
            return Err(Stop::new(
                step,
                ErrorKind::StateMismatch,
                format!(
                    "the authorization response's state ({}) is not the one sent: a client must not redeem the code (CSRF)",
                    if hit.param("state").is_some() { shown(hit.param("state")) } else { "absent".into() }
                ),
            ));
        }
        let iss_required = self.metadata("authorization_response_iss_parameter_supported")
            == Some(&Value::Bool(true));
        match (hit.param("iss"), &self.issuer) {
            (Some(iss), Some(issuer)) if iss != issuer => {
                return Err(Stop::new(
                    step,
                    ErrorKind::IssuerMismatch,
                    format!("the authorization response's iss ({}) is not the issuer {issuer}: a client must stop (mix-up)", visible(iss, 200)),
                ))
            }
            (None, _) if iss_required => {
                return Err(Stop::new(
                    step,
                    ErrorKind::IssuerMismatch,
                    "the metadata promises iss in the authorization response (RFC 9207) and it is missing: a client must stop",
                ))
            }
            _ => {}
        }
        let code = hit.param("code").map(str::to_string).ok_or_else(|| {
            Stop::new(
                step,
                ErrorKind::AuthorizationError,
                "the authorization response has no code",
            )
        })?;
        self.say(
            step,
            "authorization code received at the loopback redirect URI",
        );
        Ok(code)
    }

    /// Step 6: the code for tokens.
    fn exchange_code(&mut self, fields: &[(&str, String); 6]) -> Result<Tokens, Stop> {
        let step = Step::TokenExchange;
        let endpoint = self.metadata_str("token_endpoint").ok_or_else(|| {
            Stop::new(
                step,
                ErrorKind::TokenRefused,
                "the metadata has no token_endpoint",
            )
        })?;
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let index = self.send(step, requests::token(&endpoint, &pairs))?;
        let status = self.trace.exchanges[index].status().unwrap_or(0);
        let body = self.json(index);
        let access = body
            .as_ref()
            .and_then(|b| b.get("access_token"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match (status, access) {
            (200..=299, Some(access)) => {
                let refresh = body
                    .as_ref()
                    .and_then(|b| b.get("refresh_token"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let what = if refresh.is_some() {
                    "access and refresh tokens issued"
                } else {
                    "access token issued"
                };
                self.say(step, &format!("{what} ({status})"));
                Ok(Tokens { access, refresh })
            }
            (status, _) => Err(Stop::new(
                step,
                ErrorKind::TokenRefused,
                format!(
                    "the token endpoint issued no access token: {endpoint} answered {status}{}",
                    oauth_error(body.as_ref())
                ),
            )),
        }
    }

    fn mcp_call(
        &mut self,
        token: Option<&str>,
        session: Option<&str>,
        id: Option<u64>,
        method: &str,
    ) -> Option<usize> {
        let params =
            (method == "initialize").then(|| requests::initialize_params(PROTOCOL_VERSION));
        let request = requests::mcp(
            self.mcp.as_str(),
            PROTOCOL_VERSION,
            token,
            session,
            id,
            method,
            params,
        );
        self.try_send(request)
    }

    /// Step 7: initialize, initialized, tools/list. Returns the session id, if any.
    fn authorized_calls(&mut self, token: &str) -> Option<String> {
        let step = Step::AuthorizedCalls;
        let initialize = self.mcp_call(Some(token), None, Some(1), "initialize");
        let ex = initialize.map(|i| &self.trace.exchanges[i]);
        let status = ex.and_then(|e| e.status());
        let session = ex
            .and_then(|e| e.response_header("mcp-session-id"))
            .map(str::to_string);
        self.say(step, &format!("initialize: {}", status_text(status)));
        if !status.is_some_and(|s| (200..300).contains(&s)) {
            self.note("Step 7 (authorized calls): initialize with the access token did not succeed; tools/list was still sent.");
        }
        self.mcp_call(
            Some(token),
            session.as_deref(),
            None,
            "notifications/initialized",
        );
        let listed = self.mcp_call(Some(token), session.as_deref(), Some(2), "tools/list");
        let tools = listed
            .and_then(|i| tools_in(&self.trace.exchanges[i]))
            .map(|n| format!(", {n} tools"))
            .unwrap_or_default();
        let status = listed.and_then(|i| self.trace.exchanges[i].status());
        self.say(step, &format!("tools/list: {}{tools}", status_text(status)));
        session
    }

    /// Step 8: refresh, invalid tokens, the session alone, the end of the session, replay.
    fn active_checks(
        &mut self,
        tokens: &Tokens,
        session: Option<&str>,
        client_id: &str,
        exchange: &[(&str, String); 6],
    ) {
        let step = Step::ActiveChecks;
        let token_endpoint = self.metadata_str("token_endpoint").unwrap_or_default();
        let mut current = tokens.access.clone();
        match &tokens.refresh {
            Some(refresh) => {
                let fields = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", client_id),
                    ("resource", self.resource.as_str()),
                ];
                let index = self.try_send(requests::token(&token_endpoint, &fields));
                let renewed = index.and_then(|i| self.json(i)).and_then(|b| {
                    b.get("access_token")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                let status = index.and_then(|i| self.trace.exchanges[i].status());
                self.say(step, &format!("refresh: {}", status_text(status)));
                if let Some(new) = renewed {
                    current = new;
                    let i = self.mcp_call(Some(&current), session, Some(3), "tools/list");
                    let status = i.and_then(|i| self.trace.exchanges[i].status());
                    self.say(
                        step,
                        &format!(
                            "tools/list with the refreshed token: {}",
                            status_text(status)
                        ),
                    );
                }
            }
            None => self.say(step, "refresh: no refresh token was issued"),
        }
        let altered = tokens::altered(&tokens.access);
        let i = self.mcp_call(Some(&altered), session, Some(4), "tools/list");
        let status = i.and_then(|i| self.trace.exchanges[i].status());
        self.say(step, &format!("altered token: {}", status_text(status)));
        let now_s = (flowlens_probe::http::now_ms() / 1000.0) as u64;
        if let Some(expired) = tokens::expired(&tokens.access, now_s) {
            let i = self.mcp_call(Some(&expired), session, Some(5), "tools/list");
            let status = i.and_then(|i| self.trace.exchanges[i].status());
            self.say(step, &format!("expired token: {}", status_text(status)));
        }
        if let Some(s) = session {
            let i = self.mcp_call(None, Some(s), Some(6), "tools/list");
            let status = i.and_then(|i| self.trace.exchanges[i].status());
            self.say(
                step,
                &format!("session id without a token: {}", status_text(status)),
            );
            let url = self.mcp.to_string();
            let i = self.try_send(requests::end_session(&url, PROTOCOL_VERSION, &current, s));
            let status = i.and_then(|i| self.trace.exchanges[i].status());
            self.say(
                step,
                &format!("end of the session: {}", status_text(status)),
            );
        }
        // Last: a compliant authorization server may revoke the tokens of a replayed code.
        let pairs: Vec<(&str, &str)> = exchange.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let i = self.try_send(requests::token(&token_endpoint, &pairs));
        let status = i.and_then(|i| self.trace.exchanges[i].status());
        let error = i
            .and_then(|i| self.json(i))
            .and_then(|b| {
                b.get("error")
                    .and_then(Value::as_str)
                    .map(|e| format!(" {}", visible(e, 60)))
            })
            .unwrap_or_default();
        self.say(
            step,
            &format!("the code redeemed again: {}{error}", status_text(status)),
        );
    }

    /// One trace from the client's requests and the browser's hops, and its report.
    fn finish(mut self, outcome: Result<(), Stop>) -> Result<Connection, ConnectError> {
        let recording = std::mem::take(&mut self.recording);
        let mut trace = std::mem::take(&mut self.trace);
        trace.exchanges.extend(recording.exchanges);
        // Stable: the client's and the browser's requests in the order they were sent.
        trace
            .exchanges
            .sort_by(|a, b| a.time_ms.total_cmp(&b.time_ms));
        trace.navigations.extend(recording.navigations);
        trace.pages.extend(recording.pages);
        trace.capture.stopped_ms = Some(flowlens_probe::http::now_ms());
        trace.capture.notes = std::mem::take(&mut self.notes);
        let profile = self.analysis_profile();
        let consent = consent_screenshots(&trace, &profile, &recording.screenshots);
        let consent_screenshot = consent.last().map(|(_, _, jpeg)| jpeg.clone());
        trace.screenshots = consent
            .iter()
            .map(|(url, time, jpeg)| Screenshot {
                time_ms: *time,
                url: url.clone(),
                data_url: format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(jpeg)
                ),
            })
            .collect();
        let report = ReportBuilder::new(&trace, &profile)
            .source_name(self.mcp.to_string())
            .build();
        match outcome {
            Ok(()) => Ok(Connection {
                report,
                trace,
                consent_screenshot,
            }),
            Err(stop) => Err(ConnectError {
                step: stop.step,
                kind: stop.kind,
                message: stop.message,
                trace: Box::new(trace),
                report: Some(Box::new(report)),
                screenshot: consent_screenshot.or_else(|| {
                    recording
                        .screenshots
                        .last()
                        .map(|(_, _, jpeg)| jpeg.clone())
                }),
            }),
        }
    }

    /// The user's profile; the client's own redirect URI counts as expected when the
    /// profile lists some.
    fn analysis_profile(&self) -> Profile {
        let mut profile = self.options.profile.clone();
        if let Some(uri) = &self.redirect_uri {
            if !profile.redirect_uris.is_empty() && !profile.redirect_uris.contains(uri) {
                profile.redirect_uris.push(uri.clone());
            }
        }
        profile
    }
}

/// The screenshots of pages the flow's reconstruction calls the consent page.
fn consent_screenshots(
    trace: &Trace,
    profile: &Profile,
    shots: &[(String, f64, Vec<u8>)],
) -> Vec<(String, f64, Vec<u8>)> {
    let flows = flowlens_core::flow::reconstruct(trace, profile);
    let consent_urls: Vec<&str> = flows
        .iter()
        .flat_map(|f| f.hops_with(Role::ConsentPage))
        .map(|i| trace.exchanges[i].url.as_str())
        .collect();
    let base = |u: &str| u.split('#').next().unwrap_or(u).to_string();
    shots
        .iter()
        .filter(|(url, _, _)| consent_urls.iter().any(|c| base(c) == base(url)))
        .cloned()
        .collect()
}

/// A discovery failure as the run's error; its report when something was recorded.
fn probe_error(e: ProbeError, options: &Options) -> ConnectError {
    let report = (!e.trace.exchanges.is_empty()).then(|| {
        Box::new(
            ReportBuilder::new(&e.trace, &options.profile)
                .source_name(e.url.clone().unwrap_or_default())
                .build(),
        )
    });
    ConnectError {
        step: Step::from_probe(e.step),
        kind: ErrorKind::Probe(e.kind),
        message: e.message,
        trace: e.trace,
        report,
        screenshot: None,
    }
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_string(), |s| s.to_string())
}

/// `: 400 invalid_grant (description)` from an OAuth error body, or nothing.
fn oauth_error(body: Option<&Value>) -> String {
    let Some(error) = body.and_then(|b| b.get("error")).and_then(Value::as_str) else {
        return String::new();
    };
    let description = body
        .and_then(|b| b.get("error_description"))
        .and_then(Value::as_str)
        .map(|d| format!(" ({})", visible(d, 200)))
        .unwrap_or_default();
    format!(" {}{description}", visible(error, 80))
}

/// The number of tools a `tools/list` answer lists (JSON or one Server-Sent Event).
fn tools_in(ex: &flowlens_core::trace::Exchange) -> Option<usize> {
    let text = ex.response_body_text()?;
    let json = serde_json::from_str::<Value>(text).ok().or_else(|| {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .find_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
    })?;
    json.pointer("/result/tools")
        .and_then(Value::as_array)
        .map(Vec::len)
}

/// A server-controlled string made safe for a message: control characters escaped, cut.
fn visible(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}
