//! What a rule sees: one flow of a trace, the profile, and questions many rules ask.

use crate::flow::{roles::snapshot_for, Flow, FlowEnd, Role};
use crate::limits::MAX_JSON_BODY;
use crate::params::{host_of, UrlParams};
use crate::profile::Profile;
use crate::stdx::cut::{clip, prefix_at_char_boundary, Elide};
use crate::trace::{Exchange, PageSnapshot, Trace};
use crate::vendor;

/// A page's facts as a rule sees them.
#[derive(Debug, Clone, Copy)]
pub struct SeenPage<'a> {
    pub facts: &'a PageSnapshot,
    /// Read from the page's HTML (a HAR), not from the rendered page.
    pub from_html: bool,
    /// The HTML is a shell its scripts fill in: what it lacks proves nothing.
    pub scripted: bool,
}

impl SeenPage<'_> {
    /// The facts do not show the whole page: cut, capped, built by scripts, or empty (a
    /// snapshot from a page that threw before anything was read).
    pub fn partial(&self) -> bool {
        let f = self.facts;
        let empty = f.title.is_none()
            && f.headings.is_empty()
            && f.text.is_none()
            && f.buttons.is_empty()
            && f.forms.is_empty()
            && f.images.is_empty()
            && f.logos.is_empty();
        f.truncated || self.scripted || empty
    }
}

pub struct Context<'a> {
    pub trace: &'a Trace,
    pub flow: &'a Flow,
    pub profile: &'a Profile,
}

impl<'a> Context<'a> {
    pub fn new(trace: &'a Trace, flow: &'a Flow, profile: &'a Profile) -> Self {
        Self {
            trace,
            flow,
            profile,
        }
    }

    pub fn exchange(&self, i: usize) -> &'a Exchange {
        &self.trace.exchanges[i]
    }

    /// The flow's hops with this role, as (exchange index, exchange).
    pub fn hops(&self, role: Role) -> impl Iterator<Item = (usize, &'a Exchange)> + '_ {
        self.flow
            .hops_with(role)
            .map(move |i| (i, &self.trace.exchanges[i]))
    }

    pub fn first(&self, role: Role) -> Option<(usize, &'a Exchange)> {
        self.hops(role).next()
    }

    /// Every hop of the flow with its role, in trace order.
    pub fn all_hops(&self) -> impl Iterator<Item = (usize, Role, &'a Exchange)> + '_ {
        self.flow
            .hops
            .iter()
            .map(move |h| (h.exchange, h.role, &self.trace.exchanges[h.exchange]))
    }

    /// The authorization request.
    pub fn authorize(&self) -> Option<(usize, &'a Exchange)> {
        self.flow.authorize.map(|i| (i, self.exchange(i)))
    }

    /// The query parameters of the authorization request.
    pub fn authorize_params(&self) -> Option<UrlParams> {
        self.authorize().map(|(_, ex)| UrlParams::of(&ex.url))
    }

    pub fn end(&self) -> Option<&'a FlowEnd> {
        self.flow.end.as_ref()
    }

    /// Parameters of the authorization response (query, fragment or form_post).
    pub fn end_params(&self) -> Option<UrlParams> {
        self.end().map(FlowEnd::params)
    }

    /// The flow went through the customer's own login endpoint (bring your own auth): a
    /// `byoa-login` or partner callback hop, or a login endpoint recognised from the chain's
    /// shape (one reached without `login_request_id` is still a BYOA flow, see `byoa`).
    pub fn is_byoa(&self) -> bool {
        super::byoa::byoa(self).is_some()
    }

    /// The response body of an exchange as JSON, when it is JSON of a sane size.
    pub fn json_body(&self, i: usize) -> Option<serde_json::Value> {
        let text = self.exchange(i).response_body_text()?;
        if text.len() > MAX_JSON_BODY {
            return None;
        }
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|v| v.is_object())
    }

    /// The first authorization-server metadata document of the flow that parsed. Only 2xx
    /// answers count: a client that tries the well-known URLs in order meets 404s with JSON
    /// error bodies first.
    pub fn as_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::AuthorizationServerMetadata)
            .filter(|(_, ex)| matches!(ex.status(), Some(200..=299)))
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The first protected-resource metadata document of the flow that parsed (2xx only).
    pub fn resource_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::ProtectedResourceMetadata)
            .filter(|(_, ex)| matches!(ex.status(), Some(200..=299)))
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The `issuer` of the authorization-server metadata.
    pub fn issuer(&self) -> Option<String> {
        self.as_metadata()
            .and_then(|(_, m)| m.get("issuer")?.as_str().map(str::to_string))
    }

    /// The page snapshot of a hop's page load.
    pub fn snapshot(&self, i: usize) -> Option<&'a PageSnapshot> {
        snapshot_for(self.trace, i)
    }

    /// What a page hop showed: the extension's snapshot, else the facts read from its HTML.
    pub fn page(&self, i: usize) -> Option<SeenPage<'a>> {
        if let Some(facts) = self.snapshot(i) {
            return Some(SeenPage {
                facts,
                from_html: false,
                scripted: false,
            });
        }
        self.flow
            .html_pages
            .iter()
            .find(|p| p.exchange == i)
            .map(|p| SeenPage {
                facts: &p.facts,
                from_html: true,
                scripted: p.scripted,
            })
    }

    /// How a page hop's role was inferred, when it was.
    pub fn role_reason(&self, i: usize) -> Option<&'a str> {
        self.flow
            .hops
            .iter()
            .find(|h| h.exchange == i)
            .and_then(|h| h.reason.as_deref())
    }

    /// The host the flow's authorization server is on: the authorization request's host, or,
    /// in a discovery-only flow (a probe, a capture that stopped before sign-in), the host of
    /// the `authorization_endpoint` the metadata sends users to.
    pub fn auth_host(&self) -> Option<String> {
        self.authorize()
            .and_then(|(_, ex)| host_of(&ex.url))
            .or_else(|| self.metadata_authorization_host())
    }

    fn metadata_authorization_host(&self) -> Option<String> {
        let (_, metadata) = self.as_metadata()?;
        host_of(metadata.get("authorization_endpoint")?.as_str()?)
    }

    /// The flow shows signs of Scalekit: its authorization server on a vendor host, a
    /// resource-scoped issuer (`/resources/res_…`), a BYOA partner callback, or Scalekit's
    /// hosted pages and APIs. Checks that compare with Scalekit's defaults (its default theme)
    /// only do so then: on another server those defaults mean nothing.
    pub fn is_vendor_flow(&self) -> bool {
        let vendor_host = self
            .auth_host()
            .is_some_and(|h| vendor::is_vendor_default(&h));
        let resource_issuer = self
            .issuer()
            .is_some_and(|i| i.contains(&format!("/resources/{}", vendor::ids::RESOURCE)));
        let vendor_path = self.all_hops().any(|(_, _, ex)| {
            let path = crate::flow::roles::path_of(&ex.url);
            vendor::partner_callback_id(path).is_some()
                || path.starts_with(vendor::ERROR_API_PREFIX)
                || path.starts_with(vendor::HOSTED_LOGIN_PATH)
                || path.starts_with(vendor::HOSTED_ERROR_PATH)
                || path == vendor::CONSENT_DETAILS_PATH
                || path == vendor::CUSTOMIZATIONS_PATH
        });
        vendor_host || resource_issuer || vendor_path
    }

    /// The custom domain(s) to judge against: the profile's, or, without one, the host of
    /// [`Self::auth_host`] when it is not a vendor default host. The second element says
    /// what was assumed, when anything was.
    pub fn custom_domains(&self) -> (Vec<String>, Option<String>) {
        if self.profile.has_custom_domains() {
            return (self.profile.custom_domains.clone(), None);
        }
        let from = if self.authorize().is_some() {
            "the host of the authorization request"
        } else {
            "the host of the authorization_endpoint in the authorization-server metadata"
        };
        match self.auth_host() {
            Some(host) if !vendor::is_vendor_default(&host) => (
                vec![host.clone()],
                Some(format!(
                    "no profile: assumed the custom domain is {host}, {from}"
                )),
            ),
            _ => (Vec::new(), None),
        }
    }
}

pub(crate) use crate::page::html::MAX_HTML_SCAN;

/// Why a response body could not be read as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    /// No response, or the capture kept no body.
    Absent,
    /// The capture cut the body at its size cap.
    Truncated,
    /// Larger than any plausible metadata document (bytes).
    TooLarge(usize),
    /// HTML (a login, error or SPA page) where JSON was expected.
    Html,
    /// Not valid JSON (the parser's message).
    NotJson(String),
    /// Valid JSON, but not an object.
    NotObject,
}

impl BodyProblem {
    /// The problem in words, for a summary or an evidence note.
    pub fn describe(&self) -> String {
        match self {
            BodyProblem::Absent => "no response body was captured".into(),
            BodyProblem::Truncated => "the capture cut the response body".into(),
            BodyProblem::TooLarge(n) => {
                format!("the response body is {n} bytes, too large for a metadata document")
            }
            BodyProblem::Html => "the response is HTML, not JSON".into(),
            BodyProblem::NotJson(e) => format!(
                "the response is not valid JSON ({})",
                clip(e, 120, Elide::End)
            ),
            BodyProblem::NotObject => "the response is JSON but not an object".into(),
        }
    }

    /// The capture, not the server, is why the body cannot be judged.
    pub fn is_capture_gap(&self) -> bool {
        matches!(self, BodyProblem::Absent | BodyProblem::Truncated)
    }
}

impl<'a> Context<'a> {
    /// The response body of an exchange as a JSON object, or why it is not one.
    pub fn json_object(&self, i: usize) -> Result<serde_json::Value, BodyProblem> {
        let ex = self.exchange(i);
        let body = ex
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .filter(|b| !b.text.is_empty())
            .ok_or(BodyProblem::Absent)?;
        if body.truncated {
            return Err(BodyProblem::Truncated);
        }
        if body.text.len() > MAX_JSON_BODY {
            return Err(BodyProblem::TooLarge(body.text.len()));
        }
        let mime = ex.response_mime().unwrap_or_default().to_ascii_lowercase();
        let start = body.text.trim_start();
        if mime.starts_with("text/html") || start.starts_with('<') {
            return Err(BodyProblem::Html);
        }
        match serde_json::from_str::<serde_json::Value>(&body.text) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err(BodyProblem::NotObject),
            Err(e) => Err(BodyProblem::NotJson(e.to_string())),
        }
    }

    /// The HTML of a page hop, cut at [`MAX_HTML_SCAN`] bytes, when the capture kept it.
    pub fn html_body(&self, i: usize) -> Option<&'a str> {
        let ex = self.exchange(i);
        let text = ex.response_body_text().filter(|t| !t.is_empty())?;
        let html = ex
            .response_mime()
            .is_some_and(|m| m.to_ascii_lowercase().contains("html"))
            || text.trim_start().starts_with('<');
        html.then(|| prefix_at_char_boundary(text, MAX_HTML_SCAN))
    }

    /// The page's HTML was not read to the end: the capture cut it, or it is longer than
    /// [`MAX_HTML_SCAN`]. Absence of something in [`Context::html_body`] then proves nothing.
    pub fn html_cut(&self, i: usize) -> bool {
        self.exchange(i)
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .is_some_and(|b| b.truncated || b.text.len() > MAX_HTML_SCAN)
    }

    /// Indices of every exchange from the flow's first hop to its last, claimed or not:
    /// requests a page made that the flow reconstruction did not attribute (a fetch without
    /// Referer) still happened inside the flow.
    pub fn exchange_window(&self) -> std::ops::Range<usize> {
        let first = self.flow.hops.iter().map(|h| h.exchange).min();
        let last = self.flow.hops.iter().map(|h| h.exchange).max();
        match (first, last) {
            (Some(a), Some(b)) => a..(b + 1).min(self.trace.exchanges.len()),
            _ => 0..0,
        }
    }

    /// A script made the request at `i` and reads its answer, so CORS applies to it (see
    /// [`Exchange::script_request`]); a CORS preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) to the same URL just before it also says so. A
    /// request nothing tells about is taken as a script's when it carries an `Origin`.
    pub fn read_by_script(&self, i: usize) -> bool {
        let ex = self.exchange(i);
        if let Some(known) = ex.script_request() {
            return known;
        }
        let preflight = self.trace.exchanges[i.saturating_sub(16)..i]
            .iter()
            .any(|p| {
                p.method.eq_ignore_ascii_case("OPTIONS")
                    && p.url == ex.url
                    && p.request_header("access-control-request-method").is_some()
            });
        preflight || ex.request_header("origin").is_some()
    }

    /// The MCP server URL: the first MCP request's URL without query, else the `resource` of
    /// the authorization request.
    pub fn mcp_url(&self) -> Option<String> {
        self.first(Role::McpRequest)
            .map(|(_, ex)| crate::params::url_without_query(&ex.url).to_string())
            .or_else(|| {
                self.authorize_params()
                    .and_then(|p| p.query.get("resource").map(str::to_string))
            })
    }

    /// Whether a resource URL loaded, as far as the trace shows: the first exchange of the
    /// trace for exactly this URL, and whether it answered 2xx/3xx. `None` when the trace
    /// never requested it.
    pub fn load_result(&self, url: &str) -> Option<(usize, bool)> {
        let i = self.trace.exchanges.iter().position(|e| e.url == url)?;
        let ex = self.exchange(i);
        let ok = ex.error.is_none() && matches!(ex.status(), Some(200..=399));
        Some((i, ok))
    }
}
