//! The expectations profile: what the user expects the flow to look like.
//!
//! Every field is optional. Without a profile each check does its best and says what it
//! assumed (for example "assumed the custom domain is auth.acme.com, the host of the
//! authorization request"). The CLI reads it from TOML, the extension from its options page
//! ([`ProfileForm`]); both go through [`Profile::normalized`], so a profile is held to the same
//! rules and gets the same errors wherever it was written.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::stdx::idn::typed_url;
use crate::vocab::Section;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Expected custom domain host names (`auth.acme.com`), without scheme.
    pub custom_domains: Vec<String>,
    /// The MCP server display name users should see ("Acme Calendar").
    pub server_name: Option<String>,
    /// The customer's login endpoint in bring your own auth (`https://login.acme.com/login`).
    pub login_endpoint: Option<String>,
    /// The client redirect URIs the flow may end at.
    pub redirect_uris: Vec<String>,
    /// A client id registered for `flowlens connect` (a public client with a loopback
    /// redirect URI), used instead of dynamic client registration.
    pub client_id: Option<String>,
    /// Expected brand colors (CSS colors: `#0a66c2`, `rgb(10, 102, 194)`).
    pub colors: ProfileColors,
    /// Checklist sections that do not apply ("bring-your-own-auth", "enterprise-auth"...):
    /// every check of these sections, automated or manual, is reported `skipped`.
    pub skip_sections: Vec<Section>,
    /// Origins of your browser-based clients (`https://app.acme.com`): requests from them
    /// must be readable, so a missing CORS answer to one is a failure, and `flowlens probe`
    /// asks as the first of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub web_client_origins: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileColors {
    pub background: Option<String>,
    pub primary_button: Option<String>,
}

impl Profile {
    /// The host is one of the expected custom domains (exact, case-insensitive).
    pub fn is_custom_domain(&self, host: &str) -> bool {
        self.custom_domains
            .iter()
            .any(|d| d.trim().trim_end_matches('.').eq_ignore_ascii_case(host))
    }

    pub fn has_custom_domains(&self) -> bool {
        !self.custom_domains.is_empty()
    }

    /// The origin is one of the profile's web client origins (scheme, host and port; a
    /// trailing slash and the case of the host do not matter).
    pub fn is_web_client_origin(&self, origin: &str) -> bool {
        let norm = |o: &str| o.trim().trim_end_matches('/').to_ascii_lowercase();
        self.web_client_origins
            .iter()
            .any(|w| norm(w) == norm(origin))
    }

    /// The profile marks this section as not applying.
    pub fn skips(&self, section: Section) -> bool {
        self.skip_sections.contains(&section)
    }
}

/// One problem with a profile: the field (`custom_domains[1]`, `login_endpoint`) and what is
/// wrong with it, for the CLI's error line and next to the options page's field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ProfileError {}

/// The problems of a profile, in field order; `Display` joins them for one error line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileErrors(pub Vec<ProfileError>);

impl fmt::Display for ProfileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProfileErrors {}

impl Profile {
    /// The profile as Flowlens compares with it: custom domains as host names (scheme, path,
    /// port and a trailing dot dropped, lower case, each once), texts trimmed, empty values
    /// absent; URLs that do not parse are errors, since a check would otherwise silently
    /// compare with nothing.
    pub fn normalized(self) -> Result<Profile, ProfileErrors> {
        let mut errors = Vec::new();
        let mut domains: Vec<String> = Vec::new();
        for (i, raw) in self.custom_domains.iter().enumerate() {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match host_name(raw) {
                Some(host) if !domains.contains(&host) => domains.push(host),
                Some(_) => {}
                None => errors.push(ProfileError {
                    field: format!("custom_domains[{i}]"),
                    message: format!("{raw:?} is not a host name (auth.acme.com)"),
                }),
            }
        }
        let login_endpoint = text(self.login_endpoint);
        if let Some(url) = &login_endpoint {
            if !matches!(
                typed_url(url).map(|u| u.scheme().to_string()).as_deref(),
                Ok("https" | "http")
            ) {
                errors.push(ProfileError {
                    field: "login_endpoint".into(),
                    message: format!(
                        "{url:?} is not an http(s) URL (https://login.acme.com/login)"
                    ),
                });
            }
        }
        let mut redirect_uris = Vec::new();
        for (i, raw) in self.redirect_uris.into_iter().enumerate() {
            let uri = raw.trim();
            if uri.is_empty() {
                continue;
            }
            if typed_url(uri).is_err() {
                errors.push(ProfileError {
                    field: format!("redirect_uris[{i}]"),
                    message: format!(
                        "{uri:?} is not an absolute URI (https://app.acme.com/callback)"
                    ),
                });
            }
            redirect_uris.push(uri.to_string());
        }
        let mut skip_sections = Vec::new();
        for section in self.skip_sections {
            if !skip_sections.contains(&section) {
                skip_sections.push(section);
            }
        }
        let mut web_client_origins: Vec<String> = Vec::new();
        for (i, raw) in self.web_client_origins.iter().enumerate() {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match typed_url(raw) {
                Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
                    let origin = u.origin().ascii_serialization();
                    if !web_client_origins.contains(&origin) {
                        web_client_origins.push(origin);
                    }
                }
                _ => errors.push(ProfileError {
                    field: format!("web_client_origins[{i}]"),
                    message: format!("{raw:?} is not an http(s) origin (https://app.acme.com)"),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(ProfileErrors(errors));
        }
        Ok(Profile {
            custom_domains: domains,
            server_name: text(self.server_name),
            login_endpoint,
            redirect_uris,
            client_id: text(self.client_id),
            colors: ProfileColors {
                background: text(self.colors.background),
                primary_button: text(self.colors.primary_button),
            },
            skip_sections,
            web_client_origins,
        })
    }

    /// The deployment this profile describes, as a stable key: the manual checklist answers
    /// are kept per deployment, so editing colours or skipped sections keeps them and another
    /// deployment's profile has its own. The JSON of `[sorted lower-case custom domains,
    /// server name]` (`[[],null]` without a profile): the extension's stored answers are
    /// keyed by it, so it must never change.
    pub fn deployment_id(&self) -> String {
        let mut domains: Vec<String> = self
            .custom_domains
            .iter()
            .map(|d| d.to_ascii_lowercase())
            .collect();
        domains.sort();
        serde_json::to_string(&(domains, &self.server_name)).unwrap_or_default()
    }

    /// The options page's form for this profile.
    pub fn to_form(&self) -> ProfileForm {
        ProfileForm {
            custom_domains: self.custom_domains.join("\n"),
            server_name: self.server_name.clone().unwrap_or_default(),
            login_endpoint: self.login_endpoint.clone().unwrap_or_default(),
            redirect_uris: self.redirect_uris.join("\n"),
            client_id: self.client_id.clone().unwrap_or_default(),
            colors: ProfileColorsForm {
                background: self.colors.background.clone().unwrap_or_default(),
                primary_button: self.colors.primary_button.clone().unwrap_or_default(),
            },
            skip_sections: self.skip_sections.clone(),
            web_client_origins: self.web_client_origins.join("\n"),
        }
    }
}

/// The extension's options page as the user filled it in: text fields as typed (lists one
/// per line). [`ProfileForm::parse`] makes the profile of it, by the CLI's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileForm {
    pub custom_domains: String,
    pub server_name: String,
    pub login_endpoint: String,
    pub redirect_uris: String,
    /// For `flowlens connect`; the options page has no field for it.
    pub client_id: String,
    pub colors: ProfileColorsForm,
    pub skip_sections: Vec<Section>,
    /// One origin a line; the options page has no field for it yet.
    pub web_client_origins: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileColorsForm {
    pub background: String,
    pub primary_button: String,
}

impl ProfileForm {
    pub fn parse(&self) -> Result<Profile, ProfileErrors> {
        let lines = |text: &str| text.lines().map(str::to_string).collect();
        Profile {
            custom_domains: lines(&self.custom_domains),
            server_name: Some(self.server_name.clone()),
            login_endpoint: Some(self.login_endpoint.clone()),
            redirect_uris: lines(&self.redirect_uris),
            client_id: Some(self.client_id.clone()),
            colors: ProfileColors {
                background: Some(self.colors.background.clone()),
                primary_button: Some(self.colors.primary_button.clone()),
            },
            skip_sections: self.skip_sections.clone(),
            web_client_origins: lines(&self.web_client_origins),
        }
        .normalized()
    }
}

fn text(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The host name a user meant: `auth.acme.com`, `https://auth.acme.com/`, `AUTH.acme.com.`
/// and `auth.acme.com:443` all mean `auth.acme.com` (international names in their ASCII
/// form, as URLs carry them).
fn host_name(raw: &str) -> Option<String> {
    let url = if raw.contains("://") {
        typed_url(raw).ok()?
    } else {
        typed_url(&format!("https://{raw}")).ok()?
    };
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    // Read as the host of a web URL, whatever the scheme typed: `cursor://` keeps its host as
    // written (`%` and all), which no https host equals and which would not read back (found
    // by fuzzing).
    let host = url.host_str()?.trim_end_matches('.');
    let web = typed_url(&format!("https://{host}/")).ok()?;
    let host = web.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_users_type_and_refuses_what_cannot_be_compared() {
        let profile = Profile {
            custom_domains: vec![
                " https://Auth.Acme.com/oauth ".into(),
                "auth.acme.com.".into(),
                "login.acme.com:8443".into(),
                "Auth.Bücher.example".into(),
                "".into(),
            ],
            server_name: Some("  Acme Calendar ".into()),
            login_endpoint: Some(" ".into()),
            redirect_uris: vec!["cursor://anysphere.cursor-retrieval/oauth/callback".into()],
            ..Profile::default()
        }
        .normalized()
        .expect("valid");
        assert_eq!(
            profile.custom_domains,
            [
                "auth.acme.com",
                "login.acme.com",
                "auth.xn--bcher-kva.example"
            ]
        );
        assert_eq!(profile.server_name.as_deref(), Some("Acme Calendar"));
        assert_eq!(profile.login_endpoint, None);

        let errors = Profile {
            custom_domains: vec!["auth acme".into()],
            login_endpoint: Some("login.acme.com/login".into()),
            redirect_uris: vec!["/callback".into()],
            ..Profile::default()
        }
        .normalized()
        .expect_err("invalid");
        assert_eq!(
            errors.to_string(),
            "custom_domains[0]: \"auth acme\" is not a host name (auth.acme.com); \
             login_endpoint: \"login.acme.com/login\" is not an http(s) URL \
             (https://login.acme.com/login); redirect_uris[0]: \"/callback\" is not an absolute \
             URI (https://app.acme.com/callback)"
        );
    }

    #[test]
    fn a_custom_domain_is_a_web_host_whatever_the_scheme_typed() {
        let profile = Profile {
            custom_domains: vec!["cursor://Auth.Acme.com./cb".into()],
            ..Profile::default()
        }
        .normalized()
        .expect("valid");
        assert_eq!(profile.custom_domains, ["auth.acme.com"]);
        assert_eq!(profile.clone().normalized(), Ok(profile));
        // Found by fuzzing: kept as written, then refused when the profile was read back.
        let errors = Profile {
            custom_domains: vec!["cursor://anysphere.cursor-r%trieval/oauth".into()],
            ..Profile::default()
        }
        .normalized()
        .expect_err("no web host");
        assert!(
            errors.to_string().contains("is not a host name"),
            "{errors}"
        );
    }

    #[test]
    fn the_options_form_reads_as_the_toml_profile_does() {
        let form: ProfileForm = serde_json::from_str(
            r##"{"custom_domains": "auth.acme.com\n\nhttps://id.acme.com/", "server_name": "Acme",
                "login_endpoint": "", "redirect_uris": "https://app.acme.com/cb",
                "colors": {"background": "#fff", "primary_button": ""},
                "skip_sections": ["enterprise-auth"]}"##,
        )
        .expect("a form");
        let profile = form.parse().expect("valid");
        assert_eq!(profile.custom_domains, ["auth.acme.com", "id.acme.com"]);
        assert_eq!(profile.colors.primary_button, None);
        assert_eq!(profile.skip_sections, [Section::EnterpriseAuth]);
        assert_eq!(profile.to_form().parse(), Ok(profile.clone()));

        let typo = serde_json::from_str::<ProfileForm>(r#"{"server_nmae": "Acme"}"#)
            .expect_err("unknown field");
        assert!(
            typo.to_string().contains("unknown field `server_nmae`"),
            "{typo}"
        );
    }

    #[test]
    fn the_deployment_id_is_the_one_the_extension_always_stored() {
        assert_eq!(Profile::default().deployment_id(), "[[],null]");
        let profile = Profile {
            custom_domains: vec!["Login.acme.com".into(), "auth.acme.com".into()],
            server_name: Some("Acme \"Calendar\"".into()),
            colors: ProfileColors {
                background: Some("#fff".into()),
                ..ProfileColors::default()
            },
            ..Profile::default()
        };
        assert_eq!(
            profile.deployment_id(),
            r#"[["auth.acme.com","login.acme.com"],"Acme \"Calendar\""]"#
        );
    }
}
