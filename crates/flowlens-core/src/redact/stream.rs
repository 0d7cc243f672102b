//! Redacting a HAR file of any size with bounded memory.
//!
//! **Pass 1** parses the input with serde_json's streaming deserializer and a visitor for
//! `log.entries`: one entry at a time is read, redacted structurally and written to a scratch
//! file as one line; the other members of `log` (small) likewise. What stays in memory is the
//! entry being read and the values pseudonymised so far (needed for pass 2).
//!
//! **Pass 2** reads the scratch file line by line and writes the output HAR. A line is
//! searched for every spelling of every known value with one Aho-Corasick automaton; only a
//! line that may contain one is parsed again and scrubbed ("a value seen as a secret anywhere
//! is redacted everywhere", including in entries read before the value was learned). Then the
//! receipt goes in.
//!
//! Peak memory is therefore the largest single entry plus the set of distinct secret values,
//! whatever the size of the file. The scratch file holds structurally redacted entries, in
//! which a value learned only later in the file may still appear in clear: put it beside the
//! output, readable by the user only, and delete it (the CLI does).

use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::har::{take_receipt, RECEIPT_KEY};
use super::receipt::{loc, Receipt};
use super::redactor::Redactor;

/// Why a HAR could not be redacted.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("not a HAR file: {0}")]
    NotHar(String),
}

/// What pass 1 keeps for pass 2 besides the scratch file.
#[derive(Debug, Default)]
pub struct Pass1 {
    comment: Option<Value>,
    previous: Option<Receipt>,
    root_extra: Vec<(String, Value)>,
    /// Entries read.
    pub entries: u64,
}

/// Redacts a HAR from `input` to `out`, using `scratch` (an empty read-write file) between
/// the two passes. Returns the number of entries.
pub fn redact_har_stream<R: Read, S: Read + Write + Seek, W: Write>(
    redactor: &mut Redactor,
    input: R,
    mut scratch: S,
    out: W,
) -> Result<u64, StreamError> {
    let pass1 = {
        let mut writer = io::BufWriter::with_capacity(1 << 16, &mut scratch);
        let p = pass_one(redactor, input, &mut writer)?;
        writer.flush()?;
        p
    };
    scratch.seek(SeekFrom::Start(0))?;
    let entries = pass1.entries;
    pass_two(
        redactor,
        io::BufReader::with_capacity(1 << 16, scratch),
        pass1,
        out,
    )?;
    Ok(entries)
}

/// Pass 1: structural redaction, entry by entry, into the scratch file.
pub fn pass_one<R: Read, W: Write>(
    redactor: &mut Redactor,
    input: R,
    scratch: W,
) -> Result<Pass1, StreamError> {
    let mut ctx = Ctx {
        redactor,
        out: scratch,
        io_error: None,
        pass1: Pass1::default(),
        saw_log: false,
    };
    let mut de =
        serde_json::Deserializer::from_reader(io::BufReader::with_capacity(1 << 16, input));
    let result = RootSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(e) = ctx.io_error.take() {
        return Err(StreamError::Io(e));
    }
    match result {
        Err(e) if e.is_io() => return Err(StreamError::Io(io::Error::other(e.to_string()))),
        Err(e) if e.is_data() => return Err(StreamError::NotHar(e.to_string())),
        Err(e) => return Err(StreamError::Json(e)),
        Ok(()) => {}
    }
    if !ctx.saw_log {
        return Err(StreamError::NotHar("there is no \"log\" object".into()));
    }
    Ok(ctx.pass1)
}

/// Pass 2: known values everywhere, then the receipt; writes the output HAR.
pub fn pass_two<R: BufRead, W: Write>(
    redactor: &mut Redactor,
    scratch: R,
    pass1: Pass1,
    out: W,
) -> Result<(), StreamError> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(b"{\"log\":{")?;
    let mut first_member = true;
    let mut first_entry = true;
    for line in scratch.lines() {
        let line = line?;
        let (tag, rest) = line.split_at(1.min(line.len()));
        match tag {
            "K" => {
                let (key, value) = rest
                    .split_once('\t')
                    .ok_or_else(|| StreamError::NotHar("scratch file damaged".into()))?;
                if !first_member {
                    out.write_all(b",")?;
                }
                first_member = false;
                let scrubbed = scrub_line(redactor, value, loc::LOG_OTHER)?;
                write!(out, "\n{key}:{}", scrubbed.as_deref().unwrap_or(value))?;
            }
            "S" => {
                if !first_member {
                    out.write_all(b",")?;
                }
                first_member = false;
                out.write_all(b"\n\"entries\":[")?;
            }
            "E" => {
                if !first_entry {
                    out.write_all(b",")?;
                }
                first_entry = false;
                let scrubbed = scrub_line(redactor, rest, loc::ENTRY_OTHER)?;
                out.write_all(b"\n")?;
                out.write_all(scrubbed.as_deref().unwrap_or(rest).as_bytes())?;
            }
            "Z" => {
                out.write_all(b"\n]")?;
                first_entry = true;
            }
            _ => return Err(StreamError::NotHar("scratch file damaged".into())),
        }
    }
    // The comment and the receipt close the log.
    let mut tail = serde_json::Map::new();
    if let Some(mut comment) = pass1.comment {
        redactor.loc = loc::LOG_OTHER;
        redactor.scrub_value(&mut comment);
        tail.insert("comment".into(), comment);
    }
    redactor.finish_log(&mut tail, pass1.previous.as_ref());
    for key in ["comment", RECEIPT_KEY] {
        if let Some(v) = tail.get(key) {
            if !first_member {
                out.write_all(b",")?;
            }
            first_member = false;
            write!(out, "\n{}:{}", json(&Value::String(key.into())), json(v))?;
        }
    }
    out.write_all(b"\n}")?;
    for (key, mut v) in pass1.root_extra {
        redactor.loc = loc::LOG_OTHER;
        redactor.scrub_value(&mut v);
        write!(out, ",\n{}:{}", json(&Value::String(key)), json(&v))?;
    }
    out.write_all(b"}\n")?;
    out.flush()?;
    Ok(())
}

/// A scratch line scrubbed of known values, when it contains any.
fn scrub_line(
    redactor: &mut Redactor,
    text: &str,
    location: &'static str,
) -> Result<Option<String>, StreamError> {
    if !redactor.may_contain_known(text) {
        return Ok(None);
    }
    let mut v: Value = serde_json::from_str(text).map_err(StreamError::Json)?;
    redactor.loc = location;
    Ok(redactor.scrub_value(&mut v).then(|| json(&v)))
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

struct Ctx<'r, W> {
    redactor: &'r mut Redactor,
    out: W,
    io_error: Option<io::Error>,
    pass1: Pass1,
    saw_log: bool,
}

impl<W: Write> Ctx<'_, W> {
    fn line<E: serde::de::Error>(&mut self, tag: &str, body: &str) -> Result<(), E> {
        let result = self
            .out
            .write_all(tag.as_bytes())
            .and_then(|()| self.out.write_all(body.as_bytes()))
            .and_then(|()| self.out.write_all(b"\n"));
        result.map_err(|e| {
            self.io_error = Some(e);
            E::custom("cannot write the scratch file")
        })
    }
}

struct RootSeed<'c, 'r, W> {
    ctx: &'c mut Ctx<'r, W>,
}

impl<'de, W: Write> DeserializeSeed<'de> for RootSeed<'_, '_, W> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, W: Write> Visitor<'de> for RootSeed<'_, '_, W> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR document (an object with a \"log\" object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" && !self.ctx.saw_log {
                self.ctx.saw_log = true;
                map.next_value_seed(LogSeed {
                    ctx: &mut *self.ctx,
                })?;
            } else {
                let mut v: Value = map.next_value()?;
                self.ctx.redactor.loc = loc::LOG_OTHER;
                self.ctx.redactor.redact_generic(&mut v);
                self.ctx.pass1.root_extra.push((key, v));
            }
        }
        Ok(())
    }
}

struct LogSeed<'c, 'r, W> {
    ctx: &'c mut Ctx<'r, W>,
}

impl<'de, W: Write> DeserializeSeed<'de> for LogSeed<'_, '_, W> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, W: Write> Visitor<'de> for LogSeed<'_, '_, W> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR \"log\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "entries" => {
                    self.ctx.line::<A::Error>("S", "")?;
                    map.next_value_seed(EntriesSeed {
                        ctx: &mut *self.ctx,
                    })?;
                    self.ctx.line::<A::Error>("Z", "")?;
                }
                "comment" => {
                    let mut v: Value = map.next_value()?;
                    self.ctx.redactor.loc = loc::LOG_OTHER;
                    self.ctx.redactor.redact_generic(&mut v);
                    self.ctx.pass1.comment = Some(v);
                }
                RECEIPT_KEY => {
                    let v: Value = map.next_value()?;
                    let mut holder = serde_json::Map::new();
                    holder.insert(RECEIPT_KEY.into(), v);
                    self.ctx.pass1.previous = take_receipt(&mut holder);
                }
                _ => {
                    let mut v: Value = map.next_value()?;
                    self.ctx.redactor.redact_log_member(&key, &mut v);
                    let body = format!("{}\t{}", json(&Value::String(key)), json(&v));
                    self.ctx.line::<A::Error>("K", &body)?;
                }
            }
        }
        Ok(())
    }
}

struct EntriesSeed<'c, 'r, W> {
    ctx: &'c mut Ctx<'r, W>,
}

impl<'de, W: Write> DeserializeSeed<'de> for EntriesSeed<'_, '_, W> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, W: Write> Visitor<'de> for EntriesSeed<'_, '_, W> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(mut entry) = seq.next_element::<Value>()? {
            self.ctx.redactor.redact_entry(&mut entry);
            let body = json(&entry);
            self.ctx.line::<A::Error>("E", &body)?;
            self.ctx.pass1.entries += 1;
        }
        Ok(())
    }
}
