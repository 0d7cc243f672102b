// The extension records each simulated scenario by itself (no button pressed) and its popup
// shows the checks each scenario concerns with the expected status. Rule ids are the
// report contract; rules still being written are skipped (see extension-support.mjs).

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { expectChecks, openPopup, recordFlow, timelineRoles } from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

/** Every automated check of the good flow passes. */
const GOOD = {
  'capture-complete': 'pass',
  'env-production': 'pass',
  'https-everywhere': 'pass',
  'custom-domain-authorize': 'pass',
  'custom-domain-pages': 'pass',
  'byoa-login-endpoint': 'pass',
  'byoa-state-roundtrip': 'pass',
  'byoa-callback': 'pass',
  'oauth-pkce-s256': 'pass',
  'oauth-state': 'pass',
  'oauth-redirect-uri': 'pass',
  'oauth-authorization-response': 'pass',
  'oauth-iss': 'pass',
  'oauth-resource-indicator': 'pass',
  'oauth-no-tokens-in-url': 'pass',
  'branding-logo': 'pass',
  'branding-favicon': 'pass',
  'branding-colors': ['pass', 'manual'],
  'branding-app-name': 'pass',
  'branding-vendor-mark': 'pass',
};

const BAD = ['fail', 'warn'];

/** What each scenario breaks, by rule id. */
const SCENARIO_CHECKS = {
  'vendor-default': { 'custom-domain-authorize': 'fail', 'custom-domain-pages': 'fail', 'env-production': 'pass', 'branding-vendor-mark': BAD },
  'dev-env': { 'env-production': 'fail', 'custom-domain-authorize': 'fail' },
  // The vendor-default favicon is served from the customer's domain here, so the favicon
  // check cannot tell it from the customer's own: not asserted.
  unbranded: { 'branding-logo': BAD, 'branding-vendor-mark': BAD, 'oauth-pkce-s256': 'pass' },
  'slug-name': { 'branding-app-name': BAD, 'oauth-pkce-s256': 'pass' },
  'favicon-broken': { 'branding-favicon': BAD },
  'state-altered': { 'byoa-state-roundtrip': 'fail' },
  'state-double-encoded': { 'byoa-state-roundtrip': 'fail' },
  'lri-dropped': { 'byoa-login-endpoint': 'fail' },
  'http-hop': { 'https-everywhere': 'fail', 'custom-domain-authorize': 'pass' },
  'token-in-fragment': { 'oauth-no-tokens-in-url': 'fail', 'oauth-authorization-response': BAD },
  'no-pkce': { 'oauth-pkce-s256': 'fail', 'custom-domain-authorize': 'pass' },
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
    await expectChecks(popup, checks, testInfo);
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

async function streamText(stream) {
  const parts = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}
