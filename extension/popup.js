// The popup: reads the recording from session storage, has the Rust side analyse and render
// it, and wires the buttons. Page-controlled text only ever reaches the DOM through Rust's
// set_text_content; this file never writes HTML.
//
// Which recording: `?tab=<id>` (tests, automation), else the active tab of this window, else
// the most recent recording. When the popup is open as a page in a tab, its "active tab" is
// itself, so that tab is skipped.

import init, { analyzeRecording, pickTrace, renderPopup, reportMarkdown } from './pkg/flowlens_popup.js';
import { ext } from './browser.js';
import { commandMessage, isCommandReply } from './messages.js';
import { loadChunks, loadProfile, loadStates } from './storage.js';

const started = performance.now();
const view = document.getElementById('view');
const buttons = {
  record: document.getElementById('record'),
  stop: document.getElementById('stop'),
  clear: document.getElementById('clear'),
  json: document.getElementById('export-json'),
  markdown: document.getElementById('export-markdown'),
};

let current = null; // { tab, ownTab, shown, result, selectedFlow }

async function whichTab() {
  const asked = Number.parseInt(new URLSearchParams(location.search).get('tab') ?? '', 10);
  const own = await ext.tabs.getCurrent().catch(() => undefined);
  if (Number.isInteger(asked)) return { tab: asked, ownTab: own?.id ?? null };
  const [active] = await ext.tabs.query({ active: true, currentWindow: true });
  const isSelf = active && own && active.id === own.id;
  return { tab: active && !isSelf ? active.id : null, ownTab: own?.id ?? null };
}

async function incognitoInfo() {
  const allowed = await ext.extension.isAllowedIncognitoAccess().catch(() => null);
  const window = await ext.windows?.getCurrent().catch(() => null);
  return { allowed, currentWindow: Boolean(window?.incognito ?? ext.extension.inIncognitoContext) };
}

/** Timings of the last render, for scripts/bench/extension.mjs (data-timings). */
const timings = {};
const mark = (name, since) => { timings[name] = Math.round(performance.now() - since); return performance.now(); };

async function render() {
  let t = performance.now();
  const [states, profile, incognito, hostAccess] = await Promise.all([
    loadStates(),
    loadProfile(),
    incognitoInfo(),
    ext.permissions.contains({ origins: ['<all_urls>'] }).catch(() => null),
  ]);
  const shown = pickTrace(states, current.tab ?? undefined, current.ownTab ?? undefined);
  const state = states.find((s) => s.tab === shown) ?? null;
  let result = null;
  let missing = 0;
  t = mark('statesMs', t);
  if (state) {
    const stored = await loadChunks(state);
    missing = stored.missing;
    t = mark('chunksMs', t);
    result = analyzeRecording(state, stored.chunks, profile);
    t = mark('analyzeMs', t);
  }
  current.shown = state?.tab ?? null;
  current.result = result;
  renderPopup(view, {
    report: result?.report ?? null,
    screenshots: result?.screenshots ?? [],
    state,
    activeTab: current.tab,
    selectedFlow: current.selectedFlow,
    incognito,
    hostAccess,
    missingChunks: missing,
    pages: result?.pages ?? [],
  });
  mark('renderMs', t);
  document.body.dataset.timings = JSON.stringify(timings);
  buttons.json.disabled = !result;
  buttons.markdown.disabled = !result;
  buttons.stop.disabled = !state;
  buttons.clear.disabled = !state;
  buttons.record.disabled = current.tab === null && !state;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function command(name) {
  const tab = name === 'record' ? (current.tab ?? current.shown) : (current.shown ?? current.tab);
  if (tab === null || tab === undefined) return;
  const reply = await ext.runtime.sendMessage(commandMessage(name, tab));
  if (!isCommandReply(reply) || !reply.ok) console.warn('Flowlens: command failed', reply);
  await render();
}

async function main() {
  await init({ module_or_path: new URL('./pkg/flowlens_popup_bg.wasm', import.meta.url) });
  timings.initMs = Math.round(performance.now() - started);
  current = { ...(await whichTab()), shown: null, result: null, selectedFlow: null };
  await render();
  document.body.dataset.ready = 'true';
  document.body.dataset.readyMs = String(Math.round(performance.now() - started));

  view.addEventListener('change', (event) => {
    if (event.target.id !== 'flow-select') return;
    current.selectedFlow = Number.parseInt(event.target.value, 10);
    render();
  });
  for (const name of ['record', 'stop', 'clear']) buttons[name].addEventListener('click', () => command(name));
  buttons.json.addEventListener('click', () => download('flowlens-report.json', 'application/json',
    `${JSON.stringify(current.result.report, null, 2)}\n`));
  buttons.markdown.addEventListener('click', () => download('flowlens-report.md', 'text/markdown',
    reportMarkdown(current.result.report)));

  // Live: re-render when the recording grows (coalesced, the recorder writes per event).
  let pending = null;
  ext.storage.onChanged.addListener((_changes, area) => {
    if (area !== 'session' || pending) return;
    pending = setTimeout(() => { pending = null; render(); }, 150);
  });
}

main().catch((error) => {
  view.textContent = `Flowlens could not start: ${error?.message ?? error}`;
  document.body.dataset.ready = 'error';
});
