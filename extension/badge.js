// The toolbar badge of each recorded tab: a recording mark while its flow is recorded, then
// the verdict (the number of blockers on red, a check mark on green, a question mark on grey
// when the recording is incomplete), with the verdict line as the button's title. What it
// shows is decided in Rust (flowlens_core::render::badge).
//
// The service worker's own module (flowlens_worker, the recorder) says the recording mark. The
// verdict needs the analysis, which is in the view module: its glue is imported statically
// (an MV3 service worker may not import() dynamically) but its wasm is fetched and compiled
// only when a flow first needs a verdict, so the worker's start stays as cheap as before.

import { recordingBadge } from './pkg/flowlens_worker.js';
import initView, { Analysis } from './pkg/flowlens_view.js';
import { ext, setBadge } from './browser.js';
import { loadChunks, loadProfile } from './storage.js';

const asJson = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
const parsed = (value) => (typeof value === 'string' ? JSON.parse(value) : value);
const traceOf = (state) => state.trace ?? state.tab;

/** Tab id -> the badge it shows (to show again where a navigation cleared it). */
const shown = new Map();
/** Trace -> what its state was when last judged, so a verdict is computed once per change. */
const judged = new Map();
let view = null;

function viewModule() {
  view ??= initView({ module_or_path: new URL('./pkg/flowlens_view_bg.wasm', import.meta.url) });
  return view;
}

/** The recorder's actions were stored: badges follow the states written and removed. */
export function updateBadges(actions) {
  for (const state of actions.states ?? []) {
    show(parsed(state)).catch((error) => console.warn('Flowlens: badge not updated', error));
  }
  for (const state of actions.removed ?? []) {
    const gone = parsed(state);
    judged.delete(traceOf(gone));
    apply(gone, null);
  }
}

async function show(state) {
  const trace = traceOf(state);
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

/** The verdict's badge: the recording analysed by the view module. */
async function verdictOf(state) {
  const [, stored, profile] = await Promise.all([viewModule(), loadChunks(state), loadProfile()]);
  const analysis = new Analysis();
  try {
    analysis.showRecording(asJson(state), stored.chunks.map(asJson));
    analysis.setProfile(asJson(profile));
    const badge = analysis.badge();
    return badge ? JSON.parse(badge) : null;
  } finally {
    analysis.free();
  }
}

/** The trace's tab and the tabs and popup windows its flow opened. */
function apply(state, badge) {
  for (const tab of [traceOf(state), ...(state.followers ?? [])]) {
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
