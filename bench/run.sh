#!/usr/bin/env bash
# bench/run.sh — klartext's scanner against what a user would otherwise use, on one file.
#   bench/run.sh [SIZE]            SIZE of the generated log, default 2G (e.g. 200M while developing)
# Env: BENCH_SEED (1), BENCH_RUNS (3), BENCH_THREADS (2), SCAN (the scanner command; default
# `build/klartext scan --no-progress`; `build/tests/test_scan run` is the library driver).
# Generates bench/out/access-SIZE-SEED.log (+ the true answer, + an igzip copy) once, then runs
# each contender BENCH_RUNS times, checks every answer against the truth, and prints medians,
# ratios and peak RSS. Generated files stay in bench/out/ (git-ignored).
set -eu
cd "$(dirname "$0")/.."
OUT=bench/out
SIZE=${1:-${BENCH_SIZE:-2G}}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
T=${BENCH_THREADS:-2}
SCAN=${SCAN:-build/klartext scan --no-progress}
NEEDLE='"GET /gp/profile/'
mkdir -p "$OUT"
command -v igzip >/dev/null || { echo "bench: igzip not found (apt-get install isal)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
[ -x "${SCAN%% *}" ] || { echo "bench: ${SCAN%% *} not built (make)"; exit 1; }
cc -O2 -o "$OUT/gen" bench/gen.c
cc -O2 -pthread -o "$OUT/prefilter" bench/prefilter.c
. bench/lib.sh
duckdb_setup
log=$OUT/access-$SIZE-$SEED.log
truth=$OUT/truth-$SIZE-$SEED.csv
gz=$log.gz
if [ ! -f "$log" ] || [ ! -f "$truth" ]; then
    echo "generating $log ..."
    "$OUT/gen" --size "$SIZE" --seed "$SEED" --out "$log" --truth "$truth"
fi
[ -f "$gz" ] || { echo "compressing $gz (igzip -3) ..."; igzip -3 -c "$log" >"$gz"; }
bytes=$(stat -L -c %s "$log")
echo "log: $log, $bytes bytes, $(($(wc -l <"$truth") - 1)) people in the truth; gzip copy $(stat -L -c %s "$gz") bytes"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
cat "$log" >/dev/null    # warm the page cache
cat "$gz" >/dev/null

echo "--- limits"
run "wc -l" wc -l "$log"
run "prefilter pass ($T threads)" "$OUT/prefilter" "$log" "$NEEDLE" "$T"
run "igzip -dc" sh -c "igzip -dc '$gz' >/dev/null"
echo "--- the exposure job"
run "klartext ($T threads)" $SCAN --rule bench/profile.rule --csv "$OUT/klartext.csv" --threads "$T" "$log"
check klartext "$truth" "$OUT/klartext.csv"
run "klartext .gz" $SCAN --rule bench/profile.rule --csv "$OUT/klartext-gz.csv" --threads "$T" "$gz"
check "klartext .gz" "$truth" "$OUT/klartext-gz.csv"
run "duckdb ($T threads)" node "$OUT/duckdb.mjs" "$log" "$OUT/duckdb.csv" "$T"
check duckdb "$truth" "$OUT/duckdb.csv"
run "mawk" sh -c "mawk -f bench/exposure.awk -f bench/scan.awk '$log' | LC_ALL=C sort >'$OUT/mawk.body'"
{ head -1 "$truth"; cat "$OUT/mawk.body"; } >"$OUT/mawk.csv"
check mawk "$truth" "$OUT/mawk.csv"
echo "--- ratios (medians of $RUNS)"
k=${MED["klartext ($T threads)"]}; kg=${MED["klartext .gz"]}
d=${MED["duckdb ($T threads)"]}; m=${MED[mawk]}; p=${MED["prefilter pass ($T threads)"]}; i=${MED["igzip -dc"]}
awk -v k="$k" -v kg="$kg" -v d="$d" -v m="$m" -v p="$p" -v i="$i" -v b="$bytes" 'BEGIN {
    best = d < m ? d : m
    printf "klartext: %.0f MB/s; %.1fx faster than the faster of DuckDB and mawk (target >= 4x)\n", b / 1e6 / k, best / k
    printf "klartext / bare prefilter pass: %.2fx (stretch target <= 3x)\n", k / p
    printf "klartext on .gz / igzip -dc alone: %.2fx (target <= 1.25x)\n", kg / i
}'
