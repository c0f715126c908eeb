#!/usr/bin/env bash
# bench/pg.sh — a register on PostgreSQL against one on SQLite, in the same run (issue 16):
#   store   `scan --incident` of bench/run.sh's log (bench/out/access-SIZE-1.log, made by bench/gen)
#           into a fresh register, the backends alternating run by run: the store timed within
#           each run (from the scan's summary on stderr to "Stored as …"), whose medians give
#           the verdict; also the fastest runs, and the difference of the medians of
#           `scan --incident` and `scan --csv` of the same log (wall time)
#   notify  `notify ID --out DIR` for PEOPLE people (tests/fixtures.sh's register, decided and
#           approved), every run from a copy of the prepared register (SQLite: the file;
#           PostgreSQL: CREATE DATABASE … TEMPLATE), the backends alternating run by run; wall
#           time, and CPU seconds of klartext and of the PostgreSQL server
#   serve   POST /verify under wrk (rate limit out of the way), a realistic mix from
#           bench/verify-mix.py: 90 % codes no notice has (guesses, typos, with and without an
#           address), 10 % right codes of the register's notices (half with their address), every
#           answer checked: one `serve` on the SQLite register against two `serve` processes on
#           the one PostgreSQL database, each with its own wrk at the same time (rates added).
#           BENCH_MIX=unknown posts only the one unknown code with an address (the old load).
#           Each run also prints the CPU per request (user + system time of the portals and of
#           every process of the PostgreSQL cluster during the wrk run, over the requests made;
#           the cluster's split into the portals' backends and the rest: autovacuum — also its
#           workers that ended meanwhile —, WAL writer, checkpointer, postmaster).
# and prints each ratio PostgreSQL / SQLite against the targets of issue 16: store and notify
# >= 0.5, two serve on PostgreSQL >= one on SQLite.
#   bench/pg.sh [SIZE] [PEOPLE]        default: 2G 100000
# Env: BENCH_RUNS (3), KLARTEXT (build/klartext), BENCH_SECS (wrk seconds per run, 10),
# BENCH_STORE_RUNS (stores per backend, 7), BENCH_ONLY (store, notify or serve: that part alone),
# BENCH_CONNS (wrk connections in all, 64),
# BENCH_MIX (mixed or unknown: the serve load, above).
# The PostgreSQL 15 cluster is a throwaway one (tests/pg.sh: initdb + pg_ctl as an unprivileged
# user, a Unix socket in its own directory under /tmp) with the server's own durability
# (fsync and synchronous_commit on, as SQLite's register commits durably) and shared_buffers
# 256MB; it is stopped at the end. Works in bench/out/pg/ (git-ignored). Run it under
# `nice -n 10` on a shared machine and give the load average it prints.
set -eu
cd "$(dirname "$0")/.."
SRC=$PWD
SIZE=${1:-2G}
N=${2:-100000}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECS:-10}
CONNS=${BENCH_CONNS:-64}
ONLY=${BENCH_ONLY:-}
K=${KLARTEXT:-build/klartext}
case $K in /*) ;; *) K="$PWD/$K" ;; esac
OUT=$PWD/bench/out
W=$OUT/pg
[ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (apt-get install time)"; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)"; exit 1; }
. tests/pg.sh
pg_available || { echo "bench: PostgreSQL 15 is not installed ($PG_BIN; apt-get install postgresql-15)"; exit 1; }
mkdir -p "$W"
. bench/lib.sh
export KLARTEXT_NOW=2018-11-22T10:00:00Z
unset KLARTEXT_DB KLARTEXT_KEYS
RULE=$PWD/bench/profile.rule
spids=()
cleanup() {
    local p
    for p in "${spids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${spids[@]}"; do wait "$p" 2>/dev/null || true; done
    pg_stop
}
PG_SERVER_OPTS="-c max_connections=60 -c shared_buffers=256MB"
pg_start || exit 1
trap cleanup EXIT
med() { sort -g | sed -n "$(((RUNS + 1) / 2))p"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "target met" : "TARGET MISSED") }'; }
newdb() { pg_newdb; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load $(load)"
echo "klartext: $K; PostgreSQL: $("$PG_BIN/postgres" --version); $RUNS runs each, medians"
declare -A R   # R[part.backend]: rate

# ---------------------------------------------------------------- store
fresh() {  # fresh DIR [URL]: an empty register with incident 2018-0001 (keys in DIR)
    rm -rf "$1" && mkdir -p "$1"
    (cd "$1" && if [ -n "${2:-}" ]; then export KLARTEXT_DB=$2; fi && "$K" init >/dev/null 2>&1 &&
        "$K" incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null)
}
# the CPU the cluster has used, in clock ticks: the postmaster's own and its waited-for children's
# (every backend that has ended) and its living children's
pg_cpu() {
    local pm t c
    pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat")
    for c in $(pgrep -P "$pm"); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0))); done
    echo "$t"
}
# wait (5 s at most) until the backend of database NAME has ended and the postmaster has reaped
# it: until then its CPU is in neither of pg_cpu's sums
pg_reaped() {
    local pm _
    [ -n "$1" ] || return 0
    pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    for _ in $(seq 50); do pgrep -P "$pm" -f "$1" >/dev/null || return 0; sleep 0.1; done
}
if [ -z "$ONLY" ] || [ "$ONLY" = store ]; then
    log=$OUT/access-$SIZE-1.log
    truth=$OUT/access-$SIZE-1.truth.csv
    if ! [ -f "$log" ] || ! [ -f "$truth" ]; then
        cc -O2 -o "$OUT/gen" bench/gen.c
        "$OUT/gen" --size "$SIZE" --seed 1 --out "$log" --truth "$truth"
    fi
    people=$(($(wc -l <"$truth") - 1))
    echo "--- store: $log ($(du -hL "$log" | cut -f1)), $people people; load $(load)"
    cat "$log" >/dev/null   # the page cache
    run "scan --csv" "$K" scan --no-progress --rule "$RULE" --csv "$W/scan.csv" "$log"
    check "scan --csv" "$truth" "$W/scan.csv"
    # The verdict is the store itself, timed in each run: scan --incident writes its summary to
    # stderr just before the store's transaction begins and "Stored as scan version …" after it
    # committed and analyzed what it wrote (the command's own account of its store phase; each
    # stderr line is stamped as it arrives), so the 1–3 s of scanning the log, whose noise on a
    # loaded machine is larger than the whole store, stays out of it. The backends alternate run
    # by run (a fresh register each time), so a spell of load falls on both; STORE_RUNS runs each
    # (BENCH_STORE_RUNS, 7 by default: a store of the 2 GB scan is 0.1–0.6 s), the ratio of the
    # medians is the verdict, the ratio of the fastest runs is printed beside it. The difference
    # of the medians of scan --incident and scan --csv (wall time) is printed too, as before.
    # Beside the wall time, the CPU of each store, which the load moves less: klartext's own for
    # its store phase when "Stored as …" gives it ("CPU C s"), and on PostgreSQL the cluster's
    # (pg_cpu, from before the scan until its backend was reaped: the store's statements, the
    # WAL writer's and the ANALYZE after it).
    STORE_RUNS=${BENCH_STORE_RUNS:-7}
    tick=$(getconf CLK_TCK)
    stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
    declare -A times owns urls kcpu scpu
    for i in $(seq "$STORE_RUNS"); do
        for b in sqlite pg; do
            [ -n "${urls[$b]:-}" ] && pg_sql postgres "DROP DATABASE ${urls[$b]##*/}" >/dev/null
            urls[$b]=; [ $b = pg ] && urls[$b]=$(newdb)
            url=${urls[$b]}
            fresh "$W/reg-$b" "$url"
            [ $b = pg ] && c0=$(pg_cpu)
            (cd "$W/reg-$b" && if [ -n "$url" ]; then export KLARTEXT_DB=$url; fi &&
                /usr/bin/time -f "%e" -o "$W/.time" "$K" scan --no-progress --rule "$RULE" --incident 2018-0001 "$log" \
                    2>&1 >/dev/null | stamp >"$W/.err"; exit "${PIPESTATUS[0]}") ||
                { echo "bench: scan --incident ($b) failed:"; cat "$W/.err"; exit 1; }
            times[$b]+="$(cat "$W/.time") "
            owns[$b]+="$(awk '/ Stored as scan version / { printf "%.3f", $1 - prev; exit } { prev = $1 }' "$W/.err") "
            kcpu[$b]+="$(sed -n 's/.* Stored as scan version .*, CPU \([0-9.]*\) s).*/\1/p' "$W/.err") "
            if [ $b = pg ]; then
                pg_reaped "${url##*/}"
                scpu[$b]+="$(awk -v a="$c0" -v b="$(pg_cpu)" -v t="$tick" 'BEGIN { printf "%.2f", (b - a) / t }') "
            fi
        done
        printf 'run %d of %d: the store  SQLite %s s  PostgreSQL %s s; load %s\n' "$i" "$STORE_RUNS" \
            "$(echo ${owns[sqlite]} | awk '{ print $NF }')" "$(echo ${owns[pg]} | awk '{ print $NF }')" "$(load)"
    done
    smed() { tr ' ' '\n' | grep . | sort -g | sed -n "$(((STORE_RUNS + 1) / 2))p"; }
    for b in sqlite pg; do
        url=${urls[$b]}
        own=$(echo ${owns[$b]} | smed)
        best=$(echo ${owns[$b]} | tr ' ' '\n' | grep . | sort -g | head -1)
        R[own.$b]=$(awk -v p="$people" -v s="$own" 'BEGIN { printf "%.0f", (s > 0 ? p / s : 0) }')
        R[best.$b]=$(awk -v p="$people" -v s="$best" 'BEGIN { printf "%.0f", (s > 0 ? p / s : 0) }')
        printf '%-8s the store timed in each run, median %5.3f s (runs: %s) = %s people/s; fastest %5.3f s = %s people/s\n' \
            "$b" "$own" "${owns[$b]% }" "${R[own.$b]}" "$best" "${R[best.$b]}"
        kc=$(echo ${kcpu[$b]:-} | smed); sc=$(echo ${scpu[$b]:-} | smed)
        [ -n "$kc" ] && printf '%-8s the store'\''s CPU in klartext, median %5.2f s (runs: %s)\n' "$b" "$kc" "${kcpu[$b]% }"
        [ -n "$sc" ] && printf '%-8s the server'\''s CPU per store, median %5.2f s (runs: %s)\n' "$b" "$sc" "${scpu[$b]% }"
        R[cpu.$b]=$(awk -v k="${kc:-0}" -v s="${sc:-0}" 'BEGIN { printf "%.2f", k + s }')
        (cd "$W/reg-$b" && if [ -n "$url" ]; then export KLARTEXT_DB=$url; fi && "$K" exposure 2018-0001 --format csv >"$W/exposure.csv")
        check "exposure --format csv ($b)" "$truth" "$W/exposure.csv"
        m=$(echo ${times[$b]} | smed)
        store=$(awk -v a="$m" -v b="${MED[scan --csv]}" 'BEGIN { printf "%.2f", a - b }')
        R[store.$b]=$(awk -v p="$people" -v s="$store" 'BEGIN { printf "%.0f", (s > 0 ? p / s : 0) }')
        R[scan.$b]=$m
        printf '%-8s scan --incident median %6.2f s (runs: %s); minus scan --csv: %5.2f s = %s people/s\n' "$b" "$m" \
            "${times[$b]% }" "$store" "${R[store.$b]}"
        [ -n "$url" ] && pg_sql postgres "DROP DATABASE ${url##*/}" >/dev/null
    done
    url=
fi

# ---------------------------------------------------------------- notify --out
if [ -z "$ONLY" ] || [ "$ONLY" = notify ] || [ "$ONLY" = serve ]; then
    made=$((N - N / 50))
    base=$W/base-$N
    echo "--- notify --out: $N people ($made notices); setting up both registers; load $(load)"
    for b in sqlite pg; do
        rm -rf "$base.$b" && mkdir -p "$base.$b"
        (
            cd "$base.$b"
            if [ $b = pg ]; then KLARTEXT_DB=$(newdb) && export KLARTEXT_DB && echo "$KLARTEXT_DB" >url; fi
            klartext() { "$K" "$@"; }
            PY=/usr/bin/python3
            . "$SRC/tests/fixtures.sh"
            fixture_register "$N" salutations
            "$K" notify 2018-0001 --approve --by Bench >/dev/null
        ) || { echo "bench: the $b register could not be made"; exit 1; }
    done
    BASEURL=$(cat "$base.pg/url")
fi
if [ -z "$ONLY" ] || [ "$ONLY" = notify ]; then
    # the backends alternate run by run, so that both see the same load; wall time, and the CPU of
    # klartext (all threads) and of the PostgreSQL server (its backend, WAL writer, checkpointer)
    declare -A rates cpus
    tick=$(getconf CLK_TCK)
    for i in $(seq "$RUNS"); do
        for b in sqlite pg; do
            run=$W/run && rm -rf "$run" && mkdir -p "$run"
            cp "$base.$b/klartext.key" "$base.$b/klartext.pub" "$run/"
            url=
            if [ $b = pg ]; then
                url=${BASEURL}_r$i && pg_sql postgres "CREATE DATABASE ${url##*/} TEMPLATE ${BASEURL##*/}" >/dev/null
            else cp "$base.$b/klartext.db" "$run/"; fi
            sync
            c0=$(pg_cpu)
            t0=$(date +%s.%N)
            (cd "$run" && if [ -n "$url" ]; then export KLARTEXT_DB=$url; fi &&
                /usr/bin/time -f "%U %S" -o "$W/.time" "$K" notify 2018-0001 --out notices >/dev/null 2>"$W/.err") ||
                { echo "bench: notify --out ($b) failed:"; cat "$W/.err"; exit 1; }
            t1=$(date +%s.%N)
            pg_reaped "${url##*/}"
            c1=$(pg_cpu)
            files=$(ls "$run/notices" | wc -l)
            [ "$files" = "$made" ] || { echo "bench: $files files written ($b), expected $made"; exit 1; }
            rate=$(awk -v n="$made" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.0f", n / (z - a) }')
            srv=0; [ $b = pg ] && srv=$(awk -v c=$((c1 - c0)) -v t="$tick" 'BEGIN { printf "%.2f", c / t }')
            cpu=$(awk -v s="$srv" '{ printf "%.2f", $1 + $2 + s }' "$W/.time")
            rates[$b]="${rates[$b]:-} $rate" cpus[$b]="${cpus[$b]:-} $cpu"
            printf 'run %d %-7s notify --out: %6s notices/s, CPU %6.2f s (klartext %s, server %s); load %s\n' "$i" "$b" \
                "$rate" "$cpu" "$(awk '{ printf "%.2f", $1 + $2 }' "$W/.time")" "$srv" "$(load)"
            [ -n "$url" ] && pg_sql postgres "DROP DATABASE ${url##*/}" >/dev/null
        done
    done
    for b in sqlite pg; do
        R[notify.$b]=$(printf '%s\n' ${rates[$b]} | med)
        R[ncpu.$b]=$(printf '%s\n' ${cpus[$b]} | med)
        printf '%-8s notify --out: median %s notices/s (runs:%s), median CPU %s s (runs:%s)\n' "$b" "${R[notify.$b]}" \
            "${rates[$b]}" "${R[ncpu.$b]}" "${cpus[$b]}"
    done
fi

# ---------------------------------------------------------------- serve
serve_start() {  # serve_start DIR [URL]: a portal; its URL in SURL
    local log=$W/serve.$RANDOM.log
    : >"$log"
    (cd "$1" && if [ -n "${2:-}" ]; then export KLARTEXT_DB=$2; fi &&
        exec "$K" serve --listen 127.0.0.1:0 --rate-limit 100000000/min --access-log off ${SERVE_OPTS:-} 2>"$log") &
    spids+=($!)
    for _ in $(seq 100); do
        SURL=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)
        [ -n "$SURL" ] && curl -s -o /dev/null "$SURL/" && return 0
        sleep 0.1
    done
    cat "$log"; return 1
}
wrk_rate() {  # wrk_rate URL THREADS CONNS OUT LUA: requests/s into OUT (non-2xx or a wrong answer fail the run)
    wrk -t"$2" -c"$3" -d"${SECS}s" -s "$5" "$1/verify" >"$4.txt"
    if grep -q "Non-2xx\|Socket errors: connect [1-9]\|read [1-9]\|write [1-9]\|^mix: .*, [1-9][0-9]* bad" "$4.txt"; then
        echo "bench: errors under load:"; cat "$4.txt"; exit 1
    fi
    grep "Socket errors" "$4.txt" || true   # timeouts (2 s) are counted, not errors: a loaded machine
    grep "^mix:" "$4.txt" || true
    sed -n 's/^Requests\/sec: *//p' "$4.txt" >"$4"
}
# CPU time (user + system, clock ticks) of processes, to give the CPU each request cost: a
# portal's, and the PostgreSQL server's (every process of the cluster: backends, writers)
declare -A C0 C1
HZ=$(getconf CLK_TCK)
cpu_snap() {  # cpu_snap NAME PID...: ticks of each PID into the associative array NAME
    local -n m=$1
    shift
    m=()
    local p
    for p in "$@"; do [ -r "/proc/$p/stat" ] && m[$p]=$(awk '{ print $14 + $15 }' "/proc/$p/stat"); done
    return 0
}
cpu_used() {  # cpu_used BEFORE AFTER: ticks used in between (a process new in AFTER counts whole)
    local -n b=$1 a=$2
    local p t=0
    for p in "${!a[@]}"; do t=$((t + a[$p] - ${b[$p]:-0})); done
    echo $t
}
pg_pids() { ps -o pid= --ppid "$(head -1 "$PG_DIR/data/postmaster.pid")"; head -1 "$PG_DIR/data/postmaster.pid"; }
# ticks of the cluster's processes that ended (reaped by the postmaster: autovacuum workers)
pg_reaped_ticks() { awk '{ print $16 + $17 }' "/proc/$(head -1 "$PG_DIR/data/postmaster.pid")/stat"; }
backend_ticks() {  # backend_ticks BEFORE AFTER DB: the ticks of AFTER's processes that are DB's backends
    local -n b=$1 a=$2
    local p t=0
    for p in "${!a[@]}"; do
        case "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in "postgres: klartext $3 "*) t=$((t + a[$p] - ${b[$p]:-0})) ;; esac
    done
    echo $t
}
requests() { cat "$@" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' | awk '{ s += $1 } END { print s }'; }
us_per() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }'; }
if [ -z "$ONLY" ] || [ "$ONLY" = serve ]; then
    MIX=${BENCH_MIX:-mixed}
    # the portals' registers: copies of the prepared ones, with the notices made (notify --out)
    for b in sqlite pg; do
        d=$W/srv.$b && rm -rf "$d" && mkdir -p "$d" && cp "$base.$b"/klartext.key "$base.$b"/klartext.pub "$d/"
        if [ $b = pg ]; then
            SRVURL=${BASEURL}_srv && { pg_sql postgres "DROP DATABASE IF EXISTS ${SRVURL##*/}" >/dev/null 2>&1 || true; } &&
                pg_sql postgres "CREATE DATABASE ${SRVURL##*/} TEMPLATE ${BASEURL##*/}" >/dev/null
        else cp "$base.$b/klartext.db" "$d/"; fi
        (cd "$d" && if [ $b = pg ]; then export KLARTEXT_DB=$SRVURL; fi && "$K" notify 2018-0001 --out notices >/dev/null 2>"$W/.err") ||
            { echo "bench: notify --out for the portal ($b) failed:"; cat "$W/.err"; exit 1; }
        if [ "$MIX" = unknown ]; then
            printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' \
                'code=7777-7777-7777-7777&email=someone%40example.org&lang=en' >"$d/post.lua"
        else /usr/bin/python3 bench/verify-mix.py "$d/notices" "$d/post.lua" || exit 1; fi
    done
    echo "--- serve: POST /verify ($MIX), wrk ${SECS} s, $CONNS connections in all; $(ls "$W/srv.sqlite/notices" | wc -l) notices; load $(load)"
    sq=() pg=()
    for i in $(seq "$RUNS"); do
        serve_start "$W/srv.sqlite"
        [ "$MIX" = unknown ] || /usr/bin/python3 bench/verify-mix.py "$W/srv.sqlite/notices" - --check "$SURL" || exit 1
        cpu_snap C0 "${spids[-1]}"
        wrk_rate "$SURL" 2 "$CONNS" "$W/w.sq" "$W/srv.sqlite/post.lua"
        cpu_snap C1 "${spids[-1]}"
        sqcpu=$(us_per "$(cpu_used C0 C1)" "$(requests "$W/w.sq.txt")")
        kill -TERM "${spids[-1]}"; wait "${spids[-1]}" || true; unset 'spids[-1]'
        sq+=("$(cat "$W/w.sq")")
        serve_start "$W/srv.pg" "$SRVURL"; u1=$SURL
        serve_start "$W/srv.pg" "$SRVURL"; u2=$SURL
        if [ "$MIX" != unknown ]; then
            /usr/bin/python3 bench/verify-mix.py "$W/srv.pg/notices" - --check "$u1" &&
                /usr/bin/python3 bench/verify-mix.py "$W/srv.pg/notices" - --check "$u2" || exit 1
        fi
        declare -A P0 P1
        cpu_snap C0 "${spids[-1]}" "${spids[-2]}"
        cpu_snap P0 $(pg_pids)
        r0=$(pg_reaped_ticks)
        wrk_rate "$u1" 1 $((CONNS / 2)) "$W/w.pg1" "$W/srv.pg/post.lua" & w1=$!
        wrk_rate "$u2" 1 $((CONNS / 2)) "$W/w.pg2" "$W/srv.pg/post.lua" & w2=$!
        wait $w1 && wait $w2
        cpu_snap C1 "${spids[-1]}" "${spids[-2]}"
        cpu_snap P1 $(pg_pids)
        r1=$(pg_reaped_ticks)
        n=$(requests "$W/w.pg1.txt" "$W/w.pg2.txt")
        bet=$(backend_ticks P0 P1 "${SRVURL##*/}")
        pgcpu=$(us_per "$(cpu_used C0 C1)" "$n") srvcpu=$(us_per "$(($(cpu_used P0 P1) + r1 - r0))" "$n")
        becpu=$(us_per "$bet" "$n") bgcpu=$(us_per "$(($(cpu_used P0 P1) + r1 - r0 - bet))" "$n")
        for _ in 1 2; do kill -TERM "${spids[-1]}"; wait "${spids[-1]}" || true; unset 'spids[-1]'; done
        pg+=("$(awk '{ s += $1 } END { printf "%.0f", s }' "$W/w.pg1" "$W/w.pg2")")
        printf 'run %d: one serve on SQLite %.0f requests/s; two serve on PostgreSQL %s + %s = %s requests/s; load %s\n' "$i" \
            "${sq[-1]}" "$(cat "$W/w.pg1")" "$(cat "$W/w.pg2")" "${pg[-1]}" "$(load)"
        printf '       CPU per request: SQLite %s us (serve); PostgreSQL %s us (serve %s + server %s: the portals'"'"' backends %s, the rest %s)\n' \
            "$sqcpu" "$((pgcpu + srvcpu))" "$pgcpu" "$srvcpu" "$becpu" "$bgcpu"
    done
    R[serve.sqlite]=$(printf '%.0f\n' "${sq[@]}" | med)
    R[serve.pg]=$(printf '%s\n' "${pg[@]}" | med)
fi

# ---------------------------------------------------------------- the table
echo "--- PostgreSQL / SQLite (load $(load))"
printf '%-46s %12s %12s %7s  %s\n' "" "SQLite" "PostgreSQL" "ratio" "target"
if [ -n "${R[own.pg]:-}" ]; then
    r=$(ratio "${R[own.pg]}" "${R[own.sqlite]}")
    printf '%-46s %12s %12s %7s  >= 0.50: %s\n' "store, people/s (timed in each run: the verdict)" \
        "${R[own.sqlite]}" "${R[own.pg]}" "$r" "$(verdict "$r" 0.5)"
    r=$(ratio "${R[best.pg]}" "${R[best.sqlite]}")
    printf '%-46s %12s %12s %7s\n' "store, people/s (the fastest run of each)" "${R[best.sqlite]}" "${R[best.pg]}" "$r"
    r=$(ratio "${R[store.pg]}" "${R[store.sqlite]}")
    printf '%-46s %12s %12s %7s\n' "store, people/s (scan --incident - scan --csv)" "${R[store.sqlite]}" "${R[store.pg]}" "$r"
    if [ -n "$(echo ${kcpu[sqlite]:-})" ]; then
        r=$(ratio "${R[cpu.sqlite]}" "${R[cpu.pg]}")
        printf '%-46s %12s %12s %7s  (CPU: SQLite / PostgreSQL)\n' "store, CPU seconds (klartext + server)" \
            "${R[cpu.sqlite]}" "${R[cpu.pg]}" "$r"
    fi
fi
if [ -n "${R[notify.pg]:-}" ]; then
    r=$(ratio "${R[notify.pg]}" "${R[notify.sqlite]}")
    printf '%-46s %12s %12s %7s  >= 0.50: %s\n' "notify --out, notices/s" "${R[notify.sqlite]}" "${R[notify.pg]}" "$r" \
        "$(verdict "$r" 0.5)"
    r=$(ratio "${R[ncpu.sqlite]}" "${R[ncpu.pg]}")
    printf '%-46s %12s %12s %7s  (CPU: SQLite / PostgreSQL)\n' "notify --out, CPU seconds (klartext + server)" \
        "${R[ncpu.sqlite]}" "${R[ncpu.pg]}" "$r"
fi
if [ -n "${R[serve.pg]:-}" ]; then
    r=$(ratio "${R[serve.pg]}" "${R[serve.sqlite]}")
    printf '%-46s %12s %12s %7s  >= 1.00: %s\n' "POST /verify ($MIX), requests/s (1 serve / 2 serve)" "${R[serve.sqlite]}" \
        "${R[serve.pg]}" "$r" "$(verdict "$r" 1)"
fi
