// The extension records each simulated scenario by itself (no button pressed) and its popup
// shows the checks each scenario concerns with the expected status, in Chromium and in
// Firefox (expected-statuses.mjs, one table for both). Rule ids are the report contract; rules
// still being written are skipped (see extension-support.mjs).

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { EXPECTED_VERDICTS, GOOD, SCENARIO_CHECKS } from './expected-statuses.mjs';
import {
  badgeOf, expectChecks, expectedBadge, expectedVerdict, expectNoOtherAutomatedChecks, isExtensionOwn, openPopup,
  recordFlow, shownVerdict, timelineRoles,
} from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

test('the good custom-domain BYOA flow: every automated check passes, none fails', async ({ driver }, testInfo) => {
  const flow = await recordFlow(driver, await driver.firstPage(), 'good');
  expect(flow.outcome).toBe('finished');
  const popup = await openPopup(driver, flow.tabId);
  const shown = await popup.evaluate(() => ({
    // Verdict first: the answer is on the first screen; passing checks are folded.
    verdictVisible: document.getElementById('verdict')?.checkVisibility() ?? false,
    verdict: document.getElementById('verdict')?.dataset.verdict ?? '',
    failing: [...document.querySelectorAll('[data-status="fail"]')]
      .map((c) => `${c.dataset.check}: ${c.querySelector('.check-summary')?.textContent}`),
    timeline: document.getElementById('timeline')?.textContent ?? '',
    screenshot: document.querySelector('#screenshot img')?.getAttribute('src') ?? null,
    pages: document.getElementById('pages')?.textContent ?? '',
  }));
  expect(shown.verdictVisible).toBe(true);
  expect(shown.verdict).toBe('ready');
  expect(await shownVerdict(popup)).toEqual(EXPECTED_VERDICTS.good);
  expect(await expectedVerdict(popup, GOOD)).toEqual(EXPECTED_VERDICTS.good);
  await expect.poll(() => badgeOf(driver, flow.tabId)).toEqual(expectedBadge(EXPECTED_VERDICTS.good));
  expect(shown.failing, 'no check fails').toEqual([]);
  await expectChecks(popup, GOOD, testInfo);
  await expectNoOtherAutomatedChecks(popup, GOOD);

  const roles = await timelineRoles(popup);
  for (const role of ['mcp-request', 'authorize', 'byoa-login', 'byoa-callback', 'consent-page', 'client-callback']) {
    expect(roles, `timeline has ${role}`).toContain(role);
  }
  // Secrets are masked in the timeline; the consent screenshot is kept as evidence.
  expect(shown.timeline).toContain('code=[code:');
  expect(shown.screenshot).toMatch(/^data:image\/jpeg;base64,/);
  expect(shown.pages).toContain('Acme Calendar');
});

for (const [scenario, checks] of Object.entries(SCENARIO_CHECKS)) {
  test(`scenario ${scenario}`, async ({ driver }, testInfo) => {
    const flow = await recordFlow(driver, await driver.firstPage(), scenario);
    const popup = await openPopup(driver, flow.tabId);
    expect(await popup.evaluate(() => document.querySelectorAll('[data-check]').length)).toBeGreaterThan(0);
    await expectChecks(popup, { ...GOOD, ...checks }, testInfo);
    await expectNoOtherAutomatedChecks(popup, GOOD);
    // Verdict first: the exact line and the blockers in rank (custom domain first, then
    // checklist order), which agree with the statuses.
    const verdict = EXPECTED_VERDICTS[scenario];
    expect(await shownVerdict(popup)).toEqual(verdict);
    expect(await expectedVerdict(popup, { ...GOOD, ...checks })).toMatchObject(verdict);
    // The toolbar badge of the flow's tab: the verdict once the recording ends (a flow that
    // stops at an error page records until Stop, or its time limit).
    const phase = await popup.evaluate(() => document.getElementById('status-line').dataset.phase);
    if (phase === 'recording') {
      expect(await badgeOf(driver, flow.tabId)).toMatchObject({ text: 'REC' });
      await popup.click('#stop');
    }
    await expect.poll(() => badgeOf(driver, flow.tabId)).toEqual(expectedBadge(verdict));
  });
}

test('a server name that is an XSS payload is shown as text', async ({ driver }) => {
  const payload = '<img src=x onerror=alert(1)>Acme Calendar';
  const flow = await recordFlow(driver, await driver.firstPage(), 'xss-name');
  const popup = await openPopup(driver, flow.tabId);
  const shown = await popup.evaluate(() => ({
    pages: document.getElementById('pages')?.textContent ?? '',
    injected: document.querySelectorAll('img[src="x"]').length,
    imagesOutsideScreenshot: [...document.querySelectorAll('img')].filter((img) => !img.closest('#screenshot')).length,
  }));
  expect(shown.pages).toContain(payload);
  expect(shown.injected).toBe(0);
  expect(shown.imagesOutsideScreenshot, 'the only image is the consent screenshot').toBe(0);
  expect(driver.dialogs(), 'no page opened a dialog').toEqual([]);
});

test('exports the report as JSON and Markdown without any network request', async ({ driver }) => {
  const flow = await recordFlow(driver, await driver.firstPage(), 'good');
  const popup = await openPopup(driver, flow.tabId);
  const requests = await popup.watchRequests();
  const json = await driver.download(popup, '#export-json');
  const report = JSON.parse(json.bytes.toString('utf8'));
  expect(report.schema).toBe('flowlens.report/v1');
  expect(report.source.kind).toBe('extension');
  const md = await driver.download(popup, '#export-markdown');
  expect(md.bytes.toString('utf8')).toContain('# Flowlens go-live checklist');
  expect((await requests.stop()).filter((url) => !isExtensionOwn(url))).toEqual([]);
});

test('an opened blocker says why it matters and how to fix it, from the documentation loaded after the first paint', async ({ driver }) => {
  const flow = await recordFlow(driver, await driver.firstPage(), 'no-pkce');
  const popup = await openPopup(driver, flow.tabId);
  const check = '[data-check="oauth-pkce-s256"]';
  // Folded: no body until opened.
  expect(await popup.evaluate((sel) => document.querySelector(`${sel} .check-body`) === null, check)).toBe(true);
  await popup.click(`${check} > summary`);
  await popup.waitFor(`${check} .doc.fix`);
  const shown = await popup.evaluate(async (sel) => {
    const docs = await (await fetch(chrome.runtime.getURL('extension/pkg/check-docs.json'))).json();
    return {
      why: document.querySelector(`${sel} .doc.why`)?.textContent,
      fix: document.querySelector(`${sel} .doc.fix`)?.textContent,
      expected: docs['oauth-pkce-s256'],
      fixedIn: document.querySelector(`${sel} .fixed-in-list`)?.textContent,
    };
  }, check);
  expect(shown.why).toBe(shown.expected.why);
  expect(shown.fix).toBe(shown.expected.fix);
  expect(shown.fix).toContain('S256');
  expect(shown.fixedIn).toContain('your client app');
});
