//! Every input fuzzing found, replayed through its target on stable Rust.
//!
//! A crash, timeout or out-of-memory input of `scripts/fuzz.sh` goes, with its fix, to
//! `tests/regressions/<target>/<what it found>`: this test runs each through the target's
//! function, which panics on the invariant it once broke.

use std::path::Path;

#[test]
fn every_input_fuzzing_found_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut replayed = 0;
    for (target, check) in flowlens_fuzz::TARGETS {
        let dir = root.join(target);
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = files.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).expect("a regression input is readable");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: {} fails again", path.display());
            replayed += 1;
        }
    }
    println!("{replayed} regression inputs replayed");
}

#[test]
fn every_regression_directory_names_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for entry in std::fs::read_dir(root).expect("tests/regressions exists") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            name == "README.md" || flowlens_fuzz::TARGETS.iter().any(|(t, _)| *t == name),
            "tests/regressions/{name} is no target's"
        );
    }
}
