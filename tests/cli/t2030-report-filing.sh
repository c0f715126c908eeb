#!/usr/bin/env bash
# report --filed: records the SHA-256 of the exact bytes (lang/format stored), the case reference,
# sets notified_at through the incident's rules (72 h: reasons for delay), numbers follow-ups.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext org set organisation.timezone=Europe/Berlin >/dev/null
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" --status confirmed >/dev/null
klartext incident new --title "Found late" --aware-at 2018-11-10T09:00:00Z --aware-how "audit" --status confirmed >/dev/null
klartext assess 2018-0001 --category simple --ei maximum --confidentiality unknown --subjects 3 >/dev/null
klartext assess 2018-0001 --decide authority=yes,subjects=yes --by DPO --reason "to be safe" >/dev/null

unchanged() {  # unchanged CODE MESSAGE CMD...
    local code=$1 msg=$2; shift 2
    local before; before=$(db_dump)
    "$@" >out 2>err; local rc=$?
    [ "$before" = "$(db_dump)" ] || { echo "register changed"; return 1; }
    [ $rc = "$code" ] || { echo "exit $rc, expected $code"; cat err out; return 1; }
    grep_q "$msg" err
}

test_expect_success 'filing records the SHA-256 of the exact bytes sent, the reference, lang and format' '
    klartext report 2018-0001 --lang en >sent.txt &&
    klartext report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-2018-4711" >out &&
    grep_q "Recorded the notification of incident 2018-0001" out &&
    grep_q "case reference LDA-2018-4711" out &&
    sum=$(sha256sum <sent.txt | cut -d" " -f1) && grep_q "SHA-256 $sum" out &&
    [ "$(reg_sql "SELECT follow_up, case_ref, lang, format, sha256, bytes FROM filing")" = "0|LDA-2018-4711|en|text|$sum|$(wc -c <sent.txt)" ]
'
test_expect_success 'the incident is notified; status shows it within 72 hours' '
    klartext --json incident show 2018-0001 >j && /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); assert j[\"status\"]==\"notified\" and j[\"notified_at\"]==\"2018-11-22T09:30:00Z\", j
assert any(e[\"kind\"]==\"filing\" and \"LDA-2018-4711\" in e[\"text\"] for e in j[\"timeline\"])" &&
    klartext status >s && grep_q "authority notified" s && grep_q "within 72 hours" s &&
    klartext audit 2018-0001 | grep_q "report.file"
'
test_expect_success 'a second report is a follow-up: refused without --follow-up' '
    unchanged 2 "already notified (case reference .LDA-2018-4711.).*add --follow-up" \
        klartext report 2018-0001 --filed --at 2018-11-22T09:40:00Z --ref "LDA-2018-4711"
'
test_expect_success 'a follow-up carries the same reference; another one is refused' '
    unchanged 2 "carry the reference of the initial notification, .LDA-2018-4711., not .X-1." \
        klartext report 2018-0001 --filed --follow-up --at 2018-11-22T09:40:00Z --ref X-1
'
test_expect_success 'the next report is marked follow-up no. 1 under the reference; html/de filed and hashed' '
    klartext report 2018-0001 --lang en | tr -s " \n" " " | grep_q "follow-up notification no. 1 (Art. 33(4) GDPR) to our" &&
    klartext report 2018-0001 --lang de --format html >fu.html &&
    grep_q "Folgemeldung Nr. 1 (Art. 33 Abs. 4 DSGVO)" fu.html && grep_q "Ihr Aktenzeichen LDA-2018-4711" fu.html &&
    klartext report 2018-0001 --lang de --format html --filed --follow-up --at 2018-11-22T09:45:00Z >out &&
    grep_q "Recorded follow-up report no. 1" out &&
    [ "$(reg_sql "SELECT follow_up || \"|\" || case_ref || \"|\" || lang || \"|\" || format || \"|\" || sha256 FROM filing WHERE seq = 2")" = "1|LDA-2018-4711|de|html|$(sha256sum <fu.html | cut -d" " -f1)" ] &&
    klartext report 2018-0001 --lang en --filed --follow-up --ref LDA-2018-4711 --at 2018-11-22T09:50:00Z >/dev/null &&
    [ "$(reg_sql "SELECT group_concat(follow_up) FROM filing")" = "0,1,2" ] &&
    klartext report 2018-0001 --lang en >r && grep_q "follow-up notification no. 3" r &&
    grep_q "^[0-9]*\. Notifications filed under this reference" r
'
test_expect_success 'notified_at stays the initial notification'"'"'s time' '
    [ "$(reg_sql "SELECT notified_at FROM incident WHERE ref = \"2018-0001\"")" = "$(date -u -d 2018-11-22T09:30:00Z +%s)" ]
'
test_expect_success 'a follow-up without an initial notification is refused' '
    unchanged 2 "no initial notification on record" klartext report 2018-0002 --filed --follow-up --at 2018-11-22T09:00:00Z --ref R
'
test_expect_success 'a late filing needs the reasons for the delay; nothing is stored without them' '
    unchanged 2 "after the 72-hour deadline.*give them with --delay-reason" \
        klartext report 2018-0002 --filed --at 2018-11-22T09:00:00Z --ref R-2
'
test_expect_success 'with --delay-reason: recorded, and the report carries the reasons' '
    klartext report 2018-0002 --filed --at 2018-11-22T09:00:00Z --ref R-2 \
        --delay-reason "the processor told us only on 21 November" >out 2>err &&
    grep_q "the reasons for the delay are now part of the report" err &&
    klartext status >s && tr -s " \n" " " <s | grep_q "reason for the delay the processor told us only on 21 November" &&
    klartext report 2018-0002 --lang en >r && grep_q "Reasons for the delay" r && grep_q "after the 72 hours had passed" r &&
    klartext report 2018-0002 --lang en --format json | /usr/bin/python3 -c "
import json,sys; j=json.load(sys.stdin); t=j[\"time_limits\"]; assert t[\"notified_late\"] is True and t[\"delay_reason\"], t"
'
# golden files: a follow-up report and a late one with its reasons (KLARTEXT_UPDATE_GOLDEN=1 rewrites them)
GOLDEN="$SRC_DIR/tests/data/report/golden"
test_expect_success 'follow-up and late reports are byte-identical to their golden files' '
    for lang in en de; do for fmt in text html json veris; do
        klartext report 2018-0001 --lang $lang --format $fmt >followup.$lang.$fmt 2>/dev/null &&
        klartext report 2018-0002 --lang $lang --format $fmt >late.$lang.$fmt 2>/dev/null || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then mkdir -p "$GOLDEN" && cp followup.* late.* "$GOLDEN/"; fi &&
    for f in followup.* late.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_expect_success 'bad filing input: future, before awareness, no --at, no --ref, --out' '
    klartext incident new --title N --aware-at 2018-11-22T08:00:00Z --aware-how x >/dev/null &&
    unchanged 2 "is in the future" klartext report 2018-0003 --filed --at 2018-11-23T09:00:00Z --ref R &&
    unchanged 2 "before the organisation became aware" klartext report 2018-0003 --filed --at 2018-11-22T07:00:00Z --ref R &&
    unchanged 2 "needs --at TIME" klartext report 2018-0003 --filed --ref R &&
    unchanged 2 "needs --ref CASE-REF" klartext report 2018-0003 --filed --at 2018-11-22T09:00:00Z &&
    unchanged 2 "has no time zone" klartext report 2018-0003 --filed --at 2018-11-22T09:00 --ref R &&
    unchanged 2 "run them separately" klartext report 2018-0003 --filed --at 2018-11-22T09:00:00Z --ref R --out x
'
test_expect_success 'filings are append-only' '
    ! reg_sql "UPDATE filing SET case_ref = 1" 2>e && grep_q "append-only" e &&
    ! reg_sql "DELETE FROM filing" 2>e && grep_q "append-only" e
'
test_expect_success '--json' '
    klartext --json report 2018-0003 --filed --at 2018-11-22T09:00:00Z --ref R-3 >j 2>/dev/null && /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); assert j[\"type\"]==\"initial\" and j[\"case_ref\"]==\"R-3\" and j[\"format\"]==\"json\" and j[\"status\"]==\"notified\", j"
'
test_expect_success 'the register of these incidents is byte-identical to its golden files' '
    for lang in en de; do for fmt in text csv json; do
        klartext report --register --lang $lang --format $fmt >register-t2030.$lang.$fmt || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then cp register-t2030.* "$GOLDEN/"; fi &&
    for f in register-t2030.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_done
