# tests/pg.sh — a throwaway PostgreSQL 15 cluster for a test suite. Source it, then:
#   pg_available || skip …        # the server binaries are installed
#   pg_start                      # initdb + pg_ctl start; stopped when the shell exits
#   url=$(pg_newdb)               # a fresh, empty database: postgresql:///kt_N
# The server runs as an unprivileged user (PostgreSQL refuses root: as root it runs as
# `postgres`, or `nobody`), listens only on a Unix socket in its own directory under /tmp (a
# suite's TMPDIR may be 0700, which that user cannot enter) and trusts local connections.
# libpq finds it through PGHOST/PGPORT/PGUSER, which pg_start exports, so the URLs stay short.
# PG_BIN overrides /usr/lib/postgresql/15/bin; PG_SERVER_OPTS the server's settings (bench/pg.sh:
# the server's own durability instead of the tests' fsync=off).
: "${PG_BIN:=/usr/lib/postgresql/15/bin}"
: "${PG_SERVER_OPTS:=-c fsync=off -c full_page_writes=off -c max_connections=60}"
PG_DIR=${PG_DIR:-} PG_NDB=${PG_NDB:-0}   # sourced twice (lib.sh, a suite): the cluster stays known

pg_available() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; }

pg_as() {  # run a server command as the cluster's owner
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OWNER" -- "$@"; else "$@"; fi
}

pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=''
}

pg_start() {
    PG_OWNER=postgres
    id -u postgres >/dev/null 2>&1 || PG_OWNER=nobody
    PG_DIR=$(mktemp -d /tmp/klartext-pg.XXXXXX) || return 1
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown "$PG_OWNER" "$PG_DIR"
    # a Unix socket only: the port just names the socket file, no TCP port is taken
    PG_PORT=5432
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U klartext -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log"; return 1; }
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses= $PG_SERVER_OPTS" \
        start >/dev/null || { cat "$PG_DIR/server.log"; return 1; }
    export PGHOST="$PG_DIR" PGPORT="$PG_PORT" PGUSER=klartext PGDATABASE=postgres
    trap 'pg_stop' EXIT
}

# restart the server (fast shutdown: every connection is cut), e.g. under a running portal
pg_restart() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 restart \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses= $PG_SERVER_OPTS" >/dev/null
}

# stop or start the server of the cluster (pg_server stop|start), e.g. under a running portal
pg_server() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 "$1" -l "$PG_DIR/server.log" \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses= $PG_SERVER_OPTS" >/dev/null
}

# a new empty database; prints its URL
pg_newdb() {
    PG_NDB=$((PG_NDB + 1))
    local name="kt_${BASHPID}_${PG_NDB}_$RANDOM"
    "$PG_BIN/psql" -qAtX -d postgres -c "CREATE DATABASE $name" >/dev/null || return 1
    # SQLite's group_concat and hex, for the tests' own queries (reg_sql in tests/cli/lib.sh)
    "$PG_BIN/psql" -qAtX -d "$name" >/dev/null <<'SQL' || return 1
CREATE FUNCTION kt_gc(a text, b anyelement) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b::text ELSE a || ',' || b::text END $$;
CREATE AGGREGATE group_concat(anyelement) (SFUNC = kt_gc, STYPE = text);
CREATE FUNCTION kt_gc2(a text, b anyelement, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b::text ELSE a || sep || b::text END $$;
CREATE AGGREGATE group_concat(anyelement, text) (SFUNC = kt_gc2, STYPE = text);
CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode($1, 'hex')) $$;
SQL
    echo "postgresql:///$name"
}

# psql on a database of the cluster: pg_sql URL SQL
pg_sql() { "$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# pg_suite [own]: the start of a suite that runs on PostgreSQL only (after tests/cli/lib.sh): it
# names its registers itself (KLARTEXT_DB unset; its fixtures are SQLite files whatever
# KLARTEXT_TEST_DB says), fails one test when the server binaries are missing, and uses the
# cluster tests/run started, or one of its own (always with `own`: a suite that restarts it);
# the servers of tests/notify/lib.sh and the cluster are stopped at exit
pg_suite() {
    unset KLARTEXT_DB
    KLARTEXT_TEST_DB=sqlite
    if ! pg_available; then
        echo "# PostgreSQL 15 is not installed ($PG_BIN): ./run deps test installs postgresql-15"
        test_expect_success 'PostgreSQL 15 server binaries are installed' 'false'
        test_done; exit
    fi
    if [ "${1:-}" = own ]; then
        PG_DIR=''
        pg_start || exit 1
    elif [ -z "${PGHOST:-}" ] || ! [ -S "$PGHOST/.s.PGSQL.${PGPORT:-5432}" ]; then
        pg_start || exit 1
    fi
    trap 'if declare -F stop_servers >/dev/null; then stop_servers; fi; pg_stop' EXIT
}
