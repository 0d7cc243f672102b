// The checklist of a recorded flow, shared by the popup and the side panel: reads the
// recording from session storage into a Rust `Analysis` (flowlens_view) and asks it to render;
// follows the recording as it grows (storage changes carry the new chunks, which go to Rust
// without another read) and the user's answers to the manual items. Page-controlled text only
// ever reaches the DOM through Rust, as text; this file never writes HTML.
//
// Which recording: `?tab=<id>` (tests, automation), else the active tab of this window (the
// side panel follows it as the user switches tabs), else the most recent recording. When the
// page is open as a tab, its "active tab" is itself, so that tab is skipped.
//
// The discovery documents of the flow, which a browser extension cannot read from the
// recording, are fetched by the page itself (metadata.js; Rust names them) and given to the
// analysis; the body's data-metadata says whether the last render had them all.
//
// Export, JSON and Markdown load the files module (flowlens_files) when first used: the first
// paint needs only the view module.

import init, { Analysis, deploymentKey, pickTrace } from './pkg/flowlens_view.js';
import {
  BROWSER, ext, hostAccess, onHostAccessChange, requestHostAccess,
} from './browser.js';
import { checkDocs } from './check-docs.js';
import { commandMessage, isCommandReply } from './messages.js';
import { MetadataDocuments } from './metadata.js';
import { wireViewControls } from './view-controls.js';
import {
  DISMISSED_KEY, PROFILE_KEY, STATE_PREFIX, chunkKey, loadChecklistSettings, loadChunks,
  loadManual, loadStates, manualKey, saveDismissed, saveManualAnswers, stateKey,
} from './storage.js';

/** What Rust reads: the stored JSON string as it is, an object as JSON. */
const asJson = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
const parsed = (value) => (typeof value === 'string' ? JSON.parse(value) : value);

/** The trace key of a stored state. */
const traceOf = (state) => state.trace;

/** Timings of the last updates, for scripts/bench/extension.mjs (body[data-timings]). */
const timings = {};

export async function startChecklist({ surface }) {
  const started = performance.now();
  // The module compiles while storage is read.
  const wasm = init({ module_or_path: new URL('./pkg/flowlens_view_bg.wasm', import.meta.url) });
  const view = document.getElementById('view');
  const asked = Number.parseInt(new URLSearchParams(location.search).get('tab') ?? '', 10);
  const pinned = Number.isInteger(asked);
  // Everything the first paint needs is read at once, while the module compiles.
  const [own, windowInfo, settings, states, incognito, access, [active] = []] = await Promise.all([
    ext.tabs.getCurrent().catch(() => undefined),
    ext.windows?.getCurrent().catch(() => null),
    loadChecklistSettings(),
    loadStates(),
    incognitoInfo(),
    hostAccess(),
    pinned ? [] : ext.tabs.query({ active: true, currentWindow: true }).catch(() => []),
  ]);
  const page = {
    surface,
    view,
    pinned,
    ownTab: own?.id ?? null,
    windowId: windowInfo?.id ?? null,
    tab: pinned ? asked : null,
    trace: null,
    state: null,
    missing: 0,
    profile: settings.profile,
    /** The profile's deployment (its key from Rust): the manual answers are kept per deployment. */
    deployment: null,
    manual: {},
    /** Discovery documents this page fetched, kept while it is open. */
    metadata: new MetadataDocuments(),
    /** Manual item ids changed here and not saved yet. */
    unsaved: new Set(),
    context: {
      browser: BROWSER,
      incognito: { allowed: incognito.allowed, current_window: Boolean(windowInfo?.incognito ?? incognito.current_window) },
      host_access: access,
      selected_flow: null,
      panel: 'checks',
      dismissed: settings.dismissed,
      opened: [],
    },
    analysis: null,
  };
  // When the page is open as a tab, its "active tab" is itself.
  if (!pinned) page.tab = active && active.id !== page.ownTab ? active.id : null;
  await wasm;
  timings.initMs = Math.round(performance.now() - started);
  page.deployment = deploymentKey(asJson(page.profile));
  page.manual = settings.manualOf(page.deployment);
  page.analysis = new Analysis();
  page.analysis.setProfile(asJson(page.profile));
  page.analysis.setAnswers(asJson(page.manual));
  await showPicked(page, states);
  render(page);
  document.body.dataset.readyMs = String(Math.round(performance.now() - started));
  document.body.dataset.ready = 'true';
  listen(page);
  // What an opened check explains, after the first paint.
  checkDocs().then((docs) => {
    if (docs === null) return;
    page.analysis.setCheckDocs(docs);
    scheduleRender(page);
  });
  return page;
}

async function incognitoInfo() {
  const allowed = await ext.extension.isAllowedIncognitoAccess().catch(() => null);
  return { allowed, current_window: Boolean(ext.extension.inIncognitoContext) };
}

/** Reads the recording the page shows (picked again) into the analysis. */
async function showPicked(page, known) {
  let t = performance.now();
  const states = known ?? await loadStates();
  const picked = pickTrace(states.map(asJson), page.tab ?? undefined, page.ownTab ?? undefined);
  const state = states.map(parsed).find((s) => traceOf(s) === picked) ?? null;
  page.trace = state ? traceOf(state) : null;
  page.state = state;
  if (!state) {
    page.missing = 0;
    page.analysis.showNothing();
    return;
  }
  const stored = await loadChunks(state);
  timings.readMs = Math.round(performance.now() - t);
  t = performance.now();
  page.missing = stored.missing;
  page.analysis.showRecording(asJson(state), stored.chunks.map(asJson));
  timings.loadMs = Math.round(performance.now() - t);
}

/** Renders into the page (Rust changes only what differs) and updates the controls. */
function render(page) {
  let t = performance.now();
  page.analysis.setContext(JSON.stringify({
    ...page.context,
    active_tab: page.tab,
    missing_chunks: page.missing,
  }));
  // The report is built when first asked for after a change.
  const has = page.analysis.hasReport();
  timings.analyzeMs = Math.round(performance.now() - t);
  t = performance.now();
  page.analysis.render(page.view);
  followMetadata(page);
  const done = performance.now();
  timings.renderMs = Math.round(done - t);
  if (page.changedAt !== undefined) {
    // From the storage change to the page updated: what a side-panel user waits.
    timings.updateMs = Math.round((done - page.changedAt) * 10) / 10;
    page.changedAt = undefined;
  }
  page.renders = (page.renders ?? 0) + 1;
  document.body.dataset.renders = String(page.renders);
  document.body.dataset.renderedAt = String(Date.now());
  document.body.dataset.timings = JSON.stringify(timings);
  document.body.dataset.trace = page.trace ?? '';
  for (const id of ['export', 'export-json', 'export-markdown']) {
    const button = document.getElementById(id);
    if (button) button.disabled = !has;
  }
  for (const id of ['stop', 'clear']) {
    const button = document.getElementById(id);
    if (button) button.disabled = !page.state;
  }
  const record = document.getElementById('record');
  // Without access to websites a recording would stay empty.
  if (record) record.disabled = page.context.host_access === false || (page.tab === null && !page.state);
}

/**
 * The discovery documents the recording names (Rust says which, from the report just built):
 * fetched once each, then given to the analysis, which renders again with the checks they
 * settle. data-metadata says whether this render had them all (for automation).
 */
function followMetadata(page) {
  const wanted = page.state ? JSON.parse(page.analysis.metadataRequests()) : [];
  const missing = wanted.length - page.metadata.known(wanted).length;
  document.body.dataset.metadata = missing === 0 ? 'done' : 'fetching';
  if (missing === 0) return;
  page.metadata.fetchMissing(wanted).then((arrived) => {
    if (!arrived) return;
    page.analysis.setDocuments(documentsOf(page));
    scheduleRender(page);
  }).catch((error) => console.warn('Flowlens: metadata not fetched', error));
}

/** Every document the page fetched, as JSON (Rust takes the ones of the recording shown). */
const documentsOf = (page) => JSON.stringify(page.metadata.all());

/** One render after the current burst of changes. */
function scheduleRender(page) {
  if (page.renderPending) return;
  page.renderPending = true;
  setTimeout(() => {
    page.renderPending = false;
    render(page);
  }, 0);
}

/**
 * A change of session storage: new chunks of the shown recording go straight to Rust; a new
 * or removed recording may change what the page shows.
 */
async function sessionChanged(page, changes, arrived) {
  const t = performance.now();
  const shownKey = page.trace === null ? null : stateKey(page.trace);
  const otherState = Object.keys(changes).some((key) => key.startsWith(STATE_PREFIX) && key !== shownKey);
  const change = shownKey ? changes[shownKey] : undefined;
  if (change && change.newValue === undefined) {
    await showPicked(page);
  } else if (change) {
    const state = parsed(change.newValue);
    const from = page.analysis.chunksRead;
    const keys = [];
    for (let n = from; n < state.chunks; n += 1) keys.push(chunkKey(page.trace, n));
    const missing = keys.filter((key) => changes[key]?.newValue === undefined);
    const read = missing.length === 0 ? {} : await ext.storage.session.get(missing);
    const chunks = keys.map((key) => changes[key]?.newValue ?? read[key]);
    const added = !chunks.includes(undefined)
      && page.analysis.appendChunks(asJson(state), from, chunks.map(asJson));
    page.state = state;
    if (!added) await showPicked(page);
  } else if (!otherState || (page.pinned && page.trace !== null)) {
    return;
  }
  if (otherState) {
    // Another tab's recording: shown only if it is now the one to show.
    const states = await loadStates();
    const picked = pickTrace(states.map(asJson), page.tab ?? undefined, page.ownTab ?? undefined);
    if ((picked ?? null) !== page.trace) await showPicked(page);
  }
  timings.changeMs = Math.round(performance.now() - t);
  page.changedAt ??= arrived;
  scheduleRender(page);
}

/**
 * Manual answers: kept in `page.manual`, told to Rust, saved (debounced) by merging only the
 * items changed here into what is stored, so that the popup and the side panel, open at
 * once, never undo each other's answers.
 */
function answer(page, id, edit) {
  const current = page.manual[id] ?? { ticked: false, note: null };
  const next = { ...current, ...edit };
  if (next.note !== null && next.note.trim() === '') next.note = null;
  page.manual[id] = next;
  page.analysis.setAnswer(id, next.ticked, next.note ?? undefined);
  page.unsaved.add(id);
  clearTimeout(page.saveTimer);
  page.saveTimer = setTimeout(() => saveAnswers(page), 250);
}

async function saveAnswers(page) {
  const ids = [...page.unsaved];
  page.unsaved.clear();
  const edits = Object.fromEntries(ids.map((id) => [id, page.manual[id]]));
  await saveManualAnswers(page.deployment, edits);
}

/** Answers changed in another page: taken, except the ones this page has not saved yet. */
function answersChanged(page, stored) {
  const editing = document.activeElement?.classList?.contains('manual-note')
    ? document.activeElement.dataset.manualId : null;
  for (const [id, value] of Object.entries(stored ?? {})) {
    if (page.unsaved.has(id) || id === editing) continue;
    page.manual[id] = value;
  }
  page.analysis.setAnswers(asJson(page.manual));
}

function download(name, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The files module (export, JSON, Markdown), loaded on first use. */
let filesModule = null;
function files() {
  filesModule ??= import('./pkg/flowlens_files.js').then(async (module) => {
    await module.default({ module_or_path: new URL('./pkg/flowlens_files_bg.wasm', import.meta.url) });
    return module;
  });
  return filesModule;
}

/** The recording as stored now, for an export: `[state, chunks]` as JSON strings. */
async function storedRecording(page) {
  const state = page.state;
  if (!state) return null;
  const stored = await loadChunks(state);
  return [asJson(state), stored.chunks.map(asJson)];
}

/**
 * The export bundle (one zip: HAR, report JSON and Markdown, consent screenshot), read fresh
 * from storage. Redacted with a one-time random key, unless `live` (after confirmation).
 */
async function exportZip(page, live) {
  const [module, recording] = await Promise.all([files(), storedRecording(page)]);
  if (!recording) return;
  const key = live ? null : crypto.getRandomValues(new Uint8Array(32));
  let bytes;
  try {
    bytes = module.exportBundle(...recording, asJson(page.profile), asJson(page.manual), key, documentsOf(page));
  } finally {
    key?.fill(0);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  download(`flowlens-export-${stamp}${live ? '-UNREDACTED' : ''}.zip`, 'application/zip', bytes);
}

async function exportReport(page, format) {
  const [module, recording] = await Promise.all([files(), storedRecording(page)]);
  if (!recording) return;
  const text = module.exportReport(...recording, asJson(page.profile), asJson(page.manual), format, documentsOf(page));
  if (format === 'json') download('flowlens-report.json', 'application/json', text);
  else download('flowlens-report.md', 'text/markdown', text);
}

async function command(page, name) {
  const tab = name === 'record' ? (page.tab ?? page.trace) : (page.trace ?? page.tab);
  if (tab === null || tab === undefined) return;
  const reply = await ext.runtime.sendMessage(commandMessage(name, tab));
  if (!isCommandReply(reply) || !reply.ok) console.warn('Flowlens: command failed', reply);
  await showPicked(page);
  render(page);
}

function listen(page) {
  const { view } = page;
  const byId = (id) => document.getElementById(id);

  wireViewControls(view, {
    panel: () => page.context.panel,
    showPanel(panel) {
      page.context.panel = panel;
      render(page);
    },
    selectFlow(index) {
      page.context.selected_flow = index;
      render(page);
    },
    dismiss(id) {
      page.context.dismissed = [...new Set([...page.context.dismissed, id])];
      saveDismissed(page.context.dismissed);
      render(page);
    },
    open(id) {
      if (page.context.opened.includes(id)) return;
      page.context.opened.push(id);
      render(page);
    },
  });
  view.addEventListener('change', (event) => {
    const { target } = event;
    const id = target.dataset?.manualId;
    if (!id) return;
    if (target.classList.contains('manual-tick')) {
      answer(page, id, { ticked: target.checked });
      render(page);
    } else if (target.classList.contains('manual-note')) {
      answer(page, id, { note: target.value });
    }
  });
  view.addEventListener('input', (event) => {
    const id = event.target.dataset?.manualId;
    if (id && event.target.classList.contains('manual-note')) answer(page, id, { note: event.target.value });
  });
  view.addEventListener('click', (event) => {
    if (event.target.closest('button')?.id !== 'grant-access') return;
    // Firefox accepts the request only while the click is handled: before any await.
    requestHostAccess().then(async () => {
      page.context.host_access = await hostAccess();
      render(page);
    });
  });
  onHostAccessChange(async () => {
    page.context.host_access = await hostAccess();
    render(page);
  });

  for (const name of ['record', 'stop', 'clear']) byId(name)?.addEventListener('click', () => command(page, name));
  byId('export-json')?.addEventListener('click', () => exportReport(page, 'json'));
  byId('export-markdown')?.addEventListener('click', () => exportReport(page, 'markdown'));
  // Export: redacted unless "include live secrets" is ticked, which asks once more.
  const confirmBox = byId('unredacted-confirm');
  byId('export')?.addEventListener('click', () => {
    if (byId('export-unredacted')?.checked) {
      confirmBox.hidden = false;
      byId('confirm-unredacted').focus();
    } else {
      exportZip(page, false);
    }
  });
  byId('confirm-unredacted')?.addEventListener('click', () => {
    confirmBox.hidden = true;
    byId('export-unredacted').checked = false;
    exportZip(page, true);
  });
  byId('cancel-unredacted')?.addEventListener('click', () => { confirmBox.hidden = true; });
  // The export code loads while the user looks at the checklist, not when they click.
  const warm = () => files().catch(() => {});
  for (const id of ['export', 'export-json', 'export-markdown']) {
    byId(id)?.addEventListener('pointerenter', warm, { once: true });
    byId(id)?.addEventListener('focus', warm, { once: true });
  }

  // Live: the recording grows, another page answers a manual item, the profile changes.
  let queue = Promise.resolve();
  ext.storage.onChanged.addListener((changes, area) => {
    if (area === 'session') {
      const arrived = performance.now();
      queue = queue.then(() => sessionChanged(page, changes, arrived)).catch((error) => console.warn('Flowlens: update failed', error));
      return;
    }
    if (area !== 'local') return;
    if (PROFILE_KEY in changes) {
      // Another profile, other answers (and other expectations).
      queue = queue.then(async () => {
        page.profile = changes[PROFILE_KEY].newValue ?? null;
        page.deployment = deploymentKey(asJson(page.profile));
        page.manual = await loadManual(page.deployment);
        page.analysis.setProfile(asJson(page.profile));
        page.analysis.setAnswers(asJson(page.manual));
        render(page);
      });
      return;
    }
    const key = manualKey(page.deployment);
    if (key in changes) {
      answersChanged(page, changes[key].newValue);
      scheduleRender(page);
    }
    if (DISMISSED_KEY in changes) {
      page.context.dismissed = changes[DISMISSED_KEY].newValue ?? [];
      scheduleRender(page);
    }
  });
  // The side panel follows the tab the user looks at.
  if (page.surface === 'sidepanel' && !page.pinned) {
    ext.tabs.onActivated.addListener(({ tabId, windowId }) => {
      if (page.windowId !== null && windowId !== page.windowId) return;
      page.tab = tabId;
      page.context.selected_flow = null;
      queue = queue.then(async () => {
        await showPicked(page);
        render(page);
      });
    });
  }
  // Unsaved answers are saved when the page goes away (the popup closes on any outside click).
  addEventListener('pagehide', () => {
    if (page.unsaved.size > 0) saveAnswers(page);
  });
}
