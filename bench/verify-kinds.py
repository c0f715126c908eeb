#!/usr/bin/python3
"""verify-kinds.py URL CODE ADDRESS [N] — what each kind of POST /verify costs one portal
(docs/performance.md, "The portal with its caches"): an unknown code, a right code with another
address, a right code alone, a right code with its address; N requests of each kind (120) on one
kept-alive connection, one kind after the other; prints the median of all but the first 20, in
microseconds. The rate limit must be out of the way (klartext serve --rate-limit 100000000/min)."""
import http.client, statistics, sys, time, urllib.parse

url = urllib.parse.urlparse(sys.argv[1]); code, rcpt = sys.argv[2], sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 120
cases = {"unknown code": ({"code": "7777-7777-7777-7777", "email": "someone@example.org"}, "We could not confirm"),
         "right code, another address": ({"code": code, "email": "someone@example.org"}, "We could not confirm"),
         "right code, no address": ({"code": code}, "Yes, this message is genuine"),
         "right code and its address": ({"code": code, "email": rcpt}, "id=\"yours\"")}
c = http.client.HTTPConnection(url.hostname, url.port)
for k, (form, want) in cases.items():
    form["lang"] = "en"
    body = urllib.parse.urlencode(form); ts = []
    for i in range(n):
        t = time.perf_counter()
        c.request("POST", "/verify", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse(); page = r.read().decode()
        ts.append((time.perf_counter() - t) * 1e6)
        if r.status != 200 or want not in page:
            sys.exit("verify-kinds: unexpected answer %d for %s" % (r.status, k))
    print("%-30s median %8.0f us" % (k, statistics.median(ts[20:])))
