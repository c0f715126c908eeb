#!/usr/bin/env bash
# t3010-csv-formulas — the spreadsheet formula guard (OWASP "CSV injection") in every CSV that
# klartext writes: a cell beginning with = + - @ TAB or CR gets one leading ', except plain
# numbers and the lone "-" (src/util/csv.h; docs/scan.md "Formula guard"). The scanner's own
# byte-exact case is tests/scan/cases/csv-formulas.
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1

cat >rule.conf <<'R'
format = combined
from   = 2018-11-12T14:00:00Z
until  = 2018-11-21T09:12:00Z
[exposure "profile"]
method  = GET
request = ^/profile/([^?]+)
status  = 200
viewer  = user|ip
fields  = name,email
[exposure "raw-target"]
method  = GET
request = ^([=+@-][^?]*)
status  = 200
viewer  = user|ip
fields  = name
R
# a user id, a page (the subject in it) and a user agent that are formulas
cat >access.log <<'L'
10.0.0.1 - =HYPERLINK("http://x") [13/Nov/2018:10:00:00 +0000] "GET /profile/C1 HTTP/1.1" 200 5 "-" "=cmd|' /C calc'!A0"
10.0.0.2 - - [13/Nov/2018:10:01:00 +0000] "GET /profile/=HYPERLINK(\"http://x\") HTTP/1.1" 200 5 "-" "Mozilla"
10.0.0.3 - bob [13/Nov/2018:10:02:00 +0000] "GET @SUM(1+1) HTTP/1.1" 200 5 "-" "Mozilla"
10.0.0.4 - bob [13/Nov/2018:10:03:00 +0000] "GET /profile/-5 HTTP/1.1" 200 5 "-" "Mozilla"
10.0.0.5 - bob [13/Nov/2018:10:04:00 +0000] "GET /profile/+49-30-1234?x=1 HTTP/1.1" 200 5 "-" "Mozilla"
10.0.0.6 - bob [13/Nov/2018:10:05:00 +0000] "GET /profile/- HTTP/1.1" 200 5 "-" "Mozilla"
10.0.0.7 - bob [13/Nov/2018:10:06:00 +0000] "GET /profile/-0.25 HTTP/1.1" 200 5 "-" "Mozilla"
L
cat >want.csv <<'W'
subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields
'+49-30-1234,2018-11-13T10:04:00Z,2018-11-13T10:04:00Z,1,1,1,0,/profile/+49-30-1234,email;name
-,2018-11-13T10:05:00Z,2018-11-13T10:05:00Z,1,1,1,0,/profile/-,email;name
-0.25,2018-11-13T10:06:00Z,2018-11-13T10:06:00Z,1,1,1,0,/profile/-0.25,email;name
-5,2018-11-13T10:03:00Z,2018-11-13T10:03:00Z,1,1,1,0,/profile/-5,email;name
"'=HYPERLINK(""http://x"")",2018-11-13T10:01:00Z,2018-11-13T10:01:00Z,1,1,0,1,"/profile/=HYPERLINK(""http://x"")",email;name
'@SUM(1+1),2018-11-13T10:02:00Z,2018-11-13T10:02:00Z,1,1,1,0,'@SUM(1+1),name
C1,2018-11-13T10:00:00Z,2018-11-13T10:00:00Z,1,1,1,0,/profile/C1,email;name
W

test_expect_success 'scan --csv: formula cells get one leading apostrophe, numbers and "-" do not' '
    klartext scan --rule rule.conf --csv out.csv access.log 2>err &&
    grep_q "lines read 7, parsed in full 7, matched 7, malformed 0" err &&
    diff -u want.csv out.csv
'
test_expect_success 'scan --csv: a CSV reader gets the guarded text; the user id is in no cell' '
    /usr/bin/python3 -c "
import csv; rows=list(csv.DictReader(open(\"out.csv\", newline=\"\")))
subj=[r[\"subject\"] for r in rows]
assert subj==[\"'\''+49-30-1234\",\"-\",\"-0.25\",\"-5\",\"'\''=HYPERLINK(\\\"http://x\\\")\",\"'\''@SUM(1+1)\",\"C1\"], subj
assert rows[5][\"pages\"]==\"'\''@SUM(1+1)\" and rows[4][\"pages\"]==\"/profile/=HYPERLINK(\\\"http://x\\\")\", rows
for r in rows:
    for v in r.values():
        assert v==\"\" or v[0] not in \"=+@\\t\\r\", (r, v)
        assert v[:1]!=\"-\" or v in (\"-\",\"-0.25\",\"-5\"), (r, v)
" && not_grep_q "cmd|" out.csv && not_grep_q "^=" out.csv
'
test_expect_success 'scan to stdout: the same bytes' '
    klartext scan --rule rule.conf access.log >stdout.csv 2>/dev/null && cmp want.csv stdout.csv
'
test_expect_success 'exposure --format csv: the same bytes as scan --csv' '
    klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" >/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log 2>err &&
    klartext exposure 2018-0001 --format csv >reg.csv && cmp want.csv reg.csv
'
test_expect_success 'scan --csv: TAB and CR at the start of a cell (jsonl)' '
    printf "format = jsonl\n[exposure \"all\"]\n" >j.rule &&
    printf "%s\n" "{\"ts\":\"2018-11-13T10:00:00Z\",\"subject\":\"\\tx\",\"viewer\":\"v\",\"where\":\"/a\",\"fields\":[\"name\"]}" \
                  "{\"ts\":\"2018-11-13T10:00:00Z\",\"subject\":\"\\rx\",\"viewer\":\"v\",\"where\":\"\\r/b\",\"fields\":[\"name\"]}" >e.jsonl &&
    klartext scan --rule j.rule --csv j.csv e.jsonl 2>err &&
    printf "%s\n" "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields" \
                  "'\''	x,2018-11-13T10:00:00Z,2018-11-13T10:00:00Z,1,1,1,0,/a,name" \
                  "\"'\''$(printf "\r")x\",2018-11-13T10:00:00Z,2018-11-13T10:00:00Z,1,1,1,0,\"'\''$(printf "\r")/b\",name" >jwant.csv &&
    cmp jwant.csv j.csv
'
test_expect_success 'report --register --format csv: a title "=1+1" and other typed text are guarded' '
    klartext incident new --title "=1+1" --aware-at 2018-11-21T10:00:00Z --aware-how "@SUM(1+1)" \
        --description "+cmd, with a comma" --consequences "-" >/dev/null &&
    klartext incident new --title "Normal, title" --aware-at 2018-11-21T11:00:00Z --aware-how "staff" >/dev/null &&
    klartext report --register --format csv >r.csv &&
    grep_q "^2018-0002,'\''=1+1,suspected," r.csv &&
    grep_q ",\"'\''+cmd, with a comma\"," r.csv &&
    /usr/bin/python3 -c "
import csv; rows=list(csv.DictReader(open(\"r.csv\", newline=\"\")))
assert [r[\"ref\"] for r in rows]==[\"2018-0001\",\"2018-0002\",\"2018-0003\"], rows
a,b,c=rows
assert b[\"title\"]==\"'\''=1+1\" and b[\"aware_how\"]==\"'\''@SUM(1+1)\", b
assert b[\"description\"]==\"'\''+cmd, with a comma\" and b[\"consequences\"]==\"-\", b
assert b[\"aware_at\"]==\"2018-11-21T10:00:00Z\", b
assert c[\"title\"]==\"Normal, title\" and c[\"aware_how\"]==\"staff\", c
assert a[\"title\"]==\"Profile pages\" and a[\"people\"]==\"7\" and a[\"count_method\"]==\"log analysis\", a
"
'
test_expect_success 'a subject that begins with U+FEFF: exposure --format csv gives the bytes of scan --csv (quoted only for , " CR LF)' '
    printf "%s\n" "{\"ts\":\"2018-11-13T10:00:00Z\",\"subject\":\"\\ufeffbom\",\"viewer\":\"v\",\"where\":\"/a\",\"fields\":[\"name\"]}" >bom.jsonl &&
    klartext scan --rule j.rule --csv bom.csv bom.jsonl 2>/dev/null &&
    grep -q "^$(printf "\357\273\277")bom,2018" bom.csv &&
    klartext incident new --title "BOM" --aware-at 2018-11-21T09:12:00Z --aware-how "test" >/dev/null &&
    klartext scan --rule j.rule --incident 2018-0002 bom.jsonl 2>/dev/null &&
    klartext exposure 2018-0002 --format csv >bom2.csv && cmp bom.csv bom2.csv
'
test_done
