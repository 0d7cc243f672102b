// Names and identifiers of the simulated world. They mirror the shapes of a real Scalekit "Auth for MCP"
// deployment with Bring Your Own Auth (see shared/reference/scalekit-and-mcp-auth.md §1.2 and §1.5).

export const HOSTS = Object.freeze({
  /** The customer's MCP server (resource server). */
  mcp: 'mcp.acme.test',
  /** Scalekit on the customer's custom domain (CNAME), the production-ready setup. */
  customDomainAuth: 'auth.acme.test',
  /** Scalekit on its auto-generated production environment domain. */
  vendorDefaultAuth: 'acme-x7q2.scalekit.com',
  /** Scalekit development environment. */
  developmentAuth: 'acme.scalekit.dev',
  /** The customer's own login service (BYOA "Login Endpoint URL"). */
  login: 'login.acme.test',
  /** A browser-side MCP client, like MCP Inspector. */
  client: 'app.acme.test',
  /** Scalekit's static assets (its default logo and favicon on pages nobody branded). */
  vendorCdn: 'cdn.scalekit.com',
});

/** Every hostname the simulator answers for; the test certificate carries them all. */
export const ALL_HOSTNAMES = Object.freeze(Object.values(HOSTS));

/** Hosts that run Scalekit's code. */
export const AUTH_HOSTS = Object.freeze([HOSTS.customDomainAuth, HOSTS.vendorDefaultAuth, HOSTS.developmentAuth]);

export const RESOURCE_ID = 'res_123456789';
export const CONNECTION_ID = 'conn_987654321';
export const MCP_RESOURCE = `https://${HOSTS.mcp}/mcp`;
export const PRM_URL = `https://${HOSTS.mcp}/.well-known/oauth-protected-resource/mcp`;
export const SCOPE = 'calendar:read';
export const CLIENT_ORIGIN = `https://${HOSTS.client}`;
export const CLIENT_REDIRECT_URI = `${CLIENT_ORIGIN}/callback`;

/**
 * Request header a simulated client sends on the requests it makes before it has a client_id, so that
 * one simulator can serve several scenarios at once. After registration every hop is tied to its
 * scenario through the ids the simulator issued (client_id, login_request_id, state, code, token).
 */
export const SCENARIO_HEADER = 'X-Flowlens-Scenario';

/** The (fake) end user that the customer's login page signs in. */
export const TEST_USER = Object.freeze({
  sub: 'usr_555000111',
  email: 'alice@acme.test',
  password: 'correct horse battery staple',
});

/** Scalekit's resource-scoped issuer for an auth host. */
export function issuerFor(authHost) {
  return `https://${authHost}/resources/${RESOURCE_ID}`;
}
