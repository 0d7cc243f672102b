//! What a page the user saw is, whatever server showed it: its raw facts (from the
//! extension's snapshot or from its HTML in a HAR), what it is for (sign-in, consent, error),
//! and which of its images, buttons and texts are its logo, primary button and name.
//!
//! Above the trace model, below flow reconstruction and the rules: `flow::roles` asks
//! [`kind::infer`] what a page hop is, the branding rules ask [`choose`] what it shows.

pub mod choose;
pub mod html;
pub mod kind;

pub use kind::{infer, Inference, PageKind};
