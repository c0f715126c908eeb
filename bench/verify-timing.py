#!/usr/bin/python3
"""verify-timing.py URL CODE [N] — how long POST /verify takes for an unknown code and for a known
code with a wrong address (docs/reliability.md, "Outside review", finding 6).

Both kinds alternate request by request (A B, then B A, so that a drift of the machine hits both
alike), each on its own kept-alive connection, after 50 warm-up pairs; the rate limit must be out
of the way (klartext serve --rate-limit 100000000/min). Prints the median, the quartiles and the
median of each fifth of the run, in microseconds, and the difference of the medians."""
import http.client, statistics, sys, time, urllib.parse

url = urllib.parse.urlparse(sys.argv[1]); code = sys.argv[2]; n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
cases = {"unknown code": "code=7777-7777-7777-7777&email=someone%40example.org&lang=en",
         "known code, wrong address": "code=" + urllib.parse.quote(code) + "&email=someone%40example.org&lang=en"}
names = list(cases)
conns = {k: http.client.HTTPConnection(url.hostname, url.port) for k in names}
hdr = {"Content-Type": "application/x-www-form-urlencoded"}
times = {k: [] for k in names}
for i in range(n + 50):
    for k in (names if i % 2 == 0 else names[::-1]):
        t = time.perf_counter()
        conns[k].request("POST", "/verify", body=cases[k], headers=hdr)
        r = conns[k].getresponse(); body = r.read()
        dt = (time.perf_counter() - t) * 1e6
        if r.status != 200 or b"We could not confirm" not in body:
            sys.exit("unexpected answer %d for %s" % (r.status, k))
        if i >= 50: times[k].append(dt)
for k in names:
    t = times[k]; q = statistics.quantiles(t, n=4)
    fifths = [statistics.median(t[j * len(t) // 5:(j + 1) * len(t) // 5]) for j in range(5)]
    print("%-26s median %7.1f us  quartiles %7.1f %7.1f  fifths %s" % (k, statistics.median(t), q[0], q[2],
          " ".join("%.1f" % f for f in fifths)))
d = statistics.median(times[names[1]]) - statistics.median(times[names[0]])
print("difference of the medians (known - unknown): %+.1f us over %d pairs" % (d, n))
