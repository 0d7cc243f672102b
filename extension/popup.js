// The popup: reads the recording from session storage, has the Rust side analyse and render
// it, and wires the buttons. Page-controlled text only ever reaches the DOM through Rust's
// set_text_content; this file never writes HTML.
//
// Which recording: `?tab=<id>` (tests, automation), else the active tab of this window, else
// the most recent recording. When the popup is open as a page in a tab, its "active tab" is
// itself, so that tab is skipped.

import init, {
  analyzeRecording, deploymentKey, exportBundle, metadataRequests, pickTrace, renderPopup,
  reportMarkdown,
} from './pkg/flowlens_popup.js';
import {
  BROWSER, ext, hostAccess, onHostAccessChange, requestHostAccess,
} from './browser.js';
import { commandMessage, isCommandReply } from './messages.js';
import { MetadataDocuments } from './metadata.js';
import {
  PROFILE_KEY, loadChunks, loadManual, loadProfile, loadStates, saveManual,
} from './storage.js';

const started = performance.now();
const view = document.getElementById('view');
const buttons = {
  record: document.getElementById('record'),
  stop: document.getElementById('stop'),
  clear: document.getElementById('clear'),
  json: document.getElementById('export-json'),
  markdown: document.getElementById('export-markdown'),
  bundle: document.getElementById('export'),
  unredacted: document.getElementById('export-unredacted'),
  confirmUnredacted: document.getElementById('confirm-unredacted'),
  cancelUnredacted: document.getElementById('cancel-unredacted'),
};
const confirmBox = document.getElementById('unredacted-confirm');

// { tab, ownTab, shown, state, result, selectedFlow, profile, deployment, manual }; `manual`
// is the answers to the manual items, {id: {ticked, note}}, as stored for the profile's
// deployment (its key computed in Rust).
let current = null;

/** Discovery documents the popup fetched (see metadata.js), kept while it is open. */
const metadata = new MetadataDocuments();

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
  return { allowed, current_window: Boolean(window?.incognito ?? ext.extension.inIncognitoContext) };
}

/** Timings of the last render, for scripts/bench/extension.mjs (data-timings). */
const timings = {};
const mark = (name, since) => { timings[name] = Math.round(performance.now() - since); return performance.now(); };

async function render() {
  let t = performance.now();
  let metadataState = 'done';
  const [states, profile, incognito, access] = await Promise.all([
    loadStates(),
    loadProfile(),
    incognitoInfo(),
    hostAccess(),
  ]);
  const shown = pickTrace(states, current.tab ?? undefined, current.ownTab ?? undefined);
  const state = states.find((s) => s.trace === shown) ?? null;
  let result = null;
  let missing = 0;
  t = mark('statesMs', t);
  if (state) {
    const stored = await loadChunks(state);
    missing = stored.missing;
    t = mark('chunksMs', t);
    const wanted = metadataRequests(state, stored.chunks);
    const known = metadata.known(wanted);
    result = analyzeRecording(state, stored.chunks, profile, current.manual, known);
    t = mark('analyzeMs', t);
    // Documents not fetched yet: fetch them, then render again with the checks they settle.
    // The body's data-metadata says whether this render had them all (for automation).
    metadataState = known.length === wanted.length ? 'done' : 'fetching';
    if (metadataState === 'fetching') {
      metadata.fetchMissing(wanted).then((arrived) => { if (arrived) render(); });
    }
  }
  current.shown = state?.trace ?? null;
  current.state = state;
  current.result = result;
  // A re-render (the recording grew) must not take the note field from under the user.
  const focused = document.activeElement?.classList?.contains('manual-note')
    ? { id: document.activeElement.dataset.manualId, start: document.activeElement.selectionStart }
    : null;
  renderPopup(view, {
    report: result?.report ?? null,
    screenshots: result?.screenshots ?? [],
    state,
    active_tab: current.tab,
    selected_flow: current.selectedFlow,
    incognito,
    browser: BROWSER,
    host_access: access,
    missing_chunks: missing,
    pages: result?.pages ?? [],
  });
  mark('renderMs', t);
  document.body.dataset.metadata = metadataState;
  if (focused) {
    const note = [...view.querySelectorAll('textarea.manual-note')].find((n) => n.dataset.manualId === focused.id);
    note?.focus();
    note?.setSelectionRange(focused.start, focused.start);
  }
  document.body.dataset.timings = JSON.stringify(timings);
  buttons.json.disabled = !result;
  buttons.markdown.disabled = !result;
  buttons.bundle.disabled = !result;
  buttons.stop.disabled = !state;
  buttons.clear.disabled = !state;
  // Without access to websites a recording would stay empty.
  buttons.record.disabled = access === false || (current.tab === null && !state);
}

function download(name, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The manual item answers: kept in memory for rendering, saved to storage.local. */
let saveTimer = null;
function answer(id) {
  current.manual[id] ??= { ticked: false, note: null };
  return current.manual[id];
}
function saveAnswers() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => { saveManual(current.deployment, current.manual); }, 250);
}

/**
 * The export bundle (one zip: HAR, report JSON and Markdown, consent screenshot), read fresh
 * from storage. Redacted with a one-time random key, unless `live` (after confirmation).
 */
async function exportZip(live) {
  if (!current.state) return;
  const stored = await loadChunks(current.state);
  const key = live ? null : crypto.getRandomValues(new Uint8Array(32));
  let bytes;
  try {
    const documents = metadata.known(metadataRequests(current.state, stored.chunks));
    bytes = exportBundle(current.state, stored.chunks, current.profile, current.manual, key, documents);
  } finally {
    key?.fill(0);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  download(`flowlens-export-${stamp}${live ? '-UNREDACTED' : ''}.zip`, 'application/zip', bytes);
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
  const profile = await loadProfile();
  const deployment = deploymentKey(profile);
  current = {
    ...(await whichTab()), shown: null, state: null, result: null, selectedFlow: null,
    profile, deployment, manual: await loadManual(deployment),
  };
  await render();
  document.body.dataset.ready = 'true';
  document.body.dataset.readyMs = String(Math.round(performance.now() - started));

  view.addEventListener('change', (event) => {
    if (event.target.id !== 'flow-select') return;
    current.selectedFlow = Number.parseInt(event.target.value, 10);
    render();
  });
  // Manual items: the tick is stored at once, a note while typing (debounced) and on leave.
  view.addEventListener('change', (event) => {
    const id = event.target.dataset?.manualId;
    if (!id) return;
    if (event.target.classList.contains('manual-tick')) {
      answer(id).ticked = event.target.checked;
      event.target.closest('[data-check]')?.setAttribute('data-ticked', String(event.target.checked));
    } else if (event.target.classList.contains('manual-note')) {
      answer(id).note = event.target.value.trim() === '' ? null : event.target.value;
    }
    saveAnswers();
  });
  view.addEventListener('input', (event) => {
    const id = event.target.dataset?.manualId;
    if (!id || !event.target.classList.contains('manual-note')) return;
    answer(id).note = event.target.value.trim() === '' ? null : event.target.value;
    saveAnswers();
  });
  // Rust renders #grant-access when Flowlens cannot record; the request must be made while the
  // click is handled (Firefox), and a change made in the browser's settings re-renders too.
  view.addEventListener('click', (event) => {
    if (event.target.id === 'grant-access') requestHostAccess().then(() => render());
  });
  onHostAccessChange(() => render());
  for (const name of ['record', 'stop', 'clear']) buttons[name].addEventListener('click', () => command(name));
  buttons.json.addEventListener('click', () => download('flowlens-report.json', 'application/json',
    `${JSON.stringify(current.result.report, null, 2)}\n`));
  buttons.markdown.addEventListener('click', () => download('flowlens-report.md', 'text/markdown',
    reportMarkdown(current.result.report)));
  // Export: redacted unless "include live secrets" is ticked, which asks once more in the popup.
  buttons.bundle.addEventListener('click', () => {
    if (buttons.unredacted.checked) {
      confirmBox.hidden = false;
      buttons.confirmUnredacted.focus();
    } else {
      exportZip(false);
    }
  });
  buttons.confirmUnredacted.addEventListener('click', () => {
    confirmBox.hidden = true;
    buttons.unredacted.checked = false;
    exportZip(true);
  });
  buttons.cancelUnredacted.addEventListener('click', () => { confirmBox.hidden = true; });

  // Live: re-render when the recording grows (coalesced: the recorder writes once per burst).
  let pending = null;
  ext.storage.onChanged.addListener(async (changes, area) => {
    if (area === 'local' && PROFILE_KEY in changes) {
      // Another profile, other answers (and other expectations).
      current.profile = await loadProfile();
      current.deployment = deploymentKey(current.profile);
      current.manual = await loadManual(current.deployment);
      render();
      return;
    }
    if (area !== 'session' || pending) return;
    pending = setTimeout(() => { pending = null; render(); }, 150);
  });
}

main().catch((error) => {
  view.textContent = `Flowlens could not start: ${error?.message ?? error}`;
  document.body.dataset.ready = 'error';
});
