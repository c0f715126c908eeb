#!/usr/bin/env bash
# bench/store.sh — the register at millions of people (issue 19, item 3): `scan --incident` of the
# logs of bench/millions.sh into a fresh register, against `scan --csv` of the same log (the scan
# alone), so that the difference is the store; the register's bytes per person; `exposure
# --format csv` (checked byte for byte against the generator's truth); with BENCH_NOTIFY=1 also
# the start-up of `notify` (`--preview` of one person and `--status`) after a contact import and a
# decision for everyone.
#   bench/store.sh [VIEWS...]     default: 200000 2000000 8000000 (157 k, 1.57 M, 6.3 M people)
# Env: BENCH_SEED (1), BENCH_RUNS (3), BENCH_THREADS (2), KLARTEXT (build/klartext), BENCH_NOTIFY (0),
# BENCH_DB (sqlite; pg: each register a fresh database of a throwaway PostgreSQL 15 cluster of
# tests/pg.sh — fsync off, as for the tests — and the server's CPU time counted with the store's).
# Works in bench/out/store/ (git-ignored). Prints one table row per size: medians of wall and CPU
# (user + sys) time; "store" is klartext's own timing of the store, from the transaction's start
# to its commit, that `scan --incident` prints ("Stored as scan version …: … (store W s, CPU C s)"):
# the median wall and CPU of the runs (with PostgreSQL the server's CPU of the whole run is added
# to the CPU). BENCH_CSV=0 leaves out the runs of `scan --csv` (the scan alone, for comparison).
set -eu
cd "$(dirname "$0")/.."
OUT=$PWD/bench/out
W=$OUT/store
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
T=${BENCH_THREADS:-2}
K=${KLARTEXT:-build/klartext}
case $K in /*) ;; *) K="$PWD/$K" ;; esac
[ $# -gt 0 ] || set -- 200000 2000000 8000000
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
[ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
mkdir -p "$W"
cc -O2 -o "$OUT/gen" bench/gen.c
SRC=$PWD
. bench/lib.sh
export KLARTEXT_NOW=2018-11-22T10:00:00Z
RULE=$PWD/bench/profile.rule

PG=0
if [ "${BENCH_DB:-sqlite}" = pg ]; then
    PG=1
    . tests/pg.sh
    pg_available || { echo "bench: PostgreSQL 15 not installed ($PG_BIN)"; exit 1; }
    pg_start || exit 1
fi
# pg_cpu: CPU seconds the cluster has used so far (the postmaster, the children it reaped — the
# backends of finished connections — and its live children); 0 without PostgreSQL
pg_cpu() {
    [ "$PG" = 1 ] || { echo 0; return; }
    local pm i
    pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    # a backend ends shortly after its client: wait until the postmaster has reaped every one
    for i in $(seq 100); do ps -o cmd= --ppid "$pm" | grep -q "klartext kt_" || break; sleep 0.1; done
    { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
      for c in $(ps -o pid= --ppid "$pm"); do awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null; done; } |
        awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f\n", s / hz }'
}
# reg_bytes DIR: the register's size (SQLite: the file and its WAL; PostgreSQL: the database)
reg_bytes() {
    if [ "$PG" = 1 ]; then pg_sql "$KLARTEXT_DB" "SELECT pg_database_size(current_database())"; return; fi
    local b
    b=$(stat -c %s "$1/klartext.db")
    [ -f "$1/klartext.db-wal" ] && b=$((b + $(stat -c %s "$1/klartext.db-wal")))
    echo "$b"
}

fresh() {  # fresh DIR: an empty register with incident 2018-0001 (PostgreSQL: in a new database)
    rm -rf "$1" && mkdir -p "$1"
    if [ "$PG" = 1 ]; then KLARTEXT_DB=$(pg_newdb) && export KLARTEXT_DB || exit 1; fi
    (cd "$1" && "$K" init >/dev/null 2>&1 &&
        "$K" incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null)
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "klartext: $K"
[ "$PG" = 1 ] && echo "register: PostgreSQL 15 ($("$PG_BIN/postgres" --version)), fsync off; CPU includes the server's"
rows=()
for views in "$@"; do
    log=$OUT/pairs-$views-$SEED.log
    truth=$OUT/pairs-$views-$SEED.truth.csv
    [ -f "$log" ] && [ -f "$truth" ] || "$OUT/gen" --pairs "$views" --seed "$SEED" --out "$log" --truth "$truth"
    people=$(($(wc -l <"$truth") - 1))
    echo "--- $views views, $people people (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cat "$log" >/dev/null # warm the page cache
    if [ "${BENCH_CSV:-1}" = 1 ]; then
        run "scan --csv $views" "$K" scan --no-progress --rule "$RULE" --threads "$T" --csv "$W/scan.csv" "$log"
        check "scan --csv" "$truth" "$W/scan.csv"
    else
        MED["scan --csv $views"]=0 CPU["scan --csv $views"]=0
    fi
    # each run of scan --incident into a fresh register (made before the clock starts)
    times=() cpus=() stw=() stc=() rss=0
    for i in $(seq "$RUNS"); do
        fresh "$W/reg"
        pg0=$(pg_cpu)
        (cd "$W/reg" && /usr/bin/time -f "%e %M %U %S" -o "$W/.time" "$K" scan --no-progress --rule "$RULE" \
            --threads "$T" --incident 2018-0001 "$log" >/dev/null 2>"$W/.err") ||
            { echo "bench: scan --incident failed:"; cat "$W/.err"; exit 1; }
        read -r t m u s <"$W/.time"
        pgd=$(awk -v a="$pg0" -v b="$(pg_cpu)" 'BEGIN { print b - a }')
        times+=("$t") cpus+=("$(awk -v u="$u" -v s="$s" -v d="$pgd" 'BEGIN { print u + s + d }')")
        read -r sw sc < <(sed -n 's/^Stored as scan version .*(store \([0-9.]*\) s, CPU \([0-9.]*\) s)\.$/\1 \2/p' "$W/.err")
        [ -n "${sc:-}" ] || { echo "bench: no store timing in the output of scan --incident:"; cat "$W/.err"; exit 1; }
        stw+=("$sw") stc+=("$(awk -v c="$sc" -v d="$pgd" 'BEGIN { print c + d }')")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
    MED[inc]=$(med "${times[@]}") CPU[inc]=$(med "${cpus[@]}") MED[store]=$(med "${stw[@]}") CPU[store]=$(med "${stc[@]}")
    printf '%-28s median %6.2f s  (runs: %s)  CPU %6.2f s  peak RSS %6d MB\n' "scan --incident $views" "${MED[inc]}" \
        "${times[*]}" "${CPU[inc]}" $((rss / 1024))
    printf '%-28s median %6.2f s  (runs: %s)  CPU %6.2f s  (runs: %s)\n' "  the store in it" "${MED[store]}" \
        "${stw[*]}" "${CPU[store]}" "${stc[*]}"
    bytes=$(reg_bytes "$W/reg")
    cd "$W/reg"
    run "exposure --format csv $views" "$K" exposure 2018-0001 --format csv
    "$K" exposure 2018-0001 --format csv >"$W/exposure.csv"
    cd "$OLDPWD"
    check "exposure --format csv" "$truth" "$W/exposure.csv"
    notify="–"
    if [ "${BENCH_NOTIFY:-0}" = 1 ]; then
        awk -F, 'NR == 1 { print "subject,name,email,language,timezone,salutation"; next }
            { printf "%s,Person %d,p%d@mail.example,en,Europe/London,\n", $1, NR, NR }' "$truth" >"$W/subjects.csv"
        first=$(sed -n 2p "$truth" | cut -d, -f1)
        cd "$W/reg"
        "$K" subjects import 2018-0001 "$W/subjects.csv" >/dev/null
        "$K" assess 2018-0001 >/dev/null
        "$K" assess 2018-0001 --decide authority=yes,subjects=yes --by Bench --reason bench >/dev/null 2>&1
        run "notify --preview $views" "$K" notify 2018-0001 --preview "$first"
        run "notify --status $views" "$K" notify 2018-0001 --status
        cd "$OLDPWD"
        notify="see above"
    fi
    rows+=("$(awk -v p="$people" -v v="$views" -v sw="${MED["scan --csv $views"]}" -v sc="${CPU["scan --csv $views"]}" \
        -v iw="${MED[inc]}" -v ic="${CPU[inc]}" -v b="$bytes" -v ew="${MED["exposure --format csv $views"]}" \
        -v ec="${CPU["exposure --format csv $views"]}" -v rss="$rss" -v stw="${MED[store]}" -v stc="${CPU[store]}" 'BEGIN {
        if (stw < 0.001) stw = 0.001
        if (stc < 0.001) stc = 0.001
        printf "| %d (%d) | %.2f s (CPU %.2f s) | %.2f s (CPU %.2f s) | %.2f s (CPU %.2f s) | %.0f k/s (CPU %.0f k/s) | %.0f MB | %.0f | %.2f s (CPU %.2f s) | %.0f MB |",
            p, v, sw, sc, iw, ic, stw, stc, p / stw / 1000, p / stc / 1000, b / 1e6, b / p, ew, ec, rss / 1024 }')")
done
echo
echo "| people (pairs) | scan --csv | scan --incident | the store in it | people/s stored | register | bytes/person | exposure --format csv | peak RSS (--incident) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "(medians of $RUNS; load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
