#!/usr/bin/env bash
# t3050-scan-memory — scan --memory-limit (issue 19): a scan whose people and (person, viewer)
# pairs would take more than the limit stops with exit 1 and a message that gives the figures,
# writes no CSV and stores nothing; below the limit the answer is the same as without one.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fixtures.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
write_rule
# 60,000 views of 60,000 people, each by a viewer of its own (the breach that touches millions, small)
awk 'BEGIN { for (i = 0; i < 60000; i++) {
    ip = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
    printf "%s - - [13/Nov/2018:10:%02d:%02d +0000] \"GET /gp/profile/P%09d HTTP/1.1\" 200 512 \"-\" \"UA\"\n", \
        ip, int(i / 60) % 60, i % 60, i } }' >many.log

test_expect_success 'no limit, the default and a high limit give the same answer' '
    klartext scan --rule rule.conf --csv none.csv --memory-limit none --threads 2 many.log 2>err &&
    grep_q "people 60000, views 60000, distinct (person, viewer) pairs 60000" err &&
    klartext scan --rule rule.conf --csv default.csv --threads 2 many.log 2>/dev/null &&
    klartext scan --rule rule.conf --csv high.csv --memory-limit 4G --threads 2 many.log 2>/dev/null &&
    cmp none.csv default.csv && cmp none.csv high.csv
'
test_expect_code 1 'over the limit: exit 1 with the figures, no CSV' '
    klartext scan --rule rule.conf --csv over.csv --memory-limit 24M --threads 2 many.log 2>err
'
test_expect_success 'the message names the limit, what is held and what would be needed' '
    grep_q "the scan stopped at the memory limit: after " err &&
    grep_q "more than --memory-limit 24 MiB" err &&
    grep_q "nothing was written or stored" err &&
    test ! -e over.csv && ! ls over.csv.* 2>/dev/null
'
test_expect_code 1 'over the limit with --incident: exit 1' '
    klartext init >/dev/null 2>&1 &&
    klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 --memory-limit 24M many.log 2>err
'
test_expect_success '... and the register holds no scan, exposure or viewer of it' '
    grep_q "memory limit" err &&
    test "$(sqlite3 klartext.db "SELECT (SELECT count(*) FROM scan) + (SELECT count(*) FROM exposure)")" = 0 &&
    klartext scan --rule rule.conf --incident 2018-0001 --memory-limit 4G many.log 2>/dev/null &&
    test "$(sqlite3 klartext.db "SELECT count(*) FROM exposure")" = 60000
'
for bad in 12x 0 -5 M "" 99999999999999999999G; do
    test_expect_code 2 "--memory-limit '$bad' is refused" "
        klartext scan --rule rule.conf --csv bad.csv --memory-limit '$bad' many.log 2>err
    "
    test_expect_success "... with the reason" "grep_q 'is not a size such as 512M' err && test ! -e bad.csv"
done
test_done
