// The flow run in an incognito window. "Allow in Incognito" is switched on the way a user
// does it (chrome://extensions), headlessly through chrome.developerPrivate, in a first launch
// of the profile; the second launch starts with --incognito, so its first page is incognito.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, extensionId, launchBrowser } from '../harness.mjs';
import { expectChecks, openPopup, recordFlow, recordingOf, tabIdOf } from './extension-support.mjs';

async function allowInIncognito(userDataDir) {
  const context = await launchBrowser({ extensionPath: REPO_ROOT, userDataDir });
  try {
    const id = await extensionId(context);
    const page = await context.newPage();
    await page.goto(`chrome://extensions/?id=${id}`);
    await page.evaluate(async (extensionId) => {
      // Developer mode first: without it the update disables the unpacked extension.
      await chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true });
      await chrome.developerPrivate.updateExtensionConfiguration({ extensionId, incognitoAccess: true });
    }, id);
    // The change reloads the extension; close the profile only once it is back and saved.
    await expect.poll(() => page.evaluate(async (extensionId) => {
      const info = await chrome.developerPrivate.getExtensionInfo(extensionId);
      return info.state === 'ENABLED' && info.incognitoAccess.isActive;
    }, id), { timeout: 10_000, message: 'the extension is enabled in incognito' }).toBe(true);
  } finally {
    await context.close();
  }
}

test.describe('incognito', () => {
  let userDataDir;
  test.beforeEach(async () => {
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'flowlens-incognito-'));
  });
  test.afterEach(async () => {
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  });

  test('with "Allow in Incognito" on, a flow in an incognito window is recorded', async ({}, testInfo) => {
    await allowInIncognito(userDataDir);
    const context = await launchBrowser({ extensionPath: REPO_ROOT, userDataDir, incognito: true });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const flow = await recordFlow(context, page, 'good');
      expect(flow.outcome).toBe('finished');
      const sw = context.serviceWorkers()[0];
      expect(await sw.evaluate((tab) => chrome.tabs.get(tab).then((t) => t.incognito), flow.tabId)).toBe(true);
      const { state } = await recordingOf(context, flow.tabId);
      expect(state.incognito).toBe(true);

      const popup = await openPopup(context, flow.tabId);
      await expect(popup.locator('#status-line')).toContainText('incognito');
      await expect(popup.locator('#notices')).not.toContainText('not allowed in incognito');
      await expectChecks(popup, { 'custom-domain-authorize': 'pass', 'oauth-pkce-s256': 'pass' }, testInfo);
    } finally {
      await context.close();
    }
  });

  test('with "Allow in Incognito" off, nothing is recorded there and the popup says how to enable it', async () => {
    const context = await launchBrowser({ extensionPath: REPO_ROOT, userDataDir, incognito: true });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const flow = await recordFlow(context, page, 'good').catch((error) => ({ error }));
      // Without access the worker never sees the incognito tab: either the tab is unknown to
      // it, or it has no recording.
      if (!flow.error) expect((await recordingOf(context, flow.tabId)).state).toBeNull();
      const popup = await openPopup(context);
      await expect(popup.locator('#notices')).toContainText('Allow in Incognito');
      await expect(popup.locator('[data-check]')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });
});
