//! What a page is for, from what it has: a sign-in page asks for credentials in a form, a
//! consent page offers to approve or deny access (and usually lists what is asked), an error
//! page says something went wrong. The same facts come from the extension's snapshot and from
//! a HAR's HTML (see [`super::html`]), so both surfaces infer the same role for a page.
//!
//! Words are matched in English, the language of the servers this was tried on; a page in
//! another language falls back to the structure (a password field, a hidden `prompt=consent`,
//! scope checkboxes) and to the flow's shape (see `flow::roles`).

use crate::trace::{Button, FieldFacts, FormFacts, PageSnapshot};

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Asks for credentials: a password, an email or user name first (passwordless and
    /// multi-step sign-in), or a one-time code.
    SignIn,
    /// Creates an account: not a sign-in page, even though it asks for a password.
    SignUp,
    /// Offers to approve or deny the client's access.
    Consent,
    /// Says the flow failed.
    Error,
    /// None of these (or not enough to tell).
    Other,
}

/// A page's kind and, in words, why ("consent page: Allow/Deny form listing 2 scopes").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inference {
    pub kind: PageKind,
    pub reason: String,
}

impl Inference {
    fn new(kind: PageKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }

    fn other() -> Self {
        Self::new(PageKind::Other, "")
    }
}

const APPROVE_WORDS: &[&str] = &[
    "allow",
    "authorize",
    "authorise",
    "approve",
    "accept",
    "grant",
    "consent",
    "confirm",
    "agree",
    "continue",
    "yes",
];
const DENY_WORDS: &[&str] = &[
    "deny",
    "decline",
    "cancel",
    "reject",
    "refuse",
    "don't allow",
    "do not allow",
    "not now",
    "no thanks",
];
const SIGN_UP_WORDS: &[&str] = &[
    "sign up",
    "signup",
    "create account",
    "create an account",
    "create your account",
    "register",
    "join",
];
/// Phrases of pages that ask the user to let a client access something.
const ACCESS_PHRASES: &[&str] = &[
    "wants to access",
    "would like to access",
    "wants access",
    "is requesting",
    "requesting access",
    "request access",
    "access to your",
    "access your",
    "permission",
    "authorize",
    "grant access",
    "on your behalf",
];
const ERROR_PHRASES: &[&str] = &[
    "something went wrong",
    "an error occurred",
    "error",
    "invalid request",
    "bad request",
    "not found",
    "expired",
    "access denied",
    "oops",
];
/// OAuth error codes (RFC 6749 §4.1.2.1 and friends) a page may show.
const ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "invalid_target",
    "invalid_redirect_uri",
    "invalid_grant",
    "invalid_state",
    "server_error",
    "temporarily_unavailable",
];
/// Names of fields that carry an identifier in an "email first" step.
const IDENTIFIER_NAMES: &[&str] = &[
    "email",
    "username",
    "user",
    "login",
    "identifier",
    "userid",
    "user_id",
    "phone",
    "loginfmt",
    "handle",
];
/// Names of fields that carry a one-time code.
const CODE_NAMES: &[&str] = &[
    "code",
    "otp",
    "totp",
    "pin",
    "passcode",
    "verification_code",
    "verificationcode",
    "one_time_code",
    "mfa_code",
    "token",
];
/// Hidden fields that consent forms carry.
const CONSENT_FIELDS: &[&str] = &[
    "consent",
    "decision",
    "approve",
    "approved",
    "consent_challenge",
    "user_oauth_approval",
    "scope",
    "scopes",
];

/// Infers what the page is. Credentials win over everything: a consent page never asks for
/// them. Then consent, then error pages.
pub fn infer(page: &PageSnapshot) -> Inference {
    let signals = Signals::of(page);
    if let Some(inference) = signals.credentials() {
        return inference;
    }
    if let Some(inference) = signals.consent() {
        return inference;
    }
    if let Some(inference) = signals.error() {
        return inference;
    }
    Inference::other()
}

/// The page offers a consent decision, as far as its own facts tell (without the flow).
pub fn looks_like_consent(page: &PageSnapshot) -> bool {
    infer(page).kind == PageKind::Consent
}

/// The page asks nothing but a decision: an approve and a deny action, no credentials, no
/// cookie banner.
pub fn offers_a_decision(page: &PageSnapshot) -> bool {
    let signals = Signals::of(page);
    signals.approve.is_some()
        && signals.deny.is_some()
        && signals.credentials().is_none()
        && !signals.text.contains("cookie")
}

/// The first action (button, or link for deny) of the page whose text says this.
pub(crate) fn approve_action(page: &PageSnapshot) -> Option<&str> {
    Signals::of(page).approve
}

struct Signals<'p> {
    page: &'p PageSnapshot,
    /// Visible fields of forms, with their form.
    fields: Vec<(&'p FormFacts, &'p FieldFacts)>,
    approve: Option<&'p str>,
    deny: Option<&'p str>,
    scopes: usize,
    text: String,
}

fn shown(field: &FieldFacts) -> bool {
    field.visible != Some(false) && field.kind != "hidden"
}

fn shown_button(button: &Button) -> bool {
    button.visible != Some(false)
}

/// `text` (lower case) says one of `words` as a word or phrase.
fn says(text: &str, words: &[&'static str]) -> Option<&'static str> {
    let text = text.to_ascii_lowercase();
    words.iter().copied().find(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + w.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Buttons, links, forms, fields and list items looked at per page (the content script and
/// the HTML reader keep fewer; older or hostile snapshots may carry thousands).
const MAX_ITEMS: usize = 100;

/// A short action text: button and link labels longer than this are sentences, not actions.
const MAX_ACTION_CHARS: usize = 40;

fn action_text(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty() && t.chars().count() <= MAX_ACTION_CHARS).then_some(t)
}

impl<'p> Signals<'p> {
    fn of(page: &'p PageSnapshot) -> Self {
        let fields = page
            .forms
            .iter()
            .take(MAX_ITEMS)
            .flat_map(|f| f.fields.iter().take(MAX_ITEMS).map(move |field| (f, field)))
            .filter(|(_, field)| shown(field))
            .collect();
        let buttons = || {
            page.buttons
                .iter()
                .take(MAX_ITEMS)
                .filter(|b| shown_button(b))
        };
        let approve = buttons()
            .filter_map(|b| action_text(&b.text).or_else(|| action_text(&b.value)))
            .find(|t| says(t, DENY_WORDS).is_none() && says(t, APPROVE_WORDS).is_some());
        let deny = buttons()
            .filter_map(|b| action_text(&b.text).or_else(|| action_text(&b.value)))
            .chain(
                page.links
                    .iter()
                    .take(MAX_ITEMS)
                    .filter_map(|l| action_text(&l.text)),
            )
            .find(|t| says(t, DENY_WORDS).is_some());
        // Bounded: a hostile snapshot may carry megabytes of text.
        let cap = |t: &'p str, max: usize| crate::stdx::cut::prefix_at_char_boundary(t, max);
        let mut text = String::new();
        text.push_str(cap(page.title.as_deref().unwrap_or(""), 1024));
        for h in page.headings.iter().take(30) {
            text.push(' ');
            text.push_str(cap(&h.text, 1024));
        }
        text.push(' ');
        text.push_str(cap(page.text.as_deref().unwrap_or(""), 16 * 1024));
        let text = text.to_ascii_lowercase();
        let mut signals = Signals {
            page,
            fields,
            approve,
            deny,
            scopes: 0,
            text,
        };
        signals.scopes = signals.count_scopes();
        signals
    }

    fn has_password(&self) -> bool {
        self.page.has_password_field || self.fields.iter().any(|(_, f)| f.kind == "password")
    }

    fn credentials(&self) -> Option<Inference> {
        let passwords: Vec<&FieldFacts> = self
            .fields
            .iter()
            .filter(|(_, f)| f.kind == "password")
            .map(|(_, f)| *f)
            .collect();
        let submit_texts: Vec<&str> = self
            .page
            .buttons
            .iter()
            .take(MAX_ITEMS)
            .filter(|b| shown_button(b))
            .map(|b| {
                if b.text.is_empty() {
                    b.value.as_str()
                } else {
                    b.text.as_str()
                }
            })
            .collect();
        let sign_up_submit = submit_texts
            .iter()
            .any(|t| says(t, SIGN_UP_WORDS).is_some())
            && !submit_texts
                .iter()
                .any(|t| says(t, &["sign in", "signin", "log in", "login"]).is_some());
        let new_password = passwords
            .iter()
            .any(|f| f.autocomplete.contains("new-password"))
            || passwords.len() >= 2
            || self.fields.iter().any(|(_, f)| {
                let n = f.name.to_ascii_lowercase();
                n.contains("confirm") || n.contains("repeat") || n == "password2"
            });
        let identifier = self.fields.iter().find(|(_, f)| is_identifier(f));
        let code = self.fields.iter().find(|(_, f)| is_one_time_code(f));
        let asks = self.has_password() || identifier.is_some() || code.is_some();
        if !asks {
            return None;
        }
        if self.has_password() && new_password || sign_up_submit {
            return Some(Inference::new(
                PageKind::SignUp,
                if new_password {
                    "sign-up page: a form choosing a new password"
                } else {
                    "sign-up page: a form creating an account"
                },
            ));
        }
        let posts = |form: &FormFacts| {
            if form.method == "post" {
                "a form posting"
            } else {
                "a form asking for"
            }
        };
        if self.has_password() {
            let form = self
                .fields
                .iter()
                .find(|(_, f)| f.kind == "password")
                .map(|(form, _)| posts(form))
                .unwrap_or("a page asking for");
            let what = if identifier.is_some() {
                "an identifier and a password"
            } else {
                "a password"
            };
            return Some(Inference::new(
                PageKind::SignIn,
                format!("sign-in page: {form} {what}"),
            ));
        }
        if let Some((form, field)) = code {
            return Some(Inference::new(
                PageKind::SignIn,
                format!(
                    "sign-in page (one-time code): {} a one-time code ({})",
                    posts(form),
                    field_label(field)
                ),
            ));
        }
        let (form, field) = identifier?;
        // An identifier alone in the flow of an authorization request: the first step of a
        // passwordless or multi-step sign-in. A newsletter box with an email field and a
        // sign-in form would not both be there.
        if self.consent_evidence() {
            return None;
        }
        Some(Inference::new(
            PageKind::SignIn,
            format!(
                "sign-in page (identifier first): {} {} only",
                posts(form),
                field_label(field)
            ),
        ))
    }

    /// Scopes, a resource or client asking for access, or a consent form field.
    fn consent_evidence(&self) -> bool {
        self.scopes > 0
            || self.consent_field().is_some()
            || says(&self.text, ACCESS_PHRASES).is_some()
    }

    fn consent_field(&self) -> Option<String> {
        self.page
            .hidden_fields
            .iter()
            .take(MAX_ITEMS)
            .find_map(|f| {
                let name = f.name.to_ascii_lowercase();
                let value = f.value.to_ascii_lowercase();
                if name == "prompt" && value == "consent" {
                    Some("prompt=consent".to_string())
                } else if CONSENT_FIELDS.contains(&name.as_str()) {
                    Some(format!("a {name} field"))
                } else {
                    None
                }
            })
            .or_else(|| {
                self.page.buttons.iter().take(MAX_ITEMS).find_map(|b| {
                    let name = b.name.to_ascii_lowercase();
                    CONSENT_FIELDS
                        .contains(&name.as_str())
                        .then(|| format!("a {name} button"))
                })
            })
    }

    /// List items and checkboxes that name scopes or permissions.
    fn count_scopes(&self) -> usize {
        let checkboxes = self
            .page
            .forms
            .iter()
            .take(MAX_ITEMS)
            .flat_map(|f| f.fields.iter().take(MAX_ITEMS))
            .filter(|f| {
                matches!(f.kind.as_str(), "checkbox" | "hidden")
                    && f.name.to_ascii_lowercase().starts_with("scope")
            })
            .count();
        let items = self
            .page
            .list_items
            .iter()
            .take(MAX_ITEMS)
            .filter(|item| looks_like_scope(item))
            .count();
        checkboxes.max(items)
    }

    fn consent(&self) -> Option<Inference> {
        let approve = self.approve?;
        let field = self.consent_field();
        let phrase = says(&self.text, ACCESS_PHRASES);
        let cookie = self.text.contains("cookie");
        // A cookie banner has Accept/Reject too, but asks nothing about a client or scopes.
        if cookie && self.scopes == 0 && field.is_none() {
            return None;
        }
        if self.scopes == 0 && field.is_none() && phrase.is_none() {
            return None;
        }
        if self.deny.is_none() && self.scopes == 0 && field.is_none() {
            return None;
        }
        let mut reason = match self.deny {
            Some(deny) => format!("consent page: {}/{} actions", quoted(approve), quoted(deny)),
            None => format!("consent page: a {} action", quoted(approve)),
        };
        if let Some(field) = field {
            reason.push_str(&format!(", {field}"));
        }
        match self.scopes {
            0 => {
                if let Some(p) = phrase {
                    reason.push_str(&format!(", asking for access (\"{p}\")"));
                }
            }
            1 => reason.push_str(", listing 1 scope"),
            n => reason.push_str(&format!(", listing {n} scopes")),
        }
        Some(Inference::new(PageKind::Consent, reason))
    }

    fn error(&self) -> Option<Inference> {
        if self.approve.is_some() && self.deny.is_some() {
            return None;
        }
        let cap = |t: &str| crate::stdx::cut::prefix_at_char_boundary(t, 1024).to_string();
        let heading_text = std::iter::once(cap(self.page.title.as_deref().unwrap_or("")))
            .chain(self.page.headings.iter().take(30).map(|h| cap(&h.text)))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(code) = ERROR_CODES.iter().find(|c| self.text.contains(*c)) {
            return Some(Inference::new(
                PageKind::Error,
                format!("error page: it shows {code}"),
            ));
        }
        says(&heading_text, ERROR_PHRASES).map(|p| {
            Inference::new(
                PageKind::Error,
                format!("error page: its title or heading says \"{p}\""),
            )
        })
    }
}

fn is_identifier(field: &FieldFacts) -> bool {
    let name = field.name.to_ascii_lowercase();
    field.kind == "email"
        || field.kind == "tel" && name.contains("phone")
        || field.autocomplete.contains("username")
        || field.autocomplete.contains("email")
        || matches!(field.kind.as_str(), "text" | "email" | "tel")
            && IDENTIFIER_NAMES.contains(&name.as_str())
}

fn is_one_time_code(field: &FieldFacts) -> bool {
    let name = field.name.to_ascii_lowercase();
    field.autocomplete.contains("one-time-code")
        || matches!(field.kind.as_str(), "text" | "number" | "tel")
            && CODE_NAMES.contains(&name.as_str())
}

fn field_label(field: &FieldFacts) -> String {
    let what = if field.autocomplete.contains("one-time-code") || is_one_time_code(field) {
        "code"
    } else if field.kind == "email" || field.name.to_ascii_lowercase().contains("email") {
        "email"
    } else {
        "identifier"
    };
    if field.name.is_empty() {
        format!("an {what} field")
    } else {
        format!("the {what} field {}", quoted(&field.name))
    }
}

/// A page-controlled label quoted for a reason: letters, digits, spaces and ASCII
/// punctuation only (no control, direction or zero-width character), at most 40.
pub(crate) fn quoted(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || c.is_ascii_punctuation())
        .take(40)
        .collect();
    format!("\"{}\"", cleaned.trim())
}

/// `calendar:read`, `openid`, `profile`, `read:user Read your profile`, `offline access`,
/// "Read your calendars": a scope name, or a permission sentence.
fn looks_like_scope(item: &str) -> bool {
    let item = item.trim();
    let first = item.split_whitespace().next().unwrap_or("");
    let token = !first.is_empty()
        && first.len() <= 64
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":._/-".contains(c))
        && first
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && !first.ends_with(':');
    let known = matches!(
        first.to_ascii_lowercase().as_str(),
        "openid" | "profile" | "email" | "offline_access" | "address" | "phone"
    ) || first.contains(':')
        || first.contains('.');
    let permission = says(
        item,
        &[
            "read", "write", "view", "see", "manage", "edit", "access", "create", "delete",
        ],
    )
    .is_some()
        && item.len() <= 200;
    token && (known || item.split_whitespace().count() == 1) || permission
}

#[cfg(test)]
mod tests;
