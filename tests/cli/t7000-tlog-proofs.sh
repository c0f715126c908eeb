#!/usr/bin/env bash
# t7000 — transparency-log proofs and checkpoints: the C implementation (through the helper
# modes of build/tests/test_merkle and test_checkpoint) against the independent Python
# verifier tests/tlog/verify.py (hashlib + PyNaCl, /usr/bin/python3).
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"

build=${KLARTEXT_BUILD:-build-asan}
case "$build" in /*) ;; *) build="$SRC_DIR/$build" ;; esac
MERKLE="$build/tests/test_merkle"
CKPT="$build/tests/test_checkpoint"
PY=/usr/bin/python3
VERIFY="$SRC_DIR/tests/tlog/verify.py"
SEED=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED2=1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100
N=64

# pick FILTER EXPR: print EXPR for the first record r of proofs.jsonl matching FILTER,
#   e.g. pick 'r["type"]=="root" and r["size"]==8' 'r["root"]'
pick() {
    "$PY" -c 'import json
for l in open("proofs.jsonl"):
    r = json.loads(l)
    if '"$1"':
        print('"$2"')
        break'
}
flipbit() {  # flipbit HEX: flip the lowest bit of the first byte
    "$PY" -c 'import sys; h=sys.argv[1]; print("%02x" % (int(h[:2],16) ^ 1) + h[2:])' "$1"
}

test_expect_success 'helpers and python verifier are available' '
    test -x "$MERKLE" && test -x "$CKPT" &&
    "$PY" -c "import nacl.signing, hashlib, base64"
'

test_expect_success 'python verifier passes its known-answer self test' '
    "$PY" "$VERIFY" selftest >out &&
    not_grep_q FAIL out &&
    grep_q "ok root of size 8" out &&
    grep_q "ok reproduce the Go signature" out
'

test_expect_success "C emits every inclusion and consistency proof up to size $N" '
    "$MERKLE" emit $N >proofs.jsonl &&
    test $(grep -c "\"type\":\"inclusion\"" proofs.jsonl) -eq $((N * (N + 1) / 2)) &&
    test $(grep -c "\"type\":\"consistency\"" proofs.jsonl) -eq $(((N + 1) * (N + 2) / 2))
'

test_expect_success 'C roots of sizes 0..8 are the RFC 6962 reference roots' '
    test "$(pick "r[\"type\"]==\"root\" and r[\"size\"]==0" "r[\"root\"]")" = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 &&
    test "$(pick "r[\"type\"]==\"root\" and r[\"size\"]==1" "r[\"root\"]")" = 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d &&
    test "$(pick "r[\"type\"]==\"root\" and r[\"size\"]==8" "r[\"root\"]")" = 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
'

test_expect_success 'python verifies every C proof (RFC 9162 verifiers and RFC 6962 definitions)' '
    "$PY" "$VERIFY" proofs proofs.jsonl >out &&
    grep_q "checked $N leaves, $((N + 1)) roots, $((N * (N + 1) / 2)) inclusion and $(((N + 1) * (N + 2) / 2)) consistency proofs: 0 failed" out
'

test_expect_success 'python rejects every tampered proof (flipped bit, wrong index, wrong size, ...)' '
    "$PY" "$VERIFY" tamper proofs.jsonl cases.txt >out &&
    grep_q ": 0 mismatches" out &&
    test $(grep -c " fail\$" cases.txt) -gt 50000
'

test_expect_success 'C agrees with python on every valid and tampered case' '
    "$MERKLE" batch cases.txt >out &&
    grep_q ": 0 mismatches" out
'

# one proof, tampered by hand, through both command lines
leaf=$(pick 'r["type"]=="inclusion" and r["index"]==5 and r["size"]==8' 'r["leaf_hash"]')
root8=$(pick 'r["type"]=="root" and r["size"]==8' 'r["root"]')
root7=$(pick 'r["type"]=="root" and r["size"]==7' 'r["root"]')
proof=$(pick 'r["type"]=="inclusion" and r["index"]==5 and r["size"]==8' '",".join(r["proof"])')
cproof=$(pick 'r["type"]=="consistency" and r["size1"]==7 and r["size2"]==8' '",".join(r["proof"])')
p0=${proof%%,*}; rest=${proof#*,}
badproof="$(flipbit "$p0"),$rest"
cat_proof() { echo "$1" | tr -d ,; }

test_expect_success 'the untampered inclusion proof verifies in both' '
    "$PY" "$VERIFY" inclusion --leaf-hash $leaf --index 5 --size 8 --root $root8 --proof $proof &&
    echo "inclusion 5 8 $leaf $root8 $(cat_proof $proof) ok" >one.txt && "$MERKLE" batch one.txt
'
test_expect_code 1 'python: one flipped bit in an inclusion proof fails' '
    "$PY" "$VERIFY" inclusion --leaf-hash $leaf --index 5 --size 8 --root $root8 --proof $badproof
'
test_expect_success 'C: one flipped bit in an inclusion proof fails' '
    echo "inclusion 5 8 $leaf $root8 $(cat_proof $badproof) fail" >one.txt && "$MERKLE" batch one.txt
'
test_expect_code 1 'python: wrong index fails' '
    "$PY" "$VERIFY" inclusion --leaf-hash $leaf --index 4 --size 8 --root $root8 --proof $proof
'
test_expect_success 'C: wrong index fails' '
    echo "inclusion 4 8 $leaf $root8 $(cat_proof $proof) fail" >one.txt && "$MERKLE" batch one.txt
'
test_expect_code 1 'python: wrong tree size fails' '
    "$PY" "$VERIFY" inclusion --leaf-hash $leaf --index 5 --size 6 --root $root8 --proof $proof
'
test_expect_success 'C: wrong tree size fails' '
    echo "inclusion 5 6 $leaf $root8 $(cat_proof $proof) fail" >one.txt && "$MERKLE" batch one.txt
'
test_expect_success 'consistency 7 -> 8 verifies in both' '
    "$PY" "$VERIFY" consistency --size1 7 --size2 8 --root1 $root7 --root2 $root8 --proof $cproof &&
    echo "consistency 7 8 $root7 $root8 $(cat_proof $cproof) ok" >one.txt && "$MERKLE" batch one.txt
'
test_expect_code 1 'python: consistency with swapped roots fails' '
    "$PY" "$VERIFY" consistency --size1 7 --size2 8 --root1 $root8 --root2 $root7 --proof $cproof
'
test_expect_success 'C: consistency with swapped roots fails' '
    echo "consistency 7 8 $root8 $root7 $(cat_proof $cproof) fail" >one.txt && "$MERKLE" batch one.txt
'

# checkpoints
root64=$(pick "r[\"type\"]==\"root\" and r[\"size\"]==$N" 'r["root"]')
test_expect_success 'a checkpoint signed by C verifies in python, size and root included' '
    pk=$("$CKPT" pubkey $SEED) &&
    "$CKPT" sign klartext.example/log $N $root64 klartext.example/log $SEED >c.note &&
    "$PY" "$VERIFY" checkpoint c.note --name klartext.example/log --pubkey $pk \
        --origin klartext.example/log --size $N --root $root64 >out &&
    grep_q "checkpoint verified: klartext.example/log size $N" out
'
test_expect_success 'a checkpoint signed by python verifies in C, byte for byte the same' '
    pk=$("$CKPT" pubkey $SEED) &&
    "$PY" "$VERIFY" sign-checkpoint --origin klartext.example/log --size $N --root $root64 \
        --name klartext.example/log --seed $SEED >p.note &&
    "$CKPT" verify p.note klartext.example/log $pk klartext.example/log &&
    cmp c.note p.note
'
test_expect_success 'both reject the checkpoint under another key' '
    pk2=$("$CKPT" pubkey $SEED2) &&
    { "$PY" "$VERIFY" checkpoint c.note --name klartext.example/log --pubkey $pk2; test $? -eq 1; } &&
    { "$CKPT" verify c.note klartext.example/log $pk2 2>err; test $? -eq 1; } &&
    grep_q "another key" err
'
test_expect_success 'both reject the checkpoint under another name' '
    pk=$("$CKPT" pubkey $SEED) &&
    { "$PY" "$VERIFY" checkpoint c.note --name klartext.example/other --pubkey $pk; test $? -eq 1; } &&
    { "$CKPT" verify c.note klartext.example/other $pk; test $? -eq 1; }
'
test_expect_success 'both reject a changed tree size' '
    pk=$("$CKPT" pubkey $SEED) &&
    sed "2s/.*/$((N + 1))/" c.note >t.note && ! cmp -s c.note t.note &&
    { "$PY" "$VERIFY" checkpoint t.note --name klartext.example/log --pubkey $pk; test $? -eq 1; } &&
    { "$CKPT" verify t.note klartext.example/log $pk 2>err; test $? -eq 1; } &&
    grep_q "does not verify" err
'
test_expect_success 'both reject a flipped bit in the signature' '
    pk=$("$CKPT" pubkey $SEED) &&
    "$PY" -c "
import sys
b = bytearray(open(\"c.note\", \"rb\").read())
i = len(b) - 20          # inside the base64 signature
b[i] = ord(\"A\") if b[i] != ord(\"A\") else ord(\"B\")
open(\"t.note\", \"wb\").write(b)" &&
    { "$PY" "$VERIFY" checkpoint t.note --name klartext.example/log --pubkey $pk; test $? -eq 1; } &&
    { "$CKPT" verify t.note klartext.example/log $pk; test $? -eq 1; }
'
test_expect_success 'both reject a checkpoint for another origin' '
    pk=$("$CKPT" pubkey $SEED) &&
    { "$PY" "$VERIFY" checkpoint c.note --name klartext.example/log --pubkey $pk --origin other.example/log; test $? -eq 1; } &&
    { "$CKPT" verify c.note klartext.example/log $pk other.example/log; test $? -eq 1; }
'
test_expect_success 'both reject a checkpoint whose root differs from the expected one' '
    pk=$("$CKPT" pubkey $SEED) &&
    { "$PY" "$VERIFY" checkpoint c.note --name klartext.example/log --pubkey $pk --root $root8; test $? -eq 1; }
'
test_expect_success 'a malformed note is bad input for both (exit 1 from the verifiers, no crash)' '
    pk=$("$CKPT" pubkey $SEED) &&
    printf "klartext.example/log\n042\nAAAA\n\n" >m.note &&
    { "$PY" "$VERIFY" checkpoint m.note --name klartext.example/log --pubkey $pk; test $? -eq 1; } &&
    { "$CKPT" verify m.note klartext.example/log $pk 2>err; test $? -eq 1; } &&
    grep_q "no signature lines" err
'

test_done
