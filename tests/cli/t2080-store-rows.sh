#!/usr/bin/env bash
# t2080-store-rows — the bulk store of a scan version at a size where the rows are made on a
# second thread (SQLite: src/register/scans.c, slots of 512 people): every row as scan --csv
# writes it, raw identities with --keep-viewers, and a row refused in the middle stops the store
# with exit 1 and nothing stored (the row maker is stopped, not left waiting); a new register's
# 16 KiB pages, an old register's 4 KiB kept.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null
. "$SRC_DIR/tests/fixtures.sh"
write_rule
gen_people 2600   # five slots of 512 people and a last one of 40
klartext scan --rule rule.conf --csv scan.csv access.log 2>/dev/null

test_expect_success 'a store of 2,600 people holds exactly what scan --csv writes, identities kept' '
    klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log 2>err &&
    grep_q "Stored as scan version 1 of incident 2018-0001: 2600 people" err &&
    klartext exposure 2018-0001 --format csv | cmp - scan.csv &&
    [ "$(reg_sql "SELECT count(*), sum(viewers), sum(signed_in_viewers), count(viewer_identities),
        min(subject), max(subject) FROM exposure")" = "2600|3467|867|2600|C0000000001|C0000002600" ]
'
test_expect_success 'without --keep-viewers no identities; the same rows' '
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>err &&
    grep_q "Stored as scan version 2 of incident 2018-0001: 2600 people" err &&
    klartext exposure 2018-0001 --format csv | cmp - scan.csv &&
    [ "$(reg_sql "SELECT count(*), count(viewer_identities) FROM exposure e JOIN scan s ON s.id = e.scan_id
        WHERE s.version = 2")" = "2600|0" ]
'
for who in C0000000100 C0000001500 C0000002600; do
test_expect_code 1 "a row refused in the middle of the store ($who): exit 1 naming it, nothing stored" '
    if test_on_pg; then reg_sql "ALTER TABLE exposure ADD CONSTRAINT kt_test_refuse CHECK (subject <> '"'"'$who'"'"') NOT VALID"
    else sqlite3 klartext.db "CREATE TRIGGER kt_test_refuse BEFORE INSERT ON exposure WHEN NEW.subject = '"'"'$who'"'"'
        BEGIN SELECT RAISE(ABORT, '"'"'kt_test_refuse'"'"'); END"; fi
    before=$(db_dump)
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>err; rc=$?
    ok=0; grep_q "kt_test_refuse" err && [ "$before" = "$(db_dump)" ] && ok=1
    if test_on_pg; then reg_sql "ALTER TABLE exposure DROP CONSTRAINT kt_test_refuse"
    else sqlite3 klartext.db "DROP TRIGGER kt_test_refuse"; fi
    cat err >&2; [ $ok = 1 ] || exit 99; exit $rc
'
done
sqlite_only "the page size of the SQLite file"
test_expect_success 'a new register has 16 KiB pages; an old one keeps its 4 KiB through the migration and a store' '
    [ "$(sqlite3 klartext.db "PRAGMA page_size")" = 16384 ] &&
    mkdir old && cp klartext.key klartext.pub old/ && (cd old &&
        sqlite3 klartext.db <"$SRC_DIR/tests/data/register-step12/register.sql" &&
        [ "$(sqlite3 klartext.db "PRAGMA page_size")" = 4096 ] &&
        klartext scan --rule ../rule.conf --incident 2018-0001 ../access.log 2>err &&
        grep_q "Stored as scan version 3 of incident 2018-0001: 2600 people" err &&
        klartext exposure 2018-0001 --format csv | cmp - ../scan.csv &&
        [ "$(sqlite3 klartext.db "PRAGMA page_size")" = 4096 ] &&
        [ "$(sqlite3 klartext.db "PRAGMA integrity_check")" = ok ])
'
test_done
