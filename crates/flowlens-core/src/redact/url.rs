//! URLs: the values of secret and compared parameters in the query and the fragment (also a
//! single-page app's `#/route?code=…`), the password of a `user:password@` authority, URLs
//! nested in parameters (`redirect_uri`, `return_to`), and JWTs anywhere. Everything else is
//! kept byte for byte, including URLs that do not parse.

use super::encoding::{form_decode, rfc3986_encode, Wire};
use super::names::{header_class, param_kind, HeaderClass};
use super::redactor::Redactor;

impl Redactor {
    /// The URL with secrets and compared values replaced by pseudonyms.
    pub fn redact_url(&mut self, url: &str) -> String {
        if !url.contains(['?', '#', '@', ';']) && !url.contains("eyJ") {
            return url.to_string();
        }
        let (before_fragment, fragment) = super::split_off(url, '#');
        let (base, query) = super::split_off(before_fragment, '?');
        let mut out = self.redact_base(base);
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.redact_pairs(q));
        }
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(&self.redact_fragment(f));
        }
        out
    }

    /// Scheme, authority and path: the userinfo password and JWTs in the path.
    fn redact_base(&mut self, base: &str) -> String {
        let mut out = base.to_string();
        if let Some((scheme, rest)) = base.split_once("://") {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            if let Some((userinfo, host)) = authority.rsplit_once('@') {
                let userinfo = match userinfo.split_once(':') {
                    Some((user, password)) => {
                        let p = self.pseudonymize("password", password, Wire::Url);
                        format!("{user}:{p}")
                    }
                    None => userinfo.to_string(),
                };
                out = format!("{scheme}://{userinfo}@{host}{}", &rest[authority_end..]);
            }
        }
        // Matrix parameters (`;jsessionid=…`) and JWTs in path segments.
        if let Some((path, params)) = out.split_once(';') {
            if params.contains('=') {
                let redacted = self.redact_separated(params, ';');
                out = format!("{path};{redacted}");
            }
        }
        self.redact_jwts_in(&out).unwrap_or(out)
    }

    fn redact_fragment(&mut self, fragment: &str) -> String {
        if !fragment.contains('=') {
            return self
                .redact_jwts_in(fragment)
                .unwrap_or_else(|| fragment.to_string());
        }
        match fragment.split_once('?') {
            Some((route, pairs)) => format!("{route}?{}", self.redact_pairs(pairs)),
            None => self.redact_pairs(fragment),
        }
    }

    /// `a=1&b=2` as in a query string or a form body.
    pub(crate) fn redact_pairs(&mut self, pairs: &str) -> String {
        self.redact_separated(pairs, '&')
    }

    fn redact_separated(&mut self, pairs: &str, separator: char) -> String {
        let mut out = String::with_capacity(pairs.len());
        for (i, pair) in pairs.split(separator).enumerate() {
            if i > 0 {
                out.push(separator);
            }
            match pair.split_once('=') {
                Some((name, value)) => {
                    out.push_str(name);
                    out.push('=');
                    let decoded_name = form_decode(name);
                    out.push_str(&self.redact_named_or_free(&decoded_name, value, Wire::Url));
                }
                None => match self.redact_jwts_in(pair) {
                    Some(p) => out.push_str(&p),
                    None => out.push_str(pair),
                },
            }
        }
        out
    }

    /// A value under a name: pseudonymised when the name designates a secret or compared
    /// value, otherwise searched for nested URLs and JWTs.
    pub(crate) fn redact_named_or_free(&mut self, name: &str, value: &str, wire: Wire) -> String {
        // Raw URL and form values are read by name only; decoded pairs (headers, hidden
        // fields, HAR `params`) may also be headers such as `Cookie`.
        let class = match wire {
            Wire::Url => HeaderClass::Other,
            Wire::Plain => header_class(name),
        };
        match (class, param_kind(name)) {
            (HeaderClass::Other | HeaderClass::Credential(_), Some(kind)) => {
                self.redact_named_value(kind, value, wire)
            }
            (HeaderClass::Other | HeaderClass::Credential(_), None) => {
                self.redact_free_value(value, wire)
            }
            (class, _) => self.redact_header_value(class, value),
        }
    }

    /// A value whose name says it is a secret or a compared value.
    pub(crate) fn redact_named_value(
        &mut self,
        kind: &'static str,
        value: &str,
        wire: Wire,
    ) -> String {
        match kind {
            "authorization" => self.redact_authorization(value),
            "cookie" => self.redact_cookie_header(value),
            _ if super::jwt::is_jwt_shaped(value.trim()) => {
                self.redact_jwt(value.trim(), Some(kind))
            }
            _ => self.pseudonymize(kind, value, wire),
        }
    }

    /// A value under a harmless name: URLs nested in it (`redirect_uri=https%3A…%3Fcode%3D…`)
    /// and JWTs in it.
    pub(crate) fn redact_free_value(&mut self, value: &str, wire: Wire) -> String {
        let decoded = match wire {
            Wire::Url => form_decode(value),
            Wire::Plain => value.to_string(),
        };
        if looks_like_url_with_params(&decoded) {
            let redacted = self.redact_url(&decoded);
            if redacted != decoded {
                return match wire {
                    Wire::Url => rfc3986_encode(&redacted, true),
                    Wire::Plain => redacted,
                };
            }
        }
        self.redact_jwts_in(value)
            .unwrap_or_else(|| value.to_string())
    }
}

/// A URL (absolute or a path) that carries parameters or userinfo.
pub(crate) fn looks_like_url_with_params(s: &str) -> bool {
    let is_url = s.contains("://") || s.starts_with('/');
    is_url && (s.contains(['?', '#']) || s.contains('@')) && s.len() < 64 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::new([9; 32])
    }

    #[test]
    fn redacts_query_fragment_userinfo_and_nested_urls() {
        let mut r = r();
        let url = "https://u:hunter22@app.test/cb;jsessionid=abcdef123?code=SplxlOBeZQQYbYS6WxSbIA&state=st%2Bate1&x=1&next=%2Fhome%3Fcode%3DSplxlOBeZQQYbYS6WxSbIA#access_token=tok123456&id=3";
        let out = r.redact_url(url);
        for secret in [
            "hunter22",
            "SplxlOBeZQQYbYS6WxSbIA",
            "st%2Bate1",
            "tok123456",
            "abcdef123",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("&x=1&"), "{out}");
        assert!(out.contains("#access_token=access_token~"), "{out}");
        assert!(out.contains("&id=3"), "{out}");
        assert!(out.contains("state=state%7E"), "{out}");
        // The code in the nested URL has the same pseudonym as the one in the query.
        let code = out
            .split("code=")
            .nth(1)
            .map(|s| &s[..17])
            .unwrap_or_default()
            .to_string();
        assert!(out.contains(&format!("%3Fcode%3D{code}")), "{out}");
    }

    #[test]
    fn keeps_urls_without_secrets_byte_for_byte() {
        let mut r = r();
        for url in [
            "https://a.test/p?x=1&y=%2F#top",
            "not a url",
            "https://a.test/.well-known/oauth-authorization-server",
            "cursor://cb?error=access_denied",
        ] {
            assert_eq!(r.redact_url(url), url);
        }
    }

    #[test]
    fn spa_route_fragments_are_redacted() {
        let mut r = r();
        let out = r.redact_url("https://a.test/#/cb?code=abcdef123456&x=1");
        assert!(out.starts_with("https://a.test/#/cb?code=code~"), "{out}");
        assert!(out.ends_with("&x=1"));
    }
}
