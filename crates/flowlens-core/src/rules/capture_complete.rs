use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::{url_without_query, UrlParams};
use crate::rules::chain::{describe_hop, error_pages, last_page_hop};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::trace::Exchange;
use crate::vendor;

/// How far after the flow's last page a continuation in another tab is looked for.
const CONTINUATION_WINDOW_MS: f64 = 10.0 * 60.0 * 1000.0;
// A HAR import keeps what flows reach (`flow::reach`); the continuation must be within it.
const _: () = assert!(CONTINUATION_WINDOW_MS <= crate::flow::reach::AFTER_FLOW_MS);

declare_rule! {
    /// ## What it checks
    /// The recording holds the whole authorization flow: it starts with the MCP client's
    /// discovery or with the authorization request (and that request's response was
    /// captured), it ends at the client's callback or on an error page, the recorder dropped
    /// no events, and the flow did not carry on in a tab the recording left out. A flow that
    /// ended on an error page is complete: the error is what the other checks report.
    ///
    /// ## Why it matters
    /// Every other check judges what the trace shows. A recording that starts on the login
    /// page, stops before the callback or misses the tab the login opened in makes those
    /// checks answer "not observed", or pass on the half they saw. Read the rest of the report
    /// in the light of this item.
    ///
    /// ## How to fix
    /// Record again: start recording before you connect the MCP client (with DevTools, open
    /// the Network panel and tick "Preserve log" first), go through login and consent until the
    /// client says it is connected, then stop. If the client opens the authorization page in a
    /// new tab or window, record that one (with DevTools, open DevTools in the new window
    /// before you continue). If the recorder dropped events, close other tabs and record only
    /// the flow.
    pub struct CaptureComplete {
        id: "capture-complete",
        section: Capture,
        title: "The trace holds the whole flow",
        fixed_in: [Recording],
    }
}

impl Rule for CaptureComplete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some((first, first_role, first_ex)) = cx.all_hops().next() else {
            return Outcome::not_observed("the flow has no hops");
        };
        let mut findings = Findings::new();
        findings.evidence(Evidence::hop(
            first,
            &first_ex.url,
            format!("the flow starts here ({first_role})"),
        ));
        let dropped = cx.trace.capture.dropped_events;
        if dropped > 0 {
            findings.warn(
                format!("the recorder dropped {dropped} events: hops of the flow may be missing"),
                Evidence::note("events the recorder could not keep (size caps, storage quota)")
                    .field("dropped_events", Some(&dropped.to_string())),
            );
        }

        let (last, last_role, last_ex) = cx
            .all_hops()
            .last()
            .unwrap_or((first, first_role, first_ex));
        match cx.authorize() {
            None => findings.warn(
                "the capture stops after the MCP client's discovery: no authorization request followed",
                Evidence::hop(last, &last_ex.url, format!("the last hop of the flow ({last_role})")),
            ),
            Some((i, ex)) => {
                if ex.response.is_none() {
                    findings.warn(
                        "the capture starts late: the authorization request's response was not captured",
                        Evidence::hop(i, &ex.url, "authorization request without a response"),
                    );
                }
                if first_role != Role::Authorize && !first_role.is_discovery() {
                    findings.warn(
                        format!("the capture starts late: the flow's first hop is a {first_role}"),
                        Evidence::hop(first, &first_ex.url, "first hop of the flow"),
                    );
                }
            }
        }

        let error_page = error_pages(cx).last();
        match (cx.end(), error_page) {
            (Some(end), _) => findings.evidence(Evidence::hop(
                end.exchange,
                &end.url,
                "the authorization response reaches the client",
            )),
            (None, Some((i, page))) => findings.evidence(Evidence::hop(
                i,
                &page.url,
                "the flow ends on an error page",
            )),
            (None, None) => {
                if cx.authorize().is_some() {
                    let (i, role, ex) = last_page_hop(cx).unwrap_or((last, last_role, last_ex));
                    findings.warn(
                        format!(
                            "the capture stops before the authorization response: the last page is {}",
                            describe_hop(i, role, ex)
                        ),
                        Evidence::hop(i, &ex.url, format!("the flow stops here ({role})")),
                    );
                }
                if let Some((j, ex)) = continuation_in_another_tab(cx) {
                    findings.warn(
                        format!(
                            "the flow moved to another tab ({}) at hop {j}, which this flow does not include",
                            ex.tab.as_deref().unwrap_or("?")
                        ),
                        Evidence::hop(j, &ex.url, "the flow continues here, in another tab")
                            .field("tab", ex.tab.as_deref()),
                    );
                }
            }
        }
        let start = match first_role {
            Role::Authorize => "the authorization request",
            _ => "the MCP client's discovery",
        };
        let (end, end_hop) = match (cx.end(), error_page) {
            (Some(end), _) => ("the client's callback", end.exchange),
            (None, page) => ("an error page", page.map_or(last, |(i, _)| i)),
        };
        let pass = format!(
            "the trace holds the whole flow, from {start} (hop {first}) to {end} (hop {end_hop})"
        );
        findings.outcome(pass)
    }
}

/// An exchange in another tab that carries on where this flow stopped: an authorization
/// request after discovery, or the partner callback, the client's `redirect_uri` or the
/// target of the last redirect after the authorization request.
fn continuation_in_another_tab<'a>(cx: &Context<'a>) -> Option<(usize, &'a Exchange)> {
    let (last, _, last_ex) = last_page_hop(cx).or_else(|| cx.all_hops().last())?;
    let tab = cx
        .authorize()
        .map(|(_, ex)| ex)
        .unwrap_or(last_ex)
        .tab
        .as_ref()?;
    let redirect_uri = cx
        .authorize_params()
        .and_then(|p| p.query.get("redirect_uri").map(str::to_string));
    let target = last_ex.redirect_target();
    cx.trace
        .exchanges
        .iter()
        .enumerate()
        .skip(last + 1)
        .take_while(|(_, ex)| ex.time_ms - last_ex.time_ms <= CONTINUATION_WINDOW_MS)
        .find(|(j, ex)| {
            let other_tab = ex.tab.as_ref().is_some_and(|t| t != tab);
            let continues = match cx.authorize() {
                None => {
                    let q = UrlParams::of(&ex.url).query;
                    q.has("response_type") && q.has("client_id")
                }
                Some(_) => {
                    redirect_uri
                        .as_deref()
                        .is_some_and(|r| url_without_query(r) == url_without_query(&ex.url))
                        || vendor::partner_callback_id(crate::flow::roles::path_of(&ex.url))
                            .is_some()
                        || target.as_deref() == Some(ex.url.as_str())
                }
            };
            other_tab && !cx.flow.contains(*j) && continues
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&CaptureComplete, trace, &Profile::default())
    }

    #[test]
    fn passes_on_the_whole_flow() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.evidence[0].hop, Some(0));
        assert_eq!(outcome.evidence[1].hop, Some(10));
        assert_eq!(
            outcome.summary,
            "the trace holds the whole flow, from the MCP client's discovery (hop 0) to the client's callback (hop 10)"
        );
    }

    #[test]
    fn a_flow_that_ends_on_an_error_page_is_complete() {
        let trace = good_flow()
            .edit(|t| t.exchanges.truncate(7))
            .redirect(
                303,
                "https://auth.acme.test/a/auth/error?error=invalid_state",
            )
            .html(400, "<h1>invalid_state</h1>")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("error page"));
    }

    #[test]
    fn warns_when_the_capture_stops_early() {
        let trace = good_flow().edit(|t| t.exchanges.truncate(6)).build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("hop 5 (byoa-login"),
            "{}",
            outcome.summary
        );

        let discovery_only = good_flow().edit(|t| t.exchanges.truncate(3)).build();
        let outcome = run(&discovery_only);
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome.summary.contains("no authorization request"));
    }

    #[test]
    fn warns_on_a_missing_response_and_dropped_events() {
        let trace = good_flow()
            .edit(|t| {
                t.capture.dropped_events = 3;
                t.exchanges[4].response = None;
            })
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("dropped 3 events"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome.summary.contains("response was not captured"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn warns_when_the_flow_moved_to_another_tab() {
        let trace = good_flow()
            .edit(|t| {
                for (i, ex) in t.exchanges.iter_mut().enumerate() {
                    ex.tab = Some(if i < 7 { "1" } else { "2" }.into());
                }
            })
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("another tab (2) at hop 7"),
            "{}",
            outcome.summary
        );
    }
}
