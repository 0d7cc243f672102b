// @playwright/test fixtures over harness.mjs and drivers/. Two ways to get a browser:
// - `context` and `page`: a persistent context of Debian's Chromium (Playwright) pointed at the
//   simulator; set `extensionPath` with test.use() to load an extension. For Chromium-only specs.
// - `driver`: the browser of the project (`engine`: chromium or firefox, see playwright.config.mjs)
//   behind one interface (drivers/index.mjs), for specs that run in both browsers; launch options
//   (privateWindows, hostAccess) through test.use({ driverOptions }).
// The browser console is kept quiet and printed only when a test fails.

import { test as base, expect } from '@playwright/test';
import { consoleLines, currentSim, launchBrowser } from './harness.mjs';
import { launchDriver } from './drivers/index.mjs';

async function printConsoleOnFailure(lines, testInfo) {
  if (testInfo.status !== testInfo.expectedStatus && lines.length > 0) {
    console.log(`--- browser console for "${testInfo.title}" ---\n${lines.join('\n')}\n--- end of browser console ---`);
    await testInfo.attach('browser-console.txt', { body: lines.join('\n'), contentType: 'text/plain' });
  }
}

export const test = base.extend({
  extensionPath: [undefined, { option: true }],
  incognito: [false, { option: true }],
  /** [[host, port], ...]: more hosts on loopback (the real servers, see real/environment.mjs). */
  hostMap: [[], { option: true }],
  engine: ['chromium', { option: true }],
  driverOptions: [{}, { option: true }],

  context: async ({ extensionPath, incognito, hostMap }, use, testInfo) => {
    const context = await launchBrowser({ extensionPath, incognito, hostMap });
    await use(context);
    await printConsoleOnFailure(consoleLines(context), testInfo);
    await context.close();
  },

  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? await context.newPage());
  },

  driver: async ({ engine, extensionPath, driverOptions }, use, testInfo) => {
    const driver = await launchDriver({ engine, extensionPath, sim: currentSim(), ...driverOptions });
    await use(driver);
    await printConsoleOnFailure(driver.consoleLines(), testInfo);
    await driver.close();
  },
});

export { expect };
