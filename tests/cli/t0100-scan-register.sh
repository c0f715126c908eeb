#!/usr/bin/env bash
# scan --incident: the register holds exactly what scan --csv writes; versions; privacy;
# nothing stored when the scan fails.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null

. "$SRC_DIR/tests/fixtures.sh"
write_rule   # the profile-page rule of the 2018 case
cat >access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "Mozilla"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "Mozilla"
10.0.0.3 - C0012345678 [13/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "Mozilla"
10.0.0.2 - - [20/Nov/2018:22:41:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 304 0 "-" "Mozilla"
2001:db8::7 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "Mo \"zilla\""
10.0.0.9 - - [21/Nov/2018:09:12:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "late"
L

test_expect_success 'scan --csv - writes the exposure CSV and a summary on stderr' '
    klartext scan --rule rule.conf --csv - access.log >out.csv 2>err &&
    head -1 out.csv | grep_q "^subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields$" &&
    grep_q "^C0012345678,2018-11-12T14:03:00Z,2018-11-20T22:41:00Z,3,2,1,1,/gp/profile/C0012345678,email;name$" out.csv &&
    grep_q "^C0099999999,2018-11-14T10:00:00Z,2018-11-14T10:00:00Z,1,1,1,0,/gp/profile/C0099999999,email;name$" out.csv &&
    [ $(wc -l <out.csv) = 3 ] && grep_q "lines read 6" err
'
test_expect_success 'scan --incident stores a scan version; exposure --format csv gives the same bytes' '
    klartext scan --rule rule.conf --incident 2018-0001 --hash-inputs access.log 2>err &&
    grep_q "Stored as scan version 1 of incident 2018-0001: 2 people, 4 records" err &&
    klartext exposure 2018-0001 --format csv >reg.csv && cmp out.csv reg.csv
'
test_expect_success 'the incident holds the counts, the timeline the rule, its SHA-256 and the inputs' '
    klartext --json incident show 2018-0001 >j && /usr/bin/python3 -c "
import json,hashlib; j=json.load(open(\"j\"))
assert j[\"approx_subjects\"]==2 and j[\"approx_records\"]==4, j
texts=\" \".join(e[\"text\"] for e in j[\"timeline\"])
rule=open(\"rule.conf\",\"rb\").read(); log=open(\"access.log\",\"rb\").read()
assert hashlib.sha256(rule).hexdigest() in texts
assert hashlib.sha256(log).hexdigest() in texts, \"input sha256 missing\"
assert \"access.log (%d bytes\" % len(log) in texts
assert \"keyed hashes only\" in texts
"
'
test_expect_success 'exposure text form reads like a sentence for the DPO' '
    klartext exposure 2018-0001 --subject C0012345678 --utc >t &&
    tr -s " \n" " " <t | grep_q "C0012345678: e-mail address, name visible on /gp/profile/C0012345678 from 12 Nov 14:03 to 20 Nov 22:41 UTC (8 days 8 h), 3 views by 2 other people: 1 signed-in customer, 1 anonymous visitor"
'
test_expect_success 'exposure --format json' '
    klartext exposure 2018-0001 --format json >j && /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); e=j[\"exposures\"][0]
assert j[\"scan\"][\"version\"]==1 and e[\"subject\"]==\"C0012345678\" and e[\"fields\"]==[\"email\",\"name\"] and e[\"views\"]==3"
'
sqlite_only "reads the register with sqlite3"
test_expect_success 'viewer identities are keyed hashes, not addresses or accounts' '
    ! sqlite3 klartext.db "SELECT * FROM exposure" | grep -a -q -e 10.0.0 -e C0000000001 -e 2001:db8 &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM exposure WHERE viewer_identities IS NULL")" = 2 ] &&
    [ "$(sqlite3 klartext.db "SELECT group_concat(length(viewer_list)) FROM exposure ORDER BY subject")" != "" ]
'
test_expect_success 'a re-scan is a new version; the old one stays; --keep-viewers is recorded' '
    klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log 2>/dev/null &&
    { test_on_pg || [ "$(sqlite3 klartext.db "SELECT group_concat(version || \":\" || current) FROM scan")" = "1:0,2:1" ]; } &&
    klartext exposure 2018-0001 --scan 1 --format csv | cmp - out.csv &&
    klartext incident show 2018-0001 | grep_q "Raw viewer identities were kept" &&
    [ "$(reg_sql "SELECT count(*) FROM exposure e JOIN scan s ON s.id=e.scan_id WHERE s.version=2 AND viewer_identities IS NOT NULL")" = 2 ]
'
sqlite_only "looks at the SQLite schema"
test_expect_success 'one row per person, WITHOUT ROWID, the viewers packed into it; no exposure_viewer' '
    sqlite3 klartext.db "SELECT sql FROM sqlite_schema WHERE name = \"exposure\"" >schema.txt &&
    grep_q "WITHOUT ROWID" schema.txt && grep_q "viewer_list BLOB NOT NULL" schema.txt && not_grep_q REFERENCES schema.txt &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM sqlite_schema WHERE name = \"exposure_viewer\"")" = 0 ] &&
    [ "$(sqlite3 klartext.db "SELECT DISTINCT typeof(viewer_list) FROM exposure")" = blob ]
'
# tests/data/register-step12: a register made by the klartext of main at 59c7195 (schema step 12,
# one exposure_viewer row per pair; make.sh there), dumped, with that binary's answers to the
# commands below. Opened by this build it migrates (step 14 packs the viewers) and answers the same.
STEP12=$SRC_DIR/tests/data/register-step12
step12_answers() {  # step12_answers DIR: the answers that read the viewers
    for v in 1 2; do klartext exposure 2018-0001 --scan $v --format csv >$1/exp1-$v.csv || return 1; done &&
    klartext exposure 2018-0002 --format json >$1/exp2.json &&
    klartext exposure 2018-0001 --subject C0012345678 --utc >$1/subject.txt &&
    klartext report 2018-0001 --format json >$1/report1.json 2>/dev/null &&
    klartext report 2018-0002 --format json >$1/report2.json 2>/dev/null &&
    KLARTEXT_NOW=2019-06-01T10:00:00Z klartext purge --dry-run >$1/purge.txt
}
step12_same() {  # step12_same DIR: every answer byte for byte as the old binary gave it
    for f in exp1-1.csv exp1-2.csv exp2.json subject.txt report1.json report2.json purge.txt; do
        cmp "$STEP12/$f" "$1/$f" || return 1; done
}
sqlite_only "loads a SQLite dump"
test_expect_success 'a register of schema step 12 migrates in one step; every answer that reads viewers as before' '
    mkdir s12 && (cd s12 && sqlite3 klartext.db <"$STEP12/register.sql" &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM exposure_viewer")" = 65 ] &&
        mkdir got && step12_answers got && step12_same got &&
        [ "$(sqlite3 klartext.db "SELECT value FROM meta WHERE key = \"schema_version\"")" = 16 ] &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM sqlite_schema WHERE name = \"exposure_viewer\"")" = 0 ] &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM exposure WHERE viewer_identities IS NOT NULL")" = 26 ] &&
        klartext audit | grep_q "register.migrate.*schema_version.*13.*14" &&
        klartext audit | grep_q "register.migrate.*schema_version.*14.*15")
'
sqlite_only "makes a SQLite file of step 11"
test_expect_success 'a register of schema step 11 (viewers as hex text, rowid tables) migrates through 12 and 13' '
    mkdir s11 && (cd s11 && sqlite3 klartext.db <"$STEP12/register.sql" && sqlite3 klartext.db "
        CREATE TABLE e11 (scan_id INTEGER NOT NULL REFERENCES scan(id), subject TEXT NOT NULL,
          first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, views INTEGER NOT NULL, viewers INTEGER NOT NULL,
          signed_in_viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL, pages TEXT NOT NULL, fields TEXT NOT NULL,
          PRIMARY KEY (scan_id, subject)) STRICT;
        INSERT INTO e11 SELECT * FROM exposure ORDER BY subject DESC; DROP TABLE exposure; ALTER TABLE e11 RENAME TO exposure;
        CREATE TABLE v11 (scan_id INTEGER NOT NULL REFERENCES scan(id), subject TEXT NOT NULL, viewer TEXT NOT NULL,
          kind TEXT NOT NULL, identity TEXT, views INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
          PRIMARY KEY (scan_id, subject, viewer)) STRICT;
        INSERT INTO v11 SELECT scan_id, subject, lower(hex(viewer)), kind, identity, views, first_seen, last_seen
          FROM exposure_viewer ORDER BY subject DESC;
        DROP TABLE exposure_viewer; ALTER TABLE v11 RENAME TO exposure_viewer;
        UPDATE meta SET value = 11 WHERE key = \"schema_version\"" &&
        [ "$(sqlite3 klartext.db "SELECT DISTINCT typeof(viewer) || length(viewer) FROM exposure_viewer")" = text32 ] &&
        mkdir got && step12_answers got && step12_same got &&
        [ "$(sqlite3 klartext.db "SELECT count(*) FROM sqlite_schema WHERE sql LIKE \"%WITHOUT ROWID%\"")" = 1 ] &&
        [ "$(sqlite3 klartext.db "SELECT value FROM meta WHERE key = \"schema_version\"")" = 16 ])
'
sqlite_only "damages a SQLite file of step 12"
test_expect_code 1 'a pair row without its person is refused by the migration, the register left as it was' '
    mkdir s12o && cd s12o && sqlite3 klartext.db <"$STEP12/register.sql" &&
    sqlite3 klartext.db "DELETE FROM exposure WHERE subject = \"C0000000003\" AND scan_id = 2" &&
    before=$(sqlite3 klartext.db .dump | sha256sum)
    klartext exposure 2018-0001 --format csv >out 2>err; rc=$?
    grep_q "exposure_viewer rows without the exposure row of their person" err &&
    [ "$(sqlite3 klartext.db .dump | sha256sum)" = "$before" ] && [ ! -s out ]; exit $rc
'
test_expect_success 'a store of many rows (64 per statement and the rest) holds exactly what scan --csv writes' '
    mkdir many && (cd many && gen_people 150) &&
    klartext incident new --title Many --aware-at 2018-11-21T09:00:00Z --aware-how x >/dev/null &&
    klartext scan --rule rule.conf --csv many/scan.csv many/access.log 2>/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers many/access.log 2>err &&
    grep_q "Stored as scan version 1 of incident 2018-0002: 150 people" err &&
    klartext exposure 2018-0002 --format csv | cmp - many/scan.csv &&
    [ "$(reg_sql "SELECT count(*), sum(e.viewers), sum(e.signed_in_viewers), count(e.viewer_identities)
        FROM exposure e JOIN scan s ON s.id = e.scan_id JOIN incident i ON i.id = s.incident_id
        WHERE i.ref = '"'"'2018-0002'"'"'")" = "150|200|50|150" ] &&
    klartext report 2018-0002 --format json 2>/dev/null >r.json && /usr/bin/python3 -c "
import json
def find(o):
    if isinstance(o, dict):
        if \"anonymous_viewers\" in o: return (o[\"viewers\"], o[\"signed_in_viewers\"], o[\"anonymous_viewers\"])
        o = list(o.values())
    for v in o if isinstance(o, list) else []:
        f = find(v)
        if f: return f
f = find(json.load(open(\"r.json\"))); assert f == (200, 50, 150), f"
'
test_expect_code 1 'a row the register refuses in the bulk store (COPY on PostgreSQL): exit 1 naming it, nothing stored' '
    if test_on_pg; then reg_sql "ALTER TABLE exposure ADD CONSTRAINT kt_test_refuse CHECK (subject <> '"'"'C0000000140'"'"') NOT VALID"
    else sqlite3 klartext.db "CREATE TRIGGER kt_test_refuse BEFORE INSERT ON exposure WHEN NEW.subject = '"'"'C0000000140'"'"'
        BEGIN SELECT RAISE(ABORT, '"'"'kt_test_refuse'"'"'); END"; fi
    before=$(db_dump)
    klartext scan --rule rule.conf --incident 2018-0002 many/access.log 2>err; rc=$?
    ok=0; grep_q "kt_test_refuse" err && [ "$before" = "$(db_dump)" ] && ok=1
    if test_on_pg; then reg_sql "ALTER TABLE exposure DROP CONSTRAINT kt_test_refuse"
    else sqlite3 klartext.db "DROP TRIGGER kt_test_refuse"; fi
    cat err >&2; [ $ok = 1 ] || exit 99; exit $rc
'
test_expect_code 2 'a bad rule is rejected before any log is read, naming the line' '
    printf "format = combined\nfrom = 2018-11-12T14:00:00Z\nuntil = 2018-11-21T09:12:00Z\n[exposure \"x\"]\nrequest = ^/gp/profile/[A-Z]+\nstatus = 200\n" >bad.rule
    klartext scan --rule bad.rule --csv - /nonexistent.log 2>err; rc=$?
    grep_q "bad.rule line 5" err && not_grep_q nonexistent err; exit $rc
'
test_expect_code 2 'a truncated gzip: error naming the file, nothing stored' '
    gzip -c access.log >a.gz; head -c $(( $(stat -c %s a.gz) - 12 )) a.gz >trunc.gz
    before=$(db_dump)
    klartext scan --rule rule.conf --incident 2018-0001 trunc.gz 2>err; rc=$?
    grep_q "trunc.gz" err && [ "$before" = "$(db_dump)" ]; exit $rc
'
test_expect_code 2 'scan --incident of an unknown incident' 'klartext scan --rule rule.conf --incident 2018-0042 access.log'
test_expect_code 2 'exposure of an incident without a scan' '
    klartext incident new --title U --aware-at 2018-11-21T09:00:00Z --aware-how x >/dev/null
    klartext exposure 2018-0003 2>err; rc=$?; grep_q "no exposure scan yet" err; exit $rc
'
test_done
