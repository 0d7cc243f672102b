// The harness with an extension loaded: a tiny probe extension (probe-extension/) stands in for Flowlens
// so launchBrowser({ extensionPath }), extensionId() and the service-worker access are proven before the
// real extension exists. Specs for Flowlens itself use extensionPath: REPO_ROOT.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '../fixtures.mjs';
import {
  allowExtensionInIncognito, extensionId, extensionServiceWorker, launchBrowser, runFlow,
} from '../harness.mjs';

const PROBE_EXTENSION = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../probe-extension');

test.use({ extensionPath: PROBE_EXTENSION });

/**
 * The probe's service worker once its webRequest listeners are registered. The worker target can show up
 * before its script has run; a flow started then would lose its first events.
 */
async function listeningProbe(context) {
  const worker = await extensionServiceWorker(context);
  await expect.poll(() => worker.evaluate(() => chrome.webRequest.onCompleted.hasListeners())).toBe(true);
  return worker;
}

test('an unpacked MV3 extension loads and its webRequest listener sees every hop of the flow', async ({ context, page }) => {
  const id = await extensionId(context);
  expect(id).toMatch(/^[a-p]{32}$/);

  const worker = await listeningProbe(context);
  const result = await runFlow(page, 'state-altered');
  expect(result.outcome).toBe('scalekit-error');

  await expect.poll(async () => {
    const { hops = [] } = await worker.evaluate(() => chrome.storage.session.get('hops'));
    return hops.map((hop) => `${hop.status} ${new URL(hop.url).host}${new URL(hop.url).pathname}`);
  }).toEqual([
    '200 app.acme.test/',
    '302 auth.acme.test/oauth/authorize',
    '200 login.acme.test/login',
    '303 login.acme.test/login/submit',
    '302 auth.acme.test/sso/v1/connections/conn_987654321/partner:callback',
    '400 auth.acme.test/a/auth/error',
  ]);
});

test('extension pages open as tabs at chrome-extension://ID/', async ({ context, page }) => {
  const id = await extensionId(context);
  await page.goto(`chrome-extension://${id}/manifest.json`);
  await expect(page.locator('body')).toContainText('Flowlens e2e probe');
});

test('incognito: once allowed, the extension sees a flow that runs in an incognito tab', async () => {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'flowlens-incognito-'));
  try {
    const normal = await launchBrowser({ extensionPath: PROBE_EXTENSION, userDataDir });
    const id = await extensionId(normal);
    await allowExtensionInIncognito(normal, id);
    await normal.close();

    const incognito = await launchBrowser({ extensionPath: PROBE_EXTENSION, userDataDir, incognito: true });
    try {
      const worker = await listeningProbe(incognito);
      const result = await runFlow(incognito.pages()[0] ?? await incognito.newPage(), 'good');
      expect(result.outcome).toBe('authorized');
      await expect.poll(() => worker.evaluate(async () => {
        const { hops = [] } = await chrome.storage.session.get('hops');
        const tabs = await Promise.all(hops.map((hop) => chrome.tabs.get(hop.tabId).catch(() => null)));
        return { count: hops.length, incognito: tabs.every((tab) => tab?.incognito === true) };
      })).toEqual({ count: 8, incognito: true });
    } finally {
      await incognito.close();
    }
  } finally {
    await rm(userDataDir, { recursive: true, force: true });
  }
});
