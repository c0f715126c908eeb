#!/usr/bin/env bash
# assess: suggestions from the register, input file and options with reasons, the SE arithmetic,
# the proposal, thresholds, the decision (a different one needs a reason), append-only records,
# bad input rejected with file, line and key and nothing stored.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
klartext init >/dev/null 2>&1
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how "customer" \
    --breach-types confidentiality --cause programming-error >/dev/null
klartext incident new --title "Nothing known" --aware-at 2018-11-21T09:30:00Z --aware-how "audit" >/dev/null
. "$SRC_DIR/tests/fixtures.sh"
write_rule   # the profile-page rule of the 2018 case
cat >access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "M"
10.0.0.3 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
L
klartext scan --rule rule.conf --incident 2018-0001 access.log 2>/dev/null
printf "subject,name,email,language,timezone\nC0012345678,Erika,erika@example.org,de,Europe/Berlin\n" >subjects.csv
klartext subjects import 2018-0001 subjects.csv >/dev/null

test_expect_code_inline() {  # CODE CMD...: runs CMD, output in out and err, passes when it exits CODE
    local code=$1; shift
    "$@" >out 2>err; local rc=$?
    [ $rc = "$code" ] || { echo "exit $rc, expected $code"; cat err out; return 1; }
}

unchanged() {  # unchanged CODE MESSAGE CMD...
    local code=$1 msg=$2; shift 2
    local before; before=$(db_dump)
    "$@" >out 2>err; local rc=$?
    [ "$before" = "$(db_dump)" ] || { echo "register changed"; return 1; }
    [ $rc = "$code" ] || { echo "exit $rc, expected $code"; cat err out; return 1; }
    grep_q "$msg" err
}

test_expect_success 'assess ID suggests from the register and shows the arithmetic' '
    klartext assess 2018-0001 >out &&
    grep_q "Assessment #1 of incident 2018-0001 (stored)" out &&
    grep -E -q "data category +simple +suggested" out &&
    grep_q "scan version 1 disclosed email, name: identity and contact data (simple)" out &&
    grep -E -q "ease of identification \(EI\) +maximum +suggested" out &&
    grep -E -q "confidentiality +unknown recipients +suggested" out &&
    grep_q "1 of 3 viewers are known only by an IP address" out &&
    grep -E -q "number of people +2 +suggested" out &&
    grep -E -q "malicious intent +no +suggested" out &&
    grep -E -q "contact data known for everyone +no +suggested" out &&
    grep_q "SE = 1 × 1 + 0.5 = 1.5: low" out &&
    grep_q "a voluntary notice is recommended" out &&
    grep_q "klartext assess 2018-0001 --decide authority=no,subjects=yes --by NAME" out
'
test_expect_success 'the same inputs again: unchanged, nothing new stored' '
    klartext assess 2018-0001 >out && grep_q "unchanged" out &&
    { test_on_pg || [ "$(sqlite3 klartext.db "SELECT count(*) FROM assessment")" = 1 ]; }
'
test_expect_success '--dry-run stores nothing' '
    before=$(db_dump) && klartext assess 2018-0001 --dry-run --malicious yes --malicious-reason scraping >out &&
    [ "$before" = "$(db_dump)" ] && grep_q "dry run" out && grep_q "SE = 1 × 1 + 0.5 + 0.5 = 2.0: medium" out
'
cat >fin.ini <<'I'
# payment data after all
[data]
category = financial
category_reason = the profile page also showed the stored card number
ei = maximum
[circumstances]
confidentiality = unknown
[context]
vulnerable = no
I
test_expect_success 'an input file overrides suggestions; a new assessment is appended' '
    klartext assess 2018-0001 --input fin.ini >out &&
    grep_q "Assessment #2 of incident 2018-0001 (stored)" out &&
    grep -E -q "data category +financial +given" out &&
    grep_q "the profile page also showed the stored card number" out &&
    grep_q "SE = 3 × 1 + 0.5 = 3.5: high" out &&
    grep_q "notify without undue delay" out &&
    tr -s " \n" " " <out | grep_q "and those without contact data by a public communication" &&
    { test_on_pg || [ "$(sqlite3 klartext.db "SELECT group_concat(seq) FROM assessment")" = "1,2" ]; }
'
test_expect_success 'options with reasons; --json shows value, source and reason of every input' '
    klartext --json assess 2018-0001 --input fin.ini --malicious yes --malicious-reason "a bot scraped the pages" >j &&
    /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); a=j[\"assessment\"]
assert j[\"number\"]==3 and j[\"stored\"], j
i=a[\"inputs\"]
assert i[\"malicious\"]=={\"value\":\"yes\",\"source\":\"person\",\"reason\":\"a bot scraped the pages\"}, i[\"malicious\"]
assert i[\"category\"][\"source\"]==\"person\" and i[\"subjects\"]=={\"value\":2,\"source\":\"suggested\",\"reason\":\"scan version 1 found 2 people whose data others saw\"}
assert i[\"vulnerable\"][\"source\"]==\"person\" and i[\"special_categories\"][\"source\"]==\"default\"
s=a[\"severity\"]; assert s[\"calculation\"]==\"3 × 1 + 0.5 + 0.5 = 4.0\" and s[\"band\"]==\"very high\", s
p=a[\"proposal\"]; assert p[\"notify_authority\"] and p[\"people\"]==\"yes\" and p[\"also_public\"], p
assert any(r[\"rule\"]==\"unreachable\" for r in p[\"reasons\"]) and all(r[\"de\"] for r in p[\"reasons\"])
"
'
test_expect_success 'assess --input FILE without ID computes without a register' '
    mkdir -p noreg && (cd noreg && klartext assess --input ../fin.ini --json >j && [ ! -e klartext.db ] &&
    /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); assert j[\"severity\"][\"se\"]==\"3.5\" and j[\"severity\"][\"band\"]==\"high\"") &&
    klartext assess --category simple --ei maximum --confidentiality unknown >out && grep_q "SE = 1 × 1 + 0.5 = 1.5" out
'
cat >new.ini <<'I'
[data]
category = simple
ei = maximum
fraud_identifiers = yes
fraud_identifiers_reason = the export held passport numbers
[circumstances]
confidentiality = known
recipient = outside
recipient_reason = a former employee took the file
malicious = yes
availability = temporary
unavailable_for = 5 days
backup = no
[context]
subjects = 24
subjects_max = 60
subjects_reason = a few dozen
special_categories = minor
I
test_expect_success 'the keys of issue 24 without a register: values, rules that fired with their sources, the regime' '
    mkdir -p noreg2 && (cd noreg2 && klartext assess --input ../new.ini --json >j && [ ! -e klartext.db ] &&
    /usr/bin/python3 -c "
import json; j=json.load(open(\"j\")); i=j[\"inputs\"]
assert i[\"unavailable_for\"]=={\"value\":\"5 days\",\"source\":\"person\",\"reason\":None}, i[\"unavailable_for\"]
assert i[\"subjects\"][\"value\"]==24 and i[\"subjects_max\"][\"value\"]==60 and i[\"special_categories\"][\"value\"]==\"minor\"
assert i[\"recipient\"][\"value\"]==\"outside\" and i[\"backup\"][\"value\"]==\"no\" and i[\"credentials\"][\"source\"]==\"default\"
p=j[\"proposal\"]; rules={r[\"rule\"]: r for r in p[\"reasons\"]}
assert list(rules)==[\"severity\", \"fraud-identifiers\", \"authority\", \"people\"], list(rules)
assert all(r[\"source\"] and r[\"basis\"] in (\"law\", \"guideline\", \"guideline, secondary\", \"klartext\") for r in p[\"reasons\"])
assert rules[\"fraud-identifiers\"][\"source\"].startswith(\"EDPB Guidelines 9/2022, para. 102\")
assert p[\"notify_authority\"] and p[\"people\"]==\"yes\" and p[\"level\"]==\"high risk\", p
assert j[\"regime\"][\"id\"]==\"gdpr\" and j[\"regime\"][\"deadline_hours\"]==72 and j[\"regime\"][\"in_force\"]
assert j[\"thresholds\"].endswith(\",regime=gdpr\")
") &&
    klartext assess --input new.ini >out && grep -E -q "unavailable for +5 days +given" out &&
    grep -E -q "recipient +known, outside the controller.s control +given" out
'
test_expect_success 'bad values of the new keys name the file, the line and the key' '
    printf "[circumstances]\nunavailable_for = a while\n" >bad.ini &&
    test_expect_code_inline 2 klartext assess --input bad.ini && grep_q "bad.ini line 2: invalid value .a while. for .unavailable_for." err &&
    printf "[data]\ncategory = simple\nei = maximum\n[circumstances]\nrecipient = public\n" >bad.ini &&
    test_expect_code_inline 2 klartext assess --input bad.ini && grep_q "recipient. = public needs .confidentiality. = known or unknown" err
'
test_expect_success '--template: suggestions as comments; the file reads back' '
    klartext assess 2018-0001 --template >t.ini && grep_q "# suggested: category = simple" t.ini &&
    grep_q "# \[thresholds\]" t.ini &&
    klartext assess --template >blank.ini && klartext assess --input blank.ini --ei maximum --category simple >out &&
    grep_q "SE = 1 × 1 + 0 = 1.0" out
'
test_expect_success 'thresholds from --config and from [thresholds] in the input file' '
    printf "[thresholds]\nrisk_threshold = 1.5\n" >cfg.ini &&
    klartext assess --category simple --ei maximum --confidentiality unknown --config cfg.ini >out &&
    grep_q "thresholds: risk from SE 1.5" out && grep_q "notify without undue delay" out &&
    printf "[data]\ncategory = simple\nei = maximum\n[circumstances]\nconfidentiality = unknown\n[thresholds]\nvoluntary_notice = no\n" >v.ini &&
    klartext assess --input v.ini >out && grep_q "no duty to tell them" out
'
test_expect_success 'decide as proposed: recorded, on the timeline and in the audit trail' '
    klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana DPO" >out &&
    grep_q "Decision #1 by Dana DPO on assessment #3 (recorded): notify the authority: yes; tell the people: yes" out &&
    grep_q "It follows the proposal" out &&
    klartext incident show 2018-0001 | grep_q "Decision by Dana DPO on assessment #3" &&
    klartext audit 2018-0001 | grep_q "decision.add"
'
test_expect_success 'a decision that differs from the proposal is refused without a reason' '
    unchanged 2 "the decision differs from the proposal (authority: proposed yes, decided no): give the reason with --reason" \
        klartext assess 2018-0001 --decide authority=no,subjects=yes --by "Dana DPO"
'
test_expect_success 'with a reason it is recorded, with the difference' '
    klartext --json assess 2018-0001 --decide authority=no,subjects=public --by "Dana DPO" --reason "the authority already knows" >j &&
    /usr/bin/python3 -c "
import json; d=json.load(open(\"j\"))[\"decision\"]
assert d[\"number\"]==2 and d[\"assessment\"]==3 and d[\"differs\"] and d[\"reason\"]==\"the authority already knows\", d
assert d[\"difference\"]==\"authority: proposed yes, decided no; people: proposed yes, decided a public communication\", d
"
'
test_expect_success 'a new assessment and a decision in one go (one transaction)' '
    klartext assess 2018-0001 --input fin.ini --decide authority=yes,subjects=yes --by D >out &&
    grep_q "Assessment #4" out && grep_q "Decision #3 by D on assessment #4" out
'
test_expect_success 'bad decisions: no --by, bad spec, nothing to decide on' '
    unchanged 2 "needs --by NAME" klartext assess 2018-0001 --decide authority=yes,subjects=yes &&
    unchanged 2 "not yes or no" klartext assess 2018-0001 --decide authority=maybe,subjects=yes --by D &&
    unchanged 2 "needs both" klartext assess 2018-0001 --decide authority=yes --by D &&
    unchanged 2 "belongs to a decision" klartext assess 2018-0001 --by D &&
    unchanged 2 "has no assessment yet" klartext assess 2018-0002 --decide authority=no,subjects=no --by D
'
sqlite_only "reads the register with sqlite3 (t0062 checks the same on PostgreSQL)"
test_expect_success 'assessments, their inputs and reasons, decisions are append-only' '
    ! sqlite3 klartext.db "UPDATE assessment SET se_q = 1" 2>e && grep_q "append-only" e &&
    ! sqlite3 klartext.db "DELETE FROM assessment_input" 2>e && grep_q "append-only" e &&
    ! sqlite3 klartext.db "UPDATE assessment_reason SET text_en = 1" 2>e &&
    ! sqlite3 klartext.db "DELETE FROM decision" 2>e && grep_q "append-only" e
'
test_expect_success 'an assessment file with an unknown key: file, line, key; exit 2; nothing stored' '
    printf "[data]\ncategory = simple\ncolour = red\n" >bad.ini &&
    unchanged 2 "bad.ini line 3: unknown key .colour. in \[data\]" klartext assess 2018-0001 --input bad.ini
'
test_expect_success 'out-of-range values, duplicates, unknown sections, bad thresholds' '
    printf "[data]\ncategory = simple\ndpc = 5\n" >bad.ini &&
    unchanged 2 "bad.ini line 3: invalid value .5. for .dpc." klartext assess 2018-0001 --input bad.ini &&
    printf "[data]\nei = maximum\nei = limited\n" >bad.ini &&
    unchanged 2 "bad.ini line 3: duplicate key .ei." klartext assess 2018-0001 --input bad.ini &&
    printf "[risk]\nx = 1\n" >bad.ini &&
    unchanged 2 "bad.ini line 1: unknown section \[risk\]" klartext assess 2018-0001 --input bad.ini &&
    printf "[thresholds]\nrisk_threshold = 7\n" >bad.ini &&
    unchanged 2 "bad.ini line 2: invalid value .7. for .risk_threshold." klartext assess 2018-0001 --config bad.ini &&
    printf "[data]\ncategory = simple\ndpc = 3\n" >bad.ini &&
    unchanged 2 "bad.ini: .dpc. 3 differs from the base score 1 of category .simple.: give .dpc_reason." klartext assess 2018-0001 --input bad.ini
'
test_expect_success 'bad option values and a reason without its value' '
    unchanged 2 "invalid value .huge. for .ei." klartext assess 2018-0001 --ei huge &&
    unchanged 2 "needs --ei" klartext assess 2018-0001 --ei-reason "because"
'
test_expect_success 'nothing to go on: ei missing is named, with the way to give it' '
    unchanged 2 "missing .category. in \[data\]" klartext assess 2018-0002 &&
    grep_q "template" err
'
test_expect_success 'a missing input file' '
    unchanged 2 "cannot open .nope.ini." klartext assess 2018-0001 --input nope.ini
'
test_expect_success 'an input file that cannot be read: the reason, exit 1, nothing stored' '
    mkdir -p dir.ini &&
    unchanged 1 "cannot read .dir.ini.: Is a directory" klartext assess 2018-0001 --input dir.ini &&
    unchanged 1 "cannot read .dir.ini.: Is a directory" klartext assess 2018-0001 --config dir.ini
'
test_expect_success 'assess --json: differs_from_proposal as in the report, and differs (the old key) alike' '
    klartext --json assess 2018-0001 --decide authority=yes,subjects=yes --by D --dry-run >p.json &&
    spec=$(/usr/bin/python3 -c "
import json; p=json.load(open(\"p.json\"))[\"assessment\"][\"proposal\"]
people = \"yes\" if p[\"voluntary_notice\"] else p[\"people\"]
other = {\"yes\": \"no\", \"no\": \"yes\", \"public\": \"no\"}[people]
print(\"authority=%s,subjects=%s authority=%s,subjects=%s\" % (\"yes\" if p[\"notify_authority\"] else \"no\", people,
      \"no\" if p[\"notify_authority\"] else \"yes\", other))") &&
    klartext --json assess 2018-0001 --decide "${spec%% *}" --by D >same.json &&
    klartext --json assess 2018-0001 --decide "${spec##* }" --by D --reason "we know better" >other.json &&
    /usr/bin/python3 -c "
import json
s=json.load(open(\"same.json\"))[\"decision\"]; o=json.load(open(\"other.json\"))[\"decision\"]
assert s[\"differs_from_proposal\"] is False and s[\"differs\"] is False and s[\"difference\"] is None, s
assert o[\"differs_from_proposal\"] is True and o[\"differs\"] is True and o[\"difference\"], o
"
'
test_expect_success 'help' 'klartext assess --help >out && grep_q -- "--decide SPEC" out && grep_q -- "--special-categories VALUE" out'
test_done
