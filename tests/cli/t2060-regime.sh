#!/usr/bin/env bash
# The law as data: one incident under today's GDPR (a risk is notified, 72 hours) and under the
# Digital Omnibus proposal COM(2025) 837 (only a high risk, 96 hours), which is not in force and
# applies only when KLARTEXT_REGIME switches it on for testing; shown in status, the report and
# assess --json.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2026-11-21T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Former employee took the customer list" --aware-at 2026-11-20T09:30:00Z \
    --aware-how "a customer called" --breach-types confidentiality --cause insider-misuse >/dev/null
cat >a.ini <<'I'
[data]
category = simple
ei = maximum
[circumstances]
confidentiality = known
malicious = yes
recipient = outside
recipient_reason = a former employee took the list for his own business
I
OMNI=omnibus-2025-837
PY=/usr/bin/python3

test_expect_success 'GDPR (the default): a risk, notify the authority within 72 hours' '
    klartext --json assess 2026-0001 --input a.ini --dry-run >j &&
    $PY -c "
import json; a=json.load(open(\"j\"))[\"assessment\"]
assert a[\"regime\"][\"id\"]==\"gdpr\" and a[\"regime\"][\"in_force\"] and a[\"regime\"][\"deadline_hours\"]==72, a[\"regime\"]
p=a[\"proposal\"]; assert p[\"level\"]==\"risk\" and p[\"notify_authority\"], p
assert any(\"within 72 hours\" in r[\"en\"] for r in p[\"reasons\"])
"
'
test_expect_success 'the proposal, switched on for testing: the same risk is not notified; a warning says it is not law' '
    KLARTEXT_REGIME=$OMNI klartext --json assess 2026-0001 --input a.ini --dry-run >j 2>err &&
    grep_q "applies the Digital Omnibus proposal (not in force): it is not law, for testing only" err &&
    $PY -c "
import json; a=json.load(open(\"j\"))[\"assessment\"]
g=a[\"regime\"]; assert g[\"id\"]==\"omnibus-2025-837\" and not g[\"in_force\"] and g[\"deadline_hours\"]==96, g
assert g[\"authority_threshold\"]==\"high risk\" and \"COM(2025) 837\" in g[\"source\"], g
p=a[\"proposal\"]; assert p[\"level\"]==\"risk\" and not p[\"notify_authority\"], p
assert any(\"only a high risk is notified\" in r[\"en\"] for r in p[\"reasons\"])
assert a[\"thresholds\"].endswith(\",regime=omnibus-2025-837\")
"
'
test_expect_success 'status: 72 hours under the GDPR, 96 under the proposal, which says it is not in force' '
    klartext status >s1 && grep_q "law applied *GDPR, Art. 33: notify the authority from a risk, within 72 hours" s1 &&
    grep_q "authority deadline *Mon 23 Nov 2026 09:30 UTC" s1 &&
    KLARTEXT_REGIME=$OMNI klartext status >s2 2>/dev/null &&
    grep_q "NOT IN FORCE, applied for testing (KLARTEXT_REGIME); notify from a high risk, within 96 hours" s2 &&
    grep_q "authority deadline *Tue 24 Nov 2026 09:30 UTC" s2 &&
    grep_q "end of period *Tue 24 Nov 2026 10:00 UTC (Reg. 1182/71: 96 h counted from the next full hour)" s2 &&
    KLARTEXT_REGIME=$OMNI klartext --json status 2>/dev/null >sj && $PY -c "
import json; d=json.load(open(\"sj\"))[\"incidents\"][0][\"deadlines\"]
assert d[\"regime\"][\"id\"]==\"omnibus-2025-837\" and d[\"authority_deadline\"]==\"2026-11-24T09:30:00Z\", d
"
'
test_expect_success 'the report names the law applied and counts its hours' '
    klartext report 2026-0001 --lang en >r1 && grep_q "^Law applied *GDPR, Art. 33, in force when the organisation became" r1 &&
    grep_q "^72-hour deadline" r1 &&
    KLARTEXT_REGIME=$OMNI klartext report 2026-0001 --lang de >r2 2>/dev/null &&
    tr -s " \n" " " <r2 | grep_q "Vorschlag „Digital-Omnibus“ (nicht in Kraft): NICHT IN KRAFT, nur zu Testzwecken angewandt" &&
    grep_q "^96-Stunden-Frist" r2 &&
    KLARTEXT_REGIME=$OMNI klartext --json report 2026-0001 2>/dev/null >rj && $PY -c "
import json; t=json.load(open(\"rj\"))[\"time_limits\"]
assert t[\"regime\"][\"deadline_hours\"]==96 and t[\"deadline\"]==\"2026-11-24T09:30:00Z\", t
"
'
test_expect_success 'an assessment keeps the law it applied; a decision on it is checked against that proposal' '
    KLARTEXT_REGIME=$OMNI klartext assess 2026-0001 --input a.ini >out 2>/dev/null &&
    grep_q "law applied *Digital Omnibus proposal (not in force): NOT IN FORCE" out &&
    klartext assess 2026-0001 --decide authority=no,subjects=no --by "Dana DPO" >out &&
    grep_q "It follows the proposal" out &&
    [ "$(reg_sql "SELECT config FROM assessment" | sed "s/.*,regime=//")" = "$OMNI" ]
'
test_expect_success 'an unknown regime is refused before anything runs' '
    before=$(db_dump) && ! KLARTEXT_REGIME=gdpr-2030 klartext status >out 2>err &&
    grep_q "unknown regime .gdpr-2030. in KLARTEXT_REGIME (known: gdpr, omnibus-2025-837)" err && [ "$before" = "$(db_dump)" ]
'
test_done
