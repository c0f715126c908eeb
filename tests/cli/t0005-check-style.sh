#!/usr/bin/env bash
# make check-style (tools/check-style): on a small tree of three modules that passes every
# check, each check fails on a violation planted in it and names the place — formatting of a
# changed file (and with CHECK_STYLE_ALL=1 of any file), SQL outside src/register/, a function
# over 100 lines, a circle between modules and one between the files of a module, a file
# written (renamed, linked, created) outside src/util/output.c, a test that sends an output of
# klartext's to /dev/null — and
# `make format` repairs what the format check finds. Then tools/structure and
# tools/func-length read the real tree.
. "$(dirname "$0")/lib.sh"
CF=clang-format-14
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

# the tree: util (leaf), register (needs util), cli (needs both); .clang-format and tools/ are
# the repository's own
mkdir -p repo/src/util repo/src/register repo/src/cli
cp -r "$SRC_DIR/tools" "$SRC_DIR/.clang-format" "$SRC_DIR/Makefile" repo/
cd repo || exit 1
cat >src/util/num.h <<'EOF'
#ifndef NUM_H
#define NUM_H
int num_twice(int x); /* returns 2 * x */
#endif
EOF
cat >src/util/num.c <<'EOF'
#include "util/num.h"

int num_twice(int x) { return 2 * x; }
EOF
cat >src/register/store.h <<'EOF'
#ifndef STORE_H
#define STORE_H
int store_put(int v); /* returns 0 */
#endif
EOF
cat >src/register/store.c <<'EOF'
#include "register/store.h"
#include "util/num.h"
#include <sqlite3.h>

int store_put(int v)
{
    sqlite3 *db = 0;
    (void)db;
    return num_twice(v) - 2 * v;
}
EOF
cat >src/cli/cmd.c <<'EOF'
#include "register/store.h"
#include "util/num.h"

int cmd_run(int v)
{
    if (store_put(v))
        return 1;
    return num_twice(v) > 0 ? 0 : 2;
}
EOF
"$CF" -i --style=file src/*/*.[ch]
git init -q -b main . && git add -A && git commit -qm base && git checkout -qb work
reset_tree() { git checkout -q -f work && git clean -qfd src tests; }

test_expect_success 'a tree that keeps the rules passes every check' '
    tools/check-style >out && grep_q "check-style: all 5 checks passed" out &&
    CHECK_STYLE_ALL=1 tools/check-style format >out && grep_q "ok (5 files)" out
'

test_expect_code 1 'format: a changed file that is not formatted fails, named with what differs' '
    reset_tree
    printf "int cmd_other(int a){return a+1;}\n" >>src/cli/cmd.c
    tools/check-style format >out; rc=$?; cat out
    grep_q "1 of 1 files are not formatted" out && grep_q "src/cli/cmd.c: " out && exit $rc
'
test_expect_code 1 'format: a new, untracked file is checked too; an unchanged one is not' '
    reset_tree
    printf "int x( void ) ;\n" >src/util/new.h
    tools/check-style format >out; rc=$?; cat out
    grep_q "src/util/new.h" out && not_grep_q "src/util/num.c" out && exit $rc
'
test_expect_code 1 'format: a committed change is checked against the merge-base with main' '
    reset_tree
    printf "int cmd_other(int a){return a+1;}\n" >>src/cli/cmd.c && git commit -qam bad
    tools/check-style format >out; rc=$?; git reset -q --hard HEAD~1; cat out
    grep_q "src/cli/cmd.c" out && exit $rc
'
test_expect_success 'format: CHECK_STYLE_ALL=1 finds a bad file on main, make format repairs it' '
    reset_tree && git checkout -q main &&
    printf "int num_thrice(int x){return 3*x;}\n" >>src/util/num.c && git commit -qam "bad on main" &&
    tools/check-style format >out && grep_q "no C file changed" out &&
    { CHECK_STYLE_ALL=1 tools/check-style format >out; test $? = 1; } && grep_q "src/util/num.c" out &&
    make -s format CLANG_FORMAT=$CF >/dev/null &&
    CHECK_STYLE_ALL=1 tools/check-style format >out && grep_q "ok (5 files)" out &&
    grep_q "num_thrice(int x)" src/util/num.c && not_grep_q "{return 3\*x;}" src/util/num.c
'

test_expect_code 1 'sql: sqlite3_ outside src/register/ fails with file and line' '
    reset_tree
    printf "int cmd_peek(void) { return sqlite3_changes(0); }\n" >>src/cli/cmd.c
    tools/check-style sql >out; rc=$?; cat out
    grep_q "src/cli/cmd.c: 1 line(s)" out && grep_q "| src/cli/cmd.c:10:" out && exit $rc
'
test_expect_code 1 'sql: db_prepare, db_exec, db_query_int, reg_db( and register/db.h each fail' '
    reset_tree
    for w in "db_prepare(d, q);" "db_exec(d, q);" "db_query_int(d, q);" "reg_db(r);" "#include \"register/db.h\""; do
        reset_tree; printf "%s\n" "$w" >>src/cli/cmd.c
        tools/check-style sql >out; [ $? = 1 ] || { echo "not found: $w"; cat out; exit 0; }
    done
    exit 1
'
test_expect_success 'sql: the same lines inside src/register/ pass' '
    reset_tree &&
    printf "int store_peek(void) { return sqlite3_changes(0); }\n#include \"register/db.h\"\n" >>src/register/store.c &&
    tools/check-style sql >out && grep_q "ok (no SQL outside src/register/)" out
'

long_function() {  # long_function NAME LINES: a function of exactly LINES lines
    local i
    echo "int $1(int v)"; echo "{"
    for ((i = 0; i < $2 - 4; i++)); do echo "    v += $i;"; done
    echo "    return v;"; echo "}"
}
test_expect_success 'length: a function of 100 lines passes' '
    reset_tree && long_function cmd_hundred 100 >>src/cli/cmd.c &&
    tools/check-style length >out && grep_q "ok (no function over 100 lines)" out
'
test_expect_code 1 'length: one of 101 lines fails, named with file, line and length' '
    reset_tree
    long_function cmd_long 101 >>src/cli/cmd.c
    tools/check-style length >out; rc=$?; cat out
    grep_q "1 function(s) over 100 lines" out && grep_q "src/cli/cmd.c:10: cmd_long 101 lines" out && exit $rc
'

test_expect_code 1 'structure: a module that includes a module above it makes a circle, named with the include' '
    reset_tree
    sed -i "1i #include \"cli/cli.h\"" src/util/num.c && printf "int cli_x(void);\n" >src/cli/cli.h
    tools/check-style structure >out; rc=$?; cat out
    grep_q "circle (modules): cli -> util -> cli" out &&
    grep_q "util -> cli: src/util/num.c:1 includes \"cli/cli.h\"" out && exit $rc
'
test_expect_code 1 'structure: calling a function of a module above is a circle too (no include needed)' '
    reset_tree
    printf "int cmd_run(int v);\nint num_back(void) { return cmd_run(1); }\n" >>src/util/num.c
    tools/check-style structure >out; rc=$?; cat out
    grep_q "util -> cli: src/util/num.c uses cmd_run() from cmd.c" out && exit $rc
'
test_expect_code 1 'structure: two files of one module that need each other make a circle' '
    reset_tree
    printf "int store_put(int v);\nint index_get(void) { return store_put(1); }\n" >src/register/index.c
    printf "int index_get(void);\nint store_get(void) { return index_get(); }\n" >>src/register/store.c
    tools/check-style structure >out; rc=$?; cat out
    grep_q "circle (files in register/): register/index.c -> register/store.c -> register/index.c" out && exit $rc
'
test_expect_success 'structure: the drawing shows the layers, each module with its files and needs' '
    reset_tree && tools/structure >out && cat out &&
    grep_q "^  2  cli$" out && grep_q "^  1  register$" out && grep_q "^  0  util$" out &&
    grep_q "^cli/ (layer 2) -> register, util$" out && grep_q "^  store.c store.h$" out
'
test_expect_success 'all the checks run together and the summary names those that failed' '
    reset_tree &&
    printf "int cmd_peek(void){return sqlite3_changes(0);}\n" >>src/cli/cmd.c &&
    long_function cmd_long 101 >>src/cli/cmd.c &&
    { tools/check-style >out; test $? = 1; } && cat out &&
    grep_q "check-style: 3 of 5 checks failed: format sql length" out
'

test_expect_code 1 'output: rename( outside src/util/output.c fails with file and line' '
    reset_tree
    printf "int cmd_move(const char *a, const char *b) { return rename(a, b); }\n" >>src/cli/cmd.c
    tools/check-style output >out; rc=$?; cat out
    grep_q "1 line(s) in src/ write files without src/util/output.c" out && grep_q "| src/cli/cmd.c:10:" out && exit $rc
'
test_expect_code 1 'output: renameat, linkat, link, creat, mkstemp, O_CREAT, O_TMPFILE, O_TRUNC and fopen "w" each fail' '
    for w in "renameat(d, a, d, b);" "linkat(d, a, d, b, 0);" "link(a, b);" "creat(a, 0644);" "mkostemp(t, 0);" \
             "open(a, O_WRONLY | O_CREAT, 0644);" "open(d, O_TMPFILE | O_RDWR, 0600);" "open(a, O_RDWR | O_TRUNC);" \
             "FILE *f = fopen(a, \"w\");" "FILE *f = fopen(a, \"ab\");" "gzFile g = gzopen(a, \"wb9\");"; do
        reset_tree; printf "%s\n" "$w" >>src/register/store.c
        tools/check-style output >out; [ $? = 1 ] || { echo "not found: $w"; cat out; exit 0; }
    done
    exit 1
'
test_expect_success 'output: the same in src/util/output.c, unlink, fopen for reading, and a line with output-ok: pass' '
    reset_tree && mkdir -p src/util &&
    printf "int out_x(const char *a, const char *b) { return rename(a, b); }\n" >src/util/output.c &&
    printf "int cmd_rm(const char *a) { return unlink(a); }\n" >>src/cli/cmd.c &&
    printf "FILE *cmd_in(const char *a) { return fopen(a, \"rb\"); }\n" >>src/cli/cmd.c &&
    printf "int cmd_lock(const char *a) { return open(a, O_RDWR | O_CREAT, 0600); /* output-ok: a lock */ }\n" >>src/cli/cmd.c &&
    tools/check-style output >out && grep_q "output     ok" out
'
# the planted test lines are made with printf, so that this script holds no such line itself
test_expect_code 1 'output: a test that sends --csv, --out or --partial to /dev/null fails, named' '
    reset_tree && mkdir -p tests/cli
    printf "klartext scan --rule r --csv %s x.log\n" /dev/null >tests/cli/t1-a.sh
    tools/check-style output >out; rc=$?; cat out
    grep_q "1 line(s) in tests/ or bench/ send an output to /dev/null" out && grep_q "| tests/cli/t1-a.sh:1:" out || exit 0
    for w in "--out=%s" "--partial \"%s\"" "--letters %s" "--out %s"; do
        reset_tree; mkdir -p tests/cli; printf "klartext x $w\n" /dev/full >tests/cli/t1-b.sh
        tools/check-style output >out; [ $? = 1 ] || { echo "not found: $w"; cat out; exit 0; }
    done
    exit $rc
'
test_expect_success 'output: a redirection to /dev/null and --csv - pass' '
    reset_tree && mkdir -p tests/cli &&
    printf "klartext scan --rule r --csv - x.log >%s 2>&1\nklartext report 1 --out out.txt\n" /dev/null >tests/cli/t1-c.sh &&
    tools/check-style output >out && grep_q "output     ok" out
'

cd "$SRC_DIR" || exit 1
test_expect_success 'the tools read the real tree (exit 0: clean, 1: findings; never 2 or a crash)' '
    { /usr/bin/python3 tools/structure >"$TRASH/s.out" 2>&1; rc=$?; [ $rc -le 1 ]; } &&
    grep_q "^layers" "$TRASH/s.out" && grep_q "^util/ (layer 0)" "$TRASH/s.out" &&
    { /usr/bin/python3 tools/func-length >"$TRASH/f.out" 2>&1; rc=$?; [ $rc -le 1 ]; } &&
    /usr/bin/python3 tools/func-length --all | grep_q "^src/main.c:[0-9]*: main [0-9]* lines$"
'
test_done
