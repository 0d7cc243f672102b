// The simulated environment on its own (no extension): every scenario runs in headless Chromium and the
// traffic and pages show what the scenario claims. Extension specs build on the same flows.

import { test, expect } from '../fixtures.mjs';
import { HOSTS, SCENARIOS, SCENARIO_NAMES, recordTraffic, runFlow } from '../harness.mjs';

const ISSUER = (host) => `https://${host}/resources/res_123456789`;
const AS_METADATA_PATH = '/.well-known/oauth-authorization-server/resources/res_123456789';

/** First recorded entry with this method whose URL starts with the prefix. */
function find(entries, method, urlPrefix) {
  return entries.find((entry) => entry.method === method && entry.url.startsWith(urlPrefix));
}

function navigationTo(result, method, urlPrefix) {
  return result.navigations.find((hop) => hop.method === method && hop.url.startsWith(urlPrefix));
}

function hostsOf(result) {
  return [...new Set(result.navigations.map((hop) => new URL(hop.url).host))];
}

/** Runs a scenario while recording all traffic; returns the flow result plus the traffic entries. */
async function runRecorded(page, scenario, options) {
  const traffic = recordTraffic(page);
  const result = await runFlow(page, scenario, options);
  return { result, traffic: await traffic.stop() };
}

test.describe('every scenario ends the way it is declared', () => {
  for (const name of SCENARIO_NAMES) {
    test(name, async ({ page }) => {
      const result = await runFlow(page, name);
      const { expected } = SCENARIOS[name];
      expect(result.outcome, result.resultText ?? result.error).toBe(expected.outcome);
      if (expected.error) expect(result.error).toBe(expected.error);
      if (expected.status) expect(result.status).toBe(expected.status);
      if (expected.outcome === 'authorized') expect(result.resultText).toContain('authorized as alice@acme.test');
      expect(result.dialogs).toEqual([]);
    });
  }
});

test('good: discovery, registration, BYOA hops, consent and token all on the custom domain', async ({ page }) => {
  const { result, traffic } = await runRecorded(page, 'good');
  expect(result.outcome).toBe('authorized');

  // The client's own requests, in order: 401 → PRM → AS metadata (path-inserted form) → DCR → token → MCP.
  const fetches = traffic.filter((entry) => entry.resourceType === 'fetch').map((entry) => `${entry.method} ${entry.url} ${entry.status}`);
  expect(fetches).toEqual([
    'POST https://mcp.acme.test/mcp 401',
    'GET https://mcp.acme.test/.well-known/oauth-protected-resource/mcp 200',
    `GET https://auth.acme.test${AS_METADATA_PATH} 200`,
    'POST https://auth.acme.test/api/v1/resources/res_123456789/clients:register 201',
    'POST https://auth.acme.test/oauth/token 200',
    'POST https://mcp.acme.test/mcp 200',
  ]);
  const challenge = find(traffic, 'POST', 'https://mcp.acme.test/mcp');
  expect(challenge.responseHeaders['www-authenticate']).toBe(
    'Bearer realm="OAuth", resource_metadata="https://mcp.acme.test/.well-known/oauth-protected-resource/mcp", scope="calendar:read"');
  expect(challenge.responseHeaders['access-control-expose-headers']).toContain('WWW-Authenticate');
  const tokenResponse = find(traffic, 'POST', 'https://auth.acme.test/oauth/token');
  expect(tokenResponse.responseHeaders['cache-control']).toBe('no-store');
  expect(tokenResponse.postData).toMatch(/code_verifier=[\w-]{43}/);
  expect(tokenResponse.postData).toContain('resource=https%3A%2F%2Fmcp.acme.test%2Fmcp');

  // Top-level hops: authorize → 302 login (lri + Scalekit state) → POST 303 partner:callback → 302 consent → 303 callback.
  const authorize = navigationTo(result, 'GET', 'https://auth.acme.test/oauth/authorize');
  const authorizeQuery = new URL(authorize.url).searchParams;
  expect(authorizeQuery.get('code_challenge_method')).toBe('S256');
  expect(authorizeQuery.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  expect(authorizeQuery.get('resource')).toBe('https://mcp.acme.test/mcp');
  expect(authorize.status).toBe(302);
  const loginUrl = new URL(authorize.location);
  expect(loginUrl.origin).toBe('https://login.acme.test');
  expect(loginUrl.searchParams.get('login_request_id')).toMatch(/^lri_\d{17}$/);
  const scalekitState = loginUrl.searchParams.get('state');
  expect(scalekitState).toMatch(/^[A-Za-z0-9_-]{50}$/);
  expect(scalekitState).toMatch(/-/);
  expect(scalekitState).toMatch(/_/);

  const submit = navigationTo(result, 'POST', 'https://login.acme.test/login/submit');
  expect(submit.status).toBe(303);
  const callback = new URL(submit.location);
  expect(callback.href.startsWith('https://auth.acme.test/sso/v1/connections/conn_987654321/partner:callback?')).toBe(true);
  expect(callback.searchParams.get('state')).toBe(scalekitState);

  const consentPost = navigationTo(result, 'POST', 'https://auth.acme.test/oauth/consent');
  expect(consentPost.status).toBe(303);
  const clientCallback = new URL(consentPost.location);
  expect(clientCallback.origin + clientCallback.pathname).toBe('https://app.acme.test/callback');
  expect(clientCallback.searchParams.get('code')).toBeTruthy();
  expect(clientCallback.searchParams.get('state')).toBe(authorizeQuery.get('state'));
  expect(clientCallback.searchParams.get('iss')).toBe(ISSUER(HOSTS.customDomainAuth));
  expect(result.navigations.every((hop) => hop.url.startsWith('https://'))).toBe(true);
  expect(hostsOf(result).filter((host) => host.includes('scalekit'))).toEqual([]);

  // Security headers and the session cookie on Scalekit's pages.
  const consentPage = find(traffic, 'GET', 'https://auth.acme.test/oauth/consent');
  expect(consentPage.responseHeaders['strict-transport-security']).toContain('max-age=');
  expect(consentPage.responseHeaders['x-frame-options']).toBe('DENY');
  expect(consentPage.responseHeaders['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(consentPage.responseHeaders['referrer-policy']).toBe('no-referrer');
  const authorizeEntry = find(traffic, 'GET', 'https://auth.acme.test/oauth/authorize');
  expect(authorizeEntry.responseHeaders['set-cookie']).toMatch(
    /^__Host-sk_session=[\w-]+; Secure; HttpOnly; SameSite=Lax; Path=\/$/);

  // Branded consent page.
  expect(result.consent).toMatchObject({
    title: 'Authorize Acme Calendar · Acme',
    serverName: 'Acme Calendar',
    branding: 'brand',
    poweredBy: false,
    logoSrc: 'https://auth.acme.test/assets/acme-logo.png',
    faviconHref: 'https://auth.acme.test/assets/acme-favicon.png',
    primaryButtonColor: 'rgb(194, 65, 12)',
    redirectHost: 'app.acme.test',
  });
});

test('good: the branded logo and favicon are real images', async ({ page }) => {
  await runFlow(page, 'good', {
    stopAt: 'consent',
    onConsent: async () => {
      await expect.poll(() => page.evaluate(() => document.querySelector('#logo').naturalWidth)).toBe(64);
      const favicon = await page.evaluate(async () => {
        const response = await fetch(document.querySelector('link[rel="icon"]').href);
        return { status: response.status, type: response.headers.get('content-type') };
      });
      expect(favicon).toEqual({ status: 200, type: 'image/png' });
    },
  });
});

for (const [name, authHost] of [['vendor-default', HOSTS.vendorDefaultAuth], ['dev-env', HOSTS.developmentAuth]]) {
  test(`${name}: Scalekit answers on ${authHost} in discovery and in the page chain`, async ({ page }) => {
    const { result, traffic } = await runRecorded(page, name);
    expect(result.outcome).toBe('authorized');
    expect(find(traffic, 'GET', `https://${authHost}${AS_METADATA_PATH}`)?.status).toBe(200);
    expect(hostsOf(result)).toEqual([HOSTS.client, authHost, HOSTS.login]);
    expect(navigationTo(result, 'GET', `https://${authHost}/oauth/authorize`)).toBeTruthy();
    expect(navigationTo(result, 'GET', `https://${authHost}/sso/v1/connections/conn_987654321/partner:callback`)).toBeTruthy();
    expect(result.consent.url.startsWith(`https://${authHost}/oauth/consent`)).toBe(true);
    expect(new URL(result.finalUrl).searchParams.get('iss')).toBe(ISSUER(authHost));
    expect(result.consent.poweredBy).toBe(true);
  });
}

test('unbranded: vendor logo, favicon, colours and "Powered by Scalekit"', async ({ page }) => {
  const result = await runFlow(page, 'unbranded', {
    onConsent: async () => {
      await expect(page.locator('#powered-by')).toHaveText('Powered by Scalekit');
      await expect.poll(() => page.evaluate(() => document.querySelector('#logo').naturalWidth)).toBeGreaterThan(0);
    },
  });
  expect(result.consent).toMatchObject({
    branding: 'vendor-default',
    title: 'Authorize access',
    logoSrc: 'https://cdn.scalekit.com/static/scalekit-logo.svg',
    faviconHref: 'https://cdn.scalekit.com/static/scalekit-favicon.ico',
    poweredBy: true,
    primaryButtonColor: 'rgb(79, 70, 229)',
    backgroundColor: 'rgb(244, 244, 245)',
  });
});

test('slug-name: the consent page names the server "mcp-prod-v2"', async ({ page }) => {
  const result = await runFlow(page, 'slug-name');
  expect(result.consent.serverName).toBe('mcp-prod-v2');
  expect(result.consent.title).toContain('mcp-prod-v2');
});

test('favicon-broken: the favicon link answers 404', async ({ page }) => {
  await runFlow(page, 'favicon-broken', {
    stopAt: 'consent',
    onConsent: async () => {
      const status = await page.evaluate(async () => (await fetch(document.querySelector('link[rel="icon"]').href)).status);
      expect(status).toBe(404);
    },
  });
});

test('state-altered: one character differs at partner:callback and Scalekit shows invalid_state', async ({ page }) => {
  const result = await runFlow(page, 'state-altered');
  const sent = new URL(navigationTo(result, 'GET', 'https://auth.acme.test/oauth/authorize').location).searchParams.get('state');
  const returned = new URL(navigationTo(result, 'POST', 'https://login.acme.test/login/submit').location).searchParams.get('state');
  expect(returned).toHaveLength(sent.length);
  expect([...sent].filter((ch, i) => ch !== returned[i])).toHaveLength(1);
  expect(result.finalUrl).toBe('https://auth.acme.test/a/auth/error?error=invalid_state');
  await expect(page).toHaveTitle('Something went wrong');
  await expect(page.locator('#error-code')).toHaveText('invalid_state');
  expect(result.consent).toBeNull();
});

test('state-double-encoded: the state comes back percent-encoded twice and is rejected', async ({ page }) => {
  const result = await runFlow(page, 'state-double-encoded');
  const loginLocation = navigationTo(result, 'GET', 'https://auth.acme.test/oauth/authorize').location;
  expect(loginLocation).toMatch(/state=[^&]*%(2B|2F|3D)/);
  const callbackUrl = navigationTo(result, 'POST', 'https://login.acme.test/login/submit').location;
  expect(callbackUrl).toMatch(/state=[^&]*%25(2B|2F|3D)/);
  const sent = new URL(loginLocation).searchParams.get('state');
  const returnedOnceDecoded = new URL(callbackUrl).searchParams.get('state');
  expect(returnedOnceDecoded).not.toBe(sent);
  expect(decodeURIComponent(returnedOnceDecoded)).toBe(sent);
  expect(result.outcome).toBe('scalekit-error');
  expect(result.error).toBe('invalid_state');
});

test('lri-dropped: the login hop lacks login_request_id and the login page answers 400', async ({ page }) => {
  const result = await runFlow(page, 'lri-dropped');
  const loginHop = navigationTo(result, 'GET', 'https://login.acme.test/login');
  expect(new URL(loginHop.url).searchParams.has('login_request_id')).toBe(false);
  expect(new URL(loginHop.url).searchParams.get('state')).toBeTruthy();
  expect(loginHop.status).toBe(400);
  expect(result.outcome).toBe('login-rejected');
  await expect(page.locator('#login-error')).toContainText('login_request_id');
});

test('http-hop: the login page and its form post travel over plain http', async ({ page }) => {
  const result = await runFlow(page, 'http-hop');
  expect(navigationTo(result, 'GET', 'http://login.acme.test/login?')?.status).toBe(200);
  expect(navigationTo(result, 'POST', 'http://login.acme.test/login/submit')?.status).toBe(303);
  expect(result.navigations.filter((hop) => hop.url.startsWith('http:')).map((hop) => new URL(hop.url).host))
    .toEqual([HOSTS.login, HOSTS.login]);
  expect(result.outcome).toBe('authorized');
});

test('token-in-fragment: consent redirects with #access_token= and no token request is made', async ({ page }) => {
  const { result, traffic } = await runRecorded(page, 'token-in-fragment');
  const consentPost = navigationTo(result, 'POST', 'https://auth.acme.test/oauth/consent');
  expect(consentPost.location).toMatch(/^https:\/\/app\.acme\.test\/callback#access_token=[\w-]+\.[\w-]+\.[\w-]+&token_type=Bearer/);
  expect(result.frameUrls.at(-1)).toContain('#access_token=');
  expect(find(traffic, 'POST', 'https://auth.acme.test/oauth/token')).toBeUndefined();
  expect(result.outcome).toBe('authorized');
});

test('no-pkce: no code_challenge is sent and the authorization server still issues a code', async ({ page }) => {
  const { result, traffic } = await runRecorded(page, 'no-pkce');
  const authorizeQuery = new URL(navigationTo(result, 'GET', 'https://auth.acme.test/oauth/authorize').url).searchParams;
  expect(authorizeQuery.has('code_challenge')).toBe(false);
  expect(authorizeQuery.has('code_challenge_method')).toBe(false);
  expect(new URL(result.finalUrl).searchParams.get('code')).toBeTruthy();
  expect(find(traffic, 'POST', 'https://auth.acme.test/oauth/token').postData).not.toContain('code_verifier');
  expect(result.outcome).toBe('authorized');
});

test('xss-name: the payload is shown as text and never runs', async ({ page }) => {
  const payload = SCENARIOS['xss-name'].serverName;
  const dialogs = [];
  page.on('dialog', (dialog) => dialogs.push(dialog.message()));
  const result = await runFlow(page, 'xss-name', {
    onConsent: async () => {
      await expect(page.locator('#server-name')).toHaveText(payload);
      expect(await page.locator('#server-name img').count()).toBe(0);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
    },
  });
  expect(result.consent.serverName).toBe(payload);
  expect(result.consent.title).toContain('<img src=x onerror=alert(1)>');
  expect(result.outcome).toBe('authorized');
  expect(dialogs).toEqual([]);
  expect(result.dialogs).toEqual([]);
});

test('one simulator keeps concurrent flows of different scenarios apart', async ({ context }) => {
  const pages = await Promise.all([context.newPage(), context.newPage(), context.newPage()]);
  const results = await Promise.all([
    runFlow(pages[0], 'vendor-default'),
    runFlow(pages[1], 'state-altered'),
    runFlow(pages[2], 'dev-env'),
  ]);
  expect(results.map((r) => r.outcome)).toEqual(['authorized', 'scalekit-error', 'authorized']);
  expect(hostsOf(results[0])).toContain(HOSTS.vendorDefaultAuth);
  expect(hostsOf(results[2])).toContain(HOSTS.developmentAuth);
});

test('deny on the consent page returns access_denied to the client', async ({ page }) => {
  const result = await runFlow(page, 'good', { decision: 'deny' });
  const callback = new URL(navigationTo(result, 'POST', 'https://auth.acme.test/oauth/consent').location);
  expect(callback.searchParams.get('error')).toBe('access_denied');
  expect(callback.searchParams.get('iss')).toBe(ISSUER(HOSTS.customDomainAuth));
  expect(result.outcome).toBe('client-error');
  expect(result.error).toContain('access_denied');
});

test('an unregistered client_id gets an error page, not a redirect', async ({ page }) => {
  const response = await page.goto('https://auth.acme.test/oauth/authorize?response_type=code&client_id=m2m_0'
    + '&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=x&code_challenge=abc&code_challenge_method=S256');
  expect(response.status()).toBe(400);
  expect(response.request().redirectedFrom()).toBeNull();
  await expect(page.locator('#error-code')).toHaveText('invalid_client');
});
