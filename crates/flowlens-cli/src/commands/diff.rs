//! `flowlens diff A B`: two runs of a flow compared hop by hop; the comparison and its
//! rendering are the core's.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use flowlens_core::open::Opened;
use flowlens_core::render::diff::{render_json, render_text};
use flowlens_core::report::ReportBuilder;

use crate::{input, quiet_broken_pipe, Failure, RulesFormat};

/// `flowlens diff A B`.
pub fn run(
    a: &Path,
    b: &Path,
    profile: Option<&Path>,
    format: RulesFormat,
) -> Result<ExitCode, Failure> {
    let given = match profile {
        Some(path) => Some(input::read_profile(path).map_err(Failure)?),
        None => None,
    };
    let oa = input::read_input(a).map_err(Failure)?;
    let ob = input::read_input(b).map_err(Failure)?;
    let report = |opened: &Opened| {
        let profile = given.clone().or(opened.profile.clone()).unwrap_or_default();
        ReportBuilder::new(&opened.trace, &profile)
            .manual_answers(&opened.answers)
            .build()
    };
    let (ra, rb) = (report(&oa), report(&ob));
    let d = flowlens_core::diff::diff(&oa.trace, &ra, &ob.trace, &rb);
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
