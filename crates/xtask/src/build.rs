//! `cargo xtask build`: the wasm module and its JavaScript glue in `extension/pkg/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

const CRATE: &str = "flowlens-wasm";
/// One module per need (crate feature, output name, opt-level): the service worker loads
/// the recorder (optimised for size: it loads at every worker start, and an event still
/// costs about 0.03 ms); the popup, side panel and options page the view (the first paint:
/// analysis and view, optimised for size, which is its load time); the export and the
/// viewer the files module (parsing 100 MB HARs: optimised for speed within size).
const MODULES: &[(&str, &str, &str)] = &[
    ("worker", "flowlens_worker", "z"),
    ("pages", "flowlens_pages", "z"),
    ("view", "flowlens_view", "z"),
    ("files", "flowlens_files", "s"),
];
const TARGET: &str = "wasm32-unknown-unknown";

pub fn run(root: &Path, debug: bool) -> Result {
    let version = locked_wasm_bindgen_version(root)?;
    let cli = find_cli(&version)?;

    let profile = if debug { "debug" } else { "release" };
    let out_dir = root.join("extension").join("pkg");
    remove_stale_modules(&out_dir)?;
    for (feature, out_name, opt_level) in MODULES {
        println!("xtask: building {CRATE} ({feature}) for {TARGET} ({profile})");
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .current_dir(root)
            .args(["build", "-p", CRATE, "--lib", "--target", TARGET])
            .args(["--no-default-features", "--features", feature])
            // Size matters in the extension, speed in the CLI: only these builds are s or z.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level);
        if !debug {
            cargo.arg("--release");
        }
        run_command(&mut cargo)
            .map_err(|e| format!("{e}\n(is the target installed? rustup target add {TARGET})"))?;

        let wasm = root
            .join("target")
            .join(TARGET)
            .join(profile)
            .join("flowlens_wasm.wasm");
        let mut bindgen = Command::new(&cli);
        bindgen
            .args(["--target", "web", "--out-name", out_name, "--out-dir"])
            .arg(&out_dir)
            .args(["--remove-name-section", "--remove-producers-section"])
            .arg(&wasm);
        if debug {
            bindgen.arg("--debug").arg("--keep-debug");
        }
        run_command(&mut bindgen)?;
        for file in [format!("{out_name}_bg.wasm"), format!("{out_name}.js")] {
            let size = std::fs::metadata(out_dir.join(&file))
                .map(|m| m.len())
                .unwrap_or(0);
            println!("xtask: extension/pkg/{file}: {} KB", size / 1024);
        }
    }
    write_check_docs(&out_dir)?;
    println!(
        "xtask: done; load the repository root unpacked (chrome://extensions → Load unpacked)"
    );
    Ok(())
}

/// The rules' documentation as the pages show it on an opened check: a JSON file the pages
/// load after their first paint, so that the first-paint wasm does not carry it.
fn write_check_docs(out_dir: &Path) -> Result {
    let json = serde_json::to_string(&flowlens_core::render::view::check_docs())
        .map_err(|e| format!("check docs: {e}"))?;
    let path = out_dir.join(CHECK_DOCS);
    std::fs::write(&path, &json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!(
        "xtask: extension/pkg/{CHECK_DOCS}: {} KB",
        json.len() / 1024
    );
    Ok(())
}

/// Written beside the wasm modules by [`write_check_docs`].
pub const CHECK_DOCS: &str = "check-docs.json";

/// Removes what an earlier build wrote for a module that is not built any more (a renamed
/// one), so that it cannot end up in a store package.
fn remove_stale_modules(out_dir: &Path) -> Result {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let current = MODULES.iter().any(|(_, out_name, _)| {
            name.starts_with(&format!("{out_name}."))
                || name.starts_with(&format!("{out_name}_bg."))
        });
        if name.starts_with("flowlens_") && !current {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove stale {}: {e}", entry.path().display()))?;
            println!("xtask: removed stale extension/pkg/{name}");
        }
    }
    Ok(())
}

/// The wasm-bindgen version Cargo.lock resolved: the CLI must be exactly this one.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package; run `cargo generate-lockfile`".into())
}

/// $WASM_BINDGEN, else `wasm-bindgen` on PATH, else the .ci/run cache; it must answer the
/// exact version, because the glue and the library must match.
fn find_cli(version: &str) -> Result<PathBuf> {
    let cache = crate::setup::cache_bin(version);
    let install = format!(
        "cargo install wasm-bindgen-cli --version {version} --root {}",
        cache.parent().unwrap_or(&cache).display()
    );
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("WASM_BINDGEN") {
        candidates.push(path.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("wasm-bindgen")));
    }
    candidates.push(cache.join("wasm-bindgen"));

    let mut seen = Vec::new();
    for candidate in candidates.into_iter().filter(|c| c.is_file()) {
        let output = Command::new(&candidate).arg("--version").output();
        let answer = match output {
            Ok(o) => String::from_utf8_lossy(&o.stdout).trim().to_string(),
            Err(e) => e.to_string(),
        };
        if answer == format!("wasm-bindgen {version}") {
            return Ok(candidate);
        }
        seen.push(format!("{} answers {answer:?}", candidate.display()));
    }
    let found = if seen.is_empty() {
        "no wasm-bindgen CLI found ($WASM_BINDGEN, PATH, the cache)".to_string()
    } else {
        format!("wrong wasm-bindgen CLI version: {}", seen.join("; "))
    };
    Err(format!(
        "{found}. The CLI must be exactly {version}, the version of the wasm-bindgen crate. \
         Install it with:\n  {install}\nor point $WASM_BINDGEN at it."
    ))
}

pub fn run_command(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}
