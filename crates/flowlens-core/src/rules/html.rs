//! Small, bounded reading of HTML bodies: the fallback of the page checks when a trace has
//! no page snapshot (a HAR file keeps the HTML of pages but no DOM facts).
//!
//! This is not an HTML parser. It finds start tags by name and reads their attributes,
//! which is enough for `<link rel=icon>`, `<img ... logo>` and hidden inputs of
//! server-rendered pages. Pages built by scripts show nothing here, and the rules then say
//! "not observed". Input is cut at [`MAX_HTML_SCAN`](super::context::MAX_HTML_SCAN) bytes by
//! [`Context::html_body`](super::Context::html_body) and at most [`MAX_TAGS`] tags are read.

/// Most tags of one name read from one page.
pub(crate) const MAX_TAGS: usize = 2000;

/// A start tag: its attribute text (between the name and `>`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    attrs: &'a str,
}

impl<'a> Tag<'a> {
    /// The value of an attribute (case-insensitive name), entity `&amp;` decoded.
    pub fn attr(&self, name: &str) -> Option<String> {
        attributes(self.attrs)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.replace("&amp;", "&"))
    }
}

/// The start tags `<name ...>` of a page, in order (case-insensitive), at most [`MAX_TAGS`].
pub(crate) fn tags<'a>(html: &'a str, name: &'a str) -> impl Iterator<Item = Tag<'a>> + 'a {
    let bytes = html.as_bytes();
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        while pos < bytes.len() {
            let lt = pos + html[pos..].find('<')?;
            let after = lt + 1;
            let end_name = after + name.len();
            pos = after;
            if end_name > bytes.len() || !html.is_char_boundary(end_name) {
                continue;
            }
            if !html[after..end_name].eq_ignore_ascii_case(name) {
                continue;
            }
            match bytes.get(end_name) {
                Some(b) if b.is_ascii_whitespace() || *b == b'>' || *b == b'/' => {}
                _ => continue,
            }
            let close = html[end_name..]
                .find('>')
                .map(|i| end_name + i)
                .unwrap_or(bytes.len());
            pos = close;
            return Some(Tag {
                attrs: &html[end_name..close],
            });
        }
        None
    })
    .take(MAX_TAGS)
}

/// The attributes of a tag's attribute text as (name, value); a bare attribute has "".
fn attributes(s: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = s;
    std::iter::from_fn(move || loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/' || c == '>')
            .unwrap_or(rest.len());
        if name_end == 0 {
            // A stray '=' or similar: skip one character.
            let skip = rest.chars().next().map(char::len_utf8).unwrap_or(1);
            rest = &rest[skip..];
            continue;
        }
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            return Some((name, ""));
        };
        let after_eq = after_eq.trim_start();
        let (value, remaining) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = &after_eq[1..];
                match inner.find(q) {
                    Some(i) => (&inner[..i], &inner[i + 1..]),
                    None => (inner, ""),
                }
            }
            _ => {
                let end = after_eq
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(after_eq.len());
                (&after_eq[..end], &after_eq[end..])
            }
        };
        rest = remaining;
        return Some((name, value));
    })
}

/// Resolves an `href`/`src` against the page URL (absolute values are kept as they are).
pub(crate) fn resolve(page_url: &str, href: &str) -> String {
    url::Url::parse(page_url)
        .and_then(|base| base.join(href.trim()))
        .map(String::from)
        .unwrap_or_else(|_| href.trim().to_string())
}

/// Whether `needle` (lower-case) appears within `window` bytes after any of `phrases`
/// (lower-case) in the page; returns the matched excerpt with markup left in.
pub(crate) fn phrase_near(
    html: &str,
    phrases: &[&str],
    needle: &str,
    window: usize,
) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for phrase in phrases {
        let mut from = 0;
        while let Some(i) = lower[from..].find(phrase) {
            let start = from + i;
            let end =
                crate::stdx::cut::prefix_at_char_boundary(&lower[start..], window).len() + start;
            if lower[start..end].contains(needle) {
                return Some(html[start..end].to_string());
            }
            from = start + phrase.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_and_attributes() {
        let html = r#"<html><head><TITLE> Acme </TITLE>
            <link rel="shortcut icon" href='/fav.png'><link rel=stylesheet href=/a.css>
            <linkx rel=icon href=/no.png></head>
            <body><img data-src="x" src="/logo.svg?a=1&amp;b=2" alt=Acme class="brand logo" hidden>
            <input type=hidden name=state value="s"></body>"#;
        let links: Vec<_> = tags(html, "link").collect();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].attr("rel").as_deref(), Some("shortcut icon"));
        assert_eq!(links[0].attr("href").as_deref(), Some("/fav.png"));
        assert_eq!(links[1].attr("href").as_deref(), Some("/a.css"));
        let img = tags(html, "img").next().expect("an img");
        assert_eq!(img.attr("src").as_deref(), Some("/logo.svg?a=1&b=2"));
        assert_eq!(img.attr("class").as_deref(), Some("brand logo"));
        assert_eq!(img.attr("hidden").as_deref(), Some(""));
        assert_eq!(
            resolve("https://a.test/p/q", "/logo.svg"),
            "https://a.test/logo.svg"
        );
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
        ] {
            for tag in tags(html, "img") {
                let _ = tag.attr("src");
            }
            let _ = phrase_near(html, &["powered by"], "scalekit", 10);
        }
        let many = "<img src=a.png>".repeat(10_000);
        assert_eq!(tags(&many, "img").count(), MAX_TAGS);
    }

    #[test]
    fn finds_a_phrase_near_a_word() {
        let html = "<footer>Powered by <a href=x><img alt=\"Scalekit\"></a></footer>";
        assert!(phrase_near(html, &["powered by"], "scalekit", 100).is_some());
        assert!(phrase_near("Powered by Acme", &["powered by"], "scalekit", 100).is_none());
    }
}
