#!/usr/bin/env bash
# t5016 — the 100,000-people notify cliff on PostgreSQL (issue 16), caught without timing: at the
# end of `notify --out` for 100,000 people the count of people not yet told took 4 min 40 s,
# because PostgreSQL planned it for tables it had no statistics of (written a moment before in
# bulk, never analyzed: autovacuum comes up to a minute later, and never for rows a database got
# from its template) — a loop over every notice for every person.
# - the bulk writes analyze what they wrote (src/register/analyze.h): after `scan --incident`,
#   `subjects import` and `notify --out` the tables' row counts in pg_class are the true ones; a
#   login that may not analyze (a group role's, not the owner) leaves them to autovacuum, silently;
# - every statement of `notify --status`, `report`, `notify --letters` and the summary of
#   `notify --out` does work in proportion to the people, with and without statistics: the
#   server's own account of each plan (auto_explain, loaded through PGOPTIONS) shows no plan node
#   that produced or filtered more than 5 rows per person. (At 1,100 people PostgreSQL still
#   planned the old not-reached count with an index; the loop over all notices per person, 10^10
#   rows, came at 100,000: docs/performance.md. This guards any statement that turns quadratic.)
# postgresql: this suite is about PostgreSQL (its planner) and names its registers itself
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fixtures.sh"
. "$SRC_DIR/tests/pg.sh"
# a cluster of its own: its server log holds only this suite's plans, and no autovacuum analyzes
# behind the test's back
PG_SERVER_OPTS="$PG_SERVER_OPTS -c autovacuum=off"
pg_suite own
N=1100 MADE=1078   # fixture_register N: every 50th person has no address
LIMIT=$((5 * N))
URL=$(pg_newdb)
on() { (cd reg && KLARTEXT_DB=$URL klartext "$@"); }
tuples() { pg_sql "$URL" "SELECT reltuples::bigint FROM pg_class WHERE relname = '$1' AND relkind IN ('r', 'p')"; }
count() { pg_sql "$URL" "SELECT count(*) FROM $1"; }
# the plans of the statements of one command (auto_explain with the rows each node made), checked
plans() {  # plans NAME COMMAND…: klartext COMMAND… on the register, its plans into NAME.plans
    local from
    from=$(($(wc -c <"$PG_DIR/server.log") + 1))
    PGOPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0
        -c auto_explain.log_analyze=on -c auto_explain.log_timing=off" on "${@:2}" >"$1.out" || return 1
    tail -c "+$from" "$PG_DIR/server.log" >"$1.log" &&
        { /usr/bin/python3 "$SRC_DIR/tests/notify/plan_work.py" "$1.log" $LIMIT >"$1.plans"; local rc=$?; } &&
        cat "$1.plans" && [ $rc = 0 ] && [ "$(grep -c . "$1.plans")" -gt 5 ]
}
# forget the statistics of every table of the register, as a register never analyzed
forget() {
    pg_sql "$URL" "DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c
        JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public');
      UPDATE pg_class c SET reltuples = -1, relpages = 0 FROM pg_namespace s
        WHERE s.oid = c.relnamespace AND s.nspname = 'public' AND c.relkind IN ('r', 'p')"
}

# exposure is partitioned by scan version (schema step 15): its rows are its partitions', which are
# what a store analyzes (src/register/analyze.c), never the parent
part_tuples() { pg_sql "$URL" "SELECT sum(reltuples)::bigint FROM pg_class WHERE relkind = 'r'
    AND oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass('$1'))"; }

test_expect_success 'scan --incident, subjects import and notify --out leave the tables they filled analyzed' '
    mkdir reg && (cd reg && export KLARTEXT_DB=$URL && fixture_register "$N" salutations) &&
    [ "$(part_tuples exposure)" = "$N" ] && [ "$(tuples subject)" = "$(count subject)" ] &&
    [ "$(pg_sql "$URL" "SELECT count(DISTINCT tablename) FROM pg_stats WHERE tablename LIKE '\''exposure\_%'\''")" = 1 ] &&
    [ "$(tuples notice)" = -1 ] &&
    on notify 2018-0001 --approve --by "Dana DPO" >/dev/null && on notify 2018-0001 --out out >sum &&
    [ "$(ls reg/out | grep -c "\.eml$")" = $MADE ] &&
    [ "$(tuples notice)" = $MADE ] && [ "$(tuples outbox)" = $MADE ] &&
    [ "$(tuples tlog_entry)" = "$(count tlog_entry)" ] &&
    grep_q "not told individually (yet) *$((N - MADE)) " sum
'
test_expect_success 'with statistics: every statement of --status, report and --letters works in proportion to the people' '
    plans status notify 2018-0001 --status && grep_q "not told individually (yet) *$((N - MADE)) " status.out &&
    plans report report 2018-0001 && plans letters notify 2018-0001 --letters "$PWD/letters"
'
test_expect_success 'without statistics (a register never analyzed): the same, and the summary of a notify --out' '
    forget && [ "$(tuples notice)" = -1 ] && [ "$(part_tuples exposure)" = -1 ] &&
    plans status0 notify 2018-0001 --status && cmp status.out status0.out &&
    plans report0 report 2018-0001 && rm -rf letters && plans letters0 notify 2018-0001 --letters "$PWD/letters" &&
    forget && plans out0 notify 2018-0001 --out out && grep_q "not told individually (yet) *$((N - MADE)) " out0.out
'
test_expect_success 'a login that may not analyze (klartext_engineer, not the owner): no ANALYZE, no warning; the owner'"'"'s does' '
    pg_sql "$URL" "CREATE ROLE eng5016 LOGIN IN ROLE klartext_engineer; ANALYZE subject" &&
    before=$(tuples subject) && [ "$before" -gt 0 ] &&
    (cd reg && KLARTEXT_DB=$URL PGUSER=eng5016 klartext subjects import 2018-0001 subjects.csv >../imp.out 2>../imp.err) &&
    grep_q "^Imported contact data" imp.out && [ ! -s imp.err ] && [ "$(tuples subject)" = "$before" ] &&
    on subjects import 2018-0001 subjects.csv >imp2.out 2>imp2.err && [ ! -s imp2.err ] &&
    [ "$(tuples subject)" = "$(count subject)" ] && [ "$(count subject)" -gt "$before" ]
'
test_done
