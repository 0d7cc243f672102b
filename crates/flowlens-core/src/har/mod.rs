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
    read(Scanner::new(reader, on_progress))
}

/// Reads a HAR document held in memory (the extension's viewer).
pub fn read_har_slice(bytes: &[u8]) -> Result<Trace, HarError> {
    read_har(bytes, &mut |_| {})
}

#[derive(PartialEq)]
enum Found {
    Missing,
    WrongType,
    Seen,
}

fn read<R: Read>(mut s: Scanner<'_, R>) -> Result<Trace, HarError> {
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
    let mut importer = Importer::default();
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
                        Err(e) => return Err(s.json_error(span, &e)),
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
            let mut trace = importer.finish();
            if let Some(extras) = extras {
                extras.apply(&mut trace);
            }
            Ok(trace)
        }
    }
}

#[cfg(test)]
mod tests;
