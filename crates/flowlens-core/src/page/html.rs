//! A page's raw facts read from its HTML, for traces without the extension's page snapshot
//! (a HAR keeps the HTML of pages but no DOM).
//!
//! Fills the same [`PageSnapshot`] the content script fills from the DOM, so that one set of
//! choices ([`super::choose`]) and one role inference ([`super::kind`]) judge both. What only a
//! rendered page shows (computed colors, whether an image loaded or is hidden by CSS) is left
//! unknown. Pages built by scripts show little here; [`looks_scripted`] says so, and the rules
//! then say "not observed" rather than judge an empty shell.
//!
//! Tokenizing is html5gum's (WHATWG tokenization: entities, comments, raw text of scripts and
//! styles handled as browsers do), so a hostile page cannot make a tag appear where a browser
//! sees text. Work is bounded: at most [`MAX_TOKENS`] tokens and capped lists; a page that hit
//! a cap is marked `truncated`.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use crate::stdx::cut::prefix_at_char_boundary;
use crate::trace::{
    Button, FaviconLink, FieldFacts, FormFacts, FormField, Heading, ImageFacts, LinkFacts,
    NameHint, PageSnapshot,
};

/// HTML bodies are read up to this many bytes (a 5 MB page is not read through): as far as
/// the HAR importer keeps them.
pub const MAX_HTML_SCAN: usize = crate::limits::MAX_HTML_BODY;
/// Tokens read from one page (a 512 KB page has far fewer).
pub(crate) const MAX_TOKENS: usize = 200_000;
// The content script's caps (`crate::limits`), so a page from a HAR has the facts the
// extension would see.
use crate::limits::{
    MAX_FAVICONS, MAX_PAGE_BODY_TEXT as MAX_TEXT, MAX_PAGE_FIELDS as MAX_FIELDS,
    MAX_PAGE_FORMS as MAX_FORMS, MAX_PAGE_IMAGES as MAX_IMAGES, MAX_PAGE_LIST as MAX_LIST,
    MAX_PAGE_TEXT as MAX_STRING, MAX_URL,
};

/// The raw facts of a page from its HTML. `cut` says the HTML was not read to the end (the
/// capture cut it, or it is longer than the scan limit).
pub fn snapshot_from_html(url: &str, html: &str, cut: bool) -> PageSnapshot {
    let mut reader = Reader::new(url);
    reader.page.truncated = cut;
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    for (n, token) in Tokenizer::new_with_emitter(html, emitter).enumerate() {
        if n >= MAX_TOKENS {
            reader.page.truncated = true;
            break;
        }
        let Ok(token) = token;
        reader.token(token);
    }
    reader.finish()
}

/// A page whose HTML is a shell its scripts fill in: almost no text, no form, scripts.
pub fn looks_scripted(page: &PageSnapshot, html: &str) -> bool {
    let text = page.text.as_deref().unwrap_or("").trim().chars().count();
    let lower = prefix_at_char_boundary(html, 256 * 1024).to_ascii_lowercase();
    text < 40 && page.forms.is_empty() && page.buttons.is_empty() && lower.contains("<script")
}

/// A start tag's attributes (names lower case).
struct Attrs<'a>(&'a [(String, String)]);

impl<'a> Attrs<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where text goes while an element is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    Heading(u8),
    Button(usize),
    Link(usize),
    ListItem(usize),
    Hint(usize),
    Label,
    /// `<header>` or `[role=banner]`: images inside are at the top of the page.
    Banner,
    /// Script, style, template: text nobody sees.
    Hidden,
}

struct Open {
    tag: String,
    capture: Capture,
    text: String,
    /// Start tags of the same name opened inside it (not captured) and not closed yet.
    nested: usize,
    /// The start tag it was opened for (one tag can open several captures).
    id: usize,
}

struct Reader<'u> {
    url: &'u str,
    page: PageSnapshot,
    open: Vec<Open>,
    form: Option<usize>,
    /// Depth of `<header>` / `[role=banner]` elements.
    banner: usize,
    text: String,
    /// Text with image `alt`s, for "Powered by <img alt=Vendor>".
    accessible: String,
    last_label: Option<String>,
    /// Counts start tags, to tell which captures one tag opened.
    start_id: usize,
    /// The open capture whose `nested` the current start tag counted.
    bumped: Option<usize>,
}

impl<'u> Reader<'u> {
    fn new(url: &'u str) -> Self {
        Self {
            url,
            page: PageSnapshot {
                url: url.to_string(),
                ..PageSnapshot::default()
            },
            open: Vec::new(),
            form: None,
            banner: 0,
            text: String::new(),
            accessible: String::new(),
            last_label: None,
            start_id: 0,
            bumped: None,
        }
    }

    fn token(&mut self, token: Token) {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                let attrs: Vec<(String, String)> = tag
                    .attributes
                    .iter()
                    .take(64)
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).to_ascii_lowercase(),
                            cut(&String::from_utf8_lossy(v), MAX_URL),
                        )
                    })
                    .collect();
                self.start(&name, &attrs, tag.self_closing);
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                self.end(&name);
            }
            Token::String(s) => self.string(&String::from_utf8_lossy(&s)),
            _ => {}
        }
    }

    fn hidden_text(&self) -> bool {
        self.open.iter().any(|o| o.capture == Capture::Hidden)
    }

    fn string(&mut self, s: &str) {
        if self.hidden_text() {
            return;
        }
        let in_title = self.open.iter().any(|o| o.capture == Capture::Title);
        for open in &mut self.open {
            if open.text.len() < MAX_STRING * 2 {
                open.text.push_str(s);
            }
        }
        if !in_title {
            push_text(&mut self.text, s, MAX_TEXT, &mut self.page.truncated);
            let mut ignored = false;
            push_text(&mut self.accessible, s, MAX_TEXT * 8, &mut ignored);
        }
    }

    fn resolve(&self, href: &str) -> String {
        cut(&resolve(self.url, href), MAX_URL)
    }

    fn start(&mut self, name: &str, attrs: &[(String, String)], self_closing: bool) {
        self.start_id += 1;
        self.bumped = None;
        if !self_closing && !is_void(name) {
            if let Some(i) = self.open.iter().rposition(|o| o.tag == name) {
                self.open[i].nested += 1;
                self.bumped = Some(i);
            }
        }
        let attr = Attrs(attrs);
        let attr = |n: &str| attr.get(n);
        let hidden_attr = attr("hidden").is_some()
            || attr("style").is_some_and(|s| {
                let s = s.replace(' ', "").to_ascii_lowercase();
                s.contains("display:none") || s.contains("visibility:hidden")
            });
        let visible = hidden_attr.then_some(false);
        let banner = attr("role").is_some_and(|r| r.eq_ignore_ascii_case("banner"));
        if (banner || name == "header") && !self_closing {
            self.banner += 1;
            self.push_open(name, Capture::Banner, false);
        }
        match name {
            "script" | "style" | "template" | "noscript" | "svg" => {
                self.push_open(name, Capture::Hidden, self_closing)
            }
            "title" if self.page.title.is_none() => self.push_open(name, Capture::Title, false),
            "h1" | "h2" | "h3" => {
                let level = name.as_bytes()[1] - b'0';
                self.push_open(name, Capture::Heading(level), self_closing)
            }
            "link" => self.link_tag(&Attrs(attrs)),
            "form" => {
                if self.page.forms.len() < MAX_FORMS {
                    self.page.forms.push(FormFacts {
                        method: attr("method").unwrap_or("get").trim().to_ascii_lowercase(),
                        action: self.resolve(attr("action").unwrap_or("")),
                        fields: Vec::new(),
                    });
                    self.form = Some(self.page.forms.len() - 1);
                } else {
                    self.page.truncated = true;
                }
            }
            "input" | "select" | "textarea" => self.field(name, &Attrs(attrs), visible),
            "button" => {
                let kind = attr("type").unwrap_or("submit").to_ascii_lowercase();
                let index = self.add_button(Button {
                    text: String::new(),
                    kind: if kind == "submit" {
                        kind
                    } else {
                        "button".into()
                    },
                    name: cut(attr("name").unwrap_or(""), MAX_STRING),
                    value: cut(attr("value").unwrap_or(""), MAX_STRING),
                    form: self.form,
                    visible,
                    ..Button::default()
                });
                if let Some(i) = index {
                    self.push_open(name, Capture::Button(i), self_closing);
                }
            }
            "a" => {
                if let Some(href) = attr("href") {
                    if self.page.links.len() < MAX_LIST {
                        self.page.links.push(LinkFacts {
                            text: String::new(),
                            href: self.resolve(href),
                        });
                        let i = self.page.links.len() - 1;
                        self.push_open(name, Capture::Link(i), self_closing);
                    } else {
                        self.page.truncated = true;
                    }
                }
            }
            "li" if self.page.list_items.len() < MAX_LIST => {
                self.page.list_items.push(String::new());
                let i = self.page.list_items.len() - 1;
                self.push_open(name, Capture::ListItem(i), self_closing);
            }
            "label" => self.push_open(name, Capture::Label, self_closing),
            "img" => self.image(&Attrs(attrs), visible),
            _ => {}
        }
        if !is_void(name) {
            self.name_hint(name, attrs, self_closing);
        }
    }

    fn push_open(&mut self, tag: &str, capture: Capture, self_closing: bool) {
        if self_closing || self.open.len() >= 256 {
            return;
        }
        let id = self.start_id;
        if let Some(i) = self.bumped.take() {
            // Counted as nested in start(), but this tag is captured itself.
            self.open[i].nested = self.open[i].nested.saturating_sub(1);
        }
        self.open.push(Open {
            tag: tag.to_string(),
            capture,
            text: String::new(),
            nested: 0,
            id,
        });
    }

    fn end(&mut self, name: &str) {
        if name == "form" {
            self.form = None;
        }
        let Some(pos) = self.open.iter().rposition(|o| o.tag == name) else {
            return;
        };
        if self.open[pos].nested > 0 {
            self.open[pos].nested -= 1;
            return;
        }
        let id = self.open[pos].id;
        let pos = self.open.iter().position(|o| o.id == id).unwrap_or(pos);
        let closed: Vec<Open> = self.open.drain(pos..).collect();
        for open in closed.into_iter().rev() {
            self.close(open);
        }
    }

    fn close(&mut self, open: Open) {
        let text = collapse(&open.text, MAX_STRING);
        match open.capture {
            Capture::Banner => self.banner = self.banner.saturating_sub(1),
            Capture::Title => self.page.title = Some(text),
            Capture::Heading(level) if !text.is_empty() && self.page.headings.len() < MAX_LIST => {
                self.page.headings.push(Heading { level, text });
            }
            Capture::Button(i) => self.page.buttons[i].text = text,
            Capture::Link(i) => self.page.links[i].text = text,
            Capture::ListItem(i) => self.page.list_items[i] = text,
            Capture::Hint(i) => self.page.name_hints[i].text = text,
            Capture::Label => self.last_label = (!text.is_empty()).then_some(text),
            _ => {}
        }
    }

    fn link_tag(&mut self, attrs: &Attrs<'_>) {
        let attr = |n: &str| attrs.get(n);
        let (Some(rel), Some(href)) = (attr("rel"), attr("href")) else {
            return;
        };
        let rels = rel.to_ascii_lowercase();
        if rels
            .split_ascii_whitespace()
            .any(|r| r == "icon" || r == "apple-touch-icon")
        {
            if self.page.favicons.len() < MAX_FAVICONS {
                self.page.favicons.push(FaviconLink {
                    href: self.resolve(href),
                    rel: cut(rel, MAX_STRING),
                    loaded: None,
                    implicit: false,
                });
            } else {
                self.page.truncated = true;
            }
        }
    }

    fn field(&mut self, tag: &str, attrs: &Attrs<'_>, visible: Option<bool>) {
        let attr = |n: &str| attrs.get(n);
        let kind = match tag {
            "input" => attr("type").unwrap_or("text").trim().to_ascii_lowercase(),
            other => other.to_string(),
        };
        let name = cut(attr("name").unwrap_or(""), MAX_STRING);
        let value = attr("value").map(|v| cut(v, MAX_STRING));
        match kind.as_str() {
            "submit" | "image" | "button" => {
                self.add_button(Button {
                    text: value.clone().unwrap_or_default(),
                    kind: if kind == "button" { "button" } else { "submit" }.into(),
                    name,
                    value: value.unwrap_or_default(),
                    form: self.form,
                    visible,
                    ..Button::default()
                });
                return;
            }
            "hidden" if self.page.hidden_fields.len() < MAX_LIST => {
                self.page.hidden_fields.push(FormField {
                    name: name.clone(),
                    value: value.clone().unwrap_or_default(),
                });
            }
            "password" if visible != Some(false) => self.page.has_password_field = true,
            _ => {}
        }
        let keeps_value = matches!(kind.as_str(), "hidden" | "checkbox" | "radio");
        let visible = if kind == "hidden" {
            Some(false)
        } else {
            visible
        };
        let field = FieldFacts {
            name,
            autocomplete: attr("autocomplete")
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
            inputmode: attr("inputmode").unwrap_or("").trim().to_ascii_lowercase(),
            max_length: attr("maxlength").and_then(|m| m.trim().parse().ok()),
            label: attr("placeholder")
                .or(attr("aria-label"))
                .map(|l| cut(l, MAX_STRING))
                .or_else(|| {
                    // <label>Email <input></label>: the label's text so far.
                    self.open
                        .iter()
                        .rev()
                        .find(|o| o.capture == Capture::Label)
                        .map(|o| collapse(&o.text, MAX_STRING))
                        .filter(|t| !t.is_empty())
                })
                .or_else(|| self.last_label.take()),
            value: if keeps_value { value } else { None },
            visible,
            kind,
        };
        let form = match self.form {
            Some(f) => f,
            None => {
                // Inputs outside any <form> (pages that submit with scripts).
                match self.page.forms.iter().position(|f| f.method.is_empty()) {
                    Some(f) => f,
                    None if self.page.forms.len() < MAX_FORMS => {
                        self.page.forms.push(FormFacts::default());
                        self.page.forms.len() - 1
                    }
                    None => {
                        self.page.truncated = true;
                        return;
                    }
                }
            }
        };
        let fields = &mut self.page.forms[form].fields;
        if fields.len() < MAX_FIELDS {
            fields.push(field);
        } else {
            self.page.truncated = true;
        }
    }

    fn add_button(&mut self, button: Button) -> Option<usize> {
        if self.page.buttons.len() >= MAX_LIST {
            self.page.truncated = true;
            return None;
        }
        self.page.buttons.push(button);
        Some(self.page.buttons.len() - 1)
    }

    fn image(&mut self, attrs: &Attrs<'_>, visible: Option<bool>) {
        let attr = |n: &str| attrs.get(n);
        self.page.image_count = self.page.image_count.saturating_add(1);
        let alt = attr("alt").map(|a| cut(a, MAX_STRING));
        if let Some(alt) = &alt {
            let mut ignored = false;
            push_text(
                &mut self.accessible,
                &format!(" {alt} "),
                MAX_TEXT * 8,
                &mut ignored,
            );
        }
        let Some(src) = attr("src").filter(|s| !s.trim().is_empty()) else {
            return;
        };
        if self.page.images.len() >= MAX_IMAGES {
            self.page.truncated = true;
            return;
        }
        let hint = ["id", "class", "data-component", "data-testid"]
            .iter()
            .filter_map(|a| attr(a))
            .collect::<Vec<_>>()
            .join(" ");
        let size = |a: &str| attr(a).and_then(|v| v.trim().parse::<u32>().ok());
        self.page.images.push(ImageFacts {
            src: self.resolve(src),
            alt,
            hint: cut(&hint, MAX_STRING),
            in_header: self.banner > 0,
            natural_width: size("width").unwrap_or(0),
            natural_height: size("height").unwrap_or(0),
            loaded: None,
            visible,
        });
    }

    /// Elements whose `id`, `class` or `data-*` attributes mention a name.
    fn name_hint(&mut self, tag: &str, attrs: &[(String, String)], self_closing: bool) {
        let hint: Vec<&str> = attrs
            .iter()
            .filter(|(k, v)| {
                (k == "id" || k == "class") && v.to_ascii_lowercase().contains("name")
                    || k.starts_with("data-") && k.contains("name")
            })
            .map(|(k, v)| {
                if k.starts_with("data-") {
                    k.as_str()
                } else {
                    v.as_str()
                }
            })
            .collect();
        if hint.is_empty() {
            return;
        }
        if self.page.name_hints.len() >= MAX_LIST {
            self.page.truncated = true;
            return;
        }
        self.page.name_hints.push(NameHint {
            hint: cut(&hint.join(" "), MAX_STRING),
            text: String::new(),
        });
        let i = self.page.name_hints.len() - 1;
        self.push_open(tag, Capture::Hint(i), self_closing);
    }

    fn finish(mut self) -> PageSnapshot {
        while let Some(open) = self.open.pop() {
            self.close(open);
        }
        let text = collapse(&self.text, MAX_TEXT);
        let accessible = collapse(&self.accessible, MAX_TEXT * 8);
        self.page.powered_by = powered_by(&accessible);
        self.page.name_hints.retain(|h| !h.text.is_empty());
        self.page.text = (!text.is_empty()).then_some(text);
        self.page
    }
}

/// Elements that never have content or an end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

fn push_text(into: &mut String, s: &str, max: usize, truncated: &mut bool) {
    if into.len() >= max {
        *truncated = true;
        return;
    }
    into.push(' ');
    let room = max.saturating_sub(into.len());
    let piece = prefix_at_char_boundary(s, room);
    if piece.len() < s.len() {
        *truncated = true;
    }
    into.push_str(piece);
}

/// "Powered by …" phrases of the page with what follows them, like the content script's.
fn powered_by(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for phrase in crate::vendor::branding::POWERED_BY_PHRASES {
        let mut from = 0;
        while let Some(i) = lower[from..].find(phrase) {
            let start = from + i;
            let rest = &text[start..];
            let end = prefix_at_char_boundary(rest, 120).len();
            found.push(rest[..end].trim().to_string());
            from = start + phrase.len();
            if found.len() >= 10 {
                return found;
            }
        }
    }
    found
}

/// Whitespace runs to one space, trimmed, cut at `max` bytes.
fn collapse(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&joined, max)
}

fn cut(s: &str, max: usize) -> String {
    prefix_at_char_boundary(s, max).to_string()
}

/// Resolves an `href`/`src` against the page URL (absolute values are kept as they are).
pub(crate) fn resolve(page_url: &str, href: &str) -> String {
    url::Url::parse(page_url)
        .and_then(|base| base.join(href.trim()))
        .map(String::from)
        .unwrap_or_else(|_| href.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_server_rendered_page() {
        let html = r#"<!doctype html><html><head><TITLE> Acme &amp; co </TITLE>
            <link rel="shortcut icon" href='/fav.png'><link rel=stylesheet href=/a.css>
            <script>var x = "<h1>not a heading</h1>";</script></head>
            <body><header><img src="/logo.svg?a=1&amp;b=2" alt=Acme class="brand"></header>
            <h1>Sign in to <b>Acme</b></h1>
            <form method=POST action="/login"><input type=hidden name=state value="s">
              <label>Email <input type=email name=email autocomplete=username></label>
              <input type=password name=password>
              <button>Sign in</button></form>
            <a href="/signup">Create an account</a>
            <footer>Powered by <img alt="Scalekit" src=x.png></footer></body></html>"#;
        let page = snapshot_from_html("https://a.test/p/q", html, false);
        assert_eq!(page.title.as_deref(), Some("Acme & co"));
        assert_eq!(page.favicons[0].href, "https://a.test/fav.png");
        assert_eq!(
            page.headings,
            [Heading {
                level: 1,
                text: "Sign in to Acme".into()
            }]
        );
        assert_eq!(page.images[0].src, "https://a.test/logo.svg?a=1&b=2");
        assert!(page.images[0].in_header);
        assert_eq!(page.forms.len(), 1);
        assert_eq!(page.forms[0].method, "post");
        assert_eq!(page.forms[0].action, "https://a.test/login");
        let kinds: Vec<&str> = page.forms[0]
            .fields
            .iter()
            .map(|f| f.kind.as_str())
            .collect();
        assert_eq!(kinds, ["hidden", "email", "password"]);
        assert_eq!(page.forms[0].fields[1].label.as_deref(), Some("Email"));
        assert!(page.has_password_field);
        assert_eq!(page.buttons[0].text, "Sign in");
        assert_eq!(page.buttons[0].kind, "submit");
        assert_eq!(page.buttons[0].form, Some(0));
        assert_eq!(page.links[0].text, "Create an account");
        assert_eq!(page.hidden_fields[0].value, "s");
        assert_eq!(page.powered_by, ["Powered by Scalekit"]);
        assert!(!page.text.unwrap_or_default().contains("not a heading"));
    }

    #[test]
    fn odd_markup_does_not_panic_and_is_bounded() {
        for html in [
            "",
            "<",
            "<img",
            "<img src=",
            "<img src=\"unterminated",
            "<img ==== / / =>",
            "<imgé src=x>",
            "<é<img src=é>",
            "<title>",
            "<title>never closed",
            "<form><form><input type=password></form>",
            "</h1></form></a>",
            "<button><a href=x><li>deep",
        ] {
            let _ = snapshot_from_html("https://a.test/", html, false);
            let _ = snapshot_from_html("not a url", html, true);
        }
        let many = "<img src=a.png><li>x</li><a href=y>z</a>".repeat(10_000);
        let page = snapshot_from_html("https://a.test/", &many, false);
        assert!(page.truncated);
        assert_eq!(page.images.len(), MAX_IMAGES);
        assert_eq!(page.list_items.len(), MAX_LIST);
        let deep = "<div class=app-name>".repeat(10_000);
        let page = snapshot_from_html("https://a.test/", &deep, false);
        assert!(page.name_hints.len() <= MAX_LIST);
    }

    #[test]
    fn tells_a_script_shell_from_a_page() {
        let shell = r#"<html><head><script src=/app.js></script></head><body><div id=root></div></body></html>"#;
        let page = snapshot_from_html("https://a.test/", shell, false);
        assert!(looks_scripted(&page, shell));
        let form = r#"<form><input type=password></form><script></script>"#;
        assert!(!looks_scripted(
            &snapshot_from_html("https://a.test/", form, false),
            form
        ));
    }
}
