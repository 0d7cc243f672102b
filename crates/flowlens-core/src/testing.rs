//! Builders for traces in tests: short, readable fixtures for every rule.
//!
//! ```ignore
//! let trace = TraceBuilder::new()
//!     .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&...")
//!     .redirect(302, "https://login.acme.test/login?login_request_id=lri_1&state=s")
//!     .page(200)
//!     .build();
//! ```

use crate::trace::*;

/// Builds a trace one exchange at a time; each exchange starts 100 ms after the previous.
#[derive(Default)]
pub struct TraceBuilder {
    trace: Trace,
    clock: f64,
}

/// A complete, well-behaved custom-domain BYOA flow: the base most rule tests alter.
pub const GOOD_STATE: &str = "Qm9uam91ciBsZSBtb25kZSwgYydlc3QgbW9pIQ-_x7";
pub const GOOD_SK_STATE: &str = "HntJ_ENB6y161i9_P1yzuZVv2SSTfD3aZH-Tej0_Y33_Fk8Z3g";
pub const GOOD_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn good_authorize_url() -> String {
    format!(
        "https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_123\
         &redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcallback&scope=calendar%3Aread\
         &state={GOOD_STATE}&code_challenge={GOOD_CHALLENGE}&code_challenge_method=S256\
         &resource=https%3A%2F%2Fmcp.acme.test%2Fmcp"
    )
}

/// The good flow: discovery, authorize, BYOA login, partner callback, consent, callback, token.
pub fn good_flow() -> TraceBuilder {
    TraceBuilder::new()
        .fetch("POST", "https://mcp.acme.test/mcp")
        .request_body("application/json", r#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
        .status(401)
        .response_header(
            "WWW-Authenticate",
            r#"Bearer realm="OAuth", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp", scope="calendar:read""#,
        )
        .fetch("GET", "https://mcp.acme.test/.well-known/oauth-protected-resource/mcp")
        .json(200, r#"{"resource":"https://mcp.acme.test/mcp","authorization_servers":["https://auth.acme.test/resources/res_1"]}"#)
        .fetch("GET", "https://auth.acme.test/.well-known/oauth-authorization-server/resources/res_1")
        .json(200, r#"{"issuer":"https://auth.acme.test/resources/res_1","authorization_endpoint":"https://auth.acme.test/oauth/authorize","token_endpoint":"https://auth.acme.test/oauth/token","registration_endpoint":"https://auth.acme.test/api/v1/resources/res_1/clients:register","code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true}"#)
        .fetch("POST", "https://auth.acme.test/api/v1/resources/res_1/clients:register")
        .json(201, r#"{"client_id":"m2m_123"}"#)
        .get(&good_authorize_url())
        .redirect(302, &format!("https://login.acme.test/login?login_request_id=lri_42&state={GOOD_SK_STATE}"))
        .page(200)
        .post_form("https://login.acme.test/login/submit", &[("email", "a@acme.test"), ("password", "hunter2"), ("login_request_id", "lri_42"), ("state", GOOD_SK_STATE)])
        .redirect(303, &format!("https://auth.acme.test/sso/v1/connections/conn_987/partner:callback?state={GOOD_SK_STATE}"))
        .redirect(302, "https://auth.acme.test/oauth/consent?id=c1")
        .page(200)
        .post_form("https://auth.acme.test/oauth/consent", &[("decision", "allow")])
        .redirect(302, &format!("https://app.acme.test/callback?code=SplxlOBeZQQYbYS6WxSbIA&state={GOOD_STATE}&iss=https%3A%2F%2Fauth.acme.test%2Fresources%2Fres_1"))
        .page(200)
        .fetch("POST", "https://auth.acme.test/oauth/token")
        .form(&[("grant_type", "authorization_code"), ("code", "SplxlOBeZQQYbYS6WxSbIA"), ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), ("redirect_uri", "https://app.acme.test/callback"), ("resource", "https://mcp.acme.test/mcp")])
        .json(200, r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln","token_type":"Bearer"}"#)
        .response_header("Cache-Control", "no-store")
}

/// Exchange indices of [`good_flow`] (and of [`good_flow_with_pages`], which only appends).
pub const CHALLENGE_HOP: usize = 0;
pub const PRM_HOP: usize = 1;
pub const AS_METADATA_HOP: usize = 2;
pub const REGISTRATION_HOP: usize = 3;
pub const AUTHORIZE_HOP: usize = 4;
pub const BYOA_LOGIN_HOP: usize = 5;
pub const BYOA_CALLBACK_HOP: usize = 7;
pub const CONSENT_HOP: usize = 8;
pub const CALLBACK_HOP: usize = 10;
pub const TOKEN_HOP: usize = 11;

/// The origin of the browser-based MCP client of the fixtures.
pub const CLIENT_ORIGIN: &str = "https://app.acme.test";

/// [`good_flow`] as the extension records it from a browser-based client, with everything
/// the page and header checks look at done right: page snapshots of the login and consent
/// pages (logo, favicon, colors, server name), security headers (HSTS, X-Frame-Options, CSP
/// `frame-ancestors`, Referrer-Policy), `__Host-` cookies, CORS on the discovery and token
/// endpoints, and the consent page's subresources (logo, favicon, fonts, vendor script)
/// appended after the token request. Exchange indices 0..=11 are those of [`good_flow`].
pub fn good_flow_with_pages() -> TraceBuilder {
    const HSTS: &str = "max-age=63072000; includeSubDomains";
    good_flow()
        .edit(|t| {
            let mut add = |i: usize, request: &[(&str, &str)], response: &[(&str, &str)]| {
                let ex = &mut t.exchanges[i];
                for (n, v) in request {
                    ex.request_headers.push(Header::new(*n, *v));
                }
                let r = ex.response.get_or_insert_with(Response::default);
                for (n, v) in response {
                    r.headers.push(Header::new(*n, *v));
                }
            };
            let cors = [("Access-Control-Allow-Origin", "*")];
            add(
                CHALLENGE_HOP,
                &[("Origin", CLIENT_ORIGIN)],
                &[
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id"),
                ],
            );
            add(PRM_HOP, &[("Origin", CLIENT_ORIGIN)], &cors);
            add(AS_METADATA_HOP, &[("Origin", CLIENT_ORIGIN)], &cors);
            add(REGISTRATION_HOP, &[("Origin", CLIENT_ORIGIN)], &cors);
            add(
                AUTHORIZE_HOP,
                &[],
                &[
                    ("Strict-Transport-Security", HSTS),
                    ("Referrer-Policy", "no-referrer"),
                    ("Set-Cookie", "__Host-sk_session=c2Vzc2lvbg; Path=/; Secure; HttpOnly; SameSite=Lax"),
                ],
            );
            add(
                BYOA_LOGIN_HOP,
                &[],
                &[
                    ("Strict-Transport-Security", HSTS),
                    ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "no-referrer"),
                    ("Set-Cookie", "__Host-login_csrf=Y3NyZg; Path=/; Secure; HttpOnly; SameSite=Strict"),
                ],
            );
            add(BYOA_CALLBACK_HOP, &[], &[("Strict-Transport-Security", HSTS)]);
            add(
                CONSENT_HOP,
                &[],
                &[
                    ("Strict-Transport-Security", HSTS),
                    ("Content-Security-Policy", "default-src 'self'; img-src 'self' https://cdn.acme.test; frame-ancestors 'none'"),
                    ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"),
                    ("Set-Cookie", "__Host-sk_consent=Y29uc2VudA; Path=/; Secure; HttpOnly; SameSite=Lax"),
                ],
            );
            add(CALLBACK_HOP, &[], &[("Referrer-Policy", "no-referrer")]);
            add(
                TOKEN_HOP,
                &[("Origin", CLIENT_ORIGIN), ("Referer", "https://app.acme.test/")],
                &cors,
            );

            let login = &t.exchanges[BYOA_LOGIN_HOP];
            t.pages.push(PageSnapshot {
                time_ms: login.time_ms + 50.0,
                url: login.url.clone(),
                title: Some("Sign in to Acme".into()),
                favicons: vec![FaviconLink {
                    href: "https://login.acme.test/favicon.ico".into(),
                    rel: "icon".into(),
                    loaded: Some(true),
                    implicit: false,
                }],
                has_password_field: true,
                hidden_fields: vec![
                    FormField { name: "login_request_id".into(), value: "lri_42".into() },
                    FormField { name: "state".into(), value: GOOD_SK_STATE.into() },
                ],
                buttons: vec!["Sign in".into()],
                headings: vec!["Sign in to Acme".into()],
                image_count: 1,
                ..PageSnapshot::default()
            });
            let consent = &t.exchanges[CONSENT_HOP];
            t.pages.push(PageSnapshot {
                time_ms: consent.time_ms + 50.0,
                url: consent.url.clone(),
                title: Some("Authorize Acme Calendar".into()),
                favicons: vec![FaviconLink {
                    href: "https://cdn.acme.test/brand/favicon.png".into(),
                    rel: "icon".into(),
                    loaded: Some(true),
                    implicit: false,
                }],
                logos: vec![LogoCandidate {
                    src: "https://cdn.acme.test/brand/acme-logo.svg".into(),
                    alt: Some("Acme".into()),
                    natural_width: 240,
                    natural_height: 64,
                    loaded: Some(true),
                    visible: Some(true),
                }],
                colors: ColorFacts {
                    background: Some("rgb(11, 21, 64)".into()),
                    primary_button: Some("rgb(10, 102, 194)".into()),
                    primary_button_text: Some("rgb(255, 255, 255)".into()),
                },
                app_name: Some("Acme Calendar".into()),
                buttons: vec!["Allow".into(), "Deny".into()],
                headings: vec!["Acme Calendar wants to access your account".into()],
                image_count: 2,
                ..PageSnapshot::default()
            });
        })
        .resource(ResourceType::Image, "https://cdn.acme.test/brand/acme-logo.svg", "https://auth.acme.test/")
        .resource(ResourceType::Image, "https://cdn.acme.test/brand/favicon.png", "https://auth.acme.test/")
        .resource(ResourceType::Stylesheet, "https://fonts.googleapis.com/css2?family=Inter", "https://auth.acme.test/")
        .resource(ResourceType::Script, "https://cdn.scalekit.com/hosted/consent.js", "https://auth.acme.test/")
        .resource(ResourceType::Stylesheet, "https://login.acme.test/static/app.css", "https://login.acme.test/")
}

/// [`good_flow_with_pages`] as an MCP client that runs the flow itself records it (`flowlens
/// connect`): a complete token response (a JWT for the MCP server, a lifetime, the scope, a
/// refresh token), the authorized `initialize` (which opens a session) and `tools/list`, a
/// refresh whose new token goes on in the session, and the active checks, each refused as
/// it must be: an altered and an expired token, the session id without a token, the code
/// redeemed a second time. Every rule passes on it.
pub fn good_client_run() -> TraceBuilder {
    use crate::stdx::base64::{Engine, URL_SAFE_NO_PAD};
    let jwt = |claims: &str, signature: &str| {
        format!(
            "{}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"at+jwt","kid":"snk_1"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    };
    let claims = |exp: u64| {
        format!(
            r#"{{"iss":"https://auth.acme.test","sub":"usr_1","aud":["res_1","https://mcp.acme.test/mcp"],"scope":"calendar:read","exp":{exp}}}"#
        )
    };
    // The builder's clock starts at 1_700_000_000 s.
    let token = jwt(&claims(1_700_003_600), "c2lnbmF0dXJlLW9uZQ");
    let refreshed = jwt(&claims(1_700_007_200), "c2lnbmF0dXJlLXR3bw");
    let altered = jwt(&claims(1_700_003_600), "YWx0ZXJlZC1zaWduYXR1cmU");
    let expired = jwt(&claims(1_699_990_000), "c2lnbmF0dXJlLW9uZQ");
    let token_response = format!(
        r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600,"scope":"calendar:read","refresh_token":"rt_first"}}"#
    );
    const MCP: &str = "https://mcp.acme.test/mcp";
    const TOKEN_URL: &str = "https://auth.acme.test/oauth/token";
    const SESSION: &str = "3f6c1a2e-54b8-4d0e-9a77-0c1d2e3f4a5b";
    const INVALID: &str = r#"Bearer error="invalid_token", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#;
    let rpc = |b: TraceBuilder, bearer: Option<&str>, session: Option<&str>, body: &str| {
        let mut b = b
            .fetch("POST", MCP)
            .request_header("Content-Type", "application/json")
            .request_header("MCP-Protocol-Version", "2025-11-25")
            .request_body("application/json", body);
        if let Some(t) = bearer {
            b = b.request_header("Authorization", &format!("Bearer {t}"));
        }
        if let Some(s) = session {
            b = b.request_header("Mcp-Session-Id", s);
        }
        b
    };
    let tools_list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    let tools = r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"list_events"},{"name":"create_event"}]}}"#;
    let unauthorized =
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized"}}"#;

    let b = good_flow_with_pages().edit_exchange(TOKEN_HOP, |ex| {
        if let Some(body) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
            body.text = token_response;
        }
    });
    let b = rpc(b, Some(&token), None, r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#)
        .json(200, r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"acme-calendar","version":"1.0.0"}}}"#)
        .response_header("Mcp-Session-Id", SESSION);
    let b = rpc(
        b,
        Some(&token),
        Some(SESSION),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .status(202);
    let b = rpc(b, Some(&token), Some(SESSION), tools_list).json(200, tools);
    let b = b
        .fetch("POST", TOKEN_URL)
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "rt_first"), ("client_id", "m2m_123"), ("resource", MCP)])
        .json(200, &format!(r#"{{"access_token":"{refreshed}","token_type":"Bearer","expires_in":3600,"refresh_token":"rt_second"}}"#))
        .response_header("Cache-Control", "no-store");
    let b = rpc(b, Some(&refreshed), Some(SESSION), tools_list).json(200, tools);
    let b = rpc(b, Some(&altered), None, tools_list)
        .json(401, unauthorized)
        .response_header("WWW-Authenticate", INVALID);
    let b = rpc(b, Some(&expired), None, tools_list)
        .json(401, unauthorized)
        .response_header("WWW-Authenticate", INVALID);
    let b = rpc(b, None, Some(SESSION), tools_list)
        .json(401, unauthorized)
        .response_header("WWW-Authenticate", INVALID);
    b.fetch("POST", TOKEN_URL)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "SplxlOBeZQQYbYS6WxSbIA"),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
            ("redirect_uri", "https://app.acme.test/callback"),
            ("resource", MCP),
        ])
        .json(
            400,
            r#"{"error":"invalid_grant","error_description":"code already used"}"#,
        )
        .response_header("Cache-Control", "no-store")
}

impl TraceBuilder {
    pub fn new() -> Self {
        Self {
            trace: Trace {
                source: crate::vocab::SourceKind::Test,
                ..Trace::default()
            },
            clock: 1_700_000_000_000.0,
        }
    }

    fn push(mut self, method: &str, url: &str, resource_type: ResourceType) -> Self {
        self.clock += 100.0;
        self.trace.exchanges.push(Exchange {
            time_ms: self.clock,
            method: method.into(),
            url: url.into(),
            resource_type,
            ..Exchange::default()
        });
        self
    }

    fn last(&mut self) -> &mut Exchange {
        self.trace
            .exchanges
            .last_mut()
            .expect("add an exchange first")
    }

    /// A top-level page load (GET document).
    pub fn get(self, url: &str) -> Self {
        self.push("GET", url, ResourceType::Document)
    }

    /// A form POST that loads a page.
    pub fn post_form(self, url: &str, fields: &[(&str, &str)]) -> Self {
        self.push("POST", url, ResourceType::Document).form(fields)
    }

    /// A fetch/XHR request.
    pub fn fetch(self, method: &str, url: &str) -> Self {
        self.push(method, url, ResourceType::Fetch)
    }

    /// A subresource (image, script...) loaded by the previous page.
    pub fn resource(self, kind: ResourceType, url: &str, referer: &str) -> Self {
        self.push("GET", url, kind)
            .request_header("Referer", referer)
            .status(200)
    }

    /// Answers the last exchange with a redirect, and requests its target as a document.
    pub fn redirect(mut self, status: u16, location: &str) -> Self {
        let last = self.last();
        last.response = Some(Response {
            status,
            headers: vec![Header::new("Location", location)],
            ..Response::default()
        });
        if location.contains("://") && !location.starts_with("http") {
            return self; // custom-scheme callback: the browser hands it to an app
        }
        self.get(location)
    }

    /// Answers the last exchange with a redirect without following it.
    pub fn redirect_only(mut self, status: u16, location: &str) -> Self {
        self.last().response = Some(Response {
            status,
            headers: vec![Header::new("Location", location)],
            ..Response::default()
        });
        self
    }

    /// Answers the last exchange with an HTML page.
    pub fn page(self, status: u16) -> Self {
        self.status(status)
            .response_header("Content-Type", "text/html; charset=utf-8")
    }

    pub fn status(mut self, status: u16) -> Self {
        let last = self.last();
        let response = last.response.get_or_insert_with(Response::default);
        response.status = status;
        self
    }

    pub fn json(self, status: u16, body: &str) -> Self {
        self.response_body(status, "application/json", body)
    }

    pub fn html(self, status: u16, body: &str) -> Self {
        self.response_body(status, "text/html", body)
    }

    /// Answers the last exchange with `status`, a `Content-Type: mime` and the whole body.
    fn response_body(mut self, status: u16, mime: &str, body: &str) -> Self {
        let response = self.last().response.get_or_insert_with(Response::default);
        response.status = status;
        response.headers.push(Header::new("Content-Type", mime));
        response.body = Some(Body {
            mime_type: mime.into(),
            text: body.into(),
            truncated: false,
        });
        self
    }

    pub fn request_header(mut self, name: &str, value: &str) -> Self {
        self.last().request_headers.push(Header::new(name, value));
        self
    }

    pub fn response_header(mut self, name: &str, value: &str) -> Self {
        let response = self.last().response.get_or_insert_with(Response::default);
        response.headers.push(Header::new(name, value));
        self
    }

    pub fn request_body(mut self, mime: &str, text: &str) -> Self {
        self.last().request_body = Some(Body {
            mime_type: mime.into(),
            text: text.into(),
            truncated: false,
        });
        self
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.last().form = Some(fields.iter().map(|(n, v)| Param::new(*n, *v)).collect());
        self
    }

    pub fn tab(mut self, tab: &str) -> Self {
        self.last().tab = Some(tab.into());
        self
    }

    /// Moves the clock (e.g. to test timing rules).
    pub fn wait_ms(mut self, ms: f64) -> Self {
        self.clock += ms;
        self
    }

    pub fn navigation(mut self, url: &str, kind: NavigationKind) -> Self {
        self.clock += 1.0;
        self.trace.navigations.push(Navigation {
            time_ms: self.clock,
            url: url.into(),
            tab: None,
            kind,
        });
        self
    }

    /// A snapshot of the last exchange's page.
    pub fn snapshot(mut self, edit: impl FnOnce(&mut PageSnapshot)) -> Self {
        self.clock += 10.0;
        let mut page = PageSnapshot {
            time_ms: self.clock,
            url: self
                .trace
                .exchanges
                .last()
                .map(|e| e.url.clone())
                .unwrap_or_default(),
            ..PageSnapshot::default()
        };
        edit(&mut page);
        self.trace.pages.push(page);
        self
    }

    /// Replaces every occurrence of `from` by `to` in URLs and Location headers (to damage a
    /// value in a copy of the good flow).
    pub fn replace_in_urls(mut self, from: &str, to: &str) -> Self {
        for ex in &mut self.trace.exchanges {
            ex.url = ex.url.replace(from, to);
            if let Some(r) = &mut ex.response {
                for h in &mut r.headers {
                    if h.name.eq_ignore_ascii_case("location") {
                        h.value = h.value.replace(from, to);
                    }
                }
            }
        }
        self
    }

    /// Edits the trace directly.
    pub fn edit(mut self, edit: impl FnOnce(&mut Trace)) -> Self {
        edit(&mut self.trace);
        self
    }

    /// Edits the latest snapshot of the page loaded by exchange `hop` (see
    /// [`good_flow_with_pages`]); does nothing when there is none.
    pub fn edit_snapshot_of(mut self, hop: usize, edit: impl FnOnce(&mut PageSnapshot)) -> Self {
        let url = self.trace.exchanges.get(hop).map(|e| e.url.clone());
        if let Some(page) = self
            .trace
            .pages
            .iter_mut()
            .rev()
            .find(|p| Some(&p.url) == url.as_ref())
        {
            edit(page);
        }
        self
    }

    /// Edits the consent page's snapshot of [`good_flow_with_pages`].
    pub fn edit_consent_snapshot(self, edit: impl FnOnce(&mut PageSnapshot)) -> Self {
        self.edit_snapshot_of(CONSENT_HOP, edit)
    }

    /// Removes every response header of exchange `i` with this name.
    pub fn without_response_header(self, i: usize, name: &str) -> Self {
        self.edit_exchange(i, |ex| {
            if let Some(r) = &mut ex.response {
                r.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
            }
        })
    }

    /// Replaces the response headers of exchange `i` with this name by one with this value.
    pub fn with_response_header(self, i: usize, name: &str, value: &str) -> Self {
        self.without_response_header(i, name)
            .edit_exchange(i, |ex| {
                ex.response
                    .get_or_insert_with(Response::default)
                    .headers
                    .push(Header::new(name, value));
            })
    }

    /// Replaces the request headers of exchange `i` with this name by one with this value.
    pub fn with_request_header(self, i: usize, name: &str, value: &str) -> Self {
        self.edit_exchange(i, |ex| {
            ex.request_headers
                .retain(|h| !h.name.eq_ignore_ascii_case(name));
            ex.request_headers.push(Header::new(name, value));
        })
    }

    /// Edits one exchange directly.
    pub fn edit_exchange(mut self, i: usize, edit: impl FnOnce(&mut Exchange)) -> Self {
        if let Some(ex) = self.trace.exchanges.get_mut(i) {
            edit(ex);
        }
        self
    }

    pub fn build(self) -> Trace {
        self.trace
    }
}

/// Runs one rule on the first flow of a trace.
pub fn run_rule(
    rule: &dyn crate::rules::Rule,
    trace: &Trace,
    profile: &crate::Profile,
) -> crate::Outcome {
    let flows = crate::flow::reconstruct(trace, profile);
    let flow = flows.first().expect("the fixture has no flow");
    rule.check(&crate::rules::Context::new(trace, flow, profile))
}
