#!/usr/bin/env bash
# tests/fuzz/campaign.sh — the long fuzzing campaign: every libFuzzer target in turn, each until
# it has run RUNS inputs (default 10,000,000) or for at most MAX seconds, whichever comes first.
#
#   tests/fuzz/campaign.sh [--max-time SECONDS] [--runs N] [--dir DIR] [--no-build] [TARGET...]
#
#   --max-time S  per-target wall-clock cap (default 3600)
#   --runs N      per-target execution goal (default 10000000)
#   --dir DIR     where the grown corpora, logs, findings and the table go
#                 (default build-fuzz/campaign; outside git)
#   --no-build    skip `make fuzz` (use the binaries in build-fuzz/fuzz/)
#   --table       only print the table of the results so far (DIR/table.md), run nothing
#   TARGET        checkpoint, csv, ... (default: every tests/fuzz/fuzz_*.c)
#
# Each fuzzer runs under `nice -n 19`, one at a time (a lock in DIR serialises concurrent
# invocations, so a second call queues behind the first). The binary is copied to DIR/bin first,
# so rebuilding build-fuzz/ during a run does not disturb it. Per target:
#   DIR/corpus/NAME/     the grown corpus (seeded from tests/fuzz/corpus/NAME, which is read only)
#   DIR/findings/NAME/   crash-*, leak-*, timeout-*, oom-* reproducers (libFuzzer artifacts)
#   DIR/logs/NAME.log    the libFuzzer log
#   DIR/results/NAME.tsv one line: target runs seconds exec/s cov ft corpus findings status date
# tests/fuzz/NAME.dict is passed as -dict; tests/fuzz/NAME.options holds more libFuzzer flags
# for NAME, one a line (the line parsers' -max_len: libFuzzer's default is the largest seed, and
# a 9 KB input of log lines, each parsed three times, ran at a fifth of the rate of 1 KB ones).
# After each target the table of every result so far is rewritten to DIR/table.md and printed.
# libFuzzer stops a target at its first finding; fix it, add the reproducer to
# tests/fuzz/regress/NAME/, rebuild and run the campaign for that target again.
set -u
cd "$(dirname "$0")/../.."
max_time=3600 runs=10000000 dir=build-fuzz/campaign build=1 only_table=0 targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --max-time) max_time=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --table) only_table=1; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        -*) echo "campaign.sh: unknown option '$1'" >&2; exit 2 ;;
        *) targets+=("${1#fuzz_}"); shift ;;
    esac
done
mkdir -p "$dir"/{bin,corpus,findings,logs,results}
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); targets+=("${n#fuzz_}"); done
fi

table() {
    {
        echo "| target | executions | time (s) | exec/s | cov | ft | corpus | findings | status |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
        for r in "$dir"/results/*.tsv; do
            [ -f "$r" ] || continue
            awk -F'\t' '{ printf "| %s | %\047d | %d | %d | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$r"
        done
    } >"$dir/table.md.tmp" && mv "$dir/table.md.tmp" "$dir/table.md"
}

if [ $only_table = 1 ]; then table; cat "$dir/table.md"; exit 0; fi

exec 9>"$dir/.lock"
if ! flock -n 9; then
    echo "campaign.sh: another campaign holds $dir/.lock; waiting for it" >&2
    flock 9
fi

if [ $build = 1 ]; then
    nice -n 19 make fuzz >"$dir/logs/build.log" 2>&1 || { tail -30 "$dir/logs/build.log"; echo "campaign.sh: make fuzz failed" >&2; exit 1; }
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
    src=build-fuzz/fuzz/fuzz_$t
    if [ ! -x "$src" ]; then echo "campaign.sh: no fuzzer $src" >&2; continue; fi
    bin=$dir/bin/fuzz_$t
    cp "$src" "$bin.new" && mv "$bin.new" "$bin"
    mkdir -p "$dir/corpus/$t" "$dir/findings/$t" tests/fuzz/corpus/$t
    dict=(); [ -f tests/fuzz/$t.dict ] && dict=(-dict=tests/fuzz/$t.dict)
    [ -f tests/fuzz/$t.options ] && mapfile -t -O ${#dict[@]} dict < <(grep -v '^#' tests/fuzz/$t.options)
    before=$(ls "$dir/findings/$t" | wc -l)
    echo "== $t: up to $runs runs or ${max_time}s ($(date -u +%H:%M:%SZ))"
    start=$(date +%s.%N)
    nice -n 19 "$bin" -runs="$runs" -max_total_time="$max_time" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/findings/$t/" "${dict[@]}" \
        "$dir/corpus/$t" tests/fuzz/corpus/$t >"$dir/logs/$t.log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/logs/$t.log" | tail -1)
    [ -n "$done_runs" ] || done_runs=$(grep -o '^#[0-9]*' "$dir/logs/$t.log" | tail -1 | tr -d '#')
    [ -n "$done_runs" ] || done_runs=0
    last=$(grep -E '^#[0-9]+.*cov: ' "$dir/logs/$t.log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    found=$(( $(ls "$dir/findings/$t" | wc -l) - before ))
    rate=$(awk -v a="$start" -v b="$end" -v r="$done_runs" 'BEGIN { printf "%.0f", (b > a) ? r / (b - a) : 0 }')
    if [ $rc -ne 0 ] || [ $found -gt 0 ]; then
        status="FINDING (rc $rc): $(grep -m1 -E 'ERROR: |runtime error|SUMMARY' "$dir/logs/$t.log" | cut -c1-120)"
        status=${status//|/\\|}
    elif [ "$done_runs" -ge "$runs" ]; then status="goal reached"
    else status="time cap"; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$done_runs" "$secs" "$rate" "${cov:--}" \
        "${ft:--}" "${corp:--}" "$found" "$status" "$(date -u +%FT%TZ)" >"$dir/results/$t.tsv"
    table
    echo "   $t: $done_runs runs in ${secs}s ($rate/s), cov ${cov:--} ft ${ft:--}, findings $found, $status"
done
table
cat "$dir/table.md"
