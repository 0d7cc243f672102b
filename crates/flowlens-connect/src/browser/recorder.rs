//! Turns the DevTools events of the page into the trace's model: one [`Exchange`] per hop
//! (a redirect is its own hop), with the headers the network really sent and received
//! (`…ExtraInfo` events carry `Cookie` and `Set-Cookie`), and the top-level navigations
//! with their fragments. Fields are read leniently from the JSON: a missing one leaves the
//! exchange's field empty, it never drops the event.

use std::collections::{HashMap, VecDeque};

use flowlens_core::trace::{
    Body, Exchange, Header, Navigation, NavigationKind, Param, ResourceType, Response,
};
use serde_json::Value;

use super::cdp::Event;

/// What the driver must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Fetch the response body of this request for this exchange.
    FetchBody { request_id: String, exchange: usize },
    /// A JavaScript dialog is open and blocks the page: dismiss it.
    DismissDialog,
}

/// Per request id: its hops, and the extra-info events waiting for their hop.
#[derive(Debug, Default)]
struct Request {
    /// Exchange indices of the request's hops, in order.
    hops: Vec<usize>,
    /// Hops in the order their responses arrived.
    responded: Vec<usize>,
    request_extras: VecDeque<Vec<Header>>,
    request_extras_applied: usize,
    response_extras: VecDeque<(u16, Vec<Header>)>,
    /// Wall clock minus the monotonic `timestamp`, in seconds.
    clock_offset: f64,
    resource_type: String,
}

#[derive(Debug, Default)]
pub struct Recorder {
    pub exchanges: Vec<Exchange>,
    pub navigations: Vec<Navigation>,
    requests: HashMap<String, Request>,
    main_frame: Option<String>,
    /// The main frame's URL as committed (fragment included).
    pub url: Option<String>,
    /// Documents the main frame committed so far (each gets its page facts taken once).
    pub commits: usize,
    /// The page's target is gone (tab closed, browser exited).
    pub closed: bool,
    /// Milliseconds since the epoch of the last event seen.
    pub last_event_ms: f64,
}

impl Recorder {
    /// The main frame's id, once the tab committed a navigation.
    pub fn main_frame(&self) -> Option<&str> {
        self.main_frame.as_deref()
    }

    pub fn on_event(&mut self, event: &Event, now_ms: f64) -> Option<Action> {
        self.last_event_ms = now_ms;
        let p = &event.params;
        match event.method.as_str() {
            "Network.requestWillBeSent" => {
                self.request_will_be_sent(p);
            }
            "Network.requestWillBeSentExtraInfo" => {
                let id = text(p, "requestId")?;
                let r = self.requests.entry(id.clone()).or_default();
                r.request_extras.push_back(headers(p.get("headers")));
                self.apply_request_extras(&id);
            }
            "Network.responseReceived" => {
                let id = text(p, "requestId")?;
                let hop = *self.requests.get(&id)?.hops.last()?;
                let time = self.wall_ms(&id, p.get("timestamp"));
                self.respond(&id, hop, p.get("response")?, time);
            }
            "Network.responseReceivedExtraInfo" => {
                let id = text(p, "requestId")?;
                let status = p.get("statusCode").and_then(Value::as_u64).unwrap_or(0);
                let r = self.requests.entry(id.clone()).or_default();
                r.response_extras.push_back((
                    u16::try_from(status).unwrap_or(0),
                    headers(p.get("headers")),
                ));
                self.apply_response_extras(&id);
            }
            "Network.loadingFinished" => {
                let id = text(p, "requestId")?;
                let r = self.requests.get(&id)?;
                let hop = *r.hops.last()?;
                let wanted = matches!(
                    r.resource_type.as_str(),
                    "Document" | "XHR" | "Fetch" | "Other" | ""
                );
                let ex = &self.exchanges[hop];
                let textual = ex.response_mime().is_some_and(is_textual);
                let redirect = matches!(ex.status(), Some(300..=399));
                if wanted && textual && !redirect {
                    return Some(Action::FetchBody {
                        request_id: id,
                        exchange: hop,
                    });
                }
            }
            "Network.loadingFailed" => {
                let id = text(p, "requestId")?;
                let hop = *self.requests.get(&id)?.hops.last()?;
                let ex = &mut self.exchanges[hop];
                if ex.response.is_none() {
                    ex.error = Some(text(p, "errorText").unwrap_or_else(|| "failed".into()));
                }
            }
            "Page.frameNavigated" => {
                let frame = p.get("frame")?;
                if frame.get("parentId").is_some() {
                    return None;
                }
                self.main_frame = text(frame, "id");
                let mut url = text(frame, "url").unwrap_or_default();
                if let Some(fragment) = text(frame, "urlFragment") {
                    url.push_str(&fragment);
                }
                self.url = Some(url.clone());
                self.commits += 1;
                self.navigations.push(Navigation {
                    time_ms: now_ms,
                    url,
                    tab: None,
                    kind: NavigationKind::Committed,
                });
            }
            "Page.navigatedWithinDocument" => {
                if text(p, "frameId") != self.main_frame {
                    return None;
                }
                let url = text(p, "url")?;
                let kind = match p.get("navigationType").and_then(Value::as_str) {
                    Some("historyApi") => NavigationKind::History,
                    _ => NavigationKind::Fragment,
                };
                self.url = Some(url.clone());
                self.navigations.push(Navigation {
                    time_ms: now_ms,
                    url,
                    tab: None,
                    kind,
                });
            }
            "Page.javascriptDialogOpening" => return Some(Action::DismissDialog),
            "Inspector.detached"
            | "Target.detachedFromTarget"
            | "Target.targetDestroyed"
            | "Target.targetCrashed" => self.closed = true,
            _ => {}
        }
        None
    }

    /// Sets the body of an exchange (from `Network.getResponseBody`).
    pub fn set_body(&mut self, exchange: usize, result: &Value, max_bytes: usize) {
        let Some(ex) = self.exchanges.get_mut(exchange) else {
            return;
        };
        if result.get("base64Encoded").and_then(Value::as_bool) == Some(true) {
            return; // binary: not kept, as in HAR imports
        }
        let Some(text) = result.get("body").and_then(Value::as_str) else {
            return;
        };
        let mime = ex.response_mime().unwrap_or_default().to_string();
        let truncated = text.len() > max_bytes;
        let kept = if truncated {
            flowlens_core::stdx::cut::prefix_at_char_boundary(text, max_bytes)
        } else {
            text
        };
        if let Some(r) = ex.response.as_mut() {
            r.body = Some(Body {
                mime_type: mime,
                text: kept.to_string(),
                truncated,
            });
        }
    }

    fn wall_ms(&self, id: &str, timestamp: Option<&Value>) -> Option<f64> {
        let offset = self.requests.get(id)?.clock_offset;
        timestamp
            .and_then(Value::as_f64)
            .map(|t| (t + offset) * 1000.0)
    }

    fn request_will_be_sent(&mut self, p: &Value) -> Option<()> {
        let id = text(p, "requestId")?;
        let request = p.get("request")?;
        let wall = p.get("wallTime").and_then(Value::as_f64).unwrap_or(0.0);
        let monotonic = p.get("timestamp").and_then(Value::as_f64).unwrap_or(0.0);
        let offset = wall - monotonic;
        // The previous hop's redirect answer comes with the next hop's request.
        if let Some(redirect) = p.get("redirectResponse") {
            if let Some(&hop) = self.requests.get(&id).and_then(|r| r.hops.last()) {
                self.respond(&id, hop, redirect, Some(wall * 1000.0));
            }
        }
        let kind = text(p, "type").unwrap_or_default();
        let in_main_frame = match (&self.main_frame, text(p, "frameId")) {
            (Some(main), Some(frame)) => *main == frame,
            _ => true,
        };
        let resource_type = match ResourceType::from_browser_name(&kind) {
            ResourceType::Document if !in_main_frame => ResourceType::Subdocument,
            other => other,
        };
        let request_headers = headers(request.get("headers"));
        let content_type = request_headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-type"))
            .map(|h| h.value.to_ascii_lowercase())
            .unwrap_or_default();
        let post = text(request, "postData");
        let form = post
            .as_deref()
            .filter(|_| content_type.starts_with("application/x-www-form-urlencoded"))
            .map(|body| {
                url::form_urlencoded::parse(body.as_bytes())
                    .map(|(n, v)| Param::new(n, v))
                    .collect()
            });
        let request_body = post.filter(|_| form.is_none()).map(|text| Body {
            mime_type: content_type.clone(),
            text,
            truncated: false,
        });
        let initiator = p
            .get("initiator")
            .and_then(|i| text(i, "url"))
            .filter(|u| !u.is_empty());
        self.exchanges.push(Exchange {
            time_ms: wall * 1000.0,
            method: text(request, "method").unwrap_or_else(|| "GET".into()),
            url: text(request, "url").unwrap_or_default(),
            resource_type,
            initiator,
            tab: None,
            request_headers,
            form,
            request_body,
            response: None,
            error: None,
        });
        let index = self.exchanges.len() - 1;
        let r = self.requests.entry(id.clone()).or_default();
        r.hops.push(index);
        r.clock_offset = offset;
        r.resource_type = kind;
        self.apply_request_extras(&id);
        Some(())
    }

    fn respond(&mut self, id: &str, hop: usize, response: &Value, time_ms: Option<f64>) {
        let status = response.get("status").and_then(Value::as_u64).unwrap_or(0);
        let mut response_headers = headers(response.get("headers"));
        if let Some(mime) = text(response, "mimeType").filter(|m| !m.is_empty()) {
            if !response_headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("content-type"))
            {
                response_headers.push(Header::new("Content-Type", mime));
            }
        }
        self.exchanges[hop].response = Some(Response {
            status: u16::try_from(status).unwrap_or(0),
            headers: response_headers,
            body: None,
            time_ms,
        });
        if let Some(r) = self.requests.get_mut(id) {
            r.responded.push(hop);
        }
        self.apply_response_extras(id);
    }

    /// The n-th `requestWillBeSentExtraInfo` of a request belongs to its n-th hop.
    fn apply_request_extras(&mut self, id: &str) {
        let Some(r) = self.requests.get_mut(id) else {
            return;
        };
        while r.request_extras_applied < r.hops.len() {
            let Some(raw) = r.request_extras.pop_front() else {
                break;
            };
            let hop = r.hops[r.request_extras_applied];
            r.request_extras_applied += 1;
            if !raw.is_empty() {
                self.exchanges[hop].request_headers = raw;
            }
        }
    }

    /// Raw response headers go to the answered hops in order, matched by status: a hop
    /// answered from the cache has no extra info and is skipped.
    fn apply_response_extras(&mut self, id: &str) {
        let Some(r) = self.requests.get_mut(id) else {
            return;
        };
        while let Some((status, raw)) = r.response_extras.front().cloned() {
            let Some(position) = r
                .responded
                .iter()
                .position(|&hop| self.exchanges[hop].status() == Some(status))
            else {
                break; // its response has not arrived yet
            };
            let hop = r.responded[position];
            r.responded.drain(..=position);
            r.response_extras.pop_front();
            if let Some(response) = self.exchanges[hop].response.as_mut() {
                if !raw.is_empty() {
                    let content_type = response
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                        .cloned();
                    response.headers = raw;
                    if let Some(ct) = content_type {
                        if !response
                            .headers
                            .iter()
                            .any(|h| h.name.eq_ignore_ascii_case("content-type"))
                        {
                            response.headers.push(ct);
                        }
                    }
                }
            }
        }
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A CDP headers object; a value holding several lines (`Set-Cookie`) is several headers.
fn headers(v: Option<&Value>) -> Vec<Header> {
    let Some(Value::Object(map)) = v else {
        return Vec::new();
    };
    map.iter()
        .flat_map(|(name, value)| {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            value
                .split('\n')
                .map(|line| Header::new(name.clone(), line.to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Bodies worth keeping: what the rules read (HTML pages, JSON, text).
pub fn is_textual(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    m.starts_with("text/html")
        || m.contains("json")
        || m.starts_with("text/plain")
        || m.starts_with("text/event-stream")
        || m.contains("xml")
        || m.starts_with("application/x-www-form-urlencoded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(method: &str, params: Value) -> Event {
        Event {
            method: method.into(),
            session: Some("S".into()),
            params,
        }
    }

    #[test]
    fn records_a_redirect_chain_with_raw_headers_and_a_fragment() {
        let mut r = Recorder::default();
        let feed = |r: &mut Recorder, m: &str, p: Value| r.on_event(&event(m, p), 1.0);
        feed(
            &mut r,
            "Page.frameNavigated",
            json!({"frame": {"id": "F", "url": "about:blank"}}),
        );
        feed(
            &mut r,
            "Network.requestWillBeSent",
            json!({
                "requestId": "1", "type": "Document", "frameId": "F", "wallTime": 1700000000.0, "timestamp": 10.0,
                "request": {"url": "https://auth.test/authorize?x=1", "method": "GET", "headers": {"Accept": "text/html"}}
            }),
        );
        // Extra info may come before the hop it belongs to is known.
        feed(
            &mut r,
            "Network.responseReceivedExtraInfo",
            json!({
                "requestId": "1", "statusCode": 302,
                "headers": {"location": "https://login.test/", "set-cookie": "a=1; Secure\nb=2; HttpOnly"}
            }),
        );
        feed(
            &mut r,
            "Network.requestWillBeSentExtraInfo",
            json!({"requestId": "1", "headers": {"Cookie": "sid=1", "Accept": "text/html"}, "someNewField": {}}),
        );
        feed(
            &mut r,
            "Network.requestWillBeSent",
            json!({
                "requestId": "1", "type": "Document", "frameId": "F", "wallTime": 1700000000.5, "timestamp": 10.5,
                "request": {"url": "https://login.test/", "method": "GET", "headers": {}},
                "redirectResponse": {"status": 302, "headers": {"Location": "https://login.test/"}, "mimeType": ""}
            }),
        );
        feed(
            &mut r,
            "Network.responseReceived",
            json!({
                "requestId": "1", "type": "Document", "timestamp": 11.0,
                "response": {"status": 200, "headers": {"Content-Type": "text/html"}, "mimeType": "text/html"}
            }),
        );
        let action = feed(&mut r, "Network.loadingFinished", json!({"requestId": "1"}));
        assert_eq!(
            action,
            Some(Action::FetchBody {
                request_id: "1".into(),
                exchange: 1
            })
        );
        r.set_body(
            1,
            &json!({"body": "<html>hi</html>", "base64Encoded": false}),
            1024,
        );
        feed(
            &mut r,
            "Page.frameNavigated",
            json!({"frame": {"id": "F", "url": "https://login.test/", "urlFragment": "#x"}}),
        );

        assert_eq!(r.exchanges.len(), 2);
        let first = &r.exchanges[0];
        assert_eq!(first.status(), Some(302));
        assert_eq!(first.request_header("cookie"), Some("sid=1"));
        assert_eq!(first.response_headers("set-cookie").count(), 2);
        assert_eq!(first.resource_type, ResourceType::Document);
        let second = &r.exchanges[1];
        assert_eq!(second.status(), Some(200));
        assert_eq!(second.response_body_text(), Some("<html>hi</html>"));
        assert_eq!(
            second.response.as_ref().and_then(|x| x.time_ms),
            Some(1_700_000_001_000.0)
        );
        assert_eq!(r.url.as_deref(), Some("https://login.test/#x"));
        assert_eq!(r.navigations.len(), 2);
    }

    #[test]
    fn keeps_form_fields_errors_and_closure() {
        let mut r = Recorder::default();
        r.on_event(
            &event(
                "Network.requestWillBeSent",
                json!({
                    "requestId": "2", "type": "Document", "wallTime": 1.0, "timestamp": 1.0,
                    "request": {"url": "https://login.test/submit", "method": "POST",
                                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                                "postData": "email=a%40b.test&password=x"}
                }),
            ),
            1.0,
        );
        r.on_event(
            &event(
                "Network.loadingFailed",
                json!({"requestId": "2", "errorText": "net::ERR_CONNECTION_REFUSED"}),
            ),
            2.0,
        );
        assert_eq!(r.exchanges[0].form_value("email"), Some("a@b.test"));
        assert_eq!(
            r.exchanges[0].error.as_deref(),
            Some("net::ERR_CONNECTION_REFUSED")
        );
        assert!(r
            .on_event(&event("Page.javascriptDialogOpening", json!({})), 3.0)
            .is_some());
        r.on_event(
            &event("Inspector.detached", json!({"reason": "target_closed"})),
            4.0,
        );
        assert!(r.closed);
        // Events missing every field do not panic.
        for m in [
            "Network.requestWillBeSent",
            "Network.responseReceived",
            "Network.loadingFinished",
            "Page.frameNavigated",
            "Network.responseReceivedExtraInfo",
        ] {
            r.on_event(&event(m, json!({})), 5.0);
            r.on_event(&event(m, json!({"requestId": "nope"})), 5.0);
        }
    }
}
