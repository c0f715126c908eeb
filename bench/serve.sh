#!/usr/bin/env bash
# bench/serve.sh — the portal under load: wrk on loopback against POST /verify with the checked
# mix of bench/verify-mix.py (90 % codes no notice has, 10 % right codes of the demo's notices,
# half of them with their address; every answer checked) and with the one unknown code of
# before, and the incident page, beside Debian's nginx serving a static page of the size of
# the unknown code's answer, in the same run (rate limit set out of the way).
#   bench/serve.sh [BUILD_DIR] [SECONDS]      (default build, 10 s per run)
# Needs wrk and nginx (apt-get install -y wrk nginx-light); nginx runs as a plain process with
# its own config in a temp dir, never as a service.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}; SECS=${2:-10}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
K="$PWD/$BUILD/klartext"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$K" ] || { echo "no $K: run make" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
tmp=$(mktemp -d); spid=; npid=
trap '[ -n "$spid" ] && kill -TERM $spid 2>/dev/null; [ -n "$npid" ] && kill -TERM $npid 2>/dev/null; sleep 0.3; rm -rf "$tmp"' EXIT
"$K" demo --dir "$tmp/demo" >/dev/null 2>&1
# the demo's notices (393), for the mix's right codes
(cd "$tmp/demo" && "$K" notify 2026-0001 --approve --by Bench >/dev/null 2>&1 && "$K" notify 2026-0001 --out out >/dev/null 2>&1) ||
    { echo "bench: notify --out on the demo register failed" >&2; exit 1; }
/usr/bin/python3 bench/verify-mix.py "$tmp/demo/out" "$tmp/mix.lua"
"$K" --db "$tmp/demo/klartext.db" serve --listen 127.0.0.1:0 --rate-limit 100000000/min --access-log off 2>"$tmp/serve.log" &
spid=$!
for _ in $(seq 100); do URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/serve.log" | head -1 || true); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done
body='code=7777-7777-7777-7777&email=someone%40example.org&lang=en'
curl -s -X POST -d "$body" "$URL/verify" >"$tmp/verify.html"
size=$(wc -c <"$tmp/verify.html")
/usr/bin/python3 bench/verify-mix.py "$tmp/demo/out" - --check "$URL"
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
# nginx: the same number of bytes as a static file
mkdir -p "$tmp/www" "$tmp/ng"; chmod 755 "$tmp" "$tmp/www"; chmod 644 "$tmp/www/page.html" 2>/dev/null || true
head -c "$size" /dev/zero | tr '\0' x >"$tmp/www/page.html"; chmod 644 "$tmp/www/page.html"
NPORT=$((20000 + RANDOM % 20000))
cat >"$tmp/ng/nginx.conf" <<NG
worker_processes $THREADS;
pid $tmp/ng/nginx.pid;
error_log $tmp/ng/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/ng; proxy_temp_path $tmp/ng; fastcgi_temp_path $tmp/ng; uwsgi_temp_path $tmp/ng; scgi_temp_path $tmp/ng;
  server { listen 127.0.0.1:$NPORT; root $tmp/www; location / { } }
}
NG
if [ -x "$NGINX" ]; then "$NGINX" -c "$tmp/ng/nginx.conf" -p "$tmp/ng" & npid=$!; sleep 0.5; fi
run() {  # run TITLE ARGS...
    echo "== $1"
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "${@:2}" >"$tmp/run.txt"
    sed -n '/Requests\/sec\|Latency  \|50%\|90%\|99%\|Non-2xx\|Socket errors\|requests in\|^mix:/p' "$tmp/run.txt"
}
echo "# $(nproc) cores, wrk -t$THREADS -c$CONNS -d${SECS}s, page size $size bytes, $(date -u +%Y-%m-%dT%H:%MZ)"
run "klartext POST /verify (the mix of bench/verify-mix.py)" -s "$tmp/mix.lua" "$URL/verify"
grep -q "^mix: .*, 0 bad" "$tmp/run.txt" || { echo "bench: wrong answers under load"; exit 1; }
run "klartext POST /verify (unknown code + address)" -s "$tmp/post.lua" "$URL/verify"
run "klartext GET /incident/2026-0001 (cached page)" "$URL/incident/2026-0001?lang=de"
[ -n "$npid" ] && run "nginx GET static page of $size bytes" "http://127.0.0.1:$NPORT/page.html"
exit 0
