//! Redacting a [`Trace`] in place, with the same rules as a HAR: the extension can redact the
//! recorded trace itself, then analyse it, so the report it shares holds pseudonyms only.

use crate::trace::{Body, Exchange, Trace};

use super::body::BodyOutcome;
use super::encoding::Wire;
use super::names::hidden_field_kind;
use super::receipt::loc;
use super::redactor::Redactor;

impl Redactor {
    /// Redacts every part of a trace in place, then replaces values seen as secret anywhere
    /// wherever else they appear. The checks give the same statuses on the result for
    /// everything they decide by comparing values.
    pub fn redact_trace(&mut self, trace: &mut Trace) {
        for ex in &mut trace.exchanges {
            self.redact_exchange(ex);
        }
        self.loc = loc::NAVIGATIONS;
        for n in &mut trace.navigations {
            n.url = self.redact_url(&n.url);
        }
        self.loc = loc::SNAPSHOTS;
        for page in &mut trace.pages {
            page.url = self.redact_url(&page.url);
            for f in &mut page.favicons {
                f.href = self.redact_url(&f.href);
            }
            for l in &mut page.logos {
                l.src = self.redact_url(&l.src);
            }
            for i in &mut page.images {
                i.src = self.redact_url(&i.src);
            }
            for l in &mut page.links {
                l.href = self.redact_url(&l.href);
            }
            for form in &mut page.forms {
                form.action = self.redact_url(&form.action);
                for field in &mut form.fields {
                    if let Some(value) = &field.value {
                        field.value = Some(match hidden_field_kind(&field.name, value) {
                            Some(kind) => self.redact_named_value(kind, value, Wire::Plain),
                            None => self.redact_free_value(value, Wire::Plain),
                        });
                    }
                }
            }
            for b in &mut page.buttons {
                if !b.value.is_empty() {
                    b.value = match hidden_field_kind(&b.name, &b.value) {
                        Some(kind) => self.redact_named_value(kind, &b.value, Wire::Plain),
                        None => self.redact_free_value(&b.value, Wire::Plain),
                    };
                }
            }
            for field in &mut page.hidden_fields {
                field.value = match hidden_field_kind(&field.name, &field.value) {
                    Some(kind) => self.redact_named_value(kind, &field.value, Wire::Plain),
                    None => self.redact_free_value(&field.value, Wire::Plain),
                };
            }
            for text in page
                .title
                .iter_mut()
                .chain(page.app_name.iter_mut())
                .chain(page.powered_by.iter_mut())
                .chain(page.buttons.iter_mut().map(|b| &mut b.text))
                .chain(page.headings.iter_mut().map(|h| &mut h.text))
                .chain(page.links.iter_mut().map(|l| &mut l.text))
                .chain(page.name_hints.iter_mut().map(|h| &mut h.text))
                .chain(page.list_items.iter_mut())
                .chain(page.text.iter_mut())
            {
                if let Some(t) = self.redact_text(text) {
                    *text = t;
                }
            }
        }
        self.loc = loc::SCREENSHOTS;
        for s in &mut trace.screenshots {
            s.url = self.redact_url(&s.url);
        }
        self.loc = loc::LOG_OTHER;
        for note in &mut trace.capture.notes {
            if let Some(t) = self.redact_text(note) {
                *note = t;
            }
        }
        // Known values everywhere: through the JSON form, which every part of a trace has.
        if let Ok(mut v) = serde_json::to_value(&*trace) {
            if self.scrub_value(&mut v) {
                if let Ok(t) = serde_json::from_value(v) {
                    *trace = t;
                }
            }
        }
    }

    fn redact_exchange(&mut self, ex: &mut Exchange) {
        self.loc = loc::REQUEST_URL;
        ex.url = self.redact_url(&ex.url);
        if let Some(i) = &ex.initiator {
            ex.initiator = Some(self.redact_url(i));
        }
        self.loc = loc::REQUEST_HEADERS;
        for h in &mut ex.request_headers {
            h.value = self.redact_header(&h.name, &h.value);
        }
        self.loc = loc::REQUEST_BODY;
        if let Some(form) = &mut ex.form {
            for p in form {
                p.value = self.redact_named_or_free(&p.name, &p.value, Wire::Plain);
            }
        }
        if let Some(body) = &mut ex.request_body {
            self.redact_trace_body(body);
        }
        if let Some(r) = &mut ex.response {
            self.loc = loc::RESPONSE_HEADERS;
            for h in &mut r.headers {
                h.value = self.redact_header(&h.name, &h.value);
            }
            self.loc = loc::RESPONSE_BODY;
            if let Some(body) = &mut r.body {
                self.redact_trace_body(body);
            }
        }
        if let Some(e) = &ex.error {
            ex.error = Some(self.redact_text(e).unwrap_or_else(|| e.clone()));
        }
    }

    fn redact_trace_body(&mut self, body: &mut Body) {
        match self.redact_body(&body.mime_type, &body.text) {
            BodyOutcome::Unchanged => {}
            BodyOutcome::Changed(t) => body.text = t,
            BodyOutcome::Whole(reason) => body.text = self.whole("body", &body.text, reason),
        }
    }
}
