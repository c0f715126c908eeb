#!/usr/bin/env bash
# t0064 — klartext db copy (issue 16, item 5): a register with every kind of row (two incidents,
# scan versions, subjects, assessments, decisions, a filing, statements, notices sent and written,
# the outbox, a returned mail, an agent, a purge, the log and its checkpoints) copied SQLite →
# PostgreSQL → SQLite and PostgreSQL → PostgreSQL on a throwaway PostgreSQL 15 cluster: the rows of
# every table the same (the audit trail has one entry more per copy), the exports byte-identical,
# log verify passing, the append-only guards in force, the identity counters continued; a target
# that holds a register or a register's table, or does not parse, is refused (exit 2) and a copy
# that fails leaves nothing behind.
# postgresql: this suite is about PostgreSQL and names its registers itself (SQLite and PostgreSQL)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite   # the fixtures make SQLite files (KLARTEXT_TEST_DB=sqlite); the copies go to PostgreSQL
SEED=$(printf "42%.0s" $(seq 32))

# the source: sq/klartext.db with a row in (nearly) every table
mkdir sq && cd sq || exit 1
export KLARTEXT_NOW=2018-11-22T10:00:00Z
fixture_register && use_test_key || exit 1
klartext incident publish 2018-0001 --lang en --statement "Names were visible on profile pages." >/dev/null
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null
smtpd_start s1
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$s1_port" >/dev/null 2>&1
first=$(ls "$TRASH"/s1/*.eml | head -1)
MID=$(sed -n 's/^Message-ID: *//Ip' "$first" | head -1 | tr -d '\r')
RCPT=$(sed -n 's/^To: *//p' "$first" | head -1 | tr -d '\r' | sed 's/.*<\(.*\)>.*/\1/')
printf '%s\n' "From: MAILER-DAEMON@mx.example.org" "To: datenschutz@example.org" "Subject: Undelivered Mail" \
    "MIME-Version: 1.0" 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' "" "--B" "" \
    "<$RCPT>: user unknown" "" "--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.example.org" "" \
    "Final-Recipient: rfc822; $RCPT" "Action: failed" "Status: 5.1.1" "Diagnostic-Code: smtp; 550 5.1.1 <$RCPT>: user unknown" \
    "" "--B" "Content-Type: text/rfc822-headers" "" "Message-ID: $MID" "" "--B--" >bounce.eml
KLARTEXT_NOW=2018-11-22T12:30:00Z klartext notify 2018-0001 --bounces bounce.eml >/dev/null 2>&1
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-2018-4711" >/dev/null
KLARTEXT_NOW=2018-11-22T12:00:00Z klartext incident event 2018-0001 --text "Kundin C0077777777 hat angerufen" >/dev/null
echo "this line is not in the combined format" >>access.log   # a sample of the re-scan's malformed lines
KLARTEXT_NOW=2018-11-22T13:00:00Z klartext scan --rule rule.conf --incident 2018-0001 --check-all access.log >/dev/null 2>&1
KLARTEXT_NOW=2018-11-23T10:00:00Z klartext incident update 2018-0001 --status closed >/dev/null
KLARTEXT_NOW=2023-01-01T10:00:00Z klartext purge >/dev/null
# a second incident, not purged: its exposures, contact data and notices written to files stay
export KLARTEXT_NOW=2023-01-02T10:00:00Z
klartext incident new --title "Adressen im Export" --aware-at 2023-01-02T08:00:00Z --aware-how "Prüfung" \
    --breach-types confidentiality --cause misconfiguration >/dev/null
REF2=$(klartext --json incident list | jq -r '.[] | select(.title == "Adressen im Export") | .ref')
klartext scan --rule rule.conf --incident "$REF2" access.log >/dev/null 2>&1
klartext subjects import "$REF2" subjects.csv >/dev/null
klartext assess "$REF2" >/dev/null
klartext assess "$REF2" --decide authority=yes,subjects=yes --by "Dana DPO" --reason "we tell everyone" >/dev/null
klartext notify "$REF2" --approve --by "Dana DPO" >/dev/null
KLARTEXT_TEST_CODE_SEED=$SEED klartext notify "$REF2" --out out >/dev/null 2>&1
klartext agent add alice >/dev/null 2>&1
klartext incident publish "$REF2" --lang de --statement "Adressen waren in einem Export sichtbar." >/dev/null
klartext log checkpoint >/dev/null
cd "$TRASH" || exit 1
KEYS=$TRASH/sq   # klartext.key and klartext.pub of the source, for the copies
V=$(sqlite3 sq/klartext.db "SELECT value FROM meta WHERE key = 'schema_version'")   # this klartext's newest

# every table's rows in one canonical text: "== TABLE" and its rows in the order of every column,
# values quoted as SQLite's quote() does (blobs as X'…'); the audit trail without the copies' own
# entries
canon() {  # canon FILE
    local t cols
    for t in $(sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"); do
        echo "== $t"
        cols=$(sqlite3 "$1" "SELECT group_concat(cid + 1, ', ') FROM pragma_table_info('$t')")
        if [ "$t" = audit ]; then w="WHERE action <> 'register.copy'"; else w=""; fi
        sqlite3 -cmd ".mode quote" "$1" "SELECT * FROM \"$t\" $w ORDER BY $cols"
    done
}
# the exports a user sees, from the register $1 (a file or a URI) with the key files of $KEYS
EXPORTS=("exposure 2018-0001 --format csv" "exposure $REF2 --format csv" "exposure $REF2 --format json"
         "exposure $REF2 --format text" "incident show 2018-0001" "incident show $REF2" "incident list"
         "report 2018-0001 --lang en" "report 2018-0001 --lang de --format html" "report 2018-0001 --format json"
         "report 2018-0001 --format veris" "report $REF2 --lang de" "report $REF2 --format json"
         "report --register --lang en" "report --register --format json" "assess $REF2 --json"
         "subjects show $REF2" "notify 2018-0001 --status" "notify $REF2 --status" "status" "agent list"
         "log entries" "log checkpoints" "audit 2018-0001" "org show")
exports() {  # exports DB OUTDIR
    mkdir -p "$2" && local i=0 c
    for c in "${EXPORTS[@]}"; do
        i=$((i + 1))
        KLARTEXT_KEYS=$KEYS klartext --db "$1" $c >"$2/$i" 2>&1 || echo "exit $?" >>"$2/$i"
    done
}
same_exports() {  # same_exports DIR_A DIR_B
    local i=0 c
    for c in "${EXPORTS[@]}"; do
        i=$((i + 1))
        cmp -s "$1/$i" "$2/$i" || { echo "differs: klartext $c"; diff "$1/$i" "$2/$i" | head -20; return 1; }
    done
}

test_expect_success 'the source has rows in every table but the purged per-person ones of incident 1' '
    for t in $(sqlite3 sq/klartext.db "SELECT name FROM sqlite_schema WHERE type = '\''table'\'' ORDER BY name"); do
        n=$(sqlite3 sq/klartext.db "SELECT count(*) FROM \"$t\"")
        [ "$n" -gt 0 ] || { echo "table $t is empty"; exit 1; }
    done &&
    [ "$(sqlite3 sq/klartext.db "SELECT count(*) FROM notice WHERE message_codec = '\''purged'\''")" = 4 ] &&
    [ "$(sqlite3 sq/klartext.db "SELECT count(*) FROM scan WHERE incident_id = 1")" = 2 ]
'
exports sq/klartext.db ex.sq
test_expect_success 'the exports of the source work (the comparisons below compare something)' '
    ! grep -l "^exit " ex.sq/* && [ "$(ls ex.sq | wc -l)" = ${#EXPORTS[@]} ] &&
    grep_q "^subject," ex.sq/2 && [ "$(wc -l <ex.sq/2)" -gt 3 ] && grep_q "LDA-2018-4711" ex.sq/8
'
URL=$(pg_newdb) U0=$(pg_newdb) U2=$(pg_newdb)
test_expect_success 'SQLite → PostgreSQL: every table, the summary on stdout, the key files named' '
    klartext --db sq/klartext.db db copy --to "$URL" >out 2>err &&
    grep_q "^Copied the register sq/klartext.db to $URL: [0-9]* tables, [0-9]* rows, schema version $V$" out &&
    grep_q "the key files were not copied" err &&
    n=$(sqlite3 sq/klartext.db "SELECT count(*) FROM sqlite_schema WHERE type = '\''table'\''") &&
    grep_q ": $n tables" out &&
    for t in $(sqlite3 sq/klartext.db "SELECT name FROM sqlite_schema WHERE type = '\''table'\''"); do
        a=$(sqlite3 sq/klartext.db "SELECT count(*) FROM \"$t\"") && b=$(pg_sql "$URL" "SELECT count(*) FROM \"$t\"") &&
        if [ "$t" = audit ]; then a=$((a + 1)); fi && [ "$a" = "$b" ] || { echo "$t: $a rows, copy $b"; exit 1; }
    done &&
    [ "$(pg_sql "$URL" "SELECT value FROM meta WHERE key = '\''schema_version'\''")" = "$V" ] &&
    pg_sql "$URL" "SELECT action, field, new_value FROM audit ORDER BY id DESC LIMIT 1" >last &&
    grep_q "^register.copy|from|sq/klartext.db (sqlite, schema version $V, [0-9]* rows)$" last
'
test_expect_success 'the PostgreSQL copy: exports byte-identical, log verify passes, the guards in force' '
    exports "$URL" ex.pg && same_exports ex.sq ex.pg &&
    KLARTEXT_KEYS=$KEYS klartext --db "$URL" log verify >lv && grep_q "^log verified" lv &&
    { pg_sql "$URL" "UPDATE event SET text = '\''x'\''" 2>e1; [ $? != 0 ]; } && grep_q "append-only" e1 &&
    { pg_sql "$URL" "DELETE FROM audit" 2>e2; [ $? != 0 ]; } && grep_q "append-only" e2 &&
    { pg_sql "$URL" "UPDATE tlog_entry SET kind = '\''x'\''" 2>e3; [ $? != 0 ]; } && grep_q "append-only" e3
'
# the partitions of exposure (one per scan version, schema step 15) are the copy's alone: a fresh
# register has none, so they are left out of the comparison and counted instead
test_expect_success 'the PostgreSQL copy has the constraints, indexes, triggers and grants of a register init makes' '
    U5=$(pg_newdb) && mkdir fresh && (cd fresh && klartext --db "$U5" init >/dev/null 2>&1) &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_inherits WHERE inhparent = '\''exposure'\''::regclass")" = \
      "$(pg_sql "$URL" "SELECT count(*) FROM scan")" ] &&
    q="SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = '\''public'\''::regnamespace AND conrelid NOT IN (SELECT inhrelid FROM pg_inherits)
         ORDER BY 1, 2" &&
    pg_sql "$URL" "$q" >k.copy && pg_sql "$U5" "$q" >k.fresh && cmp k.copy k.fresh && grep -q "FOREIGN KEY" k.copy &&
    q="SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2" &&
    pg_sql "$URL" "$q" >g.copy && pg_sql "$U5" "$q" >g.fresh && cmp g.copy g.fresh && [ "$(wc -l <g.copy)" -gt 30 ] &&
    q="SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         WHERE c.relnamespace = '\''public'\''::regnamespace AND NOT c.relispartition ORDER BY 1" &&
    pg_sql "$URL" "$q" >i.copy && pg_sql "$U5" "$q" >i.fresh && cmp i.copy i.fresh &&
    # the privileges (the group roles'"'"' grants, where init gives them) and row-level security
    q="SELECT relname, relacl, relrowsecurity FROM pg_class WHERE relnamespace = '\''public'\''::regnamespace
         AND relkind IN ('\''r'\'', '\''S'\'') AND NOT relispartition ORDER BY 1" &&
    pg_sql "$URL" "$q" >a.copy && pg_sql "$U5" "$q" >a.fresh && cmp a.copy a.fresh
'
test_expect_success 'the PostgreSQL copy has statistics, but of no column with personal data (pg_statistic)' '
    [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = '\''outbox'\'' AND attname = '\''state'\''")" = 1 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND ((tablename = '\''subject'\'' AND attname <> '\''import_id'\'') OR attname IN ('\''rcpt'\'', '\''email'\'', '\''name'\'', '\''street'\'', '\''subject'\''))")" = 0 ]
'
test_expect_success 'the PostgreSQL copy goes on: new rows take the next ids, the log and the chain verify' '
    KLARTEXT_KEYS=$KEYS klartext --db "$URL" incident new --title "Drittes" --aware-at 2023-01-02T09:00:00Z \
        --aware-how "Test" >/dev/null &&
    KLARTEXT_KEYS=$KEYS klartext --db "$URL" incident event "$REF2" --text "after the copy" >/dev/null &&
    KLARTEXT_KEYS=$KEYS klartext --db "$URL" log checkpoint >/dev/null &&
    [ "$(pg_sql "$URL" "SELECT max(id) FROM incident")" = 3 ] &&
    [ "$(pg_sql "$URL" "SELECT max(id) - min(id) + 1 = count(*) FROM event")" = t ] &&
    [ "$(pg_sql "$URL" "SELECT max(id) - min(id) + 1 = count(*) FROM audit")" = t ] &&
    KLARTEXT_KEYS=$KEYS klartext --db "$URL" log verify >lv && grep_q "^log verified" lv
'
test_expect_success 'PostgreSQL → SQLite: the round trip has every row of the source, the same schema' '
    # pages of 3 rows (4,096 without the test setting): every table crosses pages, by every kind of key
    export KLARTEXT_TEST_COPY_PAGE=3 &&
    klartext --db sq/klartext.db db copy --to "$U0" >/dev/null 2>&1 &&
    mkdir back && klartext --db "$U0" --json db copy --to back/klartext.db >j 2>err &&
    jq -e ".to == \"back/klartext.db\" and .schema_version == $V and .tables.audit > 0" j >/dev/null &&
    [ "$(stat -c %a back/klartext.db)" = 600 ] &&
    canon sq/klartext.db >c.sq && canon back/klartext.db >c.back && cmp c.sq c.back &&
    [ "$(wc -l <c.sq)" -gt 200 ] &&
    # (a purge compacts the file, which may reorder its schema: compared in name order)
    q="SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name" &&
    sqlite3 sq/klartext.db "$q" >s.sq && sqlite3 back/klartext.db "$q" >s.back && cmp s.sq s.back &&
    [ "$(sqlite3 back/klartext.db "SELECT count(*) FROM audit WHERE action = '\''register.copy'\''")" = 2 ]
'
test_expect_success 'the round trip: exports byte-identical, log verify passes, guards in force' '
    exports back/klartext.db ex.back && same_exports ex.sq ex.back &&
    KLARTEXT_KEYS=$KEYS klartext --db back/klartext.db log verify >lv && grep_q "^log verified" lv &&
    { sqlite3 back/klartext.db "UPDATE notice SET lang = '\''xx'\''" 2>e; [ $? != 0 ]; } && grep_q "append-only" e
'
test_expect_success 'the canonical dump can tell a difference (the comparison can fail)' '
    cp back/klartext.db changed.db && sqlite3 changed.db "UPDATE org SET value = value || '\''.'\'' WHERE key = '\''dpo.name'\''" &&
    canon changed.db >c.changed && ! cmp -s c.sq c.changed
'
test_expect_success 'PostgreSQL → PostgreSQL: the same exports' '
    klartext --db "$U0" db copy --to "$U2" >/dev/null 2>&1 &&
    exports "$U2" ex.pg2 && same_exports ex.sq ex.pg2 &&
    KLARTEXT_KEYS=$KEYS klartext --db "$U2" log verify >lv && grep_q "^log verified" lv
'
test_expect_code 2 'a target file that exists is refused, unchanged (exit 2)' '
    cp back/klartext.db exists.db && sum=$(sha256sum exists.db) &&
    klartext --db sq/klartext.db db copy --to exists.db 2>err; rc=$?
    grep_q "'\''exists.db'\'' already exists: db copy makes a new register and never writes over a file" err &&
    [ "$sum" = "$(sha256sum exists.db)" ]; [ $? = 0 ] && exit $rc
'
test_expect_code 2 'a database that holds a register is refused, unchanged (exit 2)' '
    before=$(pg_sql "$URL" "SELECT count(*) FROM audit") &&
    klartext --db sq/klartext.db db copy --to "$URL" 2>err; rc=$?
    grep_q "already holds a klartext register: db copy writes only into a database without one" err &&
    [ "$before" = "$(pg_sql "$URL" "SELECT count(*) FROM audit")" ]; [ $? = 0 ] && exit $rc
'
test_expect_code 2 'a database with a table of a register'"'"'s name is refused, unchanged (exit 2)' '
    U3=$(pg_newdb) && pg_sql "$U3" "CREATE TABLE notice (x int); INSERT INTO notice VALUES (7)" &&
    klartext --db sq/klartext.db db copy --to "$U3" 2>err; rc=$?
    grep_q "already has a table .notice.: db copy writes only into a database without a register" err &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM pg_tables WHERE schemaname = '\''public'\''") $(pg_sql "$U3" "SELECT x FROM notice")" = "1 7" ]
    [ $? = 0 ] && exit $rc
'
test_expect_code 2 'a URI that libpq cannot read is bad input (exit 2), without its password' '
    klartext --db sq/klartext.db db copy --to "postgresql://kt:s3cret@localhost/x?nosuchoption=1" 2>err; rc=$?
    grep_q "is not a PostgreSQL address" err && not_grep_q s3cret err; [ $? = 0 ] && exit $rc
'
test_expect_code 2 'db without copy, and copy without --to, are bad usage' '
    { klartext --db sq/klartext.db db 2>e1; [ $? = 2 ]; } && grep_q "db needs a command" e1 &&
    { klartext --db sq/klartext.db db move --to x.db 2>e2; [ $? = 2 ]; } && grep_q "not a db command" e2 &&
    klartext --db sq/klartext.db db copy 2>e3; rc=$?; grep_q "db copy needs --to" e3 && [ ! -e x.db ] && exit $rc
'
test_expect_code 1 'a copy that fails in the middle leaves no database behind (PostgreSQL: rolled back)' '
    # a function of the schema'"'"'s name already there: the schema step that makes it fails
    U4=$(pg_newdb) && pg_sql "$U4" "CREATE FUNCTION kt_notice_dict_append_only_u() RETURNS int LANGUAGE sql AS '\''SELECT 1'\''" &&
    klartext --db sq/klartext.db db copy --to "$U4" 2>err; rc=$?
    grep_q "db copy: creating the schema: register" err &&
    [ "$(pg_sql "$U4" "SELECT count(*) FROM pg_tables WHERE schemaname = '\''public'\''")" = 0 ]; [ $? = 0 ] && exit $rc
'
test_expect_code 1 'a copy that fails in the middle leaves no file behind (SQLite: the disk is full)' '
    # files may grow to 64 KiB here: the copy fails while it writes the rows
    ( trap "" XFSZ; ulimit -f 64; klartext --db "$URL" db copy --to full.db 2>err ); rc=$?
    grep_q "db copy: writing table\|db copy: creating the schema\|db copy: committing" err && cat err &&
    ! ls full.db* .full.db* 2>/dev/null; [ $? = 0 ] && exit $rc
'
test_expect_success 'a copy killed (SIGKILL) in the middle leaves no file at the target: the re-run copies' '
    # another session holds a lock on notice_event: the copy waits there, its temporary file
    # written up to that table, and is killed while it waits
    pg_sql "$URL" "BEGIN; LOCK TABLE notice_event IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)" >/dev/null 2>&1 &
    locker=$!
    for i in $(seq 500); do
        [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_locks WHERE relation = '\''notice_event'\''::regclass AND granted")" != 0 ] && break
        sleep 0.02
    done
    "$KLARTEXT" --db "$URL" db copy --to killed.db >/dev/null 2>err &
    pid=$!
    for i in $(seq 500); do
        [ "$(pg_sql "$URL" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
              AND wait_event_type = '\''Lock'\'' AND query LIKE '\''%notice_event%'\''")" != 0 ] && break
        sleep 0.02
    done
    tmp=$(ls -d .killed.db.copy-* 2>/dev/null | head -1)
    kill -9 $pid; wait $pid; rc=$?
    pg_sql "$URL" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '\''%pg_sleep(60)%'\''
                   AND pid <> pg_backend_pid()" >/dev/null; wait $locker
    echo "the copy: exit $rc, its temporary file: ${tmp:-none} ($(stat -c %s "$tmp" 2>/dev/null) bytes)"
    [ $rc = 137 ] && [ -n "$tmp" ] || exit 1
    [ ! -e killed.db ] && klartext --db "$URL" db copy --to killed.db >out 2>err2 || { cat err2; exit 1; }
    [ -f killed.db ] && [ ! -e killed.db-wal ] && [ "$(stat -c %a killed.db)" = 600 ] ||
        { echo "not one file of mode 0600"; exit 1; }
    KLARTEXT_KEYS=$KEYS klartext --db killed.db log verify >lv && grep_q "^log verified" lv &&
    [ "$(sqlite3 killed.db "SELECT count(*) FROM notice_event")" = "$(pg_sql "$URL" "SELECT count(*) FROM notice_event")" ] &&
    ! ls .killed.db.copy-* 2>/dev/null | grep -v -F "$tmp"   # the re-run left no file of its own
'
test_expect_code 1 'a source of a newer klartext is refused with both versions' '
    cp sq/klartext.db newer.db && sqlite3 newer.db "UPDATE meta SET value = '\''99'\'' WHERE key = '\''schema_version'\''" &&
    klartext --db newer.db db copy --to n.db 2>err; rc=$?
    grep_q "has schema version 99, but this klartext (.*) knows only up to $V" err && [ ! -e n.db ]; [ $? = 0 ] && exit $rc
'
test_done
