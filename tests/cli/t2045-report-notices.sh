#!/usr/bin/env bash
# report: what became of the personal notices (section 7 and communication.notices), counted
# from a real outbox with a notice in every state: superseded ones are not counted, a failed
# notice still to be retried is waiting, one refused for good or out of attempts has failed.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
notify_setup 24
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
klartext notify 2018-0001 --out out >/dev/null 2>&1

set_state() {  # set_state SEQ STATE ATTEMPTS PERMANENT
    reg_sql "UPDATE outbox SET state = '$2', attempts = $3, permanent = $4
                         WHERE notice = (SELECT id FROM notice WHERE seq = $1)"
}
# the notices' states: each count below differs from the others, so a state counted under the
# wrong heading shows
states="1 queued 0 0, 2 queued 0 0, 3 sending 1 0, 4 sending 1 0,
        5 sent 1 0, 6 sent 1 0, 7 sent 1 0, 8 sent 2 0, 9 sent 1 0, 10 sent 1 0, 11 sent 3 0,
        12 failed 1 0, 13 failed 2 0, 14 failed 4 0, 15 failed 3 0, 16 failed 1 1, 17 failed 2 1, 18 failed 5 0,
        19 written 0 0, 20 written 0 0, 21 written 0 0, 22 written 0 0, 23 cancelled 0 0, 24 superseded 0 0"
test_expect_success 'the outbox holds 24 notices in every state' '
    [ "$(reg_sql "SELECT count(*) FROM outbox")" = 24 ] &&
    echo "$states" | tr "," "\n" | while read -r seq state attempts permanent; do
        [ -n "$seq" ] || continue
        set_state "$seq" "$state" "$attempts" "$permanent" || exit 1
    done &&
    [ "$(reg_sql "SELECT state || \" \" || count(*) FROM outbox GROUP BY state ORDER BY state" | tr "\n" ,)" = \
      "cancelled 1,failed 7,queued 2,sending 2,sent 7,superseded 1,written 4," ]
'
test_expect_success 'the text report counts each state (English and German)' '
    klartext report 2018-0001 --lang en | tr -s " \n" "  " >en &&
    grep_q "Personal notices 23 made and signed: 7 accepted by the mail server for delivery; 4 written to files, delivered by the organisation; 6 waiting to be sent; 2 of unknown delivery after an interruption (held for review); 3 could not be delivered; 1 held back (sending cancelled)" en &&
    klartext report 2018-0001 --lang de | tr -s " \n" "  " >de &&
    grep_q "23 erstellt und signiert: 7 vom Mailserver zur Zustellung angenommen; 4 als Dateien geschrieben, vom Verantwortlichen zugestellt; 6 warten auf den Versand; 2 nach einer Unterbrechung mit ungewisser Zustellung (zur Prüfung zurückgehalten); 3 konnten nicht zugestellt werden; 1 zurückgehalten (Versand abgebrochen)" de
'
test_expect_success 'JSON: communication.notices' '
    klartext report 2018-0001 --format json | "$PY" -c "
import json, sys
n = json.load(sys.stdin)[\"communication\"][\"notices\"]
assert n == dict(made=23, sent=7, written=4, pending=6, unknown=2, failed=3, cancelled=1, followups=0, returned_failed=0, returned_delayed=0, letters=0, not_reached=11), n"
'
test_done
