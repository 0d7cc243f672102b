//! `flowlens diff A B`: two runs of a flow compared hop by hop; the comparison and its
//! rendering are the core's.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use flowlens_core::render::diff::{render_json, render_text};

use crate::{input, quiet_broken_pipe, Failure, RulesFormat};

/// `flowlens diff A B`.
pub fn run(
    a: &Path,
    b: &Path,
    profile: Option<&Path>,
    format: RulesFormat,
) -> Result<ExitCode, Failure> {
    let profile = match profile {
        Some(path) => input::read_profile(path).map_err(Failure)?,
        None => flowlens_core::Profile::default(),
    };
    let ta = input::read_trace(a).map_err(Failure)?;
    let tb = input::read_trace(b).map_err(Failure)?;
    let (ra, rb) = (
        flowlens_core::analyze(&ta, &profile),
        flowlens_core::analyze(&tb, &profile),
    );
    let d = flowlens_core::diff::diff(&ta, &ra, &tb, &rb);
    let (na, nb) = (input::display_name(a), input::display_name(b));
    let mut out = anstream::stdout().lock();
    match format {
        RulesFormat::Json => render_json(&mut out, &na, &nb, &d),
        RulesFormat::Text => render_text(&mut out, &na, &nb, &d),
    }
    .and_then(|()| out.flush())
    .or_else(quiet_broken_pipe)
    .map_err(|e| Failure(format!("cannot write the diff: {e}")))?;
    Ok(if d.differs() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
