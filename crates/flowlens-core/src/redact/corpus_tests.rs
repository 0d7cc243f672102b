//! The redaction corpus: flows with a planted secret of every kind in every place, redacted
//! by each path (trace export, HAR in memory, HAR streamed); no planted secret may survive in
//! any byte of the output, in clear, percent-encoded, escaped or base64 form.

use crate::stdx::base64::{Engine, STANDARD, URL_SAFE_NO_PAD};
use serde_json::{json, Value};

use super::encoding::{form_encode, json_escape, rfc3986_encode};
use super::*;
use crate::testing::{good_flow, TraceBuilder};
use crate::trace::{FormField, NavigationKind, PageSnapshot, Screenshot, Trace};

/// Planted secrets: (name, value). Values are unique, long enough to be found, and some carry
/// characters that need percent-encoding.
pub(crate) fn planted() -> Vec<(&'static str, String)> {
    [
        ("code", "PLcode_SplxlOBeZQQYbYS6WxSbIA"),
        ("state", "PLstate+Qm9uam91ciBsZSBt/b25kZQ=="),
        ("sk_state", "PLskstate_HntJ_ENB6y161i9_P1yzuZV"),
        ("nonce", "PLnonce-n-0S6_WzA2Mj"),
        ("login_request_id", "PLlri_8734593745"),
        ("code_verifier", "PLverifier-dBjftJeZ4CVP-mB92K27uhbUJU1p1r"),
        ("client_secret", "PLclientsecret~x9Zq81LmA"),
        ("password", "PLpass w0rd!&=#"),
        ("access_opaque", "PLaccess_opaque_0a9b8c7d6e"),
        ("refresh", "PLrefresh_tkn_55aa66bb77cc"),
        ("cookie_sid", "PLsid_b3f1c2d4e5"),
        ("cookie_odd", "PLoddcookie_77qq"),
        ("cookie_quoted", "PLquoted_cookie_99"),
        ("set_cookie", "PLsetcookie_abcdef01"),
        ("api_key", "PLapikey_ZZ1122"),
        ("mcp_session", "PLmcpsession_0099"),
        (
            "jwt_sig",
            "PLjwtsigSflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ),
        ("id_sig", "PLidsig_R2VuZXJhdGVkU2lnbmF0dXJlQnl0ZXM"),
        ("base64_refresh", "PLb64refresh_ab12cd34"),
        ("gzip_secret", "PLgzip_secret_1234"),
        ("malformed_secret", "PLmalformed_tok_77"),
        (
            "fake_jwt",
            "eyJQLfakefakefakefake.eyJQLnotjson.PLfakesig123",
        ),
        ("csrf", "PLcsrf_token_value_42"),
        ("hidden_state", "PLhidden_state_0042"),
        ("script_token", "PLscript_token_1337"),
        ("fragment_token", "PLfragment_access_8888"),
        ("basic_secret", "PLbasic-secret-4242"),
        ("userinfo_pw", "PLuserinfo_pw_31"),
        ("saml", "PLsamlresponse_PHNhbWw"),
        ("multipart_pw", "PLmultipart_pw_5150"),
        ("matrix", "PLjsession_ABCDEF"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

fn secret(name: &str) -> String {
    planted()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no planted {name}"))
}

fn b64url(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
}

/// An ID token (nonce claim), an access token (plain claims) with the planted signatures.
fn id_token() -> String {
    format!(
        "{}.{}.{}",
        b64url(&json!({"alg": "RS256", "kid": "k1"})),
        b64url(
            &json!({"iss": "https://auth.acme.test", "sub": "u1", "nonce": secret("nonce"), "aud": "m2m_123"})
        ),
        secret("id_sig")
    )
}

fn access_jwt() -> String {
    format!(
        "{}.{}.{}",
        b64url(&json!({"alg": "RS256", "typ": "at+jwt"})),
        b64url(
            &json!({"iss": "https://auth.acme.test", "scope": "calendar:read", "client_id": "m2m_123"})
        ),
        secret("jwt_sig")
    )
}

fn enc(s: &str) -> String {
    rfc3986_encode(s, true)
}

/// The corpus as a trace (what the extension records).
pub(crate) fn corpus_trace() -> Trace {
    let state = secret("state");
    let sk_state = secret("sk_state");
    let lri = secret("login_request_id");
    let code = secret("code");
    let nonce = secret("nonce");
    let authorize = format!(
        "https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_123\
         &redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcallback&scope=calendar%3Aread\
         &state={}&nonce={}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
         &code_challenge_method=S256",
        enc(&state),
        enc(&nonce)
    );
    let login_page = format!(
        r#"<html><head><meta name="csrf-token" content="{csrf}"><title>Sign in</title></head><body>
<form method="post" action="/login/submit?state={sk}&amp;lang=en">
<input type="hidden" name="login_request_id" value="{lri}">
<input type="hidden" name="state" value="{sk}">
<input type="hidden" name="trace" value="{hidden}">
<input type="password" name="pw">
</form>
<script>window.__CFG__ = {{"session_token": "{script}", debug: false}};</script>
<p>Request {lri} for {state_text}</p>
</body></html>"#,
        csrf = secret("csrf"),
        sk = sk_state,
        lri = lri,
        hidden = secret("hidden_state"),
        script = secret("script_token"),
        state_text = state.replace('&', "&amp;"),
    );
    let callback = format!(
        "https://app.acme.test/callback?code={code}&state={}&iss=https%3A%2F%2Fauth.acme.test",
        enc(&state)
    );
    let token_response = json!({
        "access_token": access_jwt(),
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": secret("refresh"),
        "id_token": id_token(),
    })
    .to_string();
    good_flow()
        .edit(|t| t.exchanges.truncate(4))
        .edit(|t| {
            t.exchanges[0]
                .request_headers
                .push(crate::trace::Header::new("Mcp-Session-Id", secret("mcp_session")))
        })
        .get(&authorize)
        .request_header(
            "Cookie",
            &format!(
                "sid={}; {}; theme=\"{}\"",
                secret("cookie_sid"),
                secret("cookie_odd"),
                secret("cookie_quoted")
            ),
        )
        .redirect(
            302,
            &format!("https://login.acme.test/login?login_request_id={lri}&state={sk_state}"),
        )
        .response_header(
            "Set-Cookie",
            &format!(
                "__Host-sk={}; Path=/; Secure; HttpOnly; SameSite=Lax\nother={}; Domain=acme.test",
                secret("set_cookie"),
                secret("cookie_sid")
            ),
        )
        .html(200, &login_page)
        .post_form(
            "https://login.acme.test/login/submit",
            &[
                ("email", "a@acme.test"),
                ("password", &secret("password")),
                ("login_request_id", &lri),
                ("state", &sk_state),
            ],
        )
        .redirect(
            303,
            &format!("https://auth.acme.test/sso/v1/connections/conn_987/partner:callback?state={sk_state}"),
        )
        .redirect(302, "https://auth.acme.test/oauth/consent?id=c1")
        .page(200)
        .post_form("https://auth.acme.test/oauth/consent", &[("decision", "allow")])
        .redirect(302, &callback)
        .html(
            200,
            &format!(r#"<a href="/done?code={code}&amp;x=1">continue</a> <p>code was {code}</p>"#),
        )
        .fetch("POST", "https://auth.acme.test/oauth/token")
        .request_header(
            "Authorization",
            &format!("Basic {}", STANDARD.encode(format!("m2m_123:{}", secret("basic_secret")))),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &secret("code_verifier")),
            ("client_secret", &secret("client_secret")),
            ("redirect_uri", "https://app.acme.test/callback"),
        ])
        .json(200, &token_response)
        .fetch("POST", "https://mcp.acme.test/mcp")
        .request_header("Authorization", &format!("Bearer {}", access_jwt()))
        .request_header("X-Api-Key", &secret("api_key"))
        .request_body("application/json", r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        .json(200, r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[]}}"#)
        .fetch("POST", "https://mcp.acme.test/refresh")
        .request_header("Authorization", &format!("Bearer {}", secret("access_opaque")))
        .request_body(
            "application/json",
            &json!({"grant": {"refresh_token": secret("refresh"), "note": format!("old token {}", secret("access_opaque"))}}).to_string(),
        )
        .json(401, &format!("{{\"error\":\"invalid_token\",\"access_token\":\"{}\"", secret("malformed_secret")))
        .get(&format!(
            "https://u:{}@legacy.acme.test/app;jsessionid={}?SAMLResponse={}",
            secret("userinfo_pw"),
            secret("matrix"),
            secret("saml")
        ))
        .page(200)
        .fetch("POST", "https://legacy.acme.test/upload")
        .request_body(
            "multipart/form-data; boundary=XyZ",
            &format!("--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{}\r\n--XyZ--\r\n", secret("multipart_pw")),
        )
        .status(204)
        .fetch("GET", &format!("https://app.acme.test/api?id_token={}", secret("fake_jwt")))
        .status(204)
        .navigation(
            &format!("https://app.acme.test/spa#access_token={}&state={}", secret("fragment_token"), enc(&state)),
            NavigationKind::Fragment,
        )
        .edit(|t| {
            t.pages.push(PageSnapshot {
                url: format!("https://login.acme.test/login?login_request_id={}&state={}", secret("login_request_id"), secret("sk_state")),
                hidden_fields: vec![
                    FormField { name: "login_request_id".into(), value: secret("login_request_id") },
                    FormField { name: "state".into(), value: secret("sk_state") },
                ],
                title: Some("Sign in".into()),
                ..PageSnapshot::default()
            });
            t.screenshots.push(Screenshot {
                time_ms: 1.0,
                url: format!("https://app.acme.test/callback?code={}", secret("code")),
                data_url: "data:image/png;base64,iVBORw0KGgo=".into(),
            });
        })
        .build()
}

/// The same flow exported unredacted, plus HAR-only shapes: base64 bodies, a body in an
/// unknown encoding, a base64 body that does not decode, HAR cookie arrays.
pub(crate) fn corpus_har() -> Value {
    let mut har = crate::har::export_unredacted(&corpus_trace());
    let entries = har
        .pointer_mut("/log/entries")
        .and_then(Value::as_array_mut)
        .expect("entries");
    let extra = vec![
        json!({
            "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1, "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
            "request": {"method": "GET", "url": "https://auth.acme.test/b64", "httpVersion": "HTTP/1.1",
                "cookies": [{"name": "sid", "value": secret("cookie_sid")}], "headers": [], "queryString": [],
                "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                "cookies": [{"name": "__Host-sk", "value": secret("set_cookie"), "httpOnly": true, "secure": true}],
                "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "content": {"size": 10, "mimeType": "application/json", "encoding": "base64",
                    "text": STANDARD.encode(json!({"refresh_token": secret("base64_refresh"), "state": secret("state")}).to_string())}}
        }),
        json!({
            "startedDateTime": "2026-01-01T00:00:01.000Z", "time": 1, "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
            "request": {"method": "GET", "url": "https://auth.acme.test/echo", "httpVersion": "HTTP/1.1",
                "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "content": {"size": 10, "mimeType": "text/html", "encoding": "base64",
                    "text": STANDARD.encode(format!("<p>echo {} and {}</p>", secret("code"), secret("password")))}}
        }),
        json!({
            "startedDateTime": "2026-01-01T00:00:02.000Z", "time": 1, "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
            "request": {"method": "GET", "url": "https://auth.acme.test/gz", "httpVersion": "HTTP/1.1",
                "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "content": {"size": 10, "mimeType": "application/json", "encoding": "gzip",
                    "text": format!("\u{1f}\u{8b}{}", secret("gzip_secret"))}}
        }),
        json!({
            "startedDateTime": "2026-01-01T00:00:03.000Z", "time": 1, "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
            "request": {"method": "GET", "url": "https://auth.acme.test/bad64", "httpVersion": "HTTP/1.1",
                "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "content": {"size": 10, "mimeType": "application/json", "encoding": "base64",
                    "text": format!("!!{}!!", secret("gzip_secret"))}}
        }),
    ];
    // Put the base64 entries first: they hold values learned only later in the file.
    for (i, e) in extra.into_iter().enumerate() {
        entries.insert(i, e);
    }
    har["log"]["comment"] = json!(format!("captured with state {}", secret("state")));
    har
}

/// Every form a planted secret could take in the output text.
fn leak_forms(s: &str) -> Vec<String> {
    let mut forms = vec![
        s.to_string(),
        enc(s),
        rfc3986_encode(s, false),
        form_encode(s),
        json_escape(s),
        json_escape(&enc(s)),
    ];
    for engine in [&STANDARD, &URL_SAFE_NO_PAD] {
        let full = engine.encode(s.as_bytes());
        forms.push(full.trim_end_matches('=').to_string());
        for offset in 0..3 {
            let mut buf = vec![0u8; offset];
            buf.extend_from_slice(s.as_bytes());
            let e = engine.encode(&buf);
            let start = (offset * 8).div_ceil(6);
            let end = buf.len() * 8 / 6;
            if end > start + 12 {
                forms.push(e[start..end].to_string());
            }
        }
    }
    forms
}

pub(crate) fn assert_no_leak(label: &str, output: &str) {
    for (name, value) in planted() {
        for form in leak_forms(&value) {
            assert!(
                !output.contains(&form),
                "{label}: planted {name} leaks as {form:?}\n{}",
                context(output, &form)
            );
        }
    }
}

fn context(output: &str, needle: &str) -> String {
    let Some(pos) = output.find(needle) else {
        return String::new();
    };
    let start = output[..pos]
        .char_indices()
        .rev()
        .nth(150)
        .map(|(i, _)| i)
        .unwrap_or(0);
    let end = (pos + needle.len() + 150).min(output.len());
    let end = (end..output.len())
        .find(|&i| output.is_char_boundary(i))
        .unwrap_or(output.len());
    output[start..end].to_string()
}

fn stream(input: &str, key: [u8; 32]) -> (String, Receipt) {
    let mut r = Redactor::new(key);
    let mut out = Vec::new();
    stream::redact_har_stream(
        &mut r,
        input.as_bytes(),
        std::io::Cursor::new(Vec::new()),
        &mut out,
    )
    .expect("redacts");
    (String::from_utf8(out).expect("utf8"), r.receipt().clone())
}

#[test]
fn the_corpus_plants_what_it_says() {
    let har = serde_json::to_string(&corpus_har()).expect("json");
    for (name, value) in planted() {
        let found = leak_forms(&value).iter().any(|f| har.contains(f));
        assert!(found, "{name} is not planted in the corpus");
    }
}

#[test]
fn export_of_a_trace_leaks_no_planted_secret() {
    let mut r = Redactor::new([1; 32]);
    let out = crate::har::export_string(&corpus_trace(), &mut r);
    assert_no_leak("export", &out);
}

#[test]
fn har_redacted_in_memory_leaks_nothing() {
    let mut har = corpus_har();
    Redactor::new([2; 32]).redact_har(&mut har);
    assert_no_leak("in memory", &serde_json::to_string(&har).expect("json"));
}

#[test]
fn har_redacted_as_a_stream_leaks_nothing_and_is_valid() {
    let input = serde_json::to_string_pretty(&corpus_har()).expect("json");
    let (out, receipt) = stream(&input, [3; 32]);
    assert_no_leak("stream", &out);
    let v: Value = serde_json::from_str(&out).expect("the output is JSON");
    assert_eq!(
        v["log"]["entries"].as_array().map(Vec::len),
        corpus_har()["log"]["entries"].as_array().map(Vec::len)
    );
    assert_eq!(
        v["log"][RECEIPT_KEY],
        serde_json::to_value(&receipt).expect("json")
    );
    let whole = &receipt.redacted_whole;
    let reasons: Vec<&String> = whole.values().flat_map(|m| m.keys()).collect();
    for reason in [
        "body in an unknown encoding",
        "base64 body that does not decode",
        "JSON body that does not parse",
        "cookie without name=value",
        jwt::NOT_A_JWT,
    ] {
        assert!(
            reasons.iter().any(|r| r.as_str() == reason),
            "receipt lacks {reason}: {whole:?}"
        );
    }
    assert!(
        receipt.replaced_elsewhere.values().any(|m| !m.is_empty()),
        "{receipt:?}"
    );
    assert!(v["log"]["comment"]
        .as_str()
        .is_some_and(|c| c.contains(receipt::SUMMARY_PREFIX)));
}

#[test]
fn redaction_is_idempotent_and_keys_differ() {
    let input = serde_json::to_string(&corpus_har()).expect("json");
    let (once, _) = stream(&input, [4; 32]);
    let (twice, again) = stream(&once, [5; 32]);
    assert_eq!(once, twice, "redacting a redacted file changed it");
    assert_eq!(again.total_replaced(), 0, "{again:?}");
    // In memory too.
    let mut v: Value = serde_json::from_str(&once).expect("json");
    Redactor::new([6; 32]).redact_har(&mut v);
    let mut first: Value = serde_json::from_str(&once).expect("json");
    first["log"].as_object_mut().map(|l| l.remove("comment"));
    v["log"].as_object_mut().map(|l| l.remove("comment"));
    assert_eq!(first, v);
    // A different key gives different pseudonyms.
    let (other, _) = stream(&input, [7; 32]);
    assert_ne!(once, other);
}

/// Values at the places the checks compare them.
fn compared_values(har: &Value) -> Vec<(String, String)> {
    let entries = har["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let url = |i: usize| {
        entries[i]["request"]["url"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let get = |u: &str, name: &str| {
        crate::params::UrlParams::of(u)
            .get(name)
            .unwrap_or_default()
            .to_string()
    };
    let form = |i: usize, name: &str| {
        entries[i]["request"]["postData"]["params"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .and_then(|p| p["value"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let raw = |u: &str, name: &str| {
        crate::params::UrlParams::of(u)
            .find(name)
            .map(|p| p.raw.clone())
            .unwrap_or_default()
    };
    vec![
        ("authorize state".into(), get(&url(4), "state")),
        ("callback state".into(), get(&url(12), "state")),
        ("authorize state raw".into(), raw(&url(4), "state")),
        ("callback state raw".into(), raw(&url(12), "state")),
        ("byoa state".into(), get(&url(5), "state")),
        ("login form state".into(), form(6, "state")),
        ("partner callback state".into(), get(&url(7), "state")),
        ("byoa lri".into(), get(&url(5), "login_request_id")),
        ("login form lri".into(), form(6, "login_request_id")),
        ("callback code".into(), get(&url(12), "code")),
        ("token code".into(), form(13, "code")),
    ]
}

#[test]
fn equal_values_stay_equal_and_different_ones_different() {
    let original = crate::har::export_unredacted(&corpus_trace());
    let redacted = crate::har::export(&corpus_trace(), &mut Redactor::new([8; 32]));
    let before = compared_values(&original);
    let after = compared_values(&redacted);
    for (i, (name_a, a)) in before.iter().enumerate() {
        for (j, (name_b, b)) in before.iter().enumerate() {
            assert_eq!(
                a == b,
                after[i].1 == after[j].1,
                "{name_a} vs {name_b}: {a:?} {b:?} became {:?} {:?}",
                after[i].1,
                after[j].1
            );
        }
        assert!(
            after[i].1.is_empty() || is_pseudonym(&after[i].1) || after[i].1.contains("%7E"),
            "{name_a}: {}",
            after[i].1
        );
    }
}

#[test]
fn damage_to_state_survives_redaction() {
    // Each callback spelling of the authorize state, and what a comparison of raw and decoded
    // values says about it; the same must hold between the pseudonyms.
    let original = "Qm9u+ajo/ur==";
    let authorize_raw = enc(original);
    let cases = [
        ("identical", authorize_raw.clone()),
        ("re-encoded", rfc3986_encode(original, false)),
        (
            "re-encoded partly",
            original
                .replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D"),
        ),
        ("double-encoded", enc(&enc(original))),
        ("truncated", enc(&original[..8])),
        ("altered", enc("Qm9u+ajo/uX==")),
        ("plus lost", original.to_string()),
    ];
    let classify = |a_raw: &str, b_raw: &str| {
        let (a, b) = (encoding::form_decode(a_raw), encoding::form_decode(b_raw));
        if a_raw == b_raw {
            "identical"
        } else if a == b {
            "re-encoded"
        } else if encoding::pct_decode_once(&b).as_deref() == Some(a.as_str()) {
            "double-encoded"
        } else if a.starts_with(&b) && b.len() < a.len() {
            "truncated"
        } else {
            "altered"
        }
    };
    for (name, callback_raw) in cases {
        let mut r = Redactor::new([9; 32]);
        let a = r.redact_url(&format!("https://a.test/authorize?state={authorize_raw}"));
        let b = r.redact_url(&format!("https://a.test/cb?state={callback_raw}"));
        let a_raw = a.split_once("state=").map(|(_, v)| v).unwrap_or_default();
        let b_raw = b.split_once("state=").map(|(_, v)| v).unwrap_or_default();
        assert_eq!(
            classify(a_raw, b_raw),
            classify(&authorize_raw, &callback_raw),
            "{name}: {authorize_raw} / {callback_raw} became {a_raw} / {b_raw}"
        );
    }
}

#[test]
fn a_value_seen_as_secret_is_replaced_in_unstructured_places() {
    let trace = TraceBuilder::new()
        .fetch("GET", "https://a.test/early")
        .html(
            200,
            "<p>your code will be PLlater_code_123 soon, PLlater%5Fcode%5F123</p>",
        )
        .get("https://a.test/cb?code=PLlater_code_123")
        .build();
    let out = crate::har::export_string(&trace, &mut Redactor::new([10; 32]));
    assert!(
        !out.contains("PLlater_code_123") && !out.contains("PLlater%5Fcode%5F123"),
        "{out}"
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    let code = crate::params::UrlParams::of(
        v["log"]["entries"][1]["request"]["url"]
            .as_str()
            .unwrap_or_default(),
    )
    .get("code")
    .unwrap_or_default()
    .to_string();
    let html = v["log"]["entries"][0]["response"]["content"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(html.contains(&code), "{code} not in {html}");
}

/// Every document the export and redaction paths write, named.
fn written_documents() -> Vec<(String, String)> {
    let mut docs = vec![
        (
            "export-corpus.har".to_string(),
            crate::har::export_string(&corpus_trace(), &mut Redactor::new([11; 32])),
        ),
        (
            "export-good-flow.har".to_string(),
            crate::har::export_string(&good_flow().build(), &mut Redactor::new([12; 32])),
        ),
        (
            "export-unredacted.har".to_string(),
            serde_json::to_string_pretty(&crate::har::export_unredacted(&corpus_trace()))
                .expect("json"),
        ),
        (
            "redacted-corpus.har".to_string(),
            stream(
                &serde_json::to_string(&corpus_har()).expect("json"),
                [13; 32],
            )
            .0,
        ),
    ];
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    if let Ok(dir) = std::fs::read_dir(&examples) {
        let mut paths: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "har"))
        {
            let text = std::fs::read_to_string(&path).expect("example readable");
            let name = format!(
                "redacted-{}",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("x")
            );
            docs.push((name, stream(&text, [14; 32]).0));
        }
    }
    docs
}

#[test]
fn every_written_document_has_the_har_structure() {
    for (name, text) in written_documents() {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let problems = crate::har::har_problems(&v);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

/// Runs `har-validator` (tests/har-validate) on every written document. Without its
/// node_modules the test says so and passes, unless FLOWLENS_REQUIRE_HAR_VALIDATOR=1 (CI).
#[test]
fn har_validator_accepts_every_written_document() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let validator = root.join("tests/har-validate");
    let required = std::env::var("FLOWLENS_REQUIRE_HAR_VALIDATOR").is_ok_and(|v| v == "1");
    if !validator.join("node_modules/har-validator").is_dir() {
        assert!(!required, "run `npm ci` in tests/har-validate first");
        eprintln!("har-validator not installed (npm ci in tests/har-validate): skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("flowlens-har-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for (name, text) in written_documents() {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        files.push(path);
    }
    let output = std::process::Command::new("node")
        .arg(validator.join("validate.js"))
        .args(&files)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            assert!(!required, "cannot run node: {e}");
            eprintln!("node not available ({e}): skipped");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "har-validator rejected a document:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("{} passed, 0 failed", files.len())),
        "{stdout}"
    );
}

/// Flows that exercise every check that compares values: the good flow and each damage.
pub(crate) fn status_fixtures() -> Vec<(String, Trace)> {
    use crate::testing::{GOOD_SK_STATE, GOOD_STATE};
    let cb_state = format!("state={GOOD_STATE}&iss");
    let damaged = |name: &str, to: String| {
        (
            format!("client state {name}"),
            good_flow()
                .replace_in_urls(&cb_state, &format!("state={to}&iss"))
                .build(),
        )
    };
    let sk = |name: &str, to: String| {
        (
            format!("scalekit state {name}"),
            good_flow()
                .edit(|t| {
                    let url = t.exchanges[8].url.replace(GOOD_SK_STATE, &to);
                    t.exchanges[8].url = url.clone();
                    if let Some(h) = t.exchanges[7]
                        .response
                        .as_mut()
                        .and_then(|r| r.headers.first_mut())
                    {
                        h.value = url;
                    }
                })
                .build(),
        )
    };
    let weak = |name: &str, state: &str| {
        (
            format!("{name} state"),
            good_flow().replace_in_urls(GOOD_STATE, state).build(),
        )
    };
    vec![
        ("good flow".to_string(), good_flow().build()),
        ("corpus".to_string(), corpus_trace()),
        damaged("truncated", GOOD_STATE[..30].to_string()),
        damaged("re-encoded", GOOD_STATE.replace('-', "%2D")),
        damaged("double-encoded", format!("{GOOD_STATE}%253D")),
        damaged("altered", GOOD_STATE.replace('Q', "R")),
        damaged("missing", String::new()),
        sk("truncated", GOOD_SK_STATE[..20].to_string()),
        sk("re-encoded", GOOD_SK_STATE.replace('_', "%5F")),
        sk("altered", GOOD_SK_STATE.to_lowercase()),
        weak("weak", "abc123def456"),
        weak("guessable", "12345"),
        weak("plus-sign", "a+b%2Bc%3D%3D0123456789abcdefghij"),
        (
            "no pkce, vendor domain".to_string(),
            good_flow()
                .replace_in_urls("&code_challenge_method=S256", "")
                .replace_in_urls("auth.acme.test", "acme-dev.scalekit.dev")
                .build(),
        ),
        (
            "token in URL".to_string(),
            good_flow()
                .replace_in_urls(
                    "code=SplxlOBeZQQYbYS6WxSbIA",
                    "access_token=opaqueAccess123456",
                )
                .build(),
        ),
    ]
}

fn statuses(trace: &Trace) -> Vec<String> {
    crate::analyze(trace, &crate::Profile::default())
        .checks
        .iter()
        .map(|c| format!("{} flow {:?}: {}", c.id, c.flow, c.status))
        .collect()
}

#[test]
fn checks_give_the_same_statuses_on_a_redacted_trace() {
    for (name, trace) in status_fixtures() {
        let mut redacted = trace.clone();
        Redactor::new([15; 32]).redact_trace(&mut redacted);
        assert_ne!(redacted, trace, "{name}: nothing was redacted");
        assert_eq!(statuses(&trace), statuses(&redacted), "{name}");
    }
}

#[test]
fn redacting_a_trace_leaks_no_planted_secret() {
    let mut trace = corpus_trace();
    Redactor::new([16; 32]).redact_trace(&mut trace);
    assert_no_leak("trace", &serde_json::to_string(&trace).expect("json"));
}

#[test]
fn a_report_takes_the_pseudonyms_of_the_export() {
    let trace = status_fixtures()
        .into_iter()
        .find(|(n, _)| n == "client state altered")
        .map(|(_, t)| t)
        .expect("fixture");
    let mut report = crate::analyze(&trace, &crate::Profile::default());
    let mut r = Redactor::new([17; 32]);
    let har = crate::har::export_string(&trace, &mut r);
    report.redact(&mut r);
    let text = serde_json::to_string(&report).expect("json");
    assert!(!text.contains(crate::testing::GOOD_STATE), "{text}");
    let authorize_state = serde_json::from_str::<Value>(&har).expect("json")["log"]["entries"][4]
        ["request"]["url"]
        .as_str()
        .map(|u| {
            crate::params::UrlParams::of(u)
                .get("state")
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default();
    assert!(
        is_pseudonym(&authorize_state) && text.contains(&authorize_state),
        "{authorize_state}"
    );
}

fn import(text: &str) -> Trace {
    crate::har::read_har_slice(text.as_bytes()).expect("the export imports")
}

#[test]
fn exports_import_back_with_the_same_statuses() {
    for (name, trace) in status_fixtures() {
        let plain = serde_json::to_string(&crate::har::export_unredacted(&trace)).expect("json");
        assert_eq!(
            statuses(&trace),
            statuses(&import(&plain)),
            "{name}: unredacted export"
        );
        let redacted = crate::har::export_string(&trace, &mut Redactor::new([18; 32]));
        assert_eq!(
            statuses(&trace),
            statuses(&import(&redacted)),
            "{name}: redacted export"
        );
    }
}

#[test]
fn an_export_keeps_snapshots_navigations_and_exact_times() {
    let trace = corpus_trace();
    let back =
        import(&serde_json::to_string(&crate::har::export_unredacted(&trace)).expect("json"));
    assert_eq!(back.pages, trace.pages);
    assert_eq!(back.navigations, trace.navigations);
    assert_eq!(back.screenshots, trace.screenshots);
    let times = |t: &Trace| t.exchanges.iter().map(|e| e.time_ms).collect::<Vec<_>>();
    assert_eq!(times(&back), times(&trace));
}

/// The recorded examples: `flowlens check` statuses on each, before and after `redact`.
#[test]
fn recorded_examples_keep_their_statuses_through_redaction() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "har") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let (redacted, receipt) = stream(&text, [19; 32]);
        assert!(
            receipt.total_replaced() > 0,
            "{}: nothing redacted",
            path.display()
        );
        assert_eq!(
            statuses(&import(&text)),
            statuses(&import(&redacted)),
            "{}",
            path.display()
        );
        let (again, _) = stream(&redacted, [20; 32]);
        assert_eq!(again, redacted, "{}: not idempotent", path.display());
        seen += 1;
    }
    assert!(seen >= 3, "the examples are missing");
}

/// Found by fuzzing (`redact`): a client that carries its return address in `state` had that
/// URL replaced everywhere, request URLs included, which left requests without a host.
#[test]
fn a_state_that_is_a_url_leaves_request_urls_alone() {
    let page = "https://app.acme.test/dashboard";
    let trace = TraceBuilder::new()
        .get(&format!(
            "https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&state={}",
            enc(page)
        ))
        .get(page)
        .build();
    let mut r = Redactor::new([21; 32]);
    let har = crate::har::export(&trace, &mut r);
    assert_eq!(har["log"]["entries"][1]["request"]["url"], page);
    assert!(
        crate::har::har_problems(&har).is_empty(),
        "{:?}",
        crate::har::har_problems(&har)
    );
    let authorize = har["log"]["entries"][0]["request"]["url"]
        .as_str()
        .unwrap_or("");
    assert!(authorize.contains("state=state%7E"), "{authorize}");
}
