//! `flowlens redact IN.har -o OUT.har`: a HAR with every secret and compared value replaced by
//! keyed pseudonyms, for a support ticket (see docs/redaction.md). IN may be a Flowlens export
//! (its HAR is redacted).
//!
//! The work is the core's two-pass streaming redaction; this module picks the key (32 bytes
//! from the operating system's random source, for this run only), the scratch file (beside the
//! output, readable by the user only, deleted on exit) and writes the output atomically: a
//! temporary file renamed over OUT at the end, so a failed run leaves no half-written HAR.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flowlens_core::redact::stream::{redact_har_stream, StreamError};
use flowlens_core::redact::{Receipt, Redactor};

use flowlens_core::archive::{self, ArchiveError};
use flowlens_core::open::MAX_UNZIPPED_HAR;

use crate::input::{io_reason as reason, with_har};

/// Where the redacted HAR goes.
pub enum Output {
    File(PathBuf),
    Stdout,
}

impl Output {
    /// `-o PATH`, `-o -` for stdout, or `IN.redacted.har` beside the input.
    pub fn from_arg(arg: Option<&Path>, input: &Path) -> Self {
        match arg {
            Some(p) if p == Path::new("-") => Output::Stdout,
            Some(p) => Output::File(p.to_path_buf()),
            None => {
                let stem = input
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "flowlens".into());
                Output::File(input.with_file_name(format!("{stem}.redacted.har")))
            }
        }
    }
}

/// Redacts `input` into `output`; the one-line summary for stderr, or the one-line error.
pub fn run(input: &Path, output: &Output) -> Result<String, String> {
    let name = input.display();
    // Opened first, so that a missing or unreadable input is said before anything is created.
    crate::input::with_har(input, |_| ())?;
    let mut redactor = Redactor::new(random_key()?);
    let dir = match output {
        Output::File(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        Output::Stdout => std::env::temp_dir(),
    };
    let scratch = tempfile::tempfile_in(&dir).map_err(|e| {
        format!(
            "{}: cannot create a scratch file: {}",
            dir.display(),
            reason(&e)
        )
    })?;
    let describe = |e: StreamError| match e {
        StreamError::Json(e) => format!("{name}: invalid JSON: {e}"),
        StreamError::NotHar(why) => format!("{name}: not a HAR file ({why})"),
        StreamError::Io(e) if archive::is_over_cap(&e) => format!(
            "{name}: {}",
            ArchiveError::TooLarge {
                name: "the HAR in the zip".into(),
                limit: MAX_UNZIPPED_HAR,
            }
        ),
        StreamError::Io(e) => format!("{name}: cannot redact: {}", reason(&e)),
    };
    let entries = match output {
        Output::Stdout => {
            let stdout = io::stdout().lock();
            with_har(input, |har| {
                redact_har_stream(&mut redactor, har, scratch, stdout)
            })?
            .map_err(describe)?
        }
        Output::File(path) => {
            let mut out = tempfile::NamedTempFile::new_in(&dir).map_err(|e| {
                format!(
                    "{}: cannot create the output: {}",
                    dir.display(),
                    reason(&e)
                )
            })?;
            let entries = with_har(input, |har| {
                redact_har_stream(&mut redactor, har, scratch, out.as_file_mut())
            })?
            .map_err(describe)?;
            out.as_file_mut()
                .flush()
                .and_then(|()| out.as_file().sync_all())
                .map_err(|e| format!("{}: cannot write: {}", path.display(), reason(&e)))?;
            out.persist(path)
                .map_err(|e| format!("{}: cannot write: {}", path.display(), reason(&e.error)))?;
            entries
        }
    };
    let to = match output {
        Output::File(p) => p.display().to_string(),
        Output::Stdout => "stdout".to_string(),
    };
    Ok(summary(input, &to, entries, redactor.receipt()))
}

fn summary(input: &Path, to: &str, entries: u64, receipt: &Receipt) -> String {
    format!(
        "redacted {} -> {to}: {entries} entries, {} values replaced by pseudonyms, {} parts redacted whole (receipt in log._flowlens_redaction)",
        input.display(),
        receipt.total_replaced(),
        receipt.total_whole(),
    )
}

/// A fresh key for this run, from the operating system.
pub(crate) fn random_key() -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| format!("no random source for the redaction key: {e}"))?;
    Ok(key)
}
