//! Choices among a page's raw facts: which image is its logo, which button its primary one,
//! which name it shows. Made here, not in the content script, so that a page from a HAR and
//! the same page seen by the extension get the same answer.

use crate::trace::{Button, ImageFacts, PageSnapshot};

use crate::limits::MAX_PAGE_IMAGES as MAX_IMAGES;

/// The logo a page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    pub src: String,
    pub alt: Option<String>,
    /// Whether it loaded; `None` when the facts cannot tell (HTML).
    pub loaded: Option<bool>,
    pub natural_width: u32,
    pub natural_height: u32,
}

/// The page's logo: a visible image whose `alt`, `id`, `class` or file name says "logo" or
/// "brand" (the largest when several do), else the first image of the page's header among its
/// first five images.
pub fn logo(page: &PageSnapshot) -> Option<Logo> {
    if page.images.is_empty() {
        // Snapshots of older content scripts carry their own choice, largest first.
        return page
            .logos
            .iter()
            .take(MAX_IMAGES)
            .find(|l| l.visible != Some(false))
            .map(|l| Logo {
                src: l.src.clone(),
                alt: l.alt.clone(),
                loaded: l.loaded,
                natural_width: l.natural_width,
                natural_height: l.natural_height,
            });
    }
    let shown = |i: &&ImageFacts| i.visible != Some(false) && !i.src.trim().is_empty();
    let named: Vec<&ImageFacts> = page
        .images
        .iter()
        .take(MAX_IMAGES)
        .filter(shown)
        .filter(|i| {
            let file = crate::params::url_without_query(&i.src)
                .rsplit('/')
                .next()
                .unwrap_or("");
            [i.alt.as_deref().unwrap_or(""), i.hint.as_str(), file]
                .iter()
                .any(|t| mentions_logo(t))
        })
        .collect();
    // The largest named image; the first one when sizes are not known (HTML).
    let area = |i: &ImageFacts| u64::from(i.natural_width) * u64::from(i.natural_height);
    let largest = named.iter().map(|i| area(i)).max().unwrap_or(0);
    let named = named.into_iter().find(|i| area(i) == largest);
    let chosen = named.or_else(|| {
        page.images
            .iter()
            .take(5)
            .filter(shown)
            .find(|i| i.in_header)
    })?;
    Some(Logo {
        src: chosen.src.clone(),
        alt: chosen.alt.clone(),
        loaded: chosen.loaded,
        natural_width: chosen.natural_width,
        natural_height: chosen.natural_height,
    })
}

fn mentions_logo(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("logo") || lower.contains("brand")
}

/// The page's primary button: the first visible submit button with a background of its own
/// (not transparent), else the first visible submit button, else the first visible button.
pub fn primary_button(page: &PageSnapshot) -> Option<&Button> {
    let visible = || page.buttons.iter().filter(|b| b.visible != Some(false));
    let submits = || visible().filter(|b| b.kind == "submit" || b.kind.is_empty());
    submits()
        .find(|b| b.background.as_deref().is_some_and(|c| !is_transparent(c)))
        .or_else(|| submits().next())
        .or_else(|| visible().next())
}

/// The background and text colors of the primary button, from the button facts or, for older
/// snapshots, from the content script's own choice.
pub fn primary_button_colors(page: &PageSnapshot) -> (Option<&str>, Option<&str>) {
    match primary_button(page) {
        Some(b) if b.background.is_some() => (b.background.as_deref(), b.color.as_deref()),
        _ => (
            page.colors.primary_button.as_deref(),
            page.colors.primary_button_text.as_deref(),
        ),
    }
}

fn is_transparent(color: &str) -> bool {
    let c = color.trim().to_ascii_lowercase();
    c == "transparent" || c.replace(' ', "") == "rgba(0,0,0,0)"
}

/// A name the page shows, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownName {
    pub text: String,
    pub from: &'static str,
}

/// Headings and titles that name no one.
const GENERIC: &[&str] = &[
    "authorize",
    "authorise",
    "authorization",
    "authorize access",
    "sign in",
    "sign-in",
    "signin",
    "log in",
    "login",
    "log-in",
    "consent",
    "continue",
    "welcome",
    "grant access",
    "allow access",
    "confirm",
    "permissions",
    "approve",
    "access request",
    "sign in to continue",
    "verify",
    "verification",
];

/// Phrases around a name in headings and titles: `{name} wants to access …`,
/// `Authorize {name}`, `Sign in to {name}`.
const BEFORE_NAME: &[&str] = &[
    "authorize ",
    "authorise ",
    "allow ",
    "sign in to ",
    "log in to ",
    "login to ",
    "continue to ",
    "connect to ",
    "connect ",
    "access to ",
];
const AFTER_NAME: &[&str] = &[
    " wants to access",
    " would like to access",
    " wants access",
    " is requesting",
    " requests access",
    " would like",
    " wants",
];

/// The server or application name the page shows: an element marked as the server's (or
/// app's, resource's, product's) name, else the name in a heading or the title ("Acme
/// Calendar wants to access…", "Authorize Acme Calendar"), else a main heading that is not a
/// generic word, else an element marked as the client's name. Snapshots of older content
/// scripts carry their own choice, which wins.
pub fn app_name(page: &PageSnapshot) -> Option<ShownName> {
    if let Some(text) = &page.app_name {
        // An older content script's own choice: what it saw named.
        return Some(ShownName {
            text: text.clone(),
            from: "the page snapshot",
        });
    }
    let marked = |words: &[&str]| {
        page.name_hints.iter().find(|h| {
            let hint = h.hint.to_ascii_lowercase().replace(['_', ' '], "-");
            !h.text.trim().is_empty() && words.iter().any(|w| hint.contains(w))
        })
    };
    if let Some(h) = marked(&[
        "server-name",
        "servername",
        "resource-name",
        "app-name",
        "appname",
        "application-name",
        "product-name",
        "service-name",
    ]) {
        return Some(ShownName {
            text: h.text.clone(),
            from: "an element marked as the server's name",
        });
    }
    for heading in &page.headings {
        if let Some(name) = name_in_phrase(&heading.text) {
            return Some(ShownName {
                text: name,
                from: "the page's heading",
            });
        }
    }
    if let Some(name) = page.title.as_deref().and_then(name_in_phrase) {
        return Some(ShownName {
            text: name,
            from: "the page's title",
        });
    }
    let main = page
        .headings
        .iter()
        .find(|h| h.level == 1)
        .or(page.headings.first());
    if let Some(h) = main.filter(|h| !is_generic(&h.text)) {
        return Some(ShownName {
            text: h.text.clone(),
            from: "the page's main heading",
        });
    }
    if let Some(h) = marked(&["client-name", "clientname"]) {
        return Some(ShownName {
            text: h.text.clone(),
            from: "an element marked as the client's name",
        });
    }
    None
}

fn is_generic(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(['.', '!', ':'])
        .to_ascii_lowercase();
    t.is_empty() || GENERIC.contains(&t.as_str())
}

/// The name in "X wants to access Y" (Y, unless it is "your account"; then X), "Authorize X".
fn name_in_phrase(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for after in AFTER_NAME {
        if let Some(i) = lower.find(after) {
            let before = text[..i].trim();
            let object = text[i + after.len()..]
                .trim()
                .trim_end_matches(['.', '?', '!'])
                .trim();
            let object_lower = object.to_ascii_lowercase();
            let generic_object = object.is_empty()
                || ["your ", "you", "to ", "access"]
                    .iter()
                    .any(|p| object_lower.starts_with(p));
            if !generic_object && !is_generic(object) {
                return Some(object.to_string());
            }
            if !before.is_empty() && !is_generic(before) {
                return Some(before.to_string());
            }
        }
    }
    for before in BEFORE_NAME {
        if let Some(rest) = lower.strip_prefix(before) {
            let name = text[text.len() - rest.len()..]
                .split(" to ")
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(['.', '?', '!'])
                .trim();
            if !name.is_empty()
                && !is_generic(name)
                && !name.to_ascii_lowercase().starts_with("access")
            {
                return Some(name.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Heading, NameHint};

    #[test]
    fn finds_the_name_where_pages_put_it() {
        let page = |headings: &[&str], title: &str| PageSnapshot {
            headings: headings
                .iter()
                .map(|t| Heading {
                    level: 1,
                    text: t.to_string(),
                })
                .collect(),
            title: Some(title.to_string()),
            ..PageSnapshot::default()
        };
        let name = |p: &PageSnapshot| app_name(p).map(|n| n.text);
        assert_eq!(
            name(&page(&["VS Code wants to access Acme Calendar"], "")),
            Some("Acme Calendar".into())
        );
        assert_eq!(
            name(&page(&["Acme Notes wants to access your account"], "")),
            Some("Acme Notes".into())
        );
        assert_eq!(name(&page(&["Authorize"], "Sign-in")), None);
        assert_eq!(
            name(&page(&["Authorize"], "Authorize Acme Calendar")),
            Some("Acme Calendar".into())
        );
        assert_eq!(name(&page(&["Sign in to Acme"], "")), Some("Acme".into()));
        assert_eq!(
            name(&page(&["mcp-prod-v2"], "")),
            Some("mcp-prod-v2".into())
        );
        let marked = PageSnapshot {
            name_hints: vec![
                NameHint {
                    hint: "client-name".into(),
                    text: "VS Code".into(),
                },
                NameHint {
                    hint: "server-name".into(),
                    text: "Acme Calendar".into(),
                },
            ],
            ..page(&["VS Code wants to access Acme Calendar"], "")
        };
        assert_eq!(
            app_name(&marked).map(|n| n.from),
            Some("an element marked as the server's name")
        );
    }

    #[test]
    fn picks_the_named_or_header_image_as_logo() {
        let image = |src: &str, hint: &str, in_header: bool| ImageFacts {
            src: src.into(),
            hint: hint.into(),
            in_header,
            ..ImageFacts::default()
        };
        let page = PageSnapshot {
            images: vec![
                image("https://a.test/avatar.png", "", false),
                image("https://a.test/x.svg", "site-logo", false),
                image("https://a.test/acme-logo-dark.svg", "", false),
            ],
            ..PageSnapshot::default()
        };
        assert_eq!(
            logo(&page).map(|l| l.src),
            Some("https://a.test/x.svg".into())
        );
        let header = PageSnapshot {
            images: vec![image("https://a.test/a.png", "", true)],
            ..PageSnapshot::default()
        };
        assert!(logo(&header).is_some());
        let none = PageSnapshot {
            images: vec![image("https://a.test/a.png", "", false)],
            ..PageSnapshot::default()
        };
        assert!(logo(&none).is_none());
    }

    #[test]
    fn the_primary_button_is_the_painted_submit_button() {
        let button = |text: &str, kind: &str, bg: Option<&str>| Button {
            text: text.into(),
            kind: kind.into(),
            background: bg.map(str::to_string),
            ..Button::default()
        };
        let page = PageSnapshot {
            buttons: vec![
                button("Help", "button", Some("rgb(1, 2, 3)")),
                button("Deny", "submit", Some("rgba(0, 0, 0, 0)")),
                button("Allow", "submit", Some("rgb(10, 102, 194)")),
            ],
            ..PageSnapshot::default()
        };
        assert_eq!(
            primary_button(&page).map(|b| b.text.as_str()),
            Some("Allow")
        );
        assert_eq!(primary_button_colors(&page).0, Some("rgb(10, 102, 194)"));
    }
}
