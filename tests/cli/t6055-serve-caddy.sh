#!/usr/bin/env bash
# t6055 — the Caddy example of docs/serve.md (Debian 12's caddy 2.6) in front of
# `klartext serve --trust-proxy`, with a throwaway certificate instead of an ACME one:
# the agent cookies are Secure (Caddy sets X-Forwarded-Proto), rate limiting and the access log
# use the real client's address, and a client's own X-Forwarded-For does not reach klartext.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
CADDY=$(command -v caddy || true)
[ -n "$CADDY" ] || { echo "1..0 # SKIP caddy is not installed (./run deps test)"; exit 0; }
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

klartext demo --dir demo >/dev/null 2>&1 && cd demo || { echo "not ok 1 - demo"; echo "1..1"; exit 1; }
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
eml=$(ls out/*.eml | head -1)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n "s/^To: *//p" "$eml" | head -1 | tr -d "\r" | sed "s/.*<\(.*\)>.*/\1/")

KPORT=$(port) CPORT=$(port)
"$KLARTEXT" serve --listen 127.0.0.1:$KPORT --trust-proxy --trusted-proxy 127.0.0.1 --rate-limit 3/min \
    --access-log "$TRASH/access.log" 2>"$TRASH/server.log" &
PID=$!
CPID=
trap 'kill -TERM $PID 2>/dev/null; [ -n "$CPID" ] && kill $CPID 2>/dev/null' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$TRASH/key.pem" -out "$TRASH/cert.pem" >/dev/null 2>&1
# docs/serve.md's Caddyfile with this test's ports and certificate
cat >"$TRASH/Caddyfile" <<CF
{
    admin off
    auto_https disable_redirects
    storage file_system $TRASH/caddy
}
localhost:$CPORT {
    tls $TRASH/cert.pem $TRASH/key.pem
    request_body {
        max_size 16KB
    }
    reverse_proxy 127.0.0.1:$KPORT
}
CF
XDG_DATA_HOME=$TRASH/caddy XDG_CONFIG_HOME=$TRASH/caddy HOME=$TRASH "$CADDY" run --config "$TRASH/Caddyfile" --adapter caddyfile \
    >"$TRASH/caddy.log" 2>&1 &
CPID=$!
URL=https://localhost:$CPORT
for _ in $(seq 100); do curl -sk -o /dev/null "$URL/" && break; sleep 0.1; done

test_expect_success 'Caddy serves the portal over TLS' 'curl -sk "$URL/?lang=en" | grep_q "Security incidents" || { cat "$TRASH/caddy.log"; exit 1; }'
test_expect_success 'through Caddy the form cookie is Secure; HttpOnly; SameSite=Strict' '
    curl -sk --http1.1 -D h -o /dev/null "$URL/agent" &&
    grep_q "^Set-Cookie: kt_form=[0-9a-f]\{64\}; Path=/agent; HttpOnly; SameSite=Strict; Secure" h
'
vpost() { curl -sk -o /dev/null -w "%{http_code}" --interface "$1" "${@:2}" -H "Sec-Fetch-Site: same-origin" \
    --data-urlencode "code=$CODE" --data-urlencode "email=$RCPT" "$URL/verify"; }
test_expect_success 'rate limit per real client through Caddy; a forged X-Forwarded-For picks no other bucket' '
    for i in 1 2 3; do [ "$(vpost 127.0.0.2)" = 200 ] || exit 1; done &&
    [ "$(vpost 127.0.0.2)" = 429 ] && [ "$(vpost 127.0.0.2 -H "X-Forwarded-For: 198.51.100.77")" = 429 ] &&
    [ "$(vpost 127.0.0.3)" = 200 ]
'
test_expect_success 'the access log names the real clients' '
    [ $(grep -c " 127.0.0.2 \"POST /verify\" " "$TRASH/access.log") = 5 ] &&
    grep_q " 127.0.0.3 \"POST /verify\" 200" "$TRASH/access.log" && not_grep_q "198.51.100.77" "$TRASH/access.log"
'
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'klartext stopped cleanly' 'test $src -eq 0'
test_done
