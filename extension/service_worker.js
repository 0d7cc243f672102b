// The background service worker: collects browser events and hands them to the Rust recorder,
// then carries out what it decides (storage writes, page snapshots, the consent screenshot).
// It decides nothing itself.
//
// MV3 rules this file follows: a static import of the wasm glue (dynamic import() is not
// allowed in service workers); every listener registered synchronously at the top level (so
// Chrome can wake the worker for them); no top-level await (it kills the worker), the wasm
// initialisation is awaited inside the handlers instead. Chrome stops an idle worker at any
// time: everything the recorder must remember is in chrome.storage.session (storage.js).

import init, { Recorder } from './pkg/flowlens_worker.js';
import { captureVisibleTab, ext, extraInfoSpec } from './browser.js';
import { isCommandMessage, isPageSnapshotMessage } from './messages.js';
import { loadStates, writeActions } from './storage.js';

const CONTENT_SCRIPT = 'extension/content.js';
const MAX_BODY_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// The recorder, created once per worker life. Events that arrive while it is being created
// wait in `queued` and are fed in their order.

let recorder = null;
let starting = null;
const queued = [];

function ready() {
  starting ??= (async () => {
    await init({ module_or_path: new URL('./pkg/flowlens_worker_bg.wasm', import.meta.url) });
    const created = new Recorder();
    perform(created.restore(await loadStates()));
    recorder = created;
    for (const [kind, details] of queued.splice(0)) observe(kind, details);
    return created;
  })();
  return starting;
}

/** Entry point of every browser event. */
function feed(kind, details) {
  if (recorder) {
    observe(kind, details);
  } else {
    queued.push([kind, details]);
    ready().catch((error) => console.error('Flowlens: the recorder failed to start', error));
  }
}

function observe(kind, details) {
  let actions;
  try {
    actions = recorder.observe(kind, details);
  } catch (error) {
    console.warn(`Flowlens: ${kind} event not recorded`, error);
    return;
  }
  if (actions) perform(actions);
}

/** Carries out the recorder's Actions; resolves when their storage writes are done. */
function perform(actions) {
  if (!actions) return Promise.resolve();
  if (actions.snapshot !== null && actions.snapshot !== undefined) snapshot(actions.snapshot);
  if (actions.screenshot) captureConsent(actions.screenshot);
  if (actions.lookupTab !== null && actions.lookupTab !== undefined) lookUpTab(actions.lookupTab);
  if (actions.flush) scheduleFlush();
  const writes = actions.append?.length || actions.states?.length || actions.removed?.length;
  return writes ? store(actions) : Promise.resolve();
}

// Kept events are written once per burst of browser events, not once per event: a storage
// write costs several times what the recorder's decision does. The flush runs in the next
// task, after the events already queued (a page's requests arrive as a burst); only a worker
// killed within that millisecond (not Chrome's idle stop, which waits 30 s) could lose them.
let flushTimer = null;

function scheduleFlush() {
  flushTimer ??= setTimeout(flushNow, 0);
}

function flushNow() {
  clearTimeout(flushTimer);
  flushTimer = null;
  if (!recorder) return Promise.resolve();
  return store(recorder.flush());
}

function store(actions) {
  if (!actions) return Promise.resolve();
  return writeActions(actions).catch((error) => {
    // Quota (10 MB) or a closing browser: say so in the console; the popup reports missing
    // chunks as what was not observed.
    console.warn('Flowlens: could not store recorded events', error);
  });
}

// ---------------------------------------------------------------------------------------------
// webRequest: non-blocking listeners, all URLs. Request bodies only as the recorder needs them:
// form fields as the browser parsed them, other bodies as text when they are UTF-8.

const ALL_URLS = { urls: ['<all_urls>'] };

ext.webRequest.onBeforeRequest.addListener(
  (details) => feed('before-request', withTextBody(details)), ALL_URLS, ['requestBody']);
ext.webRequest.onSendHeaders.addListener(
  (details) => feed('send-headers', details), ALL_URLS,
  extraInfoSpec('OnSendHeaders', 'requestHeaders', 'extraHeaders'));
ext.webRequest.onHeadersReceived.addListener(
  (details) => feed('headers-received', details), ALL_URLS,
  extraInfoSpec('OnHeadersReceived', 'responseHeaders', 'extraHeaders'));
ext.webRequest.onBeforeRedirect.addListener(
  (details) => feed('before-redirect', details), ALL_URLS,
  extraInfoSpec('OnBeforeRedirect', 'responseHeaders', 'extraHeaders'));
ext.webRequest.onCompleted.addListener((details) => feed('completed', details), ALL_URLS);
ext.webRequest.onErrorOccurred.addListener((details) => feed('error-occurred', details), ALL_URLS);

function withTextBody(details) {
  const body = details.requestBody;
  if (!body || body.formData || !Array.isArray(body.raw)) return details;
  return { ...details, requestBody: rawBodyAsText(body.raw) };
}

function rawBodyAsText(parts) {
  if (parts.some((part) => part.file)) return { binary: true };
  const bytes = new Uint8Array(MAX_BODY_BYTES);
  let length = 0;
  let total = 0;
  for (const part of parts) {
    if (!part.bytes) continue;
    const chunk = new Uint8Array(part.bytes);
    total += chunk.length;
    const room = MAX_BODY_BYTES - length;
    if (room > 0) {
      bytes.set(chunk.subarray(0, room), length);
      length += Math.min(room, chunk.length);
    }
  }
  try {
    // stream: true tolerates a character cut at the cap; fatal: true rejects binary bodies.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
    return { text, truncated: total > MAX_BODY_BYTES };
  } catch {
    return { binary: true };
  }
}

// ---------------------------------------------------------------------------------------------
// webNavigation: what webRequest cannot see (fragments, history changes, popups a flow opens)
// and when a page is ready for its snapshot.

ext.webNavigation.onCommitted.addListener((d) => feed('navigation', { ...d, navKind: 'committed' }));
ext.webNavigation.onReferenceFragmentUpdated.addListener((d) => feed('navigation', { ...d, navKind: 'fragment' }));
ext.webNavigation.onHistoryStateUpdated.addListener((d) => feed('navigation', { ...d, navKind: 'history' }));
ext.webNavigation.onDOMContentLoaded.addListener((d) => {
  if (d.frameId === 0) feed('dom-ready', d);
});
ext.webNavigation.onCreatedNavigationTarget.addListener((d) => feed('tab-opened', d));
ext.tabs.onRemoved.addListener((tabId) => feed('tab-closed', { tabId, timeStamp: Date.now() }));

// ---------------------------------------------------------------------------------------------
// Messages: page snapshots from the content script, commands from the popup.

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id) return false;
  if (isPageSnapshotMessage(message)) {
    const tabId = sender.tab?.id;
    if (Number.isInteger(tabId) && tabId >= 0 && sender.frameId === 0) {
      feed('snapshot', { tabId, timeStamp: Date.now(), snapshot: message.snapshot });
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
function snapshot(tabId) {
  ext.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: [CONTENT_SCRIPT] })
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
    feed('screenshot', { tabId: tab, timeStamp: Date.now(), url: shown.url, dataUrl });
  } catch (error) {
    console.info('Flowlens: no consent screenshot', error?.message ?? error);
  }
}

async function lookUpTab(tabId) {
  try {
    const tab = await ext.tabs.get(tabId);
    feed('tab-info', { tabId, timeStamp: Date.now(), incognito: Boolean(tab.incognito) });
  } catch {
    // The tab is already gone.
  }
}

// For the end-to-end tests and the benchmark (scripts/bench/extension.mjs): feed synthetic
// events and wait for the recorder, through the real worker's code path.
globalThis.flowlens = Object.freeze({ feed, ready, flush: flushNow });
