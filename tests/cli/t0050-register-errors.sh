#!/usr/bin/env bash
# A register that is locked, corrupt, from a newer version or missing: exit 1, a clear line,
# the file untouched. Older registers are migrated forward in one transaction.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
klartext init >/dev/null 2>&1
klartext incident new --title T --aware-at 2026-11-20T09:17:00+01:00 --aware-how x >/dev/null

sqlite_only "needs the SQLite file itself (a lock, a foreign file, a copy)"
test_expect_code 1 'a locked register' '
    ( printf "BEGIN EXCLUSIVE;\nINSERT INTO meta VALUES(\"lock\",\"1\");\n"; sleep 8 ) | sqlite3 klartext.db &
    sleep 1
    klartext incident update 2026-0001 --title "Other" 2>err; rc=$?
    kill %1 2>/dev/null; wait
    grep_q "is locked by another klartext process" err && [ $(wc -l <err) = 1 ]; exit $rc
'
test_expect_code 1 'a corrupt register' '
    head -c 8192 /dev/urandom >corrupt.db; cp corrupt.db c.before
    klartext --db corrupt.db status 2>err; rc=$?
    grep_q "damaged or not a klartext register" err && cmp corrupt.db c.before; exit $rc
'
sqlite_only "needs the SQLite file itself (a lock, a foreign file, a copy)"
test_expect_code 1 'an SQLite file that is not a klartext register' '
    sqlite3 other.db "CREATE TABLE t(x)"; klartext --db other.db status 2>err; rc=$?
    grep_q "not a klartext register" err; exit $rc
'
sqlite_only "needs the SQLite file itself (a lock, a foreign file, a copy)"
test_expect_code 1 'a register from a newer klartext' '
    cp klartext.db newer.db; sqlite3 newer.db "UPDATE meta SET value=\"99\" WHERE key=\"schema_version\""
    before=$(db_dump newer.db)
    klartext --db newer.db status 2>err; rc=$?
    grep_q "has schema version 99" err && grep_q "use a newer klartext" err && [ "$before" = "$(db_dump newer.db)" ]; exit $rc
'
test_expect_code 1 'a directory where the register should be' 'mkdir d.db; klartext --db d.db status'
sqlite_only "needs the SQLite file itself (a lock, a foreign file, a copy)"
test_expect_success 'an older register is migrated forward, in a transaction, and audited' '
    KLARTEXT_TEST_SCHEMA=0 klartext --db old.db init >/dev/null 2>&1; rc=$?
    [ $rc = 1 ] || exit 1   # version 0 is no register: init refuses and removes it
    [ ! -e old.db ] || exit 1
    latest=$(sqlite3 klartext.db "SELECT value FROM meta WHERE key=\"schema_version\"")
    if [ "$latest" -gt 1 ]; then
        KLARTEXT_TEST_SCHEMA=1 klartext --db old.db init >/dev/null 2>&1 &&
        [ "$(sqlite3 old.db "SELECT value FROM meta WHERE key=\"schema_version\"")" = 1 ] &&
        klartext --db old.db status >/dev/null &&
        [ "$(sqlite3 old.db "SELECT value FROM meta WHERE key=\"schema_version\"")" = "$latest" ] &&
        klartext --db old.db audit | grep_q "register.migrate"
    else
        echo "only one schema version so far: migration path covered by the version-1 create" 
    fi
'
sqlite_only "needs the SQLite file itself (a lock, a foreign file, a copy)"
test_expect_success 'a read-only command leaves the file byte-identical' '
    cp klartext.db ro.db; rm -f ro.db-wal ro.db-shm
    klartext --db ro.db status >/dev/null && klartext --db ro.db incident show 2026-0001 >/dev/null &&
    cmp klartext.db ro.db
'
test_done
