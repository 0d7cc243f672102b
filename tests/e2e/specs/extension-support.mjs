// Helpers for the extension specs (extension*.spec.mjs): run a flow while the extension
// records it, open the popup for a tab, and assert checks by their stable hooks
// (`data-check` / `data-status`). Assertions on rules that the core does not have yet are
// skipped with a note, so the specs tighten by themselves as rules land.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '../fixtures.mjs';
import {
  REPO_ROOT, extensionId, extensionServiceWorker, runFlow,
} from '../harness.mjs';

/**
 * Waits until the extension's worker runs and has its listeners registered: a page loaded
 * before that is invisible to the extension (as for a user who installs it mid-flow).
 */
export async function extensionReady(context) {
  // Polled rather than awaited as an event: a worker that started while Playwright attached
  // (a profile whose extension settings just changed) may never be announced as new.
  const isExtension = (worker) => worker.url().startsWith('chrome-extension://');
  await expect.poll(() => context.serviceWorkers().some(isExtension),
    { timeout: 20_000, message: "the extension's service worker" }).toBe(true);
  const sw = context.serviceWorkers().find(isExtension);
  await expect.poll(() => sw.evaluate(() => typeof globalThis.flowlens?.ready === 'function'),
    { message: 'the worker evaluated its module' }).toBe(true);
  await sw.evaluate(() => globalThis.flowlens.ready().then(() => true));
  return sw;
}

/** The browser tab id of a Playwright page (the worker knows tabs by URL). */
export async function tabIdOf(context, page) {
  const sw = await extensionServiceWorker(context);
  const url = page.url();
  const id = await sw.evaluate(async (wanted) => {
    const tabs = await chrome.tabs.query({});
    return tabs.find((tab) => tab.url === wanted)?.id ?? null;
  }, url);
  if (id === null) throw new Error(`no tab shows ${url}`);
  return id;
}

/** Everything in the extension's session storage. */
export async function sessionStorage(context) {
  const sw = await extensionServiceWorker(context);
  return sw.evaluate(() => chrome.storage.session.get(null));
}

/** The recorder state and stored events of the trace a tab feeds. */
export async function recordingOf(context, tabId) {
  const all = await sessionStorage(context);
  const state = Object.entries(all)
    .filter(([key]) => key.startsWith('flowlens/s/'))
    .map(([, value]) => value)
    .find((s) => s.tab === tabId || s.followers.includes(tabId));
  if (!state) return { state: null, events: [] };
  const events = [];
  for (let n = 0; n < state.chunks; n += 1) events.push(...(all[`flowlens/t/${state.tab}/${n}`] ?? []));
  return { state, events };
}

/** Waits until the recording of a tab satisfies `predicate({state, events})`. */
export async function waitForRecording(context, tabId, predicate, { timeout = 10_000, message } = {}) {
  await expect.poll(async () => predicate(await recordingOf(context, tabId)), {
    timeout, message: message ?? 'recording condition',
  }).toBe(true);
  return recordingOf(context, tabId);
}

const isConsentSnapshot = (event) => event.kind === 'snapshot' && event.snapshot?.url?.includes('/oauth/consent');

/**
 * Runs a scenario while the extension records it. On the consent page it waits for the page
 * snapshot (a user spends seconds there; the harness would click in milliseconds), then
 * allows and waits for the end. Returns runFlow's result plus the tab id.
 */
export async function recordFlow(context, page, scenario, options = {}) {
  await extensionReady(context);
  const result = await runFlow(page, scenario, { ...options, stopAt: 'consent' });
  const tabId = await tabIdOf(context, page);
  if (result.outcome === 'consent' && options.stopAt !== 'consent') {
    await waitForRecording(context, tabId, ({ events }) => events.some(isConsentSnapshot),
      { message: 'the consent page snapshot' });
    await page.click(options.decision === 'deny' ? '#deny' : '#allow', { noWaitAfter: true });
    await page.waitForSelector('body[data-done], body[data-page="scalekit-error"]', { state: 'attached' });
    result.outcome = 'finished';
    result.finalUrl = page.url();
  }
  return { ...result, tabId };
}

/** Opens the popup as a page for a tab (`?tab=`) and waits until it rendered. */
export async function openPopup(context, tabId) {
  const id = await extensionId(context);
  const popup = await context.newPage();
  const query = tabId === undefined ? '' : `?tab=${tabId}`;
  await popup.goto(`chrome-extension://${id}/extension/popup.html${query}`);
  await popup.waitForSelector('body[data-ready="true"]');
  // The discovery documents the popup fetches itself settle custom-domain-metadata and
  // mcp-discovery: wait for them as for the first render.
  await popup.waitForSelector('body:not([data-metadata="fetching"])', { state: 'attached' });
  return popup;
}

/** Rule ids the extension's core has (its `rules()` export), read in the popup page. */
export async function ruleIds(popup) {
  return popup.evaluate(async () => {
    const wasm = await import(chrome.runtime.getURL('extension/pkg/flowlens_popup.js'));
    return wasm.rules().map((rule) => rule.id);
  });
}

/**
 * Asserts `{ruleId: status | [statuses]}` on the popup's data-check elements. Rules the core
 * does not have yet are listed in the test's annotations instead of failing.
 */
export async function expectChecks(popup, expected, testInfo) {
  const known = new Set(await ruleIds(popup));
  const missing = [];
  for (const [id, status] of Object.entries(expected)) {
    if (!known.has(id)) {
      missing.push(id);
      continue;
    }
    const allowed = Array.isArray(status) ? status : [status];
    const check = popup.locator(`[data-check="${id}"]`);
    await expect(check, `check ${id}`).toHaveCount(1);
    const actual = await check.getAttribute('data-status');
    expect(allowed, `check ${id} is ${actual}: ${await check.locator('.check-summary').textContent()}`)
      .toContain(actual);
  }
  if (missing.length > 0) {
    testInfo?.annotations.push({ type: 'rules not in the core yet', description: missing.join(', ') });
  }
}

/** Roles of the popup's timeline, in order. */
export async function timelineRoles(popup) {
  return popup.locator('#timeline [data-role]').evaluateAll((items) => items.map((i) => i.dataset.role));
}

/** The bytes of a Playwright download. */
export async function downloadBytes(download) {
  const parts = [];
  for await (const part of await download.createReadStream()) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * The entries of a stored (uncompressed) zip, through its central directory: {name: Buffer}.
 * Throws on compressed entries (the extension writes stored ones only).
 */
export function unzipStored(zip) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (method !== 0) throw new Error(`${name}: compressed entry`);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    files[name] = zip.subarray(dataAt, dataAt + size);
    at += 46 + skip;
  }
  return files;
}

/** `{check id: status}` of every data-check element on a page (popup or viewer). */
export async function shownStatuses(page) {
  return page.locator('[data-check]').evaluateAll((checks) => Object.fromEntries(
    checks.map((c) => [c.dataset.check, c.dataset.status])));
}

/** Opens the viewer page and loads a file through its picker; waits until it is shown. */
export async function openInViewer(context, file) {
  const id = await extensionId(context);
  const viewer = await context.newPage();
  await viewer.goto(`chrome-extension://${id}/extension/viewer.html`);
  await viewer.waitForSelector('body[data-ready="true"]');
  await viewer.setInputFiles('#file', file);
  await viewer.waitForSelector('body[data-loaded]', { state: 'attached', timeout: 60_000 });
  expect(await viewer.locator('body').getAttribute('data-loaded'),
    await viewer.locator('#file-info').textContent()).toBe('true');
  return viewer;
}

/** `flowlens check --format json` on a file: the built CLI, else the CLI's committed snapshot. */
export function cliReport(file) {
  const bins = [process.env.FLOWLENS_CLI, 'target/release/flowlens', 'target/debug/flowlens']
    .filter(Boolean).map((p) => path.resolve(REPO_ROOT, p));
  const bin = bins.find((p) => fs.existsSync(p));
  if (bin) {
    try {
      return JSON.parse(execFileSync(bin, ['check', '--format', 'json', file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    } catch (error) {
      // Exit 1 when a check fails; the report is on stdout all the same.
      if (error.stdout) return JSON.parse(error.stdout);
      throw error;
    }
  }
  const snap = path.join(REPO_ROOT, 'crates/flowlens-cli/tests/snapshots', `cli__example_json@${path.basename(file)}.snap`);
  return JSON.parse(fs.readFileSync(snap, 'utf8').split(/^---$/m).slice(2).join('---'));
}
