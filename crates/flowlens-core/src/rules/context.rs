//! What a rule sees: one flow of a trace, the profile, and questions many rules ask.

use crate::check::Outcome;
use crate::flow::{roles::snapshot_for, Flow, FlowEnd, Role};
use crate::params::{host_of, UrlParams};
use crate::profile::Profile;
use crate::trace::{Exchange, PageSnapshot, Trace};
use crate::vendor;

/// JSON bodies larger than this are not parsed (a 10 MB "metadata" document is not metadata).
const MAX_JSON_BODY: usize = 1024 * 1024;

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

    /// Parameters of the authorization response (query and fragment).
    pub fn end_params(&self) -> Option<UrlParams> {
        self.end().map(|e| UrlParams::of(&e.url))
    }

    /// The flow went through the customer's own login endpoint (bring your own auth).
    pub fn is_byoa(&self) -> bool {
        self.flow.first_with(Role::ByoaLogin).is_some()
            || self.flow.first_with(Role::ByoaCallback).is_some()
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

    /// The first authorization-server metadata document of the flow that parsed.
    pub fn as_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::AuthorizationServerMetadata)
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The first protected-resource metadata document of the flow that parsed.
    pub fn resource_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::ProtectedResourceMetadata)
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The `issuer` of the authorization-server metadata.
    pub fn issuer(&self) -> Option<String> {
        self.as_metadata()
            .and_then(|(_, m)| m.get("issuer")?.as_str().map(str::to_string))
    }

    /// The latest page snapshot of a hop's page.
    pub fn snapshot(&self, i: usize) -> Option<&'a PageSnapshot> {
        snapshot_for(self.trace, self.exchange(i))
    }

    /// The host the flow's authorization server is on: the authorization request's host.
    pub fn auth_host(&self) -> Option<String> {
        self.authorize().and_then(|(_, ex)| host_of(&ex.url))
    }

    /// The custom domain(s) to judge against: the profile's, or, without one, the host of the
    /// authorization request when it is not a vendor default host. The second element says
    /// what was assumed, when anything was.
    pub fn custom_domains(&self) -> (Vec<String>, Option<String>) {
        if self.profile.has_custom_domains() {
            return (self.profile.custom_domains.clone(), None);
        }
        match self.auth_host() {
            Some(host) if !vendor::is_vendor_default(&host) => (
                vec![host.clone()],
                Some(format!(
                    "no profile: assumed the custom domain is {host}, the host of the authorization request"
                )),
            ),
            _ => (Vec::new(), None),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Helpers added with the branding, security-header and MCP discovery rules.
// ---------------------------------------------------------------------------------------

/// HTML bodies are only scanned up to this many bytes (a 5 MB page is not read through).
pub(crate) const MAX_HTML_SCAN: usize = 512 * 1024;

/// Most evidence entries a rule reports; the rest are counted in a final note.
pub(crate) const MAX_EVIDENCE: usize = 50;

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
            BodyProblem::NotJson(e) => format!("the response is not valid JSON ({})", clip(e, 120)),
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

    /// The pages whose look the branding settings control: the consent pages, and the
    /// vendor-hosted login pages (on the authorization request's host), in trace order.
    /// Redirects and failed loads are left out.
    pub fn branded_pages(&self) -> Vec<(usize, crate::flow::Role, &'a Exchange)> {
        let auth_host = self.auth_host();
        self.all_hops()
            .filter(|(_, role, ex)| match role {
                Role::ConsentPage => true,
                Role::LoginPage => auth_host.is_some() && host_of(&ex.url) == auth_host,
                _ => false,
            })
            .filter(|(_, _, ex)| !matches!(ex.status(), Some(300..=399)))
            .collect()
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
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A page-controlled string made safe to show as evidence: control characters and
/// direction overrides written as `\u{...}` escapes, cut to `max` characters.
pub(crate) fn visible(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in s.chars().enumerate() {
        if count >= max {
            out.push_str(&format!("… ({} chars in all)", s.chars().count()));
            return out;
        }
        if c.is_control() || is_format_control(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A string cut to `max` characters, with the total length when it was cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_none() {
        head
    } else {
        format!("{head}… ({} chars in all)", s.chars().count())
    }
}

/// Bidirectional overrides, isolates and marks, and zero-width characters: invisible
/// characters that change how a name reads.
pub(crate) fn is_format_control(c: char) -> bool {
    crate::report::markdown::is_bidi_control(c)
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}'
        )
}

/// What a rule found, gathered part by part and turned into one [`Outcome`].
///
/// A rule records failures, warnings, passes and gaps (what the trace did not show) with
/// their evidence; [`Findings::finish`] reports the worst status with the first finding of
/// that status as the summary.
#[derive(Default)]
pub(crate) struct Findings {
    fails: Vec<String>,
    warns: Vec<String>,
    passes: Vec<String>,
    gaps: Vec<String>,
    evidence: Vec<crate::check::Evidence>,
    dropped: usize,
    assumptions: Vec<String>,
}

impl Findings {
    pub fn fail(&mut self, summary: impl Into<String>, evidence: crate::check::Evidence) {
        self.fails.push(summary.into());
        self.evidence(evidence);
    }
    pub fn warn(&mut self, summary: impl Into<String>, evidence: crate::check::Evidence) {
        self.warns.push(summary.into());
        self.evidence(evidence);
    }
    pub fn pass(&mut self, summary: impl Into<String>, evidence: crate::check::Evidence) {
        self.passes.push(summary.into());
        self.evidence(evidence);
    }
    /// Something the rule needed that the trace does not show.
    pub fn gap(&mut self, summary: impl Into<String>, evidence: crate::check::Evidence) {
        self.gaps.push(summary.into());
        self.evidence(evidence);
    }
    pub fn evidence(&mut self, evidence: crate::check::Evidence) {
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(evidence);
        } else {
            self.dropped += 1;
        }
    }
    pub fn assume(&mut self, assumption: impl Into<String>) {
        let a = assumption.into();
        if !self.assumptions.contains(&a) {
            self.assumptions.push(a);
        }
    }
    pub fn has_fail_or_warn(&self) -> bool {
        !self.fails.is_empty() || !self.warns.is_empty()
    }
    pub fn has_gaps(&self) -> bool {
        !self.gaps.is_empty()
    }
    pub fn has_passes(&self) -> bool {
        !self.passes.is_empty()
    }

    /// Fail, else warn, else pass (with `pass_summary`), else not-observed (with the first
    /// gap, or `none_summary` when nothing was recorded at all). Gaps next to passes keep
    /// the pass and stay as evidence. With `strict`, any gap makes a would-be pass
    /// not-observed: the rule could not see everything it must.
    pub fn finish(mut self, pass_summary: &str, none_summary: &str, strict: bool) -> Outcome {
        let mut outcome = if let Some(first) = self.fails.first() {
            Outcome::fail(with_more(first, self.fails.len() + self.warns.len()))
        } else if let Some(first) = self.warns.first() {
            Outcome::warn(with_more(first, self.warns.len()))
        } else if self.has_passes() && !(strict && self.has_gaps()) {
            Outcome::pass(pass_summary)
        } else if let Some(first) = self.gaps.first() {
            Outcome::not_observed(with_more(first, self.gaps.len()))
        } else {
            Outcome::not_observed(none_summary)
        };
        if self.dropped > 0 {
            self.evidence.push(crate::check::Evidence::note(format!(
                "{} more pieces of evidence are not shown",
                self.dropped
            )));
        }
        outcome = outcome.with_all(self.evidence);
        for a in self.assumptions {
            outcome = outcome.assuming(a);
        }
        outcome
    }
}

fn with_more(first: &str, total: usize) -> String {
    if total > 1 {
        format!("{first} (and {} more findings)", total - 1)
    } else {
        first.to_string()
    }
}

impl<'a> Context<'a> {
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

/// "consent page on auth.acme.test": how evidence and summaries name a page hop.
pub(crate) fn page_label(role: Role, url: &str) -> String {
    let what = match role {
        Role::ConsentPage => "consent page",
        Role::LoginPage => "login page",
        Role::ByoaLogin => "login page (your login endpoint)",
        Role::ErrorPage => "error page",
        Role::Authorize => "authorization request",
        Role::ClientCallback => "client callback",
        _ => "page",
    };
    match host_of(url) {
        Some(host) => format!("{what} on {host}"),
        None => what.to_string(),
    }
}
