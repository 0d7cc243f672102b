// What extension/browser.js assumes about each browser, checked in the browser itself, so a
// browser update that changes one of these facts fails here rather than in a user's flow.
// (extension/README.md, "Chrome and Firefox", lists the differences.)

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import {
  openPopup, recordingOf, tabIdOf, timelineRoles, waitForRecording,
} from './extension-support.mjs';
import { walkFlow } from '../drivers/flow.mjs';

test.use({ extensionPath: REPO_ROOT });

/** Evaluates fn() in an extension page where extension/browser.js is `globalThis.shim`. */
async function withBrowserJs(driver, fn) {
  const page = await driver.openExtensionPage('extension/viewer.html');
  try {
    await page.evaluate(async () => { globalThis.shim = await import(chrome.runtime.getURL('extension/browser.js')); });
    return await page.evaluate(fn);
  } finally {
    await page.close();
  }
}

test('storage.session holds SESSION_QUOTA_BYTES and not one megabyte more', async ({ driver }) => {
  const result = await withBrowserJs(driver, async () => {
    const { ext, SESSION_QUOTA_BYTES } = globalThis.shim;
    const megabyte = 'x'.repeat(1 << 20);
    const writes = [];
    for (let i = 0; i < 20; i += 1) {
      try {
        await ext.storage.session.set({ [`quota-probe-${i}`]: megabyte });
        writes.push(await ext.storage.session.getBytesInUse(null));
      } catch (error) {
        await ext.storage.session.clear();
        return { stated: ext.storage.session.QUOTA_BYTES ?? null, quota: SESSION_QUOTA_BYTES, writes, error: String(error) };
      }
    }
    return { quota: SESSION_QUOTA_BYTES, writes, error: null };
  });
  expect(result.error, 'a write past the quota fails').toMatch(/quota/i);
  expect(result.quota).toBe(10 * 1024 * 1024);
  // Chrome states the figure, Firefox does not (browser.js then uses the measured 10 MB).
  expect(result.stated).toBe(driver.engine === 'chromium' ? result.quota : null);
  const lastStored = result.writes.at(-1);
  expect(lastStored).toBeLessThanOrEqual(result.quota);
  expect(lastStored + (1 << 20)).toBeGreaterThan(result.quota);
});

test('webRequest: extraHeaders is asked for only where the browser declares it, and Set-Cookie is seen in both', async ({ driver }) => {
  const spec = await withBrowserJs(driver,
    () => globalThis.shim.extraInfoSpec('OnHeadersReceived', 'responseHeaders', 'extraHeaders'));
  expect(spec).toEqual(driver.engine === 'chromium' ? ['responseHeaders', 'extraHeaders'] : ['responseHeaders']);

  const page = await driver.firstPage();
  await driver.extensionReady();
  expect((await walkFlow(page, 'good')).outcome).toBe('authorized');
  const tabId = await tabIdOf(driver, page);
  // The simulated Scalekit sets its session cookie on every response of its pages.
  await waitForRecording(driver, tabId, ({ events }) => events.some(
    (e) => e.kind === 'headers-received' && JSON.stringify(e).toLowerCase().includes('"set-cookie"')),
  { message: 'a recorded response with Set-Cookie' });
});

test('Firefox suspends the event page mid-flow: it wakes on the next request and loses no event', async ({ driver }) => {
  test.skip(driver.engine !== 'firefox', 'extension-robustness.spec.mjs stops Chrome\'s service worker');
  const page = await driver.firstPage();
  await driver.extensionReady();
  expect((await walkFlow(page, 'good', { stopAt: 'consent' })).outcome).toBe('consent');
  const tabId = await tabIdOf(driver, page);
  await waitForRecording(driver, tabId, ({ events }) => events.some((e) => e.kind === 'snapshot'));

  await driver.stopBackground();
  await page.click('#allow');
  await page.waitFor('body[data-done]');
  const { state } = await waitForRecording(driver, tabId, ({ state: s }) => s?.phase !== 'recording',
    { message: 'the woken event page saw the callback' });
  expect(state.restarts).toBeGreaterThanOrEqual(1);
  const popup = await openPopup(driver, tabId);
  expect(await timelineRoles(popup)).toEqual(expect.arrayContaining(['authorize', 'consent-page', 'client-callback']));
  expect((await recordingOf(driver, tabId)).state.dropped).toBe(0);
});
