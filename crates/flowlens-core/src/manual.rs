//! Checklist items a browser cannot see: each is reported with status `manual` and the
//! seed checklist's guidance, so that the report covers the whole go-live checklist.
//!
//! The table is data, in checklist order (section, then the seeds' order: the launch
//! checklist before the skill checklist). The report builder appends every item to the
//! report after the automated checks of its section, with `flow: null`. Ids are stable
//! kebab-case codes prefixed `manual-` and part of the report contract, like rule ids.
//! `docs/coverage.md` maps every seed item to a rule or one of these; a test keeps the
//! table, the map and the seeds in step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::vocab::Section;

/// Which seed checklist an item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Seed {
    /// Scalekit's MCP launch checklist ("Production readiness checklist").
    Launch,
    /// The production-readiness skill checklist (`- [ ]` items).
    Skill,
}

impl Seed {
    pub fn as_str(self) -> &'static str {
        match self {
            Seed::Launch => "launch",
            Seed::Skill => "skill",
        }
    }
}

/// A seed item a manual item answers: the seed and the start of the item's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedRef {
    pub seed: Seed,
    /// The item's text as the seed writes it (a prefix of it for long paragraphs).
    pub item: &'static str,
}

/// A checklist item for a person to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ManualItem {
    /// Stable kebab-case id, `manual-…`.
    pub id: &'static str,
    pub section: Section,
    /// A short title for the checklist.
    pub title: &'static str,
    /// What to verify and how, for a person (Markdown-free text).
    pub guidance: &'static str,
    /// The seed items this answers.
    pub seed: &'static [SeedRef],
}

const fn launch(item: &'static str) -> SeedRef {
    SeedRef {
        seed: Seed::Launch,
        item,
    }
}

const fn skill(item: &'static str) -> SeedRef {
    SeedRef {
        seed: Seed::Skill,
        item,
    }
}

/// Every manual item, in checklist order.
pub fn items() -> &'static [ManualItem] {
    ITEMS
}

/// The manual item with this id.
pub fn find(id: &str) -> Option<&'static ManualItem> {
    ITEMS.iter().find(|m| m.id == id)
}

/// A person's answer on one manual item: ticked as done, and a note (the extension's
/// checklist keeps them per deployment; a Flowlens export carries them in its report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Answer {
    pub ticked: bool,
    pub note: Option<String>,
}

/// Answers by manual item id.
pub type Answers = BTreeMap<String, Answer>;

/// Longest note kept (characters): a note is a line or two, not a document.
pub const MAX_NOTE_CHARS: usize = 4000;

impl Answer {
    /// The note as a report shows it: trimmed, `None` when empty, at most [`MAX_NOTE_CHARS`].
    pub fn shown_note(&self) -> Option<String> {
        self.note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(MAX_NOTE_CHARS).collect())
    }
}

/// Manual items that an automated check answers when the trace holds its evidence, as
/// (manual item, rule id). Such evidence comes from a client that exercises the server
/// (`flowlens connect`: the authorized calls, a replayed code, invalid tokens, a refresh);
/// when the rule's status for some flow is pass, warn or fail, the report builder shows the
/// rule in the item's place instead of the manual item.
pub const ANSWERED_BY: &[(&str, &str)] = &[
    ("manual-api-clients", "mcp-authorized-call"),
    ("manual-invalid-codes", "oauth-code-replay"),
    ("manual-expired-tokens", "mcp-invalid-token"),
    ("manual-session-refresh", "oauth-refresh"),
];

use Section::*;

static ITEMS: &[ManualItem] = &[
    // Production environment ------------------------------------------------------------
    ManualItem {
        id: "manual-production-credentials",
        section: ProductionEnvironment,
        title: "Production environment URL, client ID and secret set",
        guidance: "Check that the deployed SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET are the production environment's values, not dev or staging ones: the client ID starts with prd_skc_ (skc_ is development) and the environment URL is your custom domain or a *.scalekit.com host, never *.scalekit.dev. The browser only sees the environment URL; the ID and secret live on your server.",
        seed: &[
            launch("Confirm that your environment URL (SCALEKIT_ENVIRONMENT_URL), client ID (SCALEKIT_CLIENT_ID), and client secret (SCALEKIT_CLIENT_SECRET) are correctly set for production, not dev or staging."),
            skill("Production environment URL, client ID, and client secret are set (not dev/staging values)"),
        ],
    },
    ManualItem {
        id: "manual-credentials-secrets-manager",
        section: ProductionEnvironment,
        title: "API credentials in environment variables or a secrets manager",
        guidance: "Keep the Scalekit client ID and secret in environment variables or a secrets manager, never in code: search the repository and its history for prd_skc_ and for the secret, and rotate any secret that was ever committed. Clients of your MCP server must likewise read their credentials from the environment.",
        seed: &[
            skill("API credentials stored in environment variables — never committed to code"),
            launch("Verify that API clients can obtain tokens and call MCP tools successfully. Confirm that client credentials are stored in environment variables or a secrets manager, not hardcoded."),
        ],
    },
    ManualItem {
        id: "manual-enabled-auth-methods",
        section: ProductionEnvironment,
        title: "Only the intended auth methods enabled",
        guidance: "In the production environment's authentication settings in the Scalekit Dashboard, turn off every method you do not offer (passwordless, social providers, passkeys, SSO) and confirm the hosted login page lists only the methods you intend.",
        seed: &[skill("Only enabled auth methods are active in production")],
    },
    // Bring your own auth ---------------------------------------------------------------
    ManualItem {
        id: "manual-byoa-login-endpoint",
        section: BringYourOwnAuth,
        title: "Login endpoint URL set for production",
        guidance: "In Dashboard > MCP Servers > your server > Advanced Configuration (\"Use your own authentication service\"), check that the Login Endpoint URL of the production environment is your production login page over https, not a localhost or staging URL. Add it to the Flowlens profile as login_endpoint so recorded flows are matched against it.",
        seed: &[launch("Scalekit redirects users to your login endpoint with a login_request_id and state parameter.")],
    },
    ManualItem {
        id: "manual-byoa-handoff-production",
        section: BringYourOwnAuth,
        title: "User hand-off succeeds with production credentials",
        guidance: "The POST to /api/v1/connections/<conn_…>/auth-requests/<lri_…>/user is server to server and invisible to the browser: check in your server logs (and in Dashboard > Auth Logs) that it succeeds with the production API credentials, and that the connection ID configured in production is the production connection's conn_… ID, not the resource ID (res_…) or the development connection.",
        seed: &[launch("After authenticating a user, your system POSTs user attributes to Scalekit at /api/v1/connections/<connection_id>/auth-requests/<login_request_id>/user.")],
    },
    // Core auth flows -------------------------------------------------------------------
    ManualItem {
        id: "manual-api-clients",
        section: CoreAuthFlows,
        title: "API clients obtain tokens and call MCP tools",
        guidance: "With a machine-to-machine client of the production environment, obtain a token with the client-credentials grant and call an MCP tool with it. This happens outside any browser: run it from a terminal or CI, not with the extension.",
        seed: &[launch("Verify that API clients can obtain tokens and call MCP tools successfully.")],
    },
    ManualItem {
        id: "manual-token-lifetimes",
        section: CoreAuthFlows,
        title: "Token lifetimes configured",
        guidance: "Set access-token, refresh-token and session lifetimes in the Scalekit Dashboard to your security requirements (short access tokens, refresh tokens only for clients that ask for offline_access), and check that your MCP server rejects expired tokens.",
        seed: &[skill("Configure token lifetimes for your security requirements")],
    },
    ManualItem {
        id: "manual-session-refresh",
        section: CoreAuthFlows,
        title: "Session timeout and token refresh tested",
        guidance: "Let an access token expire while an MCP client is connected and check that the client refreshes it without asking the user again (refresh tokens require the offline_access scope), and that an expired session sends the user through login again.",
        seed: &[skill("Test session timeout and automatic token refresh")],
    },
    ManualItem {
        id: "manual-logout",
        section: CoreAuthFlows,
        title: "Logout clears sessions",
        guidance: "Log out and check that the application session, the Scalekit session and stored tokens are all gone: going back in the browser or reopening the app must not restore access, and revoked refresh tokens must stop working.",
        seed: &[skill("Verify logout clears sessions completely")],
    },
    ManualItem {
        id: "manual-auth-email-password",
        section: CoreAuthFlows,
        title: "Email and password tested",
        guidance: "If email/password is enabled, test sign-up, login and password reset end to end in production, including the reset email.",
        seed: &[skill("Email/password: sign-up, login, password reset")],
    },
    ManualItem {
        id: "manual-auth-magic-links",
        section: CoreAuthFlows,
        title: "Magic links tested",
        guidance: "If magic links or one-time codes are enabled, test initiation, delivery, redemption, and that an expired or reused link is refused.",
        seed: &[skill("Magic links: initiation, delivery, redemption, expiry")],
    },
    ManualItem {
        id: "manual-auth-social",
        section: CoreAuthFlows,
        title: "Each social login provider tested",
        guidance: "Sign in once with each configured social provider (Google, Microsoft, GitHub…) using production OAuth apps, not the development credentials. Provider setup guides: https://docs.scalekit.com/guides/integrations/social-connections/",
        seed: &[skill("Social logins: each configured provider (Google, Microsoft, GitHub, etc.)")],
    },
    ManualItem {
        id: "manual-auth-passkeys",
        section: CoreAuthFlows,
        title: "Passkeys tested",
        guidance: "If passkeys are enabled, test registration, authentication and the fallback for devices without a passkey, on the production domain (passkeys are bound to the domain they were created on).",
        seed: &[skill("Passkeys: registration, authentication, fallback")],
    },
    ManualItem {
        id: "manual-auth-method-selection",
        section: CoreAuthFlows,
        title: "Auth method selection renders correctly",
        guidance: "Open the hosted login page on desktop and mobile, in light and dark mode, and check that every enabled method appears and nothing else.",
        seed: &[skill("Auth method selection UI renders correctly")],
    },
    ManualItem {
        id: "manual-auth-fallback",
        section: CoreAuthFlows,
        title: "Fallback when an auth method fails",
        guidance: "Make each method fail (cancel at the social provider, wrong code, unavailable passkey) and check that the user lands on a clear message with a way to try another method.",
        seed: &[skill("Fallback scenarios when an auth method fails")],
    },
    ManualItem {
        id: "manual-expired-tokens",
        section: CoreAuthFlows,
        title: "Expired tokens handled gracefully",
        guidance: "Call the MCP server with an expired access token: it must answer 401 with a WWW-Authenticate challenge so that the client refreshes or re-authorizes, not a 500 or a hang.",
        seed: &[skill("Expired tokens handled gracefully")],
    },
    ManualItem {
        id: "manual-invalid-codes",
        section: CoreAuthFlows,
        title: "Invalid authorization codes rejected",
        guidance: "Replay a used authorization code and send a made-up one to the token endpoint: both must be refused with invalid_grant (flowlens probe can replay a code from a recorded flow).",
        seed: &[skill("Invalid authorization codes rejected")],
    },
    ManualItem {
        id: "manual-network-failures",
        section: CoreAuthFlows,
        title: "Network failures show friendly messages",
        guidance: "Cut the network during login and during the callback (browser DevTools, offline mode) and check that users see a message they understand and a way to retry.",
        seed: &[skill("Network failures show user-friendly messages")],
    },
    ManualItem {
        id: "manual-staging-e2e",
        section: CoreAuthFlows,
        title: "End-to-end flow validated in staging",
        guidance: "Before switching production on, run the complete flow in the staging environment with a staging profile and keep the Flowlens report as the baseline.",
        seed: &[skill("Complete end-to-end flow validated in staging before production")],
    },
    // Customization ---------------------------------------------------------------------
    ManualItem {
        id: "manual-email-templates",
        section: Customization,
        title: "Email templates customized",
        guidance: "Customize the sign-up, password reset and invitation email templates with your brand, sender name and links to your domain, and send yourself each one.",
        seed: &[skill("Email templates customized (sign-up, password reset, invitations)")],
    },
    ManualItem {
        id: "manual-email-provider",
        section: Customization,
        title: "Email provider configured",
        guidance: "Configure your own email provider in Dashboard > Customization > Emails so that mail comes from your domain, with SPF and DKIM set for it.",
        seed: &[skill("Email provider configured in Dashboard > Customization > Emails")],
    },
    ManualItem {
        id: "manual-email-deliverability",
        section: Customization,
        title: "Email deliverability tested",
        guidance: "Send every email type to Gmail, Outlook and a corporate mailbox and check that none lands in spam or quarantine.",
        seed: &[skill("Email deliverability tested — check spam folders")],
    },
    ManualItem {
        id: "manual-webhooks-signature",
        section: Customization,
        title: "Webhooks verify signatures",
        guidance: "Configure webhooks and verify every delivery's signature with the webhook secret (the SDKs' verify functions) before acting on it; reject unsigned or stale events.",
        seed: &[skill("Webhooks configured with signature validation")],
    },
    // Enterprise auth -------------------------------------------------------------------
    ManualItem {
        id: "manual-sso-idps",
        section: EnterpriseAuth,
        title: "SSO tested with target IdPs",
        guidance: "Test SSO with each identity provider your launch customers use (Okta, Microsoft Entra ID, Google Workspace…). IT admin guides per IdP: https://docs.scalekit.com/guides/integrations/sso-integrations/",
        seed: &[skill("Test SSO with target IdPs: Okta, Azure AD, Google Workspace")],
    },
    ManualItem {
        id: "manual-sso-attribute-mapping",
        section: EnterpriseAuth,
        title: "User attribute mapping configured",
        guidance: "Map email, name and groups from each IdP and check a test user's profile after login.",
        seed: &[skill("Configure user attribute mapping (email, name, groups)")],
    },
    ManualItem {
        id: "manual-sso-initiation",
        section: EnterpriseAuth,
        title: "SP- and IdP-initiated SSO tested",
        guidance: "Test login started from your app (SP-initiated) and from the IdP's app dashboard (IdP-initiated).",
        seed: &[skill("Test both SP-initiated and IdP-initiated SSO flows")],
    },
    ManualItem {
        id: "manual-sso-error-handling",
        section: EnterpriseAuth,
        title: "SSO errors handled",
        guidance: "Misconfigure a test connection (wrong certificate, wrong ACS URL) and check that users get a clear error, not a blank page.",
        seed: &[skill("Verify SSO error handling for misconfigured connections")],
    },
    ManualItem {
        id: "manual-sso-user-states",
        section: EnterpriseAuth,
        title: "SSO with new, existing and deactivated users",
        guidance: "Log in through SSO as a new user, an existing user and a user deactivated at the IdP; the last must be refused.",
        seed: &[skill("Test SSO with: new users, existing users, deactivated users")],
    },
    ManualItem {
        id: "manual-jit-domains",
        section: EnterpriseAuth,
        title: "Organization domains registered for JIT",
        guidance: "Register every email domain of each organization so just-in-time provisioning puts users in the right organization.",
        seed: &[skill("Register all organization domains for JIT provisioning")],
    },
    ManualItem {
        id: "manual-jit-identifiers",
        section: EnterpriseAuth,
        title: "Consistent user identifiers across connections",
        guidance: "Use the same identifier (email or userPrincipalName) in every SSO connection so a user is not duplicated.",
        seed: &[skill("Configure consistent user identifiers across SSO connections (email or userPrincipalName)")],
    },
    ManualItem {
        id: "manual-jit-default-roles",
        section: EnterpriseAuth,
        title: "Default roles for JIT users",
        guidance: "Set the role just-in-time provisioned users receive, with the least privilege that works.",
        seed: &[skill("Set default roles for JIT-provisioned users")],
    },
    ManualItem {
        id: "manual-jit-sync-attributes",
        section: EnterpriseAuth,
        title: "Attribute sync during login enabled",
        guidance: "Enable \"Sync user attributes during login\" so IdP changes (name, groups) reach your users.",
        seed: &[skill("Enable \"Sync user attributes during login\"")],
    },
    ManualItem {
        id: "manual-jit-external-users",
        section: EnterpriseAuth,
        title: "Invitation process for external users",
        guidance: "Plan how contractors and external users whose email domain does not match get in (manual invitations).",
        seed: &[skill("Plan manual invitation process for contractors/external users with non-matching domains")],
    },
    ManualItem {
        id: "manual-scim-webhooks",
        section: EnterpriseAuth,
        title: "SCIM webhook endpoints configured",
        guidance: "Configure the webhook endpoints that receive directory (SCIM) events. IT admin guides per IdP: https://docs.scalekit.com/guides/integrations/scim-integrations/",
        seed: &[skill("Configure webhook endpoints to receive SCIM events")],
    },
    ManualItem {
        id: "manual-scim-webhook-signature",
        section: EnterpriseAuth,
        title: "SCIM webhooks verify signatures",
        guidance: "Verify the signature of every directory webhook before changing users.",
        seed: &[skill("Verify webhook security with signature validation")],
    },
    ManualItem {
        id: "manual-scim-provisioning",
        section: EnterpriseAuth,
        title: "User provisioning tested",
        guidance: "Assign a user to the app at the IdP and check that the account is created.",
        seed: &[skill("Test user provisioning (automatic creation)")],
    },
    ManualItem {
        id: "manual-scim-deprovisioning",
        section: EnterpriseAuth,
        title: "User deprovisioning tested",
        guidance: "Unassign or deactivate the user at the IdP and check that access ends, including existing sessions and tokens.",
        seed: &[skill("Test user deprovisioning (deactivation/deletion)")],
    },
    ManualItem {
        id: "manual-scim-updates",
        section: EnterpriseAuth,
        title: "Profile updates and role changes tested",
        guidance: "Change a user's name and group at the IdP and check both arrive.",
        seed: &[skill("Test user profile updates and role changes")],
    },
    ManualItem {
        id: "manual-scim-group-roles",
        section: EnterpriseAuth,
        title: "Group-based role assignment",
        guidance: "Map IdP groups to roles and check that membership changes update roles.",
        seed: &[skill("Set up group-based role assignment and sync")],
    },
    ManualItem {
        id: "manual-scim-errors",
        section: EnterpriseAuth,
        title: "SCIM error cases tested",
        guidance: "Send duplicate users and invalid data and check they are rejected without corrupting accounts.",
        seed: &[skill("Test error cases: duplicate users, invalid data")],
    },
    ManualItem {
        id: "manual-admin-portal-access",
        section: EnterpriseAuth,
        title: "Admin portal access configured",
        guidance: "Decide who at each enterprise customer gets the admin portal and how the link reaches them.",
        seed: &[skill("Configure admin portal access for enterprise customers")],
    },
    ManualItem {
        id: "manual-admin-portal-sso",
        section: EnterpriseAuth,
        title: "Admin portal SSO setup tested",
        guidance: "Walk through SSO configuration in the admin portal as a customer's IT admin would.",
        seed: &[skill("Test admin portal SSO configuration flows")],
    },
    ManualItem {
        id: "manual-admin-portal-users",
        section: EnterpriseAuth,
        title: "Admin portal user management verified",
        guidance: "Check the user management features your customers will use in the admin portal.",
        seed: &[skill("Verify user management features in admin portal")],
    },
    ManualItem {
        id: "manual-customer-firewalls",
        section: EnterpriseAuth,
        title: "Customer firewalls allow the flow's hosts",
        guidance: "Give enterprise customers behind a VPN the list of hosts to allow: your environment (<your-env>.scalekit.com or your custom domain), cdn.scalekit.com and fonts.googleapis.com, plus any host network-allowlist found in a recorded flow.",
        seed: &[skill("Customer firewalls allow Scalekit domains")],
    },
    ManualItem {
        id: "manual-sso-customer-network",
        section: EnterpriseAuth,
        title: "SSO tested from a customer's network",
        guidance: "Run an SSO login from inside a customer's network (or their VPN) before their launch.",
        seed: &[skill("SSO tested from customer's network environment")],
    },
    // User and organization management ---------------------------------------------------
    ManualItem {
        id: "manual-user-profile-fields",
        section: UserAndOrganizationManagement,
        title: "Sign-up profile fields configured",
        guidance: "Configure which profile fields sign-up collects and check they are stored.",
        seed: &[skill("Configure profile fields collected at sign-up")],
    },
    ManualItem {
        id: "manual-user-invitations",
        section: UserAndOrganizationManagement,
        title: "Invitation flow tested",
        guidance: "Invite a user, check the invitation email and accept it.",
        seed: &[skill("Test invitation flow and email templates")],
    },
    ManualItem {
        id: "manual-user-deletion",
        section: UserAndOrganizationManagement,
        title: "User deletion tested",
        guidance: "Delete a user and check that their sessions, tokens and memberships are gone.",
        seed: &[skill("Test user deletion flow")],
    },
    ManualItem {
        id: "manual-org-creation",
        section: UserAndOrganizationManagement,
        title: "Organization creation tested",
        guidance: "Create an organization the way customers will (self-serve or by your team).",
        seed: &[skill("Test organization creation")],
    },
    ManualItem {
        id: "manual-org-membership",
        section: UserAndOrganizationManagement,
        title: "Adding and removing organization members tested",
        guidance: "Add and remove users from an organization and check access follows.",
        seed: &[skill("Test adding and removing users from organizations")],
    },
    ManualItem {
        id: "manual-org-allowed-domains",
        section: UserAndOrganizationManagement,
        title: "Allowed email domains set",
        guidance: "If organizations accept sign-ups by email domain, set the allowed domains.",
        seed: &[skill("Set allowed email domains for org sign-ups (if applicable)")],
    },
    ManualItem {
        id: "manual-org-switching",
        section: UserAndOrganizationManagement,
        title: "Organization switching verified",
        guidance: "Log in as a user of several organizations and switch between them.",
        seed: &[skill("Verify organization switching for users in multiple orgs")],
    },
    ManualItem {
        id: "manual-org-deletion",
        section: UserAndOrganizationManagement,
        title: "Organization deletion tested",
        guidance: "Delete an organization and check its members lose access to it.",
        seed: &[skill("Test organization deletion flow")],
    },
    ManualItem {
        id: "manual-rbac-roles",
        section: UserAndOrganizationManagement,
        title: "Roles and permissions defined",
        guidance: "Define and create the roles and permissions your application checks.",
        seed: &[skill("Define and create roles and permissions")],
    },
    ManualItem {
        id: "manual-rbac-default-roles",
        section: UserAndOrganizationManagement,
        title: "Default roles for new users",
        guidance: "Set the role new users get, with the least privilege that works.",
        seed: &[skill("Set default roles for new users")],
    },
    ManualItem {
        id: "manual-rbac-assignment",
        section: UserAndOrganizationManagement,
        title: "Role assignment tested",
        guidance: "Assign roles to users and organization members and check the token's roles and permissions.",
        seed: &[skill("Test role assignment to users and org members")],
    },
    ManualItem {
        id: "manual-rbac-app-checks",
        section: UserAndOrganizationManagement,
        title: "Permission checks in application code",
        guidance: "Review that application code checks permissions, not only authentication.",
        seed: &[skill("Verify permission checks in application code")],
    },
    ManualItem {
        id: "manual-rbac-levels",
        section: UserAndOrganizationManagement,
        title: "Access control tested at every role level",
        guidance: "Use one test user per role and check what each can and cannot do.",
        seed: &[skill("Test access control across all role levels")],
    },
    ManualItem {
        id: "manual-rbac-api-enforcement",
        section: UserAndOrganizationManagement,
        title: "Permissions enforced at API endpoints",
        guidance: "Call each API endpoint and MCP tool with a token lacking the permission or scope: it must answer 403 (insufficient_scope for MCP), not the data.",
        seed: &[skill("Validate permission enforcement at API endpoints")],
    },
    // MCP authentication ----------------------------------------------------------------
    ManualItem {
        id: "manual-mcp-session-management",
        section: McpAuthentication,
        title: "MCP session management tested",
        guidance: "Check that MCP sessions (Mcp-Session-Id) survive a token refresh, end when the user's access is revoked, and that a client reconnects cleanly after its token expires.",
        seed: &[skill("Test MCP session management")],
    },
    // Monitoring and incident readiness -------------------------------------------------
    ManualItem {
        id: "manual-auth-logs",
        section: MonitoringAndIncidentReadiness,
        title: "Auth logs monitored",
        guidance: "After launch, watch Dashboard > Auth Logs for repeated 401 errors, invalid scope requests and token failures, use them to debug authentication issues, and keep the MCP auth troubleshooting guide at hand.",
        seed: &[
            launch("Monitor Dashboard > Auth Logs for repeated 401 errors, invalid scope requests, and token failures after launch."),
            launch("After launch, use Auth logs to debug authentication issues"),
            skill("Auth logs monitoring configured in Dashboard > Auth Logs"),
        ],
    },
    ManualItem {
        id: "manual-alerts",
        section: MonitoringAndIncidentReadiness,
        title: "Alerts for suspicious activity",
        guidance: "Set up alerts for unusual activity: bursts of failed logins, logins from unusual locations, spikes of 401s or token failures.",
        seed: &[
            skill("Alerts set for suspicious activity (multiple failed logins, unusual locations)"),
            launch("Monitor Dashboard > Auth Logs"),
        ],
    },
    ManualItem {
        id: "manual-webhook-monitoring",
        section: MonitoringAndIncidentReadiness,
        title: "Webhook events monitored",
        guidance: "Log every webhook event you receive and alert on delivery failures.",
        seed: &[skill("Webhook event monitoring and logging active")],
    },
    ManualItem {
        id: "manual-error-tracking",
        section: MonitoringAndIncidentReadiness,
        title: "Error tracking for authentication failures",
        guidance: "Send authentication errors (callback errors, token exchange failures, hand-off failures) to your error tracker.",
        seed: &[skill("Error tracking configured for authentication failures")],
    },
    ManualItem {
        id: "manual-key-metrics",
        section: MonitoringAndIncidentReadiness,
        title: "Key metrics tracked from day one",
        guidance: "Track from launch day: sign-up rate and conversion, login success and failure rates, session creation and duration, token refresh frequency, and webhook delivery success rate.",
        seed: &[
            skill("Sign-up rate and conversion"),
            skill("Login success/failure rates"),
            skill("Session creation and duration"),
            skill("Token refresh frequency"),
            skill("Webhook delivery success rate"),
        ],
    },
    ManualItem {
        id: "manual-log-retention",
        section: MonitoringAndIncidentReadiness,
        title: "Log retention configured",
        guidance: "Set how long authentication and audit logs are kept, to match your compliance needs.",
        seed: &[skill("Log retention policies configured")],
    },
    ManualItem {
        id: "manual-webhook-retries",
        section: MonitoringAndIncidentReadiness,
        title: "Webhook delivery and retries tested",
        guidance: "Make your webhook endpoint fail for a while and check events are retried and processed once.",
        seed: &[skill("Webhook delivery and retry mechanism tested")],
    },
    ManualItem {
        id: "manual-runbook",
        section: MonitoringAndIncidentReadiness,
        title: "Incident response runbook written",
        guidance: "Write down who to contact (including Scalekit support), how to roll back, and the escalation path for an authentication outage.",
        seed: &[skill("Incident response runbook written (who to contact, how to roll back, escalation path)")],
    },
    ManualItem {
        id: "manual-rollback-plan",
        section: MonitoringAndIncidentReadiness,
        title: "Rollback plan ready",
        guidance: "Keep a feature flag or configuration switch that turns the new auth flows off, and test it.",
        seed: &[skill("Rollback plan ready (feature flag to disable new auth flows if needed)")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Status;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_distinct_from_rules() {
        let mut seen = HashSet::new();
        for item in items() {
            assert!(seen.insert(item.id), "duplicate id {}", item.id);
            assert!(item.id.starts_with("manual-"), "{}", item.id);
            assert!(
                item.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                item.id
            );
            assert!(
                crate::rules::find(item.id).is_none(),
                "{} is also a rule",
                item.id
            );
            assert!(!item.guidance.is_empty() && !item.title.is_empty());
            assert!(!item.seed.is_empty(), "{} names no seed item", item.id);
            assert_ne!(item.section, Section::Capture);
        }
    }

    #[test]
    fn a_check_with_evidence_takes_the_place_of_the_item_it_answers() {
        use crate::testing::{good_client_run, good_flow};
        for (item, rule) in ANSWERED_BY {
            assert!(find(item).is_some(), "{item} is not a manual item");
            assert!(crate::rules::find(rule).is_some(), "{rule} is not a rule");
        }
        let profile = crate::Profile::default();
        let recorded = crate::analyze(&good_flow().build(), &profile);
        let client = crate::analyze(&good_client_run().build(), &profile);
        for (item, rule) in ANSWERED_BY {
            let has = |r: &crate::Report, id: &str| r.checks.iter().any(|c| c.id == id);
            assert!(
                has(&recorded, item),
                "{item} stays while {rule} is not observed"
            );
            assert!(!has(&client, item), "{item} gives way to {rule}");
            assert!(has(&client, rule));
        }
        assert_eq!(client.counts.manual, items().len() - ANSWERED_BY.len());
        // Informed, not answered: the session item stays.
        assert!(client
            .checks
            .iter()
            .any(|c| c.id == "manual-mcp-session-management"));
    }

    #[test]
    fn analyze_reports_every_item_once_after_the_rules_of_its_section() {
        use crate::testing::good_flow;
        let report = crate::analyze(&good_flow().build(), &crate::Profile::default());
        for item in items() {
            let found: Vec<_> = report.checks.iter().filter(|c| c.id == item.id).collect();
            assert_eq!(found.len(), 1, "{}", item.id);
            assert_eq!(found[0].status, Status::Manual);
            assert_eq!(found[0].flow, None);
            assert_eq!(found[0].summary, item.guidance);
        }
        assert_eq!(report.counts.manual, items().len());
        // Within each section, automated checks come first, then manual items in table order.
        for section in Section::ALL {
            let ids: Vec<&str> = report.checks_in(section).map(|c| c.id.as_str()).collect();
            let first_manual = ids
                .iter()
                .position(|id| find(id).is_some())
                .unwrap_or(ids.len());
            assert!(
                ids[first_manual..].iter().all(|id| find(id).is_some()),
                "{ids:?}"
            );
            let manual: Vec<&str> = ids[first_manual..].to_vec();
            let expected: Vec<&str> = items()
                .iter()
                .filter(|m| m.section == section)
                .map(|m| m.id)
                .collect();
            assert_eq!(manual, expected);
        }
        // Also without any flow.
        let empty = crate::analyze(&crate::Trace::default(), &crate::Profile::default());
        assert_eq!(empty.counts.manual, items().len());
    }

    #[test]
    fn skipped_sections_skip_automated_and_manual_checks() {
        use crate::testing::good_flow;
        let profile = crate::Profile {
            skip_sections: vec![Section::EnterpriseAuth, Section::BringYourOwnAuth],
            ..crate::Profile::default()
        };
        let report = crate::analyze(&good_flow().build(), &profile);
        let skipped: Vec<_> = report
            .checks
            .iter()
            .filter(|c| profile.skip_sections.contains(&c.section))
            .collect();
        assert!(skipped.iter().any(|c| c.id == "network-allowlist"));
        assert!(skipped.iter().any(|c| c.id == "manual-sso-idps"));
        assert!(skipped.iter().any(|c| c.id == "byoa-timing"));
        for c in skipped {
            assert_eq!(c.status, Status::Skipped, "{}", c.id);
            assert_eq!(c.summary, "section skipped in the profile");
            assert!(c.evidence.is_empty());
        }
        let other = report
            .checks
            .iter()
            .find(|c| c.id == "manual-runbook")
            .expect("runbook");
        assert_eq!(other.status, Status::Manual);
        let toml_like: crate::Profile = serde_json::from_str(
            r#"{"skip_sections":["enterprise-auth","user-and-organization-management"]}"#,
        )
        .expect("profile");
        assert_eq!(toml_like.skip_sections.len(), 2);
        assert!(serde_json::from_str::<crate::Profile>(r#"{"skip_sections":["nope"]}"#).is_err());
    }

    #[test]
    fn items_are_in_section_order() {
        let sections: Vec<Section> = items().iter().map(|m| m.section).collect();
        let mut sorted = sections.clone();
        sorted.sort();
        assert_eq!(sections, sorted);
    }
}
