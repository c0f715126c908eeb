#!/usr/bin/env bash
# bench/reach.sh — after the notices: follow-up detection and reading returned mail at scale.
#   bench/reach.sh [PEOPLE [DSNS]]        default 1000000 people, 100000 returned mails
# Builds (once, in bench/out/reach/, git-ignored) a register whose incident has PEOPLE exposed
# people (tests/fixtures.sh's gen_people), each with a notice marked sent for scan version 1 —
# the notice rows are written with SQL (a code hash, no real message), because making and
# signing a million real notices measures notify --out, not the detection — and a re-scan
# (version 2) of the same log plus one more view of every tenth person. Then it times
#   1. `klartext notify ID --status`: loads both scans, the contact data and every notice and
#      decides for each person whether their exposure changed in substance (plan.c); the check:
#      it reports as changed exactly the people the added lines name;
#   2. `klartext notify ID --bounces MBOX`: an mbox of DSNS postfix-style RFC 3464 reports, each
#      to the VERP address of another notice (every fifth one delayed); the check: DSNS*4/5
#      failed and DSNS/5 delayed recorded, nothing unmatched.
# Each is run twice; the figure is the faster run (the second --bounces finds everything
# recorded before, which is the same work except the inserts: both are printed).
set -eu
cd "$(dirname "$0")/.."
PEOPLE=${1:-1000000}
DSNS=${2:-100000}
. bench/lib.sh
fixture_dir reach/$PEOPLE
if [ ! -s ready ]; then
    rm -rf ./*
    fixture_register "$PEOPLE" >/dev/null
    klartext notify 2018-0001 --approve --by "Bench" >/dev/null
    fake_sent_notices
    awk 'NR % 10 == 1 && /\/gp\/profile\/C[0-9]+ / { sub(/10\.1\./, "10.9."); print }' access.log >more.log
    cat access.log more.log >access2.log
    grep -o 'profile/C[0-9]*' more.log | sort -u | wc -l >changed.expected
    klartext scan --rule rule.conf --incident 2018-0001 access2.log >/dev/null 2>&1
    "$PY" - "$DSNS" <<'EOF' >returned.mbox
import sys
n = int(sys.argv[1])
for i in range(1, n + 1):
    nid = '2018-0001-%06d' % i
    delayed = i % 5 == 0
    print('From MAILER-DAEMON Thu Nov 22 10:%02d:00 2018' % (i % 60))
    print('From: Mail Delivery System <MAILER-DAEMON@mx.example>')
    print('To: bounces+%s@beispiel-versand.example' % nid)
    print('Subject: %s' % ('Delayed Mail (still being retried)' if delayed else 'Undelivered Mail Returned to Sender'))
    print('MIME-Version: 1.0')
    print('Content-Type: multipart/report; report-type=delivery-status; boundary="B%d"' % i)
    print()
    print('--B%d' % i)
    print('Content-Type: text/plain\n\nThis is the mail system at host mx.example.\n')
    print('--B%d' % i)
    print('Content-Type: message/delivery-status\n')
    print('Reporting-MTA: dns; mx.example\n')
    print('Final-Recipient: rfc822; p%d@mail.example' % i)
    print('Action: %s' % ('delayed' if delayed else 'failed'))
    print('Status: %s' % ('4.4.1' if delayed else '5.1.1'))
    print('Diagnostic-Code: smtp; %s' % ('450 4.4.1 try again later' if delayed else '550 5.1.1 <p%d@mail.example>: User unknown' % i))
    print()
    print('--B%d' % i)
    print('Content-Type: text/rfc822-headers\n')
    print('Message-ID: <notice.%s@verify.beispiel-versand.example>' % nid)
    print('Subject: Personal notice\n')
    print('--B%d--' % i)
    print()
EOF
    klartext org set notices.bounce_address=bounces@beispiel-versand.example >/dev/null
    echo ok >ready
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); people $PEOPLE; notices $(sqlite3 klartext.db 'SELECT count(*) FROM notice')"
for run in 1 2; do
    t=$( { /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" "$K" notify 2018-0001 --status >status.out; } 2>&1 | tail -1 )
    want=$(cat changed.expected)
    got=$(sed -n 's/^ *changed in substance since their notice *\([0-9,]*\).*/\1/p' status.out | tr -d ,)
    [ "$got" = "$want" ] || { echo "bench: --status says $got changed, the log has $want"; exit 1; }
    echo "follow-up detection (notify --status), run $run: $t"
done
ls -l returned.mbox | awk '{printf "mbox: %d DSNs, %.0f MB\n", '"$DSNS"', $5 / 1e6}'
for run in 1 2; do
    t=$( { /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" "$K" --json notify 2018-0001 --bounces returned.mbox >bounces.json; } 2>&1 | tail -1 )
    jq -c '{read, failed, delayed, recorded_before, unmatched, malformed}' bounces.json
    echo "reading returned mail (notify --bounces), run $run: $t"
done
