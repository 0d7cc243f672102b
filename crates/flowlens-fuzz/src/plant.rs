//! Planting secrets where a trace or a HAR carries them, for the targets that check they never
//! come out: reports (masked) and redacted HARs (replaced, everywhere).

use arbitrary::{Result, Unstructured};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use flowlens_core::trace::{Body, Header, Navigation, Param};
use flowlens_core::Trace;

use crate::leak;

/// Names of query and form parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "access_token",
    "id_token",
    "refresh_token",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "password",
    "token",
];

fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (before, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if before.contains('?') { '&' } else { '?' };
    let mut out = format!("{before}{sep}{name}={value}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn with_fragment_param(url: &str, name: &str, value: &str) -> String {
    if url.contains('#') {
        format!("{url}&{name}={value}")
    } else {
        format!("{url}#{name}={value}")
    }
}

/// Plants up to three secrets where reports must mask them; returns them.
pub fn in_trace(u: &mut Unstructured<'_>, trace: &mut Trace) -> Result<Vec<String>> {
    let mut planted = Vec::new();
    if trace.exchanges.is_empty() {
        return Ok(planted);
    }
    for n in 0..u.int_in_range(0..=3)? {
        let secret = leak::secret(u, n, true)?;
        let i = u.choose_index(trace.exchanges.len())?;
        let name = *u.choose(SECRET_PARAMS)?;
        let ex = &mut trace.exchanges[i];
        match u.int_in_range(0..=7)? {
            0 => ex.url = with_query_param(&ex.url, name, &secret),
            1 => ex.url = with_fragment_param(&ex.url, "access_token", &secret),
            2 => ex
                .form
                .get_or_insert_with(Vec::new)
                .push(Param::new(name, &secret)),
            3 => {
                let (header, value) = *u.choose(&[
                    ("Authorization", "Bearer "),
                    ("Cookie", "sid="),
                    ("X-Api-Key", ""),
                ])?;
                ex.request_headers
                    .push(Header::new(header, format!("{value}{secret}")));
            }
            4 => {
                if let Some(r) = ex.response.as_mut() {
                    r.headers.push(Header::new(
                        "Set-Cookie",
                        format!("sid={secret}; Secure; HttpOnly; SameSite=Lax"),
                    ));
                }
            }
            5 => {
                if let Some(r) = ex.response.as_mut() {
                    r.body = Some(Body {
                        mime_type: "application/json".into(),
                        text: json!({"access_token": secret, "token_type": "Bearer",
                                     "refresh_token": format!("{secret}r")})
                        .to_string(),
                        truncated: false,
                    });
                }
            }
            6 => {
                let location = ex.response.as_mut().and_then(|r| {
                    r.headers
                        .iter_mut()
                        .find(|h| h.name.eq_ignore_ascii_case("location"))
                });
                match location {
                    Some(h) => h.value = with_query_param(&h.value, "code", &secret),
                    None => continue,
                }
            }
            _ => {
                let at = ex.time_ms;
                let url = with_fragment_param(&ex.url, "access_token", &secret);
                trace.navigations.push(Navigation {
                    time_ms: at,
                    url,
                    ..Navigation::default()
                });
            }
        }
        planted.push(secret);
    }
    Ok(planted)
}

/// Percent-encodes for a query string or form body.
fn form(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Plants up to four secrets in a HAR document where the redaction must find them, and each
/// also somewhere it can only find it by its value ("replaced everywhere"); returns them.
pub fn in_har(u: &mut Unstructured<'_>, har: &mut Value) -> Result<Vec<String>> {
    let mut planted = Vec::new();
    let count = har["log"]["entries"].as_array().map_or(0, Vec::len);
    if count == 0 {
        return Ok(planted);
    }
    // Each secret, and each echo, in an entry of its own: a later one must not overwrite the
    // place that makes an earlier one a secret.
    let mut used = Vec::new();
    for n in 0..u.int_in_range(0..=4)? {
        let secret = leak::secret(u, n, false)?;
        let Some(i) = unused(u, count, &mut used)? else {
            break;
        };
        let name = *u.choose(SECRET_PARAMS)?;
        let entry = &mut har["log"]["entries"][i];
        let planted_here = match u.int_in_range(0..=10)? {
            0 => set_url(entry, |url| with_query_param(url, name, &form(&secret))),
            1 => set_url(entry, |url| {
                with_fragment_param(url, "access_token", &form(&secret))
            }),
            2 => push(
                &mut entry["request"]["headers"],
                json!({"name": "Authorization", "value": format!("Bearer {secret}")}),
            ),
            3 => push(
                &mut entry["request"]["headers"],
                json!({"name": "Authorization",
                       "value": format!("Basic {}", STANDARD.encode(format!("m2m_1:{secret}")))}),
            ),
            4 => {
                push(
                    &mut entry["request"]["cookies"],
                    json!({"name": "sid", "value": secret}),
                ) && push(
                    &mut entry["request"]["headers"],
                    json!({"name": "Cookie", "value": format!("lang=en; sid={secret}")}),
                )
            }
            5 => push(
                &mut entry["response"]["headers"],
                json!({"name": "Set-Cookie", "value": format!("__Host-sid={secret}; Path=/; Secure")}),
            ),
            6 => {
                entry["request"]["postData"] = json!({
                    "mimeType": "application/x-www-form-urlencoded",
                    "text": format!("grant_type=authorization_code&{name}={}", form(&secret)),
                    "params": [{"name": "grant_type", "value": "authorization_code"},
                               {"name": name, "value": secret}],
                });
                true
            }
            7 => set_content(
                entry,
                "application/json",
                &json!({"refresh_token": secret, "token_type": "Bearer"}).to_string(),
                u.arbitrary()?,
            ),
            8 => set_content(
                entry,
                "text/html",
                &format!(
                    "<html><form><input type=\"password\" name=\"pw\" value=\"{secret}\"></form></html>"
                ),
                u.arbitrary()?,
            ),
            9 => {
                let target = format!("https://app.acme.test/callback?code={}&state=s", form(&secret));
                entry["response"]["redirectURL"] = json!(target);
                push(
                    &mut entry["response"]["headers"],
                    json!({"name": "Location", "value": target}),
                )
            }
            _ => set_url(entry, |url| match url.split_once("://") {
                Some((scheme, rest)) => {
                    let userinfo: String = secret
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect();
                    format!("{scheme}://user:{userinfo}@{rest}")
                }
                None => url.to_string(),
            }),
        };
        if !planted_here {
            continue;
        }
        echo(u, har, &secret, &mut used)?;
        planted.push(secret);
    }
    Ok(planted)
}

/// An entry index not used yet (marked used), if any is left.
fn unused(u: &mut Unstructured<'_>, count: usize, used: &mut Vec<usize>) -> Result<Option<usize>> {
    let free: Vec<usize> = (0..count).filter(|i| !used.contains(i)).collect();
    if free.is_empty() {
        return Ok(None);
    }
    let i = *u.choose(&free)?;
    used.push(i);
    Ok(Some(i))
}

/// The secret again somewhere only its value gives it away: the comment, a harmless header,
/// a harmless query parameter, a text body.
fn echo(
    u: &mut Unstructured<'_>,
    har: &mut Value,
    secret: &str,
    used: &mut Vec<usize>,
) -> Result<()> {
    let count = har["log"]["entries"].as_array().map_or(0, Vec::len);
    if !u.arbitrary::<bool>()? {
        return Ok(());
    }
    let Some(i) = unused(u, count, used)? else {
        return Ok(());
    };
    let entry = &mut har["log"]["entries"][i];
    match u.int_in_range(0..=3)? {
        0 => har["log"]["comment"] = json!(format!("seen {secret} here")),
        1 => {
            push(
                &mut entry["request"]["headers"],
                json!({"name": "X-Debug", "value": format!("token={secret}")}),
            );
        }
        2 => {
            set_url(entry, |url| with_query_param(url, "echo", &form(secret)));
        }
        _ => {
            set_content(entry, "text/plain", &format!("debug: {secret}\n"), false);
        }
    }
    Ok(())
}

fn set_url(entry: &mut Value, edit: impl FnOnce(&str) -> String) -> bool {
    match entry["request"]["url"].as_str() {
        Some(url) => {
            let new = edit(url);
            entry["request"]["url"] = json!(new);
            // The parsed copy HAR writers keep beside the URL: the redaction rebuilds it.
            entry["request"]["queryString"] = json!([]);
            true
        }
        None => false,
    }
}

fn push(list: &mut Value, item: Value) -> bool {
    match list.as_array_mut() {
        Some(a) => {
            a.push(item);
            true
        }
        None => false,
    }
}

fn set_content(entry: &mut Value, mime: &str, text: &str, base64: bool) -> bool {
    if !entry["response"].is_object() {
        return false;
    }
    entry["response"]["content"] = if base64 {
        json!({"size": text.len(), "mimeType": mime, "encoding": "base64",
               "text": STANDARD.encode(text)})
    } else {
        json!({"size": text.len(), "mimeType": mime, "text": text})
    };
    true
}
