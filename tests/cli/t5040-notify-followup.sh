#!/usr/bin/env bash
# notify after a re-scan: an unchanged re-scan sends nothing; a person whose exposure changed in
# substance gets a follow-up (its own templates, signed, naming the earlier notice and what
# changed), a person found only now a first notice; both need a new approval; --status lists
# them; --preview and --test-to show the follow-up; verify --code knows the follow-up's code.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
notify_setup
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
sink_start s1
smtp="smtp://127.0.0.1:$s1_port"
received() { sink_received s1 | wc -l; }

test_expect_success 'the first run sends four notices' '
    klartext notify 2018-0001 --smtp "$smtp" >sum && [ "$(received)" = 4 ]
'
test_expect_success 'an unchanged re-scan: --status lists no change; approved again, it sends nothing' '
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext notify 2018-0001 --status >st &&
    grep -E -q "changed in substance since their notice +0" st &&
    grep -E -q "without a notice yet \(e.g. found only now\) +0" st &&
    klartext notify 2018-0001 --approve --by "Dana DPO" | grep_q "approval #2" &&
    klartext notify 2018-0001 --smtp "$smtp" >sum && [ "$(received)" = 4 ] &&
    not_grep_q "notices made in this run" sum &&
    [ "$(reg_sql "SELECT count(*) FROM notice")" = 4 ]
'
# John Doe (C0099999999): seen once by one person; now three times by three. A new person.
cat >>access.log <<'L'
10.0.0.31 - - [15/Nov/2018:11:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
10.0.0.32 - C0000000032 [19/Nov/2018:12:30:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
10.0.0.40 - - [18/Nov/2018:08:00:00 +0000] "GET /gp/profile/C0044444444 HTTP/1.1" 200 512 "-" "M"
L
echo "C0044444444,Nora Neu,nora@example.com,en,Europe/London," >>subjects.csv

test_expect_success 'a re-scan with more views: --status lists the change and the new person' '
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext subjects import 2018-0001 subjects.csv >/dev/null &&
    klartext notify 2018-0001 --status >st &&
    grep -E -q "changed in substance since their notice +1" st &&
    grep -E -q "without a notice yet \(e.g. found only now\) +1" st &&
    grep -E -q "^2018-0001-00000[0-9] +j\*\*\*@example.com +views 1 -> 3, viewers 1 -> 3, a later last view$" st &&
    klartext --json notify 2018-0001 --status | "$PY" -c "import json,sys; j=json.load(sys.stdin); assert (j[\"followups_to_make\"], j[\"first_notices_to_make\"]) == (1, 1), j"
'
test_expect_code 1 'the follow-ups and first notices need a new approval' '
    klartext notify 2018-0001 --smtp "$smtp" 2>err; rc=$?
    grep_q "changed since approval #2 by Dana DPO (scan)" err && [ "$(received)" = 4 ]; exit $rc
'
test_expect_success '--preview shows the follow-up: the earlier notice, what we wrote, what we know now' '
    klartext notify 2018-0001 --preview C0099999999 >p.txt && tr -s " \n" " " <p.txt >flat &&
    grep_q "^Subject: Follow-up from Beispiel Versand GmbH to our notice 2018-0001-00000[0-9]: what we now know about your data (incident 2018-0001)$" p.txt &&
    grep_q "We wrote to you on 22 November 2018 (notice 2018-0001-00000[0-9])" flat &&
    grep_q "we wrote that your data was seen once by one other person; we now know it was seen 3 times by three other people, between Wednesday, 14 November 2018, 05:00 EST and Monday, 19 November 2018, 07:30 EST" flat &&
    grep_q "WHAT CHANGED SINCE OUR LETTER OF" flat &&
    grep_q "Your data was viewed 3 times, not 1." flat && grep_q "3 other people saw it, not 1." flat &&
    grep_q "It was last seen on Monday, 19 November 2018, 07:30 EST, later than we wrote (Wednesday, 14 November 2018, 05:00 EST)." flat &&
    klartext notify 2018-0001 --preview C0044444444 | grep_q "^Subject: Personal notice from"
'
test_expect_success 'German follow-up: its own templates' '
    reg_sql ".backup before-de.db" && cp access.log before-de.log &&
    printf "10.0.0.50 - - [21/Nov/2018:08:00:00 +0000] \"GET /gp/profile/C0012345678 HTTP/1.1\" 200 512 \"-\" \"M\"\n" >>access.log &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext notify 2018-0001 --preview C0012345678 >p.txt && tr -s " \n" " " <p.txt >flat &&
    grep_q "^Subject: Nachtrag von Beispiel Versand GmbH zu unserer Mitteilung 2018-0001-00000[0-9]" p.txt &&
    grep_q "Wir schrieben, Ihre Daten seien 3-mal von zwei anderen Personen aufgerufen worden; heute wissen wir, dass sie 4-mal von drei anderen Personen aufgerufen wurden" flat &&
    grep_q "WAS SICH SEIT UNSEREM SCHREIBEN VOM" flat &&
    reg_sql ".restore before-de.db" && cp before-de.log access.log
'
test_expect_success 'a TEST sample of the follow-up goes to the DPO' '
    klartext notify 2018-0001 --test-to dpo@beispiel-versand.example --subject C0099999999 --smtp "$smtp" >t &&
    grep_q "TEST notice sent" t && [ "$(received)" = 5 ]
'
test_expect_success 'approved again: one follow-up and one first notice are sent, nothing else' '
    klartext notify 2018-0001 --approve --by "Dana DPO" | grep_q "approval #3" &&
    klartext notify 2018-0001 --smtp "$smtp" >sum &&
    grep -E -q "notices made in this run +2" sum && grep -E -q "of these, follow-ups +1" sum &&
    [ "$(received)" = 7 ] &&
    [ "$(reg_sql "SELECT group_concat(kind || \":\" || coalesce(follows, 0), \" \") FROM notice ORDER BY id")" = "first:0 first:0 first:0 first:0 first:0 followup:2" ] ||
    [ "$(reg_sql "SELECT count(*) FROM notice WHERE kind = \"followup\" AND follows = (SELECT id FROM notice WHERE rcpt = \"john@example.com\" AND kind = \"first\")")" = 1 ]
'
test_expect_success 'the follow-up as received: signed, names the earlier notice, its code verifies' '
    f=$(grep -l "^Subject: Follow-up" "$TRASH"/s1/* | head -1) && [ -n "$f" ] &&
    grep_q "^X-Rcpt-Args: <john@example.com>" "$f" &&
    "$PY" - "$f" <<EOF &&
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
t = m.get_body(preferencelist=("plain",)).get_content()
att = {p.get_filename(): p.get_content() for p in m.walk() if p.get_filename()}
assert att["notice.txt"].replace("\r\n", "\n") == t.replace("\r\n", "\n")
open("fu.txt", "w").write(att["notice.txt"])
sig = att["notice.txt.minisig"]
open("fu.txt.minisig", "wb").write(sig if isinstance(sig, bytes) else sig.encode())
EOF
    minisign -Vm fu.txt -p klartext.pub >/dev/null &&
    code=$(eml_code "$f") && klartext verify --code "$code" >v && grep_q "^GENUINE" v &&
    grep_q "^  kind  *a follow-up" v &&
    echo "$code" >fu.code && first=$(grep -l "^X-Rcpt-Args: <john@example.com>" "$TRASH"/s1/* | xargs grep -L "^Subject: Follow-up" | head -1) &&
    eml_code "$first" >first.code &&
    klartext verify --code "$(cat first.code)" >v1 && grep -E -q "^  newer +2018-0001-00000[0-9] \(follow-up, made .*, sent\): it states the newest facts" v1
'
test_expect_success 'the portal: the notices of a person in order, the newest facts first, by either code' '
    klartext org set portal.url=http://127.0.0.1/ >/dev/null 2>&1
    "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve.log & spid=$!
    for _ in $(seq 100); do url=$(grep -o "http://127.0.0.1:[0-9]*" serve.log | head -1); [ -n "$url" ] && curl -s -o /dev/null "$url/" && break; sleep 0.1; done
    ok=0
    curl -s -X POST -d "{\"code\":\"$(cat first.code)\",\"email\":\"john@example.com\"}" "$url/api/v1/verify" >old.json &&
    curl -s -X POST -d "{\"code\":\"$(cat fu.code)\",\"email\":\"john@example.com\"}" "$url/api/v1/verify" >new.json &&
    jq -e "[.notices[].kind] == [\"followup\", \"first\"] and .exposure.views == 1" old.json >/dev/null &&
    jq -e "[.notices[].kind] == [\"followup\", \"first\"] and .exposure.views == 3" new.json >/dev/null &&
    curl -s --data-urlencode "code=$(cat first.code)" --data-urlencode "email=john@example.com" -H "Origin: $url" "$url/verify?lang=en" >old.html &&
    grep_q "Your notices about this incident" old.html && grep_q "Newest facts:</strong> Follow-up" old.html &&
    grep_q "(the one you are checking)" old.html || ok=1
    kill -TERM $spid; wait $spid; exit $ok
'
test_expect_success '--status and the reports after sending: follow-ups counted, nothing left to make' '
    klartext report 2018-0001 --format json | jq -e ".communication.notices.followups == 1" >/dev/null &&
    klartext report 2018-0001 --lang en | tr -s " \n" "  " | grep_q "; 1 of the notices made, follow-ups after a new log analysis" &&
    klartext report --register --lang en | tr -s " \n" "  " | grep_q "6 made (1 follow-ups): 6 sent" &&
    klartext notify 2018-0001 --status >st &&
    grep -E -q "of these, follow-ups +1" st &&
    grep -E -q "changed in substance since their notice +0" st &&
    grep -E -q "without a notice yet \(e.g. found only now\) +0" st
'
test_expect_success 'a further unchanged re-scan sends nothing (the follow-up is now the notice they have)' '
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    klartext notify 2018-0001 --smtp "$smtp" >sum && [ "$(received)" = 7 ] &&
    klartext notify 2018-0001 --status | grep -E -q "changed in substance since their notice +0"
'
test_done
