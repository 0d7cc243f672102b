//! Flow reconstruction: finding the authorization flows in a trace and giving each hop a role.
//!
//! A flow starts at an authorization request (a page load carrying `response_type` and
//! `client_id`) and takes in the discovery that preceded it (the MCP 401 challenge, metadata,
//! client registration). It follows the page-load chain (redirects and documents of the same
//! tab) until the authorization response reaches the client's `redirect_uri` (as a request, as
//! the `Location` of the last redirect for clients whose callback is not http, or as a
//! navigation for fragments), then takes in the token request and the authorized MCP calls.
//! A 401 challenge with no authorization request after it still makes a flow, so a capture
//! that stopped early (or a probe, which never goes further) is reported rather than ignored;
//! so does an MCP request answered 401 with a broken challenge.
//!
//! Each exchange belongs to at most one flow; several flows in one trace are reported apart.

use serde::Serialize;

use crate::limits::NEARBY_EXCHANGES;
use crate::params::{url_without_query, Params, RawParam, UrlParams};
use crate::profile::Profile;
use crate::stdx::sort::sort_by_key;
use crate::trace::{Exchange, PageSnapshot, Param, ResourceType, Trace};
use crate::vendor;

pub mod reach;
pub(crate) mod roles;

pub(crate) use reach::Keeper;
pub use roles::Role;

/// How far back before the authorization request discovery is looked for. The extension
/// keeps about 60 s; HAR files keep everything, and a user may pause on a client's screen.
const DISCOVERY_WINDOW_MS: f64 = 5.0 * 60.0 * 1000.0;
/// How long after the authorization response the token request and MCP calls are looked for.
const FOLLOW_UP_WINDOW_MS: f64 = 10.0 * 60.0 * 1000.0;
/// How long after the authorization request its page chain is followed: twice what a login
/// request lives (about 10 minutes, 15 at most), so that `byoa-timing` still sees a login that
/// took too long, while a page loaded an hour later in the same tab is not part of the flow.
/// (The extension's recorder stops an unfinished flow after 15 minutes.)
const CHAIN_WINDOW_MS: f64 = 30.0 * 60.0 * 1000.0;

/// One reconstructed authorization flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flow {
    pub index: usize,
    /// The hops of the flow in trace order.
    pub hops: Vec<Hop>,
    /// The exchange index of the authorization request, when it was observed.
    pub authorize: Option<usize>,
    /// The authorization response, when it was observed.
    pub end: Option<FlowEnd>,
    /// Facts read from the HTML of the flow's pages that have no snapshot (see
    /// [`crate::page::html`]), kept so that the rules judge what the roles were inferred from.
    #[serde(skip)]
    pub html_pages: Vec<HtmlPage>,
}

/// One exchange of a flow and what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Index into [`Trace::exchanges`].
    pub exchange: usize,
    pub role: Role,
    /// How a page's role was inferred ("consent page: \"Allow\"/\"Deny\" actions, listing 2
    /// scopes"), for roles that come from what the page shows or where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A page's facts read from its HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlPage {
    pub exchange: usize,
    pub facts: PageSnapshot,
    /// The HTML is a shell that scripts fill in: what it lacks proves nothing.
    pub scripted: bool,
}

/// Where and how the authorization response was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowEnd {
    /// The exchange that carried it: the callback request itself, or the redirect whose
    /// `Location` points at the callback.
    pub exchange: usize,
    /// The callback URL with its parameters (fragment included when a navigation showed it).
    pub url: String,
    pub via: EndVia,
    /// The index into [`Trace::navigations`] that showed the full URL, when one did.
    pub navigation: Option<usize>,
    /// The response parameters of a `form_post` response (the fields the page POSTed to the
    /// callback); `None` for responses in the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<Vec<Param>>,
}

crate::vocab::string_enum! {
    /// How the end of a flow was seen.
    pub enum EndVia {
        /// The browser requested the callback URL.
        Request => "request",
        /// Only the `Location` of a redirect shows it (custom-scheme or unreachable callback).
        Location => "location",
        /// A page of the authorization server POSTed it to the callback (`response_mode=form_post`).
        FormPost => "form-post",
    }
}

impl FlowEnd {
    /// The authorization response's parameters, wherever they were: the query, the fragment
    /// (implicit flow, `response_mode=fragment`) or the form of a `form_post` (read as the
    /// query: it is what the client's callback receives).
    pub fn params(&self) -> UrlParams {
        match &self.form {
            Some(form) => UrlParams {
                query: Params(
                    form.iter()
                        .map(|p| RawParam {
                            name: p.name.clone(),
                            value: p.value.clone(),
                            raw: url::form_urlencoded::byte_serialize(p.value.as_bytes()).collect(),
                        })
                        .collect(),
                ),
                fragment: Params::default(),
            },
            None => UrlParams::of(&self.url),
        }
    }

    /// Where the response's parameters were: `query`, `fragment` or `form_post`.
    pub fn mode(&self) -> &'static str {
        if self.form.is_some() {
            "form_post"
        } else if UrlParams::of(&self.url).fragment.is_empty() {
            "query"
        } else {
            "fragment"
        }
    }
}

impl Flow {
    pub fn hops_with(&self, role: Role) -> impl Iterator<Item = usize> + '_ {
        self.hops
            .iter()
            .filter(move |h| h.role == role)
            .map(|h| h.exchange)
    }

    pub fn first_with(&self, role: Role) -> Option<usize> {
        self.hops_with(role).next()
    }

    pub fn role_of(&self, exchange: usize) -> Option<Role> {
        self.hops
            .iter()
            .find(|h| h.exchange == exchange)
            .map(|h| h.role)
    }

    pub fn contains(&self, exchange: usize) -> bool {
        self.role_of(exchange).is_some()
    }
}

/// Finds every authorization flow in the trace.
pub fn reconstruct(trace: &Trace, profile: &Profile) -> Vec<Flow> {
    let mut builder = Builder {
        trace,
        profile,
        claimed: vec![false; trace.exchanges.len()],
        html_pages: Vec::new(),
    };
    let starts: Vec<usize> = (0..trace.exchanges.len())
        .filter(|&i| builder.is_authorization_request(i))
        .collect();

    let mut flows = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        if builder.claimed[start] {
            continue; // an authorization request that is a hop of an earlier flow's chain
        }
        let next_start = starts.get(n + 1).copied();
        flows.push(builder.flow_from_authorize(start, next_start));
    }
    // Discovery that never led to an authorization request (capture stopped early).
    for i in 0..trace.exchanges.len() {
        if !builder.claimed[i] && roles::starts_discovery(&trace.exchanges[i]) {
            flows.push(builder.flow_from_challenge(i));
        }
    }
    sort_by_key(&mut flows, first_exchange);
    for (index, flow) in flows.iter_mut().enumerate() {
        flow.index = index;
        sort_by_key(&mut flow.hops, |h| h.exchange);
    }
    flows
}

fn first_exchange(flow: &Flow) -> usize {
    flow.hops
        .iter()
        .map(|h| h.exchange)
        .min()
        .unwrap_or(usize::MAX)
}

struct Builder<'a> {
    trace: &'a Trace,
    profile: &'a Profile,
    claimed: Vec<bool>,
    /// HTML facts of the pages of the flow being built.
    html_pages: Vec<HtmlPage>,
}

impl Builder<'_> {
    fn exchange(&self, i: usize) -> &Exchange {
        &self.trace.exchanges[i]
    }

    fn is_authorization_request(&self, i: usize) -> bool {
        let ex = self.exchange(i);
        carries_authorization_request(ex) && (ex.is_document() || self.is_redirect_target(i))
    }

    /// Some earlier exchange of the same tab redirected to exactly this URL.
    fn is_redirect_target(&self, i: usize) -> bool {
        self.redirect_source(i).is_some()
    }

    fn redirect_source(&self, i: usize) -> Option<usize> {
        let ex = self.exchange(i);
        (0..i).rev().take(NEARBY_EXCHANGES).find(|&j| {
            let prev = self.exchange(j);
            same_tab(prev, ex) && prev.redirect_target().as_deref() == Some(ex.url.as_str())
        })
    }

    fn claim(&mut self, hops: &mut Vec<Hop>, exchange: usize, role: Role) {
        self.claim_because(hops, exchange, role, None);
    }

    fn claim_because(
        &mut self,
        hops: &mut Vec<Hop>,
        exchange: usize,
        role: Role,
        reason: Option<String>,
    ) {
        if !self.claimed[exchange] {
            self.claimed[exchange] = true;
            hops.push(Hop {
                exchange,
                role,
                reason,
            });
        }
    }

    /// What the page at exchange `i` shows: its snapshot, else facts read from its HTML
    /// (kept for the rules; without the `html` feature, only snapshots).
    fn page_facts(&mut self, i: usize) -> Option<&PageSnapshot> {
        if let Some(snapshot) = roles::snapshot_for(self.trace, i) {
            return Some(snapshot);
        }
        self.html_facts(i)
    }

    #[cfg(not(feature = "html"))]
    fn html_facts(&mut self, _: usize) -> Option<&PageSnapshot> {
        None
    }

    #[cfg(feature = "html")]
    fn html_facts(&mut self, i: usize) -> Option<&PageSnapshot> {
        if let Some(n) = self.html_pages.iter().position(|p| p.exchange == i) {
            return Some(&self.html_pages[n].facts);
        }
        let ex = self.exchange(i);
        let body = ex.response.as_ref()?.body.as_ref()?;
        let is_html = ex
            .response_mime()
            .is_some_and(|m| m.to_ascii_lowercase().contains("html"))
            || body.text.trim_start().starts_with('<');
        if !is_html || body.text.is_empty() {
            return None;
        }
        let html =
            crate::stdx::cut::prefix_at_char_boundary(&body.text, crate::page::html::MAX_HTML_SCAN);
        let cut = body.truncated || html.len() < body.text.len();
        let facts = crate::page::html::snapshot_from_html(&ex.url, html, cut);
        let scripted = crate::page::html::looks_scripted(&facts, html);
        self.html_pages.push(HtmlPage {
            exchange: i,
            facts,
            scripted,
        });
        self.html_pages.last().map(|p| &p.facts)
    }

    fn flow_from_authorize(&mut self, start: usize, next_start: Option<usize>) -> Flow {
        let mut hops = Vec::new();
        self.claim(&mut hops, start, Role::Authorize);
        let redirect_uri = UrlParams::of(&self.exchange(start).url)
            .query
            .get("redirect_uri")
            .map(str::to_string);

        let end = self.follow_chain(start, next_start, redirect_uri.as_deref(), &mut hops);
        if let Some(end) = &end {
            self.consent_before_code(end, &mut hops);
        }
        self.take_discovery(start, &mut hops);
        // Follow-ups first: a browser client's token request and MCP calls carry the callback
        // page as Referer and would otherwise pass for that page's subresources.
        if let Some(end) = &end {
            self.take_follow_ups(end, &mut hops);
        }
        self.take_subresources(start, end.as_ref(), &mut hops);
        Flow {
            index: 0,
            hops,
            authorize: Some(start),
            end,
            html_pages: std::mem::take(&mut self.html_pages),
        }
    }

    /// No page was recognized as consent, but a code came back: the last page the user saw
    /// before the redirect carrying it is the consent page when it asks nothing but a
    /// decision (an approve action, no credentials).
    fn consent_before_code(&mut self, end: &FlowEnd, hops: &mut [Hop]) {
        if hops.iter().any(|h| h.role == Role::ConsentPage) || !end.params().has("code") {
            return;
        }
        let Some(last) = hops
            .iter()
            .filter(|h| h.exchange < end.exchange && h.role.is_seen_page())
            .map(|h| h.exchange)
            .max()
        else {
            return;
        };
        let Some(hop) = hops.iter_mut().find(|h| h.exchange == last) else {
            return;
        };
        if hop.role != Role::Page {
            return;
        }
        let Some(facts) = self.page_facts(last) else {
            return;
        };
        if let Some(action) = crate::page::kind::approve_action(facts) {
            hop.role = Role::ConsentPage;
            hop.reason = Some(format!(
                "consent page: the last page before the redirect carrying the code, with an approve action ({})",
                crate::page::kind::quoted(action)
            ));
        }
    }

    fn flow_from_challenge(&mut self, challenge: usize) -> Flow {
        let mut hops = Vec::new();
        self.claim(&mut hops, challenge, Role::McpRequest);
        let tab = self.exchange(challenge).tab.clone();
        let t0 = self.exchange(challenge).time_ms;
        for i in challenge + 1..self.trace.exchanges.len() {
            let ex = self.exchange(i);
            if self.claimed[i] || ex.tab != tab || ex.time_ms - t0 > FOLLOW_UP_WINDOW_MS {
                continue;
            }
            if let Some(role) = roles::discovery_role(ex) {
                self.claim(&mut hops, i, role);
            }
        }
        Flow {
            index: 0,
            hops,
            authorize: None,
            end: None,
            html_pages: Vec::new(),
        }
    }

    /// Follows the page loads from the authorization request to the client callback.
    fn follow_chain(
        &mut self,
        start: usize,
        next_start: Option<usize>,
        redirect_uri: Option<&str>,
        hops: &mut Vec<Hop>,
    ) -> Option<FlowEnd> {
        let authorize = self.exchange(start);
        let (tab, t0) = (authorize.tab.clone(), authorize.time_ms);
        let mut current = start;
        for i in start..self.trace.exchanges.len() {
            if Some(i) == next_start {
                break;
            }
            let ex = self.exchange(i);
            if ex.time_ms - t0 > CHAIN_WINDOW_MS {
                break;
            }
            if i != start {
                if self.claimed[i] || !same_tab_opt(&tab, ex) {
                    continue;
                }
                let target = self.exchange(current).redirect_target();
                let followed = target
                    .as_deref()
                    .is_some_and(|t| url_before_fragment(t) == ex.url.as_str());
                if !(followed || ex.is_document()) {
                    continue;
                }
                let location = target.filter(|_| followed);
                if let Some(end) = self.end_at_request(i, redirect_uri, location.as_deref()) {
                    self.claim(hops, i, Role::ClientCallback);
                    return Some(end);
                }
                let (trace, profile) = (self.trace, self.profile);
                let facts = self.page_facts(i);
                let (role, reason) = roles::page_role(trace, i, profile, facts);
                self.claim_because(hops, i, role, reason);
                current = i;
            }
            if let Some(end) = self.end_at_location(i, redirect_uri) {
                return Some(end);
            }
        }
        None
    }

    /// The request at `i` is the callback at the client's `redirect_uri`. `location` is the
    /// redirect target that led to it, which keeps the fragment the request drops.
    fn end_at_request(
        &self,
        i: usize,
        redirect_uri: Option<&str>,
        location: Option<&str>,
    ) -> Option<FlowEnd> {
        let ex = self.exchange(i);
        let url = &ex.url;
        let form_post = ex.method.eq_ignore_ascii_case("POST")
            && ex.form.as_ref().is_some_and(|f| {
                f.iter()
                    .any(|p| RESPONSE_PARAMS.contains(&p.name.as_str()) || p.name == "state")
            });
        if form_post {
            let to_callback = match redirect_uri {
                Some(expected) => same_endpoint(url, expected),
                None => ex.form_value("code").is_some() || ex.form_value("error").is_some(),
            };
            if !to_callback {
                return None;
            }
            return Some(FlowEnd {
                exchange: i,
                url: url.clone(),
                via: EndVia::FormPost,
                navigation: None,
                form: ex.form.clone(),
            });
        }
        if !is_callback_url(url, redirect_uri) {
            return None;
        }
        let navigation = self.navigation_for(url, ex.time_ms);
        let with_fragment = location.filter(|l| l.contains('#'));
        Some(FlowEnd {
            exchange: i,
            url: navigation
                .map(|n| self.trace.navigations[n].url.clone())
                .or_else(|| with_fragment.map(str::to_string))
                .unwrap_or_else(|| url.clone()),
            via: EndVia::Request,
            navigation,
            form: None,
        })
    }

    /// The redirect at `i` points at the callback but the browser never requested it: a
    /// custom-scheme callback of a desktop client, or a fragment-only response.
    fn end_at_location(&self, i: usize, redirect_uri: Option<&str>) -> Option<FlowEnd> {
        let target = self.exchange(i).redirect_target()?;
        if !is_callback_url(&target, redirect_uri) {
            return None;
        }
        let requested = self.trace.exchanges[i + 1..]
            .iter()
            .take(NEARBY_EXCHANGES)
            .any(|e| e.url == url_before_fragment(&target));
        if requested {
            return None; // the chain will reach the request itself
        }
        Some(FlowEnd {
            exchange: i,
            navigation: self.navigation_for(&target, self.exchange(i).time_ms),
            url: target,
            via: EndVia::Location,
            form: None,
        })
    }

    /// A navigation that committed this URL (it carries the fragment webRequest never sees).
    fn navigation_for(&self, url: &str, after_ms: f64) -> Option<usize> {
        let base = url_before_fragment(url);
        self.trace
            .navigations
            .iter()
            .position(|n| url_before_fragment(&n.url) == base && n.time_ms >= after_ms - 1.0)
    }

    /// Discovery usually runs in the tab that then loads the authorization request. Clients
    /// such as MCP Inspector discover in one tab and authorize in another; discovery from
    /// another tab joins the flow when it talks to this flow's hosts (the authorization
    /// server's or the `resource`'s).
    fn take_discovery(&mut self, start: usize, hops: &mut Vec<Hop>) {
        let authorize = self.exchange(start);
        let (t0, tab) = (authorize.time_ms, authorize.tab.clone());
        let params = UrlParams::of(&authorize.url).query;
        let flow_hosts: Vec<String> = [Some(authorize.url.as_str()), params.get("resource")]
            .into_iter()
            .flatten()
            .filter_map(crate::params::host_of)
            .collect();
        for i in (0..start).rev() {
            let ex = self.exchange(i);
            if t0 - ex.time_ms > DISCOVERY_WINDOW_MS {
                break;
            }
            if self.claimed[i] {
                continue;
            }
            let same_tab = same_tab_opt(&tab, ex);
            if same_tab && self.is_authorization_request(i) {
                break; // an earlier flow's territory
            }
            let Some(role) = roles::discovery_role(ex) else {
                continue;
            };
            let to_flow_host =
                crate::params::host_of(&ex.url).is_some_and(|h| flow_hosts.contains(&h));
            if same_tab || to_flow_host {
                self.claim(hops, i, role);
            }
        }
    }

    /// Resources the flow's pages loaded: what the mixed-content, referrer and allow-list
    /// checks look at.
    fn take_subresources(&mut self, start: usize, end: Option<&FlowEnd>, hops: &mut Vec<Hop>) {
        let page_urls: Vec<String> = hops
            .iter()
            .filter(|h| h.role.is_page())
            .map(|h| self.exchange(h.exchange).url.clone())
            .collect();
        let tab = self.exchange(start).tab.clone();
        let last = end
            .map(|e| e.exchange + 1)
            .unwrap_or(self.trace.exchanges.len());
        let last = (last + NEARBY_EXCHANGES).min(self.trace.exchanges.len());
        for i in start..last {
            let ex = self.exchange(i);
            if self.claimed[i] || ex.is_document() || !same_tab_opt(&tab, ex) {
                continue;
            }
            let loaded_by_flow_page = ex
                .request_header("referer")
                .or(ex.initiator.as_deref())
                .is_some_and(|r| page_urls.iter().any(|p| same_page(p, r)));
            if loaded_by_flow_page {
                self.claim(hops, i, Role::Subresource);
            }
        }
    }

    fn take_follow_ups(&mut self, end: &FlowEnd, hops: &mut Vec<Hop>) {
        let code = end.params().get("code").map(str::to_string);
        let t_end = self.exchange(end.exchange).time_ms;
        let resource = hops
            .iter()
            .find(|h| h.role == Role::Authorize)
            .and_then(|h| {
                UrlParams::of(&self.exchange(h.exchange).url)
                    .query
                    .get("resource")
                    .map(str::to_string)
            });
        // Refresh tokens this flow's token responses issued: their refreshes belong to it.
        let mut refresh_tokens: Vec<String> = Vec::new();
        for i in end.exchange + 1..self.trace.exchanges.len() {
            let ex = self.exchange(i);
            if ex.time_ms - t_end > FOLLOW_UP_WINDOW_MS {
                break;
            }
            if self.claimed[i] {
                continue;
            }
            let grant_type = ex.form_value("grant_type");
            let redeems_code = grant_type == Some("authorization_code")
                && (code.is_none() || ex.form_value("code") == code.as_deref());
            let refreshes = grant_type == Some("refresh_token")
                && ex
                    .form_value("refresh_token")
                    .is_some_and(|t| refresh_tokens.iter().any(|r| r == t));
            if redeems_code || refreshes {
                refresh_tokens.extend(issued_refresh_token(ex));
                self.claim(hops, i, Role::TokenRequest);
            } else if roles::is_mcp_request(ex)
                && resource
                    .as_deref()
                    .is_none_or(|r| url_without_query(&ex.url) == r)
            {
                self.claim(hops, i, Role::McpRequest);
            }
        }
    }
}

/// The request's query has `response_type` and `client_id`: an authorization request when it
/// is also a page load.
pub(crate) fn carries_authorization_request(ex: &Exchange) -> bool {
    let params = UrlParams::of(&ex.url).query;
    params.has("response_type") && params.has("client_id")
}

/// Parameters that make an authorization response.
const RESPONSE_PARAMS: &[&str] = &["code", "error", "access_token", "id_token"];

/// The refresh token a token response issued, when its body shows one.
fn issued_refresh_token(ex: &Exchange) -> Option<String> {
    let body = ex.response_body_text().filter(|t| t.len() <= 1024 * 1024)?;
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("refresh_token")?.as_str().map(str::to_string)
}

/// The URL is an authorization response at the client's `redirect_uri`.
fn is_callback_url(url: &str, redirect_uri: Option<&str>) -> bool {
    let params = UrlParams::of(url);
    let carries_response = RESPONSE_PARAMS.iter().any(|p| params.has(p));
    match redirect_uri {
        Some(expected) => same_endpoint(url, expected),
        // Without a redirect_uri the callback is the first hop carrying a response that is not
        // part of the authorization server's own pages.
        None => carries_response && !params.query.has("response_type"),
    }
}

/// Scheme, host, port and path are equal (host case and default ports do not matter; the
/// path does, byte for byte, as redirect URI matching requires).
pub fn same_endpoint(a: &str, b: &str) -> bool {
    let (a, b) = (url_without_query(a), url_without_query(b));
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(x), Ok(y)) => {
            x.scheme() == y.scheme()
                && x.host_str() == y.host_str()
                && x.port_or_known_default() == y.port_or_known_default()
                && x.path() == y.path()
        }
        _ => a == b,
    }
}

fn url_before_fragment(url: &str) -> &str {
    url.split_once('#').map(|(u, _)| u).unwrap_or(url)
}

fn same_tab(a: &Exchange, b: &Exchange) -> bool {
    a.tab.is_none() || b.tab.is_none() || a.tab == b.tab
}

fn same_tab_opt(tab: &Option<String>, ex: &Exchange) -> bool {
    tab.is_none() || ex.tab.is_none() || *tab == ex.tab
}

/// A referrer or initiator designates this page (Referer is often cut to the origin).
fn same_page(page_url: &str, referrer: &str) -> bool {
    let page = url_without_query(page_url);
    let referrer = url_without_query(referrer);
    page == referrer || page.starts_with(referrer.trim_end_matches('/')) && origin_only(referrer)
}

fn origin_only(url: &str) -> bool {
    url.splitn(4, '/').nth(3).is_none_or(|path| path.is_empty())
}

/// True when the exchange is a top-level page of the flow the user could see.
pub fn is_user_visible(ex: &Exchange) -> bool {
    ex.is_document()
        && !matches!(ex.status(), Some(300..=399))
        && ex.resource_type != ResourceType::Fetch
}

/// Host facts a rule often needs, in one place.
pub fn host_is_vendor_default(url: &str) -> bool {
    crate::params::host_of(url).is_some_and(|h| vendor::is_vendor_default(&h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, TraceBuilder};
    use crate::trace::NavigationKind;

    fn roles(trace: &Trace) -> Vec<Vec<(usize, &'static str)>> {
        reconstruct(trace, &Profile::default())
            .iter()
            .map(|f| {
                f.hops
                    .iter()
                    .map(|h| (h.exchange, h.role.as_str()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn gives_every_hop_of_the_good_flow_its_role() {
        let trace = good_flow().build();
        assert_eq!(
            roles(&trace),
            vec![vec![
                (0, "mcp-request"),
                (1, "protected-resource-metadata"),
                (2, "authorization-server-metadata"),
                (3, "client-registration"),
                (4, "authorize"),
                (5, "byoa-login"),
                (6, "redirect"),
                (7, "byoa-callback"),
                (8, "consent-page"),
                (9, "redirect"),
                (10, "client-callback"),
                (11, "token-request"),
            ]]
        );
        let flows = reconstruct(&trace, &Profile::default());
        let end = flows[0].end.as_ref().expect("the flow ends");
        assert_eq!((end.exchange, end.via), (10, EndVia::Request));
    }

    #[test]
    fn the_callback_matches_whatever_the_host_case_or_default_port() {
        assert!(same_endpoint(
            "https://App.acme.test:443/callback?code=1",
            "https://app.acme.test/callback"
        ));
        assert!(!same_endpoint(
            "https://app.acme.test/Callback",
            "https://app.acme.test/callback"
        ));
        assert!(!same_endpoint(
            "https://app.acme.test:8443/callback",
            "https://app.acme.test/callback"
        ));
        assert!(same_endpoint("cursor://cb?code=1", "cursor://cb"));
    }

    #[test]
    fn a_token_request_from_the_callback_page_is_a_token_request() {
        let trace = good_flow()
            .edit(|t| {
                let token = t.exchanges.len() - 1;
                t.exchanges[token]
                    .request_headers
                    .push(crate::trace::Header::new(
                        "Referer",
                        "https://app.acme.test/",
                    ));
            })
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        assert_eq!(flows[0].role_of(11), Some(Role::TokenRequest));
    }

    #[test]
    fn reports_two_flows_apart() {
        let mut trace = good_flow().build();
        let second = good_flow().build();
        let offset = trace.exchanges.len();
        trace
            .exchanges
            .extend(second.exchanges.into_iter().map(|mut e| {
                e.time_ms += 3_600_000.0;
                e
            }));
        let flows = reconstruct(&trace, &Profile::default());
        assert_eq!(flows.len(), 2);
        assert_eq!(flows[1].authorize, Some(offset + 4));
        assert!(flows[0].hops.iter().all(|h| h.exchange < offset));
    }

    #[test]
    fn ends_at_a_custom_scheme_callback_and_reads_fragments_from_navigations() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=cursor%3A%2F%2Fcb&state=s")
            .redirect(302, "cursor://cb?code=abc&state=s")
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        assert_eq!(flows[0].end.as_ref().map(|e| e.via), Some(EndVia::Location));

        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=token&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s")
            .redirect(302, "https://app.test/cb#access_token=t&state=s")
            .edit(|t| t.exchanges[1].url = "https://app.test/cb".into())
            .navigation("https://app.test/cb#access_token=t&state=s", NavigationKind::Committed)
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        let end = flows[0].end.as_ref().expect("the flow ends");
        assert!(end.url.contains("#access_token=t"), "{}", end.url);
    }

    #[test]
    fn reads_the_fragment_of_the_redirect_a_har_keeps() {
        // A HAR: the callback request has no fragment, the redirect's Location has it.
        let trace = TraceBuilder::new()
            .get("https://id.test/authorize?response_type=token&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s")
            .page(200)
            .post_form("https://id.test/code/authorize", &[("code", "123456")])
            .redirect(302, "https://app.test/cb#access_token=t&refresh_token=r&state=s")
            .edit(|t| t.exchanges[2].url = "https://app.test/cb".into())
            .page(200)
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        let end = flows[0].end.as_ref().expect("the flow ends");
        assert_eq!(end.exchange, 2);
        assert_eq!(end.mode(), "fragment");
        assert_eq!(end.params().get("state"), Some("s"));
    }

    #[test]
    fn reads_a_form_post_response() {
        let trace = TraceBuilder::new()
            .get("https://id.test/authorize?response_type=code&response_mode=form_post&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s%2B1")
            .html(200, r#"<form method="post" action="https://app.test/cb"><input type="hidden" name="code" value="abc"><input type="hidden" name="state" value="s+1"></form><script>document.forms[0].submit()</script>"#)
            .post_form("https://app.test/cb", &[("code", "abc"), ("state", "s+1")])
            .page(200)
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        let end = flows[0].end.as_ref().expect("the flow ends");
        assert_eq!((end.exchange, end.via), (1, EndVia::FormPost));
        assert_eq!(end.mode(), "form_post");
        let params = end.params();
        assert_eq!(params.get("code"), Some("abc"));
        let state = params.find("state").expect("state");
        assert_eq!((state.value.as_str(), state.raw.as_str()), ("s+1", "s%2B1"));
    }

    #[test]
    fn a_page_posting_to_itself_is_a_page_with_its_own_role() {
        // OpenAuth's passwordless sign-in: GET shows the email form, the POST answers 200
        // with the code form, the next POST redirects to the callback with the code.
        let email = r#"<form method="post"><input type="hidden" name="action" value="request"><input type="email" name="email"><button>Continue</button></form>"#;
        let code = r#"<form method="post"><input type="hidden" name="action" value="verify"><input type="text" name="code" autocomplete="one-time-code"><button>Continue</button></form>"#;
        let trace = TraceBuilder::new()
            .get("https://id.test/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s")
            .redirect(302, "https://id.test/code/authorize")
            .html(200, email)
            .post_form("https://id.test/code/authorize", &[("action", "request"), ("email", "a@b.test")])
            .html(200, code)
            .post_form("https://id.test/code/authorize", &[("action", "verify"), ("code", "123456")])
            .redirect(302, "https://app.test/cb?code=abc&state=s")
            .page(200)
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        let hops: Vec<(&str, Option<&str>)> = flows[0]
            .hops
            .iter()
            .map(|h| (h.role.as_str(), h.reason.as_deref()))
            .collect();
        assert_eq!(hops[1].0, "login-page");
        assert!(
            hops[1].1.is_some_and(|r| r.contains("identifier first")),
            "{hops:?}"
        );
        assert_eq!(hops[2].0, "login-page");
        assert!(
            hops[2].1.is_some_and(|r| r.contains("one-time code")),
            "{hops:?}"
        );
        assert_eq!(hops[3].0, "redirect");
        assert_eq!(hops[4].0, "client-callback");
    }

    #[test]
    fn the_last_page_before_the_code_is_the_consent_page_when_it_only_asks_to_continue() {
        let trace = TraceBuilder::new()
            .get("https://id.test/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&state=s")
            .redirect(302, "https://id.test/interaction/1")
            .html(200, r#"<h1>Hello</h1><form method="post"><button>Continue</button></form>"#)
            .post_form("https://id.test/interaction/1", &[])
            .redirect(302, "https://app.test/cb?code=abc&state=s")
            .page(200)
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        let hop = &flows[0].hops[1];
        assert_eq!(hop.role, Role::ConsentPage);
        assert!(
            hop.reason
                .as_deref()
                .is_some_and(|r| r.contains("last page before the redirect carrying the code")),
            "{hop:?}"
        );
    }

    #[test]
    fn a_401_with_a_broken_challenge_still_starts_discovery() {
        for header in [None, Some(r#"Bearer realm="OAuth""#)] {
            let trace = good_flow()
                .edit(|t| {
                    t.exchanges.truncate(3);
                    let r = t.exchanges[0].response.as_mut().expect("a response");
                    r.headers
                        .retain(|h| !h.name.eq_ignore_ascii_case("www-authenticate"));
                    if let Some(value) = header {
                        r.headers
                            .push(crate::trace::Header::new("WWW-Authenticate", value));
                    }
                })
                .build();
            assert_eq!(
                roles(&trace),
                vec![vec![
                    (0, "mcp-request"),
                    (1, "protected-resource-metadata"),
                    (2, "authorization-server-metadata"),
                ]],
                "{header:?}"
            );
        }
        // A 401 to something that is not an MCP request is not discovery.
        let trace = TraceBuilder::new()
            .fetch("GET", "https://app.acme.test/api/me")
            .status(401)
            .build();
        assert!(reconstruct(&trace, &Profile::default()).is_empty());
    }

    #[test]
    fn metadata_skips_error_answers_with_json_bodies() {
        let not_found = r#"{"error":"not_found"}"#;
        let trace = good_flow()
            .edit(|t| {
                t.exchanges.truncate(3);
                let mut miss = t.exchanges[2].clone();
                miss.url = "https://auth.acme.test/.well-known/oauth-authorization-server/x".into();
                let r = miss.response.as_mut().expect("a response");
                r.status = 404;
                r.body.as_mut().expect("a body").text = not_found.into();
                t.exchanges.insert(2, miss.clone());
                miss.url = "https://mcp.acme.test/.well-known/oauth-protected-resource/x".into();
                t.exchanges.insert(1, miss);
            })
            .build();
        let profile = Profile::default();
        let flows = reconstruct(&trace, &profile);
        let cx = crate::rules::Context::new(&trace, &flows[0], &profile);
        assert_eq!(cx.resource_metadata().map(|(i, _)| i), Some(2));
        assert_eq!(cx.as_metadata().map(|(i, _)| i), Some(4));
        assert_eq!(
            cx.issuer().as_deref(),
            Some("https://auth.acme.test/resources/res_1")
        );
    }

    #[test]
    fn a_discovery_only_flow_takes_its_auth_host_from_the_metadata() {
        let profile = Profile::default();
        let trace = good_flow().edit(|t| t.exchanges.truncate(3)).build();
        let flows = reconstruct(&trace, &profile);
        let cx = crate::rules::Context::new(&trace, &flows[0], &profile);
        assert_eq!(cx.auth_host().as_deref(), Some("auth.acme.test"));
        let (domains, assumption) = cx.custom_domains();
        assert_eq!(domains, ["auth.acme.test"]);
        assert!(assumption.is_some_and(|a| a.contains("authorization_endpoint")));

        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(3))
            .edit(|t| {
                let body = t.exchanges[2]
                    .response
                    .as_mut()
                    .and_then(|r| r.body.as_mut());
                let body = body.expect("metadata");
                body.text = body.text.replace(
                    "https://auth.acme.test/oauth/authorize",
                    "https://acme-x7q2.scalekit.com/oauth/authorize",
                );
            })
            .build();
        let flows = reconstruct(&trace, &profile);
        let cx = crate::rules::Context::new(&trace, &flows[0], &profile);
        assert_eq!(cx.auth_host().as_deref(), Some("acme-x7q2.scalekit.com"));
        assert_eq!(cx.custom_domains(), (Vec::new(), None));
    }

    #[test]
    fn discovery_in_another_tab_joins_the_flow_it_serves() {
        let trace = good_flow()
            .edit(|t| {
                for (i, ex) in t.exchanges.iter_mut().enumerate() {
                    ex.tab = Some(if i < 4 { "inspector" } else { "auth" }.into());
                }
            })
            .build();
        let flows = reconstruct(&trace, &Profile::default());
        assert_eq!(flows.len(), 1, "{flows:?}");
        assert_eq!(flows[0].first_with(Role::McpRequest), Some(0));
    }

    #[test]
    fn a_challenge_without_authorization_request_is_a_flow() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(3)).build();
        let flows = reconstruct(&trace, &Profile::default());
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].authorize, None);
        assert_eq!(flows[0].hops.len(), 3);
    }
}
