//! How files are opened and zips written, called from this one place: the core's opener (HAR,
//! export zip, zipped HAR, trace JSON), its archive and its export bundle.

use std::io::Cursor;

use flowlens_core::har::{self, HarError};
use flowlens_core::open::{self as opener, Keep};
use flowlens_core::Trace;

/// A file as the viewer opens it: an export zip (its `.har`), a HAR, or a trace JSON, every
/// exchange kept.
pub fn open_file(bytes: &[u8]) -> Result<Trace, String> {
    opener::open(Cursor::new(bytes), &mut |_, _| {})
        .map(|opened| opened.trace)
        .map_err(|e| e.to_string())
}

/// The same file as `flowlens check` opens it: of a HAR, what flows reach.
pub fn check_file(bytes: &[u8]) -> Result<Trace, String> {
    opener::open_keeping(Cursor::new(bytes), Keep::Flows, &mut |_, _| {})
        .map(|opened| opened.trace)
        .map_err(|e| e.to_string())
}

/// The entries of a zip, as (name, bytes).
pub fn zip_entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut zip =
        flowlens_core::archive::ZipReader::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for name in zip.names() {
        let data = zip
            .read(&name, flowlens_core::open::MAX_UNZIPPED_MEMBER)
            .map_err(|e| e.to_string())?;
        out.push((name, data));
    }
    Ok(out)
}

/// The bytes start like a zip file (the opener then reads them as one).
pub fn is_zip(bytes: &[u8]) -> bool {
    flowlens_core::archive::is_zip(bytes)
}

/// A zip holding these files, stored or deflated, as Flowlens writes them; `None` when the
/// zip writer refuses them (a name twice).
pub fn write_zip(files: &[(String, Vec<u8>)], deflated: bool) -> Option<Vec<u8>> {
    let mut zip = flowlens_core::archive::ZipWriter::new();
    for (name, data) in files {
        let added = if deflated {
            zip.add_deflated(name, data)
        } else {
            zip.add_stored(name, data)
        };
        added.ok()?;
    }
    zip.finish().ok()
}

/// The export bundle of a trace (redacted with a fixed key), as the popup's Export writes it.
pub fn export_bundle(trace: &Trace) -> Vec<u8> {
    let profile = flowlens_core::Profile::default();
    let report = flowlens_core::analyze(trace, &profile);
    flowlens_core::bundle::write(
        trace,
        &report,
        &profile,
        flowlens_core::bundle::Redaction::Redacted([7; 32]),
    )
}

/// A HAR held in memory, every exchange kept.
pub fn read_har(bytes: &[u8]) -> Result<Trace, HarError> {
    har::read_har_slice(bytes)
}
