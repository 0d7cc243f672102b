//! `cargo xtask test`: every test of the project, in the order that fails fastest.
//!
//! Format and lints, the Rust tests of every crate (rules, HAR import, CLI, probe, recorder),
//! the core's purity (it builds for wasm32 and depends on nothing web or async), the store
//! packages and `web-ext lint` of the Firefox one, the wasm-bindgen tests in headless Chromium
//! (recorder in a service worker, popup in a page), the end-to-end tests of the simulated
//! environment and the extension: in headless Chromium (Playwright), then in headless Firefox
//! ESR (puppeteer-core over WebDriver BiDi), each timed; and every fuzz target briefly.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::build::run_command;
use crate::package;
use crate::setup::{self, cargo};
use crate::Result;

/// Seconds each fuzz target runs in `cargo xtask test`: long enough to catch what a change
/// breaks on the seed corpora, short enough for CI; long runs are `scripts/fuzz.sh 600`.
const FUZZ_SECONDS: &str = "30";

/// Crates the core must never depend on: it runs unchanged in the CLI and in the extension.
const FORBIDDEN_IN_CORE: &[&str] = &[
    "wasm-bindgen",
    "web-sys",
    "js-sys",
    "gloo",
    "tokio",
    "async-std",
    "futures",
];

pub fn run(root: &Path) -> Result {
    let started = Instant::now();
    let step = |name: &str| println!("\nxtask test: {name} (+{}s)", started.elapsed().as_secs());

    step("set-up");
    let wasm_bin = setup::wasm_toolchain(root)?;
    setup::browser(root)?;
    setup::npm(root)?;
    let path = prepend_path(&wasm_bin);

    step("format");
    run_command(cargo_in(root).args(["fmt", "--all", "--", "--check"]))?;

    step("lints");
    run_command(cargo_in(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("Rust tests (exported and redacted HARs validated by npm har-validator, flowlens connect against the simulator and the MCP SDK's demo server among them)");
    run_command(
        cargo_in(root)
            .args(["test", "--workspace"])
            // Without them the validator and `flowlens connect` end-to-end tests skip when
            // node_modules (or Chromium) is absent; here both are set up.
            .env("FLOWLENS_REQUIRE_HAR_VALIDATOR", "1")
            .env("FLOWLENS_REQUIRE_CONNECT_E2E", "1"),
    )?;

    step("core purity: builds for wasm32, no web or async dependency");
    run_command(cargo_in(root).args([
        "build",
        "-p",
        "flowlens-core",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    core_has_no_forbidden_dependency(root)?;

    step("extension build");
    crate::build::run(root, false)?;

    step("store packages, and web-ext lint of the Firefox package (0 errors, 0 warnings)");
    let version = package::manifest_version(&package::read_manifest(root)?)?;
    package::run(root)?;
    let firefox_zip = root.join(package::zip_path(package::Store::Firefox, &version));
    run_command(
        Command::new("npx")
            .args(["web-ext", "lint", "--warnings-as-errors", "--source-dir"])
            .arg(&firefox_zip)
            .current_dir(root.join("tests/e2e"))
            // web-ext would look for a newer version of itself on npm.
            .env("NO_UPDATE_NOTIFIER", "1"),
    )?;

    step("wasm-bindgen tests in headless Chromium");
    run_command(
        cargo_in(root)
            .args([
                "test",
                "-p",
                "flowlens-wasm",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("PATH", &path)
            .env("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )?;

    for (project, what) in [
        (
            "chromium",
            "headless Chromium (simulated environment, extension, store package)",
        ),
        (
            "firefox",
            "headless Firefox ESR (the extension specs that run in both browsers)",
        ),
    ] {
        step(&format!("end-to-end tests in {what}"));
        let started_project = Instant::now();
        run_command(
            Command::new("npx")
                .args(["playwright", "test", &format!("--project={project}")])
                .current_dir(root.join("tests/e2e"))
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                // The CLI `cargo test` just built, not an older release build.
                .env("FLOWLENS_CLI", root.join("target/debug/flowlens")),
        )?;
        println!(
            "xtask test: end-to-end tests in {project} took {}s",
            started_project.elapsed().as_secs()
        );
    }

    step(&format!(
        "fuzzing: every target for {FUZZ_SECONDS} s (scripts/fuzz.sh; skipped without a nightly toolchain)"
    ));
    run_command(
        Command::new("bash")
            .args(["scripts/fuzz.sh", FUZZ_SECONDS])
            .current_dir(root),
    )?;

    println!(
        "\nxtask test: all tests passed in {}s",
        started.elapsed().as_secs()
    );
    Ok(())
}

fn cargo_in(root: &Path) -> Command {
    let mut command = Command::new(cargo());
    command.current_dir(root);
    command
}

fn prepend_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

fn core_has_no_forbidden_dependency(root: &Path) -> Result {
    let output = cargo_in(root)
        .args([
            "tree",
            "-p",
            "flowlens-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--target", "all"])
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let found: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN_IN_CORE.contains(name))
        .collect();
    if found.is_empty() {
        println!(
            "xtask: flowlens-core depends on none of {}",
            FORBIDDEN_IN_CORE.join(", ")
        );
        Ok(())
    } else {
        Err(format!(
            "flowlens-core must stay pure but depends on {}",
            found.join(", ")
        ))
    }
}
