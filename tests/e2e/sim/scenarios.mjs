// The scenarios the simulator can play. Each one is the `good` deployment with one thing changed, so a
// check in Flowlens can be pinned to the scenario that breaks it. The change is made for real in the
// traffic or the page (a different host, a damaged parameter, a different page), never only announced.

import { VENDOR_ASSET_ORIGIN } from './assets.mjs';
import { HOSTS } from './constants.mjs';

/** Consent-page looks. Colours of the vendor default are the simulator's own, not Scalekit's real ones. */
export const BRANDINGS = Object.freeze({
  acme: Object.freeze({
    kind: 'brand',
    title: (serverName) => `Authorize ${serverName} · Acme`,
    faviconHref: '/assets/acme-favicon.png',
    logoSrc: '/assets/acme-logo.png',
    logoAlt: 'Acme',
    backgroundColor: '#fff7ed',
    primaryColor: '#c2410c',
    primaryTextColor: '#ffffff',
  }),
  vendorDefault: Object.freeze({
    kind: 'vendor-default',
    title: () => 'Authorize access',
    // The vendor's defaults, from its CDN (as on hosted pages nobody branded), so a favicon or
    // logo check can tell them from the customer's own assets.
    faviconHref: `${VENDOR_ASSET_ORIGIN}/static/scalekit-favicon.ico`,
    logoSrc: `${VENDOR_ASSET_ORIGIN}/static/scalekit-logo.svg`,
    logoAlt: 'Scalekit',
    backgroundColor: '#f4f4f5',
    primaryColor: '#4f46e5',
    primaryTextColor: '#ffffff',
  }),
});

const good = Object.freeze({
  name: 'good',
  summary: 'Custom domain, BYOA login over HTTPS, branded consent without "Powered by", state intact, PKCE S256.',
  /** Host Scalekit answers on; the PRM's authorization_servers points here. */
  authHost: HOSTS.customDomainAuth,
  /** Scheme of the customer's login endpoint that Scalekit redirects to. */
  loginScheme: 'https',
  /** Whether Scalekit's redirect to the login endpoint carries login_request_id. */
  loginRequestIdInRedirect: true,
  /** Alphabet of Scalekit's internal BYOA state: 'base64url' (A-Z a-z 0-9 - _) or 'base64' (+ / =). */
  internalStateAlphabet: 'base64url',
  /** What the customer's login service does to the state on its way back: 'none' | 'altered' | 'double-encoded'. */
  stateOnReturn: 'none',
  /** MCP server display name on the consent page (always HTML-escaped by the simulator). */
  serverName: 'Acme Calendar',
  branding: BRANDINGS.acme,
  /** Replaces the favicon href with one the simulator answers 404 for. */
  faviconBroken: false,
  poweredByFooter: false,
  /** How consent hands the result back: 'code' (query, with iss) or 'fragment-token' (#access_token=…). */
  consentResponse: 'code',
  /** Whether the browser client sends PKCE, and whether the authorization server insists on it. */
  clientSendsPkce: true,
  serverRequiresPkce: true,
  /** The authorization server refuses dynamic client registration (a client must be pre-registered). */
  registrationRefused: false,
  /** The token endpoint redeems an authorization code more than once (a broken one-time rule). */
  acceptsReplayedCodes: false,
  /** The MCP server trusts a JWT's claims without checking its signature or expiry. */
  mcpTrustsUnverifiedJwts: false,
  /** The MCP server serves a request that carries a known Mcp-Session-Id and no token. */
  mcpSessionsAuthenticate: false,
  /** How the flow ends; the harness's runFlow reports the same shape. */
  expected: Object.freeze({ outcome: 'authorized' }),
});

function variant(name, summary, changes) {
  return Object.freeze({ ...good, name, summary, ...changes });
}

const INVALID_STATE = Object.freeze({ outcome: 'scalekit-error', error: 'invalid_state' });

export const SCENARIOS = Object.freeze({
  good,
  'vendor-default': variant('vendor-default',
    'Scalekit on its auto-generated production domain; no custom domain, so the "Powered by" footer stays.',
    { authHost: HOSTS.vendorDefaultAuth, poweredByFooter: true }),
  'dev-env': variant('dev-env',
    'Scalekit development environment (.scalekit.dev) used by the live flow.',
    { authHost: HOSTS.developmentAuth, poweredByFooter: true }),
  unbranded: variant('unbranded',
    'Consent page with the vendor logo, favicon and colours and a "Powered by Scalekit" footer.',
    { branding: BRANDINGS.vendorDefault, poweredByFooter: true }),
  'slug-name': variant('slug-name',
    'The MCP server display name is a deployment slug.',
    { serverName: 'mcp-prod-v2' }),
  'favicon-broken': variant('favicon-broken',
    'Branded consent page whose favicon link answers 404.',
    { faviconBroken: true }),
  'state-altered': variant('state-altered',
    'The login service changes one character of Scalekit\'s state before sending the user back.',
    { stateOnReturn: 'altered', expected: INVALID_STATE }),
  'state-double-encoded': variant('state-double-encoded',
    'Scalekit\'s state contains + / =, and the login service percent-encodes it twice on the way back.',
    { internalStateAlphabet: 'base64', stateOnReturn: 'double-encoded', expected: INVALID_STATE }),
  'lri-dropped': variant('lri-dropped',
    'Scalekit\'s redirect to the login endpoint lacks login_request_id; the login page answers 400.',
    { loginRequestIdInRedirect: false, expected: Object.freeze({ outcome: 'login-rejected', status: 400 }) }),
  'http-hop': variant('http-hop',
    'The login endpoint is plain http://login.acme.test/login.',
    { loginScheme: 'http' }),
  'token-in-fragment': variant('token-in-fragment',
    'After consent Scalekit sends the browser to the client callback with #access_token=… (implicit style).',
    { consentResponse: 'fragment-token' }),
  'no-pkce': variant('no-pkce',
    'The client sends no code_challenge and the authorization server issues a code anyway.',
    { clientSendsPkce: false, serverRequiresPkce: false }),
  'lax-tokens': variant('lax-tokens',
    'A careless server: the token endpoint redeems a code twice, and the MCP server trusts any well-formed JWT (no signature or expiry check) and a session id without a token.',
    { acceptsReplayedCodes: true, mcpTrustsUnverifiedJwts: true, mcpSessionsAuthenticate: true }),
  'registration-refused': variant('registration-refused',
    'Dynamic client registration is refused with invalid_client_metadata; only pre-registered clients work.',
    {
      registrationRefused: true,
      expected: Object.freeze({
        outcome: 'client-error',
        error: 'POST https://auth.acme.test/api/v1/resources/res_123456789/clients:register answered 400',
      }),
    }),
  'xss-name': variant('xss-name',
    'The server display name carries an HTML payload; the consent page must show it as text.',
    { serverName: '<img src=x onerror=alert(1)>Acme Calendar' }),
});

export const SCENARIO_NAMES = Object.freeze(Object.keys(SCENARIOS));

export function scenarioNamed(name) {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  return scenario;
}
