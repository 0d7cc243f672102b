//! HAR 1.2 import: a HAR file (Chrome, Firefox, Safari, Playwright `recordHar`, sanitized
//! exports) to a [`Trace`].
//!
//! The import streams: entries are located one at a time in a chunked buffer and converted to
//! [`Exchange`](crate::trace::Exchange)s as they come, so a 200 MB file is read with a few
//! megabytes of memory besides the trace itself (see `scan.rs` for how).
//!
//! What is kept, so that a trace stays small and safe to hold (the limits are
//! [`crate::limits`], the same as the extension's recorder applies):
//! - request and response headers (values cut at [`MAX_HEADER_VALUE`], at most
//!   [`MAX_HEADERS`] per message, exact duplicates once, HTTP/2 pseudo-headers dropped since
//!   they repeat the method and URL); static subresources (scripts, styles, images, fonts,
//!   media) keep only [`LEAN_HEADERS`], because a page loads hundreds of them and their
//!   caching and CDN headers would be most of the trace's memory;
//! - form POST bodies as decoded fields, JSON request bodies up to [`MAX_REQUEST_BODY`];
//! - JSON responses up to [`MAX_JSON_BODY`] (larger ones are dropped), HTML documents cut at
//!   [`MAX_HTML_BODY`]; base64 bodies are decoded when they are one of these; every other
//!   body (scripts, styles, images) is dropped without being decoded;
//! - URLs cut at [`MAX_URL`].
//!
//! [`MAX_HEADER_VALUE`]: crate::limits::MAX_HEADER_VALUE
//! [`MAX_HEADERS`]: crate::limits::MAX_HEADERS
//! [`MAX_REQUEST_BODY`]: crate::limits::MAX_REQUEST_BODY
//! [`MAX_JSON_BODY`]: crate::limits::MAX_JSON_BODY
//! [`MAX_HTML_BODY`]: crate::limits::MAX_HTML_BODY
//! [`MAX_URL`]: crate::limits::MAX_URL
//!
//! Everything cut, skipped or guessed is counted and said in `trace.capture.notes`. Only a
//! broken document is an error ([`HarError`]); an entry of the wrong shape is skipped.

use std::io::Read;

#[cfg(test)]
use crate::limits::{MAX_HEADER_VALUE, MAX_HTML_BODY, MAX_JSON_BODY, MAX_REQUEST_BODY, MAX_URL};
use crate::trace::Trace;

mod convert;
pub mod export;
mod model;
mod scan;
mod surrogate;
pub(crate) mod time;

pub use export::{apply_extras, export, export_string, export_unredacted, har_problems};

use convert::Importer;
pub use convert::LEAN_HEADERS;
use model::{Creator, Entry, List, Obj, Page};
use scan::Scanner;
pub use time::format_rfc3339_ms;

/// Why a file could not be imported. Positions are 1-based; columns count bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarError {
    #[error("could not read the input: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty")]
    Empty,
    #[error("invalid JSON: {message} at line {line} column {column}")]
    Syntax {
        message: String,
        line: u64,
        column: u64,
    },
    #[error("truncated JSON: the file ends at line {line} column {column} before the document is complete")]
    Truncated { line: u64, column: u64 },
    #[error("invalid UTF-8 at line {line} column {column}")]
    InvalidUtf8 { line: u64, column: u64 },
    /// Valid JSON that is not a HAR document; the reason names what is missing.
    #[error("not a HAR file ({0})")]
    NotHar(String),
}

/// Reads a HAR document from `reader`, calling `on_progress` with the number of bytes read
/// so far after each chunk (about every megabyte).
///
/// The reader is read in large chunks: wrapping it in a `BufReader` is not needed.
pub fn read_har<R: Read>(reader: R, on_progress: &mut dyn FnMut(u64)) -> Result<Trace, HarError> {
    let trace = read(Scanner::new(reader, on_progress), Importer::default())?;
    Ok(trace.expect("an importer without a keeper always gives a trace"))
}

/// Reads a HAR document held in memory (the extension's viewer).
pub fn read_har_slice(bytes: &[u8]) -> Result<Trace, HarError> {
    read_har(bytes, &mut |_| {})
}

/// Reads a HAR document keeping only the exchanges an authorization flow can reach (see
/// [`crate::flow::reach`]), so that memory follows the flows, not the file: a 1 GB HAR of a
/// browsing session with one flow in it takes a few megabytes. The analysis finds the same
/// flows, hops and statuses as on the whole file. A file whose other exchanges take little
/// memory ([`crate::limits::KEEP_WHOLE_BYTES`]) is kept whole; otherwise hop numbers count the
/// kept exchanges, and a capture note says how many were dropped.
///
/// `open` gives the document's bytes from the start. It is called a second time, to read
/// everything, only when the entries are too far out of time order to drop any early.
pub fn read_har_flows<R: Read>(
    open: impl FnMut() -> std::io::Result<R>,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Trace, HarError> {
    read_har_flows_within(open, crate::limits::KEEP_WHOLE_BYTES, on_progress)
}

/// [`read_har_flows`], keeping the file whole only while what no flow reaches takes less than
/// `whole_bytes` (0: drop it from the first byte, which the fuzz targets use to check the
/// dropping on small files).
pub fn read_har_flows_within<R: Read>(
    mut open: impl FnMut() -> std::io::Result<R>,
    whole_bytes: usize,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Trace, HarError> {
    let mut keeping = Importer::default();
    keeping.keeper = Some(crate::flow::Keeper::new(whole_bytes));
    match read(Scanner::new(open()?, on_progress), keeping)? {
        Some(trace) => Ok(trace),
        None => read_har(open()?, on_progress),
    }
}

/// One pass of [`read_har_flows`]: `None` when the entries came too far out of time order to
/// drop any early, and the document must be read again with [`read_har`].
pub fn read_har_flows_once<R: Read>(
    reader: R,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Option<Trace>, HarError> {
    let mut keeping = Importer::default();
    keeping.keeper = Some(crate::flow::Keeper::new(crate::limits::KEEP_WHOLE_BYTES));
    read(Scanner::new(reader, on_progress), keeping)
}

#[derive(PartialEq)]
enum Found {
    Missing,
    WrongType,
    Seen,
}

/// The trace, or `None` when `importer`'s keeper could not decide early (see [`read_har_flows`]).
fn read<R: Read>(mut s: Scanner<'_, R>, mut importer: Importer) -> Result<Option<Trace>, HarError> {
    s.skip_bom()?;
    match s.peek()? {
        None => return Err(HarError::Empty),
        Some(b'{') => {}
        Some(b'[') => {
            return Err(HarError::NotHar(
                "the top level is a JSON array, not an object".into(),
            ))
        }
        Some(b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            return Err(HarError::NotHar(
                "the top level is not a JSON object".into(),
            ))
        }
        Some(_) => return Err(s.syntax_here("expected a JSON value")),
    }
    let mut extras = None;
    let mut log = Found::Missing;
    let mut entries = Found::Missing;
    s.object(&mut |s, key| {
        if key != "log" || log != Found::Missing {
            return s.skip();
        }
        if s.peek_more()? != b'{' {
            log = Found::WrongType;
            return s.skip();
        }
        log = Found::Seen;
        s.object(&mut |s, key| match key.as_str() {
            "entries" if entries == Found::Missing => {
                if s.peek_more()? != b'[' {
                    entries = Found::WrongType;
                    return s.skip();
                }
                entries = Found::Seen;
                s.array(&mut |s, span, text| {
                    match serde_json::from_str::<Obj<Entry<'_>>>(text) {
                        Ok(Obj(entry)) => importer.entry(entry),
                        Err(e) if e.is_data() => importer.unreadable(),
                        Err(e) => {
                            // A lone surrogate is valid JSON serde_json refuses: mend, retry.
                            let mended =
                                surrogate::mend(text).ok_or_else(|| s.json_error(span, &e))?;
                            match serde_json::from_str::<Obj<Entry<'_>>>(&mended) {
                                Ok(Obj(entry)) => {
                                    importer.mended_entry();
                                    importer.entry(entry);
                                }
                                Err(e) if e.is_data() => importer.unreadable(),
                                Err(_) => return Err(s.json_error(span, &e)),
                            }
                        }
                    }
                    Ok(())
                })
            }
            "creator" | "browser" => {
                let span = s.value()?;
                let text = s.text(span)?;
                match serde_json::from_str::<Obj<Creator<'_>>>(text) {
                    Ok(Obj(Some(c))) => {
                        let c = importer.creator(c);
                        if key == "creator" {
                            importer.creator = c;
                        } else {
                            importer.browser = c;
                        }
                    }
                    Ok(Obj(None)) => {}
                    Err(e) if e.is_data() => {}
                    Err(e) => return Err(s.json_error(span, &e)),
                }
                Ok(())
            }
            // What a Flowlens export adds (page snapshots, navigations, screenshots).
            "_flowlens" => {
                let span = s.value()?;
                extras = export::Extras::from_json(s.text(span)?);
                Ok(())
            }
            "pages" => {
                let span = s.value()?;
                let text = s.text(span)?;
                match serde_json::from_str::<List<Page<'_>>>(text) {
                    Ok(List(pages)) => pages.into_iter().for_each(|p| importer.page(p)),
                    Err(e) if e.is_data() => {}
                    Err(e) => return Err(s.json_error(span, &e)),
                }
                Ok(())
            }
            _ => s.skip(),
        })
    })?;
    if s.peek()?.is_some() {
        return Err(s.syntax_here("trailing characters after the JSON document"));
    }
    match (log, entries) {
        (Found::Missing, _) => Err(HarError::NotHar("no \"log\" object".into())),
        (Found::WrongType, _) => Err(HarError::NotHar("\"log\" is not an object".into())),
        (_, Found::Missing) => Err(HarError::NotHar("no \"log.entries\" array".into())),
        (_, Found::WrongType) => Err(HarError::NotHar("\"log.entries\" is not an array".into())),
        (Found::Seen, Found::Seen) => {
            let Some(mut trace) = importer.finish() else {
                return Ok(None);
            };
            if let Some(extras) = extras {
                extras.apply(&mut trace);
            }
            Ok(Some(trace))
        }
    }
}

#[cfg(test)]
mod tests;
