use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::{host_of, scheme_of};
use crate::rules::findings::{count, Findings};
use crate::rules::flow_urls::{flow_urls, metadata_urls};
use crate::rules::{Context, Rule, RuleMeta};
use crate::vendor;

declare_rule! {
    /// ## What it checks
    /// Every URL of the flow uses https: every request (pages, redirects, discovery,
    /// metadata, token request, resources the pages load), every redirect target, the
    /// `redirect_uri` the client asks for, and the endpoints the metadata documents announce.
    /// Plain http is accepted on a loopback host (`localhost`, `127.0.0.1`, `[::1]`) for the
    /// client's side: its redirect URI and a local MCP server. Authorization-server endpoints
    /// on loopback http (a local development server) are a warning; plain http anywhere else
    /// fails. Custom-scheme redirect URIs of desktop apps (`cursor://…`) are not http.
    ///
    /// ## Why it matters
    /// OAuth 2.1 and the MCP authorization spec require https for every authorization-server
    /// endpoint and every redirect URI except loopback ones. Over plain http, anyone on the
    /// network path (public Wi-Fi, a proxy) reads and can change the authorization code,
    /// `state`, `login_request_id`, session cookies and passwords, or sends the user elsewhere.
    ///
    /// ## How to fix
    /// Serve every endpoint over https, with a redirect from http and HSTS. Check the URLs you
    /// configured: the BYOA login endpoint in Dashboard > MCP Servers > Advanced
    /// Configuration, the `authorization_servers` and `resource` of your protected-resource
    /// metadata, and the redirect URIs your clients register. Only a client running on the
    /// user's own machine may use `http://localhost` or `http://127.0.0.1` for its callback.
    pub struct HttpsEverywhere {
        id: "https-everywhere",
        section: ProductionEnvironment,
        title: "HTTPS everywhere",
        fixed_in: [EdgeServer, ScalekitDashboard(LoginEndpoint), McpServer, ClientApp],
    }
}

/// What plain http on this URL means.
enum Verdict {
    /// https, or not an http URL at all (custom scheme, data:).
    Secure,
    /// Loopback http for the client's side: allowed.
    LocalClient,
    /// Loopback http for an authorization-server endpoint: a development setup.
    LocalServer,
    /// Plain http over the network.
    Insecure,
}

fn verdict(url: &str, client_side: bool) -> (Verdict, String) {
    let host = host_of(url).unwrap_or_default();
    let verdict = match scheme_of(url).as_deref() {
        Some("http" | "ws") if vendor::is_loopback(&host) && client_side => Verdict::LocalClient,
        Some("http" | "ws") if vendor::is_loopback(&host) => Verdict::LocalServer,
        Some("http" | "ws") => Verdict::Insecure,
        _ => Verdict::Secure,
    };
    (verdict, host)
}

/// Hops that belong to the client or the MCP server rather than the authorization server
/// (`None`: a redirect target nothing loaded, which only a client would own).
fn is_client_side(role: Option<Role>) -> bool {
    matches!(
        role,
        None | Some(
            Role::ClientCallback
                | Role::McpRequest
                | Role::ProtectedResourceMetadata
                | Role::Subresource
        )
    )
}

impl Rule for HttpsEverywhere {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let mut judge = |url: &str, client_side: bool, evidence: Evidence| {
            let (verdict, host) = verdict(url, client_side);
            match verdict {
                Verdict::Secure => {}
                Verdict::LocalClient => findings.evidence(Evidence {
                    note: format!("{}: loopback http, allowed for a local client", evidence.note),
                    ..evidence
                }),
                Verdict::LocalServer => findings.warn(
                    format!("authorization-server endpoints on {host} use plain http (a local development setup)"),
                    evidence,
                ),
                Verdict::Insecure => findings.fail(format!("plain http to {host}"), evidence),
            }
        };
        let urls = flow_urls(cx);
        for u in &urls {
            judge(&u.url, is_client_side(u.role), u.evidence(&u.place()));
        }
        if let Some((hop, ex)) = cx.authorize() {
            let params = crate::params::UrlParams::of(&ex.url);
            if let Some(redirect_uri) = params.query.get("redirect_uri") {
                judge(
                    redirect_uri,
                    true,
                    Evidence::hop(hop, &ex.url, "the redirect_uri the client asks for")
                        .field("redirect_uri", Some(redirect_uri)),
                );
            }
        }
        for m in metadata_urls(cx) {
            let client_side = m.role == Role::ProtectedResourceMetadata && m.field == "resource";
            judge(
                &m.url,
                client_side,
                m.evidence(cx, &format!("{} in {}", m.field, m.document())),
            );
        }
        findings.outcome(format!("the flow's {} use https", count(urls.len(), "URL")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&HttpsEverywhere, trace, &Profile::default())
    }

    #[test]
    fn passes_when_everything_is_https() {
        let outcome = run(&good_flow().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.summary, "the flow's 12 URLs use https");
    }

    #[test]
    fn fails_on_a_plain_http_login_endpoint() {
        let trace = good_flow()
            .replace_in_urls("https://login.acme.test", "http://login.acme.test")
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "plain http to login.acme.test");
        assert_eq!(outcome.evidence[0].hop, Some(5));
    }

    #[test]
    fn fails_on_a_plain_http_redirect_uri_even_when_never_reached() {
        let trace = good_flow()
            .replace_in_urls("https%3A%2F%2Fapp.acme.test", "http%3A%2F%2Fapp.acme.test")
            .edit(|t| t.exchanges.truncate(6))
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "plain http to app.acme.test");
        assert_eq!(outcome.evidence[0].field.as_deref(), Some("redirect_uri"));
    }

    #[test]
    fn accepts_loopback_and_custom_scheme_callbacks() {
        let local = good_flow()
            .replace_in_urls(
                "https%3A%2F%2Fapp.acme.test%2Fcallback",
                "http%3A%2F%2F127.0.0.1%3A8090%2Fcallback",
            )
            .replace_in_urls(
                "https://app.acme.test/callback",
                "http://127.0.0.1:8090/callback",
            )
            .build();
        let outcome = run(&local);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome
            .evidence
            .iter()
            .any(|e| e.note.contains("allowed for a local client")));

        let desktop = TraceBuilder::new()
            .get("https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=cursor%3A%2F%2Fcb")
            .redirect(302, "cursor://cb?code=abc")
            .build();
        assert_eq!(run(&desktop).status, Status::Pass);
    }

    #[test]
    fn warns_on_a_local_authorization_server() {
        let trace = TraceBuilder::new()
            .get("http://localhost:3001/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%3A8090%2Fcallback")
            .redirect(302, "http://localhost:8090/callback?code=abc")
            .page(200)
            .build();
        let outcome = run(&trace);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "authorization-server endpoints on localhost use plain http (a local development setup)"
        );
    }
}
