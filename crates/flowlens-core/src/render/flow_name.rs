//! A flow's name, in every output: the page it started from (title and host), the
//! authorization server it went to, where the client gets the answer back, and when. Never
//! a browser's tab id. Page titles are page-controlled text: each output escapes them.

use crate::har::time::format_rfc3339_ms;
use crate::report::FlowReport;

/// The title of a flow: where it started ("Acme Calendar (app.acme.test)"), or without a
/// known start page the client's host, the authorization server's, or "Flow N".
pub fn title(flow: &FlowReport) -> String {
    let start = flow.started.as_ref();
    let host = start.and_then(|s| s.page_host.as_deref());
    match (start.and_then(|s| s.page_title.as_deref()), host) {
        (Some(title), Some(host)) => format!("{title} ({host})"),
        (Some(title), None) => title.to_string(),
        (None, Some(host)) => host.to_string(),
        (None, None) => flow
            .redirect_host
            .clone()
            .or_else(|| flow.authorization_server_host.clone())
            .unwrap_or_else(|| format!("Flow {}", flow.index + 1)),
    }
}

/// What else names it, one line: "authorization server auth.acme.test · redirect to
/// app.acme.test · 2024-11-14 10:00:03 UTC".
pub fn detail(flow: &FlowReport) -> String {
    let mut parts = Vec::new();
    if let Some(host) = &flow.authorization_server_host {
        parts.push(format!("authorization server {host}"));
    }
    if let Some(host) = &flow.redirect_host {
        parts.push(format!("redirect to {host}"));
    }
    if let Some(start) = &flow.started {
        parts.push(utc_time(start.time_ms));
    }
    parts.join(" · ")
}

/// The name in one line, for a terminal or a document: "started on Acme Calendar
/// (app.acme.test) · authorization server auth.acme.test · redirect to app.acme.test ·
/// 2024-11-14 10:00:03 UTC".
pub fn line(flow: &FlowReport) -> String {
    let started_on = flow
        .started
        .as_ref()
        .is_some_and(|s| s.page_host.is_some() || s.page_title.is_some());
    let detail = detail(flow);
    match (started_on, detail.is_empty()) {
        (true, true) => format!("started on {}", title(flow)),
        (true, false) => format!("started on {} · {detail}", title(flow)),
        (false, false) => detail,
        (false, true) => title(flow),
    }
}

/// "2024-11-14 10:00:03 UTC".
pub fn utc_time(ms: f64) -> String {
    let iso = format_rfc3339_ms(ms);
    // 2024-11-14T10:00:03.123Z
    match (iso.get(..10), iso.get(11..19)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => iso,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FlowStart;
    use crate::Status;

    fn flow() -> FlowReport {
        FlowReport {
            index: 0,
            status: Status::Pass,
            hops: Vec::new(),
            end: None,
            started: Some(FlowStart {
                time_ms: 1_731_578_403_000.0,
                page_host: Some("app.acme.test".into()),
                page_title: Some("Acme Calendar".into()),
            }),
            authorization_server_host: Some("auth.acme.test".into()),
            redirect_host: Some("app.acme.test".into()),
            verdict: None,
        }
    }

    #[test]
    fn names_a_flow_by_its_start_page_then_its_hosts() {
        let mut f = flow();
        assert_eq!(title(&f), "Acme Calendar (app.acme.test)");
        assert_eq!(
            detail(&f),
            "authorization server auth.acme.test · redirect to app.acme.test · 2024-11-14 10:00:03 UTC"
        );
        assert_eq!(
            line(&f),
            "started on Acme Calendar (app.acme.test) · authorization server auth.acme.test · redirect to app.acme.test · 2024-11-14 10:00:03 UTC"
        );
        f.started = None;
        assert_eq!(title(&f), "app.acme.test");
        assert_eq!(line(&f), detail(&f));
        assert_eq!(
            detail(&f),
            "authorization server auth.acme.test · redirect to app.acme.test"
        );
        f.redirect_host = None;
        f.authorization_server_host = None;
        assert_eq!(title(&f), "Flow 1");
        assert_eq!(detail(&f), "");
    }
}
