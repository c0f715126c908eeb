#!/usr/bin/env bash
# t6030 — HTTP/1.1 framing and the bytes of a request head, with raw sockets (python3): every
# request whose framing RFC 9112 does not allow, or whose head holds bytes it forbids, is
# answered 400 and the connection closed — nothing after it on the connection is read as another
# request (docs/serve.md "HTTP/1.1 framing"); methods that are not tokens are 400 and every field
# of the access log is escaped. Well-formed requests, keep-alive and pipelining still work.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }

klartext demo --dir demo >demo.out 2>&1 || { cat demo.out; echo "not ok 1 - demo"; echo "1..1"; exit 1; }
cd demo
"$KLARTEXT" serve --listen 127.0.0.1:0 --access-log "$TRASH/access.log" 2>"$TRASH/server.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null' EXIT
for _ in $(seq 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TRASH/server.log" | head -1)
    [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break
    sleep 0.1
done
PORT=${URL##*:}

# send.py PORT: stdin as it is to the server; prints the status of every answer on one line and
# "closed" or "open" (the server closed the connection within 2 s, or not)
cat >"$TRASH/send.py" <<'PY'
import socket, sys
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(2)
s.sendall(data)
out = b""; state = "open"
try:
    while True:
        d = s.recv(65536)
        if not d: state = "closed"; break
        out += d
except socket.timeout:
    pass
st = []
while out.startswith(b"HTTP/1."):  # one answer after the other: status line, fields, body
    head, _, rest = out.partition(b"\r\n\r\n")
    st.append(head.split(b" ")[1].decode())
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    out = rest[n[0] if n else len(rest):]
print(" ".join(st) or "-", state)
PY
send() { printf "$1" | python3 "$TRASH/send.py" $PORT; }
# refused CASE BYTES: the answer must be one 400 and the connection closed
refused() {
    local got; got=$(send "$2")
    [ "$got" = "400 closed" ] || { echo "$1: got '$got', expected '400 closed'"; return 1; }
}
S='GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'

test_expect_success 'two Content-Length fields: 400 and closed; the rest of the body is never a request' '
    refused two-cl "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 41\r\n\r\ncode$S" &&
    refused two-cl-same "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\ncode" &&
    send "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\ncode" | grep_q "^400 .*closed$" &&
    not_grep_q "/smuggled" "$TRASH/access.log"
'
test_expect_success 'Content-Length with Transfer-Encoding: 400 and closed (RFC 9112 6.3)' '
    refused cl-te "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$S" &&
    refused te-cl "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n$S" &&
    not_grep_q "/smuggled" "$TRASH/access.log"
'
test_expect_success 'a Transfer-Encoding other than exactly chunked: 400 and closed (an answer, not silence)' '
    refused chunked-identity "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" &&
    refused identity "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n" &&
    refused gzip-chunked "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" &&
    refused two-te "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" &&
    refused te-space "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n"
'
test_expect_success 'chunked on HTTP/1.0: 400 and closed' '
    refused chunked-10 "POST /verify HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ncode\r\n0\r\n\r\n"
'
test_expect_success 'two Host fields, or none in HTTP/1.1: 400 and closed' '
    refused two-host "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" &&
    refused no-host "GET / HTTP/1.1\r\n\r\n"
'
test_expect_success 'bare CR, NUL, obs-fold, control characters, white space before the colon: 400 and closed' '
    refused bare-cr "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n" &&
    refused bare-cr-te "POST /verify HTTP/1.1\r\nHost: x\r\nX-A: a\rTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\ncode" &&
    refused nul-value "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n" &&
    refused nul-te "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\0x\r\n\r\n0\r\n\r\n" &&
    refused nul-line "GET / HTTP/1.1\r\nHost: x\r\n\0\r\n\r\n" &&
    refused obs-fold "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n" &&
    refused obs-fold-te "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\ncode" &&
    refused obs-fold-tab "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n" &&
    refused first-line-space "GET / HTTP/1.1\r\n Host: x\r\n\r\n" &&
    refused ctl-value "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\001b\r\n\r\n" &&
    refused del-value "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\177b\r\n\r\n" &&
    refused space-colon "GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n" &&
    refused space-name "GET / HTTP/1.1\r\nHost: x\r\nX A: a\r\n\r\n" &&
    refused ctl-target "GET /\001 HTTP/1.1\r\nHost: x\r\n\r\n" &&
    refused nul-target "GET /verify\0.html HTTP/1.1\r\nHost: x\r\n\r\n" &&
    send "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n$S" | grep_q "^\(400 \|- \)closed$"
'
test_expect_success 'a bad head after a good one on the same connection: the good one answered, the bad one 400, then closed' '
    test "$(send "GET /assets/style.css HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nX-A: a\0\r\n\r\n$S")" = "200 400 closed" &&
    test "$(send "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\ncode=AB\r\n b\r\nGET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")" = "200 400 closed" &&
    not_grep_q "/smuggled" "$TRASH/access.log"
'
test_expect_success 'methods that are not tokens: 400 and closed; the access log escapes every field' '
    refused method-esc "\033]2;pwn\007 / HTTP/1.1\r\nHost: x\r\n\r\n" &&
    refused method-cr "GE\rT / HTTP/1.1\r\nHost: x\r\n\r\n" &&
    refused method-quote "G\"ET / HTTP/1.1\r\nHost: x\r\n\r\n" &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -X "$(printf "\033]2;pwn\007")" "$URL/")" = 400 &&
    sleep 0.3 &&
    not_grep_q "$(printf "\033")" "$TRASH/access.log" && not_grep_q "$(printf "\007")" "$TRASH/access.log" &&
    grep_q "\"\\\\x1b]2;pwn\\\\x07 /\" 400" "$TRASH/access.log" && grep_q "\"G\\\\x22ET /\" 400" "$TRASH/access.log" &&
    ! LC_ALL=C grep -a -q "[[:cntrl:]]" <(tr -d "\n" <"$TRASH/access.log")
'
test_expect_success 'well-formed requests still work: keep-alive, pipelining, LF line ends, a chunked body (then closed)' '
    test "$(send "GET /assets/style.css HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/incidents HTTP/1.1\r\nHost: x\r\n\r\n")" = "200 200 open" &&
    test "$(send "\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Tab: a\tb\r\nX-Utf8: \303\244\r\n\r\n")" = "200 open" &&
    test "$(send "GET / HTTP/1.1\nHost: x\n\n")" = "200 open" &&
    test "$(send "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\ncode=ABCDGET / HTTP/1.1\r\nHost: x\r\n\r\n")" = "200 200 open" &&
    test "$(send "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ncode\r\n0\r\n\r\n$S")" = "200 closed" &&
    test "$(send "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")" = "200 closed" &&
    test "$(send "GET / HTTP/1.0\r\n\r\n")" = "200 closed" &&
    not_grep_q "/smuggled" "$TRASH/access.log"
'
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'server stopped cleanly' 'test $src -eq 0'
test_done
