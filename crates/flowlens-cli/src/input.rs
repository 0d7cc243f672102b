//! Reading inputs: HAR files, Flowlens exports and trace JSON files (through the core's
//! opener), and the expectations profile. Every error is one line naming the file.

use std::fs::{self, File};
use std::io::{self, IsTerminal};
use std::path::Path;

use flowlens_core::har::HarError;
use flowlens_core::open::{Keep, OpenError, Opened};
use flowlens_core::Profile;
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

/// Opens a HAR file, a Flowlens export (zip) or a trace JSON file with the core's opener,
/// with a progress bar for large files. Of a HAR, only the exchanges authorization flows reach
/// are kept: memory follows the flows, not the file.
pub fn read_input(path: &Path) -> Result<Opened, String> {
    let (file, len) = open(path)?;
    let progress = progress_bar(len);
    let result = flowlens_core::open::open_keeping(file, Keep::Flows, &mut |done, total| {
        if let Some(bar) = &progress {
            if total > 0 {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result.map_err(|e| describe(path, e))
}

/// Calls `f` with a reader of the HAR of `path`: the file, or the HAR inside a zip.
pub fn with_har<T>(path: &Path, f: impl FnOnce(&mut dyn io::Read) -> T) -> Result<T, String> {
    let (file, _) = open(path)?;
    flowlens_core::open::with_har(file, f).map_err(|e| describe(path, e))
}

/// An opener's error in one line naming the file.
pub fn describe(path: &Path, e: OpenError) -> String {
    let name = path.display();
    match e {
        OpenError::Io(e) | OpenError::Har(HarError::Io(e)) => {
            format!("{name}: cannot read: {}", io_reason(&e))
        }
        e => format!("{name}: {e}"),
    }
}

/// Reads the expectations profile (TOML). Unknown keys are errors: a typo must not silently
/// turn a check off; so are domains and URLs that cannot be compared (the options page's
/// rules: [`Profile::normalized`]).
pub fn read_profile(path: &Path) -> Result<Profile, String> {
    let name = path.display();
    let (_, _) = open(path)?;
    let text = fs::read_to_string(path).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData => format!("{name}: invalid profile: not UTF-8 text"),
        _ => format!("{name}: cannot read: {}", io_reason(&e)),
    })?;
    toml::from_str::<Profile>(&text)
        .map_err(|e| {
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
        })?
        .normalized()
        .map_err(|e| format!("{name}: invalid profile: {e}"))
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
