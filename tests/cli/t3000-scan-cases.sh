#!/usr/bin/env bash
# t3000-scan-cases — the hand-written scanner cases in tests/scan/cases/*/ (format:
# tests/scan/README.md), each run with 1 thread and with 2 threads on many small byte ranges
# (KLARTEXT_SCAN_SPLIT): the output must be the expected one, byte for byte, both times.
# $SCAN is the command under test: the scanner driver until `klartext scan` exists.
. "$(dirname "$0")/lib.sh"
if [ -z "${SCAN:-}" ]; then
    b=${KLARTEXT_BUILD:-build-asan}; case $b in /*) ;; *) b=$SRC_DIR/$b ;; esac
    SCAN="$b/tests/test_scan run"
fi
CASES=$SRC_DIR/tests/scan/cases

run_case() {  # run_case CASE-DIR THREADS
    local src=$1 threads=$2 rc want=0 logs=() args=() f
    rm -rf "$TRASH/case" && cp -r "$src" "$TRASH/case" && cd "$TRASH/case" || return 1
    if [ -f setup ]; then sh ./setup || { echo "setup failed"; return 1; }; fi
    if [ -f logs ]; then mapfile -t logs <logs
    else for f in *.log *.gz *.zst *.jsonl; do [ -e "$f" ] && logs+=("$f"); done; fi
    [ -f args ] && read -r -a args <args
    [ -f expect-code ] && want=$(cat expect-code)
    local in=/dev/null
    [ -f stdin ] && in=$(cat stdin)
    $SCAN --rule rule.conf --csv out.csv --threads "$threads" "${args[@]}" "${logs[@]}" <"$in" 2>err
    rc=$?
    if [ "$rc" != "$want" ]; then echo "exit $rc, expected $want"; cat err; return 1; fi
    if [ -f expected.csv ]; then
        diff -u expected.csv out.csv || { cat err; return 1; }
    fi
    if [ -f expect-stderr ]; then
        while IFS= read -r l; do
            grep -qF -- "$l" err || { echo "stderr lacks: $l"; cat err; return 1; }
        done <expect-stderr
    fi
    return 0
}

for d in "$CASES"/*/; do
    name=$(basename "$d")
    test_expect_success "$name (1 thread)" "run_case '$d' 1"
    test_expect_success "$name (2 threads, small ranges)" "KLARTEXT_SCAN_SPLIT=64 run_case '$d' 2"
done
test_done
