#!/usr/bin/env bash
# bench/copy.sh — `klartext db copy` at a million people (issue 16, item 5).
#   bench/copy.sh [PEOPLE]        default 1000000
# Builds (once, in bench/out/copy/PEOPLE/, git-ignored) a SQLite register whose incident has PEOPLE
# exposed people (tests/fixtures.sh's gen_people: a scan, the contact data, an assessment and a
# decision) and a notice marked sent for each reachable person — the notice rows are written with
# SQL as in bench/reach.sh (a code hash, an empty message): making and signing a million real
# notices measures notify --out, not the copy. Then, on a throwaway PostgreSQL 15 cluster
# (tests/pg.sh, fsync off as in the tests), it times
#   1. db copy SQLite → PostgreSQL (a fresh database),
#   2. db copy PostgreSQL → SQLite (a new file),
#   3. for comparison, what a DBA would do for PostgreSQL → PostgreSQL: pg_dump -Fc | pg_restore
#      into a fresh database, and db copy PostgreSQL → PostgreSQL;
# and checks each copy: the same number of rows in every table and `exposure --format csv`
# byte-identical to the source's.
set -eu
cd "$(dirname "$0")/.."
SRC=$PWD
PEOPLE=${1:-1000000}
. tests/pg.sh
pg_available || { echo "bench: PostgreSQL 15 is not installed ($PG_BIN)"; exit 1; }
. bench/lib.sh
fixture_dir copy/$PEOPLE
if [ ! -s ready ]; then
    rm -rf ./*
    fixture_register "$PEOPLE" >/dev/null
    klartext notify 2018-0001 --approve --by "Bench" >/dev/null
    fake_sent_notices
    klartext exposure 2018-0001 --format csv >exposure.csv
    echo ok >ready
fi
tables=$(sqlite3 klartext.db "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
rows=$(for t in $tables; do sqlite3 klartext.db "SELECT count(*) FROM \"$t\""; done | paste -sd+ | bc)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); people $PEOPLE; $(du -m klartext.db | cut -f1) MB; rows $rows" \
    "(exposure $(sqlite3 klartext.db 'SELECT count(*) FROM exposure'), exposure_viewer" \
    "$(sqlite3 klartext.db 'SELECT count(*) FROM exposure_viewer'), subject $(sqlite3 klartext.db 'SELECT count(*) FROM subject')," \
    "notice $(sqlite3 klartext.db 'SELECT count(*) FROM notice'), outbox $(sqlite3 klartext.db 'SELECT count(*) FROM outbox'))"
pg_start
trap 'pg_stop' EXIT
timed() {  # timed CMD...: wall, CPU and peak RSS of CMD
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err" ||
        { echo "bench: $* failed"; cat "$OUT/.err"; exit 1; }
    tail -1 "$OUT/.time"
}
same() {  # same DB: rows of every table (the audit trail has the copies' entries more) and the export
    local t a b
    for t in $tables; do
        a=$(sqlite3 klartext.db "SELECT count(*) FROM \"$t\"")
        case $1 in postgresql://*) b=$(pg_sql "$1" "SELECT count(*) FROM \"$t\"") ;; *) b=$(sqlite3 "$1" "SELECT count(*) FROM \"$t\"") ;; esac
        [ "$t" = audit ] || [ "$a" = "$b" ] || { echo "bench: $t has $a rows, the copy $b"; exit 1; }
    done
    KLARTEXT_KEYS=$OUT "$K" --db "$1" exposure 2018-0001 --format csv | cmp - exposure.csv ||
        { echo "bench: the copy's exposure export differs"; exit 1; }
}
for run in 1 2; do
    U1=$(pg_newdb) U2=$(pg_newdb) U3=postgresql:///kt_restore_$run
    "$PG_BIN/psql" -qAtX -d postgres -c "CREATE DATABASE kt_restore_$run"
    rm -f back.db back.db-wal back.db-shm
    echo "run $run"
    echo "  db copy SQLite → PostgreSQL:      $(timed "$K" --db klartext.db db copy --to "$U1")"
    same "$U1"
    echo "  db copy PostgreSQL → SQLite:      $(timed "$K" --db "$U1" db copy --to back.db)"
    same back.db
    echo "  db copy PostgreSQL → PostgreSQL:  $(timed "$K" --db "$U1" db copy --to "$U2")"
    same "$U2"
    echo "  pg_dump -Fc | pg_restore (PG → PG): $(timed sh -c "'$PG_BIN/pg_dump' -Fc '$U1' | '$PG_BIN/pg_restore' --single-transaction -d '$U3'")"
    for u in "$U1" "$U2" "$U3"; do "$PG_BIN/psql" -qAtX -d postgres -c "DROP DATABASE ${u#postgresql:///}"; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
