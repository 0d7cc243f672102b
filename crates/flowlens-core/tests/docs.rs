//! `docs/checks.md` and README.md's rule table are generated from the rules' documentation and
//! the manual items; these tests fail when the checked-in files are stale. Regenerate it with
//! `UPDATE_DOCS=1 cargo test -p flowlens-core --test docs`.

use std::path::PathBuf;

fn checks_md() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/checks.md")
}

#[test]
fn checks_md_is_current() {
    let expected = flowlens_core::docs::checks_markdown();
    let path = checks_md();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/checks.md");
        return;
    }
    let actual = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    assert!(
        actual == expected,
        "docs/checks.md is stale (or missing): regenerate it with `{}` and commit it",
        flowlens_core::docs::REGENERATE
    );
}

#[test]
fn readme_rule_table_is_current() {
    use flowlens_core::docs::{readme_rules_table, README_RULES_END, README_RULES_START};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path)
        .expect("read README.md")
        .replace("\r\n", "\n");
    let (Some(start), Some(end)) = (
        readme.find(README_RULES_START),
        readme.find(README_RULES_END),
    ) else {
        panic!("README.md lacks the rules:start / rules:end markers");
    };
    let start = start + README_RULES_START.len();
    let expected = readme_rules_table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == expected,
        "README.md's rule table is stale: regenerate it with `{}` and commit it",
        flowlens_core::docs::REGENERATE
    );
}
