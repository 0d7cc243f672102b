//! `flowlens explain ID`: a rule's documentation or a manual item's guidance; an unknown id
//! gets the closest known ones.

use flowlens_core::rules;

use flowlens_core::render::text;

use crate::{quiet_broken_pipe, Failure};

/// `flowlens explain ID`: a rule's documentation, or a manual item's guidance.
pub fn run(id: &str) -> Result<(), Failure> {
    let trimmed = id.trim();
    let mut out = anstream::stdout().lock();
    let written = if let Some(rule) = rules::find(trimmed) {
        text::explain(&mut out, rule.meta())
    } else if let Some(item) = flowlens_core::manual::find(trimmed) {
        text::explain_manual(&mut out, item)
    } else {
        let close = close_ids(id);
        let hint = if close.is_empty() {
            "run `flowlens rules --manual` for the list".to_string()
        } else {
            format!("did you mean {}?", close.join(", "))
        };
        return Err(Failure(format!("unknown rule id `{id}`; {hint}")));
    };
    written
        .or_else(quiet_broken_pipe)
        .map_err(|e| Failure(format!("cannot write: {e}")))
}

/// Rule ids close to `id`: a small edit distance, or one containing the other.
fn close_ids(id: &str) -> Vec<&'static str> {
    let id = id.trim().to_ascii_lowercase();
    let ids = rules::registry()
        .iter()
        .map(|r| r.meta().id)
        .chain(flowlens_core::manual::items().iter().map(|m| m.id));
    let mut scored: Vec<(usize, &'static str)> = ids
        .filter_map(|candidate| {
            let distance = levenshtein(&id, candidate);
            let contains = id.len() >= 3 && (candidate.contains(&id) || id.contains(candidate));
            (contains || distance <= (candidate.len() / 3).max(2)).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, c)| c).take(5).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn close_ids_find_typos_and_parts() {
        assert_eq!(close_ids("oauth-pkce-s265"), ["oauth-pkce-s256"]);
        assert_eq!(close_ids("pkce"), ["oauth-pkce-s256"]);
        assert!(close_ids("zzzzzzzz").is_empty());
    }
}
