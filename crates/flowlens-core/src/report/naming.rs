//! What names a flow for a person, never a browser's tab id: the page it started from (its
//! title and host), when, the authorization server's host and the host the client's
//! `redirect_uri` points at.

use serde::{Deserialize, Serialize};

use crate::flow::{Flow, Role};
use crate::params::UrlParams;
use crate::trace::{Exchange, NavigationKind, Trace};

/// Where and when a flow started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowStart {
    /// The flow's first hop (ms since the Unix epoch).
    pub time_ms: f64,
    /// The host (and port, when not the default) of the page the flow started from: the
    /// client's page that made the first request or sent the user to authorize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_host: Option<String>,
    /// That page's title, when the recording holds a snapshot of it (page-controlled text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
}

/// `host` or `host:port` of a URL with a host.
pub fn host_and_port(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

pub(crate) fn start(trace: &Trace, flow: &Flow) -> Option<FlowStart> {
    let first = flow.hops.first()?;
    let first_ex = &trace.exchanges[first.exchange];
    let page = start_page_url(trace, flow, first.exchange, first_ex);
    let page_host = page.as_deref().and_then(host_and_port);
    let page_title = page
        .as_deref()
        .and_then(|url| title_of(trace, url, page_host.as_deref(), first_ex.time_ms));
    Some(FlowStart {
        time_ms: first_ex.time_ms,
        page_host,
        page_title,
    })
}

/// The page the flow started from: who made the first request (its initiator), who sent the
/// user to authorize (the `Referer` or `Origin` of the authorization request), or the last
/// page the tab loaded before the flow.
fn start_page_url(trace: &Trace, flow: &Flow, first: usize, first_ex: &Exchange) -> Option<String> {
    // A page of a `.invalid` host (RFC 6761) cannot exist: it is a tool's stand-in origin,
    // such as the one the probe sends.
    let web = |url: &str| {
        (url.starts_with("https://") || url.starts_with("http://"))
            && url::Url::parse(url)
                .ok()
                .and_then(|u| {
                    u.host_str()
                        .map(|h| !h.ends_with(".invalid") && h != "invalid")
                })
                .unwrap_or(false)
    };
    let authorize = flow.authorize.map(|i| &trace.exchanges[i]);
    let candidates = [
        first_ex.initiator.clone(),
        first_ex.request_header("Origin").map(str::to_string),
        authorize.and_then(|ex| ex.initiator.clone()),
        authorize.and_then(|ex| ex.request_header("Referer").map(str::to_string)),
        authorize.and_then(|ex| ex.request_header("Origin").map(str::to_string)),
    ];
    let from_requests = candidates.into_iter().flatten().find(|u| {
        web(u)
            && !flow
                .hops
                .iter()
                .any(|h| trace.exchanges[h.exchange].url == *u)
    });
    from_requests.or_else(|| {
        // The last page the same tab committed before the flow's first hop.
        let tab = first_ex.tab.as_ref();
        let navigation = trace
            .navigations
            .iter()
            .filter(|n| n.kind == NavigationKind::Committed && n.time_ms <= first_ex.time_ms)
            .filter(|n| tab.is_none() || n.tab.as_ref() == tab)
            .map(|n| n.url.clone())
            .next_back();
        let document = trace.exchanges[..first]
            .iter()
            .rev()
            .find(|ex| ex.is_document() && (tab.is_none() || ex.tab.as_ref() == tab))
            .map(|ex| ex.url.clone());
        navigation.or(document).filter(|u| web(u))
    })
}

/// The title of the start page: a snapshot of that very page, or else the latest snapshot
/// of its host taken before the flow started.
fn title_of(trace: &Trace, url: &str, host: Option<&str>, before_ms: f64) -> Option<String> {
    let without_fragment = |u: &str| u.split('#').next().unwrap_or(u).to_string();
    let wanted = without_fragment(url);
    let titled = trace
        .pages
        .iter()
        .filter(|p| p.title.as_deref().is_some_and(|t| !t.trim().is_empty()));
    let exact = titled.clone().rfind(|p| without_fragment(&p.url) == wanted);
    let same_host = || {
        titled
            .clone()
            .rfind(|p| p.time_ms <= before_ms && host_and_port(&p.url).as_deref() == host)
    };
    exact
        .or_else(same_host)
        .and_then(|p| p.title.as_deref())
        .map(|t| t.trim().to_string())
}

/// The host of the authorization server: the authorization request's, or the metadata's when
/// the flow stopped before it.
pub(crate) fn authorization_server_host(trace: &Trace, flow: &Flow) -> Option<String> {
    let hop = flow
        .authorize
        .or_else(|| flow.first_with(Role::AuthorizationServerMetadata))?;
    host_and_port(&trace.exchanges[hop].url)
}

/// The host the client's `redirect_uri` points at, with its scheme when it is not http or
/// https (`cursor://callback`), or the callback's when the authorization request did not say.
pub(crate) fn redirect_host(trace: &Trace, flow: &Flow) -> Option<String> {
    let requested = flow.authorize.and_then(|i| {
        UrlParams::of(&trace.exchanges[i].url)
            .get("redirect_uri")
            .map(str::to_string)
    });
    let url = requested.or_else(|| flow.end.as_ref().map(|e| e.url.clone()))?;
    let host = host_and_port(&url);
    match crate::params::scheme_of(&url) {
        Some(scheme) if scheme != "http" && scheme != "https" => Some(match host {
            Some(host) => format!("{scheme}://{host}"),
            None => format!("{scheme}:"),
        }),
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, TraceBuilder};
    use crate::Profile;

    fn flows(trace: &Trace) -> Vec<Flow> {
        crate::flow::reconstruct(trace, &Profile::default())
    }

    #[test]
    fn names_the_good_flow_by_its_hosts_and_start() {
        let trace = good_flow().build();
        let flow = &flows(&trace)[0];
        assert_eq!(
            authorization_server_host(&trace, flow).as_deref(),
            Some("auth.acme.test")
        );
        assert_eq!(
            redirect_host(&trace, flow).as_deref(),
            Some("app.acme.test")
        );
        let start = start(&trace, flow).expect("start");
        assert_eq!(
            start.time_ms,
            trace.exchanges[flow.hops[0].exchange].time_ms
        );
    }

    #[test]
    fn the_start_page_comes_from_the_initiator_or_the_referer_and_its_snapshot() {
        let trace = TraceBuilder::new()
            .get("https://app.acme.test/connect")
            .page(200)
            .snapshot(|p| p.title = Some("  Acme Calendar: connect  ".into()))
            .get(&crate::testing::good_authorize_url())
            .request_header("Referer", "https://app.acme.test/connect")
            .redirect(302, "https://app.acme.test/callback?code=c&state=s")
            .page(200)
            .build();
        let flow = &flows(&trace)[0];
        let start = start(&trace, flow).expect("start");
        assert_eq!(start.page_host.as_deref(), Some("app.acme.test"));
        assert_eq!(start.page_title.as_deref(), Some("Acme Calendar: connect"));
    }

    #[test]
    fn a_stand_in_origin_is_no_start_page() {
        let trace = good_flow()
            .with_request_header(0, "Origin", "https://flowlens.invalid")
            .build();
        let flow = &flows(&trace)[0];
        assert_eq!(start(&trace, flow).expect("start").page_host, None);
    }

    #[test]
    fn a_custom_scheme_callback_is_named_by_its_scheme_and_ports_are_kept() {
        let trace = TraceBuilder::new()
            .get("https://127.0.0.1:3002/auth?response_type=code&client_id=c&redirect_uri=cursor%3A%2F%2Fcb&state=s")
            .redirect(302, "cursor://cb?code=c&state=s")
            .build();
        let flow = &flows(&trace)[0];
        assert_eq!(redirect_host(&trace, flow).as_deref(), Some("cursor://cb"));
        assert_eq!(
            authorization_server_host(&trace, flow).as_deref(),
            Some("127.0.0.1:3002")
        );
    }

    #[test]
    fn the_origin_of_a_browser_client_names_the_start_and_nothing_is_made_up() {
        let trace = good_flow_with_pages().build();
        let flow = &flows(&trace)[0];
        let start = start(&trace, flow).expect("start");
        assert_eq!(start.page_host.as_deref(), Some("app.acme.test"));
        // The first snapshot of the fixture is the login page, taken after the start: no title.
        assert_eq!(start.page_title, None);
        // Without an initiator, an Origin, a Referer or an earlier page: no start page.
        let trace = good_flow().build();
        let start = super::start(&trace, &flows(&trace)[0]).expect("start");
        assert_eq!(start.page_host, None);
        assert_eq!(start.page_title, None);
    }
}
