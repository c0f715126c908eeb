#!/usr/bin/env bash
# notify --smtp survives a crash: 10,000 people, the sender (8 connections at once) is killed with
# SIGKILL while sending to postfix's smtp-sink, then run again. At the kill at most 8 notices are
# in flight (state `sending`); every reachable person receives at least one notice; duplicates
# are at most the notices that were in flight at the crash; the outbox's `sent` rows are exactly
# the messages the server received.
# Runs the binary under test ($KLARTEXT, normally the ASan build: about 15 s on 2 cores); set
# KLARTEXT_RELEASE=build/klartext to use the release build instead, KLARTEXT_CRASH_N for another
# number of people, KLARTEXT_CRASH_REPORT=1 to print the counts.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
if [ -n "${KLARTEXT_RELEASE:-}" ]; then
    rel=$KLARTEXT_RELEASE
    case $rel in /*) ;; *) rel="$SRC_DIR/$rel" ;; esac
    [ -x "$rel" ] && KLARTEXT=$rel
fi
N=${KLARTEXT_CRASH_N:-10000}
CONNS=8
notify_setup "$N"
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
reachable=$((N - N / 50))
sink_start sink

received() { sink_received sink; }

test_expect_success "making and sending $N notices over $CONNS connections, killed with SIGKILL while sending; at most $CONNS in flight" '
    "$KLARTEXT" notify 2018-0001 --smtp smtp://127.0.0.1:$sink_port --connections $CONNS >run1.out 2>run1.err &
    pid=$!
    for i in $(seq 3600); do
        [ "$(ls "$TRASH/sink" | wc -l)" -ge $((reachable / 3)) ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.05
    done
    kill -9 $pid; wait $pid; rc=$?
    echo "killed with $(ls "$TRASH/sink" | wc -l) messages in the spool (exit $rc)"
    [ $rc = 137 ] &&
    reg_sql "SELECT state, count(*) FROM outbox GROUP BY state" >states1 && cat states1 &&
    [ "$(reg_sql "SELECT count(*) FROM notice")" = $reachable ] &&
    inflight=$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"sending\"") &&
    echo $inflight >inflight && [ $inflight -le $CONNS ] &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"queued\"")" -gt 0 ]
'
test_expect_success 'the re-run sends the rest and holds the notices of unknown delivery (exit 1 when there are any)' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$sink_port >run2.out 2>run2.err; rc=$?
    cat run2.err
    inflight=$(cat inflight)
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"sending\"")" = $inflight ] &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"queued\"")" = 0 ] &&
    if [ $inflight = 0 ]; then [ $rc = 0 ]; else [ $rc = 1 ] && grep_q "being sent when an earlier run stopped" run2.err; fi
'
test_expect_success '--resend-unknown resends them with the same Message-ID; everyone has a notice' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$sink_port --resend-unknown >run3.out 2>run3.err &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"sent\"")" = $reachable ] &&
    grep -E -q "unreachable \(no e-mail address\) +$((N / 50))" run3.out
'
test_expect_success 'every person received at least one, duplicates <= in flight, outbox = server' '
    received >recv &&
    reg_sql "SELECT rcpt || \" \" || message_id FROM notice n JOIN outbox o ON o.notice = n.id WHERE o.state = \"sent\"" | sort >sent.list &&
    sort -u recv >recv.uniq &&
    total=$(wc -l <recv) && distinct=$(wc -l <recv.uniq) && people=$(cut -d" " -f1 recv | sort -u | wc -l) &&
    echo "received $total messages, $distinct distinct, for $people people; in flight at the crash: $(cat inflight)" &&
    [ $people = $reachable ] && [ $distinct = $reachable ] &&
    [ $((total - distinct)) -le "$(cat inflight)" ] &&
    cmp sent.list recv.uniq
'
[ -n "${KLARTEXT_CRASH_REPORT:-}" ] && sed "s/^/# /" "$TRASH/.out"
test_done
