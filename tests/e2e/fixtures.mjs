// @playwright/test fixtures over harness.mjs. `context` and `page` are replaced by a persistent context
// of Debian's Chromium pointed at the simulator; set `extensionPath` with test.use() to load an extension.
// The browser console is kept quiet and printed only when a test fails.

import { test as base, expect } from '@playwright/test';
import { consoleLines, launchBrowser } from './harness.mjs';

export const test = base.extend({
  extensionPath: [undefined, { option: true }],
  incognito: [false, { option: true }],
  /** [[host, port], ...]: more hosts on loopback (the real servers, see real/environment.mjs). */
  hostMap: [[], { option: true }],

  context: async ({ extensionPath, incognito, hostMap }, use, testInfo) => {
    const context = await launchBrowser({ extensionPath, incognito, hostMap });
    await use(context);
    const lines = consoleLines(context);
    if (testInfo.status !== testInfo.expectedStatus && lines.length > 0) {
      console.log(`--- browser console for "${testInfo.title}" ---\n${lines.join('\n')}\n--- end of browser console ---`);
      await testInfo.attach('browser-console.txt', { body: lines.join('\n'), contentType: 'text/plain' });
    }
    await context.close();
  },

  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? await context.newPage());
  },
});

export { expect };
