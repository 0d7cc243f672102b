//! Reading inputs: HAR files, Flowlens trace JSON files and the expectations profile. Every
//! error is one line naming the file.

use std::fs::{self, File};
use std::io::{self, BufReader, IsTerminal};
use std::path::Path;

use flowlens_core::har::{self, HarError};
use flowlens_core::{Profile, Trace};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this read too fast for a progress bar to help.
const PROGRESS_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// The name a report shows for its source.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The reason of an I/O error in a few words.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn open(path: &Path) -> Result<(File, u64), String> {
    let name = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("{name}: cannot open: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("{name}: is a directory, not a file"));
    }
    let file = File::open(path).map_err(|e| format!("{name}: cannot open: {}", io_reason(&e)))?;
    Ok((file, meta.len()))
}

/// Reads a HAR file, or a Flowlens trace JSON file (an object with `exchanges`). Of a HAR,
/// only the exchanges authorization flows can reach are kept: memory follows the flows, not
/// the file.
pub fn read_trace(path: &Path) -> Result<Trace, String> {
    let name = path.display();
    let (file, len) = open(path)?;
    let progress = progress_bar(len);
    let mut file = Some(file);
    let reopen = || match file.take() {
        Some(file) => Ok(file),
        None => File::open(path),
    };
    let result = har::read_har_flows(reopen, &mut |read| {
        if let Some(bar) = &progress {
            bar.set_position(read);
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    match result {
        Ok(trace) => Ok(trace),
        Err(HarError::NotHar(reason)) => read_trace_json(path, &reason)
            .unwrap_or_else(|| Err(format!("{name}: not a HAR file ({reason})"))),
        Err(HarError::Io(e)) => Err(format!("{name}: cannot read: {}", io_reason(&e))),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// The file as a trace, when its top level has an `exchanges` array; `None` when it is some
/// other JSON document. `not_har` says why it is no HAR, for when it is no JSON serde_json can
/// hold either (nested past its depth limit, a lone surrogate).
fn read_trace_json(path: &Path, not_har: &str) -> Option<Result<Trace, String>> {
    let (file, _) = open(path).ok()?;
    let value: serde_json::Value = match serde_json::from_reader(BufReader::new(file)) {
        Ok(value) => value,
        Err(e) if e.is_io() => return None,
        Err(e) => {
            return Some(Err(format!(
                "{}: not a HAR file ({not_har}), nor a readable Flowlens trace ({e})",
                path.display()
            )))
        }
    };
    if !value
        .get("exchanges")
        .is_some_and(serde_json::Value::is_array)
    {
        return None;
    }
    Some(
        serde_json::from_value::<Trace>(value)
            .map_err(|e| format!("{}: not a valid Flowlens trace: {e}", path.display())),
    )
}

/// Reads the expectations profile (TOML). Unknown keys are errors: a typo must not silently
/// turn a check off.
pub fn read_profile(path: &Path) -> Result<Profile, String> {
    let name = path.display();
    let (_, _) = open(path)?;
    let text = fs::read_to_string(path).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData => format!("{name}: invalid profile: not UTF-8 text"),
        _ => format!("{name}: cannot read: {}", io_reason(&e)),
    })?;
    toml::from_str::<Profile>(&text).map_err(|e| {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" at line {line} column {column}")
            })
            .unwrap_or_default();
        format!(
            "{name}: invalid profile: {}{at}",
            e.message().trim().replace('\n', " ")
        )
    })
}

fn progress_bar(len: u64) -> Option<ProgressBar> {
    if len < PROGRESS_MIN_BYTES || !io::stderr().is_terminal() {
        return None;
    }
    let style =
        ProgressStyle::with_template("reading {bar:30} {bytes}/{total_bytes} ({eta})").ok()?;
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(style.progress_chars("=> "));
    Some(bar)
}
