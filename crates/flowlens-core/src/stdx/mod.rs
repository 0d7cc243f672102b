//! Small helpers every layer shares, below everything but the vocabulary: base64 decoding,
//! cutting and clipping strings without splitting a character, and the invisible characters
//! that can disguise text. No knowledge of traces, flows or reports.

pub mod base64;
pub mod controls;
pub mod cut;
pub mod idn;
pub mod sort;
