#!/usr/bin/env bash
# notify --letters: a PDF letter (A4, DIN 5008 form B window envelope) for each person e-mail does
# not reach, typeset with cairo and pango: the text, the address in the window (pdftotext -bbox),
# embedded fonts (pdffonts), A4 (pdfinfo), the code verified by `verify --code` and the portal,
# the combined PDF and its manifest, people not reachable and with incomplete addresses, a re-run
# that makes no second letter, a lost PDF typeset again byte for byte, --for failed after a 5xx,
# the counts in --status, fonts missing, bad input.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
for t in pdftotext pdffonts pdfinfo pdftoppm; do
    command -v $t >/dev/null || { echo "1..0 # SKIP $t is not installed (poppler-utils)"; exit 0; }
done
export KLARTEXT_NOW=2018-11-22T10:00:00Z
write_org
klartext init --org org.ini >/dev/null 2>&1
klartext incident new --title "Namen auf Profilseiten sichtbar" --aware-at 2018-11-21T09:12:00Z \
    --aware-how "Hinweis einer Kundin" --breach-types confidentiality --cause programming-error \
    --occurred-from 2018-11-12T14:00:00Z --occurred-until 2018-11-21T09:12:00Z \
    --contained-at 2018-11-21T09:12:00Z --data-not-affected password,payment-card >/dev/null
write_rule
write_people
# Max (no e-mail, an Austrian address), Kim (no e-mail, no postcode), Lea (no e-mail, no
# address), John (e-mail that the relay refuses, and an address), Erika (e-mail only)
cat >subjects.csv <<'C'
subject,name,email,language,timezone,salutation,street,postcode,city,country
C0012345678,Erika Mustermann,erika@example.org,de,Europe/Berlin,Sehr geehrte Frau,,,,
C0099999999,John Doe,john@example.com,en,America/New_York,Dear Mr,350 Fifth Avenue,NY 10118,New York,USA
C0055555555,Max Muster,,de,Europe/Vienna,,Mariahilfer Straße 12/3,1060,Wien,Österreich
C0066666666,Kim O'Neil,,en,Europe/London,Dear Ms,10 Downing Street,,London,United Kingdom
C0077777777,Lea Öztürk,,de,Europe/Vienna,,,,,
C
klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1
klartext subjects import 2018-0001 subjects.csv >/dev/null
klartext assess 2018-0001 >/dev/null
klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana DPO" --reason "we tell everyone" >/dev/null
klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null

test_expect_code 1 'letters need an approval of the letter templates too (a changed template is named)' '
    mkdir tpl && printf "{{org.name}}: Brief\n" >tpl/letter.de.subject.mustache &&
    klartext notify 2018-0001 --letters out --templates tpl 2>err; rc=$?
    grep_q "changed since approval #1 by Dana DPO (templates)" err && [ ! -e out ] && exit $rc
'
test_expect_success '--letters: one PDF for Max, the combined PDF and the manifest; Kim and Lea listed' '
    klartext notify 2018-0001 --letters out >sum &&
    grep -E -q "people the letters are for +3" sum && grep -E -q "letters made in this run +1" sum &&
    grep -E -q "not reachable \(no postal address\) +1" sum && grep -E -q "incomplete address \(no letter\) +1" sum &&
    grep -E -q "^C0077777777 +no e-mail address and no postal address$" sum &&
    grep -E -q "^C0066666666 +the postal address has no postcode$" sum &&
    grep_q "For the print service: out/letters-2018-0001-000001.pdf" sum &&
    [ "$(ls out | sort | tr "\n" " ")" = "2018-0001-000001.pdf letters-2018-0001-000001.csv letters-2018-0001-000001.pdf " ] &&
    [ "$(stat -c %a out/2018-0001-000001.pdf)" = 600 ] && [ "$(stat -c %a out)" = 700 ]
'
test_expect_success 'pdftotext: the name, the address, the code, the facts, how to check it without a link' '
    pdftotext out/2018-0001-000001.pdf t.txt && tr -s " \n" " " <t.txt >flat &&
    grep_q "Max Muster" t.txt && grep_q "Mariahilfer Straße 12/3" t.txt && grep_q "1060 Wien" t.txt &&
    grep_q "ÖSTERREICH" t.txt && grep_q "Guten Tag Max Muster," t.txt &&
    code=$(grep -o "Prüfcode: [0-9A-Z-]*" t.txt | cut -d" " -f2) && [ ${#code} = 19 ] && echo "$code" >code &&
    grep_q "Ihr Code $code" <(pdftotext -layout out/2018-0001-000001.pdf - | tr -s " ") &&
    grep_q "einmal aufgerufen von einer anderen Person" flat &&
    grep_q "auf dieser Seite unserer Website: /gp/profile/C0055555555" flat &&
    grep_q "Donnerstag, 15. November 2018, 11:00 Uhr MEZ" flat &&
    grep_q "Tippen Sie die Adresse https://verify.beispiel-versand.example selbst in Ihren Browser ein" flat &&
    grep_q "+49 30 1234567-100" flat && grep_q "22. November 2018" t.txt && grep_q "2018-0001-000001" t.txt &&
    not_grep_q "minisign" flat && not_grep_q "notice.txt" flat && not_grep_q "auf diese E-Mail antworten" flat
'
test_expect_success 'pdffonts: every font embedded; pdfinfo: A4, the dates of KLARTEXT_NOW' '
    pdffonts out/2018-0001-000001.pdf >f && [ "$(tail -n +3 f | wc -l)" -ge 2 ] &&
    [ "$(tail -n +3 f | awk "{ if (\$(NF-4) != \"yes\") print }" | wc -l)" = 0 ] && grep_q "DejaVuSans" f &&
    pdfinfo out/2018-0001-000001.pdf >i && grep -E -q "^Page size: +595.276 x 841.89 pts \(A4\)" i &&
    grep -E -q "^CreationDate: +Thu Nov 22 10:00:00 2018 UTC" i && grep -E -q "^Pages: +[2-4]$" i &&
    pdffonts out/letters-2018-0001-000001.pdf | tail -n +3 | awk "{ if (\$(NF-4) != \"yes\") exit 1 }"
'
test_expect_success 'the address and the return line are inside the window of DIN 5008 form B (20-105 mm, 45-90 mm)' '
    pdftotext -bbox -f 1 -l 1 out/2018-0001-000001.pdf bbox.html &&
    /usr/bin/python3 - bbox.html <<EOF
import re, sys
words = re.findall(r"<word xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">([^<]*)</word>", open(sys.argv[1]).read())
mm = lambda v: float(v) * 25.4 / 72
def box(w):
    hits = [tuple(map(mm, x[:4])) for x in words if x[4] == w]
    assert hits, w
    return hits[0]
for w in ("Max", "Mariahilfer", "1060", "Wien", "ÖSTERREICH"):
    x0, y0, x1, y1 = box(w)
    assert 20 <= x0 and x1 <= 105 and 62.7 <= y0 and y1 <= 90, (w, x0, y0, x1, y1)
    assert x0 >= 24.5, (w, x0)
x0, y0, x1, y1 = box("Musterstraße")  # the return line (Zusatz- und Vermerkzone)
ret = [tuple(map(mm, x[:4])) for x in words if x[4] == "Musterstraße" and 45 <= mm(x[1]) <= 62.7]
assert ret and ret[0][0] >= 20 and ret[0][2] <= 105, ret
x0, y0, x1, y1 = box("2018-0001-000001")  # the information block
assert x0 >= 125 and y0 >= 50, (x0, y0)
EOF
'
test_expect_success 'a page rendered to PNG (pdftoppm) is A4 and not blank' '
    pdftoppm -r 30 -png -f 1 -l 1 out/2018-0001-000001.pdf pg && f=$(ls pg*.png | head -1) &&
    /usr/bin/python3 -c "
import struct, sys
d = open(sys.argv[1], \"rb\").read()
w, h = struct.unpack(\">II\", d[16:24])
assert 248 <= w <= 249 and 350 <= h <= 351, (w, h)
assert len(d) > 4000, len(d)" "$f"
'
test_expect_success 'the manifest names every letter of the combined PDF with its pages and address lines' '
    head -1 out/letters-2018-0001-000001.csv | grep_q "^file,notice,first_page,pages,language,address_line_1," &&
    pages=$(pdfinfo out/2018-0001-000001.pdf | sed -n "s/^Pages: *//p") &&
    grep_q "^2018-0001-000001.pdf,2018-0001-000001,1,$pages,de,Max Muster,Mariahilfer Straße 12/3,1060 Wien,ÖSTERREICH,," out/letters-2018-0001-000001.csv &&
    [ "$(pdfinfo out/letters-2018-0001-000001.pdf | sed -n "s/^Pages: *//p")" = "$pages" ]
'
sqlite_only "reads the notice, outbox and log rows from the SQLite file"
test_expect_success 'the letter is in the register: kind letter, written, a log commitment, no code in clear' '
    [ "$(sqlite3 klartext.db "SELECT n.kind, o.state, n.message_codec, n.rcpt_masked FROM notice n JOIN outbox o ON o.notice = n.id")" = "letter|written|letter1|by post" ] &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM tlog_entry WHERE kind = \"notice\" AND ref = \"2018-0001-000001\"")" = 1 ] &&
    ! sqlite3 klartext.db .dump | grep -q "$(cat code)"
'
test_expect_success 'verify --code knows the letter: genuine, a printed letter, its signature' '
    klartext verify --code "$(cat code)" >v && grep_q "^GENUINE" v && grep_q "a printed letter" v &&
    grep_q "signature    valid" v && grep_q "sent to      by post" v
'
test_expect_success 'the portal verifies the letter code' '
    "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve.log & spid=$!    # not the function: $! is the server
    for _ in $(seq 100); do URL=$(grep -o "http://127.0.0.1:[0-9]*" serve.log | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done
    curl -s -X POST --data-urlencode "code=$(cat code)" -d lang=en "$URL/verify" >ok.html; kill $spid; wait $spid
    grep_q "Yes, this message is genuine" ok.html && grep_q "/incident/2018-0001" ok.html &&
    grep_q "The letter itself lists which of your data was affected" ok.html &&
    ! grep -q "Also enter the e-mail address" ok.html
'
test_expect_success 'a letter code with a text that is no e-mail address shows nothing of the person' '
    "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve2.log & spid=$!
    for _ in $(seq 100); do URL=$(grep -o "http://127.0.0.1:[0-9]*" serve2.log | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break; sleep 0.1; done
    curl -s -X POST --data-urlencode "code=$(cat code)" -d email=x -d lang=en "$URL/verify" >x.html
    curl -s -X POST --data-urlencode "code=$(cat code)" -d email=max@example.com -d lang=en "$URL/verify" >m.html
    kill $spid; wait $spid
    grep_q "We could not confirm this message" x.html && ! grep -q "genuine" x.html &&
    grep_q "We could not confirm this message" m.html && ! grep -q "genuine" m.html
'
test_expect_success 'a re-run makes no second letter; a lost PDF is typeset again, byte for byte' '
    cp out/2018-0001-000001.pdf keep.pdf &&
    klartext notify 2018-0001 --letters out >sum2 && grep -E -q "letters made in this run +0" sum2 &&
    grep -E -q "had a letter from the current scan already +1" sum2 && grep -E -q "PDFs written in this run +0" sum2 &&
    rm out/2018-0001-000001.pdf && klartext notify 2018-0001 --letters out >sum3 &&
    grep -E -q "PDFs written in this run +1" sum3 && cmp keep.pdf out/2018-0001-000001.pdf &&
    { test_on_pg || [ "$(sqlite3 klartext.db "SELECT count(*) FROM notice")" = 1 ]; }
'
test_expect_success 'e-mail to Erika and John; the relay refuses John (550): --for failed writes him a letter' '
    smtpd_start s1 --reject john@example.com &&
    klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$s1_port" >/dev/null 2>&1; [ $? = 1 ] &&
    klartext notify 2018-0001 --letters out --for failed >sum4 &&
    grep -E -q "people the letters are for +1" sum4 && grep -E -q "letters made in this run +1" sum4 &&
    f=$(sed -n "s/^For the print service: \(out\/letters-[0-9-]*.pdf\).*/\1/p" sum4) && [ -n "$f" ] &&
    pdftotext "$f" - >john.txt && grep_q "Dear Mr John Doe," john.txt && grep_q "^Mr John Doe$" john.txt &&
    grep_q "^350 Fifth Avenue$" john.txt && grep_q "^NY 10118 New York$" john.txt && grep_q "^USA$" john.txt
'
test_expect_success '--status and --json count the letters apart from the e-mail' '
    klartext notify 2018-0001 --status >st && grep -E -q "letters \(by post, --letters\) +2" st &&
    grep -E -q "^  sent +1" st &&
    klartext --json notify 2018-0001 --status | "$PY" -c "import json,sys; j=json.load(sys.stdin); assert j[\"letters\"] == 2 and j[\"written\"] == 0, j" &&
    klartext --json notify 2018-0001 --letters out | "$PY" -c "import json,sys; j=json.load(sys.stdin); assert j[\"made\"] == 0 and j[\"kept\"] == 2 and j[\"unreachable\"][0][\"subject\"] == \"C0077777777\" and j[\"incomplete\"][0][\"why\"] == \"the postal address has no postcode\", j"
'
test_expect_success 'the report (text de/en, JSON) and report --register count the letters and who was not reached' '
    klartext report 2018-0001 --lang en | tr -s " \n" "  " >r.en &&
    grep_q "; 2 letters by post (printed, for people without e-mail or whose e-mail failed)" r.en &&
    grep_q "Not told individually (yet) 2" r.en &&
    klartext report 2018-0001 --lang de | tr -s " \n" "  " | grep_q "2 Briefe per Post" &&
    klartext report 2018-0001 --format json | jq -e ".communication.notices.letters == 2 and .communication.notices.not_reached == 2" >/dev/null &&
    klartext report --register --lang en | tr -s " \n" "  " | grep_q "2 letters by post; not told individually: 2"
'
test_expect_code 1 'fonts missing: a clear error naming the Debian package; nothing made' '
    printf "<?xml version=\"1.0\"?>\n<fontconfig><dir>%s/nofonts</dir><cachedir>%s/fccache</cachedir></fontconfig>\n" "$PWD" "$PWD" >fonts.conf &&
    mkdir -p nofonts && FONTCONFIG_FILE=$PWD/fonts.conf klartext notify 2018-0001 --letters out2 --for all 2>err; rc=$?
    grep_q "fonts-dejavu-core" err && [ -z "$(ls out2)" ] &&
    klartext --json notify 2018-0001 --status | jq -e ".letters == 2" >/dev/null && exit $rc
'
test_expect_code 2 'bad input: --for with a bad word, --for without --letters, --letters naming a file' '
    klartext notify 2018-0001 --letters out --for email 2>e1; r1=$?
    klartext notify 2018-0001 --status --for all 2>e2; r2=$?
    touch afile; klartext notify 2018-0001 --letters afile 2>e3; r3=$?
    [ $r1 = 2 ] && [ $r2 = 2 ] && grep_q "for .email.: use no-email, failed, no-email,failed or all" e1 &&
    grep_q "\-\-for goes with \-\-letters" e2 && grep_q "is not a directory" e3 && exit $r3
'
test_done
