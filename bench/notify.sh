#!/usr/bin/env bash
# bench/notify.sh — personal notices rendered, signed, packed and written per second with
# `klartext notify ID --out DIR`, beside the raw libsodium Ed25519 signing rate in the same run.
#   bench/notify.sh [PEOPLE]        default 100000
# Env: BENCH_RUNS (3), BENCH_THREADS (notify --threads; default: all CPUs), KLARTEXT
# (default build/klartext), BENCH_RUNDIR (where each run writes its register copy and the .eml
# files; default bench/out/notify/run; e.g. /dev/shm/kt-notify to take the disk out of it). Works in bench/out/notify/ (git-ignored): a register with one
# incident whose scan exposed PEOPLE people (every 50th without an e-mail address), decided and
# approved; each run starts from a copy of it, so every run makes all notices from scratch.
# Every notice needs two Ed25519 signatures (minisign's signature of the text's BLAKE2b-512 hash
# and the global signature over signature + trusted comment): the signing rate / 2 is the bound.
set -eu
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${BENCH_RUNS:-3}
K=${KLARTEXT:-build/klartext}
case $K in /*) ;; *) K="$PWD/$K" ;; esac
OUT=bench/out/notify
cpuf="$PWD/$OUT/cpu"
PY=/usr/bin/python3
[ -x "$K" ] || { echo "bench: $K not built (make)"; exit 1; }
mkdir -p "$OUT"
export KLARTEXT_NOW=2018-11-22T10:00:00Z

# ---- raw signing rate: libsodium crypto_sign_detached on a 64-byte hash, 1 thread and all CPUs
cat >"$OUT/signrate.c" <<'EOF'
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static unsigned char sk[64];
static long per_thread;
static void *run(void *a)
{
    unsigned char h[64] = {0}, sig[64];
    for (long i = 0; i < per_thread; i++) { h[0] = (unsigned char)i; crypto_sign_detached(sig, NULL, h, 64, sk); }
    (void)a;
    return NULL;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv)
{
    unsigned char pk[32];
    int th = argc > 1 ? atoi(argv[1]) : 1;
    if (sodium_init() < 0) return 1;
    crypto_sign_keypair(pk, sk);
    per_thread = 40000 / th;
    pthread_t t[64];
    double t0 = now();
    for (int i = 0; i < th; i++) pthread_create(&t[i], NULL, run, NULL);
    for (int i = 0; i < th; i++) pthread_join(t[i], NULL);
    printf("%.0f\n", per_thread * th / (now() - t0));
    return 0;
}
EOF
cc -O2 -pthread -o "$OUT/signrate" "$OUT/signrate.c" $(pkg-config --cflags --libs libsodium)

# ---- the register
base=$OUT/base-$N
if [ ! -f "$base/klartext.db" ]; then
    echo "setting up $N people in $base ..."
    rm -rf "$base" && mkdir -p "$base"
    (
        cd "$base"
        klartext() { "$K" "$@"; }
        . "$OLDPWD/tests/fixtures.sh"   # the register the notify tests start from, with N people
        fixture_register "$N" salutations
        "$K" notify 2018-0001 --approve --by Bench >/dev/null
        sqlite3 klartext.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    )
fi
made=$((N - N / 50))
cpus=$(nproc)
echo "machine: $cpus cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "people: $N ($made with an e-mail address, so $made notices); klartext: $K"
s1=$("$OUT/signrate" 1)
sN=$("$OUT/signrate" "$cpus")
echo "libsodium Ed25519 signatures/s: $s1 on 1 thread, $sN on $cpus threads -> bound $((sN / 2)) notices/s (2 signatures each)"

rates=()
for r in $(seq "$RUNS"); do
    run=${BENCH_RUNDIR:-$OUT/run}
    rm -rf "$run" && mkdir -p "$run"
    cp "$base/klartext.db" "$base/klartext.key" "$base/klartext.pub" "$run/"
    ( cd "$run" && "$K" notify 2018-0001 --approve --by Bench >/dev/null )   # templates may have changed
    sync
    t0=$(date +%s.%N)
    ( cd "$run" && /usr/bin/time -f '%U %S' -o "$cpuf" "$K" notify 2018-0001 --out notices \
          ${BENCH_THREADS:+--threads $BENCH_THREADS} >/dev/null )
    t1=$(date +%s.%N)
    cpu_us=$(awk -v n="$made" '{printf "%.0f", ($1 + $2) * 1e6 / n}' "$cpuf")
    files=$(ls "$run/notices" | wc -l)
    [ "$files" = "$made" ] || { echo "bench: $files files written, expected $made"; exit 1; }
    rate=$(echo "$made / ($t1 - $t0)" | bc -l)
    printf 'run %d: %d notices in %.2f s = %.0f notices/s, %s us of CPU each (%s of .eml files, register %s)\n' "$r" "$made" \
        "$(echo "$t1 - $t0" | bc -l)" "$rate" "$cpu_us" "$(du -sh "$run/notices" | cut -f1)" "$(du -sh "$run/klartext.db" | cut -f1)"
    rates+=("$rate")
done
med=$(printf '%s\n' "${rates[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
printf 'median: %.0f notices/s rendered, signed, packed, stored and written (%.0f%% of the signing bound)\n' \
    "$med" "$(echo "100 * $med / ($sN / 2)" | bc -l)"
# one notice checked by the real minisign
f=$(ls "$run/notices" | head -1)
"$PY" - "$run/notices/$f" "$OUT" <<'EOF'
import email, email.policy, sys, os
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
for p in m.walk():
    if p.get_filename():
        open(os.path.join(sys.argv[2], p.get_filename()), 'wb').write(p.get_payload(decode=True))
EOF
minisign -Vm "$OUT/notice.txt" -p "$run/klartext.pub" -q && echo "minisign verified $f"
[ -z "${BENCH_RUNDIR:-}" ] || rm -rf "$run"
