//! `docs/checks.md` is generated from the rules' documentation and the manual items; this
//! test fails when the checked-in file is stale. Regenerate it with
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
