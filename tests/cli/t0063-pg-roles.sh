#!/usr/bin/env bash
# t0063 — roles and identities on PostgreSQL (issue 16 item 2, docs/team.md): the audit trail's
# login is the database's session_user, written by the database (schema step 13), whatever
# --actor or the client says; the chain covers it (a changed, added or removed login is detected)
# while rows from before the step still verify, on both backends. init creates the group roles
# klartext_dpo, _engineer, _agent, _auditor with their grants; a login per role may do what its
# role may (serve as an agent login included) and is refused the rest with a message that names
# the login, its role, what it may not do and the role to ask for — exit 1, the register
# unchanged (compared as a dump); row-level security on agents; init without CREATEROLE.
# postgresql: PostgreSQL only, with its own databases and logins: logins and session_user exist
# only there (on SQLite the login stays NULL, checked here too); it is not run a second time
# as pg/t0063.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite

# the URL of database URL for login USER: as_login USER URL
as_login() { echo "postgresql://$1@/${2#postgresql:///}"; }
# a login role of the cluster (logins are cluster-wide: a suite's names carry its process id)
SUF=$$
MAL=mallory_$SUF

URL=$(pg_newdb)
test_expect_success 'the audit login is session_user, with --actor beside it, never instead' '
    mkdir a && cd a && write_org && KLARTEXT_DB=$URL klartext init --org org.ini >/dev/null &&
    KLARTEXT_DB=$URL klartext --actor "Dana Weber" incident new --title T --aware-at 2026-01-01T00:00:00Z \
        --aware-how mail >/dev/null &&
    # init writes a row per schema step: the rows before step 13 had no login column yet
    s13=$(pg_sql "$URL" "SELECT id FROM audit WHERE new_value = '\''13'\'' AND field = '\''schema_version'\''") &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM audit WHERE id >= $s13 AND login IS DISTINCT FROM '\''klartext'\''")" = 0 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM audit WHERE id < $s13 AND login IS NOT NULL")" = 0 ] &&
    [ "$(pg_sql "$URL" "SELECT DISTINCT actor FROM audit WHERE action = '\''incident.create'\''")" = "Dana Weber" ] &&
    KLARTEXT_DB=$URL klartext audit >au && grep_q "klartext (--actor '\''Dana Weber'\'')  klartext incident new" au &&
    KLARTEXT_DB=$URL klartext --json audit >aj && grep_q "\"login\": \"klartext\"" aj &&
    KLARTEXT_DB=$URL klartext log verify >/dev/null
'
test_expect_success 'another login (a superuser) is recorded as itself, whatever --actor and the INSERT say' '
    pg_sql "$URL" "CREATE ROLE $MAL LOGIN SUPERUSER" &&
    KLARTEXT_DB=$(as_login $MAL "$URL") klartext --actor klartext incident update 2026-0001 --title U >/dev/null &&
    [ "$(pg_sql "$URL" "SELECT login || '\'' '\'' || actor FROM audit ORDER BY id DESC LIMIT 1")" = "$MAL klartext" ] &&
    # a client that writes the column itself: the trigger writes session_user over it
    "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -d "$(as_login $MAL "$URL")" -c \
        "INSERT INTO audit(id, at, actor, command, action, login) SELECT max(id) + 1, 0, '\''x'\'', '\''x'\'', '\''x'\'', '\''klartext'\'' FROM audit" &&
    [ "$(pg_sql "$URL" "SELECT login FROM audit ORDER BY id DESC LIMIT 1")" = "$MAL" ] &&
    pg_sql "$URL" "SELECT column_default FROM information_schema.columns WHERE table_name = '\''audit'\'' AND column_name = '\''login'\''" >d &&
    grep -qi "session_user" d
'
test_expect_code 1 'that forged row (no valid hash) is reported by log verify' '
    cd a && KLARTEXT_DB=$URL klartext log verify >v 2>&1; rc=$?; grep_q "audit entry #" v; exit $rc
'

# a register for the tamper checks: rows before step 13 (no login), the migration, rows after
U2=$(pg_newdb)
test_expect_success 'a register from before step 13: old rows keep no login and still verify, new rows have one' '
    mkdir b && cd b && write_org && KLARTEXT_TEST_SCHEMA=12 KLARTEXT_DB=$U2 klartext init --org org.ini >/dev/null &&
    [ "$(pg_sql "$U2" "SELECT value FROM meta WHERE key = '\''schema_version'\''")" = 12 ] &&
    n12=$(pg_sql "$U2" "SELECT count(*) FROM audit") &&
    KLARTEXT_DB=$U2 klartext incident new --title T --aware-at 2026-01-01T00:00:00Z --aware-how mail >/dev/null &&
    [ "$(pg_sql "$U2" "SELECT count(*) FROM audit WHERE login IS NULL")" = "$n12" ] &&
    [ "$(pg_sql "$U2" "SELECT count(*) FROM audit WHERE login = '\''klartext'\''")" -ge 2 ] &&
    KLARTEXT_DB=$U2 klartext log checkpoint >/dev/null && KLARTEXT_DB=$U2 klartext log verify >/dev/null
'
tamper() {  # tamper SQL: the change, made around the guards (as the table's owner could); log verify must fail
    pg_sql "$U2" "ALTER TABLE audit DISABLE TRIGGER USER; $1; ALTER TABLE audit ENABLE TRIGGER USER" || return 1
    if (cd b && KLARTEXT_DB=$U2 klartext log verify) >v 2>&1; then echo "not detected: $1"; return 1; fi
    grep_q "does not match its hash" v || return 1
    pg_sql "$U2" "ALTER TABLE audit DISABLE TRIGGER USER; $2; ALTER TABLE audit ENABLE TRIGGER USER" &&
        (cd b && KLARTEXT_DB=$U2 klartext log verify >/dev/null)
}
test_expect_success 'a changed, removed or added login breaks the chain (and only that row is named)' '
    last=$(pg_sql "$U2" "SELECT max(id) FROM audit") && first=$(pg_sql "$U2" "SELECT min(id) FROM audit") &&
    tamper "UPDATE audit SET login = '\''dana'\'' WHERE id = $last" "UPDATE audit SET login = '\''klartext'\'' WHERE id = $last" &&
    tamper "UPDATE audit SET login = NULL WHERE id = $last" "UPDATE audit SET login = '\''klartext'\'' WHERE id = $last" &&
    tamper "UPDATE audit SET login = '\''klartext'\'' WHERE id = $first" "UPDATE audit SET login = NULL WHERE id = $first"
'
test_expect_success 'SQLite: the login stays NULL (no logins there), the listing and --json are as before' '
    mkdir s && cd s && write_org && KLARTEXT_TEST_SCHEMA=12 klartext init --org org.ini >/dev/null &&
    klartext --actor "Dana Weber" incident new --title T --aware-at 2026-01-01T00:00:00Z --aware-how mail >/dev/null &&
    [ "$(sqlite3 klartext.db "SELECT value FROM meta WHERE key = '\''schema_version'\''")" -ge 13 ] &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM audit WHERE login IS NOT NULL")" = 0 ] &&
    klartext audit >au && grep_q "  Dana Weber  klartext incident new" au && not_grep_q "(--actor" au &&
    klartext --json audit >aj && not_grep_q "\"login\"" aj && klartext log verify >/dev/null
'

# ---- the group roles: a register of a team, one login per role
U3=$(pg_newdb)
SEED=$(printf "42%.0s" $(seq 32))
DANA=dana_$SUF ENG=eng_$SUF ANN=ann_$SUF AUD=aud_$SUF EVE=eve_$SUF
test_expect_success 'init creates the four group roles (NOLOGIN) and grants; logins join them' '
    mkdir t && cd t && export KLARTEXT_DB=$U3 && fixture_register && use_test_key &&
    [ "$(pg_sql "$U3" "SELECT string_agg(rolname || '\'':'\'' || rolcanlogin, '\'','\'' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE '\''klartext\_%'\''")" = \
      "klartext_agent:false,klartext_auditor:false,klartext_dpo:false,klartext_engineer:false" ] &&
    pg_sql "$U3" "CREATE ROLE $DANA LOGIN IN ROLE klartext_dpo; CREATE ROLE $ENG LOGIN IN ROLE klartext_engineer;
                  CREATE ROLE $ANN LOGIN IN ROLE klartext_agent; CREATE ROLE $AUD LOGIN IN ROLE klartext_auditor;
                  CREATE ROLE $EVE LOGIN"
'
as() { local u=$1; shift; (cd t && KLARTEXT_DB=$(as_login "$u" "$U3") klartext "$@"); }
test_expect_success 'the DPO'"'"'s login publishes, approves, makes the notices and signs a checkpoint' '
    as $DANA incident publish 2018-0001 --lang en --statement "Names were visible." >/dev/null &&
    as $DANA notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    KLARTEXT_TEST_CODE_SEED=$SEED as $DANA notify 2018-0001 --out out >/dev/null 2>&1 && ls t/out | grep -c "\.eml$" | grep_q 4 &&
    as $DANA log checkpoint >/dev/null &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM audit WHERE action = '\''notify.approve'\'' AND login = '\''$DANA'\''")" = 1 ]
'
dump() { "$PG_BIN/pg_dump" --data-only --no-owner "$U3" 2>/dev/null | grep -v -e "^SELECT pg_catalog.setval" -e "^.restrict " -e "^.unrestrict "; }
# refused USER WHAT ROLE CMD...: exit 1, the message names the login, its role, what it may not do
# and the role to ask for, and the register is unchanged
refused() {
    local u=$1 what=$2 need=$3 have; shift 3
    have=$(pg_sql "$U3" "SELECT coalesce(string_agg(b.rolname, ', '), 'no klartext role') FROM pg_auth_members m
        JOIN pg_roles a ON a.oid = m.member JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = '$u'")
    dump >before.sql
    (cd t && KLARTEXT_DB=$(as_login "$u" "$U3") klartext "$@") >out 2>err; local rc=$?
    [ $rc = 1 ] || { echo "exit $rc, not 1: klartext $*"; cat err; return 1; }
    grep_q "login '$u' ($have) may not $what: permission denied for " err || return 1
    grep_q "(ask the DBA for $need)" err || return 1
    dump >after.sql && cmp before.sql after.sql || { echo "changed by: klartext $*"; diff before.sql after.sql | head; return 1; }
}
test_expect_success 'engineer: incidents, timeline, scans, subjects, assessments; not decisions, approvals, notices, the log' '
    as $ENG incident update 2018-0001 --approx-subjects 7 >/dev/null &&
    as $ENG incident new --title "Second" --aware-at 2026-01-01T00:00:00Z --aware-how mail >/dev/null &&
    as $ENG scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    as $ENG subjects import 2018-0001 subjects.csv >/dev/null &&
    as $ENG assess 2018-0001 >/dev/null && as $ENG status >/dev/null &&
    refused $ENG "decide on an incident" klartext_dpo assess 2018-0001 --decide authority=yes,subjects=yes --by E --reason r &&
    refused $ENG "approve notices" klartext_dpo notify 2018-0001 --approve --by E &&
    refused $ENG "publish a statement" klartext_dpo incident publish 2018-0001 --lang en --statement x &&
    refused $ENG "change the organisation'\''s details" klartext_dpo org set dpo.name=X &&
    refused $ENG "sign a checkpoint of the transparency log" klartext_dpo log checkpoint &&
    refused $ENG "manage the portal'\''s agents" klartext_dpo agent add bob
'
test_expect_success 'agent: cannot change an incident or decide; cannot read notice texts, the audit trail or the viewers' '
    refused $ANN "change an incident" klartext_engineer incident update 2018-0001 --approx-subjects 9 &&
    refused $ANN "decide on an incident" klartext_dpo assess 2018-0001 --decide authority=no,subjects=no --by A --reason r &&
    ! "$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT message FROM notice LIMIT 1" 2>e && grep_q "permission denied" e &&
    ! "$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT actor FROM audit LIMIT 1" 2>e && grep_q "permission denied" e &&
    ! "$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT content FROM notice_dict LIMIT 1" 2>e && grep_q "permission denied" e &&
    ! "$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT viewer_identities FROM exposure LIMIT 1" 2>e &&
    grep_q "permission denied" e &&
    ! "$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT viewer_list FROM exposure LIMIT 1" 2>e &&
    grep_q "permission denied" e &&
    [ "$("$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "SELECT count(subject) FROM exposure")" -gt 0 ]
'
test_expect_success 'auditor: reads everything (status, show, report, audit, log verify); changes nothing' '
    as $AUD status >/dev/null && as $AUD incident show 2018-0001 >/dev/null && as $AUD audit >/dev/null &&
    as $AUD report 2018-0001 --lang en >/dev/null && as $AUD log verify >/dev/null && as $AUD exposure 2018-0001 >/dev/null &&
    refused $AUD "change an incident" klartext_engineer incident update 2018-0001 --approx-subjects 9 &&
    refused $AUD "sign a checkpoint of the transparency log" klartext_dpo log checkpoint &&
    refused $AUD "import the subject directory" klartext_engineer subjects import 2018-0001 subjects.csv
'
test_expect_success 'engineer and auditor run every reading command; verify (the signed text) is the auditor'"'"'s, not an agent'"'"'s' '
    for u in $ENG $AUD; do
        for c in "status" "incident list" "incident show 2018-0001" "exposure 2018-0001 --format csv" \
                 "report 2018-0001 --lang en" "notify 2018-0001 --status" "audit" "log verify" "log entries" \
                 "subjects show 2018-0001" "assess 2018-0001 --json"; do
            as $u $c >/dev/null 2>err || { echo "$u: klartext $c"; cat err; exit 1; }
        done
    done &&
    code=$(eml_code t/out/2018-0001-000001.eml) && as $AUD verify --code "$code" >ve && grep_q "2018-0001-000001" ve &&
    refused $ANN "check a notice'"'"'s signed text" klartext_auditor verify --code "$code"
'
test_expect_success 'a login without a klartext role: refused, and told which role to ask for' '
    refused $EVE "read the register" klartext_auditor status &&
    refused $EVE "change an incident" klartext_engineer incident update 2018-0001 --approx-subjects 9
'
test_expect_success 'DPO: decides, approves, signs checkpoints, manages agents; the audit names each login' '
    as $DANA assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana" --reason "still everyone" >/dev/null &&
    as $DANA agent add bob >tok 2>/dev/null && as $DANA agent add carol >/dev/null 2>&1 && as $DANA agent remove carol >/dev/null &&
    as $DANA org set service.hours="Mo-Fr 9-17" >/dev/null && as $DANA incident publish 2018-0001 --lang en --statement "Fixed." >/dev/null &&
    as $DANA report 2018-0001 --lang en --filed --at 2018-11-22T09:30:00Z --ref "LDA-1" >/dev/null &&
    as $DANA notify 2018-0001 --status >/dev/null && KLARTEXT_NOW=2040-01-01T00:00:00Z as $DANA purge --dry-run >/dev/null &&
    refused $ENG "record a filing" klartext_dpo report 2018-0001 --lang en --filed --at 2018-11-22T09:40:00Z --ref "LDA-1" --follow-up &&
    as $DANA log checkpoint >/dev/null && as $DANA log verify >/dev/null &&
    for u in $ENG $DANA; do [ "$(pg_sql "$U3" "SELECT count(*) FROM audit WHERE login = '\''$u'\''")" -gt 0 ] || exit 1; done &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM audit WHERE login IN ('\''$ANN'\'', '\''$AUD'\'', '\''$EVE'\'')")" = 0 ] &&
    as $AUD audit | grep_q "$DANA (--actor"
'
test_expect_success 'the DPO'"'"'s login sends over SMTP (outbox claims, events, the log); an engineer'"'"'s may not' '
    U4=$(pg_newdb) && smtpd_start mail && mkdir sm && cd sm && { (export KLARTEXT_DB=$U4 && fixture_register) || { echo fixture; false; }; } &&
    d=$(as_login $DANA "$U4") && KLARTEXT_DB=$d klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null &&
    e=$(as_login $ENG "$U4") && before=$("$PG_BIN/pg_dump" --data-only "$U4" 2>/dev/null | grep -v -e "^SELECT pg_catalog.setval" -e "^.restrict " -e "^.unrestrict ") &&
    { KLARTEXT_DB=$e klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$mail_port" >/dev/null 2>err; [ $? = 1 ] || { echo "engineer: exit not 1"; cat err; false; }; } &&
    grep_q "login '\''$ENG'\'' (klartext_engineer) may not make or send notices: permission denied" err &&
    after=$("$PG_BIN/pg_dump" --data-only "$U4" 2>/dev/null | grep -v -e "^SELECT pg_catalog.setval" -e "^.restrict " -e "^.unrestrict ") &&
    { [ "$after" = "$before" ] || { echo "changed:"; diff <(echo "$before") <(echo "$after") | head; false; }; } &&
    { [ "$(ls "$TRASH/mail" 2>/dev/null | grep -vc "\.jsonl$")" = 0 ] || { echo "mail sent:"; ls "$TRASH/mail"; false; }; } &&
    KLARTEXT_DB=$d klartext notify 2018-0001 --smtp "smtp://127.0.0.1:$mail_port" >sum 2>&1 && { grep -E -q "sent +4" sum || { cat sum; false; }; } &&
    [ "$(pg_sql "$U4" "SELECT count(*) FROM outbox WHERE state = '\''sent'\''")" = 4 ] &&
    KLARTEXT_DB=$d klartext log verify >/dev/null; rc=$?; stop_servers; exit $rc
'
test_expect_success 'row-level security: an agent login sees only the active agents, the DPO and auditor all' '
    q="SELECT count(*) FROM agent" &&
    [ "$("$PG_BIN/psql" -qAtX -d "$(as_login $ANN "$U3")" -c "$q")" = 1 ] &&
    [ "$("$PG_BIN/psql" -qAtX -d "$(as_login $AUD "$U3")" -c "$q")" = 2 ] &&
    [ "$("$PG_BIN/psql" -qAtX -d "$(as_login $DANA "$U3")" -c "$q")" = 2 ] &&
    as $ANN agent list >al && grep_q "^bob " al && not_grep_q carol al
'
test_expect_success 'a register that needs a migration, opened by a login that does not own it: told to run it as the owner' '
    u=$(pg_newdb) && mkdir m && (cd m && write_org && KLARTEXT_TEST_SCHEMA=12 KLARTEXT_DB=$u klartext init --org org.ini >/dev/null) &&
    before=$("$PG_BIN/pg_dump" --no-owner "$u" 2>/dev/null | grep -v -e "^.restrict " -e "^.unrestrict ") &&
    (cd m && KLARTEXT_DB=$(as_login $DANA "$u") klartext status) >out 2>err; rc=$?
    [ $rc = 1 ] && grep_q "login '\''$DANA'\'' (klartext_dpo) may not bring the register'\''s schema up to this klartext'\''s version: must be owner of table audit (run one klartext command as the tables'\'' owner" err &&
    [ "$("$PG_BIN/pg_dump" --no-owner "$u" 2>/dev/null | grep -v -e "^.restrict " -e "^.unrestrict ")" = "$before" ]
'
# the roles are the cluster's, and the shared cluster of tests/run has them by now: a cluster of
# its own for init without them (stopped when the test's subshell exits)
test_expect_success 'init by a login without CREATEROLE where the roles are missing: refused, named, nothing written; with the DBA'"'"'s SQL from docs/team.md it works' '
    unset PGHOST PG_DIR && . "$SRC_DIR/tests/pg.sh" && pg_start &&
    pg_sql postgres "CREATE ROLE nocr LOGIN" && pg_sql postgres "CREATE DATABASE nocr OWNER nocr" && u=postgresql://nocr@/nocr &&
    mkdir c && cd c && write_org && { klartext --db $u init --org org.ini >out 2>e; rc=$?; } &&
    [ $rc = 1 ] && grep_q "login '\''nocr'\'' may not create the group roles klartext_dpo" e && grep_q "CREATEROLE" e &&
    grep_q "docs/team.md" e && grep_q "nothing was written" e &&
    [ "$(pg_sql $u "SELECT count(*) FROM pg_class WHERE relnamespace = '\''public'\''::regnamespace")" = 0 ] &&
    [ "$(pg_sql $u "SELECT count(*) FROM pg_roles WHERE rolname LIKE '\''klartext\_%'\''")" = 0 ] &&
    ! [ -e klartext.key ] && ! [ -e klartext.pub ] &&
    # the DBA creates the roles by hand (docs/team.md), then the same login may init
    sed -n "/^CREATE ROLE klartext_/p" "$SRC_DIR/docs/team.md" >roles.sql && [ "$(wc -l <roles.sql)" = 4 ] &&
    "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -d postgres -f roles.sql &&
    klartext --db $u --actor "Someone Else" init --org org.ini >/dev/null &&
    [ "$(pg_sql $u "SELECT DISTINCT login FROM audit WHERE action = '\''key.create'\''")" = nocr ] &&
    pg_sql postgres "CREATE ROLE dpo2 LOGIN IN ROLE klartext_dpo" &&
    klartext --db postgresql://dpo2@/nocr incident new --title T --aware-at 2026-01-01T00:00:00Z --aware-how mail >/dev/null &&
    [ "$(pg_sql $u "SELECT DISTINCT login FROM audit WHERE action = '\''incident.create'\''")" = dpo2 ]
'
# the console's form token for ACTION (as tests/cli/t6000-serve.sh): ftok JAR ACTION
ftok() {
    curl -s -b "$1" -c "$1" "$URL/agent?lang=en" |
        awk -v a="action=\"$2\"" 'index($0, a) { f = 1 } f && match($0, /name="ft" value="[0-9a-f]+"/) { print substr($0, RSTART + 17, 32); exit }'
}
test_expect_success 'serve as an agent login: pages, verification, the agent console; its audit rows carry the login' '
    (cd t && KLARTEXT_DB=$(as_login $ANN "$U3") exec "$KLARTEXT" serve --listen 127.0.0.1:0 2>serve.err) & server_started $!
    for _ in $(seq 100); do
        URL=$(grep -o "http://127.0.0.1:[0-9]*" t/serve.err 2>/dev/null | head -1); [ -n "$URL" ] && curl -s -o /dev/null "$URL/" && break
        sleep 0.1
    done
    [ -n "$URL" ] || { cat t/serve.err; exit 1; }
    code=$(eml_code t/out/2018-0001-000002.eml) && rcpt=$(sed -n "s/^To: .*<\(.*\)>.*/\1/p" t/out/2018-0001-000002.eml | tr -d "\r") &&
    for p in / /incident/2018-0001 /api/v1/incidents /log/checkpoint; do
        [ "$(curl -s -o /dev/null -w "%{http_code}" "$URL$p")" = 200 ] || { echo "$p"; exit 1; }
    done &&
    curl -s -X POST -d "{\"code\":\"$code\",\"email\":\"$rcpt\"}" "$URL/api/v1/verify" >v.json && grep_q "2018-0001" v.json &&
    before=$(pg_sql "$U3" "SELECT count(*) FROM audit WHERE login = '\''$ANN'\''") &&
    curl -s -o /dev/null -b jar -c jar -X POST --data-urlencode "token=$(cat tok)" -d "ft=$(ftok jar /agent/login)" "$URL/agent/login" &&
    curl -s -b jar -c jar -X POST -d "ft=$(ftok jar /agent/lookup)" --data-urlencode "q=$code" -d lang=en "$URL/agent/lookup" >al.html &&
    grep_q "Genuine notice" al.html &&
    [ "$(pg_sql "$U3" "SELECT count(*) FROM audit WHERE login = '\''$ANN'\''")" -ge $((before + 2)) ] &&
    not_grep_q "permission denied" t/serve.err; rc=$?; stop_servers; exit $rc
'
test_done
