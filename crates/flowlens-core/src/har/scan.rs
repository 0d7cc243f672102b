//! Walking a HAR document without holding it whole.
//!
//! The scanner reads the input in large chunks into one buffer and understands only the two
//! outer levels of the document (the top-level object and `log`). Every value below them (an
//! entry of `log.entries`, `log.creator`, an unknown key) is located by a byte scan that only
//! tracks strings and brackets, then handed as one `&str` to serde_json, which validates it
//! fully and deserialises what the importer needs. The buffer is compacted as the scan moves
//! on, so memory holds the current chunk and the current entry, never the document.
//!
//! Handing each entry to `serde_json::from_str` keeps serde_json's fast slice parser (and
//! zero-copy strings) instead of its byte-at-a-time reader, and isolates entries: an entry of
//! the wrong shape is skipped, not fatal.

use std::io::{self, Read};

use memchr::{memchr2, memchr_iter, memrchr};

use super::HarError;

/// How much is read at a time.
const CHUNK: usize = 1 << 20;

pub(super) struct Scanner<'p, R> {
    reader: R,
    buf: Vec<u8>,
    /// Cursor into `buf`.
    pos: usize,
    eof: bool,
    /// File offset of `buf[0]`.
    base: u64,
    /// Newlines in the file before `buf[0]`.
    lines_before: u64,
    /// File offset of the start of the line `buf[0]` is on.
    line_start: u64,
    read_total: u64,
    chunk: usize,
    on_progress: &'p mut dyn FnMut(u64),
}

/// A located value: `buf[start..end]`, valid until the scanner reads again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
}

impl<'p, R: Read> Scanner<'p, R> {
    pub fn new(reader: R, on_progress: &'p mut dyn FnMut(u64)) -> Self {
        Self::with_chunk(reader, CHUNK, on_progress)
    }

    /// A scanner reading `chunk` bytes at a time (tests use tiny chunks to hit every boundary).
    pub fn with_chunk(reader: R, chunk: usize, on_progress: &'p mut dyn FnMut(u64)) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(chunk),
            chunk,
            pos: 0,
            eof: false,
            base: 0,
            lines_before: 0,
            line_start: 0,
            read_total: 0,
            on_progress,
        }
    }

    /// Drops `buf[..keep_from]` and reads the next chunk. Returns how far indices moved.
    fn fill(&mut self, keep_from: usize) -> Result<usize, HarError> {
        if keep_from > 0 {
            let dropped = &self.buf[..keep_from];
            self.lines_before += memchr_iter(b'\n', dropped).count() as u64;
            if let Some(nl) = memrchr(b'\n', dropped) {
                self.line_start = self.base + nl as u64 + 1;
            }
            self.base += keep_from as u64;
            self.buf.drain(..keep_from);
            self.pos -= keep_from.min(self.pos);
        }
        if !self.eof {
            let before = self.buf.len();
            self.buf.reserve(self.chunk);
            let read = loop {
                match (&mut self.reader)
                    .take(self.chunk as u64)
                    .read_to_end(&mut self.buf)
                {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(HarError::Io(e)),
                }
            };
            debug_assert_eq!(self.buf.len(), before + read);
            if read < self.chunk {
                self.eof = true;
            }
            self.read_total += read as u64;
            (self.on_progress)(self.read_total);
        }
        Ok(keep_from)
    }

    /// Line and column (1-based, columns in bytes) of `buf[i]`.
    pub fn position(&self, i: usize) -> (u64, u64) {
        let i = i.min(self.buf.len());
        let before = &self.buf[..i];
        let line = self.lines_before + memchr_iter(b'\n', before).count() as u64 + 1;
        let line_start = match memrchr(b'\n', before) {
            Some(nl) => self.base + nl as u64 + 1,
            None => self.line_start,
        };
        (line, self.base + i as u64 - line_start + 1)
    }

    pub fn truncated(&self) -> HarError {
        let (line, column) = self.position(self.buf.len());
        HarError::Truncated { line, column }
    }

    pub fn syntax(&self, i: usize, message: impl Into<String>) -> HarError {
        let (line, column) = self.position(i);
        HarError::Syntax {
            message: message.into(),
            line,
            column,
        }
    }

    /// The next non-whitespace byte (not consumed); `None` at the end of the input.
    pub fn peek(&mut self) -> Result<Option<u8>, HarError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if self.eof {
                return Ok(None);
            }
            let pos = self.pos;
            self.fill(pos)?;
        }
    }

    /// Like [`Self::peek`], but the end of the input is an error.
    pub fn peek_more(&mut self) -> Result<u8, HarError> {
        self.peek()?.ok_or_else(|| self.truncated())
    }

    /// Consumes the next non-whitespace byte, which must be `expected`.
    pub fn expect(&mut self, expected: u8, what: &str) -> Result<(), HarError> {
        if self.peek_more()? == expected {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(self.pos, format!("expected {what}")))
        }
    }

    /// A syntax error at the cursor.
    pub fn syntax_here(&self, message: impl Into<String>) -> HarError {
        self.syntax(self.pos, message)
    }

    /// Consumes one byte already seen by [`Self::peek`].
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips a UTF-8 byte order mark at the very start (Windows tools write one).
    pub fn skip_bom(&mut self) -> Result<(), HarError> {
        while self.buf.len() < 3 && !self.eof {
            self.fill(0)?;
        }
        if self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
        }
        Ok(())
    }

    /// Locates the value starting at the next non-whitespace byte and consumes it.
    pub fn value(&mut self) -> Result<Span, HarError> {
        let first = self.peek_more()?;
        let mut start = self.pos;
        let mut i = start + 1;
        match first {
            b'"' | b'{' | b'[' => {
                let mut in_string = first == b'"';
                let mut depth: usize = usize::from(first != b'"');
                loop {
                    let buf = &self.buf;
                    while i < buf.len() {
                        if in_string {
                            match memchr2(b'"', b'\\', &buf[i..]) {
                                Some(off) if buf[i + off] == b'\\' => i += off + 2,
                                Some(off) => {
                                    i += off + 1;
                                    in_string = false;
                                    if depth == 0 {
                                        return Ok(self.consume(start, i));
                                    }
                                }
                                None => i = buf.len(),
                            }
                        } else {
                            match buf[i] {
                                b'"' => in_string = true,
                                b'{' | b'[' => depth += 1,
                                b'}' | b']' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        return Ok(self.consume(start, i + 1));
                                    }
                                }
                                _ => {}
                            }
                            i += 1;
                        }
                    }
                    if self.eof {
                        return Err(self.truncated());
                    }
                    let shift = self.fill(start)?;
                    start -= shift;
                    i -= shift;
                }
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => loop {
                let buf = &self.buf;
                while i < buf.len() {
                    if matches!(buf[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        return Ok(self.consume(start, i));
                    }
                    i += 1;
                }
                if self.eof {
                    return Ok(self.consume(start, i));
                }
                let shift = self.fill(start)?;
                start -= shift;
                i -= shift;
            },
            _ => Err(self.syntax(start, "expected a JSON value")),
        }
    }

    fn consume(&mut self, start: usize, end: usize) -> Span {
        self.pos = end;
        Span { start, end }
    }

    /// The text of a span, checked to be UTF-8.
    pub fn text(&self, span: Span) -> Result<&str, HarError> {
        std::str::from_utf8(&self.buf[span.start..span.end]).map_err(|e| {
            let (line, column) = self.position(span.start + e.valid_up_to());
            HarError::InvalidUtf8 { line, column }
        })
    }

    /// Maps a serde_json error inside a span to a document error.
    pub fn json_error(&self, span: Span, e: &serde_json::Error) -> HarError {
        let (line0, column0) = self.position(span.start);
        let (line, column) = if e.line() <= 1 {
            (line0, column0 + (e.column() as u64).saturating_sub(1))
        } else {
            (line0 + e.line() as u64 - 1, e.column() as u64)
        };
        let message = e.to_string();
        let message = match message.rsplit_once(" at line ") {
            Some((m, _)) => m.to_string(),
            None => message,
        };
        HarError::Syntax {
            message,
            line,
            column,
        }
    }

    /// Parses the value at the cursor with serde_json (only for small values: keys and the
    /// `log` fields that are not entries).
    pub fn parse<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, HarError> {
        let span = self.value()?;
        let text = self.text(span)?;
        serde_json::from_str(text).map_err(|e| self.json_error(span, &e))
    }

    /// Consumes an object's members, calling `member` with each key; `member` must consume
    /// exactly the value. The cursor must be on the `{`.
    pub fn object(
        &mut self,
        member: &mut dyn FnMut(&mut Self, String) -> Result<(), HarError>,
    ) -> Result<(), HarError> {
        self.expect(b'{', "`{`")?;
        if self.peek_more()? == b'}' {
            self.bump();
            return Ok(());
        }
        loop {
            if self.peek_more()? != b'"' {
                return Err(self.syntax(self.pos, "expected a key in double quotes"));
            }
            let key: String = self.parse()?;
            self.expect(b':', "`:`")?;
            member(self, key)?;
            match self.peek_more()? {
                b',' => self.bump(),
                b'}' => {
                    self.bump();
                    return Ok(());
                }
                _ => return Err(self.syntax(self.pos, "expected `,` or `}`")),
            }
        }
    }

    /// Consumes an array's elements, calling `element` with the text of each. The cursor must
    /// be on the `[`.
    pub fn array(
        &mut self,
        element: &mut dyn FnMut(&Self, Span, &str) -> Result<(), HarError>,
    ) -> Result<(), HarError> {
        self.expect(b'[', "`[`")?;
        if self.peek_more()? == b']' {
            self.bump();
            return Ok(());
        }
        loop {
            let span = self.value()?;
            let text = self.text(span)?;
            element(self, span, text)?;
            match self.peek_more()? {
                b',' => self.bump(),
                b']' => {
                    self.bump();
                    return Ok(());
                }
                _ => return Err(self.syntax(self.pos, "expected `,` or `]`")),
            }
        }
    }

    /// Consumes and validates a value nobody needs.
    pub fn skip(&mut self) -> Result<(), HarError> {
        self.parse::<serde::de::IgnoredAny>().map(|_| ())
    }
}
