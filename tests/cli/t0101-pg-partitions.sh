#!/usr/bin/env bash
# t0101 — exposure partitioned by scan version on PostgreSQL (schema step 15, issue 16): each
# stored scan version is a partition of its own, loaded without an index and given its primary
# key afterwards (kt_exposure_stage / kt_exposure_attach, SECURITY DEFINER); the rows read back
# as `scan --csv` writes them; a store that fails leaves no table behind; the two functions refuse
# what they must (a scan that does not exist, a version stored already, a login without the role)
# and leave the storing login no privilege on the partition; the new partition is analyzed after
# the store, the older ones not again; an engineer's login stores, an
# auditor's reads, an agent's reads only its columns; a register of step 14 migrates (every
# answer the same, the grants made again) and a row of no scan stops that migration; db copy
# PostgreSQL → SQLite → PostgreSQL gives the same exports and a partition per scan; the hourly
# histogram (one statement on PostgreSQL) has the rows SQLite stores; a new
# partition takes exposure's statistics targets (schema step 16: 0 for the personal columns, 1
# for scan_id; a DBA's own too), so a plain ANALYZE of it keeps no personal value.
# postgresql: PostgreSQL only: partitions exist only there (SQLite's step 15 changes nothing; its
# store is t0100's)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fixtures.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite
export KLARTEXT_NOW=2018-11-22T10:00:00Z
as_login() { echo "postgresql://$1@/${2#postgresql:///}"; }
SUF=$$
ENG=eng_$SUF AUD=aud_$SUF ANN=ann_$SUF EVE=eve_$SUF
URL=$(pg_newdb) || exit 1
export KLARTEXT_DB=$URL
q() { pg_sql "$URL" "$1"; }
# the partitions of exposure and their bounds, one line
parts() {
    pg_sql "${1:-$URL}" "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY c.relname)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'exposure'::regclass"
}
answers() {  # answers DIR: what reads the exposures
    mkdir -p "$1" && for v in 1 2; do klartext exposure 2018-0001 --scan $v --format csv >"$1/e$v.csv" || return 1; done &&
        klartext exposure 2018-0001 --format json >"$1/e.json" && klartext report 2018-0001 --format json >"$1/r.json" 2>/dev/null
}

test_expect_success 'each scan version is a partition of its own, with its primary key; the rows as scan --csv writes them' '
    write_org && klartext init --org org.ini >/dev/null 2>&1 &&
    klartext incident new --title T --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null &&
    write_rule && gen_people 150 && klartext scan --rule rule.conf --csv s.csv access.log 2>/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log 2>/dev/null &&
    [ "$(q "SELECT relkind FROM pg_class WHERE oid = '\''exposure'\''::regclass")" = p ] &&
    [ "$(parts)" = "exposure_1 FOR VALUES IN ('\''1'\''), exposure_2 FOR VALUES IN ('\''2'\'')" ] &&
    [ "$(q "SELECT string_agg(indexrelid::regclass || '\'' '\'' || indisprimary, '\'','\'' ORDER BY 1) FROM pg_index
            WHERE indrelid IN ('\''exposure_1'\''::regclass, '\''exposure_2'\''::regclass)")" = "exposure_1_pkey true,exposure_2_pkey true" ] &&
    klartext exposure 2018-0001 --scan 1 --format csv | cmp - s.csv &&
    klartext exposure 2018-0001 --scan 2 --format csv | cmp - s.csv &&
    [ "$(q "SELECT count(*), count(viewer_identities) FROM exposure_2")" = "150|150" ] &&
    # the statistics after a store: the new partition analyzed, the older ones not again (analyze.c)
    [ "$(q "SELECT pg_stat_get_analyze_count('\''exposure_1'\''::regclass) || '\'' '\''
            || pg_stat_get_analyze_count('\''exposure_2'\''::regclass)")" = "1 1" ] &&
    [ "$(q "SELECT count(*) FROM pg_class WHERE relname LIKE '\''exposure\_%'\'' AND relacl IS NOT NULL")" = 0 ] &&
    answers before
'
test_expect_success 'the hourly histogram (one statement on PostgreSQL) holds the rows SQLite stores for the same log' '
    mkdir h && (cd h && write_org && KLARTEXT_DB=h.db klartext init --org org.ini >/dev/null 2>&1 &&
        KLARTEXT_DB=h.db klartext incident new --title T --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null &&
        KLARTEXT_DB=h.db klartext scan --rule ../rule.conf --incident 2018-0001 ../access.log 2>/dev/null) &&
    sqlite3 -separator "|" h/h.db "SELECT hour, views FROM scan_hour WHERE scan_id = 1 ORDER BY hour" >h/sqlite.txt &&
    q "SELECT hour, views FROM scan_hour WHERE scan_id = 1 ORDER BY hour" >h/pg.txt &&
    [ "$(wc -l <h/pg.txt)" -gt 1 ] && cmp h/sqlite.txt h/pg.txt &&
    [ "$(q "SELECT count(*) FROM scan_hour WHERE scan_id = 2")" = "$(wc -l <h/pg.txt)" ]
'
test_expect_code 1 'a store the database refuses: exit 1 naming the row, no partition and no table left behind' '
    q "ALTER TABLE exposure ADD CONSTRAINT kt_test_refuse CHECK (subject <> '\''C0000000140'\'') NOT VALID" &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>err; rc=$?
    ok=0; grep_q "kt_test_refuse" err && grep_q "COPY exposure_3, line 140" err &&
        [ "$(q "SELECT count(*) FROM pg_class WHERE relname LIKE '\''exposure\_3%'\''") $(q "SELECT count(*) FROM scan")" = "0 2" ] && ok=1
    q "ALTER TABLE exposure DROP CONSTRAINT kt_test_refuse"
    [ $ok = 1 ] || exit 99; exit $rc
'
test_expect_success 'the functions refuse a scan that does not exist and a version stored already' '
    { q "SELECT kt_exposure_stage(999)" 2>e1; [ $? != 0 ]; } && grep_q "no scan with id 999" e1 &&
    { q "SELECT kt_exposure_stage(1)" 2>e2; [ $? != 0 ]; } && grep_q "exposures of scan 1 are stored already" e2 &&
    { q "SELECT kt_exposure_attach(2)" 2>e3; [ $? != 0 ]; } && grep_q "no staged exposures of scan 2" e3 &&
    [ "$(parts)" = "exposure_1 FOR VALUES IN ('\''1'\''), exposure_2 FOR VALUES IN ('\''2'\'')" ]
'
test_expect_success 'an engineer'"'"'s login stores a scan and keeps no privilege on its partition' '
    q "CREATE ROLE $ENG LOGIN IN ROLE klartext_engineer; CREATE ROLE $AUD LOGIN IN ROLE klartext_auditor;
       CREATE ROLE $ANN LOGIN IN ROLE klartext_agent; CREATE ROLE $EVE LOGIN" &&
    KLARTEXT_DB=$(as_login $ENG "$URL") klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null &&
    [ "$(parts | grep -o "exposure_[0-9]*" | tr "\n" " ")" = "exposure_1 exposure_2 exposure_4 " ] &&
    [ "$(q "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = '\''exposure_4'\''")" = klartext ] &&
    [ "$(q "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = '\''exposure_4'\''
            AND a.grantee <> c.relowner")" = 0 ] &&
    [ "$(q "SELECT has_table_privilege('\''$ENG'\'', '\''exposure_4'\'', '\''INSERT'\'')")" = f ] &&
    klartext exposure 2018-0001 --format csv | cmp - s.csv
'
test_expect_success 'an auditor reads every version; an agent only the columns the portal reads; no partition directly' '
    KLARTEXT_DB=$(as_login $AUD "$URL") klartext exposure 2018-0001 --scan 2 --format csv | cmp - s.csv &&
    a=$(as_login $ANN "$URL") &&
    [ "$("$PG_BIN/psql" -qAtX -d "$a" -c "SELECT count(*) FROM exposure WHERE scan_id = 1 AND pages <> '\'''\''")" = 150 ] &&
    { "$PG_BIN/psql" -qAtX -d "$a" -c "SELECT count(viewer_list) FROM exposure" 2>e1; [ $? != 0 ]; } &&
    grep_q "permission denied for table exposure" e1 &&
    { "$PG_BIN/psql" -qAtX -d "$a" -c "SELECT count(*) FROM exposure_1" 2>e2; [ $? != 0 ]; } &&
    grep_q "permission denied for table exposure_1" e2
'
test_expect_success 'logins without the role may not call the functions' '
    for u in $ANN $AUD $EVE; do
        { "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -d "$(as_login $u "$URL")" -c "SELECT kt_exposure_stage(2)" 2>e; [ $? != 0 ]; } &&
        grep_q "permission denied for function kt_exposure_stage" e || exit 1
    done
'

# a register of step 14: exposure one plain table, as the klartext before this step made it
unstep15() {  # unstep15 URL
    pg_sql "$1" "BEGIN;
        CREATE TABLE e14 (scan_id BIGINT NOT NULL, subject TEXT COLLATE \"C\" NOT NULL,
          first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, views BIGINT NOT NULL, viewers BIGINT NOT NULL,
          signed_in_viewers BIGINT NOT NULL, anonymous_viewers BIGINT NOT NULL,
          pages TEXT COLLATE \"C\" NOT NULL, fields TEXT COLLATE \"C\" NOT NULL,
          viewer_list BYTEA NOT NULL DEFAULT ''::bytea, viewer_identities BYTEA, PRIMARY KEY (scan_id, subject));
        INSERT INTO e14 SELECT * FROM exposure ORDER BY subject DESC;
        DROP TABLE exposure; DROP FUNCTION kt_exposure_stage(BIGINT), kt_exposure_attach(BIGINT);
        ALTER TABLE e14 RENAME TO exposure; ALTER INDEX e14_pkey RENAME TO exposure_pkey;
        UPDATE meta SET value = '14' WHERE key = 'schema_version'; COMMIT"
}
test_expect_success 'a register of step 14 migrates: a partition per scan, every answer the same, the grants made again' '
    answers b4 && unstep15 "$URL" &&
    [ "$(q "SELECT relkind FROM pg_class WHERE oid = '\''exposure'\''::regclass") $(q "SELECT count(*) FROM exposure")" = "r 450" ] &&
    answers after && for f in e1.csv e2.csv e.json r.json; do cmp b4/$f after/$f || exit 1; done &&
    [ "$(q "SELECT value FROM meta WHERE key = '\''schema_version'\''")" = 16 ] &&
    [ "$(parts)" = "exposure_1 FOR VALUES IN ('\''1'\''), exposure_2 FOR VALUES IN ('\''2'\''), exposure_4 FOR VALUES IN ('\''4'\'')" ] &&
    [ "$(q "SELECT count(*) FROM exposure_4")" = 150 ] &&
    klartext audit | grep_q "register.migrate.*schema_version.*14.*15" &&
    klartext audit | grep_q "register.migrate.*schema_version.*15.*16" &&
    # step 16 reached the partitions the migration made: no statistics of a subject
    [ "$(q "SELECT string_agg(c.relname || '\'':'\'' || a.attstattarget, '\'','\'' ORDER BY c.relname) FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid WHERE c.relkind = '\''r'\'' AND c.relname LIKE '\''exposure\_%'\'' AND a.attname = '\''subject'\''")" = "exposure_1:0,exposure_2:0,exposure_4:0" ] &&
    [ "$(q "SELECT has_column_privilege('\''klartext_agent'\'', '\''exposure'\'', '\''pages'\'', '\''SELECT'\'')
            || '\'' '\'' || has_column_privilege('\''klartext_agent'\'', '\''exposure'\'', '\''viewer_list'\'', '\''SELECT'\'')
            || '\'' '\'' || has_function_privilege('\''klartext_engineer'\'', '\''kt_exposure_stage(bigint)'\'', '\''EXECUTE'\'')")" = "true false true" ] &&
    KLARTEXT_DB=$(as_login $ENG "$URL") klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null &&
    [ "$(q "SELECT count(*) FROM exposure_5")" = 150 ] && klartext log verify >/dev/null
'
test_expect_code 1 'a row of no scan stops the migration: exit 1, the register left at step 14' '
    U2=$(pg_newdb) && mkdir m && cd m && write_org && KLARTEXT_DB=$U2 klartext init --org org.ini >/dev/null 2>&1 &&
    unstep15 "$U2" &&
    pg_sql "$U2" "INSERT INTO exposure(scan_id, subject, first_seen, last_seen, views, viewers, signed_in_viewers,
        anonymous_viewers, pages, fields) VALUES (77, '\''C1'\'', 0, 0, 1, 1, 0, 1, '\''/p'\'', '\''name'\'')" &&
    KLARTEXT_DB=$U2 klartext status >out 2>err; rc=$?
    grep_q "1 exposure rows belong to no scan" err &&
    [ "$(pg_sql "$U2" "SELECT value FROM meta WHERE key = '\''schema_version'\''") $(pg_sql "$U2" "SELECT relkind FROM pg_class WHERE oid = '\''exposure'\''::regclass")" = "14 r" ] &&
    exit $rc
'
test_expect_success 'db copy PostgreSQL → SQLite → PostgreSQL: the same answers, a partition per scan' '
    answers src && klartext db copy --to back.db >/dev/null 2>&1 && U3=$(pg_newdb) &&
    KLARTEXT_DB=back.db klartext db copy --to "$U3" >/dev/null 2>&1 &&
    KLARTEXT_DB=back.db answers sq && KLARTEXT_DB=$U3 answers pg3 &&
    for f in e1.csv e2.csv e.json r.json; do cmp src/$f sq/$f && cmp src/$f pg3/$f || exit 1; done &&
    [ "$(parts "$U3")" = "$(parts)" ] &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM exposure")" = "$(q "SELECT count(*) FROM exposure")" ]
'
test_expect_success 'a new partition takes exposure'\''s statistics targets (step 16 and a DBA'\''s own): a plain ANALYZE keeps no personal value' '
    q "ALTER TABLE exposure ALTER COLUMN fields SET STATISTICS 0" &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null &&
    n=$(q "SELECT max(id) FROM scan") &&
    [ "$(q "SELECT string_agg(a.attname || '\'':'\'' || a.attstattarget, '\'','\'' ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = '\''exposure_$n'\''::regclass AND a.attnum > 0 AND a.attstattarget >= 0")" = \
        "scan_id:1,subject:0,pages:0,fields:0,viewer_list:0,viewer_identities:0" ] &&
    q "ANALYZE exposure_$n" &&
    [ "$(q "SELECT string_agg(attname, '\'','\'' ORDER BY attname) FROM pg_stats WHERE tablename = '\''exposure_$n'\''")" = \
        "anonymous_viewers,first_seen,last_seen,scan_id,signed_in_viewers,viewers,views" ] &&
    q "ALTER TABLE exposure ALTER COLUMN fields SET STATISTICS -1"
'
test_done
