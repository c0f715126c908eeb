#!/usr/bin/env bash
# bench/dask.sh — klartext-dask on a loopback Dask cluster of 2 single-threaded workers against
# `klartext scan --threads 2` on the same file, and `klartext scan merge` alone.
#   bench/dask.sh [SIZE] [MERGE_PARTS] [PEOPLE_PER_PART]     defaults: 2G 64 100000
# Env: BENCH_SEED (1), BENCH_RUNS (3; the two contenders of the scan half alternate run by run),
# BENCH_CHUNK (klartext-dask --chunk, its default if unset),
# BENCH_SKIP_SCAN=1 / BENCH_SKIP_MERGE=1 to run one half, BENCH_KLARTEXT (build/klartext) the binary,
# BENCH_SIZES="1 4 8": the scan half at each of these multiples of SIZE (default "1"): N > 1 is the
# log N times, as N inputs that are symbolic links to it (so the page cache needs SIZE, not N x
# SIZE: every run reads from memory); BENCH_CONCAT=1 makes them one file of N x SIZE instead
# (bench/out/access-SIZE-SEED-xN.log; check `free -g` first: larger than the free memory, it is
# read from the disk, cold).
# The scan half: bench/out/access-SIZE-SEED.log (as bench/run.sh makes it); both answers are
# checked against the true answer (N > 1: klartext-dask's against the plain scan's, byte for
# byte). The merge half: a `gen --pairs` log with PARTS x PEOPLE/0.79 lines (every line a new
# (person, viewer) pair) cut into PARTS byte ranges, each scanned into a partial (about PEOPLE
# people each); then the merge of all of them into the CSV is timed, checked
# against the truth, and its rate given in (person, viewer) pairs of the inputs per second.
set -eu
cd "$(dirname "$0")/.."
OUT=bench/out
SIZE=${1:-2G}
PARTS=${2:-64}
PEOPLE=${3:-100000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
KT=${BENCH_KLARTEXT:-$PWD/build/klartext}
mkdir -p "$OUT"
[ -x "$KT" ] || { echo "bench: build/klartext not built (make)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
command -v dask-scheduler >/dev/null || { echo "bench: dask-scheduler not found (apt-get install python3-distributed)"; exit 1; }
cc -O2 -o "$OUT/gen" bench/gen.c
. bench/lib.sh

# alternate NAME1 NAME2 -- CMD1... -- CMD2...: RUNS rounds of CMD1 then CMD2 (run by run, so that
# a change of the machine's load hits both alike); as lib.sh's run, plus the best run in BEST[NAME]
declare -A BEST
alternate() {
    local n1=$1 n2=$2 c1=() c2=() i k t m u s name
    shift 3
    while [ "$1" != -- ]; do c1+=("$1"); shift; done
    shift
    c2=("$@")
    declare -A T C R
    for i in $(seq "$RUNS"); do
        for k in 1 2; do
            if [ $k = 1 ]; then name=$n1; set -- "${c1[@]}"; else name=$n2; set -- "${c2[@]}"; fi
            /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err" ||
                { echo "bench: $name failed:"; cat "$OUT/.err"; exit 1; }
            read -r t m u s <"$OUT/.time"
            T[$name]+="$t " C[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
            [ "$m" -gt "${R[$name]:-0}" ] && R[$name]=$m
        done
    done
    for name in "$n1" "$n2"; do
        MED[$name]=$(printf '%s\n' ${T[$name]} | sort -n | sed -n "$(((RUNS + 1) / 2))p")
        BEST[$name]=$(printf '%s\n' ${T[$name]} | sort -n | head -1)
        CPU[$name]=$(printf '%s\n' ${C[$name]} | sort -n | sed -n "$(((RUNS + 1) / 2))p")
        RSS[$name]=${R[$name]}
        m=${R[$name]}
        printf '%-28s median %6.2f s  (runs: %s)  CPU %6.2f s  peak RSS %6d MB\n' "$name" "${MED[$name]}" \
            "${T[$name]% }" "${CPU[$name]}" $((m / 1024))
    done
}
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${BENCH_SKIP_SCAN:-0}" != 1 ]; then
    log=$OUT/access-$SIZE-$SEED.log
    truth=$OUT/truth-$SIZE-$SEED.csv
    [ -f "$log" ] && [ -f "$truth" ] || "$OUT/gen" --size "$SIZE" --seed "$SEED" --out "$log" --truth "$truth"
    bytes=$(stat -L -c %s "$log")
    echo "log: $log, $bytes bytes"
    cat "$log" >/dev/null
    tmp=$(mktemp -d)
    pids=()
    trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
    mkdir "$tmp/bin" && ln -s "$KT" "$tmp/bin/klartext"
    DASK_DISTRIBUTED__WORKER__DAEMON=False dask-scheduler --host 127.0.0.1 --port 0 --no-dashboard \
        --scheduler-file "$tmp/s.json" >"$tmp/s.log" 2>&1 &
    pids+=($!)
    for i in $(seq 100); do [ -s "$tmp/s.json" ] && break; sleep 0.1; done
    addr=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$tmp/s.json")
    for w in 1 2; do
        PATH=$tmp/bin:$PATH dask-worker "$addr" --name "w$w" --nthreads 1 --no-nanny --no-dashboard \
            --local-directory "$tmp" >"$tmp/w$w.log" 2>&1 &
        pids+=($!)
    done
    /usr/bin/python3 -c 'import sys; from distributed import Client; c = Client(sys.argv[1], timeout=60); c.wait_for_workers(2, timeout=60); c.close()' "$addr"
    for n in ${BENCH_SIZES:-1}; do
        inputs=("$PWD/$log") what=$SIZE
        if [ "$n" != 1 ]; then
            inputs=()
            if [ "${BENCH_CONCAT:-0}" = 1 ]; then
                big=$OUT/access-$SIZE-$SEED-x$n.log
                [ "$(stat -L -c %s "$big" 2>/dev/null)" = $((bytes * n)) ] ||
                    for i in $(seq "$n"); do cat "$log"; done >"$big"
                inputs=("$PWD/$big") what="$n x $SIZE in one file"
                cat "$big" >/dev/null
            else
                for i in $(seq "$n"); do ln -sf "$PWD/$log" "$tmp/copy$i.log" && inputs+=("$tmp/copy$i.log"); done
                what="$n x $SIZE ($n inputs: links to one file)"
            fi
        fi
        echo "--- $what: 2 threads on one machine vs 2 single-threaded Dask workers (alternated run by run)"
        alternate "klartext scan --threads 2" "klartext-dask (2 workers)" -- \
            "$KT" scan --no-progress --rule bench/profile.rule --csv "$OUT/plain.csv" --threads 2 "${inputs[@]}" -- \
            /usr/bin/python3 dask/klartext-dask --scheduler "$addr" --rule bench/profile.rule --local-klartext "$KT" \
            --no-progress --csv "$OUT/dask.csv" ${BENCH_CHUNK:+--chunk "$BENCH_CHUNK"} "${inputs[@]}"
        [ "$n" = 1 ] && check "klartext scan" "$truth" "$OUT/plain.csv"
        if [ "$n" = 1 ]; then check "klartext-dask" "$truth" "$OUT/dask.csv"
        else check "klartext-dask (against the plain scan)" "$OUT/plain.csv" "$OUT/dask.csv"; fi
        echo "  where the time goes (one more run, KLARTEXT_DASK_TIMES=1: seconds since the client started):"
        KLARTEXT_DASK_TIMES=1 /usr/bin/python3 dask/klartext-dask --scheduler "$addr" --rule bench/profile.rule \
            --local-klartext "$KT" --no-progress --csv "$OUT/dask.csv" ${BENCH_CHUNK:+--chunk "$BENCH_CHUNK"} "${inputs[@]}" \
            2>&1 >/dev/null | sed -n -e 's/^klartext-dask: \([0-9.]* s \)/    \1/p' -e 's/^klartext-dask: \(.* tasks\? on\)/    \1/p'
        awk -v k="${MED["klartext scan --threads 2"]}" -v d="${MED["klartext-dask (2 workers)"]}" -v b="$((bytes * n))" \
            -v kb="${BEST["klartext scan --threads 2"]}" -v db="${BEST["klartext-dask (2 workers)"]}" 'BEGIN {
            printf "%.1f GB: klartext scan %.0f MB/s, klartext-dask %.0f MB/s: the cluster takes %.2fx the time (target <= 1.3x); best runs %.2fx\n",
                   b / 1e9, b / 1e6 / k, b / 1e6 / d, d / k, db / kb }'
    done
fi

if [ "${BENCH_SKIP_MERGE:-0}" != 1 ]; then
    lines=$((PARTS * PEOPLE * 100 / 79))
    log=$OUT/pairs-$lines-$SEED.log
    truth=$OUT/pairs-$lines-$SEED.truth.csv
    [ -f "$log" ] && [ -f "$truth" ] || "$OUT/gen" --pairs "$lines" --seed "$SEED" --out "$log" --truth "$truth"
    pdir=$OUT/parts-$PARTS-$lines-$SEED
    size=$(stat -L -c %s "$log")
    head -c 32 /dev/urandom >"$OUT/vk" && chmod 600 "$OUT/vk"
    if [ ! -f "$pdir/done" ]; then
        rm -rf "$pdir" && mkdir -p "$pdir"
        echo "scanning $log into $PARTS partials ..."
        for k in $(seq 0 $((PARTS - 1))); do
            "$KT" scan --no-progress --rule bench/profile.rule --viewer-key "$OUT/vk" --threads 2 \
                --partial "$pdir/$k.part" --range $((size * k / PARTS)):$((size * (k + 1) / PARTS)) "$log" 2>"$pdir/$k.err"
        done
        touch "$pdir/done"
    fi
    pairs=0
    for k in $(seq 0 $((PARTS - 1))); do
        n=$(sed -n 's/.*distinct (person, viewer) pairs \([0-9]*\),.*/\1/p' "$pdir/$k.err")
        pairs=$((pairs + n))
    done
    echo "--- merge: $PARTS partials, $(sed -n 's/^people \([0-9]*\),.*/\1/p' "$pdir/0.err") people in the first, $pairs (person, viewer) pairs in all, $(du -sb "$pdir" | cut -f1) bytes"
    cat "$pdir"/*.part >/dev/null
    run "klartext scan merge" "$KT" scan merge --rule bench/profile.rule --csv "$OUT/merge.csv" "$pdir"/*.part
    check "klartext scan merge" "$truth" "$OUT/merge.csv"
    echo "  the merging thread (one more run, KLARTEXT_MERGE_TIMES=1):"
    KLARTEXT_MERGE_TIMES=1 "$KT" scan merge --rule bench/profile.rule --csv "$OUT/merge.csv" "$pdir"/*.part 2>&1 |
        sed -n 's/^klartext: merge times: /    /p'
    awk -v t="${MED["klartext scan merge"]}" -v p="$pairs" 'BEGIN {
        printf "merge: %.2f million (person, viewer) pairs per second (target >= 2)\n", p / t / 1e6 }'
fi
