//! One opener for every input Flowlens reads: a HAR file, the extension's export zip (its
//! HAR, and from its `report.json` the manual answers and the profile the popup judged with),
//! a zipped HAR, and a Flowlens trace JSON. The CLI (`check`, `diff`, `redact`) and the
//! extension's viewer both open files here, so they accept the same inputs and say the same
//! things about bad ones.
//!
//! What is read from a zip is capped ([`MAX_UNZIPPED_HAR`], [`MAX_UNZIPPED_MEMBER`]), checked
//! against the archive's header first and against the bytes that actually come out, so a zip
//! bomb is a clear error; the HAR is streamed into the importer, never held whole.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use crate::archive::{self, ArchiveError, ZipReader};
use crate::bundle::{HAR_FILE, PROFILE_MEMBER, REPORT_JSON_FILE};
use crate::har::{self, HarError};
use crate::manual::{Answer, Answers};
use crate::profile::Profile;
use crate::report::Report;
use crate::stdx::controls::replace_unsafe;
use crate::trace::Trace;
use crate::vocab::{string_enum, Status};

/// The most a HAR inside a zip may decompress to. The importer streams it, so memory stays
/// bounded by the trace; the cap bounds the time a hostile archive can take.
pub const MAX_UNZIPPED_HAR: u64 = 1024 * 1024 * 1024;
/// The most any other member read from a zip (an export's `report.json`) may decompress to.
pub const MAX_UNZIPPED_MEMBER: u64 = 64 * 1024 * 1024;

string_enum! {
    /// What kind of file was opened.
    pub enum InputKind {
        /// A HAR file.
        Har => "har",
        /// A zip: a Flowlens export bundle, or a zipped HAR.
        Bundle => "bundle",
        /// A Flowlens trace JSON (what `flowlens probe --save-trace` writes).
        Trace => "trace",
    }
}

/// An opened input: the trace, and what an export adds to it.
#[derive(Debug)]
pub struct Opened {
    pub kind: InputKind,
    /// Problems met while opening are in `trace.capture.notes`, as for an import.
    pub trace: Trace,
    /// An export's manual answers (the ticks and notes of its report); empty otherwise.
    pub answers: Answers,
    /// The expectations profile an export's report was judged with, when it says.
    pub profile: Option<Profile>,
}

/// Why an input could not be opened. Messages are one line, without the file's name (the
/// caller says which file).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Reading failed (the caller knows best how to say an I/O error).
    #[error("cannot read: {0}")]
    Io(io::Error),
    #[error("{0}")]
    Har(HarError),
    /// Valid JSON, neither a HAR nor a trace.
    #[error("not a HAR file ({0})")]
    NotHar(String),
    #[error("not a valid Flowlens trace: {0}")]
    BadTrace(String),
    #[error("{0}")]
    Archive(#[from] ArchiveError),
    #[error("the zip holds no .har file ({0})")]
    NoHar(String),
    /// The HAR inside a zip is broken.
    #[error("{} in the zip: {error}", replace_unsafe(.name))]
    HarInZip { name: String, error: HarError },
}

/// What of a HAR's exchanges an opener keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every exchange (what the viewer's timeline can show).
    All,
    /// Only those authorization flows reach ([`har::read_har_flows`]): memory follows the
    /// flows, not the file; the statuses are the same.
    Flows,
}

/// Opens `input`, whatever it is, keeping every exchange. `on_progress(done, total)` is
/// called about every megabyte while a HAR is parsed (bytes of the HAR, decompressed).
pub fn open<R: Read + Seek>(
    input: R,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Opened, OpenError> {
    open_keeping(input, Keep::All, on_progress)
}

/// Opens `input`, whatever it is, keeping what `keep` says of a HAR's exchanges.
pub fn open_keeping<R: Read + Seek>(
    mut input: R,
    keep: Keep,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Opened, OpenError> {
    let mut magic = [0u8; 4];
    let n = read_prefix(&mut input, &mut magic).map_err(OpenError::Io)?;
    let total = input.seek(SeekFrom::End(0)).map_err(OpenError::Io)?;
    input.seek(SeekFrom::Start(0)).map_err(OpenError::Io)?;
    if archive::is_zip(&magic[..n]) {
        return open_zip(input, keep, on_progress);
    }
    let mut progress = |done| on_progress(done, total);
    let read = match keep {
        Keep::All => har::read_har(&mut input, &mut progress),
        Keep::Flows => match har::read_har_flows_once(&mut input, &mut progress) {
            Ok(Some(trace)) => Ok(trace),
            Ok(None) => {
                input.seek(SeekFrom::Start(0)).map_err(OpenError::Io)?;
                har::read_har(&mut input, &mut progress)
            }
            Err(e) => Err(e),
        },
    };
    match read {
        Ok(trace) => Ok(Opened {
            kind: InputKind::Har,
            trace,
            answers: Answers::new(),
            profile: None,
        }),
        Err(HarError::NotHar(reason)) => {
            input.seek(SeekFrom::Start(0)).map_err(OpenError::Io)?;
            read_trace_json(input, reason).map(|trace| Opened {
                kind: InputKind::Trace,
                trace,
                answers: Answers::new(),
                profile: None,
            })
        }
        Err(HarError::Io(e)) => Err(OpenError::Io(e)),
        Err(e) => Err(OpenError::Har(e)),
    }
}

/// Calls `f` with a reader of the HAR in `input`: the file itself, or the HAR inside a zip
/// (capped as [`open`] caps it). For consumers that stream a HAR themselves (`redact`).
/// Errors of `f` reading past the cap are [`ArchiveError::TooLarge`] through
/// [`archive::read_error`].
pub fn with_har<R: Read + Seek, T>(
    mut input: R,
    f: impl FnOnce(&mut dyn Read) -> T,
) -> Result<T, OpenError> {
    let mut magic = [0u8; 4];
    let n = read_prefix(&mut input, &mut magic).map_err(OpenError::Io)?;
    input.seek(SeekFrom::Start(0)).map_err(OpenError::Io)?;
    if !archive::is_zip(&magic[..n]) {
        return Ok(f(&mut input));
    }
    let mut zip = ZipReader::new(input)?;
    let name = har_member(&zip)?;
    let mut reader = zip.open(&name, MAX_UNZIPPED_HAR)?;
    Ok(f(&mut reader))
}

fn read_prefix(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The HAR of a zip: an export's `flow.har`, else the only or first `.har` member.
fn har_member<R: Read + Seek>(zip: &ZipReader<R>) -> Result<String, OpenError> {
    let names = zip.names();
    if names.iter().any(|n| n == HAR_FILE) {
        return Ok(HAR_FILE.to_string());
    }
    names
        .iter()
        .find(|n| n.to_ascii_lowercase().ends_with(".har") && !n.starts_with("__MACOSX/"))
        .cloned()
        .ok_or_else(|| {
            // Names are the archive's to choose: shown without line breaks or overrides.
            let mut shown: Vec<String> = names
                .iter()
                .take(5)
                .map(|n| replace_unsafe(n).into_owned())
                .collect();
            if names.len() > shown.len() {
                shown.push("…".to_string());
            }
            OpenError::NoHar(if names.is_empty() {
                "it is empty".to_string()
            } else {
                format!("it holds {}", shown.join(", "))
            })
        })
}

fn open_zip<R: Read + Seek>(
    input: R,
    keep: Keep,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Opened, OpenError> {
    let mut zip = ZipReader::new(input)?;
    let name = har_member(&zip)?;
    let total = zip.declared_size(&name).unwrap_or_default();
    let in_zip = |e| match e {
        HarError::Io(e) => OpenError::Archive(archive::read_error(&name, MAX_UNZIPPED_HAR, e)),
        error => OpenError::HarInZip {
            name: name.clone(),
            error,
        },
    };
    let mut progress = |done| on_progress(done, total);
    let kept = match keep {
        Keep::All => None,
        Keep::Flows => {
            let mut reader = zip.open(&name, MAX_UNZIPPED_HAR)?;
            har::read_har_flows_once(&mut reader, &mut progress).map_err(in_zip)?
        }
    };
    let mut trace = match kept {
        Some(trace) => trace,
        None => {
            let mut reader = zip.open(&name, MAX_UNZIPPED_HAR)?;
            har::read_har(&mut reader, &mut progress).map_err(in_zip)?
        }
    };
    let mut answers = Answers::new();
    let mut profile = None;
    if zip.names().iter().any(|n| n == REPORT_JSON_FILE) {
        match read_export_report(&mut zip) {
            Ok((a, p)) => (answers, profile) = (a, p),
            Err(why) => trace.capture.notes.push(format!(
                "The export's {REPORT_JSON_FILE} could not be read ({why}): its manual answers \
                 and expectations profile are not used."
            )),
        }
    }
    Ok(Opened {
        kind: InputKind::Bundle,
        trace,
        answers,
        profile,
    })
}

/// The manual answers and the profile of an export's `report.json`.
fn read_export_report<R: Read + Seek>(
    zip: &mut ZipReader<R>,
) -> Result<(Answers, Option<Profile>), String> {
    let bytes = zip
        .read(REPORT_JSON_FILE, MAX_UNZIPPED_MEMBER)
        .map_err(|e| e.to_string())?;
    let mut value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let profile = match value.as_object_mut().and_then(|o| o.remove(PROFILE_MEMBER)) {
        Some(p) => Some(serde_json::from_value::<Profile>(p).map_err(|e| format!("profile: {e}"))?),
        None => None,
    };
    let report: Report =
        serde_json::from_value(value).map_err(|e| format!("not a Flowlens report: {e}"))?;
    let answers = report
        .checks
        .into_iter()
        .filter(|c| c.flow.is_none() && c.status == Status::Manual)
        .filter(|c| c.ticked || c.note.is_some())
        .map(|c| {
            (
                c.id,
                Answer {
                    ticked: c.ticked,
                    note: c.note,
                },
            )
        })
        .collect();
    Ok((answers, profile))
}

/// A Flowlens trace: a JSON object with an `exchanges` array.
fn read_trace_json(input: impl Read, not_har: String) -> Result<Trace, OpenError> {
    let value: serde_json::Value = match serde_json::from_reader(BufReader::new(input)) {
        Ok(value) => value,
        Err(e) if e.is_io() => return Err(OpenError::NotHar(not_har)),
        // JSON serde_json cannot hold (nested past its depth limit, a lone surrogate): say
        // so, not only that it is no HAR.
        Err(e) => {
            return Err(OpenError::NotHar(format!(
                "{not_har}; nor a readable Flowlens trace: {e}"
            )))
        }
    };
    if !value
        .get("exchanges")
        .is_some_and(serde_json::Value::is_array)
    {
        return Err(OpenError::NotHar(not_har));
    }
    serde_json::from_value::<Trace>(value).map_err(|e| OpenError::BadTrace(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::archive::ZipWriter;
    use crate::bundle::{self, Redaction};
    use crate::report::ReportBuilder;
    use crate::testing::good_flow_with_pages;
    use crate::vocab::Section;

    fn open_bytes(bytes: &[u8]) -> Result<Opened, OpenError> {
        open(Cursor::new(bytes), &mut |_, _| {})
    }

    fn statuses(r: &Report) -> Vec<(String, Status, bool)> {
        r.checks
            .iter()
            .map(|c| (c.id.clone(), c.status, c.ticked))
            .collect()
    }

    #[test]
    fn an_export_reopens_with_the_statuses_answers_and_profile_it_was_made_with() {
        let trace = good_flow_with_pages().build();
        let profile = Profile {
            custom_domains: vec!["auth.acme.test".into()],
            server_name: Some("Acme Calendar".into()),
            skip_sections: vec![Section::EnterpriseAuth],
            ..Profile::default()
        };
        let mut answers = Answers::new();
        answers.insert(
            "manual-runbook".into(),
            Answer {
                ticked: true,
                note: Some("wiki/oncall".into()),
            },
        );
        let report = ReportBuilder::new(&trace, &profile)
            .manual_answers(&answers)
            .build();
        for redaction in [Redaction::Redacted([3; 32]), Redaction::Unredacted] {
            let bytes = bundle::write(&trace, &report, &profile, redaction);
            let opened = open_bytes(&bytes).expect("opens");
            assert_eq!(opened.kind, InputKind::Bundle);
            assert_eq!(opened.profile.as_ref(), Some(&profile));
            assert_eq!(opened.answers, answers);
            let again = ReportBuilder::new(&opened.trace, &profile)
                .manual_answers(&opened.answers)
                .build();
            assert_eq!(statuses(&again), statuses(&report));
        }
    }

    #[test]
    fn opens_har_trace_json_and_zipped_har_and_rejects_other_json() {
        let trace = good_flow_with_pages().build();
        let json = serde_json::to_vec(&trace).expect("trace json");
        assert_eq!(open_bytes(&json).expect("trace").kind, InputKind::Trace);
        let har = crate::har::export_unredacted(&trace).to_string();
        assert_eq!(
            open_bytes(har.as_bytes()).expect("har").kind,
            InputKind::Har
        );
        let mut zip = ZipWriter::new();
        zip.add_deflated("Customer Flow.HAR", har.as_bytes())
            .expect("add");
        let opened = open_bytes(&zip.finish().expect("zip")).expect("zipped har");
        assert_eq!(opened.kind, InputKind::Bundle);
        assert_eq!(opened.trace.exchanges.len(), trace.exchanges.len());
        assert!(opened.profile.is_none() && opened.answers.is_empty());

        let err = open_bytes(b"{\"foo\":1}").expect_err("other json");
        assert!(err.to_string().starts_with("not a HAR file"), "{err}");
        assert!(matches!(
            open_bytes(b""),
            Err(OpenError::Har(HarError::Empty))
        ));
        assert!(matches!(
            open_bytes(b"{\"exchanges\": 3}"),
            Err(OpenError::NotHar(_))
        ));
        assert!(matches!(
            open_bytes(b"{\"exchanges\": [1]}"),
            Err(OpenError::BadTrace(_))
        ));
    }

    #[test]
    fn bad_zips_are_clear_errors() {
        let trace = good_flow_with_pages().build();
        let report = crate::analyze(&trace, &Profile::default());
        let bytes = bundle::write(&trace, &report, &Profile::default(), Redaction::Unredacted);
        let err = open_bytes(&bytes[..bytes.len() / 2]).expect_err("truncated");
        assert!(
            matches!(err, OpenError::Archive(ArchiveError::Damaged(_))),
            "{err}"
        );

        let mut zip = ZipWriter::new();
        zip.add_stored("report.md", b"# hi").expect("add");
        let err = open_bytes(&zip.finish().expect("zip")).expect_err("no har");
        assert_eq!(
            err.to_string(),
            "the zip holds no .har file (it holds report.md)"
        );

        let mut zip = ZipWriter::new();
        zip.add_stored("flow.har", b"{\"log\": {").expect("add");
        let err = open_bytes(&zip.finish().expect("zip")).expect_err("broken har");
        assert!(
            err.to_string().starts_with("flow.har in the zip: "),
            "{err}"
        );

        // A damaged report.json costs the answers, not the trace.
        let mut zip = ZipWriter::new();
        let har = crate::har::export_unredacted(&trace).to_string();
        zip.add_stored("flow.har", har.as_bytes()).expect("add");
        zip.add_stored("report.json", b"[").expect("add");
        let opened = open_bytes(&zip.finish().expect("zip")).expect("opens");
        assert!(opened
            .trace
            .capture
            .notes
            .iter()
            .any(|n| n.contains("report.json could not be read")));
    }

    #[test]
    fn with_har_streams_the_har_of_a_zip_or_of_a_file() {
        let har = crate::har::export_unredacted(&good_flow_with_pages().build()).to_string();
        let mut zip = ZipWriter::new();
        zip.add_deflated("flow.har", har.as_bytes()).expect("add");
        let zipped = zip.finish().expect("zip");
        for bytes in [har.as_bytes(), zipped.as_slice()] {
            let text = with_har(Cursor::new(bytes), |r| {
                let mut s = String::new();
                r.read_to_string(&mut s).map(|_| s)
            })
            .expect("opens")
            .expect("reads");
            assert_eq!(text, har);
        }
    }
}
