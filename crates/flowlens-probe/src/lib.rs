//! Flowlens probe: checks an MCP server's OAuth discovery from the outside, over HTTP.
//!
//! The probe does what an MCP client does before it sends a user to sign in, and records it
//! as a [`Trace`] (source `probe`), so that the same rules as for a recorded browser flow
//! judge it:
//!
//! 1. an unauthenticated MCP `initialize` request (Streamable HTTP), which must be answered by
//!    a 401 with a Bearer challenge;
//! 2. protected-resource metadata: the challenge's `resource_metadata` URL, else the
//!    path-aware then the root well-known URL;
//! 3. authorization-server metadata for the first of `authorization_servers`, at the
//!    well-known URLs in the MCP specification's order, stopping at the first JSON answer.
//!
//! Every request is a recorded [`Exchange`](flowlens_core::trace::Exchange) (redirects are
//! followed by hand, one exchange per hop). The trace then goes through
//! [`flowlens_core::analyze`], and the report keeps the checks a probe can see
//! ([`PROBE_CHECKS`]). What the rules cannot express (a redirect, a fallback URL, an HTML page
//! where JSON was expected) becomes a note of the report; what stops the probe (DNS, TLS,
//! connection, time-outs, a redirect loop, an oversized response, an answer that is not a 401)
//! is a [`ProbeError`] naming the step.
//!
//! By default the probe is a native client (a desktop app, a CLI, a server-side agent, the
//! most common MCP clients): it sends no `Origin`, and CORS is not judged; the report says
//! that browser-based clients were not checked. Given a web client's origin
//! ([`Options::origin`], `--origin` or the profile's `web_client_origins`) it asks as that
//! client, and an answer the browser would not let it read fails.
//!
//! The probe never sends credentials: no cookies are kept and no `Authorization` header is
//! ever set.

use std::time::{Duration, Instant};

use flowlens_core::report::ReportBuilder;
use flowlens_core::trace::{Body, Header, Trace};
use flowlens_core::vocab::{CheckId, SourceKind};
use flowlens_core::{Profile, Report};
use serde_json::Value;
use url::Url;

mod challenge;
mod error;
pub mod http;

pub use challenge::{bearer as bearer_challenge, Challenge};
pub use error::{FailureKind, ProbeError, Step};
pub use http::ResolveOverride;

use error::Failure;
use http::{Client, ClientConfig, Outgoing};

/// The MCP protocol version the probe announces (header and `initialize` body).
pub const PROTOCOL_VERSION: &str = "2025-11-25";

/// The checks a probe can see, in the core's rule ids. Every other checklist item needs a
/// recorded browser flow (authorization request, login and consent pages, callback, tokens)
/// and is left out of a probe report; a note says how many.
pub const PROBE_CHECKS: &[CheckId] = &[
    CheckId::new("mcp-401-challenge"),
    CheckId::new("mcp-discovery"),
    CheckId::new("custom-domain-metadata"),
    CheckId::new("env-production"),
    CheckId::new("https-everywhere"),
    CheckId::new("hsts"),
    // Judged when the probe asks as a web client (an `Origin`); else not observed, saying so.
    CheckId::new("cors"),
];

/// How to probe.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed for each step: connecting, reading and the whole step (its redirects and
    /// fallback URLs included).
    pub timeout: Duration,
    /// Responses larger than this stop the probe; the reading stops at the cap.
    pub max_body_bytes: u64,
    /// Redirects followed per request before giving up.
    pub max_redirects: usize,
    /// Accept any TLS certificate. Only for local test servers: said in the report's notes.
    pub insecure: bool,
    /// The `Origin` header sent with every request, as your browser-based client on that site
    /// sends it (its CORS answers are then judged, and a missing one fails); `None` (the
    /// default) probes as a native client, and the first of the profile's
    /// `web_client_origins` is used when there is one.
    pub origin: Option<String>,
    /// The `MCP-Protocol-Version` header and `initialize` protocol version.
    pub protocol_version: String,
    /// Fixed addresses for host names, like curl's `--resolve`.
    pub resolve: Vec<ResolveOverride>,
    /// Certificates (DER) to trust instead of the web roots, like curl's `--cacert`.
    pub ca_certs: Vec<Vec<u8>>,
    /// Expectations (custom domains) for the rules.
    pub profile: Profile,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_body_bytes: 1024 * 1024,
            max_redirects: 5,
            insecure: false,
            origin: None,
            protocol_version: PROTOCOL_VERSION.to_string(),
            resolve: Vec::new(),
            ca_certs: Vec::new(),
            profile: Profile::default(),
        }
    }
}

impl Options {
    /// The HTTP client settings these options ask for, with this `User-Agent`.
    pub fn client_config(&self, user_agent: &str) -> ClientConfig {
        ClientConfig {
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
            max_redirects: self.max_redirects,
            insecure: self.insecure,
            ca_certs: self.ca_certs.clone(),
            user_agent: user_agent.to_string(),
            resolve: self.resolve.clone(),
        }
    }
}

/// A finished probe: the recorded trace and the report on it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `flowlens.report/v1`, with the checks of [`PROBE_CHECKS`] and the probe's notes.
    pub report: Report,
    /// Every request the probe made, as the rules saw it.
    pub trace: Trace,
}

/// Probes the MCP server at `url`.
///
/// Returns the report when discovery could be followed as far as the server allows (a broken
/// but reachable setup gives a report with failed checks), and a [`ProbeError`] when the probe
/// could not run: the URL is not usable, a request failed at the transport level, timed out,
/// looped or was too large, or the server did not answer the `initialize` request with 401.
pub fn probe(url: &str, options: &Options) -> Result<Probe, ProbeError> {
    let (options, note) = as_client(options);
    let client = Client::new(
        options.client_config(&format!("flowlens-probe/{}", env!("CARGO_PKG_VERSION"))),
    );
    let mut discovery = discover(&client, url, SourceKind::Probe, &options)?;
    discovery.notes.insert(0, note);
    Ok(finish(discovery, &options))
}

/// Who the probe asks as: a native client (no `Origin`) unless given a web client's origin,
/// or the first of the profile's `web_client_origins`; an origin given is one of the profile's
/// web clients from then on (its answers must be readable). With the note that says which.
fn as_client(options: &Options) -> (Options, String) {
    let mut options = options.clone();
    if let Some(origin) = &options.origin {
        let origin = origin.trim_end_matches('/').to_string();
        if !options.profile.is_web_client_origin(&origin) {
            options.profile.web_client_origins.push(origin.clone());
        }
        options.origin = Some(origin);
    } else {
        options.origin = options
            .profile
            .web_client_origins
            .first()
            .map(|o| o.trim_end_matches('/').to_string());
    }
    let note = match &options.origin {
        None => "Browser-based clients were not checked: the probe asked as a native client (no \
                 Origin header), as desktop and server-side MCP clients do. Probe again with \
                 --origin https://your-web-client.example (or list web_client_origins in the \
                 profile) to check that a web client on that site can read every answer."
            .to_string(),
        Some(origin) => {
            let others = options.profile.web_client_origins.len().saturating_sub(1);
            let mut note = format!(
                "The probe asked as the browser-based client on {origin}: every answer must let \
                 it read the response (CORS)."
            );
            if others > 0 {
                note.push_str(&format!(
                    " The profile lists {others} other web client origin(s): probe again with \
                     --origin for each."
                ));
            }
            note
        }
    };
    (options, note)
}

/// What discovery found, where an MCP client goes on to register and send the user to sign
/// in; with everything recorded so far.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The MCP server URL (fragment removed).
    pub mcp: Url,
    /// The Bearer challenge of the 401, when there was one.
    pub challenge: Option<Challenge>,
    /// The protected-resource metadata document that was used, with its exchange index.
    pub resource_metadata: Option<(usize, Value)>,
    /// The authorization server discovery went on with (`authorization_servers[0]`).
    pub issuer: Option<Url>,
    /// The authorization-server metadata document, with its exchange index.
    pub authorization_server_metadata: Option<(usize, Value)>,
    /// Every request so far (source as given to [`discover`]).
    pub trace: Trace,
    /// What the rules cannot express (redirects followed, fallback URLs...), for the report.
    pub notes: Vec<String>,
}

/// Runs the three discovery steps with `client`, recording into a trace of this `source`:
/// the part of the flow the probe and `flowlens connect` share.
pub fn discover(
    client: &Client,
    url: &str,
    source: SourceKind,
    options: &Options,
) -> Result<Discovery, ProbeError> {
    let mcp = parse_input(url)?;
    let mut run = Run::new(options, client, source);
    if options.insecure {
        run.note(
            "--insecure: TLS certificates were NOT verified. Use it only for local test \
             servers; a real client would have refused an invalid certificate.",
        );
    }
    let challenge = run.initialize(&mcp)?;
    let mut issuer = None;
    let mut as_metadata = None;
    if let Some(found) = run.resource_metadata(&mcp, challenge.as_ref())? {
        as_metadata = run.authorization_server_metadata(&found)?;
        issuer = Some(found);
    }
    Ok(Discovery {
        mcp,
        challenge,
        resource_metadata: run.prm.take(),
        issuer,
        authorization_server_metadata: as_metadata,
        trace: run.trace,
        notes: run.notes,
    })
}

/// Checks the URL given by the user: absolute, http or https, with a host.
fn parse_input(input: &str) -> Result<Url, ProbeError> {
    let input = input.trim();
    let invalid = |message: String| ProbeError {
        step: Step::Input,
        kind: FailureKind::InvalidUrl,
        url: Some(input.to_string()),
        message,
        trace: Box::default(),
    };
    if input.is_empty() {
        return Err(invalid("the URL is empty".into()));
    }
    if !input.contains("://") {
        return Err(invalid(format!(
            "'{input}' has no scheme: give the full MCP server URL, e.g. https://{input}"
        )));
    }
    let mut url = flowlens_core::stdx::idn::typed_url(input)
        .map_err(|e| invalid(format!("'{input}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "'{input}' is not an http(s) URL; MCP servers speak Streamable HTTP"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!("'{input}' has no host")));
    }
    url.set_fragment(None);
    Ok(url)
}

/// Discovery in progress.
struct Run<'a> {
    options: &'a Options,
    client: &'a Client,
    trace: Trace,
    notes: Vec<String>,
    /// The protected-resource metadata used, once found.
    prm: Option<(usize, Value)>,
}

impl<'a> Run<'a> {
    fn new(options: &'a Options, client: &'a Client, source: SourceKind) -> Self {
        let mut trace = Trace {
            source,
            ..Trace::default()
        };
        trace.capture.started_ms = Some(http::now_ms());
        trace.capture.creator = Some(format!(
            "flowlens-{} {}",
            source.as_str(),
            env!("CARGO_PKG_VERSION")
        ));
        Self {
            options,
            client,
            trace,
            notes: Vec::new(),
            prm: None,
        }
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn step_note(&mut self, step: Step, note: impl AsRef<str>) {
        self.notes.push(format!(
            "Step {} ({}): {}",
            step.number(),
            step.title(),
            note.as_ref()
        ));
    }

    fn fail(&self, step: Step, failure: Failure) -> ProbeError {
        ProbeError::new(step, failure, self.trace.clone())
    }

    /// Headers every probe request carries.
    fn common_headers(&self, accept: &str) -> Vec<Header> {
        let mut headers = vec![
            Header::new("Accept", accept),
            Header::new("MCP-Protocol-Version", &self.options.protocol_version),
        ];
        if let Some(origin) = &self.options.origin {
            headers.push(Header::new("Origin", origin));
        }
        headers
    }

    /// Sends a request for a step; notes the redirects it followed.
    fn fetch(
        &mut self,
        step: Step,
        request: Outgoing,
        deadline: Instant,
    ) -> Result<usize, ProbeError> {
        let first = self.trace.exchanges.len();
        let last = self
            .client
            .fetch(&mut self.trace, request, deadline)
            .map_err(|f| self.fail(step, f))?;
        if last > first {
            let hops: Vec<String> = self.trace.exchanges[first..last]
                .iter()
                .map(|ex| {
                    format!(
                        "{} {} -> {}",
                        ex.status().unwrap_or(0),
                        ex.url,
                        ex.redirect_target().unwrap_or_default()
                    )
                })
                .collect();
            self.step_note(step, format!("followed redirects: {}", hops.join("; ")));
        }
        Ok(last)
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.client.timeout()
    }

    /// Step 1: the unauthenticated `initialize` request. Returns the Bearer challenge, if any.
    fn initialize(&mut self, mcp: &Url) -> Result<Option<Challenge>, ProbeError> {
        let step = Step::Initialize;
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": self.options.protocol_version,
                "capabilities": {},
                "clientInfo": { "name": "flowlens-probe", "version": env!("CARGO_PKG_VERSION") }
            }
        });
        let mut headers = vec![Header::new("Content-Type", "application/json")];
        headers.extend(self.common_headers("application/json, text/event-stream"));
        let request = Outgoing {
            method: "POST".into(),
            url: mcp.to_string(),
            headers,
            body: Some(Body {
                mime_type: "application/json".into(),
                text: body.to_string(),
                truncated: false,
            }),
        };
        let deadline = self.deadline();
        let last = self.fetch(step, request, deadline)?;
        let ex = &self.trace.exchanges[last];
        let status = ex.status().unwrap_or(0);
        if status != 401 {
            let mime = ex.response_mime().unwrap_or("no content type").to_string();
            let url = ex.url.clone();
            let message = match status {
                200..=299 if mime.contains("html") => format!(
                    "POST {url} answered {status} with an HTML page ({mime}), not an MCP response: \
                     is this the MCP server's endpoint?"
                ),
                200..=299 => format!(
                    "POST {url} answered {status} ({mime}) to an initialize request without \
                     credentials: the server does not ask for authorization, so there is no \
                     OAuth discovery to check"
                ),
                404 | 405 => format!(
                    "POST {url} answered {status}: is this the MCP server's Streamable HTTP \
                     endpoint?"
                ),
                _ => format!(
                    "POST {url} answered {status} ({mime}); an MCP server that requires \
                     authorization answers an unauthenticated request with 401 and a \
                     WWW-Authenticate challenge"
                ),
            };
            return Err(self.fail(
                step,
                Failure {
                    kind: FailureKind::NotAnMcpChallenge,
                    url,
                    message,
                },
            ));
        }
        let values: Vec<String> = ex
            .response_headers("www-authenticate")
            .map(str::to_string)
            .collect();
        let challenge = challenge::bearer(values.iter().map(String::as_str));
        match (&challenge, values.is_empty()) {
            (_, true) => self.step_note(
                step,
                "the 401 has no WWW-Authenticate header; the probe went on with the well-known \
                 protected-resource metadata URLs, as a client does",
            ),
            (None, false) => self.step_note(
                step,
                format!(
                    "the 401 has no Bearer challenge (WWW-Authenticate: {}); the probe went on \
                     with the well-known URLs",
                    values.join(", ")
                ),
            ),
            (Some(c), false) if c.param("resource_metadata").is_none() => self.step_note(
                step,
                "the Bearer challenge has no resource_metadata; the probe went on with the \
                 well-known protected-resource metadata URLs",
            ),
            _ => {}
        }
        self.note_refused_origin(step, last);
        Ok(challenge)
    }

    /// A server may allow only its own web clients' origins: say how to probe as one of them
    /// when it refused the probe's `Origin`.
    fn note_refused_origin(&mut self, step: Step, index: usize) {
        let Some(origin) = self.options.origin.clone() else {
            return;
        };
        let allowed = self.trace.exchanges[index]
            .response_header("access-control-allow-origin")
            .map(str::trim);
        if allowed.is_some_and(|a| a == "*" || a == origin) {
            return;
        }
        self.step_note(
            step,
            format!(
                "the server does not allow the Origin {origin}: a browser-based MCP client on \
                 that site cannot read its answer. If the server allows only other web \
                 clients, probe again as one of them (--origin); native clients (no Origin) \
                 are not affected"
            ),
        );
    }

    /// Step 2: protected-resource metadata. Returns the issuer to continue with, if any.
    fn resource_metadata(
        &mut self,
        mcp: &Url,
        challenge: Option<&Challenge>,
    ) -> Result<Option<Url>, ProbeError> {
        let step = Step::ResourceMetadata;
        let from_header = challenge.and_then(|c| c.param("resource_metadata"));
        let candidates = match from_header.map(|u| mcp.join(u)) {
            Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => vec![url.to_string()],
            Some(_) => {
                let value = from_header.unwrap_or_default().to_string();
                self.step_note(
                    step,
                    format!(
                        "resource_metadata=\"{value}\" is not an http(s) URL; the probe tried \
                         the well-known URLs instead"
                    ),
                );
                flowlens_core::discovery::resource_metadata_urls(mcp)
            }
            None => flowlens_core::discovery::resource_metadata_urls(mcp),
        };
        let deadline = self.deadline();
        let Some((index, metadata)) = self.first_json(step, &candidates, deadline)? else {
            self.step_note(
                step,
                format!(
                    "no protected-resource metadata found at {}; discovery stops here",
                    candidates.join(", ")
                ),
            );
            return Ok(None);
        };
        self.prm = Some((index, metadata.clone()));
        let servers = metadata.get("authorization_servers");
        let issuer = match servers.and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                if list.len() > 1 {
                    self.step_note(
                        step,
                        format!(
                            "{} authorization servers are listed; the probe checks the first",
                            list.len()
                        ),
                    );
                }
                list[0].as_str().map(str::to_string)
            }
            _ => None,
        };
        let url = &self.trace.exchanges[index].url;
        let Some(issuer) = issuer else {
            let note = format!(
                "the metadata at {url} lists no authorization server (authorization_servers); \
                 discovery stops here"
            );
            self.step_note(step, note);
            return Ok(None);
        };
        match Url::parse(&issuer) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                Ok(Some(u))
            }
            _ => {
                self.step_note(
                    step,
                    format!(
                        "the authorization server \"{issuer}\" is not an http(s) URL; \
                         discovery stops here"
                    ),
                );
                Ok(None)
            }
        }
    }

    /// Step 3: authorization-server metadata, in the MCP specification's order.
    fn authorization_server_metadata(
        &mut self,
        issuer: &Url,
    ) -> Result<Option<(usize, Value)>, ProbeError> {
        let step = Step::AuthorizationServerMetadata;
        let candidates = flowlens_core::discovery::authorization_server_metadata_urls(issuer);
        let deadline = self.deadline();
        let Some((index, metadata)) = self.first_json(step, &candidates, deadline)? else {
            self.step_note(
                step,
                format!(
                    "no authorization-server metadata for the issuer {issuer} at {}",
                    candidates.join(", ")
                ),
            );
            return Ok(None);
        };
        // No rule judges the RFC 9207 flag on its own (oauth-iss needs the callback).
        let iss_flag = metadata.get("authorization_response_iss_parameter_supported");
        if iss_flag != Some(&Value::Bool(true)) {
            self.step_note(
                step,
                "the metadata does not advertise authorization_response_iss_parameter_supported: \
                 clients cannot expect RFC 9207 iss in the authorization response to detect \
                 mix-up (MCP 2026-07-28: the authorization server SHOULD send it); oauth-iss \
                 judges the iss actually sent wherever a sign-in is in the trace",
            );
        }
        Ok(Some((index, metadata)))
    }

    /// GETs each URL in turn until one answers 2xx with a JSON object; notes the others.
    fn first_json(
        &mut self,
        step: Step,
        candidates: &[String],
        deadline: Instant,
    ) -> Result<Option<(usize, Value)>, ProbeError> {
        for url in candidates {
            let request = Outgoing {
                method: "GET".into(),
                url: url.clone(),
                headers: self.common_headers("application/json"),
                body: None,
            };
            let index = self.fetch(step, request, deadline)?;
            let ex = &self.trace.exchanges[index];
            let status = ex.status().unwrap_or(0);
            let mime = ex.response_mime().unwrap_or("no content type").to_string();
            let json = ex
                .response_body_text()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .filter(Value::is_object);
            let note = match (status, json) {
                (200..=299, Some(value)) => {
                    if !mime.contains("json") {
                        self.step_note(
                            step,
                            format!("{url} is JSON but served as {mime}, not application/json"),
                        );
                    }
                    return Ok(Some((index, value)));
                }
                (200..=299, None) if mime.contains("html") => {
                    format!("{url} answered {status} with an HTML page ({mime}), not JSON metadata")
                }
                (200..=299, None) => {
                    format!("{url} answered {status} ({mime}) with no JSON object")
                }
                _ => format!("{url} answered {status} ({mime})"),
            };
            self.step_note(step, note);
        }
        Ok(None)
    }
}

fn finish(discovery: Discovery, options: &Options) -> Probe {
    let mut trace = discovery.trace;
    trace.capture.stopped_ms = Some(http::now_ms());
    trace.capture.notes = discovery.notes;
    let report = ReportBuilder::new(&trace, &options.profile)
        .source_name(discovery.mcp.to_string())
        .only(PROBE_CHECKS, left_out_note)
        .build();
    Probe { report, trace }
}

/// What a probe report says about the checklist results it leaves out.
fn left_out_note(left_out: usize) -> String {
    format!(
        "A probe sees discovery only: {left_out} other checklist results (the authorization \
         request, sign-in and consent pages, callback, tokens, and the items a person verifies) \
         are left out. Record a sign-in (HAR or the extension) and run `flowlens check` for \
         those."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_check_is_a_rule_of_the_registry() {
        for id in PROBE_CHECKS {
            assert!(
                flowlens_core::rules::find(id.as_str()).is_some(),
                "PROBE_CHECKS names `{id}`, which no rule has"
            );
        }
        let mut unique = PROBE_CHECKS.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), PROBE_CHECKS.len(), "an id is listed twice");
    }

    #[test]
    fn rejects_unusable_urls_at_the_input_step() {
        for (input, words) in [
            ("mcp.acme.test/mcp", "has no scheme"),
            ("", "empty"),
            ("ftp://mcp.acme.test/mcp", "not an http(s) URL"),
            ("https://", "not a URL"),
            ("http://[::1/mcp", "not a URL"),
        ] {
            let err = probe(input, &Options::default()).expect_err(input);
            assert_eq!(err.step, Step::Input, "{input}");
            assert_eq!(err.kind, FailureKind::InvalidUrl, "{input}");
            assert!(err.to_string().contains(words), "{input}: {err}");
            assert!(err.trace.exchanges.is_empty());
        }
    }
}
