// Where the extension keeps things. Every object here is snake_case, like everything the
// extension's parts exchange; what to write and when is decided in Rust (the recorder's
// Actions), this file only maps it to keys.
//
// chrome.storage.session (memory only, never written to disk; readable by extension pages,
// not by content scripts) holds the traces, append-only so that no event costs a rewrite:
//   flowlens/s/<trace>        the trace's recorder state (TabState, a JSON string): phase,
//                             counters, `chunks`
//   flowlens/t/<trace>/<n>    chunk n: a JSON string, an array of recorded events, written once
//   flowlens/b/<tab>/<n>      chunk n of an idle tab's pre-flow buffer (JSON string), deleted
//                             when its events expire or move into a trace
//   flowlens/q/<life>/<seq>   an event that reached a worker still starting, as the browser gave
//                             it (request bodies withheld), until the recorder has judged it
//                             (then null, then deleted)
// <trace> is the tab id where recording started. Each write puts the new chunks and the state
// that counts them in one storage.set call, so a stored state never names a chunk that was
// not written with it. Everything is a JSON string, not objects: Chrome counts about 64 bytes
// of quota per object field, a string at its length, and copies it in one piece.
//
// chrome.storage.local (disk) holds only the expectations profile and the answers to the
// checklist's manual items (ticks and notes the user typed; never anything recorded):
//   flowlens/profile                  the fields of flowlens_core::Profile
//   flowlens/manual/<deployment>      {<manual item id>: {ticked: bool, note: string|null}}
// <deployment> is the profile's identity, computed in Rust (deploymentKey: JSON of [sorted
// custom domains, server name]), so editing colours or skipped sections keeps the answers,
// and a profile for another deployment has its own.

import { ext } from './browser.js';

export const STATE_PREFIX = 'flowlens/s/';
const CHUNK_PREFIX = 'flowlens/t/';
const BUFFER_PREFIX = 'flowlens/b/';
const JOURNAL_PREFIX = 'flowlens/q/';
export const PROFILE_KEY = 'flowlens/profile';
export const MANUAL_PREFIX = 'flowlens/manual/';

export const stateKey = (trace) => `${STATE_PREFIX}${trace}`;
export const chunkKey = (trace, n) => `${CHUNK_PREFIX}${trace}/${n}`;
export const bufferKey = (tab, n) => `${BUFFER_PREFIX}${tab}/${n}`;
export const journalKey = (life, seq) => `${JOURNAL_PREFIX}${life}/${seq}`;

/**
 * Writes the recorder's Actions to session storage: new chunks, states and buffer chunks in
 * one set, then the deletions. `consumed` journal entries are emptied in that same set (so
 * that no worker judges them twice, even if the browser drops the deletion of a worker it is
 * stopping), then deleted.
 */
export async function writeActions(actions, consumed = []) {
  const items = {};
  for (const key of consumed) items[key] = null;
  for (const append of actions.append ?? []) items[chunkKey(append.trace, append.chunk)] = append.json;
  for (const state of actions.states ?? []) items[stateKey(state.trace)] = state.json;
  for (const chunk of actions.buffered ?? []) items[bufferKey(chunk.tab, chunk.chunk)] = chunk.json;
  const gone = [...consumed];
  for (const state of actions.removed ?? []) {
    gone.push(stateKey(state.trace));
    for (let n = 0; n < state.chunks; n += 1) gone.push(chunkKey(state.trace, n));
  }
  for (const chunk of actions.unbuffered ?? []) gone.push(bufferKey(chunk.tab, chunk.chunk));
  const writes = [];
  if (Object.keys(items).length > 0) writes.push(ext.storage.session.set(items));
  if (gone.length > 0) writes.push(ext.storage.session.remove(gone));
  await Promise.all(writes);
}

/** Every trace state in a `storage.session.get(...)` result (a damaged one is left out). */
export function statesIn(all) {
  return Object.entries(all)
    .filter(([key, value]) => key.startsWith(STATE_PREFIX) && typeof value === 'string')
    .flatMap(([, json]) => {
      try {
        return [JSON.parse(json)];
      } catch {
        return [];
      }
    });
}

const numbers = (key, prefix) => key.slice(prefix.length).split('/');

/** What a starting worker reads back: trace states, buffer chunks, journaled events. */
export async function loadRecorderStorage() {
  const area = ext.storage.session;
  let all;
  if (typeof area.getKeys === 'function') {
    const keys = (await area.getKeys()).filter((key) => key.startsWith(STATE_PREFIX)
      || key.startsWith(BUFFER_PREFIX) || key.startsWith(JOURNAL_PREFIX));
    all = keys.length === 0 ? {} : await area.get(keys);
  } else {
    all = await area.get(null);
  }
  const buffers = [];
  const journal = [];
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(BUFFER_PREFIX) && typeof value === 'string') {
      const [tab, chunk] = numbers(key, BUFFER_PREFIX).map(Number);
      buffers.push({ tab, chunk, json: value });
    } else if (key.startsWith(JOURNAL_PREFIX)) {
      // null: judged already, to be deleted.
      const [life, seq] = numbers(key, JOURNAL_PREFIX);
      journal.push({ key, life, seq: Number(seq), kind: value?.kind ?? null, details: value?.details });
    }
  }
  journal.sort((a, b) => (a.life === b.life ? a.seq - b.seq : a.life.localeCompare(b.life)));
  return { states: statesIn(all), buffers, journal };
}

/** The stored chunks of a trace in order, and how many are missing (a failed write). */
export function chunksOf(all, state) {
  const chunks = [];
  let missing = 0;
  for (let n = 0; n < state.chunks; n += 1) {
    const chunk = all[chunkKey(state.trace, n)];
    if (typeof chunk === 'string') chunks.push(chunk);
    else missing += 1;
  }
  return { chunks, missing };
}

/** Every trace state; reads only the state keys where the browser can list keys. */
export async function loadStates() {
  const area = ext.storage.session;
  if (typeof area.getKeys !== 'function') return statesIn(await area.get(null));
  const keys = (await area.getKeys()).filter((key) => key.startsWith(STATE_PREFIX));
  return keys.length === 0 ? [] : statesIn(await area.get(keys));
}

/** The stored chunks of one trace, in order, and how many are missing. */
export async function loadChunks(state) {
  const keys = Array.from({ length: state.chunks }, (_, n) => chunkKey(state.trace, n));
  return chunksOf(keys.length === 0 ? {} : await ext.storage.session.get(keys), state);
}

export async function loadProfile() {
  const stored = await ext.storage.local.get(PROFILE_KEY);
  return stored[PROFILE_KEY] ?? null;
}

export async function saveProfile(profile) {
  await ext.storage.local.set({ [PROFILE_KEY]: profile });
}

/** The manual answers of a deployment (its key from Rust's deploymentKey). */
export async function loadManual(deployment) {
  const key = `${MANUAL_PREFIX}${deployment}`;
  const stored = await ext.storage.local.get(key);
  return stored[key] ?? {};
}

export async function saveManual(deployment, answers) {
  await ext.storage.local.set({ [`${MANUAL_PREFIX}${deployment}`]: answers });
}
