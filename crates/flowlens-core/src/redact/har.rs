//! Redacting HAR documents as JSON, field by field, so that every field of the input survives
//! (including browser extensions such as `_initiator` and Flowlens' own `_flowlens`).
//!
//! Redaction runs in two steps over the same [`Redactor`]: the structural step reads each part
//! by what it is (a URL, a header, a body of some type) and pseudonymises what its names say
//! is secret; the scrub step then replaces every value pseudonymised anywhere, wherever else
//! it appears. [`Redactor::redact_har`] does both on a document in memory;
//! [`super::stream`] does them on a file with bounded memory.

use serde_json::{Map, Value};

use super::body::BodyOutcome;
use super::encoding::Wire;
use super::receipt::{comment_with_summary, loc, Receipt};
use crate::stdx::base64::decode as decode_base64;

use super::redactor::Redactor;

/// The key of the receipt in `log`.
pub const RECEIPT_KEY: &str = "_flowlens_redaction";

impl Redactor {
    /// Redacts a whole HAR document in place: every entry, `pages`, Flowlens extras, then
    /// values seen as secret anywhere are replaced everywhere, and the receipt is written to
    /// `log._flowlens_redaction` and summarised in `log.comment`. A document that is not a
    /// HAR (no `log` object) is redacted as generic JSON and gets no receipt.
    pub fn redact_har(&mut self, har: &mut Value) {
        let Some(log) = har.get_mut("log").and_then(Value::as_object_mut) else {
            self.loc = loc::LOG_OTHER;
            self.redact_generic(har);
            self.scrub_value(har);
            return;
        };
        let previous = take_receipt(log);
        let keys: Vec<String> = log.keys().cloned().collect();
        for key in &keys {
            if let Some(v) = log.get_mut(key) {
                self.redact_log_member(key, v);
            }
        }
        self.scrub_log(log);
        self.finish_log(log, previous.as_ref());
    }

    /// Structural redaction of one member of `log` (`entries` is redacted entry by entry).
    pub(crate) fn redact_log_member(&mut self, key: &str, v: &mut Value) {
        match key {
            "entries" => {
                if let Some(entries) = v.as_array_mut() {
                    for entry in entries {
                        self.redact_entry(entry);
                    }
                }
            }
            "version" | "creator" | "browser" => {}
            "pages" => {
                self.loc = loc::PAGES;
                self.redact_generic(v);
            }
            "_flowlens" => self.redact_extras(v),
            _ => {
                self.loc = loc::LOG_OTHER;
                self.redact_generic(v);
            }
        }
    }

    /// Scrub step over every member of `log` but the receipt.
    pub(crate) fn scrub_log(&mut self, log: &mut Map<String, Value>) {
        for (key, v) in log.iter_mut() {
            if key == RECEIPT_KEY {
                continue;
            }
            self.loc = match key.as_str() {
                "entries" => loc::ENTRY_OTHER,
                "pages" => loc::PAGES,
                _ => loc::LOG_OTHER,
            };
            self.scrub_value(v);
        }
    }

    /// Writes the receipt (merged with one the input already had) and the comment line.
    pub(crate) fn finish_log(&mut self, log: &mut Map<String, Value>, previous: Option<&Receipt>) {
        let mut receipt = self.receipt.clone();
        if let Some(p) = previous {
            receipt.merge(p);
        }
        let comment = comment_with_summary(
            log.get("comment").and_then(Value::as_str),
            &receipt.summary(),
        );
        log.insert("comment".into(), Value::String(comment));
        log.insert(
            RECEIPT_KEY.into(),
            serde_json::to_value(&receipt).unwrap_or(Value::Null),
        );
    }

    /// Structural redaction of one HAR entry.
    pub fn redact_entry(&mut self, entry: &mut Value) {
        let Some(map) = entry.as_object_mut() else {
            self.loc = loc::ENTRY_OTHER;
            self.redact_generic(entry);
            return;
        };
        for (key, v) in map.iter_mut() {
            match key.as_str() {
                "request" => self.redact_request(v),
                "response" => self.redact_response(v),
                "startedDateTime" | "time" | "timings" | "pageref" | "serverIPAddress"
                | "connection" | "_resourceType" | "_priority" => {}
                "_flowlens" => {
                    self.loc = loc::ENTRY_OTHER;
                    self.redact_entry_extras(v);
                }
                _ => {
                    self.loc = loc::ENTRY_OTHER;
                    self.redact_generic(v);
                }
            }
        }
    }

    fn redact_request(&mut self, request: &mut Value) {
        let Some(map) = request.as_object_mut() else {
            return;
        };
        for (key, v) in map.iter_mut() {
            match key.as_str() {
                "url" => {
                    self.loc = loc::REQUEST_URL;
                    redact_string(v, |s| self.redact_url(s));
                }
                "headers" => {
                    self.loc = loc::REQUEST_HEADERS;
                    self.redact_generic(v);
                }
                "cookies" => {
                    self.loc = loc::REQUEST_COOKIES;
                    self.redact_cookie_list(v);
                }
                "queryString" => {
                    self.loc = loc::REQUEST_QUERY;
                    self.redact_generic(v);
                }
                "postData" => {
                    self.loc = loc::REQUEST_BODY;
                    self.redact_post_data(v);
                }
                "method" | "httpVersion" | "headersSize" | "bodySize" => {}
                _ => {
                    self.loc = loc::ENTRY_OTHER;
                    self.redact_generic(v);
                }
            }
        }
    }

    fn redact_response(&mut self, response: &mut Value) {
        let Some(map) = response.as_object_mut() else {
            return;
        };
        for (key, v) in map.iter_mut() {
            match key.as_str() {
                "headers" => {
                    self.loc = loc::RESPONSE_HEADERS;
                    self.redact_generic(v);
                }
                "cookies" => {
                    self.loc = loc::RESPONSE_COOKIES;
                    self.redact_cookie_list(v);
                }
                "content" => {
                    self.loc = loc::RESPONSE_BODY;
                    self.redact_content(v);
                }
                "redirectURL" => {
                    self.loc = loc::RESPONSE_REDIRECT;
                    redact_string(v, |s| self.redact_url(s));
                }
                "status" | "statusText" | "httpVersion" | "headersSize" | "bodySize" => {}
                _ => {
                    self.loc = loc::ENTRY_OTHER;
                    self.redact_generic(v);
                }
            }
        }
    }

    /// HAR `cookies`: `[{name, value, path, domain, …}]`: values pseudonymised.
    fn redact_cookie_list(&mut self, v: &mut Value) {
        let Some(cookies) = v.as_array_mut() else {
            return self.redact_generic(v);
        };
        for cookie in cookies {
            let Some(map) = cookie.as_object_mut() else {
                continue;
            };
            for (key, item) in map.iter_mut() {
                match key.as_str() {
                    "value" => redact_string(item, |s| self.redact_cookie_value(s)),
                    "name" | "path" | "domain" | "expires" | "httpOnly" | "secure" | "sameSite" => {
                    }
                    _ => self.redact_generic(item),
                }
            }
        }
    }

    /// `postData`: `text` as a body of `mimeType`; `params` by name.
    fn redact_post_data(&mut self, v: &mut Value) {
        let Some(map) = v.as_object_mut() else {
            return;
        };
        let mime = map
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for (key, item) in map.iter_mut() {
            match key.as_str() {
                "text" => {
                    self.redact_body_value(&mime, item, None);
                }
                "mimeType" => {}
                _ => self.redact_generic(item),
            }
        }
    }

    /// `content`: `text` (base64 when `encoding` says so) as a body of `mimeType`.
    fn redact_content(&mut self, v: &mut Value) {
        let Some(map) = v.as_object_mut() else {
            return;
        };
        let mime = map
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let encoding = map
            .get("encoding")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut drop_encoding = false;
        if let Some(text) = map.get_mut("text") {
            drop_encoding = self.redact_body_value(&mime, text, encoding.as_deref());
        }
        if drop_encoding {
            map.remove("encoding");
        }
        for (key, item) in map.iter_mut() {
            if !matches!(
                key.as_str(),
                "text" | "mimeType" | "encoding" | "size" | "compression"
            ) {
                self.redact_generic(item);
            }
        }
    }

    /// Redacts a body string in place. Returns true when the body was replaced whole, so the
    /// text is no longer in its former encoding.
    pub(crate) fn redact_body_value(
        &mut self,
        mime: &str,
        v: &mut Value,
        encoding: Option<&str>,
    ) -> bool {
        let Value::String(text) = v else {
            self.redact_generic(v);
            return false;
        };
        if super::pseudonym::is_pseudonym(text) {
            return false;
        }
        let outcome = match encoding.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("identity") | Some("utf-8") | Some("utf8") => {
                self.redact_body(mime, text)
            }
            Some("base64") => match decode_base64(text) {
                None => BodyOutcome::Whole("base64 body that does not decode"),
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(decoded) => match self.redact_body(mime, &decoded) {
                        BodyOutcome::Changed(n) => BodyOutcome::Changed(base64_encode(&n)),
                        other => other,
                    },
                    // Binary: nothing to parse; known values are scrubbed later.
                    Err(_) => BodyOutcome::Unchanged,
                },
            },
            Some(_) => BodyOutcome::Whole("body in an unknown encoding"),
        };
        match outcome {
            BodyOutcome::Unchanged => false,
            BodyOutcome::Changed(n) => {
                *text = n;
                false
            }
            BodyOutcome::Whole(reason) => {
                *text = self.whole("body", text, reason);
                true
            }
        }
    }

    /// Any JSON whose meaning is not known: pairs `{name, value}` are read by name (headers,
    /// query parameters, form fields, hidden inputs), keys that name secrets pseudonymise their
    /// values, and strings are searched for URLs, assignments and JWTs.
    pub(crate) fn redact_generic(&mut self, v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(name)), Some(Value::String(_))) =
                    (map.get("name"), map.get("value"))
                {
                    let name = name.clone();
                    if let Some(Value::String(value)) = map.get_mut("value") {
                        let new = self.redact_named_or_free(&name, value, Wire::Plain);
                        let new = if super::names::param_kind(&name).is_none() {
                            self.redact_text(&new).unwrap_or(new)
                        } else {
                            new
                        };
                        *value = new;
                    }
                    for (key, item) in map.iter_mut() {
                        if key != "name" && key != "value" {
                            self.redact_generic(item);
                        }
                    }
                    return;
                }
                for (key, item) in map.iter_mut() {
                    match super::names::param_kind(key) {
                        Some(kind) => {
                            self.redact_json_named(kind, item);
                        }
                        None => self.redact_generic(item),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.redact_generic(item);
                }
            }
            Value::String(s) => {
                if s.starts_with("data:") {
                    return;
                }
                let new = self.redact_free_value(s, Wire::Plain);
                let new = self.redact_text(&new).unwrap_or(new);
                *s = new;
            }
            _ => {}
        }
    }

    /// `log._flowlens`: navigations, page snapshots, screenshots, capture facts.
    fn redact_extras(&mut self, v: &mut Value) {
        let Some(map) = v.as_object_mut() else {
            self.loc = loc::LOG_OTHER;
            return self.redact_generic(v);
        };
        for (key, item) in map.iter_mut() {
            self.loc = match key.as_str() {
                "navigations" => loc::NAVIGATIONS,
                "pages" => loc::SNAPSHOTS,
                "screenshots" => loc::SCREENSHOTS,
                _ => loc::LOG_OTHER,
            };
            self.redact_generic(item);
        }
    }

    /// An entry's `_flowlens`: a request body kept beside a form, and other facts.
    fn redact_entry_extras(&mut self, v: &mut Value) {
        let Some(map) = v.as_object_mut() else {
            return self.redact_generic(v);
        };
        for (key, item) in map.iter_mut() {
            if key == "request_body" {
                self.loc = loc::REQUEST_BODY;
                let mime = item
                    .get("mime_type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if let Some(text) = item.get_mut("text") {
                    self.redact_body_value(&mime, text, None);
                }
            } else {
                self.loc = loc::ENTRY_OTHER;
                self.redact_generic(item);
            }
        }
    }
}

fn redact_string(v: &mut Value, f: impl FnOnce(&str) -> String) {
    if let Value::String(s) = v {
        let new = f(s);
        if new != *s {
            *s = new;
        }
    }
}

fn base64_encode(text: &str) -> String {
    use crate::stdx::base64::{Engine, STANDARD};
    STANDARD.encode(text.as_bytes())
}

/// Removes and parses the receipt of an earlier redaction.
pub(crate) fn take_receipt(log: &mut Map<String, Value>) -> Option<Receipt> {
    log.remove(RECEIPT_KEY)
        .and_then(|v| serde_json::from_value(v).ok())
}
