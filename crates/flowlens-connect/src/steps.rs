//! The steps file: how to sign in and consent without a person (`--steps FILE`).
//!
//! ```toml
//! [[step]]
//! fill = "#email"                  # a CSS selector
//! value = "qa-bot@acme.com"        # a plain value...
//!
//! [[step]]
//! fill = "input[type=password]"
//! env = "FLOWLENS_PASSWORD"        # ...or one read from the environment (secrets)
//!
//! [[step]]
//! click_text = "Sign in"           # a button, link or input whose text is this
//!
//! [[step]]
//! wait_for_url = "https://auth.acme.com/oauth/consent*"   # `*` matches anything
//!
//! [[step]]
//! click = "#allow"                 # a CSS selector
//! timeout = 60                     # seconds for this step (default: --step-timeout)
//! ```
//!
//! Steps run in order. Each waits, up to its time limit, until it can act: the page has
//! loaded (and Flowlens took its snapshot) and the element is there and visible, or the tab
//! reached the URL. A step that cannot act in time stops the run with an error naming it.
//! Values are typed as keystrokes and never printed; an `env` variable that is not set is
//! an error before anything starts.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// The longest time limit a step may ask for.
const MAX_STEP_TIMEOUT_S: f64 = 3600.0;

/// One step of the file.
#[derive(Clone)]
pub struct Step {
    /// 1-based position in the file, for messages.
    pub number: usize,
    pub action: Action,
    /// This step's own time limit, when the file gives one.
    pub timeout: Option<Duration>,
}

#[derive(Clone)]
pub enum Action {
    /// Types `value` into the element `selector` matches (replacing what is there).
    Fill {
        selector: String,
        value: String,
        /// The environment variable the value came from, for messages.
        from_env: Option<String>,
    },
    /// Clicks the first visible element `selector` matches.
    Click { selector: String },
    /// Clicks the first visible button, link or input whose text is `text`.
    ClickText { text: String },
    /// Waits until the tab's URL matches `pattern`.
    WaitForUrl { pattern: String },
}

impl Step {
    /// The step in words, without any value: `step 2 (fill #password from $PASSWORD)`.
    pub fn describe(&self) -> String {
        let what = match &self.action {
            Action::Fill {
                selector,
                from_env: Some(var),
                ..
            } => format!("fill {selector} from ${var}"),
            Action::Fill { selector, .. } => format!("fill {selector}"),
            Action::Click { selector } => format!("click {selector}"),
            Action::ClickText { text } => format!("click the element with text \"{text}\""),
            Action::WaitForUrl { pattern } => format!("wait for the URL {pattern}"),
        };
        format!("step {} ({what})", self.number)
    }
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    fill: Option<String>,
    value: Option<String>,
    env: Option<String>,
    click: Option<String>,
    click_text: Option<String>,
    wait_for_url: Option<String>,
    timeout: Option<f64>,
}

/// Reads a steps file. `lookup` gives environment variables (`std::env::var` in the CLI).
pub fn read(path: &Path, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Step>, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    parse(&text, lookup).map_err(|e| format!("{name}: {e}"))
}

/// Parses the TOML of a steps file.
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Step>, String> {
    let file: File = toml::from_str(text).map_err(|e| {
        format!(
            "invalid steps file: {}",
            e.message().trim().replace('\n', " ")
        )
    })?;
    file.step
        .into_iter()
        .enumerate()
        .map(|(i, raw)| step(i + 1, raw, lookup))
        .collect()
}

fn step(
    number: usize,
    raw: RawStep,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Step, String> {
    let at = |message: String| format!("step {number}: {message}");
    let given = [&raw.fill, &raw.click, &raw.click_text, &raw.wait_for_url]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given != 1 {
        return Err(at(
            "give exactly one of fill, click, click_text, wait_for_url".into(),
        ));
    }
    let non_empty = |key: &str, v: String| {
        if v.trim().is_empty() {
            Err(at(format!("{key} is empty")))
        } else {
            Ok(v)
        }
    };
    let action = if let Some(selector) = raw.fill {
        let selector = non_empty("fill", selector)?;
        match (raw.value, raw.env) {
            (Some(value), None) => Action::Fill {
                selector,
                value,
                from_env: None,
            },
            (None, Some(var)) => {
                let value = lookup(&var).ok_or_else(|| {
                    at(format!(
                        "fill {selector} reads ${var}, which is not set in the environment"
                    ))
                })?;
                Action::Fill {
                    selector,
                    value,
                    from_env: Some(var),
                }
            }
            _ => {
                return Err(at(format!(
                    "fill {selector} needs exactly one of value, env"
                )))
            }
        }
    } else {
        if raw.value.is_some() || raw.env.is_some() {
            return Err(at("value and env go with fill only".into()));
        }
        if let Some(selector) = raw.click {
            Action::Click {
                selector: non_empty("click", selector)?,
            }
        } else if let Some(text) = raw.click_text {
            Action::ClickText {
                text: non_empty("click_text", text)?,
            }
        } else {
            Action::WaitForUrl {
                pattern: non_empty("wait_for_url", raw.wait_for_url.unwrap_or_default())?,
            }
        }
    };
    let timeout = match raw.timeout {
        None => None,
        Some(s) if s > 0.0 && s <= MAX_STEP_TIMEOUT_S => Some(Duration::from_secs_f64(s)),
        Some(_) => {
            return Err(at(format!(
                "timeout must be more than 0 and at most {MAX_STEP_TIMEOUT_S} seconds"
            )))
        }
    };
    Ok(Step {
        number,
        action,
        timeout,
    })
}

/// `*` matches any run of characters (none included); everything else is literal.
pub fn url_matches(pattern: &str, url: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some((first, rest)) = parts.split_first() else {
        return url.is_empty();
    };
    let Some(mut remaining) = url.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty(); // no `*`: the whole URL
    };
    for part in middle {
        match remaining.find(part) {
            Some(i) => remaining = &remaining[i + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "PASSWORD").then(|| "hunter2".to_string())
    }

    #[test]
    fn parses_every_action() {
        let steps = parse(
            r##"
            [[step]]
            fill = "#email"
            value = "qa@acme.test"
            [[step]]
            fill = "#password"
            env = "PASSWORD"
            [[step]]
            click_text = "Sign in"
            [[step]]
            wait_for_url = "https://auth.acme.test/oauth/consent*"
            timeout = 5
            [[step]]
            click = "#allow"
            "##,
            &env,
        )
        .expect("valid");
        assert_eq!(steps.len(), 5);
        assert!(matches!(&steps[1].action, Action::Fill { value, .. } if value == "hunter2"));
        assert_eq!(
            steps[1].describe(),
            "step 2 (fill #password from $PASSWORD)"
        );
        assert_eq!(steps[3].timeout, Some(Duration::from_secs(5)));
        // Values never show in messages or debug output.
        let debug = format!("{steps:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("qa@acme.test"),
            "{debug}"
        );
    }

    #[test]
    fn refuses_unusable_steps_with_the_step_named() {
        for (text, words) in [
            (
                "[[step]]\nclick = \"#a\"\nclick_text = \"b\"",
                "step 1: give exactly one",
            ),
            ("[[step]]\nfill = \"#p\"", "needs exactly one of value, env"),
            (
                "[[step]]\nfill = \"#p\"\nenv = \"NOPE\"",
                "$NOPE, which is not set",
            ),
            (
                "[[step]]\nclick = \"#a\"\n[[step]]\nclick = \" \"",
                "step 2: click is empty",
            ),
            (
                "[[step]]\nclick = \"#a\"\nvalue = \"x\"",
                "go with fill only",
            ),
            ("[[step]]\nclick = \"#a\"\ntimeout = 0", "timeout must be"),
            ("[[step]]\nclik = \"#a\"", "invalid steps file"),
            ("not toml [", "invalid steps file"),
        ] {
            let error = parse(text, &env).expect_err(text);
            assert!(error.contains(words), "{text}: {error}");
        }
        assert!(parse("", &env).expect("empty is fine").is_empty());
    }

    #[test]
    fn matches_url_patterns() {
        assert!(url_matches(
            "https://a.test/consent*",
            "https://a.test/consent?id=1"
        ));
        assert!(url_matches(
            "*://a.test/*/callback*",
            "http://a.test/x/y/callback?code=1"
        ));
        assert!(url_matches("https://a.test/", "https://a.test/"));
        assert!(!url_matches("https://a.test/", "https://a.test/x"));
        assert!(!url_matches(
            "https://a.test/consent*",
            "https://b.test/consent"
        ));
        assert!(url_matches("*", "anything"));
    }
}
