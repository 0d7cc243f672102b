//! Page snapshots: the raw facts of a page the user saw.
//!
//! Two producers fill the same structure: the extension's content script from the rendered
//! DOM, and [`crate::page::html`] from a page's HTML (a HAR keeps the HTML but no DOM). Both
//! only collect what the page has (its forms, buttons, links, images, headings, title, text);
//! [`crate::page`] decides what the page is for and which image is its logo, which button is
//! the primary one and which name it shows, so that a page seen by the extension and the same
//! page read from a HAR are judged alike.
//!
//! The content script only reads the page, never changes it, and caps its work on huge pages;
//! when it had to stop early it sets [`PageSnapshot::truncated`]. Every field is optional in
//! the JSON form so that a snapshot from an older content script, or a page that threw half
//! way, still loads: the checks say "not observed" for what is missing. Older content scripts
//! sent their own choice of logo, app name and button colors (`logos`, `app_name`,
//! `colors.primary_button`): those are still read when the raw lists are absent.
//!
//! All strings here are controlled by the page and must be treated as untrusted text.

use serde::{Deserialize, Deserializer, Serialize};

/// Raw facts of one page load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageSnapshot {
    /// When the snapshot was taken (ms since epoch).
    pub time_ms: f64,
    /// `location.href` at snapshot time, fragment included.
    pub url: String,
    pub tab: Option<String>,
    /// `document.title`.
    pub title: Option<String>,
    /// `<link rel~=icon>` elements (and the implicit `/favicon.ico` when none is declared).
    pub favicons: Vec<FaviconLink>,
    /// The page's images in document order (capped): the logo is chosen among them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageFacts>,
    /// Logo candidates chosen by an older content script; read only when `images` is empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logos: Vec<LogoCandidate>,
    /// Computed colors (the content script only: a HAR has no computed styles).
    pub colors: ColorFacts,
    /// The name an older content script chose; read only when the raw facts name none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    /// Texts such as "Powered by Scalekit" visible on the page.
    pub powered_by: Vec<String>,
    /// Hidden form fields (`<input type=hidden>`), e.g. `login_request_id` and `state`.
    pub hidden_fields: Vec<FormField>,
    /// The page has a visible password input.
    pub has_password_field: bool,
    /// The page's forms with their fields, in document order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<FormFacts>,
    /// The page's buttons (`<button>`, `input[type=submit|button]`, `[role=button]`).
    pub buttons: Vec<Button>,
    /// The page's links with their text (a "Cancel" link is a deny action).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkFacts>,
    /// The page's `h1`–`h3` headings.
    pub headings: Vec<Heading>,
    /// Texts of elements whose `id`, `class` or `data-*` attribute mentions a name
    /// (`server-name`, `client-name`, `app-name`...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name_hints: Vec<NameHint>,
    /// Texts of list items (consent pages list the scopes asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub list_items: Vec<String>,
    /// The page's visible text, whitespace collapsed, cut at a few kilobytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Number of `<img>` elements on the page (the lists above are capped).
    pub image_count: u32,
    /// The content script stopped early (huge page) or some fields could not be read; for
    /// HTML, the body was cut.
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaviconLink {
    /// The resolved `href`.
    pub href: String,
    /// The `rel` attribute (`icon`, `shortcut icon`, `apple-touch-icon`).
    pub rel: String,
    /// Whether the icon loaded; `None` when the content script could not tell.
    pub loaded: Option<bool>,
    /// The icon was not declared: the browser's implicit `/favicon.ico`.
    pub implicit: bool,
}

/// One `<img>` of the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageFacts {
    /// The resolved `src` (or `currentSrc`).
    pub src: String,
    pub alt: Option<String>,
    /// The element's `id` and `class`, space separated.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hint: String,
    /// The image sits in a `<header>`, `[role=banner]` or at the top of the page's main card.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub in_header: bool,
    /// Intrinsic size; 0 when the image did not load (or, from HTML, is not known).
    pub natural_width: u32,
    pub natural_height: u32,
    /// `complete && naturalWidth > 0`; `None` when not known.
    pub loaded: Option<bool>,
    /// The element is visible (non-zero rendered box, not hidden by CSS); `None` from HTML.
    pub visible: Option<bool>,
}

/// A logo chosen by an older content script (see [`PageSnapshot::logos`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogoCandidate {
    /// The resolved `src` (or `currentSrc`).
    pub src: String,
    pub alt: Option<String>,
    /// Intrinsic size; 0 when the image did not load.
    pub natural_width: u32,
    pub natural_height: u32,
    /// `complete && naturalWidth > 0`; `None` when still loading at snapshot time.
    pub loaded: Option<bool>,
    /// The element is visible (non-zero rendered box, not hidden by CSS).
    pub visible: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColorFacts {
    /// Computed `background-color` of `body` (or of `html` when the body's is transparent),
    /// as the browser prints it: `rgb(r, g, b)` or `rgba(r, g, b, a)`.
    pub background: Option<String>,
    /// The primary button's background as an older content script chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_button: Option<String>,
    /// The primary button's text color as an older content script chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_button_text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

/// One `<form>` and what it asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormFacts {
    /// `get` or `post` (lower case; `get` when absent).
    pub method: String,
    /// The resolved `action` (the page's own URL when absent).
    pub action: String,
    /// Its inputs, selects and text areas (hidden ones included), in order.
    pub fields: Vec<FieldFacts>,
}

/// One input of a form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldFacts {
    /// The input `type`, lower case (`text` when absent; `select`, `textarea` for those).
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// The `autocomplete` attribute, lower case (`username`, `current-password`,
    /// `new-password`, `one-time-code`...).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub autocomplete: String,
    /// The `inputmode` attribute, lower case.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub inputmode: String,
    /// The `maxlength` attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The `placeholder` or the label text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value of hidden fields, checkboxes and radio buttons (never of text or password
    /// inputs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether the field is shown; `None` when not known (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
}

/// A button of the page. Older snapshots list buttons as plain texts, which read as buttons
/// with only a text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Button {
    pub text: String,
    /// `submit` for buttons that submit a form, else `button`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Index into [`PageSnapshot::forms`] of the form it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
    /// Computed `background-color` and `color` (the content script only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A link of the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkFacts {
    pub text: String,
    /// The resolved `href`.
    pub href: String,
}

/// An `h1`–`h3` heading. Older snapshots list headings as plain texts (level 0: unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
}

/// The text of an element whose attributes say it holds a name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NameHint {
    /// The attribute values that mention the name (`id`, `class`, `data-*` names).
    pub hint: String,
    pub text: String,
}

impl From<&str> for Button {
    fn from(text: &str) -> Self {
        Button {
            text: text.to_string(),
            ..Button::default()
        }
    }
}

impl From<&str> for Heading {
    fn from(text: &str) -> Self {
        Heading {
            level: 0,
            text: text.to_string(),
        }
    }
}

/// The object form of a [`Button`] (the derive is on this shadow type, so that the plain
/// string form can be accepted too).
#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
struct ButtonObject {
    text: String,
    kind: String,
    name: String,
    value: String,
    form: Option<usize>,
    visible: Option<bool>,
    background: Option<String>,
    color: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOr<T> {
    Text(String),
    Object(T),
}

impl<'de> Deserialize<'de> for Button {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match TextOr::<ButtonObject>::deserialize(deserializer)? {
            TextOr::Text(text) => Button {
                text,
                ..Button::default()
            },
            TextOr::Object(b) => Button {
                text: b.text,
                kind: b.kind,
                name: b.name,
                value: b.value,
                form: b.form,
                visible: b.visible,
                background: b.background,
                color: b.color,
            },
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HeadingObject {
    level: u8,
    text: String,
}

impl<'de> Deserialize<'de> for Heading {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match TextOr::<HeadingObject>::deserialize(deserializer)? {
            TextOr::Text(text) => Heading { level: 0, text },
            TextOr::Object(h) => Heading {
                level: h.level,
                text: h.text,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_old_and_new_snapshots() {
        let old: PageSnapshot = serde_json::from_str(
            r#"{"url":"https://a.test/","buttons":["Allow","Deny"],"headings":["Acme"],"app_name":"Acme"}"#,
        )
        .expect("an old snapshot");
        assert_eq!(old.buttons[1].text, "Deny");
        assert_eq!(old.headings[0], Heading::from("Acme"));
        let new: PageSnapshot = serde_json::from_str(
            r#"{"url":"https://a.test/","buttons":[{"text":"Allow","kind":"submit","form":0,"background":"rgb(0, 0, 0)"}],
                "headings":[{"level":1,"text":"Acme"}],"forms":[{"method":"post","action":"https://a.test/c","fields":[{"type":"hidden","name":"x","value":"1"}]}]}"#,
        )
        .expect("a new snapshot");
        assert_eq!(new.buttons[0].form, Some(0));
        assert_eq!(new.headings[0].level, 1);
        assert_eq!(new.forms[0].fields[0].kind, "hidden");
        let back: PageSnapshot =
            serde_json::from_str(&serde_json::to_string(&new).expect("json")).expect("round trip");
        assert_eq!(back, new);
    }
}
