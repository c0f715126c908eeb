#!/usr/bin/env bash
# klartext demo: runs, leaves a register to explore, replaces only its own directory.
. "$(dirname "$0")/lib.sh"

test_expect_success 'demo runs and prints status and what to try next' '
    klartext demo >out 2>err && grep_q "authority deadline" out && grep_q "What you can try next" out &&
    [ -f klartext-demo/klartext.db ] && [ -f klartext-demo/klartext.key ]
'
test_expect_success 'the demo register can be used afterwards' '
    klartext --db klartext-demo/klartext.db incident list | grep_q "Customer names and e-mail addresses"
'
test_expect_success 'a re-run replaces the demo directory' '
    klartext demo >/dev/null 2>&1 && [ "$(klartext --db klartext-demo/klartext.db incident list | wc -l)" = 2 ]
'
test_expect_success 'demo --dir elsewhere' 'klartext demo --dir d2 >/dev/null 2>&1 && [ -f d2/klartext.db ]'
test_expect_code 1 'demo refuses to replace a directory it did not make' '
    mkdir mine && touch mine/precious && klartext demo --dir mine 2>err; rc=$?; [ -f mine/precious ] && grep_q "not a klartext demo directory" err; exit $rc
'
test_expect_success 'the demo is deterministic with KLARTEXT_NOW' '
    mkdir r1 r2 && (cd r1 && klartext demo >../a.out 2>&1) && (cd r2 && klartext demo >../b.out 2>&1) &&
    diff a.out b.out && cmp r1/klartext-demo/org.ini r2/klartext-demo/org.ini
'
test_done
