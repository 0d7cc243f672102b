// The flow run in a private window (Chrome's incognito, Firefox's private browsing), in both
// browsers. The permission is given as a user gives it: Chrome's "Allow in Incognito" through
// chrome://extensions in a first launch of the profile, Firefox's "Run in Private Windows" (see
// drivers/). The private tab is a tab of a private window of the same browser.

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { GOOD } from './expected-statuses.mjs';
import {
  expectChecks, expectNoOtherAutomatedChecks, openPopup, recordFlow, recordingOf, textOf,
} from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

test.describe('allowed in private windows', () => {
  test.use({ driverOptions: { privateWindows: 'allowed' } });

  test('a flow in a private window is recorded, with the statuses of a normal window', async ({ driver }, testInfo) => {
    const page = await driver.privatePage();
    const flow = await recordFlow(driver, page, 'good');
    expect(flow.outcome).toBe('finished');
    expect(await driver.inExtension(async (tab) => (await chrome.tabs.get(tab)).incognito, flow.tabId)).toBe(true);
    const { state } = await recordingOf(driver, flow.tabId);
    expect(state.incognito).toBe(true);

    const popup = await openPopup(driver, flow.tabId);
    expect(await textOf(popup, '#status-line')).toContain(driver.engine === 'firefox' ? 'private window' : 'incognito');
    expect(await textOf(popup, '#notices')).not.toMatch(/not allowed in incognito|may not run in private windows/);
    await expectChecks(popup, GOOD, testInfo);
    await expectNoOtherAutomatedChecks(popup, GOOD);
  });
});

test.describe('not allowed in private windows', () => {
  test.use({ driverOptions: { privateWindows: 'not-allowed' } });

  test('nothing is recorded there and the popup says how to enable it', async ({ driver }) => {
    const page = await driver.privatePage();
    await driver.extensionReady();
    const flow = await recordFlow(driver, page, 'good').catch((error) => ({ error }));
    // Without access the extension never sees the private tab: either the tab is unknown to
    // it, or it has no recording.
    if (!flow.error) expect((await recordingOf(driver, flow.tabId)).state).toBeNull();
    const popup = await openPopup(driver);
    // Each browser's own menu path.
    expect(await textOf(popup, '#notices')).toContain(driver.engine === 'firefox' ? 'Run in Private Windows' : 'Allow in Incognito');
    expect(await popup.evaluate(() => document.querySelectorAll('[data-check]').length)).toBe(0);
  });
});
