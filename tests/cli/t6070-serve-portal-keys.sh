#!/usr/bin/env bash
# t6070 — a portal without the signing key (issue 16, item 4): `klartext keys portal --out FILE`
# writes the portal key file (mode 0600, never replaced, audited; no signing key in it: neither
# minisign nor klartext can sign with it), and `klartext serve --portal-keys FILE` on a machine
# whose klartext.key is gone answers the verification portal, the JSON API, the agent API and
# the public-key routes exactly as a portal with the signing key; a key file of another register
# verifies nothing; a file others may read, or a damaged one, is refused.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }

klartext demo --dir demo >demo.out 2>&1 || { cat demo.out; echo "not ok 1 - demo"; echo "1..1"; exit 1; }
cd demo
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
eml=$(ls out/*.eml 2>/dev/null | head -1)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n 's/^To: *//p' "$eml" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
klartext agent add alice >token 2>/dev/null
TOKEN=$(cat token)
if test_on_pg; then DB=$KLARTEXT_DB; else DB=$TRASH/demo/klartext.db; fi   # the register, from anywhere
trap 'if [ -n "$PID" ]; then kill -TERM $PID 2>/dev/null; fi' EXIT
# what a portal answers: the same requests to URL, each answer in DIR/N
ask() {  # ask DIR
    mkdir -p "$1"
    curl -s -X POST -d "{\"code\":\"$CODE\",\"email\":\"$RCPT\"}" "$URL/api/v1/verify" >"$1/1"
    curl -s -X POST -d "{\"code\":\"$CODE\"}" "$URL/api/v1/verify" >"$1/2"
    curl -s -X POST --data-urlencode "code=$CODE" --data-urlencode "email=$RCPT" "$URL/verify" >"$1/3"
    curl -s -X POST -H "Authorization: Bearer $TOKEN" -d "{\"code\":\"$CODE\"}" "$URL/api/v1/agent/lookup" >"$1/4"
    curl -s -X POST -H "Authorization: Bearer $TOKEN" -d "{\"email\":\"$RCPT\"}" "$URL/api/v1/agent/lookup" >"$1/5"
    curl -s "$URL/.well-known/klartext/minisign.pub" >"$1/6"
    curl -s "$URL/api/v1/pubkey" >"$1/7"
    curl -s -X POST -d "{\"code\":\"$CODE\",\"email\":\"someone@else.example\"}" "$URL/api/v1/verify" >"$1/8"
}

test_expect_success 'keys portal writes the portal key file: mode 0600, the three keys and the public key, audited' '
    [ -n "$CODE" ] && [ -n "$RCPT" ] && [ -n "$TOKEN" ] &&
    klartext keys portal --out portal.keys 2>err && grep_q "wrote the portal key file portal.keys" err &&
    [ "$(stat -c %a portal.keys)" = 600 ] &&
    [ "$(sed -n 1p portal.keys)" = "klartext portal keys v1" ] &&
    sed -n 2,4p portal.keys | cut -d" " -f1 | tr "\n" " " | grep_q "^code-lookup address audit $" &&
    [ "$(sed -n 2,4p portal.keys | grep -c " [0-9a-f]\{64\}$")" = 3 ] &&
    tail -n 2 portal.keys | cmp - klartext.pub &&
    klartext audit | grep_q "key.portal"
'
test_expect_success 'the file holds no signing key: not its text, and neither minisign nor klartext signs with it' '
    secret=$(sed -n 2p klartext.key) && [ ${#secret} -gt 100 ] && not_grep_q "$secret" portal.keys &&
    echo hello >msg && { minisign -S -s portal.keys -m msg -x msg.sig </dev/null >ms.out 2>&1; [ $? != 0 ]; } &&
    [ ! -s msg.sig ] && minisign -S -s klartext.key -m msg -x msg2.sig </dev/null >/dev/null 2>&1 && [ -s msg2.sig ] &&
    mkdir kdir && cp -p portal.keys kdir/klartext.key && cp klartext.pub kdir/ &&
    { KLARTEXT_KEYS=$PWD/kdir klartext log checkpoint 2>ck.err; [ $? = 1 ]; } && cat ck.err && grep_q "klartext.key" ck.err
'
test_expect_code 2 'an existing file is never replaced: bad input (exit 2), the file named, nothing audited' '
    sum=$(sha256sum portal.keys) && n=$(klartext audit 2>/dev/null | grep -c key.portal) &&
    klartext keys portal --out portal.keys 2>err; rc=$?
    cat err; [ "$sum" = "$(sha256sum portal.keys)" ] && grep_q "portal.keys.: the file already exists" err &&
    [ "$(klartext audit 2>/dev/null | grep -c key.portal)" = "$n" ] &&
    ln -s missing-target dangling && { klartext keys portal --out dangling 2>err2; [ $? = 2 ]; } &&
    grep_q "dangling.: the file already exists" err2 && [ ! -e missing-target ] && exit $rc
'
test_expect_code 2 'keys without portal, and portal without --out, are bad usage' '
    { klartext keys 2>e1; [ $? = 2 ]; } && grep_q "keys needs a command" e1 &&
    { klartext keys viewer --out x 2>e2; [ $? = 2 ]; } && grep_q "not a keys command" e2 &&
    klartext keys portal 2>e3; rc=$?; grep_q "needs --out FILE" e3 && exit $rc
'
start_server full.log --rate-limit 1000/min --access-log off && ask with-key; stop_server
# the portal machine: the register, the portal key file, no klartext.key anywhere it could look
mkdir stash && mv klartext.key stash/ && mkdir portal && cp -p portal.keys portal/ && cd portal
test_expect_success 'serve --portal-keys without klartext.key: the same answers as with the signing key' '
    [ ! -e ../klartext.key ] && [ ! -e klartext.key ] &&
    start_server serve.log --db "$DB" --portal-keys portal.keys --rate-limit 1000/min --access-log off &&
    ask ../without-key; stop_server &&
    for i in 1 2 3 4 5 6 7 8; do cmp ../with-key/$i ../without-key/$i || { echo "answer $i differs"; exit 1; }; done &&
    jq -e ".genuine == true" ../without-key/1 >/dev/null && jq -e ".genuine == true" ../without-key/2 >/dev/null &&
    jq -e "(.notices | length) >= 1" ../without-key/4 >/dev/null && grep_q "untrusted comment: minisign public key" ../without-key/6
'
test_expect_success 'the agent look-ups of the portal without the key are in the audit trail' '
    KLARTEXT_KEYS=$TRASH/demo/stash klartext --db "$DB" audit >au && [ "$(grep -c "agent.lookup" au)" -ge 4 ]
'
test_expect_success 'a portal key file of another register verifies nothing' '
    mkdir other && (cd other && klartext --db other.db init >/dev/null 2>&1 && klartext --db other.db keys portal --out ../other.keys 2>/dev/null) &&
    start_server other.log --db "$DB" --portal-keys other.keys --rate-limit 1000/min --access-log off &&
    curl -s -X POST -d "{\"code\":\"$CODE\"}" "$URL/api/v1/verify" >o.json; stop_server
    jq -e ".genuine == false" o.json >/dev/null || { cat o.json; exit 1; }
'
test_expect_code 2 'a portal key file that others may read is bad input: refused (chmod 600)' '
    chmod 644 portal.keys && "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys portal.keys 2>err; rc=$?
    chmod 600 portal.keys; grep_q "is readable by others (mode 0644); run chmod 600" err && exit $rc
'
test_expect_code 2 'a damaged portal key file is bad input, refused naming the line' '
    sed "3s/ [0-9a-f]\{64\}$/ zz/" portal.keys >bad.keys && chmod 600 bad.keys &&
    "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys bad.keys 2>err; rc=$?
    grep_q "bad.keys. line 3: expected .address. and 64 hex digits" err && exit $rc
'
test_expect_code 2 'the signing key is not a portal key file: bad input' '
    cp -p ../stash/klartext.key sk && "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys sk 2>err; rc=$?
    grep_q "line 1: not a portal key file" err && exit $rc
'
test_expect_code 2 'a directory or a missing file as the portal key file: bad input, named' '
    mkdir kdir && "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys kdir 2>err; rc=$?
    [ $rc = 2 ] && grep_q "kdir. is not a regular file" err &&
    "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys no-such.keys 2>err2; rc=$?
    grep_q "no-such.keys.: No such file" err2 && exit $rc
'
test_expect_code 1 'a portal key file klartext may not read is a failure (exit 1), named' '
    cp -p portal.keys locked.keys && chmod 600 locked.keys || exit 3
    if [ "$(id -u)" = 0 ]; then   # root reads any file: klartext runs as nobody (the file is root'"'"'s, 0600)
        runuser -u nobody -- "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys "$PWD/locked.keys" 2>err
    else
        chmod 000 locked.keys && "$KLARTEXT" --db "$DB" serve --listen 127.0.0.1:0 --portal-keys locked.keys 2>err
    fi; rc=$?
    cat err; grep_q "locked.keys.: Permission denied" err && exit $rc
'
test_done
