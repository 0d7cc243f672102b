//! The HTTP client of the probe and of `flowlens connect`: ureq with rustls, no cookie store,
//! bounded in time and size, and redirects followed by hand so that every hop is recorded as
//! an [`Exchange`]. It sends the headers it is given and nothing else: the probe gives no
//! credentials; `flowlens connect` gives a bearer token to the MCP server it checks, and the
//! client drops `Authorization` and `Cookie` when a redirect leaves the request's origin, as
//! browsers do.

use std::fmt;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flowlens_core::trace::{Body, Exchange, Header, Param, ResourceType, Response, Trace};
use ureq::http;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

pub use crate::error::{Failure, FailureKind};

/// Sends every request to a fixed address for one host and port, like curl's `--resolve`:
/// `mcp.acme.test:443:127.0.0.1`, or to another port too, like curl's `--connect-to`
/// ([`ResolveOverride::parse_connect_to`]: `mcp.acme.test:443:127.0.0.1:8443`). For probing a
/// server before its DNS exists, and for tests. URLs, `Host` and TLS names stay as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
    /// The port to connect to instead of `port` (`--connect-to`); `None` keeps `port`.
    pub target_port: Option<u16>,
}

impl ResolveOverride {
    /// `HOST:PORT:ADDRESS:PORT2` (curl's `--connect-to`, with an IP address as the target;
    /// an IPv6 address in brackets: `a.test:443:[::1]:8443`).
    pub fn parse_connect_to(s: &str) -> Result<Self, String> {
        let usage = || {
            format!("'{s}' is not HOST:PORT:ADDRESS:PORT (e.g. mcp.acme.test:443:127.0.0.1:8443)")
        };
        let (rest, target_port) = s.rsplit_once(':').ok_or_else(usage)?;
        let target_port = target_port.parse::<u16>().map_err(|_| usage())?;
        let mut parsed: Self = rest.parse().map_err(|_| usage())?;
        parsed.target_port = Some(target_port);
        Ok(parsed)
    }

    /// The socket address requests for this host and port go to.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.addr, self.target_port.unwrap_or(self.port))
    }
}

impl FromStr for ResolveOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("'{s}' is not HOST:PORT:ADDRESS (e.g. mcp.acme.test:443:127.0.0.1)");
        let (host, rest) = s.split_once(':').ok_or_else(usage)?;
        let (port, addr) = rest.split_once(':').ok_or_else(usage)?;
        let port = port.parse::<u16>().map_err(|_| usage())?;
        let addr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map_err(|_| usage())?;
        if host.is_empty() {
            return Err(usage());
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            addr,
            target_port: None,
        })
    }
}

impl fmt::Display for ResolveOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addr = match self.addr {
            IpAddr::V6(v6) if self.target_port.is_some() => format!("[{v6}]"),
            other => other.to_string(),
        };
        write!(f, "{}:{}:{addr}", self.host, self.port)?;
        match self.target_port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

#[derive(Debug)]
struct OverrideResolver {
    overrides: Vec<ResolveOverride>,
    inner: DefaultResolver,
}

impl Resolver for OverrideResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let port = authority.port_u16().or_else(|| match uri.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            });
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            if let Some(o) = self
                .overrides
                .iter()
                .find(|o| Some(o.port) == port && o.host.eq_ignore_ascii_case(host))
            {
                let mut addrs = self.empty();
                addrs.push(o.socket_addr());
                return Ok(addrs);
            }
        }
        self.inner.resolve(uri, config, timeout)
    }
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Time allowed for connecting and reading; also the default of a step's deadline.
    pub timeout: Duration,
    /// Responses larger than this are cut there and fail with [`FailureKind::TooLarge`].
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Accept any TLS certificate (local test servers only).
    pub insecure: bool,
    /// Trust these certificates (DER) instead of the bundled web roots, like curl's
    /// `--cacert`. Empty: the web roots.
    pub ca_certs: Vec<Vec<u8>>,
    pub user_agent: String,
    pub resolve: Vec<ResolveOverride>,
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    /// A body with its content type; form bodies are also recorded as form fields.
    pub body: Option<Body>,
}

/// The HTTP client; one per probe or connection.
pub struct Client {
    agent: Agent,
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        let roots = if config.ca_certs.is_empty() {
            ureq::tls::RootCerts::WebPki
        } else {
            let certs: Vec<ureq::tls::Certificate<'static>> = config
                .ca_certs
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
                .collect();
            ureq::tls::RootCerts::new_with_certs(&certs)
        };
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(roots)
            .disable_verification(config.insecure)
            .build();
        let agent_config = Agent::config_builder()
            // Redirects are followed by `fetch`, one recorded exchange per hop.
            .max_redirects(0)
            // 4xx and 5xx are answers to record, not errors.
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(config.user_agent.as_str())
            // Identity encoding: the size cap counts what was sent.
            .accept_encoding("")
            .timeout_connect(Some(config.timeout))
            .timeout_global(Some(config.timeout))
            // One connection per request: nothing (no session, no connection state) carries
            // from one step to the next, as for a client meeting the server for the first time.
            .max_idle_connections(0)
            .build();
        let resolver = OverrideResolver {
            overrides: config.resolve.clone(),
            inner: DefaultResolver::default(),
        };
        let agent = Agent::with_parts(agent_config, DefaultConnector::new(), resolver);
        Self { agent, config }
    }

    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    /// Sends the request and follows redirects (at most `max_redirects`), recording each hop
    /// in `trace`. Returns the index of the last exchange, the one that was not a redirect.
    /// `deadline` bounds the whole chain.
    pub fn fetch(
        &self,
        trace: &mut Trace,
        mut request: Outgoing,
        deadline: Instant,
    ) -> Result<usize, Failure> {
        let mut visited: Vec<String> = Vec::new();
        loop {
            let (exchange, result) = self.send(&request, deadline);
            trace.exchanges.push(exchange);
            let index = trace.exchanges.len() - 1;
            result?;
            let ex = &trace.exchanges[index];
            let Some(status @ 300..=399) = ex.status() else {
                return Ok(index);
            };
            if matches!(status, 304 | 305 | 306 | 300) {
                return Ok(index); // not a redirect to follow
            }
            let Some(target) = ex.redirect_target() else {
                return Err(Failure {
                    kind: FailureKind::BadRedirect,
                    url: request.url.clone(),
                    message: format!(
                        "{} {} answered {status} without a usable Location header",
                        request.method, request.url
                    ),
                });
            };
            if !(target.starts_with("https://") || target.starts_with("http://")) {
                return Err(Failure {
                    kind: FailureKind::BadRedirect,
                    url: request.url.clone(),
                    message: format!(
                        "{} redirected to {target}, which is not http(s)",
                        request.url
                    ),
                });
            }
            visited.push(request.url.clone());
            if visited.contains(&target) {
                let mut chain = visited.join(" -> ");
                chain.push_str(" -> ");
                chain.push_str(&target);
                return Err(Failure {
                    kind: FailureKind::RedirectLoop,
                    url: request.url.clone(),
                    message: format!("redirect loop: {chain}"),
                });
            }
            if visited.len() > self.config.max_redirects {
                return Err(Failure {
                    kind: FailureKind::TooManyRedirects,
                    url: request.url.clone(),
                    message: format!(
                        "more than {} redirects, starting at {}",
                        self.config.max_redirects, visited[0]
                    ),
                });
            }
            // Credentials go to the origin they were meant for, never further (as fetch does).
            if origin_of(&target) != origin_of(&request.url) {
                request.headers.retain(|h| {
                    !h.name.eq_ignore_ascii_case("authorization")
                        && !h.name.eq_ignore_ascii_case("cookie")
                });
            }
            // Fetch semantics: 303 becomes GET; 301 and 302 turn a POST into a GET;
            // 307 and 308 repeat the request as it was.
            let becomes_get = status == 303
                || (matches!(status, 301 | 302) && request.method.eq_ignore_ascii_case("POST"));
            if becomes_get && !request.method.eq_ignore_ascii_case("HEAD") {
                request.method = "GET".into();
                request.body = None;
                request
                    .headers
                    .retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
            }
            request.url = target;
        }
    }

    /// One request, no redirects. The exchange is returned even when the request failed.
    fn send(&self, request: &Outgoing, deadline: Instant) -> (Exchange, Result<(), Failure>) {
        let mut headers = request.headers.clone();
        headers.push(Header::new("User-Agent", &self.config.user_agent));
        let form = request
            .body
            .as_ref()
            .filter(|b| {
                b.mime_type
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
            .map(|b| {
                url::form_urlencoded::parse(b.text.as_bytes())
                    .map(|(n, v)| Param::new(n, v))
                    .collect()
            });
        let mut exchange = Exchange {
            time_ms: now_ms(),
            method: request.method.clone(),
            url: request.url.clone(),
            resource_type: ResourceType::Fetch,
            request_headers: headers,
            form,
            request_body: request.body.clone(),
            ..Exchange::default()
        };
        let result = self.send_recording(request, deadline, &mut exchange);
        if let Err(failure) = &result {
            exchange.error = Some(failure.message.clone());
        }
        (exchange, result)
    }

    /// Sends a built request within the time left for the step.
    fn send_within<B: ureq::AsSendBody>(
        &self,
        request: &Outgoing,
        built: Result<http::Request<B>, http::Error>,
        remaining: Duration,
    ) -> Result<http::Response<ureq::Body>, Failure> {
        let built = built.map_err(|e| Failure {
            kind: FailureKind::InvalidUrl,
            url: request.url.clone(),
            message: format!("cannot send {}: {e}", request.url),
        })?;
        let configured = self
            .agent
            .configure_request(built)
            .timeout_global(Some(remaining))
            .build();
        self.agent
            .run(configured)
            .map_err(|e| self.failure(request, e))
    }
    fn send_recording(
        &self,
        request: &Outgoing,
        deadline: Instant,
        exchange: &mut Exchange,
    ) -> Result<(), Failure> {
        let fail = |kind, message: String| Failure {
            kind,
            url: request.url.clone(),
            message,
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(fail(
                FailureKind::Timeout,
                format!(
                    "no time left for {} {} (the step took more than {})",
                    request.method,
                    request.url,
                    seconds(self.config.timeout)
                ),
            ));
        }
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url.as_str());
        for h in &request.headers {
            builder = builder.header(h.name.as_str(), h.value.as_str());
        }
        // Two request types (with and without a body), one way to send them.
        let sent = match &request.body {
            Some(body) => self.send_within(
                request,
                builder.body(body.text.clone().into_bytes()),
                remaining,
            ),
            None => self.send_within(request, builder.body(()), remaining),
        };
        let mut response = sent?;
        let status = response.status().as_u16();
        let headers: Vec<Header> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                Header::new(
                    name.as_str(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let content_type = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-type"))
            .map(|h| h.value.clone())
            .unwrap_or_default();
        exchange.response = Some(Response {
            status,
            headers,
            body: None,
            time_ms: None,
        });

        // Read at most one byte more than the cap: enough to know the body is too large,
        // never the whole of an endless response.
        let cap = self.config.max_body_bytes;
        let mut bytes = Vec::new();
        let read = response
            .body_mut()
            .as_reader()
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes);
        let too_large = bytes.len() as u64 > cap;
        if too_large {
            bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        }
        if let Some(r) = exchange.response.as_mut() {
            r.time_ms = Some(now_ms());
            if is_textual(&content_type, &bytes) {
                r.body = Some(Body {
                    mime_type: content_type.clone(),
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    truncated: too_large,
                });
            }
        }
        if let Err(e) = read {
            return Err(self.failure(request, ureq::Error::from(e)));
        }
        if too_large {
            return Err(fail(
                FailureKind::TooLarge,
                format!(
                    "the response to {} {} is larger than {}; the probe stopped reading there",
                    request.method,
                    request.url,
                    size(cap)
                ),
            ));
        }
        Ok(())
    }

    /// Puts a ureq error in words a person setting up a server understands.
    fn failure(&self, request: &Outgoing, error: ureq::Error) -> Failure {
        let url = request.url.clone();
        let host = url::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let https = url.starts_with("https://");
        let timeout = seconds(self.config.timeout);
        let (kind, message) = match &error {
            ureq::Error::Timeout(which) => (
                FailureKind::Timeout,
                match timeout_phase(which) {
                    Some(phase) => format!(
                        "{} {url} timed out while {phase} (the limit is {timeout} per step)",
                        request.method
                    ),
                    None => format!(
                        "{} {url} timed out: no complete answer within the step's {timeout}",
                        request.method
                    ),
                },
            ),
            ureq::Error::HostNotFound => (
                FailureKind::Dns,
                format!("the host name {host} did not resolve (DNS)"),
            ),
            ureq::Error::Io(e) => io_failure(e, &host, https, &url, &timeout),
            ureq::Error::Tls(m) => (FailureKind::Tls, format!("TLS with {host} failed: {m}")),
            ureq::Error::Rustls(e) => (FailureKind::Tls, format!("TLS with {host} failed: {e}")),
            ureq::Error::BadUri(m) => (
                FailureKind::InvalidUrl,
                format!("cannot request {url}: {m}"),
            ),
            ureq::Error::ConnectionFailed => {
                (FailureKind::Connect, format!("could not connect to {host}"))
            }
            ureq::Error::LargeResponseHeader(..) => (
                FailureKind::TooLarge,
                format!("the response headers of {url} are too large"),
            ),
            ureq::Error::Protocol(e) => (
                FailureKind::Protocol,
                format!("{url} did not answer in HTTP/1.1: {e}"),
            ),
            other => (
                FailureKind::Protocol,
                format!("{} {url} failed: {other}", request.method),
            ),
        };
        let message = if kind == FailureKind::Tls && !self.config.insecure {
            format!("{message} (for a local test server with a self-signed certificate, --insecure skips verification)")
        } else {
            message
        };
        Failure { kind, url, message }
    }
}

fn io_failure(
    e: &io::Error,
    host: &str,
    https: bool,
    url: &str,
    timeout: &str,
) -> (FailureKind, String) {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => (
            FailureKind::Connect,
            format!("connection to {host} refused: nothing listens at {url}"),
        ),
        K::TimedOut | K::WouldBlock => (
            FailureKind::Timeout,
            format!("{url} timed out after at most {timeout}"),
        ),
        // rustls reports handshake and record errors as InvalidData.
        K::InvalidData if https => {
            let hint = if e.to_string().contains("InvalidContentType") {
                " (the server does not speak TLS on this port: plain http?)"
            } else {
                ""
            };
            (
                FailureKind::Tls,
                format!("TLS with {host} failed: {e}{hint}"),
            )
        }
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            if https {
                (
                    FailureKind::Tls,
                    format!("{host} closed the connection during TLS or before answering: {e}"),
                )
            } else {
                (
                    FailureKind::Protocol,
                    format!("{host} closed the connection before answering: {e}"),
                )
            }
        }
        K::NotFound if e.to_string().contains("lookup") => (
            FailureKind::Dns,
            format!("the host name {host} did not resolve (DNS): {e}"),
        ),
        _ if e.to_string().contains("failed to lookup address") => (
            FailureKind::Dns,
            format!("the host name {host} did not resolve (DNS): {e}"),
        ),
        _ => (
            FailureKind::Connect,
            format!("request to {url} failed: {e}"),
        ),
    }
}

/// `scheme://host:port` of a URL, for comparing origins; `None` when it does not parse.
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default()?
    ))
}

fn timeout_phase(t: &ureq::Timeout) -> Option<&'static str> {
    match t {
        ureq::Timeout::Resolve => Some("resolving the host name"),
        ureq::Timeout::Connect => Some("connecting"),
        ureq::Timeout::SendRequest | ureq::Timeout::SendBody | ureq::Timeout::PerWrite => {
            Some("sending the request")
        }
        ureq::Timeout::RecvResponse => Some("waiting for the response"),
        ureq::Timeout::RecvBody | ureq::Timeout::PerRead => Some("reading the response"),
        _ => None, // the global limit: the whole exchange took too long
    }
}

/// Bodies worth keeping in the trace: what the rules read (JSON metadata, HTML pages, text).
fn is_textual(content_type: &str, bytes: &[u8]) -> bool {
    let ct = content_type.to_ascii_lowercase();
    if ct.is_empty() {
        return !bytes.is_empty() && std::str::from_utf8(bytes).is_ok();
    }
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("html")
        || ct.contains("xml")
        || ct.starts_with("application/x-www-form-urlencoded")
}

/// Now, in milliseconds since the Unix epoch (the trace's clock).
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

/// A duration as the messages show it: `10 s`, `0.3 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

pub(crate) fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const KIB: u64 = 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolve_overrides() {
        let o: ResolveOverride = "MCP.acme.test:443:127.0.0.1".parse().expect("valid");
        assert_eq!(o.host, "mcp.acme.test");
        assert_eq!(o.port, 443);
        assert_eq!(o.to_string(), "mcp.acme.test:443:127.0.0.1");
        let o: ResolveOverride = "a.test:8443:[::1]".parse().expect("valid");
        assert!(o.addr.is_loopback());
        for bad in [
            "",
            "a.test",
            "a.test:x:127.0.0.1",
            "a.test:1:nope",
            ":1:127.0.0.1",
        ] {
            assert!(bad.parse::<ResolveOverride>().is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_connect_to_overrides() {
        let o =
            ResolveOverride::parse_connect_to("Auth.acme.test:443:127.0.0.1:8443").expect("valid");
        assert_eq!(o.host, "auth.acme.test");
        assert_eq!(o.socket_addr(), "127.0.0.1:8443".parse().expect("address"));
        assert_eq!(o.to_string(), "auth.acme.test:443:127.0.0.1:8443");
        let o = ResolveOverride::parse_connect_to("a.test:443:[::1]:8443").expect("valid");
        assert_eq!(o.socket_addr(), "[::1]:8443".parse().expect("address"));
        assert_eq!(o.to_string(), "a.test:443:[::1]:8443");
        for bad in [
            "a.test:443:127.0.0.1",
            "a.test:443:127.0.0.1:x",
            "a.test:443:nope:1",
        ] {
            assert!(ResolveOverride::parse_connect_to(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://a.test/x"),
            origin_of("https://A.test:443/y?z")
        );
        assert_ne!(origin_of("https://a.test/x"), origin_of("https://b.test/x"));
        assert_ne!(origin_of("https://a.test/x"), origin_of("http://a.test/x"));
        assert_ne!(
            origin_of("http://127.0.0.1:1/"),
            origin_of("http://127.0.0.1:2/")
        );
    }

    #[test]
    fn formats_sizes_and_durations() {
        assert_eq!(size(1024 * 1024), "1 MiB");
        assert_eq!(size(4096), "4 KiB");
        assert_eq!(size(1000), "1000 bytes");
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(300)), "0.3 s");
    }
}
