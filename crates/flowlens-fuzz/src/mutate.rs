//! Structure-aware traces: a seed trace, mutated through its JSON form by fuzzer-chosen edits.
//!
//! Mutating the JSON form rather than the Rust types keeps the generator working while the
//! trace model grows: a new field is carried along untouched, a renamed one is simply not
//! edited. The edits are those that make flows interesting: OAuth parameters added, dropped,
//! duplicated, re-encoded or damaged; hosts, statuses, headers and bodies swapped; exchanges
//! duplicated, dropped, moved, re-timed; noise inserted (so that flows sit in long sessions);
//! hostile strings anywhere.

use arbitrary::{Result, Unstructured};
use serde_json::{json, Value};

use flowlens_core::Trace;

/// Strings a page, a server or a broken export could put anywhere.
pub const HOSTILE: &[&str] = &[
    "",
    " ",
    "%",
    "%zz",
    "%%25",
    "%00",
    "\u{0}",
    "\r\n",
    "\u{1b}[31mred\u{1b}[0m",
    "\u{202e}evil\u{202c}",
    "\u{feff}",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "../../etc/passwd",
    "é",
    "👩‍💻",
    "\u{10ffff}",
    "a\tb",
    "NaN",
    "-0",
    "1e400",
    "null",
    "[]",
    "{}",
    "{\"a\":",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2F1dGguYWNtZS50ZXN0In0.c2ln",
    "Bearer",
    "Bearer resource_metadata=\"https://mcp.acme.test/.well-known/oauth-protected-resource/mcp\"",
    "Bearer realm=\"x\", resource_metadata=",
    "Basic dXNlcjpwYXNz",
];

const HOSTS: &[&str] = &[
    "auth.acme.test",
    "AUTH.ACME.TEST",
    "login.acme.test",
    "app.acme.test",
    "mcp.acme.test",
    "acme-x7q2.scalekit.com",
    "acme-x7q2.scalekit.dev",
    "cdn.scalekit.com",
    "auth.acme.test:8443",
    "auth.acme.test.",
    "127.0.0.1",
    "[::1]",
    "xn--80ak6aa92e.com",
    "user:pw@auth.acme.test",
    "",
];

const PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "resource",
    "scope",
    "iss",
    "error",
    "error_description",
    "access_token",
    "id_token",
    "token_type",
    "login_request_id",
    "nonce",
    "grant_type",
    "client_secret",
    "prompt",
    "request_id",
    "connection_id",
    "password",
];

const VALUES: &[&str] = &[
    "code",
    "token",
    "code id_token",
    "S256",
    "plain",
    "authorization_code",
    "refresh_token",
    "invalid_state",
    "access_denied",
    "https://app.acme.test/callback",
    "https%3A%2F%2Fapp.acme.test%2Fcallback",
    "https://mcp.acme.test/mcp",
    "https://auth.acme.test",
    "https://auth.acme.test/resources/res_1",
    "cursor://cb",
    "http://localhost:3000/cb",
    "m2m_123",
    "lri_42",
    "Cmz-pw6L4b3Vy+Xg/vJvv=",
    "a%2Bb",
    "a+b",
    "a%252Bb",
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "0",
    "1",
];

const PATHS: &[&str] = &[
    "/oauth/authorize",
    "/oauth/consent",
    "/oauth/token",
    "/login",
    "/callback",
    "/mcp",
    "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
    "/api/v1/resources/res_1/clients:register",
    "/register",
    "/sso/v1/connections/conn_987/partner:callback",
    "/a/auth/error",
    "/api/v1/connections/conn_1/auth-requests/lri_1/user",
    "/assets/logo.png",
    "/favicon.ico",
    "",
    "/",
];

const HEADERS: &[&str] = &[
    "Location",
    "WWW-Authenticate",
    "Set-Cookie",
    "Cookie",
    "Content-Type",
    "Referrer-Policy",
    "Referer",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Cache-Control",
    "Authorization",
    "Origin",
    "Accept",
    "Mcp-Session-Id",
    "MCP-Protocol-Version",
];

const HEADER_VALUES: &[&str] = &[
    "text/html",
    "application/json",
    "application/x-www-form-urlencoded",
    "no-store",
    "max-age=31536000; includeSubDomains",
    "max-age=0",
    "DENY",
    "SAMEORIGIN",
    "frame-ancestors 'none'",
    "no-referrer",
    "unsafe-url",
    "*",
    "true",
    "sid=abc; Secure; HttpOnly; SameSite=Lax",
    "sid=abc",
    "https://evil.test",
    "2025-06-18",
];

const STATUSES: &[u64] = &[
    0, 1, 100, 200, 201, 204, 301, 302, 303, 307, 308, 399, 400, 401, 403, 404, 500, 999, 1000,
    65535,
];

const TIMES: &[f64] = &[
    0.0,
    -1.0,
    1.0,
    1e15,
    1e308,
    -1e308,
    1_731_578_400_000.0,
    1_731_578_400_000.5,
];

/// Time shifts that cross the windows flows are reconstructed with.
const SHIFTS: &[f64] = &[
    1.0,
    -1.0,
    999.0,
    60_000.0,
    5.0 * 60_000.0 + 1.0,
    10.0 * 60_000.0 + 1.0,
    15.0 * 60_000.0 + 1.0,
    30.0 * 60_000.0 + 1.0,
    40.0 * 60_000.0 + 1.0,
    3_600_000.0,
    -3_600_000.0,
    86_400_000.0,
];

const BODIES: &[&str] = &[
    "{}",
    "[]",
    "null",
    "{\"issuer\":\"https://auth.acme.test\",\"authorization_endpoint\":\"https://auth.acme.test/oauth/authorize\",\"token_endpoint\":\"https://auth.acme.test/oauth/token\",\"code_challenge_methods_supported\":[\"S256\"]}",
    "{\"resource\":\"https://mcp.acme.test/mcp\",\"authorization_servers\":[\"https://auth.acme.test\"]}",
    "{\"resource\":{\"name\":\"mcp-prod-v2\"}}",
    "{\"access_token\":\"x\",\"token_type\":\"Bearer\"}",
    "{\"error\":\"invalid_grant\"}",
    "{\"client_id\":\"m2m_1\",\"redirect_uris\":[\"https://app.acme.test/callback\"]}",
    "<!doctype html><html><head><link rel=\"icon\" href=\"/favicon.ico\"><title>Sign in</title></head><body><form><input type=\"password\" name=\"password\"></form></body></html>",
    "<html><body><img class=\"logo\" src=\"https://cdn.scalekit.com/logo.svg\" alt=\"Scalekit\"><form method=\"post\"><button>Allow</button></form><p>Powered by Scalekit</p></body></html>",
    "<html><body><h1>Acme Calendar wants to access your account</h1><form><button>Authorize</button></form></body></html>",
    "<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://app.acme.test/callback?code=c&state=s\"></head></html>",
    "<html><img src=\"http://insecure.test/x.png\"><script src=\"http://insecure.test/a.js\"></script></html>",
    "<",
    "<!--",
    "<html><body style=\"background:#fff\"><button style=\"background-color: rgb(10, 102, 194)\">Allow</button></body></html>",
];

/// A trace: one of the seeds, edited a number of times.
pub fn trace(u: &mut Unstructured<'_>) -> Result<Trace> {
    let seeds = crate::seeds::traces();
    let seed = u.choose(seeds)?;
    let mut v = serde_json::to_value(seed).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let edits = u.int_in_range(0..=24)?;
    for _ in 0..edits {
        if u.is_empty() {
            break;
        }
        edit(u, &mut v)?;
    }
    // Times stay finite, as every surface gives them: JSON has no NaN or infinity (a trace
    // JSON with 1e400 does not read), HAR times are parsed dates, the recorder keeps finite
    // times only.
    serde_json::from_value(v).map_err(|_| arbitrary::Error::IncorrectFormat)
}

/// Sometimes, the trace as the extension records it (discovery documents without their
/// bodies), then the documents it fetches again attached (`fetched`): answers, failures and
/// hostile bodies as the servers give them.
pub fn fetched(u: &mut Unstructured<'_>, trace: &mut Trace) -> Result<()> {
    use flowlens_core::fetched::{attach_fetched, bodies_to_fetch, FetchedDocument};
    if !u.ratio(1, 4)? {
        return Ok(());
    }
    for ex in &mut trace.exchanges {
        if let Some(r) = ex
            .response
            .as_mut()
            .filter(|r| (200..300).contains(&r.status))
        {
            if r.body
                .as_ref()
                .is_some_and(|b| b.text.trim_start().starts_with('{'))
            {
                r.body = None;
            }
        }
    }
    let wanted = bodies_to_fetch(trace);
    let mut documents = Vec::new();
    for url in &wanted {
        let status = *u.choose(&[200u16, 200, 0, 404, 301, 503])?;
        documents.push(FetchedDocument {
            url: url.clone(),
            status,
            content_type: Some(
                u.choose(&["application/json", "text/html", ""])?
                    .to_string(),
            ),
            text: if status == 0 {
                None
            } else if u.ratio(1, 2)? {
                Some(u.choose(BODIES)?.to_string())
            } else {
                Some(string(u)?)
            },
            truncated: u.arbitrary()?,
            time_ms: trace.exchanges.last().map_or(0.0, |e| e.time_ms),
            error: (status == 0).then(|| string(u)).transpose()?,
        });
    }
    attach_fetched(trace, &documents);
    let still = bodies_to_fetch(trace);
    for doc in &documents {
        if (200..300).contains(&doc.status) && doc.text.is_some() {
            assert!(
                !still.contains(&doc.url),
                "a fetched document was not attached: {}",
                doc.url
            );
        }
    }
    Ok(())
}

/// An expectations profile built from the vocabulary (sometimes empty).
pub fn profile(u: &mut Unstructured<'_>) -> Result<flowlens_core::Profile> {
    if u.ratio(1, 2)? {
        return Ok(flowlens_core::Profile::default());
    }
    let hosts: Vec<String> = (0..u.int_in_range(0..=2)?)
        .map(|_| u.choose(HOSTS).map(|h| h.to_string()))
        .collect::<Result<_>>()?;
    let sections: Vec<String> = (0..u.int_in_range(0..=2)?)
        .map(|_| {
            let all = flowlens_core::rules::Section::ALL;
            u.choose(&all).map(|s| s.id().to_string())
        })
        .collect::<Result<_>>()?;
    let v = json!({
        "custom_domains": hosts,
        "server_name": if u.arbitrary()? { Some(string(u)?) } else { None },
        "login_endpoint": if u.arbitrary()? { Some(url(u)?) } else { None },
        "redirect_uris": if u.arbitrary()? { vec![url(u)?] } else { vec![] },
        "colors": {"background": if u.arbitrary()? { Some("#ffffff") } else { None },
                   "primary_button": if u.arbitrary()? { Some(string(u)?) } else { None }},
        "skip_sections": sections,
    });
    serde_json::from_value(v).map_err(|_| arbitrary::Error::IncorrectFormat)
}

fn edit(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    match u.int_in_range(0..=9)? {
        0 => edit_exchanges(u, v),
        1 => shift_times(u, v),
        2 => insert_noise(u, v),
        3 | 4 => edit_url(u, v),
        5 => edit_header(u, v),
        6 => edit_body(u, v),
        7 => edit_status(u, v),
        8 => edit_tab(u, v),
        _ => edit_any(u, v),
    }
}

fn exchanges(v: &mut Value) -> Option<&mut Vec<Value>> {
    v.get_mut("exchanges").and_then(Value::as_array_mut)
}

fn pick_exchange<'v>(u: &mut Unstructured<'_>, v: &'v mut Value) -> Result<Option<&'v mut Value>> {
    let Some(list) = exchanges(v).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let i = u.choose_index(list.len())?;
    Ok(list.get_mut(i))
}

fn edit_exchanges(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(list) = exchanges(v).filter(|l| !l.is_empty()) else {
        return Ok(());
    };
    let i = u.choose_index(list.len())?;
    let j = u.choose_index(list.len())?;
    match u.int_in_range(0..=3)? {
        0 => {
            let copy = list[i].clone();
            list.insert(j, copy);
        }
        1 => {
            list.remove(i);
        }
        2 => list.swap(i, j),
        _ => {
            let moved = list.remove(i);
            list.insert(j.min(list.len()), moved);
        }
    }
    Ok(())
}

fn shift_times(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(list) = exchanges(v).filter(|l| !l.is_empty()) else {
        return Ok(());
    };
    let from = u.choose_index(list.len())?;
    let to = u.int_in_range(from..=list.len() - 1)?;
    let shift = *u.choose(SHIFTS)?;
    for ex in &mut list[from..=to] {
        for pointer in ["/time_ms", "/response/time_ms"] {
            if let Some(t) = ex.pointer_mut(pointer) {
                if let Some(x) = t.as_f64() {
                    *t = json!(x + shift);
                }
            }
        }
    }
    Ok(())
}

/// A stretch of a long session's static files and pages, so that flows sit among noise.
fn insert_noise(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(list) = exchanges(v) else {
        return Ok(());
    };
    let at = u.int_in_range(0..=list.len())?;
    let count = u.int_in_range(1..=300)?;
    let step = *u.choose(&[1.0, 50.0, 2_000.0, 60_000.0])?;
    let before = at
        .checked_sub(1)
        .and_then(|i| list.get(i))
        .and_then(|e| e["time_ms"].as_f64())
        .unwrap_or(1_731_578_400_000.0);
    let kinds = [
        "image",
        "script",
        "stylesheet",
        "font",
        "document",
        "fetch",
        "other",
    ];
    let noise: Vec<Value> = (0..count)
        .map(|n| {
            let kind = kinds[n % kinds.len()];
            json!({
                "time_ms": before + step * (n as f64 + 1.0),
                "method": "GET",
                "url": format!("https://app.acme.test/static/{n}.js?v={n}"),
                "resource_type": kind,
                "request_headers": [{"name": "Referer", "value": "https://app.acme.test/dashboard"}],
                "response": {"status": 200, "headers": [], "body": null},
            })
        })
        .collect();
    list.splice(at..at, noise);
    Ok(())
}

/// Some URL of the trace, as a JSON pointer: an exchange's, a `Location`, a navigation's or a
/// page's.
fn url_slot(u: &mut Unstructured<'_>, v: &Value) -> Result<Option<String>> {
    let count = |key: &str| v.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    let exchanges = count("exchanges");
    let pointer = match u.int_in_range(0..=3)? {
        0 if exchanges > 0 => {
            let i = u.choose_index(exchanges)?;
            let headers = v.pointer(&format!("/exchanges/{i}/response/headers"));
            let location = headers.and_then(Value::as_array).and_then(|hs| {
                hs.iter().position(|h| {
                    h["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case("location"))
                })
            });
            location.map(|h| format!("/exchanges/{i}/response/headers/{h}/value"))
        }
        kind @ (1 | 2) => {
            let key = ["navigations", "pages"][kind - 1];
            match count(key) {
                0 => None,
                n => Some(format!("/{key}/{}/url", u.choose_index(n)?)),
            }
        }
        _ => None,
    };
    Ok(match pointer {
        Some(p) => Some(p),
        None if exchanges > 0 => Some(format!("/exchanges/{}/url", u.choose_index(exchanges)?)),
        None => None,
    })
}

fn edit_url(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(pointer) = url_slot(u, v)? else {
        return Ok(());
    };
    let Some(old) = v
        .pointer(&pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(());
    };
    let new = mutate_url(u, &old)?;
    if let Some(slot) = v.pointer_mut(&pointer) {
        *slot = Value::String(new);
    }
    Ok(())
}

/// One edit of a URL string: its query parameters, host, scheme, path or fragment.
pub fn mutate_url(u: &mut Unstructured<'_>, url: &str) -> Result<String> {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (url, None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b.to_string(), q.to_string()),
        None => (rest.to_string(), String::new()),
    };
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let (mut base, mut fragment) = (base, fragment);
    match u.int_in_range(0..=9)? {
        0 => pairs.push(format!("{}={}", u.choose(PARAMS)?, value(u)?)),
        1 if !pairs.is_empty() => {
            let i = u.choose_index(pairs.len())?;
            pairs.remove(i);
        }
        2 if !pairs.is_empty() => {
            let i = u.choose_index(pairs.len())?;
            let copy = pairs[i].clone();
            let j = u.int_in_range(0..=pairs.len())?;
            pairs.insert(j, copy);
        }
        3 if !pairs.is_empty() => {
            let i = u.choose_index(pairs.len())?;
            pairs[i] = damage_pair(u, &pairs[i])?;
        }
        4 => {
            let scheme_end = base.find("://").map_or(0, |i| i + 3);
            let host_end = base[scheme_end..]
                .find('/')
                .map_or(base.len(), |i| scheme_end + i);
            base = format!(
                "{}{}{}",
                &base[..scheme_end],
                u.choose(HOSTS)?,
                &base[host_end..]
            );
        }
        5 => {
            let scheme = u.choose(&["https", "http", "cursor", "HTTPS", "", "data"])?;
            base = match base.split_once("://") {
                Some((_, rest)) => format!("{scheme}://{rest}"),
                None => format!("{scheme}://{base}"),
            };
        }
        6 => {
            let scheme_end = base.find("://").map_or(0, |i| i + 3);
            let path_at = base[scheme_end..]
                .find('/')
                .map_or(base.len(), |i| scheme_end + i);
            base = format!("{}{}", &base[..path_at], u.choose(PATHS)?);
        }
        7 => {
            fragment = match fragment {
                Some(_) if u.arbitrary()? => None,
                _ => Some(format!(
                    "{}={}&state={}",
                    u.choose(PARAMS)?,
                    value(u)?,
                    value(u)?
                )),
            }
        }
        8 => pairs.clear(),
        // What a browser makes of it (normalised), or something else altogether.
        _ => {
            return match url::Url::parse(url) {
                Ok(parsed) => Ok(String::from(parsed)),
                Err(_) => string_of(u, url),
            }
        }
    }
    let mut out = base;
    if !pairs.is_empty() {
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&f);
    }
    Ok(out)
}

/// What broken clients and servers do to a parameter on its way: truncate, re-encode,
/// double-encode, change case, replace.
fn damage_pair(u: &mut Unstructured<'_>, pair: &str) -> Result<String> {
    let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
    let raw = match u.int_in_range(0..=6)? {
        0 => {
            let cut = u.int_in_range(0..=raw.len())?;
            let cut = (0..=cut)
                .rev()
                .find(|&i| raw.is_char_boundary(i))
                .unwrap_or(0);
            raw[..cut].to_string()
        }
        1 => raw.replace("%2B", "%2b").replace('+', "%2B"),
        2 => raw.replace('%', "%25"),
        3 => url::form_urlencoded::byte_serialize(raw.as_bytes()).collect(),
        4 => raw.to_ascii_uppercase(),
        5 => value(u)?,
        _ => format!("{raw}{}", u.choose(HOSTILE)?),
    };
    let name = if u.ratio(1, 8)? {
        u.choose(PARAMS)?.to_string()
    } else {
        name.to_string()
    };
    Ok(format!("{name}={raw}"))
}

fn edit_header(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(ex) = pick_exchange(u, v)? else {
        return Ok(());
    };
    let pointer = if u.arbitrary()? {
        "/request_headers"
    } else {
        "/response/headers"
    };
    let Some(headers) = ex.pointer_mut(pointer).and_then(Value::as_array_mut) else {
        return Ok(());
    };
    if !headers.is_empty() && u.ratio(1, 3)? {
        let i = u.choose_index(headers.len())?;
        headers.remove(i);
        return Ok(());
    }
    let name = u.choose(HEADERS)?;
    let value = match u.int_in_range(0..=3)? {
        0 => u.choose(HEADER_VALUES)?.to_string(),
        1 => url(u)?,
        2 => u.choose(HOSTILE)?.to_string(),
        _ => string(u)?,
    };
    headers.push(json!({"name": name, "value": value}));
    Ok(())
}

fn edit_body(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(ex) = pick_exchange(u, v)? else {
        return Ok(());
    };
    let text = match u.int_in_range(0..=3)? {
        0 => u.choose(BODIES)?.to_string(),
        1 => u.choose(HOSTILE)?.to_string(),
        2 => "[".repeat(u.int_in_range(1..=5000)?),
        _ => string(u)?,
    };
    let mime = u.choose(&[
        "application/json",
        "text/html",
        "text/plain",
        "",
        "image/png",
    ])?;
    let body = json!({"mime_type": mime, "text": text, "truncated": u.ratio(1, 8)?});
    if u.ratio(1, 4)? {
        ex["request_body"] = body;
    } else if let Some(response) = ex.get_mut("response").filter(|r| r.is_object()) {
        response["body"] = body;
    }
    Ok(())
}

fn edit_status(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(ex) = pick_exchange(u, v)? else {
        return Ok(());
    };
    match ex.get_mut("response").filter(|r| r.is_object()) {
        Some(response) if u.ratio(7, 8)? => response["status"] = json!(*u.choose(STATUSES)?),
        _ => {
            ex["response"] = Value::Null;
            ex["error"] =
                json!(u.choose(&["net::ERR_ABORTED", "net::ERR_BLOCKED_BY_CLIENT", ""])?);
        }
    }
    Ok(())
}

fn edit_tab(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let Some(ex) = pick_exchange(u, v)? else {
        return Ok(());
    };
    ex["tab"] = match u.int_in_range(0..=2)? {
        0 => Value::Null,
        1 => json!("1"),
        _ => json!("2"),
    };
    Ok(())
}

/// Any node of the document: its value replaced by one of the same type (mostly), or removed.
fn edit_any(u: &mut Unstructured<'_>, v: &mut Value) -> Result<()> {
    let mut paths = Vec::new();
    collect_paths(v, String::new(), &mut paths);
    if paths.is_empty() {
        return Ok(());
    }
    let path = u.choose(&paths)?.clone();
    let Some(node) = v.pointer_mut(&path) else {
        return Ok(());
    };
    *node = match node {
        Value::String(s) => Value::String(string_of(u, s)?),
        Value::Number(_) => json!(*u.choose(TIMES)?),
        Value::Bool(b) => Value::Bool(!*b),
        Value::Null => Value::String(string(u)?),
        Value::Array(a) => {
            if !a.is_empty() && u.arbitrary()? {
                let i = u.choose_index(a.len())?;
                let copy = a[i].clone();
                a.push(copy);
            } else {
                a.clear();
            }
            return Ok(());
        }
        Value::Object(o) => {
            if let Some(key) = o.keys().nth(u.choose_index(o.len().max(1))?).cloned() {
                o.insert(key, Value::Null);
            }
            return Ok(());
        }
    };
    Ok(())
}

fn collect_paths(v: &Value, at: String, out: &mut Vec<String>) {
    if out.len() > 20_000 {
        return;
    }
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_paths(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_paths(x, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A string from the vocabulary, a hostile one, a long one, or raw fuzz bytes.
pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => u.choose(HOSTILE)?.to_string(),
        1 => u.choose(VALUES)?.to_string(),
        2 => url(u)?,
        3 => "A".repeat(*u.choose(&[1_000usize, 70_000, 600_000])?),
        _ => u.arbitrary::<String>()?,
    })
}

/// A variant of `s`: cut, doubled, with a hostile string inserted, or replaced.
fn string_of(u: &mut Unstructured<'_>, s: &str) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => {
            let cut = u.int_in_range(0..=s.len())?;
            let cut = (0..=cut)
                .rev()
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(0);
            s[..cut].to_string()
        }
        1 => format!("{s}{s}"),
        2 => {
            let at = u.int_in_range(0..=s.len())?;
            let at = (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
            format!("{}{}{}", &s[..at], u.choose(HOSTILE)?, &s[at..])
        }
        _ => string(u)?,
    })
}

fn value(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(3, 4)? {
        u.choose(VALUES)?.to_string()
    } else {
        url::form_urlencoded::byte_serialize(string(u)?.as_bytes()).collect()
    })
}

/// A URL built from the vocabulary.
pub fn url(u: &mut Unstructured<'_>) -> Result<String> {
    let scheme = u.choose(&["https", "http", "cursor"])?;
    let mut out = format!("{scheme}://{}{}", u.choose(HOSTS)?, u.choose(PATHS)?);
    let n = u.int_in_range(0..=3)?;
    for i in 0..n {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&format!("{}={}", u.choose(PARAMS)?, value(u)?));
    }
    Ok(out)
}
