//! The pre-flow buffer: a tab's recent events, held in case a flow starts there, so that the
//! page load and the discovery requests that came before the authorization request become
//! part of the flow (and a page loaded just before the flow's first event, which a browser
//! may report out of order, is not missed).
//!
//! The buffer must survive a stopped worker like the traces do: its events, except the
//! subresources of idle pages (the bulk of all traffic, and never a hop), are also written to
//! session storage as append-only chunks, one per burst, and removed when they expire or move
//! into a trace. Each stored entry is `[event, cut_fields]`.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::budget::{stored_bytes, to_json};
use super::event::Event;
use super::triage::is_subresource_event;
use super::BUFFER_MS;
use crate::limits::{BUFFER_EVENTS, MAX_BUFFER_BYTES};
use crate::stdx::sort::sort_by_key;

/// A stored chunk of a tab's buffer: written by the extension as `flowlens/b/<tab>/<chunk>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BufferChunk {
    pub tab: i64,
    pub chunk: u32,
    /// A JSON array of `[event, cut_fields]` pairs.
    pub json: String,
}

impl BufferChunk {
    /// Reads the chunk's entries (`None`: damaged); the extension's wasm module reads them
    /// with the browser's JSON parser instead, which keeps its module small.
    pub fn decode(&self) -> StoredBuffer {
        StoredBuffer {
            tab: self.tab,
            chunk: self.chunk,
            bytes: stored_bytes(&self.json),
            entries: serde_json::from_str(&self.json).ok(),
        }
    }
}

/// A stored buffer chunk, read back after a worker restart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredBuffer {
    pub tab: i64,
    pub chunk: u32,
    /// What it takes in storage ([`stored_bytes`] of its JSON).
    pub bytes: usize,
    /// `[event, cut_fields]` pairs; `None` when the chunk did not read.
    pub entries: Option<Vec<(Event, u32)>>,
}

/// A stored buffer chunk to delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BufferChunkKey {
    pub tab: i64,
    pub chunk: u32,
}

/// A page of the tab whose load (`DOMContentLoaded`) was seen while the tab was idle.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLoad {
    pub time_ms: f64,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Where {
    /// Held in memory only (a subresource, or the buffers' storage share is used up).
    Memory,
    /// To be written with the next flush: its stored entry.
    Pending(String),
    Stored(u32),
}

#[derive(Debug)]
struct Held {
    event: Event,
    cut_fields: u32,
    at: Where,
}

#[derive(Debug)]
struct StoredChunk {
    chunk: u32,
    /// Its events still held; at 0 the chunk is deleted.
    live: usize,
    bytes: usize,
}

#[derive(Debug, Default)]
struct TabBuffer {
    held: VecDeque<Held>,
    chunks: Vec<StoredChunk>,
    next_chunk: u32,
    last_load: Option<PageLoad>,
}

/// The buffers of every idle tab.
#[derive(Debug, Default)]
pub struct Buffers {
    tabs: HashMap<i64, TabBuffer>,
    /// Stored chunks no longer needed, deleted with the next flush.
    removed: Vec<BufferChunkKey>,
    /// Bytes the stored chunks take.
    stored: usize,
    /// Bytes the pending events will take once written.
    pending: usize,
    /// Tabs with pending events.
    dirty: BTreeSet<i64>,
}

impl Buffers {
    /// Holds an event of an idle tab.
    pub fn hold(&mut self, tab: i64, event: Event, cut_fields: u32) {
        if let Event::DomReady(e) = &event {
            if e.frame_id == 0 {
                self.tabs.entry(tab).or_default().last_load = Some(PageLoad {
                    time_ms: e.time_stamp,
                    url: e.url.clone(),
                });
            }
            return;
        }
        if matches!(
            event,
            Event::Snapshot(_) | Event::Screenshot(_) | Event::TabInfo(_)
        ) {
            return; // page facts of tabs that do not record are not kept, not even briefly
        }
        let now = event.time_ms();
        let at = if is_subresource_event(&event) || self.stored + self.pending > MAX_BUFFER_BYTES {
            Where::Memory
        } else {
            let entry = format!("[{},{cut_fields}]", to_json(&event));
            self.pending += stored_bytes(&entry);
            self.dirty.insert(tab);
            Where::Pending(entry)
        };
        let buffer = self.tabs.entry(tab).or_default();
        buffer.held.push_back(Held {
            event,
            cut_fields,
            at,
        });
        self.expire(tab, now);
    }

    /// Drops a tab's events older than [`BUFFER_MS`] before `now`, and the oldest past
    /// [`BUFFER_EVENTS`].
    fn expire(&mut self, tab: i64, now: f64) {
        let Some(buffer) = self.tabs.get_mut(&tab) else {
            return;
        };
        while buffer
            .held
            .front()
            .is_some_and(|h| now - h.event.time_ms() > BUFFER_MS)
            || buffer.held.len() > BUFFER_EVENTS
        {
            let Some(gone) = buffer.held.pop_front() else {
                break;
            };
            match gone.at {
                Where::Stored(n) => release(tab, buffer, n, &mut self.removed, &mut self.stored),
                Where::Pending(entry) => {
                    self.pending = self.pending.saturating_sub(stored_bytes(&entry))
                }
                Where::Memory => {}
            }
        }
    }

    /// Takes a tab's held events (in arrival order) for a trace that starts; its stored
    /// chunks are deleted with the next flush.
    pub fn take(&mut self, tab: i64) -> Vec<(Event, u32)> {
        let Some(mut buffer) = self.tabs.remove(&tab) else {
            return Vec::new();
        };
        for chunk in buffer.chunks.drain(..) {
            self.stored = self.stored.saturating_sub(chunk.bytes);
            self.removed.push(BufferChunkKey {
                tab,
                chunk: chunk.chunk,
            });
        }
        buffer
            .held
            .into_iter()
            .map(|h| (h.event, h.cut_fields))
            .collect()
    }

    /// The last page load seen in an idle tab.
    pub fn last_load(&self, tab: i64) -> Option<&PageLoad> {
        self.tabs.get(&tab).and_then(|b| b.last_load.as_ref())
    }

    /// Forgets a tab (closed, or cleared).
    pub fn forget(&mut self, tab: i64) {
        self.take(tab);
    }

    /// Whether a flush has something to write or delete.
    pub fn is_due(&self) -> bool {
        !self.removed.is_empty() || self.pending > 0
    }

    /// Bytes the buffers take in storage, or will once the pending events are written.
    pub fn bytes(&self) -> usize {
        self.stored + self.pending
    }

    /// The chunks to write (one per tab with new events) and the chunks to delete.
    pub fn flush(&mut self) -> (Vec<BufferChunk>, Vec<BufferChunkKey>) {
        let mut written = Vec::new();
        for tab in std::mem::take(&mut self.dirty) {
            let Some(buffer) = self.tabs.get_mut(&tab) else {
                continue;
            };
            let mut json = String::new();
            let chunk = buffer.next_chunk;
            for held in &mut buffer.held {
                if let Where::Pending(entry) = &held.at {
                    json.push(if json.is_empty() { '[' } else { ',' });
                    json.push_str(entry);
                    held.at = Where::Stored(chunk);
                }
            }
            if json.is_empty() {
                continue;
            }
            buffer.next_chunk += 1;
            json.push(']');
            let live = buffer
                .held
                .iter()
                .filter(|h| h.at == Where::Stored(chunk))
                .count();
            let bytes = stored_bytes(&json);
            self.stored += bytes;
            buffer.chunks.push(StoredChunk { chunk, live, bytes });
            written.push(BufferChunk { tab, chunk, json });
        }
        self.pending = 0;
        (written, std::mem::take(&mut self.removed))
    }

    /// A chunk the browser refused to store: its events stay in memory only.
    pub fn not_stored(&mut self, tab: i64, chunk: u32) {
        let Some(buffer) = self.tabs.get_mut(&tab) else {
            return;
        };
        for held in buffer
            .held
            .iter_mut()
            .filter(|h| h.at == Where::Stored(chunk))
        {
            held.at = Where::Memory;
        }
        if let Some(i) = buffer.chunks.iter().position(|c| c.chunk == chunk) {
            let gone = buffer.chunks.swap_remove(i);
            self.stored = self.stored.saturating_sub(gone.bytes);
        }
    }

    /// Takes back the stored chunks after a worker restart. Events that expired meanwhile are
    /// dropped, and chunks of `recording` tabs (whose events already moved into a trace) and
    /// unreadable ones are deleted.
    pub fn restore(
        &mut self,
        chunks: Vec<StoredBuffer>,
        now: f64,
        recording: impl Fn(i64) -> bool,
    ) {
        let mut chunks = chunks;
        sort_by_key(&mut chunks, |c| (c.tab, c.chunk));
        for StoredBuffer {
            tab,
            chunk,
            bytes,
            entries,
        } in chunks
        {
            let buffer = self.tabs.entry(tab).or_default();
            buffer.next_chunk = buffer.next_chunk.max(chunk + 1);
            let entries = match entries {
                Some(entries) if !recording(tab) => entries,
                _ => {
                    self.removed.push(BufferChunkKey { tab, chunk });
                    continue;
                }
            };
            let live = entries.len();
            for (event, cut_fields) in entries {
                buffer.held.push_back(Held {
                    event,
                    cut_fields,
                    at: Where::Stored(chunk),
                });
            }
            self.stored += bytes;
            buffer.chunks.push(StoredChunk { chunk, live, bytes });
        }
        let tabs: Vec<i64> = self.tabs.keys().copied().collect();
        for tab in tabs {
            self.expire(tab, now);
            if self.tabs.get(&tab).is_some_and(|b| b.held.is_empty()) {
                self.tabs.remove(&tab);
            }
        }
    }
}

/// One event of stored chunk `n` left the buffer; the chunk goes when it holds no more.
fn release(
    tab: i64,
    buffer: &mut TabBuffer,
    n: u32,
    removed: &mut Vec<BufferChunkKey>,
    stored: &mut usize,
) {
    let Some(i) = buffer.chunks.iter().position(|c| c.chunk == n) else {
        return;
    };
    buffer.chunks[i].live = buffer.chunks[i].live.saturating_sub(1);
    if buffer.chunks[i].live == 0 {
        let gone = buffer.chunks.swap_remove(i);
        *stored = stored.saturating_sub(gone.bytes);
        removed.push(BufferChunkKey {
            tab,
            chunk: gone.chunk,
        });
    }
}
