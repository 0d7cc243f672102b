//! Checklist sections, in the order of the seed checklists (`shared/seeds/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Whether the recording itself can be trusted: not a seed section, shown first.
    Capture,
    ProductionEnvironment,
    CustomDomain,
    ConsentScreenBranding,
    BringYourOwnAuth,
    CoreAuthFlows,
    Customization,
    EnterpriseAuth,
    UserAndOrganizationManagement,
    McpAuthentication,
    MonitoringAndIncidentReadiness,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Capture,
        Section::ProductionEnvironment,
        Section::CustomDomain,
        Section::ConsentScreenBranding,
        Section::BringYourOwnAuth,
        Section::CoreAuthFlows,
        Section::Customization,
        Section::EnterpriseAuth,
        Section::UserAndOrganizationManagement,
        Section::McpAuthentication,
        Section::MonitoringAndIncidentReadiness,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Section::Capture => "capture",
            Section::ProductionEnvironment => "production-environment",
            Section::CustomDomain => "custom-domain",
            Section::ConsentScreenBranding => "consent-screen-branding",
            Section::BringYourOwnAuth => "bring-your-own-auth",
            Section::CoreAuthFlows => "core-auth-flows",
            Section::Customization => "customization",
            Section::EnterpriseAuth => "enterprise-auth",
            Section::UserAndOrganizationManagement => "user-and-organization-management",
            Section::McpAuthentication => "mcp-authentication",
            Section::MonitoringAndIncidentReadiness => "monitoring-and-incident-readiness",
        }
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
