//! Every renderer of a report (the core's output layer), called from this one place, and what
//! each output must never hold whatever the trace: control sequences for a terminal or a
//! toolbar title, raw HTML in Markdown.

use flowlens_core::render::{badge, json, markdown, text, view};
use flowlens_core::report::Report;
use flowlens_core::stdx::controls::is_bidi_control;
use flowlens_core::Trace;

/// A report in every output format.
pub struct Rendered {
    /// The text output folded (the default), then whole (`--all`).
    pub text: String,
    pub markdown: String,
    pub json: String,
    /// The popup's view model (Debug form: what the DOM layer writes out as text nodes).
    pub popup: String,
    /// The toolbar button's badge for the report.
    pub badge: badge::Badge,
}

/// Renders `report` in every format; the popup shows `flow` (default: the latest).
pub fn all(report: &Report, trace: &Trace, flow: Option<usize>) -> Rendered {
    let mut out = Vec::new();
    for detail in [text::Detail::Summary, text::Detail::All] {
        if let Err(e) = text::render(&mut out, report, detail) {
            panic!("the text renderer failed to write to memory: {e}");
        }
    }
    let text = String::from_utf8(out).unwrap_or_else(|e| panic!("text output is not UTF-8: {e}"));
    let input = view::PopupInput {
        report: Some(report.clone()),
        screenshots: trace.screenshots.clone(),
        pages: trace.pages.clone(),
        selected_flow: flow,
        ..Default::default()
    };
    let popup = format!("{:?}", view::build(&input));
    Rendered {
        text,
        markdown: markdown::render(report),
        json: json::render(report),
        popup,
        badge: badge::verdict(report),
    }
}

/// Checks what each format promises about untrusted text.
pub fn check(r: &Rendered) {
    check_terminal_text(&r.text);
    // The browser cuts a badge past four characters; its title is one line of plain text.
    assert!(
        r.badge.text.chars().count() <= 4,
        "badge text {:?}",
        r.badge.text
    );
    assert!(
        !r.badge
            .title
            .chars()
            .any(|c| c.is_control() || is_bidi_control(c)),
        "control character in the badge title {:?}",
        r.badge.title
    );
    check_markdown(&r.markdown);
    let back: Report = serde_json::from_str(&r.json)
        .unwrap_or_else(|e| panic!("the report JSON does not read back: {e}"));
    let again = serde_json::to_value(&back).unwrap_or_else(|e| panic!("report JSON: {e}"));
    let first: serde_json::Value =
        serde_json::from_str(&r.json).unwrap_or_else(|e| panic!("report JSON: {e}"));
    assert!(
        same_json(&first, &again),
        "the report JSON changes through a round trip"
    );
}

/// Equal JSON, numbers equal to their last bit or two: serde_json reads floats fast, not
/// exactly (a time of 1796441105661.9685 ms may read back as …9683).
pub fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Only the renderer's own SGR styles may reach a terminal: no other escape sequence, no
/// carriage return or other control character, no bidirectional override.
pub fn check_terminal_text(text: &str) {
    for (at, c) in text.char_indices() {
        if c == '\u{1b}' {
            let rest = &text[at + 1..];
            let ok = rest.strip_prefix('[').is_some_and(|r| {
                let params = r.find(|c: char| !(c.is_ascii_digit() || c == ';'));
                params.is_some_and(|end| r[end..].starts_with('m'))
            });
            assert!(
                ok,
                "escape sequence in the text output: {:?}",
                context(text, at)
            );
        } else {
            assert!(
                c == '\n' || !(c.is_control() || is_bidi_control(c)),
                "control character {c:?} in the text output: {:?}",
                context(text, at)
            );
        }
    }
}

/// Outside code spans, every `<` is escaped (page text must not become HTML), and no control
/// character or bidirectional override is left anywhere.
pub fn check_markdown(md: &str) {
    for line in md.lines() {
        for c in line.chars() {
            assert!(
                !(c.is_control() || is_bidi_control(c)),
                "control character {c:?} in the Markdown line {line:?}"
            );
        }
        for (n, part) in line.split('`').enumerate() {
            if n % 2 == 1 {
                continue; // inside a code span
            }
            let bytes = part.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'<' {
                    let escaped =
                        bytes[..i].iter().rev().take_while(|&&x| x == b'\\').count() % 2 == 1;
                    assert!(escaped, "raw '<' in the Markdown line {line:?}");
                }
            }
        }
    }
}

fn context(text: &str, at: usize) -> &str {
    let start = (0..=at.saturating_sub(60))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let end = (at + 60).min(text.len());
    let end = (end..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[start..end]
}
