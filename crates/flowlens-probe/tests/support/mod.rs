//! A Scalekit-like MCP setup on loopback: the MCP server `mcp.acme.test` and the
//! authorization server `auth.acme.test` (resource-scoped issuer `/resources/res_1`), both
//! served by one TLS server (and a plain-http one for the http variants), reached through
//! `--resolve` overrides to 127.0.0.1. [`Setup::good`] is a correct setup; each broken
//! variant changes one thing.

#![allow(dead_code)] // each test binary uses a part

pub mod server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowlens_probe::{Options, ResolveOverride};
use serde_json::json;

pub use server::{closed_port, Reply, Request, Server};

pub const MCP_HOST: &str = "mcp.acme.test";
pub const AUTH_HOST: &str = "auth.acme.test";
pub const VENDOR_HOST: &str = "acme-x7q2.scalekit.com";
pub const DEV_HOST: &str = "acme.scalekit.dev";

/// What the 401 challenge looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// `Bearer realm, resource_metadata, scope`.
    Full,
    /// No `WWW-Authenticate` header at all.
    Missing,
    /// `Bearer realm="OAuth"` only.
    NoResourceMetadata,
    /// `Bearer realm, resource_metadata` (the docs' example: no scope).
    NoScope,
}

/// How the protected-resource metadata answers a cross-origin request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrmCors {
    /// `Access-Control-Allow-Origin: *`.
    Star,
    /// No CORS headers.
    Missing,
    /// The request's origin echoed with `Access-Control-Allow-Credentials: true`.
    ReflectWithCredentials,
}

/// The knobs of the loopback setup.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The authorization server's host (the issuer's and the endpoints').
    pub auth_host: &'static str,
    pub challenge: ChallengeKind,
    /// `Access-Control-Expose-Headers: WWW-Authenticate` on the 401.
    pub expose_www_authenticate: bool,
    /// The MCP endpoint answers CORS only for this origin (None: for any origin).
    pub mcp_allowed_origin: Option<&'static str>,
    /// `Strict-Transport-Security` on every https answer.
    pub hsts: bool,
    /// The PRM `resource` (default: the MCP URL).
    pub resource: Option<String>,
    /// The AS metadata `issuer` (default: the issuer the metadata is fetched for).
    pub issuer: Option<String>,
    /// The authorization server on the plain-http server.
    pub auth_over_http: bool,
    /// `authorization_response_iss_parameter_supported: true` in the AS metadata.
    pub iss_supported: bool,
    /// `code_challenge_methods_supported` (None: absent).
    pub code_challenge_methods: Option<Vec<&'static str>>,
    /// The host of the AS endpoints (default: the AS host and port).
    pub endpoint_base: Option<String>,
    /// The PRM answers 200 with an HTML page (an SPA catch-all).
    pub prm_as_html: bool,
    /// Every AS metadata URL answers 200 with an HTML page.
    pub as_metadata_as_html: bool,
    /// The AS metadata is only at the OIDC path-appended URL (the third in the order).
    pub as_metadata_only_appended: bool,
    /// The PRM URL redirects to itself through a second URL.
    pub prm_redirect_loop: bool,
    /// The PRM URL redirects once (301) to the real document.
    pub prm_redirect_once: bool,
    /// The MCP endpoint accepts the connection and never answers.
    pub mcp_stalls: bool,
    /// The MCP endpoint answers 200 with an HTML page.
    pub mcp_html: bool,
    /// The PRM streams an endless body.
    pub prm_endless: bool,
    pub prm_cors: PrmCors,
}

impl Setup {
    pub fn good() -> Self {
        Self {
            auth_host: AUTH_HOST,
            challenge: ChallengeKind::Full,
            expose_www_authenticate: true,
            mcp_allowed_origin: None,
            hsts: true,
            resource: None,
            issuer: None,
            auth_over_http: false,
            iss_supported: true,
            code_challenge_methods: Some(vec!["S256"]),
            endpoint_base: None,
            prm_as_html: false,
            as_metadata_as_html: false,
            as_metadata_only_appended: false,
            prm_redirect_loop: false,
            prm_redirect_once: false,
            mcp_stalls: false,
            mcp_html: false,
            prm_endless: false,
            prm_cors: PrmCors::Star,
        }
    }
}

/// The running setup.
pub struct Site {
    pub https: Server,
    pub http: Server,
    /// `https://mcp.acme.test:PORT/mcp`
    pub mcp_url: String,
    /// The issuer the PRM names.
    pub issuer: String,
    ctx: Arc<Ctx>,
}

impl Site {
    pub fn start(setup: Setup) -> Self {
        let (tls_listener, plain_listener) = (Server::bind(), Server::bind());
        let tls_port = tls_listener.local_addr().expect("address").port();
        let plain_port = plain_listener.local_addr().expect("address").port();
        let ctx = Arc::new(Ctx::new(setup, tls_port, plain_port));
        let (c1, c2) = (ctx.clone(), ctx.clone());
        let https = Server::tls(
            tls_listener,
            Arc::new(move |r: &Request| c1.handle(r, true)),
        );
        let http = Server::plain(
            plain_listener,
            Arc::new(move |r: &Request| c2.handle(r, false)),
        );
        Self {
            https,
            http,
            mcp_url: ctx.mcp_url(),
            issuer: ctx.issuer(),
            ctx: ctx.clone(),
        }
    }

    /// Probe options for this site: `--insecure`, a short timeout, the host overrides.
    pub fn options(&self) -> Options {
        let mut resolve = Vec::new();
        for host in [MCP_HOST, AUTH_HOST, VENDOR_HOST, DEV_HOST] {
            for port in [self.https.port, self.http.port] {
                resolve.push(ResolveOverride {
                    host: host.into(),
                    port,
                    addr: [127, 0, 0, 1].into(),
                    target_port: None,
                });
            }
        }
        Options {
            insecure: true,
            timeout: Duration::from_secs(5),
            resolve,
            ..Options::default()
        }
    }

    /// The requests the servers received (as they arrived, whatever the client recorded).
    pub fn received(&self) -> Vec<Request> {
        self.ctx
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The `--resolve` arguments for the CLI.
    pub fn resolve_args(&self) -> Vec<String> {
        self.options()
            .resolve
            .iter()
            .flat_map(|o| ["--resolve".to_string(), o.to_string()])
            .collect()
    }
}

struct Ctx {
    setup: Setup,
    tls_port: u16,
    plain_port: u16,
    /// Every request the servers received, in order.
    received: Mutex<Vec<Request>>,
}

impl Ctx {
    fn new(setup: Setup, tls_port: u16, plain_port: u16) -> Self {
        Self {
            setup,
            tls_port,
            plain_port,
            received: Mutex::new(Vec::new()),
        }
    }

    fn mcp_base(&self) -> String {
        format!("https://{MCP_HOST}:{}", self.tls_port)
    }

    fn mcp_url(&self) -> String {
        format!("{}/mcp", self.mcp_base())
    }

    fn auth_base(&self) -> String {
        let host = self.setup.auth_host;
        if self.setup.auth_over_http {
            format!("http://{host}:{}", self.plain_port)
        } else {
            format!("https://{host}:{}", self.tls_port)
        }
    }

    fn issuer(&self) -> String {
        format!("{}/resources/res_1", self.auth_base())
    }

    fn prm_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            self.mcp_base()
        )
    }

    fn handle(&self, r: &Request, tls: bool) -> Reply {
        if let Ok(mut received) = self.received.lock() {
            received.push(r.clone());
        }
        let reply = match r.host.as_str() {
            MCP_HOST => self.mcp(r),
            h if h == self.setup.auth_host => self.auth(r),
            _ => Reply::status(421),
        };
        if tls && self.setup.hsts {
            reply.header(
                "Strict-Transport-Security",
                "max-age=31536000; includeSubDomains",
            )
        } else {
            reply
        }
    }

    fn mcp(&self, r: &Request) -> Reply {
        let s = &self.setup;
        match (r.method.as_str(), r.path()) {
            ("POST", "/mcp") if s.mcp_stalls => Reply::Stall,
            ("POST", "/mcp") if s.mcp_html => {
                Reply::html(200, "<!doctype html><title>Acme</title><h1>Welcome</h1>")
            }
            ("POST", "/mcp") => {
                let mut reply = Reply::json(
                    401,
                    &json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32001, "message": "Unauthorized"}}),
                );
                let prm = self.prm_url();
                let header = match s.challenge {
                    ChallengeKind::Full => Some(format!(
                        r#"Bearer realm="OAuth", resource_metadata="{prm}", scope="mcp:tools""#
                    )),
                    ChallengeKind::NoScope => Some(format!(
                        r#"Bearer realm="OAuth", resource_metadata="{prm}""#
                    )),
                    ChallengeKind::NoResourceMetadata => {
                        Some(r#"Bearer realm="OAuth""#.to_string())
                    }
                    ChallengeKind::Missing => None,
                };
                if let Some(h) = header {
                    reply = reply.header("WWW-Authenticate", &h);
                }
                let allowed = |o: &str| s.mcp_allowed_origin.is_none_or(|a| a == o);
                if let Some(origin) = r.header("origin").filter(|o| allowed(o)) {
                    reply = reply
                        .header("Access-Control-Allow-Origin", origin)
                        .header("Vary", "Origin");
                    if s.expose_www_authenticate {
                        reply = reply.header(
                            "Access-Control-Expose-Headers",
                            "WWW-Authenticate, Mcp-Session-Id",
                        );
                    }
                }
                reply
            }
            ("GET", "/.well-known/oauth-protected-resource/mcp") if s.prm_redirect_loop => {
                Reply::redirect(302, "/.well-known/oauth-protected-resource/mcp/")
            }
            ("GET", "/.well-known/oauth-protected-resource/mcp/") if s.prm_redirect_loop => {
                Reply::redirect(302, "/.well-known/oauth-protected-resource/mcp")
            }
            ("GET", "/.well-known/oauth-protected-resource/mcp") if s.prm_redirect_once => {
                Reply::redirect(301, "/.well-known/oauth-protected-resource/mcp.json")
            }
            ("GET", "/.well-known/oauth-protected-resource/mcp") if s.prm_endless => Reply::Endless,
            ("GET", "/.well-known/oauth-protected-resource/mcp") if s.prm_as_html => Reply::html(
                200,
                "<!doctype html><div id=root></div><script src=/app.js></script>",
            ),
            ("GET", "/.well-known/oauth-protected-resource/mcp")
            | ("GET", "/.well-known/oauth-protected-resource/mcp.json") => {
                let resource = s.resource.clone().unwrap_or_else(|| self.mcp_url());
                let reply = Reply::json(
                    200,
                    &json!({
                        "resource": resource,
                        "authorization_servers": [self.issuer()],
                        "bearer_methods_supported": ["header"],
                        "scopes_supported": ["mcp:tools"],
                    }),
                );
                match (s.prm_cors, r.header("origin")) {
                    (PrmCors::Star, _) => reply.header("Access-Control-Allow-Origin", "*"),
                    (PrmCors::ReflectWithCredentials, Some(origin)) => reply
                        .header("Access-Control-Allow-Origin", origin)
                        .header("Access-Control-Allow-Credentials", "true"),
                    _ => reply,
                }
            }
            _ => Reply::json(404, &json!({"error": "not_found"})),
        }
    }

    fn auth(&self, r: &Request) -> Reply {
        let s = &self.setup;
        let inserted = "/.well-known/oauth-authorization-server/resources/res_1";
        let appended = "/resources/res_1/.well-known/openid-configuration";
        let oidc_inserted = "/.well-known/openid-configuration/resources/res_1";
        let path = r.path();
        let is_candidate = [inserted, oidc_inserted, appended].contains(&path);
        if r.method != "GET" || !is_candidate {
            return Reply::json(404, &json!({"error": "not_found"}));
        }
        if s.as_metadata_as_html {
            return Reply::html(200, "<!doctype html><title>Sign in</title>");
        }
        let serves = if s.as_metadata_only_appended {
            path == appended
        } else {
            path == inserted
        };
        if !serves {
            // Scalekit answers 404 for openid-configuration under the resource path.
            return Reply::json(404, &json!({"error": "not_found"}));
        }
        let base = s.endpoint_base.clone().unwrap_or_else(|| self.auth_base());
        let mut metadata = json!({
            "issuer": s.issuer.clone().unwrap_or_else(|| self.issuer()),
            "authorization_endpoint": format!("{base}/oauth/authorize"),
            "token_endpoint": format!("{base}/oauth/token"),
            "registration_endpoint": format!("{base}/api/v1/resources/res_1/clients:register"),
            "jwks_uri": format!("{base}/keys"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
            "scopes_supported": ["mcp:tools", "offline_access"],
            "client_id_metadata_document_supported": true,
        });
        if s.iss_supported {
            metadata["authorization_response_iss_parameter_supported"] = json!(true);
        }
        if let Some(methods) = &s.code_challenge_methods {
            metadata["code_challenge_methods_supported"] = json!(methods);
        }
        Reply::json(200, &metadata).header("Access-Control-Allow-Origin", "*")
    }
}
