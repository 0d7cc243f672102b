#!/usr/bin/env bash
# Fuzzes every input surface of Flowlens (cargo-fuzz, libFuzzer, on the nightly toolchain).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 seconds per target, every target)
#
# The targets (fuzz/fuzz_targets/, each one line) call what crates/flowlens-fuzz checks: HAR and
# trace JSON import, the export zip, redaction, URL parameters, analysis with every rule and
# renderer, the recorder with worker restarts and refused writes, profiles (TOML and the options
# page's form), a page's HTML. Corpora start from examples/, the CLI's fixtures (real servers and
# HAR writers included), export zips of them and their pages' HTML (fuzz-seeds), and grow in
# fuzz/corpus/ across runs. Builds go to target/fuzz, beside the workspace's own.
#
# Prints per target: executions, crashes (crash, timeout or out-of-memory inputs, saved in
# fuzz/artifacts/TARGET/) and seconds; exits 1 when anything crashed. A crash input goes to
# crates/flowlens-fuzz/tests/regressions/TARGET/ with its fix: `cargo test` replays it.
#
# Without a nightly toolchain it says so and exits 0: fuzzing needs nightly, the rest does not.
# Built without a sanitizer (-s none): the code is safe Rust, so AddressSanitizer would find
# nothing Rust's own checks miss while halving the executions; debug assertions and overflow
# checks are on.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
if [ "$#" -gt 0 ]; then shift; fi
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
    TARGETS=(har_import export_zip redact url_params analyze recorder profile page_html)
fi

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: no nightly toolchain (rustup toolchain list), which cargo-fuzz needs: fuzzing skipped."
    exit 0
fi
started=$(date +%s)
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz..."
    cargo install cargo-fuzz --locked --quiet
    echo "fuzz: cargo-fuzz installed in $(( $(date +%s) - started ))s"
fi

build_started=$(date +%s)
mkdir -p fuzz/artifacts
FUZZ_TARGET_DIR="$PWD/target/fuzz"
cargo +nightly fuzz build -s none --target-dir "$FUZZ_TARGET_DIR" >/dev/null 2>fuzz/artifacts/build.log || {
    cat fuzz/artifacts/build.log
    exit 1
}
echo "fuzz: targets built in $(( $(date +%s) - build_started ))s"
cargo run -q -p flowlens-fuzz --bin fuzz-seeds -- fuzz/corpus

failed=0
printf "%-12s %12s %8s %8s %8s\n" target executions crashes seconds corpus
for target in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    log="fuzz/artifacts/$target/last-run.log"
    before=$(find "fuzz/artifacts/$target" -type f ! -name '*.log' | wc -l)
    t0=$(date +%s)
    dict=()
    case "$target" in
        har_import|export_zip|profile) dict=(-dict=fuzz/dicts/har.dict) ;;
        page_html) dict=(-dict=fuzz/dicts/html.dict) ;;
    esac
    status=0
    cargo +nightly fuzz run -s none --target-dir "$FUZZ_TARGET_DIR" "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || status=$?
    secs=$(( $(date +%s) - t0 ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    after=$(find "fuzz/artifacts/$target" -type f ! -name '*.log' | wc -l)
    crashes=$(( after - before ))
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    printf "%-12s %12s %8s %8s %8s\n" "$target" "${execs:-?}" "$crashes" "$secs" "$corpus"
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        echo "fuzz: $target failed (exit $status); its log: $log" >&2
        grep -E "panicked at|^==[0-9]+==|SUMMARY|Test unit written" "$log" | head -n 8 >&2 || true
    fi
done
echo "fuzz: done in $(( $(date +%s) - started ))s"
exit "$failed"
