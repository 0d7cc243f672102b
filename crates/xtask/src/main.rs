//! `cargo xtask <task>`: the project's build tasks, in Rust so they run wherever cargo does.
//!
//! - `build`: README's first command. Installs what is missing (wasm target, the pinned
//!   wasm-bindgen CLI), compiles `flowlens-wasm` for `wasm32-unknown-unknown` (release,
//!   opt-level "s") and runs the wasm-bindgen CLI of exactly the crate's version into
//!   `extension/pkg/` (the repository root then loads unpacked as the extension), builds the
//!   `flowlens` CLI and checks the bundled example flow with it.
//! - `test`: README's second command: every test, installing what the browser tests need.
//! - `package`: builds, then writes `dist/flowlens-chrome-<version>.zip` and
//!   `dist/flowlens-firefox-<version>.zip` from an allowlist of the extension's files.
//! - `icons`: regenerates `extension/icons/*.png`.

mod build;
mod icons;
mod package;
mod setup;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("build") if args.iter().any(|a| a == "--wasm-only") => {
            build::run(&root, args.iter().any(|a| a == "--debug"))
        }
        Some("build") => build_everything(&root),
        Some("test") => test::run(&root),
        Some("package") => build::run(&root, false).and_then(|()| package::run(&root).map(drop)),
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

const USAGE: &str = "usage: cargo xtask <build [--wasm-only [--debug]] | test | package | icons>";

/// The bundled example the first README command checks.
const EXAMPLE: &str = "examples/good-custom-domain-byoa.har";

fn build_everything(root: &std::path::Path) -> Result {
    setup::wasm_toolchain(root)?;
    build::run(root, false)?;
    println!("xtask: building the flowlens CLI (release)");
    build::run_command(
        std::process::Command::new(setup::cargo())
            .current_dir(root)
            .args(["build", "--release", "-p", "flowlens-cli"]),
    )?;
    let flowlens = root.join("target/release/flowlens");
    println!("xtask: {} check {EXAMPLE}\n", flowlens.display());
    let status = std::process::Command::new(&flowlens)
        .current_dir(root)
        .args(["check", EXAMPLE])
        .status()
        .map_err(|e| format!("cannot run {}: {e}", flowlens.display()))?;
    if status.success() {
        println!("\nxtask: built the extension (load the repository root unpacked) and target/release/flowlens");
        Ok(())
    } else {
        Err(format!(
            "the bundled example {EXAMPLE} did not pass ({status})"
        ))
    }
}

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
