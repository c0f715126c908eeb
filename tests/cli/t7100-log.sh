#!/usr/bin/env bash
# t7100 — the transparency log through the command line: incident publish, log checkpoint,
# entries, prove, verify, pubkey, checked by the independent Python verifier
# (tests/tlog/verify.py) for a log of a few dozen entries.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
VERIFY="$SRC_DIR/tests/tlog/verify.py"
ORIGIN=verify.beispiel-versand.example/log

if ! klartext incident publish --help >/dev/null 2>&1; then
    echo "not ok 1 - 'incident publish' is not wired into cmd_incident.c yet (issue 7: one line in the sub-command table)"
    echo "1..1"
    exit 1
fi

klartext init >/dev/null 2>&1
new_incident() {  # new_incident TITLE
    klartext incident new --title "$1" --aware-at 2026-11-20T09:17:00+01:00 --aware-how "customer report" \
        --breach-types confidentiality,availability --approx-subjects 1345 --approx-records 2690 \
        --occurred-from 2026-11-12T14:03:00Z --occurred-until 2026-11-20T10:28:00Z \
        --description "A caching error showed profile pages to other visitors." \
        --data-categories name,email --data-not-affected password,payment-card \
        --measures-taken "The cache rule was removed." --consequences "Targeted phishing is possible." >/dev/null
}

test_expect_code 1 'log checkpoint refuses while portal.url is the placeholder (it names the log)' '
    new_incident "Names visible on profile pages" &&
    klartext log checkpoint >out 2>err; rc=$?
    grep_q "portal.url is still the placeholder" err && test ! -s out && exit $rc
'
klartext org set portal.url=https://verify.beispiel-versand.example/ >/dev/null

test_expect_code 1 'log prove before any checkpoint says so' '
    klartext log prove --inclusion 0 2>err; rc=$?; grep_q "no checkpoint yet" err; exit $rc
'

# ---------------------------------------------------------------- incident publish: bad input
test_expect_success 'publish: bad input is refused with exit 2 and changes nothing' '
    db_dump >before &&
    { klartext incident publish --statement x 2>err; test $? -eq 2; } && grep_q "needs the incident" err &&
    { klartext incident publish 2026-0001 2>err; test $? -eq 2; } && grep_q "either --statement" err &&
    { klartext incident publish 2026-0001 --statement x --draft 2>err; test $? -eq 2; } &&
    { klartext incident publish 2026-0001 --statement x --lang fr 2>err; test $? -eq 2; } && grep_q "'"'"'fr'"'"' is not supported" err &&
    { klartext incident publish 2026-0099 --statement x 2>err; test $? -eq 2; } && grep_q "2026-0099" err &&
    { klartext incident publish 2026-0001 --statement "   " 2>err; test $? -eq 2; } && grep_q "empty" err &&
    { klartext incident publish 2026-0001 --statement notes/statement.txt 2>err; test $? -eq 2; } && grep_q "no such file" err &&
    { klartext incident publish 2026-0001 --statement "$(printf "bell\\a here")" 2>err; test $? -eq 2; } && grep_q "control character" err &&
    { klartext incident publish 2026-0001 --statement "ok" --title "" 2>err; test $? -eq 2; } &&
    head -c 70000 /dev/zero | tr "\\0" a >big.txt &&
    { klartext incident publish 2026-0001 --statement big.txt 2>err; test $? -eq 2; } && grep_q "too long" err &&
    db_dump >after && cmp before after
'

test_expect_success 'publish --draft writes a statement from the record and stores nothing' '
    db_dump >before &&
    klartext incident publish 2026-0001 --draft --lang en >d.en &&
    grep_q "What happened" d.en && grep_q "About 1345 people are affected" d.en && grep_q "email and name" d.en &&
    grep_q "https://verify.beispiel-versand.example" d.en &&
    klartext incident publish 2026-0001 --draft --lang de >d.de &&
    grep_q "Betroffen sind etwa 1345 Personen" d.de && grep_q "Der Fehler bestand vom 12. November 2026" d.de &&
    db_dump >after && cmp before after
'

# ---------------------------------------------------------------- building the log
test_expect_success 'publish stores revision 1, logs it in full, writes timeline and audit' '
    klartext incident publish 2026-0001 --lang de --statement "Wir haben einen Fehler gemacht: Namen und E-Mail-Adressen waren sichtbar." >out &&
    grep_q "Published revision 1 of the German statement on 2026-0001: log entry 0" out &&
    klartext incident show 2026-0001 | grep_q "published .*Public statement published (de, revision 1, log entry 0)" &&
    klartext audit 2026-0001 | grep_q "incident.publish *2026-0001 statement: '"'"'revision 1 (de), log entry 0'"'"'" &&
    klartext log entries >e && grep_q "^ *0  2026-11-21T10:00:00Z  statement   2026-0001 revision 1 (de): Names visible" e
'
test_expect_code 2 'publishing the same revision again is refused' '
    klartext incident publish 2026-0001 --lang de --statement "Wir haben einen Fehler gemacht: Namen und E-Mail-Adressen waren sichtbar." 2>err; rc=$?
    grep_q "already says exactly this" err; exit $rc
'
printf '\357\273\277Line one "quoted" \\ backslash\r\n\tTabbed line — Umlaute äöü ß, 🙂\r\n\r\n' >st.txt
test_expect_success 'a statement from a file (CRLF, BOM) and from stdin; odd characters survive exactly' '
    klartext incident publish 2026-0001 --lang en --statement st.txt --title "Names visible (update)" >/dev/null &&
    printf "From stdin.\\n" | klartext incident publish 2026-0001 --lang en --statement - >/dev/null &&
    klartext --json log entries --start 1 --end 3 >e.json &&
    "$PY" -c "
import json; d = json.load(open(\"e.json\")); e = [json.loads(x[\"entry\"]) for x in d[\"entries\"]]
assert e[0][\"statement\"] == \"Line one \\\"quoted\\\" \\\\ backslash\\n\\tTabbed line — Umlaute äöü ß, 🙂\", repr(e[0][\"statement\"])
assert e[0][\"title\"] == \"Names visible (update)\" and e[0][\"revision\"] == 1 and e[0][\"previous_entry\"] is None
assert e[1][\"statement\"] == \"From stdin.\" and e[1][\"revision\"] == 2 and e[1][\"previous_entry\"] == 1
assert e[1][\"facts\"] == {\"approx_people\": 1345, \"approx_records\": 2690, \"breach_types\": [\"availability\", \"confidentiality\"],
                         \"exposure_from\": \"2026-11-12T14:03:00Z\", \"exposure_until\": \"2026-11-20T10:28:00Z\"}, e[1][\"facts\"]
"
'
test_expect_success 'the first checkpoint: a C2SP signed note by the register key, origin from portal.url' '
    klartext log checkpoint >c1.note &&
    test "$(sed -n 1p c1.note)" = "$ORIGIN" && test "$(sed -n 2p c1.note)" = 4 &&
    grep_q "^— $ORIGIN " c1.note &&
    vk=$(klartext log pubkey) && echo "$vk" | grep_q "^$ORIGIN+[0-9a-f]\\{8\\}+" &&
    "$PY" "$VERIFY" checkpoint c1.note --name "$ORIGIN" --pubkey $("$PY" -c "
import base64,sys; print(base64.b64decode(sys.argv[1].split(\"+\", 2)[2])[1:].hex())" "$vk") --origin "$ORIGIN" --size 4
'
test_expect_success 'log pubkey is the key of klartext.pub' '
    klartext --json log pubkey >k.json &&
    "$PY" -c "
import base64, json
k = json.load(open(\"k.json\")); pub = open(\"klartext.pub\").read().split(\"\\n\")[1]
assert base64.b64decode(pub)[10:].hex() == k[\"public_key\"], (pub, k)
assert k[\"origin\"] == \"$ORIGIN\" and k[\"vkey\"].startswith(\"$ORIGIN+\")
"
'

# more incidents and revisions: a log of a few dozen entries, a checkpoint every 4 publications
new_incident "Order history visible" && new_incident "Invoices sent to the wrong address"
test_expect_success 'build a log of a few dozen entries with checkpoints in between' '
    for i in $(seq 1 30); do
        inc=2026-000$(( i % 3 + 1 )); lang=$([ $(( i % 2 )) = 0 ] && echo de || echo en)
        klartext incident publish $inc --lang $lang --statement "Revision $i of what happened: \"$inc\" — $lang." >/dev/null || exit 1
        if [ $(( i % 4 )) = 0 ]; then klartext log checkpoint >/dev/null || exit 1; fi
    done &&
    klartext log checkpoint >latest.note &&
    klartext --json log entries >all.json &&
    n=$("$PY" -c "import json; print(json.load(open(\"all.json\"))[\"size\"])") && test $n -eq 42 &&
    klartext --json log checkpoints >ck.json &&
    test $("$PY" -c "import json; print(len(json.load(open(\"ck.json\"))))") -ge 9
'
test_expect_success 'log verify: the whole log, the checkpoints and the audit chain' '
    klartext log verify >out && grep_q "^log verified: 42 entries (33 statements, 9 commitments of which 9 audit heads), 9 checkpoints (newest: size 42)" out &&
    klartext --json log verify >v.json &&
    "$PY" -c "
import json; v = json.load(open(\"v.json\"))
assert v[\"ok\"] is True and v[\"problems\"] == [] and v[\"first_bad_entry\"] is None
assert v[\"audit_entries\"] == v[\"audit_entries_committed\"] > 100, v
"
'
test_expect_success 'log checkpoints --latest is the newest note; --size N gives an older one' '
    klartext log checkpoints --latest >l.note && cmp l.note latest.note &&
    klartext log checkpoints --size 4 >c1b.note && cmp c1.note c1b.note &&
    klartext log checkpoints | grep_q "^ *42  2026-11-21T10:00:00Z  [0-9a-f]\\{64\\}$" &&
    { klartext log checkpoints --size 5 2>err; test $? -eq 2; } && grep_q "no checkpoint of size 5" err
'

# ---------------------------------------------------------------- python checks everything
test_expect_success 'python: every entry canonical, leaf hashes, revisions linked, every checkpoint root' '
    vk=$(klartext log pubkey) &&
    args= &&
    for s in $("$PY" -c "import json; print(\" \".join(str(c[\"size\"]) for c in json.load(open(\"ck.json\"))))"); do
        klartext log checkpoints --size $s >ck.$s.note || exit 1; args="$args --checkpoint ck.$s.note"
    done &&
    "$PY" "$VERIFY" log-entries all.json --vkey "$vk" $args >out && grep_q "^checked 42 entries (9 audit-head, 33 statement) and 9 checkpoints" out
'
sqlite_only "reads the register with sqlite3 (t0062 checks the same on PostgreSQL)"
test_expect_success 'python: the register file on its own (chain, audit heads, consistency of all checkpoints)' '
    "$PY" "$VERIFY" register klartext.db --vkey "$(klartext log pubkey)" >out && grep_q "register verified: 42 entries, 9 checkpoints" out
'
test_expect_success 'python accepts the inclusion proof of every entry in every checkpointed tree' '
    : >proofs.json &&
    for s in $("$PY" -c "import json; print(\" \".join(str(c[\"size\"]) for c in json.load(open(\"ck.json\"))))"); do
        for i in $(seq 0 $((s - 1))); do klartext --json log prove --inclusion $i --size $s >>proofs.json || exit 1; done
    done &&
    "$PY" "$VERIFY" log-proof proofs.json --vkey "$(klartext log pubkey)" --require-checkpoint >out &&
    grep_q "verified 2[0-9][0-9] inclusion and 0 consistency proofs" out
'
test_expect_success 'python accepts the consistency proof between every two checkpoints (and from 0)' '
    sizes=$("$PY" -c "import json; print(\" \".join(str(c[\"size\"]) for c in json.load(open(\"ck.json\"))))") &&
    : >cons.json &&
    for a in 0 $sizes; do for b in $sizes; do
        [ $a -le $b ] || continue; klartext --json log prove --consistency $a $b >>cons.json || exit 1
    done; done &&
    "$PY" "$VERIFY" log-proof cons.json --vkey "$(klartext log pubkey)" --require-checkpoint >out &&
    grep_q "verified 0 inclusion and 54 consistency proofs" out
'
test_expect_success 'python accepts proofs for sizes without a checkpoint too (no note attached)' '
    klartext --json log prove --inclusion 6 --size 7 >p.json && klartext --json log prove --consistency 3 7 >>p.json &&
    "$PY" -c "import json,sys; t=open(\"p.json\").read(); assert t.count(\"\\\"checkpoint\") == 3 and t.count(\"null\") == 3" &&
    "$PY" "$VERIFY" log-proof p.json --vkey "$(klartext log pubkey)" >out && grep_q "verified 1 inclusion and 1 consistency" out
'
test_expect_success 'python rejects a proof with a flipped bit, a wrong entry or a foreign checkpoint' '
    vk=$(klartext log pubkey) &&
    klartext --json log prove --inclusion 5 >p.json &&
    "$PY" "$VERIFY" log-proof p.json --vkey "$vk" --require-checkpoint >/dev/null &&
    "$PY" -c "
import json; p = json.load(open(\"p.json\")); h = bytearray.fromhex(p[\"proof\"][0]); h[0] ^= 1
p[\"proof\"][0] = h.hex(); json.dump(p, open(\"bad.json\", \"w\"))" &&
    { "$PY" "$VERIFY" log-proof bad.json --vkey "$vk"; test $? -eq 1; } &&
    sed "s/Revision/Rev1sion/" p.json >bad.json && ! cmp -s p.json bad.json &&
    { "$PY" "$VERIFY" log-proof bad.json --vkey "$vk"; test $? -eq 1; } &&
    other=$("$PY" -c "import base64,sys,hashlib
pk=bytes.fromhex(\"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\"); n=\"$ORIGIN\"
print(n+\"+\"+hashlib.sha256(n.encode()+b\"\\n\\x01\"+pk).digest()[:4].hex()+\"+\"+base64.b64encode(b\"\\x01\"+pk).decode())") &&
    { "$PY" "$VERIFY" log-proof p.json --vkey "$other" 2>err; test $? -eq 1; } && grep_q "no signature by key" err
'

# ---------------------------------------------------------------- the commands' own checks and output
test_expect_success 'log prove in text form' '
    klartext log prove --inclusion 0 --size 4 >out &&
    grep_q "^inclusion proof: entry 0 in the log of 4 entries (RFC 9162)" out && grep_q "^  leaf hash  [0-9a-f]\\{64\\}$" out &&
    test $(grep -c "[0-9a-f]\\{64\\}$" out) -eq 4 &&
    klartext log prove --consistency 4 >out && grep_q "^consistency proof: the log of 42 entries extends the log of 4" out &&
    klartext log prove --consistency 42 42 | grep_q "proof      (empty)"
'
test_expect_code 2 'log prove: an entry beyond the log' 'klartext log prove --inclusion 42 2>err; rc=$?; grep_q "not in the log" err; exit $rc'
test_expect_code 2 'log prove: a size beyond the log' 'klartext log prove --inclusion 1 --size 43 2>err; rc=$?; grep_q "out of range" err; exit $rc'
test_expect_code 2 'log prove: old size beyond new' 'klartext log prove --consistency 9 8 2>err; rc=$?; grep_q "not between 0 and 8" err; exit $rc'
test_expect_code 2 'log prove: no proof kind' 'klartext log prove 2>err; rc=$?; grep_q "either --inclusion" err; exit $rc'
test_expect_code 2 'log prove: not a number' 'klartext log prove --inclusion -1 2>err; rc=$?; grep_q "not a number" err; exit $rc'
test_expect_code 2 'log: unknown sub-command' 'klartext log rewrite 2>err; rc=$?; grep_q "not a log command" err; exit $rc'
test_expect_success 'an entry published after the newest checkpoint is provable only after the next one' '
    klartext incident publish 2026-0002 --lang de --statement "Late." >/dev/null &&
    { klartext log prove --inclusion 42 2>err; test $? -eq 1; } && grep_q "not covered by the newest checkpoint (size 42)" err &&
    klartext log verify | grep_q "1 entry is not covered by a checkpoint yet" &&
    klartext log checkpoint >/dev/null && klartext --json log prove --inclusion 42 >p.json &&
    "$PY" "$VERIFY" log-proof p.json --vkey "$(klartext log pubkey)" --require-checkpoint
'
test_expect_success 'log entries: public form only — no salt, no internal refs; ranges' '
    klartext --json log entries >all.json &&
    not_grep_q "\"salt\"" all.json && not_grep_q "\"ref\"" all.json &&
    "$PY" -c "
import json; d = json.load(open(\"all.json\"))
for e in d[\"entries\"]:
    o = json.loads(e[\"entry\"])
    if e[\"kind\"] == \"audit-head\":
        assert set(o) == {\"commitment\", \"kind\", \"logged_at\"} and e[\"commitment\"] == o[\"commitment\"], o
" &&
    klartext log entries --start 42 --end 44 >out && test $(wc -l <out) -eq 2 && grep_q "^ *43  .*audit-head  commitment [0-9a-f]\\{16\\}…" out &&
    klartext log entries --start 100 | grep_q "No entries in that range" &&
    { klartext log entries --start 5 --end 2 2>err; test $? -eq 2; }
'
sqlite_only "reads the register with sqlite3 (t0062 checks the same on PostgreSQL)"
test_expect_success 'the triggers keep the log, the checkpoints and the statements append-only' '
    ! sqlite3 klartext.db "UPDATE tlog_entry SET kind = \"x\" WHERE idx = 0" 2>err && grep_q "append-only" err &&
    ! sqlite3 klartext.db "DELETE FROM tlog_entry WHERE idx = 43" 2>/dev/null &&
    ! sqlite3 klartext.db "UPDATE tlog_checkpoint SET note = \"x\"" 2>/dev/null &&
    ! sqlite3 klartext.db "DELETE FROM tlog_checkpoint" 2>/dev/null &&
    ! sqlite3 klartext.db "UPDATE incident_statement SET statement = \"x\"" 2>/dev/null &&
    ! sqlite3 klartext.db "DELETE FROM incident_statement" 2>/dev/null &&
    ! sqlite3 klartext.db "UPDATE audit SET hash = NULL" 2>/dev/null &&
    klartext log verify >/dev/null
'

# ---------------------------------------------------------------- determinism
test_expect_success 'the same commands give the same public entries; only commitments differ (random salts)' '
    for d in two three; do
        mkdir $d && (
            cd $d && { ! test_on_pg || export KLARTEXT_DB=$(pg_newdb); } && klartext init >/dev/null 2>&1 && klartext org set portal.url=https://verify.beispiel-versand.example >/dev/null &&
            new_incident "Names visible on profile pages" &&
            klartext incident publish 2026-0001 --lang de --statement "Wir haben einen Fehler gemacht: Namen und E-Mail-Adressen waren sichtbar." >/dev/null &&
            klartext log checkpoint >/dev/null && klartext --json log entries >e.json
        ) || exit 1
    done &&
    klartext --json log entries --end 1 >e.json &&
    "$PY" -c "
import json; a, b, c = (json.load(open(f))[\"entries\"] for f in (\"e.json\", \"two/e.json\", \"three/e.json\"))
assert a[0] == b[0] == c[0], (a[0], b[0])
assert b[1][\"kind\"] == c[1][\"kind\"] == \"audit-head\" and b[1][\"logged_at\"] == c[1][\"logged_at\"]
assert b[1][\"commitment\"] != c[1][\"commitment\"]
"
'
test_done
