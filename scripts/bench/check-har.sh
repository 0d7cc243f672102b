#!/usr/bin/env bash
# Benchmark: `flowlens check` on a ~200 MB HAR against merely parsing it into a serde_json::Value.
#
#   scripts/bench/check-har.sh [ENTRIES]      (default 50000 entries, about 200 MB)
#
# Prints wall time (best of RUNS, default 3) and peak RSS of:
#   parse (reader)  serde_json::from_reader(BufReader::new(File)) into a Value
#   parse (slice)   std::fs::read + serde_json::from_slice into a Value
#   check           flowlens check --format json (streaming import, analysis, JSON report)
# and the ratio check / faster parse. Target: ratio <= 1.5 and check's peak RSS well under the
# file size. The generated file is kept in target/bench/ (BENCH_DIR) and reused.
set -euo pipefail

cd "$(dirname "$0")/../.."
ENTRIES="${1:-50000}"
RUNS="${RUNS:-3}"
DIR="${BENCH_DIR:-target/bench}"
HAR="$DIR/bench-$ENTRIES.har"

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak RSS)..." >&2
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

cargo build --release -q -p flowlens-cli --bin flowlens --example gen_har --example parse_value
BIN=target/release
mkdir -p "$DIR"
if [ ! -s "$HAR" ]; then
    "$BIN/examples/gen_har" "$HAR" "$ENTRIES"
fi
SIZE=$(stat -c %s "$HAR")

# best-of-N wall seconds and the peak RSS (KiB) of that run
measure() {
    local best="" rss="" tmp
    tmp=$(mktemp)
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$tmp" -f '%e %M' "$@" >/dev/null 2>&1 || true
        local out t m
        out=$(tail -n1 "$tmp")
        t=${out% *} m=${out#* }
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
    done
    rm -f "$tmp"
    echo "$best $rss"
}

# flowlens exits 1 when a check fails, which the generated flows may do: that is not an error here.
read -r T_READER M_READER < <(measure "$BIN/examples/parse_value" reader "$HAR")
read -r T_SLICE M_SLICE < <(measure "$BIN/examples/parse_value" slice "$HAR")
read -r T_CHECK M_CHECK < <(measure "$BIN/flowlens" check --format json "$HAR")
ENTRY_COUNT=$(grep -c '"startedDateTime"' "$HAR" || true)

HAR="$HAR" awk -v size="$SIZE" -v entries="$ENTRY_COUNT" \
    -v tr="$T_READER" -v mr="$M_READER" -v ts="$T_SLICE" -v ms="$M_SLICE" -v tc="$T_CHECK" -v mc="$M_CHECK" '
BEGIN {
    base = (tr < ts) ? tr : ts; which = (tr < ts) ? "reader" : "slice";
    printf "file            %.1f MB, %d entries (%s)\n", size / 1e6, entries - 1, ENVIRON["HAR"];
    printf "%-16s %8s %12s\n", "", "time (s)", "peak RSS";
    printf "%-16s %8.2f %9.1f MB\n", "parse (reader)", tr, mr / 1024;
    printf "%-16s %8.2f %9.1f MB\n", "parse (slice)", ts, ms / 1024;
    printf "%-16s %8.2f %9.1f MB\n", "flowlens check", tc, mc / 1024;
    printf "ratio           %.2f x the faster parse (%s); target <= 1.5\n", tc / base, which;
    printf "check peak RSS  %.1f%% of the file size\n", 100 * mc * 1024 / size;
}'

