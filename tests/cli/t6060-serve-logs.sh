#!/usr/bin/env bash
# t6060 — the portal's logs in the ecosystem: logrotate with contrib/klartext-serve.logrotate
# moves the access log and sends SIGHUP; klartext reopens it (the new file gets the lines, the
# old one no more) and keeps serving. Under systemd with standard error in the journal
# (JOURNAL_STREAM names that stream: systemd.exec(5)) the access log has no time stamp of its
# own, since the journal adds one; anywhere else it keeps it.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
LOGROTATE=$(command -v logrotate || echo /usr/sbin/logrotate)
klartext init >/dev/null 2>&1

trap 'kill -TERM $PID 2>/dev/null' EXIT

mkdir logs && start_server server.log --access-log "$TRASH/logs/access.log"
test_expect_success 'logrotate (the shipped snippet) rotates; after SIGHUP the new file gets the lines, the old one stops' '
    [ -x "$LOGROTATE" ] || { echo "logrotate is not installed (./run deps test)"; exit 1; }
    curl -s -o /dev/null "$URL/before" && wait_grep "\"GET /before\"" logs/access.log &&
    sed -e "s|/var/log/klartext/access.log|$TRASH/logs/access.log|" \
        -e "s|systemctl kill .*|kill -HUP $PID|" "$SRC_DIR/contrib/klartext-serve.logrotate" >rot.conf &&
    grep_q "kill -HUP $PID" rot.conf &&
    "$LOGROTATE" -f -s "$TRASH/rot.state" rot.conf &&
    for _ in $(seq 50); do grep -q "access log .* reopened" server.log && break; sleep 0.1; done &&
    grep_q "access log .$TRASH/logs/access.log. reopened" server.log &&
    [ -f logs/access.log.1 ] && curl -s -o /dev/null "$URL/after" &&
    wait_grep "\"GET /after\"" logs/access.log && not_grep_q "before" logs/access.log &&
    grep_q "\"GET /before\"" logs/access.log.1 && not_grep_q "after" logs/access.log.1
'
test_expect_success 'a second rotation compresses the first (delaycompress) and the server still answers' '
    "$LOGROTATE" -f -s "$TRASH/rot.state" rot.conf && sleep 0.3 && [ -f logs/access.log.2.gz ] &&
    curl -s -o /dev/null "$URL/third" && wait_grep "\"GET /third\"" logs/access.log &&
    kill -0 $PID
'
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'stopped cleanly after the reopens' 'test $src -eq 0'

test_expect_success 'standard error in the journal (JOURNAL_STREAM is its device:inode): no time stamp of our own' '
    : >j.err && export JOURNAL_STREAM=$(stat -c "%d:%i" j.err) &&
    start_server j.err --access-log - && curl -s -o /dev/null "$URL/journal" && kill -TERM $PID && wait $PID &&
    grep_q "^127.0.0.1 \"GET /journal\" 404 " j.err
'
test_expect_success 'JOURNAL_STREAM naming another stream (stderr redirected elsewhere): the time stamp stays' '
    : >o.err && export JOURNAL_STREAM=1:1 && start_server o.err --access-log - && curl -s -o /dev/null "$URL/other" &&
    kill -TERM $PID && wait $PID && grep_q "^2[0-9-]*T[0-9:]*Z 127.0.0.1 \"GET /other\" 404 " o.err &&
    unset JOURNAL_STREAM && : >n.err && start_server n.err && curl -s -o /dev/null "$URL/none" && kill -TERM $PID && wait $PID &&
    grep_q "^2[0-9-]*T[0-9:]*Z 127.0.0.1 \"GET /none\" 404 " n.err
'
SA=$(command -v systemd-socket-activate || true)
# systemd-socket-activate passes on only the environment it is told to (-E): on PostgreSQL the
# register's URI and libpq's variables
SA_ENV=''
if test_on_pg; then for v in KLARTEXT_DB PGHOST PGPORT PGUSER; do SA_ENV="$SA_ENV -E $v=${!v}"; done; fi
test_expect_success 'socket activation (systemd-socket-activate): serves on the socket it was given, not on --listen' '
    [ -n "$SA" ] || { echo "systemd-socket-activate is missing (package systemd)"; exit 1; }
    p=$(/usr/bin/python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
    "$SA" $SA_ENV -l 127.0.0.1:$p "$KLARTEXT" serve --listen 127.0.0.1:1 2>sa.err & PID=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done
    curl -s "http://127.0.0.1:$p/incident/none" -o /dev/null -w "%{http_code}" >code; kill -TERM $PID; wait $PID; rc=$?
    cat sa.err; [ "$(cat code)" = 404 ] && [ $rc = 0 ] && grep_q "serving on http://127.0.0.1:$p " sa.err
'
test_expect_code 2 'socket activation with two sockets is refused with a clear message' '
    # two ports free a moment ago; another suite may take one meanwhile: then try two others
    for _ in 1 2 3 4 5; do
        set -- $(/usr/bin/python3 -c "import socket; a, b = socket.socket(), socket.socket(); a.bind((\"127.0.0.1\", 0)); b.bind((\"127.0.0.1\", 0)); print(a.getsockname()[1], b.getsockname()[1])")
        "$SA" $SA_ENV -l 127.0.0.1:$1 -l 127.0.0.1:$2 "$KLARTEXT" serve 2>sa2.err & PID=$!
        sleep 0.3; curl -s -m 2 -o /dev/null "http://127.0.0.1:$1/"; wait $PID; rc=$?
        grep -q "Address already in use" sa2.err || break
    done
    cat sa2.err; grep_q "socket activation: expected one TCP socket" sa2.err && exit $rc
'
test_done
