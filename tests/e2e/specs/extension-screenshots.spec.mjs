// The README's pictures, made from the simulated environment: the popup on a failing flow
// (Scalekit on its vendor default domain), and the side panel beside the consent page in the
// middle of a flow. Each run writes them to the test's output folder; with
// FLOWLENS_SCREENSHOTS=docs they replace docs/popup.png and docs/side-panel.png (what the
// README shows). Chromium: its screenshots are what the README shows for both browsers.

import path from 'node:path';
import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { walkFlow } from '../drivers/flow.mjs';
import { openPopup, recordFlow } from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

const POPUP = { width: 460, height: 600 };
const PANEL = { width: 400, height: 720 };

/** Where a picture goes: docs/ when asked for, else the test's own output folder. */
function pictureFile(testInfo, name) {
  return process.env.FLOWLENS_SCREENSHOTS === 'docs'
    ? path.join(REPO_ROOT, 'docs', name)
    : testInfo.outputPath(name);
}

test('the popup on a failing flow', async ({ driver }, testInfo) => {
  test.skip(driver.engine !== 'chromium', 'the README shows Chromium');
  const flow = await recordFlow(driver, await driver.firstPage(), 'vendor-default');
  const popup = await openPopup(driver, flow.tabId);
  await popup.setViewport(POPUP);
  await popup.waitFor('#blockers [data-check]');
  // What the first screen answers, as a person reads it.
  const firstScreen = await popup.evaluate(() => ({
    verdict: document.getElementById('verdict-line')?.textContent,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
  expect(firstScreen.verdict).toMatch(/Not ready: \d+ blockers?/);
  expect(firstScreen.overflow, 'no horizontal scrolling at the popup width').toBeLessThanOrEqual(0);
  await popup.screenshot(pictureFile(testInfo, 'popup.png'));
});

test('the side panel beside the consent page, mid-flow', async ({ driver }, testInfo) => {
  test.skip(driver.engine !== 'chromium', 'the README shows Chromium');
  const page = await driver.firstPage();
  await page.setViewport({ width: 760, height: PANEL.height });
  await driver.extensionReady();
  // The flow's tab, known before the flow starts: a harmless page of the simulator first.
  await page.goto('https://cdn.scalekit.com/static/scalekit-logo.svg');
  const tabId = await driver.tabIdOf(page);
  const panel = await driver.openExtensionPage(`extension/sidepanel.html?tab=${tabId}`);
  await panel.setViewport(PANEL);
  await page.bringToFront();
  await walkFlow(page, 'good', { stopAt: 'consent' });
  await panel.waitFor('#timeline [data-role="consent-page"]');
  await panel.waitFor('#pages [data-url*="/oauth/consent"]');
  const pageShot = testInfo.outputPath('consent-page.png');
  const panelShot = testInfo.outputPath('side-panel-alone.png');
  await page.screenshot(pageShot);
  await panel.screenshot(panelShot);
  // The browser window as a person sees it: the page, and the side panel on its right.
  const frame = await driver.newPage();
  await frame.setViewport({ width: 760 + PANEL.width + 1, height: PANEL.height });
  const fs = await import('node:fs/promises');
  const [left, right] = await Promise.all([pageShot, panelShot].map(async (f) => (await fs.readFile(f)).toString('base64')));
  await frame.evaluate(({ left: l, right: r }) => {
    document.body.style.cssText = 'margin:0;display:flex;background:#e5e7eb;gap:1px';
    for (const data of [l, r]) {
      const img = document.createElement('img');
      img.src = `data:image/png;base64,${data}`;
      img.style.display = 'block';
      document.body.append(img);
    }
    return Promise.all([...document.images].map((img) => img.decode()));
  }, { left, right });
  await frame.screenshot(pictureFile(testInfo, 'side-panel.png'));
});
