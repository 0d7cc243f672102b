//! The shared HTTP client on its own (what `flowlens connect` sends through it): credentials
//! never follow a redirect to another origin, form bodies are recorded as fields.

// The loopback server alone: this binary uses part of it.
#[allow(dead_code)]
#[path = "support/server.rs"]
mod server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flowlens_core::trace::{Body, Header, Trace};
use flowlens_probe::http::{Client, Outgoing};
use server::{Reply, Request, Server};

fn client() -> Client {
    Client::new(flowlens_probe::Options::default().client_config("flowlens-test"))
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_origin() {
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let (other, log) = (Server::bind(), seen.clone());
    let other_port = other.local_addr().expect("address").port();
    let other = Server::plain(
        other,
        Arc::new(move |r: &Request| {
            log.lock().expect("log").push(r.clone());
            Reply::json(200, &serde_json::json!({}))
        }),
    );
    let (same, log) = (Server::bind(), seen.clone());
    let same_port = same.local_addr().expect("address").port();
    let _same = Server::plain(
        same,
        Arc::new(move |r: &Request| {
            log.lock().expect("log").push(r.clone());
            match r.path() {
                "/mcp" => Reply::redirect(307, "/moved"),
                "/moved" => {
                    Reply::redirect(307, &format!("http://127.0.0.1:{other_port}/elsewhere"))
                }
                _ => Reply::status(404),
            }
        }),
    );
    let mut trace = Trace::default();
    let request = Outgoing {
        method: "POST".into(),
        url: format!("http://127.0.0.1:{same_port}/mcp"),
        headers: vec![
            Header::new("Authorization", "Bearer secret-token"),
            Header::new("Content-Type", "application/json"),
        ],
        body: Some(Body {
            mime_type: "application/json".into(),
            text: "{}".into(),
            truncated: false,
        }),
    };
    let last = client()
        .fetch(&mut trace, request, Instant::now() + Duration::from_secs(5))
        .expect("the chain is followed");
    assert_eq!(last, 2);
    let seen = seen.lock().expect("log");
    let auth: Vec<Option<&str>> = seen.iter().map(|r| r.header("authorization")).collect();
    // Same origin (the 307 to /moved) keeps it; the other origin never gets it.
    assert_eq!(
        auth,
        [
            Some("Bearer secret-token"),
            Some("Bearer secret-token"),
            None
        ]
    );
    assert!(trace.exchanges[2].request_header("authorization").is_none());
    drop(other);
}

#[test]
fn form_bodies_are_recorded_as_fields() {
    let listener = Server::bind();
    let port = listener.local_addr().expect("address").port();
    let _server = Server::plain(
        listener,
        Arc::new(|_: &Request| Reply::json(400, &serde_json::json!({"error": "invalid_grant"}))),
    );
    let mut trace = Trace::default();
    let request = Outgoing {
        method: "POST".into(),
        url: format!("http://127.0.0.1:{port}/token"),
        headers: vec![Header::new(
            "Content-Type",
            "application/x-www-form-urlencoded",
        )],
        body: Some(Body {
            mime_type: "application/x-www-form-urlencoded".into(),
            text: "grant_type=authorization_code&code=a%2Bb".into(),
            truncated: false,
        }),
    };
    client()
        .fetch(&mut trace, request, Instant::now() + Duration::from_secs(5))
        .expect("answered");
    let ex = &trace.exchanges[0];
    assert_eq!(ex.form_value("grant_type"), Some("authorization_code"));
    assert_eq!(ex.form_value("code"), Some("a+b"));
    assert_eq!(ex.status(), Some(400));
}
