#!/usr/bin/env bash
# t0062 — a register on PostgreSQL (issue 16): the whole way from init to notices and the
# log on a throwaway PostgreSQL 15 cluster (tests/pg.sh), every export byte for byte the same
# as from a SQLite register with the same input; the append-only guards, and the errors of a
# URI that does not parse, a server that refuses, a database without a register and a register
# of a newer klartext. The other suites run on PostgreSQL with KLARTEXT_TEST_DB=pg (lib.sh).
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite   # it names its registers itself, on both backends (with KLARTEXT_TEST_DB=pg too: its fixtures stay SQLite)
SEED=$(printf "42%.0s" $(seq 32))

# the same register twice: sq/ a SQLite file, pg/ a PostgreSQL database
build() {  # build DIR [URL]
    mkdir "$1" && (cd "$1" && if [ -n "${2:-}" ]; then export KLARTEXT_DB=$2; fi &&
        fixture_register && use_test_key &&
        klartext incident publish 2018-0001 --lang en --statement "Names were visible on profile pages." >/dev/null &&
        klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
        KLARTEXT_TEST_CODE_SEED=$SEED klartext notify 2018-0001 --out out >sum 2>err &&
        klartext log checkpoint >/dev/null)
}
URL=$(pg_newdb)
test_expect_success 'init, incident, scan, subjects, assess, decide, publish, approve, notify --out on PostgreSQL' '
    build sq && build pg "$URL" && ls pg/out | grep -c "\.eml$" | grep_q 4 &&
    pg_sql "$URL" "SELECT value FROM meta WHERE key = '\''schema_version'\''" >v && [ -s v ] && ! [ -e pg/klartext.db ] &&
    # both backends at the same schema version: a step added for one is added for the other
    sqlite3 sq/klartext.db "SELECT value FROM meta WHERE key = '\''schema_version'\''" >v.sq && cmp v v.sq
'
test_expect_success 'the exports are byte-identical to the SQLite register'"'"'s' '
    for f in sq/out/*.eml; do cmp "$f" "pg/${f#sq/}" || exit 1; done && cmp sq/sum pg/sum &&
    for c in "exposure 2018-0001 --format csv" "exposure 2018-0001 --format json" "incident show 2018-0001" \
             "report 2018-0001 --lang en" "report 2018-0001 --lang de --format html" "assess 2018-0001 --json" \
             "subjects show 2018-0001" "notify 2018-0001 --status" "status" "incident list" "log entries"; do
        # a commitment differs by its random salt, and the time of the scan is the clock time, as
        # between two SQLite registers
        m="s/commitment [0-9a-f]*/commitment/; s/$(date -u +%Y-%m-%d)T[0-9:]*Z/TIME/g"
        (cd sq && klartext $c 2>&1 | sed "$m" >../a.sq)
        (cd pg && KLARTEXT_DB=$URL klartext $c 2>&1 | sed "$m" >../a.pg)
        cmp a.sq a.pg || { echo "differs: klartext $c"; diff a.sq a.pg | head -20; exit 1; }
    done
'
test_expect_success 'log verify passes; the audit trail has every step, the actor beside the command' '
    (cd pg && KLARTEXT_DB=$URL klartext log verify) >lv && grep -qi "ok\|verified" lv &&
    (cd pg && KLARTEXT_DB=$URL klartext audit) >au && grep_q "notify.approve\|notice" au && grep_q "incident.create" au
'
test_expect_success 'a notice made on PostgreSQL verifies by its code' '
    code=$(eml_code pg/out/2018-0001-000001.eml) &&
    (cd pg && KLARTEXT_DB=$URL klartext verify --code "$code") >ve && grep_q "2018-0001-000001" ve
'
serve_on() {  # serve_on DIR [URL]: start the portal on that register; sets SURL, SPID
    (cd "$1" && if [ -n "${2:-}" ]; then export KLARTEXT_DB=$2; fi; exec "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve.err) &
    SPID=$!
    for _ in $(seq 100); do
        SURL=$(grep -o "http://127.0.0.1:[0-9]*" "$1/serve.err" 2>/dev/null | head -1)
        [ -n "$SURL" ] && curl -s -o /dev/null "$SURL/" && return 0
        sleep 0.1
    done
    cat "$1/serve.err"; return 1
}
test_expect_success 'serve on PostgreSQL: the pages, the API, a verification by code and address as on SQLite' '
    code=$(eml_code pg/out/2018-0001-000002.eml) && rcpt=$(sed -n "s/^To: .*<\(.*\)>.*/\1/p" pg/out/2018-0001-000002.eml | tr -d "\r") &&
    for d in sq pg; do
        if [ $d = pg ]; then serve_on pg "$URL"; else serve_on sq; fi || exit 1
        for p in / /incident/2018-0001 /api/v1/incidents /api/v1/incidents/2018-0001 /log/checkpoint; do
            curl -s -o "r.$d.$(echo "$p" | tr / _)" -w "%{http_code}\n" "$SURL$p" >>codes.$d
        done
        curl -s -X POST -d "{\"code\":\"$code\",\"email\":\"$rcpt\"}" "$SURL/api/v1/verify" >v.$d.json
        curl -s -X POST --data-urlencode "code=$code" "$SURL/verify" >v.$d.html
        kill -TERM $SPID; wait $SPID
    done &&
    [ "$(sort -u codes.pg)" = 200 ] && cmp codes.sq codes.pg &&
    jq -e ".genuine == true and .incident == \"2018-0001\" and .exposure.views >= 1" v.pg.json >/dev/null &&
    for f in r.sq.*; do  # a checkpoint signs the root, which the random salts of commitments change
        case "$f" in *checkpoint) continue ;; esac; cmp "$f" "r.pg.${f#r.sq.}" || exit 1
    done &&
    jq -S "del(.log)" v.sq.json >v.sq && jq -S "del(.log)" v.pg.json >v.pg && cmp v.sq v.pg &&
    sed "s/[0-9a-f]\{64\}/H/g" v.sq.html >h.sq && sed "s/[0-9a-f]\{64\}/H/g" v.pg.html >h.pg && cmp h.sq h.pg
'
test_expect_success 'parallel writers (timeline, statements) and a portal at once: one unbroken log and audit chain' '
    cd pg && export KLARTEXT_DB=$URL && serve_on . "$URL" && code=$(eml_code out/2018-0001-000003.eml) || exit 1
    before=$(pg_sql "$URL" "SELECT count(*) FROM audit"); pids=""
    for w in 1 2 3 4; do
        ( for i in 1 2 3 4 5; do
              klartext incident event 2018-0001 --text "writer $w entry $i" >/dev/null || exit 1
              klartext incident publish 2018-0001 --lang en --statement "Statement $w.$i" >/dev/null || exit 1
          done ) &
        pids="$pids $!"
    done
    ( for i in $(seq 20); do
          curl -s -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify" | jq -e ".genuine == true" >/dev/null || exit 1
      done ) &
    pids="$pids $!"; ok=1
    for p in $pids; do wait $p || ok=0; done
    kill -TERM $SPID; wait $SPID
    [ $ok = 1 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM event WHERE text LIKE '\''writer %'\''")" = 20 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM incident_statement")" = 21 ] &&
    [ "$(pg_sql "$URL" "SELECT max(id) - min(id) + 1 = count(*) FROM audit")" = t ] &&
    [ "$(pg_sql "$URL" "SELECT max(idx) + 1 = count(*) FROM tlog_entry")" = t ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM audit")" -gt "$before" ] &&
    klartext log checkpoint >/dev/null && klartext log verify >lv && grep_q "log verified" lv
'
# only a cluster of this suite's own may be restarted: under tests/run's shared cluster the next
# two tests are reported as skipped
own_cluster() { [ -n "$PG_DIR" ] || skip_next "the PostgreSQL cluster is shared with other suites (run this suite alone to restart its own)"; }
own_cluster
test_expect_success 'the server restarted under a running portal: it answers again, without a restart of its own' '
    serve_on pg "$URL" && code=$(eml_code pg/out/2018-0001-000001.eml) &&
    curl -s -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify" | jq -e ".genuine == true" >/dev/null &&
    pg_restart && for i in 1 2 3; do curl -s -o /dev/null "$SURL/"; done &&
    curl -s -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify" | jq -e ".genuine == true" >/dev/null &&
    [ "$(curl -s -o /dev/null -w "%{http_code}" "$SURL/incident/2018-0001")" = 200 ]
    rc=$?; kill -TERM $SPID; wait $SPID; exit $rc
'
own_cluster
test_expect_success 'the server stopped under a running portal: 503 (not 500) until it is back, then answers' '
    serve_on pg "$URL" && code=$(eml_code pg/out/2018-0001-000001.eml) && pg_server stop &&
    c1=$(curl -s -o a.json -w "%{http_code}" -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify") &&
    c2=$(curl -s -o /dev/null -w "%{http_code}" -X POST --data-urlencode "code=$code" "$SURL/verify") &&
    pg_server start &&
    c3=$(curl -s -o b.json -w "%{http_code}" -X POST -d "{\"code\":\"$code\"}" "$SURL/api/v1/verify")
    rc=$?; kill -TERM $SPID; wait $SPID
    [ $rc = 0 ] && [ "$c1" = 503 ] && [ "$c2" = 503 ] && [ "$c3" = 200 ] && grep_q unavailable a.json &&
    jq -e ".genuine == true" b.json >/dev/null || { echo "$c1 $c2 $c3"; exit 1; }
'
test_expect_success 'notify --smtp sends every notice once; the outbox, the log and the audit chain verify' '
    U2=$(pg_newdb) && smtpd_start mail && mkdir s && cd s && export KLARTEXT_DB=$U2 &&
    fixture_register && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$mail_port" >sum && grep -E -q "sent +4" sum &&
    [ "$(ls "$TRASH/mail" | wc -l)" -ge 4 ] &&
    [ "$(pg_sql "$U2" "SELECT count(*) FROM outbox WHERE state = '\''sent'\'' AND claimed_by IS NOT NULL")" = 4 ] &&
    klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$mail_port" >sum2 && grep_q "this run: 0 sent" sum2 &&
    klartext log verify >lv && grep_q "log verified" lv
'
test_expect_success 'two notify --smtp at once on one register: every notice delivered exactly once' '
    U3=$(pg_newdb) && smtpd_start slow --delay 100 && mkdir two && cd two && export KLARTEXT_DB=$U3 &&
    fixture_register && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    { klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$slow_port" >s1 2>e1 & p1=$!; } &&
    { klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$slow_port" >s2 2>e2 & p2=$!; } &&
    wait $p1; r1=$?; wait $p2; r2=$?
    # one sends; the other finds the register taken (exit 1, says so) or nothing left to send
    for i in 1 2; do eval "r=\$r$i"; [ "$r" = 0 ] || grep_q "another .klartext notify. is working" e$i || exit 1; done &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM outbox WHERE state = '\''sent'\'' AND attempts = 1")" = 4 ] &&
    [ "$(ls "$TRASH/slow" | grep -c "\.eml$")" = 4 ] &&
    [ "$(cat "$TRASH"/slow/*.eml | grep -ci "^Message-ID:" )" = 4 ]
'
test_expect_success 'the timeline, the audit trail, the log and the notices cannot be edited, even with SQL' '
    for q in "UPDATE event SET text = '\''x'\''" "DELETE FROM audit" "UPDATE audit SET actor = '\''x'\''" \
             "UPDATE tlog_entry SET kind = '\''x'\''" "DELETE FROM notice" "UPDATE decision SET reason = '\''x'\''"; do
        if pg_sql "$URL" "$q" 2>e; then echo "allowed: $q"; exit 1; fi
        grep_q "append-only" e || exit 1
    done
'
test_expect_code 2 'a URI that does not parse: exit 2 (bad input), named, without its password' '
    klartext --db "postgresql://kt:secret@127.0.0.1:1/x?bogus_option=1" status 2>e; rc=$?
    grep_q "is not a PostgreSQL address" e && not_grep_q secret e && grep_q "postgresql://kt@127.0.0.1:1/x" e &&
    klartext --db "postgresql://%zz@/x" incident list 2>e2; [ $? -eq 2 ] && grep_q "is not a PostgreSQL address" e2; exit $rc
'
test_expect_code 1 'a URI that names no server: exit 1, the reason, the URI without its password' '
    klartext --db "postgresql://kt:secret@127.0.0.1:1/x?connect_timeout=2" status 2>e; rc=$?
    grep_q "cannot connect" e && not_grep_q secret e && grep_q "postgresql://kt@127.0.0.1:1/x" e; exit $rc
'
test_expect_code 1 'a database without a register: not a klartext register, run init' '
    u=$(pg_newdb) && klartext --db "$u" status 2>e; rc=$?; grep_q "not a klartext register" e && grep_q "init" e; exit $rc
'
test_expect_code 1 'a register of a newer klartext is refused with both versions, nothing written' '
    u=$(pg_newdb) && mkdir n && cd n && klartext --db "$u" init >/dev/null 2>&1 &&
    pg_sql "$u" "ALTER TABLE audit DISABLE TRIGGER USER; UPDATE meta SET value = '\''999'\'' WHERE key = '\''schema_version'\''" &&
    before=$(pg_sql "$u" "SELECT count(*) FROM audit") &&
    klartext --db "$u" incident list 2>e; rc=$?
    grep_q "schema version 999" e && [ "$(pg_sql "$u" "SELECT count(*) FROM audit")" = "$before" ]; exit $rc
'
test_expect_code 1 'init over an existing register is refused' '
    klartext --db "$URL" init 2>e; rc=$?; grep_q "will not initialise" e; exit $rc
'
test_expect_success '--keys DIR: the key files of a PostgreSQL register are there, never in the database' '
    u=$(pg_newdb) && mkdir -p keys kk && (cd kk && klartext --db "$u" --keys ../keys init >/dev/null 2>&1) &&
    [ -f keys/klartext.key ] && [ -f keys/klartext.pub ] && ! [ -e kk/klartext.key ] &&
    ! "$PG_BIN/pg_dump" "$u" 2>/dev/null | grep -qF "$(sed -n 2p keys/klartext.key)" &&
    klartext --db "$u" org set portal.url=https://verify.example >/dev/null &&
    KLARTEXT_KEYS=keys klartext --db "$u" log checkpoint >/dev/null && klartext --db "$u" --keys keys log verify >/dev/null
'
test_expect_code 1 'an init that fails after the schema was made leaves no tables behind' '
    u=$(pg_newdb) && KLARTEXT_KEYS=/nonexistent/dir klartext --db "$u" init 2>e; rc=$?
    grep_q "signing key" e && [ "$(pg_sql "$u" "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" = 0 ]
    exit $rc
'
test_done
