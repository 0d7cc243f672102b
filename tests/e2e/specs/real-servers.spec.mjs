// Real open-source authorization servers, installed unmodified from npm, driven through real
// flows in headless Chromium with the extension: oidc-provider (its own sign-in and consent
// pages; the code flow, and response_mode=form_post) and OpenAuth (passwordless: an email form,
// then a one-time-code form; the code flow, and the implicit flow with tokens in the fragment).
//
// The popup must show the exact status docs/real-servers.md gives every check, and the HAR of
// the same run, read by `flowlens check`, the same status wherever a HAR carries the same
// evidence (the doc says where it cannot, and why).

import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect } from '../fixtures.mjs';
import { REPO_ROOT, RUN_DIR } from '../harness.mjs';
import { startRealServers } from '../real/environment.mjs';
import { oidcProviderFlow, openauthFlow } from '../real/flows.mjs';
import { expectedStatuses } from '../real/expected.mjs';
import {
  cliReport, extensionReady, openPopup, recordingOf, tabIdOf, waitForRecording,
} from './extension-support.mjs';

const test = base.extend({
  realServers: [async ({}, use) => {
    const env = await startRealServers();
    await use(env);
    await env.stop();
  }, { scope: 'worker' }],
  hostMap: async ({ realServers }, use) => use(realServers.hostMap),
});

test.use({ extensionPath: REPO_ROOT });

/** Waits on each page the user acts on until the extension has its snapshot. */
function waitForSnapshots(context) {
  return async (stage, page) => {
    const tabId = await tabIdOf(context, page);
    const url = page.url().split('#')[0];
    await waitForRecording(context, tabId, ({ events }) => events.some(
      (e) => e.kind === 'snapshot' && e.snapshot?.url?.split('#')[0] === url,
    ), { timeout: 15_000, message: `the snapshot of the ${stage} page` });
  };
}

/** Every automated check's status in the popup, by id. */
async function popupStatuses(popup) {
  return Object.fromEntries(await popup.locator('[data-check]:not(.manual)').evaluateAll(
    (checks) => checks.filter((c) => c.dataset.status !== 'manual').map((c) => [c.dataset.check, c.dataset.status]),
  ));
}

const FLOWS = [
  { name: 'oidc-provider code flow', table: 'oidc-provider-code', run: (page, env, beforeAction) => oidcProviderFlow(page, env, { beforeAction }) },
  { name: 'oidc-provider form_post', table: 'oidc-provider-form-post', run: (page, env, beforeAction) => oidcProviderFlow(page, env, { responseMode: 'form_post', beforeAction }) },
  { name: 'OpenAuth passwordless code flow', table: 'openauth-code', run: (page, env, beforeAction) => openauthFlow(page, env, { beforeAction }) },
  { name: 'OpenAuth implicit flow', table: 'openauth-implicit', run: (page, env, beforeAction) => openauthFlow(page, env, { responseType: 'token', beforeAction }) },
];

for (const flow of FLOWS) {
  test(`${flow.name}: the popup and the CLI give the documented statuses`, async ({ context, page, realServers }, testInfo) => {
    await extensionReady(context);
    const result = await flow.run(page, realServers, waitForSnapshots(context));
    expect(result.done, result.result).toBe('ok');
    const tabId = await tabIdOf(context, page);
    // The recorder saw the callback (it records a few seconds more for the token request).
    await waitForRecording(context, tabId, ({ state }) => Boolean(state) && state.phase !== 'recording',
      { timeout: 30_000, message: 'the recorder saw the callback' });

    const popup = await openPopup(context, tabId);
    // What a user sees first, and the branding checks the real pages were judged on.
    await popup.setViewportSize({ width: 800, height: 1000 });
    for (const [part, locator] of [['first-screen', null], ['branding', popup.locator('[data-section="consent-screen-branding"]')], ['core', popup.locator('[data-section="core-auth-flows"]')]]) {
      const shot = path.join(RUN_DIR, `popup-${flow.table}-${part}.png`);
      if (locator) await locator.screenshot({ path: shot });
      else await popup.screenshot({ path: shot });
      await testInfo.attach(`popup ${part}`, { path: shot, contentType: 'image/png' });
    }
    const shown = await popupStatuses(popup);
    const expected = expectedStatuses(flow.table);
    expect(shown, 'popup statuses (docs/real-servers.md)').toEqual(expected.popup);

    // The same flow from its HAR fixture, read by the CLI.
    const har = path.join(REPO_ROOT, 'crates/flowlens-cli/tests/fixtures/real', `${flow.table}.har`);
    const cli = cliReport(har);
    const latest = Math.max(...cli.flows.map((f) => f.index));
    const fromHar = Object.fromEntries(cli.checks.filter((c) => c.flow === latest).map((c) => [c.id, c.status]));
    expect(fromHar, 'CLI statuses on the recorded HAR (docs/real-servers.md)').toEqual(expected.cli);
    const { events } = await recordingOf(context, tabId);
    expect(events.length).toBeGreaterThan(0);
  });
}

test('the recorded HAR fixtures exist for every real flow', () => {
  for (const flow of FLOWS) {
    expect(fs.existsSync(path.join(REPO_ROOT, 'crates/flowlens-cli/tests/fixtures/real', `${flow.table}.har`)), flow.table).toBe(true);
  }
});
