//! Bodies: form and multipart fields, JSON values under secret names (nested at any depth),
//! HTML inputs and URL attributes, `name=value` and `"name": "value"` patterns in any other
//! text (scripts, inline JSON), and JWTs everywhere. A body that should parse and does not
//! (malformed JSON, a multipart body without its boundary) is pseudonymised whole.

use serde_json::Value;

use super::encoding::{html_escape, html_unescape, Wire};
use super::names::param_kind;
use super::redactor::Redactor;
use super::url::looks_like_url_with_params;

/// What became of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyOutcome {
    Unchanged,
    Changed(String),
    /// The body could not be parsed; the reason goes in the receipt.
    Whole(&'static str),
}

/// The family of a MIME type, as far as redaction cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Form,
    Multipart,
    Json,
    Jwt,
    Html,
    Text,
    Binary,
}

pub(crate) fn body_kind(mime: &str, text: &str) -> BodyKind {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => BodyKind::Form,
        "multipart/form-data" => BodyKind::Multipart,
        "application/jwt" => BodyKind::Jwt,
        "text/html" | "application/xhtml+xml" => BodyKind::Html,
        e if e == "application/json" || e.ends_with("+json") || e == "text/json" => BodyKind::Json,
        e if e.starts_with("text/")
            || e.contains("javascript")
            || e.contains("xml")
            || e.contains("ecmascript") =>
        {
            BodyKind::Text
        }
        "" => sniff(text),
        e if e.starts_with("image/")
            || e.starts_with("font/")
            || e.starts_with("audio/")
            || e.starts_with("video/")
            || e.contains("octet-stream")
            || e.contains("wasm")
            || e.contains("pdf")
            || e.contains("zip")
            || e.contains("protobuf") =>
        {
            BodyKind::Binary
        }
        _ => sniff(text),
    }
}

fn sniff(text: &str) -> BodyKind {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() {
            BodyKind::Json
        } else {
            BodyKind::Text
        }
    } else if t.starts_with('<') {
        BodyKind::Html
    } else {
        BodyKind::Text
    }
}

impl Redactor {
    /// Redacts a body given as text.
    pub(crate) fn redact_body(&mut self, mime: &str, text: &str) -> BodyOutcome {
        if text.is_empty() || super::pseudonym::is_pseudonym(text) {
            return BodyOutcome::Unchanged;
        }
        let new = match body_kind(mime, text) {
            BodyKind::Form => Some(self.redact_pairs(text)),
            BodyKind::Multipart => match self.redact_multipart(mime, text) {
                Some(t) => Some(t),
                None => return BodyOutcome::Whole("multipart body without a usable boundary"),
            },
            BodyKind::Json => match serde_json::from_str::<Value>(text) {
                Ok(mut v) => self.redact_json(&mut v).then(|| {
                    if text.contains('\n') {
                        serde_json::to_string_pretty(&v).unwrap_or_default()
                    } else {
                        serde_json::to_string(&v).unwrap_or_default()
                    }
                }),
                Err(_) => return BodyOutcome::Whole("JSON body that does not parse"),
            },
            BodyKind::Jwt => Some(self.redact_jwt(text.trim(), Some("token"))),
            BodyKind::Html => self.redact_html(text),
            BodyKind::Text => self.redact_text(text),
            BodyKind::Binary => None,
        };
        match new {
            Some(n) if n != text => BodyOutcome::Changed(n),
            _ => BodyOutcome::Unchanged,
        }
    }

    /// Pseudonymises values under secret names at any depth, and nested URLs and JWTs in any
    /// string. Returns whether anything changed.
    pub(crate) fn redact_json(&mut self, v: &mut Value) -> bool {
        match v {
            Value::Object(map) => {
                let mut changed = false;
                for (key, item) in map.iter_mut() {
                    changed |= match param_kind(key) {
                        Some(kind) => self.redact_json_named(kind, item),
                        None => self.redact_json(item),
                    };
                }
                changed
            }
            Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= self.redact_json(item);
                }
                changed
            }
            Value::String(s) => {
                let new = self.redact_free_value(s, Wire::Plain);
                let new = self.redact_text(&new).unwrap_or(new);
                replace_if_changed(s, new)
            }
            _ => false,
        }
    }

    pub(crate) fn redact_json_named(&mut self, kind: &'static str, v: &mut Value) -> bool {
        match v {
            Value::String(s) => {
                let new = self.redact_named_value(kind, s, Wire::Plain);
                replace_if_changed(s, new)
            }
            // A flag is never a secret (`"has_password_field": true`).
            Value::Bool(_) => false,
            Value::Number(_) => {
                *v = Value::String(self.pseudonymize(kind, &v.to_string(), Wire::Plain));
                true
            }
            Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= self.redact_json_named(kind, item);
                }
                changed
            }
            Value::Object(_) => self.redact_json(v),
            Value::Null => false,
        }
    }

    /// HTML: values of inputs and meta tags with secret names (and of every password input),
    /// URLs in attributes; then the text patterns over the whole page (inline scripts).
    pub(crate) fn redact_html(&mut self, html: &str) -> Option<String> {
        let mut out = String::with_capacity(html.len());
        let mut last = 0;
        let bytes = html.as_bytes();
        let mut i = 0;
        while let Some(lt) = html[i..].find('<').map(|p| p + i) {
            let Some(tag) = parse_tag(html, lt) else {
                i = lt + 1;
                continue;
            };
            let edits = self.tag_edits(html, &tag);
            for (range, text) in edits {
                out.push_str(&html[last..range.start]);
                out.push_str(&text);
                last = range.end;
            }
            i = tag.end;
            // Skip raw text elements so that `a<b` in a script is not read as a tag.
            if matches!(tag.name.as_str(), "script" | "style") {
                let close = format!("</{}", tag.name);
                i = find_ci(html, &close, i).unwrap_or(bytes.len());
            }
        }
        out.push_str(&html[last..]);
        let after_tags = out;
        let after_text = self.redact_text(&after_tags);
        let result = after_text.unwrap_or(after_tags);
        (result != html).then_some(result)
    }

    fn tag_edits(&mut self, html: &str, tag: &Tag) -> Vec<(std::ops::Range<usize>, String)> {
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|a| a.name == name)
                .map(|a| html_unescape(&html[a.value.clone()]))
        };
        let field_name = attr("name").or_else(|| attr("id"));
        let input_type = attr("type").unwrap_or_default().to_ascii_lowercase();
        let is_password = input_type == "password";
        let is_hidden = input_type == "hidden";
        let value_attr = match tag.name.as_str() {
            "meta" => "content",
            _ => "value",
        };
        let kind = match tag.name.as_str() {
            "input" | "textarea" | "param" | "option" | "button" | "meta" => {
                if is_password {
                    Some("password")
                } else if is_hidden {
                    let value = attr(value_attr).unwrap_or_default();
                    field_name
                        .as_deref()
                        .and_then(|n| super::names::hidden_field_kind(n, &value))
                } else {
                    field_name.as_deref().and_then(param_kind)
                }
            }
            _ => None,
        };
        let mut edits = Vec::new();
        for a in &tag.attrs {
            let raw = &html[a.value.clone()];
            if raw.is_empty() {
                continue;
            }
            let value = html_unescape(raw);
            let new = if Some(a.name.as_str()) == kind.map(|_| value_attr) {
                self.redact_named_value(kind.unwrap_or("value"), &value, Wire::Plain)
            } else if matches!(
                a.name.as_str(),
                "href" | "src" | "action" | "formaction" | "data" | "poster" | "cite" | "content"
            ) && (looks_like_url_with_params(&value) || value.contains("url="))
            {
                match value.to_ascii_lowercase().find("url=") {
                    Some(p) if a.name == "content" => {
                        format!("{}{}", &value[..p + 4], self.redact_url(&value[p + 4..]))
                    }
                    _ => self.redact_url(&value),
                }
            } else {
                match self.redact_jwts_in(&value) {
                    Some(n) => n,
                    None => continue,
                }
            };
            if new != value {
                edits.push((a.value.clone(), html_escape(&new)));
            }
        }
        edits
    }

    /// Secret-looking assignments in free text: `"name": "value"`, `name: 'value'`,
    /// `name = "value"` and `name=value` (no spaces), for secret names; then JWTs.
    pub(crate) fn redact_text(&mut self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut last = 0;
        let b = text.as_bytes();
        // Every assignment has a `=` or `:`: jump from one to the next and look back for a name.
        for sep in memchr::memchr2_iter(b'=', b':', b) {
            let Some((start, end)) = name_before(b, sep) else {
                continue;
            };
            let name = &text[start..end];
            let Some((value, wire)) = assignment_value(text, start, end) else {
                continue;
            };
            if value.start < last {
                continue;
            }
            let Some(kind) = param_kind(name) else {
                continue;
            };
            let raw = &text[value.clone()];
            let decoded = if raw.contains('\\') {
                serde_json::from_str::<String>(&format!("\"{raw}\""))
                    .unwrap_or_else(|_| raw.to_string())
            } else {
                raw.to_string()
            };
            let new = self.redact_named_value(kind, &decoded, wire);
            if new != decoded {
                out.push_str(&text[last..value.start]);
                out.push_str(&new);
                last = value.end;
            }
        }
        let result = if last == 0 {
            None
        } else {
            out.push_str(&text[last..]);
            Some(out)
        };
        let base = result.as_deref().unwrap_or(text);
        match self.redact_jwts_in(base) {
            Some(n) => Some(n),
            None => result,
        }
    }

    /// `multipart/form-data`: each field's value by its name; a part with its own content
    /// type is redacted as a body of that type. `None` when the body is not multipart.
    fn redact_multipart(&mut self, mime: &str, text: &str) -> Option<String> {
        let boundary = mime.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("boundary"))
                .then(|| v.trim().trim_matches('"').to_string())
        })?;
        let delimiter = format!("--{boundary}");
        if boundary.is_empty() || !text.contains(&delimiter) {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        for (n, part) in text.split(&delimiter).enumerate() {
            if n > 0 {
                out.push_str(&delimiter);
            }
            let Some((head_end, body_start)) = part
                .find("\r\n\r\n")
                .map(|p| (p, p + 4))
                .or_else(|| part.find("\n\n").map(|p| (p, p + 2)))
            else {
                out.push_str(part);
                continue;
            };
            let head = &part[..head_end];
            let body_end = part
                .rfind("\r\n")
                .filter(|&e| e >= body_start)
                .or_else(|| part.rfind('\n').filter(|&e| e >= body_start))
                .unwrap_or(part.len());
            let body = &part[body_start..body_end];
            let name = head.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("name"))
                    .then(|| v.trim().trim_matches('"').to_string())
            });
            let content_type = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-type")
                    .then(|| v.trim().to_string())
            });
            let new_body = match (name.as_deref().and_then(param_kind), content_type) {
                (Some(kind), _) => self.redact_named_value(kind, body, Wire::Plain),
                (None, Some(ct)) => match self.redact_body(&ct, body) {
                    BodyOutcome::Changed(b) => b,
                    BodyOutcome::Unchanged => body.to_string(),
                    BodyOutcome::Whole(reason) => self.whole("body", body, reason),
                },
                (None, None) => self.redact_text(body).unwrap_or_else(|| body.to_string()),
            };
            out.push_str(&part[..body_start]);
            out.push_str(&new_body);
            out.push_str(&part[body_end..]);
        }
        Some(out)
    }
}

fn replace_if_changed(s: &mut String, new: String) -> bool {
    if *s == new {
        false
    } else {
        *s = new;
        true
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The name (`start..end`) a `=` or `:` at `sep` may assign to: an identifier right before it,
/// possibly quoted, possibly followed by a few spaces.
fn name_before(b: &[u8], sep: usize) -> Option<(usize, usize)> {
    if matches!(b.get(sep + 1), Some(b'=' | b'>' | b':'))
        || sep > 0 && matches!(b[sep - 1], b'=' | b'!' | b'<' | b'>' | b':')
    {
        return None;
    }
    let mut k = sep;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t') && sep - k < 8 {
        k -= 1;
    }
    let end = if k > 0 && matches!(b[k - 1], b'"' | b'\'') {
        k - 1
    } else {
        k
    };
    let mut start = end;
    while start > 0 && is_ident(b[start - 1]) && end - start <= 48 {
        start -= 1;
    }
    let len = end - start;
    ((3..=48).contains(&len) && (start == 0 || !is_ident(b[start - 1]))).then_some((start, end))
}

/// After a name at `start..end`: the range of its assigned value, when the text assigns one.
fn assignment_value(
    text: &str,
    start: usize,
    end: usize,
) -> Option<(std::ops::Range<usize>, Wire)> {
    let b = text.as_bytes();
    let quoted_name =
        start > 0 && matches!(b[start - 1], b'"' | b'\'') && b.get(end) == Some(&b[start - 1]);
    let mut j = if quoted_name { end + 1 } else { end };
    let tight = !quoted_name && b.get(j) == Some(&b'=');
    while j < b.len() && matches!(b[j], b' ' | b'\t') && j < end + 8 {
        j += 1;
    }
    let sep = *b.get(j)?;
    if sep != b':' && sep != b'=' {
        return None;
    }
    // `==`, `=>`, `::` are code, not assignments.
    if matches!(b.get(j + 1), Some(b'=' | b'>' | b':')) {
        return None;
    }
    j += 1;
    let after_sep = j;
    while j < b.len() && matches!(b[j], b' ' | b'\t') && j < after_sep + 8 {
        j += 1;
    }
    match b.get(j) {
        Some(&q @ (b'"' | b'\'')) => {
            let open = j + 1;
            let mut k = open;
            while k < b.len() && b[k] != q && b[k] != b'\n' {
                if b[k] == b'\\' {
                    k += 1;
                }
                k += 1;
            }
            (k < b.len() && b[k] == q && k > open).then_some((open..k, Wire::Plain))
        }
        Some(_) if tight && j == after_sep => {
            let mut k = j;
            while k < b.len()
                && !matches!(
                    b[k],
                    b'&' | b' '
                        | b'\t'
                        | b'\r'
                        | b'\n'
                        | b';'
                        | b','
                        | b'"'
                        | b'\''
                        | b'<'
                        | b'>'
                        | b')'
                        | b'}'
                        | b']'
                        | b'#'
                )
            {
                k += 1;
            }
            (k > j).then_some((j..k, Wire::Url))
        }
        _ => None,
    }
}

struct Tag {
    name: String,
    attrs: Vec<Attr>,
    end: usize,
}

struct Attr {
    name: String,
    value: std::ops::Range<usize>,
}

/// Parses `<name attr="v" attr2=v2 attr3>` at `lt`.
fn parse_tag(html: &str, lt: usize) -> Option<Tag> {
    let b = html.as_bytes();
    let mut i = lt + 1;
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => break,
            _ => {}
        }
        let a_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let a_name = html[a_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            if i == a_start {
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let open = i + 1;
                let close = html[open..].find(q as char).map(|c| c + open)?;
                i = close + 1;
                open..close
            }
            Some(_) => {
                let open = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                open..i
            }
            None => return None,
        };
        attrs.push(Attr {
            name: a_name,
            value,
        });
    }
    Some(Tag {
        name,
        attrs,
        end: i + 1,
    })
}

fn find_ci(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (from..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::new([5; 32])
    }

    #[test]
    fn json_values_under_secret_names_at_any_depth() {
        let mut r = r();
        let body = r#"{"access_token":"opaque-access-1","token_type":"Bearer","expires_in":3600,"nested":{"refresh_token":"opaque-refresh-2","otp":123456},"list":[{"client_secret":"cs-3-secret"}]}"#;
        let BodyOutcome::Changed(out) = r.redact_body("application/json", body) else {
            panic!("nothing redacted")
        };
        for s in [
            "opaque-access-1",
            "opaque-refresh-2",
            "123456",
            "cs-3-secret",
        ] {
            assert!(!out.contains(s), "{s} in {out}");
        }
        assert!(out.contains("\"token_type\":\"Bearer\"") && out.contains("\"expires_in\":3600"));
        assert_eq!(
            r.redact_body("application/json", "{\"access_token\": \"abc"),
            BodyOutcome::Whole("JSON body that does not parse")
        );
    }

    #[test]
    fn html_inputs_urls_and_scripts() {
        let mut r = r();
        let html = r#"<html><head><meta name="csrf-token" content="csrf-secret-1"></head><body>
<form action="/login?state=st-42-abc&amp;x=1" method=post>
<input type="hidden" name="login_request_id" value="lri_secret_42">
<input type=password name=pw value='pass-word-9'>
<a href="https://app.test/cb?code=code-secret-7&amp;iss=x">go</a>
<script>if (a<b) { window.cfg = {"access_token": "tok-in-script-1", other: 'x'}; var code = "code-in-js-2"; }</script>
</body></html>"#;
        let out = r.redact_html(html).expect("changed");
        for s in [
            "csrf-secret-1",
            "st-42-abc",
            "lri_secret_42",
            "pass-word-9",
            "code-secret-7",
            "tok-in-script-1",
            "code-in-js-2",
        ] {
            assert!(!out.contains(s), "{s} in {out}");
        }
        assert!(
            out.contains("&amp;x=1") && out.contains("&amp;iss=x"),
            "{out}"
        );
        assert!(out.contains("other: 'x'"), "{out}");
    }

    #[test]
    fn text_patterns_need_an_assignment() {
        let mut r = r();
        assert_eq!(r.redact_text("the code: below, state is fine"), None);
        assert_eq!(r.redact_text("if (code == 3) return"), None);
        let out = r
            .redact_text("url?code=abcdef12&x=1 and password = \"hunter2!\"")
            .expect("changed");
        assert!(
            !out.contains("abcdef12") && !out.contains("hunter2!"),
            "{out}"
        );
    }

    #[test]
    fn multipart_fields() {
        let mut r = r();
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nmultipart-pass-1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ--\r\n";
        let BodyOutcome::Changed(out) = r.redact_body("multipart/form-data; boundary=XyZ", body)
        else {
            panic!("nothing redacted")
        };
        assert!(
            !out.contains("multipart-pass-1") && out.contains("\r\n\r\nhello\r\n"),
            "{out}"
        );
        assert_eq!(
            r.redact_body("multipart/form-data", body),
            BodyOutcome::Whole("multipart body without a usable boundary")
        );
    }
}
