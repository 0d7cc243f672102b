use serde_json::Value;

use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::roles::path_of;
use crate::params::{host_of, UrlParams};
use crate::rules::context::MAX_HTML_SCAN;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::trace::Exchange;
use crate::vendor;

/// Request bodies larger than this are not searched.
const MAX_BODY: usize = 1024 * 1024;
/// JSON nodes visited per body.
const MAX_NODES: usize = 10_000;

/// The field that carries a client secret in OAuth requests and in the vendor's API.
const SECRET_FIELD: &str = "client_secret";

declare_rule! {
    /// ## What it checks
    /// Nothing that belongs on your server happened in the browser:
    ///
    /// - the browser never called the user hand-off API
    ///   `/api/v1/connections/{conn_…}/auth-requests/{lri_…}/user`;
    /// - no `client_secret` appears in any request URL, form field or JSON body the browser
    ///   sent, nor in a hidden field or inline data of the flow's pages;
    /// - no `client_credentials` token request was made from the browser;
    /// - no page of another host called the vendor's API (`/api/v1/…` on the auth domain)
    ///   with an `Authorization: Bearer` token.
    ///
    /// Secrets are reported by name and length only. In a flow without bring your own auth
    /// and without such findings the check is skipped.
    ///
    /// ## Why it matters
    /// The hand-off call is authenticated with your environment's API credentials
    /// (`prd_skc_…` client id and its secret, through a client-credentials token): anything
    /// the browser does, the user (and any script on the page) can read and replay. With
    /// those credentials an attacker can assert any user identity to Scalekit for any login
    /// request, that is, log in as anyone.
    ///
    /// ## How to fix
    /// Make the hand-off from your backend: after your login page authenticates the user,
    /// your server calls `updateLoginUserDetails(connectionId, loginRequestId, user)` (Node)
    /// or `update_login_user_details` (Python) with credentials read from environment
    /// variables or a secrets manager, then redirects the browser to Scalekit's
    /// `partner:callback` with the `state`. If a client secret was ever sent to a browser,
    /// create a new API credential in the Scalekit Dashboard and delete the exposed one.
    pub struct ByoaHandoffServerSide {
        id: "byoa-handoff-server-side",
        section: BringYourOwnAuth,
        title: "User hand-off and API credentials stay on the server",
    }
}

impl Rule for ByoaHandoffServerSide {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for i in cx.exchange_window() {
            judge_request(cx, i, cx.exchange(i), &mut findings);
        }
        for (hop, role, ex) in cx.all_hops() {
            if role.is_page() {
                judge_page(cx, hop, ex, &mut findings);
            }
        }
        if findings.has_problems() {
            return findings.outcome_with_gaps("", "", false);
        }
        if !cx.is_byoa() {
            return Outcome::skipped(
                "not a bring-your-own-auth flow (and no client secret or hand-off call was seen in the browser)",
            );
        }
        Outcome::pass(
            "the browser made no hand-off call and carried no client secret or API credential",
        )
        .with(Evidence::note(format!(
            "{} requests and the flow's pages searched",
            cx.exchange_window().len()
        )))
    }
}

fn judge_request(cx: &Context<'_>, i: usize, ex: &Exchange, findings: &mut Findings) {
    let at = |note: &str| Evidence::hop(i, &ex.url, note);
    let path = path_of(&ex.url);
    if vendor::is_user_handoff_path(path) {
        findings.fail(
            "the browser called the user hand-off API, which must be called from your server",
            at(&format!("{} from the browser", ex.method)),
        );
    }
    let params = UrlParams::of(&ex.url);
    if let Some(secret) = params.get(SECRET_FIELD) {
        findings.fail(
            "a client secret was sent in a URL",
            at("client_secret in the URL").field(SECRET_FIELD, Some(secret)),
        );
    }
    if let Some(secret) = ex.form_value(SECRET_FIELD) {
        findings.fail(
            "a client secret was sent from the browser in a form",
            at("client_secret form field").field(SECRET_FIELD, Some(secret)),
        );
    }
    if ex.form_value("grant_type") == Some("client_credentials") {
        findings.fail(
            "the browser made a client-credentials token request",
            at("grant_type=client_credentials needs the API secret")
                .field("grant_type", Some("client_credentials")),
        );
    }
    if let Some(body) = &ex.request_body {
        let looks_json = body.mime_type.to_ascii_lowercase().contains("json")
            || body.text.trim_start().starts_with('{');
        if looks_json && body.text.len() <= MAX_BODY {
            if let Ok(doc) = serde_json::from_str::<Value>(&body.text) {
                if let Some(secret) = find_key(&doc, SECRET_FIELD) {
                    findings.fail(
                        "a client secret was sent from the browser in a JSON body",
                        at("client_secret in the request body").field(SECRET_FIELD, Some(&secret)),
                    );
                }
            }
        }
    }
    // A page of another host calling the vendor's API with a bearer token.
    let bearer = ex
        .request_header("authorization")
        .is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer "));
    if bearer && path.starts_with(vendor::API_PATH_PREFIX) {
        let host = host_of(&ex.url);
        let api_host = host
            .as_deref()
            .is_some_and(|h| vendor::is_vendor_default(h) || cx.auth_host().as_deref() == Some(h));
        let caller = ex
            .request_header("origin")
            .or(ex.request_header("referer"))
            .or(ex.initiator.as_deref())
            .and_then(host_of);
        if api_host && caller.is_some() && caller != host {
            findings.fail(
                "a page called the vendor's API from the browser with a bearer token",
                at(&format!(
                    "called from a page on {}",
                    caller.as_deref().unwrap_or_default()
                ))
                .field("Authorization", ex.request_header("authorization")),
            );
        }
    }
}

fn judge_page(cx: &Context<'_>, hop: usize, ex: &Exchange, findings: &mut Findings) {
    if let Some(seen) = cx.page(hop) {
        let hidden = seen
            .facts
            .hidden_fields
            .iter()
            .take(1000)
            .find(|f| f.name.eq_ignore_ascii_case(SECRET_FIELD))
            .map(|f| f.value.clone());
        let other = || {
            seen.facts
                .forms
                .iter()
                .take(100)
                .flat_map(|f| f.fields.iter().take(1000))
                .find(|f| f.name.eq_ignore_ascii_case(SECRET_FIELD))
                .map(|f| f.value.clone().unwrap_or_default())
        };
        if let Some(value) = hidden.or_else(other) {
            let (message, note) = if seen.from_html {
                (
                    "a page of the flow carries a client secret in a form field",
                    "<input name=client_secret> in the HTML",
                )
            } else {
                (
                    "a page of the flow carries a client secret in a hidden field",
                    "hidden form field",
                )
            };
            findings.fail(
                message,
                Evidence::hop(hop, &ex.url, note).field(SECRET_FIELD, Some(&value)),
            );
            return;
        }
    }
    let Some(body) = cx.html_body(hop) else {
        return;
    };
    // Inline data: "client_secret":"…" or client_secret: '…' with a non-empty value; also an
    // <input name=client_secret value="…"> a cut page left unterminated (no tag to read).
    let lower = body.to_ascii_lowercase();
    let inline = lower
        .match_indices(SECRET_FIELD)
        .take(100)
        .find_map(|(i, _)| {
            let rest = body[i + SECRET_FIELD.len()..]
                .trim_start_matches(['"', '\''])
                .trim_start();
            let rest = match rest.get(..5) {
                Some(v) if v.eq_ignore_ascii_case("value") => rest[5..].trim_start(),
                _ => rest,
            };
            let rest = rest.strip_prefix([':', '='])?.trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let value: String = rest[1..]
                .chars()
                .take_while(|c| *c != quote)
                .take(4096)
                .collect();
            (!value.is_empty()).then_some(value)
        });
    if let Some(value) = inline {
        findings.fail(
            "a page of the flow embeds a client secret",
            Evidence::hop(
                hop,
                &ex.url,
                format!(
                    "client_secret in the page's inline data (first {} KB searched)",
                    MAX_HTML_SCAN / 1024
                ),
            )
            .field(SECRET_FIELD, Some(&value)),
        );
    }
}

/// The string value of the first `key` in a JSON document, searched breadth-first with a
/// bound on the nodes visited.
fn find_key(doc: &Value, key: &str) -> Option<String> {
    let mut queue = std::collections::VecDeque::from([doc]);
    let mut visited = 0usize;
    while let Some(v) = queue.pop_front() {
        visited += 1;
        if visited > MAX_NODES {
            return None;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k.eq_ignore_ascii_case(key) {
                        if let Some(s) = child.as_str().filter(|s| !s.is_empty()) {
                            return Some(s.to_string());
                        }
                    }
                    queue.push_back(child);
                }
            }
            Value::Array(items) => queue.extend(items.iter()),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, TraceBuilder, BYOA_LOGIN_HOP};
    use crate::trace::{FormField, ResourceType};
    use crate::{Profile, Status};

    const SECRET: &str = "skc_secret_DO_NOT_SHOW_1234567890";

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&ByoaHandoffServerSide, trace, &Profile::default())
    }

    fn assert_fails_without_showing_the_secret(trace: &crate::Trace) {
        let outcome = run(trace);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains(SECRET), "secret shown: {json}");
    }

    #[test]
    fn passes_on_a_server_side_handoff_and_skips_without_byoa() {
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
        let plain = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_1&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s")
            .redirect(302, "https://auth.acme.test/oauth/consent?id=1")
            .page(200)
            .build();
        assert_eq!(run(&plain).status, Status::Skipped);
    }

    #[test]
    fn fails_when_the_browser_calls_the_handoff_api() {
        let trace = good_flow_with_pages()
            .resource(
                ResourceType::Fetch,
                "https://auth.acme.test/api/v1/connections/conn_987/auth-requests/lri_42/user",
                "https://login.acme.test/login",
            )
            .request_header("Authorization", &format!("Bearer {SECRET}"))
            .build();
        assert_fails_without_showing_the_secret(&trace);
    }

    #[test]
    fn fails_on_secrets_in_forms_urls_json_and_pages() {
        let form = good_flow()
            .edit_exchange(6, |ex| {
                if let Some(f) = &mut ex.form {
                    f.push(crate::trace::Param::new("client_secret", SECRET));
                }
            })
            .build();
        assert_fails_without_showing_the_secret(&form);
        let url = good_flow_with_pages()
            .resource(
                ResourceType::Fetch,
                &format!(
                    "https://login.acme.test/api/token?client_id=prd_skc_1&client_secret={SECRET}"
                ),
                "https://login.acme.test/login",
            )
            .build();
        assert_fails_without_showing_the_secret(&url);
        let json = good_flow_with_pages()
            .resource(
                ResourceType::Fetch,
                "https://login.acme.test/api/session",
                "https://login.acme.test/login",
            )
            .request_body(
                "application/json",
                &format!(r#"{{"auth":{{"client_id":"prd_skc_1","client_secret":"{SECRET}"}}}}"#),
            )
            .build();
        assert_fails_without_showing_the_secret(&json);
        let hidden = good_flow_with_pages()
            .edit_snapshot_of(BYOA_LOGIN_HOP, |p| {
                p.hidden_fields.push(FormField {
                    name: "client_secret".into(),
                    value: SECRET.into(),
                })
            })
            .build();
        assert_fails_without_showing_the_secret(&hidden);
        let inline = good_flow()
            .edit_exchange(BYOA_LOGIN_HOP, |ex| {
                ex.response.as_mut().expect("response").body = Some(crate::trace::Body {
                    mime_type: "text/html".into(),
                    text: format!(
                        r#"<script>window.cfg = {{"client_secret": "{SECRET}"}}</script>"#
                    ),
                    truncated: false,
                })
            })
            .build();
        assert_fails_without_showing_the_secret(&inline);
        let client_credentials = good_flow_with_pages()
            .resource(
                ResourceType::Fetch,
                "https://auth.acme.test/oauth/token",
                "https://login.acme.test/login",
            )
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "prd_skc_1"),
            ])
            .build();
        assert_eq!(run(&client_credentials).status, Status::Fail);
    }

    #[test]
    fn survives_deep_and_huge_bodies() {
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let wide = format!("[{}]", vec!["{}"; 50_000].join(","));
        for body in [
            deep,
            wide,
            "{".repeat(2_000_000),
            "{\"client_secret\": 5}".into(),
        ] {
            let trace = good_flow_with_pages()
                .resource(
                    ResourceType::Fetch,
                    "https://login.acme.test/api/x",
                    "https://login.acme.test/login",
                )
                .request_body("application/json", &body)
                .build();
            assert_eq!(run(&trace).status, Status::Pass);
        }
    }
}
