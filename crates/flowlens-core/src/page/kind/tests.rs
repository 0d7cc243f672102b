//! Role inference on pages shaped like those of several servers, and on look-alikes.
//!
//! Each page goes through the HTML reader, the path a HAR takes; `snapshot_and_html_agree`
//! checks that the content script's shape of the same page gives the same answer.

use super::*;
use crate::page::html::snapshot_from_html;

fn infer_html(html: &str) -> Inference {
    infer(&snapshot_from_html(
        "https://id.example.test/page",
        html,
        false,
    ))
}

fn kind(html: &str) -> PageKind {
    infer_html(html).kind
}

/// oidc-provider's development sign-in page (`/interaction/:uid`, prompt login).
const OIDC_PROVIDER_LOGIN: &str = r#"<!DOCTYPE html><html><head><title>Sign-in</title></head><body>
<div class="login-card"><h1>Sign-in</h1>
<form autocomplete="off" action="/interaction/5qZ" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
  <input required type="password" name="password" placeholder="and password">
  <button type="submit" class="login login-submit">Sign-in</button>
</form>
<div class="login-help"><a href="/interaction/5qZ/abort">[ Cancel ]</a></div></div></body></html>"#;

/// oidc-provider's development consent page (prompt consent): a Continue button, a Cancel
/// link, the scopes in a list and a hidden `prompt=consent`.
const OIDC_PROVIDER_CONSENT: &str = r#"<!DOCTYPE html><html><head><title>Sign-in</title></head><body>
<div class="login-card"><h1>Authorize</h1><div class="login-client-image"></div>
<ul>
  <li>scopes:</li>
  <ul><li>profile</li><li>email</li></ul>
</ul>
<form autocomplete="off" action="/interaction/9Xy" method="post">
  <input type="hidden" name="prompt" value="consent"/>
  <button autofocus type="submit" class="login login-submit">Continue</button>
</form>
<div class="login-help"><a href="/interaction/9Xy/abort">[ Cancel ]</a></div></div></body></html>"#;

/// OpenAuth's code provider, first step: an email, then "Continue".
const OPENAUTH_EMAIL: &str = r#"<html><head><title>Acme</title></head><body><div data-component="root">
<div data-component="center"><img data-component="logo" src="/brand/logo.svg">
<form data-component="form" method="post"><input type="hidden" name="action" value="request">
<input data-component="input" autofocus type="email" name="email" inputmode="email" required placeholder="Email">
<button data-component="button">Continue</button></form>
<p data-component="form-footer">We'll send a pin code to your email.</p></div></div></body></html>"#;

/// OpenAuth's code provider, second step: the one-time code.
const OPENAUTH_CODE: &str = r#"<html><head><title>Acme</title></head><body>
<form data-component="form" class="form" method="post">
<div data-component="form-alert" data-color="success">Code sent to alice@acme.test</div>
<input type="hidden" name="action" value="verify">
<input data-component="input" autofocus minlength="6" maxlength="6" type="text" name="code" required inputmode="numeric" autocomplete="one-time-code" placeholder="Code">
<button data-component="button">Continue</button></form>
<form method="post"><input type="hidden" name="email" value="alice@acme.test" class="hidden">
<input type="hidden" name="action" value="request">
<div data-component="form-footer"><span>Didn't get code? <button data-component="link">Resend</button></span></div></form>
</body></html>"#;

/// The simulated Scalekit consent page.
const SCALEKIT_CONSENT: &str = r#"<!doctype html><html><head><title>Authorize Acme Calendar</title></head>
<body data-page="consent"><main><img class="logo" src="/brand/acme-logo.svg" alt="Acme">
<h1><span id="client-name">VS Code</span> wants to access <span id="server-name">Acme Calendar</span></h1>
<ul id="scopes"><li><code>calendar:read</code> Read your calendars and events</li></ul>
<form method="post" action="/oauth/consent"><input type="hidden" name="request_id" value="req_1">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button></form></main></body></html>"#;

/// A GitHub-style OAuth app authorization page.
const GITHUB_STYLE_AUTHORIZE: &str = r#"<html><head><title>Authorize application</title></head><body>
<h2>Acme Notes by acme-inc wants to access your octocat account</h2>
<div class="permission"><strong>Repositories</strong> Public and private</div>
<form action="/login/oauth/authorize" method="post"><input type="hidden" name="authorize" value="1">
<input type="hidden" name="scope" value="repo">
<button type="submit" name="authorize" value="0">Cancel</button>
<button type="submit" name="authorize" value="1">Authorize acme-inc</button></form></body></html>"#;

/// A Keycloak-style username and password page.
const KEYCLOAK_STYLE_LOGIN: &str = r#"<html><head><title>Sign in to Acme</title></head><body>
<h1 id="kc-page-title">Sign in to your account</h1>
<form id="kc-form-login" action="/realms/acme/login-actions/authenticate?session_code=x" method="post">
<label for="username">Username or email</label><input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<input type="submit" id="kc-login" value="Sign In"></form>
<a href="/realms/acme/login-actions/registration">Register</a></body></html>"#;

/// A Google-style identifier-first page.
const IDENTIFIER_FIRST: &str = r#"<html><head><title>Sign in - Acme Accounts</title></head><body>
<h1>Sign in</h1><div>to continue to Acme Mail</div>
<form method="post" action="/signin/identifier"><input type="email" name="identifier" autocomplete="username">
<button>Next</button></form><a href="/signup">Create account</a></body></html>"#;

const SIGN_UP: &str = r#"<html><head><title>Create your Acme account</title></head><body>
<h1>Create your account</h1><form method="post" action="/signup">
<input type="email" name="email" autocomplete="email">
<input type="password" name="password" autocomplete="new-password">
<input type="password" name="password_confirmation" autocomplete="new-password">
<button type="submit">Sign up</button></form></body></html>"#;

const SIGN_UP_WITHOUT_AUTOCOMPLETE: &str = r#"<html><body><h1>Join Acme</h1>
<form method="post"><input type="email" name="email"><input type="password" name="password">
<button type="submit">Create account</button></form></body></html>"#;

const COOKIE_BANNER: &str = r#"<html><head><title>Acme</title></head><body><h1>Welcome to Acme</h1>
<div id="cookie-banner"><p>We use cookies to improve your experience. Do you accept all cookies?</p>
<button>Accept all</button><button>Reject all</button></div></body></html>"#;

const ERROR_PAGE: &str = r#"<html><head><title>Something went wrong</title></head><body>
<h1>Something went wrong</h1><p>invalid_state</p></body></html>"#;

const OIDC_PROVIDER_ERROR: &str = r#"<!DOCTYPE html><html><head><title>oops! something went wrong</title></head>
<body><div><h1>oops! something went wrong</h1><pre><strong>error</strong>: invalid_redirect_uri</pre></div></body></html>"#;

/// A landing page with a newsletter box: an email field, but nothing to sign in to.
const LANDING_WITH_BUTTONS: &str = r#"<html><head><title>Acme</title></head><body>
<h1>Acme Calendar</h1><p>Plan your week.</p><a href="/pricing">Pricing</a>
<button>Get started</button></body></html>"#;

#[test]
fn sign_in_pages_of_several_servers() {
    for (name, html) in [
        ("oidc-provider", OIDC_PROVIDER_LOGIN),
        ("keycloak-style", KEYCLOAK_STYLE_LOGIN),
    ] {
        let i = infer_html(html);
        assert_eq!(i.kind, PageKind::SignIn, "{name}: {i:?}");
        assert!(i.reason.contains("password"), "{name}: {}", i.reason);
    }
}

#[test]
fn passwordless_and_multi_step_sign_in() {
    let email = infer_html(OPENAUTH_EMAIL);
    assert_eq!(email.kind, PageKind::SignIn, "{email:?}");
    assert!(
        email.reason.contains("identifier first"),
        "{}",
        email.reason
    );
    let code = infer_html(OPENAUTH_CODE);
    assert_eq!(code.kind, PageKind::SignIn, "{code:?}");
    assert!(code.reason.contains("one-time code"), "{}", code.reason);
    assert_eq!(kind(IDENTIFIER_FIRST), PageKind::SignIn);
}

#[test]
fn consent_pages_of_several_servers() {
    let oidc = infer_html(OIDC_PROVIDER_CONSENT);
    assert_eq!(oidc.kind, PageKind::Consent, "{oidc:?}");
    assert_eq!(
        oidc.reason,
        "consent page: \"Continue\"/\"[ Cancel ]\" actions, prompt=consent, listing 2 scopes"
    );
    let scalekit = infer_html(SCALEKIT_CONSENT);
    assert_eq!(scalekit.kind, PageKind::Consent, "{scalekit:?}");
    assert!(
        scalekit
            .reason
            .starts_with("consent page: \"Allow\"/\"Deny\" actions"),
        "{}",
        scalekit.reason
    );
    assert!(
        scalekit.reason.ends_with("listing 1 scope"),
        "{}",
        scalekit.reason
    );
    assert_eq!(kind(GITHUB_STYLE_AUTHORIZE), PageKind::Consent);
}

#[test]
fn look_alikes_are_not_sign_in_or_consent() {
    assert_eq!(kind(SIGN_UP), PageKind::SignUp);
    assert_eq!(kind(SIGN_UP_WITHOUT_AUTOCOMPLETE), PageKind::SignUp);
    assert_eq!(kind(COOKIE_BANNER), PageKind::Other);
    assert_eq!(kind(LANDING_WITH_BUTTONS), PageKind::Other);
    // A sign-in page with a cookie banner is still a sign-in page, not consent.
    let with_banner = KEYCLOAK_STYLE_LOGIN.replace(
        "</body>",
        "<p>We use cookies.</p><button>Accept</button><button>Reject</button></body>",
    );
    assert_eq!(kind(&with_banner), PageKind::SignIn);
}

#[test]
fn error_pages() {
    let i = infer_html(ERROR_PAGE);
    assert_eq!(i.kind, PageKind::Error);
    assert_eq!(i.reason, "error page: it shows invalid_state");
    assert_eq!(kind(OIDC_PROVIDER_ERROR), PageKind::Error);
}

#[test]
fn snapshot_and_html_agree() {
    use crate::trace::{Button, FieldFacts, FormFacts, FormField, Heading, LinkFacts};
    // The oidc-provider consent page as the content script reports it.
    let snapshot = PageSnapshot {
        url: "https://id.example.test/interaction/9Xy".into(),
        title: Some("Sign-in".into()),
        headings: vec![Heading {
            level: 1,
            text: "Authorize".into(),
        }],
        hidden_fields: vec![FormField {
            name: "prompt".into(),
            value: "consent".into(),
        }],
        forms: vec![FormFacts {
            method: "post".into(),
            action: "https://id.example.test/interaction/9Xy".into(),
            fields: vec![FieldFacts {
                kind: "hidden".into(),
                name: "prompt".into(),
                value: Some("consent".into()),
                visible: Some(false),
                ..FieldFacts::default()
            }],
        }],
        buttons: vec![Button {
            text: "Continue".into(),
            kind: "submit".into(),
            form: Some(0),
            visible: Some(true),
            background: Some("rgb(77, 144, 254)".into()),
            ..Button::default()
        }],
        links: vec![LinkFacts {
            text: "[ Cancel ]".into(),
            href: "https://id.example.test/interaction/9Xy/abort".into(),
        }],
        list_items: vec!["scopes:".into(), "profile".into(), "email".into()],
        text: Some("Authorize scopes: profile email Continue [ Cancel ]".into()),
        ..PageSnapshot::default()
    };
    assert_eq!(infer(&snapshot), infer_html(OIDC_PROVIDER_CONSENT));
}

#[test]
fn hostile_pages_do_not_panic() {
    let huge = format!(
        "<form><input type=password>{}</form>",
        "<button>Allow</button><li>read:x</li>".repeat(20_000)
    );
    let _ = infer_html(&huge);
    let bidi = "<button>Allow\u{202e}</button><a href=x>Deny\u{200b}</a><li>openid</li>";
    let i = infer_html(bidi);
    assert!(
        !i.reason.contains('\u{202e}') && !i.reason.contains('\u{200b}'),
        "{}",
        i.reason
    );
}
