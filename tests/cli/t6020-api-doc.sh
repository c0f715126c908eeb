#!/usr/bin/env bash
# t6020 — every curl example in docs/api.md runs against a demo portal and succeeds.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
klartext demo --dir demo >/dev/null 2>&1 && cd demo || { echo "not ok 1 - demo"; echo "1..1"; exit 1; }
klartext notify 2026-0001 --approve --by "Test DPO" >/dev/null 2>&1
klartext notify 2026-0001 --out out >/dev/null 2>&1
klartext log checkpoint >/dev/null 2>&1
eml=$(ls out/*.eml | head -1)
export CODE=$(grep -ao '[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$eml" | head -1)
export EMAIL=$(sed -n 's/^To: *//p' "$eml" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
export TOKEN=$(klartext agent add docs 2>/dev/null)
"$KLARTEXT" serve --listen 127.0.0.1:0 --access-log off 2>server.log &
PID=$!
trap 'kill -TERM $PID 2>/dev/null' EXIT
for _ in $(seq 100); do URL=$(grep -o 'http://127.0.0.1:[0-9]*' server.log | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done
export URL
awk '/^```sh$/{f=1; next} /^```$/{f=0} f && /^curl /' "$SRC_DIR/docs/api.md" >examples
test_expect_success 'docs/api.md has curl examples' 'test "$(wc -l <examples)" -ge 10'
while IFS= read -r line; do
    test_expect_success "docs/api.md: ${line:0:90}" "bash -c '$(printf "%s" "$line" | sed "s/'/'\\\\''/g")' >ex.out && test -s ex.out"
done <examples
kill -TERM $PID; wait $PID; src=$?
test_expect_success 'server stopped cleanly' 'test $src -eq 0'
test_done
