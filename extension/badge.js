// The toolbar badge of each recorded tab: a recording mark while its flow is recorded, then
// the verdict (the number of blockers on red, a check mark on green, a question mark on grey
// when the recording is incomplete), with the verdict line as the button's title. What it
// shows is decided in Rust (flowlens_core::render::badge).
//
// The service worker's own module (flowlens_worker, the recorder) says the recording mark. The
// verdict needs the analysis, which is in the view module: its glue is imported statically
// (an MV3 service worker may not import() dynamically) but its wasm is fetched and compiled
// only when a flow first needs a verdict, so the worker's start stays as cheap as before. The
// analysis gets the flow's discovery documents, fetched as the popup fetches them
// (metadata.js), so that the badge and the popup give the same verdict.

import { recordingBadge } from './pkg/flowlens_worker.js';
import initView, { Analysis } from './pkg/flowlens_view.js';
import { ext, setBadge } from './browser.js';
import { MetadataDocuments } from './metadata.js';
import { loadChunks, loadProfile } from './storage.js';

const asJson = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Tab id -> the badge it shows (to show again where a navigation cleared it). */
const shown = new Map();
/** Trace -> what its state was when last judged, so a verdict is computed once per change. */
const judged = new Map();
let view = null;
/** The discovery documents of the flows judged (see metadata.js), while the worker runs. */
const metadata = new MetadataDocuments();

function viewModule() {
  view ??= initView({ module_or_path: new URL('./pkg/flowlens_view_bg.wasm', import.meta.url) });
  return view;
}

/** The recorder's actions were stored: badges follow the states written and removed. */
export function updateBadges(actions) {
  // States to write are `{trace, json}`, removed ones the states themselves.
  for (const stored of actions.states ?? []) {
    show(JSON.parse(stored.json)).catch((error) => console.warn('Flowlens: badge not updated', error));
  }
  for (const gone of actions.removed ?? []) {
    judged.delete(gone.trace);
    apply(gone, null);
  }
}

async function show(state) {
  const trace = state.trace;
  const recording = recordingBadge(state);
  if (recording) {
    judged.delete(trace);
    apply(state, recording);
    return;
  }
  if (!(state.events > 0)) {
    judged.delete(trace);
    apply(state, null);
    return;
  }
  const signature = `${state.chunks}:${state.events}:${state.phase}`;
  if (judged.get(trace) === signature) return;
  judged.set(trace, signature);
  const badge = await verdictOf(state);
  // A newer state of the trace may have been judged meanwhile.
  if (judged.get(trace) === signature) apply(state, badge);
}

/**
 * The verdict's badge: the recording analysed by the view module, with the discovery
 * documents the popup would fetch for it (so the badge and the popup agree).
 */
async function verdictOf(state) {
  const [, stored, profile] = await Promise.all([viewModule(), loadChunks(state), loadProfile()]);
  const analysis = new Analysis();
  try {
    analysis.showRecording(asJson(state), stored.chunks.map(asJson));
    analysis.setProfile(asJson(profile));
    const wanted = JSON.parse(analysis.metadataRequests());
    if (wanted.length > 0) {
      await metadata.fetchMissing(wanted);
      analysis.setDocuments(JSON.stringify(metadata.known(wanted)));
    }
    const badge = analysis.badge();
    return badge ? JSON.parse(badge) : null;
  } finally {
    analysis.free();
  }
}

/** The trace's tab and the tabs and popup windows its flow opened. */
function apply(state, badge) {
  for (const tab of [state.trace, ...(state.followers ?? [])]) {
    if (badge) shown.set(tab, badge);
    else shown.delete(tab);
    setBadge(tab, badge);
  }
}

// Firefox clears a tab's badge when the tab loads another page: set it again.
ext.webNavigation.onCommitted.addListener(({ tabId, frameId }) => {
  if (frameId === 0 && shown.has(tabId)) setBadge(tabId, shown.get(tabId));
});
ext.tabs.onUpdated.addListener((tabId, change) => {
  if (change.status === 'complete' && shown.has(tabId)) setBadge(tabId, shown.get(tabId));
});
ext.tabs.onRemoved.addListener((tabId) => shown.delete(tabId));
