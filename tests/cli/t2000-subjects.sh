#!/usr/bin/env bash
# subjects import/list: every row checked, nothing stored on any error, only exposed people's
# rows kept, people without contact data named and never dropped, unknown subjects counted.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null
klartext incident new --title "No scan yet" --aware-at 2018-11-21T09:30:00Z --aware-how "audit" >/dev/null
. "$SRC_DIR/tests/fixtures.sh"
write_rule   # the profile-page rule of the 2018 case
cat >access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "M"
10.0.0.3 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
10.0.0.5 - - [15/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0055555555 HTTP/1.1" 200 512 "-" "M"
10.0.0.5 - - [15/Nov/2018:11:00:00 +0000] "GET /gp/profile/C0066666666 HTTP/1.1" 200 512 "-" "M"
L
klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null
cat >subjects.csv <<'C'
subject,name,email,language,timezone,salutation
C0012345678,"Mustermann, Erika",erika@example.org,de,Europe/Berlin,Sehr geehrte Frau
C0099999999,John Doe,john@example.com,EN,Europe/London,Dear Mr
C0055555555,Max Muster,,de,Europe/Vienna,
C0000000042,Other Person,other@example.net,en,America/New_York,
C0000000043,Fourth Person,fourth@example.net,de,Europe/Berlin,
C

unchanged() {  # unchanged CODE MESSAGE CMD...
    local code=$1 msg=$2; shift 2
    local before; before=$(db_dump)
    "$@" >out 2>err; local rc=$?
    [ "$before" = "$(db_dump)" ] || { echo "register changed"; return 1; }
    [ $rc = "$code" ] || { echo "exit $rc, expected $code"; cat err; return 1; }
    grep_q "$msg" err
}

test_expect_success 'import checks every row, stores the exposed, names those without contact data' '
    klartext subjects import 2018-0001 subjects.csv >out &&
    grep_q "Imported contact data for incident 2018-0001 (version 1) from subjects.csv: 5 rows" out &&
    grep -E -q "people exposed \(current scan\) +4" out &&
    grep -E -q "with an e-mail address +2" out &&
    grep -E -q "not reachable individually +2" out &&
    grep_q "^      C0055555555$" out && grep_q "^      C0066666666$" out &&
    grep_q "never dropped" out &&
    grep -E -q "unknown subjects +2" out
'
sqlite_only "reads the register with sqlite3"
test_expect_success 'only the rows of exposed people are stored; unknown subjects are not' '
    [ "$(sqlite3 klartext.db "SELECT group_concat(subject) FROM (SELECT subject FROM subject ORDER BY subject)")" = "C0012345678,C0055555555,C0099999999" ] &&
    ! sqlite3 klartext.db .dump | grep -q -e other@example.net -e C0000000042 -e "Fourth Person" &&
    [ "$(sqlite3 klartext.db "SELECT language FROM subject WHERE subject = \"C0099999999\"")" = en ]
'
test_expect_success 'the import is audited and on the timeline, without personal data' '
    klartext audit 2018-0001 >a && grep_q "subjects.import" a && grep_q "not_reachable" a &&
    klartext incident show 2018-0001 >s && grep_q "Contact data of the affected people imported (version 1)" s &&
    not_grep_q erika@example.org a && not_grep_q C0055555555 s
'
test_expect_success 'subjects list and --json' '
    klartext subjects list 2018-0001 >l &&
    grep_q "import version 1 from subjects.csv" l && grep_q "erika@example.org" l && grep_q "(none)" l &&
    klartext --json subjects show 2018-0001 >j && /usr/bin/python3 -c "
import json; j=json.load(open(\"j\"))
assert j[\"version\"]==1 and j[\"exposed\"]==4 and j[\"reachable\"]==2 and j[\"not_reachable\"]==2, j
assert j[\"not_reachable_subjects\"]==[\"C0055555555\",\"C0066666666\"]
assert j[\"unknown_subjects\"]==2 and len(j[\"subjects\"])==3
assert j[\"subjects\"][0][\"name\"]==\"Mustermann, Erika\" and j[\"subjects\"][0][\"salutation\"]==\"Sehr geehrte Frau\"
"
'
test_expect_success 'import --json' '
    klartext --json subjects import 2018-0001 subjects.csv >j && /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); assert j[\"version\"]==2 and j[\"rows\"]==5 and j[\"unknown_subjects\"]==2, j"
'
sqlite_only "reads the register with sqlite3"
test_expect_success 'a re-import is a new version; the earlier one stays' '
    [ "$(sqlite3 klartext.db "SELECT group_concat(version || \":\" || current) FROM subject_import")" = "1:0,2:1" ] &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM subject")" = 6 ]
'
test_expect_success 'a header-only file: everyone exposed is not reachable individually' '
    printf "subject,name,email,language,timezone\n" >empty.csv &&
    klartext subjects import 2018-0001 empty.csv >out &&
    grep -E -q "not reachable individually +4" out
'
test_expect_success 'a byte-order mark and CRLF line ends are fine; columns in any order' '
    printf "\357\273\277email,subject,timezone,language,name\r\nerika@example.org,C0012345678,Europe/Berlin,de,Erika\r\n" >bom.csv &&
    klartext subjects import 2018-0001 bom.csv >out && grep -E -q "with an e-mail address +1" out
'
test_expect_success 'a broken quote: file and line, exit 2, nothing stored' '
    printf "subject,name,email,language,timezone\nC1,\"Erika,e@example.org,de,Europe/Berlin\n" >bad.csv &&
    unchanged 2 "bad.csv line 2: unterminated quote" klartext subjects import 2018-0001 bad.csv &&
    grep_q "nothing was imported" err
'
test_expect_success 'a wrong column and a missing one' '
    printf "subject,name,mail,language,timezone\nC1,E,e@example.org,de,Europe/Berlin\n" >bad.csv &&
    unchanged 2 "bad.csv line 1: unknown column .mail." klartext subjects import 2018-0001 bad.csv &&
    printf "subject,name,email,language\nC1,E,e@example.org,de\n" >bad.csv &&
    unchanged 2 "bad.csv line 1: missing column .timezone." klartext subjects import 2018-0001 bad.csv
'
test_expect_success 'an invalid time zone names line and field' '
    printf "subject,name,email,language,timezone\nC0012345678,E,e@example.org,de,Europe/Berln\n" >bad.csv &&
    unchanged 2 "bad.csv line 2, field .timezone.: .Europe/Berln. is not an IANA time zone" klartext subjects import 2018-0001 bad.csv
'
test_expect_success 'every bad row is reported, not only the first: e-mail, language, duplicates, empty id' '
    printf "subject,name,email,language,timezone\nA1,E,e@,de,UTC\nA2,E,e@example.org,fr,UTC\nA1,F,f@example.org,en,UTC\n,G,g@example.org,en,UTC\nA3,\"two\nlines\",h@example.org,en,UTC\n" >bad.csv &&
    unchanged 2 "bad.csv: 5 errors; nothing was imported" klartext subjects import 2018-0001 bad.csv &&
    grep_q "bad.csv line 2, field .email.: .e@. is not an e-mail address" err &&
    grep_q "bad.csv line 3, field .language.: .fr. is not a supported language (de, en)" err &&
    grep_q "bad.csv line 4, field .subject.: .A1. is already on line 2" err &&
    grep_q "bad.csv line 5, field .subject.: empty subject id" err &&
    grep_q "bad.csv line 6, field .name.: holds a line break" err
'
test_expect_success 'a row with too many fields' '
    printf "subject,name,email,language,timezone\nA1,E,e@example.org,de,UTC,extra\n" >bad.csv &&
    unchanged 2 "bad.csv line 2: 6 fields, header has 5" klartext subjects import 2018-0001 bad.csv
'
test_expect_success 'an empty file' '
    : >bad.csv && unchanged 2 "bad.csv: empty input" klartext subjects import 2018-0001 bad.csv
'
test_expect_success 'an incident without a scan: nothing to match, exit 2' '
    unchanged 2 "has no exposure scan yet" klartext subjects import 2018-0002 subjects.csv
'
test_expect_success 'an unknown incident, a missing file, missing arguments' '
    unchanged 2 "no incident .2018-0042." klartext subjects import 2018-0042 subjects.csv &&
    unchanged 1 "cannot open .nope.csv." klartext subjects import 2018-0001 nope.csv &&
    unchanged 2 "needs the incident" klartext subjects import 2018-0001
'
test_expect_success 'subjects list of an incident without an import' '
    klartext subjects list 2018-0002 >out && grep_q "No contact data imported for incident 2018-0002 yet" out
'
test_expect_success 'the optional postal address columns are checked and stored' '
    printf "%s\n" "subject,name,email,language,timezone,street,postcode,city,country" \
        "C0012345678,Erika Mustermann,,de,Europe/Berlin,Musterstraße 1,10115,Berlin,Deutschland" \
        "C0099999999,John Doe,john@example.com,en,Europe/London,,,," >addr.csv &&
    klartext subjects import 2018-0001 addr.csv >/dev/null &&
    { test_on_pg || [ "$(sqlite3 klartext.db "SELECT subject || \"|\" || coalesce(street, \"-\") || \"|\" || coalesce(postcode, \"-\") || \"|\" || coalesce(city, \"-\") || \"|\" || coalesce(country, \"-\") FROM subject s JOIN subject_import i ON i.id = s.import_id WHERE i.current = 1 ORDER BY subject" | tr "\n" " ")" = "C0012345678|Musterstraße 1|10115|Berlin|Deutschland C0099999999|-|-|-|- " ]; } &&
    printf "subject,name,email,language,timezone,city\nC0012345678,E,,de,Europe/Berlin,\"Ber\nlin\"\n" >bad.csv &&
    unchanged 2 "line 2, field .city.: holds a line break" klartext subjects import 2018-0001 bad.csv
'
test_expect_success 'help' 'klartext subjects --help >out && grep_q "import ID FILE.csv" out'
test_done
