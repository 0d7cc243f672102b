// Where the extension keeps things.
//
// chrome.storage.session (memory only, never written to disk; readable by extension pages,
// not by content scripts) holds the traces, append-only so that no event costs a rewrite:
//   flowlens/s/<trace>      the trace's recorder state (TabState): phase, counters, `chunks`
//   flowlens/t/<trace>/<n>  chunk n: an array of recorded events, written once
// <trace> is the tab id where recording started. Each write puts the new chunks and the state
// that counts them in one storage.set call, so a stored state never names a chunk that was
// not written with it.
//
// chrome.storage.local (disk) holds only the expectations profile, the answers to the
// checklist's manual items (ticks and notes the user typed; never anything recorded) and the
// notices the user dismissed:
//   flowlens/profile                  the fields of flowlens_core::Profile
//   flowlens/manual/<deployment>      {<manual item id>: {ticked: bool, note: string|null}}
//   flowlens/dismissed                [<notice id>] (ids of the view model's notices)
// <deployment> is the profile's identity: JSON of [sorted custom domains, server name]
// (`[[],null]` without a profile), so editing colours or skipped sections keeps the answers,
// and a profile for another deployment has its own.

import { ext } from './browser.js';

export const STATE_PREFIX = 'flowlens/s/';
export const PROFILE_KEY = 'flowlens/profile';
export const MANUAL_PREFIX = 'flowlens/manual/';
export const DISMISSED_KEY = 'flowlens/dismissed';

export const stateKey = (trace) => `${STATE_PREFIX}${trace}`;
export const chunkKey = (trace, n) => `flowlens/t/${trace}/${n}`;

/** Writes the recorder's Actions (appends, states, removals) to session storage. */
export async function writeActions(actions) {
  const items = {};
  for (const append of actions.append ?? []) items[chunkKey(append.trace, append.chunk)] = append.events;
  for (const state of actions.states ?? []) items[stateKey(state.tab)] = state;
  const writes = [];
  if (Object.keys(items).length > 0) writes.push(ext.storage.session.set(items));
  for (const state of actions.removed ?? []) {
    const keys = [stateKey(state.tab)];
    for (let n = 0; n < state.chunks; n += 1) keys.push(chunkKey(state.tab, n));
    writes.push(ext.storage.session.remove(keys));
  }
  await Promise.all(writes);
}

/** Every trace state in a `storage.session.get(null)` result. */
export function statesIn(all) {
  return Object.entries(all)
    .filter(([key]) => key.startsWith(STATE_PREFIX))
    .map(([, state]) => state);
}

/** The stored chunks of a trace in order, and how many are missing (a failed write). */
export function chunksOf(all, state) {
  const chunks = [];
  let missing = 0;
  for (let n = 0; n < state.chunks; n += 1) {
    const chunk = all[chunkKey(state.tab, n)];
    if (Array.isArray(chunk)) chunks.push(chunk);
    else missing += 1;
  }
  return { chunks, missing };
}

/** Every trace state; reads only the state keys where the browser can list keys. */
export async function loadStates() {
  const area = ext.storage.session;
  if (typeof area.getKeys !== 'function') return statesIn(await area.get(null));
  const keys = (await area.getKeys()).filter((key) => key.startsWith(STATE_PREFIX));
  return keys.length === 0 ? [] : Object.values(await area.get(keys));
}

/** The stored chunks of one trace, in order, and how many are missing. */
export async function loadChunks(state) {
  const keys = Array.from({ length: state.chunks }, (_, n) => chunkKey(state.tab, n));
  return chunksOf(keys.length === 0 ? {} : await ext.storage.session.get(keys), state);
}

export async function loadProfile() {
  const stored = await ext.storage.local.get(PROFILE_KEY);
  return stored[PROFILE_KEY] ?? null;
}

export async function saveProfile(profile) {
  await ext.storage.local.set({ [PROFILE_KEY]: profile });
}

/** The storage.local key of the manual answers for a profile (see the layout above). */
export function manualKey(profile) {
  const domains = [...(profile?.custom_domains ?? [])].map((d) => d.toLowerCase()).sort();
  return `${MANUAL_PREFIX}${JSON.stringify([domains, profile?.server_name ?? null])}`;
}

export async function loadManual(profile) {
  const key = manualKey(profile);
  const stored = await ext.storage.local.get(key);
  return stored[key] ?? {};
}

export async function saveManual(profile, answers) {
  await ext.storage.local.set({ [manualKey(profile)]: answers });
}

/**
 * Saves some answers of a deployment: merged into what is stored (read, then written), so
 * that two pages open at once (the popup over the side panel) keep each other's answers.
 */
export async function saveManualAnswers(profile, edits) {
  const stored = await loadManual(profile);
  await saveManual(profile, { ...stored, ...edits });
}

/** The ids of the notices the user dismissed. */
export async function loadDismissed() {
  const stored = await ext.storage.local.get(DISMISSED_KEY);
  return Array.isArray(stored[DISMISSED_KEY]) ? stored[DISMISSED_KEY] : [];
}

export async function saveDismissed(ids) {
  await ext.storage.local.set({ [DISMISSED_KEY]: ids });
}

/**
 * What the checklist reads from storage.local, in one read (it holds only small things): the
 * profile, the answers of its deployment, the dismissed notices.
 */
export async function loadChecklistSettings() {
  const all = await ext.storage.local.get(null);
  const profile = all[PROFILE_KEY] ?? null;
  return {
    profile,
    manual: all[manualKey(profile)] ?? {},
    dismissed: Array.isArray(all[DISMISSED_KEY]) ? all[DISMISSED_KEY] : [],
  };
}
