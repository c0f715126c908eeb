#!/usr/bin/env bash
# t0066 — streamed results on PostgreSQL (db_stream: libpq's single-row mode, so that a read of
# every person, e.g. `exposure --format csv`, never holds the whole result): the unit tests of
# tests/unit/test_db_stream.c on a database of a throwaway cluster (all rows in order; another
# statement in the middle makes the next step fail rather than end early; a reset or an error in
# the middle leaves the connection usable; inside a transaction), and `exposure --format csv` of a
# register on PostgreSQL byte for byte as from SQLite.
# postgresql: this suite is about PostgreSQL and names its registers itself (SQLite and PostgreSQL)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fixtures.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite
UNIT=$(dirname "$KLARTEXT")/tests/test_db_stream

test_expect_success 'the streaming unit tests pass on a real database' '
    [ -x "$UNIT" ] && KLARTEXT_TEST_PG_URL=$(pg_newdb) "$UNIT" >out; rc=$?; cat out;
    [ $rc = 0 ] && grep -c "^ok" out | grep_q 4 && not_grep_q "not ok" out
'
test_expect_success 'exposure --format csv and json, streamed on PostgreSQL, as from SQLite' '
    mkdir sq pg && (cd sq && fixture_register 3000) && (cd pg && KLARTEXT_DB=$(pg_newdb) && export KLARTEXT_DB &&
        fixture_register 3000 && echo "$KLARTEXT_DB" >url) &&
    for f in csv json; do
        (cd sq && klartext exposure 2018-0001 --format $f) >a.$f &&
        (cd pg && KLARTEXT_DB=$(cat url) klartext exposure 2018-0001 --format $f) >b.$f &&
        [ "$(wc -l <a.$f)" -gt 3000 ] && cmp a.$f b.$f || exit 1
    done
'
test_done
