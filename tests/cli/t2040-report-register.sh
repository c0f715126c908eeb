#!/usr/bin/env bash
# report --register: the Art. 33(5) register of every incident, notified or not, with facts,
# effects, remedial action and the reasoning of each decision; text, CSV, JSON.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Notified one" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" --status confirmed \
    --description "Profile pages, with a comma, visible" --consequences "Phishing" --measures-taken "Fixed" >/dev/null
klartext incident new --title "Not a breach" --aware-at 2018-11-21T10:00:00Z --aware-how "alarm" --status not-a-breach \
    --description "False alarm: the data was test data" >/dev/null
klartext incident new --title "Kept internal" --aware-at 2018-11-21T11:00:00Z --aware-how "staff" --status confirmed >/dev/null
klartext assess 2018-0001 --category simple --ei maximum --confidentiality unknown --subjects 2000 >/dev/null
klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana" --reason "phishing risk" >/dev/null
klartext report 2018-0001 --filed --at 2018-11-22T09:00:00Z --ref CASE-1 >/dev/null 2>&1
klartext assess 2018-0003 --category simple --ei limited --confidentiality known --trusted-recipient yes \
    --trusted-recipient-reason "sent to our auditor under NDA, deleted" >/dev/null
klartext assess 2018-0003 --decide authority=no,subjects=no --by "Dana" >/dev/null
klartext incident update 2018-0003 --status closed >/dev/null

test_expect_success 'text: every incident, closed and not-a-breach too, with the reasoning of each decision' '
    klartext report --register >r &&
    grep_q "Register of personal data breaches (Art. 33(5) GDPR)" r && grep_q "3 incidents, notified or not" r &&
    grep_q "^2018-0001  Notified one" r && grep_q "^2018-0002  Not a breach" r && grep_q "^2018-0003  Kept internal" r &&
    grep_q "False alarm: the data was test data" r &&
    tr -s " \n" " " <r | grep_q "case reference CASE-1" && grep_q "reason: phishing risk" r &&
    tr -s " \n" " " <r | grep_q "The data reached only known, trusted recipients" &&
    grep_q "given: trusted_recipient = yes: sent to our auditor under NDA, deleted" r &&
    tr -s " \n" " " <r | grep_q "decision no. 1 .* (on assessment no. 1): authority no, people no; as proposed" &&
    grep -A30 "^2018-0002" r | grep -E -q "decision +none recorded"
'
test_expect_success 'CSV: a header and one row per incident' '
    klartext report --register --format csv >r.csv && /usr/bin/python3 -c "
import csv; rows=list(csv.DictReader(open(\"r.csv\")))
assert [r[\"ref\"] for r in rows]==[\"2018-0001\",\"2018-0002\",\"2018-0003\"], rows
a,b,c=rows
assert a[\"notified_at\"]==\"2018-11-22T09:00:00Z\" and a[\"case_ref\"]==\"CASE-1\" and a[\"decided_by\"]==\"Dana\" and a[\"decision_reason\"]==\"phishing risk\"
assert a[\"description\"]==\"Profile pages, with a comma, visible\" and a[\"se\"]==\"1.5\" and a[\"proposed_authority\"]==\"yes\", a
assert b[\"status\"]==\"not-a-breach\" and b[\"decisions\"]==\"0\" and c[\"status\"]==\"closed\" and c[\"decided_authority\"]==\"no\"
"
'
test_expect_success 'JSON: every assessment and decision' '
    klartext --json report --register >j && /usr/bin/python3 -c "
import json; r=json.load(open(\"j\"))[\"register\"]
assert len(r)==3 and len(r[0][\"assessments\"])==1 and r[0][\"decisions\"][0][\"reason\"]==\"phishing risk\"
assert r[2][\"assessments\"][0][\"inputs\"][\"trusted_recipient\"][\"reason\"]==\"sent to our auditor under NDA, deleted\"
assert r[0][\"filings\"][0][\"case_ref\"]==\"CASE-1\"
"
'
test_expect_success 'German' 'klartext report --register --lang de | grep_q "Verzeichnis der Verletzungen des Schutzes personenbezogener Daten (Art. 33 Abs. 5 DSGVO)"'
# golden files: the register in every language and format (KLARTEXT_UPDATE_GOLDEN=1 rewrites them)
GOLDEN="$SRC_DIR/tests/data/report/golden"
test_expect_success 'the register is byte-identical to its golden files' '
    for lang in en de; do for fmt in text csv json; do
        klartext report --register --lang $lang --format $fmt >register.$lang.$fmt || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then mkdir -p "$GOLDEN" && cp register.* "$GOLDEN/"; fi &&
    for f in register.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_expect_code 2 'no incident ID with --register' 'klartext report 2018-0001 --register'
test_expect_code 2 'no veris for the register' 'klartext report --register --format veris'
test_done
