#!/usr/bin/env bash
# Benchmark: `flowlens check` on a ~200 MB HAR against merely parsing it into a serde_json::Value.
#
#   scripts/bench/check-har.sh [ENTRIES]      (default 50000 entries, about 200 MB)
#
# Prints wall time (best of RUNS, default 3), CPU time (user + system, of that run) and peak
# RSS of:
#   parse (reader)  serde_json::from_reader(BufReader::new(File)) into a Value
#   parse (slice)   std::fs::read + serde_json::from_slice into a Value
#   skim (reader)   serde_json::from_reader into IgnoredAny: validates and allocates nothing, the
#                   floor of any importer built on serde_json's reader-based Deserializer
#   check           flowlens check --format json (streaming import, analysis, JSON report)
# and the ratio check / faster parse, in wall and in CPU time (CPU time is the steadier figure
# on a machine shared with other work). Target: ratio <= 1.5 and check's peak RSS well under the
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

# best-of-N wall seconds, with the CPU seconds and peak RSS (KiB) of that run
measure() {
    local best="" cpu="" rss="" tmp
    tmp=$(mktemp)
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$tmp" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
        local t u s m
        read -r t u s m < <(tail -n1 "$tmp")
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
            best=$t; cpu=$(awk "BEGIN{print $u + $s}"); rss=$m
        fi
    done
    rm -f "$tmp"
    echo "$best $cpu $rss"
}

# flowlens exits 1 when a check fails, which the generated flows may do: that is not an error here.
read -r T_READER C_READER M_READER < <(measure "$BIN/examples/parse_value" reader "$HAR")
read -r T_SLICE C_SLICE M_SLICE < <(measure "$BIN/examples/parse_value" slice "$HAR")
read -r T_SKIM C_SKIM M_SKIM < <(measure "$BIN/examples/parse_value" skim "$HAR")
read -r T_CHECK C_CHECK M_CHECK < <(measure "$BIN/flowlens" check --format json "$HAR")
ENTRY_COUNT=$(grep -c '"startedDateTime"' "$HAR" || true)

HAR="$HAR" awk -v size="$SIZE" -v entries="$ENTRY_COUNT" \
    -v tr="$T_READER" -v cr="$C_READER" -v mr="$M_READER" \
    -v ts="$T_SLICE" -v cs="$C_SLICE" -v ms="$M_SLICE" \
    -v tk="$T_SKIM" -v ck="$C_SKIM" -v mk="$M_SKIM" \
    -v tc="$T_CHECK" -v cc="$C_CHECK" -v mc="$M_CHECK" '
BEGIN {
    base = (tr < ts) ? tr : ts; which = (tr < ts) ? "reader" : "slice";
    cbase = (cr < cs) ? cr : cs;
    printf "file            %.1f MB, %d entries (%s)\n", size / 1e6, entries - 1, ENVIRON["HAR"];
    printf "%-16s %8s %8s %12s\n", "", "wall (s)", "CPU (s)", "peak RSS";
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "parse (reader)", tr, cr, mr / 1024;
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "parse (slice)", ts, cs, ms / 1024;
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "skim (reader)", tk, ck, mk / 1024;
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "flowlens check", tc, cc, mc / 1024;
    printf "ratio           %.2f x the faster parse in wall time (%s), %.2f x in CPU time; target <= 1.5\n", tc / base, which, cc / cbase;
    printf "check peak RSS  %.1f%% of the file size\n", 100 * mc * 1024 / size;
}'

