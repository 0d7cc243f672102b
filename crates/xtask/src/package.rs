//! `cargo xtask package`: one zip per store, from an allowlist, so nothing but the extension's
//! own files can end up in them (never target/, node_modules/, crates/ or tests/).
//!
//! The repository's manifest.json serves both browsers when the root is loaded unpacked; each
//! store gets it without what is for the other browser or for development only:
//! - both: no `key` (it pins the extension id of an unpacked copy; the Chrome Web Store refuses
//!   a manifest that has one, and Firefox identifies the add-on by its gecko id).
//! - Chrome: no `browser_specific_settings` (Firefox's) and no `background.scripts` (Chrome runs
//!   `background.service_worker`).
//! - Firefox: no `minimum_chrome_version` and no `background.service_worker` (Firefox runs
//!   `background.scripts`, and its linter warns about the ignored key); the gecko settings are
//!   required: the add-on id, `strict_min_version`, and `data_collection_permissions` (Flowlens
//!   collects nothing).

use std::path::{Path, PathBuf};

use flowlens_core::archive::ZipWriter;
use serde_json::Value;

use crate::Result;

/// What a packaged extension holds: the manifest and the extension folder (which contains
/// the icons and the generated `pkg/`).
const ALLOWED_ROOTS: &[&str] = &["manifest.json", "extension"];
/// Files under `extension/` that are for developers, not for the browser.
const EXCLUDED_SUFFIXES: &[&str] = &[".md", ".d.ts", ".gitignore", "package.json"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Chrome,
    Firefox,
}

impl Store {
    pub const ALL: [Store; 2] = [Store::Chrome, Store::Firefox];

    pub fn name(self) -> &'static str {
        match self {
            Store::Chrome => "chrome",
            Store::Firefox => "firefox",
        }
    }
}

/// `dist/flowlens-<store>-<version>.zip`, relative to the repository root.
pub fn zip_path(store: Store, version: &str) -> PathBuf {
    PathBuf::from("dist").join(format!("flowlens-{}-{version}.zip", store.name()))
}

/// Writes both store zips; returns their paths.
pub fn run(root: &Path) -> Result<Vec<PathBuf>> {
    let manifest = read_manifest(root)?;
    let version = manifest_version(&manifest)?;
    if !root.join("extension/pkg/flowlens_worker_bg.wasm").is_file() {
        return Err("extension/pkg/ is missing: run `cargo xtask build` first".into());
    }
    let files = allowlisted_files(root)?;
    std::fs::create_dir_all(root.join("dist")).map_err(|e| format!("cannot create dist/: {e}"))?;
    let mut written = Vec::new();
    for store in Store::ALL {
        let mut zip = ZipWriter::default();
        for (name, path) in &files {
            let data = if name == "manifest.json" {
                let text = serde_json::to_string_pretty(&store_manifest(&manifest, store)?)
                    .map_err(|e| e.to_string())?;
                format!("{text}\n").into_bytes()
            } else {
                std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?
            };
            zip.add_deflated(name, &data)
                .map_err(|e| format!("zip {name}: {e}"))?;
        }
        let bytes = zip.finish().map_err(|e| e.to_string())?;
        let out = root.join(zip_path(store, &version));
        std::fs::write(&out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
        println!(
            "xtask: {} ({} files, {} KB)",
            zip_path(store, &version).display(),
            files.len(),
            bytes.len() / 1024
        );
        written.push(out);
    }
    Ok(written)
}

pub fn read_manifest(root: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(root.join("manifest.json"))
        .map_err(|e| format!("cannot read manifest.json: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))
}

/// The manifest a store gets (see the module documentation).
pub fn store_manifest(manifest: &Value, store: Store) -> Result<Value> {
    let mut out = manifest.clone();
    let object = out
        .as_object_mut()
        .ok_or("manifest.json is not an object")?;
    let (other_background, other_keys): (&str, &[&str]) = match store {
        Store::Chrome => ("scripts", &["key", "browser_specific_settings"]),
        Store::Firefox => ("service_worker", &["key", "minimum_chrome_version"]),
    };
    for key in other_keys {
        object.remove(*key);
    }
    object
        .get_mut("background")
        .and_then(Value::as_object_mut)
        .ok_or("manifest.json has no background")?
        .remove(other_background);
    if store == Store::Firefox {
        let gecko = &out["browser_specific_settings"]["gecko"];
        for (field, what) in [
            ("id", "the add-on id"),
            ("strict_min_version", "the oldest Firefox it runs on"),
            (
                "data_collection_permissions",
                "what data it collects (none)",
            ),
        ] {
            if gecko.get(field).is_none() {
                return Err(format!(
                    "manifest.json: browser_specific_settings.gecko.{field} ({what}) is required by the Firefox store"
                ));
            }
        }
    }
    Ok(out)
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

/// The manifest's `"version"` (digits and dots only: it names the zip files).
pub fn manifest_version(manifest: &Value) -> Result<String> {
    let value = manifest["version"]
        .as_str()
        .ok_or("manifest.json has no \"version\"")?;
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        Ok(value.to_string())
    } else {
        Err(format!("manifest.json: odd version {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository_manifest() -> Value {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        read_manifest(&root).expect("the repository's manifest.json")
    }

    #[test]
    fn reads_the_manifest_version_not_the_manifest_version_key() {
        let m = serde_json::json!({"manifest_version": 3, "name": "x", "version": "0.1.0"});
        assert_eq!(manifest_version(&m).as_deref(), Ok("0.1.0"));
        let odd = serde_json::json!({"version": "1.0/../../x"});
        assert!(manifest_version(&odd).is_err());
    }

    #[test]
    fn the_firefox_package_has_no_key_and_declares_its_gecko_settings() {
        let firefox = store_manifest(&repository_manifest(), Store::Firefox).expect("firefox");
        assert!(firefox.get("key").is_none());
        assert!(firefox.get("minimum_chrome_version").is_none());
        assert_eq!(
            firefox["background"],
            serde_json::json!({"scripts": ["extension/service_worker.js"], "type": "module"})
        );
        let gecko = &firefox["browser_specific_settings"]["gecko"];
        assert_eq!(gecko["id"], "flowlens@flowlens.dev");
        assert_eq!(
            gecko["data_collection_permissions"],
            serde_json::json!({"required": ["none"]})
        );
        assert!(gecko["strict_min_version"].is_string());
    }

    #[test]
    fn the_chrome_package_has_no_key_and_nothing_of_firefox() {
        let chrome = store_manifest(&repository_manifest(), Store::Chrome).expect("chrome");
        assert!(chrome.get("key").is_none());
        assert!(chrome.get("browser_specific_settings").is_none());
        assert_eq!(
            chrome["background"],
            serde_json::json!({"service_worker": "extension/service_worker.js", "type": "module"})
        );
        assert_eq!(chrome["permissions"], repository_manifest()["permissions"]);
    }

    #[test]
    fn a_manifest_without_gecko_settings_is_refused_for_firefox() {
        let mut manifest = repository_manifest();
        manifest["browser_specific_settings"]["gecko"]
            .as_object_mut()
            .expect("gecko")
            .remove("data_collection_permissions");
        let error = store_manifest(&manifest, Store::Firefox).expect_err("refused");
        assert!(error.contains("data_collection_permissions"), "{error}");
        assert!(store_manifest(&manifest, Store::Chrome).is_ok());
    }
}
