#!/usr/bin/env bash
# t6010 — the portal in a real browser: headless Chromium loads the incident page and the verify
# form (desktop and a 390×844 phone window), takes screenshots (kept under
# ${KLARTEXT_ARTIFACTS:-$TMPDIR}/screenshots) and checks the DOM it built. Forms are filled in and
# sent from the portal's own pages, as a person does it, through the DevTools protocol (a small
# client below, python3 only): the verify form, and the agent console's sign-in, look-up and
# sign-out (each form with its token). The same verify form posted from a page of another site
# (a file: page) is refused (docs/serve.md "Cross-site requests").
. "$(dirname "$0")/lib.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "1..0 # SKIP chromium is not installed"; exit 0; }
SHOTS=${KLARTEXT_ARTIFACTS:-${TMPDIR:-/tmp}}/screenshots
mkdir -p "$SHOTS"

klartext demo --dir demo >/dev/null 2>&1 && cd demo || { echo "not ok 1 - demo"; echo "1..1"; exit 1; }
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
eml=$(ls out/*.eml | head -1)
CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
RCPT=$(sed -n "s/^To: *//p" "$eml" | head -1 | tr -d "\r" | sed "s/.*<\(.*\)>.*/\1/")
klartext agent add alice >token 2>/dev/null
TOKEN=$(cat token)

"$KLARTEXT" serve --listen 127.0.0.1:0 --rate-limit 1000/min --access-log "$TRASH/access.log" 2>server.log &
PID=$!
BPID=
trap 'kill -TERM $PID 2>/dev/null; [ -n "$BPID" ] && kill $BPID 2>/dev/null' EXIT
for _ in $(seq 100); do URL=$(grep -o 'http://127.0.0.1:[0-9]*' server.log | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done

chrome() {  # chrome SIZE ARGS... (one fresh profile per run)
    local prof; prof=$(mktemp -d)
    timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$prof" --window-size="$1" --hide-scrollbars "${@:2}" 2>/dev/null
    local rc=$?; rm -rf "$prof"; return $rc
}

# cdp.py PROFILE_DIR STEP...: drives the browser's first page over the DevTools protocol. Steps:
#   go URL | set CSS VALUE | click CSS | wait TEXT (up to 20 s) | dom FILE | shot FILE
cat >"$TRASH/cdp.py" <<'PY'
import base64, json, os, socket, struct, sys, time, urllib.request
prof, steps = sys.argv[1], sys.argv[2:]
for _ in range(200):  # Chromium writes its port here once it listens
    try:
        port = open(os.path.join(prof, "DevToolsActivePort")).read().split()[0]; break
    except (OSError, IndexError):
        time.sleep(0.1)
pages = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port))
ws = [p for p in pages if p["type"] == "page"][0]["webSocketDebuggerUrl"]
hostport, path = ws[len("ws://"):].split("/", 1)
s = socket.create_connection(tuple([hostport.split(":")[0], int(hostport.split(":")[1])]))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
head = b""
while not head.endswith(b"\r\n\r\n"): head += s.recv(1)
assert b" 101 " in head.split(b"\r\n")[0], head
def recvn(n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d: raise SystemExit("DevTools closed the connection")
        b += d
    return b
def send(text):  # one masked text frame
    data, mask = text.encode(), os.urandom(4)
    n = len(data)
    hdr = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xfe]) + struct.pack(">H", n) if n < 65536 else bytes([0x81, 0xff]) + struct.pack(">Q", n)
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
def recv():
    msg = b""
    while True:
        b0, b1 = recvn(2); n = b1 & 0x7f
        if n == 126: n = struct.unpack(">H", recvn(2))[0]
        elif n == 127: n = struct.unpack(">Q", recvn(8))[0]
        data = recvn(n)
        if b0 & 0x0f in (0, 1, 2):
            msg += data
            if b0 & 0x80: return json.loads(msg)
nid = 0
def call(method, **params):
    global nid
    nid += 1; send(json.dumps({"id": nid, "method": method, "params": params}))
    while True:
        m = recv()
        if m.get("id") == nid:
            if "error" in m: raise SystemExit("%s: %s" % (method, m["error"]))
            return m["result"]
def js(expr):
    return call("Runtime.evaluate", expression=expr, returnByValue=True)["result"].get("value")
def loaded():
    return js("document.readyState") == "complete"
i = 0
while i < len(steps):
    op = steps[i]
    if op == "go":
        call("Page.navigate", url=steps[i + 1]); time.sleep(0.2)
        while not loaded(): time.sleep(0.1)
        i += 2
    elif op == "set":
        js("document.querySelector(%s).value = %s" % (json.dumps(steps[i + 1]), json.dumps(steps[i + 2]))); i += 3
    elif op == "click":
        js("document.querySelector(%s).click()" % json.dumps(steps[i + 1])); time.sleep(0.3); i += 2
    elif op == "wait":
        t0 = time.time()
        while not (loaded() and js("document.body && document.body.innerText.includes(%s)" % json.dumps(steps[i + 1]))):
            if time.time() - t0 > 20: raise SystemExit("no '%s' on %s" % (steps[i + 1], js("location.href")))
            time.sleep(0.2)
        i += 2
    elif op == "dom":
        open(steps[i + 1], "w").write(js("document.documentElement.outerHTML")); i += 2
    elif op == "shot":
        open(steps[i + 1], "wb").write(base64.b64decode(call("Page.captureScreenshot", format="png")["data"])); i += 2
    else:
        raise SystemExit("unknown step " + op)
PY
browser() {  # browser SIZE STEP...: a fresh headless Chromium driven by cdp.py
    local prof rc; prof=$(mktemp -d)
    "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$prof" --window-size="$1" --hide-scrollbars \
        --remote-debugging-port=0 about:blank 2>/dev/null &
    BPID=$!
    timeout 90 python3 "$TRASH/cdp.py" "$prof" "${@:2}"; rc=$?
    kill $BPID 2>/dev/null; wait $BPID 2>/dev/null; BPID=
    rm -rf "$prof"; return $rc
}

test_expect_success 'incident page in Chromium: DOM has the statement, the facts and the chart' '
    chrome 1280,900 --dump-dom "$URL/incident/2026-0001?lang=de" >inc.dom &&
    grep_q "<html lang=\"de\">" inc.dom && grep_q "Das Wichtigste in Kürze" inc.dom && grep_q "<svg" inc.dom &&
    grep_q "Abrufe der offengelegten Daten je Stunde" inc.dom
'
test_expect_success 'screenshots of the incident page (desktop, phone)' '
    chrome 1280,2200 --screenshot="$SHOTS/incident-desktop-de.png" "$URL/incident/2026-0001?lang=de" &&
    chrome 390,2400 --screenshot="$SHOTS/incident-phone-en.png" "$URL/incident/2026-0001?lang=en" &&
    test -s "$SHOTS/incident-desktop-de.png" && test -s "$SHOTS/incident-phone-en.png"
'
test_expect_success 'the verify form filled in and sent on the portal'"'"'s own page: the answer (desktop, phone)' '
    chrome 390,844 --screenshot="$SHOTS/verify-phone-de.png" "$URL/verify?lang=de" &&
    browser 1280,1400 go "$URL/verify?lang=en" set "#code" "$CODE" set "#email" "$RCPT" click "form[action=\"/verify\"] button" \
        wait "Yes, this message is genuine" dom ans.dom shot "$SHOTS/verify-answer-desktop-en.png" &&
    grep_q "What happened to your data" ans.dom && test -s "$SHOTS/verify-answer-desktop-en.png" &&
    browser 390,1400 go "$URL/verify?lang=en" set "#code" "$CODE" set "#email" "$RCPT" click "form[action=\"/verify\"] button" \
        wait "Yes, this message is genuine" shot "$SHOTS/verify-answer-phone-en.png" &&
    grep_q "\"POST /verify\" 200" "$TRASH/access.log"
'
test_expect_success 'the agent console in the browser: sign in, look up a code, sign out (each form with its token)' '
    browser 1280,1000 go "$URL/agent?lang=en" set "#token" "$TOKEN" click "form[action=\"/agent/login\"] button" \
        wait "Signed in:" set "#q" "$CODE" click "form[action=\"/agent/lookup\"] button" wait "Genuine notice" \
        dom agent.dom shot "$SHOTS/agent-lookup-desktop-en.png" click "form[action=\"/agent/logout\"] button" \
        wait "Your agent token" &&
    grep_q "Say:" agent.dom && test "$(grep -c "\"POST /agent/\" 303" "$TRASH/access.log")" = 2 &&
    grep_q "\"POST /agent/\" 200" "$TRASH/access.log"
'
test_expect_success 'the same verify form posted from another site'"'"'s page (file:) is refused by the portal' '
    printf "%s" "<html><body onload=\"document.forms[0].submit()\"><form method=post action=\"$URL/verify\"><input name=code value=\"$CODE\"><input name=email value=\"$RCPT\"><input name=lang value=en></form></body></html>" >post.html &&
    for budget in 3000 8000 15000; do
        chrome 1280,1400 --virtual-time-budget=$budget --dump-dom "file://$PWD/post.html" >xs.dom
        grep -q "Request refused\|Anfrage abgelehnt" xs.dom && break
    done &&
    grep_q "Anfrage abgelehnt\|Request refused" xs.dom && not_grep_q "genuine" xs.dom &&
    grep_q "\"POST /verify\" 403" "$TRASH/access.log"
'
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'server stopped cleanly' 'test $src -eq 0'
echo "# screenshots in $SHOTS"
test_done
