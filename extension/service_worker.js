// The background service worker: collects browser events and hands them to the Rust recorder,
// then carries out what it decides (storage writes, page snapshots, the consent screenshot).
// It decides nothing itself.
//
// MV3 rules this file follows: a static import of the wasm glue (dynamic import() is not
// allowed in service workers); every listener registered synchronously at the top level (so
// Chrome can wake the worker for them); no top-level await (it kills the worker), the wasm
// initialisation is awaited inside the handlers instead. Chrome stops an idle worker at any
// time: everything the recorder must remember is in chrome.storage.session (storage.js).

import init, { Recorder, limits } from './pkg/flowlens_worker.js';
import { updateBadges } from './badge.js';
import { captureVisibleTab, ext, extraInfoSpec } from './browser.js';
import { isCommandMessage, isPageSnapshotMessage } from './messages.js';
import { journalKey, loadRecorderStorage, writeActions } from './storage.js';
import initPages, { pageWantsScreenshot } from './pkg/flowlens_pages.js';

const CONTENT_SCRIPT = 'extension/content.js';
/** A refused storage write is tried again after these delays, then reported to the recorder. */
const RETRY_DELAYS_MS = [100, 1000];

// ---------------------------------------------------------------------------------------------
// The recorder, created once per worker life. Events that arrive while it is being created
// wait in `queued` and are fed in their order. Chrome may stop the worker at any moment, this
// one included: each waiting event is also journaled in session storage (without its request
// body, which only the recorder may store, once it has masked passwords), and the next worker
// judges what this one could not.

let recorder = null;
let starting = null;
let maxRequestBody = 0;
const queued = [];
/** This worker life, to tell its journal from a stopped one's. */
const life = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let journaled = 0;
/** Journal keys whose events the recorder has judged: deleted with the next write. */
let judged = [];
/** When the last event came, how many writes and page judgements are under way (`settled`). */
let lastEventAt = 0;
let writing = 0;
let judging = 0;

function ready() {
  starting ??= (async () => {
    await init({ module_or_path: new URL('./pkg/flowlens_worker_bg.wasm', import.meta.url) });
    maxRequestBody = limits().max_request_body;
    const stored = await loadRecorderStorage();
    const created = new Recorder();
    recorder = created;
    perform(created.restore(stored.states, stored.buffers, Date.now()));
    const own = new Set(queued.map(([, , key]) => key));
    for (const entry of stored.journal) {
      if (!own.has(entry.key) && typeof entry.kind === 'string') observe(entry.kind, entry.details);
      judged.push(entry.key);
    }
    for (const [kind, details, key] of queued.splice(0)) {
      observe(kind, details);
      judged.push(key);
    }
    if (judged.length > 0) scheduleFlush();
    return created;
  })();
  return starting;
}

/** Entry point of every browser event. */
function feed(kind, details) {
  lastEventAt = performance.now();
  if (recorder) {
    observe(kind, details);
    return;
  }
  const key = journalKey(life, journaled);
  journaled += 1;
  queued.push([kind, details, key]);
  const kept = details?.requestBody ? { ...details, requestBody: { withheld: true } } : details;
  ext.storage.session.set({ [key]: { kind, details: kept } })
    .catch((error) => console.warn('Flowlens: could not journal an event', error));
  ready().catch((error) => console.error('Flowlens: the recorder failed to start', error));
}

function observe(kind, details) {
  let actions;
  try {
    actions = recorder.observe(kind, kind === 'before-request' ? withTextBody(details) : details);
  } catch (error) {
    console.warn(`Flowlens: ${kind} event not recorded`, error);
    return;
  }
  if (actions) perform(actions);
}

/** Carries out the recorder's Actions; resolves when their storage writes are done. */
function perform(actions) {
  if (!actions) return Promise.resolve();
  if (actions.snapshot) snapshot(actions.snapshot);
  if (actions.screenshot) captureConsent(actions.screenshot);
  if (actions.lookup_tab !== null && actions.lookup_tab !== undefined) lookUpTab(actions.lookup_tab);
  if (actions.flush) scheduleFlush();
  const writes = actions.append?.length || actions.states?.length || actions.removed?.length
    || actions.buffered?.length || actions.unbuffered?.length;
  return writes ? store(actions) : Promise.resolve();
}

// Kept events are written once per burst of browser events, not once per event: a storage
// write costs 20 times what the recorder's decision does. The flush runs in the next task,
// after the events already queued (a page's requests arrive as a burst); Chrome stops an idle
// worker after 30 s without events, long after.
let flushTimer = null;

function scheduleFlush() {
  flushTimer ??= setTimeout(flushNow, 0);
}

function flushNow() {
  clearTimeout(flushTimer);
  flushTimer = null;
  if (!recorder) return Promise.resolve();
  const done = judged;
  judged = [];
  return store(recorder.flush(), done);
}

/**
 * Writes, retrying a refused write; one that keeps failing goes back to the recorder, which
 * notes in the trace what was lost (the popup shows it). Never swallowed.
 */
async function store(actions, consumed = []) {
  if (!actions) return;
  writing += 1;
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await writeActions(actions, consumed);
        updateBadges(actions);
        return;
      } catch (error) {
        if (attempt >= RETRY_DELAYS_MS.length) {
          console.error('Flowlens: could not store recorded events', error);
          perform(recorder.writeFailed(actions, String(error?.message ?? error)));
          return;
        }
        await new Promise((resolve) => { setTimeout(resolve, RETRY_DELAYS_MS[attempt]); });
      }
    }
  } finally {
    writing -= 1;
  }
}

/**
 * Resolves once the worker is idle: started, nothing to write, no event for `quietMs`. For the
 * tests, which stop the worker between two events rather than in the middle of one (an event
 * the browser delivered to a worker it is stopping is lost with whatever that worker asked
 * for, before the extension can do anything about it).
 */
async function settled(quietMs = 50) {
  await ready();
  while (writing > 0 || judging > 0 || flushTimer !== null
    || performance.now() - lastEventAt < quietMs) {
    await new Promise((resolve) => { setTimeout(resolve, 10); });
  }
}

// ---------------------------------------------------------------------------------------------
// webRequest: non-blocking listeners, all URLs. Request bodies only as the recorder needs them:
// form fields as the browser parsed them, other bodies as text when they are UTF-8, up to the
// core's limit (read from the wasm module).

const ALL_URLS = { urls: ['<all_urls>'] };

ext.webRequest.onBeforeRequest.addListener(
  (details) => feed('before-request', details), ALL_URLS, ['requestBody']);
ext.webRequest.onSendHeaders.addListener(
  (details) => feed('send-headers', details), ALL_URLS,
  extraInfoSpec('OnSendHeaders', 'requestHeaders', 'extraHeaders'));
ext.webRequest.onHeadersReceived.addListener(
  (details) => feed('headers-received', details), ALL_URLS,
  extraInfoSpec('OnHeadersReceived', 'responseHeaders', 'extraHeaders'));
ext.webRequest.onBeforeRedirect.addListener(
  (details) => feed('before-redirect', details), ALL_URLS,
  extraInfoSpec('OnBeforeRedirect', 'responseHeaders', 'extraHeaders'));
// Completed repeats the response headers: when the browser stops the worker while it handles
// headers-received, they are not lost (the recorder keeps them once).
ext.webRequest.onCompleted.addListener(
  (details) => feed('completed', details), ALL_URLS,
  extraInfoSpec('OnCompleted', 'responseHeaders', 'extraHeaders'));
ext.webRequest.onErrorOccurred.addListener((details) => feed('error-occurred', details), ALL_URLS);

function withTextBody(details) {
  const body = details.requestBody;
  if (!body || body.formData || !Array.isArray(body.raw)) return details;
  return { ...details, requestBody: rawBodyAsText(body.raw) };
}

function rawBodyAsText(parts) {
  if (parts.some((part) => part.file)) return { binary: true };
  const bytes = new Uint8Array(maxRequestBody);
  let length = 0;
  let total = 0;
  for (const part of parts) {
    if (!part.bytes) continue;
    const chunk = new Uint8Array(part.bytes);
    total += chunk.length;
    const room = maxRequestBody - length;
    if (room > 0) {
      bytes.set(chunk.subarray(0, room), length);
      length += Math.min(room, chunk.length);
    }
  }
  try {
    // stream: true tolerates a character cut at the cap; fatal: true rejects binary bodies.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
    return { text, truncated: total > maxRequestBody };
  } catch {
    return { binary: true };
  }
}

// ---------------------------------------------------------------------------------------------
// webNavigation: what webRequest cannot see (fragments, history changes, popups a flow opens)
// and when a page is ready for its snapshot.

ext.webNavigation.onCommitted.addListener((d) => feed('navigation', { ...d, nav_kind: 'committed' }));
ext.webNavigation.onReferenceFragmentUpdated.addListener((d) => feed('navigation', { ...d, nav_kind: 'fragment' }));
ext.webNavigation.onHistoryStateUpdated.addListener((d) => feed('navigation', { ...d, nav_kind: 'history' }));
ext.webNavigation.onDOMContentLoaded.addListener((d) => {
  if (d.frameId === 0) feed('dom-ready', d);
});
ext.webNavigation.onCreatedNavigationTarget.addListener((d) => feed('tab-opened', d));
ext.tabs.onRemoved.addListener((tabId) => feed('tab-closed', { tab_id: tabId, time_stamp: Date.now() }));

// ---------------------------------------------------------------------------------------------
// Messages: page snapshots from the content script, commands from the popup.

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id) return false;
  if (isPageSnapshotMessage(message)) {
    const tabId = sender.tab?.id;
    if (Number.isInteger(tabId) && tabId >= 0 && sender.frameId === 0) {
      judgeSnapshot(tabId, Date.now(), message.snapshot);
    }
    return false;
  }
  if (isCommandMessage(message)) {
    runCommand(message).then(
      () => sendResponse({ ok: true }),
      (error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
    return true; // the reply is sent asynchronously
  }
  return false;
});

// Page snapshots are judged (does the page ask for the consent screenshot?) by the pages
// module, whose glue is imported statically (an MV3 service worker may not import()
// dynamically) but whose wasm is fetched and compiled when a recording tab first shows a page:
// the recorder's module, compiled at every start of the worker, stays small.
let pages = null;

/**
 * Feeds a page snapshot, as JSON text, with the pages module's judgement of it. The recorder
 * stores it as sent; one the pages module cannot read would not read back from the recording
 * either (and would take the rest of its chunk with it), so it is left out.
 */
async function judgeSnapshot(tab, time, snapshot) {
  judging += 1;
  try {
    const text = JSON.stringify(snapshot);
    let consent;
    try {
      pages ??= initPages({ module_or_path: new URL('./pkg/flowlens_pages_bg.wasm', import.meta.url) });
      await pages;
      consent = pageWantsScreenshot(text);
    } catch (error) {
      pages = null; // tried again with the next snapshot
      console.warn('Flowlens: page snapshot not judged, left out', error);
      return;
    }
    if (consent === undefined) {
      console.warn('Flowlens: a page snapshot that does not read was left out');
      return;
    }
    feed('snapshot', { tab_id: tab, time_stamp: time, url: String(snapshot?.url ?? ''), snapshot: text, consent });
  } finally {
    judging -= 1;
  }
}

async function runCommand({ command, tab }) {
  const r = await ready();
  const now = Date.now();
  const actions = command === 'record' ? r.record(tab, now)
    : command === 'stop' ? r.stop(tab, now)
      : r.clear(tab);
  await perform(actions);
  await flushNow();
}

// ---------------------------------------------------------------------------------------------
// Side effects the recorder asks for.

/** Runs the content script in a recording tab; it answers with a page-snapshot message. */
function snapshot({ tab }) {
  ext.scripting.executeScript({ target: { tabId: tab, frameIds: [0] }, files: [CONTENT_SCRIPT] })
    .catch(() => {
      // Pages the extension may not script (the browser's own pages, error pages, the
      // store): the popup says that no snapshot was taken.
    });
}

const withoutFragment = (url) => String(url ?? '').split('#')[0];

/** The consent page as the user sees it, kept as evidence (only if it is still shown). */
async function captureConsent({ tab, url }) {
  try {
    const shown = await ext.tabs.get(tab);
    if (!shown.active || withoutFragment(shown.url) !== withoutFragment(url)) return;
    const dataUrl = await captureVisibleTab(shown.windowId, { format: 'jpeg', quality: 60 });
    if (!dataUrl) {
      console.info('Flowlens: no consent screenshot: the browser gives none without access to websites');
      return;
    }
    feed('screenshot', { tab_id: tab, time_stamp: Date.now(), url: shown.url, data_url: dataUrl });
  } catch (error) {
    console.info('Flowlens: no consent screenshot', error?.message ?? error);
  }
}

async function lookUpTab(tabId) {
  try {
    const tab = await ext.tabs.get(tabId);
    feed('tab-info', { tab_id: tabId, time_stamp: Date.now(), incognito: Boolean(tab.incognito) });
  } catch {
    // The tab is already gone.
  }
}

// For the end-to-end tests and the benchmark (scripts/bench/extension.mjs): feed synthetic
// events, wait for the recorder or for the worker to be idle, through the real worker's code.
globalThis.flowlens = Object.freeze({ feed, ready, settled, flush: flushNow });
