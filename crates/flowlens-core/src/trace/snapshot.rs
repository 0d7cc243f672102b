//! Page snapshots: the DOM facts of a page the user saw.
//!
//! The extension's content script fills these on pages of a recorded flow (login, consent,
//! error pages). It only reads the page, never changes it, and caps its work on huge pages;
//! when it had to stop early it sets [`PageSnapshot::truncated`]. Every field is optional in
//! the JSON form so that a snapshot from an older content script, or a page that threw half
//! way, still loads: the checks say "not observed" for what is missing.
//!
//! All strings here are controlled by the page and must be treated as untrusted text.

use serde::{Deserialize, Serialize};

/// DOM facts of one page load.
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
    /// Images that look like a logo (alt/class/id mentions "logo", or the first image in a
    /// header), largest first.
    pub logos: Vec<LogoCandidate>,
    /// Computed colors of the page background and of the primary button.
    pub colors: ColorFacts,
    /// The server or application name shown to the user (the consent page's heading).
    pub app_name: Option<String>,
    /// Texts such as "Powered by Scalekit" visible on the page.
    pub powered_by: Vec<String>,
    /// Hidden form fields (`<input type=hidden>`), e.g. `login_request_id` and `state`.
    pub hidden_fields: Vec<FormField>,
    /// The page has a visible password input: a login page.
    pub has_password_field: bool,
    /// Texts of the page's buttons ("Allow", "Deny", "Sign in"...).
    pub buttons: Vec<String>,
    /// Texts of the page's `h1`/`h2` headings.
    pub headings: Vec<String>,
    /// Number of `<img>` elements on the page (the lists above are capped).
    pub image_count: u32,
    /// The content script stopped early (huge page) or some fields could not be read.
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
    /// Computed `background-color` of `body` (or the first opaque ancestor of the main card),
    /// as the browser prints it: `rgb(r, g, b)` or `rgba(r, g, b, a)`.
    pub background: Option<String>,
    /// Computed `background-color` of the primary (submit) button.
    pub primary_button: Option<String>,
    /// Computed `color` of the primary button's text.
    pub primary_button_text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormField {
    pub name: String,
    pub value: String,
}
