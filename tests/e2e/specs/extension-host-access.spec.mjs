// Host permissions are opt-in in Firefox MV3 (a user may decline "Access your data for all
// websites", or a profile may not grant it at install), and a Chrome user can restrict the
// extension's site access. Without it the browser shows Flowlens no request at all: the popup
// must say that nothing can be recorded and offer the button that asks for access.

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { GOOD } from './expected-statuses.mjs';
import {
  expectChecks, expectNoOtherAutomatedChecks, openPopup, recordFlow, textOf,
} from './extension-support.mjs';
import { walkFlow } from '../drivers/flow.mjs';

test.use({ extensionPath: REPO_ROOT });

const cannotRecord = (popup) => popup.evaluate(() => {
  const block = document.getElementById('cannot-record');
  return block && { text: block.textContent, button: block.querySelector('button#grant-access')?.textContent ?? null };
});

test.describe('without access to websites', () => {
  test.use({ driverOptions: { hostAccess: false } });

  test('the popup says nothing can be recorded; its button asks for access, and then flows are recorded', async ({ driver }, testInfo) => {
    // A flow run now is invisible to the extension.
    const page = await driver.firstPage();
    await driver.extensionReady();
    expect((await walkFlow(page, 'good')).outcome).toBe('authorized');
    // No trace: no state, no chunk (the browser still reports the tab's navigations: they
    // wait in the tab's pre-flow buffer, `flowlens/b/`, and expire; an event that reached
    // the worker while it started is journaled, `flowlens/q/`, until judged).
    const stored = Object.keys(await driver.inExtension(() => chrome.storage.session.get(null)));
    expect(stored.filter((key) => key.startsWith('flowlens/s/') || key.startsWith('flowlens/t/'))).toEqual([]);

    const popup = await openPopup(driver);
    const shown = await cannotRecord(popup);
    expect(shown?.text).toContain('Flowlens cannot record');
    expect(shown?.text).toContain(driver.engine === 'firefox' ? 'Firefox asks for this access' : 'Site access');
    expect(shown?.button).toBe('Allow access to all websites');
    expect(await popup.evaluate(() => document.getElementById('record').disabled)).toBe(true);
    expect(await textOf(popup, '#status-line')).toBe('Cannot record');

    await popup.click('#grant-access');
    if (driver.engine === 'firefox') {
      // Firefox's own prompt, answered as the user does.
      expect(await driver.answerPermissionPrompt({ accept: true })).toContain('Access your data for all websites');
    } else {
      // Headless Chromium's dialog cannot be answered: the user grants from Chrome's extension
      // menu instead, which the open popup notices as well.
      await driver.setHostAccess(true);
    }
    await popup.waitForFunction(() => !document.getElementById('cannot-record'));
    // The user goes back to the flow's tab: the consent screenshot is taken of the tab shown.
    await popup.close();
    await page.bringToFront();

    // With access, the flow is recorded and judged as usual, consent screenshot included.
    const flow = await recordFlow(driver, page, 'good');
    const after = await openPopup(driver, flow.tabId);
    await expectChecks(after, GOOD, testInfo);
    await expectNoOtherAutomatedChecks(after, GOOD);
    expect(await after.evaluate(() => document.querySelector('#screenshot img')?.getAttribute('src') ?? ''))
      .toMatch(/^data:image\/jpeg;base64,/);
  });

  test('declining Firefox\'s prompt leaves the popup saying nothing can be recorded', async ({ driver }) => {
    test.skip(driver.engine !== 'firefox', 'headless Chromium shows no prompt to decline');
    const popup = await openPopup(driver);
    await popup.click('#grant-access');
    await driver.answerPermissionPrompt({ accept: false });
    expect(await driver.inExtension(() => chrome.permissions.contains({ origins: ['<all_urls>'] }))).toBe(false);
    await popup.reload();
    await popup.waitFor('body[data-ready="true"]');
    expect((await cannotRecord(popup))?.text).toContain('Flowlens cannot record');
  });
});

test('access withdrawn in the browser\'s settings: the open popup says at once that nothing can be recorded', async ({ driver }) => {
  const popup = await openPopup(driver);
  expect(await cannotRecord(popup)).toBeNull();
  await driver.setHostAccess(false);
  await popup.waitForFunction(() => document.getElementById('cannot-record') !== null);
  expect((await cannotRecord(popup)).text).toContain('Flowlens cannot record');
});
