//! The output layer: every way a report (or a diff, or the rules' documentation) is shown.
//! Renderers only consume what the layers below computed; they never look at a trace again
//! and decide nothing about a flow.
//!
//! - [`text`]: a terminal (ANSI styles, which the CLI strips when stdout is not a terminal);
//! - [`markdown`]: a go-live review to attach to a ticket;
//! - [`json`]: the `flowlens.report/v1` document;
//! - [`view`]: the popup's and the viewer's view model, a plain struct the extension's DOM
//!   code writes out as elements;
//! - [`diff`]: two runs compared, as text or JSON.
//!
//! They share one status vocabulary ([`status`]: glyph, emoji, word, tone), one evidence
//! formatter ([`evidence`]) and the core's one clip function (`stdx::cut::clip`).

pub mod diff;
pub mod evidence;
pub mod json;
pub mod markdown;
pub mod status;
pub mod text;
pub mod view;
