#!/usr/bin/env bash
# Benchmark: `flowlens redact` on a ~260 MB HAR against merely parsing it with serde_json.
#
#   scripts/bench/redact-har.sh [ENTRIES]     (default 50000 entries, about 260 MB)
#
# Reuses the generator and the parse baselines of scripts/bench/check-har.sh (the file in
# target/bench/ is shared). Prints wall time (best of RUNS, default 3), CPU time (user +
# system, of that run) and peak RSS of:
#   parse (reader)  serde_json::from_reader(BufReader::new(File)) into a Value
#   parse (slice)   std::fs::read + serde_json::from_slice into a Value
#   flowlens redact two passes: streamed structural redaction to a scratch file, then every
#                   known value replaced everywhere, receipt, output written
# and the ratio redact / faster parse. Target: within 2x, and redact's peak RSS well under
# the file size (it holds one entry at a time plus the set of secret values, so a 2 GB file
# takes the same memory). Also checks that the output is JSON with the receipt.
set -euo pipefail

cd "$(dirname "$0")/../.."
ENTRIES="${1:-50000}"
RUNS="${RUNS:-3}"
DIR="${BENCH_DIR:-target/bench}"
HAR="$DIR/bench-$ENTRIES.har"
OUT="$DIR/bench-$ENTRIES.redacted.har"

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
        /usr/bin/time -o "$tmp" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || { cat "$tmp" >&2; exit 1; }
        local t u s m
        read -r t u s m < <(tail -n1 "$tmp")
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
            best=$t; cpu=$(awk "BEGIN{print $u + $s}"); rss=$m
        fi
    done
    rm -f "$tmp"
    echo "$best $cpu $rss"
}

read -r T_READER C_READER M_READER < <(measure "$BIN/examples/parse_value" reader "$HAR")
read -r T_SLICE C_SLICE M_SLICE < <(measure "$BIN/examples/parse_value" slice "$HAR")
read -r T_RED C_RED M_RED < <(measure "$BIN/flowlens" redact "$HAR" -o "$OUT")
OUT_SIZE=$(stat -c %s "$OUT")
RECEIPT=$(python3 -c "
import json, sys
log = json.load(open(sys.argv[1]))['log']
r = log['_flowlens_redaction']
n = sum(sum(m.values()) for k in ('replaced', 'replaced_elsewhere') for m in r[k].values())
print(f\"{len(log['entries'])} entries, {n} values replaced, {sum(sum(m.values()) for m in r['redacted_whole'].values())} parts whole\")
" "$OUT" 2>/dev/null || echo "output not checked (no python3)")

HAR="$HAR" OUTF="$OUT" RECEIPT="$RECEIPT" awk -v size="$SIZE" -v osize="$OUT_SIZE" \
    -v tr="$T_READER" -v cr="$C_READER" -v mr="$M_READER" \
    -v ts="$T_SLICE" -v cs="$C_SLICE" -v ms="$M_SLICE" \
    -v td="$T_RED" -v cd="$C_RED" -v md="$M_RED" '
BEGIN {
    base = (tr < ts) ? tr : ts; which = (tr < ts) ? "reader" : "slice";
    cbase = (cr < cs) ? cr : cs;
    printf "file            %.1f MB (%s)\n", size / 1e6, ENVIRON["HAR"];
    printf "output          %.1f MB (%s): %s\n", osize / 1e6, ENVIRON["OUTF"], ENVIRON["RECEIPT"];
    printf "%-16s %8s %8s %12s\n", "", "wall (s)", "CPU (s)", "peak RSS";
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "parse (reader)", tr, cr, mr / 1024;
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "parse (slice)", ts, cs, ms / 1024;
    printf "%-16s %8.2f %8.2f %9.1f MB\n", "flowlens redact", td, cd, md / 1024;
    printf "ratio           %.2f x the faster parse in wall time (%s), %.2f x in CPU time; target <= 2\n", td / base, which, cd / cbase;
    printf "redact peak RSS %.1f%% of the file size\n", 100 * md * 1024 / size;
}'
