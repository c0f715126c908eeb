#!/usr/bin/env bash
# t3040-scan-formats-exact — for every log format, the scan result does not depend on how the
# log is read: 1 or 2 threads, the file cut into byte ranges of many sizes (lines, W3C header
# blocks and #Fields changes straddle the cuts), gzip, zstd, standard input (plain and
# gzip), and the log cut into two files. Each format's case in tests/scan/cases/ is scanned
# every way; the CSV and the summary's counts must be byte-identical to the plain 1-thread scan.
. "$(dirname "$0")/lib.sh"
CASES=$SRC_DIR/tests/scan/cases

# counts: the summary's count lines (file names and timings differ between the ways)
counts() { grep -E '^(lines read|outside the window|people)' "$1"; }

# exact CASE: every way of reading CASE's log gives the reference CSV and counts
exact() {
    local c=$CASES/$1 n
    cp "$c/rule.conf" rule.conf && cp "$c"/*.log access.log 2>/dev/null || cp "$c"/*.jsonl access.log || return 1
    klartext scan --rule rule.conf --threads 1 access.log >ref.csv 2>ref.err || { cat ref.err; return 1; }
    cmp -s ref.csv "$c/expected.csv" || { echo "reference differs from expected.csv"; return 1; }
    counts ref.err >ref.counts
    check() {  # check WAY (got.csv, got.err)
        cmp -s ref.csv got.csv || { echo "$1: CSV differs"; diff ref.csv got.csv | head; return 1; }
        counts got.err >got.counts
        cmp -s ref.counts got.counts || { echo "$1: counts differ"; diff ref.counts got.counts; return 1; }
    }
    klartext scan --rule rule.conf --threads 2 access.log >got.csv 2>got.err && check "2 threads" || return 1
    for n in 1 7 64 333 1000 4096; do
        KLARTEXT_SCAN_SPLIT=$n klartext scan --rule rule.conf --threads 2 access.log >got.csv 2>got.err &&
            check "2 threads, ranges of $n bytes" || return 1
    done
    KLARTEXT_SCAN_SPLIT=64 klartext scan --rule rule.conf --threads 2 --check-all access.log >all.csv 2>/dev/null &&
        cmp -s ref.csv all.csv || { echo "--check-all on ranges: CSV differs"; return 1; }
    gzip -c access.log >access.log.gz && zstd -q -c access.log >access.log.zst || return 1
    for f in access.log.gz access.log.zst; do
        klartext scan --rule rule.conf --threads 2 "$f" >got.csv 2>got.err && check "$f" || return 1
    done
    klartext scan --rule rule.conf - <access.log >got.csv 2>got.err && check "stdin" || return 1
    klartext scan --rule rule.conf - <access.log.gz >got.csv 2>got.err && check "stdin, gzip" || return 1
}

# halves CASE: the log cut into two files at a line boundary (formats without a header)
halves() {
    local c=$CASES/$1 h
    cp "$c/rule.conf" rule.conf && cp "$c/access.log" access.log || return 1
    h=$(($(wc -l <access.log) / 2))
    head -n "$h" access.log >part1.log && tail -n +"$((h + 1))" access.log >part2.log &&
    klartext scan --rule rule.conf --threads 2 part2.log part1.log >got.csv 2>/dev/null &&
    cmp -s "$c/expected.csv" got.csv || { echo "two files: CSV differs"; diff "$c/expected.csv" got.csv; return 1; }
}

for c in alb elb w3c cloudfront caddy traefik haproxy cache-mixup nginx-iso-xff jsonl window-offsets; do
    test_expect_success "$c: threads, ranges, gzip, zstd and stdin give the same result" "exact $c"
done
for c in alb elb caddy traefik haproxy cache-mixup; do
    test_expect_success "$c: the log in two files gives the same result" "halves $c"
done
test_done
