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

impl TraceBuilder {
    pub fn new() -> Self {
        Self {
            trace: Trace {
                source: "test".into(),
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

    pub fn json(mut self, status: u16, body: &str) -> Self {
        let response = self.last().response.get_or_insert_with(Response::default);
        response.status = status;
        response
            .headers
            .push(Header::new("Content-Type", "application/json"));
        response.body = Some(Body {
            mime_type: "application/json".into(),
            text: body.into(),
            truncated: false,
        });
        self
    }

    pub fn html(mut self, status: u16, body: &str) -> Self {
        let response = self.last().response.get_or_insert_with(Response::default);
        response.status = status;
        response
            .headers
            .push(Header::new("Content-Type", "text/html"));
        response.body = Some(Body {
            mime_type: "text/html".into(),
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
