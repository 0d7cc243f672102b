use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::trace::Exchange;
use crate::vendor;

/// Challenges read from one header value (a hostile header may repeat forever).
const MAX_CHALLENGES: usize = 16;

declare_rule! {
    /// ## What it checks
    /// The MCP server answered the unauthenticated request with `401` and a
    /// `WWW-Authenticate: Bearer` challenge carrying `resource_metadata` (an absolute https
    /// URL of the protected-resource metadata) and, as the MCP spec recommends, `scope`
    /// (a warning when missing). When a script made the request cross-origin (`fetch` or XHR
    /// with an `Origin` header: a browser-based client), the response must also let the
    /// browser read the challenge: `Access-Control-Allow-Origin` for that origin and
    /// `Access-Control-Expose-Headers` including `WWW-Authenticate`. A 401 to a navigation or
    /// a form submission is not judged for CORS, which does not apply to it.
    ///
    /// ## Why it matters
    /// The challenge is how an MCP client discovers that it must authorize and where:
    /// without `resource_metadata` clients fall back to guessing well-known URLs (and older
    /// clients give up); without `scope` they ask for too much or too little. Browsers hide
    /// response headers from scripts unless CORS exposes them, so a browser-based client
    /// sees a bare 401 and cannot start the flow.
    ///
    /// ## How to fix
    /// Return `401` with
    /// `WWW-Authenticate: Bearer realm="OAuth", resource_metadata="https://mcp.yourapp.com/.well-known/oauth-protected-resource", scope="…"`
    /// from your MCP server's auth middleware (Scalekit's MCP quickstart shows the
    /// middleware; add `scope` with the scopes the tool needs). For browser clients, add
    /// `Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id` and an
    /// `Access-Control-Allow-Origin` for the client's origin to the MCP endpoint's CORS
    /// configuration.
    pub struct Mcp401Challenge {
        id: "mcp-401-challenge",
        section: McpAuthentication,
        title: "401 challenge with resource metadata",
    }
}

impl Rule for Mcp401Challenge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let Some((hop, ex)) = cx
            .hops(Role::McpRequest)
            .find(|(_, ex)| ex.status() == Some(401))
        else {
            let summary = if cx.first(Role::McpRequest).is_some() {
                "the unauthenticated MCP request was not observed (the client already had a token)"
            } else {
                "no MCP request was observed: desktop MCP clients call the server outside the browser"
            };
            return Outcome::not_observed(summary).with(Evidence::note(
                "`flowlens probe` sends an unauthenticated request to the MCP server",
            ));
        };
        let mut findings = Findings::new();
        judge_challenge(cx, hop, ex, &mut findings);
        if cx.read_by_script(hop) {
            judge_cors(hop, ex, &mut findings);
        }
        findings.outcome_with_gaps(
            "the MCP server answers 401 with a Bearer challenge carrying resource_metadata and scope",
            "the 401 challenge was not observed",
            false,
        )
    }
}

fn judge_challenge(cx: &Context<'_>, hop: usize, ex: &Exchange, findings: &mut Findings) {
    let at = |note: &str| Evidence::hop(hop, &ex.url, note);
    let values: Vec<&str> = ex.response_headers("www-authenticate").collect();
    let prm_fetched = cx.first(Role::ProtectedResourceMetadata);
    if values.is_empty() {
        let summary = "the 401 has no WWW-Authenticate header";
        match prm_fetched {
            Some(_) => findings.warn(
                format!("{summary}; the client found the metadata at the well-known URL"),
                at("allowed since MCP 2025-11-25, but clients of 2025-06-18 need the header")
                    .field("WWW-Authenticate", None),
            ),
            None => findings.fail(summary, at("no challenge").field("WWW-Authenticate", None)),
        }
        return;
    }
    let joined = values.join(", ");
    let shown = visible(&joined, 300);
    let evidence = |note: &str| at(note).field("WWW-Authenticate", Some(&shown));
    let challenges = parse_challenges(&joined);
    let Some(bearer) = challenges
        .iter()
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
    else {
        findings.fail(
            "the 401 challenge is not a Bearer challenge",
            evidence("no Bearer scheme"),
        );
        return;
    };
    match bearer.param("resource_metadata") {
        None => match prm_fetched {
            Some(_) => findings.warn(
                "the Bearer challenge has no resource_metadata; the client found the metadata at the well-known URL",
                evidence("resource_metadata absent"),
            ),
            None => findings.fail(
                "the Bearer challenge has no resource_metadata",
                evidence("resource_metadata absent"),
            ),
        },
        Some(url) => {
            let https = url.starts_with("https://")
                || url.starts_with("http://")
                    && host_of(url).is_some_and(|h| vendor::is_loopback(&h));
            if https && host_of(url).is_some() {
                findings.pass(
                    "the challenge carries resource_metadata",
                    evidence("Bearer challenge with resource_metadata"),
                );
            } else {
                findings.fail(
                    "resource_metadata in the challenge is not an absolute https URL",
                    evidence("resource_metadata must be an https URL"),
                );
            }
        }
    }
    if bearer.param("scope").is_none_or(|s| s.trim().is_empty()) {
        findings.warn(
            "the Bearer challenge has no scope (the MCP spec says it SHOULD)",
            evidence("scope absent: clients fall back to scopes_supported"),
        );
    }
}

fn judge_cors(hop: usize, ex: &Exchange, findings: &mut Findings) {
    let Some(origin) = ex.request_header("origin") else {
        return; // not a cross-origin browser request: CORS does not apply
    };
    let own_origin = url::Url::parse(&ex.url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    if origin == own_origin {
        return;
    }
    let at = |note: &str| Evidence::hop(hop, &ex.url, note);
    let allow = ex.response_header("access-control-allow-origin");
    match allow {
        Some(a) if a.trim() == "*" || a.trim() == origin => {}
        _ => {
            findings.fail(
                "the 401 does not allow the browser client's origin: the client cannot read the challenge",
                at(&format!("request Origin {}", visible(origin, 200)))
                    .field("Access-Control-Allow-Origin", allow.map(|a| visible(a, 200)).as_deref()),
            );
            return;
        }
    }
    let exposed: Vec<String> = ex
        .response_headers("access-control-expose-headers")
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let credentialed = ex
        .response_header("access-control-allow-credentials")
        .is_some_and(|v| v.trim() == "true");
    let exposes = exposed.iter().any(|h| h == "www-authenticate")
        || !credentialed && exposed.iter().any(|h| h == "*");
    let value = exposed.join(", ");
    if exposes {
        findings.pass(
            "the challenge is exposed to browser clients",
            at("WWW-Authenticate exposed by CORS")
                .field("Access-Control-Expose-Headers", Some(&visible(&value, 200))),
        );
    } else {
        findings.fail(
            "Access-Control-Expose-Headers does not include WWW-Authenticate: browser clients cannot read the challenge",
            at(&format!("cross-origin request from {}", visible(origin, 200))).field(
                "Access-Control-Expose-Headers",
                (!value.is_empty()).then(|| visible(&value, 200)).as_deref(),
            ),
        );
    }
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, PartialEq)]
pub(super) struct Challenge {
    pub(super) scheme: String,
    params: Vec<(String, String)>,
}

impl Challenge {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `Bearer realm="x", resource_metadata="…", Basic realm=y` (RFC 9110 §11.6.1)
/// leniently: unknown syntax is skipped, never an error.
pub(super) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut challenges: Vec<Challenge> = Vec::new();
    let mut rest = header;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() || challenges.len() > MAX_CHALLENGES {
            break;
        }
        let end = rest
            .find(|c: char| c == ',' || c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        if end == 0 {
            // A stray '=': skip it.
            rest = &rest[1..];
            continue;
        }
        let token = &rest[..end];
        let after = rest[end..].trim_start();
        if let Some(value_part) = after.strip_prefix('=') {
            let value_part = value_part.trim_start();
            let (value, remaining) = read_value(value_part);
            if let Some(current) = challenges.last_mut() {
                current.params.push((token.to_string(), value));
            }
            rest = remaining;
        } else {
            challenges.push(Challenge {
                scheme: token.to_string(),
                params: Vec::new(),
            });
            rest = &rest[end..];
        }
    }
    challenges
}

/// A quoted string (with `\` escapes) or a token, and what follows it.
fn read_value(s: &str) -> (String, &str) {
    if let Some(inner) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (value, &inner[i + 1..]),
                c => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = s
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(s.len());
        (s[..end].to_string(), &s[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, CHALLENGE_HOP, PRM_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&Mcp401Challenge, trace, &Profile::default())
    }

    fn with_challenge(value: &str) -> crate::Trace {
        good_flow()
            .with_response_header(CHALLENGE_HOP, "WWW-Authenticate", value)
            .build()
    }

    #[test]
    fn parses_challenges() {
        let c = parse_challenges(
            r#"Basic realm="a, b", Bearer realm="OAuth", resource_metadata="https://m.test/x", scope="a b", error=invalid_token"#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].param("realm"), Some("a, b"));
        assert_eq!(c[1].param("resource_metadata"), Some("https://m.test/x"));
        assert_eq!(c[1].param("scope"), Some("a b"));
        assert_eq!(c[1].param("error"), Some("invalid_token"));
        for odd in [
            "",
            "=",
            "Bearer =",
            "Bearer a=\"unterminated",
            "Bearer a=\"x\\",
            ",,,",
            "Bearer x=y=z",
        ] {
            let _ = parse_challenges(odd);
        }
        assert!(parse_challenges(&"Bearer ".repeat(10_000)).len() <= MAX_CHALLENGES + 1);
    }

    #[test]
    fn passes_on_the_good_challenge_with_and_without_cors() {
        assert_eq!(run(&good_flow().build()).status, Status::Pass);
        assert_eq!(run(&good_flow_with_pages().build()).status, Status::Pass);
    }

    #[test]
    fn warns_without_scope_and_fails_without_resource_metadata() {
        let no_scope = with_challenge(
            r#"Bearer realm="OAuth", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp""#,
        );
        assert_eq!(run(&no_scope).status, Status::Warn);
        // The challenge is still found through its JSON-RPC body; the client then found the
        // metadata at the well-known URL, which MCP 2025-11-25 allows.
        let trace = with_challenge(r#"Bearer realm="OAuth""#);
        assert_eq!(run(&trace).status, Status::Warn);
        let nowhere = good_flow()
            .with_response_header(CHALLENGE_HOP, "WWW-Authenticate", r#"Bearer realm="OAuth""#)
            .edit(|t| {
                t.exchanges.remove(PRM_HOP);
            })
            .build();
        assert_eq!(run(&nowhere).status, Status::Fail);
        let basic = with_challenge(r#"Basic realm="x""#);
        assert_eq!(run(&basic).status, Status::Fail);
    }

    #[test]
    fn fails_when_browser_clients_cannot_read_the_challenge() {
        let hidden = good_flow_with_pages()
            .without_response_header(CHALLENGE_HOP, "Access-Control-Expose-Headers")
            .build();
        let outcome = run(&hidden);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("Expose-Headers"),
            "{}",
            outcome.summary
        );
        let no_cors = good_flow_with_pages()
            .without_response_header(CHALLENGE_HOP, "Access-Control-Allow-Origin")
            .build();
        assert_eq!(run(&no_cors).status, Status::Fail);
    }

    #[test]
    fn cors_is_not_judged_on_navigations_and_form_submissions() {
        // The 401 answered a form-submitted navigation: it carries an Origin, but CORS does
        // not apply to it (the MCP TypeScript SDK demo server's case).
        let navigation = |edit: fn(&mut crate::trace::Exchange)| {
            good_flow_with_pages()
                .without_response_header(CHALLENGE_HOP, "Access-Control-Allow-Origin")
                .without_response_header(CHALLENGE_HOP, "Access-Control-Expose-Headers")
                .edit_exchange(CHALLENGE_HOP, edit)
                .build()
        };
        let document = navigation(|ex| ex.resource_type = crate::trace::ResourceType::Document);
        assert_eq!(run(&document).status, Status::Pass);
        // A HAR without resource types: Sec-Fetch-Mode says it, else what was sent.
        let har = navigation(|ex| {
            ex.resource_type = crate::trace::ResourceType::Unknown;
            ex.request_headers
                .push(crate::trace::Header::new("Sec-Fetch-Mode", "navigate"));
        });
        assert_eq!(run(&har).status, Status::Pass);
        let form = navigation(|ex| {
            ex.resource_type = crate::trace::ResourceType::Unknown;
            ex.request_body = None;
            ex.form = Some(vec![crate::trace::Param::new("q", "1")]);
            ex.request_headers.push(crate::trace::Header::new(
                "Accept",
                "text/html,application/xhtml+xml",
            ));
        });
        assert_eq!(run(&form).status, Status::Pass);
        // The same from a script is judged.
        let fetch = navigation(|ex| {
            ex.resource_type = crate::trace::ResourceType::Unknown;
            ex.request_headers
                .push(crate::trace::Header::new("Sec-Fetch-Mode", "cors"));
        });
        assert_eq!(run(&fetch).status, Status::Fail);
    }

    #[test]
    fn is_not_observed_without_the_unauthenticated_request() {
        let trace = good_flow()
            .edit(|t| {
                t.exchanges.remove(CHALLENGE_HOP);
            })
            .build();
        assert_eq!(run(&trace).status, Status::NotObserved);
    }
}
