//! Writes the seed corpora of the byte targets (`scripts/fuzz.sh` runs it before fuzzing):
//!
//! ```text
//! cargo run -p flowlens-fuzz --bin fuzz-seeds -- fuzz/corpus
//! ```

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: fuzz-seeds CORPUS_DIR");
        return std::process::ExitCode::from(2);
    };
    match flowlens_fuzz::seeds::write_corpora(std::path::Path::new(&dir)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fuzz-seeds: cannot write the corpora: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
