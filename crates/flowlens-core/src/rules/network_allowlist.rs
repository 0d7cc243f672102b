use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::stdx::cut::{clip, Elide};
use crate::trace::{Exchange, ResourceType};
use crate::vendor;

/// Hosts listed at most (one evidence entry each).
const MAX_HOSTS: usize = 200;

declare_rule! {
    /// ## What it checks
    /// Lists every host the flow contacted (the auth domain, your login endpoint, the MCP
    /// server, CDNs, font services…) with what each served (pages, scripts, stylesheets,
    /// fonts, images, API calls, metadata). This is informational: the status is a pass with
    /// one piece of evidence per host, and not observed only when the flow has no requests.
    /// Non-default ports are part of the host (`auth.acme.test:8443`).
    ///
    /// ## Why it matters
    /// Enterprise customers behind a VPN or a corporate proxy must allow these hosts, or
    /// their users see a blank or half-styled login page. The go-live checklist lists
    /// `<your-env>.scalekit.com`, `cdn.scalekit.com` and `fonts.googleapis.com`; the exact
    /// list depends on your custom domain, your branding and your login page, and this is
    /// the list as your users' browsers actually met it.
    ///
    /// ## How to fix
    /// Nothing to fix here: give this list to your enterprise customers' network teams
    /// (hosts on port 443 unless shown otherwise), and test a login from inside a
    /// customer's network before launch. If the list contains hosts you did not expect
    /// (analytics, third-party fonts), consider removing them from the login and consent
    /// pages.
    pub struct NetworkAllowlist {
        id: "network-allowlist",
        section: EnterpriseAuth,
        title: "Hosts to allow through firewalls",
    }
}

impl Rule for NetworkAllowlist {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        // (host, first URL, kinds served), in first-contact order.
        let mut hosts: Vec<(String, String, Vec<&'static str>)> = Vec::new();
        let mut more = 0usize;
        for (_, role, ex) in cx.all_hops() {
            let Some(host) = host_and_port(&ex.url) else {
                continue;
            };
            let kind = served(role, ex);
            if let Some((_, _, kinds)) = hosts.iter_mut().find(|(h, _, _)| *h == host) {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            } else if hosts.len() < MAX_HOSTS {
                let origin = url::Url::parse(&ex.url)
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_else(|_| ex.url.clone());
                hosts.push((host, origin, vec![kind]));
            } else {
                more += 1;
            }
        }
        if hosts.is_empty() {
            return Outcome::not_observed("the flow made no requests to any host");
        }
        let names: Vec<&str> = hosts.iter().map(|(h, _, _)| h.as_str()).collect();
        let count = if more > 0 {
            format!("more than {MAX_HOSTS}")
        } else {
            hosts.len().to_string()
        };
        let mut outcome = Outcome::pass(format!(
            "the flow contacted {count} hosts: {}",
            clip(&names.join(", "), 300, Elide::End)
        ));
        for (host, origin, kinds) in &hosts {
            let bare = host.split(':').next().unwrap_or(host);
            let mut note = kinds.join(", ");
            match vendor::classify_host(bare) {
                vendor::HostKind::VendorDefault { environment, .. } => note.push_str(&format!(
                    "; Scalekit environment ({})",
                    match environment {
                        vendor::Environment::Production => "production",
                        vendor::Environment::Development => "development",
                    }
                )),
                vendor::HostKind::Loopback => note.push_str("; loopback: nothing to allow"),
                _ => {}
            }
            if let Some(purpose) = vendor::known_host_purpose(bare) {
                note.push_str(&format!("; {purpose}"));
            }
            outcome =
                outcome.with(Evidence::url(origin, note).field("host", Some(&visible(host, 255))));
        }
        if more > 0 {
            outcome = outcome.with(Evidence::note(format!(
                "more hosts were contacted than the {MAX_HOSTS} listed"
            )));
        }
        outcome
    }
}

/// `host` or `host:port` when the port is not the scheme's default.
fn host_and_port(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// What a request fetched from its host, in words.
fn served(role: Role, ex: &Exchange) -> &'static str {
    match role {
        Role::McpRequest => "MCP server",
        Role::ProtectedResourceMetadata | Role::AuthorizationServerMetadata => "metadata",
        Role::ClientRegistration => "client registration",
        Role::TokenRequest => "token endpoint",
        r if r.is_page() => "pages",
        _ => match ex.resource_type {
            ResourceType::Script => "scripts",
            ResourceType::Stylesheet => "stylesheets",
            ResourceType::Font => "fonts",
            ResourceType::Image => "images",
            ResourceType::Media => "media",
            ResourceType::Fetch => "API calls",
            ResourceType::Subdocument => "frames",
            _ => "other resources",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow_with_pages, run_rule, TraceBuilder};
    use crate::{Profile, Status};

    #[test]
    fn lists_every_host_with_what_it_served() {
        let outcome = run_rule(
            &NetworkAllowlist,
            &good_flow_with_pages().build(),
            &Profile::default(),
        );
        assert_eq!(outcome.status, Status::Pass);
        let hosts: Vec<String> = outcome
            .evidence
            .iter()
            .filter_map(|e| e.value.clone())
            .collect();
        assert_eq!(
            hosts,
            [
                "mcp.acme.test",
                "auth.acme.test",
                "login.acme.test",
                "app.acme.test",
                "cdn.acme.test",
                "fonts.googleapis.com",
                "cdn.scalekit.com"
            ]
        );
        let cdn = outcome
            .evidence
            .iter()
            .find(|e| e.value.as_deref() == Some("cdn.scalekit.com"))
            .expect("cdn");
        assert!(
            cdn.note.contains("scripts") && cdn.note.contains("Scalekit static assets"),
            "{}",
            cdn.note
        );
        let auth = &outcome.evidence[1];
        assert!(
            auth.note.contains("pages") && auth.note.contains("token endpoint"),
            "{}",
            auth.note
        );
    }

    #[test]
    fn keeps_ports_and_caps_the_list() {
        let mut b = TraceBuilder::new()
            .get("https://auth.acme.test:8443/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.test%2Fcb")
            .page(200);
        for i in 0..300 {
            b = b.resource(
                ResourceType::Image,
                &format!("https://h{i}.example/x.png"),
                "https://auth.acme.test:8443/",
            );
        }
        let outcome = run_rule(&NetworkAllowlist, &b.build(), &Profile::default());
        assert_eq!(
            outcome.evidence[0].value.as_deref(),
            Some("auth.acme.test:8443")
        );
        assert_eq!(outcome.evidence.len(), MAX_HOSTS + 1);
    }
}
