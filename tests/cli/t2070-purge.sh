#!/usr/bin/env bash
# purge: the retention policy in the organisation file and org show/set; what blocks a purge
# (open incident, decision not filed, notices in the outbox) and that --dry-run says so and
# changes no byte of the register; the purge itself (counts, audit, timeline, log commitment,
# log verify); no purged name, address or subject id left in the raw bytes of the file or its
# -wal; report, register, verify --code, the portal and exposure after a purge; the triggers that
# still refuse every other change; viewer identities on their own, shorter clock.
# postgresql: not run there: it checks the bytes of the SQLite file and its -wal, and reads copies of the file as
# registers (--db saved-before.db); t2071 checks the purge on PostgreSQL (rows gone, VACUUM FULL, table files)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
export KLARTEXT_NOW=2018-11-22T10:00:00Z
notify_setup
# every word of the contact data and the subject ids: none may stay in the file after the purge
# (but C0077777777, whom the test names in the timeline below: free text is kept as it was written)
PURGED_WORDS=$(tail -n +2 subjects.csv | cut -d, -f1-3 | tr ',' '\n' | grep -v '^$' | grep -v '^C0077777777$' | sort -u)
# the file and its journal's content (a reader may leave an empty -wal; -shm is an index in shared memory)
sums() { sha256sum klartext.db; if [ -s klartext.db-wal ]; then sha256sum klartext.db-wal; fi; }

test_expect_code 2 'an invalid duration in [retention] is exit 2 naming the file and line' '
    mkdir bad && cp org.ini bad/ && printf "[retention]\ncontact_data = P6M\nnotices = 4 years\n" >>bad/org.ini &&
    line=$(grep -n "notices = 4 years" bad/org.ini | cut -d: -f1) &&
    (cd bad && klartext init --org org.ini 2>err; rc=$?
     grep_q "org.ini line $line: retention.notices: .4 years. is not an ISO 8601 duration" err && [ ! -e klartext.db ]; exit $rc)
'
test_expect_success 'org show lists the defaults; org set changes a period, audited; a bad one is refused' '
    klartext org show >show &&
    grep_q "^retention.contact_data  *P6M   (default)$" show && grep_q "^retention.notices  *P4Y   (default)$" show &&
    grep_q "^retention.exposures  *P12M   (default)$" show && grep_q "^retention.viewer_identities  *P30D   (default)$" show &&
    klartext org set retention.notices=P3Y >/dev/null &&
    klartext org show | grep_q "^retention.notices  *P3Y$" &&
    klartext audit | grep_q "retention.notices: .P3Y." &&
    before=$(db_dump) && { klartext org set retention.exposures=P1.5Y 2>err; [ $? = 2 ]; } &&
    grep_q "fractions are not supported" err && [ "$before" = "$(db_dump)" ] &&
    klartext --json org show | grep_q "\"retention.exposures\": \"P12M\""
'
test_expect_success 'an incident not closed, with a decision not filed, is kept and the dry run says why' '
    KLARTEXT_NOW=2030-01-01T00:00:00Z klartext purge --dry-run >dry &&
    grep_q "^2018-0001  kept: not closed (status suspected); the decision to notify the authority has not been filed yet$" dry &&
    grep_q "^Would delete: 0 rows" dry
'
# notices that failed and will be retried: no SMTP server on that port
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
deadport=$(free_port)
klartext notify 2018-0001 --smtp smtp://127.0.0.1:$deadport >/dev/null 2>&1
test_expect_success 'notices still to be retried keep the incident, and the dry run says so' '
    KLARTEXT_NOW=2030-01-01T00:00:00Z klartext purge --dry-run >dry &&
    grep_q "^2018-0001  kept: not closed (status suspected); .*; 4 notices still in the outbox (queued, being sent or to be retried)$" dry
'
smtpd_start s1
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s1_port >/dev/null 2>&1
CODE=$(cat "$TRASH"/s1/*.eml | grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' | head -1)
# one notice comes back: the mail server's diagnostic quotes the address (purged with the notices)
first=$(ls "$TRASH"/s1/*.eml | head -1)
MID=$(sed -n 's/^Message-ID: *//Ip' "$first" | head -1 | tr -d '\r')
RCPT=$(sed -n 's/^To: *//p' "$first" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
printf '%s\n' "From: MAILER-DAEMON@mx.example.org" "To: datenschutz@example.org" "Subject: Undelivered Mail" \
    "MIME-Version: 1.0" 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' "" "--B" "" \
    "<$RCPT>: user unknown" "" "--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.example.org" "" \
    "Final-Recipient: rfc822; $RCPT" "Action: failed" "Status: 5.1.1" "Diagnostic-Code: smtp; 550 5.1.1 <$RCPT>: user unknown" \
    "" "--B" "Content-Type: text/rfc822-headers" "" "Message-ID: $MID" "" "--B--" >bounce.eml
KLARTEXT_NOW=2018-11-22T12:30:00Z klartext notify 2018-0001 --bounces bounce.eml >bounce.out 2>&1
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-2018-4711" >/dev/null
# a person named in the timeline's free text: the timeline keeps it, the report hides it, after the purge too
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext incident event 2018-0001 --text "Kundin C0077777777 hat angerufen" >/dev/null
KLARTEXT_NOW=2018-11-23T10:00:00Z klartext incident update 2018-0001 --status closed >/dev/null
test_expect_success 'once sent and filed: nothing is due the day after closing, each period says until when' '
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"sent\"")" = 4 ] && [ -n "$CODE" ] &&
    KLARTEXT_NOW=2018-11-24T10:00:00Z klartext purge --dry-run >dry &&
    grep_q "^2018-0001  closed " dry && grep_q "contact_data  *5 kept until Thu 23 May 2019" dry &&
    grep_q "notices  *4 kept until Tue 23 Nov 2021" dry && grep_q "^Would delete: 0 rows" dry
'
export KLARTEXT_NOW=2022-01-01T10:00:00Z
test_expect_success '--dry-run lists what would go and changes no byte of the register' '
    reg_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null && reg_sql ".backup saved-before.db" &&
    s0=$(sums) &&
    klartext purge --dry-run >dry && [ "$s0" = "$(sums)" ] &&
    grep_q "contact_data  *5 would be deleted (P6M, due " dry && grep_q "notices  *4 would be deleted (P3Y" dry &&
    grep_q "exposures  *5 would be deleted (P12M" dry &&
    grep_q "^Would delete: 14 rows (contact_data 5, notices 4, exposures 5, viewer_identities 0). Nothing was changed (--dry-run).$" dry &&
    klartext --json purge --dry-run | jq -e ".would_delete.notices == 4 and .incidents[0].kinds.exposures.count == 5" >/dev/null &&
    [ "$s0" = "$(sums)" ]
'
test_expect_success 'purge deletes them: audit entry with the counts, a timeline entry, a log commitment, log verify' '
    klartext purge >out && grep_q "^Deleted: 14 rows" out &&
    klartext audit 2018-0001 | grep_q "purge  *2018-0001 counts: .contact_data=5 notices=4 exposures=5 viewer_identities=0." &&
    klartext incident show 2018-0001 | grep_q "Personal data deleted under the retention policy: 5 contact" &&
    [ "$(reg_sql "SELECT count(*) FROM tlog_entry WHERE kind = \"purge\" AND ref = \"2018-0001\"")" = 1 ] &&
    klartext log verify >lv && grep_q "^log verified" lv &&
    [ "$(reg_sql "SELECT count(*) FROM subject")" = 0 ] &&
    [ "$(reg_sql "SELECT count(*) FROM exposure")" = 0 ] &&
    [ "$(reg_sql "SELECT count(*) FROM notice WHERE message_codec = \"purged\" AND rcpt = \"\" AND length(message) = 0")" = 4 ] &&
    [ "$(reg_sql "SELECT count(*) FROM notice_event WHERE reply IS NOT NULL")" = 0 ]
'
test_expect_success 'a returned mail keeps its status, its diagnostic (which quoted the address) is gone' '
    [ -n "$RCPT" ] && grep -a -q -F "$RCPT" saved-before.db &&
    [ "$(reg_sql "SELECT count(*), min(status), max(diagnostic), max(source) FROM notice_bounce")" = "1|5.1.1||" ] &&
    reg_sql "UPDATE notice_bounce SET status = \"x\"" 2>err; grep_q "append-only" err
'
test_expect_success 'no purged name, address or subject id is left in the raw bytes of the file or its -wal' '
    [ -n "$PURGED_WORDS" ] && [ "$(echo "$PURGED_WORDS" | wc -l)" -ge 10 ] &&
    echo "$PURGED_WORDS" >words && while IFS= read -r w; do
        for f in klartext.db klartext.db-wal; do
            [ -e "$f" ] || continue
            if grep -a -q -F -- "$w" "$f"; then echo "found $w in $f"; exit 1; fi
        done
    done <words
'
test_expect_success 'the grep finds them in a copy made before the purge (the check can fail)' '
    grep -a -q -F "Erika Mustermann" saved-before.db && grep -a -q -F "C0012345678" saved-before.db
'
test_expect_success 'report and report --register still work and say what was deleted and when' '
    klartext report 2018-0001 --lang en >rep.txt &&
    grep_q "Personal data deleted under the retention policy" rep.txt &&
    grep_q "names and addresses of the people affected: 5 records (period P6M" rep.txt &&
    grep_q "5 affected\|5 people" rep.txt &&
    klartext report --register --lang en >regi.txt && grep_q "deleted  *1 January 2022, 11:00 CET: contact_data, 5 records" regi.txt &&
    klartext report 2018-0001 --format json | jq -e ".deleted_under_retention_policy | length == 3" >/dev/null
'
test_expect_success 'the report still hides a person named in the free text after the purge' '
    KLARTEXT_NOW=2018-11-24T10:00:00Z klartext --db saved-before.db report 2018-0001 --lang en | grep_q "Kundin \[…\] hat angerufen" &&
    klartext report 2018-0001 --lang en >rep2.txt && grep_q "Kundin \[…\] hat angerufen" rep2.txt &&
    not_grep_q C0077777777 rep2.txt
'
test_expect_success 'the report keeps the counts: people, reachable, fields as before the purge' '
    KLARTEXT_NOW=2018-11-24T10:00:00Z klartext --db saved-before.db report 2018-0001 --format json >a.json &&
    klartext report 2018-0001 --format json >b.json &&
    # not_reached (people told neither by e-mail nor by letter) needs the per-person rows the purge deleted
    jq -S ".numbers, (.communication | del(.notices.not_reached)), .where" a.json >a.n &&
    jq -S ".numbers, (.communication | del(.notices.not_reached)), .where" b.json >b.n &&
    diff a.n b.n && jq -e ".communication.notices.not_reached == null" b.json >/dev/null
'
test_expect_success 'verify --code answers a purged notice: when, and that its details were deleted; no address' '
    klartext verify --code "$CODE" >v.txt && grep_q "^GENUINE: the notice with this code" v.txt &&
    grep_q "details  *deleted under the retention policy on Sat 1 Jan 2022" v.txt &&
    grep_q "status  *sent " v.txt && not_grep_q "sent to" v.txt && not_grep_q "@" v.txt &&
    klartext --json verify --code "$CODE" | jq -e ".details_deleted_at == \"2022-01-01T10:00:00Z\" and (has(\"to\") | not)" >/dev/null
'
test_expect_success 'verify FILE.eml of a purged notice: signature and the kept text hash still agree' '
    eml=$(grep -l "$CODE" "$TRASH"/s1/*.eml | head -1) && [ -n "$eml" ] &&
    klartext verify "$eml" >vf.txt && grep_q "^GENUINE" vf.txt && grep_q "deleted under the retention policy" vf.txt
'
test_expect_success 'exposure ID says the per-person data was purged on that date' '
    klartext exposure 2018-0001 >e.txt && grep_q "was purged on Sat 1 Jan 2022" e.txt &&
    { klartext exposure 2018-0001 --subject C0012345678 2>e2; [ $? = 1 ]; } && grep_q "was purged on" e2
'
test_expect_success 'the portal answers a purged code with the date sent and the deletion, no personal data' '
    "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve.log & SPID=$!
    for _ in $(seq 100); do URL=$(grep -o "http://127.0.0.1:[0-9]*" serve.log | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done
    curl -s -X POST -H "Content-Type: application/json" -d "{\"code\":\"$CODE\",\"email\":\"erika@example.org\"}" "$URL/api/v1/verify" >api.json
    curl -s -X POST --data-urlencode "code=$CODE" -H "Origin: $URL" -H "Sec-Fetch-Site: same-origin" "$URL/verify?lang=en" >page.html
    kill -TERM $SPID; wait $SPID
    jq -e ".genuine == true and .details_deleted_at == \"2022-01-01T10:00:00Z\" and (has(\"recipient\") | not) and (has(\"exposure\") | not)" api.json >/dev/null &&
    grep_q "were deleted under our retention policy on" page.html && not_grep_q "@example" page.html
'
test_expect_success 'a second purge finds nothing; the triggers still refuse every other change' '
    klartext purge >again && grep_q "^Deleted: 0 rows" again &&
    ! reg_sql "UPDATE notice SET lang = \"en\"" 2>/dev/null &&
    ! reg_sql "UPDATE notice SET rcpt = \"x@example.org\"" 2>/dev/null &&
    ! reg_sql "DELETE FROM notice" 2>/dev/null &&
    ! reg_sql "UPDATE notice_event SET reply = \"250 ok\"" 2>/dev/null &&
    ! reg_sql "DELETE FROM purge" 2>/dev/null && ! reg_sql "UPDATE purge_scan SET exposed = 0" 2>/dev/null &&
    klartext log verify >/dev/null
'
test_expect_success 'a notice of an incident without a purge record cannot be emptied' '
    cp saved-before.db t.db &&
    ! sqlite3 t.db "UPDATE notice SET subject = \"\", rcpt = \"\", rcpt_masked = \"\", message = x\"\", message_codec = \"purged\"" 2>/dev/null &&
    [ "$(sqlite3 t.db "SELECT count(*) FROM notice WHERE message_codec = \"purged\"")" = 0 ]
'
# raw viewer identities on their own clock: 30 days after the scan, once the incident is closed
test_expect_success 'viewer identities go after their period; exposures stay' '
    mkdir v && cd v && write_org && write_rule && write_people &&
    KLARTEXT_NOW=2018-11-22T10:00:00Z klartext init --org org.ini >/dev/null 2>&1 &&
    export KLARTEXT_NOW=2018-11-22T10:00:00Z &&
    klartext incident new --title t --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log >/dev/null 2>&1 &&
    klartext incident update 2018-0001 --status not-a-breach >/dev/null &&
    klartext incident update 2018-0001 --status closed >/dev/null &&
    [ "$(reg_sql "SELECT count(*) FROM exposure WHERE viewer_identities IS NOT NULL")" -gt 0 ] &&
    ids=$(klartext exposure 2018-0001 --format csv | awk -F, "NR > 1 { n += \$5 } END { print n }") && [ "$ids" -gt 0 ] &&
    KLARTEXT_NOW=2018-12-21T10:00:00Z klartext purge --dry-run | grep_q "viewer_identities  *$ids kept until Sat 22 Dec 2018" &&
    KLARTEXT_NOW=2018-12-23T10:00:00Z klartext purge >out && grep_q "viewer_identities  *$ids deleted (P30D" out &&
    [ "$(reg_sql "SELECT count(*) FROM exposure WHERE viewer_identities IS NOT NULL")" = 0 ] &&
    [ "$(reg_sql "SELECT count(*) FROM exposure")" -gt 0 ] &&
    for w in C0000000001 C0000000009 C0000000007; do ! grep -a -q -F "$w" klartext.db || exit 1; done
'
test_done
