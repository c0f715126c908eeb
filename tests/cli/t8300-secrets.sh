#!/usr/bin/env bash
# t8300-secrets — secrets stay secret (issue 8, part 5).
#   1. Key files: a signing key or SMTP credentials file that group or others may read or
#      write (0640 0604 0620 0660 0644) is refused with an error naming the file and the
#      `chmod 600` fix; 0600 and 0400 are accepted; a FIFO or a directory is "not a regular
#      file" (and does not block); a symbolic link is judged by the file it points to.
#   2. A grep test over the whole flow: `klartext demo`, notify --smtp with STARTTLS and AUTH
#      (credentials from the environment), serve with /verify requests and --access-log, the
#      audit trail and the everyday read commands. No secret (the signing key, its seed, the
#      derived viewer and code keys, the SMTP password), no notice code and no person's e-mail
#      address may appear in any stdout, stderr, access log or audit output, except where a
#      command exists to show them (listed under "what is allowed" below, each with its reason).
# docs/reliability.md, "Secrets", says what is checked and what is guarded in memory.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
PW=pw-8300-Relay-s3cret-Xq7
export KLARTEXT_NOW=2026-11-21T10:00:00Z

# ---------------------------------------------------------------- 1. key files
mkdir keys && cd keys
klartext init >/dev/null 2>&1
CODE0=0000-0000-0000-0000     # no such notice: with an accepted key, verify --code says NOT GENUINE
key_refused() {  # key_refused WHAT — the key is refused with an error naming it and the fix
    klartext verify --code $CODE0 >out 2>err; local rc=$?
    [ $rc = 1 ] || { echo "exit $rc"; cat err; return 1; }
    grep_q "'klartext.key' $1" err && not_grep_q "NOT GENUINE" out &&
        not_grep_q "$(sed -n 2p "$(readlink -f klartext.key)" 2>/dev/null || echo none)" err
}
key_accepted() { klartext verify --code $CODE0 >out 2>err; [ $? = 1 ] && grep_q "^NOT GENUINE" out && [ ! -s err ]; }
for m in 0640 0604 0620 0660 0644; do
    case $m in 0620) what=writable ;; *) what=readable ;; esac
    test_expect_success "signing key with mode $m is refused: names the file and chmod 600" '
        chmod $m klartext.key && key_refused "is $what by others (mode $m); run chmod 600 '"'"'klartext.key'"'"'"
    '
done
test_expect_success 'signing key with mode 0600 or 0400 is accepted' '
    chmod 600 klartext.key && key_accepted && chmod 400 klartext.key && key_accepted && chmod 600 klartext.key
'
test_expect_success 'the mode check is the same for every command that loads the key (scan, log, serve)' '
    klartext org set portal.url=https://verify.example.org >/dev/null && chmod 644 klartext.key &&
    printf "format = combined\n[exposure \"x\"]\nrequest = ^/(a)\nstatus = 200\nfields = name\n" >r.conf && : >a.log &&
    klartext incident new --title T --aware-at 2026-11-20T09:00:00Z --aware-how x >/dev/null &&
    { klartext scan --rule r.conf --incident 2026-0001 a.log 2>err; [ $? = 1 ]; } && grep_q "chmod 600 '"'"'klartext.key'"'"'" err &&
    { klartext log checkpoint 2>err; [ $? != 0 ]; } && grep_q "chmod 600 '"'"'klartext.key'"'"'" err &&
    { timeout 20 "$KLARTEXT" serve --listen 127.0.0.1:0 2>err; [ $? != 0 ] && [ $? != 124 ]; } && grep_q "chmod 600 '"'"'klartext.key'"'"'" err &&
    chmod 600 klartext.key
'
test_expect_success 'a symbolic link is judged by the file it points to (0600 accepted, 0644 refused)' '
    mv klartext.key real.key && ln -s real.key klartext.key && key_accepted &&
    chmod 644 real.key && key_refused "is readable by others (mode 0644)" && chmod 600 real.key
'
test_expect_success 'a FIFO or a directory as the key is not a regular file (and does not block)' '
    rm klartext.key && mkfifo klartext.key && timeout 10 "$KLARTEXT" verify --code $CODE0 2>err; rc=$?
    [ $rc = 1 ] && grep_q "'"'"'klartext.key'"'"' is not a regular file" err &&
    rm klartext.key && mkdir klartext.key && key_refused "is not a regular file" && rmdir klartext.key &&
    rm -f klartext.key && ln -s no-such-file klartext.key && { klartext verify --code $CODE0 2>err; [ $? = 1 ]; } &&
    grep_q "cannot open secret key '"'"'klartext.key'"'"'" err &&
    rm klartext.key && mv real.key klartext.key && key_accepted
'
# the SMTP credentials file (src/cli/cmd_notify.c): refused before anything is sent
cd "$TRASH" && mkdir cred && cd cred
notify_setup >/dev/null 2>&1
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null 2>&1
printf "user = relay-user\npassword = %s\n" "$PW" >cred
cred_refused() {  # cred_refused MODE
    chmod $1 cred && klartext notify 2018-0001 --smtp smtps://127.0.0.1:1 --smtp-credentials cred >out 2>err; local rc=$?
    [ $rc = 2 ] || { echo "exit $rc"; cat err; return 1; }
    case $1 in 0620) want=writable ;; *) want=readable ;; esac
    grep -E -q "'cred' is $want by others \(mode $1\): it holds a password; run chmod 600 'cred'" err || { cat err; return 1; }
    not_grep_q "$PW" err && not_grep_q "$PW" out
}
test_expect_success 'SMTP credentials file with mode 0640 0604 0620 0660 0644 is refused, naming the file and chmod 600' '
    for m in 0640 0604 0620 0660 0644; do cred_refused $m || exit 1; done
'
test_expect_success 'SMTP credentials file: a directory is not a regular file' '
    mkdir cdir && klartext notify 2018-0001 --smtp smtps://127.0.0.1:1 --smtp-credentials cdir 2>err; [ $? = 2 ] &&
    grep_q "'"'"'cdir'"'"' is not a regular file" err
'
test_expect_success 'SMTP credentials file: a FIFO is refused at once, without waiting for a writer' '
    mkfifo cfifo && timeout 10 "$KLARTEXT" notify 2018-0001 --smtp smtps://127.0.0.1:1 --smtp-credentials cfifo 2>err; [ $? = 2 ] &&
    grep_q "'"'"'cfifo'"'"' is not a regular file" err
'
# accepted modes: a real STARTTLS + AUTH server takes the credentials from the file
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TRASH/tls.key" -out "$TRASH/tls.crt" -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
smtpd_start c1 --tls-cert "$TRASH/tls.crt" --tls-key "$TRASH/tls.key" --require-tls --auth "relay-user:$PW"
test_expect_success 'SMTP credentials file with mode 0600 or 0400 is accepted (a TEST notice goes out with AUTH)' '
    for m in 600 400; do
        chmod $m cred &&
        klartext notify 2018-0001 --test-to dpo@beispiel-versand.example --smtp smtp://127.0.0.1:$c1_port \
            --require-tls --smtp-ca "$TRASH/tls.crt" --smtp-credentials cred >out 2>err || { cat out err; exit 1; }
        not_grep_q "$PW" out && not_grep_q "$PW" err || exit 1
    done
    [ "$(wc -l <"$TRASH/c1/log.jsonl")" = 2 ]
'
stop_servers
cd "$TRASH"

# ---------------------------------------------------------------- 2. the whole flow, grepped
# Everything a user or an operator sees goes to $TRASH/seen/ (one file per command).
mkdir seen
run() {  # run NAME CMD... — stdout to seen/NAME.out, stderr to seen/NAME.err
    local name=$1; shift
    [ "$1" = klartext ] && set -- "$KLARTEXT" "${@:2}"
    "$@" >"$TRASH/seen/$name.out" 2>"$TRASH/seen/$name.err"
}
run demo klartext demo --dir demo || { cat seen/demo.*; exit 1; }
cd demo
# the everyday read commands
run status klartext status
run incident-show klartext incident show 2026-0001
run incident-list klartext incident list
run exposure klartext exposure 2026-0001
run exposure-csv klartext exposure 2026-0001 --format csv
# `subjects list` exists to show the stored contact data to the operator: kept apart
klartext subjects list 2026-0001 >"$TRASH/allowed-subjects-list.out" 2>&1
run report klartext report 2026-0001 --lang en
run report-json klartext report 2026-0001 --format json
run notify-status klartext notify 2026-0001 --status
run log-entries klartext log entries --start 0 --end 20
run log-verify klartext log verify
run org klartext org show
run verify-eml klartext verify notices/2026-0001-000002.eml
# SMTP with STARTTLS and AUTH, the credentials from the environment: a TEST notice of the demo
smtpd_start s1 --tls-cert "$TRASH/tls.crt" --tls-key "$TRASH/tls.key" --require-tls --auth "relay-user:$PW"
KLARTEXT_SMTP_USER=relay-user KLARTEXT_SMTP_PASSWORD=$PW \
    run notify-test klartext notify 2026-0001 --test-to dpo@beispiel-versand.example --smtp smtp://127.0.0.1:$s1_port \
    --require-tls --smtp-ca "$TRASH/tls.crt"
# ... and the real notices of a second register, sent the same way
mkdir "$TRASH/mail" && cd "$TRASH/mail"
KLARTEXT_NOW=2018-11-22T10:00:00Z notify_setup >"$TRASH/seen/mail-setup.out" 2>"$TRASH/seen/mail-setup.err"
KLARTEXT_NOW=2018-11-22T10:00:00Z run mail-approve klartext notify 2018-0001 --approve --by "Dana DPO"
KLARTEXT_NOW=2018-11-22T10:10:00Z KLARTEXT_SMTP_USER=relay-user KLARTEXT_SMTP_PASSWORD=$PW \
    run mail-send klartext notify 2018-0001 --smtp smtp://127.0.0.1:$s1_port --require-tls --smtp-ca "$TRASH/tls.crt"
KLARTEXT_NOW=2018-11-22T10:10:00Z run mail-status klartext notify 2018-0001 --status
KLARTEXT_NOW=2018-11-22T10:10:00Z run mail-audit klartext audit
KLARTEXT_NOW=2018-11-22T10:10:00Z run mail-audit-json klartext --json audit 2018-0001
stop_servers
test_expect_success 'the flow ran: notices sent over STARTTLS with AUTH from the environment' '
    grep_q "TEST notice sent to d\*\*\*@beispiel-versand.example" "$TRASH/seen/notify-test.out" &&
    grep_q "this run: 4 sent" "$TRASH/seen/mail-send.out" &&
    [ "$(ls "$TRASH"/s1/*.eml | wc -l)" = 5 ]
'
cd "$TRASH/demo"
# the portal, with an access log
"$KLARTEXT" serve --listen 127.0.0.1:0 --rate-limit 1000/min --access-log "$TRASH/seen/access.log" \
    >"$TRASH/seen/serve.out" 2>"$TRASH/seen/serve.err" &
SPID=$!
SERVER_PIDS+=($SPID)
for _ in $(seq 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TRASH/seen/serve.err" | head -1)
    [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break
    sleep 0.1
done
# every notice code (from the letters) and the address of notice 000002
"$PY" - "$TRASH" <<'EOF'
import email, email.policy, glob, re, sys
trash = sys.argv[1]
codes = {}
for f in sorted(glob.glob(trash + '/demo/notices/*.eml') + glob.glob(trash + '/s1/*.eml') + glob.glob(trash + '/c1/*.eml')):
    m = email.message_from_bytes(open(f, 'rb').read(), policy=email.policy.default)
    t = m.get_body(preferencelist=('plain',)).get_content()
    c = re.search(r'(?:code|Prüfcode): ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})', t).group(1)
    codes[f] = (c, m['To'].addresses[0].addr_spec)
with open(trash + '/codes.txt', 'w') as o:
    for f, (c, a) in codes.items():
        o.write(c + '\n' + c.replace('-', '') + '\n')
c, a = codes[trash + '/demo/notices/2026-0001-000002.eml']
open(trash + '/code2', 'w').write(c)
open(trash + '/addr2', 'w').write(a)
EOF
CODE2=$(cat "$TRASH/code2") ADDR2=$(cat "$TRASH/addr2")
curl -s "$URL/verify?lang=en" >"$TRASH/seen/get-verify.html"
curl -s "$URL/incident/2026-0001" >"$TRASH/seen/incident.html"
curl -s "$URL/log/checkpoint" >"$TRASH/seen/checkpoint.txt"
# a right code with the right address: the page shows that person's notice and exposure, but
# echoes neither the code nor the address
curl -s -X POST --data-urlencode "code=$CODE2" --data-urlencode "email=$ADDR2" -d lang=en "$URL/verify" >"$TRASH/seen/verify-ok.html"
curl -s -X POST -d "{\"code\":\"$CODE2\",\"email\":\"$ADDR2\"}" "$URL/api/v1/verify" >"$TRASH/seen/verify-ok.json"
# wrong address, unknown code: the answer must not echo the code or the address
curl -s -X POST --data-urlencode "code=$CODE2" --data-urlencode "email=someone-else@example.org" -d lang=en "$URL/verify" >"$TRASH/seen/verify-wrong.html"
curl -s -X POST --data-urlencode "code=$CODE2" --data-urlencode "email=$ADDR2.invalid" -d lang=en "$URL/verify" >"$TRASH/seen/verify-wrong2.html"
curl -s -X POST --data-urlencode "code=7777-7777-7777-7777" --data-urlencode "email=$ADDR2" -d lang=en "$URL/verify" >"$TRASH/seen/verify-unknown.html"
curl -s -X POST -d "{\"code\":\"$CODE2\",\"email\":\"x$ADDR2\"}" "$URL/api/v1/verify" >"$TRASH/seen/verify-wrong.json"
curl -s "$URL/verify?code=$CODE2&email=$ADDR2" >"$TRASH/seen/verify-get-query.html"
kill -TERM $SPID; wait $SPID
run audit klartext audit
run audit-inc klartext audit 2026-0001
run audit-json klartext --json audit 2026-0001
run verify-code klartext verify --code "$CODE2"
cd "$TRASH"
test_expect_success 'the portal answered: genuine for the right code and address, not for the others' '
    grep_q "\"genuine\": true" seen/verify-ok.json && grep -q -i "genuine" seen/verify-ok.html &&
    not_grep_q "\"genuine\": true" seen/verify-wrong.json &&
    [ -s seen/access.log ] && grep_q "\"POST /verify\" 200" seen/access.log
'

# the secrets: key line, seed (base64 and hex), derived keys, SMTP password, codes, addresses
"$PY" - "$TRASH" "$PW" <<'EOF'
import base64, csv, glob, hashlib, sys
trash, pw = sys.argv[1], sys.argv[2]
pats = set()
for keyfile in (trash + '/demo/klartext.key', trash + '/mail/klartext.key'):
    line = open(keyfile).read().splitlines()[1]
    raw = base64.b64decode(line)
    seed = raw[62:94]                       # after Ed kdf B2 salt[32] ops[8] mem[8] keyid[8]
    pats.add(line)
    pats.add(line[:40])
    pats.add(base64.b64encode(seed).decode().rstrip('='))
    pats.add(seed.hex()); pats.add(seed.hex().upper())
    for purpose in ('viewer-hash-v1', 'notice-code-v1', 'portal-address-v1', 'portal-audit-v1'):
        k = hashlib.blake2b(b'klartext subkey ' + purpose.encode(), key=seed, digest_size=32).digest()
        pats.add(k.hex()); pats.add(base64.b64encode(k).decode().rstrip('='))
pats.add(pw)
with open(trash + '/secrets.txt', 'w') as o:
    o.write('\n'.join(sorted(pats)) + '\n')
addrs = set()
for f in (trash + '/demo/subjects.csv', trash + '/mail/subjects.csv'):
    for row in csv.DictReader(open(f, encoding='utf-8')):
        if row['email']:
            addrs.add(row['email']); addrs.add(row['email'].lower())
open(trash + '/addrs.txt', 'w').write('\n'.join(sorted(addrs)) + '\n')
EOF
# what is allowed, and why:
#  - the demo's own `notify --preview` block: --preview exists to show one letter (the demo
#    runs it to show what a person gets); it is cut out of the demo's output below;
#  - the demo's closing walk-through names ONE code and its address ("enter the code C (with
#    the address A)") and runs `verify --code C --proof` so that the user can try the portal;
#  - `subjects list` (run apart, not grepped): it exists to show the stored contact data;
#  - the letters themselves (.eml files, the SMTP server's spool) are the sources, not outputs.
sed '/^\$ .* notify 2026-0001 --preview /,/^\$ /{/^\$ .* notify 2026-0001 --preview /d;/^\$ /!d}' seen/demo.out >demo.cut
CUT=$(( $(wc -l <seen/demo.out) - $(wc -l <demo.cut) ))
mv demo.cut seen/demo.out
hits() {  # hits PATTERNFILE — matches of any pattern in seen/*, as FILE:LINE
    grep -r -n -F -f "$1" "$TRASH/seen" | sed "s|^$TRASH/||"
}
test_expect_success 'the outputs are not empty (the flow produced what we grep)' '
    echo "cut the preview: $CUT lines" && [ "$CUT" -gt 20 ] &&
    for f in demo.out status.out audit.out audit-json.out access.log serve.err notify-test.out mail-send.out mail-audit.out; do
        [ -s seen/$f ] || { echo "seen/$f is empty"; exit 1; }
    done
'
test_expect_success 'no secret key, seed, derived key or SMTP password in any output, log or audit trail' '
    hits secrets.txt >h; [ ! -s h ] || { cat h; exit 1; }
'
test_expect_success 'no notice code anywhere but the demo walk-through line and its verify --code' '
    code1=$(sed -n "s/.*enter the code \([0-9A-Z-]*\) (with the address.*/\1/p" seen/demo.out) && test -n "$code1" &&
    hits codes.txt | grep -v -F -e "seen/demo.out:" -e "seen/verify-code.out:" >h; [ ! -s h ] || { cat h; exit 1; }
    grep -F -f codes.txt seen/demo.out | grep -v -e "enter the code $code1 (with the address" -e "verify --code $code1 --proof$" >h
    [ ! -s h ] || { cat h; exit 1; }
    [ "$(grep -F -f codes.txt seen/verify-code.out)" = "" ] || { echo "verify --code prints the code"; exit 1; }
'
test_expect_success 'no person'"'"'s e-mail address anywhere but the demo walk-through line' '
    hits addrs.txt | grep -v "^seen/demo.out:" >h; [ ! -s h ] || { cat h; exit 1; }
    grep -F -f addrs.txt seen/demo.out | grep -v "enter the code [0-9A-Z-]* (with the address " >h
    [ ! -s h ] || { cat h; exit 1; }
'
test_expect_success 'masked addresses are what the outputs show instead' '
    grep -q "sent to      [a-z]\*\*\*@mail.example" seen/verify-eml.out &&
    grep -q "TEST notice sent to d\*\*\*@beispiel-versand.example" seen/notify-test.out
'
test_done
