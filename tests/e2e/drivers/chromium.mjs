// The Chromium driver: harness.mjs's Playwright launch of Debian's Chromium, behind the interface
// of index.mjs. What a user does in Chrome's own UI (allow in incognito, restrict site access) is
// done through chrome://extensions, as the harness already does for incognito.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  allowExtensionInIncognito, consoleLines, extensionId, extensionServiceWorker, launchBrowser,
} from '../harness.mjs';
import { completeDriver } from './common.mjs';
import { playwrightPage } from './page.mjs';

/**
 * Launches Chromium against the simulator.
 *   extensionPath   unpacked extension to load, e.g. REPO_ROOT
 *   privateWindows  'allowed' | 'not-allowed': start with an incognito tab (privatePage()), with
 *                   "Allow in Incognito" switched on first (a launch of its own) or left off
 *   hostAccess      false: site access restricted to "on click" (chrome://extensions)
 *   sim             the simulator (currentSim())
 */
export async function launchChromium({ extensionPath, privateWindows, hostAccess = true, sim }) {
  const userDataDir = privateWindows ? await mkdtemp(path.join(os.tmpdir(), 'flowlens-incognito-')) : undefined;
  let context;
  try {
    if (privateWindows === 'allowed') {
      const setup = await launchBrowser({ extensionPath, userDataDir, sim });
      try {
        await allowExtensionInIncognito(setup, await extensionId(setup));
      } finally {
        await setup.close();
      }
    }
    context = await launchBrowser({ extensionPath, userDataDir, incognito: Boolean(privateWindows), sim });
  } catch (error) {
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
  // With --incognito the first tab is the incognito one; a normal tab is opened beside it.
  const incognitoTab = privateWindows ? context.pages()[0] : null;
  if (incognitoTab) await context.newPage();
  const driver = await chromiumDriver(context, { incognitoTab, userDataDir });
  if (hostAccess === false) await driver.setHostAccess(false);
  return driver;
}

const wrapped = new WeakMap();

/**
 * The driver over a Chromium context that harness.mjs launched with an extension (the specs
 * written for Playwright alone use it to share the extension helpers). One per context.
 */
export function chromiumDriver(context, { incognitoTab = null, userDataDir } = {}) {
  if (!wrapped.has(context)) wrapped.set(context, wrap(context, { incognitoTab, userDataDir }));
  return wrapped.get(context);
}

async function wrap(context, { incognitoTab, userDataDir }) {
  const first = context.pages().find((page) => page !== incognitoTab) ?? await context.newPage();
  const id = await extensionId(context);
  // Dialogs of every page, whoever opened it (dismissed), for specs.
  const dialogs = [];
  const watch = (page) => page.on('dialog', (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    dialog.dismiss().catch(() => {});
  });
  context.pages().forEach(watch);
  context.on('page', watch);
  /** Runs `action({id, arg})` in chrome://extensions, where chrome.developerPrivate is. */
  const extensionsPage = async (action, arg) => {
    const page = await context.newPage();
    try {
      await page.goto(`chrome://extensions/?id=${id}`);
      return await page.evaluate(action, { id, arg });
    } finally {
      await page.close();
    }
  };

  const driver = {
    engine: 'chromium',
    extensionOrigin: `chrome-extension://${id}`,
    raw: context,
    firstPage: async () => playwrightPage(first),
    newPage: async () => playwrightPage(await context.newPage()),
    /** Evaluates fn(arg) in the extension's service worker. */
    async inExtension(fn, arg) {
      return (await extensionServiceWorker(context)).evaluate(fn, arg);
    },
    /**
     * Resolves once the service worker runs with its listeners registered. Polled, not awaited
     * as an event: a worker that started while Playwright attached (a profile whose extension
     * settings just changed) may never be announced as new.
     */
    async extensionReady({ timeout = 20_000 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
        const evaluated = worker && await worker.evaluate(() => typeof globalThis.flowlens?.ready === 'function').catch(() => false);
        if (evaluated) {
          await worker.evaluate(() => globalThis.flowlens.ready().then(() => true));
          return;
        }
        if (Date.now() > deadline) throw new Error("the extension's service worker did not start");
        await new Promise((resolve) => { setTimeout(resolve, 50); });
      }
    },
    async download(page, selector) {
      const [download] = await Promise.all([page.raw.waitForEvent('download'), page.click(selector)]);
      const parts = [];
      for await (const part of await download.createReadStream()) parts.push(part);
      return { name: download.suggestedFilename(), bytes: Buffer.concat(parts) };
    },
    async privatePage() {
      if (!incognitoTab) throw new Error('launch with privateWindows to get an incognito tab');
      return playwrightPage(incognitoTab);
    },
    /** Stops the service worker, as Chrome does when it idles (it restarts on the next event). */
    async stopBackground() {
      const cdp = await context.newCDPSession(first);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
    },
    /** Site access "On all sites" or "On click", as a user sets it in chrome://extensions. */
    async setHostAccess(granted) {
      await extensionsPage(async ({ id: extension, arg }) => {
        await chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true });
        await chrome.developerPrivate.updateExtensionConfiguration({
          extensionId: extension, hostAccess: arg ? 'ON_ALL_SITES' : 'ON_CLICK',
        });
      }, granted);
    },
    /** Headless Chromium shows no permission dialog anyone could answer. */
    async answerPermissionPrompt() {
      throw new Error('headless Chromium has no permission prompt to answer; use setHostAccess()');
    },
    dialogs: () => dialogs,
    consoleLines: () => consoleLines(context),
    refusedHosts: () => [],
    async close() {
      await context.close();
      if (userDataDir) await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  return completeDriver(driver);
}
