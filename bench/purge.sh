#!/usr/bin/env bash
# bench/purge.sh — `klartext purge` of one closed incident with PEOPLE people and a notice for
# everyone with an e-mail address (every 50th has none).
#   bench/purge.sh [PEOPLE]         default 1020409: 1,000,001 notices
# Env: BENCH_RUNS (3), KLARTEXT (default build/klartext), BENCH_RUNDIR (where each run copies the
# register; default bench/out/purge/run). Works in bench/out/purge/ (git-ignored): once, a
# register of tests/fixtures.sh with PEOPLE generated people (scan, contact data, decision), the
# notices made by `notify --smtp` to a port where nothing listens (all are made first; none can be
# sent) and then cancelled, the filing, the incident closed and every retention period P0D. Each
# run copies it and times `klartext purge` (the purge's transaction, then the checkpoint and
# VACUUM), then checks what is left: no contact row, no exposure, every notice emptied, and that
# `klartext log verify` passes.
set -eu
cd "$(dirname "$0")/.."
N=${1:-1020409}
RUNS=${BENCH_RUNS:-3}
K=${KLARTEXT:-build/klartext}
case $K in /*) ;; *) K="$PWD/$K" ;; esac
OUT=$PWD/bench/out/purge
[ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
mkdir -p "$OUT"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
PY=/usr/bin/python3
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

base=$OUT/base-$N
if [ ! -f "$base/klartext.db" ]; then
    echo "setting up $N people and their notices in $base (once; about 15 minutes on a loaded 2-core machine) ..."
    rm -rf "$base" && mkdir -p "$base"
    (
        cd "$base"
        klartext() { "$K" "$@"; }
        . "$OLDPWD/tests/fixtures.sh"
        fixture_register "$N"
        "$K" notify 2018-0001 --approve --by Bench >/dev/null
        "$K" notify 2018-0001 --smtp "smtp://127.0.0.1:$(free_port)" >/dev/null 2>&1 || true
        "$K" notify 2018-0001 --cancel >/dev/null
        "$K" report 2018-0001 --filed --at 2018-11-22T09:30:00Z --ref Bench >/dev/null
        "$K" incident update 2018-0001 --status closed >/dev/null
        "$K" org set retention.contact_data=P0D retention.notices=P0D retention.exposures=P0D \
            retention.viewer_identities=P0D >/dev/null
        sqlite3 klartext.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    )
fi
q() { sqlite3 "$run/klartext.db" "$1"; }
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
run=${BENCH_RUNDIR:-$OUT/run}
echo "register: $(du -h "$base/klartext.db" | cut -f1), $(sqlite3 "$base/klartext.db" "SELECT count(*) FROM exposure") exposures," \
    "$(sqlite3 "$base/klartext.db" "SELECT count(*) FROM subject") contact rows, $(sqlite3 "$base/klartext.db" "SELECT count(*) FROM notice") notices"
times=()
for r in $(seq "$RUNS"); do
    rm -rf "$run" && mkdir -p "$run"
    cp "$base/klartext.db" "$base/klartext.key" "$base/klartext.pub" "$run/"
    sync
    t0=$(date +%s.%N)
    ( cd "$run" && /usr/bin/time -f '%U %S %M' -o "$OUT/cpu" "$K" purge >"$OUT/purge.out" )
    t1=$(date +%s.%N)
    secs=$(echo "$t1 - $t0" | bc -l)
    left="$(q "SELECT count(*) FROM subject") $(q "SELECT count(*) FROM exposure") $(q "SELECT count(*) FROM notice WHERE message_codec <> 'purged'")"
    [ "$left" = "0 0 0" ] || { echo "bench: left after the purge (contacts, exposures, notices): $left"; exit 1; }
    ( cd "$run" && "$K" log verify >/dev/null ) || { echo "bench: log verify failed after the purge"; exit 1; }
    read -r u s m <"$OUT/cpu"
    printf 'run %d: %.1f s (user %s s, system %s s, %d MB peak), register %s after (load %s)\n' "$r" "$secs" "$u" "$s" \
        $((m / 1024)) "$(du -h "$run/klartext.db" | cut -f1)" "$(cut -d' ' -f1 /proc/loadavg)"
    times+=("$secs")
done
grep '^Deleted' "$OUT/purge.out"
med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
printf 'median: %.1f s\n' "$med"
[ -z "${BENCH_RUNDIR:-}" ] || rm -rf "$run"
