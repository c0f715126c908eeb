# bench/lib.sh — what the benchmarks share (sourced, not run): timed runs (bench/run.sh,
# bench/millions.sh) and a register made by tests/fixtures.sh (letters, reach, copy).
# Needs OUT (the output directory) and RUNS (timed runs per contender).
declare -A MED RSS CPU

# run NAME CMD...: RUNS timed runs; median wall seconds in MED[NAME], max peak RSS (KB) in RSS[NAME],
# median CPU seconds (user + sys) in CPU[NAME]
run() {
    local name=$1; shift
    local times=() cpus=() rss=0 i t m u s
    for i in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err" || { echo "bench: $name failed:"; cat "$OUT/.err"; exit 1; }
        read -r t m u s <"$OUT/.time"
        times+=("$t"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"); [ "$m" -gt "$rss" ] && rss=$m
    done
    MED[$name]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    RSS[$name]=$rss
    CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    printf '%-28s median %6.2f s  (runs: %s)  CPU %6.2f s  peak RSS %6d MB\n' "$name" "${MED[$name]}" "${times[*]}" "${CPU[$name]}" $((rss / 1024))
}

# check NAME TRUTH CSV: the answer must be the truth, byte for byte
check() {
    if cmp -s "$2" "$3"; then echo "  $1: answer matches the truth"; else echo "  $1: WRONG ANSWER"; diff "$2" "$3" | head -5; exit 1; fi
}

# duckdb_setup: @duckdb/node-api into $OUT/node_modules (once), bench/duckdb.mjs beside it
duckdb_setup() {
    if [ ! -f "$OUT/node_modules/@duckdb/node-api/package.json" ]; then
        npm install --no-audit --no-fund --prefix "$OUT" @duckdb/node-api >/dev/null
    fi
    cp bench/duckdb.mjs "$OUT/duckdb.mjs"
}

# fixture_dir NAME: the klartext under test in $K (KLARTEXT, default build/klartext), a `klartext`
# function calling it, tests/fixtures.sh loaded, the clock fixed, and the working directory
# bench/out/NAME (made; git-ignored) in $OUT. Run from the source tree's root.
fixture_dir() {
    K=${KLARTEXT:-build/klartext}
    case $K in /*) ;; *) K="$PWD/$K" ;; esac
    [ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
    export KLARTEXT_NOW=2018-11-22T10:00:00Z PY=/usr/bin/python3
    klartext() { "$K" "$@"; }
    . tests/fixtures.sh
    OUT=$PWD/bench/out/$1
    mkdir -p "$OUT"
    cd "$OUT" || exit 1
}

# fake_sent_notices: in the SQLite register klartext.db of the current directory, a notice marked
# sent for scan version 1 for every subject with an e-mail address, written with SQL (a code
# hash, no real message): making and signing real notices would measure notify --out instead
fake_sent_notices() {
    sqlite3 klartext.db <<'SQL'
INSERT INTO notice(incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, lang, rcpt,
  rcpt_masked, code_hash, message_id, text_sha256, message, message_len, message_codec)
SELECT 1, row_number() OVER (ORDER BY s.subject), '2018-0001-' || printf('%06d', row_number() OVER (ORDER BY s.subject)),
  s.subject, 1542880800, 1, (SELECT id FROM scan WHERE version = 1), s.import_id, s.language, s.email, 'p***@mail.example',
  randomblob(32), '<notice.x@verify.example>', '', x'00', 0, 'parts1'
FROM subject s WHERE s.email <> '';
INSERT INTO outbox(notice, incident_id, state, updated_at, sent_at) SELECT id, 1, 'sent', 1542880800, 1542880800 FROM notice;
SQL
}
