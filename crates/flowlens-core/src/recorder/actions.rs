//! What the recorder asks the extension to do: storage writes and side effects.

use serde::{Deserialize, Serialize};

use super::buffer::{BufferChunk, BufferChunkKey};
use super::event::Event;
use super::state::TabState;

/// What the extension must do after an event or a command.
///
/// Kept events and changed states are not handed out with every event: they wait in the
/// recorder until [`super::Recorder::flush`], which the extension calls as soon as the
/// current burst of browser events is handled (`flush` says one is due). One storage write
/// per burst instead of one per event is what keeps recording cheap.
///
/// Storage: `append`, `states` and `buffered` go in one `storage.set` (a state never names a
/// chunk that was not written with it), then `removed` and `unbuffered` are deleted. States
/// are written as JSON strings, like chunks: a string costs its length of the storage quota
/// and is copied in one piece.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Actions {
    /// Kept events or changed states wait for [`super::Recorder::flush`].
    pub flush: bool,
    /// Events to append to traces, as new chunks.
    pub append: Vec<Append>,
    /// Trace states to write (as `{trace, json}`).
    #[serde(serialize_with = "states_as_json")]
    pub states: Vec<TabState>,
    /// Traces to delete (state and chunks).
    pub removed: Vec<TabState>,
    /// Pre-flow buffer chunks to write.
    pub buffered: Vec<BufferChunk>,
    /// Pre-flow buffer chunks to delete.
    pub unbuffered: Vec<BufferChunkKey>,
    /// Inject the content script into a tab to snapshot its page.
    pub snapshot: Option<SnapshotRequest>,
    /// Capture the visible tab as evidence.
    pub screenshot: Option<ScreenshotRequest>,
    /// Look up this tab (incognito) and report it with a `tab-info` event.
    pub lookup_tab: Option<i64>,
}

impl Actions {
    pub fn is_empty(&self) -> bool {
        *self == Actions::default()
    }

    /// Whether there is anything to write to or delete from storage.
    pub fn writes(&self) -> bool {
        !(self.append.is_empty()
            && self.states.is_empty()
            && self.removed.is_empty()
            && self.buffered.is_empty()
            && self.unbuffered.is_empty())
    }
}

fn states_as_json<S: serde::Serializer>(states: &[TabState], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Stored {
        trace: i64,
        json: String,
    }
    s.collect_seq(states.iter().map(|state| Stored {
        trace: state.trace,
        json: serde_json::to_string(state).unwrap_or_default(),
    }))
}

/// A new chunk of a trace: written by the extension as `flowlens/t/<trace>/<chunk>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Append {
    pub trace: i64,
    pub chunk: u32,
    /// Events in the chunk.
    pub events: u32,
    /// Bytes the chunk takes in storage.
    pub bytes: u64,
    /// The events, as a JSON array (one string: stored and read back in one piece).
    pub json: String,
}

/// Reads a stored trace chunk.
pub fn parse_chunk(json: &str) -> Result<Vec<Event>, serde_json::Error> {
    serde_json::from_str(json)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotRequest {
    pub tab: i64,
    /// The page the snapshot is for; the extension skips it when the tab shows another page
    /// by then. `None`: whatever the tab shows (the Record button).
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreenshotRequest {
    pub tab: i64,
    /// The page URL the screenshot must show (the extension checks the tab is still there).
    pub url: String,
}
