//! Reading OAuth parameters out of URLs without losing what a broken client did to them.
//!
//! Values are kept both decoded (what a server sees) and raw (what was on the wire), because
//! the checks that compare `state` across hops must tell "re-encoded" from "altered".
//! Duplicated parameters are kept in order; [`Params::get`] answers the first one and
//! [`Params::all`] lets a rule notice contradictions.

use url::form_urlencoded;

/// One parameter as found in a query string, fragment or form body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawParam {
    pub name: String,
    /// Percent-decoded (`+` as space, as `application/x-www-form-urlencoded` says).
    pub value: String,
    /// As written on the wire.
    pub raw: String,
}

/// The parameters of a query string or fragment, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<RawParam>);

impl Params {
    /// Parses `a=1&b=2` (no leading `?` or `#`).
    pub fn parse(input: &str) -> Self {
        let params = input
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
                let name = decode(name);
                RawParam {
                    value: decode(raw),
                    name,
                    raw: raw.to_string(),
                }
            })
            .collect();
        Self(params)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|p| p.value.as_str())
    }

    pub fn find(&self, name: &str) -> Option<&RawParam> {
        self.0.iter().find(|p| p.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RawParam> + 'a {
        self.0.iter().filter(move |p| p.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Query and fragment parameters of a URL string, read even when the URL as a whole does not
/// parse (a megabyte-long or malformed URL still shows its parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlParams {
    pub query: Params,
    pub fragment: Params,
}

impl UrlParams {
    pub fn of(url: &str) -> Self {
        let (before_fragment, fragment) = url.split_once('#').unwrap_or((url, ""));
        let query = before_fragment
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("");
        Self {
            query: Params::parse(query),
            fragment: Params::parse(fragment),
        }
    }

    /// A parameter from the query, else from the fragment.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.get(name).or_else(|| self.fragment.get(name))
    }

    pub fn find(&self, name: &str) -> Option<&RawParam> {
        self.query.find(name).or_else(|| self.fragment.find(name))
    }

    pub fn has(&self, name: &str) -> bool {
        self.query.has(name) || self.fragment.has(name)
    }
}

/// The URL without query and fragment: what `redirect_uri` matching compares.
pub fn url_without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The host of a URL string, lower-cased, without port; `None` when it has none.
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
}

/// The scheme of a URL string, lower-cased.
pub fn scheme_of(url: &str) -> Option<String> {
    url.split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_raw_and_decoded_values_and_duplicates() {
        let p = UrlParams::of("https://a.test/cb?state=a%2Bb&state=x&code=1#access_token=t");
        assert_eq!(p.query.get("state"), Some("a+b"));
        assert_eq!(p.query.find("state").map(|p| p.raw.as_str()), Some("a%2Bb"));
        assert_eq!(p.query.all("state").count(), 2);
        assert_eq!(p.fragment.get("access_token"), Some("t"));
        assert_eq!(p.get("access_token"), Some("t"));
    }

    #[test]
    fn odd_urls_do_not_panic() {
        for url in [
            "",
            "?",
            "#",
            "??&&==",
            "https://a.test/?=x&y",
            "%zz=%",
            "a?b#c?d#e",
        ] {
            let _ = UrlParams::of(url);
            let _ = host_of(url);
            let _ = scheme_of(url);
            let _ = url_without_query(url);
        }
        assert_eq!(
            url_without_query("https://a.test/cb?x#y"),
            "https://a.test/cb"
        );
        assert_eq!(scheme_of("HTTPS://a"), Some("https".into()));
        assert_eq!(scheme_of("no scheme here"), None);
    }
}
