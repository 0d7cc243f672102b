//! The page chain of a flow: where it stopped, what its error pages say, and how summaries
//! name its hops.
//!
//! Shared by the rules that must say where a flow that did not finish got to
//! (`capture-complete`, the BYOA rules, `oauth-authorization-response`).

use crate::check::{Evidence, Outcome};
use crate::flow::roles::path_of;
use crate::flow::Role;
use crate::params::{host_of, UrlParams};
use crate::rules::Context;
use crate::stdx::cut::prefix_at_char_boundary;
use crate::trace::Exchange;
use crate::vendor;

/// Only the start of a page body is searched for error codes.
const BODY_SEARCH_LIMIT: usize = 64 * 1024;

/// Error codes worth naming when a page shows them: the BYOA state error, the OAuth error
/// codes (RFC 6749 §4.1.2.1, RFC 8707, RFC 7591) and Scalekit's CIMD error.
const KNOWN_ERROR_CODES: &[&str] = &[
    vendor::INVALID_STATE_ERROR,
    "invalid_request",
    "invalid_client_metadata_url",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "invalid_target",
    "invalid_redirect_uri",
    "invalid_grant",
    "server_error",
    "temporarily_unavailable",
];

/// The last hop of the page chain: where the user's tab was when the flow stopped.
pub(crate) fn last_page_hop<'a>(cx: &Context<'a>) -> Option<(usize, Role, &'a Exchange)> {
    cx.all_hops().filter(|(_, role, _)| role.is_page()).last()
}

/// `not-observed` for something the flow never got to: "{what}: the flow stopped at hop 5
/// (byoa-login, https://login.acme.test/login)", with evidence pointing at that hop.
pub(crate) fn never_reached(cx: &Context<'_>, what: &str) -> Outcome {
    match last_page_hop(cx) {
        Some((i, role, ex)) => Outcome::not_observed(format!(
            "{what}: the flow stopped at {}",
            describe_hop(i, role, ex)
        ))
        .with(Evidence::hop(
            i,
            &ex.url,
            format!("the flow stops here ({role})"),
        )),
        None => Outcome::not_observed(what.to_string()),
    }
}

/// "hop 5 (byoa-login, https://login.acme.test/login)" for summaries.
pub(crate) fn describe_hop(i: usize, role: Role, ex: &Exchange) -> String {
    format!(
        "hop {i} ({role}, {})",
        crate::redact::mask_url(crate::params::url_without_query(&ex.url))
    )
}

/// The error pages of the flow.
pub(crate) fn error_pages<'a>(
    cx: &'a Context<'a>,
) -> impl Iterator<Item = (usize, &'a Exchange)> + 'a {
    cx.hops(Role::ErrorPage)
}

/// The error codes a page shows: its `error` parameter, `err_…` ids in its path or in the
/// path of the Scalekit error API it loaded (`/api/v1/errors/err_…`), and known codes in its
/// URL, title, headings, body or that API's answer. Empty when it names none.
pub(crate) fn error_codes(cx: &Context<'_>, i: usize) -> Vec<String> {
    let ex = cx.exchange(i);
    let mut codes: Vec<String> = Vec::new();
    let mut add = |code: &str| {
        if !code.is_empty() && !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    };
    if let Some(error) = UrlParams::of(&ex.url).get("error") {
        add(error);
    }
    // The page and the error API calls it made before the next page loaded.
    let next_page = cx
        .all_hops()
        .find(|(j, role, _)| *j > i && role.is_page())
        .map_or(usize::MAX, |(j, ..)| j);
    let error_api = cx.hops(Role::Subresource).filter(|(j, sub)| {
        *j > i && *j < next_page && path_of(&sub.url).starts_with(vendor::ERROR_API_PREFIX)
    });
    let sources: Vec<&Exchange> = std::iter::once(ex)
        .chain(error_api.map(|(_, sub)| sub))
        .collect();
    for source in &sources {
        for segment in path_of(&source.url).split('/') {
            if segment.starts_with("err_") {
                add(segment);
            }
        }
    }
    let mut texts: Vec<String> = sources.iter().map(|s| s.url.to_ascii_lowercase()).collect();
    if let Some(page) = cx.snapshot(i) {
        texts.extend(page.title.iter().map(|t| t.to_ascii_lowercase()));
        texts.extend(page.headings.iter().map(|h| h.text.to_ascii_lowercase()));
    }
    for body in sources.iter().filter_map(|s| s.response_body_text()) {
        texts.push(prefix_at_char_boundary(body, BODY_SEARCH_LIMIT).to_ascii_lowercase());
    }
    for code in KNOWN_ERROR_CODES {
        if texts.iter().any(|t| t.contains(code)) {
            add(code);
        }
    }
    codes
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, TraceBuilder};
    use crate::{flow, Profile};

    #[test]
    fn names_the_codes_of_an_error_page() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb")
            .redirect(302, "https://auth.acme.test/a/auth/errors/err_123?error=invalid_request")
            .html(400, "<h1>Invalid state</h1><p>invalid_state</p>")
            .build();
        let profile = Profile::default();
        let flows = flow::reconstruct(&trace, &profile);
        let cx = Context::new(&trace, &flows[0], &profile);
        let (i, _) = error_pages(&cx).next().expect("an error page");
        assert_eq!(
            error_codes(&cx, i),
            ["invalid_request", "err_123", "invalid_state"]
        );
        let (last, role, _) = last_page_hop(&cx).expect("a page");
        assert_eq!((last, role), (1, Role::ErrorPage));
    }

    #[test]
    fn reads_the_error_api_the_page_loaded() {
        let trace = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb")
            .redirect(302, "https://auth.acme.test/a/auth/error")
            .page(200)
            .fetch("GET", "https://auth.acme.test/api/v1/errors/err_77")
            .request_header("Referer", "https://auth.acme.test/a/auth/error")
            .json(200, r#"{"error_code":"invalid_state"}"#)
            .build();
        let profile = Profile::default();
        let flows = flow::reconstruct(&trace, &profile);
        let cx = Context::new(&trace, &flows[0], &profile);
        assert_eq!(error_codes(&cx, 1), ["err_77", "invalid_state"]);
    }

    #[test]
    fn the_good_flow_stops_at_its_callback() {
        let trace = good_flow().build();
        let profile = Profile::default();
        let flows = flow::reconstruct(&trace, &profile);
        let cx = Context::new(&trace, &flows[0], &profile);
        assert_eq!(
            last_page_hop(&cx).map(|h| (h.0, h.1)),
            Some((10, Role::ClientCallback))
        );
        assert_eq!(error_pages(&cx).count(), 0);
    }
}
