#!/usr/bin/env bash
# bench/formats.sh — klartext's scanner on every log format it reads, against DuckDB and mawk
# doing the same job on the same file in the same run.
#   bench/formats.sh [SIZE] [FORMAT...]    SIZE per log, default 2G; formats default: all eight
# Env: BENCH_SEED (1), BENCH_RUNS (3), BENCH_THREADS (2), SCAN (default `build/klartext scan
# --no-progress`).
# For each format bench/gen writes (once) bench/out/FORMAT-SIZE-SEED.log — the same traffic as
# bench/run.sh's combined log, written as that format — and the true answer for
# bench/rules/FORMAT.rule (bench/profile.rule for combined). Every contender runs BENCH_RUNS
# times after the page cache is warm; every answer is checked against the truth (a wrong one
# stops the run). The table gives medians, klartext's seconds per GB against the combined
# format's (wall clock, and CPU time user+sys, which a busy machine disturbs less), and how many
# times faster klartext is than DuckDB and than mawk (mawk only where it can split the lines:
# not the JSON formats). The load average is printed with each format.
set -eu
cd "$(dirname "$0")/.."
OUT=bench/out
SIZE=${1:-2G}
[ $# -gt 0 ] && shift
FORMATS=("$@")
[ ${#FORMATS[@]} -gt 0 ] || FORMATS=(combined alb elb w3c cloudfront caddy traefik haproxy)
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
T=${BENCH_THREADS:-2}
SCAN=${SCAN:-build/klartext scan --no-progress}
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
[ -x "${SCAN%% *}" ] || { echo "bench: ${SCAN%% *} not built (make)"; exit 1; }
cc -O2 -o "$OUT/gen" bench/gen.c
if [ ! -f "$OUT/node_modules/@duckdb/node-api/package.json" ]; then
    npm install --no-audit --no-fund --prefix "$OUT" @duckdb/node-api >/dev/null
fi
cp bench/duckdb.mjs "$OUT/duckdb.mjs"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); $T threads, $RUNS runs each"

MED= CPU=
# run CMD...: RUNS timed runs; MED = the median wall seconds, CPU = the median user+sys seconds
run() {
    local times=() cpus=() i t u s
    for i in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %U %S" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err" || { echo "bench: $* failed:"; cat "$OUT/.err"; exit 1; }
        read -r t u s <"$OUT/.time"; times+=("$t"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
    done
    MED=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    CPU=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    echo "    runs (wall): ${times[*]}; user+sys: ${cpus[*]}" >&2
}
check() {  # check NAME TRUTH CSV
    cmp -s "$2" "$3" || { echo "bench: $1: WRONG ANSWER"; diff "$2" "$3" | head -5; exit 1; }
}

rows=()
cs_per_gb=
for f in "${FORMATS[@]}"; do
    log=$OUT/$f-$SIZE-$SEED.log truth=$OUT/$f-$SIZE-$SEED.truth.csv
    rule=bench/rules/$f.rule
    [ "$f" = combined ] && rule=bench/profile.rule
    if [ ! -f "$log" ] || [ ! -f "$truth" ]; then
        echo "generating $log ..."
        "$OUT/gen" --format "$f" --size "$SIZE" --seed "$SEED" --out "$log" --truth "$truth" 2>"$OUT/.gen"
        cat "$OUT/.gen"
    fi
    bytes=$(stat -L -c %s "$log")
    lines=$(wc -l <"$log")
    cat "$log" >/dev/null
    echo "== $f: $bytes bytes, $lines lines, $(($(wc -l <"$truth") - 1)) people; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    run $SCAN --rule "$rule" --csv "$OUT/k.csv" --threads "$T" "$log"
    k=$MED kc=$CPU; check "klartext $f" "$truth" "$OUT/k.csv"
    run node "$OUT/duckdb.mjs" --format "$f" "$log" "$OUT/d.csv" "$T"
    d=$MED; check "duckdb $f" "$truth" "$OUT/d.csv"
    m=-
    case $f in
        combined) awk=(mawk -f bench/exposure.awk -f bench/scan.awk) ;;
        alb|elb|w3c|cloudfront|haproxy) awk=(mawk -v fmt="$f" -f bench/exposure.awk -f bench/formats.awk) ;;
        *) awk=() ;;
    esac
    if [ ${#awk[@]} -gt 0 ]; then
        run sh -c "$(printf '%q ' "${awk[@]}") '$log' | LC_ALL=C sort >'$OUT/m.body'"
        m=$MED; { head -1 "$truth"; cat "$OUT/m.body"; } >"$OUT/m.csv"; check "mawk $f" "$truth" "$OUT/m.csv"
    fi
    per_gb=$(awk -v k="$k" -v b="$bytes" 'BEGIN { printf "%.3f", k / (b / 1e9) }')
    cpu_gb=$(awk -v k="$kc" -v b="$bytes" 'BEGIN { printf "%.3f", k / (b / 1e9) }')
    [ "$f" = combined ] && cs_per_gb=$per_gb cc_per_gb=$cpu_gb
    rows+=("$f $bytes $lines $k $per_gb $d $m $kc $cpu_gb")
    echo "   klartext $k s, DuckDB $d s, mawk $m s (answers match the truth); load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "| format | log | lines | klartext | s per GB | × combined's | CPU (user+sys) | CPU × combined's | DuckDB | klartext vs DuckDB | mawk | klartext vs mawk |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
    set -- $r
    awk -v f="$1" -v b="$2" -v l="$3" -v k="$4" -v g="$5" -v d="$6" -v m="$7" -v kc="$8" -v cg="$9" \
        -v c="${cs_per_gb:-0}" -v cc="${cc_per_gb:-0}" 'BEGIN {
        rel = c > 0 ? sprintf("%.2fx", g / c) : "-"; crel = cc > 0 ? sprintf("%.2fx", cg / cc) : "-"
        mm = m == "-" ? "-" : sprintf("%.2f s", m); mx = m == "-" ? "-" : sprintf("%.1fx", m / k)
        printf "| %s | %.2f GB | %d | %.2f s | %.3f s | %s | %.2f s | %s | %.2f s | %.1fx | %s | %s |\n", f, b / 1e9, l, k, g, rel, kc, crel, d, d / k, mm, mx
    }'
done
