//! How files are opened, called from this one place.
//!
//! Today the viewer's opener (HAR, Flowlens export zip or trace JSON) and the zip reader live in
//! `flowlens-wasm`; when they move into the core, only these functions change and every target
//! and regression test follows.

use flowlens_core::har::{self, HarError};
use flowlens_core::Trace;

/// A file as the viewer opens it: an export zip (its `.har`), a HAR, or a trace JSON.
pub fn open_file(bytes: &[u8]) -> Result<Trace, String> {
    flowlens_wasm::bundle::open_file(bytes, &mut |_, _| {}).map(|(_, trace)| trace)
}

/// The entries of an export zip, as (name, bytes).
pub fn zip_entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    flowlens_wasm::zip::entries(bytes).map(|entries| {
        entries
            .into_iter()
            .map(|e| (e.name, e.data.to_vec()))
            .collect()
    })
}

/// The bytes start like a zip file (the opener then reads them as one).
pub fn is_zip(bytes: &[u8]) -> bool {
    flowlens_wasm::zip::is_zip(bytes)
}

/// A stored zip holding these files, as the extension's export writes it.
pub fn write_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = flowlens_wasm::zip::ZipWriter::new();
    for (name, data) in files {
        zip.add(name, data);
    }
    zip.finish()
}

/// The export bundle of a trace (redacted with a fixed key), as the popup's Export writes it.
pub fn export_bundle(trace: &Trace) -> Vec<u8> {
    let report = flowlens_core::analyze(trace, &flowlens_core::Profile::default());
    flowlens_wasm::bundle::bundle(
        trace,
        &report,
        flowlens_wasm::bundle::Redaction::Redacted([7; 32]),
    )
}

/// A HAR held in memory, every exchange kept.
pub fn read_har(bytes: &[u8]) -> Result<Trace, HarError> {
    har::read_har_slice(bytes)
}
