use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::roles::path_of;
use crate::flow::Role;
use crate::page::choose;
use crate::rules::branding::NO_CONSENT_PAGE;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::{is_format_control, visible};
use crate::vendor;

/// Words that name an environment rather than a product.
const ENVIRONMENT_WORDS: &[&str] = &[
    "prod",
    "production",
    "prd",
    "dev",
    "development",
    "test",
    "testing",
    "staging",
    "stage",
    "stg",
    "qa",
    "uat",
    "sandbox",
    "preview",
    "demo",
    "local",
    "localhost",
    "tmp",
    "temp",
];

/// Names longer than this (characters) are reported as unusual.
const MAX_REASONABLE_LEN: usize = 80;

declare_rule! {
    /// ## What it checks
    /// The MCP server name shown on the consent page is one users recognize: it equals the
    /// profile's `server_name` when one is given; otherwise it must not look like a slug or
    /// an identifier (`mcp-prod-v2`, `calendar_api`, `res_123`), nor be or contain an
    /// environment name (`test`, `staging`, `dev`). Names with invisible direction overrides
    /// or zero-width characters fail (they make a name read as something else); control
    /// characters fail, and markup or very long names are warnings. The name is what the page
    /// shows (read from the extension's page snapshot, or from the page's HTML in a HAR): an
    /// element marked as the server's or app's name, else the name in a heading or the title
    /// ("Acme Calendar wants to access…", "Authorize Acme Calendar"), else a main heading
    /// that is not a generic word, else the client's name; else the consent page's
    /// `consent/details` API response (`resource.name`) when the trace kept it. A consent page
    /// seen whole that names no one (only "Authorize" or "Sign-in") fails.
    ///
    /// ## Why it matters
    /// The name is the answer to "who wants access to my account?" on the consent screen.
    /// An internal slug such as `mcp-prod-v2` means nothing to users and looks like a test
    /// or an attack; Scalekit's launch checklist asks for "a name that users will recognize
    /// (for example, Acme Calendar, not mcp-prod-v2)".
    ///
    /// ## How to fix
    /// In the Scalekit Dashboard go to MCP Servers, open your server and set its name to the
    /// product name users know ("Acme Calendar"). The field is "the display name of your MCP
    /// server that users will see when authorizing access". Put the same name in the
    /// Flowlens profile (`server_name = "Acme Calendar"`) to check it exactly.
    pub struct BrandingAppName {
        id: "branding-app-name",
        section: ConsentScreenBranding,
        title: "Recognizable server name on the consent page",
    }
}

impl Rule for BrandingAppName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        let consent_pages: Vec<_> = cx.hops(Role::ConsentPage).collect();
        // Pages seen whole that show no name: judged after the consent details API had its say.
        let mut nameless = Vec::new();
        for &(hop, ex) in &consent_pages {
            match cx.page(hop) {
                Some(seen) => match choose::app_name(seen.facts) {
                    Some(name) => judge(
                        cx,
                        &name.text,
                        Evidence::hop(hop, &ex.url, format!("consent page, {}", name.from)),
                        &mut findings,
                    ),
                    None if seen.partial() => findings.gap(
                        "the part of the consent page the trace has shows no server name (cut short, or built by scripts)",
                        Evidence::hop(hop, &ex.url, "no name in the page facts"),
                    ),
                    None => nameless.push((hop, ex)),
                },
                None => findings.gap(
                    "the consent page has neither a page snapshot nor HTML in the trace",
                    Evidence::hop(hop, &ex.url, "no page facts"),
                ),
            }
        }
        if !findings.has_passes() && !findings.has_problems() {
            // No page named it: the consent page's own API call, when the trace kept it.
            if let Some((i, name)) = consent_details_name(cx) {
                let ex = cx.exchange(i);
                judge(
                    cx,
                    &name,
                    Evidence::hop(i, &ex.url, "resource.name of the consent details API"),
                    &mut findings,
                );
                nameless.clear();
            }
        }
        for (hop, ex) in nameless {
            findings.fail(
                "the consent page names no server or application: its headings and title are generic",
                Evidence::hop(hop, &ex.url, "no name on the page").field("server name", None),
            );
        }
        let none = if consent_pages.is_empty() {
            NO_CONSENT_PAGE
        } else {
            "the server name on the consent page is not in the trace"
        };
        findings.outcome_with_gaps(
            "the consent page shows a recognizable server name",
            none,
            false,
        )
    }
}

/// `resource.name` of a consent details response inside the flow.
fn consent_details_name(cx: &Context<'_>) -> Option<(usize, String)> {
    cx.exchange_window().find_map(|i| {
        let ex = cx.exchange(i);
        if path_of(&ex.url) != vendor::CONSENT_DETAILS_PATH {
            return None;
        }
        let doc = cx.json_object(i).ok()?;
        let name = doc.get("resource")?.get("name")?.as_str()?.to_string();
        Some((i, name))
    })
}

fn judge(cx: &Context<'_>, name: &str, at: Evidence, findings: &mut Findings) {
    let shown = visible(name, 200);
    let evidence = |note: &str| {
        let mut e = at.clone().field("server name", Some(&shown));
        e.note = format!("{}: {note}", at.note);
        e
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        findings.fail(
            "the consent page shows an empty server name",
            evidence("empty"),
        );
        return;
    }
    if trimmed.chars().any(is_format_control) {
        findings.fail(
            format!("the server name {shown} contains invisible direction or zero-width characters that disguise how it reads"),
            evidence("direction override or invisible character"),
        );
        return;
    }
    if trimmed.chars().any(char::is_control) {
        findings.fail(
            format!("the server name {shown} contains control characters"),
            evidence("control characters"),
        );
        return;
    }
    if let Some(expected) = cx.profile.server_name.as_deref() {
        let (a, b) = (collapse(trimmed), collapse(expected));
        if a == b {
            findings.pass(
                format!("the consent page shows the expected server name {shown}"),
                evidence("matches the profile"),
            );
        } else if a.to_lowercase() == b.to_lowercase() {
            findings.warn(
                format!(
                    "the server name {shown} differs in case from the expected {}",
                    visible(expected, 80)
                ),
                evidence("case differs from the profile"),
            );
        } else {
            findings.fail(
                format!(
                    "the consent page shows the server name {shown}, not the expected {}",
                    visible(expected, 80)
                ),
                evidence("differs from the profile"),
            );
        }
        return;
    }
    findings.assume("no profile server_name: the name was judged by its shape only");
    let tokens: Vec<String> = trimmed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    let env_token = tokens
        .iter()
        .find(|t| ENVIRONMENT_WORDS.contains(&t.as_str()));
    if is_slug(trimmed)
        && (trimmed.contains(['-', '_'])
            || trimmed.chars().any(|c| c.is_ascii_digit())
            || env_token.is_some())
    {
        findings.fail(
            format!("the server name {shown} looks like a slug or identifier, not a name users recognize"),
            evidence("slug or identifier"),
        );
    } else if tokens.len() == 1 && env_token.is_some() {
        findings.fail(
            format!("the server name {shown} is an environment name"),
            evidence("environment name"),
        );
    } else if let Some(env) = env_token {
        findings.warn(
            format!("the server name {shown} mentions the environment \"{env}\""),
            evidence("names an environment"),
        );
    } else if is_slug(trimmed) {
        findings.warn(
            format!("the server name {shown} is a single lower-case word, which reads like an identifier"),
            evidence("lower-case identifier"),
        );
    } else if has_markup(trimmed) {
        findings.warn(
            format!("the server name {shown} contains markup"),
            evidence("markup shown as text"),
        );
    } else if trimmed.chars().count() > MAX_REASONABLE_LEN {
        findings.warn(
            format!(
                "the server name is unusually long ({} characters)",
                trimmed.chars().count()
            ),
            evidence("too long to read at a glance"),
        );
    } else {
        findings.pass(
            format!("the consent page shows the server name {shown}"),
            evidence("reads as a product name"),
        );
    }
}

/// `^[a-z0-9]+([-_][a-z0-9]+)*$` (which includes the `-v2` suffix of reference §5).
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split(['-', '_']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn has_markup(s: &str) -> bool {
    s.char_indices().any(|(i, c)| {
        c == '<'
            && s[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!')
    }) || s.contains("&lt;")
        || s.contains("&#")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, CONSENT_HOP};
    use crate::trace::ResourceType;
    use crate::{Profile, Status};

    fn status_for(name: &str) -> Status {
        let name = name.to_string();
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(move |p| p.app_name = Some(name))
            .build();
        run_rule(&BrandingAppName, &trace, &Profile::default()).status
    }

    #[test]
    fn passes_on_a_product_name() {
        assert_eq!(status_for("Acme Calendar"), Status::Pass);
        assert_eq!(status_for("Ünïcode Kalender 2"), Status::Pass);
        let profile = Profile {
            server_name: Some("Acme  Calendar".into()),
            ..Profile::default()
        };
        let trace = good_flow_with_pages().build();
        assert_eq!(
            run_rule(&BrandingAppName, &trace, &profile).status,
            Status::Pass
        );
    }

    #[test]
    fn fails_on_slugs_ids_and_environment_names() {
        for name in [
            "mcp-prod-v2",
            "res_123",
            "calendar_api",
            "test",
            "Staging",
            "acme-mcp",
        ] {
            assert_eq!(status_for(name), Status::Fail, "{name}");
        }
        assert_eq!(status_for("Acme Calendar (staging)"), Status::Warn);
        assert_eq!(status_for("calendar"), Status::Warn);
    }

    #[test]
    fn fails_when_the_profile_expects_another_name() {
        let profile = Profile {
            server_name: Some("Acme Calendar".into()),
            ..Profile::default()
        };
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.app_name = Some("Acme Mail".into()))
            .build();
        let outcome = run_rule(&BrandingAppName, &trace, &profile);
        assert_eq!(outcome.status, Status::Fail);
    }

    #[test]
    fn reports_hostile_names_safely() {
        let rlo = "Acme \u{202E}radnelaC";
        let trace = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.app_name = Some(rlo.into()))
            .build();
        let outcome = run_rule(&BrandingAppName, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail);
        let value = outcome.evidence[0].value.clone().unwrap_or_default();
        assert!(
            !value.contains('\u{202E}') && value.contains("\\u{202e}"),
            "{value}"
        );
        assert!(!outcome.summary.contains('\u{202E}'));
        assert_eq!(status_for("Acme\u{0007}Bell"), Status::Fail);
        assert_eq!(status_for("Acme\u{200B}Calendar"), Status::Fail);
        assert_eq!(status_for("<img src=x onerror=alert(1)>Acme"), Status::Warn);
        assert_eq!(status_for(""), Status::Fail);
        let huge = "A".repeat(5 * 1024 * 1024);
        assert_eq!(status_for(&huge), Status::Warn);
    }

    #[test]
    fn falls_back_to_the_consent_details_api_and_is_not_observed_without_it() {
        assert_eq!(
            run_rule(&BrandingAppName, &good_flow().build(), &Profile::default()).status,
            Status::NotObserved
        );
        let trace = good_flow()
            .resource(
                ResourceType::Fetch,
                "https://auth.acme.test/api/v1/oauth/consent/details?id=c1",
                "https://auth.acme.test/oauth/consent?id=c1",
            )
            .json(
                200,
                r#"{"resource":{"name":"mcp-prod-v2"},"client":{"name":"VS Code"}}"#,
            )
            .build();
        let outcome = run_rule(&BrandingAppName, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_ne!(
            outcome.evidence.last().and_then(|e| e.hop),
            Some(CONSENT_HOP)
        );
    }
}
