// The statuses the extension must show for each simulated scenario, in every browser: one table
// for Chromium and Firefox (extension.spec.mjs runs in both). A status that differs between the
// browsers is a bug to fix, or a browser limit documented in extension/README.md and pinned by a
// test of its own; it never gets a per-browser entry here.

/**
 * The exact status of every automated check on the good flow. custom-domain-metadata and
 * mcp-discovery read the metadata documents' bodies, which webRequest never shows: the popup
 * fetches them itself (credential-free GETs of the URLs the flow requested).
 */
export const GOOD = {
  'capture-complete': 'pass',
  'env-production': 'pass',
  'https-everywhere': 'pass',
  cors: 'pass',
  'custom-domain-authorize': 'pass',
  'custom-domain-pages': 'pass',
  'custom-domain-metadata': 'pass',
  hsts: 'pass',
  'branding-logo': 'pass',
  'branding-favicon': 'pass',
  'branding-colors': 'pass',
  'branding-app-name': 'pass',
  'branding-vendor-mark': 'pass',
  'byoa-login-endpoint': 'pass',
  'byoa-handoff-server-side': 'pass',
  'byoa-state-roundtrip': 'pass',
  'byoa-timing': 'pass',
  'byoa-callback': 'pass',
  'oauth-pkce-s256': 'pass',
  'oauth-state': 'pass',
  'oauth-resource-indicator': 'pass',
  'oauth-redirect-uri': 'pass',
  'oauth-authorization-response': 'pass',
  'oauth-iss': 'pass',
  'oauth-no-tokens-in-url': 'pass',
  'oauth-consent-shown': 'pass',
  'oauth-token-exchange': 'pass',
  'cookies-flags': 'pass',
  clickjacking: 'pass',
  'mixed-content': 'pass',
  'referrer-policy': 'pass',
  'network-allowlist': 'pass',
  'mcp-401-challenge': 'pass',
  'mcp-discovery': 'pass',
  // What a client that runs the flow itself checks (`flowlens connect`): the extension keeps no
  // response body (no token response, no JSON-RPC answer) and the browser client makes no
  // active checks. The session id the server issued is a header, which the extension sees.
  'oauth-token-response': 'not-observed',
  'oauth-code-replay': 'not-observed',
  'oauth-refresh': 'not-observed',
  'mcp-authorized-call': 'not-observed',
  'mcp-invalid-token': 'not-observed',
  'mcp-session-id': 'pass',
};

/** A flow that stops before the consent page: nothing there to judge. */
const NO_CONSENT_PAGE = {
  'branding-logo': 'not-observed',
  'branding-favicon': 'not-observed',
  'branding-colors': 'not-observed',
  'branding-app-name': 'not-observed',
  'branding-vendor-mark': 'not-observed',
  'oauth-consent-shown': 'not-observed',
};

/**
 * A flow that never reaches the client's callback: state and redirect_uri are unverified (a
 * warning: the flow did not complete), the authorization response is an error page.
 */
const NO_CALLBACK = {
  ...NO_CONSENT_PAGE,
  'oauth-state': 'warn',
  'oauth-redirect-uri': 'warn',
  'oauth-authorization-response': 'fail',
  'oauth-iss': 'not-observed',
  'oauth-token-exchange': 'not-observed',
  'mcp-session-id': 'not-observed',
};

/**
 * What each scenario changes, by rule id: every other automated check has its GOOD status.
 * Vendor footers are warnings (removing them is a paid add-on), vendor logos and favicons fail.
 */
export const SCENARIO_CHECKS = {
  // The metadata the client read names the vendor host: the popup reads it too (it fetches it).
  'vendor-default': {
    'custom-domain-authorize': 'fail', 'custom-domain-pages': 'fail', 'custom-domain-metadata': 'fail',
    hsts: 'not-observed', 'branding-vendor-mark': 'warn',
  },
  'dev-env': {
    'env-production': 'fail', 'custom-domain-authorize': 'fail', 'custom-domain-pages': 'fail',
    'custom-domain-metadata': 'fail', hsts: 'not-observed', 'branding-vendor-mark': 'warn',
  },
  // The vendor's default logo and favicon come from cdn.scalekit.com, as on unbranded hosted pages.
  unbranded: { 'branding-logo': 'fail', 'branding-favicon': 'fail', 'branding-vendor-mark': 'warn' },
  'slug-name': { 'branding-app-name': 'fail' },
  'favicon-broken': { 'branding-favicon': 'fail' },
  'state-altered': { ...NO_CALLBACK, 'byoa-state-roundtrip': 'fail' },
  'state-double-encoded': { ...NO_CALLBACK, 'byoa-state-roundtrip': 'fail' },
  // Still a BYOA flow (the login endpoint was reached, without login_request_id).
  'lri-dropped': {
    ...NO_CALLBACK,
    'byoa-login-endpoint': 'fail',
    'custom-domain-pages': 'not-observed',
    'byoa-state-roundtrip': 'not-observed',
    'byoa-timing': 'not-observed',
    'byoa-callback': 'not-observed',
    clickjacking: 'not-observed',
  },
  'http-hop': { 'https-everywhere': 'fail' },
  // The metadata (read by the popup too) advertises iss, and the fragment carries none.
  'token-in-fragment': {
    'oauth-authorization-response': 'fail', 'oauth-iss': 'fail', 'oauth-no-tokens-in-url': 'fail',
    'oauth-token-exchange': 'not-observed',
  },
  'no-pkce': { 'oauth-pkce-s256': 'fail', 'oauth-token-exchange': 'fail' },
};
