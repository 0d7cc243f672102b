#!/usr/bin/env bash
# Benchmark: `flowlens check` on large HARs, against merely parsing them, and its peak memory.
#
#   scripts/bench/check-har.sh [ENTRIES...]   (default: 50000 230000, about 200 MB and 1 GB)
#
# For each generated HAR (a browsing session: static files, pages, and every 10,000 entries an
# authorization flow) prints wall time (best of RUNS, default 3), CPU time (user + system, of
# that run) and peak RSS of:
#   parse (reader)  serde_json::from_reader(BufReader::new(File)) into a Value   } first file
#   parse (slice)   std::fs::read + serde_json::from_slice into a Value          } only: they
#                                                                                 } take ~6x the
#                                                                                 } file in RAM
#   skim (reader)   serde_json::from_reader into IgnoredAny: validates and allocates nothing, the
#                   floor of any importer built on serde_json's reader-based Deserializer
#   check, all kept the analysis with every exchange of the file kept (how `flowlens check`
#                   read HARs before it dropped what no flow reaches: the "before" figure)
#   flowlens check  flowlens check --format json (streaming import keeping what flows reach,
#                   analysis, JSON report)
# then the ratio check / faster parse (first file) or check / skim, and whether the statuses
# are identical to those of the analysis of every exchange. Targets: ratio <= 1.5, and
# check's peak RSS <= 64 MB whatever the file's size (it follows the flows, not the file).
# Generated files are kept in target/bench/ (BENCH_DIR) and reused.
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNS="${RUNS:-3}"
DIR="${BENCH_DIR:-target/bench}"
if [ "$#" -eq 0 ]; then set -- 50000 230000; fi

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak RSS)..." >&2
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

cargo build --release -q -p flowlens-cli --bin flowlens --example gen_har --example parse_value --example check_all
BIN=target/release
mkdir -p "$DIR"

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

row() { awk -v n="$1" -v t="$2" -v c="$3" -v m="$4" 'BEGIN{printf "%-16s %8.2f %8.2f %9.1f MB\n", n, t, c, m / 1024}'; }

first=1
for ENTRIES in "$@"; do
    HAR="$DIR/bench-$ENTRIES.har"
    if [ ! -s "$HAR" ]; then
        "$BIN/examples/gen_har" "$HAR" "$ENTRIES"
    fi
    SIZE=$(stat -c %s "$HAR")
    awk -v size="$SIZE" -v entries="$ENTRIES" -v har="$HAR" \
        'BEGIN{printf "\nfile            %.1f MB, %d entries (%s)\n", size / 1e6, entries, har}'
    printf "%-16s %8s %8s %12s\n" "" "wall (s)" "CPU (s)" "peak RSS"
    base="" cbase="" which=""
    if [ "$first" = 1 ]; then
        read -r T_READER C_READER M_READER < <(measure "$BIN/examples/parse_value" reader "$HAR")
        read -r T_SLICE C_SLICE M_SLICE < <(measure "$BIN/examples/parse_value" slice "$HAR")
        row "parse (reader)" "$T_READER" "$C_READER" "$M_READER"
        row "parse (slice)" "$T_SLICE" "$C_SLICE" "$M_SLICE"
        read -r base cbase which < <(awk -v tr="$T_READER" -v ts="$T_SLICE" -v cr="$C_READER" -v cs="$C_SLICE" \
            'BEGIN{if (tr < ts) print tr, (cr < cs ? cr : cs), "the faster parse (reader)"; else print ts, (cr < cs ? cr : cs), "the faster parse (slice)"}')
    fi
    read -r T_SKIM C_SKIM M_SKIM < <(measure "$BIN/examples/parse_value" skim "$HAR")
    row "skim (reader)" "$T_SKIM" "$C_SKIM" "$M_SKIM"
    if [ -z "$base" ]; then base=$T_SKIM cbase=$C_SKIM which="skim"; fi
    # flowlens exits 1 when a check fails, which the generated flows may do: not an error here.
    read -r T_ALL C_ALL M_ALL < <(measure "$BIN/examples/check_all" all "$HAR")
    row "check, all kept" "$T_ALL" "$C_ALL" "$M_ALL"
    read -r T_CHECK C_CHECK M_CHECK < <(measure "$BIN/flowlens" check --format json "$HAR")
    row "flowlens check" "$T_CHECK" "$C_CHECK" "$M_CHECK"
    awk -v tc="$T_CHECK" -v cc="$C_CHECK" -v b="$base" -v cb="$cbase" -v which="$which" \
        -v mc="$M_CHECK" -v ma="$M_ALL" -v size="$SIZE" 'BEGIN{
        printf "ratio           %.2f x %s in wall time, %.2f x in CPU time; target <= 1.5\n", tc / b, which, cc / cb;
        printf "check peak RSS  %.1f MB (%.1f%% of the file; %.1f MB with every exchange kept); target <= 64 MB\n", mc / 1024, 100 * mc * 1024 / size, ma / 1024;
    }'
    printf "statuses        %s\n" "$("$BIN/examples/check_all" compare "$HAR" || true)"
    first=0
done
