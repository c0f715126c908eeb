#!/usr/bin/env bash
# t3100-dask — klartext-dask on a real Dask cluster: a dask-scheduler and two dask-worker
# processes on loopback (TCP), started here. The answer is byte for byte that of one plain
# `klartext scan` (CSV, summary, stored scan version), with inputs cut into byte ranges, with
# HOST:PATH inputs, and with a worker killed (SIGKILL) in the middle of the scan.
#
# Two hosts on one machine: the workers are named web1 and web2 (`dask-worker --name`), which
# is how klartext-dask matches HOST in HOST:PATH first, and each runs in a directory of its own
# (host1/, host2/) that holds its "local" access.log: `web1:access.log` can only be host1's file,
# since a relative PATH is read from the worker's directory — the other worker would read
# another file and the counts would differ.
. "$(dirname "$0")/lib.sh"
command -v dask-scheduler >/dev/null && command -v dask-worker >/dev/null ||
    { echo "1..0 # SKIP python3-distributed (dask-scheduler, dask-worker) is not installed"; exit 0; }
export KLARTEXT_NOW=2018-11-22T10:00:00Z
DATA=$SRC_DIR/tests/scan/data
DASK=$SRC_DIR/dask/klartext-dask
. "$SRC_DIR/tests/fixtures.sh"
write_rule

# (the result names those inputs web1:access.log and web2:access.log: two hosts' files of the
# same name are different inputs)
# the workers find klartext on their PATH; web2's is slowed down (0.3 s a scan) so that it is
# busy when it is killed
mkdir bin bin2 host1 host2
ln -s "$KLARTEXT" bin/klartext
printf '#!/bin/sh\n[ "$1" = scan ] && [ "$2" != merge ] && sleep 0.3\nexec %s "$@"\n' "$KLARTEXT" >bin2/klartext
chmod +x bin2/klartext
export DASK_DISTRIBUTED__WORKER__DAEMON=False DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
dask-scheduler --host 127.0.0.1 --port 0 --no-dashboard --scheduler-file sched.json >sched.log 2>&1 &
pids+=($!)
for i in $(seq 100); do [ -s sched.json ] && break; sleep 0.1; done
ADDR=$(/usr/bin/python3 -c 'import json; print(json.load(open("sched.json"))["address"])')
(cd host1 && PATH=$TRASH/bin:$PATH exec dask-worker "$ADDR" --name web1 --nthreads 1 --no-nanny --no-dashboard \
    --local-directory "$TRASH/host1" >../web1.log 2>&1) &
pids+=($!)
(cd host2 && PATH=$TRASH/bin2:$PATH exec dask-worker "$ADDR" --name web2 --nthreads 1 --no-nanny --no-dashboard \
    --local-directory "$TRASH/host2" >../web2.log 2>&1) &
pids+=($!)
WEB2=$!
# both registered
/usr/bin/python3 - "$ADDR" <<'PY' || { echo "Bail out! the cluster did not start"; cat sched.log web1.log web2.log; exit 1; }
import sys
from distributed import Client
c = Client(sys.argv[1], timeout=60)
c.wait_for_workers(2, timeout=60)
c.close()
PY

zcat "$DATA/gen-small.log.gz" | awk 'NR % 700 == 9 { print "10.0.0." NR " - - [99/Nov/2018:25:00:00 +0000] \"GET /gp/profile/C00" NR " HTTP/1.1\" 200 5 \"-\" \"x\"" } { print }' >a.log
zcat "$DATA/gen-small.log.gz" | tail -n 2000 | sed 's/ 200 / 304 /' >b.log
gzip -c b.log >b.log.gz
head -n 3000 a.log >host1/access.log
tail -n 2500 a.log | grep -v '99/Nov' >host2/access.log
summ() { grep -v -e ' MB/s, ' -e '^klartext-dask: ' "$1"; }
kd() { PATH=$TRASH/bin:$PATH /usr/bin/python3 "$DASK" --scheduler "$ADDR" --rule rule.conf --no-progress "$@"; }

test_expect_success '--help' '
    /usr/bin/python3 "$DASK" --help >h && grep_q "HOST:PATH" h && grep_q -- "--scheduler ADDR" h && grep_q TLS h
'
test_expect_success 'byte ranges and a .gz file: the CSV and summary of a plain scan' '
    klartext scan --rule rule.conf --csv plain.csv a.log b.log.gz 2>plain.err &&
    kd --csv dask.csv --chunk 65536 a.log b.log.gz 2>dask.err &&
    grep_q "2 inputs in 1[0-9] tasks on 2 workers" dask.err &&
    cmp plain.csv dask.csv && summ plain.err >s0 && summ dask.err >s1 && diff -u s0 s1 &&
    grep_q "malformed lines (first" s1
'
test_expect_success 'with --incident: the stored scan version equals a plain scan'"'"'s' '
    klartext init >/dev/null 2>&1 &&
    for t in Plain Dask; do klartext incident new --title $t --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null || return 1; done &&
    klartext scan --rule rule.conf --incident 2018-0001 a.log b.log.gz 2>/dev/null &&
    PATH=$TRASH/bin:$PATH /usr/bin/python3 "$DASK" --scheduler "$ADDR" --rule rule.conf --no-progress \
        --db klartext.db --incident 2018-0002 --chunk 100000 --fan-in 3 a.log b.log.gz 2>err &&
    grep_q "Stored as scan version 1 of incident 2018-0002" err &&
    for s in 1 2; do sqlite3 klartext.db "
      SELECT subject, first_seen, last_seen, views, viewers, signed_in_viewers, anonymous_viewers, pages, fields FROM exposure WHERE scan_id = $s ORDER BY subject;
      SELECT subject, hex(viewer_list), hex(viewer_identities) FROM exposure WHERE scan_id = $s ORDER BY subject;
      SELECT hour, views FROM scan_hour WHERE scan_id = $s ORDER BY hour;
      SELECT idx, name, compression, size, mtime, sha256, lines, malformed, error FROM scan_input WHERE scan_id = $s ORDER BY idx;
      SELECT seq, file, line, reason FROM scan_sample WHERE scan_id = $s ORDER BY seq;
      SELECT lines, lines_parsed, lines_matched, malformed, people, records, views, viewers, bytes, first_seen, last_seen
        FROM scan WHERE id = $s" >db$s.txt || return 1; done &&
    [ $(wc -l <db1.txt) -gt 100 ] && diff -u db1.txt db2.txt
'
test_expect_success 'HOST:PATH inputs are read on their host only' '
    klartext scan --rule rule.conf --csv hp.csv host1/access.log host2/access.log 2>hp.err &&
    kd --csv hd.csv --chunk 65536 web1:access.log web2:access.log 2>hd.err &&
    cmp hp.csv hd.csv && summ hp.err | sed "s|host\([12]\)/|web\1:|g" >s0 && summ hd.err >s1 && diff -u s0 s1 &&
    grep_q "web1:access.log line 9: " s1
'
test_expect_code 2 'an INPUT no worker can reach is named (exit 2)' '
    kd --csv x.csv web1:access.log web3:/var/log/access.log 2>err; rc=$?;
    grep_q "input '"'"'web3:/var/log/access.log'"'"': no worker runs on host '"'"'web3'"'"'" err &&
    { kd --csv x.csv a.log web2:missing.log 2>err; [ $? = 2 ]; } &&
    grep_q "input '"'"'web2:missing.log'"'"': cannot read it" err && [ ! -e x.csv ] && return $rc
'
test_expect_code 2 'the same input twice is refused by the merge' '
    kd --csv x.csv a.log a.log 2>err; rc=$?; grep_q "the same input twice" err && [ ! -e x.csv ] && return $rc
'
test_expect_code 1 'a worker whose klartext has another version, or none, is refused with the versions' '
    printf "#!/bin/sh\necho klartext 0.0.1\n" >old && chmod +x old &&
    kd --klartext "$TRASH/old" --csv x.csv a.log 2>err; rc=$?;
    grep_q "runs klartext 0.0.1, this client klartext " err &&
    { kd --klartext /nonexistent/klartext --csv x.csv a.log 2>err; [ $? = 1 ]; } && grep_q "cannot run" err &&
    return $rc
'
# the checks the scan tasks make on their worker, run here (outside a worker: the host's name
# stands for the worker's address): a shared input smaller on the worker than the client saw
# it is refused (exit 2, named); the worker's klartext version is asked once per program file
# and asked again when the file changes
test_expect_success 'a scan task refuses an input shorter than the client saw; the version check follows the program file' '
    printf "#!/bin/sh\necho klartext 0.0.1\n" >v1 && chmod +x v1 && head -c 32 /dev/urandom >vk &&
    PATH=$TRASH/bin:$PATH /usr/bin/python3 - "$DASK" "$TRASH" >tasks.out 2>&1 <<PY
import importlib.machinery, importlib.util, os, sys, time
loader = importlib.machinery.SourceFileLoader("kd", sys.argv[1])
kd = importlib.util.module_from_spec(importlib.util.spec_from_loader("kd", loader))
loader.exec_module(kd)
d = sys.argv[2]
mine = kd.w_version("klartext")
rule, key = open(d + "/rule.conf", "rb").read(), open(d + "/vk", "rb").read()
size = os.path.getsize(d + "/a.log")
part = kd.w_scan("klartext", mine, rule, key, "a.log", "a.log", d, 0, None, size, ["--threads", "1"])
print("whole file: partial of", len(part), "bytes")
try:
    kd.w_scan("klartext", mine, rule, key, "a.log", "a.log", d, 0, (0, size + 1), size + 1, [])
except RuntimeError as e:
    print("refused:", str(e).replace("\n", " | "))
kd.w_check(d + "/v1", "klartext 0.0.1")
with open(d + "/v1", "w") as f:
    f.write("#!/bin/sh\necho klartext 0.0.2\n")
os.utime(d + "/v1", ns=(0, time.time_ns() + 10**9))
try:
    kd.w_check(d + "/v1", "klartext 0.0.1")
except RuntimeError as e:
    print("refused:", str(e).replace("\n", " | "))
PY
    grep_q "^whole file: partial of [0-9]* bytes" tasks.out &&
    grep_q "^refused: 2 | input .a.log.: [0-9]* bytes on worker .* but [0-9]* bytes on the client: a shared INPUT must be the same file everywhere" tasks.out &&
    grep_q "^refused: 1 | worker .* runs klartext 0.0.2, this client klartext 0.0.1: every worker needs the same klartext version" tasks.out
'
test_expect_code 1 'an unreachable scheduler: exit 1 within the timeout' '
    start=$(date +%s);
    PATH=$TRASH/bin:$PATH /usr/bin/python3 "$DASK" --scheduler tcp://127.0.0.1:9 --timeout 3 --rule rule.conf a.log 2>err; rc=$?;
    grep_q "cannot reach the scheduler at tcp://127.0.0.1:9" err && [ $(( $(date +%s) - start )) -lt 30 ] && return $rc
'
test_expect_success 'a worker killed (SIGKILL) in the middle of the scan: the identical answer' '
    kd --csv k.csv --chunk 20000 --progress a.log b.log.gz 2>k.err & kpid=$!;
    for i in $(seq 1200); do grep -q " tasks " k.err 2>/dev/null && break; sleep 0.1; done;
    sleep 1; kill -9 $WEB2; wait $kpid && cmp plain.csv k.csv &&
    tr "\r" "\n" <k.err | grep -v -e " tasks  " -e "^ *\$" >k2.err && summ k2.err >s2 &&
    summ plain.err >s0 && diff -u s0 s2 && ! kill -0 $WEB2 2>/dev/null
'
test_expect_code 1 'a HOST:PATH input whose host'"'"'s worker dies: exit 1 after --timeout, named' '
    (PATH=$TRASH/bin2:$PATH exec dask-worker "$ADDR" --name web3 --nthreads 1 --no-nanny --no-dashboard \
        --local-directory "$TRASH/host2" >web3.log 2>&1) & w3=$!; pids+=($w3);
    for i in $(seq 300); do grep -q "Registered to" web3.log && break; sleep 0.1; done;
    kd --csv x.csv --timeout 3 --chunk 20000 --progress web3:$TRASH/a.log 2>err & kpid=$!;
    for i in $(seq 1200); do grep -q " tasks " err 2>/dev/null && break; sleep 0.1; done;
    sleep 1; kill -9 $w3; wait $kpid; rc=$?;
    grep_q "scanning web3:$TRASH/a.log bytes [0-9]*-[0-9]*: the worker of its host left the cluster" err &&
    [ ! -e x.csv ] && return $rc
'
test_done
