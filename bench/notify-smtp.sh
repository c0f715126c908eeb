#!/usr/bin/env bash
# bench/notify-smtp.sh — notices sent per second by `klartext notify ID --smtp URL --connections N`
# through a relay on loopback that takes DELAY ms to accept each message (bench/smtp-relay.c: it
# answers the end of each message DELAY ms later), for DELAY in 0, 50 and 200 ms and N in 1, 4,
# 16 and 64; and the relay alone, driven by postfix's smtp-source over N connections that each
# carry many messages (-d), so that the table shows where the relay, not klartext, is the limit.
#   bench/notify-smtp.sh [NOTICES]        default 10000
# Env: BENCH_DELAYS ("0 50 200"), BENCH_CONNS ("1 4 16 64"), BENCH_SECONDS (60): a cell whose
# NOTICES would take longer than that at N / DELAY notices a second sends only as many as fit
# (at least 300; `--limit`), BENCH_FULL=1 sends all NOTICES in every cell (about an hour),
# KLARTEXT (default build/klartext), BENCH_RUNDIR (default bench/out/notify-smtp/run).
# Works in bench/out/notify-smtp/ (git-ignored): a register whose incident has NOTICES notices
# made and queued (tests/fixtures.sh's people, every 50th without an e-mail address); every cell
# starts from a copy of it. A cell's rate is the notices sent divided by the wall time of the
# whole command (opening the register, checking who is to be told, sending, the summary); the
# time of a run with nothing to send is printed as well. Each run is checked: the summary says
# COUNT sent and nothing failed; and the relay counted every message of the cells it served.
set -eu
cd "$(dirname "$0")/.."
NOTICES=${1:-10000}
DELAYS=${BENCH_DELAYS:-0 50 200}
CONNS=${BENCH_CONNS:-1 4 16 64}
SECONDS_CAP=${BENCH_SECONDS:-60}
K=${KLARTEXT:-build/klartext}
case $K in /*) ;; *) K="$PWD/$K" ;; esac
OUT=$PWD/bench/out/notify-smtp
RUN=${BENCH_RUNDIR:-$OUT/run}
[ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
command -v /usr/sbin/smtp-source >/dev/null || { echo "bench: postfix's smtp-source is missing (apt-get install postfix)"; exit 1; }
mkdir -p "$OUT"
cc -O2 -Wall -o "$OUT/smtp-relay" bench/smtp-relay.c
export KLARTEXT_NOW=2018-11-22T10:00:00Z

RELAY_PID=
relay_start() {  # relay_start DELAY: sets PORT
    rm -f "$OUT/relay.port"
    "$OUT/smtp-relay" "$OUT/relay.port" "$1" >"$OUT/relay.out" &
    RELAY_PID=$!
    for _ in $(seq 50); do [ -s "$OUT/relay.port" ] && break; sleep 0.1; done
    PORT=$(cat "$OUT/relay.port")
}
relay_stop() {  # relay_stop: sets RELAYED (messages the relay accepted)
    kill "$RELAY_PID"; wait "$RELAY_PID" || true
    RELAYED=$(awk '{print $2}' "$OUT/relay.out")
}
trap '[ -z "$RELAY_PID" ] || kill "$RELAY_PID" 2>/dev/null || true' EXIT

# ---- the register: people such that NOTICES of them have an e-mail address (every 50th has none)
people=$(( (NOTICES * 50 + 48) / 49 ))
while [ $((people - people / 50)) -gt "$NOTICES" ]; do people=$((people - 1)); done
base=$OUT/base-$NOTICES
if [ ! -f "$base/klartext.db" ]; then
    echo "setting up $people people ($NOTICES notices) in $base ..."
    rm -rf "$base" && mkdir -p "$base"
    relay_start 0
    (
        cd "$base"
        klartext() { "$K" "$@"; }
        . "$OLDPWD/tests/fixtures.sh"
        fixture_register "$people" >/dev/null
        "$K" notify 2018-0001 --approve --by Bench >/dev/null
        # make every notice (and send one), then queue that one again: all NOTICES are queued
        "$K" notify 2018-0001 --smtp "smtp://127.0.0.1:$PORT" --limit 1 >/dev/null
        sqlite3 klartext.db "UPDATE outbox SET state = 'queued', attempts = 0, sent_at = NULL, reply = NULL WHERE state = 'sent';
                             PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    )
    relay_stop
fi
queued=$(sqlite3 "$base/klartext.db" "SELECT count(*) FROM outbox WHERE state = 'queued'")
[ "$queued" = "$NOTICES" ] || { echo "bench: $queued notices queued in $base, expected $NOTICES"; exit 1; }
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "klartext: $K; $NOTICES notices of $(du -k "$base/klartext.db" | cut -f1) KB register; message size $(sqlite3 "$base/klartext.db" "SELECT avg(message_len) FROM notice" | cut -d. -f1) bytes on average"

fresh() { rm -rf "$RUN" && mkdir -p "$RUN" && cp "$base"/klartext.db "$base"/klartext.key "$base"/klartext.pub "$RUN/"; }
now() { date +%s.%N; }

# ---- a run with nothing due: what every cell pays besides sending
relay_start 0
fresh
sqlite3 "$RUN/klartext.db" "UPDATE outbox SET state = 'cancelled'"
t0=$(now); (cd "$RUN" && "$K" notify 2018-0001 --smtp "smtp://127.0.0.1:$PORT" >/dev/null); t1=$(now)
relay_stop
printf 'a run with nothing to send: %.2f s (open, check the %s people, summary)\n\n' "$(echo "$t1 - $t0" | bc -l)" "$people"

printf '%-8s %-5s %8s %9s %12s %14s %10s\n' delay_ms N notices seconds notices/s "0.9*N/delay" relay_alone
for d in $DELAYS; do
    relay_start "$d"
    expect=0
    for n in $CONNS; do
        count=$NOTICES
        if [ -z "${BENCH_FULL:-}" ] && [ "$d" -gt 0 ]; then
            fit=$(( SECONDS_CAP * n * 1000 / d ))
            [ $fit -lt 300 ] && fit=300
            [ $fit -lt "$count" ] && count=$fit
        fi
        fresh
        t0=$(now)
        (cd "$RUN" && "$K" notify 2018-0001 --smtp "smtp://127.0.0.1:$PORT" --connections "$n" --limit "$count" >"$OUT/summary")
        t1=$(now)
        grep -q "this run: $count sent, 0 failed, 0 unknown" "$OUT/summary" || { echo "bench: not $count sent:"; cat "$OUT/summary"; exit 1; }
        secs=$(echo "$t1 - $t0" | bc -l)
        rate=$(echo "$count / $secs" | bc -l)
        bound=-
        [ "$d" -gt 0 ] && bound=$(printf '%.0f' "$(echo "0.9 * $n * 1000 / $d" | bc -l)")
        # the relay alone over n connections (smtp-source, 20,800-byte messages), at most ~10 s
        alone_n=$count
        [ "$d" -gt 0 ] && [ $(( 10 * n * 1000 / d )) -lt "$alone_n" ] && alone_n=$(( 10 * n * 1000 / d ))
        [ "$alone_n" -lt 100 ] && alone_n=100
        a0=$(now); /usr/sbin/smtp-source -d -s "$n" -m "$alone_n" -l 20800 "127.0.0.1:$PORT"; a1=$(now)
        alone=$(echo "$alone_n / ($a1 - $a0)" | bc -l)
        expect=$((expect + count + alone_n))
        printf '%-8s %-5s %8d %9.2f %12.0f %14s %10.0f\n' "$d" "$n" "$count" "$secs" "$rate" "$bound" "$alone"
    done
    relay_stop
    [ "$RELAYED" = "$expect" ] || { echo "bench: the relay counted $RELAYED messages, expected $expect"; exit 1; }
done
[ -z "${BENCH_RUNDIR:-}" ] || rm -rf "$RUN"
