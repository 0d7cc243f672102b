// The checklist live beside the flow, in Chromium and in Firefox: the side panel (Chrome's
// side_panel, Firefox's sidebar_action) follows a flow as it happens, without a reload, and
// an update never takes a note being typed or the scroll position; the toolbar badge of the
// flow's tab shows the recording, then the verdict; the popup opens the side panel.

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT } from '../harness.mjs';
import { walkFlow } from '../drivers/flow.mjs';
import { BADGE_COLORS, badgeOf, openPopup } from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

/** A page's tab id, known before its flow starts: it first shows a harmless page. */
async function freshTab(driver) {
  const page = await driver.firstPage();
  await driver.extensionReady();
  await page.goto('https://cdn.scalekit.com/static/scalekit-logo.svg');
  return { page, tabId: await driver.tabIdOf(page) };
}

/** What the side panel shows: verdict, recorder phase, timeline roles. */
function panelState(panel) {
  return panel.evaluate(() => ({
    verdict: document.getElementById('verdict')?.dataset.verdict ?? null,
    line: document.querySelector('#verdict .verdict-text')?.textContent ?? null,
    phase: document.getElementById('status-line')?.dataset.phase ?? null,
    roles: [...document.querySelectorAll('#timeline [data-role]')].map((hop) => hop.dataset.role),
    // Set before the flow: gone if the page was reloaded or its view replaced.
    samePage: window.flowlensSamePage === true,
    sameTimeline: document.querySelector('#timeline h2')?.flowlensMark === true,
  }));
}

test('the side panel follows the flow without a reload; a note being typed and the scroll position survive its updates', async ({ driver }) => {
  const { page, tabId } = await freshTab(driver);
  // Two side panels on the flow's tab: one where a note is typed, one scrolled to its timeline.
  const panel = await driver.openExtensionPage(`extension/sidepanel.html?tab=${tabId}`);
  const scrolled = await driver.openExtensionPage(`extension/sidepanel.html?tab=${tabId}`);
  await scrolled.setViewport({ width: 400, height: 420 });
  expect((await panelState(panel)).line).toBe('Incomplete: nothing recorded yet');
  for (const p of [panel, scrolled]) await p.evaluate(() => { window.flowlensSamePage = true; });

  await page.bringToFront();
  await walkFlow(page, 'good', { stopAt: 'consent' });

  // Mid-flow: after the authorization request and the login, on the consent page.
  await panel.waitForFunction(() => document.querySelector('#timeline [data-role="consent-page"]'));
  const mid = await panelState(panel);
  expect(mid).toMatchObject({ verdict: 'incomplete', phase: 'recording', samePage: true });
  expect(mid.line).toBe("Incomplete: still recording, the flow has not reached the client's callback yet");
  expect(mid.roles).toEqual(expect.arrayContaining(['mcp-request', 'authorize', 'byoa-login', 'byoa-callback', 'consent-page']));
  expect(mid.roles).not.toContain('client-callback');
  await expect.poll(() => badgeOf(driver, tabId)).toEqual({
    text: 'REC', color: BADGE_COLORS.recording, title: "Flowlens: recording this tab's authorization flow",
  });

  // A person types a note in the Review, while another panel is scrolled to the timeline.
  await panel.bringToFront();
  const NOTE = '[data-check="manual-runbook"] textarea.manual-note';
  await panel.click('#tab-review');
  await panel.click('[data-check="manual-runbook"] details.manual-more > summary');
  await panel.waitFor(NOTE);
  await panel.click(NOTE);
  await panel.raw.keyboard.type('half a no');
  const anchor = await scrolled.evaluate(() => {
    const heading = document.querySelector('#timeline h2');
    heading.flowlensMark = true;
    window.scrollTo(0, heading.getBoundingClientRect().top + window.scrollY - 40);
    return { top: heading.getBoundingClientRect().top, scrollY: window.scrollY };
  });
  expect(anchor.scrollY, 'the panel scrolls').toBeGreaterThan(0);

  // The flow goes on: consent, the client's callback, the token exchange.
  await page.bringToFront();
  await page.click('#allow');
  await page.waitFor('body[data-done="ok"]');
  await panel.waitForFunction(() => document.getElementById('verdict')?.dataset.verdict === 'ready'
    && document.querySelector('#timeline [data-role="token-request"]'));
  const final = await panelState(panel);
  expect(final).toMatchObject({ verdict: 'ready', line: 'Ready for launch', samePage: true });
  expect(final.roles).toEqual(expect.arrayContaining(['consent-page', 'client-callback', 'token-request']));

  // The note: still focused, its text and caret untouched; typing goes on.
  const note = await panel.evaluate((selector) => {
    const field = document.querySelector(selector);
    return { focused: document.activeElement === field, value: field.value, caret: field.selectionStart };
  }, NOTE);
  expect(note).toEqual({ focused: true, value: 'half a no', caret: 9 });
  await panel.bringToFront();
  await panel.raw.keyboard.type('te');
  expect(await panel.evaluate((selector) => document.querySelector(selector).value, NOTE)).toBe('half a note');

  // The scrolled panel was updated in place and its timeline did not move.
  await scrolled.waitForFunction(() => document.getElementById('verdict')?.dataset.verdict === 'ready'
    && document.querySelector('#timeline [data-role="token-request"]'));
  const after = await panelState(scrolled);
  expect(after).toMatchObject({ samePage: true, sameTimeline: true });
  const top = await scrolled.evaluate(() => document.querySelector('#timeline h2').getBoundingClientRect().top);
  expect(Math.abs(top - anchor.top), 'the timeline stays where the reader had it').toBeLessThanOrEqual(2);

  // The badge: the verdict once the callback is reached.
  await expect.poll(() => badgeOf(driver, tabId)).toEqual({
    text: '✓', color: BADGE_COLORS.ready, title: 'Flowlens: Ready for launch',
  });
});

test('the popup opens the side panel', async ({ driver }) => {
  const popup = await openPopup(driver);
  expect(await popup.evaluate(() => document.getElementById('open-side-panel').hidden)).toBe(false);
  // The panel beside the page: Chrome's side panel, Firefox's sidebar.
  const panelOpen = () => popup.evaluate(async () => (typeof browser === 'object' && browser.sidebarAction
    ? browser.sidebarAction.isOpen({})
    : (await chrome.runtime.getContexts({ contextTypes: ['SIDE_PANEL'] })).length > 0));
  // What it shows, read through the extension's own views (the side panel is not a tab).
  const panelShown = () => popup.evaluate(() => chrome.extension.getViews()
    .filter((view) => view.location.pathname === '/extension/sidepanel.html')
    .map((view) => ({
      ready: view.document.body.dataset.ready,
      verdict: view.document.querySelector('#verdict .verdict-text')?.textContent ?? null,
    })));
  expect(await panelOpen()).toBe(false);
  await popup.click('#open-side-panel');
  await expect.poll(panelOpen).toBe(true);
  await expect.poll(panelShown).toEqual([{ ready: 'true', verdict: 'Incomplete: nothing recorded yet' }]);
});
