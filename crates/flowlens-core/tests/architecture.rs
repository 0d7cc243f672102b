//! The core's layers stay honest (a tidy test in rust-analyzer's manner): every `crate::` path
//! in the core's source, outside test code, points at a module of the same layer or a lower
//! one. The layers are the list in `src/lib.rs`'s documentation, so the documentation and the
//! check cannot drift apart.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Items of the crate root and the module whose layer they have.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("VERSION", "vocab"),
    ("declare_rule", "rules"),
    ("analyze", "report"),
    ("Status", "vocab"),
    ("Section", "vocab"),
    ("Profile", "profile"),
    ("Trace", "trace"),
    ("Report", "report"),
    ("Evidence", "check"),
    ("Outcome", "check"),
];

/// Module name to layer, from the `//! - layer N, ...: `a`, `b`` lines of lib.rs.
fn layers() -> BTreeMap<String, usize> {
    let lib = fs::read_to_string(Path::new(SRC).join("lib.rs")).expect("lib.rs");
    let mut layers = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("//! - layer ") else {
            continue;
        };
        let (number, modules) = rest.split_once(',').expect("`layer N, what: modules`");
        let layer: usize = number.trim().parse().expect("a layer number");
        let (_, modules) = modules.split_once(':').expect("`: modules`");
        for module in modules.split('`').skip(1).step_by(2) {
            assert!(
                layers.insert(module.to_string(), layer).is_none(),
                "{module} is listed twice"
            );
        }
    }
    layers
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The folder a file's `mod x;` items live in.
fn module_dir(file: &Path) -> PathBuf {
    let dir = file.parent().expect("in a folder");
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib") => dir.to_path_buf(),
        Some(stem) => dir.join(stem),
        None => dir.to_path_buf(),
    }
}

/// Files that are test code: `#[cfg(test)] mod x;` modules, and the test-support module.
fn test_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut tests = vec![Path::new(SRC).join("testing.rs")];
    for file in files {
        let text = fs::read_to_string(file).expect("source");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            if pair[0] == "#[cfg(test)]" {
                if let Some(name) = pair[1]
                    .strip_prefix("mod ")
                    .and_then(|r| r.strip_suffix(';'))
                {
                    let dir = module_dir(file);
                    tests.push(dir.join(format!("{name}.rs")));
                    tests.push(dir.join(name).join("mod.rs"));
                }
            }
        }
    }
    tests
}

/// The code of a file without comments and without inline `#[cfg(test)] mod x { ... }`.
fn code_outside_tests(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed == "#[cfg(test)]" {
            if let Some(next) = lines.peek() {
                if next.trim().starts_with("mod ") && next.trim().ends_with('{') {
                    // Skip the module: count braces until it closes.
                    let mut depth = 0i32;
                    for line in lines.by_ref() {
                        depth += line.matches('{').count() as i32;
                        depth -= line.matches('}').count() as i32;
                        if depth <= 0 {
                            break;
                        }
                    }
                    continue;
                }
            }
        }
        out.push_str(line.split(" //").next().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The first names after every `crate::` (`crate::{a, b::c}` gives a and b).
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    names.push(first_name(&item));
                    item.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
        } else {
            names.push(first_name(rest));
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

fn first_name(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The top module a source file belongs to (`rules/context.rs` is in `rules`).
fn top_module(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(SRC).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_string())
}

#[test]
fn modules_import_only_from_their_layer_or_below() {
    let layers = layers();
    let root: BTreeMap<&str, &str> = ROOT_ITEMS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    files.sort();
    let tests = test_files(&files);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files.iter().filter(|f| !tests.contains(f)) {
        let Some(module) = top_module(file) else {
            continue;
        };
        let Some(&layer) = layers.get(&module) else {
            problems.push(format!(
                "{module} is in no layer: add it to the list in src/lib.rs"
            ));
            continue;
        };
        let text = fs::read_to_string(file).expect("source");
        for name in crate_paths(&code_outside_tests(&text)) {
            checked += 1;
            let target = root.get(name.as_str()).copied().unwrap_or(name.as_str());
            match layers.get(target) {
                Some(&target_layer) if target_layer > layer => problems.push(format!(
                    "{} (layer {layer}) imports crate::{name} (layer {target_layer}): a lower \
                     layer must not depend on a higher one",
                    file.strip_prefix(SRC).unwrap_or(file).display()
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "{} imports crate::{name}, which is neither a module of a layer nor a \
                     known root item (add it to ROOT_ITEMS in tests/architecture.rs)",
                    file.strip_prefix(SRC).unwrap_or(file).display()
                )),
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked > 200,
        "only {checked} crate:: paths found: is the parser broken?"
    );
}

#[test]
fn the_parser_sees_groups_nested_paths_and_skips_tests_and_comments() {
    let code = code_outside_tests(
        "use crate::{a, b::{c, d}, self};\n// use crate::hidden;\nfn f() { crate::e::g(); } // crate::x\n#[cfg(test)]\nmod tests {\n    use crate::t;\n    fn x() { if true { } }\n}\nuse crate::after;\n",
    );
    assert_eq!(crate_paths(&code), ["a", "b", "e", "after"]);
    let layers = layers();
    assert_eq!(layers.get("vocab"), Some(&0));
    assert!(layers.get("report") > layers.get("rules"));
    assert!(layers.get("render") > layers.get("report"));
}

/// The URL parser's Unicode back end is the stub (`idna_adapter` 1.0): the ICU4X one was a
/// tenth of the extension's first-paint wasm, and every URL Flowlens reads comes with an ASCII
/// host (what people type goes through `stdx::idn`). A `cargo update` would bring it back.
#[test]
fn the_url_parser_has_no_unicode_tables() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
        .expect("Cargo.lock");
    let adapter = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"idna_adapter\""))
        .expect("idna_adapter in Cargo.lock");
    assert!(
        adapter.contains("version = \"1.0."),
        "idna_adapter must stay 1.0 (cargo update -p idna_adapter --precise 1.0.0):{adapter}"
    );
}
