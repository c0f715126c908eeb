#!/usr/bin/env bash
# Outputs never replace what is not a plain file (util/output, docs/commands.md "Output files"):
# for every command that writes a file — scan --csv, report --out, notify --out DIR (the
# notice's file in DIR), init's key files — a private null device (mknod, not the real /dev),
# a private full device, a FIFO with a reader, a link to a file, a link to a missing file, a
# directory, a read-only directory holding a writable file, and a full disk. After each: the
# device is still a device, the FIFO's reader got the bytes, the link is still a link and its
# target has the content, nothing *.tmp* is left. Where a condition cannot be made (not root,
# no chattr, no private mount namespace) the test says `ok N # SKIP reason`.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg; init's key files are made beside SQLite files)
if [ -z "${KT_T0080_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare -m --propagation private true 2>/dev/null; then
    export KT_T0080_NS=1
    exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
SEED=$(printf "42%.0s" $(seq 32))

skip() {  # skip REASON TITLE...
    local why=$1 t; shift
    for t in "$@"; do test_count=$((test_count + 1)); echo "ok $test_count # SKIP $t: $why"; done
}
no_temps() {  # nothing *.tmp* anywhere in the trash
    local left; left=$(find "$TRASH" -name '*.tmp*')
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
is_null() { [ -c "$1" ] && [ "$(stat -c %t:%T "$1")" = 1:3 ]; }
ref_of() { case $1 in scan) echo ref/scan.csv ;; report) echo ref/report.txt ;; *) echo ref/notify.eml ;; esac; }

# the register: the five people, approved notices, the fixed test key and code seed, so that
# every run writes the same bytes; each notify case starts from this copy
save() { if test_on_pg; then reg_sql ".backup saved.db"; else cp klartext.db saved.db; fi; }
notify_setup && use_test_key && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    save || { echo "not ok 1 - setup"; echo "1..1"; exit 1; }
fresh() {
    if test_on_pg; then reg_sql ".restore saved.db" >/dev/null 2>&1; else cp saved.db klartext.db && rm -f klartext.db-wal klartext.db-shm; fi
}

# the three outputs, each into $1; EML is the notice file that notify --out writes first
out_scan() { klartext scan --rule rule.conf --csv "$1" access.log 2>"$TRASH/err"; }
out_report() { fresh && klartext report 2018-0001 --lang en --out "$1" 2>"$TRASH/err"; }
EML=2018-0001-000001.eml
out_notify() {  # out_notify DIR
    fresh && KLARTEXT_TEST_CODE_SEED=$SEED klartext notify 2018-0001 --out "$1" >/dev/null 2>"$TRASH/err"
}
mkdir ref && out_scan ref/scan.csv && out_report ref/report.txt && out_notify ref ||
    { echo "not ok 1 - reference outputs"; cat err; echo "1..1"; exit 1; }
cp "ref/$EML" ref/notify.eml

# run_case OUT KIND: write OUT's output to a target of kind KIND; the target's path in $T
run_case() {
    local out=$1
    rm -rf case && mkdir case
    if [ "$out" = notify ]; then T=case/$EML; else T=case/out; fi
    case $2 in
        null) mknod "$T" c 1 3 ;;
        link) echo old >case/real && ln -s real "$T" ;;
        dangling) ln -s real "$T" ;;
        dir) mkdir "$T" ;;
    esac
    if [ "$out" = notify ]; then out_notify case; else "out_$out" "$T"; fi
}

for out in scan report notify; do
    ref=$(ref_of $out)
    if [ "$(id -u)" = 0 ]; then
        test_expect_success "$out: a private null device stays a null device" '
            run_case $out null && is_null "$T" && no_temps
        '
        test_expect_success "$out: a device that fails the write (a private /dev/full): exit 1, the device stays" '
            rm -rf case && mkdir case && T=case/out; [ $out = notify ] && T=case/$EML
            mknod "$T" c 1 7
            if [ $out = notify ]; then out_notify case; else out_$out "$T"; fi; rc=$?
            grep_q "No space left on device" "$TRASH/err" && [ -c "$T" ] && no_temps && [ $rc = 1 ]
        '
    else
        skip "mknod needs root" "$out: a private null device stays a null device" "$out: a private /dev/full"
    fi
    test_expect_success "$out: a FIFO stays a FIFO and its reader gets the bytes" '
        rm -rf case && mkdir case && T=case/out; [ $out = notify ] && T=case/$EML
        mkfifo "$T" && { timeout 60 cat "$T" >got & reader=$!; } &&
        if [ $out = notify ]; then out_notify case; else out_$out "$T"; fi &&
        wait $reader && [ -p "$T" ] && cmp got "$ref" && no_temps
    '
    test_expect_success "$out: a link to a file stays a link; its target gets the content" '
        run_case $out link && [ -L "$T" ] && cmp case/real "$ref" && no_temps
    '
    test_expect_success "$out: a link to a missing file creates the file (as cp does)" '
        run_case $out dangling && [ -L "$T" ] && cmp case/real "$ref" && no_temps
    '
done

test_expect_code 2 'scan --csv DIR: exit 2 before the logs are read, naming the directory' '
    run_case scan dir; rc=$?; cat err
    grep_q "klartext: --csv: cannot write .case/out.: it is a directory" err && not_grep_q "people" err && no_temps && exit $rc
'
test_expect_code 2 'report --out DIR: exit 2, naming the directory' '
    run_case report dir; rc=$?; grep_q "cannot write .case/out.: it is a directory" err && no_temps && exit $rc
'
test_expect_success 'notify --out: a directory where a notice file goes: exit 1, nothing stored' '
    run_case notify dir; rc=$?; grep_q "cannot write .case/2018-0001-000001.eml.: it is a directory" err &&
    [ "$(reg_sql "SELECT count(*) FROM outbox")" = 0 ] && [ -z "$(ls case | grep -v "^$EML$")" ] &&
    no_temps && [ $rc = 1 ]
'
test_expect_code 2 'scan --csv into a missing directory: exit 2, naming it' '
    out_scan nodir/x.csv; rc=$?; grep_q "there is no directory .nodir." err && exit $rc
'
test_expect_success 'a regular file is replaced whole and keeps its mode' '
    rm -rf case && mkdir case && echo old >case/out && chmod 640 case/out && ino=$(stat -c %i case/out) &&
    out_scan case/out && cmp case/out ref/scan.csv && [ "$(stat -c %a case/out)" = 640 ] &&
    [ "$(stat -c %i case/out)" != "$ino" ] && no_temps
'
# the process's own standard output, by a link of our own to /proc/self/fd/1 (what /dev/stdout
# is) and by /dev/fd/1: a broken klartext cannot rename anything into /proc, so the machine's
# /dev/stdout is never at risk here
test_expect_success 'scan --csv /dev/fd/1 and a link like /dev/stdout are standard output: appended with >>' '
    ln -s /proc/self/fd/1 my-stdout && echo first >all.csv && out_scan my-stdout >>all.csv &&
    out_scan /dev/fd/1 >>all.csv && { echo first; cat ref/scan.csv ref/scan.csv; } | cmp - all.csv &&
    [ -L my-stdout ] && no_temps
'

# ---------------------------------------------------------------- read-only directories
# a read-only directory holding a writable file: no temporary file can be made there, so the
# file is written in place (the same file, cut to the new length)
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && as_nobody true 2>/dev/null; then
    test_expect_success 'scan --csv as a user who may not write the directory: the file is written in place' '
        chmod 755 "$TRASH" && rm -rf ro && mkdir ro && cp rule.conf access.log ro/ &&
        yes old | head -2000 >ro/out.csv && chown -R nobody ro && chmod 555 ro && ino=$(stat -c %i ro/out.csv) &&
        as_nobody "$KLARTEXT" scan --rule ro/rule.conf --csv ro/out.csv ro/access.log 2>err &&
        cmp ro/out.csv ref/scan.csv && [ "$(stat -c %i ro/out.csv)" = "$ino" ] && no_temps
    '
    test_expect_success '... and a file they may not write either: exit 1, naming the directory and the file' '
        chmod 444 ro/out.csv && echo keep >ro/keep && chmod 444 ro/keep && chown nobody ro/keep
        as_nobody "$KLARTEXT" scan --rule ro/rule.conf --csv ro/keep ro/access.log 2>err; rc=$?
        grep_q "cannot create a temporary file in .ro. (Permission denied), nor write the file itself (Permission denied)" err &&
        [ "$(cat ro/keep)" = keep ] && no_temps && [ $rc = 1 ]
    '
else
    skip "not root, or no setpriv" "scan --csv as a user who may not write the directory" "... and a file they may not write"
fi
# root may write anywhere, but not into an immutable directory (chattr +i): the same in place
if [ "$(id -u)" = 0 ] && mkdir imm && chattr +i imm 2>/dev/null && chattr -i imm; then
    for out in scan report; do
        ref=$(ref_of $out)
        test_expect_success "$out: an immutable directory holding a file: the file is written in place" '
            rm -rf case && mkdir case && yes old | head -5000 >case/out && ino=$(stat -c %i case/out) &&
            chattr +i case && { out_$out case/out; rc=$?; chattr -i case; [ $rc = 0 ]; } &&
            cmp case/out "$ref" && [ "$(stat -c %i case/out)" = "$ino" ] && no_temps
        '
    done
    test_expect_success 'notify --out into an immutable directory: exit 1, nothing stored, nothing written' '
        rm -rf case && mkdir case && chattr +i case
        out_notify case; rc=$?; chattr -i case; cat err
        grep_q "cannot create a temporary file in .case." err && [ -z "$(ls -A case)" ] &&
        [ "$(reg_sql "SELECT count(*) FROM outbox")" = 0 ] && [ $rc = 1 ]
    '
else
    skip "not root, or no chattr +i on this file system" "scan: an immutable directory" "report: an immutable directory" \
        "notify --out into an immutable directory"
fi

# ---------------------------------------------------------------- init's key files
test_expect_success 'init: a key path that is a link (even to a missing file) is refused, nothing is created' '
    mkdir k1 && ln -s elsewhere.key k1/klartext.key
    klartext --db k1/klartext.db init 2>err; rc=$?
    grep_q "already exists" err && [ -L k1/klartext.key ] && [ ! -e k1/elsewhere.key ] &&
    [ ! -e k1/klartext.db ] && [ ! -e k1/klartext.pub ] && [ $rc = 1 ]
'
test_expect_success 'init: a directory everyone may write without the sticky bit takes no secret key' '
    mkdir -m 777 k2 && chmod 777 k2
    klartext --db k2/klartext.db init 2>err; rc=$?
    grep_q "a secret is not written into .k2.: everyone may write there (mode 0777, no sticky bit)" err &&
    [ -z "$(ls -A k2)" ] && [ $rc = 1 ]
'
test_expect_success 'init: a sticky one (as /tmp) does, the key is 0600' '
    mkdir k3 && chmod 1777 k3 && klartext --db k3/klartext.db init >/dev/null 2>&1 &&
    [ "$(stat -c %a k3/klartext.key)" = 600 ] && [ "$(stat -c %a k3/klartext.pub)" = 644 ] && no_temps
'

# ---------------------------------------------------------------- a full disk
have_ns=0 ns_why="not root"
if [ "$(id -u)" = 0 ]; then
    ns_why="no private mount namespace (unshare -m)"
    if [ -n "${KT_T0080_NS:-}" ]; then
        mkdir -p fs && if mount -t tmpfs -o size=64k tmpfs fs 2>/dev/null; then have_ns=1
        else ns_why="mounting a tmpfs is not allowed here"; fi
    fi
fi
if [ $have_ns = 1 ]; then
    # a 64 kB tmpfs holding an old report; the new one (12 kB) does not fit next to the filler
    test_expect_success 'report --out on a full disk: exit 1 naming the file and the cause; the old file stays, no temp' '
        echo "the old report" >fs/report.txt && head -c 40000 /dev/zero >fs/filler
        while head -c 4096 /dev/zero >>fs/filler 2>/dev/null; do :; done
        out_report fs/report.txt; rc=$?; cat err
        grep_q "cannot write .fs/report.txt.: No space left on device" err &&
        [ "$(cat fs/report.txt)" = "the old report" ] && no_temps && [ $rc = 1 ]
    '
    test_expect_success '... with space again it is written' '
        rm fs/filler && out_report fs/report.txt && cmp fs/report.txt ref/report.txt && no_temps
    '
    umount fs
else
    skip "$ns_why" "report --out on a full disk" "... with space again it is written"
fi

test_done
