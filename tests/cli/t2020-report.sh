#!/usr/bin/env bash
# report ID: the Art. 33 notification in English and German, as text, HTML, JSON and VERIS 1.4;
# no personal data of the people affected; byte-identical output; VERIS validates.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
SCHEMA="$SRC_DIR/tests/data/schemas/veris-1.4.0-merged.schema.json"
cat >org.ini <<'O'
[organisation]
name = Beispiel Shop GmbH
address = Musterstraße 1, 10115 Berlin
timezone = Europe/Berlin
languages = de,en
nis2 = no
[dpo]
name = Dana Datenschutz
email = dpo@shop.example
phone = +49 30 1234567
[service]
phone = +49 30 7654321
hours = Mo-Fr 9-17
[notices]
from = privacy@shop.example
reply_to = dpo@shop.example
[authority]
lead = Berliner Beauftragte für Datenschutz und Informationsfreiheit
[portal]
url = https://verify.shop.example
O
klartext init --org org.ini >/dev/null 2>&1
klartext incident new --title 'Names visible <b>&"profiles"</b>' --aware-at 2018-11-21T09:12:00Z --aware-how "a customer told support" \
    --breach-types confidentiality --cause programming-error --status confirmed \
    --description "A caching error showed one customer's profile page to other visitors." \
    --data-categories name,email --data-not-affected password,payment-card --subject-categories customers \
    --consequences "Targeted phishing that greets people by name." --measures-taken "The cache rule was removed." \
    --measures-proposed "Tell every affected customer." --cross-border yes \
    --occurred-from 2018-11-12T14:00:00Z --occurred-until 2018-11-21T11:00:00Z --contained-at 2018-11-21T11:00:00Z >/dev/null
. "$SRC_DIR/tests/fixtures.sh"
write_rule   # the profile-page rule of the 2018 case
cat >access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [20/Nov/2018:22:41:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 304 0 "-" "M"
10.0.0.3 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
10.0.0.5 - - [15/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0055555555 HTTP/1.1" 200 512 "-" "M"
10.0.0.5 - - [15/Nov/2018:11:00:00 +0000] "GET /gp/profile/C0066666666 HTTP/1.1" 200 512 "-" "M"
L
touch -d 2018-11-21T10:30:00Z access.log   # the scan records the log's time: fixed for the golden files
klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null
cat >subjects.csv <<'C'
subject,name,email,language,timezone,salutation
C0012345678,"Mustermann, Erika",erika@example.org,de,Europe/Berlin,Sehr geehrte Frau
C0099999999,John Doe,john@example.com,en,Europe/London,Dear Mr
C0055555555,Max Muster,,de,Europe/Vienna,
C0000000042,Other Person,other@example.net,en,America/New_York,
C
klartext subjects import 2018-0001 subjects.csv >/dev/null
klartext incident event 2018-0001 --kind finding --at 2018-11-21T10:00:00Z \
    --text "Customer C0099999999 (john@example.com) confirmed: the page of C0012345678, not his own." >/dev/null
klartext assess 2018-0001 >/dev/null
klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana Datenschutz" \
    --reason "names and e-mail addresses invite phishing; we tell the authority and every customer" >/dev/null

for lang in en de; do for fmt in text html json veris; do
    klartext report 2018-0001 --lang $lang --format $fmt >r.$lang.$fmt 2>/dev/null
done; done

test_expect_success 'the English text: Art. 33(3) (a)-(d), time limits, assessment, decision, communication' '
    f=r.en.text && grep_q "^Notification of a personal data breach" $f &&
    grep_q "^1. Nature of the breach (Art. 33(3)(a) GDPR)" $f &&
    grep_q "^2. Contact point (Art. 33(3)(b) GDPR)" $f &&
    grep_q "^3. Likely consequences (Art. 33(3)(c) GDPR)" $f &&
    grep_q "^4. Measures taken and proposed (Art. 33(3)(d) GDPR)" $f &&
    grep_q "^5. Time limits (Art. 33(1) GDPR)" $f &&
    grep_q "^Type of notification      initial notification" $f &&
    grep -E -q "^Number of people +4 \(counted from the access logs" $f &&
    grep -E -q "^Number of records +8 " $f &&
    grep_q "SE = 1 × 1 + 0.5 = 1.5: low (minor inconveniences)" $f &&
    grep_q "72-hour deadline          24 November 2018, 10:12 CET" $f &&
    tr -s " \n" " " <$f | grep_q "by Dana Datenschutz, on assessment no. 1: notify the supervisory authority: yes" &&
    tr -s " \n" " " <$f | grep_q "Reason: names and e-mail addresses invite phishing" &&
    grep -E -q "^Reachable individually +2, by e-mail" $f &&
    tr -s " \n" " " <$f | grep_q "Not reachable individually 2: no contact data is known for them; they are informed by a public communication (Art. 34(3)(c) GDPR)" &&
    grep_q "Views per day (time zone Europe/Berlin)" $f
'
test_expect_success 'the German text reads as German, with decimal commas' '
    f=r.de.text && grep_q "^Meldung einer Verletzung des Schutzes personenbezogener Daten" $f &&
    grep_q "gemäß Art. 33 der Datenschutz-Grundverordnung (DSGVO)" $f &&
    grep_q "^1. Art der Verletzung (Art. 33 Abs. 3 lit. a DSGVO)" $f &&
    grep_q "SE = 1 × 1 + 0,5 = 1,5: niedrig" $f &&
    grep_q "Kenntnis erlangt          21. November 2018, 10:12 Uhr MEZ" $f &&
    grep_q "^Art der Meldung           Erstmeldung" $f && grep_q "Kundinnen und Kunden" $f
'
test_expect_success 'the default language is the organisation'"'"'s first; --utc shows UTC' '
    klartext report 2018-0001 | cmp - r.de.text &&
    klartext --utc report 2018-0001 --lang en | grep_q "24 November 2018, 09:12 UTC"
'
test_expect_success 'the report holds no personal data of the people affected' '
    for f in r.*; do
        for s in C0012345678 C0099999999 C0055555555 C0066666666 C0000000042 C0000000001 C0000000009 \
                 erika@example.org john@example.com other@example.net Mustermann Erika "John Doe" "Max Muster" \
                 10.0.0.1 10.0.0.2 10.0.0.5; do
            if grep -q -F -- "$s" $f; then echo "$s found in $f"; exit 1; fi
        done
    done
'
test_expect_success 'ids and addresses typed into free text are removed from the report' '
    grep_q "Customer \[…\] (\[…\]) confirmed: the page of \[…\], not his own." r.en.text &&
    klartext incident show 2018-0001 | grep_q "Customer C0099999999 (john@example.com)"
'
test_expect_success 'HTML: one printable, self-contained page; every value escaped; the chart inline' '
    f=r.en.html && grep_q "^<!DOCTYPE html>" $f && grep_q "<html lang=\"en\">" $f && grep_q "@media print" $f &&
    not_grep_q "<script" $f && not_grep_q "<link" $f && not_grep_q "src=" $f &&
    [ "$(grep -o "https\?://[^\"]*" $f | sort -u)" = "http://www.w3.org/2000/svg" ] &&
    grep_q "Names visible &lt;b&gt;&amp;&quot;profiles&quot;&lt;/b&gt;" $f && not_grep_q "<b>&" $f &&
    grep_q "<svg xmlns=\"http://www.w3.org/2000/svg\"" $f &&
    grep_q "<title id=\"chart-title\">Views of the exposed data per hour</title>" $f &&
    grep_q ">views</text>" $f && grep_q "one bar per hour" $f && grep_q ">13 Nov</text>" $f &&
    grep_q "fill=\"#000\"><title>12 November 2018, 15:00 CET: 2</title>" $f &&
    grep_q "<html lang=\"de\">" r.de.html && grep_q ">Abrufe</text>" r.de.html &&
    /usr/bin/python3 -c "
import html.parser,sys
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.stack=[]
    def handle_starttag(s,t,a):
        if t not in (\"meta\",\"br\",\"rect\",\"line\"): s.stack.append(t)
    def handle_startendtag(s,t,a): pass
    def handle_endtag(s,t):
        if t in (\"rect\",\"line\"): return
        assert s.stack and s.stack[-1]==t, (t, s.stack[-3:]); s.stack.pop()
p=P(); p.feed(open(\"r.en.html\").read()); assert not p.stack, p.stack
"
'
test_expect_success 'JSON: the facts, times in UTC' '
    /usr/bin/python3 -c "
import json; j=json.load(open(\"r.en.json\"))
assert j[\"report\"][\"type\"]==\"initial\" and j[\"report\"][\"reference\"]==\"2018-0001\"
n=j[\"numbers\"]; assert n[\"people\"]==4 and n[\"records\"]==8 and n[\"views\"]==6 and n[\"anonymous_viewers\"]==2, n
assert j[\"time_limits\"][\"deadline\"]==\"2018-11-24T09:12:00Z\"
assert j[\"assessment\"][\"calculation\"]==\"1 × 1 + 0.5 = 1.5\" and j[\"decision\"][\"decided_by\"]==\"Dana Datenschutz\"
c=j[\"communication\"]; assert c[\"reachable\"]==2 and c[\"not_reachable\"]==2 and c[\"decision\"]==\"yes\", c
assert sum(h[\"views\"] for h in j[\"views_per_hour\"])==6
assert j[\"where\"]==[{\"name\":\"profile-page\",\"pattern\":\"^/gp/profile/([A-Z0-9]{10,14})(\\\\?|\$)\"}], j[\"where\"]
" && klartext --json report 2018-0001 | cmp - r.en.json
'
test_expect_success 'VERIS 1.4: validates against the schema; GDPR facts under plus' '
    /usr/bin/python3 -c "import json,jsonschema; jsonschema.validate(json.load(open(\"r.en.veris\")), json.load(open(\"$SCHEMA\")))" &&
    /usr/bin/python3 -c "
import json; v=json.load(open(\"r.en.veris\"))
assert v[\"schema_version\"]==\"1.4.0\" and v[\"security_incident\"]==\"Confirmed\" and v[\"summary\"]
assert v[\"action\"][\"error\"][\"variety\"]==[\"Programming error\"]
c=v[\"attribute\"][\"confidentiality\"]; assert c[\"data_disclosure\"]==\"Yes\" and c[\"data_total\"]==8 and c[\"data_victim\"]==[\"Customer\"]
assert v[\"plus\"][\"gdpr\"][\"numbers\"][\"people\"]==4 and v[\"timeline\"][\"incident\"]==dict(year=2018,month=11,day=12)
"
'
test_expect_success 'VERIS of a bare incident (no scan, no assessment) validates too' '
    klartext incident new --title T --aware-at 2018-11-21T09:00:00Z --aware-how x --cause hacking \
        --breach-types integrity,availability,confidentiality --status suspected >/dev/null &&
    klartext report 2018-0002 --format veris >v2 2>/dev/null &&
    /usr/bin/python3 -c "import json,jsonschema; jsonschema.validate(json.load(open(\"v2\")), json.load(open(\"$SCHEMA\")))" &&
    klartext incident new --title P --aware-at 2018-11-21T09:00:00Z --aware-how x --cause processor --status not-a-breach >/dev/null &&
    klartext report 2018-0003 --format veris >v3 2>/dev/null &&
    /usr/bin/python3 -c "import json,jsonschema; jsonschema.validate(json.load(open(\"v3\")), json.load(open(\"$SCHEMA\")))" &&
    klartext report 2018-0002 --lang en >t2 2>w && grep_q "No risk assessment has been recorded yet." t2 &&
    grep_q "no decision recorded for 2018-0002" w
'
test_expect_success 'byte-identical for the same register, whatever the clock' '
    for lang in en de; do for fmt in text html json veris; do
        KLARTEXT_NOW=2019-03-01T00:00:00Z klartext report 2018-0001 --lang $lang --format $fmt 2>/dev/null | cmp - r.$lang.$fmt || exit 1
    done; done
'
test_expect_success '--out writes the same bytes' '
    klartext report 2018-0001 --lang en --format html --out o.html && cmp o.html r.en.html
'
# golden files: every language and format of a full incident and of a bare one, byte for byte
# (KLARTEXT_UPDATE_GOLDEN=1 rewrites them after an intended change of the output)
GOLDEN="$SRC_DIR/tests/data/report/golden"
test_expect_success 'every language and format is byte-identical to its golden file' '
    for lang in en de; do for fmt in text html json veris; do
        cp r.$lang.$fmt full.$lang.$fmt &&
        klartext report 2018-0002 --lang $lang --format $fmt >bare.$lang.$fmt 2>/dev/null || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then mkdir -p "$GOLDEN" && cp full.* bare.* "$GOLDEN/"; fi &&
    for f in full.* bare.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_expect_success 'an estimated incident and one whose scan kept the viewers match their golden files' '
    klartext incident new --title "Estimated <one>" --aware-at 2018-11-20T08:00:00Z --aware-how "an auditor" \
        --occurred-from 2018-10-01T00:00:00Z --approx-subjects 1234567 --approx-records 2500000 \
        --cause insider-misuse --breach-types integrity,availability --subject-categories employees,children \
        --data-categories health,iban,shoe-size --data-not-affected password --cross-border no --status confirmed \
        --lead-authority "Der Hessische Beauftragte" --measures-proposed "Rotate every key." >/dev/null &&
    klartext incident new --title "Kept viewers" --aware-at 2018-11-21T09:00:00Z --aware-how x --status confirmed >/dev/null &&
    klartext scan --rule rule.conf --incident 2018-0005 --keep-viewers access.log 2>/dev/null >/dev/null &&
    for lang in en de; do for fmt in text html json veris; do
        klartext report 2018-0004 --lang $lang --format $fmt >estimate.$lang.$fmt 2>/dev/null &&
        klartext report 2018-0005 --lang $lang --format $fmt >kept.$lang.$fmt 2>/dev/null || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then cp estimate.* kept.* "$GOLDEN/"; fi &&
    for f in estimate.* kept.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_expect_code 2 'an unknown format or language' 'klartext report 2018-0001 --format pdf'
test_expect_code 2 'an unknown language' 'klartext report 2018-0001 --lang fr'
test_expect_code 2 'an unknown incident' 'klartext report 2018-0099'
test_expect_code 2 'filing options without --filed' 'klartext report 2018-0001 --ref X'
test_expect_success 'the register of these incidents is byte-identical to its golden files' '
    for lang in en de; do for fmt in text csv json; do
        klartext report --register --lang $lang --format $fmt >register-t2020.$lang.$fmt || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then cp register-t2020.* "$GOLDEN/"; fi &&
    for f in register-t2020.*; do cmp $f "$GOLDEN/$f" || exit 1; done
'
# answer sheets: the report's content in the order and wording of an authority's form
test_expect_success '--form ico: the ICO form question by question, its version and source named' '
    klartext report 2018-0001 --form ico >ico 2>/dev/null &&
    grep_q "^Answer sheet for: UK Information Commissioner.s Office (ICO)" ico &&
    grep_q "^Version of the form: not stated on the copies read" ico && grep_q "^Partial: Parts two to six" ico &&
    grep -n "^[0-9]*\\. " ico | cut -d. -f1 | cut -d: -f2 | tr "\n" " " | grep_q "^1 2 3 4 5 6 7 8 9 10 $" &&
    grep -A3 "^3\\. Was the breach caused by a cyber incident" ico | grep_q "No (the cause is recorded as a programming error)" &&
    grep -A3 "^9\\. How many data subjects" ico | grep_q "   4 (people counted from the access logs)" &&
    grep_q "\\[x\\] Basic personal identifiers, eg name, contact details" ico &&
    sed -n "/^Not answered by klartext/,\$p" ico | grep_q "What is the impact to your organisation"
'
test_expect_success '--form lfdi-bw: the LfDI Baden-Württemberg form in German; a bare incident: the gaps listed, none invented' '
    klartext report 2018-0001 --form lfdi-bw >bw 2>/dev/null &&
    grep_q "^Antwortbogen für: Landesbeauftragter für den Datenschutz und die Informationsfreiheit Baden-Württemberg" bw &&
    grep_q "Das Formular des BfDI konnte nicht gelesen werden" bw &&
    grep -A3 "^8\\. Die Daten wie vieler Personen" bw | grep_q "4 (aus den Zugriffsprotokollen gezählt)" &&
    klartext report 2018-0002 --form lfdi-bw >bw2 2>/dev/null &&
    grep -A3 "^8\\. Die Daten wie vieler Personen" bw2 | grep_q "KEINE ANTWORT IM VERZEICHNIS: Die Zahl ist nicht bekannt" &&
    sed -n "/^Ohne Antwort von klartext/,\$p" bw2 | grep_q "Risikoeinschätzung" &&
    klartext report 2018-0002 --form ico >ico2 2>/dev/null && grep -A3 "^9\\. How many" ico2 | grep_q "NO ANSWER IN THE REGISTER"
'
test_expect_success 'the answer sheets are byte-identical to their golden files' '
    for f in ico lfdi-bw; do for i in 0001 0004; do
        klartext report 2018-$i --form $f >form-$f.$i.text 2>/dev/null || exit 1
    done; done &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then cp form-*.text "$GOLDEN/"; fi &&
    for f in form-*.text; do cmp $f "$GOLDEN/$f" || exit 1; done
'
test_expect_code 2 'an unknown form' 'klartext report 2018-0001 --form bfdi'
test_expect_code 2 '--form with --lang' 'klartext report 2018-0001 --form ico --lang de'
test_done
