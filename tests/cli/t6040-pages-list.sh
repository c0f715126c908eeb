#!/usr/bin/env bash
# t6040 — an exposure's pages are a list everywhere: a page whose path holds a ';' (or a ',' or a
# '\') stays one page from the scan through the register (schema step 9) to the exposure CSV and
# JSON, the portal's "Where" list and its JSON, and the notice; old registers are migrated
# exactly (docs/rules.md "Pages with a ';' or a '\'").
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg; the old register of test 2 is SQLite only)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null && command -v jq >/dev/null || { echo "1..0 # SKIP curl or jq is not installed"; exit 0; }

cat >rule.conf <<'RULE'
format = common

[exposure "pages"]
request = ^/p/(S[0-9]+)/
status  = 200
fields  = name
RULE
cat >access.log <<'LOG'
192.0.2.1 - - [13/Nov/2018:09:00:00 +0000] "GET /p/S01/a;b'x&amp; HTTP/1.1" 200 1
192.0.2.1 - - [13/Nov/2018:09:00:01 +0000] "GET /p/S01/c\\d HTTP/1.1" 200 1
192.0.2.2 - - [13/Nov/2018:09:00:02 +0000] "GET /p/S02/x,y;z HTTP/1.1" 200 1
LOG
P1="/p/S01/a;b'x&amp;" P2='/p/S01/c\d' P3='/p/S02/x,y;z'

test_expect_success 'scan, register, exposure CSV and JSON: a page with a ";" is one page' '
    klartext init >/dev/null 2>&1 &&
    klartext incident new --title "Pages" --aware-at 2018-11-20T09:00:00Z --aware-how test >/dev/null 2>&1 &&
    klartext scan --rule rule.conf access.log >scan.csv 2>/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext exposure 2018-0001 --format csv >reg.csv && cmp scan.csv reg.csv &&
    grep -qxF "S01,2018-11-13T09:00:00Z,2018-11-13T09:00:01Z,2,1,0,1,/p/S01/a\;b'"'"'x&amp\;;/p/S01/c\\\\d,name" reg.csv &&
    klartext exposure 2018-0001 --format json >reg.json &&
    jq -e --arg a "$P1" --arg b "$P2" --arg c "$P3" "(.exposures[0].pages == [\$a, \$b]) and (.exposures[1].pages == [\$c])" reg.json >/dev/null &&
    test "$(reg_sql "SELECT pages FROM exposure WHERE subject = '"'"'S01'"'"'")" = "/p/S01/a\;b'"'"'x&amp\;;/p/S01/c\\\\d"
'
# a step-8 register is made from tests/data/register-step12 (a register an older klartext made,
# with exposure_viewer rows; t0100): its pages set in step 8's form (a "\" is a plain character),
# the tables of step 10 dropped and its version set back; steps 9 to 14 run on it again
sqlite_only "loads a SQLite dump of an older register"
test_expect_success 'an old register (schema step 8) is migrated exactly: a "\" in its pages reads back as before' '
    mkdir s8 && cd s8 && sqlite3 klartext.db <"$SRC_DIR/tests/data/register-step12/register.sql" &&
    sqlite3 klartext.db "UPDATE exposure SET pages = '"'"'/old\path;/x'"'"' WHERE subject = '"'"'C0012345678'"'"';
        UPDATE exposure SET pages = '"'"'/p/c\d'"'"' WHERE subject = '"'"'C0000000001'"'"'; UPDATE meta SET value = '"'"'8'"'"' WHERE key = '"'"'schema_version'"'"';
        DROP TABLE purge; DROP TABLE purge_scan; DROP TABLE purge_field; DROP TABLE purge_word" &&   # the tables of step 10, which step 8 has not
    klartext exposure 2018-0001 --scan 1 --format json >mig1.json 2>mig.err &&
    klartext exposure 2018-0001 --scan 2 --format json >mig2.json &&
    jq -e "(.exposures[] | select(.subject == \"C0012345678\") | .pages) == [\"/old\\\\path\", \"/x\"]" mig2.json >/dev/null &&
    for f in mig1.json mig2.json; do   # C0012345678 is in the second scan only
        jq -e "(.exposures[] | select(.subject == \"C0000000001\") | .pages) == [\"/p/c\\\\d\"]" $f >/dev/null || exit 1
    done &&
    test "$(sqlite3 klartext.db "SELECT value FROM meta WHERE key = '"'"'schema_version'"'"'")" -ge 14 &&
    test "$(sqlite3 klartext.db "SELECT DISTINCT pages FROM exposure WHERE subject = '"'"'C0012345678'"'"'")" = "/old\\\\path;/x" &&
    klartext audit | grep_q "register.migrate"
'

# the portal and the notice, on the demo register with one person's pages made so (on PostgreSQL
# in a database of its own: the one above holds a register)
if test_on_pg; then KLARTEXT_DB=$(pg_newdb) || exit 1; export KLARTEXT_DB; fi
klartext demo --dir demo >demo.out 2>&1 || { cat demo.out; echo "not ok 3 - demo"; echo "1..3"; exit 1; }
cd demo
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
eml=$(ls out/*.eml 2>/dev/null | head -1)
NOTICE=$(basename "$eml" .eml)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n 's/^To: *//p' "$eml" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
SUBJ=$(reg_sql "SELECT subject FROM notice WHERE notice_id = '$NOTICE'")
reg_sql "UPDATE exposure SET pages = '/p/S01/a\;b''x&amp\;;/p/S01/c\\\\d' WHERE subject = '$SUBJ'"
"$KLARTEXT" serve --listen 127.0.0.1:0 --access-log off 2>server.log &
PID=$!
trap 'kill -TERM $PID 2>/dev/null' EXIT
for _ in $(seq 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' server.log | head -1)
    [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break
    sleep 0.1
done
test_expect_success 'the portal: the "Where" list and the JSON show each page whole' '
    test -n "$CODE" && test -n "$SUBJ" &&
    curl -s -X POST --data-urlencode "code=$CODE" --data-urlencode "email=$RCPT" -d lang=en "$URL/verify" >v.html &&
    grep_q "<dt>Where</dt><dd>/p/S01/a;b&#39;x&amp;amp;, /p/S01/c\\\\d</dd>" v.html &&
    curl -s -X POST -d "{\"code\":\"$CODE\",\"email\":\"$RCPT\"}" "$URL/api/v1/verify" >v.json &&
    jq -e --arg a "$P1" --arg b "$P2" ".exposure.pages == [\$a, \$b]" v.json >/dev/null
'
test_expect_success 'the notice names each page whole' '
    klartext notify 2026-0001 --preview "$SUBJ" >preview.txt 2>&1 &&
    grep -F -q "/p/S01/a;b'"'"'x&amp;" preview.txt || { head -60 preview.txt; false; }
'
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'server stopped cleanly' 'test $src -eq 0'
test_done
