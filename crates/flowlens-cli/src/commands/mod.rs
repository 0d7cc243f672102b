//! One module per subcommand: each reads its inputs, asks the core, and picks a renderer.

pub mod check;
pub mod connect;
pub mod diff;
pub mod explain;
pub mod probe;
pub mod redact;
pub mod rules;
