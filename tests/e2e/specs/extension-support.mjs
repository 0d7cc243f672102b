// Helpers for the extension specs (extension*.spec.mjs): run a flow while the extension
// records it, open the popup for a tab, and assert checks by their stable hooks
// (`data-check` / `data-status`). Assertions on rules that the core does not have yet are
// skipped with a note, so the specs tighten by themselves as rules land.
//
// Every helper takes either a driver (drivers/index.mjs: Chromium or Firefox) and its pages,
// or, for the specs written for Playwright and Chromium alone, the Playwright context and
// pages; then the pages it returns are Playwright pages too. Helpers that read a page use only
// `evaluate`, which both kinds of page have.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { expect } from '../fixtures.mjs';
import { REPO_ROOT, runFlow } from '../harness.mjs';
import { chromiumDriver } from '../drivers/chromium.mjs';
import { walkFlow } from '../drivers/flow.mjs';
import { playwrightPage } from '../drivers/page.mjs';

/** A Playwright context is not a driver: it has no `engine`. */
const isDriver = (contextOrDriver) => typeof contextOrDriver.engine === 'string';
const asDriver = async (contextOrDriver) => (isDriver(contextOrDriver) ? contextOrDriver : chromiumDriver(contextOrDriver));
/** A page of page.mjs has `raw`; a Playwright page is wrapped. */
const asPage = (page) => (page.raw ? page : playwrightPage(page));
/** What a helper returns for a page: the caller's own kind. */
const giveBack = (contextOrDriver, page) => (isDriver(contextOrDriver) ? page : page.raw);

/**
 * Waits until the extension's background runs and has its listeners registered: a page loaded
 * before that is invisible to the extension (as for a user who installs it mid-flow). For a
 * Playwright context, returns the service worker.
 */
export async function extensionReady(contextOrDriver) {
  const driver = await asDriver(contextOrDriver);
  await driver.extensionReady();
  return isDriver(contextOrDriver) ? undefined : contextOrDriver.serviceWorkers()
    .find((worker) => worker.url().startsWith('chrome-extension://'));
}

/** The browser tab id of a page (the extension knows tabs by URL). */
export async function tabIdOf(contextOrDriver, page) {
  return (await asDriver(contextOrDriver)).tabIdOf(asPage(page));
}

/** Everything in the extension's session storage. */
export async function sessionStorage(contextOrDriver) {
  return (await asDriver(contextOrDriver)).inExtension(() => chrome.storage.session.get(null));
}

/** The recorder state and stored events of the trace a tab feeds (stored as JSON strings). */
export async function recordingOf(contextOrDriver, tabId) {
  const all = await sessionStorage(contextOrDriver);
  const state = Object.entries(all)
    .filter(([key]) => key.startsWith('flowlens/s/'))
    .map(([, json]) => JSON.parse(json))
    .find((s) => s.trace === tabId || s.followers.includes(tabId));
  if (!state) return { state: null, events: [] };
  const events = [];
  for (let n = 0; n < state.chunks; n += 1) events.push(...JSON.parse(all[`flowlens/t/${state.trace}/${n}`] ?? '[]'));
  return { state, events };
}

/** Waits until the recording of a tab satisfies `predicate({state, events})`. */
export async function waitForRecording(contextOrDriver, tabId, predicate, { timeout = 10_000, message } = {}) {
  await expect.poll(async () => predicate(await recordingOf(contextOrDriver, tabId)), {
    timeout, message: message ?? 'recording condition',
  }).toBe(true);
  return recordingOf(contextOrDriver, tabId);
}

const isConsentSnapshot = (event) => event.kind === 'snapshot' && event.snapshot?.url?.includes('/oauth/consent');

/**
 * Runs a scenario while the extension records it. On the consent page it waits for the page
 * snapshot (a user spends seconds there; the harness would click in milliseconds), then
 * allows and waits for the end. Returns the flow's result (harness.mjs runFlow's for a
 * Playwright page, drivers/flow.mjs walkFlow's for a driver's page) plus the tab id.
 */
export async function recordFlow(contextOrDriver, page, scenario, options = {}) {
  const driver = await asDriver(contextOrDriver);
  const shared = asPage(page);
  await driver.extensionReady();
  const atConsent = { ...options, stopAt: 'consent' };
  const result = page.raw ? await walkFlow(page, scenario, atConsent) : await runFlow(page, scenario, atConsent);
  const tabId = await driver.tabIdOf(shared);
  if (result.outcome === 'consent' && options.stopAt !== 'consent') {
    await waitForRecording(driver, tabId, ({ events }) => events.some(isConsentSnapshot),
      { message: 'the consent page snapshot' });
    await shared.click(options.decision === 'deny' ? '#deny' : '#allow');
    await shared.waitFor('body[data-done], body[data-page="scalekit-error"]');
    result.outcome = 'finished';
    result.finalUrl = shared.url();
  }
  return { ...result, tabId };
}

/**
 * Opens the popup as a page for a tab (`?tab=`) and waits until it rendered, with the
 * discovery documents it fetches itself (they settle custom-domain-metadata and mcp-discovery).
 */
export async function openPopup(contextOrDriver, tabId) {
  const driver = await asDriver(contextOrDriver);
  const query = tabId === undefined ? '' : `?tab=${tabId}`;
  const popup = await driver.openExtensionPage(`extension/popup.html${query}`);
  await expect.poll(() => popup.evaluate(() => document.body.dataset.metadata !== 'fetching'),
    { timeout: 15_000, message: 'the popup rendered with the discovery documents it fetched' }).toBe(true);
  return giveBack(contextOrDriver, popup);
}

/**
 * Every rule of the extension's core in checklist order, `[{id, section, ...}]`: the files
 * module's `rules()` export (not in the first-paint module), loaded in an extension page.
 */
function coreRules(page) {
  return page.evaluate(async () => {
    const files = await import(chrome.runtime.getURL('extension/pkg/flowlens_files.js'));
    await files.default({ module_or_path: chrome.runtime.getURL('extension/pkg/flowlens_files_bg.wasm') });
    return JSON.parse(files.rules());
  });
}

/** Rule ids the extension's core has, read in the popup page. */
export async function ruleIds(popup) {
  return (await coreRules(popup)).map((rule) => rule.id);
}

/** `{check id: {status, summary, count}}` of the data-check elements on a page. */
function checksShown(page) {
  return page.evaluate(() => {
    const shown = {};
    for (const check of document.querySelectorAll('[data-check]')) {
      const id = check.dataset.check;
      shown[id] ??= { status: check.dataset.status, summary: check.querySelector('.check-summary')?.textContent, count: 0 };
      shown[id].count += 1;
    }
    return shown;
  });
}

/**
 * Asserts `{ruleId: status | [statuses]}` on the popup's data-check elements. Rules the core
 * does not have yet are listed in the test's annotations instead of failing.
 */
export async function expectChecks(popup, expected, testInfo) {
  const known = new Set(await ruleIds(popup));
  const shown = await checksShown(popup);
  const missing = [];
  for (const [id, status] of Object.entries(expected)) {
    if (!known.has(id)) {
      missing.push(id);
      continue;
    }
    const allowed = Array.isArray(status) ? status : [status];
    expect(shown[id]?.count ?? 0, `check ${id}`).toBe(1);
    expect(allowed, `check ${id} is ${shown[id].status}: ${shown[id].summary}`).toContain(shown[id].status);
  }
  if (missing.length > 0) {
    testInfo?.annotations.push({ type: 'rules not in the core yet', description: missing.join(', ') });
  }
}

/**
 * The verdict a popup must show for `{ruleId: status}` (one status per rule), derived from the
 * rule: a blocker is a failing check other than capture-complete; blockers list the custom
 * domain's checks first, then the others in checklist order (the core's `rules()` order);
 * no blocker and capture-complete passing is "Ready for launch". Returns `{kind, line,
 * blockers}`; `line` is left out for an incomplete verdict, whose wording says why.
 */
export async function expectedVerdict(popup, statuses) {
  const rules = (await coreRules(popup)).map((rule) => ({ id: rule.id, section: rule.section }));
  const order = (rule, index) => [rule.section === 'custom-domain' ? 0 : 1, index];
  const blockers = rules
    .map((rule, index) => ({ ...rule, key: order(rule, index) }))
    .filter((rule) => rule.id !== 'capture-complete' && statuses[rule.id] === 'fail')
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1])
    .map((rule) => rule.id);
  for (const [id, status] of Object.entries(statuses)) {
    if (Array.isArray(status)) throw new Error(`expectedVerdict needs one status per rule: ${id} has ${status}`);
  }
  if (blockers.length > 0) {
    const n = blockers.length;
    return { kind: 'not-ready', line: `Not ready: ${n} blocker${n === 1 ? '' : 's'}`, blockers };
  }
  if (statuses['capture-complete'] !== 'pass') return { kind: 'incomplete', blockers };
  return { kind: 'ready', line: 'Ready for launch', blockers };
}

/** The verdict a popup shows: `{kind, line, blockers}` (blocker ids in the order shown). */
export function shownVerdict(page) {
  return page.evaluate(() => {
    const verdict = document.getElementById('verdict');
    return {
      kind: verdict?.dataset.verdict ?? '',
      // The line without its mark (✓, ✗ or –).
      line: verdict?.querySelector('.verdict-text')?.textContent ?? '',
      blockers: [...document.querySelectorAll('#blockers [data-check]')].map((c) => c.dataset.check),
    };
  });
}

/** Roles of the popup's timeline, in order. */
export async function timelineRoles(popup) {
  return popup.evaluate(() => [...document.querySelectorAll('#timeline [data-role]')].map((i) => i.dataset.role));
}

/** URLs that never leave the browser: the extension's own files, blobs and data URLs. */
export const isExtensionOwn = (url) => /^(chrome-extension|moz-extension|blob|data):/.test(url);

/** The text of the first element matching `selector` ('' when there is none). */
export function textOf(page, selector) {
  return page.evaluate((wanted) => document.querySelector(wanted)?.textContent ?? '', selector);
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
  return readZip(zip, { inflate: false });
}

/**
 * The entries of a zip, through its central directory: {name: Buffer}. Deflated entries are
 * inflated when `inflate` (the store packages are deflated), refused otherwise.
 */
export function readZip(zip, { inflate }) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20); // compressed size (the stored size for stored entries)
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (method === 0) {
      files[name] = zip.subarray(dataAt, dataAt + size);
    } else if (method === 8 && inflate) {
      files[name] = inflateRawSync(zip.subarray(dataAt, dataAt + size));
    } else {
      throw new Error(`${name}: compressed entry (method ${method})`);
    }
    at += 46 + skip;
  }
  return files;
}

/** `{check id: status}` of every data-check element on a page (popup or viewer). */
export async function shownStatuses(page) {
  const shown = await checksShown(page);
  return Object.fromEntries(Object.entries(shown).map(([id, { status }]) => [id, status]));
}

/** Opens the viewer page and loads a file through its picker; waits until it is shown. */
export async function openInViewer(contextOrDriver, file) {
  const driver = await asDriver(contextOrDriver);
  const viewer = await driver.openExtensionPage('extension/viewer.html');
  await viewer.uploadFile('#file', file);
  await viewer.waitFor('body[data-loaded]', { timeout: 60_000 });
  const loaded = await viewer.evaluate(() => ({
    loaded: document.body.dataset.loaded, info: document.getElementById('file-info')?.textContent,
  }));
  expect(loaded.loaded, loaded.info).toBe('true');
  return giveBack(contextOrDriver, viewer);
}

/** Every automated check shown is one of `expected` (a new rule must be added to the table). */
export async function expectNoOtherAutomatedChecks(popup, expected) {
  const shown = await popup.evaluate(() => [...document.querySelectorAll('[data-check]:not([data-status="manual"]):not(.manual)')]
    .map((c) => c.dataset.check));
  expect(shown.filter((id) => !(id in expected)), 'automated checks without an expected status').toEqual([]);
}

/** The badge colors of flowlens_core::render::badge, as the browsers report them. */
export const BADGE_COLORS = Object.freeze({
  recording: [29, 78, 216, 255],
  blocked: [185, 28, 28, 255],
  ready: [21, 128, 61, 255],
  incomplete: [75, 85, 99, 255],
});

/** A tab's toolbar badge: `{text, color: [r, g, b, a], title}`. */
export async function badgeOf(contextOrDriver, tabId) {
  const driver = await asDriver(contextOrDriver);
  return driver.inExtension(async (tab) => ({
    text: await chrome.action.getBadgeText({ tabId: tab }),
    color: [...await chrome.action.getBadgeBackgroundColor({ tabId: tab })],
    title: await chrome.action.getTitle({ tabId: tab }),
  }), tabId);
}

/** The badge a verdict (`expectedVerdict`'s `{kind, line, blockers}`) shows. */
export function expectedBadge(verdict) {
  switch (verdict.kind) {
    case 'not-ready':
      return { text: String(verdict.blockers.length), color: BADGE_COLORS.blocked, title: `Flowlens: ${verdict.line}` };
    case 'ready':
      return { text: '✓', color: BADGE_COLORS.ready, title: 'Flowlens: Ready for launch' };
    default:
      return { text: '?', color: BADGE_COLORS.incomplete, title: expect.stringMatching(/^Flowlens: Incomplete/) };
  }
}

/**
 * The CLI to run: FLOWLENS_CLI (cargo xtask test sets it to the binary it just built), else the
 * newest of target/debug and target/release (an older release build must not answer for the
 * code under test), else null.
 */
export function flowlensBinary() {
  if (process.env.FLOWLENS_CLI) return path.resolve(REPO_ROOT, process.env.FLOWLENS_CLI);
  const built = ['target/debug/flowlens', 'target/release/flowlens']
    .map((p) => path.join(REPO_ROOT, p))
    .filter((p) => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return built[0] ?? null;
}

/** `flowlens check --format json` on a file: the built CLI, else the CLI's committed snapshot. */
export function cliReport(file) {
  const bin = flowlensBinary();
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
