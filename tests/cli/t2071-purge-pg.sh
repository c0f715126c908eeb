#!/usr/bin/env bash
# t2071 — purge on PostgreSQL (issue 16): the same purge as on SQLite (t2070) in a register on a
# throwaway PostgreSQL 15 cluster: the contact rows, exposures and notices' personal columns are
# gone from the tables, the log and the audit chain verify, the report keeps its counts; and
# then VACUUM FULL has rewritten every table the purge changed (new files), so that a purged
# name is in none of the database's table files any more (it was before: the check can fail),
# also when a reader's snapshot from before the purge still existed as it began (the purge waits),
# pg_statistic's included after a plain ANALYZE of every column (schema step 16: personal
# columns have a statistics target of 0, so autovacuum's ANALYZE gathers none of their values).
# What stays in the WAL and in backups is the administrator's (docs/retention.md "PostgreSQL").
# postgresql: this suite is about PostgreSQL (t2070 checks the purge of a SQLite file)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
KLARTEXT_TEST_DB=sqlite   # the register is named below
if ! pg_available; then
    echo "# PostgreSQL 15 is not installed ($PG_BIN): ./run deps test installs postgresql-15"
    test_expect_success 'PostgreSQL 15 server binaries are installed' 'false'
    test_done; exit
fi
if [ -z "${PGHOST:-}" ] || ! [ -S "$PGHOST/.s.PGSQL.${PGPORT:-5432}" ]; then pg_start || exit 1; fi
trap 'stop_servers; pg_stop' EXIT
KLARTEXT_DB=$(pg_newdb) && export KLARTEXT_DB || exit 1
export KLARTEXT_NOW=2018-11-22T10:00:00Z
fixture_register && use_test_key || exit 1
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
klartext notify 2018-0001 --out out >/dev/null 2>&1
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-1" >/dev/null
KLARTEXT_NOW=2018-11-23T10:00:00Z klartext incident update 2018-0001 --status closed >/dev/null
export KLARTEXT_NOW=2023-01-01T10:00:00Z
NAME=$(sed -n 2p subjects.csv | cut -d, -f2)   # a person's name, in the contact rows only
TABLES="'subject','notice','notice_event','exposure','exposure_viewer'"
# the tables' files: exposure's are its partitions' (one per scan version, schema step 15)
nodes() { pg_sql "$KLARTEXT_DB" "SELECT relname || ' ' || relfilenode FROM pg_class WHERE relkind = 'r' AND (relname IN ($TABLES)
    OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'exposure'::regclass)) ORDER BY 1"; }
# the database's table files (the server runs as another user; root may read them)
DBDIR="$(pg_sql "$KLARTEXT_DB" "SHOW data_directory")/base/$(pg_sql "$KLARTEXT_DB" "SELECT oid FROM pg_database WHERE datname = current_database()")"
in_files() { grep -rlaF -- "$1" "$DBDIR" 2>/dev/null | head -3; }
EMAIL=$(sed -n 2p subjects.csv | cut -d, -f3)  # their address
# autovacuum's ANALYZE reads every column whose statistics target is not 0 (schema step 16 sets
# 0 for every personal one): run it as autovacuum would, on every table
pg_sql "$KLARTEXT_DB" "ANALYZE" >/dev/null
pg_sql "$KLARTEXT_DB" "CHECKPOINT" >/dev/null   # the rows in the table files, not only in the WAL
# the statistics' values that hold $1, and the personal columns that have statistics at all
stats_with() { pg_sql "$KLARTEXT_DB" "SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = current_schema()
    AND (coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, '')) LIKE '%' || \$q\$$1\$q\$ || '%'"; }
personal_stats() { pg_sql "$KLARTEXT_DB" "SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = current_schema()
    AND (tablename IN ('subject') AND attname NOT IN ('import_id', 'line')
      OR tablename ~ '^exposure' AND attname IN ('subject', 'pages', 'viewer_list', 'viewer_identities')
      OR tablename = 'notice' AND attname IN ('subject', 'rcpt', 'rcpt_masked', 'code_hash', 'message', 'text_sha256')
      OR tablename IN ('outbox', 'notice_event') AND attname = 'reply'
      OR tablename = 'notice_bounce' AND attname IN ('diagnostic', 'source')
      OR tablename = 'audit' AND attname IN ('old_value', 'new_value'))"; }

test_expect_success 'before the purge: the contact rows are there, and the name is in the table files' '
    [ -n "$NAME" ] && [ "$(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM subject")" = 5 ] &&
    if [ -r "$DBDIR" ]; then [ -n "$(in_files "$NAME")" ]; else echo "# cannot read $DBDIR"; fi &&
    nodes >nodes.before && [ "$(wc -l <nodes.before)" -ge 4 ]
'
test_expect_success 'a plain ANALYZE (autovacuum'\''s) gathered statistics, and none of a personal column or value' '
    [ -n "$EMAIL" ] && [ "$(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM pg_stats WHERE tablename = '\''subject'\''
        AND attname = '\''import_id'\''")" = 1 ] &&
    [ -z "$(personal_stats)" ] && [ -z "$(stats_with "$NAME")" ] && [ -z "$(stats_with "$EMAIL")" ]
'
# a reader whose snapshot predates the purge (REPEATABLE READ, on a table the purge does not
# change, so no lock of its holds VACUUM FULL back): while it lasts, VACUUM FULL would have to copy
# the deleted rows it may still see into the new files, so the purge waits for it to end
old_reader() {  # old_reader SECONDS: in the background until its snapshot is taken; pid in READER
    printf '%s\n' "SET application_name = 't2071 reader';" "BEGIN ISOLATION LEVEL REPEATABLE READ;" \
        "SELECT count(*) FROM incident;" "SELECT pg_sleep($1);" "COMMIT;" |
        "$PG_BIN/psql" -qAtX -d "$KLARTEXT_DB" >/dev/null &
    READER=$!
    for _ in $(seq 100); do
        [ "$(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 't2071 reader'
            AND backend_xmin IS NOT NULL")" = 1 ] && return 0
        sleep 0.1
    done
    echo "the reader did not start"; return 1
}
test_expect_success 'purge: the rows are gone, the notices emptied, the log and the chain verify, the report counts' '
    old_reader 4 && t0=$(date +%s) && klartext purge >out.txt 2>err && t1=$(date +%s) && wait $READER &&
    [ $((t1 - t0)) -ge 2 ] && grep_q "^Deleted: " out.txt &&
    [ "$(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM subject") $(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM exposure")" = "0 0" ] &&
    [ "$(pg_sql "$KLARTEXT_DB" "SELECT count(*) FROM notice WHERE message_codec <> '\''purged'\'' OR rcpt <> '\'''\''")" = 0 ] &&
    klartext log verify >lv && grep_q "^log verified" lv &&
    klartext report 2018-0001 --lang en >rep.txt && grep_q "Personal data deleted under the retention policy" rep.txt &&
    klartext audit 2018-0001 | grep_q "purge"
'
test_expect_success 'VACUUM FULL rewrote the purged tables: new files, and the name in none of them' '
    nodes >nodes.after && ! cmp -s nodes.before nodes.after &&
    join nodes.before nodes.after | while read -r t a b; do [ "$a" != "$b" ] || { echo "$t not rewritten"; exit 1; }; done &&
    if [ -r "$DBDIR" ]; then f=$(in_files "$NAME"); [ -z "$f" ] || { echo "$NAME still in $f"
        # which relations those files are, and who held a snapshot (a row still visible to one
        # survives VACUUM FULL): seen once, 2026-12-07 12:25, not again in 5 runs
        for x in $f; do pg_sql "$KLARTEXT_DB" "SELECT pg_filenode_relation(0, ${x##*/})"; done
        pg_sql "$KLARTEXT_DB" "SELECT pid, datname, backend_type, state, backend_xmin, left(query, 60) FROM pg_stat_activity"
        exit 1; }; fi
'
test_expect_success 'the guards still refuse a change of a purged notice' '
    { pg_sql "$KLARTEXT_DB" "UPDATE notice SET lang = '\''xx'\''" 2>e; [ $? != 0 ]; } && grep_q "append-only" e
'
test_expect_success 'a reader older than the purge for longer than 30 s: exit 1 naming it; purge again after it ends: exit 0' '
    old_reader 33 && { klartext purge >out2.txt 2>err2; rc=$?; wait $READER; } && cat err2 && [ $rc = 1 ] &&
    grep_q "PostgreSQL had to keep the deleted rows" err2 && grep_q "by t2071 reader" err2 &&
    grep_q "run .klartext purge. again" err2 && klartext purge >out3.txt 2>err3 && [ ! -s err3 ]
'
test_done
