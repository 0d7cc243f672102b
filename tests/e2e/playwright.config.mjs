import { defineConfig } from '@playwright/test';

/**
 * Specs written on the driver interface (drivers/index.mjs), run in both browsers: the Firefox
 * project runs these, the Chromium project runs every spec.
 */
const BOTH_BROWSERS = [
  'extension.spec.mjs',
  'extension-export.spec.mjs',
  'extension-incognito.spec.mjs',
  'extension-host-access.spec.mjs',
  'browser-differences.spec.mjs',
  'store-package.spec.mjs',
];

export default defineConfig({
  testDir: './specs',
  testMatch: '**/*.spec.mjs',
  globalSetup: './global-setup.mjs',
  // 2 cores: one browser per worker, two workers at most.
  workers: 2,
  fullyParallel: true,
  // Generous: the machine is often shared with Rust builds, and a loaded 2-core box is slow to launch a browser.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  outputDir: './test-results',
  projects: [
    { name: 'chromium', use: { engine: 'chromium' } },
    { name: 'firefox', testMatch: BOTH_BROWSERS.map((file) => `**/${file}`), use: { engine: 'firefox' } },
  ],
});
