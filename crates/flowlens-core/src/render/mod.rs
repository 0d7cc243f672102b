//! The output layer: every way a report (or a diff, or the rules' documentation) is shown.
//! Renderers only consume what the layers below computed; they never look at a trace again
//! and decide nothing about a flow.
//!
//! - [`text`]: a terminal (ANSI styles, which the CLI strips when stdout is not a terminal);
//! - [`markdown`]: a go-live review to attach to a ticket;
//! - [`json`]: the `flowlens.report/v1` document;
//! - [`view`]: the popup's and the viewer's view model, a plain struct the extension's DOM
//!   code writes out as elements;
//! - [`diff`]: two runs compared, as text or JSON;
//! - [`badge`]: the toolbar button of a recorded tab (a recording mark, then the verdict).
//!
//! They share one status vocabulary ([`status`]: glyph, emoji, word, tone), one evidence
//! formatter ([`evidence`]), one way to name a flow ([`flow_name`]) and the core's one clip
//! function (`stdx::cut::clip`). Each opens with the report's verdict
//! ([`crate::report::verdict`]).

pub mod badge;
pub mod diff;
pub mod evidence;
pub mod flow_name;
pub mod json;
pub mod markdown;
pub mod status;
pub mod text;
pub mod view;
