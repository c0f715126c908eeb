#!/usr/bin/env bash
# The EDPB cases encoded from their published facts (tests/assess/cases/): every file names its
# sources and justifies every input; klartext proposes what the file records; the table in
# docs/assessment.md is the one the files give; and whatever klartext proposes, a named person
# may decide otherwise with a reason (Art. 33(5): the reason is kept).
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
CASES="$SRC_DIR/tests/assess/cases"
PY=/usr/bin/python3

test_expect_success 'every case: sources marked, every input justified, the proposal as recorded' '
    $PY "$SRC_DIR/tests/assess/cases.py" check "$KLARTEXT" >tap; rc=$?
    grep "^not ok\|^#" tap; [ $rc = 0 ] && [ "$(grep -c "^ok" tap)" = "$(ls "$CASES"/*.ini | wc -l)" ]
'
test_expect_success 'the agreement table in docs/assessment.md is the one the case files give' '
    $PY "$SRC_DIR/tests/assess/cases.py" docs "$SRC_DIR/docs/assessment.md"
'
test_expect_success 'the check fails on a case whose recorded proposal is not what klartext proposes' '
    mkdir -p c/cases && cp "$CASES/01-2021-case-01.ini" c/cases/ && cp "$SRC_DIR/tests/assess/cases.py" c/ &&
    sed -i "s/^# klartext: authority=no/# klartext: authority=yes/" c/cases/01-2021-case-01.ini &&
    ! $PY c/cases.py check "$KLARTEXT" >tap && grep_q "klartext proposes" tap
'
test_expect_success 'the check fails on an input without its reason' '
    mkdir -p d/cases && cp "$CASES/01-2021-case-08.ini" d/cases/ && cp "$SRC_DIR/tests/assess/cases.py" d/ &&
    sed -i "/^recipient_reason/d" d/cases/01-2021-case-08.ini &&
    ! $PY d/cases.py check "$KLARTEXT" >tap && grep_q "has no recipient_reason" tap
'
test_expect_success 'the check fails on a quote without its source marked' '
    mkdir -p e/cases && cp "$CASES/01-2021-case-11.ini" e/cases/ && cp "$SRC_DIR/tests/assess/cases.py" e/ &&
    sed -i "s/^# \[quoted by hrlaw.pl[^]]*\]/#/" e/cases/01-2021-case-11.ini &&
    ! $PY e/cases.py check "$KLARTEXT" >tap && grep_q "facts-status quoted without" tap
'

# The decision stays free: on a high-risk case, a no-risk case and one a new rule decided, every
# one of the six decisions is refused without a reason unless it is the proposal, and recorded
# with one.
klartext init >/dev/null 2>&1
n=0
for c in 01-2021-case-11 01-2021-case-01 01-2021-case-08; do
    n=$((n + 1))
    klartext incident new --title "$c" --aware-at 2026-11-20T09:00:00Z --aware-how "the case file" >/dev/null
done
decide_all() {  # decide_all REF CASE
    local ref=$1 case=$2 want a p spec
    klartext --json assess "$ref" --input "$CASES/$case.ini" >j || return 1
    want=$($PY -c "
import json; p=json.load(open(\"j\"))[\"assessment\"][\"proposal\"]
print(\"authority=%s,subjects=%s\" % (\"yes\" if p[\"notify_authority\"] else \"no\", \"yes\" if p[\"voluntary_notice\"] else p[\"people\"]))")
    for a in yes no; do for p in yes no public; do
        spec="authority=$a,subjects=$p"
        if [ "$spec" = "$want" ]; then
            klartext assess "$ref" --decide "$spec" --by "Dana DPO" >out || { echo "$spec refused"; return 1; }
            grep_q "It follows the proposal" out || return 1
        else
            klartext assess "$ref" --decide "$spec" --by "Dana DPO" >out 2>err && { echo "$spec without a reason accepted"; return 1; }
            grep_q "give the reason with --reason" err || return 1
            klartext assess "$ref" --decide "$spec" --by "Dana DPO" --reason "the DPO weighs it otherwise" >out ||
                { echo "$spec with a reason refused"; return 1; }
            grep_q "It differs from the proposal" out || return 1
        fi
    done; done
    [ "$(reg_sql "SELECT count(*) FROM decision d JOIN incident i ON i.id = d.incident_id WHERE i.ref = '$ref'")" = 6 ]
}
test_expect_success 'a high risk (case 11): every decision can be recorded, a different one with its reason' '
    decide_all 2026-0001 01-2021-case-11
'
test_expect_success 'no risk (case 01): the same' 'decide_all 2026-0002 01-2021-case-01'
test_expect_success 'a risk that a new rule proposed (case 08): the same' 'decide_all 2026-0003 01-2021-case-08'
test_done
