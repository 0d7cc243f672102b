//! International host names in URLs people type.
//!
//! Browsers, HAR files and servers give hosts in their ASCII form (`xn--…`), so the URL parser
//! is built without Unicode tables (`idna_adapter` 1.0 in Cargo.lock: they were a tenth of the
//! extension's first-paint wasm). A person may still type `auth.bücher.example` into a profile
//! or a command line: [`typed_url`] writes such a host in its ASCII form first, label by label
//! (lowercased, then Punycode), as a browser's address bar does for names already in Unicode
//! normal form.

use std::borrow::Cow;

/// Parses a URL a person typed, its host written in ASCII first when it is not.
pub fn typed_url(raw: &str) -> Result<url::Url, url::ParseError> {
    url::Url::parse(&ascii_host(raw))
}

/// `raw` with a non-ASCII host name written as ASCII (`xn--` labels); anything else as it is.
pub fn ascii_host(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() {
        return Cow::Borrowed(raw);
    }
    let Some(scheme_end) = raw.find("://") else {
        return Cow::Borrowed(raw);
    };
    let authority_start = scheme_end + 3;
    let rest = &raw[authority_start..];
    let authority_len = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_and_port = &authority[host_start..];
    if host_and_port.starts_with('[') {
        return Cow::Borrowed(raw);
    }
    let host_len = match host_and_port.rfind(':') {
        Some(colon)
            if host_and_port[colon + 1..]
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
        {
            colon
        }
        _ => host_and_port.len(),
    };
    let host = &host_and_port[..host_len];
    if host.is_ascii() {
        return Cow::Borrowed(raw);
    }
    let Some(ascii) = host_to_ascii(host) else {
        return Cow::Borrowed(raw);
    };
    let at = authority_start + host_start;
    Cow::Owned(format!("{}{ascii}{}", &raw[..at], &raw[at + host_len..]))
}

/// Each label lowercased and, when not ASCII, Punycode-encoded with the `xn--` prefix.
fn host_to_ascii(host: &str) -> Option<String> {
    let labels: Option<Vec<String>> = host
        .split('.')
        .map(|label| {
            let label = label.to_lowercase();
            if label.is_ascii() {
                Some(label)
            } else {
                idna::punycode::encode_str(&label).map(|p| format!("xn--{p}"))
            }
        })
        .collect();
    Some(labels?.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_hosts_are_written_in_ascii() {
        for (typed, ascii) in [
            (
                "https://bücher.example/cb?x=ü",
                "https://xn--bcher-kva.example/cb?x=ü",
            ),
            (
                "https://Auth.BÜCHER.example:8443/",
                "https://auth.xn--bcher-kva.example:8443/",
            ),
            (
                "https://user:pw@münchen.example",
                "https://user:pw@xn--mnchen-3ya.example",
            ),
            ("https://例え.テスト/", "https://xn--r8jz45g.xn--zckzah/"),
        ] {
            assert_eq!(ascii_host(typed), ascii, "{typed}");
        }
        let url = typed_url("https://bücher.example/cb").expect("parses");
        assert_eq!(url.host_str(), Some("xn--bcher-kva.example"));
    }

    #[test]
    fn everything_else_is_left_as_it_is() {
        for raw in [
            "https://auth.acme.example/ü",
            "https://[::1]:8080/ü",
            "no scheme bücher.example",
            "https://",
            "",
        ] {
            assert_eq!(ascii_host(raw), raw);
        }
        for odd in [
            "https://ü:x",
            "https://@ü",
            "https://ü.",
            "https://..ü..",
            "https://\u{301}",
        ] {
            let _ = typed_url(odd);
        }
        assert!(matches!(ascii_host("https://a.example/"), Cow::Borrowed(_)));
    }
}
