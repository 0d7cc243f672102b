//! `docs/coverage.md` maps every item of the seed checklists to the checks that answer it.
//! This test parses the map and the seeds (`../shared/seeds/*.txt` beside the repository, as
//! CI has them, or the directory `FLOWLENS_SEEDS_DIR` names; a missing directory fails) and
//! fails when a seed item has no row, a row matches no item (or several), a
//! row names an id that is neither a rule nor a manual item, a rule or manual item is missing
//! from the map, or a manual item's own seed references disagree with the map.
//!
//! # What a seed item is
//!
//! The seeds are text scraped from two web pages, so "item" is defined by their shapes, and a
//! seed file is recognised by its shape too (a file of neither shape fails the test):
//!
//! - **launch** checklist (has lines starting `Section titled “`): every non-empty line after
//!   the first `Section titled “…”` line is one paragraph item. The text glued after the
//!   closing `”` of a `Section titled` line is that section's first paragraph. A line equal to
//!   the title in the next line's `Section titled “…”` is the section's plain heading, not an
//!   item. Lines before the first section (title and introduction) are not items.
//! - **skill** checklist (has lines starting `- [ ] `): every `- [ ] ` line is an item; a line
//!   right after an item that starts with a lower-case letter continues it (the seed wraps
//!   "Validate" / "state parameter in callbacks (CSRF protection)"); after the first
//!   `- [ ] ` line, plain `- ` bullets are items too (the key metrics). Headings, `→` links,
//!   table rows and the front matter before the first `- [ ] ` are not items.
//!
//! Texts are compared with whitespace collapsed. In the map, an item text ending with `…`
//! stands for the one item that starts with it.

use std::path::PathBuf;

use flowlens_core::manual::{self, Seed};
use flowlens_core::rules::{self, Section};

struct SeedItem {
    seed: Seed,
    text: String,
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/seeds` beside the repository, or `FLOWLENS_SEEDS_DIR` when set.
fn seeds_dir() -> PathBuf {
    std::env::var_os("FLOWLENS_SEEDS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/seeds"))
}

fn launch_items(text: &str) -> Vec<String> {
    const OPEN: &str = "Section titled “";
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut in_section = false;
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix(OPEN) {
            in_section = true;
            if let Some((_, after)) = rest.split_once('”') {
                if !after.trim().is_empty() {
                    items.push(normalize(after));
                }
            }
            continue;
        }
        if !in_section || line.is_empty() {
            continue;
        }
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
        if next.starts_with(&format!("{OPEN}{line}”")) {
            continue; // the plain heading of the next section
        }
        items.push(normalize(line));
    }
    items
}

fn skill_items(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut started = false;
    let mut after_item = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(item) = trimmed.strip_prefix("- [ ] ") {
            started = true;
            after_item = true;
            items.push(normalize(item));
        } else if started && trimmed.starts_with("- ") {
            after_item = true;
            items.push(normalize(&trimmed[2..]));
        } else if after_item && trimmed.starts_with(|c: char| c.is_ascii_lowercase()) {
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(&normalize(trimmed));
            }
        } else {
            after_item = false;
        }
    }
    items
}

fn load_seeds() -> Vec<SeedItem> {
    let dir = seeds_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the seed checklists are not at {} ({e}): the coverage test needs ../shared/seeds beside the repository, as CI has it",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let mut items = Vec::new();
    let (mut launch, mut skill) = (0, 0);
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if text.lines().any(|l| l.trim_start().starts_with("- [ ] ")) {
            skill += 1;
            items.extend(skill_items(&text).into_iter().map(|text| SeedItem {
                seed: Seed::Skill,
                text,
            }));
        } else if text.lines().any(|l| l.starts_with("Section titled “")) {
            launch += 1;
            items.extend(launch_items(&text).into_iter().map(|text| SeedItem {
                seed: Seed::Launch,
                text,
            }));
        } else {
            panic!(
                "{} is neither the launch checklist nor the skill checklist: teach this test its shape",
                path.display()
            );
        }
    }
    assert!(
        launch >= 1 && skill >= 1,
        "expected the launch and the skill checklists in {}, found {launch} launch and {skill} skill files",
        dir.display()
    );
    items
}

struct Row {
    line: usize,
    section: String,
    seed: Seed,
    item: String,
    ids: Vec<String>,
}

fn load_map() -> Vec<Row> {
    let path = repo_root().join("docs/coverage.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut rows = Vec::new();
    let mut section = String::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
            continue;
        }
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells
            .first()
            .is_some_and(|c| *c == "Seed" || c.starts_with("---"))
        {
            continue;
        }
        assert_eq!(
            cells.len(),
            3,
            "docs/coverage.md:{}: expected | seed | item | ids |",
            n + 1
        );
        let seed = match cells[0] {
            "launch" => Seed::Launch,
            "skill" => Seed::Skill,
            other => panic!("docs/coverage.md:{}: unknown seed {other:?}", n + 1),
        };
        let ids = cells[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        rows.push(Row {
            line: n + 1,
            section: section.clone(),
            seed,
            item: cells[1].to_string(),
            ids,
        });
    }
    rows
}

/// The seed items a map or manual-item text designates (`…` at the end: a prefix).
fn matching<'a>(items: &'a [SeedItem], seed: Seed, text: &str) -> Vec<&'a SeedItem> {
    let (prefix, exact) = match text.trim().strip_suffix('…') {
        Some(p) => (normalize(p), false),
        None => (normalize(text), true),
    };
    items
        .iter()
        .filter(|i| i.seed == seed)
        .filter(|i| {
            if exact {
                i.text == prefix
            } else {
                i.text.starts_with(&prefix)
            }
        })
        .collect()
}

fn known(id: &str) -> bool {
    rules::find(id).is_some() || manual::find(id).is_some()
}

#[test]
fn every_seed_item_is_mapped_to_known_checks() {
    let items = load_seeds();
    let rows = load_map();
    let mut errors = Vec::new();

    let mut covered = vec![false; items.len()];
    for row in &rows {
        let found = matching(&items, row.seed, &row.item);
        match found.len() {
            1 => {
                let i = items
                    .iter()
                    .position(|it| std::ptr::eq(it, found[0]))
                    .unwrap_or_default();
                covered[i] = true;
            }
            0 => errors.push(format!(
                "docs/coverage.md:{}: no {} item is {:?}",
                row.line,
                row.seed.as_str(),
                row.item
            )),
            n => errors.push(format!(
                "docs/coverage.md:{}: {:?} matches {n} {} items; make it longer",
                row.line,
                row.item,
                row.seed.as_str()
            )),
        }
        if row.ids.is_empty() {
            errors.push(format!(
                "docs/coverage.md:{}: the row names no check",
                row.line
            ));
        }
        for id in &row.ids {
            if !known(id) {
                errors.push(format!(
                    "docs/coverage.md:{}: `{id}` is neither a rule nor a manual item",
                    row.line
                ));
            }
        }
    }
    for (item, covered) in items.iter().zip(&covered) {
        if !covered {
            errors.push(format!(
                "{} item not in docs/coverage.md: {:?}",
                item.seed.as_str(),
                item.text
            ));
        }
    }
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

#[test]
fn every_check_appears_in_the_map_consistently() {
    let items = load_seeds();
    let rows = load_map();
    let mut errors = Vec::new();
    let mapped = |id: &str| rows.iter().any(|r| r.ids.iter().any(|i| i == id));
    for rule in rules::registry() {
        let id = rule.meta().id;
        if !mapped(id) {
            errors.push(format!("rule `{id}` answers no item in docs/coverage.md"));
        }
    }
    for item in manual::items() {
        if !mapped(item.id) {
            errors.push(format!(
                "manual item `{}` is not in docs/coverage.md",
                item.id
            ));
        }
        // The manual item's own seed references are rows naming it.
        for seed_ref in item.seed {
            let found = matching(&items, seed_ref.seed, &format!("{}…", seed_ref.item));
            let [seed_item] = found.as_slice() else {
                errors.push(format!(
                    "manual item `{}`: {:?} designates {} {} items, not one",
                    item.id,
                    seed_ref.item,
                    found.len(),
                    seed_ref.seed.as_str()
                ));
                continue;
            };
            let listed = rows.iter().any(|r| {
                r.ids.iter().any(|i| i == item.id)
                    && matching(&items, r.seed, &r.item)
                        .iter()
                        .any(|m| std::ptr::eq(*m, *seed_item))
            });
            if !listed {
                errors.push(format!(
                    "manual item `{}` answers {:?}, but that item's row in docs/coverage.md does not name it",
                    item.id, seed_item.text
                ));
            }
        }
    }
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

#[test]
fn the_map_follows_the_checklist_sections() {
    let rows = load_map();
    let mut sections: Vec<String> = Vec::new();
    for row in &rows {
        if sections.last() != Some(&row.section) {
            sections.push(row.section.clone());
        }
    }
    let expected: Vec<String> = Section::ALL
        .iter()
        .filter(|s| **s != Section::Capture)
        .map(|s| s.title().to_string())
        .collect();
    assert_eq!(sections, expected);
}

#[test]
fn seed_parsing_follows_the_documented_shapes() {
    let launch = "Title\nIntro\nFirst section\nSection titled “First section”Para one.\nPara two.\nSecond\nSection titled “Second”\nPara three.\n";
    assert_eq!(
        launch_items(launch),
        ["Para one.", "Para two.", "Para three."]
    );
    let skill = "- name:\n- x\nQuick\n- [ ] One\n- [ ] Validate\nstate in callbacks\nHeading\n→ link\n- [ ] Two\nMetrics:\n- Plain bullet\n| a | b |\n";
    assert_eq!(
        skill_items(skill),
        ["One", "Validate state in callbacks", "Two", "Plain bullet"]
    );
}
