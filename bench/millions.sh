#!/usr/bin/env bash
# bench/millions.sh — the breach that touches millions (issue 19): every matching request a new
# (person, viewer) pair. klartext scan --csv against DuckDB on the same file, in the same run.
#   bench/millions.sh [VIEWS...]     default: 200000 2000000 8000000 (157 k, 1.57 M, 6.3 M people)
# Env: BENCH_SEED (1), BENCH_RUNS (3), BENCH_THREADS (2), KLARTEXT (build/klartext),
# BENCH_DUCKDB_RUNS (BENCH_RUNS; 0: DuckDB is not run and its columns are empty).
# Generates bench/out/pairs-VIEWS-SEED.log and its true answer with `gen --pairs VIEWS` once,
# checks every answer against it, and prints the table of docs/performance.md ("Millions of
# people"): medians, peak RSS (/usr/bin/time), the ratios and the cost per view.
set -eu
cd "$(dirname "$0")/.."
OUT=bench/out
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
T=${BENCH_THREADS:-2}
KLARTEXT=${KLARTEXT:-build/klartext}
[ $# -gt 0 ] || set -- 200000 2000000 8000000
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
[ -x "$KLARTEXT" ] || { echo "bench: $KLARTEXT not built (make)"; exit 1; }
cc -O2 -o "$OUT/gen" bench/gen.c
. bench/lib.sh
duckdb_setup
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for views in "$@"; do
    log=$OUT/pairs-$views-$SEED.log
    truth=$OUT/pairs-$views-$SEED.truth.csv
    [ -f "$log" ] && [ -f "$truth" ] || "$OUT/gen" --pairs "$views" --seed "$SEED" --out "$log" --truth "$truth"
    people=$(($(wc -l <"$truth") - 1))
    bytes=$(stat -L -c %s "$log")
    echo "--- $views views, $people people, $bytes bytes (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cat "$log" >/dev/null # warm the page cache
    run "klartext $views" "$KLARTEXT" scan --no-progress --rule bench/profile.rule --csv "$OUT/kt-pairs.csv" --threads "$T" "$log"
    check klartext "$truth" "$OUT/kt-pairs.csv"
    if [ "${BENCH_DUCKDB_RUNS:-$RUNS}" -gt 0 ]; then
        RUNS=${BENCH_DUCKDB_RUNS:-$RUNS} run "duckdb $views" node "$OUT/duckdb.mjs" "$log" "$OUT/duckdb-pairs.csv" "$T"
        check duckdb "$truth" "$OUT/duckdb-pairs.csv"
    else
        MED["duckdb $views"]=0 CPU["duckdb $views"]=0 RSS["duckdb $views"]=1
    fi
    rows+=("$(awk -v p="$people" -v v="$views" -v b="$bytes" -v k="${MED["klartext $views"]}" -v d="${MED["duckdb $views"]}" \
        -v kc="${CPU["klartext $views"]}" -v dc="${CPU["duckdb $views"]}" \
        -v kr="${RSS["klartext $views"]}" -v dr="${RSS["duckdb $views"]}" 'BEGIN {
        printf "| %d (%d) | %.0f MB | %.2f s (CPU %.2f s) | %.2f s (CPU %.2f s) | %.1fx (CPU %.1fx) | %.0f MB | %.0f MB | %.2f | %.2f µs |",
            p, v, b / 1e6, k, kc, d, dc, d / k, dc / kc, kr / 1024, dr / 1024, kr / dr, kc / v * 1e6 }')")
done
echo
echo "| affected people (views) | log | klartext | DuckDB | DuckDB / klartext | klartext peak RSS | DuckDB peak RSS | RSS ratio | klartext CPU per view |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "(medians of $RUNS; load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
