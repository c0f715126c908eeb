#!/usr/bin/env bash
# The command-line frame: help, version, unknown commands and options, global options.
. "$(dirname "$0")/lib.sh"

test_expect_success 'help lists the commands' '
    klartext help >out && grep_q "commands:" out && grep_q "incident" out && grep_q "status" out
'
test_expect_success '--version prints the version' '
    klartext --version >out && grep_q "^klartext [0-9]" out
'
test_expect_success 'every command has --help (exit 0) and help CMD' '
    for c in init org incident status audit demo; do
        klartext $c --help >out || exit 1
        grep_q "usage: klartext $c" out || exit 1
        klartext help $c >out2 || exit 1
    done
    for s in new list show update event; do klartext incident $s --help >out && grep_q "usage: klartext incident $s" out || exit 1; done
'
test_expect_code 2 'no command: usage, exit 2' 'klartext'
test_expect_code 2 'unknown command: exit 2' 'klartext frobnicate 2>err; rc=$?; grep_q "not a klartext command" err; exit $rc'
test_expect_code 2 'unknown option: one-line error plus usage' '
    klartext status --frobnicate 2>err; rc=$?
    grep_q "unknown option '"'"'--frobnicate'"'"'" err && grep_q "^usage: klartext status" err && [ $(wc -l <err) -eq 2 ]; exit $rc
'
test_expect_code 2 'unknown global-looking option before the command' 'klartext --frob status'
test_expect_code 2 'option missing its value' 'klartext incident new --title'
test_expect_code 2 'unexpected positional argument' 'klartext status extra'
test_expect_code 2 'bad KLARTEXT_NOW is bad input' 'KLARTEXT_NOW=yesterday klartext status'
test_expect_code 1 'missing register: exit 1 with a hint' '
    klartext status 2>err; rc=$?; grep_q "no register at '"'"'klartext.db'"'"'" err && grep_q "klartext init" err; exit $rc
'
test_expect_success 'global options work after the command too' '
    klartext init --db a.db >/dev/null && klartext status --db a.db --utc --json >out && grep_q "\"incidents\"" out
'
test_expect_success 'KLARTEXT_DB names the register; --db wins' '
    KLARTEXT_DB=a.db klartext status >/dev/null &&
    ! KLARTEXT_DB=a.db klartext --db none.db status 2>/dev/null
'
test_done
