#!/usr/bin/env bash
# t5017 — notify on PostgreSQL when the server goes away while the notices are made (issue 16,
# item 6; what t0065 left: a lost connection then stopped the run with exit 1). Every
# transaction of `notify --out` — the plan, the storage dictionary, each batch of notices, the
# files of notices made before, the run's audit entry (the last write) — and the reads of the
# summary are run again on a new connection once the server is back (up to 60 s; a batch is the
# same rows again: its numbers and codes were made before), so the run ends with exit 0, every
# person has exactly one notice, the notices are numbered without a gap, and the transparency
# log and the audit chain verify without gaps:
# - the connection's server process ended at chosen points (KLARTEXT_TEST_FAULT, the test
#   build's fault injection, db_pg.c: SIGQUIT as `pg_ctl restart -m immediate` sends; skipped
#   on a release build): inside a batch, before and after a batch's COMMIT, inside the write of
#   the files and of the audit entry, before the summary's reads;
# - a real `pg_ctl restart -m immediate` while a batch waits for a lock on the notice table;
# - the run's old server process still holding notify's lock while the run reconnects, and
#   another register of the cluster holding the same key: the run waits for its own, exit 0.
# postgresql: this suite is about PostgreSQL's restarts (its own cluster, which it restarts)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fixtures.sh"
. "$SRC_DIR/tests/pg.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
pg_suite own
N=1100 MADE=1078   # fixture_register N: every 50th person has no address

pg_immediate() (  # restart with -m immediate (a crash: no shutdown checkpoint, recovery at start)
    cd / && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 60 restart -l "$PG_DIR/server.log" \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses= $PG_SERVER_OPTS" >/dev/null
)
mkdir base && (cd base && export KLARTEXT_DB=$(pg_newdb) && echo "$KLARTEXT_DB" >url &&
    fixture_register "$N" salutations && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null) || exit 1
BASE=$(cat base/url)
copy_db() {  # copy_db NAME: a copy of the approved register; its URL
    # a fault of the run before ends a server process with SIGQUIT: the server then recovers for a
    # moment and refuses connections; wait for it (up to 30 s) before the next copy
    for _ in $(seq 300); do pg_sql postgres "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
    pg_sql postgres "CREATE DATABASE ${BASE##*/}_$1 TEMPLATE ${BASE##*/}" >/dev/null && echo "${BASE}_$1"
}
# after a run into DIR on URL: one notice per reachable person, numbered 1..MADE, all written, one
# file each; the log and the audit chain verify, without a gap in audit ids or log indexes
one_each() {  # one_each URL DIR
    [ "$(ls "$2" | grep -c "\.eml$")" = $MADE ] || { echo "$(ls "$2" | wc -l) files"; return 1; }
    [ "$(pg_sql "$1" "SELECT count(*), count(DISTINCT subject), min(seq), max(seq) FROM notice")" = \
        "$MADE|$MADE|1|$MADE" ] || { echo "notices: $(pg_sql "$1" "SELECT count(*), count(DISTINCT subject),
        min(seq), max(seq) FROM notice")"; return 1; }
    [ "$(pg_sql "$1" "SELECT state, count(*) FROM outbox GROUP BY state")" = "written|$MADE" ] &&
    [ "$(pg_sql "$1" "SELECT count(*) FROM tlog_entry WHERE kind = 'notice'")" = $MADE ] &&
    [ "$(pg_sql "$1" "SELECT count(*) FROM audit WHERE action = 'notify.out'")" = 1 ] &&
    klartext --db "$1" --keys base log verify >lv 2>&1 && grep -q "log verified" lv || { cat lv; return 1; }
    [ "$(pg_sql "$1" "SELECT coalesce(max(id) - min(id) + 1, 0) = count(*) FROM audit")" = t ] &&
    [ "$(pg_sql "$1" "SELECT coalesce(max(idx) + 1, 0) = count(*) FROM tlog_entry")" = t ] ||
        { echo "a gap in the audit ids or the log indexes"; return 1; }
}
run_out() {  # run_out NAME [FAULT]: notify --out on a copy, into NAME/out; exit code in RC
    URL=$(copy_db "$1") && mkdir "$1" || return 1
    (cd "$1" && KLARTEXT_DB=$URL KLARTEXT_TEST_FAULT=${2:-} klartext --keys ../base notify 2018-0001 --out out \
        >run.out 2>run.err)
    RC=$?
    echo "$1 ($2): exit $RC"; cat "$1/run.err"
    [ $RC = 0 ] || { echo "--- the server's log:"; tail -n 60 "$PG_DIR/server.log"; }
}

# the transactions of a run without faults, in order: 1 the plan, 2 the dictionary, 3–5 the three
# batches (512 notices each), 6 the files of notices made before, 7 the audit entry; a fault's
# transaction, run again, counts as the next one
if KLARTEXT_TEST_FAULT=probe klartext --db "$BASE" notify 2018-0001 --status 2>&1 >/dev/null | grep -q KLARTEXT_TEST_FAULT
then
    test_expect_success 'notify --out: the server process ended in each of its transactions; exit 0, one notice each' '
        k=0
        for f in in-tx:3 commit-after:4 commit-before:5 in-tx:6 in-tx:7 commit-before:7 idle:7 in-tx:1 idle:2; do
            k=$((k + 1))
            run_out "f$k" "$f" || exit 1
            grep -q "^klartext: test fault: ${f/:/ }\$" "f$k/run.err" || { echo "the fault $f did not happen"; exit 1; }
            [ $RC = 0 ] && one_each "$URL" "f$k/out" || exit 1
        done
    '
else
    test_count=$((test_count + 1))
    echo "ok $test_count - notify --out: the server process ended in each of its transactions # SKIP this build has no fault injection (make asan builds it)"
fi

test_expect_success 'notify --out: pg_ctl restart -m immediate while a batch is being stored; exit 0, one notice each' '
    URL=$(copy_db restart) && mkdir restart || exit 1
    # another session holds a write lock on the notice table (reads go on): the first batch waits
    # for it, so the restart lands inside that batch however fast the machine is
    pg_sql "$URL" "BEGIN; LOCK TABLE notice IN EXCLUSIVE MODE; SELECT pg_sleep(120)" >/dev/null 2>&1 &
    locker=$!
    for i in $(seq 500); do
        [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_locks WHERE relation = '\''notice'\''::regclass AND granted
              AND mode = '\''ExclusiveLock'\''")" != 0 ] && break
        sleep 0.02
    done
    (cd restart && KLARTEXT_DB=$URL klartext --keys ../base notify 2018-0001 --out out >run.out 2>run.err) &
    pid=$!
    for i in $(seq 1000); do
        [ "$(pg_sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '\''${URL##*/}'\''
              AND wait_event_type = '\''Lock'\'' AND query LIKE '\''COPY notice%'\''")" != 0 ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.02
    done
    [ $i -lt 1000 ] && kill -0 $pid || { echo "the batch was not seen waiting"; kill $locker; wait $pid; exit 1; }
    pg_immediate || exit 1
    wait $locker
    wait $pid; rc=$?
    echo "exit $rc"; cat restart/run.err
    [ $rc = 0 ] || { echo "--- the server'\''s log:"; tail -n 60 "$PG_DIR/server.log"; }
    [ $rc = 0 ] && one_each "$URL" restart/out
'
# notify's lock is an advisory lock of the register's database: the same key held in another
# database of the cluster (another register's notify) is not this register's. The run's server
# process is stopped (not ended: it keeps the lock, as one that has not yet noticed its client
# went) and the connection cut; the run's new connection waits for its own old process, which is
# let go once the new one is seen asking for the lock: exit 0, one notice each. (Before, the run
# stopped with exit 1, "another klartext process took this command's lock": the other database's
# lock counted, and so did the run's own old process — db_pg.c remembered it as pid 0, libpq's
# answer for a connection it has marked bad; that made test 1 fail now and then, when the
# reconnect came before the server had cleaned up after the ended process.)
if KLARTEXT_TEST_FAULT=probe klartext --db "$BASE" notify 2018-0001 --status 2>&1 >/dev/null | grep -q idle-stop
then
    test_expect_success 'notify --out: another register of the cluster holds the same lock key while the run reconnects; exit 0' '
        URL=$(copy_db own) && OTHER=$(copy_db other) && mkdir own || exit 1
        pg_sql "$OTHER" "SELECT pg_advisory_lock(7741853290462722165); SELECT pg_sleep(60)" >/dev/null 2>&1 &
        other=$!
        in_db() { echo "database = (SELECT oid FROM pg_database WHERE datname = '\''${1##*/}'\'')"; }
        for i in $(seq 500); do
            [ "$(pg_sql postgres "SELECT count(*) FROM pg_locks WHERE locktype = '\''advisory'\'' AND granted
                  AND $(in_db "$OTHER")")" = 1 ] && break
            sleep 0.02
        done
        (cd own && KLARTEXT_DB=$URL KLARTEXT_TEST_FAULT=idle-stop:2 klartext --keys ../base notify 2018-0001 --out out \
            >run.out 2>run.err) &
        pid=$!
        # the stopped process (it holds the lock in the register'\''s database), then its successor asking
        stopped=""
        for i in $(seq 1500); do
            grep -q "^klartext: test fault: idle-stop 2\$" own/run.err 2>/dev/null && [ -z "$stopped" ] &&
                stopped=$(pg_sql postgres "SELECT pid FROM pg_locks WHERE locktype = '\''advisory'\'' AND granted
                    AND $(in_db "$URL")")
            [ -n "$stopped" ] && [ "$(pg_sql postgres "SELECT count(*) FROM pg_stat_activity WHERE $(in_db "$URL" |
                sed s/database/datid/) AND pid NOT IN ($stopped, pg_backend_pid()) AND query LIKE '\''%pg_try_advisory_lock%'\''")" != 0 ] && break
            kill -0 $pid 2>/dev/null || break
            sleep 0.02
        done
        [ -n "$stopped" ] && kill -CONT "$stopped"
        wait $pid; rc=$?
        pg_sql postgres "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE $(in_db "$OTHER")" >/dev/null
        wait $other
        echo "exit $rc (server process $stopped stopped, let go at try $i)"; cat own/run.err
        [ -n "$stopped" ] && [ $i -lt 1500 ] && [ $rc = 0 ] && one_each "$URL" own/out
    '
else
    test_count=$((test_count + 1))
    echo "ok $test_count - notify --out: another register of the cluster holds the same lock key # SKIP this build has no fault injection (make asan builds it)"
fi
test_done
