#!/usr/bin/env bash
# t3030-scan-guard — never a silent zero (docs/rules.md, "Never a silent zero"): a file in
# another format than the rule's stops the scan with exit 2, naming the file, the expected
# format and the one(s) its lines parse as — plain, .gz, .zst, stdin, split into ranges; a
# binary file too; an empty file is reported as empty; more than 1 % malformed lines get a line
# of their own in the summary and, with --incident, a timeline entry.
. "$(dirname "$0")/lib.sh"
CASES=$SRC_DIR/tests/scan/cases
cp "$CASES/caddy/access.log" caddy.json
cp "$CASES/w3c/access.log" iis.log
cp "$CASES/alb/access.log" alb.log
cp "$CASES/haproxy/access.log" haproxy.log
cat >combined.rule <<'R'
format = combined
[exposure "account"]
request = ^/account/?(\w*)
status  = 200
fields  = name
R
sed 's/^format = combined/format = common/' combined.rule >common.rule
sed 's/^format = combined/format = traefik/' combined.rule >traefik.rule
printf '192.0.2.1 - - [13/Nov/2018:09:15:02 +0000] "GET /account/C1 HTTP/1.1" 200 5120\n' >common.log

# guard FILE RULE WANT: exit 2 and exactly "klartext: WANT" on stderr
guard() {
    klartext scan --rule "$2" "${@:4}" "$1" >out 2>err
    local rc=$?
    [ "$rc" = 2 ] || { echo "exit $rc"; cat err; return 1; }
    grep -qxF "klartext: $3" err || { echo "want: klartext: $3"; cat err; return 1; }
    [ ! -s out ] || { echo "a CSV was written"; return 1; }
}

test_expect_success 'a Caddy log scanned as combined: exit 2, it names caddy' '
    guard caddy.json combined.rule "caddy.json: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)"
'
test_expect_success 'an IIS log scanned as combined: it names w3c' '
    guard iis.log combined.rule "iis.log: none of its 20 lines is a combined log line; they parse as w3c (format = w3c)"
'
test_expect_success 'an ALB log scanned as combined: it names alb' '
    guard alb.log combined.rule "alb.log: none of its 15 lines is a combined log line; they parse as alb (format = alb)"
'
test_expect_success 'a HAProxy log scanned as traefik: it names haproxy' '
    guard haproxy.log traefik.rule "haproxy.log: none of its 13 lines is a traefik log line; they parse as haproxy (format = haproxy)"
'
test_expect_success 'a common log scanned as combined: it names common' '
    guard common.log combined.rule "common.log: its only line is not a combined log line; they parse as common (format = common)"
'
test_expect_success 'a combined log scanned as caddy: it names combined, not also common' '
    cp "$CASES/status-query/access.log" combined.log &&
    guard combined.log traefik.rule "combined.log: none of its 7 lines is a traefik log line; they parse as combined (format = combined)"
'
test_expect_success 'a binary file: exit 2, not a crash, and no format named' '
    head -c 300000 "$KLARTEXT" >klartext.bin &&
    klartext scan --rule combined.rule klartext.bin >out 2>err; test $? = 2 &&
    grep_q "^klartext: klartext.bin: none of .* is a combined log line, nor of any other format klartext reads" err
'
test_expect_success 'gzip, zstd and stdin give the same message' '
    gzip -c caddy.json >caddy.json.gz && zstd -q -c caddy.json >caddy.json.zst &&
    guard caddy.json.gz combined.rule "caddy.json.gz: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)" &&
    guard caddy.json.zst combined.rule "caddy.json.zst: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)" &&
    guard - combined.rule "standard input: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)" <caddy.json &&
    guard - combined.rule "standard input: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)" <caddy.json.gz
'
test_expect_success 'cut into small ranges on 2 threads: the same message (the first lines read again)' '
    for n in 50 333 2000; do
        KLARTEXT_SCAN_SPLIT=$n guard caddy.json combined.rule "caddy.json: none of its 18 lines is a combined log line; they parse as caddy (format = caddy)" --threads 2 || exit 1
        KLARTEXT_SCAN_SPLIT=$n guard iis.log combined.rule "iis.log: none of its 20 lines is a combined log line; they parse as w3c (format = w3c)" --threads 2 || exit 1
    done
'
test_expect_success 'the first 1000 non-empty lines decide: a parsing line 1001 is too late, line 1000 is not' '
    { printf "\n\n"; for i in $(seq 999); do echo "not a log line $i"; done; } >late.log &&
    cp late.log inwindow.log && cat common.log >>inwindow.log &&
    { cat late.log; echo "one more bad line"; cat common.log; } >late2.log &&
    guard late2.log common.rule "late2.log: none of the first 1000 lines is a common log line, nor of any other format klartext reads (docs/rules.md lists them)" &&
    KLARTEXT_SCAN_SPLIT=4000 guard late2.log common.rule "late2.log: none of the first 1000 lines is a common log line, nor of any other format klartext reads (docs/rules.md lists them)" --threads 2 &&
    klartext scan --rule common.rule --check-all inwindow.log >out.csv 2>err && grep_q "malformed 1001" err
'
test_expect_success 'several files: the first wrong one in the order given is named; --keep-going does not hide it' '
    klartext scan --rule combined.rule combined.log alb.log caddy.json >out 2>err; test $? = 2 &&
    grep_q "^klartext: alb.log: none of its 15 lines" err &&
    klartext scan --rule combined.rule --keep-going combined.log caddy.json >out 2>err; test $? = 2 &&
    grep_q "^klartext: caddy.json: none" err
'
test_expect_success 'an empty file and a file of empty lines are reported as empty, not an error' '
    : >empty.log && printf "\n\r\n\n" >blank.log && gzip -c empty.log >empty.log.gz &&
    klartext scan --rule combined.rule empty.log blank.log empty.log.gz combined.log >out.csv 2>err &&
    grep_q "^empty: 3 files with no log lines: empty.log, blank.log, empty.log.gz$" err &&
    klartext scan --rule combined.rule - <empty.log >out.csv 2>err && grep_q "^empty: 1 file with no log lines: -$" err
'
test_expect_success 'a W3C file of directives only (an idle day) is empty' '
    printf "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-03-02 00:00:00\r\n#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status\r\n" >idle.log &&
    sed "s/^format = combined/format = w3c/" combined.rule >w3c.rule &&
    klartext scan --rule w3c.rule idle.log >out.csv 2>err && grep_q "^empty: 1 file with no log lines: idle.log$" err
'
test_expect_success 'more than 1 % malformed among the lines parsed in full: a summary line of its own' '
    klartext scan --rule "$CASES/haproxy/rule.conf" haproxy.log >out.csv 2>err &&
    grep_q "^warning: more than 1 % of the lines parsed in full are malformed: haproxy.log 2 of 12 (16.7 %)" err &&
    klartext scan --rule combined.rule combined.log >out.csv 2>err && not_grep_q "^warning:" err
'
test_expect_success 'with --incident the malformed share is on the timeline' '
    export KLARTEXT_NOW=2024-11-01T10:00:00Z &&
    klartext init >/dev/null 2>&1 &&
    klartext incident new --title "Profiles" --aware-at 2024-10-30T09:00:00Z --aware-how "customer" >/dev/null &&
    klartext scan --rule "$CASES/haproxy/rule.conf" --incident 2024-0001 haproxy.log >/dev/null 2>err &&
    klartext --json incident show 2024-0001 >j &&
    /usr/bin/python3 -c "
import json; j=json.load(open(\"j\"))
t=[e[\"text\"] for e in j[\"timeline\"] if \"malformed\" in e[\"text\"]]
assert any(\"haproxy.log 2 of 12 (16.7 %)\" in x for x in t), t
"
'
test_done
