#!/usr/bin/python3
"""cdp.py PROFILE_DIR STEP... — drives the first page of a Chromium started with
--remote-debugging-port=0 --user-data-dir=PROFILE_DIR over the DevTools protocol (python3 only;
t6010, t6050). Steps:
  go URL | set CSS VALUE | click CSS | wait TEXT (up to 20 s) | dom FILE | shot FILE |
  cookies FILE (every cookie of the browser, as JSON)
"""
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
    elif op == "cookies":
        open(steps[i + 1], "w").write(json.dumps(call("Network.getAllCookies")["cookies"])); i += 2
    elif op == "shot":
        open(steps[i + 1], "wb").write(base64.b64decode(call("Page.captureScreenshot", format="png")["data"])); i += 2
    else:
        raise SystemExit("unknown step " + op)
