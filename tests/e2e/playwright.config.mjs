import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './specs',
  testMatch: '**/*.spec.mjs',
  globalSetup: './global-setup.mjs',
  // 2 cores: one browser per worker, two workers at most.
  workers: 2,
  fullyParallel: true,
  // Generous: the machine is often shared with Rust builds, and a loaded 2-core box is slow to launch Chromium.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  outputDir: './test-results',
});
