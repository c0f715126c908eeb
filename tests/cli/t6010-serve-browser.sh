#!/usr/bin/env bash
# t6010 — the portal in a real browser: headless Chromium loads the incident page and the verify
# form (desktop and a 390×844 phone window), takes screenshots (kept under
# ${KLARTEXT_ARTIFACTS:-$TMPDIR}/screenshots) and checks the DOM it built. Forms are filled in and
# sent from the portal's own pages, as a person does it, through the DevTools protocol (a small
# client below, python3 only): the verify form, and the agent console's sign-in, look-up and
# sign-out (each form with its token). The same verify form posted from a page of another site
# (a file: page) is refused (docs/serve.md "Cross-site requests").
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
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

. "$TEST_DIR/browser.sh"   # chrome, browser

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
