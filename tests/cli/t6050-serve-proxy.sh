#!/usr/bin/env bash
# t6050 — the portal behind Debian's nginx with TLS (a throwaway self-signed certificate), as
# docs/install.md sets it up: the browser test through the proxy (headless Chromium, verify form
# and agent console), rate limiting by the real client's address (clients on 127.0.0.2 and
# 127.0.0.3), the access log's addresses, and the agent cookies Secure; HttpOnly;
# SameSite=Strict when the trusted proxy says https — X-Forwarded-Proto sent by a client
# straight to klartext changes nothing, nor a forged X-Forwarded-For through the proxy.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "1..0 # SKIP nginx is not installed (./run deps test)"; exit 0; }
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

klartext demo --dir demo >/dev/null 2>&1 && cd demo || { echo "not ok 1 - demo"; echo "1..1"; exit 1; }
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
eml=$(ls out/*.eml | head -1)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n "s/^To: *//p" "$eml" | head -1 | tr -d "\r" | sed "s/.*<\(.*\)>.*/\1/")
klartext agent add alice >token 2>/dev/null
TOKEN=$(cat token)

# klartext on 127.0.0.1 trusting only 127.0.0.1 (nginx's side of the connection)
KPORT=$(port) NPORT=$(port)
"$KLARTEXT" serve --listen 127.0.0.1:$KPORT --trust-proxy --trusted-proxy 127.0.0.1 --rate-limit 5/min \
    --access-log "$TRASH/access.log" 2>"$TRASH/server.log" &
PID=$!
NPID= BPID=
trap 'kill -TERM $PID 2>/dev/null; [ -n "$NPID" ] && kill $NPID 2>/dev/null; [ -n "$BPID" ] && kill $BPID 2>/dev/null' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$TRASH/key.pem" -out "$TRASH/cert.pem" >/dev/null 2>&1
mkdir -p "$TRASH/nginx"
# the server block of docs/install.md, with this test's ports and files
cat >"$TRASH/nginx/nginx.conf" <<NG
daemon off;
master_process off;
worker_processes 1;
pid $TRASH/nginx/nginx.pid;
error_log $TRASH/nginx/error.log warn;
events { worker_connections 64; }
http {
    client_body_temp_path $TRASH/nginx/body;
    proxy_temp_path $TRASH/nginx/proxy;
    fastcgi_temp_path $TRASH/nginx/fcgi;
    uwsgi_temp_path $TRASH/nginx/uwsgi;
    scgi_temp_path $TRASH/nginx/scgi;
    access_log off;
    server {
        listen 127.0.0.1:$NPORT ssl;
        server_name localhost;
        ssl_certificate     $TRASH/cert.pem;
        ssl_certificate_key $TRASH/key.pem;
        client_max_body_size 16k;
        location / {
            proxy_pass http://127.0.0.1:$KPORT;
            proxy_set_header Host \$host:\$server_port;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
NG
"$NGINX" -e "$TRASH/nginx/error.log" -p "$TRASH/nginx" -c "$TRASH/nginx/nginx.conf" &
NPID=$!
URL=https://localhost:$NPORT DIRECT=http://127.0.0.1:$KPORT
for _ in $(seq 100); do curl -sk -o /dev/null "$URL/" && curl -s -o /dev/null "$DIRECT/" && break; sleep 0.1; done
klartext org set portal.url="$URL" >/dev/null 2>&1

test_expect_success 'nginx serves the portal over TLS' '
    curl -sk "$URL/?lang=en" >home.html && grep_q "Security incidents" home.html &&
    curl -skI "$URL/" | head -1 | grep_q " 200"
'
# the browser test through the proxy (tests/cli/browser.sh, cdp.py)
CHROME=$(command -v chromium || command -v chromium-browser || true)
CHROME_ARGS=--ignore-certificate-errors
. "$TEST_DIR/browser.sh"
# without Chromium the two browser tests are reported as skipped
need_chrome() { [ -n "$CHROME" ] || skip_next "Chromium is not installed (apt-get install chromium)"; }
need_chrome
test_expect_success 'Chromium through nginx: the verify form on the portal gives the answer' '
    browser 1280,1400 go "$URL/verify?lang=en" set "#code" "$CODE" set "#email" "$RCPT" click "form[action=\"/verify\"] button" \
        wait "Yes, this message is genuine" dom ans.dom && grep_q "What happened to your data" ans.dom
'
need_chrome
test_expect_success 'Chromium through nginx: agent sign-in and look-up; its cookies are Secure, HttpOnly, SameSite=Strict' '
    browser 1280,1000 go "$URL/agent?lang=en" set "#token" "$TOKEN" click "form[action=\"/agent/login\"] button" \
        wait "Signed in:" set "#q" "$CODE" click "form[action=\"/agent/lookup\"] button" wait "Genuine notice" \
        cookies cookies.json &&
    jq -e "[.[] | select(.name == \"kt_agent\" and .secure and .httpOnly and .sameSite == \"Strict\")] | length == 1" cookies.json &&
    jq -e "[.[] | select(.name == \"kt_form\" and .secure and .httpOnly and .sameSite == \"Strict\")] | length == 1" cookies.json
'
ftok() {  # ftok JAR ACTION BASE [curl options]: the form token of the form posting to ACTION
    curl -sk -b "$1" -c "$1" "${@:4}" "$3/agent?lang=en" |
        awk -v a="action=\"$2\"" 'index($0, a) { f = 1 } f && match($0, /name="ft" value="[0-9a-f]+"/) { print substr($0, RSTART + 17, 32); exit }'
}
signin() {  # signin JAR BASE [curl options]: prints the response headers of a sign-in
    curl -sk -D - -o /dev/null -b "$1" -c "$1" "${@:3}" -X POST --data-urlencode "token=$TOKEN" \
        -d "ft=$(ftok "$1" /agent/login "$2" "${@:3}")" "$2/agent/login"
}
test_expect_success 'through the proxy (https): the session and form cookies are Secure; HttpOnly; SameSite=Strict' '
    curl -sk -D fh -o /dev/null "$URL/agent" &&
    grep_q "^Set-Cookie: kt_form=[0-9a-f]\{64\}; Path=/agent; HttpOnly; SameSite=Strict; Secure" fh &&
    signin jp "$URL" --interface 127.0.0.4 >lh && head -1 lh | grep_q " 303" &&
    grep_q "^Set-Cookie: kt_agent=[0-9a-f]\{64\}; Path=/agent; Max-Age=[0-9]*; HttpOnly; SameSite=Strict; Secure" lh
'
test_expect_success 'X-Forwarded-Proto: https sent straight to klartext by a client (not the proxy) changes nothing' '
    curl -s -D dh -o /dev/null --interface 127.0.0.9 -H "X-Forwarded-Proto: https" "$DIRECT/agent" &&
    grep_q "^Set-Cookie: kt_form=" dh && not_grep_q "Secure" dh &&
    signin jd "$DIRECT" --interface 127.0.0.9 -H "X-Forwarded-Proto: https" >lh && head -1 lh | grep_q " 303" &&
    grep_q "^Set-Cookie: kt_agent=" lh && not_grep_q "Secure" lh
'
test_expect_success 'from the trusted proxy address without https (plain http): no Secure' '
    curl -s -D ph -o /dev/null -H "X-Forwarded-Proto: http" "$DIRECT/agent" && grep_q "^Set-Cookie: kt_form=" ph &&
    not_grep_q "Secure" ph
'
verify_post() {  # verify_post CLIENT-ADDR [curl options]: the status of one POST /verify through nginx
    curl -sk -o /dev/null -w "%{http_code}" --interface "$1" "${@:2}" -H "Sec-Fetch-Site: same-origin" \
        --data-urlencode "code=$CODE" --data-urlencode "email=$RCPT" "$URL/verify"
}
test_expect_success 'rate limit per real client: 127.0.0.2 is stopped after 5 a minute, 127.0.0.3 is not' '
    for i in 1 2 3 4 5; do s=$(verify_post 127.0.0.2); [ "$s" = 200 ] || { echo "request $i: $s"; exit 1; }; done &&
    [ "$(verify_post 127.0.0.2)" = 429 ] && [ "$(verify_post 127.0.0.3)" = 200 ]
'
test_expect_success 'a forged X-Forwarded-For through the proxy does not pick another bucket' '
    [ "$(verify_post 127.0.0.2 -H "X-Forwarded-For: 198.51.100.77")" = 429 ]
'
test_expect_success 'the access log names the real clients, never the proxy or a forged address' '
    grep_q " 127.0.0.2 \"POST /verify\" 429" "$TRASH/access.log" && grep_q " 127.0.0.3 \"POST /verify\" 200" "$TRASH/access.log" &&
    grep_q " 127.0.0.9 \"GET /agent\" 200" "$TRASH/access.log" && not_grep_q "198.51.100.77" "$TRASH/access.log" &&
    [ $(grep -c " 127.0.0.2 \"POST /verify\" " "$TRASH/access.log") = 7 ]
'
kill -TERM $PID; wait $PID; src=$?
kill $NPID 2>/dev/null; wait $NPID 2>/dev/null; NPID=
test_expect_success 'klartext stopped cleanly' 'test $src -eq 0'
test_done
