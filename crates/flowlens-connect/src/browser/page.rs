//! What the driver does inside the page, through `Runtime.evaluate` in an isolated world
//! (the page's own scripts cannot see or change it): the extension's content script for
//! the page facts, finding the element a step acts on, and clicking and typing as a person.

use std::time::Duration;

use flowlens_core::trace::PageSnapshot;
use serde_json::{json, Value};

use super::cdp::{Cdp, CdpError};

/// The extension's content script: the same page facts as a recording in the browser.
const CONTENT_SCRIPT: &str = include_str!("../../../../extension/content.js");
/// How long the content script may take (it waits for images, briefly).
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(10);
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Page<'a> {
    pub cdp: &'a Cdp,
    pub session: &'a str,
}

/// Where a step's element is, in CSS pixels of the viewport.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub x: f64,
    pub y: f64,
}

/// What a step looks for.
pub enum Target<'t> {
    Selector(&'t str),
    Text(&'t str),
}

impl Page<'_> {
    fn call(&self, method: &str, params: Value) -> Result<Value, CdpError> {
        self.cdp
            .call(Some(self.session), method, params, CALL_TIMEOUT)
    }

    /// An isolated world in the frame, for Flowlens' own scripts.
    fn world(&self, frame: &str) -> Result<i64, CdpError> {
        let result = self.call(
            "Page.createIsolatedWorld",
            json!({ "frameId": frame, "worldName": "flowlens", "grantUniveralAccess": false }),
        )?;
        result
            .get("executionContextId")
            .and_then(Value::as_i64)
            .ok_or_else(|| CdpError::Remote("no execution context".into()))
    }

    /// Evaluates `expression` in Flowlens' world and returns its value (JSON).
    fn evaluate(
        &self,
        frame: &str,
        expression: &str,
        timeout: Duration,
    ) -> Result<Value, CdpError> {
        let context = self.world(frame)?;
        let result = self.cdp.call(
            Some(self.session),
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "contextId": context,
                "awaitPromise": true,
                "returnByValue": true,
                "userGesture": false,
            }),
            timeout,
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details
                .pointer("/exception/description")
                .or_else(|| details.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("the script threw");
            return Err(CdpError::Remote(
                text.lines().next().unwrap_or_default().to_string(),
            ));
        }
        Ok(result
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// The page facts, as the extension's content script reads them.
    pub fn snapshot(&self, frame: &str) -> Option<PageSnapshot> {
        let expression = format!(
            "new Promise((resolve) => {{\n\
               const timer = setTimeout(() => resolve(null), {ms});\n\
               globalThis.chrome = {{ runtime: {{ sendMessage: (message) => {{ clearTimeout(timer); resolve(message); return Promise.resolve(); }} }} }};\n\
               {CONTENT_SCRIPT}\n\
             }})",
            ms = SNAPSHOT_TIMEOUT.as_millis() - 500,
        );
        let message = self.evaluate(frame, &expression, SNAPSHOT_TIMEOUT).ok()?;
        serde_json::from_value(message.get("snapshot")?.clone()).ok()
    }

    /// A JPEG of the viewport.
    pub fn screenshot(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let result = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "jpeg", "quality": 70 }),
            )
            .ok()?;
        let data = result.get("data")?.as_str()?;
        base64::engine::general_purpose::STANDARD.decode(data).ok()
    }

    /// Whether the document finished loading.
    pub fn ready(&self, frame: &str) -> bool {
        self.evaluate(frame, "document.readyState", CALL_TIMEOUT)
            .is_ok_and(|v| v == "complete")
    }

    /// The first visible element the target designates, scrolled into view. `Err` when
    /// the selector is not valid CSS.
    pub fn find(&self, frame: &str, target: &Target<'_>) -> Result<Option<Found>, String> {
        let (kind, value) = match target {
            Target::Selector(s) => ("selector", *s),
            Target::Text(t) => ("text", *t),
        };
        let expression = format!(
            r#"((kind, value) => {{
  const visible = (el) => {{
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  }};
  const label = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().toLowerCase();
  let el = null;
  if (kind === 'selector') {{
    el = [...document.querySelectorAll(value)].find(visible) ?? null;
  }} else {{
    const want = value.trim().toLowerCase();
    const all = [...document.querySelectorAll('button, a, input[type=submit], input[type=button], [role=button]')].filter(visible);
    el = all.find((e) => label(e) === want) ?? all.find((e) => label(e).includes(want)) ?? null;
  }}
  if (!el) return null;
  el.scrollIntoView({{ block: 'center', inline: 'center' }});
  const r = el.getBoundingClientRect();
  return {{ x: r.left + r.width / 2, y: r.top + r.height / 2 }};
}})({kind}, {value})"#,
            kind = json!(kind),
            value = json!(value),
        );
        match self.evaluate(frame, &expression, CALL_TIMEOUT) {
            Ok(Value::Null) => Ok(None),
            Ok(v) => Ok(Some(Found {
                x: v.get("x").and_then(Value::as_f64).unwrap_or(0.0),
                y: v.get("y").and_then(Value::as_f64).unwrap_or(0.0),
            })),
            Err(CdpError::Remote(m))
                if m.contains("SyntaxError") || m.contains("not a valid selector") =>
            {
                Err(format!("{value} is not a valid CSS selector"))
            }
            // The page is navigating: not there yet.
            Err(_) => Ok(None),
        }
    }

    /// A left click at a point, with the mouse events a person's click makes.
    pub fn click(&self, at: &Found) -> Result<(), CdpError> {
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": at.x, "y": at.y, "button": "left", "clickCount": 1 }),
            )?;
        }
        Ok(())
    }

    /// Types `text` into the element at `at`, replacing its content.
    pub fn fill(&self, frame: &str, selector: &str, text: &str) -> Result<(), CdpError> {
        let focus = format!(
            "(() => {{ const el = document.querySelector({}); if (!el) return false; el.focus(); if (el.select) el.select(); return true; }})()",
            json!(selector)
        );
        if self.evaluate(frame, &focus, CALL_TIMEOUT)? != Value::Bool(true) {
            return Err(CdpError::Remote(format!("{selector} went away")));
        }
        self.call("Input.insertText", json!({ "text": text }))?;
        Ok(())
    }
}
