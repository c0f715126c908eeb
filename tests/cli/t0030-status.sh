#!/usr/bin/env bash
# status: the 72 h deadline, Reg. 1182/71, OVERDUE, late notifications, NIS2.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
klartext init >/dev/null 2>&1
klartext org set organisation.timezone=Europe/Berlin >/dev/null

test_expect_success 'the done-when case: deadline and Reg. 1182/71 end' '
    KLARTEXT_NOW=2026-11-21T10:00:00Z klartext incident new --title "Profile pages" \
        --aware-at 2026-11-20T09:17:00+01:00 --aware-how "customer report" >/dev/null &&
    KLARTEXT_NOW=2026-11-21T10:00:00Z klartext status >out &&
    grep_q "authority deadline *Mon 23 Nov 2026 09:17 CET — 46 h 17 min left" out &&
    grep_q "end of period *Mon 23 Nov 2026 10:00 CET (Reg. 1182/71" out &&
    KLARTEXT_NOW=2026-11-21T10:00:00Z klartext status --utc | grep_q "authority deadline *Mon 23 Nov 2026 08:17 UTC"
'
test_expect_success 'OVERDUE, loudly, once 72 h have passed without a notification' '
    KLARTEXT_NOW=2026-11-23T12:00:00Z klartext status >out &&
    grep_q "!! 1 incident is OVERDUE" out && grep_q "OVERDUE by 3 h 43 min — NO NOTIFICATION RECORDED" out &&
    KLARTEXT_NOW=2026-11-23T12:00:00Z klartext status --json | /usr/bin/python3 -c "
import json,sys; j=json.load(sys.stdin); d=j[\"incidents\"][0][\"deadlines\"]; assert d[\"overdue\"] is True and d[\"seconds_left\"]<0"
'
test_expect_code 2 'a late notification needs a reason for the delay; nothing is stored without it' '
    before=$(db_dump)
    KLARTEXT_NOW=2026-11-24T12:00:00Z klartext incident update 2026-0001 --notified-at 2026-11-24T10:00:00+01:00 2>err; rc=$?
    grep_q "after the 72-hour deadline" err && grep_q "delay-reason" err && [ "$before" = "$(db_dump)" ]; exit $rc
'
test_expect_success 'with a reason, the late notification is recorded and shown as late' '
    KLARTEXT_NOW=2026-11-24T12:00:00Z klartext incident update 2026-0001 --notified-at 2026-11-24T10:00:00+01:00 \
        --delay-reason "The logs of a second data centre arrived only on Monday" >/dev/null &&
    KLARTEXT_NOW=2026-11-24T12:00:00Z klartext status >out &&
    grep_q "authority notified *Tue 24 Nov 2026 10:00 CET (4 d 0 h 43 min after awareness; 24 h 43 min after the 72-hour deadline)" out &&
    grep_q "reason for the delay *The logs of a second data centre" out && not_grep_q "OVERDUE" out
'
test_expect_success 'NIS2 clocks when the organisation is in scope and the incident significant' '
    klartext org set organisation.nis2=yes >/dev/null &&
    KLARTEXT_NOW=2026-11-21T10:00:00Z klartext incident new --title "Ransomware" --aware-at 2026-11-21T06:00:00Z \
        --aware-how "EDR alert" --nis2-significant yes >/dev/null &&
    KLARTEXT_NOW=2026-11-22T10:00:00Z klartext status >out &&
    grep_q "NIS2 (to the CSIRT):" out &&
    grep_q "early warning *due Sun 22 Nov 2026 07:00 CET — OVERDUE by 4 h 00 min, none recorded" out &&
    grep_q "final report *due one month after the incident notification" out &&
    KLARTEXT_NOW=2026-11-23T10:00:00Z klartext incident update 2026-0002 --nis2-warning-at 2026-11-21T20:00:00Z --nis2-notified-at 2026-11-23T09:00:00Z >/dev/null &&
    KLARTEXT_NOW=2026-11-23T10:00:00Z klartext status >out &&
    grep_q "early warning *due Sun 22 Nov 2026 07:00 CET — sent Sat 21 Nov 2026 21:00 CET" out &&
    grep_q "final report *due Wed 23 Dec 2026 10:00 CET" out
'
test_expect_success 'no NIS2 clocks for an incident that is not significant' '
    KLARTEXT_NOW=2026-11-21T10:00:00Z klartext status | sed -n "/2026-0001/,/^$/p" | not_grep_q NIS2
'
test_expect_success 'status with no open incidents says so' '
    klartext --db empty.db init >/dev/null 2>&1 && klartext --db empty.db status | grep_q "No open incidents"
'
test_done
