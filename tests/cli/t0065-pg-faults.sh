#!/usr/bin/env bash
# t0065 — faults of a PostgreSQL register (issue 16, item 6), on a throwaway PostgreSQL 15
# cluster of this suite's own (tests/pg.sh), which it restarts and stops under running commands:
#   - `notify --smtp` to a real SMTP server (postfix's smtp-sink): the server restarted
#     (immediate, fast) and stopped for two seconds while the notices go out; the run waits for
#     it and goes on, or stops cleanly; no notice is left in doubt (`sending`): a restart of the
#     database alone creates no doubt; a re-run completes; every person receives exactly one
#     notice (counted at the SMTP server), the outbox's sent rows are the messages received;
#   - the same with the connection's server process ended at chosen points (KLARTEXT_TEST_FAULT,
#     the test build's fault injection, db_pg.c): before a statement between two transactions,
#     inside one, just before a COMMIT and just after a COMMIT whose answer counts as lost;
#   - `scan --incident` of a log big enough that the restart lands in the store of its exposures,
#     and the same scan killed with SIGKILL there: exit 1 with "lost the connection" (or 137), no
#     scan version without its exposures, a re-run stores it; the exposure export is byte for byte
#     the one of a register that never saw a fault;
#   - a `serve` portal under a load of POST /api/v1/verify while the server stops and starts:
#     only 200 and 503 (never 500, never a dropped connection), 503 while it is away, 200 after;
#   - serialization: a database whose default isolation is REPEATABLE READ and parallel writers:
#     no "could not serialize" error reaches the user (db_pg.c's transactions are READ COMMITTED
#     and retry 40001/40P01).
# After every fault `klartext log verify` passes (transparency log, checkpoints, audit chain) and
# the audit ids and log indexes have no gaps.
# postgresql: this suite is the PostgreSQL fault test itself (it runs once, on its own cluster)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
pg_suite own   # a cluster of its own, whatever tests/run started: this suite restarts it

pg_immediate() (  # restart with -m immediate (a crash: no shutdown checkpoint, recovery at start)
    cd / && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 60 restart -l "$PG_DIR/server.log" \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses= $PG_SERVER_OPTS" >/dev/null
)
# the chains: log verify, and no gap in audit ids or log indexes
chains_ok() {  # chains_ok URL [KEYDIR]
    klartext --db "$1" --keys "${2:-.}" log verify >lv 2>&1 && grep -q "log verified" lv || { cat lv; return 1; }
    [ "$(pg_sql "$1" "SELECT coalesce(max(id) - min(id) + 1, 0) = count(*) FROM audit")" = t ] &&
    [ "$(pg_sql "$1" "SELECT coalesce(max(idx) + 1, 0) = count(*) FROM tlog_entry")" = t ] ||
        { echo "a gap in the audit ids or the log indexes"; return 1; }
}
# wait until a client of database URL runs SQL matching LIKE pattern PAT inside a transaction
wait_activity() {  # wait_activity URL PAT PID
    local db=${1##*/} i
    for i in $(seq 600); do
        kill -0 "$3" 2>/dev/null || return 1
        [ "$(pg_sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND xact_start IS NOT NULL
              AND pid <> pg_backend_pid() AND application_name <> 'psql' AND query LIKE '$2'")" != 0 ] && return 0
        sleep 0.02
    done
    return 1
}

# ---------------------------------------------------------------- notify --smtp
N=${KLARTEXT_PGFAULT_N:-1500}
reachable=$((N - N / 50))
sink_start sink
# the prepared register: N generated people, decided and approved
mkdir base && (cd base && export KLARTEXT_DB=$(pg_newdb) && echo "$KLARTEXT_DB" >url &&
    fixture_register "$N" && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null) || exit 1
BASE=$(cat base/url)
copy_db() {  # copy_db NAME: a copy of the prepared register (CREATE DATABASE … TEMPLATE); prints its URL
    pg_sql postgres "CREATE DATABASE ${BASE##*/}_$1 TEMPLATE ${BASE##*/}" >/dev/null && echo "${BASE}_$1"
}
NSPOOL=0
notify_fault() {  # notify_fault NAME FAULT...: notify --smtp on a copy, FAULT run when a third has gone out
    local name=$1; shift
    U=$(copy_db "$name") && mkdir "$name" && cd "$name" && cp ../base/klartext.key ../base/klartext.pub . &&
    rm -rf "$TRASH/sink" && mkdir "$TRASH/sink" || return 1
    klartext --db "$U" notify 2018-0001 --smtp "smtp://127.0.0.1:$sink_port" --connections 4 >run1.out 2>run1.err &
    local pid=$! i
    for i in $(seq 3000); do
        [ "$(ls "$TRASH/sink" | wc -l)" -ge $((reachable / 3)) ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.02
    done
    echo "fault with $(ls "$TRASH/sink" | wc -l) messages at the server"
    "$@" || return 1
    wait $pid; rc1=$?
    echo "first run: exit $rc1"; cat run1.err
    [ $rc1 = 0 ] || { [ $rc1 = 1 ] && grep -q "lost the connection to the PostgreSQL server" run1.err; } || return 1
    notify_after "$rc1"
}
notify_after() {  # notify_after RC1: the first run (in $U) ended with RC1; nothing in doubt, a re-run, exactly once
    # nothing left in doubt: the run recorded what it sent before it ended (the database's
    # restart alone makes no doubt: the run knows what the relay took and writes it once the
    # server is back)
    local doubt
    doubt=$(pg_sql "$U" "SELECT count(*) FROM outbox WHERE state = 'sending'") || { echo "cannot ask the server"; return 1; }
    [ "$doubt" = 0 ] || { echo "$doubt notices left 'sending' (in doubt) by the first run (exit $1)"; return 1; }
    klartext --db "$U" notify 2018-0001 --smtp "smtp://127.0.0.1:$sink_port" >run2.out 2>run2.err ||
        { echo "the re-run failed:"; cat run2.err; return 1; }
    sink_received sink >recv && sort -u recv >recv.uniq &&
    pg_sql "$U" "SELECT rcpt || ' ' || message_id FROM notice n JOIN outbox o ON o.notice = n.id WHERE o.state = 'sent'" |
        sort >sent.list &&
    echo "received $(wc -l <recv) messages, $(wc -l <recv.uniq) distinct, for $(cut -d' ' -f1 recv | sort -u | wc -l) people" &&
    # exactly once: one message per reachable person, the outbox's sent rows are what arrived
    [ "$(wc -l <recv)" = $reachable ] && [ "$(wc -l <recv.uniq)" = $reachable ] &&
    [ "$(cut -d' ' -f1 recv | sort -u | wc -l)" = $reachable ] && cmp sent.list recv.uniq &&
    [ "$(pg_sql "$U" "SELECT count(*) FROM notice")" = $reachable ] &&
    chains_ok "$U"
}
test_expect_success "notify --smtp ($N people): PostgreSQL restarted (-m immediate) while sending; nothing in doubt; every person gets one notice" '
    notify_fault imm pg_immediate
'
pg_fast() { (cd / && pg_restart); }
pg_off_2s() { (cd / && pg_server stop && sleep 2 && pg_server start); }
test_expect_success 'notify --smtp: PostgreSQL restarted (-m fast) while sending; every person gets one notice' '
    notify_fault fast pg_fast
'
test_expect_success 'notify --smtp: PostgreSQL stopped for 2 s while sending; the run waits for it; one notice each' '
    notify_fault stop pg_off_2s
'

# the test build's fault injection (db_pg.c, KLARTEXT_TEST_FAULT, docs/HACKING.md): the run's
# server process ended (SIGQUIT, as -m immediate does) at four chosen points of the sending
# rounds, one after the other: the server restarts each time; the run goes on with nothing in
# doubt. A release build has no fault injection: the test is skipped and says so.
# (N counts transactions: a round of the sending loop is one, about N / 4 of them; the notices
# are made in a few)
FAULTS="commit-before:$((N / 15)),in-tx:$((N / 10)),commit-after:$((N / 7)),idle:$((N / 6))"
if KLARTEXT_TEST_FAULT=probe klartext --db "$BASE" notify 2018-0001 --status 2>&1 >/dev/null | grep -q KLARTEXT_TEST_FAULT
then
    test_expect_success "notify --smtp: the server process ended at chosen points ($FAULTS); exit 0, nothing in doubt, one notice each" '
        U=$(copy_db hooks) && mkdir hooks && cd hooks && cp ../base/klartext.key ../base/klartext.pub . &&
        rm -rf "$TRASH/sink" && mkdir "$TRASH/sink" || exit 1
        KLARTEXT_TEST_FAULT=$FAULTS klartext --db "$U" notify 2018-0001 --smtp "smtp://127.0.0.1:$sink_port" \
            --connections 4 >run1.out 2>run1.err
        rc1=$?; echo "first run: exit $rc1"; cat run1.err
        # all four happened, in the sending rounds (a fault while the notices are made fails that
        # transaction: exit 1 — then the numbers in FAULTS need to be larger)
        [ "$(grep -c "^klartext: test fault: " run1.err)" = 4 ] || { echo "not every fault happened"; exit 1; }
        [ $rc1 = 0 ] && notify_after 0
    '
else
    test_count=$((test_count + 1))
    echo "ok $test_count - notify --smtp: the server process ended at chosen points # SKIP this build has no fault injection (make asan builds it)"
fi

test_expect_success 'notify --smtp: its connection cut and notify'"'"'s lock taken meanwhile: the run stops and says so; nothing twice' '
    U=$(copy_db steal) && mkdir steal && cd steal && cp ../base/klartext.key ../base/klartext.pub . &&
    rm -rf "$TRASH/sink" && mkdir "$TRASH/sink" || exit 1
    klartext --db "$U" notify 2018-0001 --smtp "smtp://127.0.0.1:$sink_port" --connections 4 >run1.out 2>run1.err &
    pid=$!
    for i in $(seq 3000); do [ "$(ls "$TRASH/sink" | wc -l)" -ge $((reachable / 3)) ] && break; sleep 0.02; done
    # another session waits for notify'"'"'s lock; a third cuts the run'"'"'s connection: the lock goes to
    # the waiting session before the run can take it again
    pg_sql "$U" "SELECT pg_advisory_lock(7741853290462722165); SELECT pg_sleep(3)" >/dev/null &
    thief=$!
    for i in $(seq 200); do
        [ "$(pg_sql "$U" "SELECT count(*) FROM pg_locks WHERE locktype = '\''advisory'\'' AND NOT granted")" = 1 ] && break
        sleep 0.02
    done
    pg_sql "$U" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()
                 AND pid <> pg_backend_pid() AND application_name <> '\''psql'\''" >/dev/null
    wait $pid; rc=$?; wait $thief; cat run1.err
    [ $rc = 1 ] && grep_q "another klartext process took this command.s lock" run1.err &&
    held=$(pg_sql "$U" "SELECT count(*) FROM outbox WHERE state = '\''sending'\''") && [ "$held" -le 4 ] &&
    klartext --db "$U" notify 2018-0001 --smtp "smtp://127.0.0.1:$sink_port" --resend-unknown >run2.out 2>run2.err ||
        { cat run2.err; exit 1; }
    sink_received sink >recv && sort -u recv >recv.uniq &&
    [ "$(cut -d" " -f1 recv | sort -u | wc -l)" = $reachable ] && [ $(($(wc -l <recv) - reachable)) -le "$held" ] &&
    chains_ok "$U"
'

# ---------------------------------------------------------------- scan --incident
# a log big enough that storing its exposures takes a while (KLARTEXT_PGFAULT_SCAN people)
SN=${KLARTEXT_PGFAULT_SCAN:-40000}
mkdir big && (cd big && gen_people "$SN") || exit 1
scan_base() {  # a register with the incident, no scan yet; prints its URL
    local u; u=$(pg_newdb) || return 1
    mkdir -p "sb.$1" && (cd "sb.$1" && export KLARTEXT_DB=$u && write_org && klartext init --org org.ini >/dev/null 2>&1 &&
        klartext incident new --title "Namen sichtbar" --aware-at 2018-11-21T09:12:00Z --aware-how "Hinweis" \
            --breach-types confidentiality --cause programming-error --occurred-from 2018-11-12T14:00:00Z \
            --occurred-until 2018-11-21T09:12:00Z >/dev/null && write_rule) || return 1
    echo "$u"
}
SCAN() {  # SCAN URL NAME: the scan, with the key files of sb.NAME (the process itself: exec)
    exec "$KLARTEXT" --db "$1" --keys "$TRASH/sb.$2" scan --rule "$TRASH/sb.$2/rule.conf" --incident 2018-0001 \
        --no-progress "$TRASH/big/access.log"
}
test_expect_success "a scan of $SN people stored without a fault (the reference)" '
    C=$(scan_base clean) && echo "$C" >clean.url && (SCAN "$C" clean) >/dev/null 2>clean.err &&
    klartext --db "$C" exposure 2018-0001 --format csv >clean.csv && [ "$(wc -l <clean.csv)" -gt "$SN" ]
'
C=$(cat clean.url 2>/dev/null)
scan_fault() {  # scan_fault NAME FAULT: FAULT (with $pid the scan) while the exposures are stored
    U=$(scan_base "$1") || return 1
    # another session holds a lock on the exposure table: the scan's store waits for it, so the
    # fault lands in the store however fast the store is (it raced the store before)
    pg_sql "$U" "BEGIN; LOCK TABLE exposure IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)" >/dev/null 2>&1 &
    local locker=$! i
    for i in $(seq 500); do
        [ "$(pg_sql "$U" "SELECT count(*) FROM pg_locks WHERE relation = 'exposure'::regclass AND granted")" != 0 ] && break
        sleep 0.02
    done
    SCAN "$U" "$1" >"$1.out" 2>"$1.err" &
    pid=$!
    wait_activity "$U" "%exposure%" $pid || { echo "the store was not seen"; kill $locker; wait $pid; cat "$1.err"; return 1; }
    "$2" || return 1
    wait $pid; rc=$?
    pg_sql "$U" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'psql'
                 AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null 2>&1; wait $locker
    echo "the scan: exit $rc"; cat "$1.err"
    case $rc in
    1) grep -q "lost the connection to the PostgreSQL server" "$1.err" || return 1 ;;
    137) [ "$2" = kill_scan ] || return 1 ;;
    *) echo "the fault did not land in the store"; return 1 ;;
    esac
    # nothing half-written: no scan version, no exposure
    [ "$(pg_sql "$U" "SELECT count(*) FROM scan")" = 0 ] && [ "$(pg_sql "$U" "SELECT count(*) FROM exposure")" = 0 ] ||
        { echo "a scan was stored in part"; return 1; }
    chains_ok "$U" "sb.$1" || { echo "log verify failed after the fault"; return 1; }
    (SCAN "$U" "$1") >/dev/null 2>rerun.err || { echo "the re-run failed:"; cat rerun.err; return 1; }
    klartext --db "$U" exposure 2018-0001 --format csv >"$1.csv" && cmp clean.csv "$1.csv" && chains_ok "$U" "sb.$1" &&
    [ "$(pg_sql "$U" "SELECT count(*) FROM scan")" = "$(pg_sql "$C" "SELECT count(*) FROM scan")" ]
}
kill_scan() { kill -9 $pid; }
test_expect_success 'scan --incident: PostgreSQL restarted (-m immediate) in the store: exit 1, nothing stored; the re-run equals the clean run' '
    scan_fault imm pg_immediate
'
test_expect_success 'scan --incident: PostgreSQL restarted (-m fast) in the store: the same' '
    scan_fault fast pg_fast
'
test_expect_success 'scan --incident killed with SIGKILL in the store: the server rolls it back; the re-run equals the clean run' '
    scan_fault kill kill_scan
'

# ---------------------------------------------------------------- serve under load
serve_on() {  # serve_on URL: the portal on that register; sets SURL, SPID
    (cd base && exec "$KLARTEXT" --db "$1" serve --listen 127.0.0.1:0 --rate-limit 100000000/min 2>"$TRASH/serve.err") &
    SPID=$!
    for _ in $(seq 100); do
        SURL=$(grep -o "http://127.0.0.1:[0-9]*" "$TRASH/serve.err" 2>/dev/null | head -1)
        [ -n "$SURL" ] && curl -s -o /dev/null "$SURL/" && return 0
        sleep 0.1
    done
    cat "$TRASH/serve.err"; return 1
}
test_expect_success 'serve under a POST /api/v1/verify load: PostgreSQL stopped and started: 503 while away, 200 after, never 500' '
    U=$(copy_db serve) && (cd base && KLARTEXT_DB=$U klartext notify 2018-0001 --out "$TRASH/out" >/dev/null) &&
    ls "$TRASH"/out/*.eml >/dev/null || { echo "no notices were written"; exit 1; }
    code=$(eml_code "$(ls "$TRASH"/out/*.eml | head -1)") && serve_on "$U" || exit 1
    load() {  # one client: status codes, one a line, until the file load.stop exists
        while ! [ -e load.stop ]; do
            curl -s -o /dev/null -w "%{http_code}\n" -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify"
        done
    }
    load >codes.1 & l1=$!; load >codes.2 & l2=$!
    sleep 1 && (cd / && pg_server stop) && sleep 2 && (cd / && pg_server start) && sleep 2; touch load.stop; wait $l1 $l2
    curl -s -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify" >after.json
    kill -0 $SPID; alive=$?; kill -TERM $SPID; wait $SPID
    cat codes.1 codes.2 | sort | uniq -c
    [ $alive = 0 ] && [ -z "$(cat codes.1 codes.2 | grep -v -x -e 200 -e 503)" ] &&
    grep -q -x 503 codes.1 && grep -q -x 200 codes.1 && [ "$(tail -1 codes.1)" = 200 ] && [ "$(tail -1 codes.2)" = 200 ] &&
    # 200 before the outage, 503 during it, 200 again after: one block of 503s
    [ "$(uniq codes.1 | tr "\n" " ")" = "200 503 200 " ] &&
    jq -e ".genuine == true" after.json >/dev/null && chains_ok "$U" base
'

# ---------------------------------------------------------------- serialization
test_expect_success 'REPEATABLE READ by default and four parallel writers: no serialization failure reaches the user' '
    U=$(copy_db rr) && pg_sql "$U" "ALTER DATABASE ${U##*/} SET default_transaction_isolation = '\''repeatable read'\''" &&
    [ "$(pg_sql "$U" "SHOW default_transaction_isolation")" = "repeatable read" ] && cd base && pids="" &&
    for w in 1 2 3 4; do
        ( for i in 1 2 3 4 5; do
              klartext --db "$U" incident event 2018-0001 --text "writer $w entry $i" >/dev/null 2>>"$TRASH/w.err" || exit 1
              klartext --db "$U" incident publish 2018-0001 --lang en --statement "Statement $w.$i" >/dev/null 2>>"$TRASH/w.err" || exit 1
          done ) &
        pids="$pids $!"
    done
    ok=1; for p in $pids; do wait $p || ok=0; done
    cat "$TRASH/w.err"; [ $ok = 1 ] && ! grep -q -i "serializ\|busy" "$TRASH/w.err" &&
    [ "$(pg_sql "$U" "SELECT count(*) FROM event WHERE text LIKE '\''writer %'\''")" = 20 ] && chains_ok "$U" .
'
test_done
