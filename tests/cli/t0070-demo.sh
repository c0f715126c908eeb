#!/usr/bin/env bash
# klartext demo: runs, leaves a register to explore, replaces only its own directory.
. "$(dirname "$0")/lib.sh"

test_expect_success 'demo runs and prints status and what to try next' '
    klartext demo >out 2>err && grep_q "authority notified" out && grep_q "What you can try next" out &&
    [ -f klartext-demo/klartext.db ] && [ -f klartext-demo/klartext.key ]
'
test_expect_success 'the demo scanned its bundled logs and left every artefact' '
    grep_q "Stored as scan version 1 of incident" err &&
    [ -f klartext-demo/logs/access.log.1.gz ] && [ -f klartext-demo/logs/access.log ] && [ -f klartext-demo/rule.conf ] &&
    [ -f klartext-demo/subjects.csv ] && [ $(wc -l <klartext-demo/exposures.csv) -gt 100 ] &&
    klartext --db klartext-demo/klartext.db exposure 2026-0001 --format csv | cmp - klartext-demo/exposures.csv
'
test_expect_success 'the demo wrote signed notices that verify, also with minisign itself' '
    [ $(ls klartext-demo/notices/*.eml | wc -l) -gt 300 ] &&
    klartext --db klartext-demo/klartext.db verify klartext-demo/notices/2026-0001-000001.eml >v && grep_q "^GENUINE" v &&
    /usr/bin/python3 -c "
import email, email.policy, sys
m = email.message_from_binary_file(open(\"klartext-demo/notices/2026-0001-000001.eml\", \"rb\"), policy=email.policy.default)
for part in m.iter_attachments():
    open(part.get_filename(), \"wb\").write(part.get_payload(decode=True))
" && minisign -Vm notice.txt -p klartext-demo/klartext.pub >/dev/null &&
    grep_q "enter the code [0-9A-Z]\{4\}-" out
'
test_expect_success 'the demo proves one notice'"'"'s inclusion in the log and verifies the log' '
    grep_q "In the transparency log: entry" out && grep_q "^log verified" out
'
test_expect_success 'the demo shows a follow-up and a bounce, and says where they are' '
    f=$(sed -n "s|^The follow-up: \(.*\.eml\) (it names.*|\1|p" out) && [ -f "$f" ] &&
    /usr/bin/python3 -c "
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)
assert m[\"Subject\"].startswith((\"Follow-up from\", \"Nachtrag von\")), m[\"Subject\"]
" "$f" &&
    klartext --db klartext-demo/klartext.db verify "$f" | grep_q "^GENUINE" &&
    grep_q "^The returned mail: klartext-demo/returned/1.eml" out && [ -f klartext-demo/returned/1.eml ] &&
    klartext --db klartext-demo/klartext.db notify 2026-0001 --status >st &&
    grep -E -q "of these, returned: failed \(5.x.x\) +1" st && grep -E -q "of these, follow-ups +1" st &&
    grep -E -q "^2026-0001-000002 .* failed +5\.1\.1 " st
'
test_expect_success 'the demo writes letters (the customer without e-mail, the returned notice) and says where' '
    grep_q "^The letters: klartext-demo/letters/" out &&
    f=$(sed -n "s|^Open one letter, e.g. \(klartext-demo/letters/.*\.pdf\)$|\1|p" out) && [ -f "$f" ] &&
    ls klartext-demo/letters/letters-*.pdf klartext-demo/letters/letters-*.csv >/dev/null &&
    [ "$(ls klartext-demo/letters/2026-0001-*.pdf | wc -l)" = 2 ] &&
    if command -v pdftotext >/dev/null; then pdftotext "$f" - | grep_q "Prüfcode\|notice code"; fi &&
    klartext --db klartext-demo/klartext.db notify 2026-0001 --status | grep -E -q "letters \(by post, --letters\) +2"
'
test_expect_success 'the demo register can be used afterwards' '
    klartext --db klartext-demo/klartext.db incident list | grep_q "Customer names and e-mail addresses"
'
test_expect_success 'a re-run replaces the demo directory' '
    klartext demo >/dev/null 2>&1 && [ "$(klartext --db klartext-demo/klartext.db incident list | wc -l)" = 2 ]
'
test_expect_success 'demo --dir elsewhere' 'klartext demo --dir d2 >/dev/null 2>&1 && [ -f d2/klartext.db ]'
test_expect_code 1 'demo refuses to replace a directory it did not make' '
    mkdir mine && touch mine/precious && klartext demo --dir mine 2>err; rc=$?; [ -f mine/precious ] && grep_q "not a klartext demo directory" err; exit $rc
'
test_expect_success 'the demo is deterministic with KLARTEXT_NOW' '
    mkdir r1 r2 && (cd r1 && klartext demo >../a.out 2>/dev/null) && (cd r2 && klartext demo >../b.out 2>/dev/null) &&
    # the signing key is new in every run, and so are the log'"'"'s salts: checkpoint root and signature differ
    # (and with it the approval hash over the key id); notice codes are random by design
    filter() { grep -v -e "^— " -e "^[A-Za-z0-9+/]\{43\}=$" -e "enter the code" -e "signature    valid (key" -e "Schlüssel-ID" -e "key ID" \
                       -e "^  SHA-256 [0-9a-f]\{64\} over the data model" "$1"; }
    # the notice proof block (salt, line, entry, proof, checkpoint) is random by design, and so is the code
    proofless() { awk "/^In the transparency log: entry/{skip=1} /^\\$ /{skip=0} !skip" "$1" | sed "s/--code [0-9A-Z-]* --proof/--code CODE --proof/"; }
    proofless a.out >a.p && proofless b.out >b.p &&
    filter a.p >a.f && filter b.p >b.f &&
    diff a.f b.f && cmp r1/klartext-demo/org.ini r2/klartext-demo/org.ini &&
    cmp r1/klartext-demo/exposures.csv r2/klartext-demo/exposures.csv &&
    cmp r1/klartext-demo/meldung.de.html r2/klartext-demo/meldung.de.html &&
    cmp r1/klartext-demo/logs/access.log.1.gz r2/klartext-demo/logs/access.log.1.gz
'
test_done
