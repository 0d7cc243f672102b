//! The benchmark's reference for `flowlens check`: the same analysis with every exchange of the
//! HAR kept (not part of the binary; used by `scripts/bench/check-har.sh`).
//!
//! ```text
//! check_all all FILE       # read every exchange, analyse, print each check's status
//! check_all flows FILE     # keep what flows reach (what `flowlens check` does), likewise
//! check_all compare FILE   # both: "identical" or the checks whose status differs (exit 1)
//! ```
//!
//! `all` is what `flowlens check` did before it dropped what no flow reaches: its peak RSS is
//! the "before" figure of the memory benchmark.

use std::fs::File;

use flowlens_core::{analyze, har, Profile, Trace};

fn statuses(trace: &Trace) -> Vec<String> {
    analyze(trace, &Profile::default())
        .checks
        .iter()
        .map(|c| format!("flow {:?} {} {:?}", c.flow, c.id, c.status))
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mode, path) = match (args.next(), args.next()) {
        (Some(mode), Some(path)) => (mode, path),
        _ => return Err("usage: check_all all|flows|compare FILE".into()),
    };
    let all = || har::read_har(File::open(&path)?, &mut |_| {});
    let flows = || har::read_har_flows(|| File::open(&path), &mut |_| {});
    match mode.as_str() {
        "all" => println!("{}", statuses(&all()?).join("\n")),
        "flows" => println!("{}", statuses(&flows()?).join("\n")),
        "compare" => {
            let (kept, every) = (flows()?, all()?);
            let (a, b) = (statuses(&kept), statuses(&every));
            if a == b {
                println!(
                    "identical ({} checks; {} of {} exchanges kept)",
                    a.len(),
                    kept.exchanges.len(),
                    every.exchanges.len()
                );
            } else {
                for (x, y) in a.iter().zip(&b).filter(|(x, y)| x != y) {
                    println!("differs: {x} (flows kept) vs {y} (all kept)");
                }
                if a.len() != b.len() {
                    println!("differs: {} vs {} checks", a.len(), b.len());
                }
                std::process::exit(1);
            }
        }
        _ => return Err("mode must be all, flows or compare".into()),
    }
    Ok(())
}
