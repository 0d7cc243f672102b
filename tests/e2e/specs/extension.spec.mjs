// The extension records each simulated scenario by itself (no button pressed) and its popup
// shows the checks each scenario concerns with the expected status. Rule ids are the
// report contract; rules still being written are skipped (see extension-support.mjs).

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { expectChecks, openPopup, recordFlow, timelineRoles } from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

/**
 * The exact status of every automated check on the good flow. custom-domain-metadata and
 * mcp-discovery read the metadata documents' bodies, which webRequest never shows: the popup
 * fetches them itself (credential-free GETs of the URLs the flow requested).
 */
const GOOD = {
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
};

/**
 * What each scenario changes, by rule id: every other automated check has its GOOD status.
 * Vendor footers are warnings (removing them is a paid add-on), vendor logos and favicons fail.
 */
const SCENARIO_CHECKS = {
  'vendor-default': {
    'custom-domain-authorize': 'fail', 'custom-domain-pages': 'fail', hsts: 'not-observed', 'branding-vendor-mark': 'warn',
  },
  'dev-env': {
    'env-production': 'fail', 'custom-domain-authorize': 'fail', 'custom-domain-pages': 'fail', hsts: 'not-observed',
    'branding-vendor-mark': 'warn',
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
  'token-in-fragment': {
    'oauth-authorization-response': 'fail', 'oauth-iss': 'warn', 'oauth-no-tokens-in-url': 'fail',
    'oauth-token-exchange': 'not-observed',
  },
  'no-pkce': { 'oauth-pkce-s256': 'fail', 'oauth-token-exchange': 'fail' },
};

test('the good custom-domain BYOA flow: every automated check passes, none fails', async ({ context, page }, testInfo) => {
  const flow = await recordFlow(context, page, 'good');
  expect(flow.outcome).toBe('finished');
  const popup = await openPopup(context, flow.tabId);
  await expect(popup.locator('[data-check]').first()).toBeVisible();
  const failing = await popup.locator('[data-status="fail"]').evaluateAll((checks) => checks.map(
    (c) => `${c.dataset.check}: ${c.querySelector('.check-summary')?.textContent}`));
  expect(failing, 'no check fails').toEqual([]);
  await expectChecks(popup, GOOD, testInfo);
  await expectNoOtherAutomatedChecks(popup, GOOD);

  const roles = await timelineRoles(popup);
  for (const role of ['mcp-request', 'authorize', 'byoa-login', 'byoa-callback', 'consent-page', 'client-callback']) {
    expect(roles, `timeline has ${role}`).toContain(role);
  }
  // Secrets are masked in the timeline; the consent screenshot is kept as evidence.
  await expect(popup.locator('#timeline')).toContainText('code=[code:');
  await expect(popup.locator('#screenshot img')).toHaveAttribute('src', /^data:image\/jpeg;base64,/);
  await expect(popup.locator('#pages')).toContainText('Acme Calendar');
});

for (const [scenario, checks] of Object.entries(SCENARIO_CHECKS)) {
  test(`scenario ${scenario}`, async ({ context, page }, testInfo) => {
    const flow = await recordFlow(context, page, scenario);
    const popup = await openPopup(context, flow.tabId);
    await expect(popup.locator('[data-check]').first()).toBeAttached();
    await expectChecks(popup, { ...GOOD, ...checks }, testInfo);
    await expectNoOtherAutomatedChecks(popup, GOOD);
  });
}

test('a server name that is an XSS payload is shown as text', async ({ context, page }) => {
  const payload = '<img src=x onerror=alert(1)>Acme Calendar';
  const dialogs = [];
  context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
  const flow = await recordFlow(context, page, 'xss-name');
  expect(flow.dialogs).toEqual([]);
  const popup = await openPopup(context, flow.tabId);
  popup.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await expect(popup.locator('#pages')).toContainText(payload);
  await expect(popup.locator('img[src="x"]')).toHaveCount(0);
  const images = await popup.locator('img').evaluateAll((all) => all.map((img) => img.closest('#screenshot') !== null));
  expect(images.every(Boolean), 'the only image is the consent screenshot').toBe(true);
  expect(dialogs).toEqual([]);
});

test('exports the report as JSON and Markdown without any network request', async ({ context, page }) => {
  const flow = await recordFlow(context, page, 'good');
  const popup = await openPopup(context, flow.tabId);
  const requests = [];
  popup.on('request', (r) => { if (!r.url().startsWith('chrome-extension:') && !r.url().startsWith('blob:')) requests.push(r.url()); });
  const [json] = await Promise.all([popup.waitForEvent('download'), popup.click('#export-json')]);
  const report = JSON.parse(await streamText(await json.createReadStream()));
  expect(report.schema).toBe('flowlens.report/v1');
  expect(report.source.kind).toBe('extension');
  const [md] = await Promise.all([popup.waitForEvent('download'), popup.click('#export-markdown')]);
  expect(await streamText(await md.createReadStream())).toContain('# Flowlens go-live checklist');
  expect(requests).toEqual([]);
});

/** Every automated check shown is one of `expected` (a new rule must be added here). */
async function expectNoOtherAutomatedChecks(popup, expected) {
  const shown = await popup.locator('[data-check]:not([data-status="manual"]):not(.manual)')
    .evaluateAll((checks) => checks.map((c) => c.dataset.check));
  expect(shown.filter((id) => !(id in expected)), 'automated checks without an expected status').toEqual([]);
}

async function streamText(stream) {
  const parts = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}
