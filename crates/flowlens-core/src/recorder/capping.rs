//! What an event may hold before it is kept, even briefly: strings cut at the limits every
//! capture shares ([`crate::limits`]), and passwords masked.

use super::event::{Event, HttpHeader};
use crate::limits::{
    MAX_FORM_FIELDS, MAX_HEADERS, MAX_HEADER_VALUE, MAX_NAME, MAX_REQUEST_BODY, MAX_URL,
};

/// Form fields whose values are never stored, not even in session storage.
const PASSWORD_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "new_password",
    "current_password",
];

/// Cuts oversized strings and masks passwords in place; answers how many strings were cut.
/// Applied once, when an event enters the recorder (so masking never runs twice).
pub fn cap_event(event: &mut Event) -> u32 {
    let mut cut = 0u32;
    match event {
        Event::BeforeRequest(r)
        | Event::SendHeaders(r)
        | Event::HeadersReceived(r)
        | Event::BeforeRedirect(r)
        | Event::Completed(r)
        | Event::ErrorOccurred(r) => {
            cut += u32::from(cap(&mut r.url, MAX_URL));
            for s in [
                &mut r.initiator,
                &mut r.origin_url,
                &mut r.redirect_url,
                &mut r.error,
            ]
            .into_iter()
            .flatten()
            {
                cut += u32::from(cap(s, MAX_URL));
            }
            for headers in [&mut r.request_headers, &mut r.response_headers]
                .into_iter()
                .flatten()
            {
                if headers.len() > MAX_HEADERS {
                    headers.truncate(MAX_HEADERS);
                    cut += 1;
                }
                for HttpHeader { name, value } in headers.iter_mut() {
                    cut += u32::from(cap(name, MAX_NAME));
                    if let Some(v) = value {
                        cut += u32::from(cap(v, MAX_HEADER_VALUE));
                    }
                }
            }
            if let Some(body) = &mut r.request_body {
                if let Some(form) = &mut body.form_data {
                    if form.0.len() > MAX_FORM_FIELDS {
                        form.0.truncate(MAX_FORM_FIELDS);
                        body.truncated = true;
                    }
                    for p in &mut form.0 {
                        if is_password_field(&p.name) {
                            p.value = format!("[password: {} chars]", p.value.chars().count());
                        }
                        cut += u32::from(cap(&mut p.name, MAX_NAME));
                        cut += u32::from(cap(&mut p.value, MAX_HEADER_VALUE));
                    }
                }
                if let Some(text) = &mut body.text {
                    if cap(text, MAX_REQUEST_BODY) {
                        body.truncated = true;
                    }
                }
            }
        }
        Event::Navigation(n) | Event::DomReady(n) => cut += u32::from(cap(&mut n.url, MAX_URL)),
        Event::TabOpened(t) => cut += u32::from(cap(&mut t.url, MAX_URL)),
        Event::Snapshot(s) => cut += u32::from(cap(&mut s.snapshot.url, MAX_URL)),
        Event::Screenshot(s) => cut += u32::from(cap(&mut s.url, MAX_URL)),
        Event::TabClosed(_) | Event::TabInfo(_) => {}
    }
    cut
}

fn is_password_field(name: &str) -> bool {
    PASSWORD_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f))
}

/// Cuts a string at `max` bytes (on a character boundary); answers whether it did.
fn cap(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let end = crate::stdx::cut::prefix_at_char_boundary(s, max).len();
    s.truncate(end);
    true
}
