#!/usr/bin/env bash
# t3101-dask-tls — klartext-dask over TLS (docs/scale.md, "TLS"): a dask-scheduler and a
# dask-worker that speak only tls:// with certificates of a test CA made here; the client with
# its certificate gets the answer of a plain scan; without one it cannot connect.
. "$(dirname "$0")/lib.sh"
command -v dask-scheduler >/dev/null && command -v dask-worker >/dev/null && command -v openssl >/dev/null ||
    { echo "1..0 # SKIP python3-distributed or openssl is not installed"; exit 0; }
export KLARTEXT_NOW=2018-11-22T10:00:00Z
DASK=$SRC_DIR/dask/klartext-dask
. "$SRC_DIR/tests/fixtures.sh"
write_rule
zcat "$SRC_DIR/tests/scan/data/gen-small.log.gz" >a.log
mkdir bin && ln -s "$KLARTEXT" bin/klartext

# a CA and one certificate (for 127.0.0.1) that every party uses
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
    -keyout ca.key -out ca.pem 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout node.key -out node.csr 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out node.pem 2>/dev/null ||
    { echo "Bail out! openssl could not make the test certificates"; exit 1; }
TLS=(--tls-ca-file ca.pem --tls-cert node.pem --tls-key node.key)

export DASK_DISTRIBUTED__WORKER__DAEMON=False
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
dask-scheduler --protocol tls --host 127.0.0.1 --port 0 --no-dashboard "${TLS[@]}" --scheduler-file sched.json \
    >sched.log 2>&1 &
pids+=($!)
for i in $(seq 100); do [ -s sched.json ] && break; sleep 0.1; done
ADDR=$(/usr/bin/python3 -c 'import json; print(json.load(open("sched.json"))["address"])')
PATH=$TRASH/bin:$PATH dask-worker "$ADDR" --name tls1 --nthreads 1 --no-nanny --no-dashboard "${TLS[@]}" \
    --local-directory "$TRASH" >worker.log 2>&1 &
pids+=($!)

test_expect_success 'the scheduler speaks TLS only' '
    case $ADDR in tls://127.0.0.1:*) ;; *) echo "address $ADDR"; false ;; esac
'
test_expect_success 'with the certificates: the answer of a plain scan' '
    klartext scan --rule rule.conf --csv plain.csv a.log 2>/dev/null &&
    PATH=$TRASH/bin:$PATH /usr/bin/python3 "$DASK" --scheduler "$ADDR" "${TLS[@]}" --timeout 60 \
        --rule rule.conf --no-progress --chunk 200000 --csv dask.csv a.log 2>err &&
    cmp plain.csv dask.csv && grep_q "1 input in [0-9]* tasks on 1 worker" err
'
test_expect_code 1 'without a certificate the client cannot connect (exit 1)' '
    PATH=$TRASH/bin:$PATH /usr/bin/python3 "$DASK" --scheduler "$ADDR" --timeout 5 \
        --rule rule.conf --no-progress --csv x.csv a.log 2>err; rc=$?;
    grep_q "cannot reach the scheduler" err && [ ! -e x.csv ] && return $rc
'
test_done
