#!/usr/bin/env bash
# Bad input: a clear one-line error, exit 2, and the register exactly as it was.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
klartext init >/dev/null 2>&1
klartext incident new --title T --aware-at 2026-11-20T09:17:00+01:00 --aware-how x >/dev/null

unchanged() {  # unchanged CODE MESSAGE CMD...
    local code=$1 msg=$2; shift 2
    local before; before=$(db_dump)
    "$@" 2>err; local rc=$?
    [ "$before" = "$(db_dump)" ] || { echo "register changed"; return 1; }
    [ $rc = "$code" ] || { echo "exit $rc, expected $code"; cat err; return 1; }
    grep_q "$msg" err
}
test_expect_success 'a time without a zone is an error, not a guess' '
    unchanged 2 "has no time zone" klartext incident new --title T --aware-at 2026-11-20T09:17 --aware-how x
'
test_expect_success 'an impossible date' '
    unchanged 2 "not a possible date" klartext incident new --title T --aware-at 2026-11-31T09:17:00Z --aware-how x &&
    unchanged 2 "not a possible date" klartext incident update 2026-0001 --contained-at 2026-02-29T10:00:00Z
'
test_expect_success 'a date in the future' '
    unchanged 2 "in the future" klartext incident new --title T --aware-at 2030-01-01T00:00:00Z --aware-how x
'
test_expect_success 'an unknown field name' '
    unchanged 2 "unknown option '"'"'--colour'"'"'" klartext incident new --title T --aware-at 2026-11-20T09:17:00Z --aware-how x --colour red
'
test_expect_success 'missing required fields' '
    unchanged 2 "missing --aware-at" klartext incident new --title T --aware-how x &&
    unchanged 2 "missing --aware-how" klartext incident new --title T --aware-at 2026-11-20T09:17:00Z &&
    unchanged 2 "required and cannot be cleared" klartext incident update 2026-0001 --title ""
'
test_expect_success 'values outside their lists' '
    unchanged 2 "not one of" klartext incident update 2026-0001 --breach-types secrecy &&
    unchanged 2 "not yes or no" klartext incident update 2026-0001 --cross-border maybe &&
    unchanged 2 "not a whole number" klartext incident update 2026-0001 --approx-subjects lots &&
    unchanged 2 "not one of" klartext incident update 2026-0001 --status finished
'
test_expect_success 'inconsistent times' '
    unchanged 2 "before occurred_from" klartext incident update 2026-0001 --occurred-from 2026-11-12T00:00:00Z --occurred-until 2026-11-11T00:00:00Z &&
    unchanged 2 "before aware_at" klartext incident update 2026-0001 --notified-at 2026-11-19T00:00:00Z
'
test_expect_success 'an unknown incident' '
    unchanged 2 "no incident '"'"'2026-0099'"'"'" klartext incident update 2026-0099 --title x &&
    unchanged 2 "no incident" klartext incident event 2026-0099 --text x
'
test_expect_success 'an update that changes nothing' '
    unchanged 2 "nothing to change" klartext incident update 2026-0001 --title T &&
    unchanged 2 "nothing to change" klartext incident update 2026-0001
'
test_expect_success 'a field given twice' '
    unchanged 2 "more than once" klartext incident update 2026-0001 --title A --title B
'
test_done
