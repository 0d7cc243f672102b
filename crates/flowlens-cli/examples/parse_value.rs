//! The benchmark's baseline: parse a JSON file into a `serde_json::Value` and do nothing else
//! (not part of the binary; used by `scripts/bench/check-har.sh`).
//!
//! ```text
//! parse_value reader FILE   # serde_json::from_reader(BufReader::new(File))
//! parse_value slice FILE    # std::fs::read, then serde_json::from_slice
//! parse_value skim FILE     # from_reader into serde::de::IgnoredAny: the floor of any
//!                           # importer built on serde_json's reader-based Deserializer
//! ```

use std::fs::File;
use std::io::BufReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mode, path) = match (args.next(), args.next()) {
        (Some(mode), Some(path)) => (mode, path),
        _ => return Err("usage: parse_value reader|slice|skim FILE".into()),
    };
    if mode == "skim" {
        let _: serde::de::IgnoredAny = serde_json::from_reader(BufReader::new(File::open(&path)?))?;
        return Ok(());
    }
    let value: serde_json::Value = match mode.as_str() {
        "reader" => serde_json::from_reader(BufReader::new(File::open(&path)?))?,
        "slice" => serde_json::from_slice(&std::fs::read(&path)?)?,
        _ => return Err("mode must be reader, slice or skim".into()),
    };
    let entries = value["log"]["entries"].as_array().map_or(0, Vec::len);
    eprintln!("{entries} entries");
    Ok(())
}
