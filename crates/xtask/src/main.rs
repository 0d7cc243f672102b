//! `cargo xtask <task>`: the project's build tasks, in Rust so they run wherever cargo does.
//!
//! - `build`: compiles `flowlens-wasm` for `wasm32-unknown-unknown` (release, opt-level "s")
//!   and runs the wasm-bindgen CLI of exactly the crate's version into `extension/pkg/`.
//!   Afterwards the repository root loads unpacked as the extension.
//! - `package`: builds, then writes `dist/flowlens-chrome-<version>.zip` and
//!   `dist/flowlens-firefox-<version>.zip` from an allowlist of the extension's files.
//! - `icons`: regenerates `extension/icons/*.png`.

mod build;
mod icons;
mod package;
mod zip;

use std::path::PathBuf;
use std::process::ExitCode;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("build") => build::run(&root, args.iter().any(|a| a == "--debug")),
        Some("package") => build::run(&root, false).and_then(|()| package::run(&root)),
        Some("icons") => icons::run(&root),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <build [--debug] | package | icons>";

/// The workspace root: two levels above this crate's manifest. `cargo run` sets
/// CARGO_MANIFEST_DIR for the run; the compile-time value is only a fallback, since a binary
/// in a shared target directory may have been built from another checkout.
fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the root")
        .to_path_buf()
}
