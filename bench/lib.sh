# bench/lib.sh — what bench/run.sh and bench/millions.sh share (sourced, not run).
# Needs OUT (the output directory) and RUNS (timed runs per contender).
declare -A MED RSS CPU

# run NAME CMD...: RUNS timed runs; median wall seconds in MED[NAME], max peak RSS (KB) in RSS[NAME],
# median CPU seconds (user + sys) in CPU[NAME]
run() {
    local name=$1; shift
    local times=() cpus=() rss=0 i t m u s
    for i in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err" || { echo "bench: $name failed:"; cat "$OUT/.err"; exit 1; }
        read -r t m u s <"$OUT/.time"
        times+=("$t"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"); [ "$m" -gt "$rss" ] && rss=$m
    done
    MED[$name]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    RSS[$name]=$rss
    CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    printf '%-28s median %6.2f s  (runs: %s)  CPU %6.2f s  peak RSS %6d MB\n' "$name" "${MED[$name]}" "${times[*]}" "${CPU[$name]}" $((rss / 1024))
}

# check NAME TRUTH CSV: the answer must be the truth, byte for byte
check() {
    if cmp -s "$2" "$3"; then echo "  $1: answer matches the truth"; else echo "  $1: WRONG ANSWER"; diff "$2" "$3" | head -5; exit 1; fi
}

# duckdb_setup: @duckdb/node-api into $OUT/node_modules (once), bench/duckdb.mjs beside it
duckdb_setup() {
    if [ ! -f "$OUT/node_modules/@duckdb/node-api/package.json" ]; then
        npm install --no-audit --no-fund --prefix "$OUT" @duckdb/node-api >/dev/null
    fi
    cp bench/duckdb.mjs "$OUT/duckdb.mjs"
}
