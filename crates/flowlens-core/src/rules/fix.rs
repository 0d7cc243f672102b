//! Where a rule's finding is fixed: data beside the rule's documentation (`fixed_in` of
//! [`declare_rule!`](crate::declare_rule)), so that every output can say, under a blocker,
//! whom to ask or what to open: a setting of the Scalekit dashboard (with its path), the
//! customer's login endpoint, MCP server, client app or edge server, Scalekit support.
//!
//! Dashboard paths are the ones Scalekit's documentation gives
//! (`/work/shared/reference/scalekit-and-mcp-auth.md`); where it names only a part of the
//! dashboard, the path stops there.

use serde::{Deserialize, Serialize};

use crate::vocab::string_enum;

string_enum! {
    /// A setting of the Scalekit dashboard a finding is fixed in.
    pub enum DashboardSetting {
        /// The CNAME of the custom domain (production only).
        CustomDomain => "custom-domain",
        /// Logo, favicon and colors of the hosted pages (Consent Screen and Login tabs).
        Branding => "branding",
        /// The MCP server's own settings: its display name, logo and server URL.
        McpServer => "mcp-server",
        /// The protected-resource metadata the dashboard gives to copy.
        McpServerMetadata => "mcp-server-metadata",
        /// The bring-your-own-auth login endpoint URL.
        LoginEndpoint => "login-endpoint",
        /// The production environment: its environment URL and API credentials.
        ProductionEnvironment => "production-environment",
    }
}

impl DashboardSetting {
    /// Where the setting is in the dashboard, as a reader clicks through it.
    pub const fn path(self) -> &'static str {
        match self {
            Self::CustomDomain => "Dashboard > Customization > Custom Domain",
            Self::Branding => "Dashboard > Customization > Branding > Consent Screen",
            Self::McpServer => "Dashboard > MCP Servers > your server",
            Self::McpServerMetadata => "Dashboard > MCP Servers > your server > Metadata JSON",
            Self::LoginEndpoint => {
                "Dashboard > MCP Servers > your server > Advanced Configuration > \
                 Use your own authentication service"
            }
            Self::ProductionEnvironment => "Dashboard > Production environment",
        }
    }
}

string_enum! {
    /// The kind of place a finding is fixed in (the `kind` of a `fixed_in` entry).
    pub enum FixKind {
        ScalekitDashboard => "scalekit-dashboard",
        ScalekitSupport => "scalekit-support",
        LoginEndpoint => "login-endpoint",
        McpServer => "mcp-server",
        ClientApp => "client-app",
        EdgeServer => "edge-server",
        CustomerNetwork => "customer-network",
        Recording => "recording",
        AuthorizationServer => "authorization-server",
    }
}

/// Where a finding is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "FixWire", try_from = "FixWire")]
pub enum FixLocation {
    /// A setting of the Scalekit dashboard.
    ScalekitDashboard(DashboardSetting),
    /// Only Scalekit can change it (its hosted pages, a paid add-on): ask Scalekit support.
    ScalekitSupport,
    /// The customer's own login endpoint (bring your own auth) and its backend.
    LoginEndpoint,
    /// The customer's MCP server: its metadata, its 401 challenge, its configuration.
    McpServer,
    /// The client app (the MCP client or the web app that starts the flow).
    ClientApp,
    /// The edge or web server in front of the customer's hosts (proxy, CDN, framework
    /// middleware): headers, redirects, TLS.
    EdgeServer,
    /// The customer's customers' networks (firewall allow-lists): nothing to change here.
    CustomerNetwork,
    /// The recording itself: record the flow again.
    Recording,
    /// The settings of an authorization server that does not look like Scalekit's: where
    /// Scalekit would have the setting, on that server (the Scalekit path kept for a Scalekit
    /// flow the trace did not show as one).
    AuthorizationServer(Option<DashboardSetting>),
}

impl FixLocation {
    pub const fn kind(self) -> FixKind {
        match self {
            Self::ScalekitDashboard(_) => FixKind::ScalekitDashboard,
            Self::ScalekitSupport => FixKind::ScalekitSupport,
            Self::LoginEndpoint => FixKind::LoginEndpoint,
            Self::McpServer => FixKind::McpServer,
            Self::ClientApp => FixKind::ClientApp,
            Self::EdgeServer => FixKind::EdgeServer,
            Self::CustomerNetwork => FixKind::CustomerNetwork,
            Self::Recording => FixKind::Recording,
            Self::AuthorizationServer(_) => FixKind::AuthorizationServer,
        }
    }

    /// A place that exists only in bring your own auth: the customer's login endpoint, or
    /// the dashboard setting that names it.
    pub const fn is_byoa_only(self) -> bool {
        matches!(
            self,
            Self::LoginEndpoint | Self::ScalekitDashboard(DashboardSetting::LoginEndpoint)
        )
    }

    /// Where it is fixed when the flow's authorization server does not look like Scalekit's
    /// ([`crate::rules::Context::is_vendor_flow`]): a dashboard setting or Scalekit support
    /// becomes that server's settings; the customer's own places stay.
    pub const fn off_vendor(self) -> FixLocation {
        match self {
            Self::ScalekitDashboard(setting) => Self::AuthorizationServer(Some(setting)),
            Self::ScalekitSupport => Self::AuthorizationServer(None),
            other => other,
        }
    }

    /// The place in words, as every output shows it ("Scalekit Dashboard > Customization >
    /// Custom Domain", "your login endpoint").
    pub fn label(self) -> String {
        match self {
            Self::ScalekitDashboard(setting) => format!("Scalekit {}", setting.path()),
            Self::ScalekitSupport => "Scalekit support".into(),
            Self::LoginEndpoint => "your login endpoint".into(),
            Self::McpServer => "your MCP server".into(),
            Self::ClientApp => "your client app".into(),
            Self::EdgeServer => "your edge or web server".into(),
            Self::CustomerNetwork => "your customers' firewalls".into(),
            Self::Recording => "the recording (record the flow again)".into(),
            Self::AuthorizationServer(None) => "your authorization server's settings".into(),
            Self::AuthorizationServer(Some(setting)) => format!(
                "your authorization server's settings (on Scalekit: {})",
                setting.path()
            ),
        }
    }
}

/// The labels of several places, joined for one line.
pub fn labels(places: &[FixLocation]) -> String {
    label_list(places).join("; ")
}

/// The labels of several places, one per place, except that an authorization server's
/// settings are said once, with every Scalekit path they stand for ("your authorization
/// server's settings (on Scalekit: Dashboard > …; Dashboard > …)").
pub fn label_list(places: &[FixLocation]) -> Vec<String> {
    let settings: Vec<&str> = places
        .iter()
        .filter_map(|p| match p {
            FixLocation::AuthorizationServer(Some(setting)) => Some(setting.path()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut server_said = false;
    for place in places {
        match place {
            FixLocation::AuthorizationServer(_) if server_said => {}
            FixLocation::AuthorizationServer(_) => {
                server_said = true;
                out.push(if settings.is_empty() {
                    FixLocation::AuthorizationServer(None).label()
                } else {
                    format!(
                        "your authorization server's settings (on Scalekit: {})",
                        settings.join("; ")
                    )
                });
            }
            other => out.push(other.label()),
        }
    }
    out
}

/// The JSON form: `{"kind": "scalekit-dashboard", "setting": "custom-domain", "path":
/// "Dashboard > Customization > Custom Domain"}`, or `{"kind": "mcp-server"}`.
#[derive(Serialize, Deserialize)]
struct FixWire {
    kind: FixKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    setting: Option<DashboardSetting>,
    /// Written for readers of the JSON; read back from `setting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl From<FixLocation> for FixWire {
    fn from(place: FixLocation) -> Self {
        let setting = match place {
            FixLocation::ScalekitDashboard(setting) => Some(setting),
            FixLocation::AuthorizationServer(setting) => setting,
            _ => None,
        };
        FixWire {
            kind: place.kind(),
            setting,
            path: setting.map(|s| s.path().to_string()),
        }
    }
}

impl TryFrom<FixWire> for FixLocation {
    type Error = String;

    fn try_from(wire: FixWire) -> Result<Self, String> {
        Ok(match wire.kind {
            FixKind::ScalekitDashboard => FixLocation::ScalekitDashboard(
                wire.setting
                    .ok_or("a scalekit-dashboard fix location needs its setting")?,
            ),
            FixKind::ScalekitSupport => FixLocation::ScalekitSupport,
            FixKind::LoginEndpoint => FixLocation::LoginEndpoint,
            FixKind::McpServer => FixLocation::McpServer,
            FixKind::ClientApp => FixLocation::ClientApp,
            FixKind::EdgeServer => FixLocation::EdgeServer,
            FixKind::CustomerNetwork => FixLocation::CustomerNetwork,
            FixKind::Recording => FixLocation::Recording,
            FixKind::AuthorizationServer => FixLocation::AuthorizationServer(wire.setting),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authorization_server_is_named_once_with_every_scalekit_path() {
        let places = [
            FixLocation::LoginEndpoint,
            FixLocation::AuthorizationServer(Some(DashboardSetting::Branding)),
            FixLocation::AuthorizationServer(None),
            FixLocation::AuthorizationServer(Some(DashboardSetting::McpServer)),
        ];
        assert_eq!(
            label_list(&places),
            [
                "your login endpoint".to_string(),
                "your authorization server's settings (on Scalekit: Dashboard > Customization > \
                 Branding > Consent Screen; Dashboard > MCP Servers > your server)"
                    .to_string(),
            ]
        );
        assert_eq!(
            labels(&[
                FixLocation::AuthorizationServer(None),
                FixLocation::EdgeServer
            ]),
            "your authorization server's settings; your edge or web server"
        );
    }

    #[test]
    fn every_place_round_trips_through_json_with_its_path() {
        let mut places: Vec<FixLocation> = DashboardSetting::ALL
            .iter()
            .map(|&s| FixLocation::ScalekitDashboard(s))
            .collect();
        places.extend([
            FixLocation::ScalekitSupport,
            FixLocation::LoginEndpoint,
            FixLocation::McpServer,
            FixLocation::ClientApp,
            FixLocation::EdgeServer,
            FixLocation::CustomerNetwork,
            FixLocation::Recording,
            FixLocation::AuthorizationServer(None),
            FixLocation::AuthorizationServer(Some(DashboardSetting::Branding)),
        ]);
        assert_eq!(
            places.len(),
            DashboardSetting::ALL.len() + FixKind::ALL.len()
        );
        for place in places {
            let json = serde_json::to_value(place).expect("serializes");
            assert_eq!(json["kind"], place.kind().as_str());
            let back: FixLocation = serde_json::from_value(json.clone()).expect("parses");
            assert_eq!(back, place, "{json}");
            assert!(!place.label().is_empty());
        }
        let custom = serde_json::to_value(FixLocation::ScalekitDashboard(
            DashboardSetting::CustomDomain,
        ))
        .expect("serializes");
        assert_eq!(
            custom,
            serde_json::json!({"kind": "scalekit-dashboard", "setting": "custom-domain",
                               "path": "Dashboard > Customization > Custom Domain"})
        );
        assert!(serde_json::from_str::<FixLocation>(r#"{"kind": "scalekit-dashboard"}"#).is_err());
    }

    #[test]
    fn paths_start_at_the_dashboard_and_say_nothing_uncertain() {
        for setting in DashboardSetting::ALL {
            let path = setting.path();
            assert!(path.starts_with("Dashboard > "), "{path}");
            assert!(!path.to_lowercase().contains("unconfirmed"), "{path}");
            assert!(!path.contains("  "), "{path}");
        }
    }
}
