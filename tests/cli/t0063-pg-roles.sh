#!/usr/bin/env bash
# t0063 — who did it, on PostgreSQL (issue 16 item 2): the audit trail's login is the database's
# session_user, written by the database (schema step 13), whatever --actor or the client says;
# the chain covers it (a changed, added or removed login is detected) while rows from before the
# step still verify, on both backends.
# postgresql: PostgreSQL only, with its own databases and logins: logins and session_user exist
# only there (on SQLite the login stays NULL, checked here too); it is not run a second time
# as pg/t0063.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
unset KLARTEXT_DB
KLARTEXT_TEST_DB=sqlite
if ! pg_available; then
    echo "# PostgreSQL 15 is not installed ($PG_BIN): ./run deps test installs postgresql-15"
    test_expect_success 'PostgreSQL 15 server binaries are installed' 'false'
    test_done; exit
fi
if [ -z "${PGHOST:-}" ] || ! [ -S "$PGHOST/.s.PGSQL.${PGPORT:-5432}" ]; then pg_start || exit 1; fi
trap 'stop_servers; pg_stop' EXIT

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
    [ "$(sqlite3 klartext.db "SELECT value FROM meta WHERE key = '\''schema_version'\''")" = 13 ] &&
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM audit WHERE login IS NOT NULL")" = 0 ] &&
    klartext audit >au && grep_q "  Dana Weber  klartext incident new" au && not_grep_q "(--actor" au &&
    klartext --json audit >aj && not_grep_q "\"login\"" aj && klartext log verify >/dev/null
'
test_done
