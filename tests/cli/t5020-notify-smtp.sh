#!/usr/bin/env bash
# notify --smtp against real SMTP servers on loopback (aiosmtpd, postfix's smtp-sink): every
# reachable person gets one message, parsed back by Python; a re-run sends nothing twice; a 5xx
# for one address does not stop the others; a 4xx is retried after its back-off; a connection
# lost after DATA leaves the notice "unknown" and held until resent with the same Message-ID;
# --test-to, --cancel, --requeue, --limit, --rate; credentials only from a 0600 file or the
# environment; STARTTLS required with --require-tls.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
notify_setup
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null

outbox() { reg_sql "SELECT n.notice_id || ' ' || o.state || ' ' || o.attempts FROM outbox o JOIN notice n ON n.id = o.notice WHERE o.state <> 'superseded' ORDER BY n.seq"; }

port=$(free_port)
"$PY" -m aiosmtpd -n -l 127.0.0.1:$port -c aiosmtpd.handlers.Mailbox "$TRASH/maildir" 2>mb.err &
SERVER_PIDS+=($!)
for i in $(seq 50); do "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break; sleep 0.1; done
test_expect_success 'aiosmtpd Mailbox: every reachable person gets exactly one notice' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$port >sum &&
    grep -E -q "sent +4" sum && grep -E -q "unreachable \(no e-mail address\) +1" sum &&
    "$PY" - <<EOF
import mailbox, email.policy, email
mb = mailbox.Maildir("$TRASH/maildir", factory=None, create=False)
msgs = [email.message_from_bytes(mb.get_bytes(k), policy=email.policy.default) for k in mb.keys()]
to = sorted(m["To"].addresses[0].addr_spec for m in msgs)
assert to == ["erika@example.org", "john@example.com", "kim@example.net", "lea@example.de"], to
for m in msgs:
    assert m["From"].addresses[0].display_name == "Beispiel Versand GmbH"
    names = sorted(p.get_filename() for p in m.walk() if p.get_filename())
    assert names == ["notice.txt", "notice.txt.minisig"], names
EOF
'
test_expect_success 'the outbox says sent, with the server reply, timeline and audit' '
    [ "$(outbox | tr "\n" ,)" = "2018-0001-000001 sent 1,2018-0001-000002 sent 1,2018-0001-000003 sent 1,2018-0001-000004 sent 1," ] &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE reply IS NOT NULL AND sent_at IS NOT NULL")" = 4 ] &&
    [ "$(reg_sql "SELECT group_concat(state) FROM (SELECT state FROM notice_event WHERE notice = 1 ORDER BY id) AS e")" = "sending,sent" ] &&
    klartext audit 2018-0001 | grep_q "notify.send" &&
    klartext incident show 2018-0001 | grep_q "Notices sent in this run: 4; failed: 0; unknown: 0"
'
test_expect_success 'a re-run sends nothing twice' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$port >sum2 &&
    grep_q "this run: 0 sent" sum2 && [ $(ls "$TRASH/maildir/new" | wc -l) = 4 ]
'
test_expect_success 'verify --code says sent, with the time, for a notice that went out by SMTP' '
    f=$(ls "$TRASH"/maildir/new/* | head -1) && code=$(eml_code "$f") &&
    klartext verify --code "$code" >v && grep_q "^GENUINE" v && grep_q "status       sent Thu 22 Nov 2018 11:00 CET" v &&
    cp "$f" saved.eml && klartext verify saved.eml | grep_q "^GENUINE"
'
stop_servers

# a fresh register for the failure cases
mkdir fail && cd fail
notify_setup
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
outbox() { reg_sql "SELECT n.rcpt || ' ' || o.state || ' ' || o.attempts || ' ' || o.permanent FROM outbox o JOIN notice n ON n.id = o.notice WHERE o.state <> 'superseded' ORDER BY n.rcpt"; }

smtpd_start s1 --reject john@example.com --defer kim@example.net
test_expect_code 1 'a 5xx for one address and a 4xx for another do not stop the others' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s1_port >sum; rc=$?
    cat sum
    [ "$(outbox | tr "\n" ,)" = "erika@example.org sent 1 0,john@example.com failed 1 1,kim@example.net failed 1 0,lea@example.de sent 1 0," ] &&
    grep -E -q "sent +2" sum && grep -E -q "failed +1" sum && grep_q "retry later 1" sum &&
    grep_q "will be tried again" sum &&
    [ "$(wc -l <"$TRASH/s1/log.jsonl")" = 2 ] && exit $rc
'
test_expect_success '--status shows the refusal and the retry with masked addresses and the server reply' '
    klartext notify 2018-0001 --status >st &&
    grep_q "j\*\*\*@example.com *refused *550 5.1.1" st && grep_q "k\*\*\*@example.net *retry *451 4.3.0" st &&
    not_grep_q "john@example.com" st
'
test_expect_success 'before the back-off ends nothing is retried; after it the 4xx one is sent, the 5xx one never' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s1_port >sum; [ $? = 0 ] && grep_q "this run: 0 sent" sum &&
    KLARTEXT_NOW=2018-11-22T10:06:00Z klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s1_port >sum &&
    grep_q "this run: 1 sent, 0 failed" sum &&
    [ "$(outbox | tr "\n" ,)" = "erika@example.org sent 1 0,john@example.com failed 1 1,kim@example.net sent 2 0,lea@example.de sent 1 0," ]
'
stop_servers
cd "$TRASH" && mkdir drop && cd drop
notify_setup
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
outbox() { reg_sql "SELECT n.rcpt || ' ' || o.state || ' ' || o.attempts FROM outbox o JOIN notice n ON n.id = o.notice WHERE o.state <> 'superseded' ORDER BY n.rcpt"; }

smtpd_start s2 --drop-once lea@example.de
test_expect_code 1 'a connection lost after DATA leaves the notice unknown (sending), not failed, not resent' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s2_port >sum 2>err; rc=$?
    [ "$(outbox | tr "\n" ,)" = "erika@example.org sent 1,john@example.com sent 1,kim@example.net sent 1,lea@example.de sending 1," ] &&
    grep_q "unknown 1" sum && grep_q "held" sum && exit $rc
'
test_expect_code 1 'a re-run holds it and says how to resolve it' '
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s2_port >sum 2>err; rc=$?
    grep_q "1 notice was being sent when an earlier run stopped" err && grep_q "resend-unknown" err &&
    [ "$(wc -l <"$TRASH/s2/log.jsonl")" = 3 ] && exit $rc
'
test_expect_success '--resend-unknown sends it again with the same Message-ID' '
    mid=$(reg_sql "SELECT message_id FROM notice WHERE rcpt = \"lea@example.de\"") &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s2_port --resend-unknown >sum 2>err &&
    grep_q "resending 1 notice" err &&
    [ "$(outbox | tr "\n" ,)" = "erika@example.org sent 1,john@example.com sent 1,kim@example.net sent 1,lea@example.de sent 2," ] &&
    tail -1 "$TRASH/s2/log.jsonl" | grep_q "\"message_id\": \"$mid\""
'
sink_start k1 -q .
test_expect_success 'smtp-sink dropping after DATA (-q): unknown; --resolve sent marks it sent' '
    reg_sql "UPDATE outbox SET state = \"queued\" WHERE notice = 1" &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$k1_port >sum 2>err; [ $? = 1 ] &&
    [ "$(reg_sql "SELECT state FROM outbox WHERE notice = 1")" = sending ] &&
    klartext notify 2018-0001 --resolve sent >r && grep_q "resolved as sent: 1" r &&
    [ "$(reg_sql "SELECT state FROM outbox WHERE notice = 1")" = sent ] &&
    klartext audit 2018-0001 | grep_q "notify.resolve"
'
sink_start k2 -f RCPT
test_expect_code 1 'smtp-sink refusing RCPT (-f): failed permanently, the run goes on' '
    reg_sql "UPDATE outbox SET state = \"queued\", attempts = 0 WHERE notice IN (1, 2)" &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$k2_port >sum 2>err; rc=$?
    [ "$(reg_sql "SELECT group_concat(state || \":\" || permanent) FROM outbox WHERE notice IN (1, 2)")" = "failed:1,failed:1" ] &&
    exit $rc
'
test_expect_code 1 'no server: the run stops after a few failed connections, nobody is lost' '
    reg_sql "UPDATE outbox SET state = \"queued\", attempts = 0, permanent = 0" &&
    dead=$(free_port) &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$dead >sum 2>err; rc=$?
    grep_q "stopped after 3 failed connections" err &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state IN (\"queued\", \"failed\")")" = 4 ] &&
    [ "$(reg_sql "SELECT count(*) FROM outbox WHERE state = \"sending\"")" = 0 ] && exit $rc
'
smtpd_start s3
test_expect_success '--cancel stops what is queued; --requeue puts it back; --limit sends a few' '
    klartext notify 2018-0001 --cancel >c && grep_q "cancelled before sending: 4" c &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s3_port >sum &&
    grep_q "this run: 0 sent" sum && grep -E -q "cancelled +4" sum &&
    klartext notify 2018-0001 --requeue | grep_q "queued again: 4" &&
    KLARTEXT_NOW=2018-11-23T10:00:00Z klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s3_port --limit 1 >sum &&
    grep_q "this run: 1 sent" sum &&
    KLARTEXT_NOW=2018-11-23T10:00:00Z klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s3_port --rate 20/s >sum &&
    grep_q "this run: 3 sent" sum && [ "$(wc -l <"$TRASH/s3/log.jsonl")" = 4 ]
'
test_expect_success '--test-to sends one sample marked TEST; its code is not a valid code' '
    klartext notify 2018-0001 --test-to dpo@beispiel-versand.example --smtp smtp://127.0.0.1:$s3_port >t &&
    grep_q "TEST notice sent to d\*\*\*@beispiel-versand.example" t &&
    f=$(ls "$TRASH"/s3/*.eml | tail -1) &&
    "$PY" - "$f" <<EOF
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
assert m["Subject"].startswith("[TEST] "), m["Subject"]
assert m["To"].addresses[0].addr_spec == "dpo@beispiel-versand.example"
t = m.get_body(preferencelist=("plain",)).get_content()
assert t.startswith("*** TEST ***"), t[:40]
EOF
    code=$(eml_code "$f") && ! klartext verify --code "$code" >/dev/null &&
    klartext verify "$f" | grep_q "TEST sample" &&
    klartext audit 2018-0001 | grep_q "notify.test"
'
test_expect_code 2 'credentials: a file others can read is refused' '
    printf "user = u\npassword = secret-pw\n" >cred && chmod 644 cred &&
    klartext notify 2018-0001 --smtp smtps://127.0.0.1:1 --smtp-credentials cred 2>err; rc=$?
    grep_q "readable by others (mode 0644)" err && not_grep_q secret-pw err; exit $rc
'
test_expect_code 2 'credentials are never sent over a connection that may be unencrypted' '
    chmod 600 cred &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s3_port --smtp-credentials cred 2>err; rc=$?
    grep_q "add --require-tls" err; exit $rc
'
test_expect_code 2 'an --smtp URL that is not smtp:// or smtps:// is refused before anything is done' '
    klartext notify 2018-0001 --smtp http://127.0.0.1:1 2>err; rc=$?; grep_q "use smtp://" err; exit $rc
'
test_expect_code 1 '--require-tls with a server that offers no STARTTLS: nothing is sent in clear' '
    reg_sql "UPDATE outbox SET state = \"queued\"" &&
    klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s3_port --require-tls --limit 1 >sum 2>err; rc=$?
    [ "$(wc -l <"$TRASH/s3/log.jsonl")" = 5 ] && exit $rc
'
stop_servers
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
smtpd_start s4 --tls-cert tls.crt --tls-key tls.key --require-tls --auth relay-user:relay-pass
test_expect_success 'STARTTLS and AUTH: --require-tls with the server certificate, credentials from the environment' '
    reg_sql "UPDATE outbox SET state = \"queued\", attempts = 0" &&
    KLARTEXT_SMTP_USER=relay-user KLARTEXT_SMTP_PASSWORD=relay-pass \
        klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s4_port --require-tls --smtp-ca tls.crt >sum 2>err &&
    grep_q "this run: 4 sent" sum && [ "$(wc -l <"$TRASH/s4/log.jsonl")" = 4 ] &&
    reg_sql "UPDATE outbox SET state = \"queued\"" &&
    KLARTEXT_SMTP_USER=relay-user KLARTEXT_SMTP_PASSWORD=wrong \
        klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s4_port --require-tls --smtp-ca tls.crt --limit 1 >sum 2>err
    [ $? = 1 ] && [ "$(wc -l <"$TRASH/s4/log.jsonl")" = 4 ] && not_grep_q wrong err && not_grep_q wrong sum
'
test_done
