#!/usr/bin/env bash
# incident new|list|show|update|event, the timeline, the audit trail.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2026-11-21T10:00:00Z
klartext init >/dev/null 2>&1
klartext org set organisation.timezone=Europe/Berlin >/dev/null

test_expect_success 'incident new with every field; id from the year of awareness' '
    klartext --actor jana incident new --title "Names visible on profile pages" \
        --aware-at 2026-11-20T09:17:00+01:00 --aware-how "customer report to support" \
        --description "A caching error showed profile pages to other visitors." \
        --breach-types confidentiality --cause programming-error --status confirmed \
        --occurred-from 2026-11-12T14:03:00Z --occurred-until 2026-11-20T10:28:00Z \
        --contained-at 2026-11-20T10:28:00Z --data-categories name,email \
        --data-not-affected password,payment-card --subject-categories customers \
        --approx-subjects 1200 --approx-records 2400 --consequences "targeted phishing" \
        --measures-taken "cache rule removed" --measures-proposed "tell every customer" \
        --cross-border yes --lead-authority "BlnBDI" --nis2-significant no >out &&
    grep_q "Recorded incident 2026-0001" out
'
test_expect_success 'the second incident of the year gets the next number' '
    klartext incident new --title "Second" --aware-at 2026-11-21T08:00:00Z --aware-how "monitoring alert" >out &&
    grep_q "2026-0002" out
'
test_expect_success 'incident list shows open incidents' '
    klartext incident list >out && grep_q "2026-0001 *confirmed breach" out && grep_q "2026-0002 *suspected breach" out
'
test_expect_success 'incident show: fields in the organisation zone, deadlines, timeline' '
    klartext incident show 2026-0001 >out &&
    grep_q "became aware *Fri 20 Nov 2026 09:17 CET" out &&
    grep_q "authority deadline *Mon 23 Nov 2026 09:17 CET" out &&
    grep_q "end of period *Mon 23 Nov 2026 10:00 CET" out &&
    grep_q "data not affected *password, payment-card" out &&
    grep_q "#1 .*aware .*Became aware: customer report to support (jana)" out
'
test_expect_success 'incident show --utc and --json' '
    klartext incident show 2026-0001 --utc | grep_q "became aware *Fri 20 Nov 2026 08:17 UTC" &&
    klartext --json incident show 2026-0001 >j &&
    /usr/bin/python3 -c "
import json,sys; j=json.load(open(\"j\"))
assert j[\"ref\"]==\"2026-0001\" and j[\"aware_at\"]==\"2026-11-20T08:17:00Z\"
assert j[\"breach_types\"]==[\"confidentiality\"] and j[\"approx_subjects\"]==1200 and j[\"cross_border\"] is True
assert j[\"deadlines\"][\"authority_deadline\"]==\"2026-11-23T08:17:00Z\"
assert j[\"deadlines\"][\"reg_1182_71_end\"]==\"2026-11-23T09:00:00Z\"
assert j[\"timeline\"][0][\"kind\"]==\"aware\"
"
'
test_expect_success 'incident update changes fields, audits old and new value, adds a timeline entry' '
    klartext --actor jana incident update 2026-0001 --approx-subjects 1345 --measures-taken "cache rule removed; cache emptied" >out &&
    klartext audit 2026-0001 >a && grep_q "incident.update *2026-0001 approx_subjects: '"'"'1200'"'"' -> '"'"'1345'"'"'" a &&
    klartext incident show 2026-0001 | grep_q "Record updated: approx. number of people, measures taken (jana)"
'
test_expect_success 'status transitions: suspected -> not-a-breach is allowed' '
    klartext incident update 2026-0002 --status not-a-breach >/dev/null &&
    klartext incident show 2026-0002 | grep_q "Status changed from suspected breach to not a breach"
'
test_expect_code 2 'status cannot jump to notified without --notified-at' '
    klartext incident update 2026-0001 --status notified 2>err; rc=$?; grep_q "notified-at" err; exit $rc
'
test_expect_code 2 'an impossible transition is refused' '
    klartext incident update 2026-0002 --status notified --notified-at 2026-11-21T09:00:00Z 2>err; rc=$?
    grep_q "cannot change from not-a-breach to notified" err; exit $rc
'
test_expect_success 'timeline event, then a correction that refers to it' '
    klartext incident event 2026-0001 --text "Logs secured" --at 2026-11-20T11:00:00+01:00 --kind evidence >out &&
    n=$(sed -n "s/Added timeline entry #\([0-9]*\).*/\1/p" out) &&
    klartext incident event 2026-0001 --text "Logs were secured at 11:30, not 11:00" --corrects $n >/dev/null &&
    klartext incident show 2026-0001 >show && grep_q "correction .*Logs were secured at 11:30, not 11:00 \[corrects #$n\]" show &&
    grep_q "evidence .*Logs secured" show
'
test_expect_code 2 'a correction must refer to an existing entry' 'klartext incident event 2026-0001 --text x --corrects 99'
sqlite_only "reads the register with sqlite3 (t0062 checks the same on PostgreSQL)"
test_expect_success 'the timeline and the audit trail cannot be edited, even with SQL' '
    ! sqlite3 klartext.db "UPDATE event SET text=\"x\" WHERE seq=1" 2>err && grep_q "append-only" err &&
    ! sqlite3 klartext.db "DELETE FROM event" 2>/dev/null &&
    ! sqlite3 klartext.db "DELETE FROM audit" 2>/dev/null &&
    ! sqlite3 klartext.db "UPDATE audit SET actor=\"x\"" 2>/dev/null
'
test_expect_success 'recording the notification within 72 h sets status notified' '
    klartext incident update 2026-0001 --notified-at 2026-11-21T09:30:00+01:00 >out && grep_q "status: authority notified" out &&
    klartext incident show 2026-0001 | grep_q "authority notified *Sat 21 Nov 2026 09:30 CET (24 h 13 min after awareness, within 72 hours)"
'
test_expect_success 'audit shows the actor, the command and every change' '
    # (on PostgreSQL the database login first, the actor beside it: "klartext (--actor '\''jana'\'')", t0063)
    klartext audit >a && grep_q "jana['\'')]* *klartext incident update 2026-0001 --approx-subjects 1345" a &&
    klartext --json audit >aj && /usr/bin/python3 -c "
import json; a=json.load(open(\"aj\")); assert all(\"actor\" in e and \"at\" in e for e in a); assert any(e[\"action\"]==\"incident.create\" for e in a)"
'
test_done
