//! `cargo xtask package`: store zips from an allowlist, so nothing but the extension's own
//! files can end up in them (never target/, node_modules/, crates/ or tests/).

use std::path::{Path, PathBuf};

use crate::Result;
use flowlens_core::archive::ZipWriter;

/// What a packaged extension holds: the manifest and the extension folder (which contains
/// the icons and the generated `pkg/`).
const ALLOWED_ROOTS: &[&str] = &["manifest.json", "extension"];
/// Files under `extension/` that are for developers, not for the browser.
const EXCLUDED_SUFFIXES: &[&str] = &[".md", ".d.ts", ".gitignore", "package.json"];

pub fn run(root: &Path) -> Result {
    let manifest = std::fs::read_to_string(root.join("manifest.json"))
        .map_err(|e| format!("cannot read manifest.json: {e}"))?;
    let version = manifest_version(&manifest)?;
    if !root.join("extension/pkg/flowlens_worker_bg.wasm").is_file() {
        return Err("extension/pkg/ is missing: run `cargo xtask build` first".into());
    }
    let files = allowlisted_files(root)?;
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create dist/: {e}"))?;
    // One manifest serves both browsers (Chrome reads background.service_worker, Firefox
    // background.scripts), so the two archives hold the same files under their store's name.
    for browser in ["chrome", "firefox"] {
        let mut zip = ZipWriter::default();
        for (name, path) in &files {
            let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            zip.add_deflated(name, &data)
                .map_err(|e| format!("zip {name}: {e}"))?;
        }
        let bytes = zip.finish().map_err(|e| e.to_string())?;
        let out = dist.join(format!("flowlens-{browser}-{version}.zip"));
        std::fs::write(&out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
        println!(
            "xtask: {} ({} files, {} KB)",
            out.strip_prefix(root).unwrap_or(&out).display(),
            files.len(),
            bytes.len() / 1024
        );
    }
    Ok(())
}

/// (archive name, path) of every file to package, sorted.
fn allowlisted_files(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in ALLOWED_ROOTS {
        collect(root, &root.join(entry), &mut files)?;
    }
    files.retain(|(name, _)| !EXCLUDED_SUFFIXES.iter().any(|s| name.ends_with(s)));
    files.sort();
    Ok(files)
}

fn collect(root: &Path, path: &Path, out: &mut Vec<(String, PathBuf)>) -> Result {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            collect(root, &entry.path(), out)?;
        }
    } else if meta.is_file() {
        let name = path
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push((name, path.to_path_buf()));
    }
    // Symlinks are skipped: they could point anywhere.
    Ok(())
}

/// The `"version"` of manifest.json, read without a JSON dependency.
fn manifest_version(manifest: &str) -> Result<String> {
    let after = manifest
        .split("\"version\"")
        .nth(1)
        .ok_or("manifest.json has no \"version\"")?;
    let value = after
        .split('"')
        .nth(1)
        .ok_or("manifest.json: unreadable \"version\"")?;
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        Ok(value.to_string())
    } else {
        Err(format!("manifest.json: odd version {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_manifest_version_not_the_manifest_version_key() {
        let m = r#"{"manifest_version": 3, "name": "x", "version": "0.1.0"}"#;
        assert_eq!(manifest_version(m).as_deref(), Ok("0.1.0"));
    }
}
