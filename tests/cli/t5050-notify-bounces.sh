#!/usr/bin/env bash
# notify --bounces: each notice goes out with its own envelope sender (VERP from
# notices.bounce_address); a throwaway postfix on loopback relays the notices, refuses one
# (its smtp client gets a 5xx: a real RFC 3464 bounce) and cannot reach another (a real "delayed"
# report), and writes both reports to the bounce address, where aiosmtpd keeps them in a Maildir;
# --bounces reads them and hand-checked samples (RFC 3464, Gmail-, Exchange-, qmail-style, an
# auto-reply, malformed, unknown, unmatched) from a Maildir and an mbox.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
DSN="$SRC_DIR/tests/data/notify/dsn"
notify_setup

test_expect_code 2 'notices.bounce_address must leave room for the notice id' '
    klartext org set notices.bounce_address=bounces+x@beispiel-versand.example 2>err; rc=$?
    grep_q "must hold no .+." err; exit $rc
'
test_expect_success 'org set notices.bounce_address; the VERP address of a notice' '
    klartext org set notices.bounce_address=bounces@beispiel-versand.example >/dev/null &&
    klartext org show | grep_q "^notices.bounce_address *bounces@beispiel-versand.example" &&
    klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
'

# a throwaway postfix: its own config, queue and log under a directory its unprivileged user can
# reach (the suite's TMPDIR is private), stopped when the script ends
PF=$(mktemp -d /tmp/klartext-postfix.XXXXXX) && chmod 755 "$PF"
pf_stop() { postfix -c "$PF/conf" stop >/dev/null 2>&1; stop_servers; rm -rf "$PF"; }
trap pf_stop EXIT
port_mx=$(free_port); port_closed=$(free_port)
port_dsn=$(free_port)
"$PY" -m aiosmtpd -n -l 127.0.0.1:$port_dsn -c aiosmtpd.handlers.Mailbox "$TRASH/returned" 2>dsn.err &
SERVER_PIDS+=($!)
sink_start ok            # example.org, example.de: delivered
sink_start refuse -f RCPT  # example.com: 5xx to RCPT
pf_start() {
    mkdir -p "$PF/conf" "$PF/queue" "$PF/data" && chown postfix "$PF/data" &&
    cat >"$PF/conf/main.cf" <<M &&
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.test.example
mydomain = test.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains = example.com example.org example.net example.de
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject
transport_maps = texthash:$PF/conf/transport
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
delay_warning_time = 1s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
disable_dns_lookups = yes
smtp_dns_support_level = disabled
M
    printf "%s\n" "example.com smtp:[127.0.0.1]:$refuse_port" "example.net smtp:[127.0.0.1]:$port_closed" \
        "example.org smtp:[127.0.0.1]:$ok_port" "example.de smtp:[127.0.0.1]:$ok_port" \
        "beispiel-versand.example smtp:[127.0.0.1]:$port_dsn" >"$PF/conf/transport" &&
    sed -e "s/^smtp      inet.*/127.0.0.1:$port_mx inet n - n - - smtpd/" /etc/postfix/master.cf >"$PF/conf/master.cf" &&
    postfix -c "$PF/conf" start >/dev/null 2>&1 &&
    for _ in $(seq 50); do "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port_mx)))" && return 0; sleep 0.1; done
    return 1
}
if ! command -v postfix >/dev/null || ! pf_start; then
    echo "# postfix could not be started here: $(tail -3 "$PF/maillog" 2>/dev/null)"
    test_expect_success 'postfix on loopback' 'false'
fi

test_expect_success 'postfix takes the four notices; each went out with its own bounce address' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$port_mx >sum && grep -E -q "sent +4" sum &&
    for i in 1 2 3 4; do grep_q "from=<bounces+2018-0001-00000$i@beispiel-versand.example>" "$PF/maillog" || exit 1; done
'
test_expect_success 'postfix writes a bounce (5xx from the next hop) and a delay warning to the VERP addresses' '
    for _ in $(seq 150); do [ "$(ls "$TRASH/returned/new" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.2; done &&
    [ "$(ls "$TRASH/returned/new" | wc -l)" -ge 2 ] &&
    grep -l "^Action: failed" "$TRASH"/returned/new/* | xargs grep -q "^To: bounces+2018-0001-000004@beispiel-versand.example" &&
    grep -l "^Action: delayed" "$TRASH"/returned/new/* | xargs grep -q "^To: bounces+2018-0001-000002@beispiel-versand.example"
'
test_expect_success '--bounces reads the Maildir: one notice failed, one delayed, with status and diagnostic' '
    klartext notify 2018-0001 --bounces "$TRASH/returned" >b &&
    grep -E -q "notices failed \(5.x.x\) +1" b && grep -E -q "notices delayed \(4.x.x\) +1" b &&
    grep -E -q "unmatched \(listed below\) +0" b &&
    klartext notify 2018-0001 --status >st &&
    grep -E -q "^2018-0001-000004 +j\*\*\*@example.com +failed +5\.[0-9]\.[0-9]+ +smtp; 5" st &&
    grep -E -q "^2018-0001-000002 +k\*\*\*@example.net +delayed +4\.4\.1 +X-Postfix; connect to" st &&
    grep -E -q "of these, returned: failed \(5.x.x\) +1" st && grep -E -q "of these, returned: delayed \(4.x.x\) +1" st &&
    not_grep_q "john@example.com" st && klartext audit 2018-0001 | grep_q "notify.bounces" &&
    klartext report 2018-0001 --lang en | tr -s " \n" "  " | grep_q "; 1 returned as undeliverable by the recipient.s mail server; 1 reported as delayed by the recipient.s mail server" &&
    klartext report 2018-0001 --lang de | tr -s " \n" "  " | grep_q "1 vom Mailserver der Empfänger als unzustellbar zurückgegeben" &&
    klartext report 2018-0001 --format json | jq -e ".communication.notices.returned_failed == 1 and .communication.notices.returned_delayed == 1" >/dev/null &&
    klartext report --register --lang en | tr -s " \n" "  " | grep_q "returned: 1 undeliverable, 1 delayed"
'
test_expect_success 'reading the same mail again counts nothing twice' '
    klartext notify 2018-0001 --bounces "$TRASH/returned" >b &&
    grep -E -q "recorded by an earlier run +2" b && grep -E -q "notices failed \(5.x.x\) +0" b &&
    [ "$(reg_sql "SELECT count(*) FROM notice_bounce")" = 2 ]
'
pf_stop
trap stop_servers EXIT

# the hand-checked samples, for the notices 1 (Erika), 2 (Kim), 3 (Lea) and 4 (John)
sample() { sed "s/@ID@/2018-0001-00000$2/g" "$DSN/$1.eml"; }
mkdir -p md/new md/cur md/tmp
sample rfc3464-failed 1 >md/new/01 && sample exchange-delayed 2 >md/cur/02 && sample gmail-failed 3 >md/new/03 &&
sample qmail-nodsn 4 >md/new/04 && sample autoreply 3 >md/new/05 && sample malformed-noboundary 1 >md/new/06 &&
cp "$DSN/unknown-notice.eml" md/new/07 && cp "$DSN/unmatched.eml" md/new/08
test_expect_success 'samples from a Maildir: each kind read as it should be, nothing dropped' '
    klartext --json notify 2018-0001 --bounces md >b.json &&
    jq -e ".read == 8 and .failed == 3 and .delayed == 1 and .recorded_before == 0 and .unmatched == 2 and .malformed == 1 and .not_bounce == 1" b.json >/dev/null &&
    jq -e "[.listed[] | .what] | sort == [\"malformed\", \"not a bounce\", \"unknown notice\", \"unmatched\"]" b.json >/dev/null &&
    jq -e ".listed[] | select(.what == \"unknown notice\") | .notice == \"2018-0001-999999\"" b.json >/dev/null &&
    jq -e ".listed[] | select(.what == \"malformed\") | .detail == \"a multipart without a boundary\"" b.json >/dev/null &&
    reg_sql "SELECT n.notice_id, b.kind, b.status FROM notice_bounce b JOIN notice n ON n.id = b.notice ORDER BY b.id" >rows &&
    grep_q "^2018-0001-000001|failed|5.0.0$" rows && grep_q "^2018-0001-000003|failed|5.1.1$" rows &&
    grep_q "^2018-0001-000004|failed|5.1.1$" rows &&
    reg_sql "SELECT diagnostic FROM notice_bounce WHERE status = \"5.1.1\" AND source LIKE \"%03\"" | grep_q "^smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try" &&
    not_grep_q "@example" rows
'
test_expect_success 'an mbox with text before the first message and the Exchange-style delay (base64 report)' '
    { echo "stray text"; echo; for s in "exchange-delayed 2" "unmatched 0"; do set -- $s
      echo "From MAILER-DAEMON Thu Nov 22 14:00:12 2018"; sample $1 $2; echo; done; } >mb &&
    klartext --json notify 2018-0001 --bounces mb >m.json &&
    jq -e ".read == 3 and .malformed == 1 and .unmatched == 1" m.json >/dev/null &&
    jq -e ".listed[] | select(.what == \"malformed\") | .source | endswith(\"message 1 (line 1)\")" m.json >/dev/null &&
    jq -e ".listed[] | select(.what == \"unmatched\") | .source | endswith(\"message 3 (line 44)\")" m.json >/dev/null ||
    { cat m.json; exit 1; }
'
test_expect_code 2 'a path that does not exist is bad input' '
    klartext notify 2018-0001 --bounces nowhere 2>err; rc=$?; grep_q "cannot read .nowhere." err; exit $rc
'
test_expect_code 2 'a file of another kind (not one readable mail in it) is bad input, named, nothing recorded' '
    head -c 3000 /dev/urandom >junk.bin && before=$(klartext audit | wc -l) &&
    klartext notify 2018-0001 --bounces junk.bin >out 2>err; rc=$?
    grep_q "junk.bin: not a Maildir, an mbox or a saved mail" err && [ "$(klartext audit | wc -l)" = "$before" ]; [ $? = 0 ] || exit 1
    exit $rc
'
test_done
