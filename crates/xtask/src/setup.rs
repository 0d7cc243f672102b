//! What a fresh machine lacks, installed on demand, so that README's two commands are the
//! whole set-up: the wasm target, the wasm-bindgen CLI of exactly the crate's version (cached
//! under ~/.cache/flowlens), Debian's Chromium, ChromeDriver and Firefox ESR, and the npm
//! packages of the browser tests. Each step is skipped when its tool is already there.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::{locked_wasm_bindgen_version, run_command};
use crate::Result;

const TARGET: &str = "wasm32-unknown-unknown";
/// Debian packages the browser tests need (never a browser downloaded by a tool).
const APT_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "firefox-esr",
    "libnss3-tools",
    "openssl",
];
/// Folders with a package-lock.json whose packages the tests use.
pub const NPM_FOLDERS: &[&str] = &["tests/e2e", "tests/har-validate"];

/// The wasm target and the pinned wasm-bindgen CLI; returns the CLI's folder for PATH.
pub fn wasm_toolchain(root: &Path) -> Result<PathBuf> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        })
        .unwrap_or(false);
    if !installed {
        println!("xtask: installing the {TARGET} target");
        run_command(Command::new("rustup").args(["target", "add", TARGET]))?;
    }

    let version = locked_wasm_bindgen_version(root)?;
    let bin = cache_bin(&version);
    let answers = Command::new(bin.join("wasm-bindgen"))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("wasm-bindgen {version}"))
        .unwrap_or(false);
    if !answers {
        println!("xtask: installing wasm-bindgen-cli {version} (a few minutes, once)");
        let root_dir = bin.parent().unwrap_or(&bin).to_path_buf();
        // Not --locked: it fails against this registry (a yanked dependency of the CLI).
        run_command(
            Command::new(cargo())
                .args([
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    &version,
                    "--root",
                ])
                .arg(&root_dir),
        )?;
    }
    Ok(bin)
}

/// Where the wasm-bindgen CLI of a version is cached: ~/.cache/flowlens/wasm-bindgen-cli-X/bin.
pub fn cache_bin(version: &str) -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/root".into());
    home.join(".cache/flowlens")
        .join(format!("wasm-bindgen-cli-{version}"))
        .join("bin")
}

/// Debian's Chromium, ChromeDriver, Firefox ESR, certutil and openssl for the browser tests.
pub fn browser(_root: &Path) -> Result {
    let missing: Vec<&str> = [
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
        ("/usr/bin/firefox-esr", "firefox-esr"),
        ("/usr/bin/certutil", "libnss3-tools"),
        ("/usr/bin/openssl", "openssl"),
    ]
    .iter()
    .filter(|(path, _)| !Path::new(path).exists())
    .map(|(_, package)| *package)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !is_root {
        return Err(format!(
            "the browser tests need Debian packages {}: run `sudo apt-get install -y {}`",
            missing.join(", "),
            APT_PACKAGES.join(" ")
        ));
    }
    println!("xtask: installing {} with apt-get", missing.join(", "));
    run_command(Command::new("apt-get").args(["update", "-q"]))?;
    run_command(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(APT_PACKAGES)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `npm ci` where node_modules is missing or older than the lock file.
pub fn npm(root: &Path) -> Result {
    for folder in NPM_FOLDERS {
        let dir = root.join(folder);
        let lock = dir.join("package-lock.json");
        if !lock.exists() {
            continue;
        }
        let installed = dir.join("node_modules/.package-lock.json");
        let fresh = match (modified(&installed), modified(&lock)) {
            (Some(i), Some(l)) => i >= l,
            _ => false,
        };
        if !fresh {
            println!("xtask: npm ci in {folder}");
            run_command(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    // Playwright and Puppeteer must never fetch a browser: the tests use
                    // Debian's Chromium and Firefox ESR.
                    .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                    .env("PUPPETEER_SKIP_DOWNLOAD", "1"),
            )?;
        }
    }
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
