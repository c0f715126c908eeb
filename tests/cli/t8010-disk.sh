#!/usr/bin/env bash
# A full disk and an unwritable register give a clear error: exit 1, one line that names the
# file and the cause, no crash, and the register is unchanged and consistent afterwards (it
# opens, `PRAGMA integrity_check` is ok, `klartext log verify` passes, `sqlite3 .dump` is the same
# as before) — and once there is space again the command succeeds.
#   - disk full: a small tmpfs in a private mount namespace (`unshare -m`, root only), filled
#     during `scan --incident` (the register on the tmpfs), `notify --out DIR` (DIR on the tmpfs)
#     and `incident new` (the register on a tmpfs left with 0..128 kB free);
#   - unwritable: the register as another user (`setpriv` to nobody: a 0600 file of root's, and
#     a readable file in a directory nobody may not write), and on a read-only mount.
# Where a condition cannot be made (not root, no unshare or setpriv, mounting refused) the test
# says `ok N # SKIP reason`.
if [ -z "${KT_T8010_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare -m --propagation private true 2>/dev/null; then
    export KT_T8010_NS=1
    exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z

skip() {  # skip REASON TITLE...
    local why=$1 t; shift
    for t in "$@"; do test_count=$((test_count + 1)); echo "ok $test_count # SKIP $t: $why"; done
}
# the error: exactly one "klartext:" line on stderr (scan also prints its summary there), which
# names the file and says the cause
one_error() {  # one_error STDERR-FILE FILE CAUSE-REGEX
    local n; n=$(grep -c '^klartext: ' "$1")
    [ "$n" = 1 ] || { echo "expected one error line, got $n:"; cat "$1"; return 1; }
    grep '^klartext: ' "$1" | grep -F -q -- "$2" || { echo "the error does not name '$2':"; cat "$1"; return 1; }
    grep '^klartext: ' "$1" | grep -E -q -- "$3" || { echo "the error does not say '$3':"; cat "$1"; return 1; }
    grep '^klartext: ' "$1"
}
# the register opens, is intact and its log verifies
consistent() {  # consistent [DB]
    local db=${1:-klartext.db}
    "$KLARTEXT" --db "$db" status >/dev/null || { echo "status failed"; return 1; }
    [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || { echo "integrity_check failed"; return 1; }
    "$KLARTEXT" --db "$db" log verify >verify.out 2>&1 || { echo "log verify failed"; cat verify.out; return 1; }
}
ERR=$TRASH/.cmd.err
expect_1() {  # expect_1 CMD...: runs it, stderr in $ERR; its exit must be 1 (not a crash)
    "$@" >"$TRASH/.cmd.out" 2>"$ERR"; local rc=$?
    [ $rc = 1 ] || { echo "exit $rc, expected 1:"; cat "$ERR"; return 1; }
}

have_ns=0 ns_why="not root"
if [ "$(id -u)" = 0 ]; then
    ns_why="no private mount namespace (unshare -m)"
    if [ -n "${KT_T8010_NS:-}" ]; then
        mkdir -p probe
        if mount -t tmpfs -o size=64k tmpfs probe 2>/dev/null; then umount probe; have_ns=1
        else ns_why="mounting a tmpfs is not allowed here"; fi
        rmdir probe
    fi
fi

# ---------------------------------------------------------------- disk full
if [ $have_ns = 1 ]; then
    # scan --incident: the register on a 3 MB tmpfs (an empty one, 16 KiB pages: 1.2 MB), a scan of
    # 20,000 people needs ~7 MB
    mkdir fs1 && mount -t tmpfs -o size=3m tmpfs fs1 && cd fs1
    write_org && klartext init --org org.ini >/dev/null 2>&1 &&
    klartext incident new --title "Profilseiten" --aware-at 2018-11-21T09:12:00Z --aware-how "Kundin" >/dev/null &&
    write_rule && (cd .. && gen_people 20000) && db_dump >../fs1.before
    test_expect_success 'disk full during scan --incident: exit 1, one line naming the register and the full disk' '
        expect_1 klartext scan --rule rule.conf --incident 2018-0001 --no-progress ../access.log &&
        one_error "$ERR" "'"'klartext.db'"'" "disk is full"
    '
    test_expect_success '... nothing of the scan is stored, the register is consistent' '
        consistent && db_dump | cmp - ../fs1.before &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM scan")" = 0 ]
    '
    test_expect_success '... with space again the same scan is stored' '
        mount -o remount,size=64m "$TRASH/fs1" &&
        klartext scan --rule rule.conf --incident 2018-0001 --no-progress ../access.log 2>err &&
        grep_q "Stored as scan version 1 of incident 2018-0001: 20000 people" err && consistent
    '
    cd "$TRASH"

    # notify --out DIR: DIR on a 600 kB tmpfs, 200 notices need ~3 MB; the register elsewhere
    mkdir nt && cd nt && notify_setup 200 && klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
        mkdir ../fs2 && mount -t tmpfs -o size=600k tmpfs ../fs2 && db_dump >../nt.before
    test_expect_success 'disk full during notify --out DIR: exit 1, one line naming the file and the full disk' '
        expect_1 klartext notify 2018-0001 --out ../fs2/out &&
        one_error "$ERR" "fs2/out/" "No space left on device|disk is full" &&
        [ $(wc -l <"$ERR") = 1 ]
    '
    test_expect_success '... no partial file is left, every file written is a whole notice recorded as written' '
        consistent && ! ls -A ../fs2/out | grep -q "\.tmp" &&
        ls ../fs2/out | sed "s/\.eml$//" | sort >files &&
        sqlite3 klartext.db "SELECT n.notice_id FROM notice n JOIN outbox o ON o.notice = n.id WHERE o.state = \"written\"" | sort >written &&
        cmp files written &&
        for f in ../fs2/out/*.eml; do [ -e "$f" ] || continue; klartext verify "$f" >/dev/null || exit 1; done
    '
    test_expect_success '... with space again a re-run writes every notice' '
        mount -o remount,size=64m "$TRASH/fs2" &&
        klartext notify 2018-0001 --out ../fs2/out >sum 2>err &&
        [ $(ls ../fs2/out | wc -l) = 196 ] &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM outbox WHERE state = \"written\"")" = 196 ] && consistent
    '
    cd "$TRASH"

    # incident new on a tmpfs left with 0, 4, 8 … 128 kB free: it succeeds or fails cleanly
    mkdir fs3 && mount -t tmpfs -o size=4m tmpfs fs3 && cd fs3
    write_org && klartext init --org org.ini >/dev/null 2>&1 &&
    klartext incident new --title "Erster Vorfall" --aware-at 2018-11-21T09:12:00Z --aware-how "Kundin" >/dev/null
    fails=0 oks=0
    test_expect_success 'disk full during incident new (0..128 kB free): exit 1 and one line naming the register, or success' '
        for free in 0 4 8 12 16 24 32 40 48 64 96 128; do
            db_dump >"$TRASH/before"
            avail=$(df -k --output=avail . | tail -1)
            [ $avail -gt $free ] && head -c $(( (avail - free) * 1024 )) /dev/zero >filler 2>/dev/null
            klartext incident new --title "Vorfall bei $free kB" --aware-at 2018-11-21T09:12:00Z --aware-how "Kundin" >"$TRASH/out" 2>"$TRASH/err"; rc=$?
            rm -f filler
            case $rc in
            0) echo "$free kB free: stored"; oks=$((oks + 1)) ;;
            1) { [ $(wc -l <"$TRASH/err") = 1 ] || { echo "$free kB free: more than one line:"; cat "$TRASH/err"; false; }; } && one_error "$TRASH/err" "'"'klartext.db'"'" "disk is full" || exit 1
               db_dump | cmp - "$TRASH/before" || { echo "$free kB free: the register changed"; exit 1; }
               fails=$((fails + 1)) ;;
            *) echo "$free kB free: exit $rc"; cat "$TRASH/err"; exit 1 ;;
            esac
            consistent || exit 1
        done
        echo "$fails failed cleanly, $oks stored"; [ $fails -gt 0 ]
    '
    cd "$TRASH"

    # the other changing commands, each from the same register, on a tmpfs left with 0..96 kB free
    mkdir small && cd small && write_org && klartext init --org org.ini >/dev/null 2>&1 &&
    klartext incident new --title "Namen auf Profilseiten sichtbar" --aware-at 2018-11-21T09:12:00Z \
        --aware-how "Hinweis einer Kundin" --breach-types confidentiality --cause programming-error >/dev/null &&
    write_rule && write_people && klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext subjects import 2018-0001 subjects.csv >/dev/null && klartext assess 2018-0001 >/dev/null
    cd "$TRASH"
    mkdir fs5 && mount -t tmpfs -o size=4m tmpfs fs5
    for c in "assess 2018-0001 --decide authority=yes,subjects=yes --by Dana --reason names" \
             "incident update 2018-0001 --status confirmed --description Cache --measures-taken geleert" \
             "incident publish 2018-0001 --lang de --statement Wir_haben_einen_Fehler_gemacht" \
             "report 2018-0001 --filed --at 2018-11-22T08:00:00Z --ref CASE-1" \
             "incident event 2018-0001 --text Logs_gesichert" \
             "subjects import 2018-0001 $TRASH/small/subjects.csv"; do
        name=${c%% 2018-0001*}; opt=${c#* 2018-0001 }; opt=${opt%% *}; case $opt in --decide|--filed) name="$name $opt" ;; esac
        test_expect_success "disk full during $name (0..96 kB free): exit 1 and one line naming the register, or success" '
            cd "$TRASH/fs5" && fails=0 oks=0 &&
            for free in 0 8 16 24 32 48 64 96; do
                rm -f klartext.* && cp "$TRASH"/small/klartext.* . && sqlite3 klartext.db .dump >"$TRASH/before"
                avail=$(df -k --output=avail . | tail -1)
                [ $avail -gt $free ] && head -c $(( (avail - free) * 1024 )) /dev/zero >filler 2>/dev/null
                "$KLARTEXT" $c >"$TRASH/out" 2>"$TRASH/err"; rc=$?
                rm -f filler
                case $rc in
                0) oks=$((oks + 1)) ;;
                1) grep -v "^klartext: warning: " "$TRASH/err" >"$TRASH/err1"
                   { [ $(wc -l <"$TRASH/err1") = 1 ] || { echo "$free kB free: more than one line:"; cat "$TRASH/err"; false; }; } &&
                       one_error "$TRASH/err1" "'"'klartext.db'"'" "disk is full" || exit 1
                   sqlite3 klartext.db .dump | cmp - "$TRASH/before" || { echo "$free kB free: the register changed"; exit 1; }
                   fails=$((fails + 1)) ;;
                *) echo "$free kB free: exit $rc"; cat "$TRASH/err"; exit 1 ;;
                esac
                consistent || exit 1
            done
            echo "$fails failed cleanly, $oks stored"; [ $fails -gt 0 ]
        '
    done
    cd "$TRASH"
else
    skip "$ns_why" "disk full during scan --incident" "... nothing of the scan is stored" "... with space again the scan is stored" \
         "disk full during notify --out DIR" "... no partial file is left" "... with space again a re-run writes every notice" \
         "disk full during incident new" "disk full during assess --decide" "disk full during incident update" \
         "disk full during incident publish" "disk full during report --filed" "disk full during incident event" \
         "disk full during subjects import"
fi

# ---------------------------------------------------------------- unwritable register
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && as_nobody true 2>/dev/null; then
    chmod 755 "$TRASH"
    mkdir -m 755 reg && cd reg
    write_org && klartext init --org org.ini >/dev/null 2>&1 &&
    klartext incident new --title "Profilseiten" --aware-at 2018-11-21T09:12:00Z --aware-how "Kundin" >/dev/null && db_dump >../reg.before
    test_expect_success 'another user and a 0600 register: exit 1, one line naming the register, permission denied' '
        expect_1 as_nobody "$KLARTEXT" incident new --title X --aware-at 2018-11-21T09:12:00Z --aware-how Y &&
        [ $(wc -l <"$ERR") = 1 ] && one_error "$ERR" "'"'klartext.db'"'" "permission denied" &&
        expect_1 as_nobody "$KLARTEXT" status && one_error "$ERR" "'"'klartext.db'"'" "permission denied" &&
        consistent && db_dump | cmp - ../reg.before && [ -z "$(find . -user nobody)" ]
    '
    test_expect_success 'another user who may read it, in a directory they may not write: not writable' '
        chmod 644 klartext.db &&
        expect_1 as_nobody "$KLARTEXT" incident new --title X --aware-at 2018-11-21T09:12:00Z --aware-how Y &&
        [ $(wc -l <"$ERR") = 1 ] && one_error "$ERR" "'"'klartext.db'"'" "not writable" &&
        chmod 600 klartext.db && consistent && db_dump | cmp - ../reg.before && [ -z "$(find . -user nobody)" ]
    '
    test_expect_success '... but they can read it (status, incident show, report): no -shm file is needed' '
        chmod 644 klartext.db &&
        as_nobody "$KLARTEXT" status >st.out && grep_q "2018-0001" st.out &&
        as_nobody "$KLARTEXT" incident show 2018-0001 | grep_q "Profilseiten" &&
        as_nobody "$KLARTEXT" report 2018-0001 --lang en >/dev/null &&
        chmod 600 klartext.db && [ -z "$(find . -user nobody)" ] && db_dump | cmp - ../reg.before
    '
    cd "$TRASH"
else
    skip "not root or no setpriv" "another user and a 0600 register" "another user in a directory they may not write"
fi
if [ $have_ns = 1 ]; then
    mkdir fs4 && mount -t tmpfs -o size=4m tmpfs fs4 && cp reg/klartext.* fs4/ && mount -o remount,ro fs4 && cd fs4
    test_expect_success 'a register on a read-only mount: exit 1, one line naming the register and the read-only file system' '
        expect_1 klartext incident new --title X --aware-at 2018-11-21T09:12:00Z --aware-how Y &&
        [ $(wc -l <"$ERR") = 1 ] && one_error "$ERR" "'"'klartext.db'"'" "read-only file system" &&
        expect_1 klartext incident update 2018-0001 --status confirmed && one_error "$ERR" "'"'klartext.db'"'" "read-only file system"
    '
    test_expect_success 'a register on a read-only mount can be read: status, report, log verify (an auditor'"'"'s copy)' '
        klartext status | grep_q "2018-0001" && klartext report 2018-0001 --lang en >/dev/null && klartext log verify >/dev/null
    '
    test_expect_success '... writable again, it is unchanged and consistent' '
        mount -o remount,rw "$TRASH/fs4" && consistent && db_dump | cmp - ../reg.before
    '
    cd "$TRASH"
else
    skip "$ns_why" "a register on a read-only mount" "... writable again"
fi
cd "$TRASH"
for m in fs1 fs2 fs3 fs4 fs5; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
test_done
