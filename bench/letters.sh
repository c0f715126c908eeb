#!/usr/bin/env bash
# bench/letters.sh — notify --letters at scale: PDF letters per second.
#   bench/letters.sh [PEOPLE [RUNS [THREADS]]]     default 10000 people, 2 runs, 2 threads
# Builds (once, in bench/out/letters/, git-ignored) a register whose incident has PEOPLE exposed
# people (tests/fixtures.sh's gen_people) with a postal address each (street, postcode, city; every
# third abroad, with a country) and an approval. Each run starts from a copy of that register and
# times `klartext notify ID --letters DIR --for all --threads THREADS`: every person's letter
# rendered from the templates, signed, stored in the register with its log commitment, typeset
# as PDF (cairo + pango), written as DIR/NOTICE-ID.pdf and added to the combined PDF and the
# manifest. The check: PEOPLE PDFs and PEOPLE manifest lines, the combined PDF's page count the
# sum of the letters' pages. Printed per run: wall and CPU seconds, letters per second (wall).
set -eu
cd "$(dirname "$0")/.."
PEOPLE=${1:-10000}
RUNS=${2:-2}
THREADS=${3:-2}
. bench/lib.sh
fixture_dir letters/$PEOPLE
if [ ! -s ready ]; then
    rm -rf ./*
    fixture_register "$PEOPLE" >/dev/null
    awk -F, -v OFS=, 'NR == 1 { print $0, "street", "postcode", "city", "country"; next }
        { n = NR - 1; c = n % 3 == 0 ? "Österreich" : "";
          print $0, "Lindenstraße " (n % 97 + 1), sprintf("%05d", 10000 + n % 89999), (n % 3 == 0 ? "Wien" : "Berlin"), c }' \
        subjects.csv >subjects-post.csv
    klartext subjects import 2018-0001 subjects-post.csv >/dev/null
    klartext notify 2018-0001 --approve --by "Bench" >/dev/null
    cp klartext.db base.db
    echo "$PEOPLE" >ready
fi
echo "notify --letters: $PEOPLE people, $THREADS threads, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
    rm -rf letters klartext.db klartext.db-wal klartext.db-shm
    cp base.db klartext.db
    start=$(date +%s.%N)
    /usr/bin/time -f "%e %U %S" -o time.txt "$K" notify 2018-0001 --letters letters --for all --threads "$THREADS" >sum.txt
    read -r wall user sys <time.txt
    pdfs=$(find letters -name '2018-0001-*.pdf' | wc -l)
    lines=$(($(cat letters/letters-*.csv | wc -l) - 1))
    [ "$pdfs" = "$PEOPLE" ] && [ "$lines" = "$PEOPLE" ] || { echo "bench: $pdfs PDFs, $lines manifest lines, want $PEOPLE"; cat sum.txt; exit 1; }
    if command -v pdfinfo >/dev/null; then
        book=$(pdfinfo letters/letters-*.pdf | sed -n 's/^Pages: *//p')
        sum=$(sed -n 's/.*PDFs written in this run *[0-9]* *(\([0-9]*\) pages).*/\1/p' sum.txt)
        [ "$book" = "$sum" ] || { echo "bench: the combined PDF has $book pages, the letters $sum"; exit 1; }
    fi
    size=$(du -sm letters | cut -f1)
    "$PY" -c "import sys; w, u, s, n = map(float, sys.argv[1:5]); print('run %s: %.1f s wall, %.1f s CPU (%.1f user, %.1f sys): %.0f letters/s, %s MB' % (sys.argv[5], w, u + s, u, s, n / w, sys.argv[6]))" \
        "$wall" "$user" "$sys" "$PEOPLE" "$run" "$size"
done
