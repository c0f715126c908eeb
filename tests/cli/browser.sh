# tests/cli/browser.sh — headless Chromium for the portal's browser tests (t6010, t6050); source
# it after lib.sh with $CHROME set. CHROME_ARGS adds flags (t6050: --ignore-certificate-errors).
#   chrome SIZE ARGS...    one run (--dump-dom, --screenshot) with a fresh profile
#   browser SIZE STEP...   a fresh browser driven step by step by tests/cli/cdp.py (BPID while it runs)
chrome() {  # chrome SIZE ARGS... (one fresh profile per run)
    local prof; prof=$(mktemp -d)
    timeout 60 "$CHROME" ${CHROME_ARGS:-} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$prof" --window-size="$1" --hide-scrollbars "${@:2}" 2>/dev/null
    local rc=$?; rm -rf "$prof"; return $rc
}

# tests/cli/cdp.py PROFILE_DIR STEP... drives the browser over the DevTools protocol
browser() {  # browser SIZE STEP...: a fresh headless Chromium driven by cdp.py
    local prof rc; prof=$(mktemp -d)
    "$CHROME" ${CHROME_ARGS:-} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$prof" --window-size="$1" --hide-scrollbars \
        --remote-debugging-port=0 about:blank 2>/dev/null &
    BPID=$!
    timeout 90 python3 "$TEST_DIR/cdp.py" "$prof" "${@:2}"; rc=$?
    kill $BPID 2>/dev/null; wait $BPID 2>/dev/null; BPID=
    rm -rf "$prof"; return $rc
}

