#!/usr/bin/env bash
# t6080 — the portal's set of known codes (docs/serve.md "The code cache"): a code no notice has
# is answered from memory, and never from stale memory: notices made while the portal runs are
# confirmed at the next request, on every worker thread (the set starts empty and grows past
# its first table: 1,176 notices), a purge while it runs is seen at the next request, and a
# portal that has followed every change answers byte for byte as one started afresh; its
# inclusion proofs, from a cache of the log's subtree roots, are those of the whole log; on
# PostgreSQL, the whole answer reads the log and the outbox by their keys, the outbox's row once.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg: the changes reach the portal by LISTEN/NOTIFY)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }
. "$SRC_DIR/tests/fixtures.sh"

export KLARTEXT_NOW=2018-11-22T10:00:00Z
fixture_register 1200 >/dev/null 2>&1 || { echo "not ok 1 - the register"; echo "1..1"; exit 1; }
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null 2>&1
UNKNOWN=7777-7777-7777-7777

trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done' EXIT
api() {  # api URL CODE [EMAIL]: the JSON answer of POST /api/v1/verify
    if [ -n "${3:-}" ]; then curl -s -X POST -d "{\"code\":\"$2\",\"email\":\"$3\"}" "$1/api/v1/verify"
    else curl -s -X POST -d "{\"code\":\"$2\"}" "$1/api/v1/verify"; fi
}
many() {  # many URL CODE N: 0 when all N answers are {"genuine": false}
    local i
    for i in $(seq "$3"); do api "$1" "$2" | jq -e '. == {"genuine": false}' >/dev/null || return 1; done
}

# the portal that follows the changes has one worker thread: its set was surely loaded before
# (the threads share the set, so a second thread's first request would load it afresh)
start_server s1.log --rate-limit 100000000/min --access-log off --threads 1
U1=$URL
test_expect_success 'before any notice: unknown codes are not confirmed (the set is loaded, empty)' '
    many "$U1" "$UNKNOWN" 8
'

klartext notify 2018-0001 --out out >/dev/null 2>&1
codes() { grep -aho "[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}" "$@"; }
rcpt() { sed -n "s/^To: *//p" "$1" | head -1 | tr -d "\r" | sed "s/.*<\(.*\)>.*/\1/"; }
test_expect_success 'notices made while the portal runs: every code asked is confirmed at the next request' '
    test "$(ls out/*.eml | wc -l)" = 1176 &&
    for f in out/2018-0001-000001.eml out/2018-0001-000002.eml out/2018-0001-000600.eml out/2018-0001-001176.eml \
             out/2018-0001-000003.eml out/2018-0001-000004.eml; do
        c=$(codes "$f" | head -1) && test -n "$c" &&
        api "$U1" "$c" | jq -e ".genuine == true and .incident == \"2018-0001\"" >/dev/null &&
        api "$U1" "$c" "$(rcpt "$f")" | jq -e ".genuine == true and .exposure.views >= 1" >/dev/null &&
        api "$U1" "$c" someone@example.org | jq -e ". == {\"genuine\": false}" >/dev/null || return 1
    done &&
    many "$U1" "$UNKNOWN" 4
'

# on PostgreSQL the whole answer reads the log entry and the person's notices by their keys,
# whatever the planner knows: the log's ref and the notices' subject have no statistics
# (src/register/analyze.c), and before, it walked the log's primary key backward from its end to
# the notice's entry and hash-joined the whole outbox, at every answer. 30 answers for the first
# notices (log entries 1 to 30 of 1,177): the tuples read of both tables, counted by the server
# (its statistics are flushed when the portal's connection ends). The log's include the portal's
# start (the codes, the leaves, the log's size: 2,416) and one count of the log (1,177) at each
# catch-up — the server's snapshot is asked for every second, and other suites' commits on the
# same cluster move it; before, 72,046. The outbox's are the answers' own: its row of each
# notice by key, joined with the notice's row, in one statement with the rest of the answer
# (portal_find_code_detail) — 30 (a few more when the first portal's backend, idle, flushes its
# counts late, inside the window: the bound is 45); with the outbox's state of each of the person's
# notices in a count of them, 60; with the rest in a second statement by the notice's id, 90; before that,
# 35,340.
if test_on_pg; then
    reg_sql "ALTER TABLE tlog_entry SET (autovacuum_enabled = off); ALTER TABLE outbox SET (autovacuum_enabled = off)"
fi
tuples() {  # tuples TABLE: the tuples of TABLE read so far (sequential and by index)
    reg_sql "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = '$1'"
}
backends() { reg_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"; }
test_on_pg && test_expect_success 'PostgreSQL: 30 whole answers read the log and the outbox by their keys, not whole' '
    b0=$(backends) && l0=$(tuples tlog_entry) && o0=$(tuples outbox) &&
    start_server s3.log --rate-limit 100000000/min --access-log off --threads 1 &&
    for n in $(seq -w 1 30); do
        f=out/2018-0001-0000$n.eml && c=$(codes "$f" | head -1) &&
        api "$URL" "$c" "$(rcpt "$f")" | jq -e ".genuine == true and .exposure.views >= 1 and .log.index >= 0" >/dev/null ||
            return 1
    done &&
    stop_server && PIDS=("${PIDS[@]:0:${#PIDS[@]}-1}") &&
    for _ in $(seq 50); do [ "$(backends)" = "$b0" ] && break; sleep 0.1; done &&
    l1=$(tuples tlog_entry) && o1=$(tuples outbox) &&
    echo "log: $((l1 - l0)) tuples read, outbox: $((o1 - o0))" &&
    test $((l1 - l0)) -lt 40000 && test $((o1 - o0)) -lt 45
'

# the same requests to the portal that followed the changes and to a fresh one
ask() {  # ask URL DIR
    local i=0 f c
    mkdir -p "$2"
    for f in out/2018-0001-000001.eml out/2018-0001-000050.eml out/2018-0001-001000.eml; do
        c=$(codes "$f" | head -1)
        i=$((i + 1)); api "$1" "$c" >"$2/$i.json"
        i=$((i + 1)); api "$1" "$c" "$(rcpt "$f")" >"$2/$i.json"
        i=$((i + 1)); curl -s -X POST --data-urlencode "code=$c" --data-urlencode "email=$(rcpt "$f")" -d lang=en "$1/verify" >"$2/$i.html"
        i=$((i + 1)); curl -s -X POST --data-urlencode "code=$c" -d lang=de "$1/verify" >"$2/$i.html"
        i=$((i + 1)); curl -s -X POST --data-urlencode "code=$c" -d email=someone%40example.org -d lang=en "$1/verify" >"$2/$i.html"
    done
    curl -s -X POST -d "code=$UNKNOWN" -d email=someone%40example.org -d lang=en "$1/verify" >"$2/unknown.html"
    curl -s -X POST -d "code=not-a-code" -d lang=en "$1/verify" >"$2/bad.html"
}
start_server s2.log --rate-limit 100000000/min --access-log off
U2=$URL
test_expect_success 'the portal that followed the changes answers byte for byte as a portal started afresh' '
    ask "$U1" a1 && ask "$U2" a2 && diff -r a1 a2 &&
    grep_q "We could not confirm" a1/unknown.html && cmp a1/unknown.html a1/5.html &&
    jq -e ".genuine == true and .exposure != null" a1/2.json >/dev/null
'

# the portal's proofs come from its cache of subtree roots (src/serve/proofcache.c); `verify
# --code --proof` hashes every leaf (tlog_prove_inclusion): the same proof and root, for notices
# in the first, middle and last (incomplete) blocks of 32 entries, against a checkpoint's size
test_expect_success 'inclusion proofs from the cache of subtree roots are those of the whole log' '
    klartext log checkpoint >/dev/null &&
    for n in 000001 000002 000031 000032 000033 000064 000065 000500 001000 001150 001175 001176; do
        f=out/2018-0001-$n.eml && c=$(codes "$f" | head -1) &&
        klartext --json verify --code "$c" --proof | jq -c .inclusion_proof >cli.json &&
        api "$U1" "$c" "$(rcpt "$f")" | jq -c .log.inclusion_proof >portal.json &&
        jq -e ".type == \"inclusion\" and (.proof | length) > 3" cli.json >/dev/null &&
        cmp cli.json portal.json || { echo "notice $n:"; cat cli.json portal.json; return 1; }
    done &&
    api "$U2" "$c" "$(rcpt "$f")" | jq -c .log.inclusion_proof | cmp - cli.json
'

F=out/2018-0001-000002.eml
C2=$(codes "$F" | head -1)
R2=$(rcpt "$F")
test_expect_success 'a purge while the portal runs is seen at the next request (date sent, details deleted)' '
    api "$U1" "$C2" "$R2" | jq -e ".recipient != null and (has(\"details_deleted_at\") | not)" >/dev/null &&
    klartext report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-2018-4711" >/dev/null &&
    klartext incident update 2018-0001 --status closed >/dev/null &&
    KLARTEXT_NOW=2030-01-01T00:00:00Z klartext purge >purge.out 2>&1 &&
    api "$U1" "$C2" "$R2" | jq -e ".genuine == true and (.details_deleted_at | type) == \"string\" and (has(\"recipient\") | not)" >/dev/null &&
    api "$U1" "$C2" someone@example.org | jq -e ".genuine == true and (has(\"recipient\") | not)" >/dev/null &&
    many "$U1" "$UNKNOWN" 2
'
# the code alone of a purged notice: the date of the purge, read by a statement of its own
# (portal_find_code), the same with and without an address, and on a portal started afresh
test_expect_success 'a purged notice: its code alone answers with the date of the purge' '
    for a in "" "$R2" someone@example.org; do
        api "$U1" "$C2" $a | jq -e ".genuine == true and .details_deleted_at == \"2030-01-01T00:00:00Z\"" >/dev/null ||
            return 1
    done &&
    api "$U2" "$C2" | jq -e ".details_deleted_at == \"2030-01-01T00:00:00Z\"" >/dev/null
'

rcs=''
for p in "${PIDS[@]}"; do kill -TERM "$p"; wait "$p"; rcs="$rcs $?"; done
PIDS=()
test_expect_success 'both portals stop cleanly on SIGTERM' 'test "$rcs" = " 0 0"' 
test_done
