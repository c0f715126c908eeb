# tests/cli/lib.sh — git t/-style helpers for command-line tests. Source it first:
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'title' 'commands'       # passes when the commands exit 0
#   test_expect_code 2 'title' 'commands'         # passes when they exit with that code
#   test_done
# Each script runs in a fresh trash directory ($TRASH, removed at the end unless it failed
# and KEEP_TRASH=1). $KLARTEXT is the binary under test; `klartext` is a function calling it.
# KLARTEXT_NOW is fixed so that output is deterministic. Output is TAP.
set -u
: "${KLARTEXT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build-asan/klartext}"
export KLARTEXT
TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$TEST_DIR/../.." && pwd)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/klartext-t.XXXXXX")
cd "$TRASH" || exit 1
export HOME="$TRASH"
export KLARTEXT_NOW=${KLARTEXT_NOW:-2026-11-21T10:00:00Z}
unset KLARTEXT_DB KLARTEXT_REGIME KLARTEXT_KEYS
# KLARTEXT_TEST_DB=pg: the register a test makes without --db (klartext.db) is a fresh database
# on a throwaway PostgreSQL cluster instead (tests/pg.sh; the cluster of tests/run when it
# started one, else the script's own); its key files are in the current directory (the trash).
# A test that needs the SQLite file itself (sqlite3, a damaged file) checks test_on_pg.
test_on_pg() { [ "${KLARTEXT_TEST_DB:-sqlite}" = pg ]; }
if test_on_pg; then
    . "$TEST_DIR/../pg.sh"
    if [ -z "${PGHOST:-}" ] || ! [ -S "$PGHOST/.s.PGSQL.${PGPORT:-5432}" ]; then pg_start || exit 1; fi
    KLARTEXT_DB=$(pg_newdb) || exit 1
    export KLARTEXT_DB
fi
export LC_ALL=C.UTF-8
test_count=0 test_failures=0

klartext() { "$KLARTEXT" "$@"; }

say_result() {  # say_result OK TITLE
    test_count=$((test_count + 1))
    if [ "$1" = 0 ]; then echo "ok $test_count - $2"
    else test_failures=$((test_failures + 1)); echo "not ok $test_count - $2"
         sed 's/^/#   /' "$TRASH/.out" | tail -40
    fi
}
# sqlite_only REASON: the next test needs the SQLite file itself (sqlite3 on it, a damaged file);
# on PostgreSQL it is reported as skipped with the reason. skip_next REASON: the next test is
# reported as skipped with the reason (never dropped without a word)
SKIP_NEXT=''
sqlite_only() { if test_on_pg; then SKIP_NEXT="on PostgreSQL: $1"; fi; }
skip_next() { SKIP_NEXT=$1; }
skipped() {  # skipped TITLE: 0 when the test is skipped (and says so)
    [ -n "$SKIP_NEXT" ] || return 1
    test_count=$((test_count + 1)); echo "ok $test_count - $1 # SKIP $SKIP_NEXT"; SKIP_NEXT=''
}
test_expect_success() {  # TITLE SCRIPT
    skipped "$1" && return 0
    ( eval "$2" ) >"$TRASH/.out" 2>&1; local rc=$?
    [ $rc -eq 0 ] || echo "(exit $rc)" >>"$TRASH/.out"
    say_result $rc "$1"
}
test_expect_code() {  # CODE TITLE SCRIPT
    skipped "$2" && return 0
    ( eval "$3" ) >"$TRASH/.out" 2>&1; local rc=$?
    if [ $rc -eq "$1" ]; then say_result 0 "$2"
    else echo "(exit $rc, expected $1)" >>"$TRASH/.out"; say_result 1 "$2"; fi
}
# check that a file contains a fixed string / regex
grep_q()  { grep -q -- "$@" || { echo "expected to find '$1' in ${2:-stdin}:"; cat "${2:-/dev/stdin}" 2>/dev/null | head -40; return 1; }; }
not_grep_q() { if grep -q -- "$@"; then echo "did not expect '$1' in ${2:-stdin}"; return 1; fi; }
# a line a server writes when a request is done, which may be after the client has its answer:
# wait for it (5 s at most), then as grep_q
# start_server LOG [OPTION...]: `klartext serve` on a free port of 127.0.0.1 (its standard error
# in LOG) with the options; once it answers, PID and URL are set and PID is added to PIDS. When it
# does not come up (10 s, or it exits): LOG shown, 1. stop_server: SIGTERM to PID, its exit code.
PID='' PIDS=()
start_server() {
    "$KLARTEXT" serve --listen 127.0.0.1:0 "${@:2}" 2>"$1" &
    PID=$!
    PIDS+=("$PID")
    local _
    for _ in $(seq 100); do
        URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$1" | head -1)
        [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$1"; return 1
}
stop_server() { kill -TERM "$PID" 2>/dev/null; wait "$PID"; }
wait_grep() {
    for _ in $(seq 50); do grep -q -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
    grep_q "$1" "$2"
}
# reg_sql SQL: run SQL on the test's register (sqlite3 klartext.db, or psql on the PostgreSQL
# database: there "..." string literals, as the tests write them inside their single quotes,
# become '...', and group_concat/hex exist as in SQLite, pg_newdb makes them)
# (".backup FILE" and ".restore FILE" are pg_dump and pg_restore there; a PRAGMA does nothing)
reg_sql() {
    if ! test_on_pg; then sqlite3 klartext.db "$1"; return; fi
    case "$1" in
    ".backup "*) "$PG_BIN/pg_dump" -Fc -f "${1#.backup }" "$KLARTEXT_DB" ;;
    # into an emptied schema: pg_restore --clean cannot drop the primary key of a partition of
    # exposure (schema step 15: "cannot drop inherited constraint"), so the schema goes first
    ".restore "*) { echo "DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION pg_database_owner;
                          GRANT USAGE ON SCHEMA public TO PUBLIC;"; "$PG_BIN/pg_restore" -f - "${1#.restore }"; } |
        "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 --single-transaction -d "$KLARTEXT_DB" >/dev/null ;;
    PRAGMA*) ;;
    *) "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -d "$KLARTEXT_DB" -c "$(printf '%s' "$1" | tr '"' "'")" ;;
    esac
}
# dump a register's content for before/after comparisons
# (on PostgreSQL the test's database, its rows in pg_dump's order; not the identity counters, which
# a rolled-back transaction advances too, nor pg_dump's random \restrict key)
db_dump() {
    if test_on_pg && [ -z "${1:-}" ]; then
        "$PG_BIN/pg_dump" --data-only --no-owner "$KLARTEXT_DB" 2>/dev/null |
            grep -v -e "^SELECT pg_catalog.setval" -e "^.restrict " -e "^.unrestrict "; else
        sqlite3 "${1:-klartext.db}" .dump; fi
}
test_done() {
    echo "1..$test_count"
    if declare -F pg_stop >/dev/null; then pg_stop; fi   # a cluster of this script's own (tests/pg.sh)
    if [ "$test_failures" -eq 0 ] || [ "${KEEP_TRASH:-0}" != 1 ]; then rm -rf "$TRASH"; fi
    [ "$test_failures" -eq 0 ]
}
