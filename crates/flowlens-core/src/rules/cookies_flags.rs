use crate::check::{Evidence, Outcome};
use crate::declare_rule;
use crate::flow::Role;
use crate::params::host_of;
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;

/// Cookies judged per flow (a hostile trace may set thousands).
const MAX_COOKIES: usize = 200;

/// Words in a cookie name that mark a session or flow cookie, which `__Host-` fits.
const SESSION_MARKERS: &[&str] = &["sess", "sid", "auth", "token", "login", "consent", "state"];

/// Words in a cookie name that mark a CSRF token scripts may need to read.
const CSRF_MARKERS: &[&str] = &["csrf", "xsrf"];

declare_rule! {
    /// ## What it checks
    /// Every cookie set during the flow by the auth domain (the authorization request's host)
    /// and, in bring your own auth, by your login endpoint's host, is `Secure`, `HttpOnly`
    /// (CSRF-token cookies that scripts must read excepted) and has an explicit `SameSite`
    /// (`SameSite=None` is a warning). Cookies with a `__Host-` or `__Secure-` prefix must
    /// meet the prefix's rules; a session cookie that could carry `__Host-` (Secure,
    /// `Path=/`, no `Domain`) but does not is a warning. Only names and attributes are
    /// reported: cookie values are secrets and never appear in evidence.
    ///
    /// ## Why it matters
    /// The cookies of the login and consent pages are the user's session at the
    /// authorization server: whoever holds them can approve access as the user. Without
    /// `Secure` they travel over http; without `HttpOnly` any script injection reads them;
    /// without `SameSite` some browsers (Firefox, Safari) send them on cross-site requests,
    /// which is what CSRF needs. `__Host-` pins a cookie to the exact host so a compromised
    /// or careless sibling subdomain cannot overwrite it.
    ///
    /// ## How to fix
    /// For your login endpoint, set the session cookie as
    /// `Set-Cookie: __Host-session=…; Path=/; Secure; HttpOnly; SameSite=Lax` (your framework's
    /// session settings: `cookie.secure`, `httpOnly`, `sameSite`). For cookies the hosted
    /// Scalekit pages set, send the evidence to Scalekit support. In the app itself, keep
    /// tokens in server-side sessions or `HttpOnly` cookies, never in `localStorage`.
    pub struct CookiesFlags {
        id: "cookies-flags",
        section: CoreAuthFlows,
        title: "Secure, HttpOnly, SameSite cookies",
    }
}

impl Rule for CookiesFlags {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut hosts: Vec<String> = cx.auth_host().into_iter().collect();
        for (_, ex) in cx.hops(Role::ByoaLogin) {
            if let Some(h) = host_of(&ex.url) {
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
        if hosts.is_empty() {
            return Outcome::not_observed("the authorization request was not observed");
        }
        let mut findings = Findings::new();
        let mut judged = 0usize;
        for (hop, _, ex) in cx.all_hops() {
            if !host_of(&ex.url).is_some_and(|h| hosts.contains(&h)) {
                continue;
            }
            for line in ex
                .response_headers("set-cookie")
                .flat_map(|v| v.split('\n'))
            {
                if judged >= MAX_COOKIES {
                    break;
                }
                let Some(cookie) = SetCookie::parse(line) else {
                    continue;
                };
                judged += 1;
                judge(hop, &ex.url, &cookie, &mut findings);
            }
        }
        let none = format!(
            "no cookie was set by {} in the trace (some captures drop Set-Cookie headers)",
            hosts.join(", ")
        );
        findings.outcome_with_gaps(
            "the flow's cookies are Secure, HttpOnly and SameSite",
            &none,
            false,
        )
    }
}

fn judge(hop: usize, url: &str, cookie: &SetCookie<'_>, findings: &mut Findings) {
    if cookie.is_deletion() {
        return; // a cookie being removed carries no session
    }
    let name = if cookie.name.is_empty() {
        "(no name)".to_string()
    } else {
        visible(cookie.name, 100)
    };
    let evidence = |note: &str| {
        Evidence::hop(hop, url, note).field("Set-Cookie attributes", Some(&cookie.describe()))
    };
    let lower = cookie.name.to_ascii_lowercase();
    let secure = cookie.has("secure");
    let mut problems: Vec<&str> = Vec::new();
    if !secure {
        problems.push("not Secure");
    }
    let csrf = CSRF_MARKERS.iter().any(|m| lower.contains(m));
    if !cookie.has("httponly") && !csrf {
        problems.push("not HttpOnly");
    }
    match cookie
        .get("samesite")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => problems.push("no SameSite"),
        Some("lax" | "strict") => {}
        Some("none") => findings.warn(
            format!("cookie {name} is SameSite=None: it is sent on cross-site requests"),
            evidence("SameSite=None"),
        ),
        Some(_) => problems.push("invalid SameSite value"),
    }
    let path_root = cookie.get("path") == Some("/");
    let domain = cookie.get("domain").is_some();
    if cookie.name.starts_with("__Host-") && !(secure && path_root && !domain) {
        problems.push("__Host- prefix without Secure, Path=/ and no Domain: browsers reject it");
    }
    if cookie.name.starts_with("__Secure-") && !secure {
        problems.push("__Secure- prefix without Secure: browsers reject it");
    }
    if !problems.is_empty() {
        findings.fail(
            format!("cookie {name} is {}", problems.join(", ")),
            evidence(&problems.join("; ")),
        );
        return;
    }
    let session = SESSION_MARKERS.iter().any(|m| lower.contains(m));
    if session && !cookie.name.starts_with("__Host-") && path_root && !domain {
        findings.warn(
            format!("session cookie {name} could use the __Host- prefix"),
            evidence("Secure, Path=/ and no Domain: __Host- would pin it to this host"),
        );
        return;
    }
    let note = if csrf && !cookie.has("httponly") {
        "Secure, SameSite; readable by scripts as a CSRF token"
    } else {
        "Secure, HttpOnly, SameSite"
    };
    findings.pass(format!("cookie {name} has safe attributes"), evidence(note));
}

/// One `Set-Cookie` header value: the name and the attributes, never the value.
struct SetCookie<'a> {
    name: &'a str,
    /// Attribute names lower-cased, values as written.
    attrs: Vec<(String, &'a str)>,
}

impl<'a> SetCookie<'a> {
    /// Parses leniently (RFC 6265bis §5.6): never fails on odd syntax; `None` only for a
    /// line with nothing in it.
    fn parse(line: &'a str) -> Option<Self> {
        let mut parts = line.split(';');
        let first = parts.next()?.trim();
        if first.is_empty() && !line.contains(';') {
            return None;
        }
        let name = match first.split_once('=') {
            Some((n, _)) => n.trim(),
            None => "", // a nameless cookie: the whole pair is its value
        };
        let attrs = parts
            .take(32)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => (n.trim().to_ascii_lowercase(), v.trim()),
                None => (p.to_ascii_lowercase(), ""),
            })
            .collect();
        Some(Self { name, attrs })
    }

    fn has(&self, attr: &str) -> bool {
        self.attrs.iter().any(|(n, _)| n == attr)
    }

    /// The last value of an attribute (the one browsers use).
    fn get(&self, attr: &str) -> Option<&'a str> {
        self.attrs
            .iter()
            .rev()
            .find(|(n, _)| n == attr)
            .map(|(_, v)| *v)
    }

    /// Removal: `Max-Age` of zero or less.
    fn is_deletion(&self) -> bool {
        self.get("max-age")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|age| age <= 0)
    }

    /// `name; Path=/; Secure; HttpOnly; SameSite=Lax`: what evidence shows.
    fn describe(&self) -> String {
        let mut out = if self.name.is_empty() {
            "(no name)".to_string()
        } else {
            visible(self.name, 100)
        };
        for (n, v) in self.attrs.iter().take(12) {
            out.push_str("; ");
            out.push_str(&visible(n, 30));
            if !v.is_empty() {
                out.push('=');
                out.push_str(&visible(v, 60));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule, AUTHORIZE_HOP, CONSENT_HOP};
    use crate::{Profile, Status};

    fn run(trace: &crate::Trace) -> Outcome {
        run_rule(&CookiesFlags, trace, &Profile::default())
    }

    fn with_cookie(value: &str) -> crate::Trace {
        good_flow_with_pages()
            .with_response_header(CONSENT_HOP, "Set-Cookie", value)
            .build()
    }

    #[test]
    fn passes_on_host_prefixed_cookies() {
        let outcome = run(&good_flow_with_pages().build());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn fails_on_missing_flags_and_never_shows_values() {
        let outcome = run(&with_cookie("sk_consent=SECRETVALUE123; Path=/"));
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("not Secure"),
            "{}",
            outcome.summary
        );
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains("SECRETVALUE123"), "{json}");
        assert_eq!(
            run(&with_cookie("a=1; Secure; HttpOnly")).status,
            Status::Fail
        );
        assert_eq!(
            run(&with_cookie("a=1; Secure; SameSite=Lax")).status,
            Status::Fail
        );
        assert_eq!(
            run(&with_cookie(
                "__Host-a=1; Secure; HttpOnly; SameSite=Lax; Path=/; Domain=acme.test"
            ))
            .status,
            Status::Fail
        );
        assert_eq!(
            run(&with_cookie("a=1; Secure; HttpOnly; SameSite=Bogus")).status,
            Status::Fail
        );
    }

    #[test]
    fn warns_on_samesite_none_and_missing_host_prefix() {
        assert_eq!(
            run(&with_cookie(
                "__Host-x=1; Path=/; Secure; HttpOnly; SameSite=None"
            ))
            .status,
            Status::Warn
        );
        let outcome = run(&with_cookie(
            "sk_session=1; Path=/; Secure; HttpOnly; SameSite=Lax",
        ));
        assert_eq!(outcome.status, Status::Warn);
        assert!(outcome.summary.contains("__Host-"));
        // Not a session cookie, or scoped to a Domain: no __Host- advice.
        assert_eq!(
            run(&with_cookie(
                "theme=dark; Path=/; Secure; HttpOnly; SameSite=Lax"
            ))
            .status,
            Status::Pass
        );
    }

    #[test]
    fn accepts_readable_csrf_cookies_and_ignores_deletions() {
        assert_eq!(
            run(&with_cookie(
                "__Host-csrf=1; Path=/; Secure; SameSite=Strict"
            ))
            .status,
            Status::Pass
        );
        assert_eq!(run(&with_cookie("old=; Max-Age=0")).status, Status::Pass);
    }

    #[test]
    fn parses_odd_set_cookie_syntax_without_panicking() {
        for odd in [
            "",
            ";",
            "=",
            "==;;==",
            "novalue",
            "a=b; =c; ;",
            "\u{202e}x=1; Secure",
            "a=1; Max-Age=-99999999999999999999",
            "a=1;;;;;;;;",
            &"a=1; x".repeat(10_000),
        ] {
            let trace = good_flow()
                .with_response_header(AUTHORIZE_HOP, "Set-Cookie", odd)
                .build();
            let _ = run(&trace);
        }
        let outcome = run(&good_flow()
            .with_response_header(AUTHORIZE_HOP, "Set-Cookie", "\u{202e}evil=1; Secure")
            .build());
        assert!(outcome.summary.contains("\\u{202e}"), "{}", outcome.summary);
    }

    #[test]
    fn is_not_observed_without_cookies() {
        assert_eq!(run(&good_flow().build()).status, Status::NotObserved);
    }
}
