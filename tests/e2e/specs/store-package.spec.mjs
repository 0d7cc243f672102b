// The store packages `cargo xtask package` writes (dist/flowlens-<browser>-<version>.zip), loaded
// as they are into their browser: the Chrome zip into Chromium, the Firefox zip into Firefox. Each
// runs with its own manifest (no `key`; one background key each) and records the good flow with
// the statuses of the repository's unpacked copy. `cargo xtask test` packages before this runs.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, RUN_DIR } from '../harness.mjs';
import { GOOD } from './expected-statuses.mjs';
import {
  expectChecks, expectNoOtherAutomatedChecks, openPopup, readZip, recordFlow,
} from './extension-support.mjs';

/** The store whose package each browser engine takes. */
const STORE = { chromium: 'chrome', firefox: 'firefox' };

/** Unpacks the store zip of a browser into .run/packages/; returns the folder. */
function unpackStoreZip(engine) {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'manifest.json'), 'utf8'));
  const zip = path.join(REPO_ROOT, 'dist', `flowlens-${STORE[engine]}-${version}.zip`);
  if (!existsSync(zip)) throw new Error(`${path.relative(REPO_ROOT, zip)} is missing: run \`cargo xtask package\` first`);
  const folder = path.join(RUN_DIR, 'packages', `${engine}-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(readZip(readFileSync(zip), { inflate: true }))) {
    const file = path.join(folder, name);
    if (!file.startsWith(folder + path.sep)) throw new Error(`${name}: outside the package`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return folder;
}

test.use({
  extensionPath: async ({ engine }, use) => {
    const folder = unpackStoreZip(engine);
    await use(folder);
    rmSync(folder, { recursive: true, force: true });
  },
});

test('the store package of this browser loads and records the good flow with the expected statuses', async ({ driver }, testInfo) => {
  // The file as shipped (runtime.getManifest() is the browser's normalised reading of it).
  const manifest = await driver.inExtension(async () => (await fetch(chrome.runtime.getURL('manifest.json'))).json());
  expect(manifest.key).toBeUndefined();
  if (driver.engine === 'firefox') {
    expect(manifest.background).toEqual({ scripts: ['extension/service_worker.js'], type: 'module' });
    expect(manifest.browser_specific_settings.gecko.data_collection_permissions).toEqual({ required: ['none'] });
  } else {
    expect(manifest.background).toEqual({ service_worker: 'extension/service_worker.js', type: 'module' });
    expect(manifest.browser_specific_settings).toBeUndefined();
  }

  const flow = await recordFlow(driver, await driver.firstPage(), 'good');
  expect(flow.outcome).toBe('finished');
  const popup = await openPopup(driver, flow.tabId);
  await expectChecks(popup, GOOD, testInfo);
  await expectNoOtherAutomatedChecks(popup, GOOD);
});
