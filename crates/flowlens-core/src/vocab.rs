//! The checklist's vocabulary, at the bottom of the crate: the words every layer shares and
//! the report contract spells out (statuses, sections, where a trace came from, check ids).
//!
//! Each enum's wire name is written once, in [`string_enum!`]: `as_str`, `Display`,
//! serialization and parsing all read the same table, so a renamed variant cannot drift from
//! its JSON name.

use serde::Serialize;

/// Declares an enum whose variants have fixed wire names: `as_str()`, `ALL` (declaration
/// order), `Display`, `FromStr`, serde (as the string) and comparison with `&str`. With
/// `other = Variant`, any unknown string parses as that variant instead of failing.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)?
        }
        $(other = $other:ident)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The wire name (JSON, CLI, `data-*` attributes).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The variant of a wire name.
            #[allow(unreachable_code)]
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => {
                        $(return Some($name::$other);)?
                        None
                    }
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown {} `{s}`, expected one of {}", stringify!($name), known.join(", "))
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow::<'de, str> as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// The status of a checklist item. The names are part of the report contract; the order
    /// is worst first (a flow's status is the minimum of its checks').
    pub enum Status {
        Fail => "fail",
        Warn => "warn",
        Pass => "pass",
        /// The trace does not show what the check needs.
        NotObserved => "not-observed",
        /// A person must verify it; the browser cannot see it.
        Manual => "manual",
        /// Does not apply to this flow (e.g. BYOA checks on a flow without BYOA).
        Skipped => "skipped",
    }
}

string_enum! {
    /// Checklist sections, in the order of the seed checklists (`shared/seeds/`).
    pub enum Section {
        /// Whether the recording itself can be trusted: not a seed section, shown first.
        Capture => "capture",
        ProductionEnvironment => "production-environment",
        CustomDomain => "custom-domain",
        ConsentScreenBranding => "consent-screen-branding",
        BringYourOwnAuth => "bring-your-own-auth",
        CoreAuthFlows => "core-auth-flows",
        Customization => "customization",
        EnterpriseAuth => "enterprise-auth",
        UserAndOrganizationManagement => "user-and-organization-management",
        McpAuthentication => "mcp-authentication",
        MonitoringAndIncidentReadiness => "monitoring-and-incident-readiness",
    }
}

impl Section {
    /// The section's id (its wire name).
    pub const fn id(self) -> &'static str {
        self.as_str()
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::Capture => "Capture",
            Section::ProductionEnvironment => "Production environment",
            Section::CustomDomain => "Custom domain",
            Section::ConsentScreenBranding => "Consent screen branding",
            Section::BringYourOwnAuth => "Bring your own auth",
            Section::CoreAuthFlows => "Core auth flows",
            Section::Customization => "Customization",
            Section::EnterpriseAuth => "Enterprise auth",
            Section::UserAndOrganizationManagement => "User and organization management",
            Section::McpAuthentication => "MCP authentication",
            Section::MonitoringAndIncidentReadiness => "Monitoring and incident readiness",
        }
    }
}

string_enum! {
    /// Where a trace came from (`Trace.source`, the report's `source.kind`).
    #[derive(Default)]
    pub enum SourceKind {
        /// A HAR file (browser DevTools, Playwright, a Flowlens export's HAR).
        Har => "har",
        /// The extension's recorder.
        Extension => "extension",
        /// `flowlens probe`.
        Probe => "probe",
        /// `flowlens connect`: the client's requests and the browser it drove.
        Connect => "connect",
        /// Built by tests.
        Test => "test",
        /// Not said (an empty or unknown value in a trace file).
        #[default]
        Unknown => "unknown",
    }
    other = Unknown
}

/// The stable kebab-case id of a check: a rule (`oauth-pkce-s256`) or a manual item
/// (`manual-runbook`). Ids are part of the report contract; the rule registry and the manual
/// items' table are the lists of known ones (`rules::find`, `manual::find`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CheckId(&'static str);

impl CheckId {
    pub const fn new(id: &'static str) -> Self {
        CheckId(id)
    }

    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde() {
        for s in Status::ALL {
            let json = serde_json::to_value(s).expect("serializes");
            assert_eq!(json, s.as_str());
            assert_eq!(serde_json::from_value::<Status>(json).expect("parses"), s);
        }
        for s in Section::ALL {
            assert_eq!(serde_json::to_value(s).expect("serializes"), s.id());
            assert_eq!(s.id().parse::<Section>(), Ok(s));
        }
        assert!(serde_json::from_str::<Status>("\"FAIL\"").is_err());
        assert!("nope"
            .parse::<Section>()
            .expect_err("unknown")
            .contains("expected one of capture,"));
    }

    #[test]
    fn unknown_sources_read_as_unknown() {
        for (wire, kind) in [
            ("\"har\"", SourceKind::Har),
            ("\"\"", SourceKind::Unknown),
            ("\"something-new\"", SourceKind::Unknown),
        ] {
            assert_eq!(
                serde_json::from_str::<SourceKind>(wire).expect("parses"),
                kind
            );
        }
        assert_eq!(SourceKind::default(), "unknown");
    }

    #[test]
    fn status_order_is_worst_first() {
        let mut sorted = Status::ALL;
        sorted.sort();
        assert_eq!(sorted[0], Status::Fail);
        assert_eq!(sorted[5], Status::Skipped);
    }
}
