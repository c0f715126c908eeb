#!/usr/bin/env bash
# notify: preview in the person's language and zone, the decision and approval gates, --out with
# golden files (fixed test key and code seed), every .eml parsed by Python's email package and
# its signature checked by the real minisign, a forged text refused; templates from a directory;
# people without contact data counted, never dropped.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
notify_setup
GOLDEN="$SRC_DIR/tests/data/notify/golden"

test_expect_success '--preview prints the German notice of one person, in her zone, with the counts' '
    klartext notify 2018-0001 --preview C0012345678 >p.txt &&
    head -1 p.txt | grep_q "^Subject: Persönliche Mitteilung von Beispiel Versand GmbH: Ihre Daten waren für andere sichtbar (Vorfall 2018-0001)$" &&
    grep_q "^Sehr geehrte Frau Erika Mustermann,$" p.txt &&
    tr -s " \n" " " <p.txt >flat &&
    grep_q "Welche Daten: Ihr Name und Ihre E-Mail-Adresse." flat &&
    grep_q "Nicht betroffen: Ihr Passwort und Ihre Zahlungskartendaten." flat &&
    grep_q "zuerst am Montag, 12. November 2018, 15:03 Uhr MEZ, zuletzt am Dienstag, 20. November 2018, 23:41 Uhr MEZ; dazwischen liegen 8 Tage 8 Stunden." flat &&
    grep_q "3-mal aufgerufen von zwei anderen Personen: einer Person, die mit einem Kundenkonto angemeldet war, und einer Person, die nicht angemeldet war." flat &&
    grep_q "Alle Zeiten sind in Ihrer Zeitzone (Europe/Berlin) angegeben." flat &&
    grep_q "Der Fehler bestand vom Montag, 12. November 2018, 15:00 Uhr MEZ bis zum Mittwoch, 21. November 2018, 10:12 Uhr MEZ, also 8 Tage 19 Stunden lang." flat &&
    not_grep_q "Zwischenspeicher" flat &&
    grep_q "Berliner Beauftragte für Datenschutz und Informationsfreiheit" flat &&
    grep_q "Tippen Sie die Adresse https://verify.beispiel-versand.example selbst in Ihren Browser ein" flat &&
    grep_q "VORSCHAU" flat && grep_q "XXXX-XXXX-XXXX-XXXX" flat
'
test_expect_success '--preview in English: another zone, one view, no German free text' '
    klartext notify 2018-0001 --preview C0099999999 >p.txt && tr -s " \n" " " <p.txt >flat &&
    grep_q "^Dear John Doe,$" p.txt &&
    grep_q "When: on Wednesday, 14 November 2018, 05:00 EST." flat &&
    grep_q "viewed once by one other person: one person signed in to a customer account." flat &&
    grep_q "All times are in your time zone (America/New_York)." flat &&
    not_grep_q "Zwischenspeicher" p.txt &&
    klartext notify 2018-0001 --preview C0066666666 | grep_q "^Dear Ms Kim O.Neil,$"
'
test_expect_success '--preview --html: lang, escaped, no links, no images' '
    klartext notify 2018-0001 --preview C0066666666 --html >p.html &&
    grep_q "<html lang=\"en\">" p.html && grep_q "Kim O&#39;Neil" p.html &&
    not_grep_q "<a " p.html && not_grep_q "<img" p.html && not_grep_q "href=" p.html
'
test_expect_code 2 '--preview of a person without contact data names the problem' '
    klartext notify 2018-0001 --preview C0055555555 2>err; rc=$?; grep_q "no contact data for .C0055555555." err; exit $rc
'
test_expect_code 2 '--preview of someone not exposed' '
    klartext notify 2018-0001 --preview C0000000042 2>err; rc=$?; grep_q "was not exposed in the current scan" err; exit $rc
'
test_expect_success '--placeholders lists the data model' '
    klartext notify 2018-0001 --placeholders >ph && grep_q "^exposure.first " ph && grep_q "^notice.code " ph &&
    [ $(wc -l <ph) -ge 50 ]
'
test_expect_code 2 'a template with an unknown placeholder is refused when loaded, with file and line' '
    mkdir tpl && printf "Dear {{person.name}},\n\n{{persn.name}}\n" >tpl/notice.en.txt.mustache &&
    klartext notify 2018-0001 --preview C0099999999 --templates tpl 2>err; rc=$?
    grep_q "notice.en.txt.mustache line 3: unknown placeholder .persn.name." err; exit $rc
'
test_expect_success 'templates from a directory replace the built-in ones file by file' '
    printf "Hello {{person.name}}, code {{notice.code}}.\n" >tpl/notice.en.txt.mustache &&
    klartext notify 2018-0001 --preview C0099999999 --templates tpl >p.txt &&
    grep_q "^Hello John Doe, code XXXX-XXXX-XXXX-XXXX.$" p.txt &&
    klartext notify 2018-0001 --preview C0012345678 --templates tpl | grep_q "Sehr geehrte Frau"
'
test_expect_code 1 'nothing is made before the content is approved' '
    klartext notify 2018-0001 --out out 2>err; rc=$?
    grep_q "not approved yet" err && [ ! -e out ] &&
    [ "$(reg_sql "SELECT count(*) FROM notice")" = 0 ]; exit $rc
'
test_expect_code 2 '--approve needs --by' '
    klartext notify 2018-0001 --approve 2>err; rc=$?; grep_q "needs --by NAME" err; exit $rc
'
test_expect_success '--approve records the content hash, audited and on the timeline' '
    klartext notify 2018-0001 --approve --by "Dana DPO" >ap &&
    grep_q "approval #1 by Dana DPO" ap &&
    [ "$(reg_sql "SELECT approved_by || \" \" || model_version || \" \" || templates FROM notice_approval")" = "Dana DPO 2 built-in" ] &&
    reg_sql "SELECT manifest FROM notice_approval" | grep_q "^notice.de.txt.mustache built-in [0-9a-f]\{64\}$" &&
    klartext audit 2018-0001 | grep_q "notify.approve" &&
    klartext incident show 2018-0001 | grep_q "Notice content approved by Dana DPO" &&
    klartext notify 2018-0001 --approve --by "Dana DPO" | grep_q "unchanged: approval #1"
'
test_expect_code 1 'changed content after approval is refused, naming what changed' '
    klartext incident update 2018-0001 --data-not-affected password >/dev/null &&
    klartext notify 2018-0001 --out out 2>err; rc=$?
    grep_q "changed since approval #1 by Dana DPO (incident.data_not_affected)" err; exit $rc
'
test_expect_success 'texts no template shows (the free texts, with the built-in templates) need no new approval' '
    klartext incident update 2018-0001 --data-not-affected password,payment-card --measures-taken "Alles behoben." >/dev/null &&
    klartext notify 2018-0001 --approve --by "Dana DPO" | grep_q "unchanged: approval #1"
'
test_expect_code 1 'other templates than the approved ones are refused' '
    klartext notify 2018-0001 --out out --templates tpl 2>err; rc=$?
    grep_q "notice.en.txt.mustache" err; exit $rc
'
test_expect_code 1 'a decision for a public communication makes no individual notices' '
    reg_sql ".backup saved.db" &&
    klartext assess 2018-0001 --decide authority=yes,subjects=public --by "Dana DPO" --reason "test" >/dev/null &&
    klartext notify 2018-0001 --out out 2>err; rc=$?
    grep_q "public communication" err; exit $rc
'
test_expect_code 1 'a decision not to tell the people is refused without --voluntary' '
    klartext assess 2018-0001 --decide authority=yes,subjects=no --by "Dana DPO" --reason "test" >/dev/null &&
    klartext notify 2018-0001 --out out 2>err; rc=$?
    grep_q "not to tell the people" err && grep_q "add --voluntary" err; exit $rc
'
test_expect_success '--voluntary follows a recommended voluntary notice; the letter says so' '
    klartext notify 2018-0001 --preview C0099999999 --voluntary | grep_q "The law does not require us to send this letter" &&
    reg_sql ".restore saved.db" && [ "$(reg_sql "SELECT count(*) FROM decision")" = 1 ]
'
test_expect_code 1 'placeholder organisation details are refused' '
    mkdir ph && (cd ph && klartext init >/dev/null 2>&1 && cp ../access.log ../rule.conf ../subjects.csv . &&
      klartext incident new --title t --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null &&
      klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
      klartext subjects import 2018-0001 subjects.csv >/dev/null &&
      klartext assess 2018-0001 >/dev/null && klartext assess 2018-0001 --decide authority=yes,subjects=yes --by D --reason r >/dev/null
      klartext notify 2018-0001 --approve --by D 2>err; rc=$?; grep_q "organisation.s details are incomplete" err; exit $rc)
'
# golden files: the fixed test key and code seed give byte-identical notices
test_expect_success 'with the test key and a fixed seed --out writes the golden notices' '
    use_test_key &&
    klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    KLARTEXT_TEST_CODE_SEED=$(printf "42%.0s" $(seq 32)) klartext notify 2018-0001 --out out >sum 2>err &&
    grep_q "klartext.s public TEST key" err &&
    ls out >list && [ "$(cat list | tr "\n" " ")" = "2018-0001-000001.eml 2018-0001-000002.eml 2018-0001-000003.eml 2018-0001-000004.eml " ] &&
    [ "$(stat -c %a out/2018-0001-000001.eml)" = 600 ] &&
    if [ "${KLARTEXT_UPDATE_GOLDEN:-0}" = 1 ]; then mkdir -p "$GOLDEN" && cp out/*.eml "$GOLDEN/"; fi &&
    for f in out/*.eml; do cmp "$f" "$GOLDEN/$(basename "$f")" || exit 1; done
'
test_expect_success 'the summary counts the person without contact data as unreachable' '
    grep -E -q "people exposed \(current scan\) +5" sum && grep -E -q "unreachable \(no e-mail address\) +1" sum &&
    grep -E -q "notices made in this run +4" sum
'
sqlite_only "copies the SQLite file next to another key"
test_expect_code 2 'the test code seed is refused with any other key' '
    mkdir other && (cd other && klartext init --org ../org.ini >/dev/null 2>&1 && rm klartext.db &&
      sqlite3 ../klartext.db ".backup klartext.db" &&
      KLARTEXT_TEST_CODE_SEED=$(printf "42%.0s" $(seq 32)) klartext notify 2018-0001 --out x 2>err; rc=$?
      grep_q "not klartext.s public test key" err; exit $rc)
'
test_expect_success 'Python parses every notice: layout, headers, parts; text part = notice.txt' '
    "$PY" - out <<EOF
import email, email.policy, os, sys
d = sys.argv[1]
for fn in sorted(os.listdir(d)):
    raw = open(os.path.join(d, fn), "rb").read()
    assert all(l.endswith(b"\r") for l in raw.split(b"\n")[:-1]), fn
    m = email.message_from_bytes(raw, policy=email.policy.default)
    assert not m.defects, (fn, m.defects)
    assert [p.get_content_type() for p in m.walk()] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/plain", "application/octet-stream"], fn
    assert m["From"].addresses[0].addr_spec == "datenschutz@beispiel-versand.example"
    assert m["From"].addresses[0].display_name == "Beispiel Versand GmbH"
    assert m["Reply-To"].addresses[0].addr_spec == "datenschutz@beispiel-versand.example"
    assert m["Message-ID"] == "<notice.%s@verify.beispiel-versand.example>" % fn[:-4], m["Message-ID"]
    assert m["Date"] == "Thu, 22 Nov 2018 10:00:00 +0000"
    parts = {p.get_filename(): p.get_payload(decode=True) for p in m.walk() if p.get_filename()}
    assert set(parts) == {"notice.txt", "notice.txt.minisig"}
    plain = m.get_body(preferencelist=("plain",)).get_content()
    assert plain.replace("\r\n", "\n") == parts["notice.txt"].decode("utf-8"), fn
    html = m.get_body(preferencelist=("html",)).get_content()
    assert "<a " not in html and "<img" not in html
    open(os.path.join(d, fn[:-4] + ".txt"), "wb").write(parts["notice.txt"])
    open(os.path.join(d, fn[:-4] + ".txt.minisig"), "wb").write(parts["notice.txt.minisig"])
to = {email.message_from_bytes(open(os.path.join(d, f), "rb").read(), policy=email.policy.default)["To"].addresses[0].addr_spec for f in os.listdir(d) if f.endswith(".eml")}
assert to == {"erika@example.org", "john@example.com", "kim@example.net", "lea@example.de"}, to
EOF
'
test_expect_success 'the real minisign verifies every attached signature; the trusted comment names incident and notice' '
    for f in out/*.txt; do minisign -Vm "$f" -p klartext.pub >v.out || exit 1; done &&
    grep_q "Trusted comment: klartext notice	incident:2018-0001	notice:2018-0001-000004	time:2018-11-22T10:00:00Z" v.out
'
test_expect_code 1 'a forged notice text fails minisign' '
    sed "s/Erika/Erica/" out/2018-0001-000001.txt >forged.txt && cp out/2018-0001-000001.txt.minisig forged.txt.minisig &&
    minisign -Vm forged.txt -p klartext.pub
'
test_expect_success 'the register keeps lookup hashes and the message, no code in any other column' '
    code=$(eml_code out/2018-0001-000001.eml) && canon=$(echo "$code" | tr -d -) &&
    [ "$(reg_sql "SELECT count(*) FROM notice WHERE length(code_hash) = 32")" = 4 ] &&
    ! reg_sql "SELECT notice_id, subject, rcpt, rcpt_masked, message_id, text_sha256, hex(code_hash) FROM notice" | grep -q -e "$code" -e "$canon" &&
    ! reg_sql "SELECT * FROM notice_event; SELECT * FROM outbox; SELECT * FROM audit; SELECT * FROM event" | grep -q -e "$code" -e "$canon" &&
    [ "$(reg_sql "SELECT group_concat(rcpt_masked, \" \") FROM notice")" = "e***@example.org k***@example.net l***@example.de j***@example.com" ] &&
    [ "$(reg_sql "SELECT group_concat(state) FROM outbox")" = "written,written,written,written" ] &&
    [ "$(reg_sql "SELECT count(*) FROM tlog_entry WHERE kind = \"notice\"")" = 4 ]
'
sqlite_only "writes the dictionary out with sqlite3's writefile"
test_expect_success 'the storage dictionary holds no real person: no code, address or name of anyone told' '
    [ "$(reg_sql "SELECT count(DISTINCT dict_id) FROM notice WHERE message_codec = \"parts1\"")" = 1 ] &&
    reg_sql "SELECT writefile(\"dict.bin\", content) FROM notice_dict" >/dev/null &&
    grep -q -a "Alex Muster" dict.bin &&
    for f in out/*.eml; do
        code=$(eml_code "$f") && ! grep -q -a -e "$code" -e "$(echo "$code" | tr -d -)" dict.bin || exit 1
    done &&
    for a in $(reg_sql "SELECT rcpt FROM notice"); do ! grep -q -a -F "$a" dict.bin || exit 1; done &&
    for n in $(reg_sql "SELECT replace(name, \" \", \"_\") FROM subject"); do
        ! grep -q -a -F "$(echo "$n" | tr _ " ")" dict.bin || exit 1
    done
'
test_expect_success 'the authority report counts the notices made and what became of them' '
    klartext report 2018-0001 --lang en | tr -s " \n" "  " >rep.txt &&
    grep -q "Personal notices 4 made and signed: 4 written to files, delivered by the organisation" rep.txt &&
    klartext report 2018-0001 --lang de | tr -s " \n" "  " | grep -q "4 erstellt und signiert: 4 als Dateien geschrieben" &&
    klartext report 2018-0001 --format json | "$PY" -c "import json,sys; n = json.load(sys.stdin)[\"communication\"][\"notices\"]; assert n[\"made\"] == 4 and n[\"written\"] == 4 and n[\"sent\"] == 0, n"
'
sqlite_only "reads the log's blobs with sqlite3"
test_expect_success 'the transparency log commits to each notice: its NOTICE-ID SHA-256 line, opened with its salt' '
    reg_sql "SELECT hex(salt) || \" \" || ref FROM tlog_entry WHERE kind = \"notice\" ORDER BY idx" >c &&
    grep_q " 2018-0001-000001$" c && grep_q " 2018-0001-000004$" c &&
    reg_sql "SELECT notice_id || \" \" || text_sha256 FROM notice ORDER BY seq" >lines &&
    reg_sql "SELECT entry FROM tlog_entry WHERE kind = \"notice\" ORDER BY idx" >entry &&
    "$PY" - <<EOF2
import hashlib, json
salts = [bytes.fromhex(l.split()[0]) for l in open("c")]
lines = open("lines", "rb").read().splitlines(keepends=True)
entries = [json.loads(l) for l in open("entry")]
assert len(salts) == len(lines) == len(entries) == 4
for salt, line, entry in zip(salts, lines, entries):
    assert entry["commitment"] == hashlib.sha256(salt + line).hexdigest(), entry
for l in b"".join(lines).decode().splitlines():
    nid, h = l.split()
    txt = open("out/%s.txt" % nid, "rb").read()
    assert hashlib.sha256(txt).hexdigest() == h, nid
EOF2
'
test_expect_success 'a second --out writes the same bytes again and makes nothing new' '
    KLARTEXT_TEST_CODE_SEED=$(printf "42%.0s" $(seq 32)) klartext notify 2018-0001 --out out2 >sum2 2>/dev/null &&
    for f in out2/*.eml; do cmp "$f" "out/$(basename "$f")" || exit 1; done &&
    not_grep_q "made in this run" sum2 && [ "$(reg_sql "SELECT count(*) FROM notice")" = 4 ]
'
test_expect_success 'verify FILE.eml: genuine, for which incident, masked address' '
    klartext verify out/2018-0001-000001.eml >v &&
    grep_q "^GENUINE: out/2018-0001-000001.eml" v && grep_q "e\*\*\*@example.org" v && grep_q "2018-0001" v &&
    not_grep_q "erika@" v
'
test_expect_success 'verify --code: what the agent on the phone needs, for any way of typing the code' '
    code=$(eml_code out/2018-0001-000002.eml) &&
    klartext verify --code "$code" >v && grep_q "^GENUINE" v && grep_q "notice       2018-0001-000002" v &&
    lower=$(echo "$code" | tr A-Z a-z | tr -d -) && klartext verify --code "$lower" | grep_q "^GENUINE" &&
    not_grep_q "$code" v &&
    klartext --json verify --code "$code" | "$PY" -c "import json,sys; j=json.load(sys.stdin); assert j[\"genuine\"] and j[\"to\"].endswith(\"@example.net\") and \"***\" in j[\"to\"], j"
'
test_expect_code 1 'verify --code with an unknown code' '
    klartext verify --code 0000-0000-0000-0000 >v; rc=$?; grep_q "^NOT GENUINE" v; exit $rc
'
test_expect_code 2 'verify --code with a character no code has' '
    klartext verify --code UUUU-0000-0000-0000 2>err; rc=$?; grep_q "invalid character" err; exit $rc
'
test_expect_code 1 'verify FILE.eml: a changed subject is noticed' '
    sed "s/^Subject: .*/Subject: =?UTF-8?B?UGxlYXNlIGxvZyBpbg==?=\r/" out/2018-0001-000001.eml >tampered.eml &&
    klartext verify tampered.eml >v; rc=$?; grep_q "subject" v; exit $rc
'
test_expect_code 1 'verify FILE.eml: a changed text part is noticed (the attachment is still genuine)' '
    "$PY" - <<EOF
raw = open("out/2018-0001-000003.eml", "rb").read()
i = raw.index(b"Content-Type: text/plain; charset=UTF-8")
j = raw.index(b"\r\n\r\n", i) + 4
raw = raw[:j] + b"Click here: http://evil.example/ =\r\n" + raw[j:]
open("tampered2.eml", "wb").write(raw)
EOF
    klartext verify tampered2.eml >v; rc=$?; grep_q "body" v; exit $rc
'
test_expect_code 1 'verify FILE.eml: a forged attachment fails the signature' '
    "$PY" - <<EOF
import base64, re
raw = open("out/2018-0001-000001.eml", "rb").read().decode()
m = re.search(r"filename=\"notice.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)", raw)
g = m.group(1)
tail = g[len(g.rstrip("\r\n")):]
b = base64.b64decode(g).replace(b"Erika", b"Erica")
enc = base64.encodebytes(b).decode().replace("\n", "\r\n").rstrip("\r\n")
open("forged.eml", "w", newline="").write(raw[:m.start(1)] + enc + tail + raw[m.end(1):])
EOF
    klartext verify forged.eml >v; rc=$?; grep_q "changed after it was signed" v; exit $rc
'
test_expect_success 'verify FILE.eml --pub works without a register (signature only)' '
    mkdir elsewhere && cp out/2018-0001-000004.eml klartext.pub elsewhere/ &&
    (cd elsewhere && unset KLARTEXT_DB && klartext verify 2018-0001-000004.eml --pub klartext.pub >v && grep_q "^GENUINE" v &&
        grep_q "signature only" v) &&
    (cd elsewhere && unset KLARTEXT_DB && klartext verify 2018-0001-000004.eml --pub "$(tail -1 klartext.pub)" | grep_q "^GENUINE")
'
sqlite_only "needs the other key of the SQLite copy above"
test_expect_code 1 'verify FILE.eml --pub with another key: not genuine' '
    klartext verify out/2018-0001-000001.eml --pub other/klartext.pub >v; rc=$?; grep_q "not signed with this organisation.s key" v; exit $rc
'
test_done
