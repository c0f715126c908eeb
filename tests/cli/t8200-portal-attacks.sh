#!/usr/bin/env bash
# t8200 — `klartext serve` under attack and under load, over loopback with curl, python3 and wrk
# (docs/reliability.md, "Portal under attack and load"):
#  1. code enumeration: rate limit (429 + Retry-After), one answer for unknown / wrong address /
#     malformed codes (bytes, status, timing), X-Forwarded-For only from a trusted proxy;
#  2. agent-token guessing: back-off and lock-out, audited without the token, timing;
#  3. oversized and slow requests: 1 GB bodies, huge headers and URLs, slowloris (per-address
#     and total connection limits, request timeout) while a normal client is served;
#  4. HTML/JS injection through every stored field shown on a page or in the API;
#  5. path traversal, encoded NULs, overlong UTF-8, methods, HTTP/1.0, pipelining;
#  6. load: wrk for KLARTEXT_LOAD_SECONDS (default 10; the full run is 60) on a mix of pages,
#     verifications (wrong and right codes) and API calls: no errors, no crash, no memory growth.
# Every server is stopped with SIGTERM and must exit 0 (under ASan: without leaks).
. "$(dirname "$0")/lib.sh"
for t in curl python3 wrk sqlite3 jq; do
    command -v $t >/dev/null || { echo "1..0 # SKIP $t is not installed"; exit 0; }
done
LOAD_SECONDS=${KLARTEXT_LOAD_SECONDS:-10}
ASAN=0
if ldd "$KLARTEXT" 2>/dev/null | grep -q libasan; then ASAN=1; fi
# under ASan freed memory sits in a quarantine: keep it small so that RSS says something
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}:quarantine_size_mb=16:malloc_context_size=8"

klartext demo --dir demo >demo.out 2>&1 || { cat demo.out; echo "not ok 1 - demo"; echo "1..1"; exit 1; }
cd demo
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
klartext log checkpoint >/dev/null 2>&1
eml=$(ls out/*.eml 2>/dev/null | head -1)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n 's/^To: *//p' "$eml" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
NOTICE=$(basename "$eml" .eml)
UNKNOWN=7777-7777-7777-7777
klartext agent add alice >token 2>/dev/null
TOKEN=$(cat token)
test_expect_success 'setup: notices with codes, an agent with a token' '
    test -n "$CODE" && test -n "$RCPT" && test -n "$NOTICE" && echo "$TOKEN" | grep_q "^kta_"
'

PIDS=()
start_server() {  # start_server NAME DIR OPTIONS... — sets PID, URL, PORT; the server's stderr is NAME.log
    local name=$1 dir=$2; shift 2
    ( cd "$dir" && exec "$KLARTEXT" serve --listen 127.0.0.1:0 --access-log "$TRASH/$name.access" "$@" ) 2>"$TRASH/$name.log" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 200); do
        URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TRASH/$name.log" | head -1)
        [ -n "$URL" ] && curl -s -o /dev/null "$URL/assets/style.css" && { PORT=${URL##*:}; return 0; }
        sleep 0.1
    done
    cat "$TRASH/$name.log"; return 1
}
stop_server() {  # stop_server PID NAME — SIGTERM, wait; 0 when it exited 0 and ASan found nothing
    kill -TERM "$1" 2>/dev/null; wait "$1"; local rc=$?
    if grep -q "Sanitizer\|runtime error" "$TRASH/$2.log"; then grep -A20 "Sanitizer\|runtime error" "$TRASH/$2.log" | head -40; return 1; fi
    [ $rc -eq 0 ] || { tail -5 "$TRASH/$2.log"; echo "exit $rc"; }
    return $rc
}
trap 'for p in "${PIDS[@]}"; do kill -TERM $p 2>/dev/null; done' EXIT
code() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
# the console's forms carry a token bound to the kt_form cookie (docs/agent.md): ftok JAR ACTION
# [curl options] loads /agent with the cookie jar JAR and prints the token of the form to ACTION
ftok() {
    curl -s -b "$1" -c "$1" "${@:3}" "$URL/agent?lang=en" |
        awk -v a="action=\"$2\"" 'index($0, a) { f = 1 } f && match($0, /name="ft" value="[0-9a-f]+"/) { print substr($0, RSTART + 17, 32); exit }'
}
# signin JAR TOKEN [curl options]: the sign-in form as a browser posts it; prints the status
signin() { code -b "$1" -c "$1" "${@:3}" -X POST --data-urlencode "token=$2" -d "ft=$(ftok "$1" /agent/login "${@:3}")" "$URL/agent/login"; }
# spread GROUP...: "GROUP" is a space-separated list of medians; 0 when in each group max/min < 1.5.
# Timing checks run up to three times: a loaded machine may disturb one run, a real difference
# (a lookup only for known codes, an early exit in a comparison) shows in every run.
spread_ok() {
    local g
    for g in "$@"; do
        echo "$g" | awk "{ mx = \$1; mn = \$1; for (i = 2; i <= NF; i++) { if (\$i > mx) mx = \$i; if (\$i < mn) mn = \$i }
                          exit !(mx / mn < 1.5) }" || return 1
    done
}
vmkb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }   # vmkb PID VmRSS|VmHWM

# ---------------------------------------------------------------- python helpers
cat >"$TRASH/raw.py" <<'PY'
# raw.py PORT [--src ADDR] [--timeout S]: send stdin as-is (with \n→\r\n unless RAW_NOCRLF), print what comes back
import socket, sys, time
port = int(sys.argv[1]); src = None; timeout = 5.0
a = sys.argv[2:]
while a:
    if a[0] == "--src": src = a[1]; a = a[2:]
    elif a[0] == "--timeout": timeout = float(a[1]); a = a[2:]
    else: break
data = sys.stdin.buffer.read()
s = socket.socket()
if src: s.bind((src, 0))
s.settimeout(timeout); s.connect(("127.0.0.1", port)); s.sendall(data)
out = b""; t0 = time.time()
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout:
    out += b"\n[timeout: connection still open]\n"
sys.stdout.buffer.write(out)
PY
cat >"$TRASH/bigpost.py" <<'PY'
# bigpost.py PORT cl|chunked TOTAL: stream a TOTAL-byte form body without holding it; print
# "STATUS sent=N secs=S" (STATUS "-" when the server closed without an answer)
import socket, sys, time
port, mode, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(20)
t0 = time.time()
h = "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
h += ("Content-Length: %d\r\n" % total) if mode == "cl" else "Transfer-Encoding: chunked\r\n"
s.sendall((h + "\r\n").encode())
chunk = b"a" * 65536; sent = 0
try:
    while sent < total:
        s.sendall(chunk if mode == "cl" else b"10000\r\n" + chunk + b"\r\n")
        sent += len(chunk)
    if mode != "cl": s.sendall(b"0\r\n\r\n")
except OSError:
    pass
resp = b""
try:
    while b"\r\n\r\n" not in resp:
        d = s.recv(65536)
        if not d: break
        resp += d
except OSError:
    pass
st = resp.split(b" ")[1].decode() if resp.startswith(b"HTTP/") else "-"
print("%s sent=%d secs=%.2f" % (st, sent, time.time() - t0))
PY
cat >"$TRASH/slow.py" <<'PY'
# slow.py PORT N SRC SECONDS [headers|body|idle]: N connections from SRC that send a request one
# byte every 0.3 s (or nothing); prints the most connections held open after 1 s, how many are
# still open at the end, and when the server closed the last one
import socket, sys, time, select
port, n, src, dur = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else "headers"
req = {"headers": b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000,
       "body": b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\n" + b"a" * 16000,
       "idle": b""}[mode]
socks, pos, closed = [], [], []
for i in range(n):
    s = socket.socket(); s.bind((src, 0)); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    socks.append(s); pos.append(0); closed.append(None)
t0 = time.time(); held = 0
while time.time() - t0 < dur:
    for i, s in enumerate(socks):
        if closed[i] is not None: continue
        try:
            r, _, _ = select.select([s], [], [], 0)
            if r and not s.recv(4096): closed[i] = time.time() - t0; continue
            if pos[i] < len(req): s.send(req[pos[i]:pos[i] + 1]); pos[i] += 1
        except (BlockingIOError, InterruptedError): pass
        except OSError: closed[i] = time.time() - t0
    alive = sum(1 for c in closed if c is None)
    if time.time() - t0 >= 1.0: held = max(held, alive)
    time.sleep(0.3)
last = max([c for c in closed if c is not None] or [0])
print("held=%d open_at_end=%d last_closed=%.1f" % (held, sum(1 for c in closed if c is None), last))
PY
cat >"$TRASH/timing.py" <<'PY'
# timing.py URL N CASE... : POST each CASE (a form body, or @json:BODY for the API, or
# @token:TOKEN for the agent log-in — with the form cookie and token from GET /agent —, or
# @bearer:TOKEN) N times, interleaved, on kept-alive connections; XFF_UNIQUE=1 sends a fresh
# X-Forwarded-For each time. Prints each median (ms).
import http.client, sys, time, os, statistics, urllib.parse, json, re
url = urllib.parse.urlparse(sys.argv[1]); n = int(sys.argv[2]); cases = sys.argv[3:]
conns = [http.client.HTTPConnection(url.hostname, url.port) for _ in cases]
c0 = http.client.HTTPConnection(url.hostname, url.port); c0.request("GET", "/agent"); r0 = c0.getresponse()
form_cookie = re.search(r"kt_form=([0-9a-f]+)", r0.getheader("Set-Cookie", "")).group(1)
form_token = re.search(r'action="/agent/login".*?name="ft" value="([0-9a-f]+)"', r0.read().decode(), re.S).group(1)
times = [[] for _ in cases]; k = 0
for i in range(n + 5):
    for j, c in enumerate(cases):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        path, body = "/verify", c
        if c.startswith("@json:"): path, body, h = "/api/v1/verify", c[6:], {"Content-Type": "application/json"}
        if c.startswith("@token:"):
            path, body = "/agent/login", "ft=" + form_token + "&token=" + urllib.parse.quote(c[7:])
            h["Cookie"] = "kt_form=" + form_cookie
        if c.startswith("@bearer:"): path, body, h = "/api/v1/agent/lookup", '{"code":"x"}', {"Authorization": "Bearer " + c[8:]}
        if os.environ.get("XFF_UNIQUE"):
            k += 1; h["X-Forwarded-For"] = "198.18.%d.%d" % (k // 250, k % 250 + 1)
        t = time.perf_counter()
        conns[j].request("POST", path, body=body, headers=h)
        r = conns[j].getresponse(); r.read()
        if i >= 5: times[j].append((time.perf_counter() - t) * 1000)
        if r.getheader("Connection", "").lower() == "close": conns[j].close()
print(" ".join("%.3f" % statistics.median(t) for t in times))
PY
cat >"$TRASH/htmlcheck.py" <<'PY'
# htmlcheck.py MARKER FILE...: each FILE (a response with its headers) must carry the security
# headers; HTML must hold no script, no event-handler attribute, no javascript: link, no
# unquoted attribute, and must show MARKER escaped where it shows it at all.
import sys, re, json
from html.parser import HTMLParser
marker = sys.argv[1]; bad = []; shown = 0
class P(HTMLParser):
    def __init__(s, name): super().__init__(convert_charrefs=True); s.name = name
    def handle_starttag(s, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "base"): bad.append("%s: <%s> element" % (s.name, tag))
        for k, v in attrs:
            if k.startswith("on"): bad.append("%s: <%s %s=...>" % (s.name, tag, k))
            if k in ("href", "src", "action", "formaction", "xlink:href") and v and re.sub(r"[\s\x00-\x1f]", "", v).lower().startswith(("javascript:", "data:text", "vbscript:")):
                bad.append("%s: <%s %s=%r>" % (s.name, tag, k, v))
for f in sys.argv[2:]:
    raw = open(f, "rb").read().decode("utf-8", "replace")
    head, _, body = raw.partition("\r\n\r\n")
    hl = head.lower()
    for h in ("content-security-policy: default-src 'none'", "x-content-type-options: nosniff", "x-frame-options: deny"):
        if h not in hl: bad.append("%s: no %s" % (f, h.split(":")[0]))
    if "application/json" in hl:
        json.loads(body)                  # must parse; the strings are checked by the caller with jq
        continue
    if "text/html" not in hl: continue
    if re.search(r"<\s*script", body, re.I): bad.append("%s: raw <script" % f)
    if re.search(r"<img[^>]*onerror", body, re.I): bad.append("%s: raw onerror" % f)
    for tag in re.findall(r"<[a-zA-Z][^<>]*>", body):
        rest = re.sub(r"^<[a-zA-Z0-9:-]+", "", tag).rstrip(">").rstrip("/")
        while rest.strip():
            m = re.match(r"\s*([^\s\"'>/=]+)(\s*=\s*)?", rest)
            if not m: bad.append("%s: cannot read %s" % (f, tag[:80])); break
            rest = rest[m.end():]
            if not m.group(2): continue
            if rest[:1] in ("'", '"'):
                end = rest.find(rest[0], 1)
                if end < 0: bad.append("%s: unterminated attribute in %s" % (f, tag[:80])); break
                rest = rest[end + 1:]
            else:
                bad.append("%s: unquoted attribute %s in %s" % (f, m.group(1), tag[:80])); break
    P(f).feed(body)
    if marker in body: bad.append("%s: %s unescaped" % (f, marker))
    if "&lt;script&gt;alert(" in body: shown += 1
for b in bad: print(b)
print("pages showing the payload escaped: %d" % shown)
sys.exit(1 if bad else 0)
PY

# ================================================================ 1. code enumeration
start_server enum "$TRASH/demo" --rate-limit 10/min
ENUM_PID=$PID ENUM_URL=$URL
test_expect_success 'enumeration: 10 wrong codes from one address, then 429 with Retry-After (form and API)' '
    for i in $(seq 10); do
        test "$(code -X POST -d "code=AAAA-BBBB-CCCC-$(printf %04d $i)" -d lang=en "$URL/verify")" = 200 || return 1
    done &&
    curl -s -D h429 -o b429 -X POST -d "code=$UNKNOWN" -d lang=en "$URL/verify" &&
    head -1 h429 | grep_q " 429" && grep_q "^Retry-After: [1-9][0-9]*" h429 && grep_q "^Cache-Control: no-store" h429 &&
    grep_q "Too many attempts" b429 &&
    test "$(code -X POST -H "Content-Type: application/json" -d "{\"code\":\"$CODE\"}" "$URL/api/v1/verify")" = 429 &&
    test "$(signin ej "$TOKEN")" = 429 &&
    test "$(code "$URL/incident/2026-0001")" = 200
'
test_expect_success 'enumeration: the right code is refused too once the limit is reached (no oracle behind the limit)' '
    curl -s -X POST --data-urlencode "code=$CODE" -d lang=en "$URL/verify" | grep_q "Too many attempts"
'
test_expect_success 'enumeration: without --trust-proxy, X-Forwarded-For does not give a fresh bucket' '
    for i in 1 2 3; do test "$(code -H "X-Forwarded-For: 203.0.113.$i" -X POST -d code=x "$URL/verify")" = 429 || return 1; done &&
    test "$(curl -s -X POST -d code=x --interface 127.0.0.2 -o /dev/null -w "%{http_code}" "$URL/verify")" = 200
'
stop_server $ENUM_PID enum; src=$?
test_expect_success 'enumeration server stops cleanly' 'test $src -eq 0'

start_server xff "$TRASH/demo" --rate-limit 5/min --trust-proxy
XFF_PID=$PID
test_expect_success 'behind a trusted proxy (loopback): the limit follows the last X-Forwarded-For address, not what the client prepends' '
    for i in 1 2 3 4 5; do
        test "$(code -H "X-Forwarded-For: 10.9.9.$i, 203.0.113.7" -X POST -d code=x "$URL/verify")" = 200 || return 1
    done &&
    test "$(code -H "X-Forwarded-For: 10.9.9.99, 203.0.113.7" -X POST -d code=x "$URL/verify")" = 429 &&
    test "$(code -H "X-Forwarded-For: 10.9.9.98,203.0.113.7" -X POST -d code=x "$URL/verify")" = 429 &&
    test "$(code -H "X-Forwarded-For: 203.0.113.8" -X POST -d code=x "$URL/verify")" = 200 &&
    grep_q "^[^ ]* 203.0.113.7 \"POST /verify\" 429" "$TRASH/xff.access"
'
test_expect_success 'behind a trusted proxy: a value that is not an address falls back to the peer; IPv6 clients share a /64 bucket' '
    for i in 1 2 3 4 5; do test "$(code -H "X-Forwarded-For: <script>$i" -X POST -d code=x "$URL/verify")" = 200 || return 1; done &&
    test "$(code -H "X-Forwarded-For: junk" -X POST -d code=x "$URL/verify")" = 429 &&
    not_grep_q "<script>" "$TRASH/xff.access" &&
    for i in 1 2 3 4 5; do test "$(code -H "X-Forwarded-For: 2001:db8:1:2::$i" -X POST -d code=x "$URL/verify")" = 200 || return 1; done &&
    test "$(code -H "X-Forwarded-For: 2001:db8:1:2:ffff::1" -X POST -d code=x "$URL/verify")" = 429 &&
    test "$(code -H "X-Forwarded-For: 2001:db8:1:3::1" -X POST -d code=x "$URL/verify")" = 200
'
# the access log's line of a request is written when the request is done, which may be just
# after its answer reached curl: wait for it (up to 5 s) before looking
test_expect_success 'behind a trusted proxy: of several X-Forwarded-For lines the last counts (the proxy adds its own after the client'"'"'s); a port is taken off' '
    for i in 1 2 3 4 5; do
        test "$(code -H "X-Forwarded-For: 6.6.6.$i" -H "X-Forwarded-For: 198.51.100.7" -X POST -d code=x "$URL/verify")" = 200 || return 1
    done &&
    test "$(code -H "X-Forwarded-For: 6.6.6.99" -H "X-Forwarded-For: 198.51.100.7" -X POST -d code=x "$URL/verify")" = 429 &&
    wait_grep "^[^ ]* 198.51.100.7 \"POST /verify\" 429" "$TRASH/xff.access" &&
    not_grep_q " 6\.6\.6\." "$TRASH/xff.access" &&
    for i in 1 2 3 4 5; do test "$(code -H "X-Forwarded-For: 198.51.100.8:5$i" -X POST -d code=x "$URL/verify")" = 200 || return 1; done &&
    test "$(code -H "X-Forwarded-For: [::ffff:198.51.100.8]:443" -X POST -d code=x "$URL/verify")" = 429 &&
    wait_grep "^[^ ]* 198.51.100.8 \"POST /verify\" 429" "$TRASH/xff.access"
'
stop_server $XFF_PID xff; src=$?
start_server xff2 "$TRASH/demo" --rate-limit 5/min --trust-proxy --trusted-proxy 192.0.2.10
XFF2_PID=$PID
test_expect_success 'with --trusted-proxy ADDR, X-Forwarded-For from any other peer is ignored' '
    for i in 1 2 3 4 5; do test "$(code -H "X-Forwarded-For: 203.0.113.$i" -X POST -d code=x "$URL/verify")" = 200 || return 1; done &&
    test "$(code -H "X-Forwarded-For: 203.0.113.77" -X POST -d code=x "$URL/verify")" = 429
'
stop_server $XFF2_PID xff2; src2=$?
test_expect_success 'proxy servers stop cleanly' 'test $src -eq 0 && test $src2 -eq 0'
test_expect_code 2 '--trusted-proxy needs an address and --trust-proxy' '
    timeout 10 "$KLARTEXT" serve --listen 127.0.0.1:0 --trust-proxy --trusted-proxy nonsense; test $? -eq 2 &&
    timeout 10 "$KLARTEXT" serve --listen 127.0.0.1:0 --trusted-proxy 127.0.0.1
'

# the main server for the rest: a limit out of the way, small connection limits and a short
# request timeout so that the slow-client checks take seconds
start_server main "$TRASH/demo" --rate-limit 100000000/min --max-connections 60 --max-connections-per-ip 20 --request-timeout 3
MAIN_PID=$PID MAIN_URL=$URL MAIN_PORT=$PORT
test_expect_success 'enumeration: unknown, known with a wrong address and malformed codes get byte-identical answers' '
    post() { curl -s -D "$1.h" -o "$1.b" -X POST --data-urlencode "code=$2" --data-urlencode "email=$3" -d lang=en "$URL/verify"; }
    post u1 "$UNKNOWN" "someone@example.org" && post u2 "$UNKNOWN" "" && post w1 "$CODE" "someone@example.org" &&
    post w2 "$CODE" "$(echo "${RCPT%@*}" | tr a-z A-Z)@${RCPT#*@}" &&
    post m1 "abc" "" && post m2 "ZZZZ-ZZZZ-ZZZZ-ZZZ!" "x" && post m3 "$(head -c 300 /dev/zero | tr "\0" A)" "" &&
    post m4 "Ä€😀-‮" "@@" && post m5 "\" OR 1=1 --" "<script>" && post m6 "" "" &&
    for f in u2 w1 w2 m1 m2 m3 m4 m5 m6; do
        cmp u1.b $f.b || { echo "body of $f differs"; return 1; }
        test "$(grep -v "^Date:" u1.h | md5sum)" = "$(grep -v "^Date:" $f.h | md5sum)" || { echo "headers of $f differ"; diff u1.h $f.h; return 1; }
    done &&
    head -1 u1.h | grep_q " 200" && grep_q "We could not confirm this message" u1.b &&
    not_grep_q "OR 1=1" m5.b && not_grep_q "someone@example.org" w1.b
'
test_expect_success 'enumeration: the JSON API answers {"genuine": false} for all of them' '
    for body in "{\"code\":\"$UNKNOWN\"}" "{\"code\":\"$CODE\",\"email\":\"someone@example.org\"}" "{\"code\":\"abc\"}" \
                "{\"code\":\"\"}" "{\"code\":\"<script>\",\"email\":\"x\"}" "{}"; do
        curl -s -X POST -H "Content-Type: application/json" -d "$body" "$URL/api/v1/verify" >j.out &&
        test "$(jq -c . j.out)" = "{\"genuine\":false}" || { echo "$body -> $(cat j.out)"; return 1; }
    done
'
test_expect_success 'enumeration: similar timing — medians of unknown, wrong address and malformed within 1.5x' '
    for try in 1 2 3; do
        python3 "$TRASH/timing.py" "$URL" 150 "code=$UNKNOWN&email=a%40example.org" "code=$CODE&email=a%40example.org" \
            "code=not-a-code&email=a%40example.org" >tm && cat tm &&
        spread_ok "$(cat tm)" && break
    done &&
    echo "verify timing medians ms (unknown, wrong address, malformed; try $try): $(cat tm)" >>"$TRASH/figures" && spread_ok "$(cat tm)"
'

# ================================================================ 2. agent tokens
WRONG1="kta_$(head -c 32 /dev/urandom | base64 | tr "+/" "-_" | tr -d "=" | head -c 43)"
test_expect_success 'agent tokens: 5 wrong tries (403), then a lock-out (429 + Retry-After) that doubles, even for the right token' '
    for i in 1 2 3 4 5 6; do
        test "$(signin tj "${WRONG1}$i" --interface 127.0.0.5)" = 403 || return 1
    done &&
    curl -s --interface 127.0.0.5 -D l1 -o /dev/null -b tj -X POST --data-urlencode "token=$TOKEN" -d "ft=$(ftok tj /agent/login --interface 127.0.0.5)" "$URL/agent/login" &&
    head -1 l1 | grep_q " 429" && grep_q "^Retry-After: 1" l1 &&
    sleep 1.2 &&
    test "$(signin tj "${WRONG1}7" --interface 127.0.0.5)" = 403 &&
    curl -s --interface 127.0.0.5 -D l2 -o /dev/null -b tj -X POST -d "token=x" -d "ft=$(ftok tj /agent/login --interface 127.0.0.5)" "$URL/agent/login" &&
    head -1 l2 | grep_q " 429" && grep_q "^Retry-After: 2" l2 &&
    test "$(signin tj6 "$TOKEN" --interface 127.0.0.6)" = 303
'
test_expect_success 'agent tokens: the Bearer API backs off the same way (401, then 429)' '
    for i in 1 2 3 4 5 6; do
        test "$(code --interface 127.0.0.7 -H "Authorization: Bearer ${WRONG1}" -X POST -d "{\"code\":\"x\"}" "$URL/api/v1/agent/lookup")" = 401 || return 1
    done &&
    test "$(code --interface 127.0.0.7 -H "Authorization: Bearer $TOKEN" -X POST -d "{\"code\":\"$CODE\"}" "$URL/api/v1/agent/lookup")" = 429 &&
    test "$(code --interface 127.0.0.8 -H "Authorization: Bearer $TOKEN" -X POST -d "{\"code\":\"$CODE\"}" "$URL/api/v1/agent/lookup")" = 200
'
test_expect_success 'agent tokens: failures and sign-ins are audited with a keyed hash, never the token' '
    klartext audit >audit.out 2>&1 && grep_q "agent.login_failed" audit.out &&
    sqlite3 klartext.db "SELECT actor, action, new_value FROM audit WHERE action LIKE '"'"'agent.login%'"'"'" >logins &&
    grep_q "^portal|agent.login_failed|wrong agent token (console) from 127.0.0.5, token #[0-9a-f]\{32\}$" logins &&
    grep_q "^portal|agent.login_failed|wrong agent token (API) from 127.0.0.7, token #[0-9a-f]\{32\}" logins &&
    grep_q "locked out" logins && grep_q "^agent:alice|agent.login|signed in to the console from 127.0.0.6$" logins &&
    sqlite3 klartext.db "SELECT * FROM audit" >audit.db &&
    ! grep -q -e "$TOKEN" -e "$WRONG1" audit.db audit.out "$TRASH/main.access" "$TRASH/main.log" &&
    ! grep -q -e "${TOKEN#kta_}" -e "${WRONG1#kta_}" audit.db
'
# the timing above needs every try to be counted against a fresh client: only a trusted proxy
# can say so; on this server X-Forwarded-For is ignored, so run it behind a "proxy"
start_server tok "$TRASH/demo" --rate-limit 100000000/min --trust-proxy
TOK_PID=$PID
test_expect_success 'agent tokens: timing of wrong tokens (each try from a fresh client behind the proxy)' '
    near="${TOKEN%?}$(test "${TOKEN: -1}" = A && echo B || echo A)" &&
    for try in 1 2 3; do
        XFF_UNIQUE=1 python3 "$TRASH/timing.py" "$URL" 120 "@token:$near" "@token:$WRONG1" "@token:kta_x" "@bearer:$near" "@bearer:$WRONG1" >tt &&
        cat tt && read a b c d e <tt && spread_ok "$a $b $c" "$d $e" && break
    done &&
    echo "wrong-token timing medians ms (near, random, short; bearer near, random; try $try): $(cat tt)" >>"$TRASH/figures" &&
    spread_ok "$a $b $c" "$d $e"
'
test_expect_success 'agent tokens: the audit trail takes at most 60 failed sign-ins a minute (no write flood)' '
    n=$(sqlite3 klartext.db "SELECT count(*) FROM audit WHERE action = '"'"'agent.login_failed'"'"' AND command LIKE '"'"'%sign-in%'"'"'") &&
    echo "failed sign-ins in the audit trail: $n" && test "$n" -le 90 && test "$n" -ge 10
'
stop_server $TOK_PID tok; src=$?
test_expect_success 'token server stops cleanly' 'test $src -eq 0'

# ================================================================ 3. oversized and slow requests
URL=$MAIN_URL PORT=$MAIN_PORT
test_expect_success 'a 1 GB body with Content-Length: 413 before it is read, memory unchanged (VmHWM)' '
    hwm0=$(vmkb $MAIN_PID VmHWM) &&
    python3 "$TRASH/bigpost.py" $PORT cl 1000000000 >big1 && cat big1 &&
    grep_q "^413 " big1 && test "$(sed "s/.*sent=\([0-9]*\).*/\1/" big1)" -lt 100000000 &&
    truncate -s 1G sparse.bin &&
    curl -s -o /dev/null -w "%{http_code} %{size_upload}\n" -X POST -T sparse.bin -H "Content-Type: application/x-www-form-urlencoded" "$URL/verify" >big2 &&
    cat big2 && grep_q "^413 " big2 && test "$(cut -d" " -f2 big2)" -lt 100000000 && rm -f sparse.bin &&
    hwm1=$(vmkb $MAIN_PID VmHWM) && echo "VmHWM before $hwm0 kB, after $hwm1 kB" &&
    echo "1 GB Content-Length body: $(cat big1) / curl: $(cat big2); VmHWM $hwm0 -> $hwm1 kB" >>"$TRASH/figures" &&
    test $((hwm1 - hwm0)) -lt 8192
'
test_expect_success 'a 1 GB chunked body: the connection is closed after 16 KiB, memory unchanged' '
    hwm0=$(vmkb $MAIN_PID VmHWM) &&
    python3 "$TRASH/bigpost.py" $PORT chunked 1000000000 >big3 && cat big3 &&
    test "$(sed "s/.*sent=\([0-9]*\).*/\1/" big3)" -lt 100000000 &&
    grep_q "\"POST /verify\" 413 0 .*(aborted)" "$TRASH/main.access" &&
    hwm1=$(vmkb $MAIN_PID VmHWM) && echo "VmHWM before $hwm0 kB, after $hwm1 kB" && test $((hwm1 - hwm0)) -lt 8192 &&
    echo "1 GB chunked body: $(cat big3); VmHWM $hwm0 -> $hwm1 kB" >>"$TRASH/figures" &&
    test "$(code -X POST -H "Transfer-Encoding: chunked" --data-binary "code=$UNKNOWN" "$URL/verify")" = 200
'
test_expect_success 'huge header (100 KB) 431, huge URL (100 KB) 414, 3000 headers 431; then business as usual' '
    test "$(code -H "X-Big: $(head -c 100000 /dev/zero | tr "\0" a)" "$URL/")" = 431 &&
    test "$(code "$URL/$(head -c 100000 /dev/zero | tr "\0" a)")" = 414 &&
    args=() && for i in $(seq 3000); do args+=(-H "X-H$i: v"); done &&
    test "$(code "${args[@]}" "$URL/")" = 431 &&
    test "$(code "$URL/incident/2026-0001")" = 200
'
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
test_expect_success 'slowloris from one address: at most 20 connections held, closed after the 3 s request timeout; others are served meanwhile' '
    base=$(fds $MAIN_PID)
    python3 "$TRASH/slow.py" $PORT 100 127.0.0.1 6 headers >slow1 & sp=$!
    sleep 1.5 &&
    for i in 1 2 3; do
        curl -s -o /dev/null -w "%{http_code} %{time_total}\n" --interface 127.0.0.2 "$URL/incident/2026-0001" >>during || return 1
    done &&
    during_fds=$(fds $MAIN_PID) && wait $sp && cat slow1 during && echo "descriptors: $base before, $during_fds during" &&
    echo "slowloris 100 conns from one address: $(cat slow1); fds $base -> $during_fds; other client: $(paste -sd" " during)" >>"$TRASH/figures" &&
    grep_q "held=20 " slow1 && grep_q "open_at_end=0 " slow1 &&
    awk "{ if (\$1 != 200 || \$2 > 1.0) bad = 1 } END { exit bad }" during &&
    awk -F"last_closed=" "{ exit !(\$2 <= 4.5) }" slow1 &&
    test $((during_fds - base)) -le 24
'
test_expect_success 'slow bodies and idle connections are cut at the request timeout too' '
    python3 "$TRASH/slow.py" $PORT 10 127.0.0.3 6 body >slow2 & sp=$!
    python3 "$TRASH/slow.py" $PORT 10 127.0.0.4 6 idle >slow3 &&
    wait $sp && cat slow2 slow3 && echo "slow bodies: $(cat slow2); idle: $(cat slow3)" >>"$TRASH/figures" &&
    grep_q "held=10 open_at_end=0" slow2 && grep_q "held=10 open_at_end=0" slow3 &&
    awk -F"last_closed=" "{ exit !(\$2 <= 4.5) }" slow2 && awk -F"last_closed=" "{ exit !(\$2 <= 4.5) }" slow3
'
test_expect_success 'slowloris from many addresses: never more than 60 connections in all; served again right after' '
    base=$(fds $MAIN_PID) &&
    for i in 11 12 13 14 15; do python3 "$TRASH/slow.py" $PORT 20 127.0.0.$i 5 headers >slowm.$i & done
    sleep 2 && peak=$(fds $MAIN_PID) && wait &&
    cat slowm.* && echo "descriptors: $base before, $peak at the peak" &&
    echo "slowloris 5 x 20 conns from 5 addresses: fds $base -> $peak at the peak" >>"$TRASH/figures" &&
    test $((peak - base)) -le 62 &&
    test "$(code "$URL/")" = 200
'

# ================================================================ 5. paths, methods, protocol
test_expect_success 'path traversal, encoded NULs, overlong UTF-8: 400 or 404, never a file' '
    for p in "/../etc/passwd" "/../../../../etc/passwd" "/assets/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" \
             "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd" "//etc/passwd" "/etc/passwd" "/assets/..%5c..%5cetc%5cpasswd" \
             "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd" "/assets/%c0%af..%c0%af..%c0%afetc/passwd" "/%e0%80%ae%e0%80%ae/etc/passwd" \
             "/incident/..%2f..%2f..%2fetc%2fpasswd" "/incident/2026-0001/../../etc/passwd" "/assets/style.css/../../../etc/passwd" \
             "/verify%00.html" "/assets/style.css%00.txt" "/incident/2026-0001%00" "/%00" "/api/v1/incidents/..%2F..%2Fetc%2Fpasswd" \
             "/.well-known/klartext/../../../etc/passwd" "/log/entries/../../etc/passwd" "/assets/klartext.db" "/klartext.db" "/klartext.key"; do
        printf "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" "$p" | python3 "$TRASH/raw.py" $PORT >r.out
        st=$(head -1 r.out | cut -d" " -f2)
        case "$st" in 400|404) ;; *) echo "$p -> $st"; return 1 ;; esac
        if grep -a -q -e "root:" -e "PRIVATE" -e "SQLite format" -e "untrusted comment: minisign secret" r.out; then echo "$p served a file"; return 1; fi
    done &&
    test "$(code --path-as-is "$URL/verify%00.html")" = 400 && test "$(code --path-as-is "$URL/incident/2026-0001%00")" = 400
'
test_expect_success 'methods: PUT DELETE PATCH OPTIONS TRACE CONNECT PROPFIND and junk get 405 with Allow (or 400/501), no echo' '
    for u in / /verify /api/v1/verify /agent/login /log/entries /assets/style.css; do
        for m in PUT DELETE PATCH OPTIONS TRACE CONNECT PROPFIND FOO; do
            curl -s -D mh -o mb -X $m -H "X-Secret: trace-me-please" "$URL$u" || true
            st=$(head -1 mh | cut -d" " -f2)
            case "$st" in
            405) grep_q "^Allow: " mh || return 1 ;;
            400|501) ;;
            *) echo "$m $u -> $st"; return 1 ;;
            esac
            if grep -q "trace-me-please" mb; then echo "$m $u echoes the request"; return 1; fi
        done
    done &&
    printf "G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n" | python3 "$TRASH/raw.py" $PORT --timeout 3 | head -1 | grep_q "HTTP/1.1 \(400\|405\|501\)" &&
    printf "GET example.org:443 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" | python3 "$TRASH/raw.py" $PORT | head -1 | grep_q "HTTP/1.1 400"
'
test_expect_success 'HTTP/1.0 is answered and closed; HTTP/1.1 without Host is 400; HEAD has no body' '
    printf "GET /assets/style.css HTTP/1.0\r\n\r\n" | python3 "$TRASH/raw.py" $PORT --timeout 3 >h10 &&
    head -1 h10 | grep_q "^HTTP/1.[01] 200" && not_grep_q "timeout: connection still open" h10 &&
    printf "GET / HTTP/1.1\r\nConnection: close\r\n\r\n" | python3 "$TRASH/raw.py" $PORT --timeout 3 | head -1 | grep_q " 400" &&
    printf "HEAD /incident/2026-0001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" | python3 "$TRASH/raw.py" $PORT --timeout 3 >head.out &&
    head -1 head.out | grep_q " 200" && grep_q "^Content-Length: [1-9]" head.out &&
    test "$(sed "1,/^\r$/d" head.out | wc -c)" = 0
'
test_expect_success 'pipelining: three requests in one packet get three answers in order' '
    body="code=$UNKNOWN&lang=en" &&
    printf "GET /assets/style.css HTTP/1.1\r\nHost: x\r\n\r\nPOST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%sGET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" \
        ${#body} "$body" | python3 "$TRASH/raw.py" $PORT --timeout 5 >pipe &&
    grep -a "^HTTP/1.1 " pipe | cut -d" " -f2 | paste -sd" " >statuses && cat statuses &&
    test "$(cat statuses)" = "200 200 200" &&
    grep -a "^Content-Type: " pipe | tr -d "\r" | paste -sd"|" | grep_q "text/css.*text/html.*application/json" &&
    grep -a -q "We could not confirm" pipe && not_grep_q "timeout: connection still open" pipe
'

stop_server $MAIN_PID main; src=$?
test_expect_success 'main server stops cleanly after all that (exit 0, no leaks)' 'test $src -eq 0 && grep_q "klartext: stopped" "$TRASH/main.log"'

# ================================================================ 6. load
# the defaults (4096 connections, 128 per address), the rate limit out of the way
start_server load "$TRASH/demo" --rate-limit 100000000/min --access-log off
LOAD_PID=$PID URL=$URL
cat >"$TRASH/mix.lua" <<LUA
-- a mix of what the portal sees: pages, verifications with wrong and right codes, API calls
local reqs = {}
local function add(method, path, body, ctype)
    local h = {Host = "127.0.0.1"}
    if ctype then h["Content-Type"] = ctype end
    table.insert(reqs, wrk.format(method, path, h, body))
end
local function build()
    add("GET", "/incident/2026-0001?lang=de")
    add("GET", "/?lang=en")
    add("POST", "/verify", "code=$UNKNOWN&email=someone%40example.org&lang=en", "application/x-www-form-urlencoded")
    add("POST", "/verify", "code=$CODE&lang=de", "application/x-www-form-urlencoded")
    add("POST", "/verify", "code=$CODE&email=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$RCPT")&lang=en", "application/x-www-form-urlencoded")
    add("GET", "/api/v1/incidents/2026-0001")
    add("POST", "/api/v1/verify", '{"code":"$UNKNOWN"}', "application/json")
    add("POST", "/api/v1/verify", '{"code":"$CODE","email":"$RCPT"}', "application/json")
    add("GET", "/log/checkpoint")
    add("GET", "/assets/style.css")
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) build(); i = math.random(#reqs); s2 = 0; s3 = 0; s4 = 0; s429 = 0; s5 = 0 end
function request() i = i % #reqs + 1; return reqs[i] end
function response(status, headers, body)
    if status == 429 then s429 = s429 + 1
    elseif status >= 500 then s5 = s5 + 1
    elseif status >= 400 then s4 = s4 + 1
    elseif status >= 300 then s3 = s3 + 1
    else s2 = s2 + 1 end
end
function done(summary, latency, requests)
    local t = {s2 = 0, s3 = 0, s4 = 0, s429 = 0, s5 = 0}
    for _, th in ipairs(threads) do for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end end
    local e = summary.errors
    io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
        "status_2xx=%d status_3xx=%d status_4xx=%d status_429=%d status_5xx=%d " ..
        "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        t.s2, t.s3, t.s4, t.s429, t.s5, e.connect, e.read, e.write, e.timeout, e.status))
end
LUA
test_expect_success "load: wrk ${LOAD_SECONDS}s, 64 connections, mixed requests: no errors, no crash, no memory growth" '
    rss0=$(vmkb $LOAD_PID VmRSS)
    ( for i in $(seq 0 5 $((LOAD_SECONDS - 1))); do echo "$i $(vmkb $LOAD_PID VmRSS)"; sleep 5; done ) >rss.log & mon=$!
    wrk -t2 -c64 -d${LOAD_SECONDS}s --timeout 10s --latency -s "$TRASH/mix.lua" "$URL" >wrk.out 2>&1; wrc=$?
    wait $mon; rss1=$(vmkb $LOAD_PID VmRSS); echo "$LOAD_SECONDS $rss1" >>rss.log
    grep -v "^ *[0-9.]*%" wrk.out; echo "RSS (kB) every 5 s:"; cat rss.log; echo "RSS before $rss0 kB, after $rss1 kB"
    test $wrc -eq 0 && kill -0 $LOAD_PID &&
    r=$(grep "^RESULT" wrk.out) &&
    for k in status_3xx status_4xx status_429 status_5xx err_connect err_read err_write err_timeout err_status; do
        v=$(echo "$r" | sed "s/.* $k=\([0-9]*\).*/\1/"); test "$v" = 0 || { echo "$k=$v"; return 1; }
    done &&
    test "$(echo "$r" | sed "s/.*requests=\([0-9]*\).*/\1/")" -gt 1000 &&
    warm=$(awk "NR == 2 { print \$2 }" rss.log) && last=$(tail -1 rss.log | cut -d" " -f2) &&
    limit=$((ASAN ? 24576 : 4096)) && echo "growth after warm-up: $((last - warm)) kB (limit $limit kB)" &&
    test $((last - warm)) -lt $limit &&
    echo "$r rss_start_kb=$rss0 rss_warm_kb=$warm rss_end_kb=$rss1 asan=$ASAN" >"$TRASH/load.result" &&
    echo "RSS kB every 5 s (s:kB): $(tr " " : <rss.log | paste -sd" ")" >>"$TRASH/load.result"
'
test_expect_success 'load: the server still answers correctly afterwards' '
    curl -s -X POST --data-urlencode "code=$CODE" -d lang=en "$URL/verify" | grep_q "Yes, this message is genuine" &&
    test "$(code "$URL/incident/2026-0001")" = 200
'
stop_server $LOAD_PID load; src=$?
test_expect_success 'load server stops cleanly (exit 0, no leaks)' 'test $src -eq 0 && grep_q "klartext: stopped" "$TRASH/load.log"'

# ================================================================ 4. injection through stored fields
cd "$TRASH"
cp -r demo inj && cd inj
S='<script>alert(1)</script>'
A='"><img src=x onerror=alert(1)>'
J='javascript:alert(1)'
M='{{x}}'
P="$S $A $J $M '\''q"
sql() { sqlite3 klartext.db "$@"; }
q() { printf "%s" "$1" | sed "s/'/''/g"; }
SUBJ=$(sql "SELECT subject FROM notice WHERE notice_id = '$NOTICE'")
test_expect_success 'injection: store payloads in the incident, the statement, the organisation, the subject, the exposure' '
    klartext incident update 2026-0001 --title "T $P" --description "D $P" --measures-taken "MT $P" --consequences "C $P" \
        --measures-proposed "MP $P" >/dev/null &&
    klartext incident publish 2026-0001 --lang en --title "T $P" --statement "$(klartext incident publish 2026-0001 --lang en --draft)" >/dev/null &&
    klartext incident publish 2026-0001 --lang de --title "T $P" --statement "Erklärung $P

Zweiter Absatz $P" >/dev/null &&
    for k in organisation.name organisation.address dpo.name service.hours authority.lead; do
        klartext org set "$k=$k $P" >/dev/null 2>&1 || sql "UPDATE org SET value = '"'"'$(q "$k $P")'"'"' WHERE key = '"'"'$k'"'"'" || return 1
    done &&
    for k in dpo.email dpo.phone service.phone; do
        sql "UPDATE org SET value = '"'"'$(q "$J $A")'"'"' WHERE key = '"'"'$k'"'"'" || return 1
    done &&
    sql "UPDATE subject SET name = '"'"'$(q "N $P")'"'"', timezone = '"'"'$(q "Z $S")'"'"' WHERE subject = '"'"'$SUBJ'"'"'" &&
    sql "UPDATE exposure SET fields = '"'"'$(q "email;$S;$A")'"'"', pages = '"'"'$(q "/p/$S;$J;/q$A")'"'"' WHERE subject = '"'"'$SUBJ'"'"'" &&
    test "$(sql "SELECT count(*) FROM org WHERE value LIKE '"'"'%<script>%'"'"'")" -ge 5
'
test_expect_code 2 'injection: an agent name with markup is refused' 'klartext agent add "<script>alert(1)</script>"'
start_server inj "$TRASH/inj" --rate-limit 100000000/min
INJ_PID=$PID
test_expect_success 'injection: every page and API answer shows the payloads escaped; security headers everywhere' '
    get() { curl -s -D - -o - "$@"; }
    n=0; pages=()
    for u in "/?lang=en" "/?lang=de" "/incident/2026-0001?lang=en" "/incident/2026-0001?lang=de" "/verify" "/nope" "/agent"; do
        n=$((n + 1)); get "$URL$u" >p$n.html; pages+=(p$n.html)
    done
    n=$((n + 1)); get -X DELETE "$URL/verify" >p$n.html; pages+=(p$n.html)
    n=$((n + 1)); get -X POST --data-urlencode "code=$CODE" -d lang=en "$URL/verify" >p$n.html; pages+=(p$n.html)
    n=$((n + 1)); get -X POST --data-urlencode "code=$CODE" --data-urlencode "email=$RCPT" -d lang=de "$URL/verify" >p$n.html; pages+=(p$n.html)
    n=$((n + 1)); get -X POST --data-urlencode "code=$S" --data-urlencode "email=$A" -d lang=en "$URL/verify" >p$n.html; pages+=(p$n.html)
    test "$(signin ij "$TOKEN")" = 303 || { echo "cannot sign in"; return 1; }
    lk() { get -b ij -X POST -d "ft=$(ftok ij /agent/lookup)" "$@" "$URL/agent/lookup"; }
    n=$((n + 1)); get -b ij "$URL/agent?lang=en" >p$n.html; pages+=(p$n.html)
    grep -q "Signed in" p$n.html || { echo "not signed in"; return 1; }
    n=$((n + 1)); lk --data-urlencode "q=$CODE" -d lang=en >p$n.html; pages+=(p$n.html)
    n=$((n + 1)); lk --data-urlencode "q=$RCPT" -d lang=de >p$n.html; pages+=(p$n.html)
    n=$((n + 1)); lk --data-urlencode "q=$S" -d lang=de >p$n.html; pages+=(p$n.html)
    grep -q "Echte Nachricht" p$((n - 1)).html || { echo "look-up by address failed"; return 1; }
    get "$URL/api/v1/incidents" >a1.json && get "$URL/api/v1/incidents/2026-0001" >a2.json &&
    get -X POST -d "{\"code\":\"$CODE\",\"email\":\"$RCPT\"}" "$URL/api/v1/verify" >a3.json &&
    get -X POST -H "Authorization: Bearer $TOKEN" -d "{\"code\":\"$CODE\"}" "$URL/api/v1/agent/lookup" >a4.json &&
    get "$URL/log/entries?start=0&end=1000" >a5.json &&
    python3 "$TRASH/htmlcheck.py" "<script>alert(1)" "${pages[@]}" a1.json a2.json a3.json a4.json a5.json >check.out; rc=$?
    cat check.out; test $rc -eq 0 &&
    test "$(sed -n "s/pages showing the payload escaped: //p" check.out)" -ge 10 &&
    grep_q "{{x}}" p3.html && grep_q "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" p3.html &&
    grep_q "href=\"mailto:javascript:alert(1) &quot;&gt;&lt;img" p3.html &&
    grep_q "&lt;script&gt;alert(1)&lt;/script&gt;" p10.html
'
test_expect_success 'injection: JSON carries the payloads as exact strings (escaped JSON, parsed back unchanged)' '
    body() { sed "1,/^\r$/d" "$1"; }
    body a2.json | jq -e --arg p "T $P" ".statements.en.title == \$p and .statements.de.title == \$p" >/dev/null &&
    body a2.json | jq -e --arg p "dpo.name $P" ".contact[\"dpo.name\"] == \$p" >/dev/null &&
    body a2.json | jq -e --arg p "Erklärung $P" ".statements.de.statement | startswith(\$p)" >/dev/null &&
    body a1.json | jq -e --arg p "T $P" ".incidents[0].statements.en.title == \$p" >/dev/null &&
    body a3.json | jq -e --arg s "$S" --arg a "$A" ".exposure.fields == [\"email\", \$s, \$a] and .exposure.timezone == \"Z \" + \$s" >/dev/null &&
    body a4.json | jq -e --arg p "T $P" ".notices[0].title == \$p" >/dev/null &&
    grep -q "^Content-Type: application/json" a3.json
'
stop_server $INJ_PID inj; src=$?
test_expect_success 'injection server stops cleanly' 'test $src -eq 0'

cat "$TRASH/figures" "$TRASH/load.result" 2>/dev/null | sed 's/^/# /'
test_done
