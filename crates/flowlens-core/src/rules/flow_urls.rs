//! Every URL a flow shows: what its hops requested, where its redirects pointed, what the
//! browser committed (fragments included), and the URLs its metadata documents announce.
//!
//! Shared by the rules that judge URLs wherever they appear (`env-production`,
//! `https-everywhere`, `oauth-no-tokens-in-url`), so that all of them look at the same set.

use crate::check::Evidence;
use crate::flow::Role;
use crate::params::url_without_query;
use crate::rules::Context;

/// How long after the flow's last page navigations are still taken as part of it (a client
/// that moves a token from the fragment with `history.replaceState` does it right away).
const NAVIGATION_GRACE_MS: f64 = 5_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlSource {
    /// The URL of a hop's request.
    Request,
    /// The `Location` of a hop's redirect response, resolved, when no hop requested it.
    Location,
    /// A navigation the browser committed, when no hop carries the same URL.
    Navigation,
}

#[derive(Debug, Clone)]
pub(crate) struct FlowUrl {
    pub url: String,
    /// The hop that requested the URL, or that redirected to it.
    pub hop: Option<usize>,
    /// The role of what this URL loads, when known.
    pub role: Option<Role>,
    pub source: UrlSource,
}

impl FlowUrl {
    pub(crate) fn evidence(&self, note: &str) -> Evidence {
        match (self.source, self.hop) {
            (UrlSource::Request, Some(hop)) => Evidence::hop(hop, &self.url, note),
            (UrlSource::Location, Some(hop)) => Evidence::hop(hop, &self.url, note)
                .field("location", Some(&crate::redact::mask_url(&self.url))),
            _ => Evidence::url(&self.url, format!("{note} (navigation)")),
        }
    }

    /// "hop 5 (byoa-login)", "the redirect of hop 9", "a navigation".
    pub(crate) fn place(&self) -> String {
        match (self.source, self.hop, self.role) {
            (UrlSource::Request, Some(hop), Some(role)) => format!("hop {hop} ({role})"),
            (UrlSource::Location, Some(hop), _) => format!("the redirect of hop {hop}"),
            _ => "a navigation".to_string(),
        }
    }
}

/// Every URL of the flow, requests first, then redirect targets and navigations that no
/// request carries.
pub(crate) fn flow_urls(cx: &Context<'_>) -> Vec<FlowUrl> {
    let mut urls: Vec<FlowUrl> = cx
        .all_hops()
        .map(|(i, role, ex)| FlowUrl {
            url: ex.url.clone(),
            hop: Some(i),
            role: Some(role),
            source: UrlSource::Request,
        })
        .collect();
    let end = cx.end();
    for (i, _, ex) in cx.all_hops() {
        let Some(target) = ex.redirect_target() else {
            continue;
        };
        if urls.iter().any(|u| u.url == target) {
            continue;
        }
        let is_end = end.is_some_and(|e| {
            e.exchange == i && url_without_query(&e.url) == url_without_query(&target)
        });
        urls.push(FlowUrl {
            url: target,
            hop: Some(i),
            role: is_end.then_some(Role::ClientCallback),
            source: UrlSource::Location,
        });
    }
    let window = navigation_window(cx);
    for (n, nav) in cx.trace.navigations.iter().enumerate() {
        let in_window = window.as_ref().is_some_and(|w| w.contains(nav));
        let in_flow = end.and_then(|e| e.navigation) == Some(n) || in_window;
        if !in_flow || urls.iter().any(|u| u.url == nav.url) {
            continue;
        }
        let base = url_without_query(&nav.url);
        let role = cx
            .all_hops()
            .find(|(_, _, ex)| url_without_query(&ex.url) == base)
            .map(|(_, role, _)| role);
        urls.push(FlowUrl {
            url: nav.url.clone(),
            hop: None,
            role,
            source: UrlSource::Navigation,
        });
    }
    if let Some(end) = end {
        if !urls.iter().any(|u| u.url == end.url) {
            urls.push(FlowUrl {
                url: end.url.clone(),
                hop: Some(end.exchange),
                role: Some(Role::ClientCallback),
                source: if end.navigation.is_some() {
                    UrlSource::Navigation
                } else {
                    UrlSource::Location
                },
            });
        }
    }
    urls
}

/// When and where the flow's pages loaded.
struct Window<'a> {
    first_ms: f64,
    last_ms: f64,
    tab: Option<&'a String>,
}

impl Window<'_> {
    /// The navigation happened in the flow's tab while its pages loaded.
    fn contains(&self, nav: &crate::trace::Navigation) -> bool {
        let same_tab = self.tab.is_none() || nav.tab.is_none() || nav.tab.as_ref() == self.tab;
        same_tab
            && nav.time_ms >= self.first_ms - 1.0
            && nav.time_ms <= self.last_ms + NAVIGATION_GRACE_MS
    }
}

fn navigation_window<'a>(cx: &Context<'a>) -> Option<Window<'a>> {
    let times = || {
        cx.all_hops()
            .filter(|(_, role, _)| role.is_page())
            .map(|(_, _, ex)| ex.time_ms)
    };
    Some(Window {
        first_ms: times().reduce(f64::min)?,
        last_ms: times().reduce(f64::max)?,
        tab: cx.authorize().and_then(|(_, ex)| ex.tab.as_ref()),
    })
}

/// A URL announced by a metadata document of the flow.
#[derive(Debug, Clone)]
pub(crate) struct MetadataUrl {
    /// The metadata hop.
    pub hop: usize,
    pub role: Role,
    /// `issuer`, `authorization_servers[0]`…
    pub field: String,
    pub url: String,
}

impl MetadataUrl {
    /// "the protected-resource metadata", "the authorization-server metadata".
    pub(crate) fn document(&self) -> &'static str {
        match self.role {
            Role::ProtectedResourceMetadata => "the protected-resource metadata",
            _ => "the authorization-server metadata",
        }
    }

    pub(crate) fn evidence(&self, cx: &Context<'_>, note: &str) -> Evidence {
        Evidence::hop(self.hop, &cx.exchange(self.hop).url, note)
            .field(&self.field, Some(&self.url))
    }
}

/// The URL values (top-level strings and arrays of strings) of the flow's protected-resource
/// and authorization-server metadata.
pub(crate) fn metadata_urls(cx: &Context<'_>) -> Vec<MetadataUrl> {
    let mut out = Vec::new();
    for (i, role, _) in cx.all_hops() {
        if !matches!(
            role,
            Role::ProtectedResourceMetadata | Role::AuthorizationServerMetadata
        ) {
            continue;
        }
        let Some(serde_json::Value::Object(doc)) = cx.json_body(i) else {
            continue;
        };
        for (key, value) in &doc {
            let values: Vec<(String, &str)> = match value {
                serde_json::Value::String(s) => vec![(key.clone(), s.as_str())],
                serde_json::Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .filter_map(|(n, v)| Some((format!("{key}[{n}]"), v.as_str()?)))
                    .collect(),
                _ => Vec::new(),
            };
            for (field, url) in values {
                if url.contains("://") {
                    out.push(MetadataUrl {
                        hop: i,
                        role,
                        field,
                        url: url.to_string(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, TraceBuilder};
    use crate::trace::NavigationKind;
    use crate::{flow, Profile};

    fn urls_of(trace: &crate::Trace) -> Vec<(String, UrlSource)> {
        let profile = Profile::default();
        let flows = flow::reconstruct(trace, &profile);
        let cx = Context::new(trace, &flows[0], &profile);
        flow_urls(&cx)
            .into_iter()
            .map(|u| (u.url, u.source))
            .collect()
    }

    #[test]
    fn the_good_flow_has_one_url_per_hop() {
        let trace = good_flow().build();
        let urls = urls_of(&trace);
        assert_eq!(urls.len(), trace.exchanges.len());
        assert!(urls.iter().all(|(_, s)| *s == UrlSource::Request));
        let profile = Profile::default();
        let flows = flow::reconstruct(&trace, &profile);
        let cx = Context::new(&trace, &flows[0], &profile);
        let fields: Vec<String> = metadata_urls(&cx).into_iter().map(|m| m.field).collect();
        assert!(
            fields.contains(&"authorization_servers[0]".to_string()),
            "{fields:?}"
        );
        assert!(fields.contains(&"issuer".to_string()), "{fields:?}");
    }

    #[test]
    fn takes_unfollowed_redirects_and_fragment_navigations() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=cursor%3A%2F%2Fcb")
            .redirect(302, "cursor://cb?code=abc")
            .navigation("https://auth.acme.test/oauth/authorize#x=1", NavigationKind::Fragment)
            .build();
        let urls = urls_of(&trace);
        assert_eq!(
            urls[1],
            ("cursor://cb?code=abc".to_string(), UrlSource::Location)
        );
        assert_eq!(urls[2].1, UrlSource::Navigation);
    }
}
