#!/usr/bin/env bash
# init: the register, the key pair, the organisation's details; org show/set.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"

cat >org.ini <<'INI'
[organisation]
name = Beispiel Versand GmbH
address = Musterstraße 12, 10115 Berlin
timezone = Europe/Berlin
languages = de,en
nis2 = yes
[dpo]
name = Dr. Jana Schreiber
email = dpo@beispiel.example
phone = +49 30 1234567
[service]
phone = +49 30 7654321
hours = Mon–Fri 8–20
[notices]
from = privacy@beispiel.example
reply_to = dpo@beispiel.example
[authority]
lead = Berliner Beauftragte für Datenschutz und Informationsfreiheit
[portal]
url = https://verify.beispiel.example/
INI

test_expect_success 'init creates register, keys (0600 / minisign format) and stores the org' '
    klartext init --org org.ini >out 2>err &&
    { test_on_pg || { [ -f klartext.db ] && [ "$(stat -c %a klartext.db)" = 600 ]; }; } &&
    [ -f klartext.key ] && [ -f klartext.pub ] && [ "$(stat -c %a klartext.key)" = 600 ] &&
    head -1 klartext.pub | grep_q "^untrusted comment: minisign public key [0-9A-F]\{16\}$" &&
    [ "$(sed -n 2p klartext.pub | wc -c)" = 57 ] &&
    ! grep -q warning err &&
    klartext org show >show && grep_q "dpo.email *dpo@beispiel.example" show &&
    grep_q "portal.url *https://verify.beispiel.example$" show && not_grep_q placeholder show
'
sqlite_only "looks at the SQLite file (mode, WAL, schema)"
test_expect_success 'the register is SQLite in WAL mode with foreign keys and a schema version' '
    [ "$(sqlite3 klartext.db "PRAGMA journal_mode")" = wal ] &&
    sqlite3 klartext.db "SELECT value FROM meta WHERE key=\"schema_version\"" | grep_q "^[0-9]"
'
test_expect_success 'minisign accepts the key pair (sign with our secret key, verify with our public key)' '
    command -v minisign >/dev/null || { echo "minisign missing"; exit 1; }
    echo "hello" >msg && minisign -S -s klartext.key -m msg >/dev/null 2>&1 </dev/null &&
    minisign -V -p klartext.pub -m msg >/dev/null
'
test_expect_code 1 'init refuses to initialise over an existing register' '
    cp klartext.key key.before; klartext init 2>err; rc=$?
    grep_q "will not initialise over an existing register" err && cmp klartext.key key.before; exit $rc
'
test_expect_code 1 'init never overwrites an existing key file' '
    klartext --db other.db init 2>/dev/null; mv other.db other2.db 2>/dev/null
    cp other.key k.before; rm -f other2.db; klartext --db other.db init 2>err; rc=$?
    grep_q "never overwrites a signing key" err && cmp other.key k.before && [ ! -f other.db ]; exit $rc
'
test_expect_success 'init without --org stores placeholders and warns' '
    klartext --db p.db init >out 2>err && grep_q "warning: no --org file" err &&
    klartext --db p.db org show >show && grep_q "placeholder" show
'
test_expect_success 'org set changes details and audits them' '
    klartext --db p.db org set "organisation.name=ACME GmbH" dpo.email=dpo@acme.example >out &&
    klartext --db p.db org show | grep_q "organisation.name *ACME GmbH" &&
    klartext --db p.db audit >a && grep_q "org.set *organisation.name" a && grep_q "ACME GmbH" a
'
test_expect_code 2 'org set rejects a bad e-mail, a bad zone, an unknown key' '
    before=$(db_dump p.db)
    klartext --db p.db org set dpo.email=not-an-address 2>err1; r1=$?
    klartext --db p.db org set organisation.timezone=Mars/Base 2>err2; r2=$?
    klartext --db p.db org set dpo.fax=123 2>err3; r3=$?
    klartext --db p.db org set organisation.languages=fr 2>err4; r4=$?
    [ "$before" = "$(db_dump p.db)" ] || { echo "register changed"; exit 1; }
    grep_q "not an e-mail address" err1 && grep_q "not an IANA time zone" err2 && grep_q "unknown organisation field" err3 &&
    grep_q "not supported" err4 && [ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ] && exit $r4
'
test_expect_code 2 'org set with one bad pair stores none of them' '
    before=$(db_dump p.db)
    klartext --db p.db org set dpo.name=X dpo.email=bad 2>/dev/null; rc=$?
    [ "$before" = "$(db_dump p.db)" ] && exit $rc
'
printf '[organisation]\nname = X\n[dpo]\nmail = a@b.example\n' >bad1.ini
printf '[organisation]\ntimezone = Europe/Berlinn\n' >bad2.ini
printf 'name = X\n' >bad3.ini
test_expect_code 2 'init --org names file, line and key of an error, creates nothing' '
    klartext --db q.db init --org bad1.ini 2>err; rc=$?
    grep_q "bad1.ini line 4: unknown key '"'"'mail'"'"' in \[dpo\]" err && [ ! -e q.db ] && [ ! -e q.key ] || exit 1
    klartext --db q.db init --org bad2.ini 2>err; grep_q "bad2.ini line 2" err && [ ! -e q.db ] || exit 1
    klartext --db q.db init --org bad3.ini 2>err; grep_q "outside a section" err || exit 1
    exit $rc
'
test_expect_code 2 'init --org with a missing file' 'klartext --db q.db init --org nope.ini'
test_done
